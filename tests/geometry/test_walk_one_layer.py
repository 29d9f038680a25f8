"""The walk with one hidden layer (relugeom.geometry.walk's vectorised path), against
independent computations: the breakpoints against the roots of every z_ij(t) = a + b·t found
one by one with Fractions, the perceived regions against the patterns recomputed at the piece's
point, and each piece's dimension against exact elimination of the whole Jacobian there
(``method="exact"``, no modular rank, no compression) — on small integer networks with
repeated and collinear samples, dead and zero-output neurons, several outputs and both
conventions, and on float weights as training leaves them.
"""

import importlib
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom import BoundaryError, InputError, ShallowNetwork, local_dimension, walk
from relugeom.geometry.walk import point_on_segment
from relugeom.rank.backprop import full_patterns


def brute_force_breakpoints(net, direction, X, t0, t1):
    """{t: {(sample, neuron)}} over the roots in (t0, t1) of z_ij(t), one Fraction at a time."""
    found: dict = {}
    for i, x in enumerate(X):
        for j in range(net.hidden_width):
            a = sum((w * v for w, v in zip(net.W[j], x)), net.b[j])
            b = sum((w * v for w, v in zip(direction.W[j], x)), direction.b[j])
            if b != 0 and t0 < -a / b < t1:
                found.setdefault(-a / b, set()).add((i, j))
    return found


def check_walk(net, direction, X, t0, t1, convention):
    result = walk(net, X, direction, t0, t1, relu_prime_at_zero=convention)
    expected = brute_force_breakpoints(net, direction, X, Fraction(t0), Fraction(t1))
    assert [bp.t.value for bp in result.breakpoints] == sorted(expected)
    for bp in result.breakpoints:
        assert {(e.sample, e.neuron) for e in bp.events} == expected[bp.t.value]
        assert all(e.layer == 1 and e.before != e.after for e in bp.events)
    previous = None
    for piece in result.pieces:
        here = point_on_segment(net, direction, piece.point)
        patterns = full_patterns(here, X, convention)
        assert piece.activation_regions_perceived == len(set(patterns))
        assert piece.dimension == local_dimension(here, X, relu_prime_at_zero=convention,
                                                  method="exact")
        if previous is not None:
            assert piece.changed_samples == tuple(
                i for i, (a, b) in enumerate(zip(previous, patterns)) if a != b)
        previous = patterns
    return result


small = st.integers(-2, 2)


@st.composite
def one_layer_walks(draw):
    d, N, m = draw(st.integers(1, 2)), draw(st.integers(1, 4)), draw(st.integers(1, 2))

    def net():
        return ShallowNetwork([[draw(small) for _ in range(d)] for _ in range(N)],
                              [draw(small) for _ in range(N)],
                              [[draw(small) for _ in range(N)] for _ in range(m)],
                              [draw(small) for _ in range(m)])

    base, direction = net(), net()
    rows = draw(st.lists(st.lists(st.fractions(-3, 3, max_denominator=4), min_size=d,
                                  max_size=d), min_size=1, max_size=6))
    # repeated and collinear samples: the row bases of the regions are not all d + 1 samples
    extra = draw(st.lists(st.sampled_from(range(len(rows))), max_size=3))
    X = rows + [[2 * q for q in rows[k]] for k in extra] + [rows[k] for k in extra]
    return base, direction, X, draw(st.sampled_from(["error", 0, 1]))


@given(one_layer_walks())
def test_one_layer_walk_matches_independent_computations(case):
    net, direction, X, convention = case
    try:
        check_walk(net, direction, X, -1, 2, convention)
    except BoundaryError:
        # a sample on a neuron's boundary for a whole piece: refused, as it must be, only
        # when no convention is chosen and some z_ij is identically 0 on the segment
        assert convention == "error"
        assert any(
            sum((w * v for w, v in zip(net.W[j], x)), net.b[j]) == 0 and
            sum((w * v for w, v in zip(direction.W[j], x)), direction.b[j]) == 0
            for x in X for j in range(net.hidden_width))


def test_aligned_neurons_take_the_exact_fallback():
    # two neurons on one hyperplane and a direction that keeps them there: the dimension is
    # below every upper bound the modular certificate uses, so each piece is eliminated exactly
    net = ShallowNetwork([[1, 0], [2, 0], [0, 1]], [0, 0, -1], [[1, 1, 1]], [0])
    direction = ShallowNetwork([[0, 0], [0, 0], [0, 0]], [-1, -2, 0], [[0, 0, 0]], [0])
    X = [[Fraction(k, 3), Fraction(k, 5) + Fraction(1, 7)] for k in range(-6, 7)]
    result = check_walk(net, direction, X, 0, 2, "error")
    assert len(result.pieces) > 3 and max(result.dimensions) < result.symmetry_bound


def test_float_weights_as_training_leaves_them():
    # float64 weights and samples, read as their exact binary values; three pieces checked
    rng = np.random.default_rng(7)
    d, N, n = 3, 5, 16
    net = ShallowNetwork(rng.normal(size=(N, d)), rng.normal(size=N), rng.normal(size=(1, N)),
                         rng.normal(size=1))
    direction = ShallowNetwork(rng.normal(size=(N, d)), rng.normal(size=N),
                               rng.normal(size=(1, N)), rng.normal(size=1))
    X = rng.normal(size=(n, d))
    result = walk(net, X, direction, 0, 1)
    exact_X = [[Fraction(float(v)) for v in row] for row in X]
    expected = brute_force_breakpoints(net, direction, exact_X, 0, 1)
    assert [bp.t.value for bp in result.breakpoints] == sorted(expected)
    assert len(result.pieces) > 5
    for piece in result.pieces[::len(result.pieces) // 2]:
        here = point_on_segment(net, direction, piece.point)
        assert piece.dimension == local_dimension(here, X, method="exact")


@pytest.mark.parametrize("t0, t1", [(0, 1), (Fraction(1, 3), 3), (-5, Fraction(-1, 7))])
def test_crossings_at_the_ends_are_not_breakpoints(t0, t1):
    # samples whose z vanishes exactly at t0 or t1 change on the open interval only
    net = ShallowNetwork([[1]], [0], [[1]], [0])
    direction = ShallowNetwork([[0]], [-1], [[0]], [0])       # z = x − t: root at t = x
    X = [[t0], [t1], [(Fraction(t0) + Fraction(t1)) / 2]]
    result = check_walk(net, direction, X, t0, t1, "error")
    assert [bp.t.value for bp in result.breakpoints] == [(Fraction(t0) + Fraction(t1)) / 2]


def test_a_walk_of_too_many_pieces_is_refused_before_any_rank(monkeypatch):
    # the module (relugeom.geometry.walk as an attribute is the function of that name)
    walk_module = importlib.import_module("relugeom.geometry.walk")

    def no_rank(*args, **kwargs):
        raise AssertionError("a rank was computed before the refusal")

    monkeypatch.setattr(walk_module, "local_dimension", no_rank)
    monkeypatch.setattr(walk_module, "rank_mod", no_rank)
    net = ShallowNetwork([[1]], [0], [[1]], [0])
    direction = ShallowNetwork([[0]], [-1], [[0]], [0])       # z = x − t: one piece per sample
    X = [[Fraction(k, 10)] for k in range(1, 10)]
    with pytest.raises(InputError, match=r"10 pieces .* max_pieces = 9"):
        walk(net, X, direction, max_pieces=9)
    with pytest.raises(InputError, match="max_pieces must be a whole number"):
        walk(net, X, direction, max_pieces=0)
