"""The exact local dimension against independent computations, and T1–T3 of docs/theory.md."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom import ShallowNetwork, local_dimension
from relugeom import jacobian
from relugeom import linalg
from relugeom.search.strategies import FEATURES, network_and_sample, permutations
from reference import finite_difference_jacobian, reference_rank

DEGENERATE = [f for f in FEATURES if f != "tiny_output"]


@given(network_and_sample(input_dim=(1, 3), hidden_width=(1, 4), output_dim=(1, 2), n=(1, 6)))
def test_jacobian_equals_exact_finite_differences(pair):
    net, X = pair
    assert jacobian(net, X) == finite_difference_jacobian(net, X)


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


@given(network_and_sample(output_dim=(1, 2), n=(1, 6), features=["duplicate"]))
def test_kernel_basis_is_a_kernel(pair):
    net, X = pair
    J = jacobian(net, X)
    basis = linalg.nullspace(J)
    assert len(basis) == net.n_parameters - local_dimension(net, X)
    for u in basis:
        assert all(sum(a * b for a, b in zip(row, u)) == 0 for row in J)
    for backend in linalg.available_backends():
        assert linalg.nullspace(J, backend=backend) == basis


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


def test_linalg_edge_cases():
    assert linalg.rank([], 3) == 0
    assert linalg.nullspace([], 2) == [(1, 0), (0, 1)]
    assert linalg.rank([[Fraction(1, 3), Fraction(2, 3)], [1, 2]]) == 1
    with pytest.raises(ValueError, match="unknown exact backend"):
        linalg.rank([[1]], backend="magic")


def test_jacobian_reads_float_samples_at_their_exact_values():
    # a float sample must not leak float arithmetic into the exact Jacobian
    from fractions import Fraction

    from relugeom import ShallowNetwork
    from relugeom import jacobian

    net = ShallowNetwork(W=[[1, -2]], b=["1/3"], V=[["1/3"], ["-2/7"]], c=[0, 1])
    floats = [[0.1, 0.7], [2.5, -0.3]]
    exact = [[Fraction(v) for v in row] for row in floats]
    J = jacobian(net, floats)
    assert J == jacobian(net, exact)
    assert all(isinstance(v, Fraction) for row in J for v in row)
