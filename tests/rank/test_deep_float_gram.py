"""The float Gram bound at depth (relugeom.rank.float_filter.float_jacobian): the float
Jacobian's bound holds against the exact backpropagated Jacobian (Fractions), and the
deep modular path with the float Gram bound on answers what exact elimination answers — on
float64/float32 weights, huge and tiny scales, samples on or near boundaries, rational X."""

from fractions import Fraction

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from relugeom import DeepNetwork, deep_jacobian
from relugeom.exact.arrays import RationalArray
from relugeom.rank.backprop import LayerBoundaryError
from relugeom.rank.deep import modular_local_dimension
from relugeom.rank.float_filter import filter_pass, float_jacobian, layer_arrays, sample_array
from tests.reference import reference_rank

from .test_deep_float import float_cases


def float_columns(net, X, convention, columns=None, samples=None):
    A, exact_floats = sample_array(X, net.input_dim)
    arrays = layer_arrays(net)
    passed = filter_pass(net, arrays, A, exact_floats, convention)
    return float_jacobian(net, arrays, passed, columns, samples)


def assert_within(exact, J, E):
    assert len(exact) == J.shape[0]
    for row, jf, ef in zip(exact, J.tolist(), E.tolist()):
        for q, a, e in zip(row, jf, ef):
            assert abs(Fraction(a) - q) <= Fraction(e)


@given(float_cases(), st.sampled_from([0, 1]), st.booleans())
def test_deep_float_jacobian_within_its_bound(case, convention, rational):
    net, X = case
    if rational:  # the same values as a RationalArray, read with roundings (α = 4u)
        X = RationalArray.from_floats(X)
    found = float_columns(net, X, convention)
    if found is None:
        return  # nothing claimed (out of range, or a sample decided exactly)
    J, E, index = found
    assert len(set(index.tolist())) == len(index)  # each column of J once, at most
    rows = X.to_fractions() if rational else [[Fraction(v) for v in row] for row in X]
    exact_J = deep_jacobian(net, rows, convention)
    exact = [[row[c] for c in index] for row in exact_J]
    assert_within(exact, J, E)
    # every other sample: their rows
    samples = np.arange(0, len(rows), 2)
    m = net.output_dim
    sub_J, sub_E, sub_index = float_columns(net, X, convention, samples=samples)
    assert_within([[exact_J[i * m + k][c] for c in sub_index] for i in samples for k in range(m)],
                  sub_J, sub_E)
    # a prefix of the layers (last first), some inputs of the deepest one: the same columns
    sub_J, sub_E, sub_index = float_columns(net, X, convention, columns=max(1, J.shape[1] // 3))
    full = {(c, a.tobytes(), e.tobytes()) for c, a, e in zip(index, J.T, E.T)}
    assert all((c, a.tobytes(), e.tobytes()) in full
               for c, a, e in zip(sub_index, sub_J.T, sub_E.T))


@given(float_cases(n=(1, 12)), st.sampled_from(["error", 0, 1]))
def test_deep_rank_with_float_gram_equals_exact_elimination(case, convention):
    net, X = case
    try:
        result = modular_local_dimension(net, X, relu_prime_at_zero=convention, float_gram=True)
    except LayerBoundaryError:
        return  # the default convention refuses a sample on a boundary, as elimination does
    rank = reference_rank(deep_jacobian(net, [[Fraction(v) for v in row] for row in X],
                                        convention))
    assert result.exact and result.value == rank


def test_deep_float_gram_certifies_trained_like_nets():
    rng = np.random.default_rng(0)
    certified = 0
    for widths, n in (([10, 10, 10, 10, 1], 50), ([6, 8, 8, 2], 30), ([5, 4, 4, 1], 200)):
        layers = [(rng.normal(0, np.sqrt(2 / a), (b, a)).astype(np.float32).astype(float),
                   rng.normal(0, 0.1, b)) for a, b in zip(widths, widths[1:])]
        net = DeepNetwork.from_numpy(layers)
        X = rng.normal(size=(n, widths[0]))
        got = modular_local_dimension(net, X, float_gram=True)
        plain = modular_local_dimension(net, X)
        assert got.value == plain.value and got.exact
        level0 = [b.value for b in got.bounds if b.name != "layer structure"]
        if got.value == min(level0):  # the bound the float Gram bound aims at
            assert "float Gram" in got.certificate and got.primes == ()
        certified += "float Gram" in got.certificate
    assert certified >= 1
