"""The verified kernel (relugeom.linalg.verified) against exact elimination, and its certificate
refusing wrong kernels."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom import linalg
from relugeom.exact.arrays import reduce_mod
from relugeom.linalg.integer import rank_mod
from relugeom.linalg.modular import random_primes
from relugeom.linalg.verified import (integer_matrix, rank_proven_by_local_relations,
                                      verified_kernel, verify_kernel)
from tests.reference import reference_rank

floats32 = st.floats(-4, 4, width=32, allow_subnormal=False)


@st.composite
def float_products(draw, max_size: int = 7):
    """Float matrices A·B exactly (B small integers): rank ≤ k, often rank-deficient; float32 or
    float64 A, with zero and repeated rows now and then."""
    r, c, k = (draw(st.integers(1, max_size)) for _ in range(3))
    wide = draw(st.booleans())
    values = floats32 if wide else st.floats(-4, 4, allow_subnormal=False)
    A = np.array(draw(st.lists(st.lists(values, min_size=k, max_size=k), min_size=r,
                               max_size=r)), dtype=float)
    B = draw(st.lists(st.lists(st.integers(-2, 2), min_size=c, max_size=c), min_size=k,
                      max_size=k))
    rows = [[sum(Fraction(a) * b for a, b in zip(row, col)) for col in zip(*B)] for row in A]
    if draw(st.booleans()):
        rows.append(list(rows[0]))
    return rows


@given(float_products(), st.sampled_from(["auto", "right", "left"]))
def test_verified_kernel_rank_equals_exact_elimination(rows, side):
    K = verified_kernel(rows, side=side)
    exact = linalg.rank(rows)
    assert K.exact and K.rank == exact == reference_rank(rows)
    n, P = len(rows), len(rows[0])
    assert len(K.basis) == (P if K.side == "right" else n) - exact
    # the basis is a kernel basis, checked independently with Fractions
    for u in K.basis:
        if K.side == "right":
            assert all(sum(Fraction(a) * b for a, b in zip(row, u)) == 0 for row in rows)
        else:
            assert all(sum(u[i] * Fraction(rows[i][j]) for i in range(n)) == 0
                       for j in range(P))


@given(float_products())
def test_a_wrong_kernel_vector_is_rejected(rows):
    """Mutation test: change one entry of one certified kernel vector, and the check fails."""
    K = verified_kernel(rows, side="right")
    nonzero = [j for j in range(len(rows[0])) if any(row[j] for row in rows)]
    if not K.basis or not nonzero:
        return
    assert verify_kernel(rows, K.basis)
    bad = [list(u) for u in K.basis]
    bad[-1][nonzero[0]] += 1  # A·(u + e_j) = column j ≠ 0
    assert not verify_kernel(rows, bad)


def test_dependent_vectors_are_rejected_and_a_known_vector_must_be_right():
    A = [[1, 1, 0], [0, 0, 1]]
    assert verify_kernel(A, [(1, -1, 0)])
    assert not verify_kernel(A, [(1, -1, 0), (2, -2, 0)])  # in the kernel, but dependent
    with pytest.raises(ValueError, match="not in the kernel"):
        verified_kernel(A, side="right", known=[(1, 1, 0)])


def test_known_vectors_are_used_and_the_rest_lifted():
    A = [[1, 2, 3, 4], [2, 4, 6, 8.5]]
    K = verified_kernel(A, side="right", known=[(-2, 1, 0, 0)])
    assert K.exact and K.rank == 2 and K.known == 1 and len(K.basis) == 2
    assert K.basis[0] == (-2, 1, 0, 0)


def test_a_prime_dividing_a_denominator_is_harmless():
    """Rows are scaled to integers first, so no prime ever meets a denominator."""
    p = random_primes(1)[0]
    A = [[Fraction(1, p), Fraction(2, p)], [1, 2], [Fraction(1, 3), 1]]
    K = verified_kernel(A)
    assert K.exact and K.rank == linalg.rank(A) == 2


def test_float32_weights_and_wide_exponents():
    rng = np.random.default_rng(1)
    B = rng.normal(size=(5, 9)).astype(np.float32).astype(float) * 2.0 ** rng.integers(-40, 40,
                                                                                         (5, 9))
    A = np.vstack([B, B[:2] * 2, B[3:] * 0.5])  # rank 5 exactly (powers of two are exact)
    K = verified_kernel(A)
    assert K.exact and K.rank == 5 == linalg.rank(integer_matrix(A).tolist())


def test_a_large_height_needs_several_word_sized_primes_in_the_product():
    """Entries of 200 bits: the kernel has thousands of bits, far beyond one 21-bit prime; the
    exact check still decides it."""
    rng = np.random.default_rng(2)
    high, low = rng.integers(1, 2 ** 30, (6, 8)), rng.integers(1, 2 ** 30, (6, 8))
    big = [[int(v) << 200 | int(w) for v, w in zip(row, row2)] for row, row2 in zip(high, low)]
    rows = big + [[a - b for a, b in zip(big[0], big[1])]]
    K = verified_kernel(rows, side="right")
    assert K.exact and K.rank == 6 == linalg.rank(rows)
    assert K.height_bits > 1000


def test_the_budget_gives_a_lower_bound_not_an_answer():
    rows = [[1, 2, 3], [2, 4, 6], [1, 1, 1]]
    K = verified_kernel(rows, max_bits=1)
    assert not K.exact and K.rank == 2 and K.basis == () and "budget" in K.detail
    assert K.to_rank().exact is False


def test_full_rank_and_empty():
    assert verified_kernel([[1, 0], [0, 1]]).basis == ()
    K = verified_kernel(np.zeros((0, 3), dtype=np.int64))
    assert K.exact and K.rank == 0 and len(K.basis) == 3


@given(st.integers(0, 10_000), st.integers(1, 6), st.integers(1, 8), st.integers(0, 4))
def test_rank_proven_by_local_relations_against_exact_rank(seed, rank, ncols, repeats):
    # True only when rank_Q = rank_p; on matrices with exact dependencies among few rows
    # (copies and combinations of two rows, scaled by big integers) it proves them
    rng = np.random.default_rng(seed)
    B = rng.integers(-2 ** 40, 2 ** 40, (rank, ncols)).astype(object) * (2 ** 70 + 1)
    rows = list(B)
    for _ in range(repeats):
        i, j = rng.integers(0, len(B), 2)
        rows.append(int(rng.integers(-9, 10)) * B[i] + int(rng.integers(-9, 10)) * B[j])
    A = np.array(rows, dtype=object)
    p = 1_000_003
    proven = rank_proven_by_local_relations(A, p)
    if proven:
        assert linalg.rank(A.tolist(), ncols) == rank_mod(reduce_mod(A, p), p)
    else:  # only possible when the ranks differ or a relation is not local
        assert linalg.rank(A.tolist(), ncols) != rank_mod(reduce_mod(A, p), p)


def test_rank_proven_by_local_relations_refuses_a_rank_drop_mod_p():
    # a 2 × 2 matrix with determinant p: rank 2 over Q, 1 mod p; never "proven"
    p = 1_000_003
    A = np.array([[1, 0], [0, p]], dtype=object)
    assert not rank_proven_by_local_relations(A, p)
    assert rank_proven_by_local_relations(np.array([[1, 2], [3, 6], [0, 1]], dtype=object), p)
