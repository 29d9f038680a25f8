"""The arrangement of the hidden hyperplanes in input space, beside the rank pipeline.

- :mod:`~relugeom.arrangement.cells`: the arrangement and its cells (activation regions);
- :mod:`~relugeom.arrangement.restriction` and :mod:`~relugeom.arrangement.zaslavsky`:
  restriction to a hyperplane, counting cells without listing them (with a work budget), and
  bounds on their number that need no count;
- :mod:`~relugeom.arrangement.pieces`: the region graph and the linear pieces;
- :mod:`~relugeom.arrangement.regions`: regions and pieces of a network, and those X perceives;
- :mod:`~relugeom.arrangement.plot`: a picture on R² (matplotlib, optional).
"""

from .cells import (Cell, HyperplaneArrangement, cells_meeting_box, enumerate_cells,
                    hyperplane_arrangement, hyperplane_sides, locate)
from .pieces import LinearPieces, adjacency_graph, count_linear_pieces, merge_linear_pieces
from .regions import (ActivationRegions, PerceivedRegions, RegionBudget, RegionReport,
                      activation_regions, count_activation_regions, count_pieces_perceived,
                      linear_pieces, perceived_regions, region_budget, region_graph,
                      region_report)
from .zaslavsky import (BoundedCount, CountStopped, RegionBounds, RegionCounts,
                        characteristic_polynomial, count_within, region_bounds, region_counts)

__all__ = ["ActivationRegions", "BoundedCount", "Cell", "CountStopped", "HyperplaneArrangement",
           "LinearPieces", "PerceivedRegions", "RegionBounds", "RegionBudget", "RegionCounts",
           "RegionReport", "activation_regions", "adjacency_graph", "cells_meeting_box",
           "characteristic_polynomial", "count_activation_regions", "count_linear_pieces",
           "count_pieces_perceived", "count_within", "enumerate_cells", "hyperplane_arrangement",
           "hyperplane_sides", "linear_pieces", "locate", "merge_linear_pieces",
           "perceived_regions", "region_bounds", "region_budget", "region_counts",
           "region_graph", "region_report"]
