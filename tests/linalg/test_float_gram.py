"""The float Gram bound (relugeom.linalg.gram): a float Cholesky that proves full rank.

The certificate is checked against exact ranks over Q (Fractions, fraction-free elimination):
it must never claim full rank for an exactly deficient matrix, whatever rounding did to its
float Gram matrix, and it must succeed on well-conditioned matrices (else it proves nothing
useful). Mutations (a missing or weakened shift) must be caught by the same examples.
"""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom import linalg
from relugeom.linalg.gram import full_row_rank_certified, rank_at_least

U = 2.0 ** -53


def exact_rank(A) -> int:
    return linalg.rank([[Fraction(float(v)) for v in row] for row in np.asarray(A)])


def deficient(seed: int, r: int, c: int, bits: int = 26) -> np.ndarray:
    """r × c floats with exact rank r − 1: the last row is the exact sum of two others (entries
    on a 2^-bits grid, so the float sum is exact), its float Gram matrix rounded."""
    rng = np.random.default_rng(seed)
    A = np.round(rng.uniform(-1, 1, (r, c)) * 2.0 ** bits) * 2.0 ** -bits
    A[-1] = A[0] + A[1]
    return A


@given(st.integers(0, 2 ** 32), st.integers(1, 6), st.integers(0, 4),
       st.sampled_from(["gaussian", "duplicate", "sum", "scaled", "tiny column"]))
def test_never_claims_more_than_the_exact_rank(seed, r, extra, kind):
    rng = np.random.default_rng(seed)
    c = r + extra
    A = rng.standard_normal((r, c))
    if kind == "duplicate" and r > 1:
        A[-1] = A[0]
    if kind == "sum" and r > 2:
        A[-1] = deficient(seed, r, c)[-1]
        A[0], A[1] = deficient(seed, r, c)[0], deficient(seed, r, c)[1]
    if kind == "scaled":  # rows of very different magnitudes, some subnormal or huge
        A *= np.ldexp(1.0, rng.integers(-1070, 1000, r))[:, None]
    if kind == "tiny column":
        A[:, 0] *= 2.0 ** -60
    certificate = full_row_rank_certified(A, np.zeros_like(A))
    if certificate is not None:
        assert exact_rank(A) == r


@given(st.integers(0, 2 ** 32), st.integers(2, 7), st.integers(0, 3))
def test_rational_matrices_read_within_their_bound(seed, r, extra):
    """A* with entries k/3, k/7 (not floats): Â = float(A*) within u·|Â| per entry; rows that
    are exact combinations of others stay deficient whatever the rounding."""
    rng = np.random.default_rng(seed)
    c = r + extra
    exact = [[Fraction(int(k), int(q)) for k, q in zip(rng.integers(-9, 10, c),
                                                        rng.choice([3, 7, 255], c))]
             for _ in range(r)]
    if seed % 2:
        exact[-1] = [a + b / 3 for a, b in zip(exact[0], exact[1 % r])]
    A = np.array([[float(q) for q in row] for row in exact])
    E = 2 * U * np.abs(A)  # float(q) is correctly rounded: within u·|q| < 2u·|float(q)|
    if full_row_rank_certified(A, E) is not None:
        assert linalg.rank(exact) == r


@given(st.integers(0, 2 ** 32), st.integers(1, 30), st.integers(0, 30))
def test_well_conditioned_matrices_are_certified(seed, r, extra):
    A = np.random.default_rng(seed).standard_normal((r, r + extra + 3))
    assert full_row_rank_certified(A, 2.0 ** -40 * np.abs(A)) is not None
    assert rank_at_least(A.T, np.zeros_like(A.T), min(A.shape)) is not None


def test_float_gram_that_looks_positive_is_not_certified():
    """Mutation test: exactly singular matrices whose float Gram matrix passes an unshifted
    Cholesky (rounding made it look positive definite) are certified by a mutant without the
    shift, never by the real bound."""
    fooled = 0
    for seed in range(60):
        A = deficient(seed, 6, 40)
        assert exact_rank(A) == 5
        assert full_row_rank_certified(A, np.zeros_like(A)) is None
        fooled += full_row_rank_certified(A, np.zeros_like(A), _safety=0.0) is not None
    assert fooled > 0  # the examples do catch a missing shift


def test_error_bound_is_used():
    """A row whose bound allows the exact row to be zero is not independent; a weakened bound
    would pass it."""
    A = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0 + 2.0 ** -16]])
    E = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 2.0 ** -16]])  # A* may be [[1,2,3],[1,2,3]]
    assert full_row_rank_certified(A, E) is None
    assert full_row_rank_certified(A, E / 2 ** 30) is not None  # A* = A ± 2^-46: independent
    assert full_row_rank_certified(A, np.full_like(A, 2.0 ** -16)) is None


@pytest.mark.parametrize("scale", [2.0 ** -1074, 2.0 ** -1060, 2.0 ** -700, 2.0 ** 700])
def test_extreme_magnitudes(scale):
    """Subnormal and huge entries: no overflow, no false claim; a well-conditioned matrix
    whose rows are scaled exactly stays certified (rank is invariant under row scaling)."""
    A = np.array([[1.0, 0.5, 0.25], [0.0, 1.0, -1.0]])
    B = A * scale
    result = full_row_rank_certified(B, np.zeros_like(B))
    if result is not None:
        assert exact_rank(B) == 2
    if scale >= 2.0 ** -700:
        assert result is not None
    C = np.vstack([B[0], B[0]])
    assert full_row_rank_certified(C, np.zeros_like(C)) is None


def test_rank_at_least_chooses_rows():
    A = np.array([[1.0, 1.0, 0.0, 0.0], [2.0, 2.0, 0.0, 0.0], [0.0, 1.0, 1.0, 0.0],
                  [1.0, 2.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
    E = np.zeros_like(A)
    assert exact_rank(A) == 3
    found = rank_at_least(A, E, 3)
    assert found is not None and exact_rank(A[found[1]] if not found[2] else A[:, found[1]]) == 3
    assert rank_at_least(A, E, 4) is None
    assert rank_at_least(A, E, 6) is None
