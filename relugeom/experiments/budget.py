"""Work budgets: an estimate of an experiment's or a sweep's cost, checked before any work.

The estimate is rough (a model of this code on one core, calibrated on a 2-core machine) and
says so; its purpose is to refuse *absurd* sizes up front — 10¹² steps, 20,000-image MNIST
samples on a laptop — with the estimated cost in the message, not to predict to the second.
The model, per run:

- training: steps × (``STEP_SECONDS`` per layer + 6·P·batch / ``FLOPS``), where 6·P·batch is
  the forward and backward pass of a mini-batch;
- exact measurement at each checkpoint (:func:`rank_seconds`): the modular rank of the
  r × P Jacobian, r = n·m rows, streamed along its longer side L = max(r, P) against an
  echelon basis of at most s = min(r, P) vectors: s²·L multiply–adds on the BLAS (rows²·
  columns for MNIST, where r ≤ P) at ``RANK_FLOPS``, plus s·L exact entries turned into
  residues at ``ENTRY_SECONDS`` each. When the rank reaches its cap early only about s
  vectors are fed (s³ multiply–adds), so the model errs high, by at most L/s for the
  elimination. The exact 1-D path is far cheaper; it is counted the same way.

Calibrated on the full ``authors-mnist`` run (and ``python benchmarks/bench_sweep.py
--mnist``) on a 2-core machine shared with other jobs, whose load made the same work take
from 1× to 3× as long: the 600-image sample (6,000 × 25,720, rank on its cap, about 7,000
columns fed) took 22–65 s, where the model says 46 s; the 2,000 held-out images
(20,000 × 25,720, rank about 18,300, below its cap: every column fed, then the
layer-structure bound) 195–594 s, where it says 394 s; their softmax output (18,000 rows)
209–440 s, where it says 323 s. (The previous model, r·min(r, P)²/2 at 5·10⁸ per second,
said 2.2 hours for one 20,000-row Jacobian and 22.5 hours for the preset.)

Override a refusal with ``max_hours`` (``--max-hours`` on the command line).

>>> round(run_seconds([1, 100, 1], n=50, batch=8, epochs=1500, checkpoints=1), 1)
1.2
>>> round(rank_seconds(20_000, 25_720) / 60)   # one 2,000-image MNIST Jacobian, minutes
7
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from ..errors import InputError

STEP_SECONDS = 5e-5     # python overhead of one mini-batch step, per layer
FLOPS = 1e9             # training multiply–adds per second
RANK_FLOPS = 3e10       # modular elimination: multiply–adds per second (float64 BLAS, mod p)
ENTRY_SECONDS = 1e-7    # one exact Jacobian entry (a big integer) reduced mod p
#: The default budget of one command, in hours.
DEFAULT_MAX_HOURS = 12.0


def parameters(architecture: Sequence[int]) -> int:
    return sum(b * (a + 1) for a, b in zip(architecture, architecture[1:]))


def run_seconds(architecture: Sequence[int], *, n: int, batch: int | None, epochs: int,
                checkpoints: int, measured_rows: Sequence[int] = ()) -> float:
    """Estimated seconds of one run: ``epochs`` epochs of ceil(n/batch) steps, then
    ``checkpoints`` measurements on the training sample (n·m rows) and on samples of
    ``measured_rows`` rows each."""
    P = parameters(architecture)
    m = architecture[-1]
    batch = n if batch is None else min(batch, n)
    steps = epochs * math.ceil(n / batch)
    layers = len(architecture) - 1
    training = steps * (STEP_SECONDS * layers + 6 * P * batch / FLOPS)
    rank = sum(rank_seconds(r, P) for r in (n * m, *measured_rows))
    return training + checkpoints * rank


def rank_seconds(rows: int, columns: int) -> float:
    """Estimated seconds of the certified modular rank of a ``rows`` × ``columns`` Jacobian
    (the model of the module docstring: s²·L BLAS multiply–adds and s·L exact entries,
    s and L its shorter and longer side)."""
    s, L = min(rows, columns), max(rows, columns)
    return s * s * L / RANK_FLOPS + s * L * ENTRY_SECONDS


def check_budget(seconds: float, max_hours: float | None, what: str) -> None:
    """Refuse ``what`` when its estimated ``seconds`` exceed ``max_hours`` (default
    :data:`DEFAULT_MAX_HOURS`), saying the estimate and how to override."""
    limit = DEFAULT_MAX_HOURS if max_hours is None else max_hours
    if not (isinstance(limit, (int, float)) and limit > 0):
        raise InputError(f"max_hours must be a number > 0, got {max_hours!r}")
    if seconds > limit * 3600:
        raise InputError(f"{what} is estimated at {describe_seconds(seconds)} of work on one "
                         f"core, above the budget of {limit:g} h; make it smaller, or allow it "
                         f"with --max-hours {math.ceil(seconds / 3600)} (the estimate is rough, "
                         "see relugeom.experiments.budget)")


def describe_seconds(seconds: float) -> str:
    """``"3.2 h"``, ``"12 min"``, ``"40 s"``; a huge estimate in scientific notation.

    >>> describe_seconds(5e20)
    '1.6e+13 years'
    """
    if seconds >= 3.2e8:
        return f"{seconds / 3.15e7:.2g} years"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"


def experiment_seconds(name: str, config: Any) -> float:
    """Estimated seconds of ``relugeom experiment NAME`` with ``config`` (its dataclass)."""
    if name == "mnist":
        total = 0.0
        for network in config.networks:
            hidden = ([config.shallow_width] if network == "shallow"
                      else list(config.deep_widths))
            n = (config.n_train if network == "shallow"
                 else min(config.deep_max_samples, config.n_train))
            epochs = math.ceil(config.steps * config.batch_size / max(n, 1))
            total += run_seconds([784, *hidden, 10], n=n, batch=config.batch_size,
                                 epochs=epochs, checkpoints=config.checkpoints,
                                 measured_rows=[10 * min(n, config.n_test),
                                                10 * min(n, config.n_gaussian)])
        return total
    runs = 1
    if name == "noise":
        runs = len(config.label_noise) + len(config.input_noise)
    n = config.n_samples
    one = run_seconds([1, config.width, 1], n=n, batch=None, epochs=config.steps,
                      checkpoints=config.checkpoints, measured_rows=[config.n_test,
                                                                     config.n_gaussian])
    return runs * one


def sweep_seconds(task_list: Sequence[dict[str, Any]]) -> float:
    """Estimated seconds of all the tasks of a sweep, on one core. An MNIST checkpoint counts
    the logits on its three samples and, in the worst case, the softmax output's too
    (measured whenever the logits' rank is below n·m, see
    :func:`relugeom.experiments.sweep.softmax_measured`)."""
    total = 0.0
    for task in task_list:
        config = task["config"]
        if config["kind"] == "1d":
            arch = [1] + [task["width"]] * task["depth"] + [1]
            extra, points = [], 1
        else:
            arch = [784] + [task["width"]] * task["depth"] + [10]
            # logits on the three samples, and the softmax output's (m − 1 rows a sample)
            # wherever the logits' rank is below n·m (assumed everywhere: the worst case)
            sizes = (task["n"], config["n_test"], config["n_gaussian"])
            extra = [10 * config["n_test"], 10 * config["n_gaussian"]] + [9 * k for k in sizes]
            points = len(config["checkpoints"])
        total += run_seconds(arch, n=task["n"], batch=task["setting"].get("batch_size"),
                             epochs=task["epochs"], checkpoints=points, measured_rows=extra)
    return total
