"""Exact forward and backward passes of a deep ReLU network on a sample.

For a :class:`~relugeom.model.deep.DeepNetwork` with widths (n_0, …, n_L) and samples x_1..x_n:

- forward: z_l = W_l h_{l−1} + b_l, h_l = relu(z_l), per sample; the activation pattern of
  x_i at hidden layer l is s_l ∈ {0,1}^{n_l}, s_lj = [z_lj > 0]. A pre-activation exactly 0 is
  refused (:class:`LayerBoundaryError`, naming sample, layer and neuron) unless a one-sided
  convention relu'(0) = 0 or 1 is chosen, as in :mod:`relugeom.model.patterns`.
- backward: G_L = I_m and G_l = G_{l+1} W_{l+1} diag(s_l), so G_l[k, j] = ∂f_k(x)/∂z_lj.
- Jacobian J(θ, X) ∈ Q^{(n·m)×P}, m = n_L: row i·m + k is ∂f_k(x_i)/∂θ; the columns follow θ
  = (W_1 row-major, b_1, …, W_L, b_L). Inside the block of layer l (which starts at
  ``network.parameter_offsets()[l-1]``)

      column j·n_{l−1} + q     ∂f_k/∂W_l[j, q] = G_l[k, j] · h_{l−1}[q]
      column n_l·n_{l−1} + j   ∂f_k/∂b_l[j]    = G_l[k, j]

  For L = 2 this is exactly the column order of :func:`relugeom.rank.jacobian.jacobian`.

How it is computed: every matrix is held as an integer numerator array with one positive
common denominator (W_l = A_l / a_l, h_l = H_l / δ_l, …). Then each step is an integer matrix
product, done in int64 when a bound on the result proves it cannot overflow and in Python
integers (numpy object arrays) otherwise — exact either way, and fast when entries are small.
Signs of z are the signs of the integer numerators. The Jacobian is assembled with one
denominator per column block; :func:`scaled_jacobian` returns these integer columns (same
rank), :func:`deep_jacobian` the Fractions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Iterator

import numpy as np

from ..errors import BoundaryError
from ..exact.numbers import common_denominator
from ..model.deep import DeepNetwork, as_deep
from ..model.network import Network, float_layers
from ..model.patterns import ReluPrime, check_relu_prime, exact_rows, patterns_from_preactivations
from ..model.sample import as_sample

_INT64_SAFE = 2 ** 62  # any |value| below this is exact in int64, with room for one addition


class LayerBoundaryError(BoundaryError):
    """A sample whose pre-activation at some hidden neuron of a deep network is exactly 0.

    Same attributes as :class:`~relugeom.errors.BoundaryError` (``sample``, ``neuron``,
    ``layer``, ``value``); the message always names the layer.
    """

    def __init__(self, sample: int, neuron: int, layer: int, value: Fraction = Fraction(0)):
        super().__init__(sample=sample, neuron=neuron, layer=layer, value=value)
        self.args = (
            f"sample {sample} lies on the boundary of layer {layer}, neuron {neuron}: its "
            f"pre-activation there is exactly {value}, where ReLU is not differentiable, so the "
            "Jacobian is undefined. Move the sample or the weights, or choose a one-sided "
            "convention with relu_prime_at_zero=0 or 1 (--relu-prime-at-zero on the command "
            "line).",)


# -- exact integer arithmetic on numpy arrays ---------------------------------------------------
def _max_abs(A: np.ndarray) -> int:
    return int(np.abs(A).max()) if A.size else 0


def _compact(A: np.ndarray) -> np.ndarray:
    """int64 when every entry fits with room to spare, Python integers otherwise."""
    if A.dtype == np.int64:
        return A
    return A.astype(np.int64) if _max_abs(A) < _INT64_SAFE else A.astype(object)


def _product_bound(*magnitudes: int) -> int:
    """Π max(|a|, 1): bounds the product of the factors *and each factor itself*.

    The plain product |A|·|B| would be 0 when one factor is 0, and the other factor, however
    large, would then be forced into int64; with every factor counted as at least 1 the bound
    also covers the operands that numpy has to hold."""
    return math.prod(max(int(a), 1) for a in magnitudes)


def _as_dtype(bound: int, *arrays: np.ndarray) -> list[np.ndarray]:
    """The arrays as int64 if ``bound`` < 2^62, else as Python-integer object arrays.

    ``bound`` must dominate every operand of the coming operation — arrays and Python-int
    scalars alike — and its result (build it with :func:`_product_bound`)."""
    dtype = np.int64 if bound < _INT64_SAFE else object
    return [A.astype(dtype, copy=False) for A in arrays]


def _matmul(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Exact integer product: int64 if |A|·|B|·k provably fits, else Python integers."""
    A, B = _as_dtype(_product_bound(_max_abs(A), _max_abs(B), A.shape[-1]), A, B)
    return _compact(A @ B)


def _multiply(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Exact elementwise (broadcast) integer product."""
    A, B = _as_dtype(_product_bound(_max_abs(A), _max_abs(B)), A, B)
    return _compact(A * B)


def _scaled(rows: Any) -> tuple[np.ndarray, int]:
    """(numerators, D): the exact rational matrix is numerators / D, with D the lcm of the
    denominators."""
    entries = [q for row in rows for q in row]
    D = common_denominator(entries)
    numerators = np.array([[q.numerator * (D // q.denominator) for q in row] for row in rows],
                          dtype=object).reshape(len(rows), -1)
    return _compact(numerators), D


# -- forward pass -------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Pass:
    """Exact forward pass: Z[l-1] = (numerators, den) of z_l for l = 1..L (n × n_l);
    H[l] = (numerators, den) of h_l for l = 0..L−1 (h_0 = X); A[l-1] = (numerators, den) of
    W_l."""

    Z: tuple
    H: tuple
    A: tuple


def _forward(network: DeepNetwork, X: tuple) -> _Pass:
    H = [_scaled(X)]
    Z, A = [], []
    for l, (W, b) in enumerate(network.layers, start=1):
        Wn, a = _scaled(W)
        bn, c = _scaled([b])
        Hn, hd = H[-1]
        product = _matmul(Hn, Wn.T)  # = (W_l h_{l−1}) · hd·a
        D = math.lcm(hd * a, c)
        s, t = D // (hd * a), D // c
        bound = _product_bound(_max_abs(product), s) + _product_bound(_max_abs(bn), t)
        product, bn = _as_dtype(bound, product, bn)
        Zn = _compact(product * s + bn * t)
        Z.append((Zn, D))
        A.append((Wn, a))
        if l < network.depth:
            H.append((np.maximum(Zn, 0), D))
    return _Pass(tuple(Z), tuple(H), tuple(A))


def _patterns(forward: _Pass, relu_prime_at_zero: ReluPrime) -> list[np.ndarray]:
    """0/1 arrays (n × n_l) of the hidden layers' activation patterns."""
    out = []
    for l, (Zn, _) in enumerate(forward.Z[:-1], start=1):
        try:
            S = patterns_from_preactivations(Zn.tolist(), relu_prime_at_zero, layer=l)
        except BoundaryError as exc:
            raise LayerBoundaryError(exc.sample, exc.neuron, l) from None
        out.append(np.array(S, dtype=np.int64).reshape(Zn.shape))
    return out


def _prepare(network: Network, X: Any) -> tuple[DeepNetwork, tuple]:
    deep = as_deep(network)
    return deep, exact_rows(X, deep.input_dim)  # a checked sample is not converted again


def layer_preactivations(network: Network, X: Any) -> tuple:
    """z_l(x_i) for every layer l = 1..L (the last is the output f_θ(x_i)), exactly.

    Returns a tuple over layers of n × n_l tuples of Fractions. Cost: one exact forward pass,
    Σ_l n·n_l·n_{l−1} integer multiplications.

    >>> net = DeepNetwork([([[1], [-1]], [0, 0]), ([[1, 1]], [-1]), ([[2]], [0])])
    >>> [[[str(q) for q in z] for z in layer] for layer in layer_preactivations(net, [[3]])]
    [[['3', '-3']], [['2']], [['4']]]
    """
    deep, sample = _prepare(network, X)
    return tuple(tuple(tuple(Fraction(int(v), D) for v in row) for row in Zn.tolist())
                 for Zn, D in _forward(deep, sample).Z)


def layer_patterns(network: Network, X: Any,
                   relu_prime_at_zero: ReluPrime = "error") -> tuple:
    """The activation pattern of every sample at every hidden layer l = 1..L−1.

    Returns a tuple over hidden layers of tuples over samples of 0/1 tuples. A pre-activation
    exactly 0 raises :class:`LayerBoundaryError` unless ``relu_prime_at_zero`` is 0 or 1.

    >>> net = DeepNetwork([([[1], [-1]], [0, 0]), ([[1, 1]], [-1]), ([[2]], [0])])
    >>> layer_patterns(net, [[3], ["1/2"]])
    (((1, 0), (1, 0)), ((1,), (0,)))
    """
    deep, sample = _prepare(network, X)
    convention = check_relu_prime(relu_prime_at_zero)
    return tuple(tuple(map(tuple, S.tolist()))
                 for S in _patterns(_forward(deep, sample), convention))


def full_patterns(network: Network, X: Any,
                  relu_prime_at_zero: ReluPrime = "error") -> tuple[tuple[int, ...], ...]:
    """Each sample's activation pattern over all hidden layers, concatenated (layer 1 first).

    Two samples lie in the same activation region of a deep network exactly when these agree.
    """
    per_layer = layer_patterns(network, X, relu_prime_at_zero)
    n = len(per_layer[0]) if per_layer else len(as_sample(X))
    return tuple(tuple(v for layer in per_layer for v in layer[i]) for i in range(n))


# -- backward pass and Jacobian -----------------------------------------------------------------
def _row_kron(G: np.ndarray, H: np.ndarray, m: int, multiply: Callable) -> np.ndarray:
    """Row r = (i, k) of the result is G[r] ⊗ H[i] (j-major): the W-block of the Jacobian."""
    H_rows = np.repeat(H, m, axis=0)
    return multiply(G[:, :, None], H_rows[:, None, :]).reshape(G.shape[0], -1)


def _gradients(weights: list, patterns: list, n: int, m: int, dtype: Any,
               matmul: Callable, multiply: Callable) -> list[np.ndarray]:
    """[G_1, …, G_L]: G_l = ∂f/∂z_l stacked over the rows (i, k), an (n·m) × n_l array, from
    G_L = I_m backwards. ``weights[l-1]`` is W_l and ``patterns[l-1]`` is s_l (n × n_l)."""
    G = np.tile(np.eye(m, dtype=dtype), (n, 1))
    out = [G]
    for l in range(len(weights), 1, -1):
        G = multiply(matmul(G, weights[l - 1]), np.repeat(patterns[l - 2], m, axis=0))
        out.append(G)
    return out[::-1]


def _backward_blocks(activations: list, weights: list, patterns: list, m: int,
                     matmul: Callable, multiply: Callable) -> list[tuple[np.ndarray, np.ndarray]]:
    """Numerators of the blocks (J_{W_l}, J_{b_l}), l = 1..L.

    ``activations[l]`` is h_l (l = 0..L−1), ``weights[l-1]`` is W_l, ``patterns[l-1]`` is s_l;
    all are arrays over the samples (scaled integers or floats alike).
    """
    n = activations[0].shape[0]
    dtype = np.float64 if activations[0].dtype.kind == "f" else np.int64
    gradients = _gradients(weights, patterns, n, m, dtype, matmul, multiply)
    return [(_row_kron(G, H, m, multiply), G) for G, H in zip(gradients, activations)]


@dataclass(frozen=True)
class IntegerPass:
    """The exact forward and backward passes as integer numerator arrays.

    ``activations[l]`` = (H_l, δ_l) with h_l = H_l / δ_l (n × n_l, l = 0..L−1; h_0 = X);
    ``preactivations[l-1]`` = (Z_l, D_l), z_l = Z_l / D_l (l = 1..L); ``patterns[l-1]`` = s_l
    (0/1, l = 1..L−1); ``gradients[l-1]`` = a positive multiple of G_l = ∂f/∂z_l stacked over
    the rows (i, k) ((n·m) × n_l, l = 1..L). Numerators are int64 or Python-int object arrays.
    """

    activations: tuple
    preactivations: tuple
    patterns: tuple
    gradients: tuple


def integer_pass(network: Network, X: Any, relu_prime_at_zero: ReluPrime = "error") -> IntegerPass:
    """Exact forward pass (with the boundary check) and backward pass, in integers.

    Cost: Σ_l n·n_l·n_{l−1} + Σ_l n·m·n_l·n_{l−1} integer multiply–adds.
    """
    deep, sample = _prepare(network, X)
    forward = _forward(deep, sample)
    S = _patterns(forward, check_relu_prime(relu_prime_at_zero))
    G = _gradients([An for An, _ in forward.A], S, len(sample), deep.output_dim, np.int64,
                   _matmul, _multiply)
    return IntegerPass(forward.H, forward.Z, tuple(S), tuple(G))


@dataclass(frozen=True)
class ScaledJacobian:
    """J(θ, X) = ``numerators`` / ``denominators`` (one positive integer per column).

    ``numerators`` is an integer numpy array (int64, or object when an entry needs more than
    62 bits) of shape (n·m, P). Scaling columns by nonzero constants keeps the rank and maps
    the kernel by a diagonal, so ranks can be computed on the numerators directly.
    """

    numerators: np.ndarray
    denominators: tuple

    def to_fractions(self) -> list[list[Fraction]]:
        dens = self.denominators
        return [[Fraction(int(v), d) for v, d in zip(row, dens)]
                for row in self.numerators.tolist()]


def _column_denominators(deep: DeepNetwork, forward: _Pass) -> tuple[int, ...]:
    """The denominator of each Jacobian column: the same for every row."""
    # G_L = I has denominator 1 and each step back multiplies it by a_{l+1}.
    g_den = [1] * deep.depth
    for l in range(deep.depth - 1, 0, -1):
        g_den[l - 1] = g_den[l] * forward.A[l][1]
    w, out = deep.widths, []
    for l in range(1, deep.depth + 1):
        out += [g_den[l - 1] * forward.H[l - 1][1]] * (w[l] * w[l - 1]) + [g_den[l - 1]] * w[l]
    return tuple(out)


def scaled_jacobian_blocks(network: Network, X: Any, relu_prime_at_zero: ReluPrime = "error",
                           samples_per_block: int | None = None) -> Iterator[ScaledJacobian]:
    """The rows of :func:`scaled_jacobian` in blocks of ``samples_per_block`` samples (all at
    once by default), each block with the same column denominators: stacked, they are the whole
    scaled Jacobian, so a rank can be computed without holding it.

    The forward pass (and so the patterns and any boundary error) is done for all samples
    before the first block is produced.
    """
    deep, sample = _prepare(network, X)
    convention = check_relu_prime(relu_prime_at_zero)
    forward = _forward(deep, sample)
    S = _patterns(forward, convention)
    denominators = _column_denominators(deep, forward)
    activations = [Hn for Hn, _ in forward.H]
    weights = [An for An, _ in forward.A]
    n = len(sample)
    step = n if samples_per_block is None else max(1, int(samples_per_block))

    def blocks() -> Iterator[ScaledJacobian]:
        for start in range(0, n, step):
            rows = slice(start, start + step)
            pairs = _backward_blocks([H[rows] for H in activations], weights,
                                     [P[rows] for P in S], deep.output_dim, _matmul, _multiply)
            columns = [c for pair in pairs for c in pair]
            dtype = object if any(c.dtype == object for c in columns) else np.int64
            yield ScaledJacobian(
                np.concatenate([c.astype(dtype, copy=False) for c in columns], axis=1),
                denominators)

    return blocks()


def scaled_jacobian(network: Network, X: Any,
                    relu_prime_at_zero: ReluPrime = "error") -> ScaledJacobian:
    """The exact Jacobian of θ ↦ f_θ(X) as integer columns over per-column denominators.

    Cost: one forward pass, one backward pass (Σ_l n·m·n_l·n_{l+1} products) and n·m·P entries.
    """
    (whole,) = scaled_jacobian_blocks(network, X, relu_prime_at_zero)
    return whole


def deep_jacobian(network: Network, X: Any,
                  relu_prime_at_zero: ReluPrime = "error") -> list[list[Fraction]]:
    """Exact Jacobian J(θ, X) of a deep network by exact backpropagation (n·m rows of P
    Fractions; row i·m + k, columns in θ order, see the module docstring).

    >>> net = DeepNetwork([([[1]], [0]), ([[2]], [0]), ([[3]], [1])])
    >>> [str(q) for q in deep_jacobian(net, [[5]])[0]]
    ['30', '6', '15', '3', '10', '1']
    """
    return scaled_jacobian(network, X, relu_prime_at_zero).to_fractions()


def numeric_deep_jacobian(network: Network, X: Any) -> np.ndarray:
    """Float64 Jacobian computed entirely in floats, patterns from float signs (NUMERIC).

    Same row and column order as :func:`deep_jacobian`.
    """
    deep = as_deep(network)
    H = [np.array(X, dtype=float).reshape(len(X), -1)]
    weights, patterns = [], []
    for l, (Wf, bf) in enumerate(float_layers(deep), start=1):
        Z = H[-1] @ Wf.T + bf
        weights.append(Wf)
        if l < deep.depth:
            patterns.append((Z > 0).astype(float))
            H.append(np.maximum(Z, 0.0))
    blocks = _backward_blocks(H, weights, patterns, deep.output_dim, np.matmul, np.multiply)
    return np.concatenate([c for pair in blocks for c in pair], axis=1)


# -- per-layer diagnosis ------------------------------------------------------------------------
@dataclass(frozen=True)
class LayerDiagnosis:
    """Neurons of one hidden layer that X never activates (dead on X) or always activates.

    A neuron dead on X contributes nothing to f_θ(X) nor to J near θ (its incoming parameters'
    columns are 0); an always-active neuron acts linearly on X.
    """

    layer: int
    width: int
    dead: tuple[int, ...]
    always_active: tuple[int, ...]
    active_counts: tuple[int, ...]

    @classmethod
    def from_counts(cls, layer: int, counts: tuple[int, ...], n: int) -> "LayerDiagnosis":
        """The diagnosis of a layer whose neuron j is active on ``counts[j]`` of n samples."""
        return cls(layer=layer, width=len(counts),
                   dead=tuple(j for j, c in enumerate(counts) if c == 0),
                   always_active=tuple(j for j, c in enumerate(counts) if c == n),
                   active_counts=counts)

    def to_dict(self) -> dict[str, Any]:
        return {"layer": self.layer, "width": self.width, "dead": list(self.dead),
                "always_active": list(self.always_active),
                "active_counts": list(self.active_counts)}


def layer_diagnosis(network: Network, X: Any,
                    relu_prime_at_zero: ReluPrime = "error") -> tuple[LayerDiagnosis, ...]:
    """For each hidden layer, the neurons dead on X and those active on every sample.

    Works for shallow networks too (one hidden layer). Cost: one exact forward pass.

    >>> net = DeepNetwork([([[1], [0]], [0, -1]), ([[1, 1]], [1]), ([[1]], [0])])
    >>> [(d.layer, d.dead, d.always_active) for d in layer_diagnosis(net, [[1], [2]])]
    [(1, (1,), (0,)), (2, (), (0,))]
    """
    out = []
    for l, pattern in enumerate(layer_patterns(network, X, relu_prime_at_zero), start=1):
        counts = tuple(int(c) for c in np.array(pattern, dtype=np.int64).sum(axis=0))
        out.append(LayerDiagnosis.from_counts(l, counts, len(pattern)))
    return tuple(out)
