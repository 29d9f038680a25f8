"""The local dimension (relugeom.rank.dimension) against independent computations, T1–T3 of
docs/theory.md, and the methods of local_dimension_report (exact, modular, numeric)."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom import ShallowNetwork, jacobian, linalg, local_dimension
from relugeom.errors import InputError
from relugeom.rank.dimension import local_dimension_report
from relugeom.search.strategies import FEATURES, network_and_sample, permutations
from tests.reference import finite_difference_jacobian, reference_rank

DEGENERATE = [f for f in FEATURES if f != "tiny_output"]
cases = st.lists(st.sampled_from(DEGENERATE), max_size=2, unique=True).flatmap(
    lambda features: network_and_sample(input_dim=(1, 3), hidden_width=(1, 5),
                                        output_dim=(1, 3), n=(1, 9), features=features))


def full_rank(net, X, convention="error"):
    return linalg.rank(jacobian(net, X, convention), net.n_parameters)


@given(st.lists(st.sampled_from(DEGENERATE), max_size=2, unique=True).flatmap(
    lambda features: network_and_sample(input_dim=(1, 3), hidden_width=(1, 5),
                                        output_dim=(1, 2), n=(1, 8), features=features)))
def test_rank_against_reference_on_degenerate_cases(pair):
    net, X = pair
    expected = reference_rank(finite_difference_jacobian(net, X))
    assert local_dimension(net, X) == expected
    for backend in linalg.available_backends():
        assert local_dimension(net, X, backend=backend) == expected


@given(network_and_sample(output_dim=(1, 3), n=(1, 10), features=["tiny_output"]))
def test_bounds_T1_T2(pair):
    net, X = pair
    dim = local_dimension(net, X)
    assert dim <= net.n_parameters - net.hidden_width  # T1
    assert dim <= len(X) * net.output_dim  # T2


@given(network_and_sample(output_dim=(1, 2), n=(1, 8)), st.data())
def test_invariance_T3(pair, data):
    net, X = pair
    perm = data.draw(permutations(net.hidden_width))
    j = data.draw(st.integers(0, net.hidden_width - 1))
    lam = data.draw(st.fractions(min_value=Fraction(1, 7), max_value=7).filter(lambda q: q > 0))
    dim = local_dimension(net, X)
    assert local_dimension(net.permute(perm), X) == dim
    assert local_dimension(net.rescale(j, lam), X) == dim


def test_hand_checked_values():
    # |x| with one sample per side: each region gives rank 1 per sample; 2 samples -> 2.
    absval = ShallowNetwork(W=[[1], [-1]], b=[0, 0], V=[[1, 1]], c=[0])
    assert local_dimension(absval, [[1], [-1]]) == 2
    # Two samples on each side: each region is rich (rank X̃_r = 2), M = I so 1 ∈ col(M):
    # dim = (d+1)·rank(M) = 4 (T6).
    assert local_dimension(absval, [[1], [2], [-1], [-3]]) == 4
    # A single neuron, rich data: P − N = 4 − 1 = 3.
    single = ShallowNetwork(W=[[2]], b=[-1], V=[[3]], c=[5])
    assert local_dimension(single, [[0], [1], [2]]) == 3
    # The same neuron dead on X: only c moves f.
    assert local_dimension(single, [[0], [-1], [-2]]) == 1


# --- local_dimension_report: the methods ---------------------------------------------------------

@given(cases)
def test_local_dimension_methods_agree(pair):
    net, X = pair
    exact = full_rank(net, X)
    auto = local_dimension_report(net, X)
    assert auto.exact and auto.value == exact
    assert local_dimension_report(net, X, method="exact").value == exact
    modular = local_dimension_report(net, X, method="modular")
    assert modular.value <= exact and (not modular.exact or modular.value == exact)
    numeric = local_dimension_report(net, X, method="numeric")
    assert numeric.method == "numeric" and not numeric.exact and numeric.certificate == "numeric"
    assert local_dimension(net, X, backend="sympy") == exact


def test_report_contract():
    net = ShallowNetwork.random(3, 4, 2, seed=5)
    X = np.random.default_rng(0).standard_normal((12, 3))
    report = local_dimension_report(net, X, method="modular")
    data = report.to_dict()
    assert data["method"] == "modular" and data["value"] == report.value
    assert set(data) >= {"certificate", "exact", "bounds", "primes", "epsilon", "seconds"}
    assert local_dimension(net, X) == local_dimension(net, X.tolist())
    with pytest.raises(InputError, match="method"):
        local_dimension(net, X, method="svd")
    with pytest.raises(InputError, match="backend"):
        local_dimension(net, X, backend="magma")


def test_numeric_is_labelled_and_can_be_wrong():
    # v = 2^-60 puts neuron 0's columns under numpy's tolerance: numeric loses rank
    net = ShallowNetwork(W=[[1, 0], [0, 1]], b=[Fraction(-3, 2), 0],
                         V=[[Fraction(1, 2 ** 60), 1]], c=[0])
    X = [[1, 1], [2, 1], [1, 3], [3, 2], [2, 5], [4, 1]]
    exact = local_dimension_report(net, X)
    numeric = local_dimension_report(net, X, method="numeric")
    assert exact.exact and exact.value == full_rank(net, X)
    assert not numeric.exact and numeric.value < exact.value
    assert "NUMERIC" in numeric.detail and numeric.tolerance > 0
