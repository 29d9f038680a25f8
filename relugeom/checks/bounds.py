"""T1, T2, T4, T5, T6 of docs/theory.md: the bounds on the local dimension and the exact formula.

Each check reads its quantities from the analysis (``local_dimension``, ``jacobian``,
``structure``, ...) and compares them with the statement; see :mod:`relugeom.rank.explain` for the
factorisation J = E ∘ Φ that proves T4–T6.

T1 and T2 hold at any depth. For a deep network with widths (n_0, …, n_L), neuron j of hidden
layer l has the rescaling direction ρ_lj = (row j of W_l, b_l[j], −column j of W_{l+1}) (on
those coordinates of θ, 0 elsewhere): the derivative of the function-preserving rescaling by
λ at λ = 1, so J·ρ_lj = 0, and T1 reads dim ≤ P − (n_1 + … + n_{L−1}).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .. import linalg
from ..exact.numbers import to_json_number
from ..model.network import Network
from ..rank.explain import neuron_coordinates, rescaling_direction
from .verdict import (HOLDS, Outcome, deep_form, dimension_at_most, fails, holds, not_applicable,
                      theorem)


def _sum_text(terms: list[int], limit: int = 8) -> str:
    shown = " + ".join(map(str, terms[:limit]))
    return shown + (f" + … ({len(terms)} terms)" if len(terms) > limit else "")


def rescaling_kernel_vector(network: Network, j: int) -> tuple[Fraction, ...]:
    """A kernel vector of J carried by neuron j: ρ_j = (w_j, b_j, −V_:j), or, when ρ_j = 0
    (w_j = 0, b_j = 0, V_:j = 0; possible only with a relu'(0) convention), the unit vector of
    V_0j, whose column relu(z_ij) = relu(0) is then zero."""
    rho = rescaling_direction(network, j)
    if any(rho):
        return rho
    unit = [Fraction(0)] * network.n_parameters
    unit[neuron_coordinates(network, j)[network.input_dim + 1]] = Fraction(1)
    return tuple(unit)


@theorem("T1", "symmetry bound", "dim ≤ P − N (each rescaling direction (w_j, b_j, −v_j) lies in "
         "ker J)")
def symmetry_bound(a: Any) -> Outcome:
    P, N, J = a.n_parameters, a.hidden_width, a.jacobian
    for j in range(N):
        u = rescaling_kernel_vector(a.network, j)
        support = [p for p in neuron_coordinates(a.network, j) if u[p]]
        for i, row in enumerate(J):
            value = sum(row[p] * u[p] for p in support)
            if value:
                return fails(f"the rescaling direction of neuron {j} is not in ker J: row {i} of "
                             f"J·ρ_{j} is {value}", neuron=j, row=i, value=to_json_number(value))
    verdict = dimension_at_most(a, P - N, f"P − N = {P} − {N} = {P - N}", bound=P - N)
    if verdict.status != HOLDS:
        return verdict
    directions = ("the rescaling direction lies" if N == 1 else f"the {N} rescaling directions, "
                  "independent (disjoint supports), lie")
    return holds(f"{verdict.detail}; {directions} in ker J (checked exactly)")


def layer_neuron_coordinates(network: Network, l: int, j: int) -> list[int]:
    """Indices in θ of neuron j of hidden layer l of a deep network: row j of W_l, b_l[j], then
    W_{l+1}[k, j] for each k (for L = 2 the order of :func:`~relugeom.rank.explain.
    neuron_coordinates`)."""
    w, offsets = network.widths, network.parameter_offsets()
    start, after = offsets[l - 1], offsets[l]
    return ([start + j * w[l - 1] + q for q in range(w[l - 1])] + [start + w[l] * w[l - 1] + j]
            + [after + k * w[l] + j for k in range(w[l + 1])])


def layer_rescaling_kernel_vector(network: Network, l: int, j: int) -> tuple[Fraction, ...]:
    """A kernel vector of J carried by neuron j of hidden layer l of a deep network:
    ρ_lj = (row j of W_l, b_l[j], −column j of W_{l+1}), or, when ρ_lj = 0 (then z_lj = 0 on
    every input, possible only with a relu'(0) convention), the unit vector of W_{l+1}[0, j],
    whose column G_{l+1}·h_lj = G_{l+1}·relu(0) is then zero."""
    W, b = network.layers[l - 1]
    W_next = network.layers[l][0]
    values = list(W[j]) + [b[j]] + [-row[j] for row in W_next]
    coordinates = layer_neuron_coordinates(network, l, j)
    u = [Fraction(0)] * network.n_parameters
    if any(values):
        for p, value in zip(coordinates, values):
            u[p] = value
    else:
        u[coordinates[len(W[j]) + 1]] = Fraction(1)
    return tuple(u)


def rescaling_directions(network: Network) -> list[tuple[tuple[int, int], tuple[Fraction, ...]]]:
    """((layer, neuron), kernel vector) for every hidden neuron of a deep network, layer 1
    first (see :func:`layer_rescaling_kernel_vector`)."""
    return [((l, j), layer_rescaling_kernel_vector(network, l, j))
            for l in range(1, network.depth) for j in range(network.widths[l])]


def rescaling_rank(network: Network) -> tuple[int, str]:
    """(rank of the hidden neurons' rescaling kernel vectors, why), exactly.

    When every hidden neuron has a nonzero entry in (row j of W_l, b_l[j]) the vectors are
    independent without computing: ordered by layer, and restricted to the coordinates of
    W_1, b_1, then W_2, b_2, …, they form a block triangular matrix whose diagonal blocks
    (the rows of (W_l, b_l), one per neuron) have distinct supports. Otherwise (neurons with
    z_lj = 0 on every input, under a relu'(0) convention) the rank is computed exactly.
    """
    if all(any(row) or bj for W, b in network.layers[:-1] for row, bj in zip(W, b)):
        return network.n_hidden, ("independent (block triangular: each has a nonzero entry in "
                                  "its own row of (W_l, b_l))")
    vectors = [u for _, u in rescaling_directions(network)]
    r = linalg.rank(vectors, network.n_parameters) if vectors else 0
    return r, f"of exact rank {r}"


@deep_form("T1", "dim ≤ P − (n_1 + … + n_{L−1}) (each hidden neuron's rescaling direction "
           "(row j of W_l, b_l[j], −column j of W_{l+1}) lies in ker J)")
def layer_symmetry_bound(a: Any) -> Outcome:
    net, P, J = a.network, a.n_parameters, a.jacobian
    N = net.n_hidden
    for (l, j), u in rescaling_directions(net):
        support = [p for p in layer_neuron_coordinates(net, l, j) if u[p]]
        for i, row in enumerate(J):
            value = sum(row[p] * u[p] for p in support)
            if value:
                return fails(f"the rescaling direction of neuron {j} of layer {l} is not in "
                             f"ker J: row {i} of J·ρ is {value}", layer=l, neuron=j, row=i,
                             value=to_json_number(value))
    widths = " + ".join(map(str, net.hidden_widths)) or "0"
    bound = f"P − (n_1 + … + n_{{L−1}}) = {P} − ({widths}) = {P - N}"
    verdict = dimension_at_most(a, P - N, bound, bound=P - N)
    if verdict.status != HOLDS:
        return verdict
    if N == 0:
        return holds(f"{verdict.detail} (no hidden layer, no rescaling symmetry)")
    if N == 1:
        return holds(f"{verdict.detail}; the rescaling direction lies in ker J (checked "
                     "exactly)")
    _, independence = rescaling_rank(net)
    return holds(f"{verdict.detail}; the {N} rescaling directions lie in ker J (checked "
                 f"exactly) and are {independence}")


@theorem("T2", "sample bound", "dim ≤ n·m", shallow_only=False)
def sample_bound(a: Any) -> Outcome:
    n, m = a.n_samples, a.output_dim
    rows = len(a.jacobian)
    if rows != n * m:
        return fails(f"J has {rows} rows, expected n·m = {n}·{m} = {n * m}", rows=rows,
                     expected=n * m)
    verdict = dimension_at_most(a, n * m, f"n·m = {n}·{m} = {n * m}", bound=n * m)
    if verdict.status != HOLDS:
        return verdict
    return holds(f"{verdict.detail} (the number of rows of J)")


@theorem("T4", "region bound", "dim ≤ m·Σ_r rank(X̃_r) ≤ m·(d+1)·R")
def region_bound(a: Any) -> Outcome:
    s, m, d = a.structure, a.output_dim, a.input_dim
    ranks = [r.affine_rank for r in s.regions]
    R, middle = len(ranks), m * sum(ranks)
    witness = {"region_ranks": ranks, "output_dim": m}
    verdict = dimension_at_most(a, middle, f"m·Σ_r rank X̃_r = {m}·({_sum_text(ranks)}) = "
                                           f"{middle}", **witness)
    if verdict.status != HOLDS:
        return verdict
    if middle > m * (d + 1) * R:
        big = next(r for r in s.regions if r.affine_rank > d + 1)
        return fails(f"rank X̃_{big.index} = {big.affine_rank} > d + 1 = {d + 1}",
                     region=big.index, local_dimension=a.local_dimension, **witness)
    return holds(f"{verdict.detail} ≤ m·(d+1)·R = {m}·{d + 1}·{R} = {m * (d + 1) * R}")


def _incidence_formula(a: Any) -> tuple[int, str]:
    s, m, d = a.structure, a.output_dim, a.input_dim
    indicator = int(not s.ones_in_column_space)
    value = m * ((d + 1) * s.incidence_rank + indicator)
    inner = f"{d + 1}·{s.incidence_rank} + {indicator}"
    text = (f"m·((d+1)·rank M + [1 ∉ col M]) = {m}·({inner}) = {value}" if m > 1 else
            f"(d+1)·rank M + [1 ∉ col M] = {inner} = {value}")
    return value, text


@theorem("T5", "incidence bound", "dim ≤ m·((d+1)·rank M + [1 ∉ col M])")
def incidence_bound(a: Any) -> Outcome:
    bound, text = _incidence_formula(a)
    return dimension_at_most(a, bound, text, bound=bound,
                             incidence_rank=a.structure.incidence_rank,
                             ones_in_column_space=a.structure.ones_in_column_space)


@theorem("T6", "exact formula", "m = 1, every v_j ≠ 0, every perceived region rich "
         "(rank X̃_r = d+1) ⇒ dim = (d+1)·rank M + [1 ∉ col M]")
def exact_formula(a: Any) -> Outcome:
    m, d = a.output_dim, a.input_dim
    if m != 1:
        return not_applicable(f"T6 is stated for one output; here m = {m}")
    zero = [j for j, v in enumerate(a.network.V[0]) if v == 0]
    if zero:
        return not_applicable(f"v_{zero[0]} = 0: T6 needs every output weight nonzero")
    for r in a.structure.regions:
        if not r.rich:
            k = len(r.samples)
            if k < d + 1:
                return not_applicable(f"region {r.index} has {k} sample{'s' * (k != 1)}, needs "
                                      f"{d + 1} affinely independent")
            return not_applicable(f"region {r.index}'s {k} samples are affinely dependent: "
                                  f"rank X̃_{r.index} = {r.affine_rank} < d + 1 = {d + 1}")
    dim = a.local_dimension
    value, text = _incidence_formula(a)
    if dim != value:
        return fails(f"dim = {dim} but {text}", local_dimension=dim, formula=value,
                     incidence_rank=a.structure.incidence_rank,
                     ones_in_column_space=a.structure.ones_in_column_space)
    return holds(f"hypotheses hold (m = 1, every v_j ≠ 0, all {len(a.structure.regions)} "
                 f"regions rich) and dim = {dim} = {text}")
