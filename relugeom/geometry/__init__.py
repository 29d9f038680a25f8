"""Geometry built on the local dimension: the functional dimension, how fast random samples
reach it, and the partition of parameter space along a segment.

- :mod:`~relugeom.geometry.functional`: fdim(θ) = max over X of dim(θ, X), exactly;
- :mod:`~relugeom.geometry.sampling`: sampling convergence towards fdim;
- :mod:`~relugeom.geometry.walk`: where the patterns change along θ + t·u.
"""

from .functional import FunctionalDimension, decisive_sample, functional_dimension
from .sampling import SamplingConvergence, sampling_convergence
from .walk import Walk, walk

__all__ = ["FunctionalDimension", "SamplingConvergence", "Walk", "decisive_sample",
           "functional_dimension", "sampling_convergence", "walk"]
