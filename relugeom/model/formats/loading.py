"""Bring your own model: one entry point, :func:`load_network`, for every format relugeom reads.

The format of a file is told by its content (its first bytes), not by its name:

============================  =============================================================
relugeom JSON                 ``{`` — :func:`~relugeom.model.io.read_network`
ONNX                          a protobuf ModelProto — :mod:`.onnx_graph`
PyTorch                       a zip with ``data.pkl`` or a pickle — :mod:`.pytorch`
Keras                         HDF5 (``.h5``, ``.weights.h5``), or a zip with
                              ``config.json`` + ``model.weights.h5`` (``.keras``) —
                              :mod:`.keras_h5`
safetensors, ``.npz``         named arrays — :mod:`.named_arrays`
============================  =============================================================

Objects are read too: a :class:`~relugeom.model.shallow.ShallowNetwork` /
:class:`~relugeom.model.deep.DeepNetwork` or relugeom's JSON dict, a ``torch.nn.Module``, an
``onnx.ModelProto``, or a dict of named arrays (a ``state_dict``). Every float is read at its
exact binary value (float16 and bfloat16 too), and every model whose framework can run it is
checked: the network's float forward pass must match the framework's own on random inputs, or
the import is refused with the largest deviation. A network with one hidden layer comes out as
a ShallowNetwork, a deeper one as a DeepNetwork.

:func:`import_network` returns the network with its :class:`ImportReport`: the format read,
what was dropped (Dropout, Identity, a Flatten of the input, a final softmax), the forward
check, and notes.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from typing import Any, Sequence

from ...errors import InputError
from ..deep import DeepNetwork
from ..io import _open_regular, _read_bytes, read_network
from ..network import Network, as_network
from .chain import Chain, parse_widths
from .keras_h5 import chain_from_h5, chain_from_keras_zip
from .named_arrays import chain_from_named_arrays, read_npz, read_safetensors
from .onnx_graph import chain_from_onnx, is_onnx_model, load_onnx
from .pytorch import chain_from_module, chain_from_torch_file, is_torch_module

__all__ = ["FORMATS", "ImportReport", "detect_format", "import_network", "load_network"]

#: The formats relugeom reads, as :attr:`ImportReport.format` names them.
FORMATS = ("relugeom-json", "onnx", "pytorch", "pytorch-state-dict", "keras", "safetensors",
           "npz", "object")


@dataclass(frozen=True)
class ImportReport:
    """How a network was read: ``format`` (one of :data:`FORMATS`), ``source`` (the file or
    object), ``widths``, what was ``dropped``, the ``final_activation`` removed (the network is
    analysed up to the logits), the forward ``check`` sentence (None when there is no framework
    model to compare with), and ``notes`` for the user."""

    format: str
    source: str
    widths: tuple
    dropped: tuple = ()
    final_activation: str | None = None
    check: str | None = None
    notes: tuple = ()

    def messages(self) -> list[str]:
        """The sentences a command prints as notes (nothing for relugeom's own JSON)."""
        out = []
        if self.format in ("relugeom-json", "object") and not self.notes:
            return out
        out.append(f"{self.source} read as {self.format}, widths "
                   f"{','.join(map(str, self.widths))}"
                   + (f"; dropped: {', '.join(self.dropped)}" if self.dropped else ""))
        if self.final_activation:
            out.append(f"{self.source} ends with a {self.final_activation}, which was removed: "
                       "the network is analysed up to the logits (its input)")
        out += list(self.notes)
        if self.check:
            out.append(f"{self.source}: {self.check}")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"format": self.format, "source": self.source, "widths": list(self.widths),
                "dropped": list(self.dropped), "final_activation": self.final_activation,
                "analysed_up_to": "logits" if self.final_activation else "output",
                "check": self.check, "notes": list(self.notes)}


def load_network(source: Any, *, widths: Sequence[int] | str | None = None,
                 notes: list | None = None) -> Network:
    """The network in ``source``: a file path (any format of this module, detected by its
    content) or an object (a network, relugeom's JSON dict, an ``nn.Module``, an
    ``onnx.ModelProto``, a state_dict). ``widths`` (n_0, …, n_L), if given, must match the
    layers read (it is how a weights-only file's architecture is checked); ``notes``, a
    list, receives what the user should know of the import (format, dropped layers, the
    forward check).

    >>> load_network({"W": [[1]], "b": [0], "V": [[2]], "c": [0]}).widths
    (1, 1, 1)
    """
    network, report = import_network(source, widths=widths)
    if notes is not None:
        notes.extend(report.messages())
    return network


def import_network(source: Any, *, widths: Sequence[int] | str | None = None
                   ) -> tuple[Network, ImportReport]:
    """(network, :class:`ImportReport`) of ``source``; see :func:`load_network`."""
    widths = parse_widths(widths)
    if isinstance(source, (str, bytes, os.PathLike)):
        return _import_file(source, widths)
    if is_torch_module(source):
        return _finish(*chain_from_module(source), "pytorch", "the PyTorch module", widths, [])
    if is_onnx_model(source):
        return _finish(*chain_from_onnx(source), "onnx", "the ONNX model", widths, [])
    if isinstance(source, dict) and source and all(hasattr(v, "shape") for v in source.values()):
        arrays = {k: (v.detach().cpu().double().numpy() if hasattr(v, "detach") else v)
                  for k, v in source.items()}
        return _finish(chain_from_named_arrays(arrays, "the state_dict", ordered=True), None,
                       "pytorch-state-dict", "the state_dict", widths, [])
    network = as_network(source)   # a network or relugeom's JSON dict; anything else refused
    return (_checked_network(network, widths, "the network"),
            ImportReport("object", "the network", network.widths))


def _checked_network(network: Network, widths: tuple | None, source: str) -> Network:
    if widths is not None and tuple(network.widths) != widths:
        raise InputError(f"--widths {','.join(map(str, widths))} disagrees with {source}: its "
                         f"widths are {','.join(map(str, network.widths))}")
    return network


def _finish(chain: Chain, check: str | None, fmt: str, source: str, widths: tuple | None,
            notes: list) -> tuple[Network, ImportReport]:
    chain.check_widths(widths, source)
    deep = DeepNetwork.from_numpy(chain.pairs())
    network = deep.to_shallow() if deep.depth == 2 else deep
    report = ImportReport(fmt, source, deep.widths, tuple(chain.dropped), chain.final_activation,
                          check, tuple(chain.notes) + tuple(notes))
    return network, report


_HDF5 = b"\x89HDF\r\n\x1a\n"


def detect_format(head: bytes, names: Sequence[str] = ()) -> str | None:
    """The format of a file from its first bytes (and, for a zip, its member ``names``):
    "relugeom-json", "keras", "keras-zip", "pytorch", "npz", "safetensors", "onnx", or None.

    >>> detect_format(b'{"W": [[1]]}'), detect_format(b"\\x89HDF\\r\\n\\x1a\\n...")
    ('relugeom-json', 'keras')
    """
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(_HDF5):
        return "keras"
    if head.startswith(b"PK"):
        if "config.json" in names and "model.weights.h5" in names:
            return "keras-zip"
        if any(n.endswith("data.pkl") for n in names):
            return "pytorch"
        if names and all(n.endswith(".npy") for n in names):
            return "npz"
        return None
    # safetensors: an 8-byte little-endian header length, then the JSON header (before the
    # pickle test: the length's first byte may be 0x80)
    if len(head) > 8 and head[8:9] == b"{" and 0 < int.from_bytes(head[:8], "little") < 1 << 32:
        return "safetensors"
    if head[:1] == b"\x80":   # a pickle: torch.save's legacy format
        return "pytorch"
    if text[:1] in (b"{", b"["):
        return "relugeom-json"
    if head[:1] == b"\x08":   # protobuf field 1 (ir_version), a varint: how ONNX files begin
        return "onnx"
    return None


def _looks_like_text(head: bytes, path: Any) -> bool:
    """Text, or nothing, or a file named .json: meant as relugeom JSON."""
    if str(path).lower().endswith(".json") or not head.strip():
        return True
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return True
    return all(32 <= byte < 127 or byte in b"\t\r\n" for byte in head)


def _import_file(path: Any, widths: tuple | None) -> tuple[Network, ImportReport]:
    source = f"network file {str(path)!r}"
    with _open_regular(path, "network", None) as handle:   # checked: regular, within the cap
        head = handle.read(64)
    names: list = []
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError) as exc:
            raise InputError(f"{source} is a zip archive that cannot be opened (truncated?): "
                             f"{exc}") from None
    kind = detect_format(head, names)
    if kind is None and _looks_like_text(head, path):
        kind = "relugeom-json"   # the JSON reader names what is wrong (empty, UTF-16, ...)
    if kind == "relugeom-json":
        network = read_network(path)
        return (_checked_network(network, widths, source),
                ImportReport("relugeom-json", source, network.widths))
    notes: list = []
    if kind == "pytorch":
        chain, check = chain_from_torch_file(path, source, notes)
        fmt = "pytorch" if check else "pytorch-state-dict"
        return _finish(chain, check, fmt, source, widths, notes)
    if kind is None:
        shown = head[:16].hex(" ")
        raise InputError(f"{source}: cannot tell its format (first bytes {shown}); relugeom "
                         "reads relugeom JSON, ONNX, PyTorch (.pt/.pth), Keras (.h5, "
                         ".weights.h5, .keras), safetensors and .npz networks")
    data = _read_bytes(path, "network", None)
    if kind == "onnx":
        return _finish(*chain_from_onnx(load_onnx(data, source), source), "onnx", source,
                       widths, notes)
    if kind == "keras":
        return _finish(*chain_from_h5(data, source, notes), "keras", source, widths, notes)
    if kind == "keras-zip":
        return _finish(*chain_from_keras_zip(data, source, notes), "keras", source, widths,
                       notes)
    arrays = read_npz(data, source) if kind == "npz" else read_safetensors(data, source)
    notes.append(f"{source} holds named arrays (weights only): the layers were taken in the "
                 "order of their names (numbers compared as numbers) with a ReLU assumed "
                 "between consecutive layers (pass --widths to check the architecture); no "
                 "model to check a forward pass against")
    return _finish(chain_from_named_arrays(arrays, source), None, kind, source, widths, notes)
