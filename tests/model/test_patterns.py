from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom import BoundaryError, InputError, ShallowNetwork, activation_patterns, analyze
from relugeom.search.strategies import network_and_sample, networks, samples


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


# --- the exact integer machinery behind the patterns -------------------------------------------

import numpy as np  # noqa: E402

from relugeom.model.patterns import (distinct_patterns, distinct_rows, integer_rows,  # noqa: E402
                                     product_signs, rational_product_signs)


def _sign(value):
    return (value > 0) - (value < 0)


def _int_matrix(rows, width):
    """int64 when it fits (the fast path), else Python ints in an object array (the limb path)."""
    try:
        return np.array(rows, dtype=np.int64).reshape(len(rows), width)
    except OverflowError:
        out = np.empty((len(rows), width), dtype=object)
        out[:] = rows
        return out


@st.composite
def integer_matrices(draw):
    k = draw(st.integers(1, 6))
    bits = draw(st.sampled_from([3, 25, 52, 61, 62, 63, 100, 300]))
    entry = st.integers(-(2 ** bits), 2 ** bits)
    A = draw(st.lists(st.lists(entry, min_size=k, max_size=k), min_size=1, max_size=5))
    B = draw(st.lists(st.lists(entry, min_size=k, max_size=k), min_size=1, max_size=5))
    if k >= 2 and draw(st.booleans()):   # a row of B orthogonal to a row of A: a zero
        a = A[draw(st.integers(0, len(A) - 1))]
        B[0] = [a[1], -a[0]] + [0] * (k - 2)
    return A, B


@given(integer_matrices())
def test_product_signs_are_the_signs_of_the_exact_product(case):
    A, B = case
    k = len(A[0])
    got = product_signs(_int_matrix(A, k), _int_matrix(B, k))
    assert got.tolist() == [[_sign(sum(x * y for x, y in zip(a, b))) for b in B] for a in A]


_NEAR = st.sampled_from([0, 1, -1]).flatmap(
    lambda s: st.integers(40, 1200).map(lambda e: Fraction(s, 2 ** e)))
_ENTRIES = st.one_of(
    st.integers(-5, 5).map(Fraction),
    st.fractions(max_denominator=10 ** 18).filter(lambda q: abs(q) < 10 ** 20),
    st.integers(-3, 3).flatmap(lambda p: st.integers(0, 1100).map(
        lambda e: Fraction(p, 2 ** e))),
    st.integers(-3, 3).flatmap(lambda p: st.integers(300, 400).map(
        lambda e: Fraction(p * 10 ** e))))


@st.composite
def rational_cases(draw):
    """(X, W, b) with entries tiny, huge, decimal-like or plain, and biases that put a sample
    on, or within 2^-40 … 2^-1200 of, a hyperplane."""
    d, n, N = draw(st.integers(1, 4)), draw(st.integers(1, 5)), draw(st.integers(1, 4))
    rows = lambda count: tuple(tuple(draw(_ENTRIES) for _ in range(d))  # noqa: E731
                               for _ in range(count))
    X, W = rows(n), rows(N)
    b = []
    for w in W:
        if draw(st.booleans()):
            x = X[draw(st.integers(0, n - 1))]
            b.append(-sum(p * q for p, q in zip(w, x)) + draw(_NEAR))
        else:
            b.append(draw(_ENTRIES))
    return X, W, tuple(b)


@given(rational_cases())
def test_rational_product_signs_are_exact_near_and_on_hyperplanes(case):
    X, W, b = case
    got = rational_product_signs(X, W, b)
    assert got.tolist() == [[_sign(sum(p * q for p, q in zip(w, x)) + bj)
                             for w, bj in zip(W, b)] for x in X]


def test_integer_rows_scale_each_row_by_a_positive_number():
    rows = integer_rows([[Fraction(1, 2), Fraction(-1, 3)], [2, 10 ** 30]])
    assert rows.dtype == object and rows.tolist() == [[3, -2, 6], [2, 10 ** 30, 1]]


@given(st.lists(st.lists(st.integers(0, 1), min_size=3, max_size=3), min_size=1, max_size=12))
def test_distinct_rows_hash_patterns_in_order_of_first_appearance(rows):
    S = np.array(rows, dtype=np.uint8)
    first, label = distinct_rows(S)
    expected = list(dict.fromkeys(map(tuple, rows)))
    assert [tuple(rows[i]) for i in first] == expected
    assert [expected[r] for r in label] == [tuple(r) for r in rows]
    assert distinct_patterns(S) == expected == distinct_patterns(tuple(map(tuple, rows)))
    signs = 2 * S.astype(np.int8) - 1   # ±1 rows hash the same way
    assert distinct_rows(signs)[0].tolist() == first.tolist()


@given(st.integers(1, 100), st.integers(1, 30), st.integers(0, 2 ** 16))
def test_distinct_rows_of_wide_boolean_patterns(width, n, seed):
    # rows of up to 64 bits are hashed as one integer, wider ones as bytes: both in order
    rng = np.random.default_rng(seed)
    S = rng.random((n, width)) < 0.5
    S[rng.integers(0, n, n // 2)] = S[rng.integers(0, n, n // 2)]  # some rows repeated
    first, label = distinct_rows(S)
    expected = list(dict.fromkeys(map(bytes, S)))
    assert [bytes(S[i]) for i in first] == expected
    assert [expected[r] for r in label] == list(map(bytes, S))


def test_patterns_of_a_float_sample_are_exact():
    """A float sample is its exact binary value: 0.1 + 0.2 − 0.3 ≠ 0 in floats but the patterns
    are computed on the exact values, and a point exactly on a hyperplane is refused."""
    net = ShallowNetwork(W=[[1, 1]], b=[Fraction(-3, 10)], V=[[1]], c=[0])
    with pytest.raises(BoundaryError):
        activation_patterns(net, [[Fraction(1, 10), Fraction(1, 5)]])
    exact_float = Fraction(0.1) + Fraction(0.2) - Fraction(3, 10)   # > 0, about 2^-57
    assert activation_patterns(net, [[0.1, 0.2]]) == (((1,) if exact_float > 0 else (0,)),)
