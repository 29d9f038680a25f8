"""The model: networks (shallow and deep), samples, activation patterns, files and data sets.

- :mod:`~relugeom.model.shallow` and :mod:`~relugeom.model.deep`: the two network types,
  told apart in one place, :mod:`~relugeom.model.network`;
- :mod:`~relugeom.model.sample` and :mod:`~relugeom.model.patterns`: X and the patterns it sees;
- :mod:`~relugeom.model.io`, :mod:`~relugeom.model.datasets`, :mod:`~relugeom.model.examples`:
  networks and samples from files, data sets and built-in examples.
"""

from .deep import DeepNetwork, as_deep
from .io import read_network, read_sample
from .network import Network, is_shallow
from .patterns import activation_patterns, preactivations
from .sample import as_sample
from .shallow import ShallowNetwork, as_shallow

__all__ = ["DeepNetwork", "Network", "ShallowNetwork", "activation_patterns", "as_deep",
           "as_sample", "as_shallow", "is_shallow", "preactivations", "read_network",
           "read_sample"]
