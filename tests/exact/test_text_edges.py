"""Exact numbers at the edges of text (relugeom.exact.numbers): a byte-order mark before JSON,
and refusals that stay messages even for integers beyond Python's int-to-text limit."""

import sys

import pytest

from relugeom import InputError, ShallowNetwork, parse_json
from relugeom.exact.numbers import rational_matrix


def test_json_text_with_a_byte_order_mark_is_read():
    assert parse_json('\ufeff{"X": [[0.5]]}')["X"][0][0] == pytest.approx(0.5)
    assert parse_json("\ufeff[1e400]") == [10 ** 400]


def test_a_byte_order_mark_elsewhere_is_still_invalid_json():
    with pytest.raises(InputError, match="not valid JSON"):
        parse_json('[1, \ufeff2]')


@pytest.mark.skipif(not hasattr(sys, "get_int_max_str_digits"), reason="no int-to-text limit")
def test_a_huge_integer_where_a_row_belongs_is_refused_with_a_message():
    big = 10 ** 5000   # repr(big) raises ValueError under Python's 4300-digit limit
    with pytest.raises(InputError, match=r"W\[0\] must be a row .* an integer of 16610 bits"):
        rational_matrix([big], "W")
    with pytest.raises(InputError, match=r"W\[0\] must be a row"):
        ShallowNetwork(W=[big], b=[0], V=[[1]], c=[0])


@pytest.mark.skipif(not hasattr(sys, "set_int_max_str_digits"), reason="no int-to-text limit")
def test_json_form_of_huge_integers_does_not_depend_on_a_lifted_limit():
    import json

    from relugeom.exact.numbers import to_json_number
    previous = sys.get_int_max_str_digits()
    try:
        for limit in (0, 4300, 100_000):
            sys.set_int_max_str_digits(limit)
            big = to_json_number(10 ** 5000)
            assert big == "1" + "0" * 5000 and to_json_number(10 ** 4299) == 10 ** 4299
            written = json.dumps([to_json_number(-(10 ** 4299))])
            sys.set_int_max_str_digits(4300)   # a default Python reads it back
            assert json.loads(written) == [-(10 ** 4299)]
    finally:
        sys.set_int_max_str_digits(previous)
