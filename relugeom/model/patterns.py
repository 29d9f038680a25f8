"""Activation patterns of a sample, exactly.

Pre-activation z_ij = w_j·x_i + b_j; the activation pattern of x_i is s_i ∈ {0,1}^N with
s_ij = [z_ij > 0]. If some z_ij = 0, ReLU is not differentiable there and neither is θ ↦ f_θ(X):
by default this is an error naming the sample and the neuron. ``relu_prime_at_zero=0`` or ``1``
chooses a one-sided convention instead (PyTorch uses 0); reports say which was used.

Only the *signs* of the z_ij matter, computed exactly without a Fraction per entry:

1. a float filter (:func:`rational_product_signs`): z in float64 with a proven bound on its
   rounding error decides every sign it can, which is every sign off a thin band around each
   hyperplane;
2. the rows it cannot decide (samples on or within rounding of a hyperplane) are decided in
   integers: the signs do not change when x̃_i = (x_i, 1) or w̃_j = (w_j, b_j) is multiplied by a
   positive number, so each is scaled by the lcm of its denominators to an integer vector, and
   sign(⟨x̃_i, w̃_j⟩) is read off an exact integer product (:func:`product_signs`) computed with
   float64 BLAS: the integers are cut into limbs small enough that every partial sum of a limb
   product is an integer below 2^53 (no rounding, whatever the summation order), and the limb
   products are recombined with carries in int64.

Cost: a few float matrix products of n × (d+1) by (d+1) × N and one float conversion per entry.
Distinct patterns are found by hashing the packed pattern bits (:func:`distinct_rows`).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Sequence, Union

import numpy as np

from ..errors import BoundaryError, InputError
from ..exact.numbers import rational_vector
from ..linalg.quiet import quiet
from .sample import as_sample

ReluPrime = Union[str, int]

#: float64 holds every integer of magnitude below 2^53 exactly.
_MANTISSA_BITS = 53
#: Rows of the sample handled at once (bounds the memory of the n × N intermediate arrays).
_BLOCK_ENTRIES = 1 << 22
#: Beyond this many limbs on both sides a sum of limb products could leave int64 (each is below
#: 2^53): such integers (thousands of digits) are multiplied as Python integers instead.
_MAX_LIMBS = 256


def check_relu_prime(relu_prime_at_zero: Any) -> ReluPrime:
    """Validate the convention for relu'(0): "error" (default), 0 or 1."""
    if isinstance(relu_prime_at_zero, str) and relu_prime_at_zero in ("0", "1"):
        return int(relu_prime_at_zero)
    if relu_prime_at_zero == "error":
        return "error"
    if relu_prime_at_zero in (0, 1) and isinstance(relu_prime_at_zero, int) \
            and not isinstance(relu_prime_at_zero, bool):
        return int(relu_prime_at_zero)
    raise InputError(f"relu_prime_at_zero must be 'error', 0 or 1, got {relu_prime_at_zero!r}")


def preactivations(network: Any, X: tuple) -> list[list[Fraction]]:
    """The n × N matrix of hidden pre-activations z_ij = w_j·x_i + b_j (exact Fractions)."""
    return [[sum((w * xi for w, xi in zip(row, x)), bj) for row, bj in zip(network.W, network.b)]
            for x in X]


# --- exact signs of an integer matrix product --------------------------------------------------

def _as_integer_array(rows: list[list[int]], width: int) -> np.ndarray:
    """int64 when every entry has magnitude below 2^62, else an object array of Python ints."""
    if not rows:
        return np.zeros((0, width), dtype=np.int64)
    largest = max(max(row) for row in rows)
    smallest = min(min(row) for row in rows)
    if -(1 << 62) < smallest and largest < 1 << 62:
        return np.array(rows, dtype=np.int64).reshape(len(rows), width)
    out = np.empty((len(rows), width), dtype=object)
    out[:] = rows
    return out


def integer_rows(rows: Sequence[Sequence[Any]], last: Sequence[Any] | None = None) -> np.ndarray:
    """Each row (with ``last[i]`` appended, or 1 when ``last`` is None) times the lcm of its
    denominators: a positive multiple, so every sign of ⟨row, ·⟩ is kept.

    Entries are ints or Fractions (anything with ``numerator`` and ``denominator``). Returns an
    int64 array, or an object array of Python ints when an entry reaches 2^62.

    >>> integer_rows([[Fraction(1, 2), Fraction(-1, 3)], [2, 4]]).tolist()
    [[3, -2, 6], [2, 4, 1]]
    >>> integer_rows([[Fraction(1, 2)]], last=[Fraction(3, 4)]).tolist()
    [[2, 3]]
    """
    out = []
    for i, row in enumerate(rows):
        tail = 1 if last is None else last[i]
        entries = list(row)
        entries.append(tail)
        lcm = math.lcm(*[q.denominator for q in entries])
        if lcm == 1:
            out.append([int(q.numerator) for q in entries])
        else:
            out.append([q.numerator * (lcm // q.denominator) for q in entries])
    width = len(out[0]) if out else (0 if last is None else 1)
    return _as_integer_array(out, width)


def _normalized(A: Any) -> np.ndarray:
    """An integer matrix as int64 with every |entry| < 2^62, or else as Python ints (object)."""
    A = np.asarray(A)
    if A.dtype == object:
        return A
    if A.dtype.kind not in "iu":
        raise TypeError(f"expected an integer matrix, got dtype {A.dtype}")
    if A.size and (int(A.max()) >= 1 << 62 or int(A.min()) <= -(1 << 62)):
        return A.astype(object)
    return A.astype(np.int64, copy=False)


def _bit_length(A: np.ndarray) -> int:
    """Bits of the largest magnitude in the integer array A (0 for an empty or zero array)."""
    if A.size == 0:
        return 0
    if A.dtype == object:
        return max(int(abs(v)).bit_length() for v in A.flat)
    return int(np.abs(A).max()).bit_length()


def _limbs(A: np.ndarray, bits: int, count: int) -> list[np.ndarray]:
    """A = Σ_k limbs[k]·2^(bits·k), each limb a float64 array of integers with the sign of A
    and magnitude below 2^bits (exact in float64)."""
    mask = (1 << bits) - 1
    sign = np.where(A < 0, -1, 1).astype(np.int64)
    magnitude = np.abs(A)
    return [(sign * ((magnitude >> (bits * k)) & mask).astype(np.int64)).astype(float)
            for k in range(count)]


def product_signs(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """sign(A Bᵀ) ∈ {−1, 0, 1} as an int8 array, exactly, for integer matrices A (n × k) and
    B (N × k) (numpy integer arrays, or object arrays of Python ints).

    When every partial sum fits in float64's 53-bit mantissa, one float product is exact.
    Otherwise A and B are cut into signed limbs of L bits with k·2^(2L) ≤ 2^53, the limb
    products (each exact in float64) are summed per power of 2^L in int64, and carries are
    propagated from the lowest power up: the value is then top·2^(L·t) plus non-negative
    lower digits, so its sign is the sign of ``top``, or + when ``top`` is 0 and a lower digit
    is not, or 0.

    >>> product_signs(np.array([[1, 2], [3, -1]]), np.array([[1, 0], [2, 6]])).tolist()
    [[1, 1], [1, 0]]
    >>> big = np.array([[2 ** 80 + 1, -(2 ** 80)]], dtype=object)
    >>> product_signs(big, np.array([[1, 1], [-1, -1]])).tolist()
    [[1, -1]]
    """
    A, B = _normalized(A), _normalized(B)
    n, k = A.shape
    N = B.shape[0]
    if n == 0 or N == 0:
        return np.zeros((n, N), dtype=np.int8)
    guard = max(k, 1).bit_length()  # 2^guard > k: a sum of k terms gains fewer than guard bits
    bits_a, bits_b = _bit_length(A), _bit_length(B)
    if bits_a + bits_b + guard <= _MANTISSA_BITS:
        return np.sign(A.astype(float) @ B.astype(float).T).astype(np.int8)
    L = max((_MANTISSA_BITS - guard) // 2, 1)
    count_a, count_b = -(-max(bits_a, 1) // L), -(-max(bits_b, 1) // L)
    if min(count_a, count_b) > _MAX_LIMBS:   # thousands of digits: Python's integers
        product = A.astype(object) @ B.astype(object).T
        return np.array([[(v > 0) - (v < 0) for v in row] for row in product.tolist()],
                        dtype=np.int8).reshape(n, N)
    limbs_b = [limb.T for limb in _limbs(B, L, count_b)]
    out = np.empty((n, N), dtype=np.int8)
    block = max(1, _BLOCK_ENTRIES // max(N * (count_a + count_b), 1))
    for start in range(0, n, block):
        limbs_a = _limbs(A[start:start + block], L, count_a)
        levels = [None] * (count_a + count_b - 1)
        for p, la in enumerate(limbs_a):
            for q, lb in enumerate(limbs_b):
                product = (la @ lb).astype(np.int64)   # exact: |partial sums| < 2^53
                levels[p + q] = product if levels[p + q] is None else levels[p + q] + product
        carry = 0
        low_nonzero = np.zeros(levels[0].shape, dtype=bool)
        for level in levels[:-1]:
            value = level + carry
            carry = value >> L           # floor division: value = carry·2^L + (value & mask)
            low_nonzero |= (value & ((1 << L) - 1)) != 0
        top = levels[-1] + carry
        out[start:start + block] = np.where(top != 0, np.sign(top), low_nonzero).astype(np.int8)
    return out


# --- signs of the pre-activations ---------------------------------------------------------------

#: Inputs whose float64 value is below this (but not 0) or above _HUGE leave their row to the
#: exact computation: the float filter's error model is relative and needs normal, finite
#: products.
_TINY = 2.0 ** -900
_HUGE = 2.0 ** 500
_U = 2.0 ** -53


def exact_rows(X: Any, input_dim: int, name: str = "X") -> tuple:
    """X as exact rows: a tuple of tuples of ints and Fractions of the right width (what
    :func:`~relugeom.model.sample.as_sample` returns) is taken as it is, anything else goes
    through :func:`~relugeom.model.sample.as_sample`."""
    if isinstance(X, tuple) and X and all(isinstance(row, tuple) and len(row) == input_dim
                                          for row in X):
        if all(type(q) is Fraction or type(q) is int for row in X for q in row):
            return X
    return as_sample(X, input_dim, name)


def _float_rows(rows: Sequence[Sequence[Any]], width: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(float64 values, rows the float filter must not decide), or None when an entry does not
    fit in float64. Each value is the correctly rounded float of the exact entry."""
    try:
        F = np.array(rows, dtype=float).reshape(len(rows), width)
    except OverflowError:
        return None
    magnitude = np.abs(F)
    bad = ((magnitude < _TINY) & (F != 0)) | (magnitude > _HUGE)
    zero_rows, zero_cols = np.nonzero(F == 0)   # an exact zero, or a nonzero that underflowed
    for i, l in zip(zero_rows.tolist(), zero_cols.tolist()):
        if rows[i][l] != 0:
            bad[i, l] = True
    return F, bad.any(axis=1)


def rational_product_signs(X: Sequence[Sequence[Any]], W: Sequence[Sequence[Any]],
                           b: Sequence[Any]) -> np.ndarray:
    """sign(w_j·x_i + b_j) ∈ {−1, 0, 1}, exactly, as an int8 n × N array, for exact rows x_i
    (ints or Fractions), w_j and biases b_j.

    First a float filter: with every input rounded to float64 (relative error ≤ u = 2^-53;
    entries below 2^-900 or above 2^500 in magnitude send their row to the exact step), the
    float value of z_ij differs from it by at most γ_{d+3}·Σ_l |w_jl x_il| + |b_j|·u plus an
    underflow term, for any summation order (the classical bound for inner products); the
    bound used, (d + 5)·2u·(|X||W|ᵀ + |b|) + (d + 3)·2^-1000, computed in floats, is twice
    that, so the float sign is right wherever |z| exceeds it. Every other row (in practice
    samples on or within rounding of a hyperplane) is decided exactly: its row and each
    (w_j, b_j) are scaled to integers and multiplied exactly (:func:`product_signs`).
    """
    n, N = len(X), len(W)
    d = len(W[0]) if N else (len(X[0]) if n else 0)
    if n == 0 or N == 0:
        return np.zeros((n, N), dtype=np.int8)
    B = integer_rows(W, last=b)
    Xf = _float_rows(X, d)
    Wf = _float_rows([tuple(w) + (bj,) for w, bj in zip(W, b)], d + 1)
    if Xf is None or Wf is None or Wf[1].any():
        return product_signs(integer_rows(X), B)
    (F, bad_rows), (G, _) = Xf, Wf
    with quiet():
        Z = F @ G[:, :d].T + G[:, d]
        bound = (np.abs(F) @ np.abs(G[:, :d]).T + np.abs(G[:, d])) * ((d + 5) * 2 * _U) \
            + (d + 3) * 2.0 ** -1000
        sure = np.isfinite(Z) & np.isfinite(bound) & (np.abs(Z) > bound)
    signs = np.where(sure, np.sign(Z), 0).astype(np.int8)
    rows = np.flatnonzero(bad_rows | ~sure.all(axis=1))
    if rows.size:
        signs[rows] = product_signs(integer_rows([X[i] for i in rows.tolist()]), B)
    return signs


def preactivation_signs(network: Any, X: Any) -> np.ndarray:
    """sign(z_ij) ∈ {−1, 0, 1} of the hidden pre-activations of a one-hidden-layer network
    (anything with rows ``W`` and biases ``b``), exactly, as an int8 n × N array
    (:func:`rational_product_signs`).

    >>> from relugeom import ShallowNetwork
    >>> net = ShallowNetwork(W=[[1], [-1]], b=[0, 1], V=[[1, 1]], c=[0])
    >>> preactivation_signs(net, [[2], [1], ["1/3"]]).tolist()
    [[1, -1], [1, 0], [1, 1]]
    """
    d = len(network.W[0])
    W = exact_rows(tuple(map(tuple, network.W)), d, "W")
    b = rational_vector(network.b, "b", len(W))
    return rational_product_signs(exact_rows(X, d), W, b)


# --- patterns ---------------------------------------------------------------------------------

def first_zero(signs: np.ndarray) -> tuple[int, int] | None:
    """(sample, column) of the first zero in row-major order, or None."""
    zero = signs == 0
    if not zero.any():
        return None
    i = int(np.argmax(zero.any(axis=1)))
    return i, int(np.argmax(zero[i]))


def patterns_from_signs(signs: np.ndarray, relu_prime_at_zero: ReluPrime = "error",
                        layer: int = 1) -> np.ndarray:
    """The 0/1 pattern matrix (uint8, n × N) from sign(z): 1 where z > 0, and where z = 0 the
    convention's value; with the default "error", the first zero (sample order, then neuron
    order) raises :class:`~relugeom.errors.BoundaryError`."""
    convention = check_relu_prime(relu_prime_at_zero)
    signs = np.asarray(signs)
    S = (signs > 0).astype(np.uint8)
    zero = first_zero(signs)
    if zero is not None:
        if convention == "error":
            raise BoundaryError(sample=zero[0], neuron=zero[1], layer=layer, value=Fraction(0))
        if convention == 1:
            S[signs == 0] = 1
    return S


def _sign_array(Z: Any) -> np.ndarray:
    """sign of each entry of a rectangular matrix of exact numbers (lists or an array)."""
    if isinstance(Z, np.ndarray) and Z.dtype != object:
        return np.sign(Z).astype(np.int8)
    rows = [[(v > 0) - (v < 0) for v in row] for row in Z]
    width = len(rows[0]) if rows else 0
    return np.array(rows, dtype=np.int8).reshape(len(rows), width)


def as_tuples(S: np.ndarray) -> tuple[tuple[int, ...], ...]:
    """A 0/1 matrix as a tuple of row tuples of Python ints."""
    return tuple(map(tuple, np.asarray(S).tolist()))


def patterns_from_preactivations(Z: Any, relu_prime_at_zero: ReluPrime = "error",
                                 layer: int = 1) -> tuple[tuple[int, ...], ...]:
    """s_ij = [z_ij > 0], with z_ij = 0 resolved by the convention (or refused).

    ``Z`` is a matrix of exact numbers: nested lists, or an integer / object numpy array.
    """
    return as_tuples(patterns_from_signs(_sign_array(Z), relu_prime_at_zero, layer))


def pattern_matrix(network: Any, X: Any, relu_prime_at_zero: ReluPrime = "error") -> np.ndarray:
    """The activation patterns as a uint8 n × N matrix (see :func:`activation_patterns`)."""
    convention = check_relu_prime(relu_prime_at_zero)
    return patterns_from_signs(preactivation_signs(network, X), convention)


def activation_patterns(network: Any, X: tuple,
                        relu_prime_at_zero: ReluPrime = "error") -> tuple[tuple[int, ...], ...]:
    """The activation pattern s_i ∈ {0,1}^N of each sample.

    Exact (see the module docstring); a sample with z_ij = 0 raises
    :class:`~relugeom.errors.BoundaryError` naming the first such sample and neuron, unless a
    one-sided convention is chosen. Cost: a few float64 products of n × (d+1) by (d+1) × N
    after scaling each row to integers, O(n·d) Python integer operations.

    >>> from relugeom import ShallowNetwork
    >>> net = ShallowNetwork(W=[[1], [-1]], b=[0, 0], V=[[1, 1]], c=[0])
    >>> activation_patterns(net, ((2,), (-1,)))
    ((1, 0), (0, 1))
    """
    return as_tuples(pattern_matrix(network, X, relu_prime_at_zero))


def distinct_rows(S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a 0/1 (or sign) matrix in order of first appearance.

    Returns ``(first, label)``: ``first[r]`` is the sample where distinct row r first appears
    (increasing), ``label[i]`` the distinct row of sample i. Rows are hashed as packed bytes
    (np.unique), so the cost is O(n·N) plus a sort of n short keys.

    >>> first, label = distinct_rows(np.array([[1, 0], [0, 1], [1, 0]]))
    >>> first.tolist(), label.tolist()
    ([0, 1], [0, 1, 0])
    """
    S = np.asarray(S)
    binary = S.dtype == bool
    if binary:
        S = S.view(np.uint8)
    n = S.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if S.ndim != 2 or S.shape[1] == 0:
        return np.zeros(1, dtype=np.int64), np.zeros(n, dtype=np.int64)
    if not binary and (S.dtype != np.uint8 or S.max(initial=0) > 1):
        # signs −1/0/1 (or any small integers): two bits per entry
        values = (S.astype(np.int64) + 1)
        packed = np.packbits(np.concatenate([(values >> 1) & 1, values & 1], axis=1)
                             .astype(np.uint8), axis=1)
    else:
        packed = np.packbits(S, axis=1)
    if packed.shape[1] <= 8:  # up to 64 bits a row: one integer key each (a faster sort)
        padded = np.zeros((n, 8), np.uint8)
        padded[:, :packed.shape[1]] = packed
        keys = padded.view(np.uint64).ravel()
    else:
        keys = np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return first[order].astype(np.int64), rank[inverse.ravel()].astype(np.int64)


def distinct_patterns(patterns: Any) -> list[tuple[int, ...]]:
    """The activation regions perceived, in order of first appearance in the sample.

    ``patterns`` is a sequence of 0/1 tuples or a 0/1 matrix.
    """
    if isinstance(patterns, np.ndarray):
        first, _ = distinct_rows(patterns)
        return [tuple(row) for row in patterns[first].tolist()]
    return list(dict.fromkeys(patterns))
