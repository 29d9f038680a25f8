"""T3 of DESIGN §2: the local dimension is invariant under the symmetries of the network.

Permuting hidden neurons and rescaling (w_j, b_j, v_j) → (λw_j, λb_j, v_j/λ), λ > 0, leave f
unchanged; the check applies one seeded permutation and one rescaling of every neuron (by
distinct factors, powers of 2 and others), verifies exactly that f_θ(X) did not change, and
recomputes the exact local dimension of both transformed networks.
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

from ..dimension import local_dimension
from ..numbers import to_json_number
from .verdict import Outcome, fails, holds, theorem


def symmetry_moves(N: int, seed: int = 0) -> tuple[list[int], list[Fraction]]:
    """A deterministic permutation of range(N) (not the identity if N ≥ 2), N factors λ_j > 0."""
    perm = list(range(N))
    random.Random(seed).shuffle(perm)
    if N >= 2 and perm == sorted(perm):
        perm = perm[1:] + perm[:1]
    factors = [Fraction(2) ** -(j + 1) if j % 2 == 0 else Fraction(j + 2, 3) for j in range(N)]
    return perm, factors


@theorem("T3", "invariance", "dim is unchanged by permuting hidden neurons and by positive "
         "rescaling (w_j, b_j, v_j) → (λw_j, λb_j, v_j/λ)")
def invariance(a: Any) -> Outcome:
    net, dim = a.network, a.local_dimension
    perm, factors = symmetry_moves(net.hidden_width)
    rescaled = net
    for j, lam in enumerate(factors):
        rescaled = rescaled.rescale(j, lam)
    moves = [("permutation", net.permute(perm), {"permutation": perm}),
             ("rescaling", rescaled, {"factors": [to_json_number(q) for q in factors]})]
    for name, other, move in moves:
        for i, x in enumerate(a.X):
            if other(x) != net(x):
                return fails(f"the {name} changed f at sample {i}: a bug in the symmetry action",
                             sample=i, **move)
        other_dim = local_dimension(other, a.X, relu_prime_at_zero=a.relu_prime_at_zero,
                                    backend=a.backend)
        if other_dim != dim:
            return fails(f"dim = {dim} for θ but {other_dim} after the {name} {move}",
                         local_dimension=dim, transformed_dimension=other_dim, move=name, **move)
    return holds(f"dim = {dim} for θ, for θ with neurons permuted by {perm}, and for θ with every "
                 "neuron rescaled (λ_j = " + ", ".join(str(q) for q in factors[:6])
                 + (", …" if len(factors) > 6 else "") + "); f_θ(X) unchanged exactly")
