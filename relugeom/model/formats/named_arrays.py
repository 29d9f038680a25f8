"""Weights-only files: safetensors, ``.npz`` and PyTorch state_dicts, by a naming scheme.

A file of named arrays holds no activations, so the network is assumed to be the ReLU MLP
of its affine layers, in order, with a ReLU between consecutive layers (pass ``--widths`` to
have the architecture checked against the file). The names follow one of three schemes,
W_l always of shape n_l × n_{l−1} (PyTorch's orientation: outputs × inputs):

- PyTorch: ``<layer>.weight`` and ``<layer>.bias`` (the bias may be missing: b = 0), as
  ``model.state_dict()`` names them (``0.weight``, ``fc1.weight``, ``net.2.weight``);
- numbered: ``W1``, ``b1``, ``W2``, ``b2``, …, ``WL``, ``bL``;
- shallow: ``W``, ``b``, ``V``, ``c`` (relugeom's shallow network).

Layers are taken in the order of their names with numbers compared as numbers
(``layers.2`` before ``layers.10``), since safetensors and ``.npz`` do not keep the order
arrays were written in; a state_dict read from a PyTorch file keeps the file's order. Any
other key (a BatchNorm's ``running_mean``, a convolution's 4-D weight) is refused, named.

>>> import numpy as np
>>> arrays = {"1.weight": np.ones((1, 2)), "0.weight": np.eye(2), "0.bias": np.zeros(2)}
>>> chain_from_named_arrays(arrays, "example").widths
(2, 2, 1)
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

import numpy as np

from ...errors import InputError
from .chain import Chain, ChainBuilder

__all__ = ["chain_from_named_arrays", "read_npz", "read_safetensors"]

SCHEME = ("'<layer>.weight' / '<layer>.bias' (PyTorch), 'W1', 'b1', …, 'WL', 'bL', or 'W', "
          "'b', 'V', 'c'")


def natural_key(name: str) -> tuple:
    """Sort key comparing digit runs as numbers: "layers.2" < "layers.10".

    >>> sorted(["fc10", "fc2", "fc1"], key=natural_key)
    ['fc1', 'fc2', 'fc10']
    """
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.split(r"(\d+)", name) if part)


_NUMBERED = re.compile(r"([Wb])(\d+)")


def _layer_keys(keys: list[str], source: str, ordered: bool) -> list[tuple[str, str, str | None]]:
    """[(layer name, weight key, bias key or None)] in layer order."""
    present = set(keys)
    if present == {"W", "b", "V", "c"}:
        return [("W", "W", "b"), ("V", "V", "c")]
    if all(_NUMBERED.fullmatch(k) for k in keys):
        numbers = sorted({int(_NUMBERED.fullmatch(k)[2]) for k in keys})
        for n in numbers:
            if f"W{n}" not in present:
                raise InputError(f"{source}: 'b{n}' has no weight 'W{n}'")
        return [(f"W{n}", f"W{n}", f"b{n}" if f"b{n}" in present else None) for n in numbers]
    layers: dict[str, list] = {}
    for key in keys:
        prefix, _, kind = key.rpartition(".")
        if kind not in ("weight", "bias") or not prefix:
            raise InputError(f"{source}: key {key!r} is not a layer's weight or bias (a "
                             "BatchNorm's statistics, an optimizer state?); relugeom reads "
                             f"affine layers named {SCHEME}")
        layers.setdefault(prefix, [None, None])[kind == "bias"] = key
    order = list(layers) if ordered else sorted(layers, key=natural_key)
    for prefix in order:
        if layers[prefix][0] is None:
            raise InputError(f"{source}: {layers[prefix][1]!r} has no weight "
                             f"'{prefix}.weight'")
    return [(prefix, *layers[prefix]) for prefix in order]


def chain_from_named_arrays(arrays: dict[str, Any], source: str, ordered: bool = False) -> Chain:
    """The chain of a dict of named arrays (see the module's naming scheme); ``ordered``
    keeps the dict's order of layers instead of sorting their names."""
    if not arrays:
        raise InputError(f"{source} holds no arrays")
    builder = ChainBuilder(source)
    for l, (name, weight, bias) in enumerate(_layer_keys(list(arrays), source, ordered)):
        W = np.asarray(arrays[weight])
        if W.ndim != 2:
            kind = ("a convolution's kernel" if W.ndim > 2 else "a normalisation layer's scale"
                    if W.ndim == 1 else "a scalar")
            raise InputError(f"{source}: {weight!r} has shape {W.shape}, {kind}, not a dense "
                             "layer's weight; relugeom reads ReLU MLPs")
        if l:
            builder.relu(f"the ReLU assumed before {name!r}")
        builder.affine(f"key {weight!r}", W, None if bias is None else arrays[bias])
    return builder.finish()


def read_npz(data: bytes, source: str) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` archive (no pickles)."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise InputError(f"{source} cannot be read as an .npz archive (truncated?): {exc}") \
            from None


def read_safetensors(data: bytes, source: str) -> dict[str, np.ndarray]:
    """The tensors of a safetensors file, read with the ``safetensors`` library; bfloat16
    tensors (which numpy lacks) are widened exactly to float32 from their bytes."""
    try:
        from safetensors import SafetensorError
        from safetensors.numpy import load
    except ImportError:
        raise InputError("reading safetensors files needs the safetensors library, which is "
                         "not installed: pip install 'relugeom[safetensors]'") from None
    header = _header(data, source)
    try:
        plain = load(data) if not any(v.get("dtype") == "BF16" for k, v in header.items()
                                      if k != "__metadata__") else None
    except (SafetensorError, ValueError, TypeError) as exc:
        raise InputError(f"{source} cannot be read as safetensors (truncated?): {exc}") \
            from None
    if plain is not None:
        return {key: plain[key] for key in header if key != "__metadata__"}
    start = 8 + int.from_bytes(data[:8], "little")
    out = {}
    for key, info in header.items():
        if key == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        raw = data[start + begin:start + end]
        dtype = {"BF16": "<u2", "F16": "<f2", "F32": "<f4", "F64": "<f8", "I64": "<i8",
                 "I32": "<i4"}.get(info["dtype"])
        if dtype is None:
            raise InputError(f"{source}: tensor {key!r} has dtype {info['dtype']}")
        values = np.frombuffer(raw, dtype=dtype)
        if info["dtype"] == "BF16":
            values = (values.astype(np.uint32) << 16).view(np.float32)
        out[key] = values.reshape(info["shape"])
    return out


def _header(data: bytes, source: str) -> dict:
    """The safetensors JSON header (tensor name → dtype, shape, offsets), checked against the
    file's length, in the file's order."""
    size = int.from_bytes(data[:8], "little") if len(data) >= 8 else -1
    try:
        if not 0 < size <= len(data) - 8:
            raise ValueError("header length beyond the end of the file")
        header = json.loads(data[8:8 + size])
        end = max((v["data_offsets"][1] for k, v in header.items() if k != "__metadata__"),
                  default=0)
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise InputError(f"{source} cannot be read as safetensors (truncated?): {exc}") \
            from None
    if 8 + size + end > len(data):
        raise InputError(f"{source} is truncated: its header declares {8 + size + end} bytes, "
                         f"the file holds {len(data)}")
    return header
