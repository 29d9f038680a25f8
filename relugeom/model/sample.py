"""Samples X = (x_1, ..., x_n), x_i ∈ Q^d, stored as a tuple of row tuples of Fractions."""

from __future__ import annotations

from typing import Any

from ..errors import InputError
from ..exact.numbers import rational_matrix, to_json_number


def as_sample(X: Any, input_dim: int | None = None, name: str = "X") -> tuple:
    """Exact sample from nested sequences or a 2-D array, checked against ``input_dim``.

    >>> as_sample([[1, "0.5"]], input_dim=2)
    ((Fraction(1, 1), Fraction(1, 2)),)
    """
    rows = rational_matrix(X, name)
    if not rows:
        raise InputError(f"{name} is empty: the sample needs at least one point")
    d = len(rows[0])
    if d == 0:
        raise InputError(f"{name} has points with no coordinates")
    if input_dim is not None and d != input_dim:
        raise InputError(f"{name} has {d} column(s) per sample but the network's input dimension "
                         f"is {input_dim}")
    return rows


def sample_to_dict(X: tuple) -> dict[str, Any]:
    """JSON-ready {"X": [[..]]} with exact entries."""
    return {"X": [[to_json_number(q) for q in x] for x in X]}
