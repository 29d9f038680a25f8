"""relugeom: the local geometry of ReLU networks, exactly.

For weights θ and a sample X, relugeom computes in rational arithmetic the activation
patterns X sees, the Jacobian of θ ↦ f_θ(X), its exact rank (the local dimension), and more.

>>> from relugeom import ShallowNetwork, local_dimension
>>> net = ShallowNetwork(W=[[1], [-1]], b=[0, 0], V=[[1, 1]], c=[0])
>>> local_dimension(net, [[1], [2], [-1], [-3]])
4
"""

from .analysis import Analysis, analyze
from .dimension import local_dimension
from .errors import BoundaryError, InputError
from .io import read_network, read_sample
from .jacobian import jacobian, numeric_jacobian
from .network import ShallowNetwork
from .numbers import parse_json, to_rational
from .patterns import activation_patterns, preactivations
from .sample import as_sample

__version__ = "0.1.0"

__all__ = [
    "Analysis",
    "BoundaryError",
    "InputError",
    "ShallowNetwork",
    "activation_patterns",
    "analyze",
    "as_sample",
    "jacobian",
    "local_dimension",
    "numeric_jacobian",
    "parse_json",
    "preactivations",
    "read_network",
    "read_sample",
    "to_rational",
]
