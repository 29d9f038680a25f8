"""Figures of a sweep (matplotlib optional, as in :mod:`relugeom.experiments.plots`).

- ``scatter.png`` (1-D): final exact dimension against the regions seen and against all
  regions on the interval, one colour per setting, with the line dim = 2·R (a bound in 1-D);
- ``axes.png``: the final dimension against each grid axis that varies (width, n, noise,
  depth), mean over seeds with the min–max spread, one line per setting;
- ``mnist.png`` (MNIST): the dimension over epochs on the training, held-out and Gaussian
  samples with P, P − hidden neurons and n·m drawn, for the logits (left) and the softmax
  output (right); log axes (they differ by orders of magnitude); certified intervals drawn
  as bars where a value is not certified exact.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from .plots import MISSING, _legend_outside, _pyplot, save_figures


def plot_sweep(result: dict[str, Any], out: str) -> tuple[list[str], str | None]:
    """Draw the figures of a sweep ``result`` (:func:`relugeom.experiments.sweep.run_sweep`)
    into ``out``; return (paths, note)."""
    plt = _pyplot()
    if plt is None:
        return [], MISSING
    drawers = [_scatter, _axes] if result["kind"] == "1d" else [_mnist, _axes]
    return save_figures(plt, [draw(plt, result, out) for draw in drawers], out), None


def _settings(rows: list) -> list[str]:
    return list(dict.fromkeys(row["setting"] for row in rows))


def _scatter(plt: Any, result: dict, out: str) -> tuple[str, Any] | None:
    rows = [r for r in result["rows"] if r["dimension"] is not None]
    if not rows:
        return None
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
    for ax, key, label in ((axes[0], "regions_seen", "activation regions seen by the training "
                            "inputs R (exact)"),
                           (axes[1], "regions_all", "activation regions on the data interval "
                            "(exact)")):
        for index, setting in enumerate(_settings(rows)):
            chosen = [r for r in rows if r["setting"] == setting and r[key] is not None]
            ax.scatter([r[key] for r in chosen], [r["dimension"] for r in chosen], s=18,
                       alpha=0.6, color=f"C{index % 10}", label=setting)
        top = max(r[key] or 1 for r in rows)
        xs = np.array([1, top])
        ax.plot(xs, 2 * xs, "k--", lw=0.8, label="dim = 2·R (1-D bound: dim ≤ 2·R seen "
                                                 "≤ 2·R all)")
        ax.set_xlabel(label)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("exact local dimension at the end of training")
    axes[0].set_ylim(0, 1.1 * max(r["dimension"] for r in rows) + 1)
    _legend_outside(axes[1])
    figure.suptitle(f"{result['sweep']}: {result['runs']} runs", fontsize=10)
    return "scatter.png", figure


_AXES = (("width", "hidden width"), ("n", "training samples n"),
         ("noise", "noise (kind:level)"), ("depth", "hidden layers"))


def _noise_order(noise: str) -> tuple:
    kind, _, level = noise.partition(":")
    return (kind != "none", kind, float(level or 0))


def _axes(plt: Any, result: dict, out: str) -> tuple[str, Any] | None:
    rows = [r for r in result["rows"] if r["dimension_lower"] is not None]
    varying = [a for a in _AXES if len({r[a[0]] for r in rows}) > 1]
    if not varying:
        return None
    figure, axes = plt.subplots(1, len(varying), figsize=(6 * len(varying), 4.2),
                                squeeze=False)
    for ax, (key, label) in zip(axes[0], varying):
        # one line per setting and values of the other varying axes: nothing pooled
        others = ["setting"] + [a for a, _ in varying if a != key]
        lines: dict[tuple, list] = {}
        for r in rows:
            lines.setdefault(tuple(r[o] for o in others), []).append(r)
        values = sorted({r[key] for r in rows},
                        key=_noise_order if key == "noise" else None)
        position = {v: (i if key == "noise" else v) for i, v in enumerate(values)}
        for index, (line, members) in enumerate(lines.items()):
            xs = [v for v in values if any(r[key] == v for r in members)]
            dims = [[r["dimension_lower"] for r in members if r[key] == v] for v in xs]
            mean = [float(np.mean(d)) for d in dims]
            spread = [[m - min(d) for m, d in zip(mean, dims)],
                      [max(d) - m for m, d in zip(mean, dims)]]
            name = ", ".join(f"{o} {v}" if o != "setting" else str(v)
                             for o, v in zip(others, line))
            ax.errorbar([position[v] for v in xs], mean, yerr=spread, marker="o", capsize=3,
                        color=f"C{index % 10}", alpha=0.85, label=name)
        if key == "noise":
            ax.set_xticks(range(len(values)), values)
        elif max(values) >= 10 * min(values):
            ax.set_xscale("log")
            label += " (log scale)"
        ax.set_xlabel(label)
        ax.set_ylabel("final local dimension (exact or certified lower bound)")
        ax.set_title("mean over seeds, bars: min–max", fontsize=9)
        ax.grid(alpha=0.3)
        _legend_outside(ax)
    figure.tight_layout()
    return "axes.png", figure


def _mnist(plt: Any, result: dict, out: str) -> tuple[str, Any] | None:
    folder = os.path.join(out, "runs")
    if not os.path.isdir(folder):
        return None
    runs = []
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), encoding="utf-8") as handle:
            runs.append(json.load(handle))
    runs = [r for r in runs if r.get("checkpoints") and "parameters" in r][:4]
    if not runs:
        return None
    figure, axes = plt.subplots(len(runs), 2, figsize=(15, 4.8 * len(runs)), squeeze=False,
                                sharey=True)
    for (left, right), run in zip(axes, runs):
        points = run["checkpoints"]
        shift = 1 if min(p["epoch"] for p in points) == 0 else 0  # epoch 0 on a log axis
        epochs = [p["epoch"] + shift for p in points]
        _mnist_panel(left, run, points, epochs, "", "n·m")
        left.plot(epochs, [p["regions_seen"] for p in points], "x--", color="C4",
                  label="activation regions seen, train X (exact)")
        for ax in (left, right):
            ax.axhline(run["parameters"], color="k", lw=0.8, ls="--",
                       label=f"P = {run['parameters']}")
            ax.axhline(run["symmetry_bound"], color="grey", lw=0.8, ls="--",
                       label=f"P − hidden neurons = {run['symmetry_bound']}")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel(("epoch + 1" if shift else "epoch") + " (log scale)")
            ax.grid(alpha=0.3, which="both")
        if "dimension_softmax_train" in points[0]:
            _mnist_panel(right, run, points, epochs, "softmax_", "n·(m − 1)")
        left.set_ylabel("dimension or count (log scale)")
        task = run["task"]
        left.set_title(f"{run['sweep']}: {task['setting']['name']}, width {task['width']}, "
                       f"depth {task['depth']}, n = {task['n']}, noise {task['noise']}, seed "
                       f"{task['seed']}\nlogits f_θ(X)", fontsize=9)
        right.set_title("softmax(f_θ(X)), what the authors' MNIST.py differentiates\n"
                        "(certified like the logits; docs/theory.md, Softmax outputs)",
                        fontsize=9)
        _legend_outside(left, below=True)
        _legend_outside(right, below=True)
    return "mnist.png", figure


def _mnist_panel(ax: Any, run: dict, points: list, epochs: list, output: str,
                 cap: str) -> None:
    """The dimension of the logits (``output`` "") or the softmax output ("softmax_") on the
    three samples, exact values as lines, certified intervals as bars, with the caps."""
    for index, (sample, marker) in enumerate((("train", "o"), ("test", "s"),
                                              ("gaussian", "^"))):
        values = [p[f"dimension_{output}{sample}"] for p in points]
        exact = all(v["exact"] for v in values)
        color = f"C{index}"
        ax.plot(epochs, [v["lower"] for v in values], marker + "-", color=color,
                label=f"local dimension, {sample} X " + (
                    "(certified exact)" if exact else
                    "(line: certified lower bound; bar: certified interval)"))
        for e, v in zip(epochs, values):
            if v["upper"] is not None and v["upper"] != v["lower"]:
                ax.plot([e, e], [v["lower"], v["upper"]], color=color, lw=3, alpha=0.4)
        bound = run["sample_bounds"][sample]          # n·m, m = 10 classes
        if output:
            bound -= bound // 10                         # n·(m − 1)
        ax.axhline(bound, color=color, lw=0.7, ls=":", label=f"{cap} = {bound} ({sample})")
