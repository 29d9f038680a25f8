"""The arrangement of the hidden hyperplanes in input space, beside the rank pipeline.

- :mod:`~relugeom.arrangement.cells`: the arrangement and its cells (activation regions);
- :mod:`~relugeom.arrangement.restriction` and :mod:`~relugeom.arrangement.zaslavsky`:
  restriction to a hyperplane, and counting cells without listing them;
- :mod:`~relugeom.arrangement.pieces`: the region graph and the linear pieces;
- :mod:`~relugeom.arrangement.regions`: regions and pieces of a network, and those X perceives;
- :mod:`~relugeom.arrangement.plot`: a picture on R² (matplotlib, optional).
"""

from .cells import (Cell, HyperplaneArrangement, cells_meeting_box, enumerate_cells,
                    hyperplane_arrangement, locate)
from .pieces import LinearPieces, adjacency_graph, count_linear_pieces, merge_linear_pieces
from .regions import (ActivationRegions, PerceivedRegions, RegionReport, activation_regions,
                      count_activation_regions, count_pieces_perceived, linear_pieces,
                      perceived_regions, region_graph, region_report)
from .zaslavsky import RegionCounts, characteristic_polynomial, region_counts

__all__ = ["ActivationRegions", "Cell", "HyperplaneArrangement", "LinearPieces",
           "PerceivedRegions", "RegionCounts", "RegionReport", "activation_regions",
           "adjacency_graph", "cells_meeting_box", "characteristic_polynomial",
           "count_activation_regions", "count_linear_pieces", "count_pieces_perceived",
           "enumerate_cells", "hyperplane_arrangement", "linear_pieces", "locate",
           "merge_linear_pieces", "perceived_regions", "region_counts", "region_graph",
           "region_report"]
