"""Reading networks and samples from files, exactly.

Networks: JSON ``{"W": [[..]], "b": [..], "V": [[..]], "c": [..]}`` (a shallow network) or
``{"layers": [{"W": [[..]], "b": [..]}, ...]}`` (a deep network); the format is detected.
Model files of other frameworks (PyTorch, ONNX, Keras, safetensors, .npz) are read by
:func:`relugeom.load_network` (:mod:`relugeom.model.formats`), which reads JSON through here.
Samples: CSV (one sample a row; integers, decimals or p/q), JSON ``{"X": [[..]]}`` (or a bare
list of rows), ``.npy``, or ``.npz`` (array ``X``, or the file's only array). Decimal literals
are read exactly and binary floats as their exact binary value.

Text files are UTF-8, with or without a byte-order mark. The first line of a CSV file is a
header of column names only when it cannot be read as numbers: no cell of it even starts like
a number (a line such as ``1e99999999`` or ``NaN`` is data, refused with its line, never
skipped). How a file was read, when it is not the obvious way (a header line skipped, the array
read from an ``.npz`` without an ``X``), is reported as *notes*: pass a list as ``notes`` to
:func:`read_sample` to receive them.

Only regular files are read: a directory, a FIFO, a device (``/dev/zero``) or a socket is
refused before it is opened, and so is a file larger than :func:`max_input_bytes` (1 GiB by
default, or the environment variable ``RELUGEOM_MAX_INPUT_BYTES``, e.g. ``4G``).
"""

from __future__ import annotations

import csv
import io as _io
import math
import os
import re
import stat
import zipfile
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import InputError
from ..exact.numbers import parse_json, to_rational
from .deep import DeepNetwork
from .network import network_from_data
from .sample import as_sample
from .shallow import ShallowNetwork

__all__ = ["ENV_MAX_INPUT_BYTES", "MAX_INPUT_BYTES", "check_input_file", "max_input_bytes",
           "network_from_data", "read_network", "read_sample"]

#: Largest input file relugeom reads by default, in bytes (1 GiB).
MAX_INPUT_BYTES = 1 << 30
#: The environment variable that overrides :data:`MAX_INPUT_BYTES`: a whole number of bytes,
#: optionally with a binary unit (``500M``, ``4G``, ``4GiB``, ``2T``).
ENV_MAX_INPUT_BYTES = "RELUGEOM_MAX_INPUT_BYTES"

_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
_SIZE = re.compile(r"\s*([0-9]{1,20})\s*([KMGT]?)(?:I?B)?\s*", re.IGNORECASE | re.ASCII)


def max_input_bytes() -> int:
    """The largest input file read, in bytes: ``RELUGEOM_MAX_INPUT_BYTES`` when set, else
    :data:`MAX_INPUT_BYTES` (1 GiB).

    >>> max_input_bytes() == MAX_INPUT_BYTES or ENV_MAX_INPUT_BYTES in os.environ
    True
    """
    text = os.environ.get(ENV_MAX_INPUT_BYTES)
    if text is None or not text.strip():
        return MAX_INPUT_BYTES
    match = _SIZE.fullmatch(text)
    if match is None or int(match[1]) == 0:
        raise InputError(f"environment variable {ENV_MAX_INPUT_BYTES}={text[:40]!r} is not a "
                         "positive size: give a whole number of bytes, optionally with a unit "
                         "K, M, G or T (powers of 1024), e.g. 4G")
    return int(match[1]) * _UNITS[match[2].upper()]


def _size_text(n: int) -> str:
    """A size in bytes for messages: "1 GiB", "3.5 MiB", "12 bytes"."""
    for unit, factor in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= factor:
            return f"{n / factor:.3g} {unit}"
    return f"{n} byte{'s' * (n != 1)}"


def _too_large(name: str, size: str, cap: int) -> InputError:
    return InputError(f"{name} is {size}, more than the {_size_text(cap)} relugeom reads from "
                      f"one file; set the environment variable {ENV_MAX_INPUT_BYTES} (e.g. "
                      f"{ENV_MAX_INPUT_BYTES}=4G) to read larger files")


def check_input_file(path: Any, what: str = "input", max_bytes: int | None = None) -> int:
    """Refuse, before opening it, what cannot be read as an input file: a missing path, a
    directory, anything that is not a regular file (a FIFO would block, ``/dev/zero`` never
    ends), or a file larger than ``max_bytes`` (default :func:`max_input_bytes`). Returns the
    size in bytes; ``what`` names the file in messages ("network", "sample").
    """
    name = f"{what} file {str(path)!r}"
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{name} does not exist") from None
    except (OSError, ValueError, TypeError) as exc:
        raise InputError(f"cannot read {name}: {getattr(exc, 'strerror', None) or exc}") \
            from None
    return _check_stat(info, name, max_bytes)


def _check_stat(info: os.stat_result, name: str, max_bytes: int | None) -> int:
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        raise InputError(f"{name} is a directory")
    if not stat.S_ISREG(mode):
        kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else
                "a character device" if stat.S_ISCHR(mode) else
                "a block device" if stat.S_ISBLK(mode) else
                "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
        raise InputError(f"{name} is {kind}; relugeom reads regular files only (save the "
                         "input to a file first)")
    cap = max_input_bytes() if max_bytes is None else max_bytes
    if info.st_size > cap:
        raise _too_large(name, _size_text(info.st_size), cap)
    return info.st_size


def _open_regular(path: Any, what: str, max_bytes: int | None) -> Any:
    """A binary file object of a regular file within the cap, checked before opening and again
    on the open file (opened without blocking, so that a path swapped for a FIFO in between
    cannot hang)."""
    check_input_file(path, what, max_bytes)
    name = f"{what} file {str(path)!r}"
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror or exc}") from None
    try:
        _check_stat(os.fstat(fd), name, max_bytes)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


_CHUNK = 1 << 24  # bytes read at a time


def _read_bytes(path: Any, what: str, max_bytes: int | None) -> bytes:
    cap = max_input_bytes() if max_bytes is None else max_bytes
    with _open_regular(path, what, max_bytes) as handle:
        try:   # in chunks: a file may grow or lie about its size (/proc), and one read of
            # cap + 1 bytes would reserve the whole cap in memory up front
            chunks, size = [], 0
            while size <= cap:
                chunk = handle.read(min(_CHUNK, cap + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            data = b"".join(chunks)
        except OSError as exc:
            raise InputError(f"cannot read {what} file {str(path)!r}: {exc.strerror or exc}") \
                from None
    if len(data) > cap:
        raise _too_large(f"{what} file {str(path)!r}", f"larger than {_size_text(cap)}", cap)
    return data


def _position(data: bytes, offset: int, skip: int = 0) -> str:
    """ "line L, column C" of a byte offset (columns count characters, from 1), the first
    ``skip`` bytes (a byte-order mark) not counted."""
    line = data.count(b"\n", 0, offset) + 1
    start = max(data.rfind(b"\n", 0, offset) + 1, skip)
    column = len(data[start:offset].decode("utf-8", errors="replace")) + 1
    return f"line {line}, column {column}"


def _decode(data: bytes, name: str) -> str:
    """UTF-8 text, a leading byte-order mark dropped; UTF-16/32 and invalid bytes refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{name} is UTF-16 or UTF-32 text (it starts with that byte-order "
                         "mark); save it as UTF-8")
    skip = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        return str(memoryview(data)[skip:], "utf-8")
    except UnicodeDecodeError as exc:
        offset = skip + exc.start
        raise InputError(f"{name} is not UTF-8 text: byte 0x{data[offset]:02x} at "
                         f"{_position(data, offset, skip)} cannot be decoded") from None


def _read_text(path: Any, what: str, max_bytes: int | None = None) -> str:
    return _decode(_read_bytes(path, what, max_bytes), f"{what} file {str(path)!r}")


def read_network(path: Any, *, max_bytes: int | None = None) -> ShallowNetwork | DeepNetwork:
    """Read a network from a JSON file (shallow or deep, detected by its keys).

    ``max_bytes`` caps the file size (default :func:`max_input_bytes`).
    """
    source = f"network file {str(path)!r}"
    text = _read_text(path, "network", max_bytes)
    return network_from_data(parse_json(text, source), source)


def read_sample(path: Any, input_dim: int | None = None, *, notes: list | None = None,
                max_bytes: int | None = None) -> tuple:
    """Read a sample from CSV, JSON, .npy or .npz (chosen by extension; CSV otherwise).

    ``notes``, if a list, receives one sentence for each way the file was read that a user
    should know of (a header line skipped, the array read from an .npz without ``X``).
    ``max_bytes`` caps the file size (default :func:`max_input_bytes`).
    """
    path_text = str(path)
    source = f"sample file {path_text!r}"
    notes = [] if notes is None else notes
    lower = path_text.lower()
    if lower.endswith((".npy", ".npz")):
        cap = max_input_bytes() if max_bytes is None else max_bytes
        with _open_regular(path, "sample", max_bytes) as handle:
            loaded = _load_numpy(handle, source, cap, notes)
        return as_sample(loaded, input_dim, source)
    text = _read_text(path, "sample", max_bytes)
    if lower.endswith(".json"):
        return as_sample(_sample_from_json(parse_json(text, source), source), input_dim, source)
    return as_sample(_parse_csv(text, source, notes), input_dim, source)


def _sample_from_json(data: Any, source: str) -> Any:
    if isinstance(data, dict):
        if "X" not in data:
            raise InputError(f'{source}: expected {{"X": [[..], ..]}}, found keys '
                             f"{sorted(data)}")
        return data["X"]
    return data


def _declared_bytes(handle: Any) -> int:
    """Bytes of the array an .npy stream declares in its header (read before the data)."""
    version = np.lib.format.read_magic(handle)
    read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                   else np.lib.format.read_array_header_2_0)
    shape, _, dtype = read_header(handle)
    return math.prod(shape) * dtype.itemsize


def _load_numpy(handle: Any, source: str, cap: int, notes: list) -> np.ndarray:
    """The sample array of an open .npy or .npz file, each size checked before it is read."""
    # npz members load lazily, so reading the chosen member must sit inside the same guard
    try:
        if zipfile.is_zipfile(handle):
            handle.seek(0)
            with zipfile.ZipFile(handle) as archive:
                members = archive.namelist()
                names = [n[:-4] if n.endswith(".npy") else n for n in members]
                if "X" in names:
                    name = "X"
                elif len(names) == 1:
                    name = names[0]
                    notes.append(f"{source} holds one array, named {name!r} rather than 'X'; "
                                 "it was read as the sample")
                else:
                    raise InputError(f"{source} holds arrays {names}; name the sample 'X'")
                member = archive.getinfo(members[names.index(name)])
                if member.file_size > cap:
                    raise _too_large(f"array {name!r} of {source}",
                                     f"{_size_text(member.file_size)} uncompressed", cap)
                with archive.open(member) as stream:
                    if _declared_bytes(stream) > cap:
                        raise _too_large(f"array {name!r} of {source}", "declared larger", cap)
                with archive.open(member) as stream:
                    loaded = np.lib.format.read_array(stream, allow_pickle=False)
        else:
            handle.seek(0)
            declared = _declared_bytes(handle)
            size = os.fstat(handle.fileno()).st_size
            if declared > size:
                raise InputError(f"{source} declares an array of {_size_text(declared)} but "
                                 f"holds {_size_text(size)}: it is truncated")
            handle.seek(0)
            loaded = np.load(handle, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, MemoryError) as exc:
        raise InputError(f"{source} cannot be read as a numpy array: {exc}") from None
    if not isinstance(loaded, np.ndarray):
        raise InputError(f"{source} cannot be read as a numpy array")
    if loaded.ndim != 2:
        raise InputError(f"{source} holds an array of shape {loaded.shape}; a sample is 2-D "
                         "(one sample a row), e.g. shape (n, 1) for 1-D inputs")
    if loaded.dtype.kind not in "iuf":
        raise InputError(f"{source} has dtype {loaded.dtype}; expected integers or floats")
    return loaded


_NUMBER_LIKE = re.compile(r"\s*[-+]?(\d|\.\d|nan\b|inf)", re.IGNORECASE)


def _reads_as_numbers(cells: list[str]) -> bool:
    try:
        for cell in cells:
            to_rational(cell)
    except InputError:
        return False
    return True


def _is_header(cells: list[str]) -> bool:
    """A first line is a header of names only when it cannot be read as numbers: no cell of it
    even starts like a number.

    Cells such as ``1e99999999`` or ``NaN`` look numeric: they are data, refused later with
    their line, not silently skipped as names.

    >>> _is_header(["x", "y"]), _is_header(["1", "2"]), _is_header(["x", "1"]), _is_header(["nan"])
    (True, False, False, False)
    """
    if _reads_as_numbers(cells):
        return False
    return not any(_NUMBER_LIKE.match(cell) for cell in cells)


def _shown_cells(cells: list[str], limit: int = 60) -> str:
    text = ",".join(cells)
    return repr(text if len(text) <= limit else text[:limit - 1] + "…")


def _csv_rows(text: str, source: str) -> list[tuple[int, list[str]]]:
    """(line where the row starts, cells) of every non-blank row."""
    reader = csv.reader(_io.StringIO(text, newline=""))
    rows, line = [], 1
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((line, row))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(f"{source} is not valid CSV: line {reader.line_num}: {exc}") from None
    return rows


def _parse_csv(text: str, source: str, notes: list) -> list[list[Fraction]]:
    rows = _csv_rows(text, source)
    if rows and any(sep in cell for cell in rows[0][1] for sep in ";\t"):
        raise InputError(f"{source}: line {rows[0][0]} holds ';' or a tab; samples are read as "
                         "comma-separated values, one sample a row")
    if rows and _is_header(rows[0][1]):
        line, cells = rows[0]
        rows = rows[1:]
        if not rows:
            raise InputError(f"{source} is empty: line {line} ({_shown_cells(cells)}) is a "
                             "header of column names and no sample follows it")
        notes.append(f"{source}: line {line} ({_shown_cells(cells)}) cannot be read as numbers "
                     "and was skipped as a header of column names")
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
