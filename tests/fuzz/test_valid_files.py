"""The same (network, sample), written in every way the README allows, gives the same answer
(issue 13: "no wrong answer"; the CSV with a byte-order mark lost its first row silently).

A drawn shallow network and a sample off its hyperplanes (relugeom.search.strategies) are
written out with drawn spellings — integers, p/q, exact decimals, JSON numbers or strings; a
UTF-8 byte-order mark or none; LF or CRLF; a final newline or none; a header line of column
names in a CSV (skipped, with a note); JSON ``{"X": ...}`` or a bare list; ``.npy``; ``.npz``
with the array ``X`` or a single array of another name (read, with a note naming it) — and run
through the command line. The answer must match a reference computed from the drawn values
independently of relugeom (tests/reference.py: exact finite differences and a textbook
elimination): the number of samples, the activation regions perceived and the local
dimension. Spellings the README does not promise (spaces after the commas) may also be refused
(exit 2), never misread.
"""

import io
import json
import re
from fractions import Fraction

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relugeom.search.strategies import network_and_sample
from tests.fuzz.harness import check_all, examples, run_all, strict_json
from tests.reference import finite_difference_jacobian, reference_rank

BOM = "\ufeff"


def spell(q: Fraction, how: str) -> str:
    """An exact spelling of q: "int" (whole numbers only), "fraction" p/q, "decimal" (q a power
    of 2 here, so the decimal is finite)."""
    if q.denominator == 1 and how != "fraction":
        return str(q.numerator)
    if how == "decimal":
        digits = 0
        while (q * 10 ** digits).denominator != 1:
            digits += 1
        text = f"{abs(q.numerator) * 10 ** digits // q.denominator:0{digits + 1}d}"
        return ("-" if q < 0 else "") + text[:-digits] + "." + text[-digits:]
    return f"{q.numerator}/{q.denominator}"


@st.composite
def json_entries(draw, q: Fraction):
    """q as a JSON value: a number when exact as one, else (or by choice) a string."""
    how = draw(st.sampled_from(["int", "fraction", "decimal"]))
    text = spell(q, how)
    if "/" not in text and draw(st.booleans()):
        return _Raw(text)
    return text


class _Raw(str):
    pass


def _dump(value) -> str:
    if isinstance(value, _Raw):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f'"{k}": {_dump(v)}' for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_dump(v) for v in value) + "]"
    return json.dumps(value)


@st.composite
def json_texts(draw, tree):
    """A JSON text of a tree of Fractions, each leaf spelled independently."""
    def spelled(value):
        if isinstance(value, Fraction):
            return draw(json_entries(value))
        if isinstance(value, dict):
            return {k: spelled(v) for k, v in value.items()}
        return [spelled(v) for v in value]
    text = _dump(spelled(tree))
    if draw(st.booleans()):
        text = text.replace("], ", "],\n  ")
    return text


def _framed(draw, text: str, newline=True) -> bytes:
    """UTF-8 with or without a byte-order mark, LF or CRLF, final newline or not."""
    if newline:
        ending = draw(st.sampled_from(["\n", "\r\n"]))
        text = text.replace("\n", ending) + (ending if draw(st.booleans()) else "")
    return ((BOM if draw(st.booleans()) else "") + text).encode()


@st.composite
def network_files(draw, net):
    tree = {"W": [list(r) for r in net.W], "b": list(net.b), "V": [list(r) for r in net.V],
            "c": list(net.c)}
    return _framed(draw, draw(json_texts(tree)), newline=False)


@st.composite
def sample_files(draw, X):
    """(suffix, bytes, may refuse, note expected) of one spelling of X."""
    kind = draw(st.sampled_from(["csv", "json", "npy", "npz"]))
    if kind == "csv":
        header = draw(st.booleans())
        spaced = draw(st.booleans())
        separator = ", " if spaced else ","
        lines = [separator.join(spell(q, draw(st.sampled_from(["int", "fraction", "decimal"])))
                                for q in x) for x in X]
        if header:
            lines.insert(0, separator.join(f"x{i}" for i in range(len(X[0]))))
        return ".csv", _framed(draw, "\n".join(lines)), spaced, "header" if header else None
    if kind == "json":
        tree = [list(x) for x in X]
        text = draw(json_texts({"X": tree} if draw(st.booleans()) else tree))
        return ".json", _framed(draw, text, newline=False), False, None
    array = np.array([[float(q) for q in x] for x in X], dtype=np.float64)
    buffer = io.BytesIO()
    if kind == "npy":
        np.save(buffer, array)
        return ".npy", buffer.getvalue(), False, None
    name = draw(st.sampled_from(["X", "data"]))
    np.savez(buffer, **{name: array})
    return ".npz", buffer.getvalue(), False, (None if name == "X" else "'data'")


def reference(net, X):
    """(n, activation regions perceived, local dimension), computed without relugeom."""
    patterns = {tuple(sum((w * x for w, x in zip(row, xi)), bj) > 0
                      for row, bj in zip(net.W, net.b)) for xi in X}
    return len(X), len(patterns), reference_rank(finite_difference_jacobian(net, X))


def _text_report(stdout: str) -> dict:
    values = {"n_samples": r"sample: n = (\d+)\n",
              "activation_regions_perceived": r"activation regions perceived by X\s+(\d+)\n",
              "local_dimension": r"local dimension \(exact rank of J\)\s+(\d+)\n"}
    found = {key: re.search(pattern, stdout) for key, pattern in values.items()}
    return {key: int(m[1]) for key, m in found.items() if m}


COMMANDS = {
    "analyze --json": lambda net, x: ("analyze", net, x, "--json"),
    "analyze": lambda net, x: ("analyze", net, x),
    "check --json": lambda net, x: ("check", net, x, "--json", "--mc-points", "0"),
    "regions --sample --json": lambda net, x: ("regions", net, "--sample", x, "--json"),
}


@st.composite
def cases(draw):
    net, X = draw(network_and_sample(n=(1, 6), input_dim=(1, 3), hidden_width=(1, 3),
                                     output_dim=(1, 2)))
    return (net, X, draw(network_files(net)), draw(sample_files(X)),
            draw(st.lists(st.sampled_from(sorted(COMMANDS)), min_size=2, max_size=2,
                          unique=True)))


@settings(max_examples=examples(3), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(case=cases())
def test_every_spelling_gives_the_same_answer(tmp_path_factory, case):
    net, X, net_bytes, (suffix, sample_bytes, may_refuse, note), commands = case
    folder = tmp_path_factory.mktemp("spelling")
    (folder / "net.json").write_bytes(net_bytes)
    (folder / f"x{suffix}").write_bytes(sample_bytes)
    runs = run_all([COMMANDS[name]("net.json", f"x{suffix}") for name in commands], cwd=folder)
    check_all(runs)
    n, regions, dim = reference(net, X)
    for r in runs:
        if r.code == 2 and may_refuse:
            continue
        assert r.code == 0, f"a valid spelling refused:\n{r.describe()}"
        report = strict_json(r.stdout) if r.json_mode else _text_report(r.stdout)
        expected = {"n_samples": n, "activation_regions_perceived": regions,
                    "local_dimension": dim}
        if r.args[0] == "regions":
            expected.pop("local_dimension")
        got = {key: report.get(key) for key in expected}
        assert got == expected, f"wrong answer, expected {expected}:\n{r.describe()}"
        if note is not None:
            assert "note" in r.stderr and note in r.stderr, f"no note ({note}):\n{r.describe()}"
        else:
            assert "note" not in r.stderr, f"an unexpected note:\n{r.describe()}"
