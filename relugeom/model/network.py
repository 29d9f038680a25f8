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

from typing import Any, Union

import numpy as np

from ..errors import InputError
from .deep import DeepNetwork, as_deep
from .shallow import ShallowNetwork, as_shallow

#: Either network type; every public function taking a network accepts both unless it says
#: "shallow only".
Network = Union[ShallowNetwork, DeepNetwork]

__all__ = ["Network", "as_deep", "as_network", "as_shallow", "float_layers", "is_shallow",
           "network_from_data"]

_FORMS = ('a ShallowNetwork, a DeepNetwork, or a dict in relugeom\'s JSON form, '
          '{"W": [[..]], "b": [..], "V": [[..]], "c": [..]} or '
          '{"layers": [{"W": [[..]], "b": [..]}, ...]}')


def network_from_data(data: Any, source: str = "network") -> Network:
    """Build a network from parsed JSON data: a ``"layers"`` key means a
    :class:`~relugeom.model.deep.DeepNetwork`, otherwise a :class:`ShallowNetwork`; ``source``
    names the data in messages."""
    if isinstance(data, dict) and "layers" in data:
        return DeepNetwork.from_dict(data, source)
    return ShallowNetwork.from_dict(data, source)


def as_network(obj: Any, argument: str = "network") -> Network:
    """``obj`` as a network: a :class:`ShallowNetwork` or :class:`DeepNetwork` unchanged, a dict
    in relugeom's JSON form converted (exactly), anything else refused with an
    :class:`~relugeom.errors.InputError` naming ``argument``.

    >>> as_network({"W": [[1]], "b": [0], "V": [[2]], "c": ["1/2"]}).widths
    (1, 1, 1)
    >>> as_network(None)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    relugeom.errors.InputError: network must be a ShallowNetwork, a DeepNetwork, or a dict ...
    """
    if isinstance(obj, (ShallowNetwork, DeepNetwork)):
        return obj
    if isinstance(obj, dict):
        if not obj:
            raise InputError(f"{argument} is an empty dict; it must be {_FORMS}")
        return network_from_data(obj, argument)
    hint = ("; to read a network file (relugeom JSON, PyTorch, ONNX, Keras, safetensors, "
            "npz), use relugeom.load_network(path)"
            if isinstance(obj, (str, bytes)) or hasattr(obj, "__fspath__") else "")
    raise InputError(f"{argument} must be {_FORMS}; got {_kind(obj)}{hint}")


def _kind(obj: Any) -> str:
    if obj is None:
        return "None"
    name = type(obj).__name__
    return f"an {name}" if name[:1].lower() in "aeiou" else f"a {name}"


def is_shallow(network: Network) -> bool:
    """True when ``network`` has one hidden layer (a ShallowNetwork, or a DeepNetwork with
    L = 2)."""
    return isinstance(network, ShallowNetwork) or network.depth == 2


def float_layers(network: Network) -> list[tuple[np.ndarray, np.ndarray]]:
    """The layers (W_l, b_l) as float64 arrays: each Fraction rounded to the nearest float, or,
    for a network built from float arrays (``from_numpy``), those floats themselves (equal to
    its Fractions), read without a Fraction. Cost: O(P).

    >>> [W.tolist() for W, b in float_layers(ShallowNetwork([[1]], ["1/2"], [[3]], [0]))]
    [[[1.0]], [[3.0]]]
    """
    theta = getattr(network, "_float_theta", None)
    out, start = [], 0
    for (W, b), (a, c) in zip(network.layers, zip(network.widths, network.widths[1:])):
        if theta is None:
            out.append((np.array(W, dtype=float).reshape(c, a), np.array(b, dtype=float)))
            continue
        out.append((theta[start:start + a * c].reshape(c, a),
                    theta[start + a * c:start + a * c + c]))
        start += a * c + c
    return out

