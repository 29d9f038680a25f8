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
"""

from __future__ import annotations

import json
import math
import numbers
from decimal import Decimal
from fractions import Fraction
from typing import Any, Sequence

import numpy as np

from .errors import InputError

Rational = Fraction
Vector = tuple  # tuple[Fraction, ...]
Matrix = tuple  # tuple[tuple[Fraction, ...], ...]


def _refuse(value: Any, where: str, why: str) -> InputError:
    place = f"{where}: " if where else ""
    return InputError(f"{place}{why} (got {value!r}); entries must be finite numbers: integers, "
                      "decimals such as -0.125 or 1e-3, or fractions p/q")


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
        return Fraction(float(value)) if isinstance(value, np.floating) else Fraction(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _refuse(value, where, "NaN and infinities are not allowed")
        return Fraction(value)
    if isinstance(value, numbers.Rational):
        return Fraction(int(value.numerator), int(value.denominator))
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return to_rational(value[()], where)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise _refuse(value, where, "empty entry")
        try:
            return Fraction(text)
        except (ValueError, ZeroDivisionError):
            lowered = text.lower().lstrip("+-")
            if lowered in ("nan", "inf", "infinity"):
                raise _refuse(value, where, "NaN and infinities are not allowed") from None
            if "/" in text and text.split("/")[-1].strip() in ("0", "+0", "-0"):
                raise _refuse(value, where, "zero denominator") from None
            raise _refuse(value, where, "not a number") from None
    raise _refuse(value, where, f"not a number ({type(value).__name__})")


def to_json_number(q: Fraction) -> int | str:
    """JSON form of an exact rational: an int when integral, else the string ``"p/q"``."""
    return q.numerator if q.denominator == 1 else f"{q.numerator}/{q.denominator}"


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
            raise InputError(f"{name}[{i}] must be a row (a list of numbers), got {row!r}")
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


def parse_json(text: str, source: str = "JSON") -> Any:
    """Parse JSON keeping every decimal literal exact (``0.1`` becomes ``Fraction(1, 10)``)."""
    try:
        return json.loads(text, parse_float=Fraction, parse_constant=_json_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source} is not valid JSON: {exc.msg} at line {exc.lineno}, "
                         f"column {exc.colno}") from None


def common_denominator(values: Sequence[Fraction]) -> int:
    """Least common multiple of the denominators (1 for an empty sequence)."""
    lcm = 1
    for q in values:
        lcm = math.lcm(lcm, q.denominator)
    return lcm
