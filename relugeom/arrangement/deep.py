"""Activation regions, linear pieces and perceived regions of a deep ReLU network, exactly.

For f = z_L with z_l = W_l h_{l−1} + b_l, h_l = relu(z_l)
(:class:`~relugeom.model.deep.DeepNetwork`), an *activation region* is a nonempty open set on which
the full activation pattern (every hidden layer) is constant. Fix a pattern s: on {x : pattern(x) =
s} every pre-activation z_lj is one affine function of x determined by s, so the set is an open
polyhedron (convex) — distinct regions have distinct patterns. A neuron whose pre-activation is
identically zero on a region counts as inactive (relu(0) = 0, as for w_j = 0, b_j = 0 at depth 1)
and carves nothing.

Algorithm: layer by layer, each region cut by the next layer, in integers
------------------------------------------------------------------------
The regions of layers 1..l are the regions R of layers 1..l−1 cut by layer l: inside R, neuron
j of layer l has the affine pre-activation z_lj(x) = W_l (M_R x + m_R) + b_l, so its zero set
is a hyperplane there, and the regions of layer l inside R are the cells of the arrangement of
these n_l hyperplanes inside the open polyhedron R. They are enumerated by the pruned
incremental restriction of :mod:`relugeom.arrangement.within`, with R's facets as walls, in
integer arithmetic — no tolerance; the cuts that miss R are left out first, each proved to
miss by a Farkas certificate (one small exact simplex) when no known point shows it meets R
(:func:`~relugeom.arrangement.within.cells_meeting`). Each new region then gets its *facets*, its
H-representation with redundant inequalities removed: hyperplane K (a wall of R or a cut) is a
facet of the cell C iff C ∩ K has a nonempty relative interior. For a cut, iff flipping C's side
on K gives another cell; for a wall, found by one pruned enumeration inside R's facet on K of
the cuts that meet R (the others miss the facet too), started from the facet's witness: each
of its cells lies on the boundary of exactly the cell(s) whose side vector it extends. That
facet is also the facet of the region across it, and the new layer's pre-activations agree on
it, so its cells are enumerated once for both. Those facets are the walls of the next layer,
and a point in each facet's relative interior is kept as its witness.

Adjacency (edges = shared facets): at a facet witness q on K, every neuron not vanishing on K
is nonzero at q, so the region just across K is the one containing q + t·v (v the outward
normal) for all small t > 0, whose pattern is read off a forward pass of the pair (q, v) to
first order in t — the sign of a pre-activation is the sign of its value at q, or of its
derivative along v when the value is 0 (lexicographic signs, exact integers). Most facets
need not even that: the two sides of a facet usually carry the same witness (its cells are
computed once for both), which pairs them.

Boundedness: the open polyhedron {a_i·x + c_i > 0} (facets i) is bounded iff its recession cone
{v : a_i·v ≥ 0} is {0}, iff the a_i span R^d and have a strictly positive linear relation
(one exact phase-one simplex, :func:`relugeom.linalg.lp.recession_direction`); a region
inside a bounded region of the earlier layers is bounded without it, and one inside an
unbounded one is first tried against the recession directions found for its parent and its
siblings (a direction v with a_i·v ≥ 0 on its facets proves it unbounded, no simplex).

Linear pieces merge adjacent regions with the same affine map (A, a) of f
(:func:`relugeom.arrangement.pieces.merge_linear_pieces`).

Depth 1 (one hidden layer) agrees with :func:`relugeom.arrangement.enumerate_cells`: the cells
of the hidden hyperplanes, with the same patterns.

>>> from relugeom import DeepNetwork
>>> net = DeepNetwork([([[1, 0], [0, 1]], [0, 0]), ([[1, 1]], [-1]), ([[1]], [0])])
>>> regions = deep_activation_regions(net)
>>> regions.count, sorted(r.pattern for r in regions.regions)[:2]
(7, [((0, 0), (0,)), ((0, 1), (0,))])
>>> sum(r.bounded for r in regions.regions), regions.graph.number_of_edges()
(1, 9)
"""

from __future__ import annotations

import gc
import math
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from operator import mul
from typing import Any, Sequence

import networkx as nx

from ..errors import BoundaryError, InputError
from ..exact.numbers import to_json_number, to_rational
from ..linalg import rank as exact_rank
from ..linalg.lp import recession_direction
from ..model.deep import DeepNetwork, as_deep
from ..model.sample import as_sample
from .cells import _lifted_side, _side_masks, hyperplane_arrangement
from .pieces import LinearPieces, merge_linear_pieces
from .restriction import Hyperplane, evaluate, lift, pivot, primitive, restrict, to_fractions
from .within import cells_meeting, cells_within, crossing, restricted_requirements
from .zaslavsky import count_within

# --- results -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Facet:
    """A facet of a region: the region is {normal·x + offset > 0} near it (``normal``,
    ``offset`` primitive integers); ``neurons``: the (layer, j) whose zero set it lies in (1-based
    layers; empty for a wall of the box); ``witness``: an exact point in its relative interior
    (Fractions; ``exact_witness``: the same point as integers (X, D), the point X/D)."""

    normal: tuple
    offset: int
    neurons: tuple
    exact_witness: tuple | None = field(repr=False)   # the witness as integers (X, D)

    @cached_property
    def witness(self) -> tuple | None:
        # Fractions on demand: converting every witness of every region is a fifth of the
        # enumeration's time at d = 5, and most callers never read them
        return None if self.exact_witness is None else to_fractions(self.exact_witness)

    def to_dict(self) -> dict[str, Any]:
        return {"normal": list(self.normal), "offset": self.offset,
                "neurons": [list(n) for n in self.neurons],
                "witness": [to_json_number(q) for q in self.witness]}


@dataclass(frozen=True)
class DeepRegion:
    """One activation region: ``pattern`` (a 0/1 tuple per hidden layer), an exact interior
    ``point``, its ``facets`` (irredundant H-representation), ``bounded``, and the affine map
    x ↦ A x + a of f on it."""

    pattern: tuple
    point: tuple
    facets: tuple
    bounded: bool
    A: tuple
    a: tuple

    def to_dict(self) -> dict[str, Any]:
        return {"pattern": [list(p) for p in self.pattern],
                "point": [to_json_number(q) for q in self.point], "bounded": self.bounded,
                "facets": [f.to_dict() for f in self.facets]}


@dataclass(frozen=True)
class DeepRegions:
    """Every activation region of a deep network (or every one meeting ``box``), sorted by
    pattern, largest first; ``graph`` is the region adjacency graph (node i = region i, with
    ``pattern``, ``A``, ``a``; edge attribute ``hyperplane`` = the neurons of the shared facet)."""

    network: DeepNetwork
    regions: tuple
    box: tuple | None = None
    index: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def count(self) -> int:
        return len(self.regions)

    @property
    def bounded(self) -> int:
        return sum(r.bounded for r in self.regions)

    @cached_property
    def graph(self) -> nx.Graph:
        return _adjacency(self)

    def region_of(self, pattern: tuple) -> int:
        """The index of the region with this full pattern (KeyError if none)."""
        return self.index[pattern]

    def to_dict(self, regions: bool = False) -> dict[str, Any]:
        out = {"activation_regions": self.count, "bounded_activation_regions": self.bounded,
               "adjacencies": self.graph.number_of_edges()}
        if self.box is not None:
            out["box"] = [to_json_number(q) for q in self.box]
        if regions:
            out["regions"] = [r.to_dict() for r in self.regions]
        return out


# --- integer layers ----------------------------------------------------------------------------

def _integer_layer(W: tuple, b: tuple) -> tuple[list[list[int]], list[int], int]:
    """(W·D, b·D, D) with D the lcm of the layer's denominators."""
    D = math.lcm(*(q.denominator for row in W for q in row), *(q.denominator for q in b))
    return ([[int(q * D) for q in row] for row in W], [int(q * D) for q in b], D)


@dataclass
class _Region:
    """A region of the first layers: patterns so far, an integer point, its walls (facets as
    (canonical hyperplane, required side, neurons, witness)), and the last hidden layer's
    output h = (M x + m)/D on it."""

    pattern: tuple
    point: tuple
    walls: list
    M: list
    m: list
    D: int
    bounded: bool | None = None   # None: not decided yet
    # recession directions of this region's parent and siblings (one list for all), which
    # may well be this region's too, and one of its own when known (_recession)
    directions: list = field(default_factory=list)
    direction: tuple | None = None


def _forms(region: _Region, layer: tuple) -> tuple[list, list, int]:
    """The pre-activations of ``layer`` on ``region`` as integer affine forms (rows, offsets)
    over the positive denominator D_W·D."""
    W, b, DW = layer
    M, m, D = region.M, region.m, region.D
    columns = list(zip(*M))
    rows = [[sum(map(mul, w_row, column)) for column in columns] for w_row in W]
    offsets = [bj * D + sum(map(mul, w_row, m)) for w_row, bj in zip(W, b)]
    return rows, offsets, DW * D


def _cut(region: _Region, layer: tuple, l: int, dim: int, shared: dict | None = None
         ) -> list[_Region]:
    """The regions of layer ``l`` inside ``region``, each with its facets. ``shared``: the
    cells of facets already cut by layer ``l`` (:func:`_facets`), for the neighbours."""
    rows, offsets, D = _forms(region, layer)
    hyperplanes = [w[0] for w in region.walls]
    required = [w[1] for w in region.walls]
    neurons = [list(w[2]) for w in region.walls]
    index = {h: K for K, h in enumerate(hyperplanes)}
    where = []   # per neuron: (hyperplane index, orientation) or (None, constant activity)
    for j, (row, off) in enumerate(zip(rows, offsets)):
        if not any(row):
            where.append((None, int(off > 0)))
            continue
        key, o = primitive(row, off)
        K = index.get(key)
        if K is None:
            K = index[key] = len(hyperplanes)
            hyperplanes.append(key)
            required.append(0)
            neurons.append([])
        neurons[K].append((l, j))
        where.append((K, o))
    known = [w[3] for w in region.walls]
    boundary = [q for q in known if q is not None]
    if shared:
        # the cells of facets a neighbour has already cut are points of the closure too, on
        # both sides of the cuts that cross them: each such cut is seen to meet the region
        # without a simplex, and its insertion starts from a known point
        for h, _, _, q in region.walls:
            face = shared.get((h, q))
            if face:
                boundary.extend(point for _, point in face)
    cells = dict(cells_meeting(hyperplanes, required, dim, region.point, boundary))
    witnesses = _facets(hyperplanes, required, cells, dim, known, where,
                        {} if shared is None else shared)
    out = []
    # the subregions' recession cones lie in the region's: its own direction first
    directions = [region.direction] if region.direction else []
    for bits, point in cells.items():
        active = tuple(o if K is None else int((bits >> K & 1) == (o > 0)) for K, o in where)
        walls = []
        for K, q in witnesses[bits].items():
            side = 1 if bits >> K & 1 else -1
            walls.append((hyperplanes[K], side, tuple(neurons[K]), q))
        M = [row if s else [0] * dim for row, s in zip(rows, active)]
        m = [off if s else 0 for off, s in zip(offsets, active)]
        # a region inside a bounded one is bounded
        out.append(_Region(region.pattern + (active,), point, walls, M, m, D,
                           True if region.bounded else None, directions))
    return out


def _facets(hyperplanes: list, required: list, cells: dict, dim: int, known: list,
            where: list, shared: dict) -> dict:
    """{cell bits: {hyperplane index: witness point}} — the facets of every cell, each with a
    point of its relative interior.

    A cut K is a facet of the cell C iff flipping C's side on K gives another cell C' (the
    argument of :mod:`relugeom.arrangement.pieces`, inside the convex parent): then the segment
    between their interior points crosses K at a point strictly on their common side of every
    other hyperplane, a witness. A wall K is a facet of C iff one of the cells of the pruned
    enumeration inside K (the other walls required, the cuts free) extends C's side vector;
    it starts from ``known[K]``, a point in the relative interior of the parent's facet on K.
    Only the cuts meeting the parent take part: one that misses the open parent R (every cell
    on one side) misses the relative interior of each facet F of R too — F lies on its closed
    side, and a point of relint F on it would put F, hence K, inside it — so it splits nothing
    there, and its side is the cells' common side.

    The cells of a facet F are shared with the region R' across it: F is also R''s facet on K
    (a point y of relint F is off every other neuron of the first layers, whose signs there
    are R's, and R''s with K's neurons flipped, so relint F lies in the closure of R' and, by
    symmetry, F = cl R ∩ K = cl R' ∩ K), and each neuron of the new layer has one affine
    pre-activation on K seen from either side (K's neurons vanish there). So they are
    computed once, as (the new layer's signs, a point), keyed by K and F's witness, and
    ``shared`` holds them until R' asks.
    """
    out: dict[int, dict[int, tuple]] = {bits: {} for bits in cells}
    if not cells:
        return out
    walls = sum(1 for r in required if r)
    union = intersection = None
    for bits in cells:
        union = bits if union is None else union | bits
        intersection = bits if intersection is None else intersection & bits
    meeting = [K for K in range(walls, len(hyperplanes)) if (union ^ intersection) >> K & 1]
    fixed = intersection & ~((1 << walls) - 1)    # the sides of the cuts missing the parent
    base = sum(1 << K for K in range(walls) if required[K] > 0)
    representative = {}    # cut index: (a neuron on it, its orientation)
    for j, (c, o) in enumerate(where):
        if c is not None and c >= walls and c not in representative:
            representative[c] = (j, o)
    for K, H in enumerate(hyperplanes):
        bit = 1 << K
        if K >= walls:
            for bits, point in cells.items():
                other = bits ^ bit
                if bits & bit and other in cells:
                    q = _crossing(H, point, cells[other])
                    out[bits][K] = out[other][K] = q
            continue
        q = known[K]
        key = None if q is None else (H, q)
        face = shared.pop(key, None)
        if face is None or any(signs[j] is None for signs, _ in face[:1]
                               for j, _ in representative.values()):
            face = _face_cells(hyperplanes, required, K, walls, meeting, fixed, q, where)
            if key is not None:
                shared[key] = face
        for signs, point in face:
            up = base | bit
            for c, (j, o) in representative.items():
                if signs[j] == (o > 0):
                    up |= 1 << c
            for side in (up, up ^ bit):
                facets = out.get(side)
                if facets is not None and K not in facets:
                    facets[K] = point
    return out


def _face_cells(hyperplanes: list, required: list, K: int, walls: int, meeting: list,
                fixed: int, q: tuple | None, where: list) -> list:
    """The cells of the parent's facet on wall K cut by the ``meeting`` cuts, as (the new
    layer's activity per neuron, None on K; a point of the cell), from the witness q."""
    H = hyperplanes[K]
    positions = [i for i in range(walls) if i != K] + meeting
    restricted, mapping = restrict([hyperplanes[i] for i in positions], H)
    sub_required = restricted_requirements(mapping, [required[i] for i in positions])
    if sub_required is None:
        return []
    masks = _side_masks(mapping, len(restricted), positions)
    start = None if q is None else (tuple(x for i, x in enumerate(q[0]) if i != pivot(H)),
                                    q[1])
    face = []
    enumerate_ = cells_within if start is None else cells_meeting
    for bits, point in enumerate_(restricted, sub_required, len(H[0]) - 1, start):
        up = _lifted_side(bits, masks) | fixed
        face.append((tuple(None if c == K else o if c is None else
                           int((required[c] > 0 if c < walls else up >> c & 1) == (o > 0))
                           for c, o in where), lift(point, H)))
    return face


def _crossing(H: Hyperplane, p: tuple, q: tuple) -> tuple:
    """The point where the segment from p to q (integer points on the positive and negative
    sides) meets H."""
    return crossing(p, evaluate(H, p), q, evaluate(H, q))


# --- the enumeration ---------------------------------------------------------------------------

def _box_walls(dim: int, lo: Fraction, hi: Fraction) -> list:
    walls = []
    for i in range(dim):
        unit = tuple(int(k == i) for k in range(dim))
        for bound, side in ((lo, 1), (hi, -1)):   # x_i > lo, x_i < hi
            key, _ = primitive([u * bound.denominator for u in unit], -bound.numerator)
            walls.append((key, side, (), None))
    return walls


def _hidden_regions(network: DeepNetwork, box: tuple | None = None,
                    limit: int | None = None) -> list[_Region]:
    """The regions of all hidden layers. With ``limit``, :class:`RegionLimit` as soon as a
    layer has more than ``limit`` regions (each later layer only subdivides)."""
    dim = network.input_dim
    start = _Region((), ((0,) * dim, 1), [], [[int(i == k) for k in range(dim)]
                                              for i in range(dim)], [0] * dim, 1)
    if box is not None:   # the box itself, its walls with witnesses
        start.walls = _box_walls(dim, *box)
        centre = (box[0] + box[1]) / 2
        start.point = ((centre.numerator,) * dim, centre.denominator)
        cut = _cut(start, ((), (), 1), 0, dim)[0]
        start.point, start.walls, start.bounded = cut.point, cut.walls, True
    regions = [start]
    for l, (W, b) in enumerate(network.layers[:-1], start=1):
        layer = _integer_layer(W, b)
        grown, shared = [], {}
        for region in regions:
            grown.extend(_cut(region, layer, l, dim, shared))
            if limit is not None and len(grown) > limit:
                raise RegionLimit(limit, l, len(grown))
        regions = grown
        if l < network.depth - 1:      # decided here, it spares the test to their subregions
            for region in regions:
                if region.bounded is None:
                    region.direction = _recession(region.walls, dim, region.directions)
                    region.bounded = region.direction is None
    return regions


class RegionLimit(Exception):
    """Enumeration stopped: the first ``layer`` layers already have more than ``limit``
    regions (``found`` of them so far): a proof that the network has more."""

    def __init__(self, limit: int, layer: int, found: int) -> None:
        super().__init__(f"more than {limit} regions (the first {layer} layer(s) already make "
                         f"at least {found})")
        self.limit, self.layer, self.found = limit, layer, found


def _recession(walls: list, dim: int, directions: list) -> tuple | None:
    """``None`` when the region cut out by ``walls`` is bounded, else a direction v of its
    recession cone ({v : a_i·v ≥ 0} for the facet normals a_i; ``()`` when none was needed:
    at most d facets, or rank < d).

    ``directions``: recession directions of nearby regions (a subregion's recession cone lies
    in its parent's, and neighbours share rays), tried first — each costs d·|walls|
    operations, against a phase one for the exact test
    (:func:`relugeom.linalg.lp.recession_direction`, then the rank when it finds a positive
    relation), which adds the direction it finds.
    """
    normals = [h[0] if side > 0 else tuple(-u for u in h[0]) for h, side, _, _ in walls]
    if len(normals) <= dim:
        return ()
    for i in range(len(directions) - 1, -1, -1):     # the latest first
        v = directions[i]
        if all(sum(map(mul, a, v)) >= 0 for a in normals):
            if i < len(directions) - 1:     # neighbours share rays: keep it at hand
                directions.append(directions.pop(i))
            return v
    v = recession_direction(normals)
    if v is not None:
        directions.append(v)
        return v
    # a positive relation: bounded iff the normals also span R^d
    return () if exact_rank(normals, ncols=dim) < dim else None


def deep_activation_regions(network: Any, box: tuple | None = None,
                            limit: int | None = None) -> DeepRegions:
    """Every activation region of a network of any depth, exactly (see the module docstring).

    ``box=(lo, hi)``: only the regions meeting the open box (lo, hi)^d, each cut to the box
    (its point, facets and boundedness are those of region ∩ box; the box walls are facets with
    no neurons). ``limit``: :class:`RegionLimit` rather than more than that many regions.
    Cost: per region of layer l−1, one pruned enumeration of layer l inside it and one per
    facet one dimension down, shared with the neighbour across it (integer arithmetic), and
    one small exact simplex per final region not inside a bounded one, for boundedness.
    """
    network = as_deep(network)
    if box is not None:
        box = tuple(to_rational(q, name) for q, name in zip(box, ("box lower bound",
                                                                  "box upper bound")))
        if not box[0] < box[1]:
            raise InputError(f"the box needs lo < hi, got lo = {box[0]} and hi = {box[1]}")
    with _no_cycle_collection():
        return _regions(network, box, limit)


@contextmanager
def _no_cycle_collection():
    """Python's cycle collector paused (and restored): the enumeration allocates millions of
    small containers (tuples of integers, lists, dicts: it builds no cycles), and each
    collection of the oldest generation walks every object alive — a tenth to a fifth of the
    time at d = 5, for nothing (measured, benchmarks/bench_deep_regions.py). Reference
    counting still frees the garbage as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _regions(network: DeepNetwork, box: tuple | None, limit: int | None) -> DeepRegions:
    hidden = _hidden_regions(network, box, limit)
    if limit is not None and len(hidden) > limit:
        raise RegionLimit(limit, network.depth - 1, len(hidden))
    dim = network.input_dim
    WL, bL, DL = _integer_layer(*network.layers[-1])
    out = []
    for region in hidden:
        rows, offsets, D = _forms(region, (WL, bL, DL))
        A = tuple(tuple(Fraction(v, D) for v in row) for row in rows)
        a = tuple(Fraction(v, D) for v in offsets)
        facets = tuple(sorted((Facet(tuple(s * u for u in h[0]), s * h[1], n, q)
                               for h, s, n, q in region.walls),
                              key=lambda f: (f.neurons, f.normal, f.offset)))
        bounded = region.bounded
        if bounded is None:
            bounded = _recession(region.walls, dim, region.directions) is None
        out.append(DeepRegion(region.pattern, to_fractions(region.point), facets, bounded, A, a))
    out.sort(key=lambda r: r.pattern, reverse=True)
    return DeepRegions(network, tuple(out), box, {r.pattern: i for i, r in enumerate(out)})


# --- where a point lies ------------------------------------------------------------------------

def pattern_towards(network: DeepNetwork, x: Sequence[Fraction], v: Sequence[Fraction],
                    layers: tuple | None = None) -> tuple:
    """The full pattern of the region containing x + t·v for all small t > 0, assuming one does
    (true when x is in a facet's relative interior and v crosses it): each pre-activation's sign
    is that of its value at x, or of its derivative along v when the value is 0 (lexicographic);
    a pre-activation identically 0 along the ray counts inactive. Exact integers. ``layers``:
    :func:`_integer_layers` of the network, when already computed."""
    (X, DX), (V, DV) = _integer_point(x), _integer_point(v)
    pattern = []
    for Wi, bi, DW in layers if layers is not None else _integer_layers(network):
        Z = [sum(w * h for w, h in zip(row, X)) + bj * DX for row, bj in zip(Wi, bi)]
        Y = [sum(w * h for w, h in zip(row, V)) for row in Wi]
        s = tuple(int(z > 0 or (z == 0 and y > 0)) for z, y in zip(Z, Y))
        X = [z if a else 0 for z, a in zip(Z, s)]
        V = [y if a else 0 for y, a in zip(Y, s)]
        DX, DV = DX * DW, DV * DW
        pattern.append(s)
    return tuple(pattern)


def _integer_layers(network: DeepNetwork) -> tuple:
    """The hidden layers as integer layers (:func:`_integer_layer`)."""
    return tuple(_integer_layer(W, b) for W, b in network.layers[:-1])


def _integer_point(x: Sequence[Fraction]) -> tuple[list[int], int]:
    D = math.lcm(*(q.denominator for q in x)) if x else 1
    return [int(q * D) for q in x], D


def _adjacency(regions: DeepRegions) -> nx.Graph:
    G = nx.Graph()
    for i, r in enumerate(regions.regions):
        G.add_node(i, pattern=r.pattern, point=r.point, bounded=r.bounded, A=r.A, a=r.a)
    last = regions.network.depth - 1
    layers = _integer_layers(regions.network)
    # The two sides of a facet usually carry the same witness q (computed once for both): a
    # region with a facet on K whose relative interior holds q, seen from the other side of K,
    # is the one region across K at q, so the pair needs no forward pass.
    waiting: dict = {}
    for i, r in enumerate(regions.regions):
        for f in r.facets:
            if not f.neurons:
                continue   # a wall of the box: nothing across it is enumerated
            if all(l == last for l, _ in f.neurons):
                # no layer after: across K exactly the neurons on K change sign
                flipped = {j for _, j in f.neurons}
                across = r.pattern[:-1] + (tuple(1 - s if j in flipped else s
                                                 for j, s in enumerate(r.pattern[-1])),)
            else:
                key = (f.normal, f.offset, f.exact_witness)
                k = waiting.pop((tuple(-u for u in f.normal), -f.offset, f.exact_witness), None)
                if k is not None:
                    G.add_edge(i, k[0], hyperplane=f.neurons)
                else:
                    waiting[key] = (i, f)
                continue
            _join(G, regions, i, across, f)
    for i, f in waiting.values():   # a facet whose other side has another witness
        _join(G, regions, i, pattern_towards(regions.network, f.witness,
                                             [Fraction(-u) for u in f.normal], layers), f)
    return G


def _join(G: nx.Graph, regions: DeepRegions, i: int, across: tuple, f: Facet) -> None:
    """The edge from region i across its facet f to the region with pattern ``across``."""
    k = regions.index.get(across)
    if k is None:
        raise AssertionError(f"no region across a facet of region {i}: please report this "
                             "network")
    if k != i:
        G.add_edge(i, k, hyperplane=f.neurons)


def locate_deep(regions: DeepRegions, X: Any) -> tuple[int, ...]:
    """The index of the region containing each sample. A sample on the boundary of a region
    (on a facet) raises :class:`~relugeom.errors.BoundaryError` naming it and a neuron of that
    facet; a sample outside the box (when there is one) raises InputError."""
    network = regions.network
    X = as_sample(X, network.input_dim)
    out, layers = [], _integer_layers(network)
    for i, x in enumerate(X):
        pattern = pattern_towards(network, x, [Fraction(0)] * len(x), layers)
        k = regions.index.get(pattern)
        region = None if k is None else regions.regions[k]
        if region is not None:
            for f in region.facets:
                value = sum((u * q for u, q in zip(f.normal, x)), Fraction(f.offset))
                if value <= 0:
                    if f.neurons:
                        layer, j = f.neurons[0]
                        raise BoundaryError(sample=i, neuron=j, layer=layer)
                    region = None
                    break
        if region is None:
            raise InputError(f"sample {i} is not inside the box of the enumerated regions")
        out.append(k)
    return tuple(out)


# --- pieces, perceived, counts -----------------------------------------------------------------

def deep_linear_pieces(regions: DeepRegions) -> LinearPieces:
    """The linear pieces: adjacent regions with the same affine map of f, merged."""
    return merge_linear_pieces(regions.graph)


@dataclass(frozen=True)
class DeepRegionReport:
    """What ``relugeom regions`` prints for a deep network."""

    regions: DeepRegions
    pieces: LinearPieces
    sample_region: tuple | None = None
    X: tuple | None = None
    in_box: DeepRegions | None = None

    @property
    def regions_perceived(self) -> int | None:
        return None if self.sample_region is None else len(set(self.sample_region))

    @property
    def pieces_perceived(self) -> int | None:
        if self.sample_region is None:
            return None
        return len({self.pieces.cell_piece[i] for i in self.sample_region})

    @property
    def pieces_in_box(self) -> int | None:
        if self.in_box is None:
            return None
        return len({self.pieces.cell_piece[self.regions.region_of(r.pattern)]
                    for r in self.in_box.regions})

    def to_dict(self, cells: bool = False) -> dict[str, Any]:
        net = self.regions.network
        out = {"input_dim": net.input_dim, "widths": list(net.widths),
               **self.regions.to_dict(), "linear_pieces": self.pieces.count,
               "upper_bound": region_upper_bound(net)}
        if self.in_box is not None:
            out["box"] = [to_json_number(q) for q in self.in_box.box]
            out["activation_regions_in_box"] = self.in_box.count
            out["linear_pieces_in_box"] = self.pieces_in_box
        if self.sample_region is not None:
            out.update({"n_samples": len(self.X),
                        "activation_regions_perceived": self.regions_perceived,
                        "linear_pieces_perceived": self.pieces_perceived,
                        "sample_region": list(self.sample_region),
                        "sample_piece": [self.pieces.cell_piece[i] for i in self.sample_region]})
        if cells:
            out["regions"] = [{**r.to_dict(), "piece": p}
                              for r, p in zip(self.regions.regions, self.pieces.cell_piece)]
        return out


def deep_region_report(network: Any, X: Any = None, box: tuple | None = None,
                       limit: int | None = None) -> DeepRegionReport:
    """Regions, linear pieces, those meeting ``box`` and those the sample ``X`` perceives."""
    network = as_deep(network)
    regions = deep_activation_regions(network, limit=limit)
    pieces = deep_linear_pieces(regions)
    in_box = None if box is None else deep_activation_regions(network, box, limit)
    if X is None:
        return DeepRegionReport(regions, pieces, in_box=in_box)
    X = as_sample(X, network.input_dim)
    return DeepRegionReport(regions, pieces, locate_deep(regions, X), X, in_box)


def region_upper_bound(network: Any) -> int:
    """Serra, Tjandraatmadja and Ramalingam's bound (2018, Theorem 1) on the number of
    activation regions of a network with input dimension d and hidden widths n_1, …, n_{L−1}:

        Σ over (j_1, …, j_{L−1}) ∈ J of Π_l C(n_l, j_l),
        J = {j : 0 ≤ j_l ≤ min(d, n_1 − j_1, …, n_{l−1} − j_{l−1}, n_l)}.

    For one hidden layer it is Σ_{i≤d} C(n_1, i), the bound of an arrangement.

    >>> region_upper_bound(DeepNetwork.random([2, 3, 1]))
    7
    >>> region_upper_bound(DeepNetwork.random([1, 2, 2, 1]))    # 3 intervals, each cut twice
    9
    """
    net = as_deep(network)
    d, widths = net.input_dim, net.hidden_widths
    # dynamic programme over layers: the state is the smallest n_k − j_k so far (capped at d)
    states = {d: 1}
    for n in widths:
        grown: dict[int, int] = {}
        for cap, ways in states.items():
            for j in range(min(cap, n) + 1):
                key = min(cap, n - j)
                grown[key] = grown.get(key, 0) + ways * math.comb(n, j)
        states = grown
    return sum(states.values())


# --- refusing unbounded work -------------------------------------------------------------------

def deep_region_bounds(network: Any, steps: int | None = None) -> tuple[int, int, str]:
    """Proven bounds (lower, upper, how the lower one was found) on the number of activation
    regions, without enumerating them.

    Upper: :func:`region_upper_bound`. Lower: the regions of the first hidden layer alone,
    counted exactly by Zaslavsky's theorem (every region of the first layer is a union of
    closures of regions of the network, at least one), or, when that count stops after
    ``steps`` operations, its proven partial count.
    """
    net = as_deep(network)
    W, b = net.layers[0]
    count = count_within(hyperplane_arrangement(W, b), None, steps)
    if count.regions is not None:
        return count.regions, region_upper_bound(net), "the first layer's regions, counted " \
            "exactly by Zaslavsky's theorem"
    return count.at_least, region_upper_bound(net), "a partial count of the first layer's regions"
