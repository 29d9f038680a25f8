"""``relugeom check`` as a user runs it: a subprocess, exit codes, JSON keys, no tracebacks; and
the numeric side of a deep network (relugeom.cli.check.compare_numeric_deep)."""

import json
import random
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

from relugeom import DeepNetwork, analyze, local_dimension, numeric_jacobian
from relugeom.arrangement.deep import region_upper_bound
from relugeom.cli.check import compare_numeric_deep
from relugeom.model.examples import aligned, tiny_output_weight
from relugeom.model.sample import sample_to_dict
from tests.cli.runner import run, strict_json, with_entry
from tests.reference import (deep_finite_difference_jacobian, reference_preactivations,
                             reference_rank)


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
    (["--rtol", "1e-400"], "0 in float64"),
    (["--seed", "-1"], "≥ 0"),
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
    result = relugeom(deep, on_line)   # (0, 0) lies on both first-layer boundaries
    assert result.returncode == 2 and "sample 0 lies on the boundary of layer 1" in result.stderr
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


def test_deep_network(tmp_path):
    net = DeepNetwork([([[1, 0], [0, 1], [1, 1]], ["1/3", "-1/5", "1/7"]),
                       ([[1, 1, -1], [1, -1, 1]], ["1/2", "1/3"]), ([[1, 2]], [0])])
    X = [[1, 2], [-1, 3], [2, -3], [3, 3], [-2, -3], [Fraction(1, 2), Fraction(1, 3)]]
    path, sample = tmp_path / "deep.json", tmp_path / "x.csv"
    path.write_text(net.to_json())
    sample.write_text("".join(f"{x},{y}\n" for x, y in X))
    result = relugeom(path, sample, "--json", "--mc-points", "100")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["hidden_width"] == [3, 2]
    assert report["local_dimension"] == reference_rank(deep_finite_difference_jacobian(net, X))
    assert report["numeric_rank"] == np.linalg.matrix_rank(numeric_jacobian(net, X))
    assert report["agreement"] is (report["numeric_rank"] == report["local_dimension"])
    theorems = report["theorems"]
    assert [k for k, v in theorems.items() if v["status"] == "holds"] == \
        ["T1", "T2", "T3", "T4", "T8", "T9"]    # T4 and T9 through the deep regions
    assert all(theorems[k]["detail"].startswith("shallow networks only (one hidden layer)")
               for k in ("T5", "T6", "T7"))
    zs = [reference_preactivations(net, x) for x in X]
    for layer in report["structure"]["layers"]:
        l, width = layer["layer"], layer["width"]
        assert layer["always_active"] == [j for j in range(width) if all(z[l - 1][j] > 0
                                                                          for z in zs)]
        assert layer["dead"] == [j for j in range(width) if all(z[l - 1][j] < 0 for z in zs)]
    kernel = report["structure"]["kernel"]
    assert kernel["dimension"] == net.n_parameters - report["local_dimension"]
    assert kernel["rescaling"] == 5
    assert report["numeric"]["monte_carlo"]["points"] == 100
    text = relugeom(path, sample, "--mc-points", "0")
    assert text.returncode == 0, text.stderr
    assert "widths (2, 3, 2, 1): d = 2 inputs, hidden layers of 3, 2 neurons" in text.stdout
    assert "Per-layer structure (exact)" in text.stdout
    always = [j for j in range(2) if all(z[1][j] > 0 for z in zs)]
    assert len(always) == 1   # the case shows one always-active neuron in layer 2
    assert f"layer 2 (2 neurons): active on every sample: neuron {always[0]}" in text.stdout


def test_check_beyond_float64_has_no_numeric_rank(capsys, plane_files):
    net = plane_files("huge.json", with_entry("1e400"))
    code, out, _ = run(capsys, "check", net, plane_files.sample, "--json")
    report = strict_json(out)
    assert code == 0 and report["numeric_rank"] is None and report["agreement"] is False
    assert "float64" in report["numeric"]["explanation"]
    assert all(v["status"] != "fails" for v in report["theorems"].values())
    code, out, _ = run(capsys, "check", net, plane_files.sample)
    assert code == 0 and "float64 cannot hold this case" in out


# --- the numeric side of a deep network (compare_numeric_deep) -----------------------------------

def _tiny_weight_case():
    """A deep network whose last layer has a weight 2^-45: exact rank 12, float rank 9."""
    rng, w = random.Random(0), [2, 3, 3, 1]
    for _ in range(2):   # the second seeded draw is the case
        layers = [([[Fraction(rng.randint(-5, 5), 3) for _ in range(w[l - 1])]
                    for _ in range(w[l])],
                   [Fraction(rng.randint(-5, 5), 7) + Fraction(1, 97) for _ in range(w[l])])
                  for l in range(1, 4)]
        X = [[Fraction(rng.randint(-9, 9), 2) + Fraction(1, 89),
              Fraction(rng.randint(-9, 9), 2) + Fraction(1, 83)] for _ in range(14)]
    layers[2][0][0][2] = Fraction(1, 2 ** 45)
    return DeepNetwork(layers), X


def test_numeric_side_of_a_deep_network():
    net, X = _tiny_weight_case()
    a = analyze(net, X)
    report = compare_numeric_deep(a, monte_carlo_points=50)
    assert a.local_dimension == reference_rank(deep_finite_difference_jacobian(net, X))
    assert report.numeric_rank == np.linalg.matrix_rank(numeric_jacobian(net, X))
    assert report.numeric_rank < a.local_dimension and report.agreement is False
    assert "W_3[0][2] = 2^-45" in report.explanation
    mc = report.monte_carlo
    assert mc.points == 50 and report.float_regions_perceived == a.activation_regions_perceived
    # the exact count of the regions meeting the box, sandwiched by a dense seeded sampling of
    # the box (a lower estimate) and the Serra et al. bound on all regions
    dense = compare_numeric_deep(a, monte_carlo_points=20_000, seed=3).monte_carlo
    assert mc.regions_found <= dense.regions_found <= mc.exact_regions_in_box \
        <= region_upper_bound(net)
    assert dense.exact_regions_in_box == mc.exact_regions_in_box


def test_boundary_first_and_no_partial_report(tmp_path, capsys, monkeypatch):
    net, _ = _write(tmp_path, aligned())
    on_line = tmp_path / "on.csv"
    on_line.write_text("1,1\n0,0\n")
    code, out, err = run(capsys, "check", net, on_line)
    assert code == 2 and out == "" and "sample 1 lies on the hyperplane" in err
    fine = tmp_path / "fine.csv"
    fine.write_text("1,2\n-1,3\n2,-3\n3,3\n")

    def late_failure(*args, **kwargs):
        raise RuntimeError("failed after the first sections were printed")
    monkeypatch.setattr("relugeom.cli.check._describe_regions", late_failure)
    with pytest.raises(RuntimeError):
        run(capsys, "check", net, fine, "--mc-points", "0")
    assert capsys.readouterr().out == ""
