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
        """From (nested sequences of) Fractions or ints."""
        arr = np.asarray(values, dtype=object)
        if arr.size == 0:
            return cls(np.zeros(arr.shape, dtype=np.int64))
        arr = np.frompyfunc(lambda q: q if isinstance(q, (int, Fraction)) else Fraction(q),
                            1, 1)(arr)
        num = np.frompyfunc(lambda q: q.numerator, 1, 1)(arr)
        den = np.frompyfunc(lambda q: q.denominator, 1, 1)(arr)
        den = _as_int_array(den)
        if den.dtype != object and (den == 1).all():
            den = 1
        return cls(_as_int_array(num), 0, den)

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
        num, exps, den = self._parts()
        parts = [np.asarray(a).reshape(num.shape[0], -1) for a in (num, exps, den)]
        if all(a.dtype != object for a in parts):
            return len(np.unique(np.hstack(parts).astype(np.int64), axis=0))
        return len({tuple(map(int, row)) for row in np.hstack(parts).tolist()})

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
            unique, where = np.unique(exps, return_inverse=True)
            table = np.array([pow(2, int(e), p) for e in unique], dtype=np.int64)
            r = r * table[where.reshape(exps.shape)] % p
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
            shift = exps - exps.min(axis=1, keepdims=True)
            uniform = (den == den[:, :1]).all()
            bits = np.log2(np.abs(num).max() + 1) + shift.max()
            if uniform and bits < 62:
                return num << shift
        rows = []
        for i in range(num.shape[0]):
            emin = int(exps[i].min()) if exps.shape[1] else 0
            lcm = 1
            for q in den[i]:
                lcm = math.lcm(lcm, int(q))
            rows.append([int(a) * (lcm // int(b)) * 2 ** (int(e) - emin)
                         for a, e, b in zip(num[i], exps[i], den[i])])
        return _as_int_array(rows).reshape(num.shape)
