"""What a sample perceives (relugeom.arrangement.regions): the activation region and the linear
piece of each sample, also counted without enumeration, and samples on a hyperplane."""

import pytest
from hypothesis import given

from relugeom import (BoundaryError, InputError, ShallowNetwork, activation_patterns, analyze,
                      count_pieces_perceived, region_report)
from relugeom.search.strategies import network_and_sample


@given(network_and_sample(input_dim=(1, 3), hidden_width=(1, 5), output_dim=(1, 2),
                          random_features=True))
def test_perceived_regions_and_pieces(pair):
    net, X = pair
    report = region_report(net, X)
    perceived = report.perceived
    assert [report.regions.cells[i].pattern for i in perceived.sample_region] == \
        list(activation_patterns(net, X))
    assert perceived.activation_regions_perceived == len(set(activation_patterns(net, X)))
    # counted without enumeration, through the bending hyperplanes
    assert perceived.linear_pieces_perceived == count_pieces_perceived(net, X) \
        == analyze(net, X).linear_pieces_perceived
    for i, x in enumerate(X):   # the piece's map is f near x
        A, a = report.pieces.maps[perceived.sample_piece[i]]
        assert net(x) == tuple(sum((p * q for p, q in zip(row, x)), ak) for row, ak in zip(A, a))
    keys = report.to_dict()
    for key in ("activation_regions", "bounded_activation_regions",
                "relatively_bounded_activation_regions", "linear_pieces",
                "activation_regions_perceived", "linear_pieces_perceived"):
        assert isinstance(keys[key], int)


def test_samples_on_a_hyperplane_where_f_does_not_bend():
    net = ShallowNetwork(W=[[1, 0], [-1, 0], [0, 1]], b=[0, 0, 0], V=[[1, -1, 1]], c=[0])
    X = [[0, 1], [2, 1], [1, -1]]          # the first is on x = 0, where f = x + relu(y) is smooth
    assert count_pieces_perceived(net, X) == 2
    with pytest.raises(BoundaryError):
        region_report(net, X)              # but it lies in no activation region
    assert analyze(net, X, relu_prime_at_zero=0).linear_pieces_perceived == 2
    on_bend = [[1, 0], [2, 1]]
    with pytest.raises(BoundaryError) as info:
        count_pieces_perceived(net, on_bend)
    assert (info.value.sample, info.value.neuron) == (0, 2)
    assert analyze(net, on_bend, relu_prime_at_zero=1).linear_pieces_perceived is None


# --- the fast perceived counts against the straightforward computation -------------------------

from fractions import Fraction  # noqa: E402

from hypothesis import strategies as st  # noqa: E402

from relugeom.arrangement import hyperplane_arrangement, region_counts  # noqa: E402
from relugeom.arrangement.pieces import bending_hyperplanes  # noqa: E402
from relugeom.arrangement.regions import region_budget  # noqa: E402
from relugeom.arrangement.zaslavsky import (CountStopped, count_within,  # noqa: E402
                                            lower_region_bound, region_bounds,
                                            upper_region_bound)


def straightforward(net, X, convention):
    """The computation the fast path replaced: every z_ij and every side as a Fraction, distinct
    patterns and side vectors by set. Returns (regions, pieces), pieces None when a sample lies
    on a bending hyperplane under a convention; raises BoundaryError like the library."""
    patterns = []
    for i, x in enumerate(X):
        row = []
        for j, (w, bj) in enumerate(zip(net.W, net.b)):
            z = sum((p * q for p, q in zip(w, x)), Fraction(bj))
            if z == 0:
                if convention == "error":
                    raise BoundaryError(sample=i, neuron=j)
                row.append(convention)
            else:
                row.append(int(z > 0))
        patterns.append(tuple(row))
    arrangement = hyperplane_arrangement(net.W, net.b)
    keys = []
    for i, x in enumerate(X):
        key = []
        for h in bending_hyperplanes(arrangement, net.V):
            u, c = arrangement.hyperplanes[h]
            value = sum((p * q for p, q in zip(u, x)), Fraction(c))
            if value == 0:
                return len(set(patterns)), None
            key.append(value > 0)
        keys.append(tuple(key))
    return len(set(patterns)), len(set(keys))


@given(st.data())
def test_fast_perceived_counts_equal_the_straightforward_ones(data):
    on = data.draw(st.booleans(), label="a sample on a hyperplane")
    net, X = data.draw(network_and_sample(input_dim=(1, 3), hidden_width=(1, 5),
                                          output_dim=(1, 2), random_features=True,
                                          on_hyperplane=on))
    convention = data.draw(st.sampled_from(["error", 0, 1]))
    try:
        expected = straightforward(net, X, convention)
    except BoundaryError as exc:
        with pytest.raises(BoundaryError) as info:
            analyze(net, X, relu_prime_at_zero=convention).activation_regions_perceived
        assert (info.value.sample, info.value.neuron) == (exc.sample, exc.neuron)
        return
    a = analyze(net, X, relu_prime_at_zero=convention)
    assert (a.activation_regions_perceived, a.linear_pieces_perceived) == expected
    assert a.patterns == tuple(tuple(s) for s in
                               activation_patterns(net, X, relu_prime_at_zero=convention))
    assert a.perceived_patterns == list(dict.fromkeys(a.patterns))
    if convention == "error":
        assert count_pieces_perceived(net, X) == expected[1]


# --- bounds and budgets that decide a refusal without enumerating ------------------------------

@st.composite
def arrangements(draw):
    """Small arrangements, often degenerate: parallel, concurrent, repeated, low rank."""
    d = draw(st.integers(1, 4))
    N = draw(st.integers(1, 9))
    entry = st.integers(-2, 2)
    W = [[draw(entry) for _ in range(d)] for _ in range(N)]
    if d > 1 and draw(st.booleans()):      # rank ≤ d − 1
        for row in W:
            row[-1] = row[0]
    b = [draw(st.integers(-2, 2)) if draw(st.booleans()) else 0 for _ in range(N)]
    return hyperplane_arrangement(W, b)


@given(arrangements(), st.integers(1, 60))
def test_bounds_and_budget_decide_like_the_exact_count(arrangement, limit):
    regions = region_counts(arrangement).regions
    bounds = region_bounds(arrangement)
    assert bounds.lower <= regions <= bounds.upper
    assert bounds.rank_low == bounds.rank_high == arrangement.rank or not arrangement.hyperplanes
    verdict = region_budget(arrangement, limit)
    assert verdict.over == (regions > limit)
    if verdict.how == "partial count":
        assert limit < verdict.count.at_least <= regions
    assert count_within(arrangement).regions == regions


@given(arrangements(), st.integers(0, 200))
def test_a_count_out_of_budget_still_proves_a_lower_bound(arrangement, steps):
    regions = region_counts(arrangement).regions
    try:
        counted = region_counts(arrangement, steps=steps)
    except CountStopped as stopped:
        assert 1 <= stopped.at_least <= regions
    else:
        assert counted == region_counts(arrangement)


def test_lower_bound_is_reached_by_parallel_and_central_arrangements():
    parallel = hyperplane_arrangement([[1, 0]] * 5, [0, 1, 2, 3, 4])
    central = hyperplane_arrangement([[1, 0], [0, 1], [1, 1], [1, -1]], [0, 0, 0, 0])
    for arrangement in (parallel, central):
        bounds = region_bounds(arrangement)
        assert bounds.lower == region_counts(arrangement).regions
    assert lower_region_bound(5, 1) == 6 and lower_region_bound(4, 2) == 8
    assert upper_region_bound(4, 2) == 11


def test_budget_stops_at_the_first_sub_arrangement_over_the_limit():
    """Five lines in general position make 16 regions; the first four already make 11."""
    lines = hyperplane_arrangement([[1, 0], [0, 1], [1, 1], [1, -1], [1, 2]], [0, 0, -1, 2, 5])
    verdict = region_budget(lines, 10)
    assert (verdict.over, verdict.how, verdict.count.at_least, verdict.count.hyperplanes) == \
        (True, "partial count", 11, 4)
    assert region_budget(lines, 16).how == "upper bound"
    undecided = region_budget(lines, 10, steps=3)
    assert undecided.over is None and undecided.how == "budget"


def test_functional_dimension_refuses_above_max_regions():
    from relugeom import functional_dimension
    net = ShallowNetwork.random(5, 100, seed=1, low=-9, high=9)
    with pytest.raises(InputError, match=r"at least 1,552 activation regions .* max_regions=1000"):
        functional_dimension(net, max_regions=1000)
    small = ShallowNetwork.random(2, 3, seed=1)
    assert functional_dimension(small, max_regions=7) == functional_dimension(small)
