"""Experiment ``noise``: the final local dimension against label noise and input noise.

The ``training`` setting (1-D input, width 100, piecewise-linear target on [0, 20], 50
samples) is trained once per noise level, all runs from the same initialisation and for the same
number of steps:

- label noise σ: y_i = g(x_i) + σ·ε_i;
- input noise σ: the network sees x_i + σ·ε_i but the labels are g(x_i) of the clean x_i.

ε is standard Gaussian (seeded). The held-out and Gaussian samples are the clean ones. The
summary tabulates, per (kind, σ), the final loss and the exact final local dimension on the
training, held-out and Gaussian samples: the more the labels disagree with a simple function,
the more linear regions the sample must perceive to fit them, and the higher the dimension the
training ends at.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np

from ..progress import progress as progress_bar
from . import descent, training
from .record import ExperimentResult, Samples, dimension_summary, standard_notes, train_and_record

NAME = "noise"
DESCRIPTION = "label and input noise at several levels: final exact dimension against noise"


@dataclass(frozen=True)
class Config(training.Config):
    label_noise: tuple = (0.0, 0.5, 1.0, 2.0)
    input_noise: tuple = (0.5, 1.0, 2.0)
    checkpoints: int = 6


#: The settings are training's, checked the same way.
check_config = training.check_config

CONFIGS = {
    "quick": Config(),
    "full": Config(steps=200000, checkpoints=20, label_noise=(0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0),
                   input_noise=(0.25, 0.5, 1.0, 1.5, 2.0, 3.0)),
}


def run(config: Config, seed: int = 0, progress: bool = False, mode: str = "custom"
        ) -> ExperimentResult:
    """One training run per noise level, same initialisation; see the module docstring."""
    data_rng, init_rng, noise_rng, train_seed = np.random.SeedSequence(seed).spawn(4)
    clean, Y = training.make_data(config, np.random.default_rng(data_rng))
    lo, hi = config.target_knots[0], config.target_knots[-1]
    layers = descent.init_network([1, config.width, 1], np.random.default_rng(init_rng),
                                  scale=config.init_scale, breakpoints=(lo, hi))
    X = clean.floats["train"]
    noise = np.random.default_rng(noise_rng).standard_normal(X.shape)
    levels = ([("label", s) for s in config.label_noise]
              + [("input", s) for s in config.input_noise])
    runs = []
    table = []
    with progress_bar(config.steps * len(levels), NAME, enabled=progress) as bar:
        for index, (kind, sigma) in enumerate(levels):
            X_run = X + sigma * noise if kind == "input" else X
            Y_run = Y + sigma * noise if kind == "label" else Y
            samples = Samples.from_floats(train=X_run, test=clean.floats["test"],
                                          gaussian=clean.floats["gaussian"])
            run_ = train_and_record(
                f"{kind} noise {sigma:g}", layers, samples, Y_run,
                descent.Schedule(config.steps, config.learning_rate, momentum=config.momentum),
                descent.checkpoint_steps(config.steps, config.checkpoints, config.spacing),
                np.random.default_rng(train_seed), progress=bar,
                progress_start=index * config.steps,
                alignment_tolerance_degrees=config.alignment_tolerance_degrees)
            summary = {"noise_kind": kind, "noise_level": sigma, **dimension_summary(run_)}
            runs.append(replace(run_, summary=summary))
            table.append({key: summary[key] for key in (
                "noise_kind", "noise_level", "final_loss", "final_local_dimension",
                "final_local_dimension_test", "final_local_dimension_gaussian",
                "final_activation_regions_perceived")})
    notes = standard_notes(runs) + [
        "Top-level X and checkpoints are those of the first run (label noise "
        f"{config.label_noise[0] if config.label_noise else '-'}); 'runs' holds every run with "
        "its own (noisy) X and Y.",
        "Noise is sigma times one fixed standard Gaussian vector, so the levels differ only in "
        "sigma.",
    ]
    return ExperimentResult(NAME, mode, seed, asdict(config), tuple(runs),
                            summary={"final_by_noise": table}, notes=tuple(notes))
