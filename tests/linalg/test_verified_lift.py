"""The verified kernel's budgets (relugeom.linalg.verified): when Hadamard's bound refuses the
lift but one vector fits, one vector is lifted first and the rest predicted from its height;
the result is exact and equals exact elimination. A lift above MAX_WORK is not started."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom import linalg
from relugeom.linalg import verified
from relugeom.linalg.verified import verified_kernel


def low_rank(seed: int, n: int, rank: int, cols: int) -> np.ndarray:
    """Of the given rank exactly (integer factors, each row scaled by a power of two), kernel
    dimension cols − rank ≥ 2 (so that the probe path runs: several vectors to lift)."""
    rng = np.random.default_rng(seed)
    A = (rng.integers(-10 ** 6, 10 ** 6, (n, rank)) @ rng.integers(-3, 4, (rank, cols)))
    return A.astype(float) * 2.0 ** rng.integers(-40, 40, (n, 1))


def exactly(A: np.ndarray) -> list:
    """The exact binary values of a float matrix as Fractions."""
    return [[Fraction(float(v)) for v in row] for row in A]


@given(st.integers(0, 10_000), st.integers(2, 6), st.integers(3, 9))
def test_the_probe_then_the_rest_equals_exact_elimination(seed, rank, extra):
    A = low_rank(seed, rank + 2, rank, rank + extra)
    exact = linalg.rank(exactly(A), A.shape[1])
    hadamard = verified.predicted_bits
    # Hadamard refuses several vectors, one fits: the probe path
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(verified, "predicted_bits",
                      lambda B, count: hadamard(B, count) * (10 ** 9 if count > 1 else 1))
        result = verified_kernel(A, side="right", max_bits=10 ** 8)
    assert result.exact and result.rank == exact
    assert len(result.basis) == A.shape[1] - exact
    assert verified.verify_kernel(A, result.basis)


def test_no_lift_above_the_work_budget(monkeypatch):
    A = low_rank(1, 6, 4, 9)
    monkeypatch.setattr(verified, "MAX_WORK", 1.0)
    result = verified_kernel(A, side="right")
    assert not result.exact and "word operations" in result.detail
    assert result.rank <= linalg.rank(exactly(A), 9)
