"""The pruned enumeration inside a polyhedron (relugeom.arrangement.within): its plane-specific
insertion against the generic one, the line restriction against the generic restriction, and
the exact phase-one simplex (relugeom.linalg.lp) against a brute force over supports."""

import itertools
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom.arrangement import within
from relugeom.arrangement.restriction import evaluate, primitive, restrict, restrict_to_line
from relugeom.linalg.lp import nonnegative_solution, positive_relation, recession_direction

small = st.integers(-4, 4)


@st.composite
def lines(draw, count):
    """Distinct primitive lines of the plane (small integers, so parallel and concurrent ones
    are common)."""
    out = []
    for _ in range(count):
        u = (draw(small), draw(small))
        if u == (0, 0):
            u = (1, 0)
        key, _ = primitive(u, draw(small))
        if key not in out:
            out.append(key)
    return out


@given(lines(9))
def test_line_restriction_is_the_generic_restriction(hyperplanes):
    """Each (slope, value) of restrict_to_line, made primitive, is restrict's hyperplane and
    orientation; slope 0 is restrict's constant side."""
    onto, others = hyperplanes[0], hyperplanes[1:]
    distinct, mapping = restrict(others, onto)
    for (slope, value), (idx, o) in zip(restrict_to_line(others, onto), mapping):
        if slope == 0:
            assert idx is None and o == (1 if value > 0 else -1)
        else:
            assert (distinct[idx], o) == primitive((slope,), value)


def _generic(hyperplanes, required, start):
    """cells_within's loop from ``start``, every cut split by the generic restriction (restrict
    to the line, enumerate it, lift, push off) instead of the plane's sweep."""
    inserted = [K for K, r in enumerate(required) if r]
    cells = {sum(1 << K for K in inserted if required[K] > 0): start}
    for k in [K for K, r in enumerate(required) if not r]:
        H = hyperplanes[k]
        values = within._values(H, cells)
        start = within._trace_point(H, cells, values)
        hint = within._drop(next(iter(cells.values())), within.pivot(H))
        split = within._split(H, [hyperplanes[K] for K in inserted],
                              [required[K] for K in inserted], inserted, start, hint)
        cells = within._grow(cells, split, values, 1 << k, 0)
        inserted.append(k)
    return cells


@given(lines(10), st.data())
def test_plane_insertion_is_the_generic_insertion(hyperplanes, data):
    """Same cells and the same points as the generic insertion (restrict to the line, enumerate
    it, lift, push off), and every point strictly on its cell's side of every line."""
    n = len(hyperplanes)
    walls = data.draw(st.lists(st.sampled_from(range(n)), max_size=3, unique=True))
    start = ((data.draw(small), data.draw(small)), data.draw(st.integers(1, 3)))
    required = [0] * n
    for K in walls:
        v = evaluate(hyperplanes[K], start)
        required[K] = (v > 0) - (v < 0)
    if any(K in walls and not required[K] for K in range(n)):
        return      # the start lies on a wall: not a point strictly inside
    got = dict(within.cells_within(hyperplanes, required, 2, start))
    assert got == _generic(hyperplanes, required, start)
    for bits, point in got.items():
        for K, H in enumerate(hyperplanes):
            v = evaluate(H, point)
            assert v != 0 and (v > 0) == bool(bits >> K & 1)
            assert required[K] * v >= 0


def _solve(columns, q):
    """A solution z of Σ z_j columns_j = q by exact elimination, or None."""
    r = len(q)
    A = [[Fraction(c[i]) for c in columns] + [Fraction(q[i])] for i in range(r)]
    pivots, row = [], 0
    for j in range(len(columns)):
        k = next((i for i in range(row, r) if A[i][j]), None)
        if k is None:
            continue
        A[row], A[k] = A[k], A[row]
        A[row] = [v / A[row][j] for v in A[row]]
        for i in range(r):
            if i != row and A[i][j]:
                A[i] = [v - A[i][j] * w for v, w in zip(A[i], A[row])]
        pivots.append(j)
        row += 1
    if any(A[i][-1] for i in range(row, r)):
        return None
    z = [Fraction(0)] * len(columns)
    for i, j in enumerate(pivots):
        z[j] = A[i][-1]
    return z


def _feasible_by_supports(M, q):
    """{M z = q, z ≥ 0} is feasible iff a solution supported on some set of columns is ≥ 0
    (Carathéodory: a feasible system has a basic feasible solution)."""
    n = len(M[0])
    columns = [[row[j] for row in M] for j in range(n)]
    for size in range(len(M) + 1):
        for support in itertools.combinations(range(n), size):
            z = _solve([columns[j] for j in support], q)
            if z is not None and all(v >= 0 for v in z):
                return True
    return False


@given(st.integers(1, 3).flatmap(lambda r: st.tuples(
    st.lists(st.lists(small, min_size=5, max_size=5), min_size=r, max_size=r),
    st.lists(small, min_size=r, max_size=r))))
def test_phase_one_against_supports(case):
    """Dantzig's rule with Bland's after a degenerate pivot, artificials dropped as they leave:
    a solution when (and only when) the brute force over supports finds one, and it solves."""
    M, q = case
    z = nonnegative_solution(M, q)
    assert (z is not None) == _feasible_by_supports(M, q)
    if z is not None:
        assert all(v >= 0 for v in z)
        assert all(sum(a * v for a, v in zip(row, z)) == qi for row, qi in zip(M, q))


@given(st.lists(st.tuples(small, small), min_size=1, max_size=6))
def test_positive_relation_against_supports(vectors):
    """y > 0 with Σ y_i a_i = 0 iff u ≥ 0 solves Σ u_i a_i = −Σ a_i (y = 1 + u)."""
    M = [[a[k] for a in vectors] for k in range(2)]
    q = [-sum(row) for row in M]
    assert positive_relation(vectors) == _feasible_by_supports(M, q)


@given(st.lists(st.lists(small, min_size=3, max_size=3), min_size=1, max_size=6))
def test_recession_direction_against_positive_relation(vectors):
    """None exactly when positive_relation holds; otherwise a certificate, checked: a_i·v ≥ 0
    for every i and Σ a_i·v > 0."""
    v = recession_direction(vectors)
    assert (v is None) == positive_relation(vectors)
    if v is not None:
        dots = [sum(a * x for a, x in zip(u, v)) for u in vectors]
        assert min(dots) >= 0 and sum(dots) > 0


@given(st.one_of(st.none(), st.integers(-50, 50)), st.integers(1, 40), st.integers(1, 12),
       st.booleans())
def test_between_is_strictly_between(p, gap, L, upper):
    """_between: strictly inside (p/L, q/L) (either end may be open), denominator 2^k."""
    q = None if p is not None and not upper else (p if p is not None else 0) + gap
    Y, E = within._between(p, q, L)
    assert E & (E - 1) == 0
    assert p is None or Y * L > p * E
    assert q is None or Y * L < q * E


@st.composite
def polyhedron_with_cuts(draw, d):
    """Walls (a box (−3, 3)^d and random walls holding a random start point strictly) and
    random cuts, as distinct primitive hyperplanes with their required sides, and the start."""
    coords = st.integers(-2, 2)
    start = (tuple(draw(coords) for _ in range(d)), draw(st.integers(1, 2)))
    hyperplanes, required = [], []
    candidates = []
    for i in range(d):
        unit = tuple(int(k == i) for k in range(d))
        candidates += [((unit, 3), True), ((unit, -3), True)]
    for _ in range(draw(st.integers(0, 4))):
        u = tuple(draw(small) for _ in range(d))
        candidates.append(((u, draw(small)), True))
    for _ in range(draw(st.integers(1, 7))):
        u = tuple(draw(small) for _ in range(d))
        candidates.append(((u, draw(small)), False))
    for (u, c), is_wall in candidates:
        if not any(u):
            continue
        key, _ = primitive(u, c)
        v = evaluate(key, start)
        if key in hyperplanes or (is_wall and not v):
            continue
        hyperplanes.append(key)
        required.append((1 if v > 0 else -1) if is_wall else 0)
    return hyperplanes, required, start


@pytest.mark.parametrize("lp_from", [3, 4])
@given(st.integers(3, 4).flatmap(lambda d: st.tuples(st.just(d), polyhedron_with_cuts(d))))
def test_cells_within_against_the_whole_arrangement(lp_from, case):
    """The pruned enumeration from a start point, and from scratch — cuts no known point sees
    decided by a Farkas certificate (point_below) from dimension ``lp_from`` on, missing ones
    left out, starts made short — has exactly the cells of the whole arrangement (the shallow
    enumeration, no walls, no LP) on the walls' required sides, each point strictly inside its
    cell."""
    from relugeom.arrangement.cells import _enumerate

    d, (hyperplanes, required, start) = case
    saved, within.LP_FROM = within.LP_FROM, lp_from
    try:
        got = dict(within.cells_within(hyperplanes, required, d, start))
        scratch = dict(within.cells_within(hyperplanes, required, d))   # walls inserted too
    finally:
        within.LP_FROM = saved
    want = set()
    for bits, _, _ in _enumerate(hyperplanes, d, False):
        if all(not r or bool(bits >> K & 1) == (r > 0) for K, r in enumerate(required)):
            want.add(bits)
    assert set(got) == want == set(scratch)
    for bits, point in [*got.items(), *scratch.items()]:
        for K, H in enumerate(hyperplanes):
            v = evaluate(H, point)
            assert v and (v > 0) == bool(bits >> K & 1)


@given(polyhedron_with_cuts(3), st.integers(1, 10 ** 6))
def test_simpler_start_stays_inside_the_walls(case, scale):
    """_simpler: a point strictly on the required side of every wall, never longer."""
    hyperplanes, required, (X, D) = case
    point = (tuple(x * scale for x in X), D * scale)
    short = within._simpler(point, hyperplanes, required)
    assert short[1] <= point[1]
    for H, r in zip(hyperplanes, required):
        if r:
            v = evaluate(H, short)
            assert v and (v > 0) == (r > 0)
