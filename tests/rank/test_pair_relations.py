"""Pair relations (relugeom.rank.pair_relations) and the data rank proven without a prime
(ShallowModular.certify_small_data_rank): the kernel vectors the bound counts built exactly and
checked against the exact Jacobian, the bound against exact elimination, and the front door on
samples on a subspace (issue 18), float weights included."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom import ShallowNetwork, jacobian, linalg
from relugeom.linalg.certified import Bound
from relugeom.model.sample import as_sample
from relugeom.rank import dimension
from relugeom.rank.dimension import local_dimension_report
from relugeom.rank.pair_relations import (pair_forest, pair_relations_bound, pair_weights,
                                          related_columns)
from relugeom.rank.shallow import ShallowModular


def subspace_case(seed: int, float32: bool = False):
    """Float weights, samples exactly on a low-dimensional affine subspace (small integers),
    some neurons nearly equal (they differ on few samples), some samples repeated."""
    rng = np.random.default_rng(seed)
    d, N, m, n = (int(rng.integers(lo, hi)) for lo, hi in ((2, 7), (2, 8), (1, 4), (4, 30)))
    k = int(rng.integers(1, min(d, 3) + 1))
    X = (rng.integers(-3, 4, (n, k)) @ rng.integers(-3, 4, (k, d))).astype(float)
    if rng.random() < 0.5:
        X[-1] = X[0]
    cast = (lambda A: A.astype(np.float32).astype(float)) if float32 else (lambda A: A)
    W, b = cast(rng.normal(0, np.sqrt(2 / d), (N, d))), cast(rng.normal(0, 0.5, N))
    V, c = cast(rng.normal(0, 1, (m, N))), cast(rng.normal(0, 0.1, m))
    for j in range(1, N, 2):  # neuron j close to neuron j − 1
        W[j] = W[j - 1] + cast(rng.normal(0, 0.2, d))
        b[j] = b[j - 1]
        if m > 1 and rng.random() < 0.5:
            V[:, j] = 2 * V[:, j - 1]  # parallel output weights: relations possible
    if rng.random() < 0.3:
        V[:, 0] = 0.0
    return ShallowNetwork.from_numpy(W, b, V, c), X


def exact_rank(net, X):
    return linalg.rank(jacobian(net, as_sample(X, net.input_dim), 0), net.n_parameters)


def relation_vectors(case: ShallowModular, j: int, k: int) -> list[list[Fraction]]:
    """The kernel vectors of the pair (j, k), built exactly from the module docstring: λ_j·a on
    the w̃-columns (j, I), −λ_k·a on (k, I), a ∈ ker X̃[Δ, I] (λ·v = the first nonzero v)."""
    net = case.network
    d, N = net.input_dim, net.hidden_width
    mask = case.kept_w_mask()
    I = np.flatnonzero(mask[j] & mask[k])
    Xt = [list(x) + [Fraction(1)] for x in as_sample(case.X_float, d)]
    delta = np.flatnonzero(case.S[:, j] != case.S[:, k])
    rows = [[Xt[i][l] for l in I] for i in delta]
    kernel = linalg.nullspace(rows, len(I)) if rows else \
        [tuple(Fraction(int(a == b)) for a in range(len(I))) for b in range(len(I))]
    t = next(t for t in range(net.output_dim) if net.V[t][j])
    lam_j, lam_k = 1 / net.V[t][j], 1 / net.V[t][k]
    out = []
    for a in kernel:
        x = [Fraction(0)] * net.n_parameters
        for value, l in zip(a, I):
            x[j * d + l if l < d else N * d + j] = lam_j * value
            x[k * d + l if l < d else N * d + k] = -lam_k * value
        out.append(x)
    return out


@given(st.integers(0, 10 ** 6), st.booleans(), st.booleans())
def test_the_counted_relations_are_kernel_vectors(seed, certify, refine):
    """Every pair's weight w is at most the dimension of its exact kernel vectors (J·x = 0
    checked exactly), and the forest's vectors are independent: the bound's proof, rebuilt."""
    net, X = subspace_case(seed)
    case = ShallowModular(net, X, 0)
    if certify:
        case.certify_small_data_rank()
    J = jacobian(net, as_sample(X, net.input_dim), 0)
    found = []
    for w, j, k in pair_weights(case, refine):
        vectors = relation_vectors(case, j, k)
        assert len(vectors) >= w
        for x in vectors:
            assert all(sum(a * b for a, b in zip(row, x)) == 0 for row in J)
        found.append((w, j, k, vectors))
    bound = pair_relations_bound(case, pair_forest(case, refine))
    if bound is None:
        return
    assert exact_rank(net, X) <= bound.value
    # the vectors of a maximum forest (as the bound takes them) are independent
    parent = list(range(net.hidden_width))

    def root(j):
        while parent[j] != j:
            j = parent[j]
        return j
    chosen, total = [], 0
    for w, j, k, vectors in found:
        if root(j) != root(k):
            parent[root(j)] = root(k)
            chosen += vectors[:w]
            total += w
    assert case._kept_count() - total == bound.value
    assert linalg.rank(chosen, net.n_parameters) == total


@given(st.integers(0, 10 ** 6), st.booleans())
def test_data_rank_without_a_prime_is_exact(seed, float32):
    net, X = subspace_case(seed, float32)
    case = ShallowModular(net, X, 0)
    if not case.certify_small_data_rank():
        return
    Xt = [list(x) + [Fraction(1)] for x in as_sample(X, net.input_dim)]
    assert case.data_rank == linalg.rank(Xt, net.input_dim + 1)
    basis = [[row[l] for l in case.data_basis] for row in Xt]
    assert linalg.rank(basis, len(case.data_basis)) == case.data_rank == len(case.data_basis)


@given(st.integers(0, 10 ** 6), st.booleans())
def test_front_door_on_a_subspace_equals_exact_elimination(seed, float32):
    net, X = subspace_case(seed, float32)
    saved, dimension.AUTO_EXACT_ENTRIES = dimension.AUTO_EXACT_ENTRIES, 0
    try:
        report = local_dimension_report(net, X, fallback="interval", relu_prime_at_zero=0)
    finally:
        dimension.AUTO_EXACT_ENTRIES = saved
    assert report.exact and report.value == exact_rank(net, X)


def benchmark_subspace_case(seed: int):
    """benchmarks/bench_certified.py's [20, 8, 1] float64 case on "subspace" data, n = 50:
    X = Z·A with small integers (rank X̃ = 4)."""
    rng = np.random.default_rng(seed)
    W, b = rng.normal(0.0, np.sqrt(2 / 20), (8, 20)), rng.normal(0.0, 0.1, 8)
    V, c = rng.normal(0.0, np.sqrt(2 / 8), (1, 8)), rng.normal(0.0, 0.1, 1)
    rng = np.random.default_rng(seed + 1)
    X = (rng.integers(-3, 4, (50, 3)) @ rng.integers(-3, 4, (3, 20))).astype(float)
    return ShallowNetwork.from_numpy(W, b, V, c), X


def test_benchmark_like_case_is_certified_by_pair_relations():
    """The bench's [20, 8, 1] subspace case, seed 1: X = Z·A (rank X̃ = 4), rank 30 = the 33
    kept columns less 3 pair relations (neurons 3, 4 and 5, 7 differ on 3 and 2 samples),
    proven on the kept columns less those the pairs' relations are solved for. (The front
    door finds the same relations among the kept columns themselves, integers here.)"""
    net, X = benchmark_subspace_case(1)
    report = local_dimension_report(net, X)
    assert report.exact and report.value == 30
    assert report.certificate == "upper-bound (kept-column relations) with float Gram lower bound"
    case = ShallowModular(net, X)
    assert case.certify_small_data_rank() and case.data_rank == 4
    assert [(w, j, k) for w, j, k in pair_weights(case)] == [(2, 5, 7), (1, 3, 4)]
    proven = case.kept_float_rank(case.data_bounds() + case.bounds(0))
    assert proven.value == 30
    assert proven.certificate == "upper-bound (pair relations) with float Gram lower bound"
    left_out = related_columns(case, case.pairs)
    assert left_out.sum() == 3 and sorted(np.flatnonzero(left_out.any(1))) == [4, 7]


@pytest.mark.parametrize("seed", [9, 10])
def test_benchmark_like_cases_with_coplanar_differences(seed):
    """Seeds 9 and 10 of the bench's case: the neurons of a pair differ on 4 and 5 distinct
    samples, not fewer than the |I| = 4 kept columns, but those samples lie on a plane of the
    3-dimensional subspace (rank X̃[Δ, I] = 3): one relation, rank 32 = 33 kept columns less 1
    (before: a structured kernel or a verified kernel, 11 and 63 ms)."""
    net, X = benchmark_subspace_case(seed)
    report = local_dimension_report(net, X)
    assert report.exact and report.value == 32 == exact_rank(net, X)
    assert report.certificate == "upper-bound (kept-column relations) with float Gram lower bound"
    case = ShallowModular(net, X)
    bounds = case.data_bounds() + case.bounds(0)  # the count of Δ's samples alone: no pair
    assert case.pairs == []
    sharper = case.pair_bounds(refine=True)
    assert [b.value for b in sharper] == [32]
    assert [w for w, _, _ in case.pairs] == [1]
    # the pair's relation is solved for a free column of X̃[Δ, I] over Q: the others proven
    proven = case.kept_float_rank(bounds + sharper)
    assert proven.value == 32
    assert proven.certificate == "upper-bound (pair relations) with float Gram lower bound"


@given(st.integers(0, 10 ** 6), st.booleans())
def test_kept_exact_rank_is_the_exact_rank(seed, float32):
    """The kept columns' own basis (one output, small integers): the rank it proves is the rank
    by exact elimination, whatever the bounds passed (a bound above or below the rank, the
    mutations, changes only the name of the upper bound)."""
    net, X = subspace_case(seed, float32)
    case = ShallowModular(net, X, 0)
    if not case.certify_small_data_rank():
        return
    proven = case.kept_exact_rank(case.bounds(0))
    if net.output_dim > 1:
        assert proven is None
        return
    rank = exact_rank(net, X)
    if proven is not None:
        assert proven.exact and proven.value == rank
        for wrong in (rank - 1, rank + 1):
            again = case.kept_exact_rank([Bound("wrong", wrong)])
            assert again.value == rank and "kept-column relations" in again.certificate


@given(st.integers(0, 10 ** 6), st.booleans())
def test_kept_columns_float_gram_proves_only_the_exact_rank(seed, float32):
    """The kept columns' own float Gram (one output, X read exactly): a bound it proves is the
    rank by exact elimination, and a bound above the rank (a wrong upper bound, the mutation)
    is never proven."""
    net, X = subspace_case(seed, float32)
    case = ShallowModular(net, X, 0)
    if not case.certify_small_data_rank():
        return
    rank = exact_rank(net, X)
    proven = case.kept_float_rank(case.data_bounds() + case.bounds(0))
    if net.output_dim > 1:
        assert proven is None
        return
    if proven is not None:
        assert proven.exact and proven.value == rank
    assert case.kept_float_rank([Bound("wrong", rank + 1)]) is None


def test_benchmark_like_case_seed_0_by_the_kept_columns():
    """The bench's [20, 8, 1] subspace case, seed 0: rank 33 = the kept columns in the basis of
    X̃, proven on those columns' own float Gram matrix."""
    net, X = benchmark_subspace_case(0)
    report = local_dimension_report(net, X)
    assert report.exact and report.value == 33 == exact_rank(net, X)
    assert report.certificate == "upper-bound (kept columns) with float Gram lower bound"
    assert "kept c- and w̃-columns" in report.detail
