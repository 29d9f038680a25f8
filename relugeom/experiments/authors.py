"""The authors' own numbers, for the side-by-side table of a sweep.

Read from the ``results.npz`` files saved in JoachimBP/Neural-Networks (50 runs per setting;
arrays ``jacobian_ranks``, ``seen_activation_regions``, ``activation_regions``,
``train_losses``) and summarised the way :func:`relugeom.experiments.sweep.summarise` summarises
relugeom's runs. How the authors measured (their ``PWL-script-only.py``):

- rank: ``numpy.linalg.matrix_rank`` of the float32 TensorFlow Jacobian on the training
  inputs (NUMERIC, numpy's rule S.max()·max(shape)·eps) — relugeom's ``dimension`` is the exact
  rank over Q of the Jacobian at the float64 weights;
- regions seen: pattern changes along the sorted training inputs, plus one;
- all regions: pattern changes along a grid of 1,000 points of [0, 20], plus one (a region
  narrower than the grid step can be missed) — relugeom counts the kinks inside the interval
  exactly;
- converged: train loss below 0.5, the authors' ``loss_threshold`` for failure cases.

MNIST.py saves only singular-value spectra to local pickles, none of which is in the
repository: there are no saved MNIST numbers to compare with.
"""

from __future__ import annotations

from typing import Any

SOURCE = "github.com/JoachimBP/Neural-Networks"


def _row(path: str, runs: int, dimension: tuple, seen: tuple, everywhere: tuple,
         corr_seen: float | None, corr_all: float | None, bounded: int,
         converged: int) -> dict[str, Any]:
    def spread(values: tuple) -> dict[str, Any]:
        return {"mean": values[0], "min": values[1], "max": values[2]}

    return {"source": f"{SOURCE}/{path}/results.npz", "runs": runs,
            "dimension": spread(dimension), "regions_seen": spread(seen),
            "regions_all": spread(everywhere), "corr_dimension_regions_seen": corr_seen,
            "corr_dimension_regions_all": corr_all, "dimension_le_2_regions_seen": bounded,
            "converged": converged}


#: setting name (as in :data:`relugeom.experiments.presets.AUTHORS_1D`) → the authors' summary.
AUTHORS_1D = {
    "adam": _row("results/2025-09-30_15-26-32_scheduler-adam", 50, (6.12, 5, 8),
                 (3.28, 3, 5), (8.36, 4, 17), 0.8, 0.1, 50, 41),
    "adam-full-batch": _row("results/2025-09-30_19-09-03_scheduler-adam-full-batch", 50,
                            (6.62, 6, 9), (3.56, 3, 7), (8.84, 4, 15), 0.9, 0.6, 50, 38),
    "sgd": _row("results/2025-10-01_11-06-45_scheduler-sgd", 50, (1.00, 1, 1), (1.00, 1, 1),
                (1.00, 1, 1), None, None, 50, 0),
    "gd": _row("results/2025-10-01_11-04-14_scheduler-sgd-full-batch", 50, (1.00, 1, 1),
               (1.00, 1, 1), (1.00, 1, 1), None, None, 50, 0),
    "momentum": _row("results/2025-10-03_13-04-37_sgd-momentum-scheduler", 50,
                     (19.02, 8, 29), (12.82, 5, 19), (36.08, 11, 53), 0.91, 0.51, 50, 50),
    "momentum-n150": _row("results/2025-10-02_14-33-11_sgd-150-examples", 50,
                          (26.86, 10, 40), (16.70, 6, 24), (28.24, 8, 46), 0.95, 0.72, 50, 50),
}

NUMBERS = {"authors-1d": AUTHORS_1D, "authors-mnist": {}}


def authors_numbers(preset: str) -> dict[str, Any]:
    """The authors' summaries for ``preset`` (by setting name); empty when they saved none."""
    base = preset.split(" ")[0]
    return dict(NUMBERS.get(base, {}))
