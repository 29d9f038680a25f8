"""The Jacobian of θ ↦ f_θ(X), exact and in floats.

J(θ, X) ∈ Q^{(n·m)×P}; row i·m + k is ∂f_k(x_i)/∂θ, and the columns follow θ = (W row-major,
b, V row-major, c):

    column j·d + l          ∂/∂W_jl = V_kj s_ij x_il
    column N·d + j          ∂/∂b_j  = V_kj s_ij
    column N·d + N + k'·N + j  ∂/∂V_k'j = [k' = k] relu(z_ij)
    column N·d + N + m·N + k'  ∂/∂c_k'  = [k' = k]
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from ..model.deep import DeepNetwork
from ..model.network import Network, float_layers
from ..model.patterns import ReluPrime, patterns_from_preactivations, preactivations
from ..model.sample import as_sample
from .backprop import deep_jacobian, numeric_deep_jacobian


def jacobian(network: Network, X: Any,
             relu_prime_at_zero: ReluPrime = "error") -> list[list[Fraction]]:
    """Exact Jacobian J(θ, X) as a list of n·m rows of P Fractions.

    Cost: O(n·m·P) exact entries.

    >>> from relugeom import ShallowNetwork
    >>> net = ShallowNetwork(W=[[1]], b=[0], V=[[2]], c=[0])
    >>> jacobian(net, ((3,),))
    [[Fraction(6, 1), Fraction(2, 1), Fraction(3, 1), Fraction(1, 1)]]

    A :class:`~relugeom.model.deep.DeepNetwork` is differentiated by exact backpropagation
    (:func:`relugeom.rank.backprop.deep_jacobian`; columns in its θ order).
    """
    if isinstance(network, DeepNetwork):
        return deep_jacobian(network, X, relu_prime_at_zero)
    X = as_sample(X, network.input_dim)  # floats at their exact binary values, not multiplied
    Z = preactivations(network, X)
    S = patterns_from_preactivations(Z, relu_prime_at_zero)
    N, m = network.hidden_width, network.output_dim
    zero, one = Fraction(0), Fraction(1)
    rows = []
    for x, z, s in zip(X, Z, S):
        hidden = [zj if zj > 0 else zero for zj in z]
        for k in range(m):
            gates = [network.V[k][j] if s[j] else zero for j in range(N)]
            row = [g * xl for g in gates for xl in x]
            row += gates
            for k2 in range(m):
                row += hidden if k2 == k else [zero] * N
            row += [one if k2 == k else zero for k2 in range(m)]
            rows.append(row)
    return rows


def numeric_jacobian(network: Network, X: Any) -> np.ndarray:
    """Float64 Jacobian, computed entirely in floats as numeric tools do (NUMERIC, not exact).

    Patterns are the float patterns [float(z_ij) > 0], so a sample within rounding of a
    hyperplane may get a different pattern than the exact one.
    """
    if isinstance(network, DeepNetwork):
        return numeric_deep_jacobian(network, X)
    (W, b), (V, _) = float_layers(network)
    Xf = np.array(X, dtype=float)
    n, d = Xf.shape
    N, m = W.shape[0], V.shape[0]
    Z = Xf @ W.T + b
    S = (Z > 0).astype(float)
    H = np.maximum(Z, 0.0)
    J = np.zeros((n, m, N * d + N + m * N + m))
    for k in range(m):
        gates = S * V[k]  # n × N
        J[:, k, :N * d] = (gates[:, :, None] * Xf[:, None, :]).reshape(n, N * d)
        J[:, k, N * d:N * d + N] = gates
        J[:, k, N * d + N + k * N:N * d + N + (k + 1) * N] = H
        J[:, k, N * d + N + m * N + k] = 1.0
    return J.reshape(n * m, -1)
