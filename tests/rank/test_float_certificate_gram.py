"""The structured row Gram of a shallow Jacobian (relugeom.rank.float_certificate.
shallow_row_gram): its entrywise error bound holds against J·Jᵀ computed exactly (Fractions),
it never proves exactly dependent rows independent (mutation test: without the shift it is
fooled), and the front door's answers through it — level 0 and the level-1 split and region
bounds — equal exact elimination. Also: the float θ a network keeps from ``from_numpy`` is
exactly its Fractions."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom import ShallowNetwork, jacobian
from relugeom.linalg.gram import gram_positive_definite
from relugeom.model.sample import as_sample
from relugeom.rank.float_certificate import row_gram_rank_at_least, shallow_row_gram
from relugeom.rank.shallow import ShallowModular, _Weights

from .test_small import KINDS, certified_path, exact_rank, small_case


def exact_gram(net, X, samples=None):
    rows = as_sample(X, net.input_dim)
    if samples is not None:
        rows = [rows[i] for i in samples]
    J = jacobian(net, rows)
    return [[sum((a * b for a, b in zip(r, s)), Fraction(0)) for s in J] for r in J]


def assert_gram_within(exact, G, B):
    for row, gf, bf in zip(exact, G.tolist(), B.tolist()):
        for q, g, e in zip(row, gf, bf):
            assert abs(Fraction(g) - q) <= Fraction(e)


@given(st.integers(0, 10_000), st.booleans(), st.sampled_from(KINDS))
def test_row_gram_within_its_bound(seed, float32, kind):
    net, X = small_case(seed, float32, kind)
    case = ShallowModular(net, X, relu_prime_at_zero=0)
    G, bound = shallow_row_gram(case)
    B = bound.matrix()
    assert (G == G.T).all() and (B >= 0).all()
    assert_gram_within(exact_gram(net, X), G, B)
    # the bound is a rounding bound, not a vacuous one
    assert B.max() <= 1e-12 * max(1.0, float(np.abs(G).max()))
    # the factored product B·v (used to certify) is B's, up to its own rounding
    v = np.random.default_rng(seed).random(G.shape[0])
    assert np.allclose(bound.times(v), B @ v, rtol=1e-12, atol=0)
    samples = np.arange(0, case.n, 2)
    G, bound = shallow_row_gram(case, samples)
    assert G.shape == (len(samples) * net.output_dim,) * 2
    assert_gram_within(exact_gram(net, X, samples), G, bound.matrix())


def test_row_gram_refuses_inputs_that_are_not_floats():
    net, X = small_case(1, False, "plain")
    rational = [[Fraction(1, 3) * int(v) for v in np.sign(row)] for row in X]
    assert shallow_row_gram(ShallowModular(net, rational)) is None


def _dependent_case(seed: int):
    """Samples in one region (all neurons active), the last one the exact midpoint of two
    others (dyadic: exact in float64): rank J = n·m − 1, exactly."""
    rng = np.random.default_rng(seed)
    d, N = 8, 4
    W, b = rng.normal(size=(N, d)), 80.0 + rng.random(N)  # every neuron active on |x| < 5
    V, c = rng.normal(size=(1, N)), rng.normal(size=1)
    X = rng.integers(-40, 40, (6, d)) / 16.0
    X[-1] = (X[0] + X[1]) / 2
    return ShallowNetwork.from_numpy(W, b, V, c), X


def test_row_gram_never_proves_dependent_rows_independent():
    """Mutation test: exactly dependent rows whose rounded Gram matrix often passes a plain
    float Cholesky (a mutant with no shift is fooled); the certificate refuses every time, and
    the front door answers the exact rank."""
    fooled = 0
    for seed in range(12):
        net, X = _dependent_case(seed)
        case = ShallowModular(net, X)
        G, B = shallow_row_gram(case)
        rows = G.shape[0]
        assert exact_rank(net, X) == rows - 1
        assert row_gram_rank_at_least(G, B, rows, net.n_parameters) is None
        fooled += gram_positive_definite(G.copy(), 0.0, net.n_parameters,
                                         _safety=0.0) is not None
        report = certified_path(net, X)
        assert report.exact and report.value == rows - 1
    assert fooled


def test_row_gram_certifies_full_rank_and_chosen_rows():
    net, X = small_case(3, False, "plain")
    case = ShallowModular(net, X)
    G, B = shallow_row_gram(case)
    full = exact_rank(net, X)
    if full == G.shape[0]:
        proof = row_gram_rank_at_least(G, B, full, net.n_parameters)
        assert proof is not None and len(proof[1]) == full
    # equal samples give equal rows: never all of them, but one of each
    Xd = np.vstack([X, X[:2]])
    G, B = shallow_row_gram(ShallowModular(net, Xd))
    assert row_gram_rank_at_least(G, B, G.shape[0], net.n_parameters) is None


@given(st.integers(0, 10_000), st.booleans(), st.sampled_from(("dead sample", "subspace",
                                                                "dead neuron")))
def test_front_door_through_level_one_bounds_equals_elimination(seed, float32, kind):
    net, X = small_case(seed, float32, kind)
    report = certified_path(net, X)
    assert report.exact and report.value == exact_rank(net, X)


def half_dead(seed: int, m: int):
    """The benchmark's half-dead network (half the neurons dead on every sample), smaller."""
    rng = np.random.default_rng(seed)
    d, N, n = 20, 8, 50 if m == 1 else 24
    W, b = rng.normal(0, np.sqrt(2 / d), (N, d)), rng.normal(0, 0.1, N)
    b[: N // 2] = -1e3
    V, c = rng.normal(0, np.sqrt(2 / N), (m, N)), rng.normal(0, 0.1, m)
    return ShallowNetwork.from_numpy(W, b, V, c), rng.normal(size=(n, d))


@pytest.mark.parametrize("seed, m", [(0, 1), (1, 1), (2, 3), (3, 3)])
def test_half_dead_certified_by_a_level_one_bound_and_floats(seed, m):
    net, X = half_dead(seed, m)
    report = certified_path(net, X)
    assert report.value == exact_rank(net, X) < len(X) * m
    assert report.exact and "with float Gram lower bound" in report.certificate
    assert report.primes == ()


@given(st.integers(0, 10_000), st.sampled_from([np.float16, np.float32, np.float64]))
def test_float_theta_kept_by_from_numpy_is_the_fractions(seed, dtype):
    rng = np.random.default_rng(seed)
    d, N, m = (int(v) for v in rng.integers(1, 5, 3))
    arrays = [(rng.normal(size=s) * 10.0 ** rng.integers(-3, 3)).astype(dtype)
              for s in ((N, d), (N,), (m, N), (m,))]
    net = ShallowNetwork.from_numpy(*arrays)
    assert [Fraction(float(v)) for v in net._float_theta] == list(net.theta())
    assert list(_Weights(net).theta.to_fractions()) == list(net.theta())


def test_longdouble_weights_are_not_kept_as_float64():
    W = np.array([[1 + np.finfo(np.longdouble).eps]], dtype=np.longdouble)
    net = ShallowNetwork.from_numpy(W, [0.0], [[1.0]], [0.0])
    assert not hasattr(net, "_float_theta")
    assert _Weights(net).theta.to_fractions()[0] == net.W[0][0]


def few_active_case(seed: int, m: int, n: int, d: int = 8, N: int = 5):
    """Negative biases: many samples with fewer than m active neurons."""
    rng = np.random.default_rng(seed)
    W, b = rng.normal(size=(N, d)), rng.normal(-0.8, 0.5, N)
    V, c = rng.normal(size=(m, N)), rng.normal(size=m)
    if seed % 3 == 0:
        V[:, 1] = 2 * V[:, 0]  # two neurons with parallel output weights: dim A_i < |A_i|
    return ShallowNetwork.from_numpy(W, b, V, c), rng.normal(size=(n, d))


@given(st.integers(0, 10_000), st.integers(2, 4), st.integers(2, 12))
def test_sample_span_bound_holds_and_is_exact_on_independent_samples(seed, m, n):
    net, X = few_active_case(seed, m, n)
    case = ShallowModular(net, X)
    bound = case._span_bound
    exact = exact_rank(net, X)
    if bound is None:
        return
    assert bound.value >= exact
    # with n ≤ d + 1 generic samples are independent: the bound is the rank, unless some
    # sample has m or more active neurons whose v_j do not span Q^m
    live = case.S & case.v_nonzero
    spanning = all(np.linalg.matrix_rank(net_V(net)[:, live[i]]) == m
                   for i in range(case.n) if live[i].sum() >= m)
    if n <= net.input_dim + 1 and spanning:
        assert bound.value == exact


def net_V(net):
    return np.array([[float(v) for v in row] for row in net.V])


def test_sample_span_bound_certifies_through_the_front_door():
    """Independent samples, some with fewer active neurons than outputs: the span bound is the
    rank and the float Gram bound proves it (no prime)."""
    certified = 0
    for seed in range(1, 12):
        net, X = few_active_case(seed, 3, 9)
        report = certified_path(net, X)
        assert report.exact and report.value == exact_rank(net, X)
        certified += report.certificate == "upper-bound (sample spans) with float Gram lower bound"
    assert certified


@given(st.integers(0, 10_000), st.booleans(), st.sampled_from(KINDS))
def test_gram_rank_mod_p_is_a_lower_bound(seed, float32, kind):
    """rank_p(J·Jᵀ) ≤ rank_Q J, and with a 21-bit prime it is the rank on generic cases."""
    net, X = small_case(seed, float32, kind)
    case = ShallowModular(net, X, relu_prime_at_zero=0)
    p = case._usable_prime()
    exact = exact_rank(net, X)
    assert case.gram_rank_mod(p) <= exact
    near = sum(case.gram_rank_mod(q) == exact for q in (p, 2_097_143, 1_999_993))
    assert near >= 2  # a prime dividing a sum of squared minors is rare


@given(st.integers(0, 10_000), st.integers(2, 4), st.integers(2, 9))
def test_span_bound_is_the_rank_when_said_exact(seed, m, n):
    """The independent-samples check of the span bound, against elimination: never says exact
    wrongly (mutation: V made rank-deficient on a pair of neurons is caught or exact)."""
    net, X = few_active_case(seed, m, n)
    case = ShallowModular(net, X)
    bound = case._span_bound
    if bound is not None and case.spans_are_exact():
        assert bound.value == exact_rank(net, X)


def test_nearly_equal_neurons_with_independent_samples():
    """Two neurons equal up to 2^-40 (J nearly deficient), independent samples (n ≤ d + 1):
    the span bound is proven the rank (by floats on J, or else by the independent-samples
    check), no prime, no kernel, and equals elimination."""
    rng = np.random.default_rng(5)
    d, N, m, n = 12, 5, 3, 10
    W, b = rng.normal(size=(N, d)), rng.normal(-0.3, 0.3, N)
    W[1], b[1] = W[0] * (1 + 2.0 ** -40), b[0]
    V, c = rng.normal(size=(m, N)), rng.normal(size=m)
    net, X = ShallowNetwork.from_numpy(W, b, V, c), rng.normal(size=(n, d))
    exact = exact_rank(net, X)
    report = certified_path(net, X)
    assert report.exact and report.value == exact and report.primes == ()
    assert report.certificate in ("independent samples",
                                  "upper-bound (sample spans) with float Gram lower bound")
    case = ShallowModular(net, X)
    assert case.spans_are_exact() and case._span_bound.value == exact
