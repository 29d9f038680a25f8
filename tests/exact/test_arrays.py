"""Large exact arrays (relugeom.exact.arrays): residues mod p equal to Fraction arithmetic, floats
at their exact binary values, NaN refused."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom.errors import InputError
from relugeom.exact.arrays import RationalArray
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
