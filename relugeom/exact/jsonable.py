"""Plain JSON values from exact results: what ``--json`` prints and search reports store.

The one rule of every ``--json`` report (README, *JSON output*): an exact rational is a string,
"p/q" or "p" when whole, whatever its value, so that a field never changes type between runs;
integers by definition (counts, sizes, indices, dimensions, ranks, bounds, 0/1 activations,
seeds) are JSON integers; float64 values are JSON numbers only in fields labelled numeric.
Exact values reach a report as :class:`~fractions.Fraction` or as what
:func:`~relugeom.exact.numbers.to_json_number` returns (an
:class:`~relugeom.exact.numbers.ExactInteger` when whole, else a string): both are written
here as strings, so every ``to_dict`` keeps working unchanged.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from .numbers import ExactInteger, exact_text


def jsonable(value: Any) -> Any:
    """Exact rationals (Fractions and :class:`~relugeom.exact.numbers.ExactInteger`) become
    strings "p/q" or "p", tuples lists, recursively; a float NaN becomes null and ±inf the
    strings "inf" / "-inf" (strict JSON has neither).

    >>> jsonable({"t": Fraction(1, 2), "point": [Fraction(3), 4], "n": 4})
    {'t': '1/2', 'point': ['3', 4], 'n': 4}
    """
    if isinstance(value, (Fraction, ExactInteger)):
        return exact_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "to_dict"):
        return jsonable(value.to_dict())
    return value


def float_json(x: float | None) -> Any:
    """A float for strict JSON: ±inf become the strings "inf" / "-inf" (None and finite kept)."""
    if x is None or math.isfinite(x):
        return x
    return "inf" if x > 0 else "-inf"
