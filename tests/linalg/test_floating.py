"""Float ranks (relugeom.linalg.floating): numpy's rule as numpy applies it, and the singular
value gap."""

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from relugeom.linalg.floating import numeric_rank, singular_value_gap


@given(st.integers(1, 6), st.integers(1, 6), st.integers(0, 2 ** 31), st.integers(0, 60))
def test_numpy_rule_is_numpys(rows, cols, seed, exponent):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((rows, cols))
    A[:, 0] *= 2.0 ** -exponent  # one column scaled toward and past the tolerance
    assert numeric_rank(A) == np.linalg.matrix_rank(A)
    S = np.linalg.svd(A, compute_uv=False)
    assert numeric_rank(A, rtol=1e-8) == int((S > 1e-8 * S.max()).sum())


def test_gap():
    S = np.array([4.0, 2.0, 1e-10, 0.0])
    assert singular_value_gap(S, 2) == 2e10
    assert singular_value_gap(S, 3) == math.inf
    assert singular_value_gap(S, 0) is None and singular_value_gap(S, 4) is None
