"""Ranks modulo primes (relugeom.linalg.modular) against exact ranks, and honest certificates."""

from fractions import Fraction

import flint
import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from relugeom import linalg
from relugeom.exact.arrays import PrimeDividesDenominator, RationalArray
from relugeom.linalg.modular import (EchelonModP, certify_rank_factorization, failure_probability,
                                     matmul_mod, modular_rank, random_primes, rank_mod_p,
                                     rows_independent_mod_p)

P = random_primes(1, seed=3)[0]
small = st.integers(-4, 4)


@st.composite
def products(draw, max_size: int = 7):
    """Integer matrices A·B with inner dimension k: rank ≤ k, often rank-deficient."""
    r = draw(st.integers(1, max_size))
    c = draw(st.integers(1, max_size))
    k = draw(st.integers(1, max_size))
    A = draw(st.lists(st.lists(small, min_size=k, max_size=k), min_size=r, max_size=r))
    B = draw(st.lists(st.lists(small, min_size=c, max_size=c), min_size=k, max_size=k))
    return [[sum(a * b for a, b in zip(row, col)) for col in zip(*B)] for row in A]


rational_matrices = st.integers(1, 6).flatmap(lambda c: st.lists(
    st.lists(st.fractions(min_value=-3, max_value=3, max_denominator=5), min_size=c, max_size=c),
    min_size=1, max_size=6))


@given(products())
def test_modular_rank_equals_exact_rank_on_products(M):
    result = modular_rank(M)
    exact = linalg.rank(M)
    assert result.value <= exact  # always a lower bound
    if result.exact:
        assert result.value == exact
    assert result.exact  # small integer matrices: certified (bound or factorisation)


@given(rational_matrices)
def test_modular_rank_on_rational_matrices(M):
    result = modular_rank(M, primes=2)
    assert result.value == linalg.rank(M)
    assert result.exact and result.certificate in ("upper-bound", "factorization")


def test_denominator_divisible_by_p_is_refused():
    arr = RationalArray.from_fractions([[Fraction(1, P), 1]])
    with pytest.raises(PrimeDividesDenominator):
        arr.residues(P)
    # modular_rank then uses another prime and still gets the right answer
    result = modular_rank([[Fraction(1, P), 1], [1, 1]], primes=[P, random_primes(1)[0]])
    assert result.value == 2 and P not in result.primes


@given(st.integers(1, 40), st.integers(1, 40), st.integers(0, 3))
def test_rank_mod_p_against_flint(r, c, seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, min(r, c) + 1))
    A = (rng.integers(0, 3, (r, k)) @ rng.integers(0, 3, (k, c))) % P
    assert rank_mod_p(A, P) == flint.nmod_mat(A.tolist(), P).rank()


@given(st.integers(0, 10_000), st.integers(1, 5), st.integers(1, 6))
def test_rows_independent_mod_p_against_flint(seed, k, n):
    # a stack of small matrices, some of low rank (products of thinner factors) and sparse
    rng = np.random.default_rng(seed)
    inner = rng.integers(1, k + 1, 20)
    A = np.stack([(rng.integers(0, 3, (k, r)) @ rng.integers(-2, 3, (r, n))) % P
                  for r in inner]) * (rng.random((20, k, n)) < 0.8)
    expected = [flint.nmod_mat(M.tolist(), P).rank() == k for M in A]
    assert rows_independent_mod_p(A, P).tolist() == expected


def test_echelon_pivots_give_a_nonsingular_minor():
    rng = np.random.default_rng(1)
    A = (rng.integers(0, 4, (30, 6)) @ rng.integers(0, 4, (6, 20))) % P
    E = EchelonModP(P, 20)
    for s in range(0, 30, 7):
        E.add(A[s:s + 7])
    assert E.rank == 6
    minor = A[np.ix_(E.independent, E.pivots)]
    assert flint.nmod_mat(minor.tolist(), P).det() != 0


@given(st.integers(0, 10_000), st.integers(1, 30), st.integers(1, 12))
def test_echelon_of_sparse_blocks_against_flint(seed, length, k):
    # blocks of sparse vectors, often with a private column per vector (unit vectors, disjoint
    # supports: added with no elimination), the echelon basis still exact: its rank and the
    # reduction of every vector fed to zero
    rng = np.random.default_rng(seed)
    A = rng.integers(0, P, (3 * k, length)) * (rng.random((3 * k, length)) < 0.15)
    E = EchelonModP(P, length)
    for s in range(0, 3 * k, k):
        E.add(A[s:s + k])
    assert E.rank == flint.nmod_mat(A.tolist(), P).rank()
    assert not np.remainder(E.reduce(A), P).any()
    minor = A[np.ix_(E.independent, E.pivots)]
    assert flint.nmod_mat(minor.tolist(), P).det() != 0 or not E.rank


def test_matmul_mod_is_exact_for_long_products():
    rng = np.random.default_rng(2)
    A = rng.integers(0, P, (3, 5000))
    B = rng.integers(0, P, (5000, 4))
    exact = np.array([[sum(int(a) * int(b) for a, b in zip(row, col)) % P for col in B.T]
                      for row in A])
    assert np.array_equal(matmul_mod(A, B, P), exact)


# --- certificates are honest -----------------------------------------------------------------

def test_rank_drop_mod_p_is_not_certified():
    # p·I has rank 4 over Q and rank 0 mod p; with only that prime nothing may be certified
    M = [[P if i == j else 0 for j in range(4)] for i in range(4)]
    result = modular_rank(M, primes=[P])
    assert result.value == 0 and not result.exact
    assert result.certificate == "probabilistic" and 0 < result.epsilon <= 1
    # partial drop: entries of the last row multiples of p
    M = [[1, 2, 3], [0, 1, 4], [0, 0, P]]
    result = modular_rank(M, primes=[P])
    assert result.value == 2 and not result.exact
    assert modular_rank(M).value == 3  # random primes find the true rank


def test_factorization_certificate_accepts_true_and_refuses_false_claims():
    A = np.array([[1, 2, 3], [2, 4, 6], [1, 0, 1]])
    assert certify_rank_factorization(A, [0, 2], [0, 1])  # rank 2, pivots rows 0,2 cols 0,1
    B = np.array([[1, 2, 3], [2, 4, 7], [1, 0, 1]])  # rank 3
    assert not certify_rank_factorization(B, [0, 2], [0, 1])
    C = np.array([[P, 0], [0, 1]])  # claim "rank 1" from the pivot (1, 1): false over Q
    assert not certify_rank_factorization(C, [1], [1])


def test_failure_probability_is_a_probability_that_shrinks_with_primes():
    one = failure_probability(10_000, 1)
    assert 0 < one < 1
    assert failure_probability(10_000, 3) == pytest.approx(one ** 3)
    assert failure_probability(0, 1) == 0


def test_random_primes_are_reproducible_primes():
    ps = random_primes(5, seed=9)
    assert ps == random_primes(5, seed=9) and len(set(ps)) == 5
    assert all(sympy.isprime(p) and 2 ** 20 < p < 2 ** 21 for p in ps)
