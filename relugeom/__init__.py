"""relugeom: the local geometry of ReLU networks, exactly.

For weights θ and a sample X, relugeom computes in rational arithmetic the activation
patterns X sees, the Jacobian of θ ↦ f_θ(X), its exact rank (the local dimension), and more.

>>> from relugeom import ShallowNetwork, local_dimension
>>> net = ShallowNetwork(W=[[1], [-1]], b=[0, 0], V=[[1, 1]], c=[0])
>>> local_dimension(net, [[1], [2], [-1], [-3]])
4
"""

#: The version of relugeom, in this one place: setup.cfg reads it, ``relugeom --version``
#: prints it.
__version__ = "0.1.0"

import importlib  # noqa: E402  (the version comes first, for tools that read it)

from .analysis import Analysis, analyze
from .arrangement.cells import (Cell, HyperplaneArrangement, cells_meeting_box, enumerate_cells,
                                hyperplane_arrangement, locate)
from .arrangement.deep import (DeepRegionReport, DeepRegions, deep_activation_regions,
                               deep_linear_pieces, deep_region_report, region_upper_bound)
from .arrangement.pieces import (LinearPieces, adjacency_graph, count_linear_pieces,
                                 merge_linear_pieces)
from .arrangement.regions import (ActivationRegions, PerceivedRegions, RegionReport,
                                  activation_regions, count_activation_regions,
                                  count_pieces_perceived, linear_pieces, perceived_regions,
                                  region_graph, region_report)
from .arrangement.zaslavsky import RegionCounts, characteristic_polynomial, region_counts
from .checks import Verdict, run_checks
from .checks.numeric import NumericComparison, compare_numeric
from .errors import BoundaryError, InputError
from .exact.numbers import parse_json, to_rational
from .geometry.deep_functional import DeepFunctionalDimension, deep_functional_dimension
from .geometry.functional import FunctionalDimension, decisive_sample, functional_dimension
from .geometry.sampling import SamplingConvergence, sampling_convergence
from .geometry.walk import Walk, walk
from .linalg.certified import Rank, RankNotCertified
from .linalg.floating import numeric_rank
from .linalg.verified import VerifiedKernel, verified_kernel
from .model.deep import DeepNetwork, symmetry_bound
from .model.formats.loading import ImportReport, import_network, load_network
from .model.io import read_network, read_sample
from .model.network import Network, as_network, is_shallow
from .model.patterns import activation_patterns, preactivations
from .model.sample import as_sample
from .model.shallow import ShallowNetwork
from .parallel import Interrupted, parallel_map
from .rank.backprop import deep_jacobian, layer_diagnosis, layer_patterns, layer_preactivations
from .rank.dimension import LocalDimension, local_dimension, local_dimension_report
from .rank.explain import KernelSplit, RankStructure, kernel_split, rank_structure
from .rank.jacobian import jacobian, numeric_jacobian
from .search.conjectures import CATALOGUE, Conjecture, conjecture, get_conjecture

# Names imported on first use, so that `import relugeom` stays light: the counterexample search
# runs on hypothesis (an optional dependency, relugeom[test]), and the experiments train networks.
_LAZY = {"Counterexample": "search.results", "SearchResult": "search.results",
         "exhaustive_search": "search.exhaustive", "exhaustive_case": "search.exhaustive",
         "find_counterexample": "search.randomized",
         "ExperimentResult": "experiments", "run_experiment": "experiments",
         "run_sweep": "experiments"}


def __getattr__(name: str):
    if name in _LAZY:
        try:
            module = importlib.import_module(f".{_LAZY[name]}", __name__)
        except ModuleNotFoundError as exc:
            if (exc.name or "").partition(".")[0] != "hypothesis":
                raise
            return _needs_hypothesis(name)
        return getattr(module, name)
    raise AttributeError(f"module 'relugeom' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def _needs_hypothesis(name: str):
    """A stand-in for a search function when hypothesis is not installed: ``from relugeom
    import *`` still works, and a call says what to install."""
    def missing(*args, **kwargs):
        raise ModuleNotFoundError(f"relugeom.{name} runs on hypothesis, which is not installed: "
                                  "pip install 'relugeom[test]' (or pip install hypothesis)",
                                  name="hypothesis")

    missing.__name__ = missing.__qualname__ = name
    missing.__doc__ = f"relugeom.{name} (unavailable: it needs hypothesis, relugeom[test])."
    return missing


__all__ = [
    "ActivationRegions",
    "Analysis",
    "BoundaryError",
    "CATALOGUE",
    "Cell",
    "Conjecture",
    "Counterexample",
    "DeepNetwork",
    "ExperimentResult",
    "FunctionalDimension",
    "HyperplaneArrangement",
    "DeepFunctionalDimension",
    "DeepRegionReport",
    "DeepRegions",
    "ImportReport",
    "InputError",
    "Interrupted",
    "KernelSplit",
    "LinearPieces",
    "Network",
    "NumericComparison",
    "PerceivedRegions",
    "Rank",
    "RankNotCertified",
    "RankStructure",
    "RegionCounts",
    "RegionReport",
    "SamplingConvergence",
    "SearchResult",
    "ShallowNetwork",
    "Verdict",
    "VerifiedKernel",
    "Walk",
    "activation_patterns",
    "activation_regions",
    "adjacency_graph",
    "analyze",
    "as_network",
    "as_sample",
    "cells_meeting_box",
    "characteristic_polynomial",
    "compare_numeric",
    "conjecture",
    "count_activation_regions",
    "count_linear_pieces",
    "count_pieces_perceived",
    "decisive_sample",
    "deep_activation_regions",
    "deep_functional_dimension",
    "deep_jacobian",
    "deep_linear_pieces",
    "deep_region_report",
    "enumerate_cells",
    "exhaustive_case",
    "exhaustive_search",
    "find_counterexample",
    "functional_dimension",
    "get_conjecture",
    "hyperplane_arrangement",
    "import_network",
    "jacobian",
    "kernel_split",
    "layer_diagnosis",
    "layer_patterns",
    "layer_preactivations",
    "linear_pieces",
    "local_dimension",
    "load_network",
    "local_dimension_report",
    "LocalDimension",
    "locate",
    "merge_linear_pieces",
    "numeric_jacobian",
    "is_shallow",
    "numeric_rank",
    "parallel_map",
    "parse_json",
    "perceived_regions",
    "preactivations",
    "rank_structure",
    "read_network",
    "read_sample",
    "region_counts",
    "region_graph",
    "region_report",
    "region_upper_bound",
    "run_checks",
    "run_experiment",
    "run_sweep",
    "sampling_convergence",
    "symmetry_bound",
    "to_rational",
    "verified_kernel",
    "walk",
]
