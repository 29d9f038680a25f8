"""The cells of an arrangement inside an open polyhedron, exactly, in integers.

Some hyperplanes are *walls* with a required side (they cut out the open polyhedron C), the
others are *cuts*. The cells of the cuts inside C are the cells of the whole arrangement lying
on the required side of every wall. They are found by the incremental restriction of
:mod:`relugeom.arrangement.cells`, *pruned*: a cell on the wrong side of a wall is dropped the
moment that wall is inserted, and the restriction to a hyperplane H is enumerated with the
restricted walls as walls, so only cells inside C ∩ H are ever built. Why this is right: a
cell K of the first k hyperplanes that lies inside the first walls meets H exactly when K ∩ H
is a cell of the restriction lying inside the restricted walls (restriction keeps the sides);
a wall parallel to H with H on its wrong side leaves nothing to split.

Walls are inserted first, so the enumeration narrows to C at once; a wall every current point
already satisfies costs one evaluation, another one pruned enumeration one dimension down,
which finds at most one cell. Given a point of C the walls are not inserted at all, and the
restriction to a cut H starts from a point of C ∩ H whenever the cells' points (or known points
of C's boundary) lie on both sides of H — where a segment between them crosses it — so its
walls cost nothing either. When no known point sees H (from dimension ``LP_FROM`` on), a
Farkas certificate decides, one small exact simplex (:func:`relugeom.linalg.lp.point_below`):
either H misses C — it is left out, and never restricted again — or the certificate gives a
point of C's closure (or a recession direction) beyond H, hence a start on C ∩ H. Below that
dimension such a cut is enumerated from scratch (walls inserted, up to O(W^(d−1)) for W walls),
which in the plane is a sort. The cost is then about that of the shallow enumeration of the
cells *inside* C, O(d²·H) integer operations per cell. Points are kept short, since each is
built from others and sizes add up along a chain of insertions: starts rounded to dyadic
numbers when that keeps them inside, steps off a hyperplane by powers of two, and dyadic points
between the roots on a line. Everything is integer: hyperplanes are primitive integer pairs
and points ``(X, D)`` (:mod:`relugeom.arrangement.restriction`).

>>> square = [((1, 0), 0), ((1, 0), -2), ((0, 1), 0), ((0, 1), -2)]   # 0 < x, y < 2
>>> diagonal = ((1, 1), -2)
>>> sorted(bits for bits, _ in cells_within(square + [diagonal], [1, -1, 1, -1, 0], 2))
[5, 21]
"""

from __future__ import annotations

import math
from operator import mul
from typing import Sequence

from ..linalg.lp import point_below
from .cells import _dyadic_step, _lifted_side, _push_off, _side_masks
from .restriction import (Hyperplane, Point, evaluate, lift, pivot, reduce_point, restrict,
                          restrict_to_line)

# the dimension from which a cut no known point sees is decided by a simplex
# (:func:`_far_point`); below it, by the enumeration of its trace from scratch, which in the
# plane is a sort and costs less (measured, benchmarks/bench_deep_regions.py)
LP_FROM = 4


def restricted_requirements(mapping: list, required: Sequence[int]) -> list[int] | None:
    """The required sides of the restricted hyperplanes, or ``None`` when no point of H
    satisfies them (a parallel wall on the wrong side, or two walls asking opposite sides of
    one restricted hyperplane)."""
    n = 1 + max((idx for idx, _ in mapping if idx is not None), default=-1)
    out = [0] * n
    for (idx, o), r in zip(mapping, required):
        if not r:
            continue
        if idx is None:
            if o != r:
                return None
        else:
            want = r * o
            if out[idx] and out[idx] != want:
                return None
            out[idx] = want
    return out


def cells_within(hyperplanes: Sequence[Hyperplane], required: Sequence[int], dim: int,
                 start: Point | None = None, hint: Point | None = None,
                 boundary: Sequence[Point] = ()) -> list[tuple[int, Point]]:
    """Every cell of the distinct ``hyperplanes`` (in R^dim) on the required sides, as
    ``(side bits, interior point)``.

    ``required[K]`` is +1 or −1 for a wall (the cell must lie on that side of hyperplane K) and
    0 for a cut. Bit K of the side bits is set when the cell is on the positive side of K.
    ``start``, a point strictly on the required side of every wall: the enumeration starts from
    the open polyhedron the walls cut out, and only the cuts are inserted. Without it the walls
    are inserted too (walls first is fast), from ``hint`` (any point; the origin by default).
    ``boundary``: points of the closed polyhedron (say on its facets), which help find where a
    cut meets it.
    """
    if dim == 0:
        return [(0, ((), 1))]
    if dim == 1:
        return _line(hyperplanes, required)
    if start is not None:
        inserted = [K for K, r in enumerate(required) if r]
        cells = {sum(1 << K for K in inserted if required[K] > 0): start}
        order = [K for K, r in enumerate(required) if not r]
    else:
        inserted, order = [], range(len(hyperplanes))
        cells = {0: hint if hint is not None else ((0,) * dim, 1)}
    fixed = 0   # the sides of the cuts found to miss the polyhedron the cells tile
    for k in order:
        if not cells:
            return []
        cells, missed = _insert(hyperplanes, required, inserted, k, cells, boundary)
        if missed is None:
            inserted.append(k)
        else:
            fixed |= missed
    if fixed:
        return [(bits | fixed, point) for bits, point in cells.items()]
    return list(cells.items())


def cells_meeting(hyperplanes: Sequence[Hyperplane], required: Sequence[int], dim: int,
                  start: Point, boundary: Sequence[Point] = ()) -> list[tuple[int, Point]]:
    """:func:`cells_within` from ``start`` (a point strictly inside the walls' polyhedron P),
    each cut that misses P left out as soon as it is seen to.

    A cut that misses P splits nothing, yet inserting it costs an enumeration one dimension
    down (and it is restricted again in every later one). A cut meets P when a known point is
    on it, or two lie on opposite sides: the cells' points so far (inside P), or a cell's and
    a ``boundary`` point (of the closure of P) — the open segment between them is inside P.
    Otherwise a Farkas certificate decides (:func:`relugeom.linalg.lp.point_below`, exact):
    either P lies on one side (the cut is left out, its constant side added to every cell), or
    it gives a point of P on the cut, where the enumeration one dimension down starts. Cost:
    one simplex on d + 1 rows per cut no known point sees.
    """
    return cells_within(hyperplanes, required, dim, start, boundary=boundary)


def _insert(hyperplanes: Sequence[Hyperplane], required: Sequence[int], inserted: list[int],
            k: int, cells: dict[int, Point], boundary: Sequence[Point] = ()
            ) -> tuple[dict[int, Point], int | None]:
    """(The cells after inserting hyperplane k into ``cells``, those of the ``inserted`` ones;
    ``None``), or (``cells``, k's bit on their side) when k misses the open polyhedron P the
    cells tile (cut out by the inserted walls), so that k need not be inserted at all.

    The cells H = hyperplanes[k] splits are those of the restriction to H. That enumeration
    starts from a known point of P ∩ H, so its walls cost nothing: a cell's point on H, or
    where the segment between two points on opposite sides crosses H (P is convex; one point
    may be on its boundary, the crossing is still inside). When every known point is on one
    side, a Farkas certificate (:func:`relugeom.linalg.lp.point_below`, one exact simplex on
    d + 1 rows) either proves that H misses P, or gives a point of its closure (or a direction
    of its recession cone) on the far side of H, hence a point of P ∩ H; below dimension
    ``LP_FROM`` the restriction is enumerated from scratch instead, from the projection of a
    cell's point. A wall every cell's point already satisfies changes no cell.
    """
    H, r = hyperplanes[k], required[k]
    bit = 1 << k
    values = _values(H, cells)
    if r and all((v > 0) == (r > 0) and v for v in values.values()):
        return {bits | bit if r > 0 else bits: point for bits, point in cells.items()}, None
    previous = [hyperplanes[K] for K in inserted]
    walls = [required[K] for K in inserted]
    if len(H[0]) == 2:
        split = _split_in_plane(H, previous, walls, inserted)
    else:
        start = _trace_point(H, cells, values, boundary)
        if start is None and len(H[0]) < LP_FROM:
            split = _split(H, previous, walls, inserted, None,
                           _drop(next(iter(cells.values())), pivot(H)))
            return _grow(cells, split, values, bit, r), None
        if start is None:
            bits, point = next(iter(cells.items()))
            oriented = [(tuple(required[K] * u for u in hyperplanes[K][0]),
                         required[K] * hyperplanes[K][1]) for K in inserted if required[K]]
            start = _far_point(oriented, H, point, values[bits])
            if start is None:       # P is on the cells' side of H
                if r:
                    return {}, None
                return cells, bit if values[bits] > 0 else 0
            start = _drop(start, pivot(H))
        split = _split(H, previous, walls, inserted, start)
    return _grow(cells, split, values, bit, r), None


def _far_point(walls: list[Hyperplane], H: Hyperplane, point: Point, value: int
               ) -> Point | None:
    """A point of H inside the open polyhedron P = {walls > 0}, given ``point`` in P with
    ``value`` = D·H(point) ≠ 0, or ``None`` when P lies on point's side of H."""
    u, c = H
    s = 1 if value > 0 else -1
    below = point_below(walls, (tuple(s * x for x in u), s * c))
    if below is None:
        return None
    W, t = below
    if t:    # W/t is in the closure of P on the far side: the segment to it crosses H in P
        far = reduce_point(W, t)
        v = evaluate(H, far)
        return crossing(point, value, far, v) if value > 0 else crossing(far, v, point, value)
    # W recedes in P (point + τW stays in P for τ ≥ 0) and H changes sign along it, at
    # τ = −H(point)/(u·W): the point (g·X − value·W)/(g·D), g = u·W
    X, D = point
    g = sum(map(mul, u, W))
    if g < 0:
        return reduce_point([value * w - g * x for x, w in zip(X, W)], -g * D)
    return reduce_point([g * x - value * w for x, w in zip(X, W)], g * D)


def _split(H: Hyperplane, previous: list[Hyperplane], walls: list[int], inserted: list[int],
           start: Point | None, hint: Point | None = None) -> dict[int, tuple[Point, Point]]:
    """{side bits of a cell H splits: (a point of its positive half, one of its negative
    half)}, by enumerating the restriction of the ``previous`` hyperplanes (required sides
    ``walls``, bits ``inserted``) to H, one dimension down, from ``start``, a point of H
    strictly inside the walls (in H's coordinates)."""
    w = H[0]
    restricted, mapping = restrict(previous, H)
    sub_required = restricted_requirements(mapping, walls)
    if sub_required is None:
        return {}
    masks = _side_masks(mapping, len(restricted), inserted)
    crossing = []
    for u, c in previous:
        slope = sum(map(mul, u, w))
        if slope:
            crossing.append((u, c, slope))
    split: dict[int, tuple[Point, Point]] = {}
    if start is not None:
        start = _simpler(start, restricted, sub_required)
    for bits, point in cells_within(restricted, sub_required, len(w) - 1, start, hint):
        split[_lifted_side(bits, masks)] = _push_off(lift(point, H), w, crossing, _dyadic_step)
    return split


def _simpler(point: Point, hyperplanes: list[Hyperplane], required: list[int]) -> Point:
    """A point strictly inside the same walls as ``point`` with small numbers: its coordinates
    rounded to multiples of 2^−k for the first k in 0, 1, 2, 4, 8, … that keeps it on the
    required side of every wall (``point`` itself when none shorter does).

    Why: the enumeration's points are built from one another (crossings, midpoints), so their
    sizes add up along a chain of insertions; a start with short numbers keeps every cell
    grown from it short. Checked exactly, so any rounding rule would be correct."""
    X, D = point
    size = D.bit_length()
    walls = [(u, c, r) for (u, c), r in zip(hyperplanes, required) if r]
    k = 0
    while k < size:
        S = 1 << k
        Y = [(2 * x * S + D) // (2 * D) for x in X]
        if all(_strictly_on(sum(map(mul, u, Y)) + c * S, r) for u, c, r in walls):
            return reduce_point(Y, S)
        k = 2 * k if k else 1
    return point


def _strictly_on(value: int, side: int) -> bool:
    """Whether a wall's value is nonzero with the sign of ``side``."""
    return value != 0 and (value > 0) == (side > 0)


def _values(H: Hyperplane, cells: dict[int, Point]) -> dict[int, int]:
    """D·H(X/D) at every cell's point: :func:`evaluate`, inlined (it runs for every cell of
    every insertion)."""
    u, c = H
    return {bits: sum(map(mul, u, X)) + c * D for bits, (X, D) in cells.items()}


def _grow(cells: dict[int, Point], split: dict[int, tuple[Point, Point]],
          values: dict[int, int], bit: int, r: int) -> dict[int, Point]:
    """The cells after inserting the hyperplane of ``bit`` (required side r, 0 for a cut):
    the ``split`` ones halved, the others on the side their point's value says."""
    grown: dict[int, Point] = {}
    for bits, point in cells.items():
        halves = split.get(bits)
        if halves is not None:
            if r >= 0:
                grown[bits | bit] = halves[0]
            if r <= 0:
                grown[bits] = halves[1]
        else:
            positive = values[bits] > 0
            if not r or positive == (r > 0):
                grown[bits | bit if positive else bits] = point
    return grown


def _split_in_plane(H: Hyperplane, previous: list[Hyperplane], walls: list[int],
                    inserted: list[int]) -> dict[int, tuple[Point, Point]]:
    """:func:`_split` in the plane (dim = 2), where the restriction to the line H is direct.

    On H (parametrised by y, :func:`~relugeom.arrangement.restriction.restrict_to_line`) each
    inserted hyperplane K is the affine function s_K·y + v_K: the walls bound an open interval
    (lo, hi) of y, and the cells of the restriction are the intervals between the distinct
    roots of the cuts inside it, swept in order — crossing a root flips the sides of exactly
    the hyperplanes through that point. Roots are compared as integers over the common
    denominator L = lcm |s_K|; nothing is made primitive or merged. A short point of each
    interval (:func:`_between`) is lifted to H and pushed off it as in :func:`_split`; the
    value of K there is s_K·Y + v_K·E at y = Y/E (the lift, kept over the denominator a·E,
    needs no evaluation).
    Same result as :func:`_split`, cells and points alike. Cost: O(k log k) for the sweep and
    O(k) integer operations per interval.
    """
    w = H[0]
    restricted = restrict_to_line(previous, H)
    slopes = [s for s, _ in restricted if s]
    L = math.lcm(*slopes) if slopes else 1      # math.lcm is nonnegative
    lo = hi = None               # the walls' interval, its ends as integers over L
    base = 0                     # the bits fixed on all of (lo, hi)
    roots = []                   # (root over L, bit, positive beyond the root?)
    for K, want, (s, v) in zip(inserted, walls, restricted):
        if not s:                # parallel to H: one side all along it
            if want and (v > 0) != (want > 0):
                return {}
            base |= (1 << K) if v > 0 else 0
            continue
        root = -v * (L // s)     # s·y + v > 0 iff y > root/L (s > 0) or y < root/L (s < 0)
        if want:
            if (want > 0) == (s > 0):
                lo = root if lo is None or root > lo else lo
            else:
                hi = root if hi is None or root < hi else hi
            base |= (1 << K) if want > 0 else 0
        else:
            roots.append((root, K, s > 0))
    if lo is not None and hi is not None and lo >= hi:
        return {}
    inside = []
    for root, K, up in roots:
        if lo is not None and root <= lo:
            base |= (1 << K) if up else 0
        elif hi is not None and root >= hi:
            base |= 0 if up else (1 << K)
        else:
            inside.append((root, K, up))
            base |= 0 if up else (1 << K)       # its side below its root
    inside.sort()
    a, j = (w[0], 1) if w[0] else (w[1], 0)
    b, wj = H[1], w[j]
    crossing = []                # (slope along y, value on H, slope along w) of the others
    for (u, c), (s, v) in zip(previous, restricted):
        slope = u[0] * w[0] + u[1] * w[1]
        if slope:
            crossing.append((s, v, slope))
    split: dict[int, tuple[Point, Point]] = {}
    bits, n, t = base, len(inside), 0
    p = lo
    while True:
        q = inside[t][0] if t < n else hi
        Y, E = _between(p, q, L)
        split[bits] = _push_off_line(Y, E, a, j, b, wj, w, crossing)
        if t == n:
            break
        p = q
        while t < n and inside[t][0] == p:     # every hyperplane through this point flips
            bits ^= 1 << inside[t][1]
            t += 1
    return split


def _between(p: int | None, q: int | None, L: int) -> tuple[int, int]:
    """A short number strictly between p/L and q/L (p < q; ``None``: no bound), as (Y, E):
    the integer next to the bound if only one is given (0 if none), else Y/2^k with the
    least k — a dyadic fraction, whose numbers grow only with how close p and q are, not
    with L. Exact integer comparisons."""
    if p is None:
        return (0, 1) if q is None else (-((-q) // L) - 1, 1)    # ⌈q/L⌉ − 1
    if q is None:
        return p // L + 1, 1
    k = 0
    while True:
        Y = (p << k) // L + 1          # the least Y with Y/2^k > p/L
        if Y * L < q << k:
            return Y, 1 << k
        k += 1


def _push_off_line(Y: int, E: int, a: int, j: int, b: int, wj: int, w: tuple,
                   crossing: list) -> tuple[Point, Point]:
    """:func:`~relugeom.arrangement.cells._push_off` of the point of the line H over y = Y/E:
    its lift is X/(a·E) with X_j = a·Y and X_i = −(b·E + w_j·Y), where K has the value
    s_K·Y + v_K·E (times a·E)."""
    X = [0, 0]
    X[j] = a * Y
    X[1 - j] = -(b * E + wj * Y)
    up = down = None
    for s, v, slope in crossing:
        value = s * Y + v * E
        num, den = abs(value), abs(slope)
        if (value > 0) != (slope > 0):
            if up is None or num * up[1] < up[0] * den:
                up = (num, den)
        elif down is None or num * down[1] < down[0] * den:
            down = (num, den)
    return _dyadic_step(X, a * E, w, up, 1), _dyadic_step(X, a * E, w, down, -1)


def _trace_point(H: Hyperplane, cells: dict[int, Point], values: dict[int, int],
                 boundary: Sequence[Point] = ()) -> Point | None:
    """A point of H strictly inside the polyhedron P the cells tile, in the coordinates of H
    (its pivot coordinate dropped), or None when no known point lies on H or beyond it. A
    segment from a point inside P (a cell's) to one of its closure (a ``boundary`` point)
    crosses H inside P."""
    i = pivot(H)
    above = below = None
    for bits, v in values.items():
        if v == 0:
            return _drop(cells[bits], i)
        if v > 0 and above is None:
            above = cells[bits], v
        elif v < 0 and below is None:
            below = cells[bits], v
        if above is not None and below is not None:
            return _drop(crossing(*above, *below), i)
    inside = above or below
    for point in boundary:
        v = evaluate(H, point)
        if v and (v > 0) != (inside[1] > 0):
            return _drop(crossing(point, v, *inside) if v > 0 else
                         crossing(*inside, point, v), i)
    return None


def _drop(point: Point, i: int) -> Point:
    X, D = point
    return reduce_point(X[:i] + X[i + 1:], D)


def crossing(p: Point, fp: int, q: Point, fq: int) -> Point:
    """The point where the segment from p = X/D to q = Y/E meets H, given fp = D·H(p) > 0 and
    fq = E·H(q) < 0: p + t (q − p) with t = H(p) / (H(p) − H(q))."""
    (X, D), (Y, E) = p, q
    a, b = fp * E, -fq * D            # D·E·H(p) > 0 and −D·E·H(q) > 0
    # (b·p + a·q) / (a + b), over the denominator D·E·(a + b)
    return reduce_point([b * x * E + a * y * D for x, y in zip(X, Y)], D * E * (a + b))


def _line(hyperplanes: Sequence[Hyperplane], required: Sequence[int]
          ) -> list[tuple[int, Point]]:
    """On the line, hyperplanes are points a·x + c = 0 (a > 0, x > −c/a on the positive side):
    the walls leave an interval (lo, hi), the cuts inside it split it. Every root is written
    over the common denominator L = lcm(a), so the roots are compared as integers."""
    if not hyperplanes:
        return [(0, ((0,), 1))]
    L = math.lcm(*(u[0] for u, _ in hyperplanes))
    lo = hi = None
    base, free = 0, []
    for K, ((a,), c) in enumerate(hyperplanes):
        root, r = -c * (L // a), required[K]     # the root is root / L
        if r > 0:
            base |= 1 << K
            lo = root if lo is None or root > lo else lo
        elif r < 0:
            hi = root if hi is None or root < hi else hi
        else:
            free.append((root, K))
    if lo is not None and hi is not None and lo >= hi:
        return []
    inside = []
    for root, K in free:
        if lo is not None and root <= lo:
            base |= 1 << K
        elif hi is None or root < hi:
            inside.append((root, K))
    inside.sort()
    stops = [root for root, _ in inside]
    out, bits = [], base
    for i, (p, q) in enumerate(zip([lo] + stops, stops + [hi])):
        Y, E = _between(p, q, L)
        out.append((bits, ((Y,), E)))
        if i < len(inside):
            bits |= 1 << inside[i][1]
    return out
