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

from ..exact.numbers import polynomial_text, to_json_number, to_rational
from ..exact.tables import Tabular
from ..model.network import Network
from ..model.sample import as_sample
from ..model.shallow import as_shallow
from .cells import (HyperplaneArrangement, cells_meeting_box, enumerate_cells,
                    hyperplane_arrangement, locate)
from .pieces import (LinearPieces, adjacency_graph, bending_sides, count_linear_pieces,
                     count_pieces_from_sides, merge_linear_pieces)
from .zaslavsky import (BoundedCount, RegionBounds, RegionCounts, count_within, number_text,
                        region_bounds, region_counts)


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


def count_activation_regions(network: Network, steps: int | None = None) -> RegionCounts:
    """Counts only (regions, bounded, relatively bounded, χ) by Zaslavsky: no enumeration.

    With ``steps``, :class:`~relugeom.arrangement.zaslavsky.CountStopped` rather than more than
    that many integer operations."""
    network = _shallow(network)
    return region_counts(hyperplane_arrangement(network.W, network.b), steps)


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
    (:mod:`relugeom.arrangement.pieces`), so two samples share a piece iff they lie on the same
    side of each bending hyperplane. A sample on a bending hyperplane raises BoundaryError; one
    on a hyperplane where f does not bend is inside a piece. Cost: one exact integer product
    n × (d+1) by (d+1) × (bending hyperplanes), then hashing the n side vectors.
    """
    network = _shallow(network)
    arrangement = hyperplane_arrangement(network.W, network.b)
    return count_pieces_from_sides(bending_sides(arrangement, network.V, X))


@dataclass(frozen=True)
class RegionReport(Tabular):
    """Everything ``relugeom regions`` prints: regions, pieces, and optionally a sample's view.
    In a notebook it shows as that table; :meth:`to_pandas` gives one row per region."""

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

    def _table(self) -> tuple[str, list[tuple[str, Any]]]:
        regions, arrangement = self.regions, self.regions.arrangement
        rows = [("activation regions", regions.count), ("bounded", regions.bounded),
                ("relatively bounded", regions.relatively_bounded),
                ("characteristic polynomial",
                 polynomial_text(regions.counts.characteristic_polynomial)),
                ("linear pieces", self.pieces.count)]
        if regions.box is not None:
            lo, hi = (to_json_number(q) for q in regions.box)
            rows += [(f"regions meeting ({lo}, {hi})^{arrangement.dimension}",
                      len(regions.in_box)),
                     (f"pieces meeting ({lo}, {hi})^{arrangement.dimension}", self.pieces_in_box)]
        if self.perceived is not None:
            rows += [(f"regions perceived by the {len(self.X)} samples",
                      self.perceived.activation_regions_perceived),
                     ("pieces perceived by the samples", self.perceived.linear_pieces_perceived)]
        return (f"d = {arrangement.dimension} inputs, N = {arrangement.n_neurons} hidden neurons "
                f"on {len(arrangement.hyperplanes)} distinct hyperplanes", rows)

    def _records(self) -> list[dict]:
        """One record per activation region: its pattern, an interior point, boundedness, its
        linear piece and (with a sample) how many samples it holds."""
        held = ([self.perceived.sample_region.count(i) for i in range(self.regions.count)]
                if self.perceived is not None else None)
        return [{"region": i, "pattern": "".join(map(str, cell.pattern)),
                 "point": tuple(to_json_number(q) for q in cell.point),
                 "bounded": cell.bounded, "relatively_bounded": cell.relatively_bounded,
                 "piece": self.pieces.cell_piece[i],
                 **({"samples": held[i]} if held is not None else {})}
                for i, cell in enumerate(self.regions.cells)]


def region_report(network: Network, X: Any = None, box: tuple | None = None) -> RegionReport:
    """Regions (and those in ``box``), linear pieces, and what the sample ``X`` perceives."""
    network = _shallow(network)
    regions = activation_regions(network, box)
    pieces = linear_pieces(network, regions)
    if X is None:
        return RegionReport(regions, pieces)
    X = as_sample(X, network.input_dim)
    return RegionReport(regions, pieces, perceived_regions(network, X, regions, pieces), X)


def count_linear_pieces_of(network: Network, steps: int | None = None) -> int:
    """Linear pieces by Zaslavsky on the bending hyperplanes: no enumeration (with ``steps``, a
    work budget as in :func:`count_activation_regions`)."""
    network = _shallow(network)
    return count_linear_pieces(hyperplane_arrangement(network.W, network.b), network.V, steps)



# --- refusing unbounded work ------------------------------------------------------------------

@dataclass(frozen=True)
class RegionBudget:
    """Whether an arrangement has more than ``limit`` regions, decided as cheaply as possible
    (:func:`region_budget`).

    ``over`` is True (more than ``limit``: proven by ``bounds.lower`` or by the exact count of a
    sub-arrangement), False (at most ``limit``: proven by ``bounds.upper`` or by the exact count)
    or None (undecided: the exact count ran out of its work budget). ``how`` says which proof:
    "lower bound", "upper bound", "count", "partial count" or "budget".
    """

    limit: int
    bounds: RegionBounds
    count: BoundedCount | None
    over: bool | None
    how: str

    def refusal(self, what: str = "the network", limit_name: str | None = None) -> str:
        """Why enumerating would be refused, naming the bound or count used and its value
        (empty when ``over`` is False). ``what`` names the arrangement, ``limit_name`` the
        limit (e.g. "--max-regions 100000")."""
        limit = limit_name or f"the limit {self.limit}"
        bounds, count = self.bounds, self.count
        if self.over is False:
            return ""
        if self.how == "lower bound":
            return (f"{what} has at least {number_text(bounds.lower)} activation regions "
                    f"({bounds.lower_text}), more than {limit}: enumerating them would take "
                    "very long.")
        if self.how == "partial count":
            return (f"{what} has more than {limit} activation regions: its first "
                    f"{count.hyperplanes} of {count.total_hyperplanes} distinct hyperplanes "
                    f"already make {number_text(count.at_least)} (counted exactly by Zaslavsky's "
                    f"theorem; all of them make at most {number_text(bounds.upper)}, by "
                    f"{bounds.upper_text}): enumerating them would take very long.")
        if self.how == "count":
            return (f"{what} has {number_text(count.regions)} activation regions (counted "
                    f"exactly by Zaslavsky's theorem), more than {limit}: enumerating them "
                    "would take very long.")
        return (f"cannot tell cheaply whether {what} has more than {limit} activation regions: "
                f"it has at least {number_text(count.at_least)} (its first {count.hyperplanes} "
                f"of {count.total_hyperplanes} distinct hyperplanes, counted exactly) and at "
                f"most {number_text(bounds.upper)} ({bounds.upper_text}), and the exact count "
                f"by Zaslavsky's theorem stopped after its work budget "
                f"({number_text(count.steps)} operations, which grows with the limit).")


def region_budget(arrangement: HyperplaneArrangement, limit: int,
                  steps: int | None = None) -> RegionBudget:
    """Has the arrangement more than ``limit`` regions? Cheapest proof first:

    1. (H − r + 2)·2^(r−1) > limit (a lower bound, rank mod p): yes;
    2. Σ_{i≤r} C(H, i) ≤ limit (an upper bound): no;
    3. otherwise the exact count by deletion–restriction (:func:`count_within`), which stops
       as soon as the first k hyperplanes make more than ``limit`` regions (yes), or when its
       work exceeds ``steps`` integer operations (undecided; default 50·limit + 10^6, a few
       seconds: reaching ``limit`` regions takes about 4 to 25 operations per region).

    Never enumerates a region; the count, when it runs, does work comparable to ``limit``.

    >>> from relugeom.arrangement import hyperplane_arrangement
    >>> lines = hyperplane_arrangement([[1, 0], [0, 1], [1, 1], [1, -1], [1, 2]], [0, 0, -1, 2, 5])
    >>> [(b.over, b.how) for b in (region_budget(lines, k) for k in (9, 10, 15, 16))]
    [(True, 'lower bound'), (True, 'partial count'), (True, 'count'), (False, 'upper bound')]
    >>> region_budget(lines, 10).count.at_least     # 4 lines in general position already make 11
    11
    """
    if steps is None:
        steps = 50 * limit + 1_000_000
    bounds = region_bounds(arrangement, exact_rank=False)
    if bounds.lower > limit:
        return RegionBudget(limit, bounds, None, True, "lower bound")
    if bounds.upper > limit and bounds.rank_high > bounds.rank_low:
        bounds = region_bounds(arrangement)   # the exact rank may lower the upper bound
    if bounds.upper <= limit:
        return RegionBudget(limit, bounds, None, False, "upper bound")
    count = count_within(arrangement, limit, steps)
    if count.stopped == "budget":
        return RegionBudget(limit, bounds, count, None, "budget")
    if count.stopped == "limit":
        return RegionBudget(limit, bounds, count, True, "partial count")
    return RegionBudget(limit, bounds, count, count.regions > limit, "count")
