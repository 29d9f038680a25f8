"""Float ranks, labelled NUMERIC: singular values, numpy's tolerance rule and the gap.

These are what float64 tools report (``numpy.linalg.matrix_rank``); relugeom shows them beside
the exact rank, never in its place.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

NUMPY_RULE = "numpy's rule S.max()·max(shape)·eps"
EPS = float(np.finfo(float).eps)


def singular_values(J: Any) -> np.ndarray:
    """σ_1 ≥ σ_2 ≥ … of a float matrix (an empty array for an empty matrix)."""
    J = np.asarray(J, dtype=float)
    if J.size == 0:
        return np.zeros(0)
    return np.linalg.svd(J, compute_uv=False)


def numpy_tolerance(S: np.ndarray, shape: tuple[int, int]) -> float:
    """numpy's default: S.max()·max(shape)·eps."""
    return float(S.max()) * max(shape) * EPS if S.size else 0.0


def numeric_rank(J: Any, rtol: float | None = None) -> int:
    """NUMERIC rank: #{σ > tol}, tol = numpy's S.max()·max(shape)·eps, or rtol·S.max() if given.

    >>> numeric_rank([[1, 0], [0, 1e-20]]), numeric_rank([[1, 0], [0, 1e-6]], rtol=1e-3)
    (1, 1)
    """
    J = np.asarray(J, dtype=float)
    S = singular_values(J)
    tol = numpy_tolerance(S, J.shape) if rtol is None else rtol * (float(S.max()) if S.size else 0)
    return int((S > tol).sum())


def singular_value_gap(S: np.ndarray, r: int) -> float | None:
    """σ_r / σ_{r+1} (1-based) at rank r; ``inf`` if σ_{r+1} = 0; None if either is missing."""
    if r <= 0 or r >= len(S):
        return None
    return math.inf if S[r] == 0 else float(S[r - 1] / S[r])
