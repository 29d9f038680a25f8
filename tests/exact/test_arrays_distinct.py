"""RationalArray.distinct_rows against a count of distinct rows of exact values (Fractions): equal
for float arrays (one stored form per value, −0.0 and 0.0 alike), never below it otherwise
(the bound "distinct samples" of relugeom.rank.shallow needs an upper bound of the number of
distinct rows: equal values stored alike)."""

from fractions import Fraction

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from relugeom.exact.arrays import RationalArray


def value_rows(A: RationalArray) -> int:
    return len({tuple(row) for row in A.to_fractions()})


@given(st.integers(0, 10_000), st.integers(1, 12), st.integers(1, 4))
def test_float_rows_counted_exactly(seed, n, d):
    rng = np.random.default_rng(seed)
    base = rng.choice([0.0, -0.0, 0.5, -3.25, 1e-300, 2.0 ** 60], size=(max(1, n // 2), d))
    X = base[rng.integers(0, len(base), n)]
    assert RationalArray.from_floats(X).distinct_rows() == value_rows(
        RationalArray.from_floats(X))


@given(st.integers(0, 10_000), st.integers(1, 10), st.integers(1, 3))
def test_rational_rows_never_undercounted(seed, n, d):
    rng = np.random.default_rng(seed)
    pool = [Fraction(int(a), int(b)) for a, b in zip(rng.integers(-4, 5, 6),
                                                       rng.choice([1, 2, 3, 255], 6))]
    pool.append(Fraction(2 ** 70, 3))  # a numerator beyond int64: object arrays
    rows = [[pool[int(k)] for k in rng.integers(0, len(pool), d)] for _ in range(n)]
    rows += rows[: n // 2]
    A = RationalArray.from_fractions(rows)
    assert A.distinct_rows() == value_rows(A)  # Fractions are stored in lowest terms
    B = RationalArray.from_integers(np.array([[2, 4], [1, 2], [2, 4]]), 3)
    assert B.distinct_rows() == 2 and value_rows(B) == 2


def test_no_columns():
    assert RationalArray.from_floats(np.zeros((3, 0))).distinct_rows() == 1
