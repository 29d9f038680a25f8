"""One Gram matrix for every try (relugeom.linalg.gram.ScaledGram): proofs on any subset of the
rows from the one product, checked against exact ranks (Fractions); the hint and the proof leave
the Gram matrix as they found it; a Gram matrix singular early fails on its leading block."""

from fractions import Fraction

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from relugeom import linalg
from relugeom.linalg.gram import (_SELECT, LOOSE, gram_positive_definite, looking_pivots,
                                  rank_at_least, scaled_gram)


def exact_rank(A) -> int:
    return linalg.rank([[Fraction(float(v)) for v in row] for row in np.asarray(A)])


def planted(seed: int, r: int, c: int) -> np.ndarray:
    """r × c floats on a 2^-20 grid with exact dependencies: row 1 = row 0, row 4 = rows 2 + 3
    (exact sums), rows of magnitudes 2^-300 to 2^300 otherwise."""
    rng = np.random.default_rng(seed)
    A = np.round(rng.uniform(-1, 1, (r, c)) * 2.0 ** 20) * 2.0 ** -20
    A[1] = A[0]
    A[4] = A[2] + A[3]
    A[5:] *= np.ldexp(1.0, rng.integers(-300, 300, r - 5))[:, None]
    return A


@given(st.integers(0, 2 ** 32), st.integers(6, 12), st.integers(0, 6), st.data())
def test_a_subset_is_proven_only_when_exactly_independent(seed, r, extra, data):
    A = planted(seed, r, r + extra)
    gram = scaled_gram(A, np.zeros_like(A))
    rows = np.array(data.draw(st.lists(st.integers(0, r - 1), min_size=1, max_size=r,
                                       unique=True)))
    certificate = gram.certify(rows)
    if certificate is not None:
        assert exact_rank(A[rows]) == len(rows)
    if not ({0, 1} <= set(rows.tolist()) or {2, 3, 4} <= set(rows.tolist())):
        assert certificate is not None  # independent Gaussian-like rows: proven
    else:
        assert certificate is None
    assert gram.certify() is None  # all rows: dependent


@given(st.integers(0, 2 ** 32))
def test_subset_bound_matches_a_fresh_product(seed):
    # the block of the one product proves what a product of those rows alone proves
    A = planted(seed, 10, 14)
    E = np.abs(A) * 2.0 ** -40
    rows = np.array([9, 2, 7, 3, 5])
    alone = scaled_gram(A[rows], E[rows]).certify()
    block = scaled_gram(A, E).certify(rows)
    assert (alone is None) == (block is None) and block is not None
    assert block.delta == alone.delta and block.shape == alone.shape


def test_the_gram_matrix_is_left_as_it_was():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((300, 320))
    for M in (A, np.vstack([A[:1], A[:299]])):  # proven, and two equal rows: not proven
        G = M @ M.T
        before = G.copy()
        proven = gram_positive_definite(G, 1e-9, M.shape[1])
        assert (proven is not None) == (M is A)
        assert np.array_equal(G, before)
        assert looking_pivots(G) is not None
        assert np.array_equal(G, before)
        G.flags.writeable = False  # read only: the hint on a copy, the same choice
        assert np.array_equal(looking_pivots(G)[1] > LOOSE, looking_pivots(before)[1] > LOOSE)


@given(st.integers(0, 2 ** 32))
def test_pivots_in_place_equal_the_normalised_ones(seed):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((12, 9)) * np.ldexp(1.0, rng.integers(-40, 40, 12))[:, None]
    G = A @ A.T
    live, pivots = looking_pivots(G)  # in place: every row is nonzero
    padded = np.zeros((13, 13))  # a zero row first: the normalised copy
    padded[1:, 1:] = G
    live0, pivots0 = looking_pivots(padded)
    assert live.tolist() == list(range(12)) and live0.tolist() == list(range(1, 13))
    # the same choice: the same rows above the thresholds, the large pivots alike
    for threshold in (_SELECT, LOOSE):
        assert ((pivots > threshold) == (pivots0 > threshold)).all()
    large = pivots > _SELECT
    assert np.allclose(pivots[large], pivots0[large], rtol=1e-6)
    assert large.sum() <= 9  # never more rows looking independent than the rank


def test_an_early_dependency_fails_on_the_leading_block():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((512, 600))
    A[3] = A[1]  # dependent within the leading eighth
    G = A @ A.T
    assert gram_positive_definite(G.copy(), 1e-9, 600) is None
    A[3] = rng.standard_normal(600)
    assert gram_positive_definite(A @ A.T, 1e-9, 600) is not None


def test_zero_rows_are_left_out_of_the_choice():
    A = np.array([[1.0, 2.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 0.0, 0.0],
                  [0.0, 1.0, 1.0, 0.0, 0.0], [1.0, 3.0, 1.0, 0.0, 1.0]])
    found = rank_at_least(A, np.zeros_like(A), 2)
    assert found is not None and found[1].tolist() == [0, 2] and not found[2]
    assert rank_at_least(A, np.zeros_like(A), 3) is None and exact_rank(A) == 2
