"""The float Gram bound on shallow Jacobians (relugeom.rank.float_certificate): the float64
Jacobian's entrywise error bound holds against the exact Jacobian (Fractions), and the front
door's answers with the float path on equal exact elimination, on float64/float32 weights,
degenerate cases, rational samples and extreme magnitudes."""

from fractions import Fraction

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from relugeom import ShallowNetwork, jacobian, linalg
from relugeom.exact.arrays import RationalArray
from relugeom.model.sample import as_sample
from relugeom.rank import dimension
from relugeom.rank.dimension import local_dimension_report
from relugeom.rank.float_certificate import shallow_float_jacobian
from relugeom.rank.shallow import ShallowModular, modular_local_dimension

from .test_small import KINDS, certified_path, exact_rank, small_case


def rational_sample(seed: int, n: int, d: int) -> RationalArray:
    """Pixels / 255: exact rationals that are not floats (every entry read with a rounding)."""
    return RationalArray.from_integers(np.random.default_rng(seed).integers(0, 256, (n, d)), 255)


def exact_kept_jacobian(net, X, case, samples=None):
    """The exact Jacobian's kept columns in the float path's column order: c, V, then W by
    (input, neuron); rows of the ``samples`` (all by default)."""
    cols = case.kept_columns()
    d, N, m = net.input_dim, net.hidden_width, net.output_dim
    index = [N * d + N + m * N + k for k in cols["ck"]]
    index += [N * d + N + k * N + j for j, k in zip(cols["vj"], cols["vk"])]
    index += [j * d + l if l < d else N * d + j
              for l, j in sorted(zip(cols["wl"], cols["wj"]))]
    rows = X.to_fractions() if isinstance(X, RationalArray) else as_sample(X, d)
    if samples is not None:
        rows = [rows[i] for i in samples]
    return [[row[c] for c in index] for row in jacobian(net, rows)]


def assert_within(exact, J, E):
    for row, jf, ef in zip(exact, J.tolist(), E.tolist()):
        for q, a, e in zip(row, jf, ef):  # zip stops at the float path's (fewer) columns
            assert abs(Fraction(a) - q) <= Fraction(e)


@given(st.integers(0, 10_000), st.booleans(), st.sampled_from(KINDS + ("rational",)))
def test_float_jacobian_within_its_bound(seed, float32, kind):
    net, X = small_case(seed, float32, "plain" if kind == "rational" else kind)
    if kind == "rational":
        X = rational_sample(seed, len(X), net.input_dim)
    case = ShallowModular(net, X, relu_prime_at_zero=0)
    J, E = shallow_float_jacobian(case)
    assert_within(exact_kept_jacobian(net, X, case), J, E)
    samples = np.arange(0, case.n, 2)  # every other sample, the first columns
    J, E = shallow_float_jacobian(case, samples, columns=max(1, J.shape[1] // 2))
    assert J.shape[0] == len(samples) * net.output_dim
    assert_within(exact_kept_jacobian(net, X, case, samples), J, E)


@given(st.integers(0, 10_000), st.booleans(), st.sampled_from(KINDS))
def test_front_door_with_float_gram_equals_exact_elimination(seed, float32, kind):
    net, X = small_case(seed, float32, kind)
    report = certified_path(net, X)
    assert report.exact and report.value == exact_rank(net, X)


def test_float_gram_certifies_trained_like_cases():
    """The float path answers the full-rank cases alone (no prime), stating both halves."""
    certified = 0
    for seed in range(8):
        net, X = small_case(seed, False, "plain")
        report = certified_path(net, X)
        assert report.value == exact_rank(net, X)
        if "float Gram" in report.certificate:
            certified += 1
            assert report.certificate.startswith("upper-bound (")
            assert report.primes == () and "proven independent" in report.detail
    assert certified >= 4


def test_rational_sample_through_the_front_door():
    rng = np.random.default_rng(3)
    W, b = rng.normal(size=(6, 8)), rng.normal(size=6)
    V, c = rng.normal(size=(2, 6)), rng.normal(size=2)
    net = ShallowNetwork.from_numpy(W, b, V, c)
    X = rational_sample(3, 20, 8)
    report = local_dimension_report(net, X)
    assert "float Gram" in report.certificate
    assert report.value == linalg.rank(jacobian(net, X.to_fractions()), net.n_parameters)


def test_near_singular_falls_back_to_the_exact_answer():
    """Samples on a plane but one, moved off it by 2^-40: J reaches its bound only by 2^-40,
    too close for float64 to prove; the float path claims nothing, the modular path answers
    exactly."""
    rng = np.random.default_rng(0)
    W, b = rng.normal(size=(4, 3)), rng.normal(size=4)
    V, c = rng.normal(size=(1, 4)), rng.normal(size=1)
    net = ShallowNetwork.from_numpy(W, b, V, c)
    X = (rng.integers(-3, 4, (40, 2)) @ rng.integers(-3, 4, (2, 3))).astype(float) + 0.5
    X[7, 0] += 2.0 ** -40
    exact = exact_rank(net, X)
    for float_gram in (True, False):
        report = modular_local_dimension(net, X, float_gram=float_gram, kernel_bits=10 ** 6)
        assert report.exact and report.value == exact
        assert "float Gram" not in report.certificate


def test_extreme_magnitudes_refused_or_exact():
    """Weights of magnitude 2^-600 or 2^600 fall outside the float path's range (its products
    would underflow or overflow): it claims nothing, and the answer is still exact."""
    rng = np.random.default_rng(1)
    for scale in (2.0 ** -600, 2.0 ** 600):
        W, b = rng.normal(size=(3, 2)) * scale, rng.normal(size=3) * scale
        V, c = rng.normal(size=(1, 3)), rng.normal(size=1)
        net = ShallowNetwork.from_numpy(W, b, V, c)
        X = rng.normal(size=(30, 2))
        case = ShallowModular(net, X)
        assert shallow_float_jacobian(case) is None
        saved, dimension.AUTO_EXACT_ENTRIES = dimension.AUTO_EXACT_ENTRIES, 0
        try:
            report = local_dimension_report(net, X)
        finally:
            dimension.AUTO_EXACT_ENTRIES = saved
        assert report.exact and report.value == exact_rank(net, X)


def test_exactly_deficient_jacobian_whose_float_gram_looks_positive_is_not_certified():
    """Mutation test at the Jacobian: five samples of one region with rational entries, the
    fifth an exact affine combination of two others, so rank J = 4 < 5 = n·m; rounding makes
    the float Gram matrix pass an unshifted Cholesky. The float Gram bound must not certify
    5 (a mutant without the bounds does), and the front door answers 4, as elimination does
    (possibly with the float Gram bound proving 4 rows independent against a level-1 bound)."""
    from relugeom.linalg.gram import full_row_rank_certified

    net = ShallowNetwork(W=[[1, 0, 0], [0, 1, 0], [0, 0, 1]], b=[10, 10, 10], V=[[1, 2, 3]],
                         c=[0])
    looked_positive = fooled = 0
    for seed in range(12):
        rng = np.random.default_rng(seed)
        rows = [[Fraction(int(a), int(q)) for a, q in zip(r, d)]
                for r, d in zip(rng.integers(1, 50, (4, 3)), rng.choice([3, 7, 11, 13], (4, 3)))]
        rows.append([Fraction(1, 3) * a + Fraction(2, 3) * b for a, b in zip(rows[0], rows[1])])
        X = RationalArray.from_fractions(rows)
        J, E = shallow_float_jacobian(ShallowModular(net, X))
        try:
            np.linalg.cholesky(J @ J.T)
            looked_positive += 1
        except np.linalg.LinAlgError:
            pass
        assert full_row_rank_certified(J, E) is None
        fooled += full_row_rank_certified(J, 0 * E, _safety=0.0) is not None
        report = certified_path(net, X)  # through the float path, not elimination
        assert report.exact and report.value == 4 == linalg.rank(jacobian(net, rows))
        # the float Gram bound may prove 4 (meeting a level-1 bound), never 5 = n·m
        assert "(rows n·m) with float Gram" not in report.certificate
    assert looked_positive and fooled
