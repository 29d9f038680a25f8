"""The results of every experiment (relugeom.experiments): each recorded exact number recomputed
independently from results.json; plots and the registry.

The independent recomputation rebuilds each checkpoint's network from its JSON (exact strings),
differentiates it by *forward mode* (one directional derivative per parameter, written here and
sharing no code with relugeom.rank.jacobian or relugeom.rank.backprop) and takes the rank with
sympy's DomainMatrix over QQ (not python-flint).
"""

from __future__ import annotations

import importlib.util
import json
from fractions import Fraction

import pytest
from sympy.polys.domains import QQ
from sympy.polys.matrices import DomainMatrix

from relugeom.experiments import EXPERIMENTS, plots, run_experiment

# Tiny settings: every experiment in a second or two.
TINY = {
    "training": dict(width=6, n_samples=8, n_test=5, n_gaussian=5, steps=300, checkpoints=4),
    "saddle": dict(width=5, n_samples=8, n_test=5, n_gaussian=5, steps=400, checkpoints=4),
    "flatness": dict(width=5, n_samples=8, n_test=4, n_gaussian=4, steps=400, checkpoints=3),
    "noise": dict(width=5, n_samples=8, n_test=4, n_gaussian=4, steps=200, checkpoints=2,
                  label_noise=(0.0, 1.0), input_noise=(1.0,)),
    "mnist": dict(source="sklearn", n_train=3, n_test=2, n_gaussian=2, shallow_width=3,
                  deep_widths=(3, 2), steps=20, checkpoints=2, batch_size=2),
}


def _sklearn_available() -> bool:
    return importlib.util.find_spec("sklearn") is not None


class _Results(dict):
    """One tiny run of each experiment, made on first use (a failure stays with its test)."""

    def __missing__(self, name):
        if name == "mnist" and not _sklearn_available():
            pytest.skip("scikit-learn (digits) not installed")
        self[name] = run_experiment(name, seed=3, **TINY[name]).to_dict()
        return self[name]


@pytest.fixture(scope="module")
def results():
    return _Results()


# --- independent recomputation ----------------------------------------------------------------

def _q(value) -> Fraction:
    return Fraction(value) if not isinstance(value, str) else Fraction(value)


def _layers(network: dict) -> list:
    pairs = ([(network["W"], network["b"]), (network["V"], network["c"])] if "V" in network
             else [(layer["W"], layer["b"]) for layer in network["layers"]])
    return [([[_q(v) for v in row] for row in W], [_q(v) for v in b]) for W, b in pairs]


def _forward_mode_row_block(layers: list, x: list) -> list[list[Fraction]]:
    """Rows ∂f_k(x)/∂θ_p for every output k, by forward-mode differentiation, relu'(0) = 0."""
    shapes = [(len(W), len(W[0])) for W, _ in layers]
    P = sum(r * c + r for r, c in shapes)
    columns = []
    for p in range(P):
        h, dh = list(x), [Fraction(0)] * len(x)
        offset = 0
        for l, (W, b) in enumerate(layers):
            rows, cols = shapes[l]
            z = [sum((W[i][k] * h[k] for k in range(cols)), b[i]) for i in range(rows)]
            dz = [sum((W[i][k] * dh[k] for k in range(cols)), Fraction(0)) for i in range(rows)]
            if offset <= p < offset + rows * cols:
                i, k = divmod(p - offset, cols)
                dz[i] += h[k]
            elif offset + rows * cols <= p < offset + rows * cols + rows:
                dz[p - offset - rows * cols] += 1
            offset += rows * cols + rows
            if l < len(layers) - 1:
                dh = [dzi if zi > 0 else Fraction(0) for zi, dzi in zip(z, dz)]
                h = [max(zi, Fraction(0)) for zi in z]
            else:
                h, dh = z, dz
        columns.append(dh)
    return [list(row) for row in zip(*columns)]


def independent_dimension(network: dict, X: list) -> int:
    layers = _layers(network)
    rows = [row for x in X for row in _forward_mode_row_block(layers, [_q(v) for v in x])]
    return DomainMatrix([[QQ(q.numerator, q.denominator) for q in row] for row in rows],
                        (len(rows), len(rows[0])), QQ).rank()


def _runs(result: dict) -> list[dict]:
    return result.get("runs") or [result]


# --- the properties ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(TINY))
def test_every_dimension_recomputes_exactly(results, name):
    checked = 0
    for run in _runs(results[name]):
        samples = {"train": run["X"], **run["samples"]}
        for checkpoint in run["checkpoints"]:
            for sample_name, X in samples.items():
                key = "local_dimension" + ("" if sample_name == "train" else f"_{sample_name}")
                assert checkpoint[key] == independent_dimension(checkpoint["network"], X), \
                    (name, run["name"], checkpoint["step"], sample_name)
                checked += 1
    assert checked >= 6


@pytest.mark.parametrize("name", list(TINY))
def test_no_bound_is_exceeded(results, name):
    for run in _runs(results[name]):
        widths = run["architecture"]
        P = sum(a * (b + 1) for b, a in zip(widths, widths[1:]))
        hidden = sum(widths[1:-1])
        assert run["n_parameters"] == P and run["symmetry_bound"] == P - hidden
        m = widths[-1]
        sizes = {"train": len(run["X"]), **{k: len(v) for k, v in run["samples"].items()}}
        for c in run["checkpoints"]:
            for sample_name, n in sizes.items():
                key = "local_dimension" + ("" if sample_name == "train" else f"_{sample_name}")
                assert 0 <= c[key] <= min(P - hidden, n * m)
            assert 1 <= c["activation_regions_perceived"] <= len(run["X"])
            if c["linear_pieces_perceived"] is not None:
                assert 1 <= c["linear_pieces_perceived"] <= c["activation_regions_perceived"]
            assert c["active_neurons"] + c["dead_neurons"] == widths[1]
            for key in ("distinct_hyperplanes_exact", "hyperplanes_perceived",
                        "aligned_hyperplanes_numeric"):
                assert 0 <= c[key] <= c["active_neurons"]


def test_perceived_counts_recompute(results):
    """Regions, cuts and exact hyperplanes from the JSON network, counted by brute force."""
    run = results["training"]
    for c in run["checkpoints"]:
        (W, b), _ = _layers(c["network"])
        X = [[_q(v) for v in x] for x in run["X"]]
        patterns = [tuple(int(W[j][0] * x[0] + b[j] > 0) for j in range(len(W))) for x in X]
        assert c["activation_regions_perceived"] == len(set(patterns))
        active = [j for j in range(len(W)) if any(s[j] for s in patterns)]
        # 1-D: two neurons share a hyperplane iff they have the same kink -b/w
        assert c["distinct_hyperplanes_exact"] == len({-b[j] / W[j][0] for j in active
                                                       if W[j][0] != 0})
        cuts = set()
        for j in range(len(W)):
            column = tuple(s[j] for s in patterns)
            if 0 < sum(column) < len(column):
                cuts.add(frozenset([column, tuple(1 - a for a in column)]))
        assert c["hyperplanes_perceived"] == len(cuts)
        # in 1-D the linear pieces perceived are the regions perceived, merged where no
        # neuron bends (a kink with a zero output weight): at most the regions
        assert c["linear_pieces_perceived"] <= c["activation_regions_perceived"]


def test_mnist_runs_shallow_and_deep(results):
    names = [run["name"] for run in _runs(results["mnist"])]
    assert names == ["shallow", "deep"]
    assert results["mnist"]["runs"][1]["architecture"] == [64, 3, 2, 10]


def test_flatness_split_is_consistent(results):
    report = results["flatness"]["summary"]["flatness"]
    last = results["flatness"]["checkpoints"][-1]
    P, N = report["n_parameters"], report["hidden_neurons"]
    assert report["local_dimension"] == last["local_dimension"]
    assert report["flat_directions"] == P - last["local_dimension"] == \
        report["kernel_dimension_exact"]
    assert report["rescaling_directions"] + report["geometry_induced_directions"] == \
        report["flat_directions"]
    assert report["rescaling_directions"] <= N
    assert sum(report["geometry_induced_by_kind"].values()) == \
        report["geometry_induced_directions"]
    assert len(report["hessian_numeric"]["eigenvalues"]) == P


def test_same_seed_same_results_and_another_seed_differs():
    settings = TINY["saddle"]
    first = json.dumps(run_experiment("saddle", seed=5, **settings).to_dict())
    second = json.dumps(run_experiment("saddle", seed=5, **settings).to_dict())
    other = json.dumps(run_experiment("saddle", seed=6, **settings).to_dict())
    assert first == second
    assert first != other


def test_the_results_json_contract(results):
    for name in ("training", "saddle", "flatness", "noise"):
        result = results[name]
        assert result["experiment"] == name
        assert isinstance(result["X"], list) and result["checkpoints"]
        for c in result["checkpoints"]:
            assert {"step", "loss", "local_dimension", "activation_regions_perceived",
                    "network"} <= set(c)
        json.dumps(result)  # everything is JSON-ready


# --- plots and the registry -------------------------------------------------------------------


def test_without_matplotlib_results_only(results, tmp_path, monkeypatch):
    monkeypatch.setattr(plots, "_pyplot", lambda: None)
    paths, note = plots.plot_results(results["saddle"], str(tmp_path))
    assert paths == [] and "matplotlib is not installed" in note


def test_registry_has_quick_and_full_for_every_experiment():
    for name, module in EXPERIMENTS.items():
        assert set(module.CONFIGS) == {"quick", "full"}, name
        assert module.NAME == name and module.DESCRIPTION


def _check_figure(name: str, figure) -> None:
    """Every panel says what its axes are; a dimension or count axis spanning more than two
    orders of magnitude is logarithmic (else ~1000 and ~30 share one unreadable axis)."""
    panels = [ax for ax in figure.axes if ax.get_lines() or ax.collections]
    for ax in panels:
        # a twin or a panel sharing an axis may carry that axis' label
        assert any(o.get_xlabel() for o in ax.get_shared_x_axes().get_siblings(ax)), \
            f"{name}: a panel without an x-label"
        label = next((o.get_ylabel() for o in ax.get_shared_y_axes().get_siblings(ax)
                      if o.get_ylabel()), "")
        assert label, f"{name}: a panel without a y-label"
        values = [abs(float(v)) for line in ax.get_lines() for v in line.get_ydata()
                  if float(v) != 0]
        if values and any(w in label for w in ("dimension", "count", "regions")) \
                and max(values) > 100 * min(values):
            assert ax.get_yscale() == "log", f"{name}: {label!r} spans orders of magnitude"


def figure_checker(seen: list):
    """A stand-in for ``save_figures``: checks each figure (:func:`_check_figure`), notes its
    name in ``seen`` and closes it, writing nothing."""
    def check(plt, drawn, out_dir):
        for item in drawn:
            if item is not None:
                _check_figure(*item)
                seen.append(item[0])
                plt.close(item[1])
        return []

    return check


@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_every_figure_labels_its_axes(results, name, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    seen = []
    monkeypatch.setattr(plots, "save_figures", figure_checker(seen))
    plots.plot_results(results[name], str(tmp_path))
    assert seen
