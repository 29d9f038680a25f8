"""The parameter-space walk (relugeom.geometry.walk): the breakpoints where a sample crosses a
hyperplane along a segment θ + t·u, and the local dimension on each piece.

Walk results are checked against the network itself, evaluated with plain loops
(``reference_preactivations``, tests/reference.py) at rational points: inside a piece every
pattern is constant, at a rational breakpoint the named pre-activations are exactly 0, across a
breakpoint only the named samples change, and the dimension on a piece is the rank of an
independently built Jacobian there.
"""

import json
import sys
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from relugeom import BoundaryError, DeepNetwork, InputError, ShallowNetwork, local_dimension, walk
from relugeom.geometry.walk import point_on_segment
from relugeom.search.strategies import network_and_sample, rationals
from tests.reference import (deep_finite_difference_jacobian, finite_difference_jacobian,
                             hidden_margin, reference_patterns, reference_preactivations,
                             reference_rank)
from tests.strategies import deep_networks


# -- one neuron's hyperplane crossing one sample ------------------------------------------------
@given(network_and_sample(input_dim=(1, 2), hidden_width=(1, 3), output_dim=(1, 2), n=(2, 6)),
       st.data())
def test_one_crossing_gives_one_breakpoint_at_the_right_t(pair, data):
    net, X = pair
    j = data.draw(st.integers(0, net.hidden_width - 1), label="neuron")
    z = [sum((w * v for w, v in zip(net.W[j], x)), net.b[j]) for x in X]
    sign = data.draw(st.sampled_from([1, -1]), label="side")
    same_side = [abs(v) for v in z if v * sign > 0]
    assume(same_side)
    nearest = min(same_side)  # the sample whose z_j is closest to 0 on this side crosses first
    farther = [v for v in same_side if v > nearest]
    # t* ∈ (nearest / next, 1): the others reach 0 at t*·|z_i'|/nearest ≥ 1, past the segment
    low = nearest / min(farther) if farther else Fraction(0)
    t_star = low + (1 - low) * Fraction(data.draw(st.integers(1, 11), label="k"), 12)
    push = [-sign * nearest / t_star if k == j else 0 for k in range(net.hidden_width)]
    direction = ShallowNetwork([[0] * net.input_dim for _ in net.W], push,
                               [[0] * net.hidden_width for _ in net.V], [0] * net.output_dim)
    result = walk(net, X, direction)
    assert [b.t for b in result.breakpoints] == [t_star]
    (bp,) = result.breakpoints
    assert bp.t.value == t_star
    crossing = {i for i, v in enumerate(z) if v * sign > 0 and abs(v) == nearest}
    assert {e.sample for e in bp.events} == crossing
    assert all((e.layer, e.neuron, e.before, e.after) == (1, j, int(sign > 0), int(sign < 0))
               for e in bp.events)
    assert [(p.start, p.end) for p in result.pieces] == [(0, t_star), (t_star, 1)]
    for piece in result.pieces:
        here = point_on_segment(net, direction, piece.point)
        assert isinstance(here, ShallowNetwork)
        assert piece.dimension == local_dimension(here, X)
        assert piece.dimension == reference_rank(finite_difference_jacobian(here, X))


# -- deep walks against the network itself ------------------------------------------------------
def _points_inside(start, end, rng, count=2):
    """Rational points strictly inside (start, end): the interval between the isolating
    intervals, sampled."""
    a, b = start, end
    while not a.high < b.low:
        a, b = a.refined((a.high - a.low) / 2), b.refined((b.high - b.low) / 2)
    gap = b.low - a.high
    return [a.high + gap * Fraction(rng.randint(1, 99), 100) for _ in range(count)]


@st.composite
def walks(draw):
    """(network, direction of the same architecture, sample)."""
    net = draw(deep_networks(depth=(2, 4), width=(1, 3), input_dim=(1, 2), output_dim=(1, 2)))
    entries = rationals(3, 2)
    direction = DeepNetwork.from_theta([draw(entries) for _ in range(net.n_parameters)],
                                       net.widths)
    X = draw(st.lists(st.lists(st.fractions(-3, 3, max_denominator=3), min_size=net.input_dim,
                               max_size=net.input_dim), min_size=1, max_size=3))
    return net, direction, X


@given(walks(), st.randoms(use_true_random=False))
def test_deep_walk_matches_the_network_at_rational_points(case, rng):
    net, other, X = case
    result = walk(net, X, other, -1, 1, relu_prime_at_zero=0)
    ends = [p.start for p in result.pieces] + [result.pieces[-1].end]
    assert ends[0] == -1 and ends[-1] == 1
    assert all(a < b for a, b in zip(ends, ends[1:]))
    assert [b.t for b in result.breakpoints] == ends[1:-1]
    # the dimension against an independent Jacobian on a few pieces (the first, last, middle)
    checked = {0, len(result.pieces) // 2, len(result.pieces) - 1}
    previous = None
    for k, piece in enumerate(result.pieces):
        assert piece.start < piece.point < piece.end
        here = point_on_segment(net, other, piece.point)
        patterns = [reference_patterns(here, x) for x in X]
        for t in _points_inside(piece.start, piece.end, rng):
            there = point_on_segment(net, other, t)
            assert [reference_patterns(there, x) for x in X] == patterns  # constant on a piece
        assert piece.activation_regions_perceived == len(set(patterns))
        if k in checked and hidden_margin(here, X) > 0:
            assert piece.dimension == reference_rank(deep_finite_difference_jacobian(here, X))
        if previous is not None:
            bp = result.breakpoints[k - 1]
            named = {e.sample for e in bp.events}
            changed = {i for i, (a, b) in enumerate(zip(previous, patterns)) if a != b}
            assert changed == set(piece.changed_samples) and changed <= named
            offsets = [sum(net.widths[1:l]) for l in range(1, net.depth)]
            for e in bp.events:
                flat = offsets[e.layer - 1] + e.neuron
                assert (previous[e.sample][flat], patterns[e.sample][flat]) == (e.before, e.after)
                if bp.t.is_rational:
                    at = point_on_segment(net, other, bp.t.value)
                    assert reference_preactivations(at, X[e.sample])[e.layer - 1][e.neuron] == 0
        previous = patterns


def test_an_irrational_breakpoint():
    # z_1 = (1 + t)·x > 0 for x = 1; z_2 = (1 + t)·h_1 − 3/2 − 2t = t² − 1/2: zero at 1/√2
    net = DeepNetwork([([[1]], [0]), ([[1]], [Fraction(-3, 2)]), ([[1]], [0])])
    direction = DeepNetwork([([[1]], [0]), ([[1]], [-2]), ([[0]], [0])])
    result = walk(net, [[1]], direction)
    (bp,) = result.breakpoints
    assert not bp.t.is_rational and bp.t.polynomial == (-1, 0, 2)
    assert bp.t.low ** 2 < Fraction(1, 2) < bp.t.high ** 2 and 0 < bp.t.low
    assert [(e.sample, e.layer, e.neuron, e.before, e.after) for e in bp.events] == [
        (0, 2, 0, 0, 1)]
    assert result.dimensions == (1, 1)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["breakpoints"][0]["t"]["polynomial"] == [-1, 0, 2]
    assert data["n_pieces"] == 2 and data["dimensions"] == [1, 1]


def test_dimension_drops_where_every_sample_becomes_active():
    net = ShallowNetwork([[1]], [-1], [[1]], [0])           # relu(x − 1)
    push = ShallowNetwork([[0]], [3], [[0]], [0])           # relu(x − 1 + 3t)
    result = walk(net, [[0], [2], [3]], push)
    assert [str(b.t) for b in result.breakpoints] == ["1/3"]
    assert result.dimensions == (3, 2)  # once affine on X, ∂/∂V = ∂/∂W + (3t − 1)·∂/∂b
    assert result.pieces[1].changed_samples == (0,)


def test_walk_refuses_bad_input():
    net = DeepNetwork.random([1, 2, 1], seed=1)
    with pytest.raises(InputError, match="same architecture"):
        walk(net, [[1]], DeepNetwork.random([1, 3, 1]))
    with pytest.raises(InputError, match="t_from < t_to"):
        walk(net, [[1]], net, 1, 1)
    with pytest.raises(InputError, match="t_to"):
        walk(net, [[1]], net, 0, "nan")
    # a neuron with zero weights, zero bias and zero direction is on its boundary throughout
    flat = DeepNetwork([([[0], [1]], [0, 1]), ([[1, 1]], [0])])
    still = DeepNetwork([([[0], [1]], [0, 0]), ([[0, 0]], [0])])
    with pytest.raises(BoundaryError, match="identically 0"):
        walk(flat, [[1], [2]], still)
    relaxed = walk(flat, [[1], [2]], still, relu_prime_at_zero=1)
    assert relaxed.breakpoints == () and relaxed.relu_prime_at_zero == 1
    assert relaxed.dimensions == (local_dimension(flat, [[1], [2]], relu_prime_at_zero=1),)


def test_walk_is_deterministic_and_serialisable():
    net = DeepNetwork.random([2, 3, 2, 1], seed=3)
    direction = DeepNetwork.random([2, 3, 2, 1], seed=4)
    X = [[1, 2], [Fraction(-1, 2), 1], [3, Fraction(1, 3)]]
    a = walk(net, X, direction, -2, 2, relu_prime_at_zero=0)
    b = walk(net, X, direction, -2, 2, relu_prime_at_zero=0)
    assert json.dumps(a.to_dict()) == json.dumps(b.to_dict())
    assert a.to_dict()["n_pieces"] == len(a.pieces) == len(a.breakpoints) + 1


# -- exact numbers of any size (issue 13) --------------------------------------------------------
# Python refuses str() of an int beyond 4300 digits and float() beyond 1.8e308: the walk's text
# and JSON never call either on its exact numbers.

@pytest.fixture
def default_digit_limit():
    """Python's default limit on int-to-text conversion (4300 digits), whatever ran before."""
    if not hasattr(sys, "get_int_max_str_digits"):  # Python before the limit: nothing to do
        yield
        return
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(4300)
    yield
    sys.set_int_max_str_digits(old)


def test_a_walk_to_ten_to_the_99999_has_its_text_and_json(default_digit_limit):
    from relugeom.exact.numbers import exact_text

    net = ShallowNetwork([[1]], [-1], [[1]], [0])
    push = ShallowNetwork([[0]], [3], [[0]], [0])
    w = walk(net, [[0], [2], [3]], push, 0, "1e99999")
    big = "1" + "0" * 99999
    assert exact_text(w.t_to) == big
    assert exact_text(Fraction(-1, 10 ** 5000)) == "-1/1" + "0" * 5000
    data = w.to_dict()
    text = json.dumps(data)  # no int of more than 4300 digits left for json to write
    assert data["t_to"] == big and data["pieces"][1]["end"] == big
    assert json.loads(text)["dimensions"] == [3, 2]


def test_an_irrational_breakpoint_beyond_the_float_range(default_digit_limit):
    from relugeom.exact.numbers import scientific_text
    from relugeom.geometry.walk import approx_text, json_value, number_text

    net = DeepNetwork([([[0]], [0]), ([[0]], ["-2e700"]), ([[1]], [0])])
    direction = DeepNetwork([([[1]], [0]), ([[1]], [0]), ([[0]], [0])])
    (bp,) = walk(net, [[1]], direction, 0, "1e351").breakpoints
    assert not bp.t.is_rational
    assert approx_text(bp.t) == "1.41421e+350"
    assert number_text(bp.t).startswith(f"root of t^2 - {2 * 10 ** 700} in [")
    assert number_text(bp.t).endswith("(≈ 1.414213562e+350)")
    value = json_value(bp.t)
    assert value["approx"] is None and value["polynomial"] == [-2 * 10 ** 700, 0, 1]
    lo, hi = (Fraction(v) for v in value["interval"])
    assert lo ** 2 < 2 * 10 ** 700 < hi ** 2
    # inside the float range the text is format(float, ".6g"), as before
    assert scientific_text(Fraction(2, 3)) == "0.666667"
    assert scientific_text(-10 ** 400) == "-1e+400"
    assert scientific_text(Fraction(999999999, 10 ** 1000) * 10 ** 2000) == "1e+1009"
    assert scientific_text(Fraction(1, 10 ** 400)) == "1e-400"  # float() would give 0


def test_errors_name_huge_values_briefly(default_digit_limit):
    net = ShallowNetwork([[1]], [-1], [[1]], [0])
    with pytest.raises(InputError, match=r"t_from = 1000.*\(100000 characters\)") as info:
        walk(net, [[0]], net, "1e99999", 0)
    assert len(str(info.value)) < 300
