"""Cells of hyperplane arrangements (relugeom.arrangement.cells, .zaslavsky): enumeration,
Zaslavsky counts, boundedness, locating samples, boxes and the adjacency of cells, checked
independently.

References built differently from relugeom's code:
- Whitney's formula χ(t) = Σ_{central S} (−1)^{|S|} t^{d − rank S}, over all subsets, with
  textbook Gaussian elimination (tests/reference.py), duplicates merged by dividing by the
  first nonzero normal entry;
- boundedness of a cell from its recession cone, by trying every candidate extreme ray (the
  kernel of d − 1 of its normals);
- Sage's HyperplaneArrangements when passagemath-polyhedra is importable (skipped otherwise).
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from math import comb

import networkx as nx
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from relugeom import BoundaryError, InputError, activation_patterns
from relugeom.arrangement.cells import (cells_meeting_box, enumerate_cells,
                                        hyperplane_arrangement, locate)
from relugeom.arrangement.pieces import adjacency_graph
from relugeom.arrangement.zaslavsky import characteristic_polynomial, region_counts
from relugeom.search.strategies import networks
from tests.reference import reference_rank

# --- references ----------------------------------------------------------------------------------


def distinct_hyperplanes(W, b):
    """Each hyperplane once, as (w, b) divided by the first nonzero entry of w."""
    seen = {}
    for w, bj in zip(W, b):
        w = [Fraction(q) for q in w]
        lead = next((q for q in w if q), None)
        if lead is not None:
            key = tuple(q / lead for q in w) + (Fraction(bj) / lead,)
            seen.setdefault(key, None)
    return list(seen)


def whitney_chi(W, b):
    """Coefficients (index = power of t) of χ by Whitney's subset formula."""
    d = len(W[0])
    hyps = distinct_hyperplanes(W, b)
    chi = [0] * (d + 1)
    for size in range(len(hyps) + 1):
        for S in itertools.combinations(hyps, size):
            normals = [h[:d] for h in S]
            r = reference_rank(normals) if S else 0
            if (reference_rank(list(S)) if S else 0) == r:   # W_S x = −b_S is solvable
                chi[d - r] += (-1) ** size
    return chi


def whitney_counts(W, b):
    d = len(W[0])
    chi = whitney_chi(W, b)
    hyps = distinct_hyperplanes(W, b)
    r = reference_rank([h[:d] for h in hyps]) if hyps else 0
    regions = (-1) ** d * sum(c * (-1) ** i for i, c in enumerate(chi))
    relatively_bounded = (-1) ** r * sum(chi)
    return regions, relatively_bounded, relatively_bounded if r == d else 0


def kernel_vector(rows, d):
    """A nonzero vector orthogonal to the given d − 1 rows, or None if they are dependent."""
    if reference_rank(rows) < len(rows) if rows else False:
        return None
    if not rows:
        return [Fraction(1)]
    # cofactor expansion: u_k = (−1)^k det(rows without column k)
    def det(M):
        if not M:
            return Fraction(1)
        return sum((-1) ** k * M[0][k] * det([r[:k] + r[k + 1:] for r in M[1:]])
                   for k in range(len(M)))
    u = [(-1) ** k * det([list(r[:k]) + list(r[k + 1:]) for r in rows]) for k in range(d)]
    return u if any(u) else None


def is_bounded_by_rays(normals_with_signs, d):
    """A cell {s_h (n_h·x + c_h) > 0} of an essential arrangement is bounded iff its (pointed)
    recession cone {u : s_h n_h·u ≥ 0} has no extreme ray; extreme rays are kernels of d − 1
    of the constraints."""
    rows = [[s * q for q in n] for n, s in normals_with_signs]
    for subset in itertools.combinations(rows, d - 1):
        u = kernel_vector([list(r) for r in subset], d)
        if u is None:
            continue
        for ray in (u, [-q for q in u]):
            if all(sum(a * x for a, x in zip(r, ray)) >= 0 for r in rows):
                return False
    return True


def sage_counts(W, b):
    pytest.importorskip("sage.all__sagemath_polyhedra")
    from sage.all__sagemath_polyhedra import QQ
    from sage.geometry.hyperplane_arrangement.arrangement import HyperplaneArrangements

    hyps = distinct_hyperplanes(W, b)
    if not hyps:
        return None
    d = len(W[0])
    parent = HyperplaneArrangements(QQ, tuple(f"x{i}" for i in range(d)))
    A = parent([[QQ((q.numerator, q.denominator)) for q in (h[d], *h[:d])] for h in hyps])
    return int(A.n_regions()), int(A.n_bounded_regions())


# --- strategies ----------------------------------------------------------------------------------


@st.composite
def degenerate_arrangements(draw, dims=(1, 6)):
    """Small integer entries in [−2, 2] (many coincidences by chance) plus forced duplicates,
    opposite orientations, parallels, concurrences and neurons with w = 0."""
    d = draw(st.integers(*dims))
    N = draw(st.integers(1, 7 - d // 2))
    entry = st.integers(-2, 2).map(Fraction)
    W = [[draw(entry) for _ in range(d)] for _ in range(N)]
    b = [draw(entry) for _ in range(N)]
    kinds = draw(st.lists(st.sampled_from(
        ["duplicate", "opposite", "parallel", "zero", "concurrent"]), max_size=3))
    for kind in kinds:
        i = draw(st.integers(0, len(W) - 1))
        lam = draw(st.sampled_from([Fraction(1), Fraction(2), Fraction(1, 3)]))
        if kind == "duplicate":
            W.append([lam * q for q in W[i]]), b.append(lam * b[i])
        elif kind == "opposite":
            W.append([-lam * q for q in W[i]]), b.append(-lam * b[i])
        elif kind == "parallel":
            W.append([lam * q for q in W[i]]), b.append(lam * b[i] + draw(entry) + 1)
        elif kind == "zero":
            W.append([Fraction(0)] * d), b.append(draw(entry))
        else:   # another hyperplane through a vertex-ish point of hyperplane i
            point = [draw(entry) for _ in range(d)]
            for j in (i, len(W) - 1):
                if any(W[j]):
                    b[j] = -sum(w * p for w, p in zip(W[j], point))
    return W, b


@st.composite
def generic_arrangements(draw):
    """Arrangements in general position: every d normals independent, no d + 1 hyperplanes
    through a point (checked exactly)."""
    d = draw(st.integers(1, 4))
    N = draw(st.integers(d, d + 4))
    entry = st.integers(-20, 20).map(Fraction)
    rows = [[draw(entry) for _ in range(d + 1)] for _ in range(N)]
    for size in range(1, min(N, d) + 1):
        for S in itertools.combinations(rows, size):
            assume(reference_rank([r[:d] for r in S]) == size)
    if N > d:
        for S in itertools.combinations(rows, d + 1):
            assume(reference_rank(list(S)) == d + 1)
    return [r[:d] for r in rows], [r[d] for r in rows]


def _check_cells(W, b, cells):
    """Every point strictly inside its cell, with the cell's pattern; patterns distinct."""
    assert len({c.pattern for c in cells}) == len(cells)
    for cell in cells:
        for j, (w, bj) in enumerate(zip(W, b)):
            z = sum(Fraction(p) * q for p, q in zip(w, cell.point)) + Fraction(bj)
            if any(w):
                assert z != 0, f"point of {cell.pattern} lies on neuron {j}"
            assert cell.pattern[j] == (1 if z > 0 else 0)


# --- enumeration and counting against Whitney ----------------------------------------------------


@given(degenerate_arrangements())
def test_enumeration_and_zaslavsky_agree_with_whitney(arrangement_data):
    W, b = arrangement_data
    arr = hyperplane_arrangement(W, b)
    cells = enumerate_cells(arr)
    counts = region_counts(arr)
    expected = whitney_counts(W, b)
    assert list(characteristic_polynomial(arr)) == whitney_chi(W, b)
    assert (counts.regions, counts.relatively_bounded, counts.bounded) == expected
    enumerated = (len(cells), sum(c.relatively_bounded for c in cells),
                  sum(c.bounded for c in cells))
    assert enumerated == expected
    _check_cells(W, b, cells)


@given(degenerate_arrangements(dims=(1, 4)))
def test_boundedness_of_each_cell_from_its_recession_cone(arrangement_data):
    W, b = arrangement_data
    arr = hyperplane_arrangement(W, b)
    d = arr.dimension
    assume(arr.hyperplanes and arr.rank == d)
    for cell in enumerate_cells(arr):
        constraints = [(n, s) for (n, _), s in zip(arr.hyperplanes, cell.side)]
        assert cell.bounded == is_bounded_by_rays(constraints, d)


@given(degenerate_arrangements(dims=(1, 3)), st.integers(1, 2))
def test_relatively_bounded_is_bounded_of_the_essential_part(arrangement_data, extra):
    """Padding with unused coordinates keeps the cells; bounded becomes relatively bounded."""
    W, b = arrangement_data
    cells = enumerate_cells(hyperplane_arrangement(W, b))
    padded = enumerate_cells(hyperplane_arrangement([list(w) + [0] * extra for w in W], b))
    assert {c.pattern: c.relatively_bounded for c in padded} == \
        {c.pattern: c.relatively_bounded for c in cells}
    assert not any(c.bounded for c in padded)


@given(generic_arrangements())
def test_general_position_counts(arrangement_data):
    W, b = arrangement_data
    d, N = len(W[0]), len(W)
    arr = hyperplane_arrangement(W, b)
    cells = enumerate_cells(arr)
    counts = region_counts(arr)
    regions = sum(comb(N, i) for i in range(d + 1))
    bounded = comb(N - 1, d)
    assert len(cells) == counts.regions == regions
    assert sum(c.bounded for c in cells) == counts.bounded == bounded


@given(degenerate_arrangements(dims=(1, 4)))
def test_counts_agree_with_sage(arrangement_data):
    W, b = arrangement_data
    peer = sage_counts(W, b)
    assume(peer is not None)   # Sage miscounts the empty arrangement
    counts = region_counts(hyperplane_arrangement(W, b))
    assert (counts.regions, counts.relatively_bounded) == peer


@given(degenerate_arrangements(dims=(1, 4)), st.data())
def test_invariance_under_permuting_and_rescaling_neurons(arrangement_data, data):
    W, b = arrangement_data
    N = len(W)
    perm = data.draw(st.permutations(range(N)))
    scales = [data.draw(st.sampled_from([Fraction(1, 2), Fraction(1), Fraction(3)]))
              for _ in range(N)]
    W2 = [[scales[j] * q for q in W[j]] for j in perm]
    b2 = [scales[j] * b[j] for j in perm]
    cells = enumerate_cells(hyperplane_arrangement(W, b))
    cells2 = enumerate_cells(hyperplane_arrangement(W2, b2))
    assert region_counts(hyperplane_arrangement(W, b)) == \
        region_counts(hyperplane_arrangement(W2, b2))
    permuted = {tuple(c.pattern[j] for j in perm): (c.bounded, c.relatively_bounded)
                for c in cells}
    assert permuted == {c.pattern: (c.bounded, c.relatively_bounded) for c in cells2}


# --- hand cases ----------------------------------------------------------------------------------


def summary(W, b):
    arr = hyperplane_arrangement(W, b)
    cells = enumerate_cells(arr)
    counts = region_counts(arr)
    assert (len(cells), sum(c.bounded for c in cells), sum(c.relatively_bounded for c in cells)) \
        == (counts.regions, counts.bounded, counts.relatively_bounded)
    return counts.regions, counts.bounded, counts.relatively_bounded


def test_three_parallel_lines():
    assert summary([[1, 0], [1, 0], [1, 0]], [0, -1, -2]) == (4, 0, 2)
    assert characteristic_polynomial(hyperplane_arrangement([[1, 0]] * 3, [0, -1, -2])) \
        == (0, -3, 1)


@pytest.mark.parametrize("N", [1, 2, 3, 5])
def test_lines_through_one_point(N):
    W = [[1, k] for k in range(N)]
    b = [-(1 + 2 * k) for k in range(N)]   # all through (1, 2)
    assert summary(W, b) == (2 * N, 0, 0)


def test_repeated_and_opposite_hyperplanes_count_once():
    assert summary([[1, 1], [2, 2], [-1, -1], [1, 0]], [1, 2, -1, 0]) == (4, 0, 0)
    arr = hyperplane_arrangement([[1, 1], [2, 2], [-1, -1], [1, 0]], [1, 2, -1, 0])
    assert arr.groups == ((0, 1, 2), (3,))
    for cell in enumerate_cells(arr):
        assert cell.pattern[0] == cell.pattern[1] != cell.pattern[2]


def test_neurons_with_zero_weights():
    W, b = [[0, 0], [0, 0], [0, 0], [1, -1]], [2, -1, 0, 0]
    cells = enumerate_cells(hyperplane_arrangement(W, b))
    assert [c.pattern for c in cells] == [(1, 0, 0, 1), (1, 0, 0, 0)]
    assert summary(W, b) == (2, 0, 0)
    only_constant = enumerate_cells(hyperplane_arrangement([[0], [0]], [1, -1]))
    assert [(c.pattern, c.bounded) for c in only_constant] == [((1, 0), False)]
    assert summary([[0], [0]], [1, -1]) == (1, 0, 1)


def test_one_dimension_cells_are_the_intervals():
    cells = enumerate_cells(hyperplane_arrangement([[2], [-1], [3], [1]], [-1, 3, 0, 0]))
    roots = sorted({Fraction(1, 2), Fraction(3), Fraction(0)})
    points = sorted(c.point[0] for c in cells)
    assert len(points) == 4
    assert points[0] < roots[0] < points[1] < roots[1] < points[2] < roots[2] < points[3]
    assert [c.bounded for c in sorted(cells, key=lambda c: c.point)] == [False, True, True, False]


def test_bad_input_is_named():
    with pytest.raises(InputError, match="b has 1 entries"):
        hyperplane_arrangement([[1], [2]], [0])
    with pytest.raises(InputError, match="W is ragged"):
        hyperplane_arrangement([[1], [2, 3]], [0, 0])
    with pytest.raises(InputError, match=r"W\[0\]\[0\]"):
        hyperplane_arrangement([["nan"]], [0])


# --- locating samples ----------------------------------------------------------------------------


@given(networks(input_dim=(1, 3), hidden_width=(1, 5), random_features=True), st.data())
def test_located_cell_has_the_core_activation_pattern(net, data):
    d = net.input_dim
    X = data.draw(st.lists(st.lists(st.integers(-4, 4).map(Fraction), min_size=d, max_size=d),
                           min_size=1, max_size=6))
    arr = hyperplane_arrangement(net.W, net.b)
    cells = enumerate_cells(arr)
    try:
        patterns = activation_patterns(net, X)
    except BoundaryError as exc:
        with pytest.raises(BoundaryError) as info:
            locate(arr, cells, X)
        assert (info.value.sample, info.value.neuron) <= (exc.sample, len(net.W))
        return
    assert [cells[i].pattern for i in locate(arr, cells, X)] == list(patterns)


def test_sample_on_a_hyperplane_names_sample_and_neuron():
    arr = hyperplane_arrangement([[0, 1], [1, 0], [2, 0]], [1, -1, -2])
    cells = enumerate_cells(arr)
    with pytest.raises(BoundaryError) as info:
        locate(arr, cells, [[5, 5], [1, 7]])
    assert (info.value.sample, info.value.neuron) == (1, 1)
    with pytest.raises(InputError, match="column"):
        locate(arr, cells, [[1, 2, 3]])


# --- box ----------------------------------------------------------------------------------------


def test_box_hand_cases():
    arr = hyperplane_arrangement([[1, 0], [0, 1]], [0, 0])   # the axes: 4 quadrants
    cells = enumerate_cells(arr)
    assert len(cells_meeting_box(arr, -1, 1, cells)) == 4
    assert len(cells_meeting_box(arr, 1, 2, cells)) == 1
    assert len(cells_meeting_box(arr, 0, 1, cells)) == 1        # open box: touching is not meeting
    line = hyperplane_arrangement([[1], [1], [1]], [-1, -2, -3])   # points 1, 2, 3 on the line
    assert len(cells_meeting_box(line, 0, 2)) == 2
    assert len(cells_meeting_box(line, Fraction(3, 2), 4)) == 3
    with pytest.raises(InputError, match="lo < hi"):
        cells_meeting_box(line, 2, 2)


@given(degenerate_arrangements(dims=(1, 3)), st.integers(-3, 2), st.integers(1, 4))
def test_box_points_are_inside_and_a_huge_box_meets_every_cell(arrangement_data, lo, width):
    W, b = arrangement_data
    arr = hyperplane_arrangement(W, b)
    cells = enumerate_cells(arr)
    hi = lo + width
    found = cells_meeting_box(arr, lo, hi, cells)
    for i, point in found.items():
        assert all(lo < q < hi for q in point)
        assert arr.side(point) == cells[i].side
    bigger = cells_meeting_box(arr, lo - 1, hi + 1, cells)
    assert set(found) <= set(bigger)
    assert len(cells_meeting_box(arr, -10 ** 6, 10 ** 6, cells)) == len(cells)


# --- the adjacency graph of the cells -----------------------------------------------------------


@given(degenerate_arrangements(dims=(1, 3)))
def test_edges_are_shared_facets(arrangement_data):
    W, b = arrangement_data
    arr = hyperplane_arrangement(W, b)
    cells = enumerate_cells(arr)
    G = adjacency_graph(arr, cells)
    assert G.number_of_nodes() == len(cells)
    if len(cells) > 1:
        assert nx.is_connected(G)
    for i, k, data in G.edges(data=True):
        h = data["hyperplane"]
        differ = [g for g, (s, t) in enumerate(zip(cells[i].side, cells[k].side)) if s != t]
        assert differ == [h]
        # the segment between the interior points crosses hyperplane h off every other one
        p, q = cells[i].point, cells[k].point
        u, c = arr.hyperplanes[h]
        fp = sum(a * x for a, x in zip(u, p)) + c
        fq = sum(a * x for a, x in zip(u, q)) + c
        t = fp / (fp - fq)
        crossing = [x + t * (y - x) for x, y in zip(p, q)]
        side = arr.side(crossing)
        assert side[h] == 0 and all(side[g] != 0 for g in range(len(side)) if g != h)


@given(degenerate_arrangements(dims=(2, 2)))
def test_planar_euler_relation(arrangement_data):
    """Lines in the plane: vertices − edges + regions = 1 (edges = shared facets)."""
    W, b = arrangement_data
    arr = hyperplane_arrangement(W, b)
    cells = enumerate_cells(arr)
    vertices = set()
    for (u, c), (v, e) in itertools.combinations(arr.hyperplanes, 2):
        det = u[0] * v[1] - u[1] * v[0]
        if det:
            vertices.add((Fraction(-c * v[1] + e * u[1], det), Fraction(-u[0] * e + v[0] * c, det)))
    G = adjacency_graph(arr, cells)
    assert len(vertices) - G.number_of_edges() + len(cells) == 1
