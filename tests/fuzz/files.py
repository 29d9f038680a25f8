"""Hypothesis strategies for hostile input files, composed from small parts so that they shrink.

A drawn :class:`Payload` is a recipe: :meth:`Payload.make` writes it into a folder (or names
an existing non-regular path) and returns the path to pass on the command line. Recipes:

- *text* files built from a valid base (a network or a sample) with a few mutations, each a
  separate draw (so shrinking removes mutations one by one and simplifies each): a cell or a
  JSON leaf replaced by a hostile token (numbers of 10^4–10^5 digits, ``1e999999999``, NaN and
  infinity spellings, unicode digits, ...), ragged CSV rows, wrong JSON shapes, deep nesting
  (up to 10^5 levels), then byte-level damage: a byte-order mark (UTF-8/16/32), another
  encoding, invalid UTF-8, NUL bytes, truncation;
- *binary* files: garbage, garbage behind the .npy or zip magic, .npy/.npz arrays of every
  dtype and shape (object arrays, complex, NaN), an .npy header that declares 10^12 entries;
- *special* paths: a FIFO, a directory, ``/dev/zero``, ``/dev/urandom``, ``/dev/null``,
  ``/proc/self/status`` (a "regular" file of size 0 with content), a symlink to
  ``/dev/zero``, a dangling symlink, a missing file, an empty file.
"""

from __future__ import annotations

import io
import os
import random
import zipfile
from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st

# --- the valid bases ------------------------------------------------------------------------

#: relu(x) + 2 relu(y) + 3 relu(x + y − 1): d = 2, N = 3, m = 1 (tests/cli/runner.py's NET).
NET = {"W": [[1, 0], [0, 1], [1, 1]], "b": [0, 0, -1], "V": [[1, 2, 3]], "c": [0]}
#: The same network in the deep format.
DEEP_NET = {"layers": [{"W": [[1, 0], [0, 1], [1, 1]], "b": [0, 0, -1]},
                       {"W": [[1, 2, 3]], "b": [0]}]}
#: A direction δ for ``walk`` of NET's architecture.
DIRECTION = {"W": [[0, 0], [0, 0], [0, 0]], "b": [0, 0, -1], "V": [[0, 0, 0]], "c": [0]}
#: Five samples off the three lines x = 0, y = 0, x + y = 1.
ROWS = [["1", "2"], ["-1", "3"], ["2", "-3"], ["3", "3"], ["-2", "-3"]]


class Raw(str):
    """A JSON token written as is (a number json.dumps cannot write, or broken text)."""


def dump(value) -> str:
    """JSON text of ``value``, with :class:`Raw` leaves written verbatim."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{dump(str(k))}: {dump(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(dump(v) for v in value) + "]"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


# --- tokens ---------------------------------------------------------------------------------

#: Exact numbers written as CSV cells or JSON strings, simplest first.
plain_numbers = st.one_of(
    st.integers(-9, 9).map(str),
    st.builds(lambda p, q: f"{p}/{q}", st.integers(-9, 9), st.integers(1, 9)),
    st.builds(lambda i, f: f"{i}.{f}", st.integers(-9, 9), st.integers(0, 999)),
    st.builds(lambda m, e: f"{m}e{e}", st.integers(-9, 9), st.integers(-5, 5)),
)


def _huge(kind: str, digits: int) -> str:
    return {"integer": "1" + "0" * (digits - 1),
            "negative": "-" + "9" * digits,
            "decimal": "3." + "1" * digits,
            "tiny": "0." + "0" * digits + "1",
            "exponent": f"1e{digits}",
            "negative exponent": f"1e-{digits}",
            "fraction": "1/" + "7" * digits,
            "mantissa and exponent": "1" * digits + f".5e-{digits}"}[kind]


#: Numbers of 10^4–10^5 digits (or whose exact value has that many), and exponents whose
#: exact value would have 10^9 or more digits.
huge_numbers = st.one_of(
    st.builds(_huge,
              st.sampled_from(["integer", "negative", "decimal", "tiny", "exponent",
                               "negative exponent", "fraction", "mantissa and exponent"]),
              st.sampled_from([4301, 10_000, 100_000])),
    st.sampled_from(["1e999999999", "-1e999999999", "1e-999999999", "1E+999999999999999999",
                     "1/1e999999999", "0e999999999", "1e" + "9" * 50]),
)

#: NaN and infinities, however spelled.
nan_inf = st.sampled_from(["NaN", "nan", "-nan", "+nan", "NAN", "nan(0x1)", "sNaN", "inf",
                           "-inf", "+inf", "Inf", "INF", "Infinity", "-Infinity", "infinity",
                           "∞", "-∞", "1/0", "0/0", "-1/0", "1e309", "-1e309"])

#: Text that is almost a number, or not at all.
odd_tokens = st.sampled_from(["", " ", "1,5", "0x1F", "1_000", "١٢", "１", "½", "-0", "+1",
                              "1.", ".5", "1e", "e5", "1..2", "--1", "1/2/3", "3/-4", "1/-0",
                              "true", "null", '"1"', "１e1", "1 2", "\t3\t", "x", "é", "\x00",
                              "\u200b1", "1\u00a0", "9" * 120 + "/" + "0"])

#: One cell of a CSV file or string of a JSON file.
tokens = st.one_of(plain_numbers, huge_numbers, nan_inf, odd_tokens)


def _deep_list(depth: int, kind: str) -> str:
    if kind == "list":
        return "[" * depth + "1" + "]" * depth
    if kind == "object":
        return '{"a": ' * depth + "1" + "}" * depth
    if kind == "unclosed":
        return "[" * depth
    return "[{\"X\": " * (depth // 2) + "1" + "}]" * (depth // 2)


#: Deeply nested JSON text (as a file, or a leaf written verbatim), up to 10^5 levels.
deep_json = st.builds(_deep_list, st.sampled_from([64, 1000, 10_000, 100_000]),
                      st.sampled_from(["list", "object", "unclosed", "mixed"]))

#: A JSON leaf: a number token written raw (1e99999 as a JSON number), a string, or a value of
#: the wrong type.
json_leaves = st.one_of(
    tokens.map(Raw),
    tokens,
    deep_json.map(Raw),
    st.sampled_from([None, True, False, [], {}, [[]], [1, 2, 3], {"a": 1}, 1.5]),
)


# --- mutations ------------------------------------------------------------------------------

def _paths(value, prefix=()):
    """Every path (keys and indices) into a JSON tree, the root included."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, prefix + (i,))


def _replace(value, path, new):
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        copy = dict(value)
    else:
        copy = list(value)
    copy[head] = _replace(copy[head], rest, new)
    return copy


def _get(value, path):
    for step in path:
        value = value[step]
    return value


@st.composite
def json_mutation(draw, tree):
    """One change of a JSON tree: a leaf or subtree replaced, a list element dropped or
    duplicated, a list wrapped, a key removed, renamed or added."""
    paths = list(_paths(tree))
    path = paths[draw(st.integers(0, len(paths) - 1))]
    target = _get(tree, path)
    action = draw(st.sampled_from(["replace", "drop", "duplicate", "wrap", "remove key",
                                   "rename key", "add key"]))
    if action == "replace":
        return _replace(tree, path, draw(json_leaves))
    if action in ("drop", "duplicate") and isinstance(target, list) and target:
        i = draw(st.integers(0, len(target) - 1))
        new = target[:i] + target[i + 1:] if action == "drop" else target[:i + 1] + target[i:]
        return _replace(tree, path, new)
    if action == "wrap":
        return _replace(tree, path, [target])
    if isinstance(target, dict) and target:
        key = draw(st.sampled_from(sorted(target)))
        copy = dict(target)
        value = copy.pop(key)
        if action == "rename key":
            copy[draw(st.sampled_from(["w", "X ", "layers", "B", "", "W\u0301"]))] = value
        elif action == "add key":
            copy = dict(target)
            copy[draw(st.sampled_from(["extra", "layers", "X", "W"]))] = draw(json_leaves)
        return _replace(tree, path, copy)
    return _replace(tree, path, draw(json_leaves))


@st.composite
def json_texts(draw, base):
    """JSON text of ``base`` after 0–3 mutations; sometimes a duplicated key or a trailing
    comma, or a whole file of deep nesting."""
    if draw(st.integers(0, 9)) == 0:
        return draw(deep_json)
    tree = base
    for _ in range(draw(st.integers(0, 3))):
        tree = draw(json_mutation(tree))
    text = dump(tree)
    textual = draw(st.sampled_from(["none", "none", "duplicate key", "trailing comma",
                                    "comment", "indent"]))
    if textual == "duplicate key" and text.startswith("{") and len(text) > 2:
        text = text[:-1] + ', "W": [[1]]}'
    elif textual == "trailing comma":
        text = text.replace("]", ", ]", 1)
    elif textual == "comment":
        text = "// a network\n" + text
    elif textual == "indent":
        text = text.replace(", ", ",\n    ")
    return text


@st.composite
def csv_texts(draw, rows=ROWS):
    """CSV text of ``rows`` after 0–3 cell mutations (a hostile token, a cell added or
    removed: ragged rows), with a drawn header, separator, line ending and final newline."""
    rows = [list(r) for r in rows]
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(rows) - 1)) if rows else 0
        action = draw(st.sampled_from(["token", "add cell", "drop cell", "drop row",
                                       "blank row", "huge row"]))
        if not rows:
            rows.append([draw(tokens)])
        elif action == "token" and rows[i]:
            rows[i][draw(st.integers(0, len(rows[i]) - 1))] = draw(tokens)
        elif action == "add cell":
            rows[i].append(draw(tokens))
        elif action == "drop cell" and rows[i]:
            rows[i].pop()
        elif action == "drop row":
            rows.pop(i)
        elif action == "blank row":
            rows.insert(i, [])
        else:
            rows.insert(i, ["1"] * draw(st.sampled_from([3, 1000, 100_000])))
    header = draw(st.sampled_from([None, "x,y", "x", "1,2", "NaN,inf", "x,y,z", "# comment",
                                   '"x","y"', "\ufeffx,y"]))
    separator = draw(st.sampled_from([",", ",", ";", "\t", " ", ", "]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r", "\n\n"]))
    lines = ([header] if header is not None else []) + [separator.join(r) for r in rows]
    return newline.join(lines) + (newline if draw(st.booleans()) else "")


# --- from text to bytes -----------------------------------------------------------------------

_BOMS = {"utf-8": b"\xef\xbb\xbf", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff",
         "utf-32-le": b"\xff\xfe\x00\x00"}


@st.composite
def encoded(draw, text: str) -> bytes:
    """``text`` as bytes: UTF-8, maybe with a byte-order mark, another encoding, invalid
    bytes inserted, NUL bytes, or cut short."""
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8 with BOM", "double BOM",
                                     "utf-16", "utf-16-le with BOM", "utf-16-be with BOM",
                                     "utf-32", "latin-1"]))
    if encoding == "utf-8":
        data = text.encode("utf-8", "surrogatepass")
    elif encoding == "utf-8 with BOM":
        data = _BOMS["utf-8"] + text.encode("utf-8", "surrogatepass")
    elif encoding == "double BOM":
        data = _BOMS["utf-8"] * 2 + text.encode("utf-8", "surrogatepass")
    elif encoding.endswith("with BOM"):
        codec = encoding.split()[0]
        data = _BOMS[codec] + text.encode(codec, "surrogatepass")
    else:
        data = text.encode(encoding, "replace")
    damage = draw(st.sampled_from(["none", "none", "none", "invalid byte", "overlong",
                                   "surrogate", "NUL", "cut", "BOM in the middle"]))
    at = draw(st.integers(0, len(data))) if data else 0
    if damage == "invalid byte":
        data = data[:at] + b"\xff" + data[at:]
    elif damage == "overlong":
        data = data[:at] + b"\xc0\xaf" + data[at:]
    elif damage == "surrogate":
        data = data[:at] + b"\xed\xa0\x80" + data[at:]
    elif damage == "NUL":
        data = data[:at] + b"\x00" + data[at:]
    elif damage == "cut":
        data = data[:at]
    elif damage == "BOM in the middle":
        data = data[:at] + _BOMS["utf-8"] + data[at:]
    return data


# --- numpy files ------------------------------------------------------------------------------

def _npy_bytes(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def _forged_npy(shape, dtype="<f8", fortran=False) -> bytes:
    """An .npy file whose header declares ``shape`` but holds 16 bytes of data."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": dtype, "fortran_order": fortran, "shape": shape})
    return buffer.getvalue() + b"\x00" * 16


def _npz_bytes(arrays: dict, raw: dict | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            archive.writestr(name + ".npy", _npy_bytes(array))
        for name, data in (raw or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


_GOOD = np.array([[1, 2], [-1, 3], [2, -3]], dtype=float)


def _array(kind: str):
    return {
        "float64": _GOOD,
        "float32": _GOOD.astype(np.float32),
        "float16": _GOOD.astype(np.float16),
        "int64": _GOOD.astype(np.int64),
        "uint8": np.array([[1, 2], [255, 3]], dtype=np.uint8),
        "bool": _GOOD > 0,
        "complex": _GOOD.astype(complex) + 1j,
        "object": np.array([[1, 2], ["3/4", None]], dtype=object),
        "strings": np.array([["1", "2"], ["3", "x"]]),
        "bytes": np.array([[b"1", b"2"]]),
        "datetime": np.array([["2020-01-01", "2020-01-02"]], dtype="datetime64[D]"),
        "structured": np.zeros(3, dtype=[("x", "f8"), ("y", "f8")]),
        "nan": np.array([[1.0, np.nan], [2.0, 3.0]]),
        "inf": np.array([[1.0, -np.inf], [2.0, 3.0]]),
        "subnormal": np.array([[5e-324, 1.0], [1.0, 2.0]]),
        "max float": np.array([[1.7976931348623157e308, 1.0], [1.0, -2.0]]),
        "scalar": np.array(1.5),
        "vector": np.array([1.0, 2.0, 3.0]),
        "3-d": np.ones((2, 2, 1)),
        "empty rows": np.zeros((0, 2)),
        "empty columns": np.zeros((3, 0)),
        "wrong width": np.ones((3, 5)),
        "fortran": np.asfortranarray(_GOOD),
        "big-endian": _GOOD.astype(">f8"),
    }[kind]


_ARRAYS = ["float64", "float32", "float16", "int64", "uint8", "bool", "complex", "object",
           "strings", "bytes", "datetime", "structured", "nan", "inf", "subnormal", "max float",
           "scalar", "vector", "3-d", "empty rows", "empty columns", "wrong width", "fortran",
           "big-endian"]


@st.composite
def numpy_bytes(draw) -> bytes:
    """An .npy or .npz file: arrays of every dtype and shape, forged headers, broken zips."""
    kind = draw(st.sampled_from(["npy", "forged npy", "npz", "npz names", "forged npz",
                                 "empty npz", "npz with garbage", "cut"]))
    array = _array(draw(st.sampled_from(_ARRAYS)))
    if kind == "npy":
        return _npy_bytes(array)
    if kind in ("forged npy", "forged npz"):
        shape = draw(st.sampled_from([(10 ** 12, 2), (2, 10 ** 12), (1 << 62, 2), (10 ** 9,),
                                      (3, 2), (-1, 2)]))
        dtype = draw(st.sampled_from(["<f8", "|O", "<c16", "|V8", "<U1000000"]))
        forged = _forged_npy(shape, dtype)
        return forged if kind == "forged npy" else _npz_bytes({}, {"X.npy": forged})
    if kind == "npz":
        return _npz_bytes({"X": array})
    if kind == "npz names":
        names = draw(st.sampled_from([["Y"], ["X", "Y"], ["a", "b"], ["x"], ["X/../X"]]))
        return _npz_bytes({name: array for name in names})
    if kind == "empty npz":
        return _npz_bytes({})
    if kind == "npz with garbage":
        return _npz_bytes({}, {"X.npy": draw(st.binary(max_size=64))})
    data = _npy_bytes(array) if draw(st.booleans()) else _npz_bytes({"X": array})
    return data[:draw(st.integers(0, len(data) - 1))]


#: Binary garbage, alone or behind a magic number.
garbage = st.one_of(
    st.binary(max_size=256),
    st.builds(lambda magic, tail: magic + tail,
              st.sampled_from([b"\x93NUMPY", b"\x93NUMPY\x01\x00", b"PK\x03\x04", b"PK\x05\x06",
                               b"\x89PNG\r\n\x1a\n", b"\x1f\x8b", b"\x00" * 8]),
              st.binary(max_size=256)),
    st.sampled_from([b"", b"\n", b"\r\n", b" ", b"\xef\xbb\xbf", b"\xff\xfe", b"\x00" * 4096]),
)


# --- payloads ---------------------------------------------------------------------------------

#: Paths that are not regular files, or not there.
SPECIAL = ["fifo", "directory", "/dev/zero", "/dev/urandom", "/dev/null", "/proc/self/status",
           "symlink to /dev/zero", "dangling symlink", "missing", "empty"]


@dataclass
class Payload:
    """A hostile file: ``data`` written under a name ending in ``suffix``, or a ``special``
    path (see :data:`SPECIAL`)."""

    suffix: str = ""
    data: bytes = b""
    special: str | None = None
    origin: str = field(default="", compare=False)

    def make(self, folder, stem: str) -> str:
        path = os.path.join(str(folder), stem + self.suffix)
        if self.special is None or self.special == "empty":
            with open(path, "wb") as handle:
                handle.write(self.data)
        elif self.special == "fifo":
            os.mkfifo(path)
        elif self.special == "directory":
            os.mkdir(path)
        elif self.special == "symlink to /dev/zero":
            os.symlink("/dev/zero", path)
        elif self.special == "dangling symlink":
            os.symlink(path + ".nowhere", path)
        elif self.special == "missing":
            pass
        else:
            return self.special
        return path

    def __repr__(self) -> str:
        if self.special is not None:
            return f"Payload(special={self.special!r}, suffix={self.suffix!r})"
        shown = self.data if len(self.data) <= 200 else (
            self.data[:120] + b"..." + self.data[-40:])
        return (f"Payload({self.origin}, suffix={self.suffix!r}, {len(self.data)} bytes: "
                f"{shown!r})")


@st.composite
def _payload(draw, data_strategy, origin):
    """A Payload of drawn bytes and file name ending (composite, so that hypothesis reports
    it with :meth:`Payload.__repr__`, which abbreviates huge files)."""
    return Payload(draw(SUFFIXES[origin]), draw(data_strategy), origin=origin)


@st.composite
def _text_bytes(draw, text_strategy):
    return draw(encoded(draw(text_strategy)))


def text_payload(text_strategy, origin):
    return _payload(_text_bytes(text_strategy), origin)


#: File name endings, the expected one first (shrinking goes there).
SUFFIXES = {
    "network json": st.sampled_from([".json", "", ".JSON", ".csv", ".npy"]),
    "sample csv": st.sampled_from([".csv", "", ".txt", ".CSV", ".json", ".npy"]),
    "sample json": st.sampled_from([".json", "", ".csv"]),
    "numpy": st.sampled_from([".npy", ".npz", ".csv", ".json", ""]),
    "garbage": st.sampled_from([".json", ".csv", ".npy", ".npz", ""]),
    "special": st.sampled_from([".json", ".csv", ".npy", ""]),
    "conjecture": st.sampled_from([".py", "", ".txt"]),
}

specials = st.builds(lambda name, suffix: Payload(suffix, special=name),
                     st.sampled_from(SPECIAL), SUFFIXES["special"])
garbage_files = _payload(garbage, "garbage")
numpy_files = _payload(numpy_bytes(), "numpy")


def network_files(base=NET) -> st.SearchStrategy[Payload]:
    """Hostile network (or direction) files."""
    return st.one_of(
        text_payload(st.one_of(json_texts(base), json_texts(DEEP_NET)), "network json"),
        specials, garbage_files, numpy_files,
        text_payload(csv_texts(), "sample csv"))


def sample_files() -> st.SearchStrategy[Payload]:
    """Hostile sample files."""
    return st.one_of(
        text_payload(csv_texts(), "sample csv"),
        text_payload(json_texts({"X": [[int(a), int(b)] for a, b in ROWS]}), "sample json"),
        numpy_files, specials, garbage_files)


# --- large but well-formed inputs -----------------------------------------------------------

def random_network(d: int, N: int, seed: int, magnitude: int = 3, m: int = 1) -> dict:
    """A shallow network with small random integer weights (reproducible from ``seed``)."""
    rng = random.Random(seed)
    entry = lambda: rng.randint(-magnitude, magnitude)  # noqa: E731
    return {"W": [[entry() for _ in range(d)] for _ in range(N)],
            "b": [entry() for _ in range(N)],
            "V": [[entry() for _ in range(N)] for _ in range(m)],
            "c": [entry() for _ in range(m)]}


#: Primes above every weight of :func:`random_network` (magnitude ≤ 1000), one a coordinate.
_PRIMES = [1009, 1013, 1019, 1021, 1031, 1033, 1039, 1049, 1051, 1061, 1063, 1069, 1087, 1091,
           1093, 1097, 1103, 1109, 1117, 1123]


def random_sample_csv(d: int, n: int, seed: int) -> str:
    """n rows of d random exact rationals k/1024 + 1/p_i, p_i a prime per coordinate
    (reproducible from ``seed``). Off every hyperplane of :func:`random_network` with
    magnitude < 1009 unless w_j = 0 and b_j = 0: w·x + b has the factor Π p_i (over w_i ≠ 0)
    in its denominator, so it is not 0. For d ≤ 20."""
    rng = random.Random(seed)
    return "".join(",".join(f"{rng.randint(-4096, 4096) * p + 1024}/{1024 * p}"
                            for p in _PRIMES[:d]) + "\n" for _ in range(n))


# --- conjecture files (relugeom search FILE.py:FUNCTION) -------------------------------------

#: Python sources of a conjecture ``f``: sound, broken, or misbehaving (never one that hangs or
#: ends the process on purpose, which a conjecture may do).
CONJECTURES = [
    "def f(a):\n    return a.local_dimension >= 0\n",
    "def f(a:\n",
    "f = 3\n",
    "x = 1\n",
    "def f():\n    return True\n",
    "def f(a):\n    raise ValueError('boom')\n",
    "def f(a):\n    return 'yes'\n",
    "def f(a):\n    return a.no_such_attribute\n",
    "def f(a):\n    return f(a)\n",
    "def f(a):\n    raise MemoryError\n",
    "import sys\nsys.exit(5)\n",
    "import no_such_module_for_relugeom\n",
    "f = lambda a: True\n",
    "class f:\n    def __init__(self, a):\n        pass\n",
    "def f(a):\n    return float('nan') > 0\n",
]

conjecture_files = st.one_of(
    _payload(st.sampled_from(CONJECTURES).flatmap(encoded), "conjecture"),
    specials.map(lambda p: Payload(".py", special=p.special)),
    _payload(garbage, "conjecture"),
)
