"""Hyperplanes as primitive integer vectors, and the restriction of an arrangement to one of them.

A hyperplane {x ∈ R^d : w·x + b = 0} with w ≠ 0 is stored as the pair ``(normal, offset)`` of
Python integers, scaled so that gcd(normal, offset) = 1 and the first nonzero entry of the normal
is positive. Scaling by a positive number keeps the two open sides, so an exact rational
hyperplane becomes integer without losing anything; the sign convention makes the pair a
canonical name of the (unoriented) hyperplane, so duplicates, positive multiples and opposite
orientations all collapse to one key. An orientation ±1 records which side of the canonical
pair a given (w, b) calls positive.

Points are stored homogeneously as ``(X, D)``: integer coordinates X and a positive integer
denominator D, the point X/D. The sign of w·(X/D) + b is the sign of w·X + b·D, so every test
of a point against a hyperplane is a handful of integer multiplications.

:func:`restrict` is the step every algorithm of :mod:`relugeom.arrangement` and
:mod:`relugeom.arrangement.zaslavsky` is built on: the hyperplanes of an arrangement, cut by a
hyperplane H and written in coordinates of H ≅ R^{d-1}; :func:`restrict_to_line` is its cheap
special case in the plane (d = 2), used by :mod:`relugeom.arrangement.within`.
"""

from __future__ import annotations

import math
from fractions import Fraction
from operator import mul
from typing import Iterable, Sequence

Hyperplane = tuple  # (normal: tuple[int, ...], offset: int)
Point = tuple       # (X: tuple[int, ...], D: int), D > 0


def primitive(normal: Sequence[int], offset: int) -> tuple[Hyperplane, int]:
    """Canonical integer form of w·x + b = 0 (w ≠ 0) and the orientation of (w, b) against it.

    Returns ``((normal, offset), orientation)`` with ``(w, b) = orientation·λ·(normal, offset)``
    for some λ > 0.

    >>> primitive((0, -4), 6)
    (((0, 2), -3), -1)
    """
    g = math.gcd(*normal, offset)
    for u in normal:          # a loop, not next(genexpr): this runs for every restriction
        if u:
            break
    if u < 0:
        g = -g
    elif g == 1:
        return (tuple(normal), offset), 1
    return (tuple([u // g for u in normal]), offset // g), (1 if u > 0 else -1)


def integer_hyperplane(w: Sequence[Fraction], b: Fraction
                       ) -> tuple[Hyperplane, int, Fraction] | None:
    """Canonical form of the rational hyperplane w·x + b = 0, or ``None`` when w = 0.

    Returns ``(hyperplane, orientation, scale)`` with ``(w, b) = orientation·scale·(normal,
    offset)``, scale > 0.
    """
    if not any(w):
        return None
    w = [q if isinstance(q, (int, Fraction)) else Fraction(q) for q in w]
    b = b if isinstance(b, (int, Fraction)) else Fraction(b)
    lcm = math.lcm(*(q.denominator for q in w), b.denominator)
    if lcm == 1:
        ints = [int(q.numerator) for q in w]
    else:
        ints = [q.numerator * (lcm // q.denominator) for q in w]
    hyperplane, orientation = primitive(ints, b.numerator * (lcm // b.denominator))
    i = next(k for k, u in enumerate(hyperplane[0]) if u)
    scale = Fraction(w[i]) / (orientation * hyperplane[0][i])
    return hyperplane, orientation, scale


def pivot(hyperplane: Hyperplane) -> int:
    """The coordinate H is solved for: the first nonzero entry of its normal (it is positive)."""
    for k, u in enumerate(hyperplane[0]):
        if u:
            return k
    raise ValueError("pivot: a hyperplane needs a nonzero normal")


def restrict(hyperplanes: Iterable[Hyperplane], onto: Hyperplane
             ) -> tuple[list[Hyperplane], list[tuple[int | None, int]]]:
    """Restrict ``hyperplanes`` (in R^d) to the hyperplane ``onto`` = H, not one of them.

    H is identified with R^{d-1} by dropping its pivot coordinate i (solve H for x_i). Each
    hyperplane K then either meets H in a hyperplane of R^{d-1}, or is parallel to H, in which
    case K has one constant sign on all of H. Returns the distinct restricted hyperplanes and,
    for each input K in order, ``(index, orientation)`` into that list, or ``(None, side)`` with
    the constant side ±1 of K along H.

    The restriction of K = (u, c) is a·K|_H with a = w_i > 0, a positive multiple, so orientations
    survive: its coefficients are a·u_j − u_i·w_j (j ≠ i) and a·c − u_i·b.
    Cost: O(|hyperplanes|·d) integer operations.

    >>> restrict([((1, 0), 0), ((1, 0), -1), ((1, 1), 0)], ((0, 1), 0))
    ([((1,), 0), ((1,), -1)], [(0, 1), (1, 1), (0, 1)])
    """
    w, b = onto
    i = pivot(onto)
    a = w[i]
    rest = w[:i] + w[i + 1:]
    index: dict[Hyperplane, int] = {}
    distinct: list[Hyperplane] = []
    mapping: list[tuple[int | None, int]] = []
    for u, c in hyperplanes:
        f = u[i]
        others = u[i + 1:] if i == 0 else u[:i] + u[i + 1:]
        if f:
            nu = [a * x - f * y for x, y in zip(others, rest)]
            nc = a * c - f * b
        else:
            nu = others
            nc = c
        if not any(nu):
            if nc == 0:
                raise ValueError("restrict: a hyperplane equal to the one restricted to")
            mapping.append((None, 1 if nc > 0 else -1))
            continue
        key, orientation = primitive(nu, nc)
        k = index.get(key)
        if k is None:
            k = index[key] = len(distinct)
            distinct.append(key)
        mapping.append((k, orientation))
    return distinct, mapping


def restrict_to_line(hyperplanes: Iterable[Hyperplane], onto: Hyperplane
                     ) -> list[tuple[int, int]]:
    """Restrict hyperplanes of the plane R^2 to the line H = ``onto``, not one of them, as the
    affine functions they become on it: ``(slope, value)`` per input K = (u, c), in order.

    As in :func:`restrict`, H is parametrised by its non-pivot coordinate y (the pivot one
    solved for), and K at the point of H over y is (slope·y + value)/a with a = w_i > 0, so it
    has the sign of slope·y + value: K meets H at the root y = −value/slope, is positive on
    the side slope points to, and is parallel to H (constant side, the sign of value) when
    slope = 0. Unlike :func:`restrict` nothing is made primitive or merged, which is what makes
    it cheap: on a line the cells are just the intervals between the sorted roots. Cost: a few
    integer operations per hyperplane.

    >>> restrict_to_line([((1, 0), 0), ((1, 0), -1), ((1, 1), 0)], ((0, 1), 0))
    [(1, 0), (1, -1), (1, 0)]
    """
    w, b = onto
    i = 0 if w[0] else 1
    a, wj = w[i], w[1 - i]
    if i == 0:
        return [(a * u1 - u0 * wj, a * c - u0 * b) for (u0, u1), c in hyperplanes]
    return [(a * u0, a * c - u1 * b) for (u0, u1), c in hyperplanes]


def lift(point: Point, onto: Hyperplane) -> Point:
    """The point of H = ``onto`` whose coordinates other than the pivot are ``point`` (in R^{d-1}).

    x_i = −(b + Σ_{j≠i} w_j x_j) / w_i.

    >>> lift(((3,), 1), ((2, 1), -1))   # the point of 2x + y = 1 with y = 3
    ((-1, 3), 1)
    """
    Y, D = point
    w, b = onto
    i = pivot(onto)
    a = w[i]
    rest = w[:i] + w[i + 1:]
    X = [a * y for y in Y]
    X.insert(i, -(b * D + sum(map(mul, rest, Y))))
    return reduce_point(X, a * D)


def lift_direction(direction: Sequence[int], onto: Hyperplane) -> tuple[int, ...]:
    """The direction of H = ``onto`` whose coordinates other than the pivot are ``direction``.

    Like :func:`lift` without the offset: a vector parallel to H (the lift of ``direction``
    onto the parallel hyperplane through 0), made primitive, which keeps its direction.

    >>> lift_direction((3,), ((2, 1), -1))   # the lift (-3, 6) along 2x + y = 0, made primitive
    (-1, 2)
    """
    X, _ = lift((tuple(direction), 1), (onto[0], 0))
    g = math.gcd(*X)
    return tuple(x // g for x in X)


def reduce_point(X: Sequence[int], D: int) -> Point:
    """Divide out the common factor of coordinates and denominator."""
    g = math.gcd(*X, D)
    if g > 1:
        return tuple([x // g for x in X]), D // g
    return tuple(X), D


def to_fractions(point: Point) -> tuple[Fraction, ...]:
    X, D = point
    return tuple(Fraction(x, D) for x in X)


def evaluate(hyperplane: Hyperplane, point: Point) -> int:
    """D·(normal·x + offset) at x = X/D: an integer with the sign of the affine function there."""
    (u, c), (X, D) = hyperplane, point
    return sum(map(mul, u, X)) + c * D
