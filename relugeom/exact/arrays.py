"""Exact arrays: entry = numerator · 2^exponent / denominator, with residues mod p.

A :class:`RationalArray` holds a large sample exactly without a Fraction per entry: float
arrays at their exact binary values (mantissa·2^e), integers over a common denominator (MNIST
pixels / 255), or Fractions. The modular rank engine (:mod:`relugeom.linalg.modular`) reads its
residues mod p directly, with no big integers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import InputError
from .numbers import rational_matrix, rational_vector


class PrimeDividesDenominator(ArithmeticError):
    """The prime divides a denominator of the array: its residues are undefined; use another."""


def _as_int_array(values: Any) -> np.ndarray:
    """int64 array when every entry fits, else an object array of Python ints."""
    arr = np.asarray(values, dtype=object)
    if arr.size == 0:
        return np.zeros(arr.shape, dtype=np.int64)
    lo, hi = min(arr.flat), max(arr.flat)
    if -(2 ** 62) < lo and hi < 2 ** 62:
        return arr.astype(np.int64)
    return arr


def float_integers(F: np.ndarray) -> np.ndarray | None:
    """A float64 array as int64 when every entry is an integer (integers given as floats),
    checked exactly; None otherwise.

    >>> float_integers(np.array([[3.0, -2.0]])).tolist(), float_integers(np.array([0.5]))
    ([[3, -2]], None)
    """
    with np.errstate(invalid="ignore"):  # (a float beyond int64 casts to a wrong value)
        M = F.astype(np.int64)
    # exact: a float that is an integer below 2^63 casts to itself and back; any other
    # entry (a fraction, beyond int64, NaN) compares unequal
    return M if (M == F).all() else None


def reduce_mod(values: np.ndarray, p: int) -> np.ndarray:
    """values mod p in [0, p) as int64 (object arrays reduced entry by entry)."""
    if values.dtype == object:
        return np.remainder(values, p).astype(np.int64)
    return np.remainder(values, p)


def _inverse_mod(values: np.ndarray, p: int) -> np.ndarray:
    """Entrywise inverse of nonzero residues, by Fermat: v^(p−2) mod p, vectorised."""
    result = np.ones_like(values)
    base = values.copy()
    e = p - 2
    while e:
        if e & 1:
            result = result * base % p
        base = base * base % p
        e >>= 1
    return result


def _flat(values: Any) -> tuple[list, tuple[int, ...]]:
    """The entries of a vector or matrix given as (nested) lists or tuples, row-major, and its
    shape, without numpy probing each entry; anything else through an object array."""
    if isinstance(values, (list, tuple)):
        if all(type(q) is Fraction or type(q) is int for q in values):
            return list(values), (len(values),)
        if values and all(isinstance(row, (list, tuple)) for row in values):
            width = len(values[0])
            if all(len(row) == width for row in values) and \
                    all(type(q) is Fraction or type(q) is int for row in values for q in row):
                return [q for row in values for q in row], (len(values), width)
    arr = np.asarray(values, dtype=object)
    return list(arr.flat), arr.shape


def _powers_of_two(exps: np.ndarray, p: int) -> np.ndarray:
    """2^e mod p for an integer array of exponents (p odd): a table over their range, built by
    doubling (float exponents span a few dozen values), else one pow per distinct exponent."""
    low, high = int(exps.min()), int(exps.max())
    if high - low <= 4096:
        table, t = [], pow(2, low, p)
        for _ in range(high - low + 1):
            table.append(t)
            t = 2 * t % p
        return np.array(table, dtype=np.int64)[exps - low]
    unique, where = np.unique(exps, return_inverse=True)
    table = np.array([pow(2, int(e), p) for e in unique], dtype=np.int64)
    return table[where.reshape(exps.shape)]


def _strip_twos(num: np.ndarray, exps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(num / 2^t, exps + t) with t the trailing zero bits of each nonzero int64 numerator (a
    float's mantissa ends in zero bits: 53 bits for 0.5), so that scaling to integers shifts
    less. Zeros keep exponent 0 added."""
    twos = np.where(num != 0, num & -num, 1)
    zeros = np.round(np.log2(twos.astype(float))).astype(np.int64)
    return num >> zeros, exps + zeros


def _power_of_two(e: int, q: int) -> Fraction:
    """2^e / q."""
    return Fraction(1 << e, q) if e >= 0 else Fraction(1, q << -e)


def _float_of(q: Any) -> float:
    try:
        return float(q)
    except OverflowError:
        return math.inf if q > 0 else -math.inf


@dataclass(frozen=True, eq=False)
class RationalArray:
    """An exact array: entry = numerator · 2^exponent / denominator.

    ``numerators`` is an int64 array (or an object array of Python ints when they do not fit);
    ``exponents`` and ``denominators`` are ints or integer arrays broadcasting to its shape,
    denominators positive. Build one with :meth:`from_floats` (the exact binary value of each
    float), :meth:`from_integers` (integers over one common denominator, e.g. pixels / 255),
    :meth:`from_fractions` or :meth:`from_any`.

    >>> X = RationalArray.from_integers([[0, 255], [51, 3]], denominator=255)
    >>> X.fraction(1, 0), X.shape
    (Fraction(1, 5), (2, 2))
    """

    numerators: np.ndarray
    exponents: Any = 0
    denominators: Any = 1

    @classmethod
    def from_floats(cls, values: Any) -> "RationalArray":
        """The exact binary values of a float array (NaN and ±inf refused)."""
        a = np.asarray(values, dtype=float)
        if not np.isfinite(a).all():
            bad = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
            raise InputError(f"entry {list(bad)} is {a[bad]}: NaN and infinities are not allowed")
        mantissa, exponent = np.frexp(a)
        return cls((mantissa * 2.0 ** 53).astype(np.int64), (exponent - 53).astype(np.int64))

    @classmethod
    def from_integers(cls, values: Any, denominator: int = 1) -> "RationalArray":
        """Integers over one common positive denominator: entry = values / denominator."""
        if int(denominator) <= 0:
            raise InputError(f"the denominator must be a positive integer, got {denominator}")
        return cls(_as_int_array(values), 0, int(denominator))

    @classmethod
    def from_fractions(cls, values: Any) -> "RationalArray":
        """From (nested sequences of) Fractions or ints.

        Denominators that are all powers of two (the exact values of floats) are stored as
        exponents, with no denominator: residues and float values are then read without an
        inverse mod p or a division.

        >>> A = RationalArray.from_fractions([[Fraction(3, 4), 2], [Fraction(-1, 8), 0]])
        >>> A.exponents.tolist(), A.to_fractions()[1][0]
        ([[-2, 0], [-3, 0]], Fraction(-1, 8))
        """
        flat, shape = _flat(values)
        if not flat:
            return cls(np.zeros(shape, dtype=np.int64))
        flat = [q if type(q) is Fraction or type(q) is int else Fraction(q) for q in flat]
        num = [q.numerator for q in flat]
        den = [q.denominator for q in flat]
        if all(b & (b - 1) == 0 for b in den):  # powers of two: exponents, no division
            exps = np.array([1 - b.bit_length() for b in den], dtype=np.int64).reshape(shape)
            return cls(_as_int_array(num).reshape(shape), exps if exps.any() else 0, 1)
        den_array = _as_int_array(den).reshape(shape)
        return cls(_as_int_array(num).reshape(shape), 0, den_array)

    @classmethod
    def from_any(cls, values: Any) -> "RationalArray":
        """A RationalArray as is; float arrays exactly; integer arrays; else via Fractions."""
        if isinstance(values, RationalArray):
            return values
        if isinstance(values, np.ndarray):
            if values.dtype.kind == "f":
                return cls.from_floats(values)
            if values.dtype.kind in "iu":
                return cls(values.astype(np.int64))
            if values.dtype.kind == "b":
                raise InputError("a boolean array is not a sample of numbers")
        arr = np.asarray(values, dtype=object)
        if arr.ndim == 2:
            return cls.from_fractions(rational_matrix(values, "array"))
        if arr.ndim == 1:
            return cls.from_fractions(rational_vector(list(values), "array"))
        raise InputError(f"expected a vector or a matrix, got an array of shape {arr.shape}")

    # -- shape and views --------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.numerators.shape)

    def _parts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        shape = self.numerators.shape
        exps = np.broadcast_to(np.asarray(self.exponents, dtype=np.int64), shape)
        den = self.denominators
        den = np.broadcast_to(np.asarray(den, dtype=object if isinstance(den, np.ndarray)
                                         and den.dtype == object else np.int64), shape)
        return self.numerators, exps, den

    def take(self, rows: Any = slice(None), cols: Any = slice(None)) -> "RationalArray":
        """Sub-array A[rows][:, cols] (numpy indexing)."""
        num, exps, den = self._parts()
        pick = (lambda a: a[rows][:, cols]) if num.ndim == 2 else (lambda a: a[rows])
        return RationalArray(pick(num), pick(exps), pick(den))

    def fraction(self, *index: int) -> Fraction:
        """The exact entry at ``index``."""
        num, exps, den = self._parts()
        e = int(exps[index])
        value = Fraction(int(num[index])) * (Fraction(2) ** e)
        return value / int(den[index])

    def distinct_rows(self) -> int:
        """How many distinct rows the stored (numerator, exponent, denominator) triples form: at
        least the number of distinct rows of values (equal values stored alike count once).

        >>> RationalArray.from_floats([[0.5, 1.0], [0.5, 1.0], [2.0, 0.0]]).distinct_rows()
        2
        """
        return len(set(self._row_keys()))

    def row_labels(self) -> np.ndarray:
        """A label per row, 0, 1, … in order of first occurrence, equal for rows whose stored
        triples are equal (so rows with different labels may still be equal in value: the
        number of labels among some rows bounds the number of their distinct values from above).

        >>> RationalArray.from_floats([[0.5, 1.0], [2.0, 0.0], [0.5, 1.0]]).row_labels().tolist()
        [0, 1, 0]
        """
        labels: dict = {}
        return np.array([labels.setdefault(key, len(labels)) for key in self._row_keys()],
                        dtype=np.int64)

    def _row_keys(self) -> list:
        """A hashable key per row, equal for rows stored alike."""
        num, n = self.numerators, self.numerators.shape[0]
        # a scalar exponent or denominator is the same for every row: only arrays count
        parts = [np.broadcast_to(np.asarray(a), num.shape).reshape(n, -1)
                 for a in (num, self.exponents, self.denominators) if a is num or np.ndim(a)]
        if all(a.dtype != object for a in parts):  # hash the rows' bytes
            stacked = np.ascontiguousarray(np.hstack(parts) if len(parts) > 1 else parts[0],
                                           dtype=np.int64)
            data, width = stacked.tobytes(), 8 * stacked.shape[1]
            return [data[i * width:(i + 1) * width] for i in range(n)]
        return [tuple(map(int, row)) for row in np.hstack(parts).tolist()]

    def to_fractions(self) -> tuple:
        """Nested tuples of Fractions (rows of a matrix, or a vector)."""
        if self.numerators.ndim == 1:
            return tuple(self.fraction(i) for i in range(self.shape[0]))
        return tuple(tuple(self.fraction(i, j) for j in range(self.shape[1]))
                     for i in range(self.shape[0]))

    def nonzero(self) -> np.ndarray:
        """Boolean mask of the nonzero entries (exact)."""
        return self.numerators != 0

    def to_float(self) -> np.ndarray:
        """Float64 approximation, each entry within a few units of roundoff (inf if too large)."""
        num, exps, den = self._parts()
        if num.dtype == object:
            f = np.frompyfunc(_float_of, 1, 1)(num).astype(float)
        else:
            f = num.astype(float)
        if np.any(exps != 0):
            f = np.ldexp(f, exps.astype(np.int64))
        if den.dtype == object:
            f = f / np.frompyfunc(_float_of, 1, 1)(den).astype(float)
        elif np.any(den != 1):
            f = f / den.astype(float)
        return f

    def residues(self, p: int) -> np.ndarray:
        """Entrywise a·b⁻¹ mod p as int64 in [0, p); :class:`PrimeDividesDenominator` if p | b."""
        num, exps, den = self._parts()
        r = reduce_mod(num, p)
        if np.any(exps != 0):
            r = r * _powers_of_two(exps, p) % p
        if den.dtype == object or np.any(den != 1):
            dmod = reduce_mod(np.ascontiguousarray(den), p)
            if not dmod.all():
                raise PrimeDividesDenominator(f"{p} divides a denominator")
            r = r * _inverse_mod(dmod, p) % p
        return np.ascontiguousarray(r, dtype=np.int64)

    def with_ones_column(self) -> "RationalArray":
        """The matrix [A, 1] (affine coordinates x̃ = (x, 1) of the rows)."""
        num, exps, den = self._parts()
        n = num.shape[0]
        ones = np.ones((n, 1), dtype=np.int64)
        column = np.ones((n, 1), dtype=object) if num.dtype == object else ones
        return RationalArray(np.hstack([num, column]), np.hstack([exps, 0 * ones]),
                             np.hstack([np.asarray(den), ones.astype(den.dtype)]))

    def integer_rows(self) -> np.ndarray:
        """Each row scaled by a positive rational to integers: same row-wise rank and kernel.

        Returned as int64 when it fits, else as an object array of Python ints.
        """
        num, exps, den = self._parts()
        if num.dtype != object and den.dtype != object and num.ndim == 2 and num.size:
            num, exps = _strip_twos(num, exps)
            # only nonzero entries set a row's exponent (a zero's exponent is arbitrary: a
            # float 0.0 is stored with 2^-53, which would shift the whole row by 53 bits)
            nonzero = num != 0
            low = np.where(nonzero, exps, np.iinfo(np.int64).max).min(axis=1, keepdims=True)
            shift = np.where(nonzero, exps - np.where(nonzero.any(1, keepdims=True), low, 0), 0)
            if (den == den[:, :1]).all():  # one denominator a row: it scales the row out
                if np.log2(np.abs(num).max() + 1) + shift.max() < 62:
                    return num << shift
                return num.astype(object) << shift.astype(object)  # as Python ints
        rows = []
        for i in range(num.shape[0]):
            emin = int(exps[i].min()) if exps.shape[1] else 0
            lcm = 1
            for q in den[i]:
                lcm = math.lcm(lcm, int(q))
            rows.append([int(a) * (lcm // int(b)) * 2 ** (int(e) - emin)
                         for a, e, b in zip(num[i], exps[i], den[i])])
        return _as_int_array(rows).reshape(num.shape)

    def integer_columns(self) -> tuple[np.ndarray, list[Fraction]]:
        """(M, scales): an integer matrix M (int64 when it fits, else Python ints) and positive
        rationals with column l of A equal to scales[l]·M[:, l] (scales[l] = 2^e_l / lcm of the
        column's denominators, e_l its smallest exponent).

        >>> M, scales = RationalArray.from_floats([[0.5, 3.0], [0.25, 0.0]]).integer_columns()
        >>> M.tolist(), scales
        ([[2, 3], [1, 0]], [Fraction(1, 4), Fraction(1, 1)])
        """
        num, exps, den = self._parts()
        if num.ndim != 2:
            raise ValueError(f"expected a matrix, got shape {num.shape}")
        if num.dtype != object and num.size:
            num, exps = _strip_twos(num, exps)
        nonzero = num != 0
        # only nonzero entries set a column's exponent (a zero's exponent is arbitrary)
        low = np.where(nonzero, exps, np.iinfo(np.int64).max).min(axis=0) if num.size else \
            np.zeros(num.shape[1], dtype=np.int64)
        low = np.where(nonzero.any(axis=0), low, 0)
        shift = np.where(nonzero, exps - low, 0)
        if den.dtype != object and (den == 1).all():
            if num.dtype != object and num.size and \
                    np.log2(np.abs(num).max() + 1) + shift.max() < 62:
                M = num << shift
            else:  # Python integers, shifted entrywise
                M = num.astype(object) << shift.astype(object)
            return M, [_power_of_two(int(e), 1) for e in low]
        lcms = [math.lcm(*(int(q) for q in den[:, l])) if num.shape[0] else 1
                for l in range(num.shape[1])]
        M = [[int(a) * (lcms[l] // int(b)) << int(s) if a else 0
              for l, (a, s, b) in enumerate(zip(num[i], shift[i], den[i]))]
             for i in range(num.shape[0])]
        return (_as_int_array(M).reshape(num.shape),
                [_power_of_two(int(e), q) for e, q in zip(low, lcms)])
