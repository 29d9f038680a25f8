"""Every subcommand's ``--json`` output obeys the one rule of the README's *JSON output* section,
read from the README itself: exact rationals are strings "p/q" or "p" in the fields its table
names, real algebraic numbers are such a string or a {polynomial, interval, approx} object,
floats appear only in the fields labelled numeric, and no other field holds an exact number
written as a string; across runs with whole and non-whole values a field never changes type.
"""

import json
import re
from pathlib import Path

import pytest

from tests.cli.runner import run, strict_json

README = Path(__file__).resolve().parents[2] / "README.md"
EXACT = re.compile(r"-?[0-9]+(/[0-9]+)?")

# A network whose parameters and samples are whole in one run and fractions in the other, and
# a deep walk with irrational breakpoints (roots of quadratics).
ABSVAL = '{"W": [[1], [-1]], "b": [0, 0], "V": [[1, 1]], "c": [0]}'
HALVES = '{"W": [["1/2"], [-1]], "b": ["1/3", 0], "V": [[1, "3/2"]], "c": ["-1/4"]}'
GENERIC = ('{"W": [[1, 0], [0, 1], [1, 1], [1, -2]], "b": [0, 0, -1, "1/2"], '
           '"V": [[1, -1, 2, 1]], "c": [0]}')
LOWER_B2 = ('{"W": [[0, 0], [0, 0], [0, 0], [0, 0]], "b": [0, 0, -1, 0], '
            '"V": [[0, 0, 0, 0]], "c": [0]}')
GRID = "".join(f"{x},{y}\n" for x in ("-3/2", "-1/2", "1/2", "3/2")
               for y in ("-7/4", "-3/4", "1/4", "5/4"))
DEEP = {"layers": [{"W": [[1], [-1]], "b": [0, 1]}, {"W": [[1, 2], [-1, 1]], "b": [-1, 0]},
                   {"W": [[1, -1]], "b": [0]}]}
DEEP_DIRECTION = {"layers": [{"W": [[1], [1]], "b": [0, -1]},
                             {"W": [[1, 0], [0, 1]], "b": [1, 1]}, {"W": [[0, 0]], "b": [0]}]}


def documented_schema():
    """{command: (exact paths, real algebraic paths, numeric paths)} from the README table."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### JSON output", 1)[1].split("\n### ", 1)[0]
    schema = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`"):
            schema[cells[0].strip("`")] = tuple(
                tuple(re.findall(r"`([^`]+)`", cell)) for cell in cells[1:])
    return schema


def _matches(pattern: str, path: str) -> bool:
    regex = "".join(r"[^.\[\]]+" if part == "*" else re.escape(part)
                    for part in re.split(r"(\*)", pattern))
    return re.fullmatch(regex, path) is not None


def _exact(value, where):
    assert isinstance(value, str) and EXACT.fullmatch(value), \
        f"{where}: an exact rational must be a string 'p/q' or 'p', got {value!r}"


def check_report(report, schema, types):
    """Check one parsed report against (exact, real, numeric) paths; record each leaf's type."""
    exact, real, numeric = schema

    def visit(value, path):
        if any(_matches(p, path) for p in real):
            if isinstance(value, dict):
                assert set(value) == {"polynomial", "interval", "approx"}, (path, value)
                for k, c in enumerate(value["polynomial"] + value["interval"]):
                    _exact(c, f"{path} coefficient/end {k}")
                assert value["approx"] is None or isinstance(value["approx"], float), path
            else:
                _exact(value, path)
            return
        if isinstance(value, dict):
            for key, item in value.items():
                visit(item, f"{path}.{key}" if path else key)
            return
        if isinstance(value, list):
            for item in value:
                visit(item, path + "[]")
            return
        types.setdefault(path, set()).add(type(value).__name__)
        if any(_matches(p, path) for p in exact):
            _exact(value, path)
        elif any(_matches(p, path) for p in numeric):
            assert value is None or value in ("inf", "-inf") or \
                isinstance(value, (int, float)) and not isinstance(value, bool), (path, value)
        else:
            assert not isinstance(value, float), \
                f"{path} = {value!r}: a float in a field the README does not label numeric"
            if isinstance(value, str) and not path.endswith(("pattern", "_text")):
                assert not EXACT.fullmatch(value), \
                    f"{path} = {value!r}: an exact number in a field the README does not list"

    visit(report, "")


@pytest.fixture
def files(tmp_path):
    contents = {"absval.json": ABSVAL, "halves.json": HALVES, "generic.json": GENERIC,
                "lower_b2.json": LOWER_B2, "grid.csv": GRID, "x.csv": "1\n2\n-1\n-3\n",
                "xq.csv": "1/2\n2\n-1/3\n-3\n", "deep.json": json.dumps(DEEP),
                "deep_dir.json": json.dumps(DEEP_DIRECTION), "xd.csv": "1/3\n-1/2\n2\n3\n"}
    for name, content in contents.items():
        (tmp_path / name).write_text(content)
    return lambda name: str(tmp_path / name)


RUNS = {
    "analyze": [("absval.json", "x.csv"), ("halves.json", "xq.csv"), ("deep.json", "xd.csv")],
    "regions": [("generic.json", "--sample", "grid.csv"),
                ("generic.json", "--box", "-2", "3/2", "--cells"),
                ("absval.json", "--box", "-1", "1", "--cells"),
                ("deep.json", "--box", "-1", "2", "--cells")],
    "check": [("absval.json", "x.csv", "--mc-points", "20"),
              ("generic.json", "grid.csv", "--box", "-1", "1/2", "--mc-points", "20"),
              ("deep.json", "xd.csv", "--mc-points", "20")],
    "fdim": [("generic.json",), ("absval.json", "--sampling", "uniform", "--repeats", "2"),
             ("deep.json",)],
    "search": [("F1", "--max-examples", "5"),
               ("F1", "--exhaustive", "--values=-1,1/2", "--grid=1/2,-1", "--hidden-width", "1",
                "--input-dim", "1", "--samples", "1")],
    "walk": [("generic.json", "grid.csv", "--direction", "lower_b2.json", "--to", "2"),
             ("halves.json", "xq.csv", "--direction", "absval.json", "--from=-1/2", "--to", "1"),
             ("deep.json", "xd.csv", "--direction", "deep_dir.json", "--to", "3")],
    "demo": [()],
    "convert": [("generic.json",), ("deep.json",)],
}
#: Known to break the rule, with the reason (the test runs and is expected to fail).
KNOWN: dict[str, str] = {}


def test_the_readme_documents_every_command_with_json():
    assert set(documented_schema()) >= set(RUNS)


@pytest.mark.parametrize("command", [
    pytest.param(c, marks=pytest.mark.xfail(reason=KNOWN[c], strict=False)) if c in KNOWN else c
    for c in sorted(RUNS)])
def test_json_output_obeys_the_documented_rule(capsys, files, command):
    schema = documented_schema()[command]
    types: dict = {}
    for args in RUNS[command]:
        args = [files(a) if a.endswith((".json", ".csv")) else a for a in args]
        code, out, err = run(capsys, command, *args, "--json")
        assert code == 0, err
        check_report(strict_json(out), schema, types)
    changing = {path: kinds - {"NoneType"} for path, kinds in types.items()
                if len(kinds - {"NoneType"}) > 1}
    assert not changing, f"fields that change type between runs: {changing}"


def test_the_walk_writes_whole_and_fractional_exact_values_alike(capsys, files):
    """The issue's case: t_from = 0 (whole) and pieces[].start = 1/2 are both strings."""
    code, out, _ = run(capsys, "walk", files("generic.json"), files("grid.csv"), "--direction",
                       files("lower_b2.json"), "--to", "2", "--json")
    report = strict_json(out)
    assert code == 0 and report["t_from"] == "0" and report["t_to"] == "2"
    assert [p["start"] for p in report["pieces"]] == ["0", "3/4", "7/4"]
    assert report["dimensions"] == [13, 11, 10]
