"""Exact numbers: every entry relugeom computes with is a :class:`fractions.Fraction`.

One conversion, :func:`to_rational`, turns what users hand us into exact rationals:

- ``int`` (Python or numpy) and ``Fraction`` (or any ``numbers.Rational``) as they are;
- strings ``"3/7"``, ``"-0.125"``, ``"1e-3"``: read exactly, so ``"0.1"`` is 1/10;
- JSON decimal literals, read through :func:`parse_json`, which hands the literal text to
  :func:`to_rational` instead of rounding it to a binary float;
- binary floats (Python or numpy): their exact binary value, so ``0.1`` is
  3602879701896397/36028797018963968.

NaN, ±inf, booleans, empty strings and anything else are refused with an
:class:`~relugeom.errors.InputError` naming the entry.

Text is read by relugeom's own exact parser, not by ``int``/``Fraction``: ASCII digits only,
no size limit from Python's int/str conversion guard (4300 digits), so ``1e400`` and a
5000-digit integer are read exactly. A number whose exact numerator or denominator would have
more than :data:`MAX_DIGITS` decimal digits (e.g. ``1e99999999``) is refused with a message
instead of taking hours to build. :func:`to_json_number` writes integers of any size.
"""

from __future__ import annotations

import json
import math
import numbers
import re
import sys
from decimal import Decimal
from fractions import Fraction
from typing import Any, Sequence

import numpy as np

from ..errors import InputError

#: Largest number of decimal digits of the numerator or denominator of an exact entry read from
#: text. 10^100000 is built in milliseconds; 1e99999999 would take hours and gigabytes.
MAX_DIGITS = 100_000

#: Python refuses int ↔ str conversions beyond sys.get_int_max_str_digits() digits (4300 by
#: default, never less than 640); pieces of at most this many digits are always converted.
_SAFE_DIGITS = 600

_NUMBER = re.compile(r"""
    (?P<sign>[-+]?)
    (?:
        (?P<numerator>[0-9]+)/(?P<denominator>[0-9]+)              # p/q
      | (?=[0-9]|\.[0-9])(?P<integer>[0-9]*)(?:\.(?P<fraction>[0-9]*))?  # decimal
        (?:[eE](?P<exponent>[-+]?[0-9]+))?
    )
    """, re.VERBOSE | re.ASCII)


def _shown(value: Any, limit: int = 60) -> str:
    """repr of a refused value, cut short so that a message stays one paragraph."""
    text = repr(value) if not isinstance(value, int) or value.bit_length() < 200 else \
        f"an integer of {value.bit_length()} bits"
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _refuse(value: Any, where: str, why: str) -> InputError:
    place = f"{where}: " if where else ""
    return InputError(f"{place}{why} (got {_shown(value)}); entries must be finite numbers: "
                      "integers, decimals such as -0.125 or 1e-3, or fractions p/q")


def _digits_to_int(digits: str) -> int:
    """int(digits) for a string of ASCII digits of any length (divide and conquer)."""
    if len(digits) <= _SAFE_DIGITS:
        return int(digits)
    half = len(digits) // 2
    return _digits_to_int(digits[:-half]) * 10 ** half + _digits_to_int(digits[-half:])


def int_to_text(n: int) -> str:
    """Decimal text of an integer of any size (str(n) is refused beyond 4300 digits).

    >>> int_to_text(-10 ** 5000)[:5], len(int_to_text(10 ** 5000))
    ('-1000', 5001)
    """
    if n < 0:
        return "-" + int_to_text(-n)
    if n.bit_length() <= 3 * _SAFE_DIGITS:   # 2^(3k) < 10^k: at most _SAFE_DIGITS digits
        return str(n)
    half = int(n.bit_length() * 0.30103) // 2   # about half of n's digits
    high, low = divmod(n, 10 ** half)
    return int_to_text(high) + int_to_text(low).rjust(half, "0")


def _parse_text(value: str, where: str) -> Fraction:
    """Exact value of "p/q" or a decimal literal (sign, digits, point, exponent), ASCII only."""
    text = value.strip()
    if not text:
        raise _refuse(value, where, "empty entry")
    match = _NUMBER.fullmatch(text)
    if match is None:
        if text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
            raise _refuse(value, where, "NaN and infinities are not allowed")
        raise _refuse(value, where, "not a number")
    sign = -1 if match["sign"] == "-" else 1
    if match["numerator"] is not None:
        if len(match["numerator"]) + len(match["denominator"]) > 2 * MAX_DIGITS:
            raise _refuse(value, where, f"more than {MAX_DIGITS} digits")
        denominator = _digits_to_int(match["denominator"])
        if denominator == 0:
            raise _refuse(value, where, "zero denominator")
        return Fraction(sign * _digits_to_int(match["numerator"]), denominator)
    digits = (match["integer"] + (match["fraction"] or "")).lstrip("0")
    if not digits:
        return Fraction(0)   # 0, -0.0, 0e99999999: zero whatever the exponent
    exponent_text = match["exponent"] or "0"
    if len(exponent_text.lstrip("+-").lstrip("0")) > len(str(MAX_DIGITS)):
        raise _refuse(value, where, f"exponent too large (relugeom reads exact numbers of at "
                                    f"most {MAX_DIGITS} digits)")
    exponent = int(exponent_text) - len(match["fraction"] or "")
    if len(digits) + abs(exponent) > MAX_DIGITS:
        raise _refuse(value, where, f"its exact value would have about "
                                    f"{len(digits) + abs(exponent)} digits (relugeom reads "
                                    f"exact numbers of at most {MAX_DIGITS} digits)")
    mantissa = sign * _digits_to_int(digits)
    if exponent >= 0:
        return Fraction(mantissa * 10 ** exponent)
    return Fraction(mantissa, 10 ** -exponent)


def to_rational(value: Any, where: str = "") -> Fraction:
    """Return ``value`` as an exact :class:`~fractions.Fraction`.

    ``where`` names the entry in error messages, e.g. ``"W[2][0]"``.

    >>> to_rational("0.1"), to_rational(0.5), to_rational("3/7")
    (Fraction(1, 10), Fraction(1, 2), Fraction(3, 7))
    """
    if isinstance(value, (bool, np.bool_)):
        raise _refuse(value, where, "a boolean is not a number")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, (int, np.integer)):
        return Fraction(int(value))
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            raise _refuse(value, where, "NaN and infinities are not allowed")
        # as_integer_ratio is exact for every width (float16 … longdouble); float() would round
        # a longdouble to float64
        return Fraction(*value.as_integer_ratio())
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _refuse(value, where, "NaN and infinities are not allowed")
        return Fraction(value)
    if isinstance(value, numbers.Rational):
        return Fraction(int(value.numerator), int(value.denominator))
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return to_rational(value[()], where)
    if isinstance(value, str):
        return _parse_text(value, where)
    raise _refuse(value, where, f"not a number ({type(value).__name__})")


#: Integers of more digits than this (Python's default int-to-text limit) are written to JSON as
#: strings of digits even where the limit is lifted, so that any Python reads the JSON back.
JSON_INT_DIGITS = getattr(sys.int_info, "default_max_str_digits", 4300) or 4300


class ExactInteger(int):
    """A whole exact rational as :func:`to_json_number` returns it: an ``int`` for every use
    (arithmetic, comparison, network files), marked as exact so that a ``--json`` report,
    built by :func:`relugeom.exact.jsonable.jsonable`, writes it as a string like every other
    exact value ("3", never 3; see the README, *JSON output*)."""

    __slots__ = ()


def exact_text(q: Any) -> str:
    """The exact text of a rational of any size: "p/q" in lowest terms with q > 0, or "p"
    when whole. This is how every exact value appears in a ``--json`` report.

    >>> exact_text(Fraction(-6, 4)), exact_text(3), len(exact_text(Fraction(10 ** 5000, 3)))
    ('-3/2', '3', 5003)
    """
    q = Fraction(q)
    text = int_to_text(q.numerator)
    return text if q.denominator == 1 else f"{text}/{int_to_text(q.denominator)}"


def to_json_number(q: Fraction) -> int | str:
    """JSON form of an exact rational: an int when integral (an :class:`ExactInteger`, which
    ``--json`` reports write as a string), else the string ``"p/q"``.

    An integer of more than :data:`JSON_INT_DIGITS` (4300) digits, which Python's json module
    neither writes nor reads under its default int-to-text limit, is written as the string of
    its digits, which :func:`to_rational` reads back exactly; so is one beyond a lower limit in
    force (sys.set_int_max_str_digits). A lifted limit (0, as on the command line) changes
    nothing: the output stays readable by a default Python.

    >>> to_json_number(Fraction(6, 4)), to_json_number(Fraction(-3))
    ('3/2', -3)
    >>> big, fits = to_json_number(Fraction(10 ** 5000)), to_json_number(Fraction(10 ** 4299))
    >>> len(big), fits == 10 ** 4299
    (5001, True)
    """
    q = Fraction(q)
    if q.denominator == 1:
        n = q.numerator
        limit = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 0
        digits = min(limit, JSON_INT_DIGITS) if limit else JSON_INT_DIGITS
        # 2^(3k) < 10^k: at most 3·digits bits means at most that many decimal digits
        if abs(n).bit_length() <= 3 * digits:
            return ExactInteger(n)
        text = int_to_text(n)
        return ExactInteger(n) if len(text.lstrip("-")) <= digits else text
    return exact_text(q)


def rational_vector(values: Any, name: str, length: int | None = None) -> tuple:
    """Exact vector from a sequence; ``name`` is used in messages (``"b"``, ``"c"``)."""
    if isinstance(values, np.ndarray):
        if values.ndim != 1:
            raise InputError(f"{name} must be a vector, got an array of shape {values.shape}")
        values = list(values)
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise InputError(f"{name} must be a list of numbers, got {type(values).__name__}")
    vec = tuple(to_rational(v, f"{name}[{i}]") for i, v in enumerate(values))
    if length is not None and len(vec) != length:
        raise InputError(f"{name} has {len(vec)} entries, expected {length}")
    return vec


def rational_matrix(rows: Any, name: str, shape: tuple | None = None) -> tuple:
    """Exact matrix (tuple of row tuples) from nested sequences or a 2-D array.

    ``shape`` may fix either dimension (``None`` for free); a ragged row, a scalar where a row
    is expected, or a mismatch is named in the message.
    """
    if isinstance(rows, np.ndarray):
        if rows.ndim != 2:
            raise InputError(f"{name} must be a matrix (2-D), got an array of shape {rows.shape}")
        rows = [list(r) for r in rows]
    if isinstance(rows, (str, bytes)) or not isinstance(rows, Sequence):
        raise InputError(f"{name} must be a list of rows, got {type(rows).__name__}")
    out = []
    width = None
    for i, row in enumerate(rows):
        if isinstance(row, (str, bytes)) or not isinstance(row, (Sequence, np.ndarray)):
            raise InputError(f"{name}[{i}] must be a row (a list of numbers), got "
                             f"{_shown(row)}")
        converted = tuple(to_rational(v, f"{name}[{i}][{k}]") for k, v in enumerate(row))
        if width is None:
            width = len(converted)
        elif len(converted) != width:
            raise InputError(f"{name} is ragged: row 0 has {width} entries but row {i} has "
                             f"{len(converted)}")
        out.append(converted)
    if shape is not None:
        want_rows, want_cols = shape
        if want_rows is not None and len(out) != want_rows:
            raise InputError(f"{name} has {len(out)} rows, expected {want_rows}")
        if want_cols is not None and out and width != want_cols:
            raise InputError(f"{name} has {width} columns, expected {want_cols}")
    return tuple(out)


def _json_constant(token: str) -> float:
    return float(token)  # NaN / Infinity: refused later by to_rational, which knows the entry


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise InputError(f"key {repeated[0]!r} appears twice in one JSON object, so it is "
                         "ambiguous which value is meant")
    return dict(pairs)


def parse_json(text: str, source: str = "JSON") -> Any:
    """Parse JSON keeping every number exact (``0.1`` becomes ``Fraction(1, 10)``).

    Decimal and integer literals of any length are read exactly (see :data:`MAX_DIGITS`); a
    key repeated in one object, nesting too deep to parse, and invalid JSON are refused. A
    leading byte-order mark (U+FEFF, as some editors write) is skipped.

    >>> parse_json('{"a": [0.1, 1e400, -7]}')["a"][0]
    Fraction(1, 10)
    >>> parse_json('\\ufeff[1]')
    [1]
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        return json.loads(text, parse_float=lambda t: _parse_text(t, "a JSON number"),
                          parse_int=_parse_int, parse_constant=_json_constant,
                          object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source} is not valid JSON: {exc.msg} at line {exc.lineno}, "
                         f"column {exc.colno}") from None
    except RecursionError:
        raise InputError(f"{source} is nested too deeply to be read (a network or sample is "
                         "at most a list of lists)") from None
    except InputError as exc:
        raise InputError(f"{source}: {exc}") from None


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise _refuse(text, "a JSON integer", f"more than {MAX_DIGITS} digits")
    return -_digits_to_int(text[1:]) if text.startswith("-") else _digits_to_int(text)


def common_denominator(values: Sequence) -> int:
    """Least common multiple of the denominators of exact numbers (ints count as p/1; 1 for an
    empty sequence)."""
    return math.lcm(*(getattr(q, "denominator", 1) for q in values))


def polynomial_text(coefficients: Sequence, variable: str = "t") -> str:
    """A polynomial given by its coefficients (index = power) as text, highest power first.

    >>> polynomial_text([6, -4, 1]), polynomial_text([-1, 0, 2]), polynomial_text([0])
    ('t^2 - 4t + 6', '2t^2 - 1', '0')
    """
    terms = []
    for k in range(len(coefficients) - 1, -1, -1):
        c = Fraction(coefficients[k])
        if c == 0:
            continue
        body = "" if (abs(c) == 1 and k) else str(abs(c))
        if k:
            body += variable + (f"^{k}" if k > 1 else "")
        terms.append(("-" if c < 0 else "+", body))
    if not terms:
        return "0"
    text = ("-" if terms[0][0] == "-" else "") + terms[0][1]
    return text + "".join(f" {sign} {body}" for sign, body in terms[1:])


def describe_value(q: Fraction) -> str:
    """Short exact name of a rational: "2^-45", "-3/4", else a float approximation "≈1.2e-07"."""
    q = Fraction(q)
    a = abs(q)
    sign = "-" if q < 0 else ""
    if a and a.numerator & (a.numerator - 1) == 0 and a.denominator & (a.denominator - 1) == 0:
        e = a.numerator.bit_length() - a.denominator.bit_length()
        if abs(e) > 6:
            return f"{sign}2^{e}"
    if a.denominator < 1000 and a.numerator < 10 ** 6:
        return str(q)
    return f"≈{sign}{scientific_text(a, 2)}"


def scientific_text(q: Any, digits: int = 6) -> str:
    """``q`` to ``digits`` significant digits as ``format(float(q), ".6g")`` writes it (for
    ``digits`` = 6) inside the float64 range, and as "1.41421e+350" or "1e-400" outside it,
    where float() would overflow or underflow to 0. NUMERIC text, for reading only.

    >>> scientific_text(Fraction(1, 3)), scientific_text(Fraction(2 * 10 ** 400, 3))
    ('0.333333', '6.66667e+399')
    >>> scientific_text(Fraction(1, 10 ** 400), 2), scientific_text(Fraction(123456), 2)
    ('1e-400', '1.2e+05')
    """
    q = Fraction(q)
    try:
        f = float(q)
    except OverflowError:
        f = math.inf
    if math.isfinite(f) and (f != 0 or q == 0):
        return format(f, f".{digits}g")
    sign, a = ("-" if q < 0 else ""), abs(q)
    e = int((a.numerator.bit_length() - a.denominator.bit_length()) * 0.30102999566398120)
    while Fraction(10) ** e > a:
        e -= 1
    while Fraction(10) ** (e + 1) <= a:
        e += 1
    mantissa = round(a / Fraction(10) ** (e - digits + 1))   # digits significant digits
    if mantissa >= 10 ** digits:
        mantissa, e = round(Fraction(mantissa, 10)), e + 1
    text = str(mantissa)
    text = (text[0] + "." + text[1:]).rstrip("0").rstrip(".")
    return f"{sign}{text}e{e:+03d}"
