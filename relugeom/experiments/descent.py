"""Float64 ReLU networks trained by gradient descent: the numeric half of every experiment.

A float network is a list of affine layers ``[(W_1, b_1), ..., (W_L, b_L)]`` of numpy float64
arrays, ReLU after every layer but the last:

    a_0 = x,   a_l = relu(W_l a_{l-1} + b_l) (l < L),   f(x) = W_L a_{L-1} + b_L.

Its parameter vector is θ = (W_1 row-major, b_1, ..., W_L, b_L), the order of the exact side
(for two layers (W, b, V, c), as in :class:`relugeom.ShallowNetwork`). The loss is the square
loss L(θ) = 1/(2n) Σ_i ||f(x_i) − y_i||². Gradients use relu'(0) = 0, like PyTorch.

Training is plain gradient descent, full batch or on seeded mini-batches; everything is
deterministic for a given seed. Nothing here is exact: the experiments convert the weights
exactly (:meth:`relugeom.ShallowNetwork.from_numpy`) before measuring anything exactly.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> net = init_network([1, 4, 1], rng, scale=1.0)
>>> X = np.linspace(0, 1, 5)[:, None]
>>> loss, grads = loss_and_gradient(net, X, 2 * X)
>>> [g.shape for g in grads[0]], loss >= 0
([(4, 1), (4,)], True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

import numpy as np

from ..rank.jacobian import numeric_jacobian

Layers = list  # list[tuple[np.ndarray, np.ndarray]]


def widths(net: Layers) -> tuple[int, ...]:
    """Architecture (n_0, n_1, ..., n_L)."""
    return (net[0][0].shape[1],) + tuple(W.shape[0] for W, _ in net)


def n_parameters(net: Layers) -> int:
    """P = Σ_l n_l (n_{l-1} + 1)."""
    return sum(W.size + b.size for W, b in net)


def hidden_neurons(net: Layers) -> int:
    """n_1 + ... + n_{L-1}: one rescaling symmetry per hidden neuron."""
    return sum(W.shape[0] for W, _ in net[:-1])


def copy_network(net: Layers) -> Layers:
    return [(W.copy(), b.copy()) for W, b in net]


def init_network(architecture: Sequence[int], rng: np.random.Generator, *, scale: float = 1.0,
                 bias_std: float = 1.0,
                 breakpoints: tuple[float, float] | None = None) -> Layers:
    """He-style Gaussian initialisation times ``scale``.

    W_l has entries N(0, 2/n_{l-1}) (N(0, 1/n_{L-1}) for the output layer); the hidden biases
    are N(0, bias_std²), the output bias 0; everything is then multiplied by ``scale``. With
    ``breakpoints=(lo, hi)`` (1-D inputs) the first layer's biases are instead
    b_j = −w_j t_j with t_j uniform on [lo, hi], so every neuron's kink lies in the data range.
    """
    layers = []
    L = len(architecture) - 1
    for l in range(1, L + 1):
        fan_in, fan_out = architecture[l - 1], architecture[l]
        std = np.sqrt((1.0 if l == L else 2.0) / fan_in)
        W = rng.normal(0.0, std, size=(fan_out, fan_in)) * scale
        if l == 1 and breakpoints is not None:
            t = rng.uniform(breakpoints[0], breakpoints[1], size=fan_out)
            b = -W[:, 0] * t
        elif l < L:
            b = rng.normal(0.0, bias_std, size=fan_out) * scale
        else:
            b = np.zeros(fan_out)
        layers.append((W, b))
    return layers


def forward(net: Layers, X: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Output f(X) (n × n_L) and the pre-activations Z_l (n × n_l) of every layer."""
    A = X
    Zs = []
    for l, (W, b) in enumerate(net):
        Z = A @ W.T + b
        Zs.append(Z)
        A = np.maximum(Z, 0.0) if l < len(net) - 1 else Z
    return A, Zs


def predict(net: Layers, X: np.ndarray) -> np.ndarray:
    return forward(net, X)[0]


def loss(net: Layers, X: np.ndarray, Y: np.ndarray) -> float:
    """L(θ) = 1/(2n) Σ_i ||f(x_i) − y_i||² in float64."""
    R = predict(net, X) - Y
    return float(0.5 * np.sum(R * R) / X.shape[0])


def loss_and_gradient(net: Layers, X: np.ndarray, Y: np.ndarray) -> tuple[float, Layers]:
    """The loss and its gradient (one (dW, db) per layer), by backpropagation.

    Cost: O(n·P) flops.
    """
    out, Zs = forward(net, X)
    n = X.shape[0]
    R = out - Y
    G = R / n
    grads = [None] * len(net)
    for l in range(len(net) - 1, -1, -1):
        A_prev = X if l == 0 else np.maximum(Zs[l - 1], 0.0)
        W = net[l][0]
        grads[l] = (G.T @ A_prev, G.sum(axis=0))
        if l > 0:
            G = (G @ W) * (Zs[l - 1] > 0)
    return float(0.5 * np.sum(R * R) / n), grads


@dataclass(frozen=True)
class Schedule:
    """How to train: ``steps`` updates of size ``learning_rate`` along −∇L.

    ``batch_size`` None means full batch; otherwise each epoch visits a seeded permutation of
    the sample in mini-batches. ``momentum`` > 0 uses heavy-ball momentum.
    """

    steps: int
    learning_rate: float
    batch_size: int | None = None
    momentum: float = 0.0


def checkpoint_steps(steps: int, count: int, spacing: str = "linear") -> list[int]:
    """``count`` distinct steps in [0, steps], always with 0 and ``steps``.

    "log" spacing puts them at roughly geometric intervals (for dynamics with plateaus).

    >>> checkpoint_steps(100, 5)
    [0, 25, 50, 75, 100]
    """
    if count < 2 or steps == 0:
        return sorted({0, steps})
    if spacing == "log":
        points = np.unique(np.round(np.geomspace(1, steps + 1, count) - 1).astype(int))
    else:
        points = np.unique(np.round(np.linspace(0, steps, count)).astype(int))
    return sorted(set(int(p) for p in points) | {0, steps})


def train(net: Layers, X: np.ndarray, Y: np.ndarray, schedule: Schedule,
          rng: np.random.Generator, checkpoints: Sequence[int],
          on_step: Callable[[int], None] | None = None) -> Iterator[tuple[int, float, Layers]]:
    """Run ``schedule`` from ``net`` (not modified); yield (step, full loss, copy of θ) at each
    step listed in ``checkpoints`` (step 0 is the initialisation).

    ``on_step(step)`` is called after every update (for progress bars).
    """
    net = copy_network(net)
    wanted = set(checkpoints)
    velocity = [(np.zeros_like(W), np.zeros_like(b)) for W, b in net]
    n = X.shape[0]
    order: np.ndarray = np.arange(n)
    position = n
    if 0 in wanted:
        yield 0, loss(net, X, Y), copy_network(net)
    for step in range(1, schedule.steps + 1):
        if schedule.batch_size is None or schedule.batch_size >= n:
            batch = slice(None)
        else:
            if position + schedule.batch_size > n:
                order, position = rng.permutation(n), 0
            batch = order[position:position + schedule.batch_size]
            position += schedule.batch_size
        _, grads = loss_and_gradient(net, X[batch], Y[batch])
        for l, ((W, b), (dW, db), (vW, vb)) in enumerate(zip(net, grads, velocity)):
            vW *= schedule.momentum
            vb *= schedule.momentum
            vW -= schedule.learning_rate * dW
            vb -= schedule.learning_rate * db
            W += vW
            b += vb
        if on_step is not None:
            on_step(step)
        if step in wanted:
            yield step, loss(net, X, Y), copy_network(net)


def shallow_hessian(net: Layers, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hessian of the square loss of a one-hidden-layer network, in float64 (NUMERIC).

    On the open set where no activation changes, f is a polynomial in θ and

        ∇²L = (1/n) Σ_i [ J_iᵀ J_i + Σ_k r_ik ∇²f_k(x_i) ],   r = f(X) − Y,

    where ∇²f_k(x_i) is nonzero only between (w_j, b_j) and V_kj, with entries s_ij (x_i, 1).
    Returns (H, G) where G = JᵀJ/n is the Gauss–Newton part; H − G is the residual part,
    zero at an interpolating θ (docs/theory.md, T8). Cost: O(n·m·P²).
    """
    (W, b), (V, c) = net
    n, d = X.shape
    N, m = W.shape[0], V.shape[0]
    J = numeric_jacobian(_FloatShallow(W, b, V, c), X)
    G = J.T @ J / n
    out, Zs = forward(net, X)
    R = out - Y
    S = (Zs[0] > 0).astype(float)
    # cross block between (w_j, b_j) and V_kj: (1/n) Σ_i r_ik s_ij (x_i, 1)
    Xa = np.hstack([X, np.ones((n, 1))])
    H = G.copy()
    for k in range(m):
        block = (S * R[:, k:k + 1]).T @ Xa / n  # N × (d+1)
        for j in range(N):
            rows = list(range(j * d, (j + 1) * d)) + [N * d + j]
            col = N * d + N + k * N + j
            H[rows, col] += block[j]
            H[col, rows] += block[j]
    return H, G


@dataclass(frozen=True)
class _FloatShallow:
    """Duck-typed shallow network over floats, for :func:`relugeom.numeric_jacobian`."""

    W: np.ndarray
    b: np.ndarray
    V: np.ndarray
    c: np.ndarray

    @property
    def layers(self) -> tuple:
        return ((self.W, self.b), (self.V, self.c))

    @property
    def widths(self) -> tuple[int, int, int]:
        return (self.W.shape[1], self.W.shape[0], self.V.shape[0])
