"""Counting the cells of an arrangement without enumerating them: Zaslavsky's theorem.

The characteristic polynomial of an arrangement A of distinct affine hyperplanes in R^d is

    χ_A(t) = Σ_{S ⊆ A, ∩S ≠ ∅} (−1)^{|S|} t^{d − rank S}        (Whitney)
           = Σ_{X ∈ L(A)} μ(R^d, X) t^{dim X}                   (intersection poset, Möbius μ)

and Zaslavsky's theorem counts the cells (regions) and the relatively bounded cells:

    regions = (−1)^d χ_A(−1),   relatively bounded = (−1)^r χ_A(1),   r = rank of normals.

A cell is bounded only if the normals span R^d (r = d), and then the relatively bounded cells
are exactly the bounded ones; otherwise no cell is bounded.

Algorithm: deletion–restriction. χ_A = χ_{A−H} − χ_{A^H} for any H ∈ A, so deleting the
hyperplanes one at a time from the end,

    χ_A(t) = t^d − Σ_k χ_{A_k^{H_{k+1}}}(t),   A_k = the first k hyperplanes,

where each restriction A_k^{H_{k+1}} is an arrangement of at most k hyperplanes in R^{d−1}
(:func:`relugeom.arrangement.restriction.restrict`, exact integers, duplicates merged). The recursion
bottoms out at χ = t − m for m distinct points on a line. It visits each flat of the
intersection poset along one chain per restriction and never forms the poset or a subset sum:
O(d·N^d / (d−1)!) integer operations in general position, in practice well under the time to
enumerate the cells. Non-essential arrangements are first sliced to their rank r
(χ_A(t) = t^{d−r} χ_slice(t)).

Coefficients are integers; χ is returned as the tuple (c_0, c_1, ..., c_d) with
χ(t) = Σ_i c_i t^i (index = power of t); :meth:`RegionCounts.polynomial` gives a sympy Poly.

>>> from relugeom.arrangement import hyperplane_arrangement
>>> counts = region_counts(hyperplane_arrangement([[1, 0], [1, 0], [1, 0]], [0, -1, -2]))
>>> counts.characteristic_polynomial, counts.regions, counts.relatively_bounded, counts.bounded
((0, -3, 1), 4, 2, 0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .cells import HyperplaneArrangement, _essential, _rank_mod_p
from .restriction import Hyperplane, restrict


@dataclass(frozen=True)
class RegionCounts:
    """Counts of an arrangement in R^d from its characteristic polynomial.

    ``characteristic_polynomial[i]`` is the coefficient of t^i.
    """

    dimension: int
    rank: int
    characteristic_polynomial: tuple
    regions: int
    relatively_bounded: int
    bounded: int

    def polynomial(self, symbol: str = "t") -> Any:
        """χ as a sympy ``Poly`` over ZZ."""
        import sympy

        return sympy.Poly(list(reversed(self.characteristic_polynomial)), sympy.Symbol(symbol),
                          domain="ZZ")

    def to_dict(self) -> dict[str, Any]:
        return {"dimension": self.dimension, "rank": self.rank,
                "characteristic_polynomial": list(self.characteristic_polynomial),
                "regions": self.regions, "relatively_bounded": self.relatively_bounded,
                "bounded": self.bounded}


def characteristic_polynomial(arrangement: HyperplaneArrangement) -> tuple[int, ...]:
    """χ(t) of the arrangement's distinct hyperplanes, as coefficients (c_0, ..., c_d).

    Neurons with w = 0 are not hyperplanes and do not count; repeated hyperplanes count once.

    >>> from relugeom.arrangement import hyperplane_arrangement
    >>> characteristic_polynomial(hyperplane_arrangement([[1, 0], [0, 1], [1, 1]], [0, 0, 0]))
    (2, -3, 1)
    """
    d = arrangement.dimension
    r, _, essential, _ = _essential(arrangement)
    return (0,) * (d - r) + tuple(_chi(essential, r))


def region_counts(arrangement: HyperplaneArrangement, steps: int | None = None) -> RegionCounts:
    """Regions, relatively bounded and bounded regions by Zaslavsky's theorem, and χ.

    With ``steps``, the count gives up (:class:`CountStopped`, with a proven lower bound of the
    regions) rather than spend more than that many integer operations (see
    :func:`count_within`).

    >>> from relugeom.arrangement import hyperplane_arrangement
    >>> c = region_counts(hyperplane_arrangement([[1, 0], [0, 1], [1, 1]], [0, 0, -1]))
    >>> c.regions, c.bounded
    (7, 1)
    """
    d = arrangement.dimension
    if steps is not None:
        count = count_within(arrangement, None, steps)
        if count.stopped:
            raise CountStopped(count.at_least, count.hyperplanes, count.total_hyperplanes)
        r, chi_r = count.rank, count.characteristic_polynomial
    else:
        r, _, essential, _ = _essential(arrangement)
        chi_r = tuple(_chi(essential, r))
    chi = (0,) * (d - r) + tuple(chi_r)
    regions = (-1) ** d * sum(c * (-1) ** i for i, c in enumerate(chi))
    relatively_bounded = (-1) ** r * sum(chi)
    return RegionCounts(d, r, chi, regions, relatively_bounded,
                        relatively_bounded if r == d else 0)


class CountStopped(Exception):
    """The exact count ran out of its work budget (see :func:`count_within`); ``at_least`` is
    a proven lower bound of the regions: those of the first ``hyperplanes`` of ``total``
    distinct hyperplanes, counted exactly."""

    def __init__(self, at_least: int = 1, hyperplanes: int = 0, total: int = 0):
        super().__init__(f"the count stopped after its work budget, at {at_least} regions")
        self.at_least, self.hyperplanes, self.total = at_least, hyperplanes, total


class _Budget:
    """Work left, in integer operations: restricting k hyperplanes of R^dim costs k·(dim + 1)."""

    def __init__(self, steps: int | None):
        self.left = steps
        self.spent = 0

    def spend(self, steps: int) -> None:
        self.spent += steps
        if self.left is not None and self.spent > self.left:
            raise CountStopped


def _chi(hyperplanes: list[Hyperplane], dim: int, budget: _Budget | None = None) -> list[int]:
    """χ of distinct hyperplanes in R^dim, coefficient of t^i at index i."""
    if dim == 0:
        return [1]
    if dim == 1:
        return [-len(hyperplanes), 1]
    chi = [0] * dim + [1]
    for k, H in enumerate(hyperplanes):
        if budget is not None:
            budget.spend((k + 1) * (dim + 1))
        restricted, _ = restrict(hyperplanes[:k], H)
        for i, c in enumerate(_chi(restricted, dim - 1, budget)):
            chi[i] -= c
    return chi


def _regions(chi: list[int], dim: int) -> int:
    return (-1) ** dim * sum(c * (-1) ** i for i, c in enumerate(chi))


@dataclass(frozen=True)
class BoundedCount:
    """The outcome of :func:`count_within`.

    ``regions`` is the exact number of regions when the count completed, else None.
    ``at_least`` is always a proven lower bound: the regions of the first ``hyperplanes``
    distinct hyperplanes (every hyperplane added keeps or splits each region, so a
    sub-arrangement never has more regions). ``stopped`` is None (complete), "limit" (the
    prefix already has more than the limit) or "budget" (the work budget ran out);
    ``steps`` is the work spent, in integer operations (restricting k hyperplanes of R^dim
    counts k·(dim + 1)). A complete count also gives ``rank``, the dimension r of the essential
    slice counted, and χ of that slice (coefficient of t^i at index i, i ≤ r).
    """

    regions: int | None
    at_least: int
    hyperplanes: int
    total_hyperplanes: int
    steps: int
    stopped: str | None
    rank: int = 0
    characteristic_polynomial: tuple = ()


def count_within(arrangement: HyperplaneArrangement, limit: int | None = None,
                 steps: int | None = None) -> BoundedCount:
    """Count the regions exactly by deletion–restriction, stopping early: as soon as the first
    k hyperplanes already make more than ``limit`` regions (which proves the arrangement has
    more), or when the work exceeds ``steps`` integer operations (restricting k hyperplanes of
    R^dim counts k·(dim + 1); a few million a second in pure Python).

    χ of the first k hyperplanes is what the outer loop of the recursion holds after k steps,
    so each prefix count is free. The work of a complete count grows like the number of flats
    of the arrangement, itself at most the number of regions (Zaslavsky: regions = Σ |μ(X)|
    over the flats X, each |μ| ≥ 1).

    >>> from relugeom.arrangement import hyperplane_arrangement
    >>> lines = hyperplane_arrangement([[1, 0], [0, 1], [1, 1], [1, -1]], [0, 0, -1, 2])
    >>> c = count_within(lines)
    >>> c.regions, c.stopped
    (11, None)
    >>> c = count_within(lines, limit=5)
    >>> c.regions, c.at_least, c.hyperplanes, c.stopped
    (None, 7, 3, 'limit')
    """
    r, _, essential, _ = _essential(arrangement)
    budget = _Budget(steps)
    total = len(essential)
    if r == 0:
        return BoundedCount(1, 1, total, total, 0, None, 0, (1,))
    chi = [0] * r + [1]
    regions = 1
    for k, H in enumerate(essential):
        try:
            budget.spend((k + 1) * (r + 1))
            restricted, _ = restrict(essential[:k], H)
            sub = _chi(restricted, r - 1, budget)
        except CountStopped:
            return BoundedCount(None, regions, k, total, budget.spent, "budget", r)
        for i, c in enumerate(sub):
            chi[i] -= c
        regions = _regions(chi, r)
        if limit is not None and regions > limit and k + 1 < total:
            return BoundedCount(None, regions, k + 1, total, budget.spent, "limit", r)
    return BoundedCount(regions, regions, total, total, budget.spent, None, r, tuple(chi))


# --- bounds without counting --------------------------------------------------------------------

@dataclass(frozen=True)
class RegionBounds:
    """Proven bounds ``lower`` ≤ regions ≤ ``upper`` from the number H of distinct hyperplanes
    and the rank r of their normals (``rank_low`` ≤ r ≤ ``rank_high``), see
    :func:`region_bounds`."""

    hyperplanes: int
    rank_low: int
    rank_high: int
    lower: int
    upper: int

    @property
    def lower_text(self) -> str:
        """Where the lower bound comes from: its formula and inputs."""
        if self.hyperplanes == 0:
            return "1 (no hyperplane)"
        return (f"(H − r + 2)·2^(r−1), a lower bound for any "
                f"arrangement of H = {self.hyperplanes} distinct hyperplanes whose normals have "
                f"rank r = {self.rank_low}")

    @property
    def upper_text(self) -> str:
        """Where the upper bound comes from: its formula and inputs."""
        if self.hyperplanes == 0:
            return "1 (no hyperplane)"
        return (f"Σ_{{i≤r}} C(H, i), an upper bound for any "
                f"arrangement of H = {self.hyperplanes} distinct hyperplanes whose normals have "
                f"rank r ≤ {self.rank_high}")


def number_text(value: int) -> str:
    """An integer for a message: all its digits when short, else its size.

    >>> number_text(123456), number_text(2 ** 200)
    ('123,456', '≈ 1.60·10^60')
    """
    if value < 10 ** 15:
        return f"{value:,}"
    digits = len(str(value)) if value.bit_length() < 10_000 else int(value.bit_length() * 0.30103)
    exponent = digits - 1
    lead = value // 10 ** (exponent - 2) if exponent >= 2 else value
    return f"≈ {lead / 100:.2f}·10^{exponent}"


def lower_region_bound(hyperplanes: int, rank: int) -> int:
    """(H − r + 2)·2^(r−1): no arrangement of H ≥ 1 distinct hyperplanes whose normals have rank
    r has fewer regions (1 when H = 0).

    Proof, by induction on H. If H = r the normals are independent and there are exactly 2^r
    regions. If H > r some normal is a combination of the others (or repeats one), so deleting
    its hyperplane K leaves rank r, and deletion–restriction gives
    regions(A) = regions(A − K) + regions(A^K). The restriction A^K has rank r − 1 (the normals
    of the hyperplanes meeting K, projected along K's normal, span the rest), so it has at least
    2^(r−1) regions: any r − 1 of its hyperplanes with independent normals already make that
    many, and adding hyperplanes never merges regions. Hence
    regions(A) ≥ (H − 1 − r + 2)·2^(r−1) + 2^(r−1). The bound grows with r for r ≤ H, so a lower
    bound of the rank gives a lower bound of the regions.

    >>> lower_region_bound(5, 1), lower_region_bound(4, 2), lower_region_bound(3, 3)
    (6, 8, 8)
    """
    if hyperplanes == 0:
        return 1
    return (hyperplanes - rank + 2) << (rank - 1)


def upper_region_bound(hyperplanes: int, rank: int) -> int:
    """Σ_{i≤r} C(H, i): no arrangement of H distinct hyperplanes whose normals have rank r has
    more regions (equality in general position)."""
    return sum(math.comb(hyperplanes, i) for i in range(rank + 1))


def region_bounds(arrangement: HyperplaneArrangement, exact_rank: bool = True) -> RegionBounds:
    """Bounds on the number of regions that need no count: with H distinct hyperplanes whose
    normals have rank r, (H − r + 2)·2^(r−1) ≤ regions ≤ Σ_{i≤r} C(H, i)
    (:func:`lower_region_bound`, :func:`upper_region_bound`).

    The rank is taken modulo a prime first (a lower bound of the rank over Q, exact when it
    reaches min(H, d), as for generic weights); only otherwise is it computed exactly, or, with
    ``exact_rank=False``, bounded above by min(H, d). Cost: one elimination mod p of the H × d
    normals.

    >>> from relugeom.arrangement import hyperplane_arrangement
    >>> b = region_bounds(hyperplane_arrangement([[1, 0], [0, 1], [1, 1]], [0, 0, 0]))
    >>> b.lower, b.upper
    (6, 7)
    """
    normals = [u for u, _ in arrangement.hyperplanes]
    H, d = len(normals), arrangement.dimension
    if H == 0:
        return RegionBounds(0, 0, 0, 1, 1)
    low = _rank_mod_p(normals)
    high = low if low == min(H, d) else arrangement.rank if exact_rank else min(H, d)
    return RegionBounds(H, low, high, lower_region_bound(H, low), upper_region_bound(H, high))
