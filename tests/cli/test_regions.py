"""``relugeom regions`` as a user runs it: a subprocess, exit codes, JSON keys, no tracebacks."""

import json
import os
import subprocess
import sys
from fractions import Fraction

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
    assert report["box"] == ["-1/2", "2"]
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
     "0\n", "bent hyperplane of neuron 0 of layer 1"),
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
    assert code == 2 and "is not one matplotlib writes" in err
    for box in (["-1e400", "1e400"], ["1", "1.00000000000000000001"]):
        code, _, err = run(capsys, "regions", plane_files.net, "--box", *box, "--plot",
                           tmp_path / "r.png")
        assert code == 2 and "cannot be drawn in floats" in err


# --- refusing unbounded work from a cheap bound --------------------------------------------------

#: The sizes of issue 13 whose exact count ran until killed: (d, N, how the refusal is proved).
HUGE = {(784, 2000): "lower bound", (5, 100): "already make", (8, 60): "already make",
        (10, 200): "already make"}


@pytest.fixture(scope="module")
def huge_networks(tmp_path_factory):
    """Seeded random integer networks of the sizes in HUGE, written once."""
    import random
    folder = tmp_path_factory.mktemp("huge")
    paths = {}
    for d, N in HUGE:
        rng = random.Random(d * 1000 + N)
        net = {"W": [[rng.randint(-9, 9) for _ in range(d)] for _ in range(N)],
               "b": [rng.randint(-9, 9) for _ in range(N)],
               "V": [[rng.randint(-9, 9) for _ in range(N)]], "c": [0]}
        paths[d, N] = folder / f"net_{d}_{N}.json"
        paths[d, N].write_text(json.dumps(net))
    return paths


def within_30_seconds(*args):
    """``relugeom ARGS`` in a subprocess that may not run longer than 30 s (a hang fails the
    test with TimeoutExpired)."""
    return subprocess.run([sys.executable, "-m", "relugeom.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("size", sorted(HUGE))
@pytest.mark.parametrize("command", ["regions", "fdim"])
def test_huge_arrangements_are_refused_from_a_cheap_bound(huge_networks, size, command):
    result = within_30_seconds(command, huge_networks[size])
    assert result.returncode == 2 and result.stdout == ""
    assert "Traceback" not in result.stderr and "--max-regions 100000" in result.stderr
    assert HUGE[size] in result.stderr
    if HUGE[size] == "lower bound":   # the bound is named, with its value and inputs
        assert "(H − r + 2)·2^(r−1)" in result.stderr and "H = 2000" in result.stderr
        assert "r = 784" in result.stderr and "≈ 6.19·10^238" in result.stderr
    else:   # an exact count of the first hyperplanes, and the upper bound Σ C(H, i)
        assert "counted exactly by Zaslavsky's theorem" in result.stderr
        assert "Σ_{i≤r} C(H, i)" in result.stderr


def test_count_only_has_a_work_budget(huge_networks):
    result = within_30_seconds("regions", huge_networks[784, 2000], "--count-only")
    assert result.returncode == 2 and result.stdout == ""
    assert "(H − r + 2)·2^(r−1)" in result.stderr and "--count-budget" in result.stderr
    result = within_30_seconds("regions", huge_networks[5, 100], "--count-only",
                               "--count-budget", "100000")
    assert result.returncode == 2 and result.stdout == ""
    assert "stopped after its work budget (--count-budget 100000" in result.stderr
    assert "at most 79,375,496" in result.stderr and "Traceback" not in result.stderr


def test_below_the_budget_the_exact_count_is_given(tmp_path, capsys):
    """The cheap bound Σ_{i≤r} C(H, i) is only an upper bound: when it exceeds --max-regions the
    exact count decides, so degenerate arrangements with few regions still run."""
    concurrent = ShallowNetwork([[1, 0], [0, 1], [1, 1], [1, -1], [1, 2], [2, 1]], [0] * 6,
                                [[1] * 6], [0])    # 6 lines through 0: 12 regions, bound 22
    path = tmp_path / "concurrent.json"
    path.write_text(concurrent.to_json())
    code, out, _ = run(capsys, "regions", path, "--json", "--max-regions", "12")
    assert code == 0 and json.loads(out)["activation_regions"] == 12
    code, out, err = run(capsys, "regions", path, "--max-regions", "11")
    assert code == 2 and out == "" and "at least 12 activation regions" in err
    generic = ShallowNetwork.random(3, 9, seed=2)
    path = tmp_path / "generic.json"
    path.write_text(generic.to_json())
    regions = activation_regions(generic).count
    code, out, _ = run(capsys, "regions", path, "--json", "--max-regions", str(regions))
    assert code == 0 and json.loads(out)["activation_regions"] == regions
    code, out, err = run(capsys, "regions", path, "--max-regions", str(regions - 1))
    assert code == 2 and out == "" and f"--max-regions {regions - 1}" in err
    code, out, _ = run(capsys, "fdim", path, "--json", "--max-regions", str(regions))
    assert code == 0 and json.loads(out)["activation_regions"] == regions


def test_the_box_walls_count_toward_the_budget(tmp_path, capsys):
    path = tmp_path / "net.json"
    path.write_text(ShallowNetwork([[1, 0], [0, 1]], [0, 0], [[1, 1]], [0]).to_json())
    code, out, _ = run(capsys, "regions", path, "--box", "-1", "1", "--json")
    assert code == 0 and json.loads(out)["activation_regions_in_box"] == 4
    code, out, err = run(capsys, "regions", path, "--box", "-1", "1", "--max-regions", "10")
    assert code == 2 and out == "" and "box's 2d walls" in err


def test_undecided_within_the_work_budget_is_refused_with_both_bounds(tmp_path, capsys,
                                                                     monkeypatch):
    import relugeom.cli._common as common
    real = common.region_budget
    monkeypatch.setattr(common, "region_budget", lambda arrangement, limit: real(arrangement,
                                                                                limit, steps=5))
    path = tmp_path / "lines.json"   # 5 lines in general position: 16 regions, the bound is 16
    path.write_text(ShallowNetwork([[1, 0], [0, 1], [1, 1], [1, -1], [1, 2]], [0, 0, -1, 2, 5],
                                   [[1] * 5], [0]).to_json())
    code, out, err = run(capsys, "regions", path, "--max-regions", "12")
    assert code == 2 and out == ""
    assert "cannot tell cheaply whether the network has more than --max-regions 12" in err
    assert "at most 16 (Σ_{i≤r} C(H, i)" in err and "stopped after its work budget" in err


def test_a_sample_on_a_hyperplane_is_refused_before_enumerating(huge_networks, tmp_path):
    """Even when the arrangement is far too large to enumerate, the sample is checked first."""
    sample = tmp_path / "x.csv"
    sample.write_text("1/2,1/3,1/5,1/7,1/11\n0,0,0,0,0\n")
    net = json.loads(huge_networks[5, 100].read_text())
    net["b"][3] = 0   # neuron 3's hyperplane passes through the origin, sample 1
    path = tmp_path / "net.json"
    path.write_text(json.dumps(net))
    first = Fraction(1, 2), Fraction(1, 3), Fraction(1, 5), Fraction(1, 7), Fraction(1, 11)
    assert all(sum(w * x for w, x in zip(row, first)) + b for row, b in zip(net["W"], net["b"]))
    result = within_30_seconds("regions", path, "--sample", sample)
    assert result.returncode == 2 and result.stdout == ""
    assert "sample 1 lies on the hyperplane of neuron" in result.stderr


def test_count_budget_needs_count_only(files, capsys):
    _, net, _ = files
    code, out, err = run(capsys, "regions", net, "--count-budget", "1000")
    assert code == 2 and out == "" and "would be ignored" in err
    code, out, _ = run(capsys, "regions", net, "--count-only", "--count-budget", "1000", "--json")
    assert code == 0 and json.loads(out)["activation_regions"] == 4
