"""T9: the local dimension is at most the functional dimension, with equality on rich samples.

fdim(θ) = max over samples X of dim(θ, X) (:mod:`relugeom.geometry.functional`); the check
compares it with the local dimension of the analysis at hand.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from .. import linalg
from ..arrangement.cells import HyperplaneArrangement, enumerate_cells, hyperplane_arrangement
from ..errors import InputError
from ..geometry.functional import functional_dimension
from ..linalg.certified import RankNotCertified
from .verdict import (HOLDS, Outcome, dim_text, dimension_at_most, dimension_bounds, fails, holds,
                      not_applicable, theorem, undecided)

#: T9 computes every region of the arrangement; beyond this many (by the bound Σ_{i≤r} C(H, i))
#: it is reported "not applicable" instead of taking very long.
T9_REGION_LIMIT = 2000


def _region_richness(arrangement: HyperplaneArrangement, X: tuple) -> tuple[int, int]:
    """(number of regions, regions holding d+1 affinely independent samples of X)."""
    cells = enumerate_cells(arrangement)
    members: dict[tuple, list] = {cell.side: [] for cell in cells}
    for x in X:
        members[arrangement.side(x)].append(list(x) + [Fraction(1)])
    d = arrangement.dimension
    rich = sum(1 for rows in members.values() if rows and linalg.rank(rows, d + 1) == d + 1)
    return len(cells), rich


@theorem("T9", "functional dimension",
         "dim(θ, X) ≤ fdim(θ) = max over samples of the local dimension, with equality when "
         "X holds d+1 affinely independent points in every activation region")
def functional_dimension_check(a: Any) -> Outcome:
    """Theorem T9 on an :class:`~relugeom.analysis.Analysis`: dim ≤ fdim, and = when rich.

    Returns an :class:`~relugeom.checks.verdict.Outcome`. Reads ``a.local_dimension`` and, when
    present, ``a.functional_dimension`` (else computes it), so a test can inject wrong values.
    The statement is about samples off every hyperplane: with a sample on the hyperplane of a
    neuron with w_j ≠ 0 (allowed under a relu'(0) convention) it is not applicable, because
    such a row need not be a limit of rows of one region.
    Cost: the functional dimension (cells + one rank) and R small ranks.
    """
    net = a.network
    arrangement = hyperplane_arrangement(net.W, net.b)
    for i, x in enumerate(a.X):
        side = arrangement.side(x)
        if 0 in side:
            return not_applicable(f"sample {i} lies on the hyperplane of neuron "
                                  f"{arrangement.groups[side.index(0)][0]}; T9 is about samples "
                                  "off every hyperplane")
    fdim = getattr(a, "functional_dimension", None)
    H, r = len(arrangement.hyperplanes), arrangement.rank
    most = sum(math.comb(H, i) for i in range(r + 1))
    if fdim is None and most > T9_REGION_LIMIT:
        return not_applicable(f"the arrangement may have up to {most} activation regions "
                              f"(limit {T9_REGION_LIMIT}); the exact functional dimension needs "
                              "all of them: run relugeom fdim on the network")
    if fdim is None:
        try:
            fdim = functional_dimension(net, relu_prime_at_zero=a.relu_prime_at_zero,
                                        backend=a.backend).functional_dimension
        except RankNotCertified:
            raise  # undecided (the theorem decorator says so), not "not applicable"
        except InputError as exc:
            return not_applicable(str(exc))
    verdict = dimension_at_most(a, fdim, f"fdim = {fdim}", functional_dimension=fdim)
    if verdict.status != HOLDS:
        return verdict
    regions, rich = _region_richness(arrangement, a.X)
    if rich < regions:
        return holds(f"{verdict.detail}; equality not applicable: X holds d+1 = "
                     f"{net.input_dim + 1} affinely independent points in {rich} of the "
                     f"{regions} activation regions")
    lower, upper = dimension_bounds(a)
    if lower != fdim and upper < fdim:   # dim ≤ upper < fdim: the equality fails
        return fails(f"X is rich in all {regions} activation regions but "
                     f"{dim_text(lower, upper)} ≠ fdim = {fdim}",
                     local_dimension=lower if lower == upper else [lower, upper],
                     functional_dimension=fdim, regions=regions)
    if lower != fdim:
        return undecided(lower, upper, f": equality with fdim = {fdim} (X rich in every region)")
    where = "the only activation region" if regions == 1 else f"all {regions} activation regions"
    return holds(f"dim = fdim = {fdim}: X holds d+1 affinely independent points in {where}")
