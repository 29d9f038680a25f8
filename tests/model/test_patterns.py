from fractions import Fraction

import pytest
from hypothesis import given

from relugeom import BoundaryError, InputError, ShallowNetwork, activation_patterns, analyze
from relugeom.search.strategies import network_and_sample, networks, samples
from hypothesis import strategies as st


@given(network_and_sample(features=["duplicate", "dead"]))
def test_patterns_match_direct_evaluation(pair):
    net, X = pair
    S = activation_patterns(net, X)
    for x, s in zip(X, S):
        for j, (w, bj) in enumerate(zip(net.W, net.b)):
            z = sum(wl * xl for wl, xl in zip(w, x)) + bj
            assert z != 0
            assert s[j] == (1 if z > 0 else 0)


@given(st.data())
def test_boundary_is_detected_and_named(data):
    net = data.draw(networks(input_dim=(1, 3), hidden_width=(1, 3)))
    X = data.draw(samples(net, n=(1, 4), on_hyperplane=True))
    on = [(i, j) for i, x in enumerate(X) for j, (w, bj) in enumerate(zip(net.W, net.b))
          if sum(wl * xl for wl, xl in zip(w, x)) + bj == 0]
    if not on:
        return  # every neuron had w = 0: nothing to place a sample on
    with pytest.raises(BoundaryError) as info:
        activation_patterns(net, X)
    assert (info.value.sample, info.value.neuron) == on[0]
    assert info.value.value == 0
    assert f"sample {on[0][0]}" in str(info.value) and f"neuron {on[0][1]}" in str(info.value)


def test_one_sided_conventions():
    net = ShallowNetwork(W=[[1], [1]], b=[0, -1], V=[[1, 1]], c=[0])
    X = [[0], [2]]
    with pytest.raises(BoundaryError, match="sample 0 lies on the hyperplane of neuron 0"):
        activation_patterns(net, X)
    assert activation_patterns(net, X, relu_prime_at_zero=0) == ((0, 0), (1, 1))
    assert activation_patterns(net, X, relu_prime_at_zero=1) == ((1, 0), (1, 1))
    report = analyze(net, X, relu_prime_at_zero=1).to_dict()
    assert report["relu_prime_convention"] == "1"
    with pytest.raises(InputError, match="relu_prime_at_zero"):
        activation_patterns(net, X, relu_prime_at_zero=2)
    with pytest.raises(InputError, match="relu_prime_at_zero"):
        activation_patterns(net, X, relu_prime_at_zero=True)


def test_neuron_without_hyperplane():
    net = ShallowNetwork(W=[[0, 0], [1, 0]], b=[Fraction(-1, 2), 1], V=[[1, 1]], c=[0])
    assert activation_patterns(net, [[5, 5], [-5, 0]]) == ((0, 1), (0, 0))
