"""The Jacobian (relugeom.rank.jacobian): exact, against exact finite differences of the network
function (tests/reference.py), and its float64 twin against the exact one."""

from fractions import Fraction

import numpy as np
from hypothesis import given

from relugeom import ShallowNetwork, deep_jacobian, jacobian, numeric_jacobian
from relugeom.search.strategies import network_and_sample
from tests.reference import finite_difference_jacobian
from tests.strategies import deep_cases


@given(network_and_sample(input_dim=(1, 3), hidden_width=(1, 4), output_dim=(1, 2), n=(1, 6)))
def test_jacobian_equals_exact_finite_differences(pair):
    net, X = pair
    assert jacobian(net, X) == finite_difference_jacobian(net, X)


def test_jacobian_reads_float_samples_at_their_exact_values():
    # a float sample must not leak float arithmetic into the exact Jacobian
    net = ShallowNetwork(W=[[1, -2]], b=["1/3"], V=[["1/3"], ["-2/7"]], c=[0, 1])
    floats = [[0.1, 0.7], [2.5, -0.3]]
    exact = [[Fraction(v) for v in row] for row in floats]
    J = jacobian(net, floats)
    assert J == jacobian(net, exact)
    assert all(isinstance(v, Fraction) for row in J for v in row)


@given(deep_cases(output_dim=(1, 3)))
def test_numeric_jacobian_matches_the_exact_one(case):
    net, X = case
    exact = np.array([[float(q) for q in row] for row in deep_jacobian(net, X)])
    assert np.allclose(numeric_jacobian(net, X), exact, rtol=1e-12, atol=1e-12)
