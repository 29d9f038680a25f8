"""The public hypothesis strategies: ranges respected, samples off (or on) hyperplanes, forced
features really present (checked by direct computation), shrinking toward small cases."""

from fractions import Fraction
from itertools import combinations

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from relugeom import Analysis, local_dimension
from relugeom.search.strategies import (FEATURES, TINY, analyses, network_and_sample, networks,
                                        pairs, rationals, samples)
from tests.reference import reference_rank


def z(w, bj, x):
    return sum(wl * xl for wl, xl in zip(w, x)) + bj


def on_a_hyperplane(net, X):
    return [(i, j) for i, x in enumerate(X) for j, (w, bj) in enumerate(zip(net.W, net.b))
            if z(w, bj, x) == 0]


def multiple(u, v):
    """λ with v = λ u (u ≠ 0), or None."""
    k = next(i for i, q in enumerate(u) if q)
    lam = v[k] / u[k]
    return lam if all(lam * a == b for a, b in zip(u, v)) else None


def related_pairs(net):
    """(i, j, λ, same_offset) for neurons i ≠ j with w_i ≠ 0 and w_j = λ w_i."""
    out = []
    for i, j in combinations(range(net.hidden_width), 2):
        for a, b in ((i, j), (j, i)):
            if any(net.W[a]):
                lam = multiple(net.W[a], net.W[b])
                if lam:
                    out.append((a, b, lam, net.b[b] == lam * net.b[a]))
    return out


def has_feature(net, feature):
    """Decide from the weights alone whether ``feature`` is present."""
    d, N, m = net.widths
    if feature == "duplicate":
        return any(lam == 1 and same for _, _, lam, same in related_pairs(net))
    if feature == "scaled":
        return any(lam > 0 and lam != 1 and same for _, _, lam, same in related_pairs(net))
    if feature == "opposite":
        return any(lam < 0 and same for _, _, lam, same in related_pairs(net))
    if feature == "parallel":
        return any(not same for _, _, _, same in related_pairs(net))
    if feature == "concurrent":  # d + 1 cutting neurons whose hyperplanes share a point
        cutting = [j for j in range(N) if any(net.W[j])]
        for subset in combinations(cutting, d + 1):
            A = [list(net.W[j]) for j in subset]
            Ab = [list(net.W[j]) + [-net.b[j]] for j in subset]
            if reference_rank(A) == reference_rank(Ab):
                return True
        return False
    if feature == "dead":
        return any(not any(w) and bj < 0 for w, bj in zip(net.W, net.b))
    if feature == "always_active":
        return any(not any(w) and bj > 0 for w, bj in zip(net.W, net.b))
    if feature == "zero_output":
        return any(all(row[j] == 0 for row in net.V) for j in range(N))
    if feature == "tiny_output":
        return any(all(row[j] == TINY for row in net.V) for j in range(N))
    if feature == "multi_output":
        return m >= 2
    raise AssertionError(feature)


def affine_ranks(net, X):
    regions = {}
    for x in X:
        s = tuple(int(z(w, bj, x) > 0) for w, bj in zip(net.W, net.b))
        regions.setdefault(s, []).append(list(x) + [1])
    return [reference_rank(rows) for rows in regions.values()]


_FIND = settings(database=None, max_examples=300, derandomize=True)


# --- rationals and shapes ----------------------------------------------------------------------

@given(rationals(height=3))
def test_rationals_have_bounded_height(q):
    assert isinstance(q, Fraction) and max(abs(q.numerator), q.denominator) <= 3


@given(rationals(5, 4))
def test_rationals_respect_numerator_and_denominator_bounds(q):
    assert abs(q.numerator) <= 5 and q.denominator <= 4


@given(networks(input_dim=(2, 3), hidden_width=(2, 5), output_dim=(1, 2),
                entries=rationals(2, 3)))
def test_networks_respect_shape_ranges_and_never_have_a_null_neuron(net):
    d, N, m = net.widths
    assert 2 <= d <= 3 and 2 <= N <= 5 and 1 <= m <= 2
    assert all(any(w) or bj != 0 for w, bj in zip(net.W, net.b))
    assert all(max(abs(q.numerator), q.denominator) <= 3 for q in net.theta())


# --- samples -----------------------------------------------------------------------------------

@given(network_and_sample(n=(1, 12), random_features=True, output_dim=(1, 2)))
def test_samples_never_lie_on_a_hyperplane(pair):
    net, X = pair
    assert 1 <= len(X) <= 12 and all(len(x) == net.input_dim for x in X)
    assert on_a_hyperplane(net, X) == []


@given(st.data())
def test_on_hyperplane_puts_a_point_exactly_on_one(data):
    net = data.draw(networks(features=data.draw(st.lists(st.sampled_from(FEATURES),
                                                           max_size=2))))
    X = data.draw(samples(net, n=(1, 5), on_hyperplane=True))
    on = on_a_hyperplane(net, X)
    assert on, "asked for a point on a hyperplane"
    assert all(any(net.W[j]) for _, j in on)  # a real hyperplane, not a constant neuron


@given(network_and_sample(n=(1, 10), sparse_region=True, random_features=True))
def test_sparse_region_starves_a_region(pair):
    net, X = pair
    assert on_a_hyperplane(net, X) == []
    assert min(affine_ranks(net, X)) < net.input_dim + 1


@given(network_and_sample(n=(1, 5), rich_regions=True, random_features=True))
def test_rich_regions_span_their_affine_hull(pair):
    net, X = pair
    assert on_a_hyperplane(net, X) == []
    assert set(affine_ranks(net, X)) == {net.input_dim + 1}


# --- forced features ---------------------------------------------------------------------------

@pytest.mark.parametrize("feature", FEATURES)
@given(data=st.data())
def test_forced_feature_is_present(feature, data):
    net = data.draw(networks(input_dim=(1, 3), hidden_width=(1, 3), output_dim=(1, 2),
                             features=[feature]))
    assert has_feature(net, feature)


@given(st.lists(st.sampled_from(FEATURES), min_size=2, max_size=3).flatmap(
    lambda fs: st.tuples(st.just(fs), network_and_sample(features=fs))))
def test_combined_features_are_all_present(case):
    features, (net, X) = case
    assert all(has_feature(net, f) for f in features)
    assert on_a_hyperplane(net, X) == []


@given(networks(hidden_width=(1, 5), output_dim=(1, 3), nonzero_output_weights=True,
                features=["tiny_output"]))
def test_nonzero_output_weights(net):
    assert all(q != 0 for row in net.V for q in row)


@pytest.mark.parametrize("strategy, message", [
    (networks(features=["fancy"]), "unknown features"),
    (networks(hidden_width=(3, 1)), "hidden_width"),
    (network_and_sample(sparse_region=True, rich_regions=True), "contradict"),
    (network_and_sample(on_hyperplane=True, rich_regions=True), "on_hyperplane"),
    (networks(nonzero_output_weights=True, features=["zero_output"]), "zero_output"),
])
def test_bad_options_are_named(strategy, message):
    with pytest.raises(ValueError, match=message):
        find(strategy, lambda _: True, settings=_FIND)


# --- shrinking ---------------------------------------------------------------------------------

def test_shrinks_to_the_smallest_network():
    net = find(networks(input_dim=(1, 3), hidden_width=(1, 4), output_dim=(1, 3)),
               lambda net: True, settings=_FIND)
    # d = N = m = 1, every entry 0 except the bias a neuron with w = 0 must not have zero
    assert net.to_dict() == {"W": [[0]], "b": [1], "V": [[0]], "c": [0]}


def test_shrinks_toward_few_neurons_and_samples():
    # dim ≥ 3 needs one neuron with w ≠ 0, v ≠ 0 and three samples (two active at distinct
    # points, one inactive): d = N = m = 1, n = 3 is the smallest possible case
    net, X = find(network_and_sample(), lambda p: local_dimension(*p) >= 3, settings=_FIND)
    assert (net.input_dim, net.hidden_width, net.output_dim, len(X)) == (1, 1, 1, 3)
    assert all(abs(q) <= 1 for q in net.theta())


def test_shrinks_toward_small_integers():
    assert find(rationals(3, 2), lambda q: q > Fraction(1, 3), settings=_FIND) == 1
    assert find(rationals(3, 2), lambda q: q < 0, settings=_FIND) == -1


# --- pairs and analyses ------------------------------------------------------------------------

@given(analyses(n=(2, 4), output_dim=2))
def test_analyses_are_lazy_analyses(a):
    assert isinstance(a, Analysis) and a.output_dim == 2 and 2 <= a.n_samples <= 4
    assert "local_dimension" not in a.__dict__  # nothing computed before asked


def test_pairs_is_network_and_sample():
    assert pairs is network_and_sample
