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

from dataclasses import dataclass
from typing import Any

from .cells import HyperplaneArrangement, _essential
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


def region_counts(arrangement: HyperplaneArrangement) -> RegionCounts:
    """Regions, relatively bounded and bounded regions by Zaslavsky's theorem, and χ.

    >>> from relugeom.arrangement import hyperplane_arrangement
    >>> c = region_counts(hyperplane_arrangement([[1, 0], [0, 1], [1, 1]], [0, 0, -1]))
    >>> c.regions, c.bounded
    (7, 1)
    """
    d = arrangement.dimension
    r, _, essential, _ = _essential(arrangement)
    chi = (0,) * (d - r) + tuple(_chi(essential, r))
    regions = (-1) ** d * sum(c * (-1) ** i for i, c in enumerate(chi))
    relatively_bounded = (-1) ** r * sum(chi)
    return RegionCounts(d, r, chi, regions, relatively_bounded,
                        relatively_bounded if r == d else 0)


def _chi(hyperplanes: list[Hyperplane], dim: int) -> list[int]:
    """χ of distinct hyperplanes in R^dim, coefficient of t^i at index i."""
    if dim == 0:
        return [1]
    if dim == 1:
        return [-len(hyperplanes), 1]
    chi = [0] * dim + [1]
    for k, H in enumerate(hyperplanes):
        restricted, _ = restrict(hyperplanes[:k], H)
        for i, c in enumerate(_chi(restricted, dim - 1)):
            chi[i] -= c
    return chi
