"""Large exact arrays (relugeom.exact.arrays): residues mod p equal to Fraction arithmetic, floats
at their exact binary values, NaN refused."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom.errors import InputError
from relugeom.exact.arrays import PrimeDividesDenominator, RationalArray, float_integers
from relugeom.linalg.modular import random_primes

P = random_primes(1, seed=3)[0]

rational_matrices = st.integers(1, 6).flatmap(lambda c: st.lists(
    st.lists(st.fractions(min_value=-3, max_value=3, max_denominator=5), min_size=c, max_size=c),
    min_size=1, max_size=6))


def residue_of(q: Fraction, p: int) -> int:
    return q.numerator * pow(q.denominator, -1, p) % p


@given(rational_matrices)
def test_residues_match_fraction_arithmetic(M):
    arr = RationalArray.from_fractions(M)
    expected = np.array([[residue_of(q, P) for q in row] for row in M])
    assert np.array_equal(arr.residues(P), expected)
    assert arr.to_fractions() == tuple(tuple(Fraction(q) for q in row) for row in M)


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=1,
                max_size=12))
def test_float_residues_are_those_of_the_exact_binary_values(values):
    arr = RationalArray.from_floats(np.array(values))
    expected = [residue_of(Fraction(v), P) for v in values]
    assert arr.residues(P).tolist() == expected
    assert [arr.fraction(i) for i in range(len(values))] == [Fraction(v) for v in values]


def test_nan_is_refused():
    with pytest.raises(InputError, match="NaN"):
        RationalArray.from_floats([1.0, float("nan")])


# --- reading Fractions and floats without a Fraction per entry (issue 18) -------------------

entries = st.one_of(st.floats(-1e6, 1e6, allow_subnormal=False).map(Fraction),
                    st.floats(-4, 4, width=32, allow_subnormal=False).map(Fraction),
                    st.fractions(max_denominator=40), st.integers(-2 ** 70, 2 ** 70))


@given(st.lists(st.lists(entries, min_size=3, max_size=3), min_size=1, max_size=5))
def test_from_fractions_and_integer_columns_are_exact(rows):
    A = RationalArray.from_fractions(rows)
    assert A.to_fractions() == tuple(tuple(Fraction(q) for q in row) for row in rows)
    M, scales = A.integer_columns()
    assert all(scales[l] > 0 for l in range(3))
    assert all(int(M[i][l]) * scales[l] == rows[i][l] for i in range(len(rows)) for l in range(3))
    try:
        residues = A.residues(P).tolist()
    except PrimeDividesDenominator:
        assert any(Fraction(q).denominator % P == 0 for row in rows for q in row)
        return
    assert residues == [[Fraction(q).numerator * pow(Fraction(q).denominator, -1, P) % P
                         for q in row] for row in rows]


def test_powers_of_two_are_stored_as_exponents():
    A = RationalArray.from_fractions([Fraction(3, 8), 2, Fraction(-1, 1024)])
    assert A.denominators == 1 and A.exponents.tolist() == [-3, 0, -10]
    # not all powers of two: the denominators are kept
    B = RationalArray.from_fractions([Fraction(1, 3), Fraction(1, 2)])
    assert B.denominators.tolist() == [3, 2]
    # distinct rows by hashing: equal rows once
    assert RationalArray.from_floats([[0.5, 1.0], [0.5, 1.0], [0.25, 1.0]]).distinct_rows() == 2


def test_float_integers_reads_only_exact_integers():
    edge = np.array([2.0 ** 62, -(2.0 ** 63), 3.0])
    assert float_integers(edge).tolist() == [2 ** 62, -(2 ** 63), 3]
    for bad in ([2.0 ** 63], [1e300], [0.5, 1.0], [np.nan]):  # beyond int64, a fraction, NaN
        assert float_integers(np.array(bad)) is None
