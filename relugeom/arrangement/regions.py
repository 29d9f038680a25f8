"""Activation regions and linear pieces of a shallow network, and those a sample perceives.

For f(x) = V relu(Wx + b) + c (a :class:`~relugeom.model.shallow.ShallowNetwork`):

- the *activation regions* are the cells of the arrangement of the hidden hyperplanes
  (:mod:`relugeom.arrangement`), counted also by Zaslavsky's theorem (:mod:`relugeom.arrangement.zaslavsky`);
- the *linear pieces* merge adjacent regions on which f has the same affine map
  (:mod:`relugeom.arrangement.pieces`);
- the regions and pieces *perceived* by a sample X are those containing at least one x_i.

A sample on a hyperplane belongs to no (open) region: :class:`~relugeom.errors.BoundaryError`.

>>> from relugeom import ShallowNetwork
>>> net = ShallowNetwork(W=[[1, 0], [-1, 0], [0, 1]], b=[0, 0, 0], V=[[1, -1, 1]], c=[0])
>>> report = region_report(net, X=[[1, 1], [-1, 1], [2, 3]])
>>> (report.regions.count, report.pieces.count, report.perceived.activation_regions_perceived,
...  report.perceived.linear_pieces_perceived)
(4, 2, 2, 1)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx

from ..exact.numbers import to_json_number, to_rational
from ..model.network import Network
from ..model.sample import as_sample
from ..model.shallow import as_shallow
from .cells import (HyperplaneArrangement, cells_meeting_box, enumerate_cells,
                    hyperplane_arrangement, locate)
from .pieces import (LinearPieces, adjacency_graph, count_linear_pieces, merge_linear_pieces,
                     piece_keys)
from .zaslavsky import RegionCounts, region_counts


def _shallow(network: Network) -> Any:
    return as_shallow(network, "the activation regions and linear pieces")


@dataclass(frozen=True)
class ActivationRegions:
    """The activation regions of a network: every cell, with counts checked by Zaslavsky.

    ``cells`` are sorted by pattern; ``counts`` comes from the characteristic polynomial.
    With a box (lo, hi), ``in_box`` lists the cells meeting (lo, hi)^d.
    """

    arrangement: HyperplaneArrangement
    cells: tuple
    counts: RegionCounts
    box: tuple | None = None
    in_box: tuple | None = None

    @property
    def count(self) -> int:
        return len(self.cells)

    @property
    def bounded(self) -> int:
        return sum(cell.bounded for cell in self.cells)

    @property
    def relatively_bounded(self) -> int:
        return sum(cell.relatively_bounded for cell in self.cells)

    def to_dict(self) -> dict[str, Any]:
        out = {"activation_regions": self.count,
               "bounded_activation_regions": self.bounded,
               "relatively_bounded_activation_regions": self.relatively_bounded,
               "hyperplanes": len(self.arrangement.hyperplanes),
               "rank": self.counts.rank,
               "characteristic_polynomial": list(self.counts.characteristic_polynomial)}
        if self.box is not None:
            out["box"] = [to_json_number(q) for q in self.box]
            out["activation_regions_in_box"] = len(self.in_box)
        return out


def activation_regions(network: Network, box: tuple | None = None) -> ActivationRegions:
    """Every activation region of ``network`` (exact interior point, boundedness), and counts.

    ``box=(lo, hi)`` also finds the regions meeting the box (lo, hi)^d (open or closed: the
    same regions, see :func:`relugeom.arrangement.cells_meeting_box`).
    Raises AssertionError if enumeration and Zaslavsky's count ever disagree (a bug).

    >>> from relugeom import ShallowNetwork
    >>> r = activation_regions(ShallowNetwork(W=[[1], [-1]], b=[0, 1], V=[[1, 1]], c=[0]))
    >>> r.count, r.bounded, r.counts.characteristic_polynomial
    (3, 1, (-2, 1))
    """
    network = _shallow(network)
    arrangement = hyperplane_arrangement(network.W, network.b)
    cells = enumerate_cells(arrangement)
    counts = region_counts(arrangement)
    if (len(cells), sum(c.bounded for c in cells)) != (counts.regions, counts.bounded):
        raise AssertionError(f"enumeration found {len(cells)} regions, Zaslavsky's theorem "
                             f"{counts.regions}: please report this network")
    if box is None:
        return ActivationRegions(arrangement, cells, counts)
    lo, hi = (to_rational(q, name) for q, name in zip(box, ("box lower bound",
                                                            "box upper bound")))
    inside = tuple(cells_meeting_box(arrangement, lo, hi, cells))
    return ActivationRegions(arrangement, cells, counts, (lo, hi), inside)


def count_activation_regions(network: Network) -> RegionCounts:
    """Counts only (regions, bounded, relatively bounded, χ) by Zaslavsky: no enumeration."""
    network = _shallow(network)
    return region_counts(hyperplane_arrangement(network.W, network.b))


def region_graph(network: Network, regions: ActivationRegions | None = None) -> nx.Graph:
    """The region adjacency graph with the affine map of f on each region.

    See :func:`relugeom.arrangement.pieces.adjacency_graph` for the node and edge attributes.
    """
    network = _shallow(network)
    regions = regions if regions is not None else activation_regions(network)
    return adjacency_graph(regions.arrangement, regions.cells, network.V, network.c)


def linear_pieces(network: Network, regions: ActivationRegions | None = None,
                  graph: nx.Graph | None = None) -> LinearPieces:
    """The linear pieces of f: adjacent regions with the same affine map, merged.

    >>> from relugeom import ShallowNetwork
    >>> linear_pieces(ShallowNetwork(W=[[1], [-1]], b=[0, 0], V=[[1, 1]], c=[0])).count
    2
    """
    network = _shallow(network)
    if graph is None:
        graph = region_graph(network, regions)
    return merge_linear_pieces(graph)


@dataclass(frozen=True)
class PerceivedRegions:
    """Which region and piece each sample falls in (indices into the regions' cells and the
    pieces), and how many distinct ones."""

    sample_region: tuple
    sample_piece: tuple

    @property
    def activation_regions_perceived(self) -> int:
        return len(set(self.sample_region))

    @property
    def linear_pieces_perceived(self) -> int:
        return len(set(self.sample_piece))

    def to_dict(self) -> dict[str, Any]:
        return {"activation_regions_perceived": self.activation_regions_perceived,
                "linear_pieces_perceived": self.linear_pieces_perceived,
                "sample_region": list(self.sample_region),
                "sample_piece": list(self.sample_piece)}


def perceived_regions(network: Network, X: Any, regions: ActivationRegions | None = None,
                      pieces: LinearPieces | None = None) -> PerceivedRegions:
    """The sample → region and sample → piece maps.

    A sample on a hyperplane raises :class:`~relugeom.errors.BoundaryError`.
    """
    network = _shallow(network)
    regions = regions if regions is not None else activation_regions(network)
    pieces = pieces if pieces is not None else linear_pieces(network, regions)
    sample_region = locate(regions.arrangement, regions.cells, X)
    return PerceivedRegions(sample_region, tuple(pieces.cell_piece[i] for i in sample_region))


def count_pieces_perceived(network: Network, X: Any) -> int:
    """Linear pieces containing a sample, without enumerating any region.

    Pieces are the cells of the arrangement of hyperplanes where f bends
    (:mod:`relugeom.arrangement.pieces`), so two samples share a piece iff they lie on the same side of each
    bending hyperplane. A sample on a bending hyperplane raises BoundaryError; one on a
    hyperplane where f does not bend is inside a piece. Cost: O(n·N·d).
    """
    network = _shallow(network)
    arrangement = hyperplane_arrangement(network.W, network.b)
    return len(set(piece_keys(arrangement, network.V, X)))


@dataclass(frozen=True)
class RegionReport:
    """Everything ``relugeom regions`` prints: regions, pieces, and optionally a sample's view."""

    regions: ActivationRegions
    pieces: LinearPieces
    perceived: PerceivedRegions | None = None
    X: tuple | None = None

    @property
    def pieces_in_box(self) -> int | None:
        if self.regions.in_box is None:
            return None
        return len({self.pieces.cell_piece[i] for i in self.regions.in_box})

    def to_dict(self, cells: bool = False) -> dict[str, Any]:
        arrangement = self.regions.arrangement
        out = {"input_dim": arrangement.dimension, "hidden_width": arrangement.n_neurons,
               **self.regions.to_dict(), "linear_pieces": self.pieces.count}
        if self.regions.box is not None:
            out["linear_pieces_in_box"] = self.pieces_in_box
        if self.perceived is not None:
            out["n_samples"] = len(self.X)
            out.update(self.perceived.to_dict())
        if cells:
            out["cells"] = [{**cell.to_dict(), "piece": piece}
                            for cell, piece in zip(self.regions.cells, self.pieces.cell_piece)]
        return out


def region_report(network: Network, X: Any = None, box: tuple | None = None) -> RegionReport:
    """Regions (and those in ``box``), linear pieces, and what the sample ``X`` perceives."""
    network = _shallow(network)
    regions = activation_regions(network, box)
    pieces = linear_pieces(network, regions)
    if X is None:
        return RegionReport(regions, pieces)
    X = as_sample(X, network.input_dim)
    return RegionReport(regions, pieces, perceived_regions(network, X, regions, pieces), X)


def count_linear_pieces_of(network: Network) -> int:
    """Linear pieces by Zaslavsky on the bending hyperplanes: no enumeration."""
    network = _shallow(network)
    return count_linear_pieces(hyperplane_arrangement(network.W, network.b), network.V)

