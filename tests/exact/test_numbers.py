"""Exact numbers (relugeom.exact.numbers): decimals, "p/q" strings, floats of every width and
JSON read exactly; long literals, huge exponents, odd inputs and JSON traps at the edges;
values described in short.

References: Python's own ``Fraction`` and ``Decimal`` on what they read correctly, and the
decimal expansion written out by hand.
"""

import json
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom import InputError, parse_json, to_rational
from relugeom.exact.numbers import (MAX_DIGITS, describe_value, int_to_text, rational_matrix,
                                    rational_vector, to_json_number)


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


# --- at the edges: long literals, huge exponents, odd inputs, JSON traps -------------------------

LONG = "7" * 5000   # beyond Python's 4300-digit int/str conversion guard


def test_long_literals_are_read_exactly():
    assert to_rational(LONG + "/3") == Fraction(int(Decimal(LONG)), 3)
    assert to_rational("0." + LONG) == Fraction(int(Decimal(LONG)), 10 ** 5000)
    data = parse_json('{"c": [' + LONG + ", 0." + LONG + ", 1e400, -1e-400]}")
    assert data["c"] == [int(Decimal(LONG)), Fraction(int(Decimal(LONG)), 10 ** 5000),
                         10 ** 400, Fraction(-1, 10 ** 400)]


def test_absurd_exponents_are_refused_not_computed():
    for text in ("1e99999999", "1e-99999999", "1e" + "9" * 40, "0.5e" + str(MAX_DIGITS + 5)):
        with pytest.raises(InputError, match=r"W\[0\]\[0\].*digits"):
            to_rational(text, "W[0][0]")
    with pytest.raises(InputError, match="digits"):
        parse_json("[1e99999999]")
    assert to_rational("0e99999999") == 0 and to_rational("-0.000e-5") == 0


def test_only_plain_ascii_numbers_are_numbers():
    for text in ("1_000", "\u0661", "0x10", "1.5/2", ".", "1e", "--1", "1/-2"):
        with pytest.raises(InputError, match="X"):
            to_rational(text, "X")


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_decimal_text_agrees_with_decimal(value):
    assert to_rational(str(value)) == Fraction(value)


@given(st.integers(), st.integers(1, 10 ** 30), st.integers(0, 6000))
def test_json_numbers_round_trip_at_any_size(p, q, digits):
    value = Fraction(p * 10 ** digits, q)
    text = json.dumps({"v": to_json_number(value)})
    assert to_rational(parse_json(text)["v"]) == value


def test_int_to_text_matches_decimal():
    for n in (0, -1, 10 ** 4299, 3 ** 20000, -(7 ** 9000)):
        assert int_to_text(n) == format(Decimal(n), "f")


def test_every_numpy_float_width_is_exact():
    third = np.longdouble(1) / np.longdouble(3)
    for x in (np.float16(0.1), np.float32(0.1), np.float64(0.1), third):
        p, q = x.as_integer_ratio()
        assert to_rational(x) == Fraction(p, q)
    if np.finfo(np.longdouble).nmant > 52:   # a longdouble wider than float64
        assert to_rational(third) != Fraction(float(third))


def test_json_traps_are_input_errors():
    with pytest.raises(InputError, match="nested too deeply"):
        parse_json("[" * 100000 + "]" * 100000, "net.json")
    with pytest.raises(InputError, match="'W' appears twice"):
        parse_json('{"W": [[1]], "W": [[2]]}', "net.json")
    with pytest.raises(InputError, match="net.json"):
        parse_json("[" + "1" * (MAX_DIGITS + 10) + "]", "net.json")


def test_refused_values_are_shown_short():
    with pytest.raises(InputError) as info:
        to_rational("x" * 10000, "b[0]")
    assert len(str(info.value)) < 300


def test_any_int_str_limit_is_respected():
    """Python's int/str guard may be set as low as 640 digits: reading and writing still work."""
    import sys

    if not hasattr(sys, "set_int_max_str_digits"):
        pytest.skip("no int/str conversion guard in this Python")
    before = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(640)
    try:
        n = 3 ** 2000   # 955 digits
        assert to_rational(int_to_text(n)) == n
        assert to_rational(json.loads(json.dumps(to_json_number(Fraction(n, 7))))) == \
            Fraction(n, 7)
        assert json.loads(json.dumps(to_json_number(Fraction(n)))) == int_to_text(n)
    finally:
        sys.set_int_max_str_digits(before)


# --- describing values in short ---------------------------------------------------------------

@pytest.mark.parametrize("value, text", [
    (Fraction(1, 2 ** 45), "2^-45"), (Fraction(3, 4), "3/4"), (Fraction(-3, 4), "-3/4"),
    (Fraction(123456789, 1000), "≈1.2e+05"), (Fraction(1, 3 ** 30), "≈4.9e-15"),
    (Fraction(1, 10 ** 400), "≈1e-400"), (-3 * Fraction(10) ** 400, "≈-3e+400")])
def test_describe_value_exactly_or_approximately(value, text):
    """Far powers of two as 2^e, short fractions as they are, anything else as ≈ a scientific
    approximation, also far outside the float range."""
    assert describe_value(value) == text
