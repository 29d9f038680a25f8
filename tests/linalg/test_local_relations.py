"""rank_proven_by_local_relations (relugeom.linalg.verified) on entries that vanish mod p but
not over Z: the exact check must see every column a relation touches over Z, not only those
its residues touch; relations_proven with the exact rows given by need."""

import numpy as np
import pytest

from relugeom import linalg
from relugeom.linalg.verified import rank_proven_by_local_relations, relations_proven

P = 1_000_003


@pytest.mark.parametrize("dtype", [object, np.int64])
def test_a_relation_broken_only_by_multiples_of_p_is_refused(dtype):
    # mod p the second row is twice the first (p ≡ 0); over Q they are independent
    A = np.array([[1, 0, 3], [2, P, 6]], dtype=dtype)
    assert linalg.rank(A.tolist()) == 2
    assert not rank_proven_by_local_relations(A, P)
    # a third row zero mod p, nonzero over Z
    B = np.array([[1, 0, 3], [2, 0, 6], [0, 5 * P, 0]], dtype=dtype)
    assert not rank_proven_by_local_relations(B, P)


@pytest.mark.parametrize("dtype", [object, np.int64])
def test_a_relation_through_multiples_of_p_is_proven(dtype):
    # the relation 2·row0 − row1 = 0 holds over Z, also on the column of multiples of p
    A = np.array([[1, P, 3, 0], [2, 2 * P, 6, 0], [0, 0, 1, 7]], dtype=dtype)
    assert linalg.rank(A.tolist()) == 2
    assert rank_proven_by_local_relations(A, P)


def test_big_sparse_integers_against_the_exact_rank():
    # rows of 180-bit integers, mostly zero, with local dependencies (a group system's shape)
    rng = np.random.default_rng(4)
    B = rng.integers(-2 ** 40, 2 ** 40, (12, 30)).astype(object) * (2 ** 140 + 3)
    B[rng.random(B.shape) < 0.7] = 0
    rows = list(B) + [3 * B[0] - 5 * B[4], B[7] + B[2], 2 * B[11]]
    A = np.array(rows, dtype=object)
    assert rank_proven_by_local_relations(A, P)
    assert linalg.rank(A.tolist(), 30) == linalg.rank(B.tolist(), 30)
    A[-1, np.flatnonzero(A[-1])[0]] += P  # breaks one relation over Z, not mod p
    assert not rank_proven_by_local_relations(A, P)


def test_rows_given_on_demand_scaled_and_only_where_needed():
    """relations_proven: the matrix mod p with each row times a unit, the exact rows asked for
    by need (those of the relations' supports), each with any nonzero integer factor."""
    rng = np.random.default_rng(7)
    B = rng.integers(-2 ** 40, 2 ** 40, (6, 9)).astype(object)
    A = np.array(list(B) + [3 * B[0] - B[2], B[5] + B[1]], dtype=object)
    units = np.array([(3 * k + 1) for k in range(len(A))], dtype=object)
    residues = np.remainder(A * units[:, None], P).astype(float)
    asked: set[int] = set()

    def exact_rows(rows):
        asked.update(rows.tolist())
        return A[rows] * np.array([-(k + 2) for k in rows.tolist()], dtype=object)[:, None]

    assert relations_proven(residues, exact_rows, P)
    assert asked == {0, 2, 6, 1, 5, 7}  # the two relations' rows only
    # a row that is not the reduction promised: the relation fails the exact check
    wrong = A.copy()
    wrong[6, 4] += 1
    assert not relations_proven(residues, lambda rows: wrong[rows], P)
