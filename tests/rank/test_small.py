"""The small shallow path of the front door (issue 18): J mod p built whole from the exact
patterns, projected and ranked in one python-flint call, and certified by a structural bound
or by the verified left kernel (relugeom.rank.verified.shallow_left_kernel), on trained-like
float weights and degenerate cases, against exact elimination over Q (Fractions)."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom import ShallowNetwork, jacobian, linalg
from relugeom.exact.arrays import RationalArray
from relugeom.linalg.modular import random_primes
from relugeom.model.sample import as_sample
from relugeom.rank import dimension
from relugeom.rank.dimension import local_dimension_report
from relugeom.rank.shallow import ShallowModular
from relugeom.rank.verified import _ExactRows, shallow_left_kernel

KINDS = ("plain", "dead neuron", "duplicate neuron", "duplicate samples", "subspace",
         "dead sample")


def small_case(seed: int, float32: bool, kind: str):
    """He-like float weights (float32 values when asked), Gaussian samples, one degeneracy."""
    rng = np.random.default_rng(seed)
    d, N, m, n = (int(rng.integers(lo, hi)) for lo, hi in ((2, 6), (2, 7), (1, 4), (3, 13)))
    cast = (lambda A: A.astype(np.float32).astype(float)) if float32 else (lambda A: A)
    W, b = cast(rng.normal(0, np.sqrt(2 / d), (N, d))), cast(rng.normal(0, 0.5, N))
    V, c = cast(rng.normal(0, np.sqrt(2 / N), (m, N))), cast(rng.normal(0, 0.1, m))
    X = rng.normal(size=(n, d))
    if kind == "dead neuron":
        b[0] = -1e3
    elif kind == "duplicate neuron" and N > 1:
        W[1], b[1] = W[0], b[0]
    elif kind == "duplicate samples":
        X[n // 2:] = X[: n - n // 2]
    elif kind == "subspace":  # small integers: exactly on a line or a plane
        k = int(rng.integers(1, 3))
        X = (rng.integers(-3, 4, (n, k)) @ rng.integers(-3, 4, (k, d))).astype(float) + 0.5
    elif kind == "dead sample":  # a sample where every neuron is inactive
        X[0] = 0.0
        b[:] = -np.abs(b) - 0.25
        X[1:] *= 4
    return ShallowNetwork.from_numpy(W, b, V, c), X


def exact_rank(net, X):
    return linalg.rank(jacobian(net, as_sample(X, net.input_dim)), net.n_parameters)


def certified_path(net, X):
    """The front door with small cases sent through the certified path, not elimination."""
    saved, dimension.AUTO_EXACT_ENTRIES = dimension.AUTO_EXACT_ENTRIES, 0
    try:
        return local_dimension_report(net, X, fallback="interval")
    finally:
        dimension.AUTO_EXACT_ENTRIES = saved


@given(st.integers(0, 10_000), st.booleans(), st.sampled_from(KINDS))
def test_small_path_rank_equals_exact_elimination(seed, float32, kind):
    net, X = small_case(seed, float32, kind)
    exact = exact_rank(net, X)
    report = certified_path(net, X)
    assert ShallowModular(net, X).is_small(len(X) * net.output_dim)
    assert report.exact and report.value == exact
    assert report.lower_bound == report.upper_bound == exact


def kernel_of(net, X):
    case = ShallowModular(net, X)
    p = random_primes(1, seed=5)[0]
    case.rank_mod(p, len(X) * net.output_dim)
    return case, shallow_left_kernel(case, p)


@given(st.integers(0, 10_000), st.booleans(), st.sampled_from(KINDS))
def test_left_kernel_relations_are_left_kernel_vectors_of_J(seed, float32, kind):
    net, X = small_case(seed, float32, kind)
    case, K = kernel_of(net, X)
    J = jacobian(net, as_sample(X, net.input_dim))
    exact = linalg.rank(J, net.n_parameters)
    if K is None:  # no certificate is allowed, a wrong one is not
        return
    assert K.exact and K.rank == exact and K.side == "left"
    assert len(K.basis) == len(J) - exact
    # each relation is a left kernel vector of J itself (rows (i, k) in the order of J),
    # checked with Fractions, independently of the integer scaling and of the structure
    for y in K.basis:
        assert all(sum(y[r] * Fraction(J[r][col]) for r in range(len(J)) if y[r]) == 0
                   for col in range(net.n_parameters))
    # independent, by exact elimination
    assert linalg.rank([list(y) for y in K.basis], len(J)) == len(K.basis)


def mutations(net, X, y):
    """Pairs of rows (a, b) of J with the same output and different exact rows: moving weight
    from a to b keeps Σ_i y_ik (the c-columns) and must break yᵀJ = 0 elsewhere."""
    J = jacobian(net, as_sample(X, net.input_dim))
    m = net.output_dim
    for a in range(len(J)):
        for b in range(a % m, len(J), m):
            if J[a] != J[b]:
                yield a, b


@pytest.mark.parametrize("seed,kind", [(3, "dead sample"), (7, "subspace"),
                                       (11, "duplicate samples"), (13, "dead neuron")])
def test_a_wrong_relation_is_rejected(seed, kind):
    """Mutation test of the certificate: the exact check refuses a changed relation."""
    for s in range(seed, seed + 40):  # the first case with a relation
        net, X = small_case(s, True, kind)
        case, K = kernel_of(net, X)
        if K is not None and K.basis:
            break
    else:
        pytest.skip("no relation found")
    exact = _ExactRows(case, case.kept_columns())
    n, m = len(X), net.output_dim
    Y = np.array([list(K.basis[0])], dtype=object).reshape(1, n, m)
    assert exact.in_left_kernel(Y)
    wrong = Y.copy()
    wrong[0, 0, 0] += 1  # breaks Σ_i y_i0
    assert not exact.in_left_kernel(wrong)
    a, b = next(mutations(net, X, K.basis[0]))
    moved = Y.copy()
    moved[0, a // m, a % m] += 1
    moved[0, b // m, b % m] -= 1
    assert not exact.in_left_kernel(moved)


def test_a_prime_dividing_a_denominator_is_skipped():
    p = random_primes(8, seed=0)[0]  # the first prime the path would use
    net = ShallowNetwork(W=[[Fraction(1, p), 1], [1, -1], [2, 1]], b=[0, Fraction(1, 2), -1],
                         V=[[1, 2, 3], [1, 0, 1]], c=[0, 0])
    X = [[1, 2], [3, 1], [-1, 2], [2, 2], [1, 2]]
    report = certified_path(net, X)
    assert report.exact and report.value == exact_rank(net, X)
    assert p not in report.primes


@pytest.mark.parametrize("kind,certificate", [
    ("subspace", "upper-bound (kept-column relations) with float Gram lower bound"),
    ("half dead", None)])
def test_trained_like_float32_weights_at_benchmark_size(kind, certificate):
    """[20, 8, 1] on 50 samples, float32 He weights: the benchmark's shape, against exact
    elimination (method="exact")."""
    rng = np.random.default_rng(1)
    W = rng.normal(0, np.sqrt(2 / 20), (8, 20)).astype(np.float32).astype(float)
    b = rng.normal(0, 0.1, 8).astype(np.float32).astype(float)
    V = rng.normal(0, np.sqrt(2 / 8), (1, 8)).astype(np.float32).astype(float)
    X = rng.normal(size=(50, 20))
    if kind == "half dead":
        b[:4] = -1e3
    else:
        X = (rng.integers(-3, 4, (50, 3)) @ rng.integers(-3, 4, (3, 20))).astype(float)
    net = ShallowNetwork.from_numpy(W, b, V, [0.5])
    report = local_dimension_report(net, X, fallback="interval")
    exact = local_dimension_report(net, X, method="exact")
    assert report.exact and report.value == exact.value
    # samples of small integers, one output: the relations among the kept columns, found in
    # floats and checked exactly (before: a verified kernel or the structured kernel)
    assert certificate is None or report.certificate == certificate


@given(st.integers(0, 10_000), st.sampled_from([0, 1]))
def test_samples_on_hyperplanes_with_either_convention(seed, convention):
    """Integer weights and samples on the neurons' hyperplanes (z = 0): relu'(0) by the
    convention in the W-columns, relu(0) = 0 in the V-columns."""
    rng = np.random.default_rng(seed)
    d, N, m, n = 2, int(rng.integers(2, 5)), int(rng.integers(1, 3)), int(rng.integers(3, 10))
    W, b = rng.integers(-2, 3, (N, d)), rng.integers(-2, 3, N)
    net = ShallowNetwork(W=W.tolist(), b=b.tolist(), V=rng.integers(-2, 3, (m, N)).tolist(),
                         c=[0] * m)
    X = rng.integers(-3, 4, (n, d)).astype(float)
    exact = linalg.rank(jacobian(net, as_sample(X, d), convention), net.n_parameters)
    saved, dimension.AUTO_EXACT_ENTRIES = dimension.AUTO_EXACT_ENTRIES, 0
    try:
        report = local_dimension_report(net, X, relu_prime_at_zero=convention)
    finally:
        dimension.AUTO_EXACT_ENTRIES = saved
    assert report.exact and report.value == exact


@given(st.integers(0, 10_000), st.sampled_from(KINDS))
def test_pixels_over_255_as_a_rational_array(seed, kind):
    """A sample given exactly as integers / 255 (MNIST-like): residues with a denominator, and
    the exact check on columns scaled by it."""
    net, X = small_case(seed, True, kind)
    ints = np.round(X * 40).astype(np.int64)
    sample = RationalArray.from_integers(ints, denominator=255)
    exact = exact_rank(net, [[Fraction(int(v), 255) for v in row] for row in ints])
    report = certified_path(net, sample)
    assert report.exact and report.value == exact
