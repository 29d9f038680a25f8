"""``relugeom walk`` as a user runs it: JSON and text output, exit status 2 on bad input."""

import json
import subprocess
import sys

import pytest

from relugeom import DeepNetwork, ShallowNetwork
from relugeom import walk
from relugeom.cli import main


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
        (0, "1/3", "1/6"), ("1/3", 1, "2/3")]
    assert report["t_from"] == 0 and report["t_to"] == 1 and report["n_parameters"] == 4


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
    assert report == json.loads(json.dumps(walk(net, [[1]], direction).to_dict()))


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
