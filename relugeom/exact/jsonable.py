"""Plain JSON values from exact results: what ``--json`` prints and search reports store."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from .numbers import to_json_number


def jsonable(value: Any) -> Any:
    """Fractions become ints or "p/q" strings, tuples lists, recursively; a float NaN becomes
    null and ±inf the strings "inf" / "-inf" (strict JSON has neither)."""
    if isinstance(value, Fraction):
        return to_json_number(value)
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
