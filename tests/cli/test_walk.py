"""``relugeom walk`` as a user runs it: JSON and text output, exit status 2 on bad input."""

import json
import subprocess
import sys

import pytest

from relugeom import DeepNetwork, ShallowNetwork
from relugeom import walk
from relugeom.cli import main
from relugeom.exact.jsonable import jsonable


@pytest.fixture
def files(tmp_path):
    net = tmp_path / "net.json"
    net.write_text(ShallowNetwork([[1]], [-1], [[1]], [0]).to_json())       # relu(x − 1)
    direction = tmp_path / "direction.json"
    direction.write_text(ShallowNetwork([[0]], [3], [[0]], [0]).to_json())  # b moves by 3t
    sample = tmp_path / "x.csv"
    sample.write_text("x\n0\n2\n3\n")
    return tmp_path, str(net), str(sample), str(direction)


def test_walk_json(files, capsys):
    _, net, sample, direction = files
    assert main(["walk", net, sample, "--direction", direction, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [b["t"] for b in report["breakpoints"]] == ["1/3"]
    assert report["breakpoints"][0]["events"] == [
        {"sample": 0, "layer": 1, "neuron": 0, "before": 0, "after": 1}]
    assert report["dimensions"] == [3, 2]
    assert [(p["start"], p["end"], p["point"]) for p in report["pieces"]] == [
        ("0", "1/3", "1/6"), ("1/3", "1", "2/3")]   # exact values: strings, whole or not
    assert report["t_from"] == "0" and report["t_to"] == "1" and report["n_parameters"] == 4


def test_walk_range_options_read_exactly(files, capsys):
    _, net, sample, direction = files
    assert main(["walk", net, sample, "--direction", direction, "--from=-1/2", "--to", "0.25",
                 "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["t_from"] == "-1/2" and report["t_to"] == "1/4"
    # sample 1 (x = 2) has z = 1 + 3t: it wakes up at t = −1/3
    assert [b["t"] for b in report["breakpoints"]] == ["-1/3"]
    assert report["breakpoints"][0]["events"][0]["sample"] == 1
    assert report["dimensions"] == [2, 3]


def test_walk_text_of_a_deep_network(tmp_path, capsys):
    net = DeepNetwork([([[1]], [0]), ([[1]], ["-3/2"]), ([[1]], [0])])
    direction = DeepNetwork([([[1]], [0]), ([[1]], [-2]), ([[0]], [0])])
    (tmp_path / "n.json").write_text(net.to_json())
    (tmp_path / "d.json").write_text(direction.to_json())
    (tmp_path / "x.json").write_text('{"X": [[1]]}')
    args = [str(tmp_path / "n.json"), str(tmp_path / "x.json"), "--direction",
            str(tmp_path / "d.json")]
    assert main(["walk", *args]) == 0
    text = capsys.readouterr().out
    assert "1 breakpoint, 2 pieces" in text
    assert "root of 2t^2 - 1" in text and "layer 2, neuron 0: inactive → active" in text
    assert main(["walk", *args, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == json.loads(json.dumps(jsonable(walk(net, [[1]], direction).to_dict())))


@pytest.mark.parametrize("change, message", [
    (lambda d: (d / "direction.json").write_text('{"layers": [{"W": [[1, 2]], "b": [0]}]}'),
     "same architecture"),
    (lambda d: (d / "direction.json").unlink(), "--direction: network file"),
    (lambda d: (d / "direction.json").write_text('{"W": [[1]]}'), "--direction"),
])
def test_walk_bad_direction_exits_2(files, capsys, change, message):
    tmp, net, sample, direction = files
    change(tmp)
    assert main(["walk", net, sample, "--direction", direction]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize("options, message", [
    (["--from", "1", "--to", "0"], "t_from < t_to"),
    (["--to", "abc"], "t_to"),
    (["--from", "1/0"], "zero denominator"),
])
def test_walk_bad_range_exits_2(files, capsys, options, message):
    _, net, sample, direction = files
    assert main(["walk", net, sample, "--direction", direction, *options]) == 2
    assert message in capsys.readouterr().err


def test_walk_boundary_everywhere_exits_2_without_traceback(tmp_path):
    net = tmp_path / "n.json"
    net.write_text(DeepNetwork([([[0], [1]], [0, 1]), ([[1, 1]], [0])]).to_json())
    still = tmp_path / "d.json"
    still.write_text(DeepNetwork([([[0], [1]], [0, 0]), ([[0, 0]], [0])]).to_json())
    sample = tmp_path / "x.csv"
    sample.write_text("1\n2\n")
    result = subprocess.run([sys.executable, "-m", "relugeom.cli", "walk", str(net), str(sample),
                             "--direction", str(still)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2
    assert "identically 0" in result.stderr and "Traceback" not in result.stderr
    ok = subprocess.run([sys.executable, "-m", "relugeom.cli", "walk", str(net), str(sample),
                         "--direction", str(still), "--relu-prime-at-zero", "1", "--json"],
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and json.loads(ok.stdout)["relu_prime_convention"] == "1"


# --- exact numbers of any size (issue 13) ------------------------------------------------
# Python refuses str() of ints beyond 4300 digits: the expected texts are built as strings, and
# the JSON read with parse_int=str, so the tests run under the default limit.

def _walk(capsys, *args):
    """(exit status, stdout, stderr) of ``relugeom walk ARGS`` in process (stderr may hold
    notes, e.g. that the sample's header line was skipped)."""
    try:
        code = main(["walk", *map(str, args)])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("to", ["1e99999", "1" + "0" * 5000])
def test_a_huge_end_of_the_segment_is_printed_in_full(files, capsys, to):
    _, net, sample, direction = files
    exact = "1" + "0" * (99999 if "e" in to else 5000)
    code, out, err = _walk(capsys, net, sample, "--direction", direction, "--to", to)
    assert code == 0 and "error" not in err and "Traceback" not in err
    assert f"for t in [0, {exact}]" in out and f"t in (1/3, {exact}): dimension 2" in out
    code, out, err = _walk(capsys, net, sample, "--direction", direction, "--to", to, "--json")
    assert code == 0 and "error" not in err and "Traceback" not in err
    report = json.loads(out, parse_int=str)
    # an int, or the string of its digits (Python's JSON reader refuses such an int)
    assert report["t_to"] == exact and report["pieces"][1]["end"] == exact
    assert report["dimensions"] == ["3", "2"]


def test_a_direction_of_five_thousand_digits(files, capsys):
    tmp, net, sample, _ = files
    big = "1" + "0" * 5000
    for text in (big, f'"{big}"'):  # as a JSON number and as a string
        (tmp / "big.json").write_text(f'{{"W": [[0]], "b": [{text}], "V": [[0]], "c": [0]}}')
        code, out, err = _walk(capsys, net, sample, "--direction", tmp / "big.json")
        assert code == 0 and "error" not in err and "Traceback" not in err
        # z_0 = x − 1 + 10^5000·t: sample 0 (x = 0) wakes up at t = 10^-5000
        assert f"t = 1/{big}:" in out and "sample 0, layer 1, neuron 0" in out


def test_a_breakpoint_beyond_the_float_range(tmp_path, capsys):
    """t² = 2·10^700 at t ≈ 1.41421e+350: exact text, a decimal approximation, JSON approx
    null (no float holds it)."""
    net = DeepNetwork([([[0]], [0]), ([[0]], ["-2e700"]), ([[1]], [0])])
    direction = DeepNetwork([([[1]], [0]), ([[1]], [0]), ([[0]], [0])])
    (tmp_path / "n.json").write_text(net.to_json())
    (tmp_path / "d.json").write_text(direction.to_json())
    (tmp_path / "x.json").write_text('{"X": [[1]]}')
    args = [tmp_path / "n.json", tmp_path / "x.json", "--direction", tmp_path / "d.json",
            "--to", "1e351"]
    code, out, err = _walk(capsys, *args)
    assert code == 0 and "error" not in err and "Traceback" not in err
    assert f"t = root of t^2 - {2 * 10 ** 700} in [" in out and "(≈ 1.414213562e+350)" in out
    assert "t in (0, ≈1.41421e+350): dimension 1" in out
    code, out, err = _walk(capsys, *args, "--json")
    assert code == 0 and "error" not in err and "Traceback" not in err
    t = json.loads(out)["breakpoints"][0]["t"]
    assert t["approx"] is None and int(t["polynomial"][0]) == -2 * 10 ** 700


def test_a_huge_reversed_segment_is_refused_with_a_short_message(files, capsys):
    _, net, sample, direction = files
    code, out, err = _walk(capsys, net, sample, "--direction", direction, "--from", "1e99999",
                           "--to", "0")
    assert code == 2 and out == "" and "Traceback" not in err
    assert "t_from < t_to" in err and "(100000 characters)" in err and len(err) < 400


def test_nothing_is_printed_when_the_report_fails_halfway(files, capsys, monkeypatch):
    """The report is built whole before it is printed: a failure after its first lines leaves
    stdout empty (exit 2 with the message)."""
    from relugeom.cli import walk as cli_walk
    from relugeom.errors import InputError

    def fails(t):
        raise InputError("the breakpoint cannot be written (test)")

    monkeypatch.setattr(cli_walk, "number_text", fails)
    _, net, sample, direction = files
    code, out, err = _walk(capsys, net, sample, "--direction", direction)
    assert code == 2 and out == "" and "cannot be written (test)" in err


def test_walk_max_pieces_refuses_at_once(files, capsys):
    _, net, sample, direction = files
    code = main(["walk", net, sample, "--direction", direction, "--max-pieces", "1"])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and "2 pieces" in err and "--max-pieces" in err
