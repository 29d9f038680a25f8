"""Shallow or deep: the one place that tells the two network types apart.

A :data:`Network` is a :class:`~relugeom.model.shallow.ShallowNetwork` (one hidden layer,
f_θ(x) = V·relu(Wx + b) + c) or a :class:`~relugeom.model.deep.DeepNetwork` (any depth).
Algorithms that have a faster or sharper shallow form ask :func:`is_shallow` once and take
:func:`~relugeom.model.shallow.as_shallow` / :func:`~relugeom.model.deep.as_deep` of the network.

>>> is_shallow(ShallowNetwork([[1]], [0], [[1]], [0])), is_shallow(DeepNetwork.random([2, 3, 1]))
(True, True)
>>> is_shallow(DeepNetwork.random([2, 3, 3, 1]))
False
"""

from __future__ import annotations

from typing import Union

from .deep import DeepNetwork, as_deep
from .shallow import ShallowNetwork, as_shallow

#: Either network type; every public function taking a network accepts both unless it says
#: "shallow only".
Network = Union[ShallowNetwork, DeepNetwork]

__all__ = ["Network", "as_deep", "as_shallow", "is_shallow"]


def is_shallow(network: Network) -> bool:
    """True when ``network`` has one hidden layer (a ShallowNetwork, or a DeepNetwork with L = 2)."""
    return isinstance(network, ShallowNetwork) or network.depth == 2
