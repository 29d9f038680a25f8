"""T1, T2, T4, T5, T6 of DESIGN §2: the bounds on the local dimension and the exact formula.

Each check reads its quantities from the analysis (``local_dimension``, ``jacobian``,
``structure``, ...) and compares them with the statement; see :mod:`relugeom.structure` for the
factorisation J = E ∘ Φ that proves T4–T6.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from ..numbers import to_json_number
from ..structure import neuron_coordinates, rescaling_direction
from .verdict import Outcome, fails, holds, not_applicable, theorem


def _sum_text(terms: list[int], limit: int = 8) -> str:
    shown = " + ".join(map(str, terms[:limit]))
    return shown + (f" + … ({len(terms)} terms)" if len(terms) > limit else "")


def rescaling_kernel_vector(network: Any, j: int) -> tuple[Fraction, ...]:
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
    P, N, dim, J = a.n_parameters, a.hidden_width, a.local_dimension, a.jacobian
    for j in range(N):
        u = rescaling_kernel_vector(a.network, j)
        support = [p for p in neuron_coordinates(a.network, j) if u[p]]
        for i, row in enumerate(J):
            value = sum(row[p] * u[p] for p in support)
            if value:
                return fails(f"the rescaling direction of neuron {j} is not in ker J: row {i} of "
                             f"J·ρ_{j} is {value}", neuron=j, row=i, value=to_json_number(value))
    if dim > P - N:
        return fails(f"dim = {dim} > P − N = {P} − {N} = {P - N}", local_dimension=dim,
                     bound=P - N)
    directions = ("the rescaling direction lies" if N == 1 else f"the {N} rescaling directions, "
                  "independent (disjoint supports), lie")
    return holds(f"dim = {dim} ≤ P − N = {P} − {N} = {P - N}; {directions} in ker J (checked "
                 "exactly)")


@theorem("T2", "sample bound", "dim ≤ n·m", shallow_only=False)
def sample_bound(a: Any) -> Outcome:
    n, m, dim = a.n_samples, a.output_dim, a.local_dimension
    rows = len(a.jacobian)
    if rows != n * m:
        return fails(f"J has {rows} rows, expected n·m = {n}·{m} = {n * m}", rows=rows,
                     expected=n * m)
    if dim > n * m:
        return fails(f"dim = {dim} > n·m = {n}·{m} = {n * m}", local_dimension=dim, bound=n * m)
    return holds(f"dim = {dim} ≤ n·m = {n}·{m} = {n * m} (the number of rows of J)")


@theorem("T4", "region bound", "dim ≤ m·Σ_r rank(X̃_r) ≤ m·(d+1)·R")
def region_bound(a: Any) -> Outcome:
    s, m, d, dim = a.structure, a.output_dim, a.input_dim, a.local_dimension
    ranks = [r.affine_rank for r in s.regions]
    R, middle = len(ranks), m * sum(ranks)
    witness = {"local_dimension": dim, "region_ranks": ranks, "output_dim": m}
    if dim > middle:
        return fails(f"dim = {dim} > m·Σ_r rank X̃_r = {m}·({_sum_text(ranks)}) = {middle}",
                     **witness)
    if middle > m * (d + 1) * R:
        big = next(r for r in s.regions if r.affine_rank > d + 1)
        return fails(f"rank X̃_{big.index} = {big.affine_rank} > d + 1 = {d + 1}",
                     region=big.index, **witness)
    return holds(f"dim = {dim} ≤ m·Σ_r rank X̃_r = {m}·({_sum_text(ranks)}) = {middle} ≤ "
                 f"m·(d+1)·R = {m}·{d + 1}·{R} = {m * (d + 1) * R}")


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
    dim = a.local_dimension
    bound, text = _incidence_formula(a)
    if dim > bound:
        return fails(f"dim = {dim} > {text}", local_dimension=dim, bound=bound,
                     incidence_rank=a.structure.incidence_rank,
                     ones_in_column_space=a.structure.ones_in_column_space)
    return holds(f"dim = {dim} ≤ {text}")


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
