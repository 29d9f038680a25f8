"""Ranks of deep networks (relugeom.rank.deep): the modular rank, exact and certified, and the
structural upper bounds, all against a textbook elimination of the backpropagated Jacobian."""

from fractions import Fraction

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from relugeom import BoundaryError, DeepNetwork, deep_jacobian, symmetry_bound
from relugeom.rank.deep import (_distinct_samples, modular_local_dimension, rank_upper_bound,
                                regions_bound, structural_upper_bound)
from relugeom.rank.float_filter import filtered_patterns, sample_array
from tests.reference import reference_rank
from tests.strategies import deep_cases, replace_layer, samples_for


@given(deep_cases(n=(1, 8), depth=(2, 3), width=(1, 3), input_dim=(1, 2)))
def test_modular_rank_is_exact_and_certified(case):
    net, X = case
    result = modular_local_dimension(net, X, block=3)
    assert result.value == reference_rank(deep_jacobian(net, X))
    assert result.exact and result.certificate.split(" (")[0] in ("upper-bound", "factorization")
    assert result.value <= result.upper_bound <= min(len(X) * net.output_dim,
                                                     symmetry_bound(net))
    if not result.value == result.upper_bound:
        unchecked = modular_local_dimension(net, X, certify=False)
        assert unchecked.value == result.value and not unchecked.exact
        assert unchecked.certificate == "probabilistic" and 0 <= unchecked.epsilon < 1e-3


def test_modular_rank_streams_rows_of_a_tall_jacobian():
    small = DeepNetwork([([[1], [-1]], [Fraction(1, 5), Fraction(1, 2)]), ([[1, 2]], [1])])
    tall = [[Fraction(k, 3)] for k in range(-9, 10, 2)]  # n·m = 10 rows > P = 7 columns
    result = modular_local_dimension(small, tall, block=4)
    assert result.value == reference_rank(deep_jacobian(small, tall)) and result.exact


@given(deep_cases(n=(1, 8), depth=(2, 4)), st.data())
def test_structural_upper_bound_is_an_upper_bound(case, data):
    net, X = case
    if net.depth > 2 and data.draw(st.booleans(), label="duplicate"):
        W, b = map(list, net.layers[1])
        W[-1], b[-1] = W[0], b[0]  # a duplicated neuron in layer 2 (when it has two)
        net = replace_layer(net, 2, W=W, b=b)
        X = samples_for(data.draw, net, n=(1, 8))
    rank = reference_rank(deep_jacobian(net, X))
    structure = structural_upper_bound(net, X)
    assert structure >= rank
    # n·m is small here, so T holds every sample: the local terms are then the exact relations
    # and intersections of the layers' column spaces, and the bound is the rank itself
    assert structural_upper_bound(net, X, local=True) == rank


@given(st.integers(1, 12), st.integers(65, 90), st.integers(0, 2 ** 32), st.sampled_from(
    [0.03, 0.1, 0.5]))
def test_rank_upper_bound_of_sparse_integer_matrices(rows, cols, seed, density):
    rng = np.random.default_rng(seed)
    M = rng.integers(-3, 4, (rows, cols)) * (rng.random((rows, cols)) < density)
    M[:, :3] = M[:, 3:6] * 2  # some dependent columns
    assert rank_upper_bound(M) >= reference_rank(M.tolist())
    assert rank_upper_bound(M[:, :40]) == reference_rank(M[:, :40].tolist())  # exact when narrow


def test_bias_of_an_always_active_neuron_tightens_the_structural_bound():
    # an always-active neuron is linear, so its bias column is a combination of the next
    # layer's bias columns: one more dimension in C_l ∩ C_{l+1}
    from relugeom.rank.deep import _bias_in_next_layer, _layers

    tight = 0
    for seed in range(30):
        rng = np.random.default_rng(seed)
        widths = [3, 4, 4, 2]
        layers = [((4 * rng.integers(-3, 4, (b, a))).tolist(),
                   (2 * rng.integers(-5, 6, b) + 1).tolist()) for a, b in zip(widths, widths[1:])]
        layers[1][1][0] = 10 ** 6 + 1  # neuron 0 of layer 2 is active on every sample
        net = DeepNetwork(layers)
        X = rng.integers(-9, 10, (40, 3)).tolist()
        try:
            rank = reference_rank(deep_jacobian(net, X))
        except BoundaryError:
            continue
        deep, exact, _ = _layers(net, X, "error")
        assert 0 in _bias_in_next_layer(deep, exact, 2)
        bound = structural_upper_bound(net, X)
        assert bound >= rank
        tight += bound == rank < symmetry_bound(net)
    assert tight >= 1


def test_duplicated_samples_certify_the_deep_rank_by_distinct_samples():
    net = DeepNetwork.random([3, 4, 4, 2], seed=1)
    X = [[1, 2, 0], [0, 1, 1]] * 4
    result = modular_local_dimension(net, X, relu_prime_at_zero=0)
    assert result.certificate == "upper-bound (distinct samples)"
    assert result.value == reference_rank(deep_jacobian(net, X, 0))


@st.composite
def crowded_regions(draw):
    """A small float network and samples on a low-dimensional affine subspace (small integer
    combinations), so that regions hold more samples than the dimension of their span; some
    samples repeated, some with a large negative bias killing a layer on part of them."""
    widths = [draw(st.integers(2, 4)) for _ in range(draw(st.integers(3, 4)))] + [
        draw(st.integers(1, 2))]
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    layers = [(rng.normal(0, 1, (b, a)).astype(np.float32).astype(float),
               rng.normal(0, 0.5, b)) for a, b in zip(widths, widths[1:])]
    if draw(st.booleans()):
        layers[1][1][:] -= 2.0  # a layer inactive on some samples
    n, k = draw(st.integers(3, 12)), draw(st.integers(1, 2))
    X = (rng.integers(-2, 3, (n, k)) @ rng.integers(-2, 3, (k, widths[0]))).astype(float)
    X += rng.integers(-1, 2, widths[0])  # an affine subspace
    if draw(st.booleans()):
        X = np.vstack([X, X[:2]])
    return DeepNetwork.from_numpy(layers), X


@given(crowded_regions(), st.sampled_from([0, 1]))
def test_regions_bound_is_an_upper_bound_and_the_deep_rank_is_exact(case, convention):
    net, X = case
    A, exact_floats = sample_array(X, net.input_dim)
    passed = filtered_patterns(net, X, convention)
    rank = reference_rank(deep_jacobian(net, [[Fraction(v) for v in row] for row in X],
                                        convention))
    _, _, representatives = _distinct_samples(A, exact_floats, passed.patterns)
    for samples in (None, representatives):
        assert regions_bound(A, passed.patterns, samples, net.output_dim) >= rank
    for float_gram in (False, True):
        result = modular_local_dimension(net, X, relu_prime_at_zero=convention,
                                         float_gram=float_gram)
        assert result.value == rank and result.exact


def test_a_crowded_region_certifies_the_deep_rank_by_regions():
    """Nine samples on a line, all in one region: 2 dimensions, not 9 (nor the 9 distinct)."""
    net = DeepNetwork.from_numpy([(np.array([[1.0, 0.5], [0.25, 1.0]]), np.ones(2)),
                                  (np.array([[1.0, 0.75], [0.5, 1.0]]), np.ones(2)),
                                  (np.array([[1.0, 2.0]]), np.zeros(1))])
    X = np.array([[t, 2 * t] for t in range(1, 10)], dtype=float)
    assert reference_rank(deep_jacobian(net, [[Fraction(v) for v in x] for x in X])) == 2
    for float_gram in (False, True):
        result = modular_local_dimension(net, X, float_gram=float_gram)
        assert result.value == 2 and result.exact and "regions" in result.certificate
