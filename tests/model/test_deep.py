"""Deep networks (relugeom.model.deep): construction, validation, serialisation, the shallow
special case and the per-layer symmetries."""

import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom import (DeepNetwork, InputError, activation_patterns, analyze, jacobian,
                      layer_patterns, local_dimension)
from relugeom.model.io import network_from_data
from relugeom.search.strategies import network_and_sample
from tests.strategies import deep_cases, deep_networks


# -- construction, validation, serialisation ------------------------------------------------------
@pytest.mark.parametrize("layers, message", [
    ([], "at least one layer"),
    ([([[1, 2]], [0]), ([[1, 2]], [0])], "layer 2: W has 2 columns but layer 1 has 1 neurons"),
    ([([[1], [2]], [0])], "layer 1: b has 1 entries but W has 2 rows"),
    ([([[1, 2], [3]], [0, 0])], "layer 1: W is ragged"),
    ([([[1]], [0]), {"W": [[1]]}], "layer 2 (layers[1]) is missing key(s) b"),
    ([([[1]], [0]), {"W": [[1]], "b": [0], "c": [1]}], "unknown key(s) c"),
    ([([[1]], ["nan"])], "layer 1: b[0]"),
    ([([[1]], [0], [1])], "must be a pair (W, b)"),
])
def test_shapes_are_checked_and_named(layers, message):
    with pytest.raises(InputError) as info:
        DeepNetwork(layers)
    assert message in str(info.value)


@given(deep_networks())
def test_serialisation_round_trips(net):
    assert DeepNetwork.from_dict(net.to_dict()) == net
    assert DeepNetwork.from_json(net.to_json()) == net
    assert network_from_data(json.loads(net.to_json())) == net
    theta = net.theta()
    assert len(theta) == net.n_parameters == sum(
        net.widths[l] * (net.widths[l - 1] + 1) for l in range(1, len(net.widths)))
    assert DeepNetwork.from_theta(theta, net.widths) == net
    assert net.parameter_offsets()[-1] == net.n_parameters


def test_from_numpy_reads_exact_binary_values():
    net = DeepNetwork.from_numpy([(np.array([[0.1, -2.0]]), np.array([0.5])),
                                  (np.array([[3.0]]), np.array(0.25))])
    assert net.layers[0][0][0][0] == Fraction(0.1) != Fraction(1, 10)
    assert net.layers[1][1] == (Fraction(1, 4),)
    with pytest.raises(InputError, match="NaN"):
        DeepNetwork.from_numpy([(np.array([[np.nan]]), np.array([0.0]))])


def test_from_torch():
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2),
                                torch.nn.ReLU(), torch.nn.Linear(2, 1))
    net = DeepNetwork.from_torch(model)
    assert net.widths == (3, 4, 2, 1)
    x = [Fraction(1, 2), Fraction(-1), Fraction(2)]
    expected = model(torch.tensor([[float(v) for v in x]], dtype=torch.float32)).item()
    assert abs(float(net(x)[0]) - expected) < 1e-5
    with pytest.raises(InputError, match="module '1'"):
        DeepNetwork.from_torch(torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 1),
                                                   torch.nn.Linear(1, 1)))


def test_from_torch_without_torch_says_so():
    try:
        import torch  # noqa: F401
    except ImportError:
        with pytest.raises(InputError, match="torch is not installed"):
            DeepNetwork.from_torch(object())
    else:
        pytest.skip("torch is installed")


def test_random_is_seeded():
    a = DeepNetwork.random([3, 4, 2, 1], seed=5, denominator=4)
    assert a == DeepNetwork.random([3, 4, 2, 1], seed=5, denominator=4)
    assert a != DeepNetwork.random([3, 4, 2, 1], seed=6, denominator=4)
    assert a.widths == (3, 4, 2, 1) and a.hidden_widths == (4, 2) and a.n_hidden == 6
    assert all(abs(q) <= Fraction(3, 4) and (4 * q).denominator == 1 for q in a.theta())


# -- the shallow special case ---------------------------------------------------------------------
@given(network_and_sample(input_dim=(1, 3), hidden_width=(1, 4), output_dim=(1, 2), n=(1, 6),
                          random_features=True))
def test_shallow_network_in_deep_format_gives_the_shallow_answers(pair):
    shallow, X = pair
    deep = DeepNetwork.from_shallow(shallow)
    assert deep.theta() == shallow.theta() and deep.n_parameters == shallow.n_parameters
    assert deep.to_shallow() == shallow
    assert network_from_data(deep.to_dict()) == deep
    assert [deep(x) for x in X] == [shallow(x) for x in X]
    assert layer_patterns(deep, X)[0] == activation_patterns(shallow, X)
    assert jacobian(deep, X) == jacobian(shallow, X)
    assert local_dimension(deep, X) == local_dimension(shallow, X)
    a, b = analyze(deep, X), analyze(shallow, X)
    for key in ("local_dimension", "activation_regions_perceived", "symmetry_bound",
                "sample_bound", "n_parameters", "layer_diagnosis"):
        assert getattr(a, key) == getattr(b, key), key


# -- symmetries -----------------------------------------------------------------------------------
@given(deep_cases(depth=(2, 4)), st.data())
def test_invariance_under_per_layer_permutation_and_rescaling(case, data):
    net, X = case
    dim = local_dimension(net, X)
    l = data.draw(st.integers(1, net.depth - 1), label="layer")
    perm = data.draw(st.permutations(range(net.widths[l])), label="permutation")
    j = data.draw(st.integers(0, net.widths[l] - 1), label="neuron")
    lam = data.draw(st.fractions(min_value=Fraction(1, 7), max_value=7).filter(bool), label="λ")
    for other in (net.permute(l, perm), net.rescale(l, j, lam)):
        assert [other(x) for x in X] == [net(x) for x in X]
        assert local_dimension(other, X) == dim
    permuted = layer_patterns(net.permute(l, perm), X)[l - 1]
    assert permuted == tuple(tuple(s[p] for p in perm) for s in layer_patterns(net, X)[l - 1])


def test_symmetry_arguments_are_checked():
    net = DeepNetwork.random([2, 3, 2, 1])
    with pytest.raises(InputError, match="not a hidden layer"):
        net.permute(3, [0])
    with pytest.raises(InputError, match="not a permutation"):
        net.permute(1, [0, 0, 1])
    with pytest.raises(InputError, match="positive"):
        net.rescale(1, 0, 0)
    with pytest.raises(InputError, match="out of range"):
        net.rescale(2, 5, 2)
