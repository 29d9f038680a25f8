"""T3 of docs/theory.md: the local dimension is invariant under the symmetries of the network.

Permuting hidden neurons and rescaling (w_j, b_j, v_j) → (λw_j, λb_j, v_j/λ), λ > 0, leave f
unchanged; the check applies one seeded permutation and one rescaling of every neuron (by
distinct factors, powers of 2 and others), verifies exactly that f_θ(X) did not change, and
recomputes the exact local dimension of both transformed networks.

At any depth the symmetries act layer by layer: a permutation of the neurons of each hidden
layer l (rows of W_l and b_l, columns of W_{l+1}), and a rescaling of each neuron j of each
hidden layer (row j of W_l, b_l[j], column j of W_{l+1}) → (λ·row, λ·b_l[j], column/λ).
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

from ..exact.numbers import to_json_number
from ..model.deep import DeepNetwork, as_deep
from ..rank.backprop import layer_preactivations
from ..rank.dimension import local_dimension
from .verdict import Outcome, deep_form, fails, holds, not_applicable, theorem


def symmetry_moves(N: int, seed: int = 0) -> tuple[list[int], list[Fraction]]:
    """A deterministic permutation of range(N) (not the identity if N ≥ 2), N factors λ_j > 0."""
    perm = list(range(N))
    random.Random(seed).shuffle(perm)
    if N >= 2 and perm == sorted(perm):
        perm = perm[1:] + perm[:1]
    factors = [Fraction(2) ** -(j + 1) if j % 2 == 0 else Fraction(j + 2, 3) for j in range(N)]
    return perm, factors


def _exact_method(a: Any) -> str:
    """The rank method for the transformed network: "exact" if the analysis forces
    elimination, else "auto" (certified exact or refused: never a bare modular bound)."""
    return "exact" if getattr(a, "method", "auto") == "exact" else "auto"


def _first_difference(a: Any, moves: list, what: Any) -> Outcome | None:
    """The first move (name, transformed network, description) that changes f_θ(X) or the
    dimension, as a failure (``what(name, move)`` names it in the message); None if none.

    The transformed network's rank is refused rather than eliminated when "auto" finds no
    certificate (the verdict is then undecided), as for θ itself."""
    dim = a.local_dimension
    outputs = layer_preactivations(as_deep(a.network), a.X)[-1]   # f_θ(X), one exact pass
    for name, other, move in moves:
        changed = [i for i, (y, z) in enumerate(zip(layer_preactivations(as_deep(other),
                                                                         a.X)[-1], outputs))
                   if y != z]
        if changed:
            return fails(f"the {name} changed f at sample {changed[0]}: a bug in the symmetry "
                         "action", sample=changed[0], **move)
        other_dim = local_dimension(other, a.X, relu_prime_at_zero=a.relu_prime_at_zero,
                                    backend=a.backend, method=_exact_method(a),
                                    fallback="interval")
        if other_dim != dim:
            return fails(f"dim = {dim} for θ but {other_dim} after the {what(name, move)}",
                         local_dimension=dim, transformed_dimension=other_dim, move=name, **move)
    return None


@theorem("T3", "invariance", "dim is unchanged by permuting hidden neurons and by positive "
         "rescaling (w_j, b_j, v_j) → (λw_j, λb_j, v_j/λ)")
def invariance(a: Any) -> Outcome:
    net, dim = a.network, a.local_dimension
    perm, factors = symmetry_moves(net.hidden_width)
    # every neuron at once (as ShallowNetwork.rescale does one neuron): one network, not N
    rescaled = rescale_layers(as_deep(net), [factors]).to_shallow()
    moves = [("permutation", net.permute(perm), {"permutation": perm}),
             ("rescaling", rescaled, {"factors": [to_json_number(q) for q in factors]})]
    failure = _first_difference(a, moves, lambda name, move: f"{name} {move}")
    if failure is not None:
        return failure
    return holds(f"dim = {dim} for θ, for θ with neurons permuted by {perm}, and for θ with every "
                 "neuron rescaled (λ_j = " + ", ".join(str(q) for q in factors[:6])
                 + (", …" if len(factors) > 6 else "") + "); f_θ(X) unchanged exactly")


def rescale_layers(network: DeepNetwork, factors: list[list[Fraction]]) -> DeepNetwork:
    """Every hidden neuron rescaled at once: ``factors[l-1][j]`` = λ_lj > 0 for neuron j of
    hidden layer l, so W_l[j, q] → λ_lj·W_l[j, q]/λ_{l−1,q} and b_l[j] → λ_lj·b_l[j] (with
    λ = 1 on the input and output layers). The same network as applying
    :meth:`~relugeom.model.deep.DeepNetwork.rescale` neuron by neuron, in one pass over θ."""
    scale = [[Fraction(1)] * network.input_dim] + [list(f) for f in factors] \
        + [[Fraction(1)] * network.output_dim]
    return DeepNetwork([([[w * scale[l][j] / scale[l - 1][q] for q, w in enumerate(row)]
                          for j, row in enumerate(W)],
                         [bj * scale[l][j] for j, bj in enumerate(b)])
                        for l, (W, b) in enumerate(network.layers, start=1)])


def layer_factors(network: DeepNetwork) -> list[list[Fraction]]:
    """Distinct factors λ ≠ 1 for the hidden neurons, counted t = 0, 1, … across the layers:
    2^−(t+1) for even t, (t + 3)/3 for odd t (so denominators 3 appear too)."""
    out, t = [], 0
    for width in network.hidden_widths:
        out.append([Fraction(1, 2 ** (k + 1)) if k % 2 == 0 else Fraction(k + 3, 3)
                    for k in range(t, t + width)])
        t += width
    return out


def _shown(values: list, limit: int = 6) -> str:
    return ", ".join(map(str, values[:limit])) + (", …" if len(values) > limit else "")


@deep_form("T3", "dim is unchanged by permuting the neurons of each hidden layer and by positive "
           "rescaling (row j of W_l, b_l[j], column j of W_{l+1}) → (λ·row, λ·b_l[j], "
           "column/λ)")
def layer_invariance(a: Any) -> Outcome:
    net, dim = a.network, a.local_dimension
    hidden = range(1, net.depth)
    if not hidden:
        return not_applicable("no hidden layer: the network has no permutation or rescaling "
                              "symmetry")
    factors = dict(zip(hidden, layer_factors(net)))
    moves = {l: (symmetry_moves(net.widths[l], seed=l)[0], factors[l]) for l in hidden}
    permuted = net
    for l in hidden:
        permuted = permuted.permute(l, moves[l][0])
    rescaled = rescale_layers(net, [factors[l] for l in hidden])
    described = [
        ("permutation", permuted, {"permutations": [moves[l][0] for l in hidden]}),
        ("rescaling", rescaled, {"factors": [[to_json_number(q) for q in moves[l][1]]
                                             for l in hidden]})]
    failure = _first_difference(a, described, lambda name, move: f"per-layer {name}")
    if failure is not None:
        return failure
    permutations = "; ".join(f"layer {l} by [{_shown(moves[l][0])}]" for l in hidden)
    scaled = "; ".join(f"layer {l}: {_shown(factors[l])}" for l in hidden)
    return holds(f"dim = {dim} for θ, for θ with the neurons of each hidden layer permuted "
                 f"({permutations}), and for θ with every hidden neuron rescaled (λ on {scaled}); "
                 "f_θ(X) unchanged exactly")
