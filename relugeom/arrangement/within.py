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
walls cost nothing either; only a cut missing C, or cutting off a corner no known point sees,
is enumerated from scratch (walls inserted, up to O(W^(d−1)) for W walls). Otherwise the cost
is about that of the shallow enumeration of the cells *inside* C, O(d²·H) integer operations
per cell. :func:`cells_meeting` first leaves out the cuts missing C, each proved to miss by a
Farkas certificate (one small exact simplex, :mod:`relugeom.linalg.lp`). Everything is integer:
hyperplanes are primitive integer pairs and points ``(X, D)``
(:mod:`relugeom.arrangement.restriction`).

>>> square = [((1, 0), 0), ((1, 0), -2), ((0, 1), 0), ((0, 1), -2)]   # 0 < x, y < 2
>>> diagonal = ((1, 1), -2)
>>> sorted(bits for bits, _ in cells_within(square + [diagonal], [1, -1, 1, -1, 0], 2))
[5, 21]
"""

from __future__ import annotations

import math
from operator import mul
from typing import Sequence

from ..linalg.lp import implied_positive
from .cells import _lifted_side, _push_off, _side_masks
from .restriction import Hyperplane, Point, evaluate, lift, pivot, reduce_point, restrict


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
    for k in order:
        if not cells:
            return []
        cells = _insert(hyperplanes, required, inserted, k, cells, boundary)
        inserted.append(k)
    return list(cells.items())


def cells_meeting(hyperplanes: Sequence[Hyperplane], required: Sequence[int], dim: int,
                  start: Point, boundary: Sequence[Point] = ()) -> list[tuple[int, Point]]:
    """:func:`cells_within` from ``start`` (a point strictly inside the walls' polyhedron P),
    the cuts that miss P decided first and left out.

    A cut that misses P splits nothing, yet inserting it costs an enumeration one dimension
    down (and it is restricted again in every later one). A cut meets P when ``start`` is on
    it, or ``start`` and a ``boundary`` point (of the closure of P) lie on opposite sides (the
    open segment between them is inside P); otherwise P lies on start's side of it iff a Farkas
    certificate exists (:func:`relugeom.linalg.lp.implied_positive`, exact), and when none
    does it meets P after all. Only the cuts meeting P are enumerated; the others add their
    constant side to every cell. Cost: one simplex on d + 1 rows per cut no known point sees.
    """
    walls = [K for K, r in enumerate(required) if r]
    oriented = [([required[K] * u for u in hyperplanes[K][0]], required[K] * hyperplanes[K][1])
                for K in walls]
    keep, fixed = list(walls), 0
    for K, r in enumerate(required):
        if r:
            continue
        H = hyperplanes[K]
        v = evaluate(H, start)
        if v and all(evaluate(H, q) * v >= 0 for q in boundary):
            s = 1 if v > 0 else -1
            if implied_positive(oriented, ([s * u for u in H[0]], s * H[1])):
                fixed |= (1 << K) if s > 0 else 0
                continue
        keep.append(K)
    if len(keep) == len(hyperplanes):
        return cells_within(hyperplanes, required, dim, start, boundary=boundary)
    out = []
    for bits, point in cells_within([hyperplanes[K] for K in keep], [required[K] for K in keep],
                                    dim, start, boundary=boundary):
        full = fixed
        for t, K in enumerate(keep):
            if bits >> t & 1:
                full |= 1 << K
        out.append((full, point))
    return out


def _insert(hyperplanes: Sequence[Hyperplane], required: Sequence[int], inserted: list[int],
            k: int, cells: dict[int, Point], boundary: Sequence[Point] = ()
            ) -> dict[int, Point]:
    """The cells after inserting hyperplane k into ``cells``, those of the ``inserted`` ones.

    The cells H = hyperplanes[k] splits are those of the restriction to H. That enumeration
    starts from a known point of the polyhedron's trace on H when the cells' points give one —
    a point on H, or where the segment between two points on opposite sides crosses H (the
    polyhedron is convex; one point may be on its boundary, the crossing is still inside) —
    so its walls cost nothing; otherwise it inserts them from the
    projection of a cell's point. A wall every cell's point already satisfies changes no cell.
    """
    H, r = hyperplanes[k], required[k]
    bit, w = 1 << k, H[0]
    values = {bits: evaluate(H, point) for bits, point in cells.items()}
    if r and all((v > 0) == (r > 0) and v for v in values.values()):
        return {bits | bit if r > 0 else bits: point for bits, point in cells.items()}
    previous = [hyperplanes[K] for K in inserted]
    restricted, mapping = restrict(previous, H)
    sub_required = restricted_requirements(mapping, [required[K] for K in inserted])
    split: dict[int, tuple[Point, Point]] = {}
    if sub_required is not None:
        masks = _side_masks(mapping, len(restricted), inserted)
        crossing = []
        for u, c in previous:
            slope = sum(map(mul, u, w))
            if slope:
                crossing.append((u, c, slope))
        start, hint = _trace_point(H, cells, values, boundary)
        for bits, point in cells_within(restricted, sub_required, len(w) - 1, start, hint):
            split[_lifted_side(bits, masks)] = _push_off(lift(point, H), w, crossing)
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


def _trace_point(H: Hyperplane, cells: dict[int, Point], values: dict[int, int],
                 boundary: Sequence[Point] = ()) -> tuple[Point | None, Point]:
    """(a point of H strictly inside the polyhedron P the cells tile, or None; a hint), both in
    the coordinates of H (its pivot coordinate dropped). A segment from a point inside P (a
    cell's) to one of its closure (a ``boundary`` point) crosses H inside P."""
    i = pivot(H)
    above = below = None
    for bits, v in values.items():
        if v == 0:
            return _drop(cells[bits], i), None
        if v > 0 and above is None:
            above = cells[bits], v
        elif v < 0 and below is None:
            below = cells[bits], v
        if above is not None and below is not None:
            return _drop(crossing(*above, *below), i), None
    inside = above or below
    for point in boundary:
        v = evaluate(H, point)
        if v and (v > 0) != (inside[1] > 0):
            return _drop(crossing(point, v, *inside) if v > 0 else
                         crossing(*inside, point, v), i), None
    return None, _drop(inside[0], i)


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
        if p is None and q is None:
            point = ((0,), 1)
        elif p is None:
            point = reduce_point((q - L,), L)
        elif q is None:
            point = reduce_point((p + L,), L)
        else:
            point = reduce_point((p + q,), 2 * L)
        out.append((bits, point))
        if i < len(inside):
            bits |= 1 << inside[i][1]
    return out
