"""Exact linear feasibility over Q: a two-phase simplex in Fractions, Dantzig's then Bland's rule.

The deep region enumeration (:mod:`relugeom.arrangement.deep`) decides nonemptiness without
LP; this module serves the questions it leaves to linear programming, where there is no
tolerance to choose: is an open polyhedron {x : A x + c > 0} nonempty (and a point inside),
and do vectors have a strictly positive linear relation (the test of boundedness); when the
answer is no, :func:`point_below` and :func:`recession_direction` also return the Farkas
certificate that proves it (the simplex multipliers of phase one), which the enumeration uses
as a point. Dantzig's rule (the most negative reduced cost enters) while every pivot improves
the objective, then Bland's (smallest index enters and leaves), which cannot cycle: the
simplex terminates on every input.
Cost: O(r·n) Fraction operations per pivot for r equations in n unknowns; meant for small
systems (tens of rows).

>>> nonnegative_solution([[1, 1]], [2])
(Fraction(2, 1), Fraction(0, 1))
>>> interior_point([[1, 0], [-1, 0], [0, 1]], [0, 1, 0])        # 0 < x < 1, y > 0
(Fraction(1, 2), Fraction(1, 2))
>>> interior_point([[1], [-1]], [0, 0]) is None                  # x > 0 and x < 0
True
>>> positive_relation([[1, 0], [-1, 0], [0, 1], [0, -1]]), positive_relation([[1, 0], [0, 1]])
(True, False)
>>> square = [((1, 0), 0), ((-1, 0), 1), ((0, 1), 0), ((0, -1), 1)]   # 0 < x, y < 1
>>> implied_positive(square, ((1, 1), 0)), implied_positive(square, ((1, 1), -1))
(True, False)
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Sequence

from ..exact.numbers import to_rational


def nonnegative_solution(M: Sequence[Sequence[Any]], q: Sequence[Any]
                         ) -> tuple[Fraction, ...] | None:
    """A vertex z ≥ 0 of {M z = q, z ≥ 0} (M: r × n), or ``None`` when there is none.

    Phase one of the simplex: minimise the sum of r artificial variables from the basis they
    form; the system is feasible iff the minimum is 0. Exact and fraction-free: each equation
    is scaled to integers, and the tableau is kept as integers over one positive denominator
    (the basis determinant), updated by Bareiss' exact division
    T'[i][j] = (T[r][e]·T[i][j] − T[i][e]·T[r][j]) / D. Dantzig's rule, Bland's after the
    first degenerate pivot.
    """
    rows = []
    for row, qi in zip(M, q):
        entries = [to_rational(v) for v in row] + [to_rational(qi)]
        scale = math.lcm(*(v.denominator for v in entries))
        rows.append([int(v * scale) for v in entries])
    z = _integer_phase_one(rows, len(M[0]) if M else 0)
    return None if z is None else tuple(Fraction(v, D) for v, D in z)


def _integer_phase_one(rows: list[list[int]], n: int) -> list[tuple[int, int]] | None:
    """:func:`nonnegative_solution` of integer rows [M_i | q_i], each z_j as (numerator,
    denominator)."""
    return _simplex(rows, n, False)[0]


def _simplex(rows: list[list[int]], n: int, dual: bool
             ) -> tuple[list[tuple[int, int]] | None, list[int] | None]:
    """(:func:`_integer_phase_one`, and when it is ``None`` and ``dual`` is set, a Farkas
    certificate: integers y with y·M_j ≤ 0 for every column j and y·q > 0).

    The certificate is the final simplex multipliers: with ``dual`` the r columns of the
    artificial variables ride along in the tableau (never entering again), where the reduced
    cost of artificial i is 1 − y_i; at the end no column has a negative reduced cost
    (y·M'_j ≤ 0, M' the rows made q ≥ 0) and the objective y·q' is positive. Undoing the row
    signs gives y for [M | q]; it is scaled by the positive determinant D to integers.
    """
    r = len(rows)
    if not r:
        return [(0, 1)] * n, None
    signs = [-1 if row[-1] < 0 else 1 for row in rows]
    rows = [[-v for v in row] if row[-1] < 0 else list(row) for row in rows]
    if dual:    # the artificials' columns, before q
        rows = [row[:-1] + [int(i == k) for k in range(r)] + row[-1:]
                for i, row in enumerate(rows)]
    # The artificial variables (basis n + i) have no columns: one that leaves the basis is
    # dropped for good, which keeps the test exact (the system is feasible iff the artificials
    # can all be 0, so fixing a nonbasic one at 0 loses nothing) and the rows short.
    basis = [n + i for i in range(r)]
    # the cost row of "minimise the artificials' sum", last entry minus its value, over D
    cost = [-sum(column) for column in zip(*rows)]
    if dual:
        cost[n:-1] = [0] * r     # 1 − 1: the artificials are the basis
    D = 1
    bland = False
    while cost[-1]:      # the artificials' sum is −cost[-1]/D; at 0 the basis is feasible
        if bland:
            entering = next((j for j in range(n) if cost[j] < 0), None)
        else:    # Dantzig's rule: the most negative reduced cost (usually fewer pivots)
            least = min(cost[:n], default=0)
            entering = cost.index(least) if least < 0 else None
        if entering is None:
            break
        leaving = None
        for i, row in enumerate(rows):
            if row[entering] > 0:
                if leaving is None:
                    leaving = i
                    continue
                best = rows[leaving]
                left, right = row[-1] * best[entering], best[-1] * row[entering]
                if left < right or (left == right and basis[i] < basis[leaving]):
                    leaving = i
        pivot_row = rows[leaving]
        p = pivot_row[entering]
        # Dantzig's rule may cycle, but only through degenerate pivots (the objective stays);
        # strictly improving pivots never revisit a basis, so after the first degenerate one
        # Bland's rule takes over, and the simplex terminates
        bland = bland or pivot_row[-1] == 0
        for i, row in enumerate(rows):
            if i != leaving:
                f = row[entering]
                if f:
                    if D == 1:
                        rows[i] = [p * v - f * w for v, w in zip(row, pivot_row)]
                    else:
                        rows[i] = [(p * v - f * w) // D for v, w in zip(row, pivot_row)]
                elif p != D:     # the same update with f = 0, cheaper
                    rows[i] = [p * v // D for v in row]
        f = cost[entering]
        cost = [(p * v - f * w) // D for v, w in zip(cost, pivot_row)]
        D = p
        basis[leaving] = entering
    if cost[-1] != 0:
        if not dual:
            return None, None
        return None, [s * (D - c) for s, c in zip(signs, cost[n:-1])]
    z = [(0, 1)] * n
    for i, j in enumerate(basis):
        if j < n:
            z[j] = (rows[i][-1], D)
    return z, None


def interior_point(A: Sequence[Sequence[Any]], c: Sequence[Any]) -> tuple[Fraction, ...] | None:
    """A point x with A x + c > 0 (every row strictly), or ``None`` when there is none.

    {A x + c > 0} is nonempty iff some (y, τ) with τ ≥ 1 has A y + c τ ≥ 1 (scale a solution x
    by 1/min(Ax + c); conversely x = y/τ): one phase-one simplex on
    A y⁺ − A y⁻ + c τ' − s = 1 − c, all unknowns ≥ 0, τ = 1 + τ'.
    """
    m = len(A)
    d = len(A[0]) if m else 0
    if m == 0:
        return tuple(Fraction(0) for _ in range(d))
    A = [[to_rational(v) for v in row] for row in A]
    c = [to_rational(v) for v in c]
    M = [row + [-v for v in row] + [ci] + [Fraction(-int(k == i)) for k in range(m)]
         for i, (row, ci) in enumerate(zip(A, c))]
    z = nonnegative_solution(M, [1 - ci for ci in c])
    if z is None:
        return None
    tau = 1 + z[2 * d]
    return tuple((z[k] - z[d + k]) / tau for k in range(d))


def positive_relation(vectors: Sequence[Sequence[Any]]) -> bool:
    """Is there y > 0 (every entry) with Σ y_i a_i = 0? (y = 1 + u, u ≥ 0: one phase one.)

    With rank d, this says the vectors positively span R^d: the cone {v : a_i·v ≥ 0 ∀i} is
    {0}, so the polyhedron {a_i·x + c_i > 0} is bounded.
    """
    if not vectors:
        return False
    d = len(vectors[0])
    if all(type(v) is int for a in vectors for v in a):   # integer normals: no conversion
        M = [[a[k] for a in vectors] for k in range(d)]
        return _integer_phase_one([row + [-sum(row)] for row in M], len(vectors)) is not None
    M = [[to_rational(a[k]) for a in vectors] for k in range(d)]
    q = [-sum(row, Fraction(0)) for row in M]
    return nonnegative_solution(M, q) is not None


def recession_direction(vectors: Sequence[Sequence[int]]) -> tuple[int, ...] | None:
    """:func:`positive_relation` of integer vectors, with the proof when it fails: ``None``
    when some y > 0 has Σ y_i a_i = 0, else an integer v with a_i·v ≥ 0 for every i and
    Σ a_i·v > 0 (so v ≠ 0: a direction of the recession cone of {a_i·x + c_i > 0}, which is
    then unbounded).

    Farkas' lemma on the phase one of :func:`positive_relation` (Σ u_i a_i = −Σ a_i, u ≥ 0):
    its multipliers y have y·a_i ≤ 0 and −Σ y·a_i > 0 (:func:`_simplex`); v = −y.

    >>> recession_direction([[1, 0], [-1, 0], [0, 1], [0, -1]]) is None
    True
    >>> recession_direction([[1, 0], [0, 1], [-1, 1]])
    (0, 1)
    """
    d = len(vectors[0])
    M = [[a[k] for a in vectors] for k in range(d)]
    z, y = _simplex([row + [-sum(row)] for row in M], len(vectors), True)
    if z is not None:
        return None
    g = math.gcd(*y)
    return tuple(-v // g for v in y)


def implied_positive(walls: Sequence[tuple], h: tuple) -> bool:
    """Is h(x) = u·x + c > 0 at every point of the open polyhedron P = {a_i·x + c_i > 0}, given
    as integer pairs ``walls`` = [(a_i, c_i)] and ``h`` = (u, c) with u ≠ 0, P assumed nonempty?

    Equivalently: the hyperplane h = 0 misses P, P lying on its positive side. By the affine
    Farkas lemma (P nonempty), h ≥ 0 on the closure of P iff h = μ + Σ λ_i (a_i·x + c_i) for
    some λ, μ ≥ 0; then h > 0 on P itself, since λ ≠ 0 (u ≠ 0) and every a_i·x + c_i > 0
    there. So: one phase one on the d + 1 equations Σ λ_i a_i = u, Σ λ_i c_i + μ = c. Cost: a
    simplex on d + 1 rows and |walls| + 1 unknowns, exact integers.
    """
    if not walls:
        return False
    return _integer_phase_one(_farkas_rows(walls, h), len(walls) + 1) is not None


def _farkas_rows(walls: Sequence[tuple], h: tuple) -> list[list[int]]:
    """[M | q] of the system Σ λ_i a_i = u, Σ λ_i c_i + μ = c in the unknowns (λ, μ)."""
    u, c = h
    rows = [[a[k] for a, _ in walls] + [0, u[k]] for k in range(len(u))]
    rows.append([ci for _, ci in walls] + [1, c])
    return rows


def point_below(walls: Sequence[tuple], h: tuple) -> tuple[tuple[int, ...], int] | None:
    """:func:`implied_positive`, with the proof when it fails: ``None`` when h > 0 on all of P,
    else integers (W, s) with s ≥ 0: for s > 0 the point W/s of the closure of P
    where h < 0; for s = 0 a direction W of its recession cone (a_i·W ≥ 0) along which h
    decreases (u·W < 0).

    When the system of :func:`implied_positive` has no solution, Farkas' lemma gives (v, t)
    with v·a_i + t·c_i ≤ 0 for every i, t ≤ 0 (the column of μ) and v·u + t·c > 0 — the
    simplex multipliers of phase one (:func:`_simplex`); (W, s) = −(v, t). Same simplex as
    :func:`implied_positive`, with d + 1 more columns.

    >>> square = [((1, 0), 0), ((-1, 0), 1), ((0, 1), 0), ((0, -1), 1)]   # 0 < x, y < 1
    >>> point_below(square, ((1, 1), 0)) is None
    True
    >>> W, s = point_below(square, ((1, 1), -1))   # x + y − 1 < 0 at a corner of the square
    >>> s > 0 and W[0] + W[1] - s < 0 and all(0 <= w <= s for w in W)
    True
    >>> point_below([((1, 0), 0)], ((1, 1), 0))    # x > 0: h = x + y goes down along (0, −1)
    ((0, -1), 0)
    """
    if not walls:    # P is all of R^d: h decreases along −u
        return tuple(-x for x in h[0]), 0
    z, y = _simplex(_farkas_rows(walls, h), len(walls) + 1, True)
    if z is not None:
        return None
    g = math.gcd(*y)
    return tuple(-v // g for v in y[:-1]), -y[-1] // g

