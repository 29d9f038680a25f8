"""Keras-style training in float64: the optimizers, schedules and initialisation of the authors.

The authors of the geometry-induced regularization experiments train with Keras
(``Sequential`` of ``Dense`` layers, ``model.fit``). This module reproduces those settings in
numpy float64, deterministic for a seed, so that the sweeps run without TensorFlow:

- initialisation: Keras' default ``glorot_uniform`` weights, W_l uniform on [−a, a] with
  a = sqrt(6 / (n_{l−1} + n_l)); biases zero, or N(0, bias_std²) on every layer as in the
  authors' momentum runs (``bias_initializer_stddev``);
- ``model.fit``: every epoch a seeded shuffle, then ceil(n / batch) mini-batches (the last one
  smaller); the step counter of the schedule counts mini-batches;
- optimizers (Keras formulas): ``gd``/``sgd`` θ ← θ − η g; ``momentum`` v ← μ v − η g,
  θ ← θ + v; ``adam`` (β₁ = 0.9, β₂ = 0.999, ε = 1e-7) with the bias correction folded into
  the step, η_t = η·sqrt(1 − β₂ᵗ)/(1 − β₁ᵗ);
- schedules: ``constant``; ``exponential`` η·r^(s/k) (Keras ``ExponentialDecay``, not
  staircase); ``piecewise`` the same until step ``constant_step``, then constant (the
  authors' ``PiecewiseDecay``);
- losses: ``mse`` (Keras: mean over samples and outputs, no ½) and ``softmax_ce``
  (softmax then categorical cross-entropy on the logits f(x)).

Nothing here is exact: weights are converted exactly afterwards
(:func:`relugeom.experiments.record.exact_network`). Differences from Keras that remain:
float64 instead of float32, numpy's generator instead of TensorFlow's.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> net = glorot_network([1, 8, 1], rng)
>>> X = np.linspace(0, 1, 10)[:, None]
>>> spec = Optimizer("adam", 0.05, batch_size=4)
>>> [round(loss, 3) for _, loss, _ in fit(net, X, 2 * X, spec, 30, rng, [0, 30])][1] < 0.05
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np

from . import descent

OPTIMIZERS = ("gd", "sgd", "momentum", "adam")
SCHEDULES = ("constant", "exponential", "piecewise")
LOSSES = ("mse", "softmax_ce")
_BETA1, _BETA2, _EPSILON = 0.9, 0.999, 1e-7


@dataclass(frozen=True)
class Optimizer:
    """An optimizer with its schedule, as the authors configure Keras.

    ``batch_size`` None is full batch (``gd``); ``decay_steps``/``decay_rate`` belong to the
    exponential and piecewise schedules, ``constant_step`` to the piecewise one.
    """

    name: str
    learning_rate: float
    batch_size: int | None = None
    momentum: float = 0.0
    schedule: str = "constant"
    decay_steps: int = 100
    decay_rate: float = 0.95
    constant_step: int = 2000

    def rate(self, step: int) -> float:
        """The learning rate of mini-batch ``step`` (0 for the first).

        >>> Optimizer("sgd", 1.0, schedule="piecewise", decay_steps=10, decay_rate=0.5,
        ...           constant_step=20).rate(50)
        0.25
        """
        if self.schedule == "constant":
            return self.learning_rate
        if self.schedule == "piecewise":
            step = min(step, self.constant_step)
        return self.learning_rate * self.decay_rate ** (step / self.decay_steps)


def glorot_network(architecture: Sequence[int], rng: np.random.Generator,
                   bias_std: float = 0.0) -> descent.Layers:
    """Keras' default initialisation (glorot_uniform, zero biases; N(0, bias_std²) biases on
    every layer when ``bias_std`` > 0)."""
    layers = []
    for fan_in, fan_out in zip(architecture, architecture[1:]):
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        W = rng.uniform(-limit, limit, size=(fan_out, fan_in))
        b = rng.normal(0.0, bias_std, size=fan_out) if bias_std > 0 else np.zeros(fan_out)
        layers.append((W, b))
    return layers


def softmax(Z: np.ndarray) -> np.ndarray:
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def loss_value(net: descent.Layers, X: np.ndarray, Y: np.ndarray, loss: str) -> float:
    """The Keras loss on (X, Y): mean squared error, or softmax cross-entropy (inf or NaN
    when the weights are too large)."""
    with np.errstate(over="ignore", invalid="ignore"):
        out = descent.predict(net, X)
        if loss == "mse":
            return float(np.mean((out - Y) ** 2))
        P = softmax(out)
        return float(-np.mean(np.sum(Y * np.log(np.maximum(P, 1e-300)), axis=1)))


def gradient(net: descent.Layers, X: np.ndarray, Y: np.ndarray, loss: str) -> descent.Layers:
    """The gradient of the Keras loss, by backpropagation (relu'(0) = 0). Cost O(n·P)."""
    out, Zs = descent.forward(net, X)
    n, m = out.shape
    G = 2 * (out - Y) / (n * m) if loss == "mse" else (softmax(out) - Y) / n
    grads = [None] * len(net)
    for l in range(len(net) - 1, -1, -1):
        A_prev = X if l == 0 else np.maximum(Zs[l - 1], 0.0)
        grads[l] = (G.T @ A_prev, G.sum(axis=0))
        if l > 0:
            G = (G @ net[l][0]) * (Zs[l - 1] > 0)
    return grads


def finite(net: descent.Layers) -> bool:
    """Whether every weight is a finite float (training can diverge to inf or NaN)."""
    return all(np.isfinite(W).all() and np.isfinite(b).all() for W, b in net)


def fit(net: descent.Layers, X: np.ndarray, Y: np.ndarray, optimizer: Optimizer, epochs: int,
        rng: np.random.Generator, checkpoints: Sequence[int], loss: str = "mse"
        ) -> Iterator[tuple[int, float, descent.Layers]]:
    """``model.fit`` for ``epochs`` epochs from ``net`` (not modified); yield (epoch, loss on
    all of X, copy of θ) at each epoch in ``checkpoints`` (0 is the initialisation).

    A run that diverges (a weight becomes inf or NaN, see :func:`finite`) stops there: the
    checkpoints left are yielded with loss inf and the diverged weights.
    """
    net = descent.copy_network(net)
    wanted = set(checkpoints)
    n = X.shape[0]
    batch = n if optimizer.batch_size is None else min(optimizer.batch_size, n)
    first = [(np.zeros_like(W), np.zeros_like(b)) for W, b in net]
    second = [(np.zeros_like(W), np.zeros_like(b)) for W, b in net]
    step = 0
    if 0 in wanted:
        yield 0, loss_value(net, X, Y, loss), descent.copy_network(net)
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n) if batch < n else np.arange(n)
        with np.errstate(over="ignore", invalid="ignore"):
            for start in range(0, n, batch):
                chosen = order[start:start + batch]
                grads = gradient(net, X[chosen], Y[chosen], loss)
                _update(net, grads, first, second, optimizer, step)
                step += 1
        if not finite(net):
            for later in sorted(e for e in wanted if e >= epoch):
                yield later, math.inf, descent.copy_network(net)
            return
        if epoch in wanted:
            yield epoch, loss_value(net, X, Y, loss), descent.copy_network(net)


def _update(net: descent.Layers, grads: descent.Layers, first: descent.Layers,
            second: descent.Layers, optimizer: Optimizer, step: int) -> None:
    rate = optimizer.rate(step)
    if optimizer.name == "adam":
        t = step + 1
        rate = rate * math.sqrt(1 - _BETA2 ** t) / (1 - _BETA1 ** t)
    for params, g, m1, m2 in zip(net, grads, first, second):
        for theta, dtheta, mom, var in zip(params, g, m1, m2):
            if optimizer.name == "adam":
                mom += (1 - _BETA1) * (dtheta - mom)
                var += (1 - _BETA2) * (dtheta * dtheta - var)
                theta -= rate * mom / (np.sqrt(var) + _EPSILON)
            elif optimizer.name == "momentum":
                mom *= optimizer.momentum
                mom -= rate * dtheta
                theta += mom
            else:
                theta -= rate * dtheta
