"""Activation patterns of a sample, exactly.

Pre-activation z_ij = w_j·x_i + b_j; the activation pattern of x_i is s_i ∈ {0,1}^N with
s_ij = [z_ij > 0]. If some z_ij = 0, ReLU is not differentiable there and neither is θ ↦ f_θ(X):
by default this is an error naming the sample and the neuron. ``relu_prime_at_zero=0`` or ``1``
chooses a one-sided convention instead (PyTorch uses 0); reports say which was used.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Union

from ..errors import BoundaryError, InputError

ReluPrime = Union[str, int]


def check_relu_prime(relu_prime_at_zero: Any) -> ReluPrime:
    """Validate the convention for relu'(0): "error" (default), 0 or 1."""
    if isinstance(relu_prime_at_zero, str) and relu_prime_at_zero in ("0", "1"):
        return int(relu_prime_at_zero)
    if relu_prime_at_zero == "error":
        return "error"
    if relu_prime_at_zero in (0, 1) and isinstance(relu_prime_at_zero, int) \
            and not isinstance(relu_prime_at_zero, bool):
        return int(relu_prime_at_zero)
    raise InputError(f"relu_prime_at_zero must be 'error', 0 or 1, got {relu_prime_at_zero!r}")


def preactivations(network: Any, X: tuple) -> list[list[Fraction]]:
    """The n × N matrix of hidden pre-activations z_ij = w_j·x_i + b_j."""
    return [[sum((w * xi for w, xi in zip(row, x)), bj) for row, bj in zip(network.W, network.b)]
            for x in X]


def patterns_from_preactivations(Z: list[list[Fraction]], relu_prime_at_zero: ReluPrime = "error",
                                 layer: int = 1) -> tuple[tuple[int, ...], ...]:
    """s_ij = [z_ij > 0], with z_ij = 0 resolved by the convention (or refused)."""
    convention = check_relu_prime(relu_prime_at_zero)
    patterns = []
    for i, z in enumerate(Z):
        row = []
        for j, value in enumerate(z):
            if value == 0:
                if convention == "error":
                    raise BoundaryError(sample=i, neuron=j, layer=layer, value=Fraction(value))
                row.append(convention)
            else:
                row.append(1 if value > 0 else 0)
        patterns.append(tuple(row))
    return tuple(patterns)


def activation_patterns(network: Any, X: tuple,
                        relu_prime_at_zero: ReluPrime = "error") -> tuple[tuple[int, ...], ...]:
    """The activation pattern s_i ∈ {0,1}^N of each sample.

    Cost: O(n·N·d) exact multiplications.

    >>> from relugeom import ShallowNetwork
    >>> net = ShallowNetwork(W=[[1], [-1]], b=[0, 0], V=[[1, 1]], c=[0])
    >>> activation_patterns(net, ((2,), (-1,)))
    ((1, 0), (0, 1))
    """
    return patterns_from_preactivations(preactivations(network, X), relu_prime_at_zero)


def distinct_patterns(patterns: tuple) -> list[tuple[int, ...]]:
    """The activation regions perceived, in order of first appearance in the sample."""
    return list(dict.fromkeys(patterns))
