"""Small matrices mod p in one python-flint call (relugeom.linalg.nmod): the projected rank is a
lower bound of the exact rank (equal to it for a random projection), and the left kernel is
canonical and a kernel, checked independently in integers."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from relugeom import linalg
from relugeom.linalg.modular import random_primes
from relugeom.linalg.nmod import ProjectedRows, left_kernel, project, projected_rank

P = random_primes(1, seed=3)[0]


@st.composite
def low_rank(draw, max_size: int = 12):
    """Integer matrices A·B (rank ≤ k), with repeated and zero rows now and then."""
    r, c, k = draw(st.integers(1, max_size)), draw(st.integers(1, 2 * max_size)), \
        draw(st.integers(0, 6))
    seed = draw(st.integers(0, 10_000))
    rng = np.random.default_rng(seed)
    A = rng.integers(-50, 50, (r, k)) @ rng.integers(-3, 4, (k, c)) if k else np.zeros((r, c))
    A = np.asarray(A, dtype=np.int64)
    if draw(st.booleans()) and r > 1:
        A[-1] = A[0]
    return A


@given(low_rank(), st.integers(1, 30), st.integers(0, 5))
def test_projected_rank_is_the_exact_rank_when_the_projection_is_wide_enough(A, k, seed):
    exact = linalg.rank(A.tolist(), A.shape[1])
    value = projected_rank(A % P, P, k, seed)
    assert value <= min(exact, k)  # always: a certified lower bound
    assert value == min(exact, k, A.shape[1])  # fails with probability ≤ rank/p


@given(low_rank(), st.integers(0, 5))
def test_left_kernel_is_canonical_and_a_kernel(A, seed):
    r, basis = left_kernel(A % P, P, min(A.shape), seed)
    assert r == linalg.rank(A.tolist(), A.shape[1])
    assert len(basis) == A.shape[0] - r
    free = [max(i for i, v in enumerate(y) if v) for y in basis]
    assert len(set(free)) == len(free)
    for y, f in zip(basis, free):
        assert y[f] == 1 and all(y[g] == 0 for g in free if g != f)
        # yᵀA ≡ 0 mod p, in Python integers
        assert all(sum(y[i] * int(A[i, j]) for i in range(A.shape[0])) % P == 0
                   for j in range(A.shape[1]))


def test_projection_is_seeded_and_reduced():
    A = np.arange(40.0).reshape(4, 10)
    assert np.array_equal(project(A, 3, P, 1), project(A, 3, P, 1))
    assert not np.array_equal(project(A, 3, P, 1), project(A, 3, P, 2))
    B = project(A, 20, P)  # no projection: A itself, reduced
    assert np.array_equal(B, A % P)


def test_empty_and_zero_matrices():
    assert projected_rank(np.zeros((0, 3)), P, 2) == 0
    rows = ProjectedRows(np.zeros((3, 4)), P, 2)
    assert rows.rank == 0 and len(rows.left_kernel()[1]) == 3
