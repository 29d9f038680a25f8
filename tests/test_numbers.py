from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom import InputError, parse_json, to_rational
from relugeom.exact.numbers import rational_matrix, rational_vector, to_json_number


@pytest.mark.parametrize("text, expected", [
    ("0.1", Fraction(1, 10)),
    ("-0.125", Fraction(-1, 8)),
    ("1e-3", Fraction(1, 1000)),
    ("3/7", Fraction(3, 7)),
    (" -3/7 ", Fraction(-3, 7)),
    ("-0.0", Fraction(0)),
    ("123456789012345678901234567890", Fraction(123456789012345678901234567890)),
    ("2.5E2", Fraction(250)),
])
def test_strings_are_read_exactly(text, expected):
    assert to_rational(text) == expected


def test_binary_floats_are_their_exact_value():
    assert to_rational(0.1) == Fraction(3602879701896397, 2 ** 55)
    assert to_rational(0.1) != Fraction(1, 10)
    assert to_rational(np.float32(0.1)) == Fraction(13421773, 2 ** 27)
    assert to_rational(-0.0) == 0
    assert to_rational(np.int64(-7)) == -7
    assert to_rational(10 ** 40) == 10 ** 40
    assert to_rational(Decimal("0.1")) == Fraction(1, 10)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_round_trip(x):
    q = to_rational(x)
    assert float(q) == x
    assert q == Fraction(x)


@given(st.fractions())
def test_fraction_string_round_trip(q):
    assert to_rational(str(q)) == q
    assert to_rational(to_json_number(q)) == q


def test_json_decimal_literals_are_exact():
    data = parse_json('{"a": [0.1, 1e-3, -2, "3/7"]}')
    assert [to_rational(v) for v in data["a"]] == [Fraction(1, 10), Fraction(1, 1000), -2,
                                                   Fraction(3, 7)]


@pytest.mark.parametrize("bad, fragment", [
    (float("nan"), "NaN"),
    (float("inf"), "NaN and infinities"),
    (np.float64("-inf"), "NaN and infinities"),
    ("nan", "NaN"),
    ("-Infinity", "NaN"),
    (True, "boolean"),
    (np.bool_(False), "boolean"),
    ("", "empty"),
    ("   ", "empty"),
    ("abc", "not a number"),
    ("1/0", "zero denominator"),
    (None, "not a number"),
    ([1], "not a number"),
    (1 + 2j, "not a number"),
])
def test_refusals_name_the_entry(bad, fragment):
    with pytest.raises(InputError) as info:
        to_rational(bad, "W[1][2]")
    assert "W[1][2]" in str(info.value)
    assert fragment in str(info.value)


def test_json_nan_is_refused_with_its_place():
    data = parse_json('{"b": [1, NaN]}')
    with pytest.raises(InputError, match=r"b\[1\]"):
        rational_vector(data["b"], "b")


def test_invalid_json_names_the_position():
    with pytest.raises(InputError, match="line 1"):
        parse_json('{"W": [1, }', "network file 'x.json'")


def test_ragged_matrix_is_named():
    with pytest.raises(InputError, match="ragged: row 0 has 2 entries but row 1 has 1"):
        rational_matrix([[1, 2], [3]], "W")
    with pytest.raises(InputError, match=r"W\[0\] must be a row"):
        rational_matrix([1, 2], "W")
