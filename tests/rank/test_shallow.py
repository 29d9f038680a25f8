"""One hidden layer (relugeom.rank.shallow): the structured (compressed) rank, the modular rank
with its named bounds, and exact signs near hyperplanes, against the full Jacobian's rank."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from relugeom import ShallowNetwork, jacobian, linalg, local_dimension
from relugeom.errors import BoundaryError
from relugeom.exact.arrays import RationalArray
from relugeom.linalg.modular import random_primes
from relugeom.model.datasets import low_rank_sample
from relugeom.rank.dimension import local_dimension_report
from relugeom.rank.shallow import (ShallowModular, compressed_jacobian, exact_signs,
                                   modular_local_dimension, structured_rank)
from relugeom.search.strategies import FEATURES, network_and_sample

DEGENERATE = [f for f in FEATURES if f not in ("tiny_output",)]
cases = st.lists(st.sampled_from(DEGENERATE), max_size=2, unique=True).flatmap(
    lambda features: network_and_sample(input_dim=(1, 3), hidden_width=(1, 5),
                                        output_dim=(1, 3), n=(1, 9), features=features))


def full_rank(net, X, convention="error"):
    return linalg.rank(jacobian(net, X, convention), net.n_parameters)


@given(cases)
def test_structured_rank_equals_full_jacobian_rank(pair):
    net, X = pair
    cj = compressed_jacobian(net, X)
    assert cj.shape[0] <= cj.full_shape[0] and cj.shape[1] <= cj.full_shape[1]
    assert cj.rank() == full_rank(net, X)


@given(network_and_sample(input_dim=(1, 2), hidden_width=(1, 4), n=(5, 14)))
def test_structured_rank_with_many_samples_per_region(pair):
    net, X = pair  # n ≫ R(d+1) often: the row side compresses
    assert structured_rank(net, X) == full_rank(net, X)


@given(cases)
def test_modular_dimension_is_a_lower_bound_and_every_bound_holds(pair):
    net, X = pair
    exact = full_rank(net, X)
    case = ShallowModular(net, X)
    result = modular_local_dimension(net, X, case=case)
    assert result.value <= exact
    for bound in case.bounds(level=3):  # each named bound is a theorem: it must hold
        assert exact <= bound.value, bound
    if result.exact:
        assert result.value == exact == result.bound.value
    else:
        assert result.certificate == "probabilistic" and 0 <= result.epsilon <= 1


@settings(max_examples=10)
@given(st.integers(0, 10_000))
@example(131)
def test_low_rank_data_is_certified_through_the_data_rank(seed):
    rng = np.random.default_rng(seed)
    d, N, m, n = 12, 4, int(rng.integers(1, 3)), 30
    X = low_rank_sample(n, d, 3, seed=seed)
    net = ShallowNetwork.random(d, N, m, seed=seed)
    try:
        exact = full_rank(net, X.tolist())
    except BoundaryError:
        return
    case = ShallowModular(net, X)
    result = modular_local_dimension(net, X, case=case)
    assert case.data_rank == linalg.rank([list(x) + [1] for x in X.tolist()])
    smallest_bound = min(b.value for b in result.bounds)
    assert result.value <= exact <= smallest_bound
    if exact == smallest_bound:
        # the rank reaches a proven bound: the modular rank must find it and certify it
        assert result.value == exact and result.exact
    else:
        # e.g. seed 131: rank 16 below every proven bound (17): only a labelled lower bound
        assert not result.exact and result.certificate == "probabilistic"
        assert local_dimension_report(net, X).exact
        assert local_dimension_report(net, X).value == exact


def test_exact_signs_near_hyperplanes():
    # z = x − 1 for x = 1 ± 2^-52 and x = 1: floats cannot decide, the exact fallback does
    net = ShallowNetwork(W=[[1], [3]], b=[-1, Fraction(-1, 10)], V=[[1, 1]], c=[0])
    xs = np.array([[1 + 2.0 ** -52], [1 - 2.0 ** -53], [1.0], [2.0 ** -1070], [1 / 30]])
    X = RationalArray.from_floats(xs)
    W, b = RationalArray.from_fractions(net.W), RationalArray.from_fractions(net.b)
    sample = X.to_fractions()
    signs = exact_signs(W, b, X, lambda i, j: sum(w * x for w, x in zip(net.W[j], sample[i]))
                        + net.b[j])
    expected = [[(z > 0) - (z < 0) for z in (x[0] - 1, 3 * x[0] - Fraction(1, 10))]
                for x in sample]
    assert signs.tolist() == expected


def test_exact_signs_with_inputs_below_float_range():
    # x = 2^-1100 is 0 in float64; w = 2^200, b = −2^-950: z = 2^-900 − 2^-950 > 0
    W = RationalArray.from_fractions([[Fraction(2 ** 200)]])
    b = RationalArray.from_fractions([-Fraction(1, 2 ** 950)])
    X = RationalArray.from_fractions([[Fraction(1, 2 ** 1100)], [Fraction(1)]])
    exact = lambda i, j: W.fraction(j, 0) * X.fraction(i, 0) + b.fraction(j)  # noqa: E731
    assert exact_signs(W, b, X, exact).tolist() == [[1], [1]]


def test_modular_path_reports_boundaries_like_the_exact_one():
    net = ShallowNetwork(W=[[1], [1]], b=[0, -1], V=[[1, 2]], c=[0])
    X = np.array([[3.0], [1.0], [-2.0]])  # sample 1 is on neuron 1's hyperplane
    with pytest.raises(BoundaryError) as info:
        ShallowModular(net, X)
    assert (info.value.sample, info.value.neuron) == (1, 1)
    for convention in (0, 1):
        expected = full_rank(net, [[3], [1], [-2]], convention)
        got = modular_local_dimension(net, X, relu_prime_at_zero=convention)
        assert got.value == expected


def test_first_prime_dividing_a_denominator_is_skipped():
    first = random_primes(8, seed=0)[0]
    net = ShallowNetwork([[1]], [Fraction(1, 3)], [[2]], [0])
    X = [[Fraction(1, first)], [2]]
    result = local_dimension_report(net, X, method="modular")
    assert result.value == local_dimension(net, X, method="exact") == 2 and result.exact


@given(cases, st.data())
def test_duplicated_samples_bound_the_rank_by_distinct_samples(pair, data):
    """Equal samples give equal rows of J: m·(distinct samples) is a proven bound, and a modular
    rank certified by it is the exact rank."""
    net, X = pair
    repeats = data.draw(st.lists(st.integers(1, 3), min_size=len(X), max_size=len(X)))
    duplicated = [x for x, k in zip(X, repeats) for _ in range(k)]
    exact = full_rank(net, duplicated)
    case = ShallowModular(net, duplicated)
    distinct = [b for b in case.bounds(level=0) if b.name == "distinct samples"]
    assert [b.value for b in distinct] == ([len(set(X)) * net.output_dim]
                                           if len(set(X)) < len(duplicated) else [])
    assert all(b.value >= exact for b in distinct)
    result = modular_local_dimension(net, duplicated)
    assert result.value <= exact
    if result.exact:
        assert result.value == exact
