"""Figures for the experiments, drawn from a results.json object (matplotlib optional).

matplotlib is an optional extra (``pip install relugeom[plot]``): it is imported only here, only
when a figure is asked for. Without it :func:`plot_results` draws nothing and returns a note
saying so; the results themselves never depend on it.

Every figure is drawn from the JSON-ready results dict, so ``plot_results(json.load(f), dir)``
redraws the figures of a saved run.
"""

from __future__ import annotations

import os
from fractions import Fraction
from typing import Any, Callable

import numpy as np

MISSING = ("matplotlib is not installed, so no figures were drawn (results.json has every "
           "number); install it with: pip install 'relugeom[plot]'")


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_results(results: dict, out_dir: str) -> tuple[list[str], str | None]:
    """Draw the figures of ``results`` into ``out_dir``; return (paths written, note or None)."""
    plt = _pyplot()
    if plt is None:
        return [], MISSING
    drawers: dict[str, list[Callable]] = {
        "training": [_dynamics, _fit],
        "saddle": [_saddle],
        "flatness": [_dynamics, _spectrum],
        "noise": [_noise],
        "mnist": [_mnist],
    }
    if not results.get("checkpoints"):
        return [], "no checkpoints to plot"
    return save_figures(plt, [draw(plt, results) for draw in
                              drawers.get(results["experiment"], [_dynamics])], out_dir), None


def save_figures(plt: Any, drawn: list, out_dir: str) -> list[str]:
    """Save each (file name, figure) of ``drawn`` (None entries skipped) into ``out_dir``;
    return the paths."""
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for item in drawn:
        if item is None:
            continue
        name, figure = item
        path = os.path.join(out_dir, name)
        figure.savefig(path, dpi=120, bbox_inches="tight")
        plt.close(figure)
        paths.append(path)
    return paths


def _steps(checkpoints: list) -> list[int]:
    return [c["step"] + 1 for c in checkpoints]


def _how(checkpoints: list) -> str:
    """How the dimensions are known: exact, or modular lower bounds (probabilistic)."""
    if any("probabilistic" in c.get("dimension_certificates", ()) for c in checkpoints):
        return "modular: lower bound, exact w.p. ≥ 1 − ε"
    return "exact"


def _dimension_panel(ax: Any, results: dict, checkpoints: list, title: str = "",
                     run: dict | None = None) -> None:
    run = run if run is not None else results
    steps = _steps(checkpoints)
    how = _how(checkpoints)
    ax.plot(steps, [c["local_dimension"] for c in checkpoints], "o-", color="C0",
            label=f"local dimension, training X ({how})")
    for name, style in (("test", "s--"), ("gaussian", "^:")):
        key = f"local_dimension_{name}"
        if checkpoints and key in checkpoints[0]:
            ax.plot(steps, [c[key] for c in checkpoints], style, color="C0", alpha=0.6,
                    label=f"local dimension, {name} X ({how})")
    ax.plot(steps, [c["activation_regions_perceived"] for c in checkpoints], "o-", color="C2",
            label="activation regions perceived (exact)")
    if checkpoints and checkpoints[0].get("hyperplanes_perceived") is not None:
        ax.plot(steps, [c["hyperplanes_perceived"] for c in checkpoints], ".-", color="C4",
                label="hyperplanes perceived (exact)")
    if checkpoints and checkpoints[0].get("aligned_hyperplanes_numeric") is not None:
        tol = results.get("config", {}).get("alignment_tolerance_degrees")
        ax.plot(steps, [c["aligned_hyperplanes_numeric"] for c in checkpoints], "x:",
                color="C3", label=f"clusters of neuron lines within {tol}° (numeric)")
    bound = run.get("sample_bounds", {}).get("train")
    if bound:
        ax.axhline(bound, color="grey", lw=0.8, ls="--", label=f"n·m = {bound}")
    reference = run.get("summary", {}).get("target_local_dimension")
    if reference is not None:
        ax.axhline(reference, color="C1", lw=0.8, ls="--",
                   label=f"target network's dimension = {reference}")
    if results.get("config", {}).get("spacing", "log") == "log":
        ax.set_xscale("log")
    ax.set_xlabel("training step + 1")
    values = [v for line in ax.get_lines() for v in line.get_ydata() if v > 0]
    if values and max(values) > 30 * min(values):  # dimensions ~1000 beside ~30 regions
        ax.set_yscale("log")
    ax.set_ylabel("dimension or count" + (" (log scale)" if ax.get_yscale() == "log" else ""))
    _legend_outside(ax)
    if title:
        ax.set_title(title)


def _legend_outside(ax: Any, handles: Any = None, labels: Any = None,
                    below: bool = False) -> None:
    """The legend right of the axes (below them when a right-hand axis is in the way), never
    over the curves."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    if below:
        ax.legend(handles, labels, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14))
    else:
        ax.legend(handles, labels, fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1),
                  borderaxespad=0)


def _loss_panel(ax: Any, checkpoints: list, log_steps: bool = True) -> None:
    ax.plot(_steps(checkpoints), [c["loss"] for c in checkpoints], "k.-")
    if log_steps:
        ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylabel("training loss (float64)")


def _dynamics(plt: Any, results: dict) -> tuple[str, Any]:
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(7, 7), sharex=True)
    _loss_panel(top, results["checkpoints"])
    top.set_title(f"{results['experiment']}: architecture {results.get('architecture')}, "
                  f"P = {results.get('n_parameters')}")
    _dimension_panel(bottom, results, results["checkpoints"])
    return "dynamics.png", figure


def _network_values(network: dict, xs: Any) -> tuple[Any, Any]:
    """Float evaluation of an exact 1-D shallow network, and its kinks."""
    W = np.array([[float(Fraction(q)) for q in row] for row in network["W"]])
    b = np.array([float(Fraction(q)) for q in network["b"]])
    V = np.array([[float(Fraction(q)) for q in row] for row in network["V"]])
    c = np.array([float(Fraction(q)) for q in network["c"]])
    values = np.maximum(xs[:, None] * W[:, 0] + b, 0) @ V.T + c
    nonzero = W[:, 0] != 0
    return values[:, 0], -b[nonzero] / W[nonzero, 0]


def _fit(plt: Any, results: dict) -> tuple[str, Any]:
    X = np.array([float(Fraction(row[0])) for row in results["X"]])
    Y = np.array([float(Fraction(row[0])) for row in results["Y"]])
    knots = results["config"]["target_knots"]
    xs = np.linspace(min(knots[0], X.min()), max(knots[-1], X.max()), 800)
    figure, ax = plt.subplots(figsize=(7, 4))
    ax.plot(knots, results["config"]["target_values"], color="C1", lw=1, label="target")
    values, kinks = _network_values(results["checkpoints"][-1]["network"], xs)
    ax.plot(xs, values, color="C0", label="trained network (final)")
    ax.plot(X, Y, "k.", label="training samples")
    ax.set_xlabel("input x")
    ax.set_ylabel("output f(x)")
    inside = kinks[(kinks >= xs[0]) & (kinks <= xs[-1])]
    for k in inside:
        ax.axvline(k, color="C3", lw=0.4, alpha=0.5)
    last = results["checkpoints"][-1]
    ax.set_title(f"final: exact local dimension {last['local_dimension']}, "
                 f"{last['activation_regions_perceived']} regions perceived "
                 "(red lines: the neurons' kinks)", fontsize=9)
    _legend_outside(ax)
    return "fit.png", figure


def _saddle(plt: Any, results: dict) -> tuple[str, Any]:
    checkpoints = results["checkpoints"]
    figure, ax = plt.subplots(figsize=(8, 4.5))
    steps = _steps(checkpoints)
    ax.plot(steps, [c["loss"] for c in checkpoints], "k.-", label="loss (float64)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("step + 1")
    ax.set_ylabel("training loss")
    for plateau in results.get("summary", {}).get("plateaus", []):
        ax.axvspan(plateau["first_step"] + 1, plateau["last_step"] + 1, color="grey", alpha=0.15)
    right = ax.twinx()
    right.step(steps, [c["local_dimension"] for c in checkpoints], where="post", color="C0",
               label="local dimension, all neurons (exact)")
    if checkpoints and "local_dimension_significant" in checkpoints[0]:
        threshold = results.get("config", {}).get("significance")
        right.step(steps, [c["local_dimension_significant"] for c in checkpoints], where="post",
                   color="C3", label=f"local dimension of the sub-network of neurons of size "
                                     f"≥ {threshold}·max (THRESHOLDED: neurons chosen by a "
                                     "float threshold, rank exact)")
    right.set_ylabel("local dimension")
    lines = ax.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    _legend_outside(right, lines[0] + more[0], lines[1] + more[1], below=True)
    span = results.get("config", {}).get("plateau_min_span")
    ax.set_title("saddle-to-saddle: loss plateaus (shaded: loss falls < "
                 f"{results.get('config', {}).get('plateau_tolerance', 0.05):.0%} per "
                 f"e-fold of steps, over ≥ ×{span} steps) and local dimension", fontsize=9)
    return "saddle.png", figure


def _spectrum(plt: Any, results: dict) -> tuple[str, Any]:
    report = results["summary"]["flatness"]
    figure, ax = plt.subplots(figsize=(7, 4.5))
    for key, label, color in (("hessian_numeric", "Hessian of the loss", "C0"),
                              ("gauss_newton_numeric", "JᵀJ/n (Hessian if interpolating)",
                               "C2")):
        values = np.sort(np.abs(report[key]["eigenvalues"]))
        ax.plot(np.arange(1, len(values) + 1), np.maximum(values, 1e-300), ".", ms=3,
                color=color, label=f"|eigenvalues| of {label} (numeric)")
    flat = report["flat_directions"]
    ax.axvline(flat + 0.5, color="k", ls="--", lw=0.8,
               label=f"P − dim = {flat} (exact): {report['rescaling_directions']} rescalings + "
                     f"{report['geometry_induced_directions']} geometry-induced")
    ax.axvline(report["rescaling_directions"] + 0.5, color="grey", ls=":", lw=0.8)
    ax.axhline(report["residual_term_norm_numeric"], color="C0", ls=":", lw=0.8,
               label="Weyl bound ||H − JᵀJ/n||₂")
    ax.set_yscale("log")
    top = max(abs(v) for v in report["hessian_numeric"]["eigenvalues"])
    ax.set_ylim(1e-20, 10 * top)
    ax.set_xlabel("index (sorted by |eigenvalue|)")
    ax.set_ylabel("|eigenvalue| (numeric, float64; log scale)")
    _legend_outside(ax)
    ax.set_title("flat directions at the end of training")
    return "hessian_spectrum.png", figure


def _noise(plt: Any, results: dict) -> tuple[str, Any]:
    rows = results["summary"]["final_by_noise"]
    figure, ax = plt.subplots(figsize=(7, 4.5))
    for kind, marker in (("label", "o"), ("input", "s")):
        chosen = sorted((r for r in rows if r["noise_kind"] == kind or
                         (kind == "input" and r["noise_level"] == 0)),
                        key=lambda r: r["noise_level"])
        if not chosen:
            continue
        levels = [r["noise_level"] for r in chosen]
        ax.plot(levels, [r["final_local_dimension"] for r in chosen], marker + "-",
                label=f"{kind} noise: final dimension, training X")
        ax.plot(levels, [r["final_local_dimension_test"] for r in chosen], marker + "--",
                alpha=0.6, label=f"{kind} noise: final dimension, test X")
    bound = results.get("sample_bounds", {}).get("train")
    if bound:
        ax.axhline(bound, color="grey", ls="--", lw=0.8, label=f"n·m = {bound}")
    ax.set_xlabel("noise level σ")
    ax.set_ylabel("exact local dimension at the end of training")
    _legend_outside(ax)
    ax.set_title("final local dimension against noise")
    return "noise.png", figure


def _mnist(plt: Any, results: dict) -> tuple[str, Any]:
    runs = results.get("runs") or [results]
    figure, axes = plt.subplots(len(runs), 1, figsize=(7, 4.5 * len(runs)), squeeze=False)
    for ax, run in zip(axes[:, 0], runs):
        _dimension_panel(ax, results, run["checkpoints"], run=run,
                         title=f"{run.get('name')}: {run.get('architecture')}, "
                               f"P = {run.get('n_parameters')}, n = {len(run['X'])}")
    figure.suptitle(f"{results['experiment']}: {results.get('summary', {}).get('source', '')}",
                    fontsize=9)
    figure.tight_layout()
    return "mnist.png", figure
