"""Exact rank and kernel over Q (relugeom.linalg): every backend gives the same answer, the
kernel basis is a kernel, and the edge cases (no rows, fractions, an unknown backend)."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom import InputError, jacobian, linalg, local_dimension
from relugeom.search.strategies import network_and_sample


@given(network_and_sample(output_dim=(1, 2), n=(1, 6), features=["duplicate"]))
def test_kernel_basis_is_a_kernel(pair):
    net, X = pair
    J = jacobian(net, X)
    basis = linalg.nullspace(J)
    assert len(basis) == net.n_parameters - local_dimension(net, X)
    for u in basis:
        assert all(sum(a * b for a, b in zip(row, u)) == 0 for row in J)
    for backend in linalg.available_backends():
        assert linalg.nullspace(J, backend=backend) == basis


def test_linalg_edge_cases():
    assert linalg.rank([], 3) == 0
    assert linalg.nullspace([], 2) == [(1, 0), (0, 1)]
    assert linalg.rank([[Fraction(1, 3), Fraction(2, 3)], [1, 2]]) == 1
    with pytest.raises(ValueError, match="unknown exact backend"):
        linalg.rank([[1]], backend="magic")


@given(st.lists(st.lists(st.floats(-4, 4, allow_subnormal=False).map(lambda v: round(v * 8) / 8
                                                                      + v / 2 ** 30),
                         min_size=3, max_size=3), min_size=1, max_size=4),
       st.lists(st.integers(-2, 2), min_size=4, max_size=4))
def test_float_entries_are_read_exactly(rows, mix):
    """Floats (Python and numpy) are their exact binary values, never truncated: a row added
    as an exact combination of the others keeps the rank of the Fractions."""
    combined = [sum(c * row[j] for c, row in zip(mix, rows)) for j in range(3)]
    A = rows + [combined]
    exact = [[Fraction(v) for v in row] for row in A]
    assert linalg.rank(A) == linalg.rank(exact) == linalg.rank(np.array(A))
    assert linalg.nullspace(A) == linalg.nullspace(exact)
    with pytest.raises(InputError, match="row 0, column 1"):
        linalg.rank([[1.0, float("nan")]])
