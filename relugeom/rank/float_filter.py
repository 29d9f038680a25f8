"""Exact activation patterns of a deep network through a float filter.

The sign of each hidden pre-activation z_l(x_i) is decided in float64 wherever a rigorous
forward error bound proves it, and exactly (integer forward pass) for the samples where it does
not. The bound (docs/theory.md, "The float filter of a deep network"): with every input
(sample, weights, biases) read as a float64 within relative error α = 4u (u = 2^-53), k =
n_{l−1},

    e_0 = α·|x̂|,
    e_l = 2·[(γ_{k+1} + α)·(|Ŵ_l|·|ĥ_{l−1}| + |b̂_l|) + (1 + α)·|Ŵ_l|·e_{l−1} + (k + 2)·2^-1000]

bounds |ẑ_l − z_l| entrywise, where ẑ_l = fl(Ŵ_l ĥ_{l−1} + b̂_l) in any summation order,
ĥ_l = relu(ẑ_l) and γ_j = j·u/(1 − j·u): each layer adds the rounding of its inner products
and of its inputs, and relu, being 1-Lipschitz, passes the incoming error on through |W_l|;
the factor 2 covers the rounding of the bound's own evaluation (all its terms are
nonnegative). So sign ẑ = sign z wherever |ẑ| > e. Samples with an entry not so decided — in
practice those within rounding of a boundary, and exact zeros, which decide relu'(0) — and
samples with an input outside [2^-900, 2^500] in magnitude get their patterns from the exact
integer forward pass (:mod:`relugeom.rank.backprop`). Cost: two float products per layer
(n·n_l·n_{l−1} multiply–adds each), plus the exact pass on the undecided samples.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Iterator

import numpy as np

from ..errors import BoundaryError, InputError
from ..exact.arrays import RationalArray
from ..linalg.gram import GramCertificate, U, gamma, independent_looking, scaled_positive_definite
from ..linalg.quiet import quiet
from ..model.deep import DeepNetwork, as_deep
from ..model.network import Network
from ..model.patterns import ReluPrime, check_relu_prime, patterns_from_signs
from .backprop import LayerBoundaryError, _forward

_ALPHA = 4 * U     # an exact input read as float64: at most three roundings
_TINY, _HUGE = 2.0 ** -900, 2.0 ** 500


class LayerArrays:
    """The parameters θ of a deep network as one exact array (for residues, cached per prime)
    and float64 values (for the filter), cut into layers; ``clean``: every parameter is 0 or of
    magnitude in [2^-900, 2^500] (where the filter's relative error model holds).

    A network built from float arrays (:meth:`DeepNetwork.from_numpy
    <relugeom.model.deep.DeepNetwork.from_numpy>`) keeps them: its θ is read from them, with no
    Fraction, and the exact array is built only when residues are asked for.
    """

    def __init__(self, deep: DeepNetwork):
        self.widths = deep.widths
        self.offsets = deep.parameter_offsets()
        floats = getattr(deep, "_float_theta", None)  # exact float64 values, or None
        if floats is None:
            self._theta = _fraction_theta(deep.theta())
            with quiet():  # an overflow is caught by _clean
                floats = self._theta.to_float()
            self.clean = bool(_clean(self._theta, floats).all())
        else:
            self._theta, magnitude = None, np.abs(floats)
            self.clean = bool(((floats == 0) | ((magnitude >= _TINY) & (magnitude <= _HUGE)))
                              .all())
        self._floats = floats
        self.float_weights, self.float_biases = self._layers(floats)
        self._residues: dict[int, tuple] = {}

    @property
    def theta(self) -> RationalArray:
        """θ as an exact :class:`~relugeom.exact.arrays.RationalArray` (entries m·2^e)."""
        if self._theta is None:
            self._theta = _float_theta(self._floats)
        return self._theta

    def _layers(self, values: np.ndarray) -> tuple[list, list]:
        """(W_l, b_l) views of a θ-shaped array."""
        w, o = self.widths, self.offsets
        weights = [values[o[l - 1]:o[l - 1] + w[l] * w[l - 1]].reshape(w[l], w[l - 1])
                   for l in range(1, len(w))]
        biases = [values[o[l] - w[l]:o[l]] for l in range(1, len(w))]
        return weights, biases

    def residues(self, p: int) -> tuple[list, list]:
        """([W_l mod p], [b_l mod p]) as float64 arrays; raises
        :class:`~relugeom.exact.arrays.PrimeDividesDenominator` when p divides a denominator."""
        if p not in self._residues:
            self._residues[p] = self._layers(self.theta.residues(p).astype(float))
        return self._residues[p]

    def log2_denominators(self) -> tuple[list, list]:
        """([log2 of a common denominator of W_l], [the same of b_l])."""
        shape = self.theta.shape
        exps = self._layers(np.broadcast_to(np.asarray(self.theta.exponents), shape))
        dens = self._layers(np.broadcast_to(np.asarray(self.theta.denominators), shape))
        return tuple([_log2_lcm(e, d) for e, d in zip(exps[i], dens[i])] for i in (0, 1))


def _fraction_theta(theta: tuple) -> RationalArray:
    """Fractions as one exact array: exponents for powers of two (floats' values), else
    denominators."""
    ratios = [q.as_integer_ratio() for q in theta]
    numerators = _integers([a for a, _ in ratios])
    shifts = [b.bit_length() - 1 for _, b in ratios]
    if all(b == 1 << k for (_, b), k in zip(ratios, shifts)):  # dyadic, e.g. from floats
        return RationalArray(numerators, -np.array(shifts, dtype=np.int64), 1)
    return RationalArray(numerators, 0, _integers([b for _, b in ratios]))


def _float_theta(floats: np.ndarray) -> RationalArray:
    """Finite float64 values exactly, stored as :func:`_fraction_theta` stores their Fractions
    (odd numerators, exponent 0 for a 0), so that both readings give the same array."""
    mantissa, exponent = np.frexp(floats)
    numerators = (mantissa * 2.0 ** 53).astype(np.int64)
    twos = np.where(numerators != 0, numerators & -numerators, 1)
    zeros = np.round(np.log2(twos.astype(float))).astype(np.int64)
    exponents = np.where(numerators != 0, exponent - 53 + zeros, 0)
    return RationalArray(numerators >> zeros, exponents, 1)


def _integers(values: list) -> np.ndarray:
    """int64 when every value fits, else Python integers (object)."""
    if not values or (-2 ** 62 < min(values) and max(values) < 2 ** 62):
        return np.array(values, dtype=np.int64)
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _log2_lcm(exponents: np.ndarray, denominators: np.ndarray) -> float:
    """log2 of a common denominator of entries a·2^e/b."""
    distinct = set(denominators.flat) if denominators.dtype == object else \
        set(np.unique(denominators).tolist())
    shift = max(0, -int(exponents.min())) if exponents.size else 0
    return shift + (math.log2(math.lcm(*map(int, distinct))) if distinct else 0.0)


_CACHE: dict[int, tuple[Any, LayerArrays]] = {}


def layer_arrays(network: Network) -> LayerArrays:
    """The :class:`LayerArrays` of a network (cached per network object: networks are frozen).

    >>> net = DeepNetwork([([[1], ["1/3"]], [0, 0]), ([[1, 1]], [0])])
    >>> layer_arrays(net).float_weights[0].ravel().tolist() == [1.0, 1 / 3]
    True
    """
    key = id(network)
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is network:
        return hit[1]
    arrays = LayerArrays(as_deep(network))
    try:
        reference = weakref.ref(network)
    except TypeError:
        return arrays
    if len(_CACHE) > 64:
        for k in [k for k, (ref, _) in _CACHE.items() if ref() is None]:
            del _CACHE[k]
    _CACHE[key] = (reference, arrays)
    return arrays


def _clean(A: RationalArray, F: np.ndarray) -> np.ndarray:
    """Entries whose float64 value obeys the relative error model: 0, or a finite magnitude
    in [2^-900, 2^500] (a subnormal or overflowed value does not)."""
    magnitude = np.abs(F)
    with np.errstate(invalid="ignore"):
        return (~A.nonzero() & (F == 0)) | ((magnitude >= _TINY) & (magnitude <= _HUGE))


def sample_array(X: Any, input_dim: int) -> tuple[RationalArray, np.ndarray | None]:
    """X as an exact :class:`RationalArray` (n × input_dim), and X itself when it is a float64
    array (its values are exact: no rounding to account for), else None. Refuses, with an
    :class:`~relugeom.errors.InputError`, a sample of the wrong shape or with NaN or ±inf."""
    exact_floats = X if isinstance(X, np.ndarray) and X.dtype == np.float64 else None
    if isinstance(X, tuple) and X and all(isinstance(row, tuple) for row in X):
        A = RationalArray.from_fractions(X)     # a checked sample (tuples of Fractions)
    else:
        A = RationalArray.from_any(X)
    if len(A.shape) != 2 or A.shape[0] == 0 or A.shape[1] != input_dim:
        raise InputError(f"X has shape {A.shape}, expected (n, {input_dim}) with n ≥ 1 for the "
                         f"network's input dimension {input_dim}")
    return A, exact_floats


@dataclass(frozen=True)
class FilteredPass:
    """Exact patterns of every hidden layer, with the float forward pass that decided them.

    ``positive[l-1]`` (bool, n × n_l): z_l > 0; ``patterns[l-1]`` (uint8): relu'(z_l) with the
    convention at 0; ``floats[l]`` = ĥ_l and ``errors[l]`` = e_l (l = 0..L−1; rows of
    ``exact_samples`` may be NaN there); ``exact_samples``: the samples decided exactly, and
    ``exact_magnitudes[l]``: the largest |h_l| entry per neuron over them (0 if none).
    """

    positive: tuple
    patterns: tuple
    floats: tuple
    errors: tuple
    exact_samples: np.ndarray
    exact_magnitudes: tuple


def filtered_patterns(network: Network, X: Any,
                      relu_prime_at_zero: ReluPrime = "error") -> FilteredPass:
    """The exact activation patterns of a deep network on X (module docstring).

    Raises :class:`~relugeom.rank.backprop.LayerBoundaryError` at the first exact zero (layer,
    then sample, then neuron order) under the default convention "error".

    >>> net = DeepNetwork([([[1], [-1]], [0, 0]), ([[1, 1]], [-1]), ([[2]], [0])])
    >>> passed = filtered_patterns(net, [[3], ["1/2"]])
    >>> [S.tolist() for S in passed.patterns]
    [[[1, 0], [1, 0]], [[1], [0]]]
    >>> filtered_patterns(net, [[3], [1]], relu_prime_at_zero=0).exact_samples.tolist()
    [1]
    """
    deep = as_deep(network)
    A, exact_floats = sample_array(X, deep.input_dim)
    return filter_pass(deep, layer_arrays(network), A, exact_floats,
                       check_relu_prime(relu_prime_at_zero))


def filter_pass(deep: DeepNetwork, arrays: LayerArrays, A: RationalArray,
                exact_floats: np.ndarray | None, convention: Any) -> FilteredPass:
    """:func:`filtered_patterns` on a prepared network and sample (:func:`layer_arrays`,
    :func:`sample_array`) and a checked convention."""
    if exact_floats is not None:
        H, E = exact_floats, np.zeros_like(exact_floats)
        undecided = ~np.isfinite(H).all(axis=1)
    else:
        with quiet():  # an overflow is caught by _clean
            H = A.to_float()
        E = 2 * _ALPHA * np.abs(H)
        undecided = ~_clean(A, H).all(axis=1)
    if not arrays.clean:
        undecided[:] = True   # the filter's error model does not hold for these weights
    floats, errors, positive, negative = [H], [E], [], []
    with quiet():
        for l in range(1, deep.depth):
            W, b = arrays.float_weights[l - 1], arrays.float_biases[l - 1]
            k = W.shape[1]
            g = gamma(k + 1)  # the inner product with b
            Z = H @ W.T + b
            # e_l as in the module docstring, its terms grouped (all nonnegative, so the 2
            # still covers the rounding): ((γ + α)|ĥ| + (1 + α)e)·2|Ŵ|ᵀ + 2((γ + α)|b̂| + …)
            M = (g + _ALPHA) * (np.abs(H) if l == 1 else H)  # ĥ ≥ 0 after a relu
            if l > 1 or E.any():
                M += (1 + _ALPHA) * E
            E = M @ (2 * np.abs(W.T)) + 2 * ((g + _ALPHA) * np.abs(b) + (k + 2) * 2.0 ** -1000)
            positive.append(Z > E)   # decided signs (E ≥ 0); a NaN compares False
            negative.append(Z < -E)
            if not math.isfinite(float(Z.sum())):  # an overflowed ẑ decides nothing
                finite = np.isfinite(Z)
                positive[-1] &= finite
                negative[-1] &= finite
            H = np.maximum(Z, 0.0)
            floats.append(H)
            errors.append(E)
    for P, N in zip(positive, negative):
        if not (P | N).all():
            undecided |= ~(P | N).all(axis=1)
    rows = np.flatnonzero(undecided)
    magnitudes = [np.zeros(w) for w in deep.widths[:-1]]
    if not rows.size:  # every sign decided in floats: no zero, the patterns are z > 0
        return FilteredPass(tuple(positive), tuple(P.astype(np.uint8) for P in positive),
                            tuple(floats), tuple(errors), rows, tuple(magnitudes))
    signs = [P.astype(np.int8) - N.astype(np.int8) for P, N in zip(positive, negative)]
    _exact_signs(deep, A, rows, signs, magnitudes)
    positive, patterns = [], []
    for l, S in enumerate(signs, start=1):
        try:
            patterns.append(patterns_from_signs(S, convention, layer=l))
        except BoundaryError as exc:
            raise LayerBoundaryError(exc.sample, exc.neuron, l) from None
        positive.append(S > 0)
    return FilteredPass(tuple(positive), tuple(patterns), tuple(floats), tuple(errors), rows,
                        tuple(magnitudes))


def _exact_signs(deep: DeepNetwork, A: RationalArray, rows: np.ndarray, signs: list,
                 magnitudes: list) -> None:
    """Overwrite ``signs`` on ``rows`` by the exact integer forward pass of those samples, and
    record their largest |h_l| per neuron (rounded up) in ``magnitudes``."""
    exact = _forward(deep, A.take(rows).to_fractions())
    for l, (Zn, D) in enumerate(exact.Z[:-1], start=1):
        signs[l - 1][rows] = np.sign(Zn).astype(np.int8) if Zn.dtype != object else \
            np.array([[(v > 0) - (v < 0) for v in row] for row in Zn.tolist()],
                     dtype=np.int8).reshape(Zn.shape)
    for l, (Hn, D) in enumerate(exact.H):
        largest = np.abs(Hn).max(axis=0)
        magnitudes[l] = np.array([_upper_float(int(v), D) for v in largest])


def _upper_float(numerator: int, denominator: int) -> float:
    """A float64 ≥ numerator/denominator ≥ 0 (inf when too large)."""
    if numerator == 0:
        return 0.0
    try:
        return float(numerator / denominator) * (1 + 4 * U) + 2.0 ** -1070
    except OverflowError:
        return math.inf


def float_jacobian(deep: DeepNetwork, arrays: LayerArrays, passed: FilteredPass,
                   columns: int | None = None, samples: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(Ĵ, E, index): columns of J(θ, X) in float64 with |Ĵ − J| ≤ E entrywise, and their
    θ-indices; None when a sample was decided by the exact pass (its float row is not
    bounded), the weights are outside the filter's range, or an entry is not finite.

    From the filter's forward pass (ĥ_l and its bound e_l) and a float backward pass with the
    same kind of bound (docs/theory.md, "Float Gram bound", at depth): Ĝ_L = I_m exactly and,
    k = n_{l+1},

        Ĝ_l = fl(Ĝ_{l+1}Ŵ_{l+1}) ⊙ s_l,
        F_l = 2[(γ_k + α)|Ĝ_{l+1}||Ŵ_{l+1}| + (1 + α)F_{l+1}|Ŵ_{l+1}| + (k + 2)·2^-1000] ⊙ s_l

    bounds |Ĝ_l − G_l|; a W-entry fl(Ĝ·ĥ) is within 2[F(|ĥ| + e) + |Ĝ|(e + u|ĥ|)] + 2^-1070
    of G·h (the same terms as F|ĥ| + (|Ĝ| + F)e + u|Ĝ||ĥ|, grouped), a b-entry Ĝ within F.

    Any rows and columns of J give a lower bound of its rank, so the columns that are 0 in
    floats are left out: neuron j of layer l (its b-column and W-columns) is taken when
    Ĝ_l[:, j] ≠ 0, input q when ĥ_{l−1}[:, q] ≠ 0 (not a dead neuron's). Order: b_L, W_L,
    b_{L−1}, W_{L−1}, … (the last layers first: the cheapest, rarely dependent); with
    ``columns``, about the first that many (each layer's W-block cut to its first inputs q, for
    every neuron j); with ``samples``, the rows of those samples only. Cost: the backward pass,
    Σ_l n·m·n_l·n_{l+1} multiply–adds twice, and a few passes over the columns built.

    >>> net = DeepNetwork([([[1], [-1]], [0, 0]), ([[1, 1]], [0]), ([[2]], [0])])
    >>> X = np.array([[3.0], [2.0]])
    >>> J, E, index = float_jacobian(net, layer_arrays(net), filtered_patterns(net, X))
    >>> J.tolist(), index.tolist()   # neuron 2 of layer 1 is dead: its columns are left out
    ([[1.0, 3.0, 2.0, 6.0, 2.0, 6.0], [1.0, 2.0, 2.0, 4.0, 2.0, 4.0]], [8, 7, 6, 4, 2, 0])
    """
    if not arrays.clean or passed.exact_samples.size:
        return None
    m, widths = deep.output_dim, arrays.widths
    n, pick, per_sample = _row_selection(passed, samples, m)
    values, bounds, index, count = [], [], [], 0
    wanted = arrays.offsets[-1] if columns is None else columns
    with quiet():
        for l, G, F, absG in _float_gradients(arrays, passed, samples, m):
            live = np.flatnonzero(absG.sum(axis=0) > 0)
            if not live.size:
                break  # G_l = 0, and so are the G's of the layers before
            if live.size < G.shape[1]:
                G, F, absG = G[:, live], F[:, live], absG[:, live]
            H, e = pick(passed.floats[l - 1]), pick(passed.errors[l - 1])
            absH = np.abs(H) if l == 1 else H  # ĥ ≥ 0 after a relu
            inputs = np.flatnonzero(absH.sum(axis=0) > 0)
            inputs = inputs[:max(0, -(-(wanted - count - live.size) // live.size))]
            if inputs.size < H.shape[1]:
                H, absH, e = H[:, inputs], absH[:, inputs], e[:, inputs]
            H, absH, e = per_sample(H), per_sample(absH), per_sample(e)
            # 2[F(|ĥ| + e) + |Ĝ|(e + u|ĥ|)], the 2 (exact) moved into the left factors
            if np.count_nonzero(e):
                E = (2 * F)[:, :, None] * (absH + e)[:, None, :]
                E += (2 * absG)[:, :, None] * (e + U * absH)[:, None, :]
            else:  # an exact float sample (layer 1): one product
                E = (2 * F + (2 * U) * absG)[:, :, None] * absH[:, None, :]
            E += 2.0 ** -1070
            values += [G, (G[:, :, None] * H[:, None, :]).reshape(n * m, -1)]
            bounds += [F, E.reshape(n * m, -1)]
            start = arrays.offsets[l - 1]
            index += [start + widths[l] * widths[l - 1] + live,
                      (start + live[:, None] * widths[l - 1] + inputs).ravel()]
            count += live.size * (1 + inputs.size)
            if count >= wanted:
                break
        if not values:  # every gradient is 0: J = 0
            return np.zeros((n * m, 0)), np.zeros((n * m, 0)), np.zeros(0, dtype=np.int64)
        J, E = np.concatenate(values, axis=1), np.concatenate(bounds, axis=1)
        # one sum each: an inf or NaN anywhere makes it non-finite (so may an overflow of the
        # sum itself, which only gives up a proof)
        if not math.isfinite(float(J.sum()) + float(E.sum())):
            return None
    return J, E, np.concatenate(index)


def _row_selection(passed: FilteredPass, samples: np.ndarray | None, m: int) -> tuple:
    """(n, pick, per_sample): the number of samples kept, their rows of an array over the
    samples, and an array over the samples repeated over the m outputs (rows (i, k))."""
    if samples is None:
        n, pick = passed.floats[0].shape[0], (lambda A: A)
    else:
        n, pick = len(samples), (lambda A: A[samples])
    return n, pick, (lambda A: A) if m == 1 else (lambda A: np.repeat(A, m, axis=0))


def _float_gradients(arrays: LayerArrays, passed: FilteredPass, samples: np.ndarray | None,
                     m: int) -> Iterator[tuple]:
    """(l, Ĝ_l, F_l, |Ĝ_l|) for l = L, …, 1, lazily: the float backward pass of
    :func:`float_jacobian` with its bound, on the rows (i, k) of ``samples`` (all when None).
    Floating-point warnings are the caller's."""
    n, pick, per_sample = _row_selection(passed, samples, m)
    G = np.ones((n, 1)) if m == 1 else np.tile(np.eye(m), (n, 1))
    F, absG, L = np.zeros((n * m, m)), G, len(arrays.float_weights)
    yield L, G, F, absG
    for l in range(L - 1, 0, -1):
        W = arrays.float_weights[l]
        absW, k = np.abs(W), W.shape[0]
        S = per_sample(pick(passed.patterns[l - 1]))
        # 2[(γ_k + α)|Ĝ||Ŵ| + (1 + α)F|Ŵ| + (k + 2)·2^-1000] ⊙ s, its terms grouped (all
        # nonnegative: the 2 still covers the rounding)
        M = (2 * (gamma(k) + _ALPHA)) * absG
        if l < L - 1:  # F_L = 0
            M += (2 * (1 + _ALPHA)) * F
        F = (M @ absW + (k + 2) * 2.0 ** -999) * S
        G = (G @ W) * S
        absG = np.abs(G)
        yield l, G, F, absG


@dataclass(frozen=True)
class RowGram:
    """The Gram matrix T̂ ≈ J·Jᵀ of rows of J and the ingredients of its error bound
    (:func:`row_gram`): |T̂ − J·Jᵀ| ≤ B = 2[γ·φφᵀ + φεᵀ + εφᵀ + εεᵀ + τ] entrywise, with
    φ_r ≥ ‖Ĵ_r‖, ε_r ≥ ‖Ĵ_r − J_r‖; ``columns``: J's number of columns."""

    T: np.ndarray
    phi: np.ndarray
    eps: np.ndarray
    tau: float
    gamma: float
    columns: int

    def bound(self) -> np.ndarray:
        """B as a matrix (the proof only needs its row sums, :meth:`rows_independent`)."""
        phi, eps = self.phi, self.eps
        return 2 * (np.outer(phi, self.gamma * phi + eps) + np.outer(eps, phi + eps) + self.tau)

    @cached_property
    def looking(self) -> np.ndarray | None:
        """The rows that look independent in floats
        (:func:`relugeom.linalg.gram.independent_looking`), found once: the choice for any
        target is a prefix of them."""
        return independent_looking(self.T)

    def rows_independent(self, target: int) -> GramCertificate | None:
        """A proof that J has ``target`` independent rows, or None: all the rows when there
        are that many, else ``target`` rows that look independent in floats
        (:func:`relugeom.linalg.gram.independent_looking`); each scaled by a power of two s_r
        (exact) to a diagonal entry near 1, then
        :func:`relugeom.linalg.gram.scaled_positive_definite` with δ = twice the largest row
        sum of the scaled B, s_r·[φ_r(γ·s·φ + s·ε) + ε_r(s·φ + s·ε) + τ·Σs]·2 (plus 2^-900 per
        row for underflow in the scaling). Cost: O(r²) and the Cholesky, r³/3."""
        T, phi, eps = self.T, self.phi, self.eps
        if target < T.shape[0]:
            chosen = self.looking
            if chosen is None or len(chosen) < target:
                return None
            chosen = chosen[:target]
            T, phi, eps = T.take(chosen, 0).take(chosen, 1), phi[chosen], eps[chosen]
        elif target > T.shape[0]:
            return None

        def delta(s: np.ndarray) -> float:  # the largest row sum of the scaled B, doubled
            sphi, seps = float(s @ phi), float(s @ eps)
            return 4 * float((s * (phi * (self.gamma * sphi + seps) + eps * (sphi + seps)
                                   + self.tau * float(s.sum()))).max())

        return scaled_positive_definite(T, delta, self.columns)


def row_gram(deep: DeepNetwork, arrays: LayerArrays, passed: FilteredPass,
             samples: np.ndarray | None = None) -> RowGram | None:
    """The Gram matrix T̂ of the rows (i, k) of J(θ, X) (of ``samples`` only, when given),
    computed from its structure without forming J, with its error bound (docs/theory.md,
    "Structured row Gram at depth"): a :class:`RowGram`. None when :func:`float_jacobian`
    would be, or a value is not finite.

    Column (l, j, q) of J is G_l[:, j]·h̃_{l−1}[q] (h̃ = (h, 1): the b-column for q = 1), so

        J·Jᵀ = Σ_l (G_l G_lᵀ) ⊙ (h̃_{l−1} h̃_{l−1}ᵀ)      (h̃ repeated over the outputs k)

    and T̂ is that sum in floats from Ĝ_l and ĥ_{l−1}. With φ_r ≥ ‖Ĵ_r‖ (from T̂_rr) and
    ε_r ≥ ‖Ĵ_r − J_r‖ (from the bounds F_l of :func:`float_jacobian` and e_{l−1}:
    ε_r² = Σ_l 3(‖F_r‖²(‖h̃_r‖² + ‖e_r‖²) + ‖Ĝ_r‖²‖e_r‖²), the squared norms read off the
    diagonals of the Gram factors where they can), Ĵ the exact products of the floats,
    |T̂ − J·Jᵀ| ≤ B = 2[γ_K·φφᵀ + φεᵀ + εφᵀ + εεᵀ + τ]: Cauchy–Schwarz on
    JJᵀ − ĴĴᵀ = ĴΔᵀ + ΔĴᵀ + ΔΔᵀ and on the rounding |T̂ − ĴĴᵀ| ≤ γ_K|Ĵ||Ĵ|ᵀ + τ
    (K = max_l (n_l + n_{l−1} + 1) + L; τ covers underflow). Cost: (n·m)²·(n_l + n_{l−1} + 1)
    multiply–adds per layer, instead of (n·m)²·n_l·(n_{l−1} + 1) for J·Jᵀ from J.

    >>> net = DeepNetwork([([[1], [-1]], [0, 0]), ([[1, 1]], [0]), ([[2]], [0])])
    >>> X = np.array([[3.0], [2.0]])
    >>> gram = row_gram(net, layer_arrays(net), filtered_patterns(net, X))
    >>> J = float_jacobian(net, layer_arrays(net), filtered_patterns(net, X))[0]
    >>> gram.T.tolist() == (J @ J.T).tolist(), gram.columns, bool((gram.bound() < 1e-10).all())
    (True, 9, True)
    >>> gram.rows_independent(2) is not None, gram.rows_independent(3) is None
    (True, True)
    """
    if not arrays.clean or passed.exact_samples.size:
        return None
    m, widths, L = deep.output_dim, arrays.widths, len(arrays.float_weights)
    n, pick, per_sample = _row_selection(passed, samples, m)
    eps2, tau, K = np.zeros(n * m), 0.0, 0
    with quiet():
        for l, G, F, absG in _float_gradients(arrays, passed, samples, m):
            H, e = pick(passed.floats[l - 1]), pick(passed.errors[l - 1])
            a, b = widths[l], widths[l - 1] + 1
            # squared row norms, each raised by what its squares may lose to underflow
            # (k·2^-1074 for k terms): ‖h̃_r‖² from the diagonal of h̃h̃ᵀ, ‖Ĝ_r‖² of ĜĜᵀ
            Q = H @ H.T + 1.0  # h̃h̃ᵀ (the 1: the b-column)
            h2 = per_sample(np.diagonal(Q) + b * 2.0 ** -1074)
            Q = Q[:, None, :, None]  # over the outputs (k, k')
            if l == L:  # Ĝ_L = I_m exactly (‖Ĝ_r‖ = 1), F_L = 0
                T = Q if m == 1 else Q * np.eye(m)[None, :, None, :]
                f2, g2 = 0.0, np.ones(1)
            else:
                P = G @ G.T
                g2 = np.diagonal(P) + a * 2.0 ** -1074
                P = P.reshape(n, m, n, m)
                P *= Q
                T += P
                f2 = np.einsum("ij,ij->i", F, F) + a * 2.0 ** -1074
            if np.count_nonzero(e):  # ‖Δ_r‖² ≤ 3(‖F_r‖²(‖h̃_r‖² + ‖e_r‖²) + ‖Ĝ_r‖²‖e_r‖²)
                e2 = per_sample(np.einsum("ij,ij->i", e, e) + b * 2.0 ** -1074)
                eps2 += 3 * (f2 * (h2 + e2) + g2 * e2)
            elif l < L:  # an exact float sample (layer 1): ‖Δ_r‖ ≤ ‖F_r‖‖h̃_r‖
                eps2 += f2 * h2
            # underflow in each product of the two Gram factors (a·2^-1074 and b·2^-1074
            # off, times |h̃h̃ᵀ| ≤ max ‖h̃_r‖², |ĜĜᵀ| ≤ max ‖Ĝ_r‖²) and in the Hadamard product
            tau += 2.0 ** -1072 * (a * float(h2.max()) + b * float(g2.max()) + 1.0)
            K = max(K, a + b)
        # (the Cholesky reads one triangle of T̂, and the bound holds for every entry)
        T = T.reshape(n * m, n * m)
        phi = np.sqrt(2 * (np.diagonal(T) + tau))  # ‖Ĵ_r‖² ≤ (T̂_rr + τ)/(1 − γ)
        # ε_r² = Σ_l ‖Δ_{l,r}‖² (the layers' columns are disjoint); 2 for the rounding, and
        # 2^-1070 per layer for products of raised norms that underflow
        eps = np.sqrt(2 * (eps2 + L * 2.0 ** -1070))
        if not math.isfinite(float(T.sum()) + float(phi.sum()) + float(eps.sum())):
            return None
    return RowGram(T, phi, eps, tau, gamma(K + L), arrays.offsets[-1])
