"""A column basis proven without a prime (relugeom.linalg.column_basis): the rank and the basis
against exact elimination over Q, the exact determinant against sympy, and pivots chosen
wrongly on purpose (the proof must refuse, never answer wrongly)."""

import math

import numpy as np
import pytest
import sympy
from hypothesis import assume, given
from hypothesis import strategies as st

from relugeom import linalg
from relugeom.linalg.column_basis import (_denominator, column_basis, determinant, float_pivots,
                                          gram_column_basis, independent_columns, row_pivots)


def low_rank(seed: int, big: bool = False) -> np.ndarray:
    """An integer matrix of a chosen rank: a product of random integer factors, with repeated
    and zero rows and columns."""
    rng = np.random.default_rng(seed)
    n, c = (int(v) for v in rng.integers(1, 14, 2))
    r = int(rng.integers(0, min(n, c) + 1))
    top = 10 ** 9 if big else 4
    M = rng.integers(-top, top + 1, (n, r)) @ rng.integers(-3, 4, (r, c))
    if n > 1 and rng.random() < 0.5:
        M[-1] = M[0]
    if c > 1 and rng.random() < 0.5:
        M[:, -1] = 0
    return M


@given(st.integers(0, 10 ** 6), st.booleans())
def test_column_basis_is_a_basis(seed, big):
    M = low_rank(seed, big)
    found = column_basis(M)
    rank = linalg.rank(M.tolist(), M.shape[1])
    assert found is not None  # integer data of small rank: the float choice is right
    r, cols = found
    assert r == rank
    assert len(cols) == r and cols == sorted(set(cols))
    assert linalg.rank(M[:, cols].tolist(), r) == r  # independent, hence a basis


@given(st.integers(0, 10 ** 6))
def test_misleading_float_choice_is_refused_or_right(seed):
    """F is read for the choice of pivots only: a random F gives None or the right answer."""
    M = low_rank(seed)
    F = np.random.default_rng(seed).normal(size=M.shape)
    found = column_basis(M, F)
    if found is not None:
        r, cols = found
        assert r == linalg.rank(M.tolist(), M.shape[1])
        assert linalg.rank(M[:, cols].tolist(), r) == r


def test_too_large_a_rank_is_refused():
    M = np.eye(6, dtype=np.int64)
    assert column_basis(M, max_rank=5) is None
    assert column_basis(M, max_rank=6) == (6, list(range(6)))


def test_huge_entries_take_python_integers():
    M = np.array([[2 ** 70, 1], [2 ** 71, 2], [3, 5]], dtype=object)
    assert column_basis(M) == (2, [0, 1])
    assert column_basis(M[:2]) == (1, [0]) or column_basis(M[:2]) == (1, [1])


def test_zero_and_empty():
    assert column_basis(np.zeros((3, 4), dtype=np.int64)) == (0, [])
    assert column_basis(np.zeros((0, 4), dtype=np.int64)) == (0, [])
    assert float_pivots(np.zeros((2, 2)), 2) == ([], [])


@pytest.mark.parametrize("size", [1, 3, 7, 13, 20])
def test_determinant_against_sympy(size):
    rng = np.random.default_rng(size)
    for top in (2, 10 ** 5, 10 ** 12):
        B = rng.integers(-top, top + 1, (size, size))
        if size > 2:
            B[1] = B[0] + B[2]  # singular
        for A in (B, B.astype(object) * 10 ** 9):
            assert determinant(A) == int(sympy.Matrix(A.tolist()).det())


@given(st.integers(0, 10 ** 6))
def test_chosen_columns_are_tried_and_never_trusted(seed):
    """Columns given by the caller (a float Gram's choice) are only a choice: misleading ones
    give None or the right basis, the right ones the basis."""
    M = low_rank(seed)
    rng = np.random.default_rng(seed)
    rank = linalg.rank(M.tolist(), M.shape[1])
    guess = sorted(rng.choice(M.shape[1], int(rng.integers(1, M.shape[1] + 1)), replace=False))
    for columns in (guess, column_basis(M)[1] or None):
        found = column_basis(M, columns=columns)
        if found is not None:
            r, cols = found
            assert r == rank and linalg.rank(M[:, cols].tolist(), r) == r


@given(st.integers(0, 10 ** 6))
def test_row_pivots_give_a_nonsingular_minor(seed):
    rng = np.random.default_rng(seed)
    r = int(rng.integers(1, 6))
    Y = rng.integers(-3, 4, (int(rng.integers(r, 12)), r))
    rows = row_pivots(Y.astype(float))
    rank = linalg.rank(Y.tolist(), r)
    if rank < r:
        assert rows is None
    elif rows is not None:  # small integers: the float choice is right
        assert determinant(Y[rows]) != 0


def exact_float_matrix(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(M, A): an integer matrix of a chosen rank and A = M with its columns scaled by powers
    of two and its rows by small odd integers — exact floats of the same rank."""
    rng = np.random.default_rng(seed)
    M = low_rank(seed)
    A = M * 2.0 ** rng.integers(-30, 30, M.shape[1]) * rng.choice([1, 3, -5], (M.shape[0], 1))
    return M, A


@given(st.integers(0, 10 ** 6))
def test_independent_columns_proves_only_independent_columns(seed):
    """Every count up to min(shape): above the exact rank nothing is proven (the mutation a
    wrong certificate would let through), and what is proven is checked by exact
    elimination; on full column rank well-conditioned matrices all columns are proven."""
    M, A = exact_float_matrix(seed)
    rank = linalg.rank(M.tolist(), M.shape[1])
    for count in range(1, min(M.shape) + 1):
        found = independent_columns(A, count)
        if count > rank:
            assert found is None
        elif found is not None:
            _, cols = found
            assert len(cols) == count == linalg.rank(M[:, list(cols)].tolist(), count)
    I = np.eye(5) * 2.0 ** np.arange(-3, 2)
    assert independent_columns(np.vstack([I, I]), 5)[1].tolist() == list(range(5))


def test_independent_columns_refuses_entries_out_of_range():
    A = np.eye(3)
    for bad in (2.0 ** 460, 2.0 ** -460, np.nan, np.inf):
        B = A.copy()
        B[0, 0] = bad
        assert independent_columns(B, 3) is None
    assert independent_columns(A, 4) is None and independent_columns(A, 0) is None


def related_integers(seed: int) -> np.ndarray:
    """A float matrix of small integers with exact relations among its columns, some with
    denominators (a column 3·f = 2·a − b, say), and near-relations: columns off a combination by
    one unit in one entry, with large entries (nearly dependent in floats, independent)."""
    rng = np.random.default_rng(seed)
    M = low_rank(seed).astype(float)
    n, c = M.shape
    if c >= 2 and rng.random() < 0.5:  # a relation with denominator q
        q = int(rng.integers(1, 8))
        a, b = rng.integers(-3, 4, 2)
        M = np.hstack([q * M, (a * M[:, :1] + b * M[:, 1:2])])
    if rng.random() < 0.5:  # large entries and a column one unit off a combination
        M = np.hstack([M * 10 ** 5, M[:, :1] * 10 ** 5 + np.eye(n, 1)])
    return M


@given(st.integers(0, 10 ** 6))
def test_gram_column_basis_is_a_basis(seed):
    """A basis it proves is one by exact elimination (rank of the columns = rank of the matrix =
    their number); columns nearly dependent in floats are never taken as dependent."""
    A = related_integers(seed)
    M = A.astype(np.int64)
    rank = linalg.rank(M.tolist(), M.shape[1])
    found = gram_column_basis(A)
    if found is not None:
        cols = list(found[1])
        assert len(cols) == rank == linalg.rank(M[:, cols].tolist(), len(cols))


def test_gram_column_basis_examples_and_refusals():
    A = np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 2.0], [1.0, 0.0, -1.0]])
    assert gram_column_basis(A)[1].tolist() == [0, 1]
    B = np.hstack([A[:, :2] * 3, A[:, 2:]])  # column 2 = (2·b − a)/3: a denominator
    assert gram_column_basis(B)[1].tolist() == [0, 1]
    assert gram_column_basis(A / 2) is None  # not integers
    assert gram_column_basis(np.zeros((2, 2))) is None


def test_gram_column_basis_rejects_a_wrong_relation(monkeypatch):
    """The mutation: a relation rounded wrongly (one unit added to the float solution) must fail
    the exact check — nothing claimed — rather than give a smaller rank."""
    A = np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 2.0], [1.0, 0.0, -1.0], [2.0, 1.0, 0.0]])
    solve = np.linalg.solve
    monkeypatch.setattr(np.linalg, "solve", lambda G, R: solve(G, R) + np.eye(*R.shape))
    assert gram_column_basis(A) is None


@given(st.integers(0, 10 ** 6), st.integers(65, 5000),
       st.lists(st.integers(1, 6), min_size=1, max_size=3))
def test_gram_column_basis_denominators_beyond_64(seed, q, factors):
    """Columns q_i·f = A[:, C]·t with q_i > 64 coprime to an entry of t (so no D ≤ 64 makes the
    float solution integral; the [20, 8, 1] samples on a subspace of weight seed 12 need 108),
    one or several with different q_i = q·factor (one common denominator, their lcm, serves
    them all, up to 2^16): the basis is still proven, and it is one by exact elimination."""
    qs = [q * factor for factor in factors]
    lcm = int(np.lcm.reduce(qs))
    assume(lcm <= 2 ** 16)
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(4, 9)), int(rng.integers(2, 4))
    B = rng.integers(-4, 5, (n, k))
    columns = []
    for _ in qs:
        t = rng.integers(-5, 6, k)
        t[0] = 1  # (gcd(t, q) = 1)
        columns.append(B @ t)
    # column k + i = A[:, :k]·t_i / lcm: denominators lcm over gcd(t_i, lcm)
    A = np.hstack([lcm * B, np.array(columns).T]).astype(float)
    rank = linalg.rank(A.astype(np.int64).tolist(), k + len(qs))
    found = gram_column_basis(A)
    assert found is not None and len(found[1]) == rank


@given(st.lists(st.fractions(min_value=-50, max_value=50, max_denominator=300), min_size=1,
                max_size=8),
       st.lists(st.floats(-1e3, 1e3), min_size=0, max_size=4))
def test_denominator_is_the_lcm_and_always_ends(fractions, floats):
    """The lcm of the float solution's denominators (a guess the exact check relies on): the
    lcm itself for fractions whose lcm is at most 2^16, and on any floats an answer, 0 or a
    D ≤ 2^16."""
    lcm = 1
    for q in fractions:
        lcm = lcm * q.denominator // math.gcd(lcm, q.denominator)
    found = _denominator(np.array([float(q) for q in fractions]))
    assert found == (lcm if lcm <= 2 ** 16 else 0) or (lcm > 2 ** 16 and found <= 2 ** 16)
    assert 0 <= _denominator(np.array(floats)) <= 2 ** 16
