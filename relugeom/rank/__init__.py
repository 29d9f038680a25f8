"""The local dimension: the Jacobian of θ ↦ f_θ(X) and its rank, with certificates.

- :mod:`~relugeom.rank.jacobian` and :mod:`~relugeom.rank.backprop`: J exactly (and in floats);
- :mod:`~relugeom.rank.dimension`: the one front door, :func:`local_dimension_report`, for
  shallow and deep networks alike;
- :mod:`~relugeom.rank.shallow` and :mod:`~relugeom.rank.deep`: the certified modular engines,
  with their proven upper bounds; :mod:`~relugeom.rank.relations`: the local relations that
  sharpen them; :mod:`~relugeom.rank.float_certificate`: J in float64 with proven entrywise
  error bounds, for the float Gram lower bound; :mod:`~relugeom.rank.independent`: the
  independent-samples formula; :mod:`~relugeom.rank.structured_kernel`: kernel vectors known
  from the network's structure; :mod:`~relugeom.rank.pair_relations`: relations between two
  neurons that differ on few samples; :mod:`~relugeom.rank.verified`: the verified-kernel
  certificate of J;
- :mod:`~relugeom.rank.explain`: why the rank is what it is (rank structure, kernel split).
"""

from .backprop import deep_jacobian, layer_diagnosis, layer_patterns, layer_preactivations
from .dimension import LocalDimension, local_dimension, local_dimension_report
from .explain import KernelSplit, RankStructure, kernel_split, rank_structure
from .jacobian import jacobian, numeric_jacobian

__all__ = ["KernelSplit", "LocalDimension", "RankStructure", "deep_jacobian", "jacobian",
           "kernel_split", "layer_diagnosis", "layer_patterns", "layer_preactivations",
           "local_dimension", "local_dimension_report", "numeric_jacobian", "rank_structure"]
