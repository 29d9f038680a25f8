"""Activation regions of deep networks (relugeom.arrangement.deep) against independent
computations: a brute force over every candidate pattern (exact LP), the shallow enumeration at
depth 1, dense exact sampling, and the facets and adjacencies checked point by point."""

import itertools
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom import DeepNetwork, ShallowNetwork
from relugeom.arrangement import activation_regions, linear_pieces
from relugeom.arrangement.deep import (RegionLimit, deep_activation_regions, deep_linear_pieces,
                                       deep_region_report, region_upper_bound)
from relugeom.errors import BoundaryError
from relugeom.linalg.lp import interior_point

# --- the brute force: every pattern, one exact LP each -------------------------------------------


def _forms(net: DeepNetwork, pattern) -> list[list[tuple]]:
    """The pre-activations of every hidden layer as affine forms (coefficients, constant) of x,
    when the hidden layers follow ``pattern``: built from the weights, independently of the
    enumeration."""
    d = net.input_dim
    h = [(tuple(Fraction(int(i == k)) for k in range(d)), Fraction(0)) for i in range(d)]
    out = []
    for (W, b), s in zip(net.layers[:-1], pattern):
        z = []
        for row, bj in zip(W, b):
            coef = [sum((w * hk[0][k] for w, hk in zip(row, h)), Fraction(0)) for k in range(d)]
            const = sum((w * hk[1] for w, hk in zip(row, h)), bj)
            z.append((tuple(coef), const))
        out.append(z)
        h = [zj if a else (tuple(Fraction(0) for _ in range(d)), Fraction(0))
             for zj, a in zip(z, s)]
    return out


def brute_force_regions(net: DeepNetwork) -> set:
    """Every full pattern whose region {z > 0 where active, z < 0 where inactive and z ≢ 0} has
    an interior point (exact phase-one simplex, :func:`relugeom.linalg.lp.interior_point`)."""
    found = set()
    widths = net.hidden_widths
    for bits in itertools.product((0, 1), repeat=sum(widths)):
        pattern, k = [], 0
        for n in widths:
            pattern.append(tuple(bits[k:k + n]))
            k += n
        A, c, ok = [], [], True
        for z, s in zip(_forms(net, pattern), pattern):
            for (coef, const), active in zip(z, s):
                if not any(coef) and const == 0:
                    ok = ok and not active     # identically zero: inactive, carves nothing
                    continue
                sign = 1 if active else -1
                A.append([sign * q for q in coef])
                c.append(sign * const)
        if ok and interior_point(A, c) is not None:
            found.add(tuple(pattern))
    return found


small = st.integers(-2, 2)


@st.composite
def tiny_deep(draw, max_hidden=7):
    d = draw(st.integers(1, 3))
    depth = draw(st.integers(2, 3))
    widths = [d] + [draw(st.integers(1, 3)) for _ in range(depth)] + [1]
    while sum(widths[1:-1]) > max_hidden:
        widths[1] -= 1
    layers = [([[draw(small) for _ in range(widths[l - 1])] for _ in range(widths[l])],
               [draw(small) for _ in range(widths[l])]) for l in range(1, len(widths))]
    return DeepNetwork(layers)


@given(tiny_deep())
def test_against_the_brute_force(net):
    regions = deep_activation_regions(net)
    assert {r.pattern for r in regions.regions} == brute_force_regions(net)
    assert regions.count <= region_upper_bound(net)


def _inside(region, x) -> bool:
    return all(sum((u * q for u, q in zip(f.normal, x)), Fraction(f.offset)) > 0
               for f in region.facets)


def _exact_pattern(net, x):
    h = [Fraction(q) for q in x]
    out = []
    for W, b in net.layers[:-1]:
        z = [sum((w * v for w, v in zip(row, h)), bj) for row, bj in zip(W, b)]
        out.append(tuple(int(q > 0) for q in z))
        h = [max(q, Fraction(0)) for q in z]
    return tuple(out)


@given(tiny_deep())
def test_points_facets_maps_and_neighbours(net):
    regions = deep_activation_regions(net)
    for r in regions.regions:
        assert _exact_pattern(net, r.point) == r.pattern and _inside(r, r.point)
        assert net(r.point) == tuple(sum((p * q for p, q in zip(row, r.point)), ak)
                                     for row, ak in zip(r.A, r.a))
        for f in r.facets:       # the witness is on the facet, strictly inside every other one
            assert sum((u * q for u, q in zip(f.normal, f.witness)), Fraction(f.offset)) == 0
            assert all(sum((u * q for u, q in zip(g.normal, f.witness)), Fraction(g.offset)) > 0
                       for g in r.facets if (g.normal, g.offset) != (f.normal, f.offset))
    G = regions.graph
    for i, k in G.edges:     # neighbours: a point just across the shared facet is in the other
        r, s = regions.regions[i], regions.regions[k]
        shared = [f for f in r.facets
                  if any((g.normal, g.offset) == (tuple(-u for u in f.normal), -f.offset)
                         for g in s.facets)]
        assert shared


def test_depth_one_is_the_shallow_enumeration():
    for seed in range(20):
        net = DeepNetwork.random([2, 6, 1], seed=seed)
        deep = deep_activation_regions(net)
        shallow = activation_regions(net.to_shallow())
        assert sorted(c.pattern for c in shallow.cells) == sorted(r.pattern[0]
                                                                 for r in deep.regions)
        assert shallow.bounded == deep.bounded
        assert linear_pieces(net.to_shallow()).count == deep_linear_pieces(deep).count


@pytest.mark.parametrize("widths", [(2, 5, 4, 1), (3, 4, 3, 1), (2, 3, 3, 3, 1)])
def test_dense_exact_sampling_finds_no_other_region(widths):
    net = DeepNetwork.random(widths, seed=1, low=-64, high=64, denominator=64)
    regions = deep_activation_regions(net)
    patterns = {r.pattern for r in regions.regions}
    grid = [Fraction(k, 3) for k in range(-9, 10)]
    seen = {_exact_pattern(net, x) for x in itertools.product(grid, repeat=net.input_dim)}
    # a grid point on a boundary reads 0 there, which may name no region: only lower bounds
    assert len(seen & patterns) >= len(seen) // 2
    assert regions.count <= region_upper_bound(net)


# --- degenerate networks -------------------------------------------------------------------------

def test_duplicated_and_dead_neurons_and_zero_rows():
    base = [([[1, 0], [0, 1]], [0, 0]), ([[1, 1]], [-1]), ([[1]], [0])]
    count = deep_activation_regions(DeepNetwork(base)).count
    duplicated = [([[1, 0], [2, 0], [0, 1]], [0, 0, 0]), ([[1, 0, 1], [2, 0, 2]], [-1, -2]),
                  ([[1, 1]], [0])]
    assert deep_activation_regions(DeepNetwork(duplicated)).count == count
    dead = [([[1, 0], [0, 1], [0, 0]], [0, 0, -1]), ([[1, 1, 5], [0, 0, 0]], [-1, 0]),
            ([[1, 0]], [0])]
    assert deep_activation_regions(DeepNetwork(dead)).count == count
    assert deep_activation_regions(DeepNetwork([([[0, 0]], [0]), ([[1]], [0])])).count == 1


def test_a_layer_two_hyperplane_through_a_layer_one_vertex():
    # layer 1: x = 0 and y = 0 meet at the origin; layer 2: x − y through it, in every quadrant
    net = DeepNetwork([([[1, 0], [-1, 0], [0, 1], [0, -1]], [0, 0, 0, 0]),
                       ([[1, -1, -1, 1]], [0]), ([[1]], [0])])
    regions = deep_activation_regions(net)
    assert {r.pattern for r in regions.regions} == brute_force_regions(net)
    assert regions.count == 6   # the diagonal x = y splits the first and third quadrants
    assert all(len(r.facets) == 2 for r in regions.regions)


def test_box_limit_and_samples():
    net = DeepNetwork.random([2, 4, 4, 1], seed=3)
    regions = deep_activation_regions(net)
    boxed = deep_activation_regions(net, box=(-1, 1))
    assert {r.pattern for r in boxed.regions} <= {r.pattern for r in regions.regions}
    assert all(-1 < q < 1 for r in boxed.regions for q in r.point)
    with pytest.raises(RegionLimit):
        deep_activation_regions(net, limit=regions.count - 1)
    X = [r.point for r in regions.regions[:3]]
    report = deep_region_report(net, X)
    assert list(report.sample_region) == [0, 1, 2]
    with pytest.raises(BoundaryError):
        f = regions.regions[0].facets[0]
        deep_region_report(net, [f.witness])


def test_a_shallow_network_reads_as_depth_one():
    net = ShallowNetwork(W=[[1], [-1]], b=[0, 1], V=[[1, 1]], c=[0])
    assert deep_activation_regions(net).count == 3


def test_float_weights_as_trained_networks_have_them():
    import numpy as np

    rng = np.random.default_rng(7)   # float64 weights, read as their exact binary values
    widths = (2, 4, 3, 1)
    net = DeepNetwork.from_numpy([(rng.standard_normal((widths[l], widths[l - 1])) * 0.7,
                                   rng.standard_normal(widths[l]) * 0.3)
                                  for l in range(1, len(widths))])
    regions = deep_activation_regions(net)
    assert {r.pattern for r in regions.regions} == brute_force_regions(net)
    for r in regions.regions:
        assert _exact_pattern(net, r.point) == r.pattern and _inside(r, r.point)


# --- the facets are the whole irredundant H-representation -------------------------------------

def _pattern_inequalities(net, pattern):
    """(coefficients, constant) of every strict inequality the pattern imposes, built from the
    weights (independently of the enumeration)."""
    out = []
    for z, s in zip(_forms(net, pattern), pattern):
        for (coef, const), active in zip(z, s):
            if any(coef):
                sign = 1 if active else -1
                out.append(([sign * q for q in coef], sign * const))
    return out


def _facets_are_complete(net, regions):
    """Each region's facets imply every inequality of its pattern: {facets > 0, g ≤ 0} is empty
    (exact LP), so no facet is missing; the witnesses (checked elsewhere) show none is
    redundant."""
    for r in regions.regions:
        A = [list(f.normal) for f in r.facets]
        c = [f.offset for f in r.facets]
        for coef, const in _pattern_inequalities(net, r.pattern):
            # no point of {facets > 0} has g < 0; then g > 0 there (g ≢ 0 is affine)
            assert interior_point(A + [[-q for q in coef]], c + [-const]) is None


@given(tiny_deep(max_hidden=8))
def test_facets_are_the_irredundant_representation(net):
    regions = deep_activation_regions(net)
    _facets_are_complete(net, regions)


@pytest.mark.parametrize("widths, seed", [((3, 4, 4, 1), 2), ((2, 3, 3, 3, 1), 5),
                                          ((4, 4, 3, 1), 1)])
def test_facets_complete_on_dyadic_nets(widths, seed):
    # neighbouring regions share the cells of their common facet (computed once): checked on
    # nets where many facets are shared, against the pattern's own inequalities
    net = DeepNetwork.random(widths, seed=seed, low=-64, high=64, denominator=64)
    regions = deep_activation_regions(net)
    _facets_are_complete(net, regions)
    test_points_facets_maps_and_neighbours.hypothesis.inner_test(net)


# --- the cuts that miss a region, decided by a Farkas certificate -----------------------------

def _affine(draw, d):
    normal = [draw(small) for _ in range(d)]
    if not any(normal):
        normal[0] = 1
    return tuple(normal), draw(st.integers(-3, 3))


@st.composite
def polyhedron_and_cuts(draw):
    """Walls through no common trouble (a box (−3, 3)^d plus random walls kept when the origin
    satisfies them, so the polyhedron holds the origin) and random cuts."""
    d = draw(st.integers(2, 3))
    walls = []
    for i in range(d):
        unit = tuple(int(k == i) for k in range(d))
        walls += [(unit, 3), (tuple(-u for u in unit), 3)]
    for _ in range(draw(st.integers(0, 3))):
        u, c = _affine(draw, d)
        walls.append((u, abs(c) + 1))                # positive at the origin
    cuts = [_affine(draw, d) for _ in range(draw(st.integers(1, 5)))]
    return d, walls, cuts


@given(polyhedron_and_cuts())
def test_implied_positive_against_an_interior_point(case):
    """h > 0 on P certified iff {P, h < 0} has no interior point (an independent exact LP)."""
    from relugeom.linalg.lp import implied_positive

    d, walls, cuts = case
    A, c = [list(u) for u, _ in walls], [ci for _, ci in walls]
    for u, ch in cuts:
        certified = implied_positive(walls, (u, ch))
        assert certified == (interior_point(A + [[-q for q in u]], c + [-ch]) is None)


@given(polyhedron_and_cuts())
def test_point_below_against_implied_positive(case):
    """point_below is None exactly when implied_positive certifies h > 0 on P; otherwise its
    point (s > 0) lies in the closure of P with h < 0, or its direction (s = 0) recedes in P
    with h decreasing — checked on the walls, not taken from the simplex."""
    from relugeom.linalg.lp import implied_positive, point_below

    d, walls, cuts = case
    for u, ch in cuts:
        if not any(u):
            continue
        found = point_below(walls, (u, ch))
        assert (found is None) == implied_positive(walls, (u, ch))
        if found is not None:
            W, s = found
            assert s >= 0 and (s > 0 or any(W))
            assert all(sum(a * w for a, w in zip(A, W)) + c * s >= 0 for A, c in walls)
            assert sum(a * w for a, w in zip(u, W)) + ch * s < 0


@pytest.mark.parametrize("widths, seed", [((3, 5, 5, 1), 0), ((2, 4, 4, 4, 1), 2),
                                          ((4, 5, 4, 1), 1)])
def test_bounded_against_the_exact_test_alone(widths, seed):
    """Boundedness (recession directions of parent and siblings tried first, bounded parents
    passed down) equals the exact test on each region's own facets: rank d and a strictly
    positive relation of the inward normals."""
    from relugeom.linalg import rank
    from relugeom.linalg.lp import positive_relation

    net = DeepNetwork.random(widths, seed=seed, low=-64, high=64, denominator=64)
    regions = deep_activation_regions(net)
    for r in regions.regions:
        normals = [f.normal for f in r.facets]
        exact = (len(normals) > widths[0] and rank(normals, ncols=widths[0]) == widths[0]
                 and positive_relation(normals))
        assert r.bounded == exact


@given(polyhedron_and_cuts())
def test_cells_meeting_is_cells_within(case):
    """Leaving out the cuts that miss the polyhedron changes no cell (same side bits as the
    enumeration from scratch, walls inserted)."""
    from relugeom.arrangement.restriction import primitive
    from relugeom.arrangement.within import cells_meeting, cells_within

    d, walls, cuts = case
    hyperplanes, required = [], []
    for (u, c), is_wall in [(h, True) for h in walls] + [(h, False) for h in cuts]:
        key, o = primitive(u, c)
        if key not in hyperplanes:
            hyperplanes.append(key)
            required.append(o if is_wall else 0)
    start = ((0,) * d, 1)     # inside every wall; it may lie on cuts
    got = {bits for bits, _ in cells_meeting(hyperplanes, required, d, start)}
    want = {bits for bits, _ in cells_within(hyperplanes, required, d)}
    assert got == want


@pytest.mark.parametrize("widths, seed", [((2, 5, 4, 1), 0), ((3, 4, 4, 3, 1), 1)])
def test_adjacency_against_forward_passes(widths, seed):
    """The graph (facets paired by their shared witness) equals the one found by a forward pass
    just across every facet (:func:`pattern_towards`)."""
    from relugeom.arrangement.deep import pattern_towards

    net = DeepNetwork.random(widths, seed=seed, low=-64, high=64, denominator=64)
    regions = deep_activation_regions(net)
    edges = set()
    for i, r in enumerate(regions.regions):
        for f in r.facets:
            k = regions.region_of(pattern_towards(net, f.witness,
                                                  [Fraction(-u) for u in f.normal]))
            edges.add((min(i, k), max(i, k)))
    assert edges == {(min(i, k), max(i, k)) for i, k in regions.graph.edges}
