"""The command line as a user runs it: a subprocess, exit codes, messages, no tracebacks."""

import json
import subprocess
import sys

import numpy as np
import pytest

from relugeom import ShallowNetwork, local_dimension
from relugeom.model.examples import all_examples


def relugeom(*args):
    return subprocess.run([sys.executable, "-m", "relugeom.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def files(tmp_path):
    net = tmp_path / "net.json"
    net.write_text('{"W": [[1], [-1]], "b": [0, 0], "V": [[1, 1]], "c": [0]}')
    sample = tmp_path / "x.csv"
    sample.write_text("x\n1\n2\n-1\n-3\n")
    return tmp_path, str(net), str(sample)


def test_analyze_json(files):
    _, net, sample = files
    result = relugeom("analyze", net, sample, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    for key in ("input_dim", "hidden_width", "output_dim", "n_samples", "n_parameters",
                "local_dimension", "activation_regions_perceived"):
        assert key in report
    assert report["local_dimension"] == 4 and report["n_parameters"] == 7
    assert report["activation_regions_perceived"] == 2


def test_analyze_text(files):
    _, net, sample = files
    result = relugeom("analyze", net, sample)
    assert result.returncode == 0 and "local dimension" in result.stdout


def test_demo_matches_library():
    result = relugeom("demo", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    for ex in all_examples():
        assert report[ex.name]["local_dimension"] == local_dimension(ex.network, ex.X)
    text = relugeom("demo")
    assert text.returncode == 0 and "below P − N" in text.stdout


BAD_NETWORKS = {
    "invalid JSON": ('{"W": [[1]', "not valid JSON"),
    "wrong shapes": ('{"W": [[1], [2]], "b": [0], "V": [[1, 1]], "c": [0]}', "b has 1 entries"),
    "ragged": ('{"W": [[1, 2], [3]], "b": [0, 0], "V": [[1, 1]], "c": [0]}', "ragged"),
    "non-numeric": ('{"W": [["x"]], "b": [0], "V": [[1]], "c": [0]}', r"W[0][0]"),
    "NaN": ('{"W": [[NaN]], "b": [0], "V": [[1]], "c": [0]}', "NaN"),
    "not an object": ('[1, 2]', "expected a JSON object"),
}


@pytest.mark.parametrize("case", sorted(BAD_NETWORKS))
def test_bad_networks_exit_2(files, case):
    tmp, _, sample = files
    text, fragment = BAD_NETWORKS[case]
    net = tmp / "bad.json"
    net.write_text(text)
    result = relugeom("analyze", net, sample)
    assert result.returncode == 2
    assert fragment in result.stderr and "Traceback" not in result.stderr


BAD_SAMPLES = {
    "empty": ("x.csv", "", "empty"),
    "mismatched": ("x.csv", "1,2\n", "input dimension is 1"),
    "non-numeric": ("x.csv", "1\nfoo\n", "line 2"),
    "NaN": ("x.csv", "1\nNaN\n", "NaN"),
    "boundary": ("x.csv", "1\n0\n", "sample 1 lies on the hyperplane of neuron 0"),
    "ragged json": ("x.json", '{"X": [[1], [1, 2]]}', "ragged"),
}


@pytest.mark.parametrize("case", sorted(BAD_SAMPLES))
def test_bad_samples_exit_2(files, case):
    tmp, net, _ = files
    name, text, fragment = BAD_SAMPLES[case]
    path = tmp / name
    path.write_text(text)
    result = relugeom("analyze", net, path)
    assert result.returncode == 2
    assert fragment in result.stderr and "Traceback" not in result.stderr


def test_missing_files_exit_2(files):
    tmp, net, sample = files
    for args in ((tmp / "nope.json", sample), (net, tmp / "nope.csv"), (net, tmp / "nope.npy")):
        result = relugeom("analyze", *args)
        assert result.returncode == 2 and "does not exist" in result.stderr
        assert "Traceback" not in result.stderr


def test_boundary_with_convention(files):
    tmp, net, _ = files
    path = tmp / "x.npy"
    np.save(path, np.array([[0.0], [1.0], [2.0]]))
    result = relugeom("analyze", net, path, "--relu-prime-at-zero", "0", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["relu_prime_convention"] == "0"
    direct = ShallowNetwork(W=[[1], [-1]], b=[0, 0], V=[[1, 1]], c=[0])
    assert report["local_dimension"] == local_dimension(direct, [[0], [1], [2]],
                                                        relu_prime_at_zero=0)


def test_usage_errors_exit_2():
    assert relugeom().returncode == 2
    assert relugeom("analyze").returncode == 2


def test_region_budget_is_checked_before_enumerating(files):
    _, net, _ = files  # |x|: one hyperplane, 2 regions
    for command in ("regions", "fdim"):
        refused = relugeom(command, net, "--max-regions", "1")
        assert refused.returncode == 2 and "2 activation regions" in refused.stderr
        assert "Traceback" not in refused.stderr
        assert relugeom(command, net, "--max-regions", "2").returncode == 0
