"""Reading networks and samples from files, exactly.

Networks: JSON ``{"W": [[..]], "b": [..], "V": [[..]], "c": [..]}`` (a shallow network) or
``{"layers": [{"W": [[..]], "b": [..]}, ...]}`` (a deep network); the format is detected.
Samples: CSV (one sample a row; integers, decimals or p/q; an optional header line of names is
skipped), JSON ``{"X": [[..]]}`` (or a bare list of rows), ``.npy``, or ``.npz`` (array ``X``).
Decimal literals are read exactly and binary floats as their exact binary value.
"""

from __future__ import annotations

import csv
import io as _io
import os
import re
import zipfile
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import InputError
from ..exact.numbers import parse_json, to_rational
from .deep import DeepNetwork
from .sample import as_sample
from .shallow import ShallowNetwork


def _read_text(path: str, what: str) -> str:
    if not os.path.exists(path):
        raise InputError(f"{what} file {path!r} does not exist")
    if os.path.isdir(path):
        raise InputError(f"{what} file {path!r} is a directory")
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except UnicodeDecodeError:
        raise InputError(f"{what} file {path!r} is not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"cannot read {what} file {path!r}: {exc.strerror}") from None


def read_network(path: str) -> ShallowNetwork | DeepNetwork:
    """Read a network from a JSON file (shallow or deep, detected by its keys)."""
    text = _read_text(path, "network")
    return network_from_data(parse_json(text, f"network file {path!r}"), f"network file {path!r}")


def network_from_data(data: Any, source: str = "network") -> ShallowNetwork | DeepNetwork:
    """Build a network from parsed JSON data: a ``"layers"`` key means a
    :class:`~relugeom.model.deep.DeepNetwork`, otherwise a :class:`ShallowNetwork`."""
    if isinstance(data, dict) and "layers" in data:
        return DeepNetwork.from_dict(data, source)
    return ShallowNetwork.from_dict(data, source)


def read_sample(path: str, input_dim: int | None = None) -> tuple:
    """Read a sample from CSV, JSON, .npy or .npz (chosen by extension; CSV otherwise)."""
    source = f"sample file {path!r}"
    lower = path.lower()
    if lower.endswith((".npy", ".npz")):
        if os.path.isdir(path):
            raise InputError(f"{source} is a directory")
        if not os.path.exists(path):
            raise InputError(f"{source} does not exist")
        return as_sample(_load_numpy(path, source), input_dim, source)
    text = _read_text(path, "sample")
    if lower.endswith(".json"):
        return as_sample(_sample_from_json(parse_json(text, source), source), input_dim, source)
    return as_sample(_parse_csv(text, source), input_dim, source)


def _sample_from_json(data: Any, source: str) -> Any:
    if isinstance(data, dict):
        if "X" not in data:
            raise InputError(f'{source}: expected {{"X": [[..], ..]}}, found keys '
                             f"{sorted(data)}")
        return data["X"]
    return data


def _load_numpy(path: str, source: str) -> np.ndarray:
    # npz members load lazily, so reading the chosen member must sit inside the same guard
    try:
        loaded = np.load(path, allow_pickle=False)
        if isinstance(loaded, np.lib.npyio.NpzFile):
            names = list(loaded.files)
            if "X" in names:
                loaded = loaded["X"]
            elif len(names) == 1:
                loaded = loaded[names[0]]
            else:
                raise InputError(f"{source} holds arrays {names}; name the sample 'X'")
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise InputError(f"{source} cannot be read as a numpy array: {exc}") from None
    if loaded.ndim != 2:
        raise InputError(f"{source} holds an array of shape {loaded.shape}; a sample is 2-D "
                         "(one sample a row), e.g. shape (n, 1) for 1-D inputs")
    if loaded.dtype.kind not in "iuf":
        raise InputError(f"{source} has dtype {loaded.dtype}; expected integers or floats")
    return loaded


_NUMBER_LIKE = re.compile(r"\s*[-+]?(\d|\.\d|nan\b|inf)", re.IGNORECASE)


def _is_header(cells: list[str]) -> bool:
    """A first line is a header of names when no cell even starts like a number.

    Cells such as ``1e99999999`` or ``NaN`` look numeric: they are data, refused later with
    their line, not silently skipped as names.
    """
    return not any(_NUMBER_LIKE.match(cell) for cell in cells)


def _parse_csv(text: str, source: str) -> list[list[Fraction]]:
    try:
        rows = [(k + 1, row) for k, row in enumerate(csv.reader(_io.StringIO(text)))
                if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise InputError(f"{source} is not valid CSV: {exc}") from None
    if rows and any(sep in cell for cell in rows[0][1] for sep in ";\t"):
        raise InputError(f"{source}: line {rows[0][0]} holds ';' or a tab; samples are read as "
                         "comma-separated values, one sample a row")
    if rows and _is_header(rows[0][1]):
        rows = rows[1:]  # a header line of names
    out = []
    for line, row in rows:
        # parse here, where the line number the user sees in the file is known
        out.append([to_rational(cell, f"{source}, line {line}, column {col + 1}")
                    for col, cell in enumerate(row)])
    if out:
        width = len(out[0])
        for (line, row), parsed in zip(rows, out):
            if len(parsed) != width:
                raise InputError(f"{source} is ragged: line {line} has {len(parsed)} values, "
                                 f"the first sample has {width}")
    return out
