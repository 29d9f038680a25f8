"""Keras models, read with h5py (Keras itself is not needed).

Layouts (Dense kernels are stored (inputs, outputs) and transposed to W = kernelᵀ):

- Keras 2 ``model.save("model.h5")``: the architecture in the root attribute
  ``model_config`` (JSON), the weights under ``model_weights/<layer>/`` as listed by its
  ``weight_names`` attribute (``<layer>/kernel:0``, ``<layer>/bias:0``), the layers in the
  order of the ``layer_names`` attribute; ``model.save_weights("w.h5")``: the same groups at
  the root, without the architecture;
- Keras 3 ``model.save_weights("model.weights.h5")``: ``layers/<name>/vars/0`` (kernel) and
  ``vars/1`` (bias), where ``<name>`` is the layer class in snake case numbered in order
  (``dense``, ``dense_1``, …, as Keras 3 writes them);
- Keras 3 ``model.save("model.keras")``: a zip of ``config.json`` (the architecture) and
  ``model.weights.h5`` (the layout above).

With the architecture (``model_config``, ``config.json``) the layers are read in the model's
order: ``Dense`` with activation ``relu`` or ``linear``, ``ReLU`` and ``Activation("relu")``,
``InputLayer``, ``Flatten``, ``Reshape`` to a vector, ``Dropout`` (and its variants,
reported), and a final ``softmax`` / ``sigmoid`` (reported; the network is analysed up to the
logits). Anything else (Conv2D, BatchNormalization, Add, an activation such as ``gelu``) is
refused naming the layer. Without it (a weights-only file) the Dense layers are taken in
order with a ReLU between them, and a note says so.

Keras is not installed here, so the import is checked against an independent numpy
evaluation of the file's own layout (x·kernel + bias, with the configured activations).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

import numpy as np

from ...errors import InputError
from .chain import Chain, ChainBuilder, check_forward
from .named_arrays import natural_key

__all__ = ["chain_from_h5", "chain_from_keras_zip"]

PIP = "pip install 'relugeom[keras]'"
_DROPOUT = ("Dropout", "AlphaDropout", "GaussianDropout", "GaussianNoise", "SpatialDropout1D")
_FINAL = {"softmax": "softmax", "log_softmax": "log_softmax", "sigmoid": "sigmoid"}


def _h5py() -> Any:
    try:
        import h5py
    except ImportError:
        raise InputError(f"reading Keras files needs h5py, which is not installed: {PIP}") \
            from None
    return h5py


def snake_case(name: str) -> str:
    """Keras 3's group name of a layer class: "Dense" → "dense", "BatchNormalization" →
    "batch_normalization".

    >>> snake_case("BatchNormalization"), snake_case("Dense")
    ('batch_normalization', 'dense')
    """
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", re.sub(r"\W+", "", name))
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def _open(h5py: Any, data: bytes, source: str) -> Any:
    try:
        return h5py.File(io.BytesIO(data), "r")
    except (OSError, ValueError) as exc:
        raise InputError(f"{source} cannot be read as HDF5: it is truncated or corrupt ({exc})") \
            from None


def chain_from_h5(data: bytes, source: str, notes: list,
                  config: dict | None = None) -> tuple[Chain, str | None]:
    """The chain of a Keras ``.h5`` / ``.weights.h5`` file (``config``: the architecture of a
    ``.keras`` archive)."""
    h5py = _h5py()
    with _open(h5py, data, source) as f:
        try:
            weights, version = _weights(f, source)
            if config is None and "model_config" in f.attrs:
                raw = f.attrs["model_config"]
                config = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
        except (OSError, KeyError, ValueError) as exc:
            raise InputError(f"{source} cannot be read as a Keras file: it is truncated or "
                             f"corrupt ({type(exc).__name__}: {exc})") from None
    if config is None:
        notes.append(f"{source} holds weights only ({version}): its Dense layers were read in "
                     "order with a ReLU between them and none after the last (the file does "
                     "not record activations; pass --widths to have the architecture checked)")
    kernels: list = []
    chain = (_chain_without_config(weights, source, kernels) if config is None
             else _chain_with_config(config, weights, version, source, kernels))
    return chain, check_forward(chain, _keras_layout_forward(kernels, chain),
                                np.dtype(_dtype(kernels)),
                                "an independent numpy evaluation of the Keras layout "
                                "(x·kernel + bias; Keras itself is not installed)", source)


def _dtype(kernels: list) -> Any:
    kind = kernels[0][0].dtype
    return kind if kind.kind == "f" and kind.itemsize <= 8 else np.float32


def _weights(f: Any, source: str) -> tuple[dict, str]:
    """{layer name: [arrays]} in the file's layer order, and which layout it is."""
    if "model_weights" in f or "layer_names" in f.attrs:
        root = f["model_weights"] if "model_weights" in f else f
        out = {}
        for raw in root.attrs["layer_names"]:
            name = raw.decode() if isinstance(raw, bytes) else str(raw)
            group = root[name]
            out[name] = [np.asarray(group[w.decode() if isinstance(w, bytes) else w])
                         for w in group.attrs.get("weight_names", [])]
        return out, "Keras 2 layout"
    if "layers" in f:
        out = {}
        for name in sorted(f["layers"], key=natural_key):
            variables = f["layers"][name].get("vars")
            out[name] = ([] if variables is None else
                         [np.asarray(variables[k]) for k in sorted(variables, key=int)])
        return out, "Keras 3 layout"
    raise InputError(f"{source} is HDF5 but not a Keras file: no 'model_weights' group, "
                     f"'layer_names' attribute or 'layers' group (top-level keys: "
                     f"{sorted(f)[:8]})")


def _dense(builder: ChainBuilder, name: str, arrays: list, kernels: list) -> None:
    """Add a Dense layer's (kernel, bias) to the chain (transposed) and to ``kernels`` (as
    stored)."""
    if not arrays:
        raise InputError(f"{builder.source}: Dense layer {name!r} has no weights in the file")
    kernel = arrays[0]
    if kernel.ndim != 2:
        raise InputError(f"{builder.source}: layer {name!r} has a kernel of shape "
                         f"{kernel.shape}: not a Dense layer (convolutions are not supported)")
    if len(arrays) > 2 or (len(arrays) == 2 and arrays[1].ndim != 1):
        raise InputError(f"{builder.source}: layer {name!r} has {len(arrays)} weights of shapes "
                         f"{[a.shape for a in arrays]}; a Dense layer has a kernel and a bias")
    bias = arrays[1] if len(arrays) > 1 else None
    builder.affine(f"layer {name!r} (Dense)", kernel.T, bias)
    kernels.append((kernel, bias))


def _chain_without_config(weights: dict, source: str, kernels: list) -> Chain:
    builder = ChainBuilder(source)
    for name, arrays in weights.items():
        if not arrays:
            continue
        if len(arrays) not in (1, 2) or arrays[0].ndim != 2:
            raise InputError(f"{source}: layer {name!r} holds {len(arrays)} weights of shapes "
                             f"{[a.shape for a in arrays]}: not a Dense layer (a "
                             "BatchNormalization or a convolution?); relugeom reads ReLU MLPs")
        if builder.chain.layers:
            builder.relu(f"the ReLU assumed before layer {name!r}")
        _dense(builder, name, arrays, kernels)
    return builder.finish()


def _config_layers(config: dict, source: str) -> list[dict]:
    inner = config.get("config", config)
    layers = inner.get("layers") if isinstance(inner, dict) else inner
    if not isinstance(layers, list):
        raise InputError(f"{source}: the model's configuration lists no layers")
    return layers


def _chain_with_config(config: dict, weights: dict, version: str, source: str,
                       kernels: list) -> Chain:
    builder = ChainBuilder(source)
    counters: dict[str, int] = {}
    for layer in _config_layers(config, source):
        kind = layer.get("class_name", "?")
        settings = layer.get("config", {})
        name = settings.get("name", kind)
        if kind == "InputLayer":
            continue
        group = snake_case(kind)
        count = counters.get(group, 0)
        counters[group] = count + 1
        # Keras 3 names weight groups by class and position; Keras 2 by the layer's name
        key = name if version.startswith("Keras 2") else (f"{group}_{count}" if count else group)
        label = f"layer {name!r} ({kind})"
        if kind == "Dense":
            if key not in weights:
                raise InputError(f"{source}: {label} has no weights in the file (looked for "
                                 f"{key!r})")
            _dense(builder, name, weights[key], kernels)
            _activation(builder, label, settings.get("activation", "linear"))
        elif kind == "Activation":
            _activation(builder, label, settings.get("activation", "linear"))
        elif kind == "ReLU":
            if any(settings.get(k) not in (None, 0, 0.0)
                   for k in ("max_value", "negative_slope", "threshold")):
                raise InputError(f"{source}: {label} is a clipped or leaky ReLU; relugeom reads "
                                 "plain ReLU")
            builder.relu(label)
        elif kind == "Softmax":
            builder.final(label, "softmax", settings.get("axis", -1))
        elif kind in _DROPOUT:
            builder.drop(label)
        elif kind == "Flatten" or (kind == "Reshape"
                                   and len(settings.get("target_shape", ())) == 1):
            builder.flatten(label, label)
        else:
            raise InputError(f"{source}: {label} is not supported; relugeom reads ReLU MLPs: "
                             "Dense, ReLU, Activation, Flatten, Dropout, and a final softmax / "
                             "sigmoid")
    return builder.finish()


def _activation(builder: ChainBuilder, label: str, activation: Any) -> None:
    if isinstance(activation, dict):  # Keras 3 may serialise it as an object
        activation = activation.get("config", {}).get("name", activation.get("class_name"))
    if activation in (None, "linear"):
        return
    if activation == "relu":
        builder.relu(label)
    elif activation in _FINAL:
        builder.final(label, _FINAL[activation])
    else:
        raise InputError(f"{builder.source}: {label} has activation {activation!r}; relugeom "
                         "reads ReLU networks (relu, linear, and a final softmax / sigmoid)")


def _keras_layout_forward(kernels: list, chain: Chain):
    """Evaluate the file's arrays as Keras does (x·kernel + bias), independently of the
    transposed W the chain holds."""
    def run(X: np.ndarray) -> np.ndarray:
        h = X
        for l, (kernel, bias) in enumerate(kernels):
            h = h @ kernel.astype(np.float64) + (0 if bias is None else bias.astype(np.float64))
            if l < len(kernels) - 1:
                h = np.maximum(h, 0)
        return _final(h, chain)

    return run


def _final(h: np.ndarray, chain: Chain) -> np.ndarray:
    if chain.final_activation == "sigmoid":
        return 1 / (1 + np.exp(-h))
    if chain.final_activation in ("softmax", "log_softmax"):
        e = np.exp(h - h.max(axis=-1, keepdims=True))
        p = e / e.sum(axis=-1, keepdims=True)
        return np.log(p) if chain.final_activation == "log_softmax" else p
    return h


def chain_from_keras_zip(data: bytes, source: str, notes: list) -> tuple[Chain, str | None]:
    """The chain of a Keras 3 ``.keras`` archive (config.json + model.weights.h5)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            config = json.loads(archive.read("config.json"))
            weights = archive.read("model.weights.h5")
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(f"{source} cannot be read as a .keras archive (truncated?): {exc}") \
            from None
    return chain_from_h5(weights, source, notes, config=config)
