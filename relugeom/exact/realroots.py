"""Exact real roots of rational polynomials: rationals, and real algebraic numbers held by an
irreducible polynomial and an isolating interval.

A polynomial is a tuple of Fractions (c_0, c_1, …, c_d), lowest degree first.

A :class:`RealAlgebraic` α is stored as

- ``polynomial``: the primitive integer polynomial f, irreducible over Q with positive leading
  coefficient, of which α is a root (its minimal polynomial up to a constant factor), and
- ``low`` ≤ α ≤ ``high``: rationals with α the only root of f in [low, high]; for a rational
  α (deg f = 1) low = high = α, and for an irrational α low < α < high (f has no rational root,
  so the endpoints are never roots).

Every operation is exact: comparisons and signs bisect the isolating intervals (each bisection
is one exact evaluation of f) until the answer is certain, and a zero is decided algebraically
(p(α) = 0 exactly when f divides p, since f is irreducible). Floats appear only in
:meth:`RealAlgebraic.approx` and in the ``approx`` field of the JSON form, labelled as such.

Root isolation and factorisation over Q use sympy (``Poly.factor_list``, ``Poly.intervals``).

>>> r = real_roots((Fraction(-1), Fraction(0), Fraction(2)))    # 2t² − 1
>>> [str(x) for x in r]
['root of 2t^2 - 1 in [-1, 0] (≈ -0.7071067812)', 'root of 2t^2 - 1 in [0, 1] (≈ 0.7071067812)']
>>> r[1] > Fraction(7, 10), r[1] < Fraction(71, 100)
(True, True)
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Sequence

from .numbers import polynomial_text, to_json_number

Polynomial = tuple  # (c_0, c_1, …, c_d) of Fractions, lowest degree first


# -- polynomials as coefficient tuples ----------------------------------------------------------
def trim(p: Sequence) -> Polynomial:
    """Drop zero leading coefficients (the zero polynomial is ())."""
    p = list(p)
    while p and p[-1] == 0:
        p.pop()
    return tuple(Fraction(c) for c in p)


def evaluate(p: Sequence, t: Fraction) -> Fraction:
    """p(t) by Horner's rule, exactly."""
    value = Fraction(0)
    for c in reversed(p):
        value = value * t + c
    return value


def derivative(p: Sequence) -> Polynomial:
    return trim(k * c for k, c in enumerate(p) if k > 0)


def _remainder(p: Polynomial, f: Sequence[int]) -> Polynomial:
    """p mod f over Q (f nonzero, integer coefficients)."""
    rem = list(trim(p))
    lead, deg = f[-1], len(f) - 1
    while len(rem) - 1 >= deg and rem:
        q = rem[-1] / lead
        shift = len(rem) - 1 - deg
        for k, c in enumerate(f):
            rem[shift + k] -= q * c
        rem = list(trim(rem))
    return tuple(rem)


def _sign(q: Fraction) -> int:
    return (q > 0) - (q < 0)


def _primitive(coefficients: Sequence[Fraction]) -> tuple[int, ...]:
    """Integer multiple of the polynomial with gcd 1 and positive leading coefficient."""
    lcm = 1
    for c in coefficients:
        lcm = math.lcm(lcm, Fraction(c).denominator)
    ints = [int(Fraction(c) * lcm) for c in coefficients]
    g = math.gcd(*ints) or 1
    if ints[-1] < 0:
        g = -g
    return tuple(v // g for v in ints)


def _sympy_poly(p: Sequence):
    from sympy import QQ, Poly, Symbol

    return Poly(list(reversed([Fraction(c) for c in p])), Symbol("t"), domain=QQ)


def _to_fraction(value: Any) -> Fraction:
    return Fraction(int(value.p), int(value.q)) if hasattr(value, "p") else Fraction(value)


# -- real algebraic numbers ---------------------------------------------------------------------
@functools.total_ordering
@dataclass(frozen=True, eq=False)
class RealAlgebraic:
    """An exact real algebraic number: a root of ``polynomial`` isolated in [low, high]."""

    polynomial: tuple[int, ...]
    low: Fraction
    high: Fraction

    @classmethod
    def rational(cls, value: Any) -> "RealAlgebraic":
        q = Fraction(value)
        return cls((-q.numerator, q.denominator), q, q)

    # -- reading ----------------------------------------------------------------------------
    @property
    def is_rational(self) -> bool:
        return len(self.polynomial) == 2

    @property
    def value(self) -> Fraction:
        """The exact value of a rational number (ValueError for an irrational one)."""
        if not self.is_rational:
            raise ValueError(f"{self} is irrational")
        return self.low

    def refined(self, width: Fraction) -> "RealAlgebraic":
        """The same number with an isolating interval of width ≤ ``width`` (bisection)."""
        low, high = self.low, self.high
        sign_low = _sign(evaluate(self.polynomial, low))
        while high - low > width:
            mid = (low + high) / 2
            if _sign(evaluate(self.polynomial, mid)) == sign_low:
                low = mid
            else:
                high = mid
        return RealAlgebraic(self.polynomial, low, high)

    def _halved(self) -> "RealAlgebraic":
        return self.refined((self.high - self.low) / 2)

    def approx(self) -> float:
        """A float close to the number (NUMERIC: for display only)."""
        if self.is_rational:
            return float(self.low)
        scale = max(abs(self.low), abs(self.high), Fraction(1))
        r = self.refined(scale / 2 ** 60)
        return float((r.low + r.high) / 2)

    # -- exact tests ------------------------------------------------------------------------
    def sign_of(self, p: Sequence) -> int:
        """The sign (−1, 0 or 1) of p(α) for a rational polynomial p, exactly."""
        p = trim(p)
        if self.is_rational:
            return _sign(evaluate(p, self.low))
        if not _remainder(p, self.polynomial):
            return 0  # f | p, so p(α) = 0
        # gcd(f, p) = 1: p(α) ≠ 0, and once [low, high] holds no root of p, p has one sign there
        poly, here = _sympy_poly(p), self
        while poly.count_roots(here.low, here.high):
            here = here._halved()
        return _sign(evaluate(p, here.low))

    def sign_right_of(self, p: Sequence) -> int:
        """The sign of p on (α, α + ε) for all small ε > 0: that of the first nonzero
        derivative p^(k)(α) (Taylor); 0 only for the zero polynomial."""
        p = trim(p)
        while p:
            s = self.sign_of(p)
            if s:
                return s
            p = derivative(p)
        return 0

    def _compare(self, other: "RealAlgebraic") -> int:
        a, b = self, other
        if a.is_rational and b.is_rational:
            return _sign(a.low - b.low)
        if a.polynomial == b.polynomial:
            lo, hi = max(a.low, b.low), min(a.high, b.high)
            # each interval isolates one root of f: they share a root iff it is the same one
            if lo <= hi and _sympy_poly(a.polynomial).count_roots(lo, hi):
                return 0
        while not (a.high < b.low or b.high < a.low):
            a, b = (a if a.is_rational else a._halved()), (b if b.is_rational else b._halved())
        return -1 if a.high < b.low else 1

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (int, Fraction)):
            other = RealAlgebraic.rational(other)
        if not isinstance(other, RealAlgebraic):
            return NotImplemented
        return self._compare(other) == 0

    def __lt__(self, other: object) -> bool:
        if isinstance(other, (int, Fraction)):
            other = RealAlgebraic.rational(other)
        if not isinstance(other, RealAlgebraic):
            return NotImplemented
        return self._compare(other) < 0

    def __hash__(self) -> int:
        return hash(self.polynomial)  # equal numbers have the same (canonical) polynomial

    # -- output -----------------------------------------------------------------------------
    def to_json_value(self) -> Any:
        """A rational as an int or "p/q"; an irrational as {"polynomial": [c_0, …, c_d],
        "interval": [low, high], "approx": float} (approx is NUMERIC, for reading only)."""
        if self.is_rational:
            return to_json_number(self.low)
        return {"polynomial": list(self.polynomial),
                "interval": [to_json_number(self.low), to_json_number(self.high)],
                "approx": self.approx()}

    def __str__(self) -> str:
        if self.is_rational:
            return str(self.low)
        return (f"root of {polynomial_str(self.polynomial)} in [{self.low}, {self.high}] "
                f"(≈ {self.approx():.10g})")

    def __repr__(self) -> str:
        return f"RealAlgebraic({self})"


def polynomial_str(p: Sequence, variable: str = "t") -> str:
    """Human-readable polynomial, highest degree first: ``2t^2 - 1``."""
    return polynomial_text(p, variable)


def real_roots(p: Sequence) -> list[RealAlgebraic]:
    """The distinct real roots of a nonzero rational polynomial, in increasing order.

    Cost: one factorisation over Q and one real-root isolation per irreducible factor.
    """
    p = trim(p)
    if not p:
        raise ValueError("the zero polynomial has every number as a root")
    if len(p) == 1:
        return []
    if len(p) == 2:
        return [RealAlgebraic.rational(-p[0] / p[1])]
    roots = []
    for factor, _ in _sympy_poly(p).factor_list()[1]:
        f = _primitive([_to_fraction(c) for c in reversed(factor.all_coeffs())])
        if len(f) == 2:
            roots.append(RealAlgebraic.rational(Fraction(-f[0], f[1])))
            continue
        for (lo, hi), _ in factor.intervals():
            roots.append(RealAlgebraic(f, _to_fraction(lo), _to_fraction(hi)))
    return sorted(roots)


def rational_between(a: RealAlgebraic, b: RealAlgebraic) -> Fraction:
    """A rational strictly between a < b: the midpoint when both are rational, otherwise the
    midpoint of the gap between their isolating intervals once these are disjoint."""
    if not a < b:
        raise ValueError(f"rational_between needs a < b, got {a} and {b}")
    if a.is_rational and b.is_rational:
        return (a.low + b.low) / 2
    while not a.high < b.low:
        a, b = (a if a.is_rational else a._halved()), (b if b.is_rational else b._halved())
    return (a.high + b.low) / 2
