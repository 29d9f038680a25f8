"""Experiment ``training``: the local dimension falls while a wide network learns a simple target.

One hidden layer of width 100, 1-D input, a piecewise-linear target with 4 breakpoints on
[0, 20], 50 training samples. Gradient descent (heavy-ball momentum) from an initialisation
whose kinks lie in [0, 20] and whose weights are scaled down (``init_scale``), so the network
learns features rather than staying near its initialisation. At log-spaced checkpoints the exact
local dimension on the training, a held-out and a Gaussian sample, the perceived regions and the
alignment of the neurons' kinks are recorded (see :mod:`relugeom.experiments.record`).

What it shows: the exact dimension starts near its maximum (n = 50) and falls as the kinks
gather into a few gaps between samples, toward the dimension of the target's own minimal ReLU
network (recorded as ``target_local_dimension``): geometry-induced regularization.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import InputError
from ..model.shallow import ShallowNetwork
from ..progress import progress as progress_bar
from . import descent
from .record import (ExperimentResult, Samples, dimension_summary, exact_sample,
                     local_dimension_on, standard_notes, train_and_record)

NAME = "training"
DESCRIPTION = "width-100 shallow net on a 1-D piecewise-linear target: dimension over training"


@dataclass(frozen=True)
class Config:
    width: int = 100
    n_samples: int = 50
    n_test: int = 50
    n_gaussian: int = 50
    target_knots: tuple = (0, 4, 8, 12, 16, 20)
    target_values: tuple = (0, 4, 1, 5, 2, 4)
    init_scale: float = 0.1
    learning_rate: float = 5e-4
    momentum: float = 0.9
    steps: int = 20000
    checkpoints: int = 25
    spacing: str = "log"
    alignment_tolerance_degrees: float = 0.5


CONFIGS = {
    "quick": Config(),
    "full": Config(steps=200000, checkpoints=60),
}


def check_config(config: Config) -> None:
    """Refuse, before any training, settings that cannot work (the target, the learning rate);
    shared by the experiments built on this one (flatness, noise)."""
    knots, values = config.target_knots, config.target_values
    if len(knots) < 2 or len(knots) != len(values) or list(knots) != sorted(set(knots)):
        raise InputError(f"target_knots must be ≥ 2 increasing numbers with one target_value "
                         f"each; got knots {knots} and values {values}")
    if not config.learning_rate > 0:
        raise InputError(f"learning_rate must be > 0, got {config.learning_rate}")


def target(config: Config, X: np.ndarray) -> np.ndarray:
    """The piecewise-linear target through (target_knots, target_values), as an n × 1 array."""
    knots, values = config.target_knots, config.target_values
    if len(knots) < 2 or len(knots) != len(values) or list(knots) != sorted(set(knots)):
        raise InputError(f"target_knots must be ≥ 2 increasing numbers with one target_value "
                         f"each; got knots {knots} and values {values}")
    return np.interp(X[:, 0], np.array(config.target_knots, float),
                     np.array(config.target_values, float))[:, None]


def target_network(config: Config) -> Any:
    """The target's own ReLU network: one neuron per knot but the last (the first knot's
    neuron carries the first slope), exact rational weights.

    On the interval every sample lies right of the first knot, so this network equals the target
    there; its local dimension is the reference the trained network's dimension falls toward.
    """
    knots = [Fraction(k) for k in config.target_knots]
    values = [Fraction(v) for v in config.target_values]
    slopes = [(values[i + 1] - values[i]) / (knots[i + 1] - knots[i])
              for i in range(len(knots) - 1)]
    changes = [slopes[0]] + [slopes[i] - slopes[i - 1] for i in range(1, len(slopes))]
    return ShallowNetwork([[1]] * len(changes), [-k for k in knots[:-1]], [changes],
                          [values[0]])


def make_data(config: Config, rng: np.random.Generator) -> tuple[Samples, np.ndarray]:
    """Training and held-out samples uniform on the target's interval, sorted; a Gaussian sample
    with the training sample's mean and standard deviation."""
    lo, hi = config.target_knots[0], config.target_knots[-1]
    X = np.sort(rng.uniform(lo, hi, size=(config.n_samples, 1)), axis=0)
    X_test = np.sort(rng.uniform(lo, hi, size=(config.n_test, 1)), axis=0)
    X_gauss = X.mean() + X.std() * rng.standard_normal((config.n_gaussian, 1))
    return Samples.from_floats(train=X, test=X_test, gaussian=X_gauss), target(config, X)


def run(config: Config, seed: int = 0, progress: bool = False, mode: str = "custom"
        ) -> ExperimentResult:
    """Train once and record; see the module docstring."""
    data_rng, init_rng, train_rng = (np.random.default_rng(s)
                                     for s in np.random.SeedSequence(seed).spawn(3))
    samples, Y = make_data(config, data_rng)
    lo, hi = config.target_knots[0], config.target_knots[-1]
    layers = descent.init_network([1, config.width, 1], init_rng, scale=config.init_scale,
                                  breakpoints=(lo, hi))
    with progress_bar(config.steps, NAME, enabled=progress) as bar:
        result_run = train_and_record(
            NAME, layers, samples, Y,
            descent.Schedule(config.steps, config.learning_rate, momentum=config.momentum),
            descent.checkpoint_steps(config.steps, config.checkpoints, config.spacing),
            train_rng, progress=bar,
            alignment_tolerance_degrees=config.alignment_tolerance_degrees)
    reference = target_network(config)
    summary = dimension_summary(result_run)
    summary["target_breakpoints"] = len(config.target_knots) - 2
    summary["target_network_neurons"] = reference.hidden_width
    summary["target_local_dimension"] = local_dimension_on(
        reference, exact_sample(samples.floats["train"]))[0]
    summary["final_aligned_hyperplanes_numeric"] = \
        result_run.checkpoints[-1].measurements["aligned_hyperplanes_numeric"]
    summary["final_hyperplanes_perceived"] = \
        result_run.checkpoints[-1].measurements["hyperplanes_perceived"]
    notes = standard_notes([result_run]) + [
        f"target_local_dimension: exact local dimension on X of the target's own "
        f"{reference.hidden_width}-neuron ReLU network (kinks at the target's knots).",
    ]
    return ExperimentResult(NAME, mode, seed, asdict(config),
                            (replace(result_run, summary=summary),), notes=tuple(notes))
