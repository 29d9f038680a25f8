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
from .cells import _lifted_side, _push_off, _side_masks, _step
from .restriction import (Hyperplane, Point, evaluate, lift, pivot, reduce_point, restrict,
                          restrict_to_line)


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
    bit = 1 << k
    values = _values(H, cells)
    if r and all((v > 0) == (r > 0) and v for v in values.values()):
        return {bits | bit if r > 0 else bits: point for bits, point in cells.items()}
    previous = [hyperplanes[K] for K in inserted]
    walls = [required[K] for K in inserted]
    if len(H[0]) == 2:
        split = _split_in_plane(H, previous, walls, inserted)
    else:
        split = _split(H, previous, walls, inserted, cells, values, boundary)
    return _grow(cells, split, values, bit, r)


def _split(H: Hyperplane, previous: list[Hyperplane], walls: list[int], inserted: list[int],
           cells: dict[int, Point], values: dict[int, int], boundary: Sequence[Point] = ()
           ) -> dict[int, tuple[Point, Point]]:
    """{side bits of a cell H splits: (a point of its positive half, one of its negative
    half)}, by enumerating the restriction of the ``previous`` hyperplanes (required sides
    ``walls``, bits ``inserted``) to H, one dimension down."""
    w = H[0]
    restricted, mapping = restrict(previous, H)
    sub_required = restricted_requirements(mapping, walls)
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
    return split


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
    denominator L = lcm |s_K|; nothing is made primitive or merged. Each interval's midpoint is
    lifted to H and pushed off it as in :func:`_split`; the value of K there is
    s_K·Y + v_K·E at y = Y/E (the lift, kept over the denominator a·E, needs no evaluation).
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
        if p is None:
            Y, E = (0, 1) if q is None else (q - L, L)
        else:
            Y, E = (p + L, L) if q is None else (p + q, 2 * L)
        g = math.gcd(Y, E)
        Y, E = Y // g, E // g
        split[bits] = _push_off_line(Y, E, a, j, b, wj, w, crossing)
        if t == n:
            break
        p = q
        while t < n and inside[t][0] == p:     # every hyperplane through this point flips
            bits ^= 1 << inside[t][1]
            t += 1
    return split


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
    return _step(X, a * E, w, up, 1), _step(X, a * E, w, down, -1)


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
