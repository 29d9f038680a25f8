"""The local dimension dim(θ, X) = rank_Q J(θ, X), exactly."""

from __future__ import annotations

from typing import Any

from . import linalg
from .jacobian import jacobian
from .patterns import ReluPrime
from .sample import as_sample


def local_dimension(network: Any, X: Any, *, relu_prime_at_zero: ReluPrime = "error",
                    backend: str = "auto") -> int:
    """Exact rank over Q of the Jacobian of θ ↦ f_θ(X) (the batch functional dimension).

    ``backend`` picks the exact linear algebra ("flint", "sympy" or "auto"); the answer does not
    depend on it. Cost: building J is O(n·m·P); its rank is one fraction-free elimination.

    >>> from relugeom import ShallowNetwork
    >>> net = ShallowNetwork(W=[[1], [1]], b=[0, 0], V=[[1, 1]], c=[0])
    >>> local_dimension(net, [[1], [2], [3]])   # two neurons on one hyperplane
    2
    """
    sample = as_sample(X, network.input_dim)
    J = jacobian(network, sample, relu_prime_at_zero)
    return linalg.rank(J, network.n_parameters, backend=backend)
