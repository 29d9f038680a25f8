"""Experiment ``saddle``: from a small initialisation, loss plateaus and dimension steps.

A 1-D teacher with three neurons of very different output weights (4, −1, 1/4) labels a
Gaussian sample; a wide student starts at scale 1e-5 and runs plain full-batch gradient descent.
From such an initialisation gradient descent goes from saddle to saddle: the neurons first
align (the loss barely moves while the kinks gather, and the exact dimension falls), then
escape one feature at a time, the loss dropping between long plateaus.

Recorded at log-spaced checkpoints, besides the usual measurements
(:mod:`relugeom.experiments.record`):

- ``local_dimension_significant``: the exact local dimension of the sub-network of
  *significant* neurons, those whose rescaling-invariant size |v_j|·||(w_j, b_j)|| is at least
  ``significance`` times the largest — the dimension of the saddle the trajectory is passing
  near. The rank is exact; which neurons count is a float judgement at the stated threshold.
- ``significant_neurons``: how many there are.

The summary lists the loss plateaus (maximal runs of checkpoints where the loss drops by less
than ``plateau_tolerance`` per e-fold of steps, spanning a factor ``plateau_min_span`` in
steps; see :func:`plateaus`) with the exact dimensions seen on each, so each plateau can be
read against the dimension's steps.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any, Sequence

import numpy as np

from ..errors import InputError
from ..progress import progress as progress_bar
from . import descent
from .record import (ExperimentResult, Run, Samples, dimension_summary, exact_network,
                     exact_sample, local_dimension_on, standard_notes, train_and_record)

NAME = "saddle"
DESCRIPTION = "small initialisation: loss plateaus against steps of the exact dimension"


@dataclass(frozen=True)
class Config:
    width: int = 20
    n_samples: int = 50
    n_test: int = 50
    n_gaussian: int = 50
    teacher_w: tuple = (1.0, 1.0, -1.0)
    teacher_b: tuple = (0.0, -0.5, -0.5)
    teacher_v: tuple = (4.0, -1.0, 0.25)
    init_scale: float = 1e-5
    learning_rate: float = 0.05
    steps: int = 100000
    checkpoints: int = 50
    spacing: str = "log"
    significance: float = 1e-2
    plateau_tolerance: float = 0.05
    plateau_min_span: float = 2.0
    alignment_tolerance_degrees: float = 0.5


CONFIGS = {
    "quick": Config(),
    "full": Config(steps=1000000, checkpoints=120),
}


def check_config(config: Config) -> None:
    """Refuse, before any training, settings that cannot work (the teacher, the learning
    rate)."""
    lengths = {len(config.teacher_w), len(config.teacher_b), len(config.teacher_v)}
    if len(lengths) != 1 or 0 in lengths:
        raise InputError(f"teacher_w, teacher_b and teacher_v must have the same length ≥ 1 (one "
                         f"entry per teacher neuron); got {config.teacher_w}, {config.teacher_b} "
                         f"and {config.teacher_v}")
    if not config.learning_rate > 0:
        raise InputError(f"learning_rate must be > 0, got {config.learning_rate}")


def teacher(config: Config) -> descent.Layers:
    """The teacher network, as float layers (its weights are exact in binary)."""
    W = np.array(config.teacher_w, float)[:, None]
    return [(W, np.array(config.teacher_b, float)),
            (np.array([config.teacher_v], float), np.zeros(1))]


def significant_subnetwork(layers: descent.Layers, significance: float) -> descent.Layers:
    """The neurons j with |v_j|·||(w_j, b_j)|| ≥ significance · max_k |v_k|·||(w_k, b_k)||."""
    (W, b), (V, c) = layers
    size = np.linalg.norm(V, axis=0) * np.linalg.norm(np.hstack([W, b[:, None]]), axis=1)
    keep = size >= significance * size.max() if size.max() > 0 else np.ones(len(b), bool)
    return [(W[keep], b[keep]), (V[:, keep], c)]


def plateaus(run: Run, tolerance: float, min_span: float = 2.0) -> list[dict[str, Any]]:
    """Maximal runs of ≥ 2 checkpoints along which the loss falls by less than ``tolerance``
    (relative) per e-fold of steps, 1 − L_{i+1}/L_i < tolerance · ln((s_{i+1} + 1)/(s_i + 1)),
    and that last long: (last step + 1) ≥ ``min_span`` · (first step + 1). With the exact
    dimensions seen on each.

    Both conditions are scale-free in time, as log-spaced checkpoints are: a rule per
    checkpoint would call the first steps (one apart) plateaus whenever one step moves the
    loss little.

    >>> from relugeom.experiments.record import Checkpoint
    >>> losses = {0: 3.0, 1: 2.7, 2: 2.6, 10: 1.0, 100: 0.99, 1000: 0.98}
    >>> run = Run("r", None, None, (1, 2, 1), tuple(Checkpoint(
    ...     s, l, 3, 2, None, {"local_dimension_significant": 1}) for s, l in losses.items()))
    >>> [(p["first_step"], p["last_step"]) for p in plateaus(run, 0.05)]
    [(10, 1000)]
    """
    cps = run.checkpoints
    flat = [1 - cps[i + 1].loss / cps[i].loss
            < tolerance * math.log((cps[i + 1].step + 1) / (cps[i].step + 1))
            for i in range(len(cps) - 1)]
    out = []
    i = 0
    while i < len(flat):
        if not flat[i]:
            i += 1
            continue
        k = i
        while k < len(flat) and flat[k]:
            k += 1
        segment: Sequence = cps[i:k + 1]
        i = k
        if segment[-1].step + 1 < min_span * (segment[0].step + 1):
            continue
        out.append({
            "first_step": segment[0].step, "last_step": segment[-1].step,
            "loss_first": segment[0].loss, "loss_last": segment[-1].loss,
            "local_dimensions": sorted({c.local_dimension for c in segment}),
            "final_local_dimension": segment[-1].local_dimension,
            "local_dimensions_significant": sorted(
                {c.measurements["local_dimension_significant"] for c in segment}),
        })
    return out


def run(config: Config, seed: int = 0, progress: bool = False, mode: str = "custom"
        ) -> ExperimentResult:
    """Train the student once from a small initialisation and record."""
    data_rng, init_rng, train_rng = (np.random.default_rng(s)
                                     for s in np.random.SeedSequence(seed).spawn(3))
    X = data_rng.standard_normal((config.n_samples, 1))
    samples = Samples.from_floats(train=X,
                                  test=data_rng.standard_normal((config.n_test, 1)),
                                  gaussian=X.mean() + X.std()
                                  * data_rng.standard_normal((config.n_gaussian, 1)))
    teach = teacher(config)
    Y = descent.predict(teach, X)
    layers = descent.init_network([1, config.width, 1], init_rng, scale=config.init_scale)

    def extra(step: int, theta: descent.Layers) -> dict[str, Any]:
        sub = significant_subnetwork(theta, config.significance)
        dim, *_ = local_dimension_on(exact_network(sub), samples.exact["train"])
        return {"significant_neurons": int(sub[0][0].shape[0]),
                "local_dimension_significant": dim}

    with progress_bar(config.steps, NAME, enabled=progress) as bar:
        result_run = train_and_record(
            NAME, layers, samples, Y, descent.Schedule(config.steps, config.learning_rate),
            descent.checkpoint_steps(config.steps, config.checkpoints, config.spacing),
            train_rng, progress=bar, extra=extra,
            alignment_tolerance_degrees=config.alignment_tolerance_degrees)
    summary = dimension_summary(result_run)
    summary["teacher_local_dimension"] = local_dimension_on(
        exact_network(teach), exact_sample(X))[0]
    summary["plateaus"] = plateaus(result_run, config.plateau_tolerance,
                                   config.plateau_min_span)
    notes = standard_notes([result_run]) + [
        "local_dimension_significant: exact rank for the sub-network of neurons with "
        f"|v_j|*||(w_j, b_j)|| >= {config.significance} * max (the selection is a float "
        "judgement at that threshold; the rank is exact).",
        "plateaus: runs of checkpoints where the float loss falls by less than "
        f"{config.plateau_tolerance:.0%} per e-fold of steps, lasting at least "
        f"a factor {config.plateau_min_span:g} in steps ((last + 1) >= "
        f"{config.plateau_min_span:g} * (first + 1)).",
        "teacher_local_dimension: exact local dimension on X of the 3-neuron teacher.",
    ]
    return ExperimentResult(NAME, mode, seed, asdict(config),
                            (replace(result_run, summary=summary),), notes=tuple(notes))
