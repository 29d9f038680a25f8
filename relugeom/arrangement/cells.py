"""The arrangement of a hidden layer's hyperplanes, and its cells (the activation regions),
exactly.

Hidden neuron j of ``f(x) = V relu(Wx + b) + c`` is active where w_j·x + b_j > 0. When w_j ≠ 0
the boundary is the hyperplane w_j·x + b_j = 0; neurons whose (w_j, b_j) are nonzero multiples
of each other (duplicates, positive rescalings, opposite orientations) share one hyperplane.
A neuron with w_j = 0 is constant: active everywhere when b_j > 0 and nowhere when b_j ≤ 0
(w_j = 0, b_j = 0 counts as inactive: relu(0) = 0, and only signs matter here). It carves
nothing.

A *cell* is a connected component of R^d minus the hyperplanes: a nonempty open polyhedron on
which every neuron has a constant sign, recorded as its activation pattern over all N neurons.
Distinct cells have distinct patterns, so the cells are the activation regions of the network.

Algorithm: incremental construction with restriction, in integer arithmetic, no LP
--------------------------------------------------------------------------------------
Let A_k be the first k distinct hyperplanes and H = H_{k+1}. H splits a cell C of A_k in two
exactly when H meets C, and then C ∩ H is a cell of the *restriction* A_k^H (the hyperplanes
of A_k cut by H, an arrangement in H ≅ R^{d-1}); conversely every cell of A_k^H is C ∩ H for one
cell C. So, recursively enumerating A_k^H (with a point q inside each of its cells):

- the sign vector of q on A_k names the cell C that H splits: it is read off the restricted
  sign vector, with no arithmetic, because restricting keeps orientations;
- q pushed off H along the normal, q ± t·w_H with t half-way to the nearest other hyperplane
  on that line, is an interior point of each half;
- every other cell keeps its point, which lies strictly on one side of H.

This is the deletion–restriction recursion r(A) = r(A − H) + r(A^H) made constructive.
It answers "does H meet the open cell C?" — the question an LP-based method would solve once per
(cell, hyperplane) pair, each an exact simplex in Fractions — for all cells at once, by
enumerating the (d−1)-dimensional restriction, and it never needs a tolerance or a pivoting
rule. A new cell costs O(d·k) integer operations (its point is tested against the k earlier
hyperplanes), and the restrictions repeat this one dimension down, so the total is about
O(d²·N) operations per cell of the result. All hyperplanes are stored as primitive integer
vectors and all points as integer vectors over one positive denominator
(:mod:`relugeom.arrangement.restriction`), so each side test is a few integer multiplications
rather than Fraction arithmetic. Measured (benchmarks/bench_regions.py): about 25,000 cells/s at d = 2 and
8,000–10,000 at d = 5, 6, in pure Python.

Before enumerating, the arrangement is made *essential*: if the normals span only an
r-dimensional space, every cell is (cell of a transversal r-dimensional slice) + (the lineality
space), so the slice on r suitable coordinate axes is enumerated instead.

Boundedness without LP is carried along the construction (see :func:`_enumerate`): the first r
hyperplanes inserted have independent normals, so from then on every cell is pointed and has a
known recession direction when unbounded; when H splits an unbounded cell C, either the facet
C ∩ H is unbounded (then both halves are, sharing its direction) or exactly the half on the side
of C's direction is unbounded. The facet's boundedness comes from the recursive enumeration of
the restriction, itself essential. In the essential slice "bounded" means *relatively bounded*
(bounded modulo the lineality space); a cell is bounded iff it is relatively bounded and the
normals span R^d.

>>> arr = hyperplane_arrangement([[1, 0], [0, 1], [1, 1]], [0, 0, -1])
>>> len(arr.hyperplanes), [c.pattern for c in enumerate_cells(arr)][:3]
(3, [(1, 1, 1), (1, 1, 0), (1, 0, 1)])
>>> sum(c.bounded for c in enumerate_cells(arr))
1
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from operator import mul
from typing import Any, Sequence

import numpy as np

from ..errors import BoundaryError, InputError
from ..exact.numbers import rational_matrix, rational_vector, to_json_number, to_rational
from ..linalg import rank as exact_rank
from ..linalg.modular import random_primes, rank_mod_p
from ..model.patterns import first_zero, integer_rows, product_signs
from ..model.sample import as_sample
from .restriction import (Hyperplane, Point, evaluate, integer_hyperplane, lift, lift_direction,
                          primitive, reduce_point, restrict)

# --- the arrangement -----------------------------------------------------------------------------

@dataclass(frozen=True)
class HyperplaneArrangement:
    """The hyperplanes of N neurons (w_j, b_j) in R^d, duplicates merged.

    ``hyperplanes[h]`` is the canonical integer pair (normal, offset) of a distinct hyperplane
    (see :mod:`relugeom.arrangement.restriction`), in order of first appearance among the
    neurons. For neuron j, ``neuron_hyperplane[j]`` is its hyperplane's index (``None`` when w_j = 0) and
    (w_j, b_j) = ``neuron_orientation[j]·neuron_scale[j]``·(normal, offset). For a constant
    neuron the orientation is +1 if it is always active (b_j > 0), −1 otherwise, and the scale
    is |b_j|.
    """

    W: tuple
    b: tuple
    hyperplanes: tuple
    neuron_hyperplane: tuple
    neuron_orientation: tuple
    neuron_scale: tuple

    @property
    def dimension(self) -> int:
        """d, the dimension of the ambient space."""
        return len(self.W[0]) if self.W else 0

    @property
    def n_neurons(self) -> int:
        return len(self.W)

    @property
    def groups(self) -> tuple[tuple[int, ...], ...]:
        """The neurons of each distinct hyperplane."""
        groups: list[list[int]] = [[] for _ in self.hyperplanes]
        for j, h in enumerate(self.neuron_hyperplane):
            if h is not None:
                groups[h].append(j)
        return tuple(tuple(g) for g in groups)

    @property
    def rank(self) -> int:
        """Rank of the normals: the dimension of the space they span."""
        return exact_rank([u for u, _ in self.hyperplanes], ncols=self.dimension)

    def pattern(self, side: Sequence[int]) -> tuple[int, ...]:
        """The activation pattern (1 = active) on the side ``side[h] = ±1`` of each hyperplane."""
        return tuple(int(o * (1 if h is None else side[h]) > 0)
                     for h, o in zip(self.neuron_hyperplane, self.neuron_orientation))

    def side(self, x: Sequence[Any]) -> tuple[int, ...]:
        """The side ±1 of the point x on each hyperplane (0 where x lies on it)."""
        x = [to_rational(q) for q in x]
        out = []
        for u, c in self.hyperplanes:
            v = sum((p * q for p, q in zip(u, x)), Fraction(c))
            out.append((v > 0) - (v < 0))
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "hyperplanes": [{"normal": list(u), "offset": c, "neurons": list(g)}
                            for (u, c), g in zip(self.hyperplanes, self.groups)],
            "constant_neurons": [j for j, h in enumerate(self.neuron_hyperplane) if h is None],
        }


def _is_exact_matrix(rows: Any) -> bool:
    """A tuple of equally long tuples of Fractions (a network's W, as stored): no conversion."""
    return (isinstance(rows, tuple) and all(isinstance(row, tuple) for row in rows)
            and len({len(row) for row in rows}) <= 1
            and all(type(q) is Fraction for row in rows for q in row))


def hyperplane_arrangement(W: Any, b: Any) -> HyperplaneArrangement:
    """The arrangement of the hyperplanes w_j·x + b_j = 0 (rows of W, entries of b), exactly.

    Entries may be anything :func:`relugeom.exact.numbers.to_rational` reads. Cost: O(N·d).

    >>> arr = hyperplane_arrangement([[2, 0], [-1, 0], [0, 0]], [2, -1, 3])
    >>> arr.hyperplanes, arr.neuron_hyperplane, arr.neuron_orientation
    ((((1, 0), 1),), (0, 0, None), (1, -1, 1))
    """
    W = W if _is_exact_matrix(W) else rational_matrix(W, "W")
    b = b if _is_exact_matrix((b,)) and len(b) == len(W) else rational_vector(b, "b", len(W))
    if not W:
        raise InputError("W has no rows: the arrangement needs at least one neuron")
    index: dict[Hyperplane, int] = {}
    hyperplanes: list[Hyperplane] = []
    where, orientation, scale = [], [], []
    for w, bj in zip(W, b):
        canonical = integer_hyperplane(w, bj)
        if canonical is None:
            where.append(None)
            orientation.append(1 if bj > 0 else -1)
            scale.append(abs(bj))
            continue
        key, o, lam = canonical
        if key not in index:
            index[key] = len(hyperplanes)
            hyperplanes.append(key)
        where.append(index[key])
        orientation.append(o)
        scale.append(lam)
    return HyperplaneArrangement(W, b, tuple(hyperplanes), tuple(where), tuple(orientation),
                                 tuple(scale))


# --- cells ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    """One cell (activation region) of an arrangement.

    ``pattern``: 1/0 per neuron (active/inactive); ``side``: ±1 per distinct hyperplane;
    ``point``: an exact rational point strictly inside (off every hyperplane); ``bounded``;
    ``relatively_bounded``: bounded modulo the directions orthogonal to all normals.
    """

    pattern: tuple
    side: tuple
    point: tuple
    bounded: bool
    relatively_bounded: bool

    def to_dict(self) -> dict[str, Any]:
        return {"pattern": list(self.pattern), "point": [to_json_number(q) for q in self.point],
                "bounded": self.bounded, "relatively_bounded": self.relatively_bounded}


def enumerate_cells(arrangement: HyperplaneArrangement) -> tuple[Cell, ...]:
    """Every cell of the arrangement, with an interior point and boundedness, exactly.

    Sorted by activation pattern, largest first. The number of cells is at most
    Σ_{i≤d} C(H, i) for H distinct hyperplanes. See the module docstring for the algorithm
    (incremental restriction; about d²·H integer operations per cell).

    >>> cells = enumerate_cells(hyperplane_arrangement([[1], [-1]], [0, 1]))
    >>> [(c.pattern, str(c.point[0]), c.bounded) for c in cells]
    [((1, 1), '1/2', True), ((1, 0), '2', False), ((0, 1), '-1', False)]
    """
    return _cells(arrangement, track_bounded=True)


def _cells(arrangement: HyperplaneArrangement, track_bounded: bool) -> tuple[Cell, ...]:
    d = arrangement.dimension
    r, pivots, essential, flips = _essential(arrangement)
    order = _independent_first(essential, r)
    H = len(order)
    position = [0] * H
    for p, h in enumerate(order):
        position[h] = p
    # neuron j is active iff bit position[h] of the side bits equals [o_j·flip_h > 0]; a constant
    # neuron reads an extra bit H that is always set
    reads = [(H, int(o < 0)) if h is None else (position[h], int(o * flips[h] < 0))
             for h, o in zip(arrangement.neuron_hyperplane, arrangement.neuron_orientation)]
    always = 1 << H
    zero = Fraction(0)
    cells = []
    for bits, (Y, D), direction in _enumerate([essential[h] for h in order], r, track_bounded):
        side = tuple(f if bits >> p & 1 else -f for p, f in zip(position, flips))
        bits |= always
        pattern = tuple([(bits >> p & 1) ^ x for p, x in reads])
        point = [zero] * d
        for k, y in zip(pivots, Y):
            point[k] = Fraction(y, D)
        relatively_bounded = track_bounded and direction is None
        cells.append(Cell(pattern, side, tuple(point), relatively_bounded and r == d,
                          relatively_bounded))
    cells.sort(key=lambda cell: cell.pattern, reverse=True)
    return tuple(cells)


def hyperplane_sides(arrangement: HyperplaneArrangement, X: Any,
                     which: Sequence[int] | None = None) -> np.ndarray:
    """The side (−1; 0 on it; +1) of each sample on each distinct hyperplane (or those listed in
    ``which``), exactly, as an int8 n × H array: one exact integer product
    (:func:`relugeom.model.patterns.product_signs`), no Fraction per entry.

    >>> arr = hyperplane_arrangement([[1, 0], [0, 1]], [0, -1])
    >>> hyperplane_sides(arr, [[1, 2], [-1, 1]]).tolist()
    [[1, 1], [-1, 0]]
    """
    X = as_sample(X, arrangement.dimension)
    which = list(range(len(arrangement.hyperplanes)) if which is None else which)
    if not which:
        return np.zeros((len(X), 0), dtype=np.int8)
    normals = [arrangement.hyperplanes[h][0] for h in which]
    offsets = [arrangement.hyperplanes[h][1] for h in which]
    return product_signs(integer_rows(X), integer_rows(normals, last=offsets))


def locate(arrangement: HyperplaneArrangement, cells: Sequence[Cell], X: Any) -> tuple[int, ...]:
    """The index in ``cells`` of the cell containing each sample point.

    A point on a hyperplane belongs to no cell: :class:`~relugeom.errors.BoundaryError` names
    the sample and the first neuron of that hyperplane. (Constant neurons are never a boundary.)
    Cost: one exact integer product n × (d+1) by (d+1) × H, and a look-up per sample.
    """
    index = {cell.side: i for i, cell in enumerate(cells)}
    return tuple(index[side] for side in map(tuple, locate_sides(arrangement, X).tolist()))


def locate_sides(arrangement: HyperplaneArrangement, X: Any) -> np.ndarray:
    """:func:`hyperplane_sides` of every sample, all ±1: a sample on a hyperplane raises
    :class:`~relugeom.errors.BoundaryError` naming it and the first neuron of that hyperplane
    (first such sample, then first hyperplane)."""
    sides = hyperplane_sides(arrangement, X)
    zero = first_zero(sides)
    if zero is not None:
        raise BoundaryError(sample=zero[0], neuron=arrangement.groups[zero[1]][0])
    return sides


def with_box_walls(arrangement: HyperplaneArrangement, lo: Any, hi: Any) -> HyperplaneArrangement:
    """The arrangement with the 2d walls x_i = lo, x_i = hi of the box added, as neurons N, …,
    N + 2d − 1 active inside the box (x_i > lo, x_i < hi): its cells inside the box are the
    cells of the arrangement meeting the box, cut by nothing else.

    >>> len(with_box_walls(hyperplane_arrangement([[1, 1]], [0]), -1, 1).hyperplanes)
    5
    """
    lo, hi = to_rational(lo, "box lower bound"), to_rational(hi, "box upper bound")
    d = arrangement.dimension
    unit = lambda i, s: tuple(Fraction(s * (k == i)) for k in range(d))  # noqa: E731
    walls_W = [unit(i, s) for i in range(d) for s in (1, -1)]   # x_i > lo and x_i < hi
    walls_b = [v for _ in range(d) for v in (-lo, hi)]
    return hyperplane_arrangement(arrangement.W + tuple(walls_W), arrangement.b + tuple(walls_b))


def cells_meeting_box(arrangement: HyperplaneArrangement, lo: Any, hi: Any,
                      cells: Sequence[Cell] | None = None) -> dict[int, tuple[Fraction, ...]]:
    """The cells that meet the box (lo, hi)^d, each with a point of the cell inside the box.

    Returns {index in ``cells``: point}. An open cell meets the open box iff it meets the
    closed box [lo, hi]^d (it is open and the open box is dense in the closed one), so the
    answer is the same for both. Computed exactly by enumerating the arrangement with the 2d
    facet hyperplanes of the box added and keeping the cells inside the box.
    """
    lo, hi = to_rational(lo, "box lower bound"), to_rational(hi, "box upper bound")
    if not lo < hi:
        raise InputError(f"the box needs lo < hi, got lo = {lo} and hi = {hi}")
    if cells is None:
        cells = enumerate_cells(arrangement)
    N = arrangement.n_neurons
    boxed = with_box_walls(arrangement, lo, hi)
    index = {cell.pattern: i for i, cell in enumerate(cells)}
    found: dict[int, tuple[Fraction, ...]] = {}
    for cell in _cells(boxed, track_bounded=False):
        if all(cell.pattern[N:]):
            found.setdefault(index[cell.pattern[:N]], cell.point)
    return dict(sorted(found.items()))


# --- the integer machinery -----------------------------------------------------------------------

def _essential(arrangement: HyperplaneArrangement
               ) -> tuple[int, list[int], list[Hyperplane], list[int]]:
    """A transversal slice: rank r, its coordinate axes, the hyperplanes on it and orientations.

    The pivot columns P of the normal matrix are r coordinates on which the normals are
    independent, so the slice S = {x : x_j = 0 for j ∉ P} meets the lineality space only in 0
    and each cell C = (C ∩ S) + lineality. Restricted to S a hyperplane keeps its identity but
    its canonical sign may flip; ``flips[h]`` is that orientation.
    """
    d = arrangement.dimension
    normals = [u for u, _ in arrangement.hyperplanes]
    if len(normals) >= d and _rank_mod_p(normals) == d:   # rank mod p ≤ rank ≤ d: essential
        return d, list(range(d)), list(arrangement.hyperplanes), [1] * len(normals)
    pivots: list[int] = []
    if normals:
        for j in range(d):
            candidate = pivots + [j]
            if exact_rank([[u[k] for k in candidate] for u in normals]) == len(candidate):
                pivots = candidate
    if len(pivots) == d:
        return d, pivots, list(arrangement.hyperplanes), [1] * len(normals)
    essential, flips = [], []
    for u, c in arrangement.hyperplanes:
        hyperplane, orientation = primitive([u[k] for k in pivots], c)
        essential.append(hyperplane)
        flips.append(orientation)
    return len(pivots), pivots, essential, flips


def _rank_mod_p(rows: list) -> int:
    """The rank of integer rows modulo a 21-bit prime: a lower bound of their rank over Q."""
    p = random_primes(1, seed=0)[0]
    return rank_mod_p(np.array([[u % p for u in row] for row in rows], dtype=float), p)


def _side_masks(mapping: list[tuple[int | None, int]], n_restricted: int,
                positions: Sequence[int] | None = None) -> tuple[int, list[int], list[int]]:
    """Bit masks translating a side vector of a restriction into one of the full arrangement.

    Bit K of a side vector is set when the point is on the positive side of hyperplane K;
    ``mapping[i]`` is hyperplane ``positions[i]``'s (default: i's) restriction.
    """
    const, pos, neg = 0, [0] * n_restricted, [0] * n_restricted
    for K, (idx, o) in zip(range(len(mapping)) if positions is None else positions, mapping):
        if idx is None:
            if o > 0:
                const |= 1 << K
        elif o > 0:
            pos[idx] |= 1 << K
        else:
            neg[idx] |= 1 << K
    return const, pos, neg


def _lifted_side(bits: int, masks: tuple[int, list[int], list[int]]) -> int:
    const, pos, neg = masks
    side = const
    for idx in range(len(pos)):
        side |= pos[idx] if bits >> idx & 1 else neg[idx]
    return side


def _independent_first(hyperplanes: list[Hyperplane], dim: int) -> list[int]:
    """An order of the hyperplanes whose first ``dim`` normals are linearly independent.

    Greedy, with fraction-free elimination; assumes the normals span R^dim.
    """
    basis: list[tuple[int, list[int]]] = []
    chosen: list[int] = []
    for idx, (u, _) in enumerate(hyperplanes):
        if len(chosen) == dim:
            break
        v = list(u)
        for p, e in basis:
            if v[p]:
                v = [e[p] * x - v[p] * y for x, y in zip(v, e)]
        if any(v):
            g = math.gcd(*v)
            v = [x // g for x in v]
            basis.append((next(k for k, x in enumerate(v) if x), v))
            chosen.append(idx)
    taken = set(chosen)
    return chosen + [idx for idx in range(len(hyperplanes)) if idx not in taken]


def _enumerate(hyperplanes: list[Hyperplane], dim: int, track: bool
               ) -> list[tuple[int, Point, tuple | None]]:
    """All cells of distinct hyperplanes in R^dim as (side bits, interior point, direction).

    Bit K of the side bits is set when the cell is on the positive side of hyperplane K.
    With ``track``, the arrangement must be essential with its first ``dim`` normals
    independent, and ``direction`` is a nonzero recession direction of an unbounded cell, or
    ``None`` for a bounded one; without it, directions are meaningless.

    Boundedness is carried along the construction. From step ``dim`` on, A_k is essential and
    its cells are pointed. If H splits C, with F = C ∩ H: C bounded ⇒ both halves bounded;
    F unbounded ⇒ both halves unbounded (a direction of F lies in both); F bounded ⇒ the
    recession cone of C meets H only in 0, so its nonzero vectors (a connected set, C being
    pointed) lie strictly on one side of H, the side of C's known direction u_C, and exactly
    that half is unbounded. Before step ``dim`` the cells are the 2^dim orthants of the first
    ``dim`` hyperplanes, with direction U^{-1}s (U: their normals; s: the cell's signs).
    """
    if dim == 1:
        return _enumerate_line(hyperplanes)
    if dim == 0:
        return [(0, ((), 1), None)]
    cells: dict[int, tuple[Point, tuple | None]] = {0: (((0,) * dim, 1), (1,) * dim)}
    for k, H in enumerate(hyperplanes):
        if track and k == dim:
            cells = _orthant_directions(cells, hyperplanes[:dim])
        bit = 1 << k
        w = H[0]
        previous = hyperplanes[:k]
        restricted, mapping = restrict(previous, H)
        sub_track = track and k >= dim
        if sub_track:
            order = _independent_first(restricted, dim - 1)
            restricted = [restricted[o] for o in order]
            new_index = {o: p for p, o in enumerate(order)}
            mapping = [(m if m is None else new_index[m], o) for m, o in mapping]
        masks = _side_masks(mapping, len(restricted))
        crossing = []
        for u, c in previous:
            slope = sum(map(mul, u, w))
            if slope:
                crossing.append((u, c, slope))
        split = {}
        for bits, point, direction in _enumerate(restricted, dim - 1, sub_track):
            parent = _lifted_side(bits, masks)
            plus, minus = _push_off(lift(point, H), w, crossing)
            up = down = None
            if sub_track:
                parent_direction = cells[parent][1]
                if parent_direction is None:
                    pass
                elif direction is not None:
                    up = down = lift_direction(direction, H)
                elif sum(map(mul, w, parent_direction)) > 0:
                    up = parent_direction
                else:
                    down = parent_direction
            split[parent] = ((plus, up), (minus, down))
        grown: dict[int, tuple[Point, tuple | None]] = {}
        for bits, entry in cells.items():
            halves = split.get(bits)
            if halves is not None:
                grown[bits | bit], grown[bits] = halves
            elif evaluate(H, entry[0]) > 0:
                grown[bits | bit] = entry
            else:
                grown[bits] = entry
        cells = grown
    if track and len(hyperplanes) == dim:
        cells = _orthant_directions(cells, hyperplanes)
    return [(bits, point, direction) for bits, (point, direction) in cells.items()]


def _orthant_directions(cells: dict, hyperplanes: list[Hyperplane]) -> dict:
    """Give each cell of ``dim`` independent hyperplanes the direction U^{-1}s of its orthant.

    U^{-1} is scaled by the positive lcm of its denominators, which keeps every direction.
    """
    inverse = _inverse([list(u) for u, _ in hyperplanes])
    lcm = math.lcm(*(q.denominator for row in inverse for q in row))
    adjusted = [[int(q * lcm) for q in row] for row in inverse]
    out = {}
    for bits, (point, _) in cells.items():
        signs = [1 if bits >> K & 1 else -1 for K in range(len(hyperplanes))]
        out[bits] = (point, tuple(sum(map(mul, row, signs)) for row in adjusted))
    return out


def _inverse(rows: list[list[int]]) -> list[list[Fraction]]:
    """Exact inverse of a small invertible integer matrix (Gauss–Jordan over Q)."""
    n = len(rows)
    a = [[Fraction(x) for x in row] + [Fraction(int(i == j)) for j in range(n)]
         for i, row in enumerate(rows)]
    for col in range(n):
        pivot_row = next(r for r in range(col, n) if a[r][col])
        a[col], a[pivot_row] = a[pivot_row], a[col]
        p = a[col][col]
        a[col] = [x / p for x in a[col]]
        for r in range(n):
            if r != col and a[r][col]:
                f = a[r][col]
                a[r] = [x - f * y for x, y in zip(a[r], a[col])]
    return [row[n:] for row in a]


def _push_off(point: Point, w: tuple, crossing: list, step=None) -> tuple[Point, Point]:
    """Points q ± t·w, each half-way from q ∈ H to the next hyperplane on its side (``step``:
    another rule for t short of it, :func:`_dyadic_step`).

    Along q + t·w hyperplane K = (u, c) changes sign at t = −K(q)/(u·w); half the nearest such
    t on each side (or ±1 when there is none) keeps every other sign of q.
    """
    X, D = point
    up = down = None  # nearest crossing on each side, as the ratio |K(q)|·D / |u·w| = (num, den)
    for u, c, slope in crossing:
        value = sum(map(mul, u, X)) + c * D
        if (value > 0) != (slope > 0):
            num, den = abs(value), abs(slope)
            if up is None or num * up[1] < up[0] * den:
                up = (num, den)
        else:
            num, den = abs(value), abs(slope)
            if down is None or num * down[1] < down[0] * den:
                down = (num, den)
    step = step or _step
    return step(X, D, w, up, 1), step(X, D, w, down, -1)


def _dyadic_step(X: tuple, D: int, w: tuple, nearest: tuple | None, sign: int) -> Point:
    """:func:`_step` by 2^−k, the largest power of two (at most 1) short of the nearest
    crossing, so that the denominator grows by 2^k, not by the crossing's. It depends on the
    crossing's value only, not on how the numbers are scaled."""
    if nearest is None:
        return reduce_point([x + sign * D * u for x, u in zip(X, w)], D)
    num, den = nearest   # the crossing is at t = num / (den·D); want 2^−k < t
    far = den * D
    k = max(0, far.bit_length() - num.bit_length())
    while num << k <= far:
        k += 1
    while k and num << (k - 1) > far:
        k -= 1
    return reduce_point([(x << k) + sign * D * u for x, u in zip(X, w)], D << k)


def _step(X: tuple, D: int, w: tuple, nearest: tuple | None, sign: int) -> Point:
    if nearest is None:
        return reduce_point([x + sign * D * u for x, u in zip(X, w)], D)
    num, den = nearest   # the crossing is at t = num / (den·D); go to half of it
    return reduce_point([2 * den * x + sign * num * u for x, u in zip(X, w)], 2 * den * D)


def _enumerate_line(hyperplanes: list[Hyperplane]) -> list[tuple[int, Point, tuple | None]]:
    """Cells of distinct points a·x + c = 0 (a > 0) on the line: the intervals between roots."""
    if not hyperplanes:
        return [(0, ((0,), 1), (1,))]
    roots = sorted((Fraction(-c, u[0]), K) for K, (u, c) in enumerate(hyperplanes))
    first, last = roots[0][0], roots[-1][0]
    points = [first - 1] + [(p + q) / 2 for (p, _), (q, _) in zip(roots, roots[1:])] + [last + 1]
    cells, bits = [], 0
    for i, x in enumerate(points):
        direction = (-1,) if i == 0 else (1,) if i == len(roots) else None
        cells.append((bits, ((x.numerator,), x.denominator), direction))
        if i < len(roots):
            bits |= 1 << roots[i][1]   # right of a root a·x + c > 0, since a > 0
    return cells
