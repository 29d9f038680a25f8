"""T4 and T9 at any depth: the region bound and the functional dimension for deep networks.

Both rest on one fact (docs/theory.md, "Deep networks: the decisive sample"): on an activation
region of a deep network every Jacobian row x ↦ ∂f_k(x)/∂θ is an affine function of x.

- T4 at depth: the rows of the samples of region r span at most m·rank X̃_r dimensions
  (X̃_r: those samples with a 1 appended; m outputs), so dim(θ, X) ≤ m·Σ_r rank X̃_r over the
  regions X perceives.
- T9 at depth: dim(θ, X) ≤ fdim(θ) = rank J on the decisive sample, with equality when X holds
  d + 1 affinely independent points in every activation region.

Samples with a pre-activation exactly 0 (allowed under a relu'(0) convention) are outside both
statements: "not applicable".
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .. import linalg
from ..arrangement.deep import RegionLimit, region_upper_bound
from ..geometry.deep_functional import deep_functional_dimension
from .bounds import _sum_text
from .verdict import (HOLDS, Outcome, deep_form, dim_text, dimension_at_most, dimension_bounds,
                      fails, holds, not_applicable, undecided)

#: T9 at depth enumerates every region; beyond this many it is "not applicable".
DEEP_T9_REGION_LIMIT = 2000


def _regions_of_samples(net: Any, X: tuple) -> tuple[dict, tuple | None]:
    """{full pattern: [x̃ rows]} and, when a sample has a zero pre-activation, (sample, layer,
    neuron) of the first one."""
    groups: dict[tuple, list] = {}
    for i, x in enumerate(X):
        h, pattern = list(x), []
        for l, (W, b) in enumerate(net.layers[:-1], start=1):
            z = [sum((w * v for w, v in zip(row, h)), bj) for row, bj in zip(W, b)]
            zero = next((j for j, q in enumerate(z) if q == 0), None)
            if zero is not None:
                return groups, (i, l, zero)
            pattern.append(tuple(int(q > 0) for q in z))
            h = [max(q, Fraction(0)) for q in z]
        groups.setdefault(tuple(pattern), []).append(list(x) + [Fraction(1)])
    return groups, None


def _off_boundary(a: Any) -> tuple[dict, Outcome | None]:
    groups, zero = _regions_of_samples(a.network, a.X)
    if zero is not None:
        i, l, j = zero
        return groups, not_applicable(f"sample {i} has pre-activation 0 at neuron {j} of layer "
                                      f"{l}; the statement is about samples inside regions")
    return groups, None


@deep_form("T4", "dim ≤ m·Σ_r rank(X̃_r) over the activation regions X perceives (each "
                 "Jacobian row is affine in x on a region, at any depth)")
def deep_region_bound(a: Any) -> Outcome:
    groups, refusal = _off_boundary(a)
    if refusal is not None:
        return refusal
    m, d = a.output_dim, a.input_dim
    ranks = [linalg.rank(rows, d + 1) for rows in groups.values()]
    middle = m * sum(ranks)
    verdict = dimension_at_most(a, middle, f"m·Σ_r rank X̃_r = {m}·({_sum_text(ranks)}) = "
                                           f"{middle}", region_ranks=ranks, output_dim=m)
    if verdict.status != HOLDS:
        return verdict
    return holds(f"{verdict.detail} over the {len(ranks)} activation region(s) X perceives")


@deep_form("T9", "dim(θ, X) ≤ fdim(θ) (the rank on d+1 affinely independent points in every "
                 "activation region), with equality when X holds such points in every region")
def deep_functional_dimension_check(a: Any) -> Outcome:
    groups, refusal = _off_boundary(a)
    if refusal is not None:
        return refusal
    fdim = getattr(a, "functional_dimension", None)
    d = a.input_dim
    regions = None
    if fdim is None:
        limit = None if region_upper_bound(a.network) <= DEEP_T9_REGION_LIMIT \
            else DEEP_T9_REGION_LIMIT
        try:
            result = deep_functional_dimension(a.network, relu_prime_at_zero=0, limit=limit)
        except RegionLimit:
            return not_applicable(f"the network has more than {DEEP_T9_REGION_LIMIT} "
                                  "activation regions; the exact functional dimension needs "
                                  "them all (relugeom fdim computes it with --max-regions)")
        fdim, regions = result.functional_dimension, result.regions.count
    verdict = dimension_at_most(a, fdim, f"fdim = {fdim}", functional_dimension=fdim)
    if verdict.status != HOLDS:
        return verdict
    lower, upper = dimension_bounds(a)
    rich = sum(1 for rows in groups.values() if linalg.rank(rows, d + 1) == d + 1)
    if regions is not None and rich == regions and fdim != lower:
        if upper < fdim:
            return fails(f"X holds d+1 affinely independent points in all {regions} regions, "
                         f"but {dim_text(lower, upper)} ≠ fdim = {fdim}",
                         local_dimension=lower if lower == upper else [lower, upper],
                         functional_dimension=fdim)
        return undecided(lower, upper, f": equality with fdim = {fdim} (X rich in every region)")
    where = "" if regions is None else f" ({rich} of the {regions} regions hold d+1 affinely " \
        "independent samples)"
    return holds(f"{verdict.detail}{where}")
