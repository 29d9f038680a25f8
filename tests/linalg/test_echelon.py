"""The blocked elimination mod p (relugeom.linalg.modular: rref_mod_p, EchelonModP) against an
independent row-by-row Gauss–Jordan in Python integers, with the block sizes shrunk so that
small matrices take every path (panels whose rows vanish, blocks within blocks, column moves),
and against python-flint on a matrix the size of a Jacobian."""

from unittest import mock

import flint
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom.linalg import modular
from relugeom.linalg.modular import EchelonModP, random_primes, rref_mod_p

P = random_primes(1, seed=3)[0]
LARGE = max(random_primes(40, seed=5))  # near 2^21: the int64 and float64 margins are tightest


def reference(A: np.ndarray, p: int) -> tuple[list[list[int]], list[int], list[int]]:
    """Row by row: a row is kept when it does not reduce to zero against the rows kept before
    it; its pivot is its first nonzero column then; the basis is kept reduced."""
    basis: list[list[int]] = []
    pivots: list[int] = []
    kept: list[int] = []
    for i, values in enumerate(A.tolist()):
        row = [int(v) % p for v in values]
        for b, c in zip(basis, pivots):
            f = row[c]
            row = [(x - f * y) % p for x, y in zip(row, b)]
        if not any(row):
            continue
        c = next(j for j, v in enumerate(row) if v)
        inverse = pow(row[c], p - 2, p)
        row = [v * inverse % p for v in row]
        basis = [[(x - b[c] * y) % p for x, y in zip(b, row)] for b in basis]
        basis.append(row)
        pivots.append(c)
        kept.append(i)
    return basis, pivots, kept


@st.composite
def residue_matrices(draw, max_rows: int = 40, max_cols: int = 30, p: int = P):
    """Residue matrices of a chosen rank, some sparse, some with zero columns or repeated rows."""
    rows = draw(st.integers(1, max_rows))
    cols = draw(st.integers(1, max_cols))
    rank = draw(st.integers(0, min(rows, cols)))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    A = (rng.integers(0, p, (rows, rank)) @ rng.integers(0, 3, (rank, cols))) % p \
        if rank else np.zeros((rows, cols), dtype=np.int64)
    shape = draw(st.sampled_from(["dense", "sparse", "zero columns", "repeated"]))
    if shape == "sparse":
        A = A * (rng.random(A.shape) < 0.2)
    elif shape == "zero columns":
        A[:, rng.random(cols) < 0.4] = 0
    elif shape == "repeated":
        A = A[rng.integers(0, rows, rows)]
    return A.astype(float)


def tiny_blocks():
    """Blocks of 4 rows in blocks of 2, panels of the rows + 1 columns: every path on small
    matrices."""
    return mock.patch.multiple(modular, _BASE=2, _STEP=4, _SPLIT=2, _MARGIN=1)


def assert_is_reference(A: np.ndarray, p: int, R: np.ndarray, pivots: list, kept: list) -> None:
    basis, want_pivots, want_kept = reference(A, p)
    assert pivots == want_pivots and kept == want_kept
    assert np.array_equal(np.remainder(R, p), np.array(basis, dtype=float).reshape(R.shape))


@given(residue_matrices())
def test_rref_is_the_row_by_row_elimination(A):
    with tiny_blocks():
        assert_is_reference(A, P, *rref_mod_p(A, P))


@given(residue_matrices(max_rows=12, max_cols=10, p=LARGE))
def test_rref_is_exact_near_the_largest_primes(A):
    # default block sizes; residues up to 2^21 in [0, p) and in (−p, 0]
    assert_is_reference(A, LARGE, *rref_mod_p(A, LARGE))
    assert_is_reference(-A, LARGE, *rref_mod_p(-A, LARGE))


@given(residue_matrices(), st.integers(1, 9))
def test_streamed_blocks_give_the_same_basis(A, size):
    # fed in blocks of any size, without the private-column shortcut: the one-shot reduced
    # echelon form; with it, the same rank and span, every vector fed reducing to zero
    with tiny_blocks():
        E = EchelonModP(P, A.shape[1], private=False, step=4)
        F = EchelonModP(P, A.shape[1], step=4)
        for s in range(0, len(A), size):
            E.add(A[s:s + size])
            F.add(A[s:s + size])
    assert_is_reference(A, P, E.basis(), E.pivots, E.independent)
    assert F.rank == E.rank and F.seen == len(A)
    assert not np.remainder(F.reduce(A), P).any()
    B = np.remainder(F.basis(), P)
    assert np.array_equal(B[:, F.pivots], np.eye(F.rank))
    if F.rank:
        minor = A[np.ix_(F.independent, F.pivots)].astype(np.int64).tolist()
        assert flint.nmod_mat(minor, P).det() != 0


def test_a_jacobian_sized_matrix_against_flint():
    # default blocks on 300 × 260 of rank 170 with repeated and sparse rows: the reduced echelon
    # form is python-flint's, and the rows kept are the pivots of the echelon form of Aᵀ
    rng = np.random.default_rng(7)
    A = (rng.integers(0, P, (300, 170)) @ rng.integers(0, 3, (170, 260))) % P
    A[::7] = A[1::7][:len(A[::7])]
    A[:, rng.random(260) < 0.1] = 0
    A[200:] *= rng.random((100, 260)) < 0.3
    R, pivots, kept = rref_mod_p(A.astype(float), P)
    F, rank = flint.nmod_mat(A.tolist(), P).rref()
    want = np.array([[int(v) for v in row] for row in F.tolist()[:rank]], dtype=float)
    order = np.argsort(pivots)
    assert len(pivots) == rank
    assert np.array_equal(np.remainder(R, P)[order], want)
    Ft, rank_t = flint.nmod_mat(A.T.tolist(), P).rref()
    first = [next(j for j, v in enumerate(row) if int(v)) for row in Ft.tolist()[:rank_t]]
    assert kept == first


def test_empty_and_zero_inputs():
    assert rref_mod_p(np.zeros((0, 3)), P)[1:] == ([], [])
    R, pivots, kept = rref_mod_p(np.zeros((4, 3)), P)
    assert R.shape == (0, 3) and pivots == kept == []
    E = EchelonModP(P, 3)
    assert E.add(np.zeros((2, 3))) == 0 and E.rank == 0 and E.basis().shape == (0, 3)
    with pytest.raises(ValueError, match="length 3"):
        E.add(np.zeros((2, 4)))
