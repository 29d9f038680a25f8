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
from functools import lru_cache
from typing import Any

from .. import linalg
from ..arrangement.deep import RegionLimit, region_upper_bound
from ..geometry.deep_functional import deep_functional_dimension
from ..rank.backprop import layer_preactivations
from .bounds import _sum_text
from .verdict import (HOLDS, Outcome, deep_form, dim_text, dimension_at_most, dimension_bounds,
                      fails, holds, not_applicable, undecided)

#: T9 at depth enumerates every region; beyond this many it is "not applicable".
DEEP_T9_REGION_LIMIT = 2000


@lru_cache(maxsize=8)
def _region_ranks(net: Any, X: tuple) -> tuple[tuple[int, ...], tuple | None]:
    """rank X̃_r of each activation region X perceives (in the order of their first samples),
    or, when a sample has a zero pre-activation, () and (sample, layer, neuron) of the first
    one. Cached: T4 and T9 at depth both read it, from one exact forward pass."""
    hidden = layer_preactivations(net, X)[:-1]
    groups: dict[tuple, list] = {}
    for i, x in enumerate(X):
        for l, Z in enumerate(hidden, start=1):
            zero = next((j for j, q in enumerate(Z[i]) if q == 0), None)
            if zero is not None:
                return (), (i, l, zero)
        pattern = tuple(tuple(int(q > 0) for q in Z[i]) for Z in hidden)
        groups.setdefault(pattern, []).append(list(x) + [Fraction(1)])
    return tuple(linalg.rank(rows, len(X[0]) + 1) for rows in groups.values()), None


def _off_boundary(a: Any) -> tuple[tuple[int, ...], Outcome | None]:
    ranks, zero = _region_ranks(a.network, a.X)
    if zero is not None:
        i, l, j = zero
        return ranks, not_applicable(f"sample {i} has pre-activation 0 at neuron {j} of layer "
                                     f"{l}; the statement is about samples inside regions")
    return ranks, None


@deep_form("T4", "dim ≤ m·Σ_r rank(X̃_r) over the activation regions X perceives (each "
                 "Jacobian row is affine in x on a region, at any depth)")
def deep_region_bound(a: Any) -> Outcome:
    ranks, refusal = _off_boundary(a)
    if refusal is not None:
        return refusal
    m = a.output_dim
    middle = m * sum(ranks)
    verdict = dimension_at_most(a, middle, f"m·Σ_r rank X̃_r = {m}·({_sum_text(ranks)}) = "
                                           f"{middle}", region_ranks=list(ranks), output_dim=m)
    if verdict.status != HOLDS:
        return verdict
    return holds(f"{verdict.detail} over the {len(ranks)} activation region(s) X perceives")


@deep_form("T9", "dim(θ, X) ≤ fdim(θ) (the rank on d+1 affinely independent points in every "
                 "activation region), with equality when X holds such points in every region")
def deep_functional_dimension_check(a: Any) -> Outcome:
    ranks, refusal = _off_boundary(a)
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
    rich = sum(1 for rank in ranks if rank == d + 1)
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
