"""Experiments reproducing geometry-induced regularization, with exact numbers behind them.

Each experiment trains small ReLU networks in float64 (plain gradient descent, seeded and
deterministic) and, at checkpoints, converts the weights *exactly* and records the exact local
dimension and what explains it (:mod:`relugeom.experiments.record`):

========== =================================================================================
training   width-100 shallow network, 1-D piecewise-linear target: the dimension falls
saddle     small initialisation: loss plateaus against steps of the exact dimension
flatness   P − dim flat directions at the end: N rescalings + geometry; Hessian spectrum
noise      label / input noise at several levels: final dimension against noise
mnist      small MNIST (or digits) subset, shallow and deep networks, train/test/Gaussian
========== =================================================================================

>>> result = run_experiment("saddle", steps=200, checkpoints=3, width=4)
>>> [c.step for c in result.runs[0].checkpoints]
[0, 13, 200]
>>> d = result.to_dict()
>>> sorted(k for k in ("experiment", "X", "checkpoints") if k in d)
['X', 'checkpoints', 'experiment']
"""

from __future__ import annotations

import json
import math
import numbers
import os
from dataclasses import fields, replace
from typing import Any

from ..errors import InputError
from . import flatness, mnist, noise
from . import plots as plotting
from . import saddle, training
from .budget import check_budget, experiment_seconds
from .presets import PRESETS, preset
from .record import ExperimentResult
from .sweep import check_sweep, load_sweep, prepare, run_sweep

#: name → module with NAME, DESCRIPTION, Config, CONFIGS ("quick", "full") and run(); optional
#: check_config(config) refuses settings it cannot run with, check_requirements(config) missing
#: extras or data (mnist), both before any training.
EXPERIMENTS = {module.NAME: module for module in (training, saddle, flatness, noise, mnist)}
MODES = ("quick", "full")


def experiment_config(name: str, mode: str = "quick", **overrides: Any) -> Any:
    """The configuration of experiment ``name`` in ``mode``, with fields overridden.

    An unknown experiment, mode or field, a value of the wrong type, and settings the
    experiment cannot run with (its ``check_config``) are an :class:`~relugeom.errors.InputError`.
    """
    if name not in EXPERIMENTS:
        raise InputError(f"unknown experiment {name!r}; choose one of {', '.join(EXPERIMENTS)}")
    if mode not in MODES:
        raise InputError(f"unknown mode {mode!r}; choose 'quick' or 'full'")
    config = EXPERIMENTS[name].CONFIGS[mode]
    known = {f.name for f in fields(config)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise InputError(f"experiment {name!r} has no setting {', '.join(unknown)}; its settings "
                         f"are {', '.join(sorted(known))}")
    config = replace(config, **{key: _coerce(name, key, value, getattr(config, key))
                                for key, value in overrides.items()})
    check = getattr(EXPERIMENTS[name], "check_config", None)
    if check is not None:
        try:
            check(config)
        except InputError as exc:
            raise InputError(f"experiment {name!r}: {exc}") from None
    return config


def check_requirements(name: str, config: Any) -> None:
    """Refuse, before any training, an experiment whose optional extras or data are missing:
    an :class:`~relugeom.errors.InputError` that says what to install (the pip command)."""
    check = getattr(EXPERIMENTS[name], "check_requirements", None)
    if check is not None:
        check(config)


def check_seed(seed: Any) -> int:
    """The seed of an experiment: a whole number ≥ 0 (numpy's SeedSequence takes no other)."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise InputError(f"seed must be a whole number ≥ 0, got {seed!r}")
    return int(seed)


def _coerce(experiment: str, key: str, value: Any, default: Any) -> Any:
    """``value`` as the type of the setting's default, or a clear InputError."""
    def refuse(kind: str) -> InputError:
        return InputError(f"experiment {experiment!r}: setting {key} must be {kind} (its "
                          f"default is {default!r}), got {value!r}")

    number = (int, float)
    if isinstance(default, bool) or isinstance(value, bool):
        if type(value) is not type(default):
            raise refuse(type(default).__name__)
        return value
    if isinstance(default, int):
        least = 1 if key.startswith(("n_", "width", "checkpoints")) or key.endswith(
            ("_width", "_samples", "_primes", "batch_size")) else 0
        if not isinstance(value, int) or value < least:
            raise refuse(f"an integer ≥ {least}")
        return value
    if isinstance(default, float):
        if not isinstance(value, number) or not math.isfinite(value):
            raise refuse("a finite number")
        return float(value)
    if isinstance(default, str):
        if key == "spacing" and value not in ("linear", "log"):
            raise refuse("'linear' or 'log'")
        if not isinstance(value, str):
            raise refuse("a string")
        return value
    if isinstance(default, tuple):
        if not isinstance(value, (tuple, list)):
            raise refuse("a tuple such as (1, 2)")
        items = tuple(value)
        if default and all(isinstance(v, number) for v in default) and \
                not all(isinstance(v, number) and not isinstance(v, bool) and math.isfinite(v)
                        for v in items):
            raise refuse("a tuple of finite numbers")
        return items
    return value


def run_experiment(name: str, mode: str = "quick", *, seed: int = 0, out: str | None = None,
                   progress: bool = False, plots: bool = True,
                   **overrides: Any) -> ExperimentResult:
    """Run experiment ``name`` ("quick" or "full" settings, fields overridable by keyword).

    The same ``seed`` (a whole number ≥ 0) gives the same result. With ``out``, writes
    ``out/results.json`` (the :meth:`~relugeom.experiments.record.ExperimentResult.to_dict`
    object) and, when matplotlib is installed and ``plots`` is true, the figures ``out/*.png``.
    """
    seed = check_seed(seed)
    config = experiment_config(name, mode, **overrides)
    result = EXPERIMENTS[name].run(config, seed=seed, progress=progress,
                                   mode=mode if not overrides else f"{mode} (modified)")
    if out is not None:
        save_result(result, out, plots=plots)
    return result


def save_result(result: ExperimentResult, out: str, plots: bool = True) -> dict[str, Any]:
    """Write ``out/results.json`` and the figures; return {"results", "figures", "note"}."""
    try:
        os.makedirs(out, exist_ok=True)
        data = result.to_dict()
        path = os.path.join(out, "results.json")
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1)
            handle.write("\n")
    except OSError as exc:
        raise InputError(f"cannot write results to {out!r}: {exc.strerror}") from None
    figures, note = (plotting.plot_results(data, out) if plots
                     else ([], "figures not requested"))
    return {"results": path, "figures": figures, "note": note}


__all__ = ["EXPERIMENTS", "ExperimentResult", "MODES", "PRESETS", "check_budget",
           "check_requirements", "check_seed", "check_sweep", "experiment_config",
           "experiment_seconds", "load_sweep", "prepare", "preset", "run_experiment",
           "run_sweep", "save_result"]
