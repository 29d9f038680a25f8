"""Adversarial review of the float Gram bound through the front door: networks and samples
whose exact Jacobian is rank-deficient by an exact relation that float rounding destroys —
samples that are exact convex combinations (coefficients 1/3, 2/7) of samples of the same
region, pixels/255, neurons that are an exact rational multiple (1/3) of another, tiny
rationals that read as 0.0. `local_dimension_report` under "auto" (sent through the
certified path, not elimination) must never return more than exact elimination's rank: equal
when exact, an interval around it otherwise."""

from fractions import Fraction

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from relugeom import DeepNetwork, ShallowNetwork, deep_jacobian, jacobian, linalg
from relugeom.exact.arrays import RationalArray
from relugeom.rank.float_certificate import relative_error, shallow_float_jacobian
from relugeom.rank.shallow import ShallowModular

from .test_float_certificate import assert_within, exact_kept_jacobian
from .test_small import certified_path

COMBINATIONS = ((Fraction(1, 3), Fraction(2, 3)), (Fraction(2, 7), Fraction(5, 7)))


def _forward_patterns(layers, x):
    """The exact activation pattern of x (tuple of 0/1 per hidden neuron), None on a
    boundary."""
    h, pattern = list(x), []
    for W, b in layers[:-1]:
        z = [sum(w * v for w, v in zip(row, h)) + c for row, c in zip(W, b)]
        if any(v == 0 for v in z):
            return None
        pattern += [v > 0 for v in z]
        h = [max(v, 0) for v in z]
    return tuple(pattern)


def _with_relations(rng, layers, pool: list, count: int) -> list:
    """``pool`` plus ``count`` exact convex combinations of two pool samples of the same
    region (so every Jacobian row of a combination is the same combination of theirs)."""
    groups: dict = {}
    for x in pool:
        key = _forward_patterns(layers, x)
        if key is not None:
            groups.setdefault(key, []).append(x)
    pairs = [g for g in groups.values() if len(g) >= 2]
    rows = [x for g in groups.values() for x in g]
    for t in range(count if pairs else 0):
        group = pairs[t % len(pairs)]
        i, j = rng.choice(len(group), 2, replace=False)
        a, b = COMBINATIONS[t % 2]
        rows.append([a * u + b * v for u, v in zip(group[i], group[j])])
    return rows


def _layers(rng, widths, float32: bool, multiple: bool):
    """Float (He-like) weights as exact Fractions; with ``multiple``, neuron 1 of the first
    layer is exactly 1/3 of neuron 0 (its float value is not)."""
    cast = np.float32 if float32 else np.float64
    layers = []
    for l in range(1, len(widths)):
        W = rng.normal(0, np.sqrt(2 / widths[l - 1]), (widths[l], widths[l - 1])).astype(cast)
        b = rng.normal(0, 0.3, widths[l]).astype(cast)
        layers.append(([[Fraction(float(v)) for v in row] for row in W],
                       [Fraction(float(v)) for v in b]))
    if multiple and widths[1] > 1:
        W, b = layers[0]
        W[1], b[1] = [w / 3 for w in W[0]], b[0] / 3
    return layers


def _pool(rng, n: int, d: int) -> list:
    """Pixels/255 (rationals, not floats) and a few float64 samples, as Fractions."""
    pixels = [[Fraction(int(v), 255) for v in row] for row in rng.integers(0, 256, (n, d))]
    floats = [[Fraction(float(v)) for v in row] for row in rng.normal(size=(n // 4, d))]
    return pixels + floats


@given(st.integers(0, 10_000), st.booleans(), st.booleans(), st.integers(1, 3))
def test_shallow_auto_never_above_exact_elimination(seed, float32, multiple, m):
    rng = np.random.default_rng(seed)
    d, N = int(rng.integers(2, 5)), int(rng.integers(2, 6))
    layers = _layers(rng, [d, N, m], float32, multiple)
    rows = _with_relations(rng, layers, _pool(rng, 8, d), 4)
    (W, b), (V, c) = layers
    net = ShallowNetwork(W=W, b=b, V=V, c=c)
    X = RationalArray.from_fractions(rows)
    exact = linalg.rank(jacobian(net, rows), net.n_parameters)
    report = certified_path(net, X)
    assert report.lower_bound <= exact <= report.upper_bound
    if report.exact:
        assert report.value == exact


@given(st.integers(0, 10_000), st.booleans(), st.booleans())
def test_deep_auto_never_above_exact_elimination(seed, float32, multiple):
    rng = np.random.default_rng(seed)
    d = int(rng.integers(2, 4))
    widths = [d, int(rng.integers(2, 5)), int(rng.integers(2, 5)), int(rng.integers(1, 3))]
    layers = _layers(rng, widths, float32, multiple)
    rows = _with_relations(rng, layers, _pool(rng, 8, d), 4)
    net = DeepNetwork(layers)
    X = RationalArray.from_fractions(rows)
    exact = linalg.rank(deep_jacobian(net, rows, 0), net.n_parameters)
    report = certified_path(net, X)
    assert report.lower_bound <= exact <= report.upper_bound
    if report.exact:
        assert report.value == exact


def test_the_relations_are_real_and_float_rounding_breaks_them():
    """The cases above are deficient by their relations (rank < n·m), and float64 sees the
    rows as independent (numpy's rank with a tolerance far below the rounding finds n·m): the
    float Gram bound is what stands between rounding and a wrong certificate."""
    rng = np.random.default_rng(4)
    layers = _layers(rng, [3, 4, 1], False, True)
    rows = _with_relations(rng, layers, _pool(rng, 8, 3), 4)
    (W, b), (V, c) = layers
    net = ShallowNetwork(W=W, b=b, V=V, c=c)
    J = jacobian(net, rows)
    exact = linalg.rank(J, net.n_parameters)
    assert exact < len(rows) <= net.n_parameters
    float_rank = np.linalg.matrix_rank(np.array(J, dtype=float), tol=1e-300)
    assert float_rank > exact
    report = certified_path(net, RationalArray.from_fractions(rows))
    assert report.exact and report.value == exact


def test_a_tiny_rational_read_as_zero_is_not_within_a_relative_bound():
    """1/10^400 reads as 0.0; a relative error bound α·|0| = 0 would not cover it (the
    Jacobian's V-columns relu(w·x) would be off by w·10^-400 with a bound of 0 there): the
    float path must refuse such an input or bound it."""
    tiny = Fraction(1, 10 ** 400)
    A = RationalArray.from_fractions([[tiny, Fraction(1, 3)]])
    assert relative_error(A, A.to_float()) is None
    assert relative_error(RationalArray.from_fractions([[Fraction(0), Fraction(1, 3)]]),
                          np.array([[0.0, 1 / 3]])) is not None
    net = ShallowNetwork(W=[[1, 2], [3, -1]], b=[1, 1], V=[[1, 1]], c=[0])
    rows = [[tiny, Fraction(1, 3)], [Fraction(1, 7), tiny], [Fraction(2, 3), Fraction(1, 5)]]
    X = RationalArray.from_fractions(rows)
    case = ShallowModular(net, X)
    found = shallow_float_jacobian(case)
    if found is not None:
        assert_within(exact_kept_jacobian(net, X, case), *found)
    report = certified_path(net, X)
    assert report.value == linalg.rank(jacobian(net, rows), net.n_parameters)
