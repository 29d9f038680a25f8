"""``relugeom regions`` as a user runs it: a subprocess, exit codes, JSON keys, no tracebacks."""

import json
import os
import subprocess
import sys

import pytest

from relugeom import ShallowNetwork, activation_regions, linear_pieces
from tests.cli.runner import relugeom, run


@pytest.fixture
def files(tmp_path):
    net = tmp_path / "net.json"   # relu(x) − relu(−x) + relu(y) = x + relu(y)
    net.write_text('{"W": [[1, 0], [-1, 0], [0, 1]], "b": [0, 0, 0], "V": [[1, -1, 1]], '
                   '"c": [0]}')
    sample = tmp_path / "x.csv"
    sample.write_text("x,y\n1,1\n-1,1\n2,3\n1,-1\n")
    return tmp_path, str(net), str(sample)


def test_regions_json(files):
    _, net, sample = files
    result = relugeom("regions", net, "--json", "--sample", sample, "--box", "-1/2", "2")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["activation_regions"] == 4
    assert report["bounded_activation_regions"] == 0
    assert report["relatively_bounded_activation_regions"] == 0
    assert report["linear_pieces"] == 2
    assert report["activation_regions_perceived"] == 3     # quadrants I, II, I, IV
    assert report["linear_pieces_perceived"] == 2          # y > 0 and y < 0
    assert report["activation_regions_in_box"] == 4 and report["linear_pieces_in_box"] == 2
    assert report["box"] == ["-1/2", 2]
    assert len(report["sample_region"]) == len(report["sample_piece"]) == 4


def test_regions_text_and_cells(files):
    _, net, sample = files
    text = relugeom("regions", net, "--sample", sample)
    assert text.returncode == 0, text.stderr
    assert "activation regions" in text.stdout and "linear pieces" in text.stdout
    listed = json.loads(relugeom("regions", net, "--json", "--cells").stdout)
    assert sorted(tuple(c["pattern"]) for c in listed["cells"]) == \
        [(0, 1, 0), (0, 1, 1), (1, 0, 0), (1, 0, 1)]
    assert {c["piece"] for c in listed["cells"]} == {0, 1}


def test_count_only_agrees_with_enumeration(tmp_path):
    net = ShallowNetwork.random(3, 7, seed=5)
    path = tmp_path / "net.json"
    path.write_text(net.to_json())
    counted = json.loads(relugeom("regions", path, "--json", "--count-only").stdout)
    regions = activation_regions(net)
    assert counted["activation_regions"] == regions.count
    assert counted["bounded_activation_regions"] == regions.bounded
    assert counted["linear_pieces"] == linear_pieces(net, regions).count


def test_plot(files):
    pytest.importorskip("matplotlib")
    tmp, net, sample = files
    png = tmp / "regions.png"
    result = relugeom("regions", net, "--sample", sample, "--plot", png)
    assert result.returncode == 0, result.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("extra, message", [
    (["--box", "1", "0"], "LO < HI"),
    (["--box", "a", "1"], "--box LO"),
    (["--count-only", "--box", "0", "1"], "--count-only"),
    (["--sample", "MISSING.csv"], "does not exist"),
])
def test_bad_options_exit_2(files, extra, message):
    _, net, _ = files
    result = relugeom("regions", net, *extra)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("network, sample, message", [
    ('{"W": [[1]], "b": [0], "V": [[1]], "c": [0]}', "0\n", "sample 0 lies on the hyperplane of "
                                                           "neuron 0"),
    ('{"W": [[1, 0]], "b": [0], "V": [[1]], "c": [0]}', "1\n", "column"),
    ('{"W": [[1, 0]], "b": [0, 1], "V": [[1]], "c": [0]}', None, "b has 2 entries"),
    ('{"W": [[1]], "b": [0], "V": [[1]]}', None, "missing key"),
    ('{"layers": [{"W": [[1]], "b": [0]}, {"W": [[1]], "b": [0]}, {"W": [[1]], "b": [0]}]}',
     None, "shallow"),
])
def test_bad_inputs_exit_2(tmp_path, network, sample, message):
    path = tmp_path / "net.json"
    path.write_text(network)
    args = ["regions", path]
    if sample is not None:
        (tmp_path / "x.csv").write_text(sample)
        args += ["--sample", tmp_path / "x.csv"]
    result = relugeom(*args)
    assert result.returncode == 2, result.stdout
    assert message in result.stderr and "Traceback" not in result.stderr


def test_plot_without_matplotlib_exit_2(files, tmp_path):
    fake = tmp_path / "fake" / "matplotlib"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('no matplotlib here')\n")
    _, net, _ = files
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "fake")}
    result = subprocess.run([sys.executable, "-m", "relugeom.cli", "regions", net, "--plot",
                             str(tmp_path / "p.png")], capture_output=True, text=True,
                            timeout=120, env=env)
    assert result.returncode == 2
    assert "matplotlib" in result.stderr and "Traceback" not in result.stderr


def test_plot_needs_two_inputs(tmp_path):
    path = tmp_path / "net.json"
    path.write_text('{"W": [[1]], "b": [0], "V": [[1]], "c": [0]}')
    result = relugeom("regions", path, "--plot", tmp_path / "p.png")
    assert result.returncode == 2
    assert "2 inputs" in result.stderr and "Traceback" not in result.stderr


def test_plot_errors_exit_2(capsys, plane_files, tmp_path):
    pytest.importorskip("matplotlib")
    code, _, err = run(capsys, "regions", plane_files.net, "--plot", tmp_path / "r.txt")
    assert code == 2 and "not supported" in err
    for box in (["-1e400", "1e400"], ["1", "1.00000000000000000001"]):
        code, _, err = run(capsys, "regions", plane_files.net, "--box", *box, "--plot",
                           tmp_path / "r.png")
        assert code == 2 and "cannot be drawn in floats" in err
