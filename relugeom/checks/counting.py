"""T7 of docs/theory.md: counting the activation regions of the arrangement (Zaslavsky).

For the arrangement of the distinct hidden hyperplanes in R^d (H of them, normals of rank r):

    regions = (−1)^d χ(−1),   relatively bounded regions = (−1)^r χ(1),

bounded = relatively bounded when r = d and 0 otherwise, and in general position
regions = Σ_{i≤d} C(H, i), bounded = C(H − 1, d).

The counts come from cell enumeration (:mod:`relugeom.arrangement.cells`) and χ from its
deletion–restriction recursion (:mod:`relugeom.arrangement.zaslavsky`). This check recomputes χ
independently by Whitney's subset sum χ(t) = Σ_{S central} (−1)^{|S|} t^{d − rank S} when
H ≤ :data:`WHITNEY_LIMIT`, and tests general position by brute force over small subsets.

:func:`arrangement_counts` is the one place that reads the arrangement's counts.
"""

from __future__ import annotations

from itertools import combinations
from math import comb
from typing import Any, Sequence

from .. import linalg
from ..arrangement.cells import enumerate_cells, hyperplane_arrangement
from ..arrangement.zaslavsky import characteristic_polynomial
from ..exact.numbers import polynomial_text
from .verdict import Outcome, fails, holds, not_applicable, theorem

#: Largest number of distinct hyperplanes for which χ is recomputed by Whitney's subset sum.
WHITNEY_LIMIT = 12
#: T7 enumerates the cells only when their number is at most this (bounded by Σ_{i≤r} C(H, i)).
REGION_LIMIT = 10000


def region_bound(hyperplanes: int, rank: int) -> int:
    """Σ_{i≤rank} C(H, i): the most regions H hyperplanes with normals of this rank can make."""
    return sum(comb(hyperplanes, i) for i in range(rank + 1))

_COUNT_KEYS = ("activation_regions", "bounded_activation_regions",
               "relatively_bounded_activation_regions")


def arrangement_counts(a: Any) -> dict[str, Any]:
    """Counts and χ of the network's arrangement.

    An analysis attribute of the same name (``activation_regions``,
    ``bounded_activation_regions``, ``relatively_bounded_activation_regions``,
    ``characteristic_polynomial``) takes precedence, so a test can feed a wrong count.
    """
    arrangement = hyperplane_arrangement(a.network.W, a.network.b)
    counts: dict[str, Any] = {"hyperplanes": arrangement.hyperplanes, "rank": arrangement.rank}
    if not all(getattr(a, key, None) is not None for key in _COUNT_KEYS):
        most = region_bound(len(arrangement.hyperplanes), arrangement.rank)
        if most > REGION_LIMIT:
            counts["too_many"] = most
            return counts
        cells = enumerate_cells(arrangement)
        enumerated = (len(cells), sum(c.bounded for c in cells),
                      sum(c.relatively_bounded for c in cells))
    for k, key in enumerate(_COUNT_KEYS):
        value = getattr(a, key, None)
        counts[key] = value if value is not None else enumerated[k]
    chi = getattr(a, "characteristic_polynomial", None)
    counts["characteristic_polynomial"] = tuple(chi if chi is not None
                                                else characteristic_polynomial(arrangement))
    return counts


def _central(rows: Sequence[Sequence[int]], d: int) -> tuple[bool, int]:
    """(do the hyperplanes u·x + c = 0 meet?, rank of their normals)."""
    r = linalg.rank([u for u, _ in rows], d)
    return linalg.rank([tuple(u) + (c,) for u, c in rows], d + 1) == r, r


def whitney_polynomial(hyperplanes: Sequence[tuple], d: int) -> tuple[int, ...]:
    """χ(t) = Σ_{S central} (−1)^{|S|} t^{d − rank S}, coefficient of t^i at index i.

    Subsets are grown one hyperplane at a time and a non-central subset is not extended (its
    supersets are not central either). Cost: O(2^H) small exact ranks in the worst case.

    >>> whitney_polynomial([((1, 0), 0), ((0, 1), 0), ((1, 1), -1)], 2)
    (3, -3, 1)
    """
    chi = [0] * (d + 1)
    chi[d] = 1

    def grow(chosen: list, start: int) -> None:
        for h in range(start, len(hyperplanes)):
            subset = chosen + [hyperplanes[h]]
            central, r = _central(subset, d)
            if central:
                chi[d - r] += (-1) ** len(subset)
                grow(subset, h + 1)

    grow([], 0)
    return tuple(chi)


def in_general_position(hyperplanes: Sequence[tuple], d: int) -> bool:
    """Any k ≤ d of them have independent normals and any d + 1 have empty intersection."""
    for k in range(1, min(d, len(hyperplanes)) + 1):
        for subset in combinations(hyperplanes, k):
            if linalg.rank([u for u, _ in subset], d) < k:
                return False
    return not any(_central(list(subset), d)[0] for subset in combinations(hyperplanes, d + 1))


def _evaluate(chi: Sequence[int], t: int) -> int:
    return sum(c * t ** i for i, c in enumerate(chi))


@theorem("T7", "arrangement counts", "regions = (−1)^d χ(−1); relatively bounded = (−1)^rank "
         "χ(1) (= bounded when the normals span R^d, else no region is bounded); in general "
         "position regions = Σ_{i≤d} C(H, i) and bounded = C(H−1, d)")
def arrangement_count(a: Any) -> Outcome:
    counts = arrangement_counts(a)
    d, r, H = a.input_dim, counts["rank"], len(counts["hyperplanes"])
    if "too_many" in counts:
        return not_applicable(f"{H} hyperplanes with normals of rank {r} may make up to "
                              f"{counts['too_many']} regions, more than the {REGION_LIMIT} T7 "
                              "enumerates (raise relugeom.checks.counting.REGION_LIMIT)")
    chi = counts["characteristic_polynomial"]
    regions, bounded, relative = (counts[key] for key in _COUNT_KEYS)
    witness = {"regions": regions, "bounded": bounded, "relatively_bounded": relative,
               "characteristic_polynomial": list(chi), "rank": r, "hyperplanes": H}
    notes = []
    if H <= WHITNEY_LIMIT:
        whitney = whitney_polynomial(counts["hyperplanes"], d)
        if whitney != tuple(chi):
            return fails(f"χ(t) = {polynomial_text(chi)} from the regions module but Whitney's "
                         f"subset sum gives {polynomial_text(whitney)}",
                         whitney=list(whitney), **witness)
        notes.append("Whitney's subset sum agrees")
    expected = {"regions": (-1) ** d * _evaluate(chi, -1),
                "relatively bounded": (-1) ** r * _evaluate(chi, 1)}
    expected["bounded"] = expected["relatively bounded"] if r == d else 0
    found = {"regions": regions, "relatively bounded": relative, "bounded": bounded}
    for key, value in expected.items():
        if found[key] != value:
            return fails(f"{found[key]} {key} regions enumerated but Zaslavsky gives {value}",
                         expected=value, count=key, **witness)
    if H and H <= WHITNEY_LIMIT and in_general_position(counts["hyperplanes"], d):
        gp_regions, gp_bounded = sum(comb(H, i) for i in range(d + 1)), comb(H - 1, d)
        if (regions, bounded) != (gp_regions, gp_bounded):
            return fails(f"general position, yet {regions} regions and {bounded} bounded instead "
                         f"of Σ C({H}, i) = {gp_regions} and C({H - 1}, {d}) = {gp_bounded}",
                         **witness)
        notes.append(f"general position: Σ_{{i≤{d}}} C({H}, i) = {gp_regions}, "
                     f"C({H - 1}, {d}) = {gp_bounded}")
    return holds(f"{H} distinct hyperplane{'s' * (H != 1)} in R^{d} (normals of rank {r}): "
                 f"{regions} region{'s' * (regions != 1)}, {bounded} bounded, {relative} "
                 "relatively bounded; "
                 f"χ(t) = {polynomial_text(chi)}"
                 + (f" ({notes[0]})" if notes and notes[0].startswith("Whitney") else "")
                 + f", (−1)^{d} χ(−1) = {expected['regions']}, (−1)^{r} χ(1) = "
                 f"{expected['relatively bounded']}"
                 + "".join(f"; {n}" for n in notes if not n.startswith("Whitney")))
