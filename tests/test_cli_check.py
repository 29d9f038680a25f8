"""relugeom check as a user runs it: a subprocess, exit codes, JSON keys, no tracebacks."""

import json
import subprocess
import sys

import numpy as np
import pytest

from relugeom import local_dimension, numeric_jacobian
from relugeom.examples import aligned, tiny_output_weight
from relugeom.sample import sample_to_dict


def relugeom(*args):
    return subprocess.run([sys.executable, "-m", "relugeom.cli", "check", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def _write(tmp_path, example):
    net, sample = tmp_path / f"{example.name}.json", tmp_path / f"{example.name}-X.json"
    net.write_text(example.network.to_json())
    sample.write_text(json.dumps(sample_to_dict(example.X)))
    return str(net), str(sample)


def test_json_report(tmp_path):
    ex = aligned()
    result = relugeom(*_write(tmp_path, ex), "--json", "--mc-points", "500")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    for key in ("local_dimension", "numeric_rank", "agreement", "theorems", "structure",
                "numeric"):
        assert key in report
    assert report["local_dimension"] == local_dimension(ex.network, ex.X) == 10
    assert report["numeric_rank"] == np.linalg.matrix_rank(numeric_jacobian(ex.network, ex.X))
    assert report["agreement"] is (report["numeric_rank"] == 10)
    assert set(f"T{k}" for k in range(1, 9)) <= set(report["theorems"])
    for verdict in report["theorems"].values():
        assert verdict["status"] in ("holds", "not applicable") and verdict["detail"]
    structure = report["structure"]
    assert structure["incidence_rank"] == 3 and structure["kernel"]["extra_by_kind"] == {
        "same_activation": 3}
    assert report["numeric"]["monte_carlo"]["points"] == 500


def test_numeric_trap_is_explained(tmp_path):
    result = relugeom(*_write(tmp_path, tiny_output_weight()), "--json", "--mc-points", "0")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["local_dimension"], report["numeric_rank"], report["agreement"]) == (
        13, 11, False)
    assert "v_3 = 2^-45" in report["numeric"]["explanation"]
    assert report["numeric"]["monte_carlo"] is None


def test_human_readable_report(tmp_path):
    result = relugeom(*_write(tmp_path, tiny_output_weight()), "--rtol", "1e-20",
                      "--mc-points", "200", "--box", "-2", "2")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "local dimension (exact rank of J over Q)" in out and "DISAGREES" in out
    assert "rtol = 1e-20" in out and "T8 flatness" in out and "HOLDS" in out
    assert "Rank structure (exact)" in out and "in [-2, 2]^2" in out


@pytest.mark.parametrize("args, fragment", [
    (["--rtol", "2"], "--rtol must lie strictly between 0 and 1"),
    (["--box", "1", "-1"], "--box needs LO < HI"),
    (["--box", "a", "1"], "--box LO"),
])
def test_bad_options_exit_2(tmp_path, args, fragment):
    result = relugeom(*_write(tmp_path, aligned()), *args)
    assert result.returncode == 2 and fragment in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_input_exit_2(tmp_path):
    net, _ = _write(tmp_path, aligned())
    on_line = tmp_path / "on.csv"
    on_line.write_text("0,0\n1,1\n")
    result = relugeom(net, on_line)
    assert result.returncode == 2 and "lies on the hyperplane" in result.stderr
    assert "Traceback" not in result.stderr
    deep = tmp_path / "deep.json"
    deep.write_text('{"layers": [{"W": [[1, 0], [0, 1]], "b": [0, 0]}, '
                    '{"W": [[1, 1]], "b": [0]}, {"W": [[1]], "b": [0]}]}')
    result = relugeom(deep, on_line)
    assert result.returncode == 2 and "one-hidden-layer" in result.stderr
    assert "Traceback" not in result.stderr
    missing = relugeom(tmp_path / "nope.json", on_line)
    assert missing.returncode == 2 and "does not exist" in missing.stderr


def test_convention_makes_the_boundary_case_checkable(tmp_path):
    net, _ = _write(tmp_path, aligned())
    on_line = tmp_path / "on.csv"
    on_line.write_text("0,0\n1,1\n")
    result = relugeom(net, on_line, "--relu-prime-at-zero", "0", "--json", "--mc-points", "0")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["relu_prime_convention"] == "0"
    assert report["theorems"]["T8"]["status"] == "not applicable"
