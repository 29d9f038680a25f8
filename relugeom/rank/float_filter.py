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
from typing import Any

import numpy as np

from ..errors import BoundaryError, InputError
from ..exact.arrays import RationalArray
from ..model.deep import DeepNetwork, as_deep
from ..model.network import Network
from ..model.patterns import ReluPrime, check_relu_prime, patterns_from_signs
from .backprop import LayerBoundaryError, _forward

_U = 2.0 ** -53
_ALPHA = 4 * _U     # an exact input read as float64: at most three roundings
_TINY, _HUGE = 2.0 ** -900, 2.0 ** 500


class LayerArrays:
    """The parameters θ of a deep network as one exact array (for residues, cached per prime)
    and float64 values (for the filter), cut into layers; ``clean``: every parameter is 0 or of
    magnitude in [2^-900, 2^500] (where the filter's relative error model holds)."""

    def __init__(self, deep: DeepNetwork):
        self.widths = deep.widths
        self.offsets = deep.parameter_offsets()
        ratios = [q.as_integer_ratio() for q in deep.theta()]
        numerators = _integers([a for a, _ in ratios])
        shifts = [b.bit_length() - 1 for _, b in ratios]
        if all(b == 1 << k for (_, b), k in zip(ratios, shifts)):  # dyadic, e.g. from floats
            self.theta = RationalArray(numerators, -np.array(shifts, dtype=np.int64), 1)
        else:
            self.theta = RationalArray(numerators, 0, _integers([b for _, b in ratios]))
        with np.errstate(all="ignore"):  # an overflow is caught by _clean
            floats = self.theta.to_float()
        self.clean = bool(_clean(self.theta, floats).all())
        self.float_weights, self.float_biases = self._layers(floats)
        self._residues: dict[int, tuple] = {}

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
        with np.errstate(all="ignore"):  # an overflow is caught by _clean
            H = A.to_float()
        E = 2 * _ALPHA * np.abs(H)
        undecided = ~_clean(A, H).all(axis=1)
    if not arrays.clean:
        undecided[:] = True   # the filter's error model does not hold for these weights
    floats, errors, signs = [H], [E], []
    with np.errstate(all="ignore"):
        for l in range(1, deep.depth):
            W, b = arrays.float_weights[l - 1], arrays.float_biases[l - 1]
            k = W.shape[1]
            gamma = (k + 1) * _U / (1 - (k + 1) * _U)
            absW = np.abs(W).T
            Z = H @ W.T + b
            E = 2 * ((gamma + _ALPHA) * (np.abs(H) @ absW + np.abs(b))
                     + (1 + _ALPHA) * (E @ absW) + (k + 2) * 2.0 ** -1000)
            sure = np.isfinite(Z) & np.isfinite(E) & (np.abs(Z) > E)
            undecided |= ~sure.all(axis=1)
            signs.append(np.where(sure, np.sign(Z), 0).astype(np.int8))
            H = np.maximum(Z, 0.0)
            floats.append(H)
            errors.append(E)
    rows = np.flatnonzero(undecided)
    magnitudes = [np.zeros(w) for w in deep.widths[:-1]]
    if rows.size:
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
        return float(numerator / denominator) * (1 + 4 * _U) + 2.0 ** -1070
    except OverflowError:
        return math.inf
