"""The cells of an arrangement inside an open polyhedron, exactly, with no LP.

Some hyperplanes are *walls* with a required side (they cut out the open polyhedron C), the
others are *cuts*. The cells of the cuts inside C are the cells of the whole arrangement lying
on the required side of every wall. They are found by the incremental restriction of
:mod:`relugeom.arrangement.cells`, *pruned*: a cell on the wrong side of a wall is dropped the
moment that wall is inserted, and the restriction to a hyperplane H is enumerated with the
restricted walls as walls, so only cells inside C ∩ H are ever built. Why this is right: a
cell K of the first k hyperplanes that lies inside the first walls meets H exactly when K ∩ H
is a cell of the restriction lying inside the restricted walls (restriction keeps the sides);
a wall parallel to H with H on its wrong side leaves nothing to split.

Walls are inserted first, so the enumeration narrows to C at once; a wall costs one pruned
enumeration one dimension down, which finds at most one cell. The cost is about that of the
shallow enumeration of the cells *inside* C, O(d²·H) integer operations per cell, plus
O(W^d/d!) for W walls. Everything is integer: hyperplanes are primitive integer pairs and
points ``(X, D)`` (:mod:`relugeom.arrangement.restriction`).

>>> square = [((1, 0), 0), ((1, 0), -2), ((0, 1), 0), ((0, 1), -2)]   # 0 < x, y < 2
>>> diagonal = ((1, 1), -2)
>>> sorted(bits for bits, _ in cells_within(square + [diagonal], [1, -1, 1, -1, 0], 2))
[5, 21]
"""

from __future__ import annotations

import math
from operator import mul
from typing import Sequence

from .cells import _lifted_side, _push_off, _side_masks
from .restriction import Hyperplane, Point, evaluate, lift, reduce_point, restrict


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
                 start: Point | None = None) -> list[tuple[int, Point]]:
    """Every cell of the distinct ``hyperplanes`` (in R^dim) on the required sides, as
    ``(side bits, interior point)``.

    ``required[K]`` is +1 or −1 for a wall (the cell must lie on that side of hyperplane K) and
    0 for a cut. Bit K of the side bits is set when the cell is on the positive side of K.
    Walls should come first (any order is correct; walls first is fast). ``start``, a point
    strictly on the required side of every wall, with the walls first: the enumeration starts
    from the open polyhedron the walls cut out, and only the cuts are inserted.
    """
    if dim == 0:
        return [(0, ((), 1))]
    if dim == 1:
        return _line(hyperplanes, required)
    cells: dict[int, Point] = {0: ((0,) * dim, 1)}
    first = 0
    if start is not None:
        first = next((K for K, r in enumerate(required) if not r), len(required))
        cells = {sum(1 << K for K in range(first) if required[K] > 0): start}
    for k, H in enumerate(hyperplanes):
        if k < first:
            continue
        if not cells:
            return []
        bit, w, r = 1 << k, H[0], required[k]
        previous = hyperplanes[:k]
        restricted, mapping = restrict(previous, H)
        sub_required = restricted_requirements(mapping, required[:k])
        split: dict[int, tuple[Point, Point]] = {}
        if sub_required is not None:
            masks = _side_masks(mapping, len(restricted))
            crossing = []
            for u, c in previous:
                slope = sum(map(mul, u, w))
                if slope:
                    crossing.append((u, c, slope))
            for bits, point in cells_within(restricted, sub_required, dim - 1):
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
                positive = evaluate(H, point) > 0
                if not r or positive == (r > 0):
                    grown[bits | bit if positive else bits] = point
        cells = grown
    return list(cells.items())


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
