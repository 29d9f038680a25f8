"""Exact rank and kernel over Q (relugeom.linalg): every backend gives the same answer, the
kernel basis is a kernel, and the edge cases (no rows, fractions, an unknown backend)."""

from fractions import Fraction

import pytest
from hypothesis import given

from relugeom import jacobian, linalg, local_dimension
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
