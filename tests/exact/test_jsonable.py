"""The one JSON rule of ``--json`` reports (relugeom.exact.jsonable): every exact rational is a
string "p/q" or "p", read back exactly; integers by definition stay JSON integers; network
files (``to_json``) keep whole weights as JSON integers."""

import json
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from relugeom import ShallowNetwork
from relugeom.exact.jsonable import jsonable
from relugeom.exact.numbers import ExactInteger, exact_text, to_json_number, to_rational

big_integers = st.one_of(st.integers(-10 ** 30, 10 ** 30),
                         st.integers(1, 6000).map(lambda k: 10 ** k + 7))
rationals = st.builds(Fraction, big_integers, st.integers(1, 10 ** 40))


@given(rationals)
def test_every_exact_value_is_a_string_read_back_exactly(q):
    for form in (q, to_json_number(q)):
        text = jsonable({"x": [form]})["x"][0]
        assert isinstance(text, str) and to_rational(text) == q
        assert json.loads(json.dumps(text)) == text


@given(rationals)
def test_to_json_number_keeps_its_value_for_every_other_use(q):
    value = to_json_number(q)
    if q.denominator == 1 and len(exact_text(q).lstrip("-")) <= 4300:
        assert isinstance(value, ExactInteger) and value == q.numerator
        assert json.loads(json.dumps(value)) == q.numerator   # network files: a JSON integer
    else:
        assert isinstance(value, str) and to_rational(value) == q


def test_integers_by_definition_stay_integers():
    report = {"n": 4, "dims": (3, 2), "ok": True, "t": Fraction(3), "box": [Fraction(-1, 2), 2]}
    assert jsonable(report) == {"n": 4, "dims": [3, 2], "ok": True, "t": "3",
                                "box": ["-1/2", 2]}


def test_a_network_file_and_a_report_of_the_same_network():
    net = ShallowNetwork([[1], ["1/2"]], [0, -1], [[2, "-3/4"]], [0])
    assert json.loads(net.to_json())["W"] == [[1], ["1/2"]]          # the file: as written
    assert jsonable(net.to_dict())["W"] == [["1"], ["1/2"]]          # a report: one type
