"""Networks with one hidden layer (relugeom.model.shallow): shapes and θ layout, named shape
errors, round trips, exact evaluation, symmetries, imports from numpy and torch, and the
one-hidden-layer form of a deep network that shallow-only computations accept."""

import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom import DeepNetwork, InputError, ShallowNetwork, functional_dimension
from relugeom.arrangement.regions import region_report
from relugeom.model.shallow import as_shallow
from relugeom.search.strategies import networks, permutations, rationals


def test_shapes_and_theta_layout():
    net = ShallowNetwork(W=[[1, 2], [3, 4], [5, 6]], b=[7, 8, 9], V=[[10, 11, 12], [13, 14, 15]],
                         c=[16, 17])
    assert (net.input_dim, net.hidden_width, net.output_dim) == (2, 3, 2)
    assert net.n_parameters == 3 * 2 + 3 + 2 * 3 + 2 == 17
    assert net.theta() == tuple(Fraction(k) for k in range(1, 18))


@pytest.mark.parametrize("kwargs, message", [
    (dict(W=[[1], [2]], b=[0], V=[[1, 1]], c=[0]), "b has 1 entries but W has 2 rows"),
    (dict(W=[[1], [2]], b=[0, 0], V=[[1]], c=[0]), "V has 1 columns but W has 2 rows"),
    (dict(W=[[1]], b=[0], V=[[1], [2]], c=[0]), "c has 1 entries but V has 2 rows"),
    (dict(W=[], b=[], V=[[]], c=[0]), "at least one hidden neuron"),
    (dict(W=[[]], b=[0], V=[[1]], c=[0]), "input dimension"),
    (dict(W=[[1, 2], [1]], b=[0, 0], V=[[1, 1]], c=[0]), "ragged"),
    (dict(W=[[1]], b=[0], V=[[1]], c=["x"]), r"c\[0\]"),
    (dict(W=[[float("nan")]], b=[0], V=[[1]], c=[0]), r"W\[0\]\[0\]"),
])
def test_shape_errors_are_named(kwargs, message):
    with pytest.raises(InputError, match=message):
        ShallowNetwork(**kwargs)


def test_unknown_network_keys_are_named():
    with pytest.raises(InputError, match="unknown key.*bias"):
        ShallowNetwork.from_dict({"W": [[1]], "b": [0], "V": [[1]], "c": [0], "bias": [1]})


@given(networks(input_dim=(1, 3), hidden_width=(1, 4), output_dim=(1, 3),
                entries=rationals(5, 4)))
def test_theta_and_json_round_trips(net):
    shape = (net.input_dim, net.hidden_width, net.output_dim)
    assert ShallowNetwork.from_theta(net.theta(), *shape) == net
    assert ShallowNetwork.from_json(net.to_json()) == net
    assert ShallowNetwork.from_dict(json.loads(json.dumps(net.to_dict()))) == net


def test_from_numpy_reads_exact_binary_values():
    net = ShallowNetwork.from_numpy(np.array([[0.1]]), np.array([0.5]), np.array([2.0]), 0.25)
    assert net.W[0][0] == Fraction(0.1) and net.V == ((2,),) and net.c == (Fraction(1, 4),)


def test_random_is_seeded():
    a = ShallowNetwork.random(3, 4, 2, seed=5, denominator=2)
    assert a == ShallowNetwork.random(3, 4, 2, seed=5, denominator=2)
    assert a != ShallowNetwork.random(3, 4, 2, seed=6, denominator=2)
    assert all(q.denominator in (1, 2) for q in a.theta())


def _points(d):
    return [[Fraction(k * (l + 2) - 3, 3) for l in range(d)] for k in range(-3, 4)]


@given(networks(output_dim=(1, 2)), st.data())
def test_symmetries_preserve_the_function(net, data):
    perm = data.draw(permutations(net.hidden_width))
    j = data.draw(st.integers(0, net.hidden_width - 1))
    lam = data.draw(st.fractions(min_value=Fraction(1, 10), max_value=10))
    for other in (net.permute(perm), net.rescale(j, lam)):
        assert all(other(x) == net(x) for x in _points(net.input_dim))
        assert other.n_parameters == net.n_parameters


def test_symmetry_arguments_are_checked():
    net = ShallowNetwork.random(2, 3)
    with pytest.raises(InputError, match="not a permutation"):
        net.permute([0, 0, 1])
    with pytest.raises(InputError, match="positive"):
        net.rescale(0, 0)
    with pytest.raises(InputError, match="out of range"):
        net.rescale(3, 2)


def test_evaluation_is_exact():
    net = ShallowNetwork(W=[["1/3"]], b=["-1/6"], V=[["3/2"]], c=["0.1"])
    assert net([1]) == (Fraction(3, 2) * Fraction(1, 6) + Fraction(1, 10),)
    assert net([0]) == (Fraction(1, 10),)


def test_from_torch_without_torch_is_a_clear_error():
    try:
        import torch  # noqa: F401
    except ImportError:
        with pytest.raises(InputError, match="torch is not installed"):
            ShallowNetwork.from_torch(object())
        return
    from torch import nn

    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)).double()
    net = ShallowNetwork.from_torch(model)
    x = torch.tensor([[0.25, -0.5]], dtype=torch.float64)
    assert float(net([Fraction(0.25), Fraction(-0.5)])[0]) == pytest.approx(model(x).item())


def test_shallow_only_computations_take_one_hidden_layer_in_any_form():
    net = ShallowNetwork([[1], [2]], [1, 2], [[1, 1]], [0])
    deep = DeepNetwork.from_shallow(net)
    assert as_shallow(deep) == net
    assert functional_dimension(deep).functional_dimension == \
        functional_dimension(net).functional_dimension == 3   # (d+1)·rank M + 1 = 2 + 1
    three = DeepNetwork(((([1],), (0,)), (([1],), (0,)), (([1],), (0,))))
    for compute in (functional_dimension, region_report, as_shallow):
        with pytest.raises(InputError, match="one-hidden-layer"):
            compute(three)
