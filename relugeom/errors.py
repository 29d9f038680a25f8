"""Errors relugeom raises on bad input.

Every refusal is an :class:`InputError` whose message names what is wrong and where
(which file, which entry, which sample or neuron); the command line turns it into exit
status 2 and a one-paragraph message.
"""

from __future__ import annotations

import numbers
from fractions import Fraction
from typing import Any


class InputError(ValueError):
    """Bad input: unreadable file, wrong shape, non-numeric entry, NaN, ..."""


class BoundaryError(InputError):
    """A sample lies exactly on a neuron's hyperplane, where f is not differentiable in θ.

    Attributes name the sample index ``sample``, the neuron index ``neuron`` (0-based), the
    ``layer`` (1 for the hidden layer of a shallow network) and the pre-activation ``value``
    (always 0).
    """

    def __init__(self, sample: int, neuron: int, layer: int = 1, value: Fraction = Fraction(0)):
        self.sample = sample
        self.neuron = neuron
        self.layer = layer
        self.value = value
        where = f"neuron {neuron}" if layer == 1 else f"layer {layer}, neuron {neuron}"
        super().__init__(
            f"sample {sample} lies on the hyperplane of {where}: its pre-activation is exactly "
            f"{value}, where ReLU is not differentiable, so the Jacobian is undefined. Move the "
            "sample, or choose a one-sided convention with relu_prime_at_zero=0 or 1 "
            "(--relu-prime-at-zero on the command line)."
        )


def check_count(value: Any, name: str, minimum: int = 0) -> int:
    """``value`` as an int ≥ ``minimum`` (a bool, a float, a string are refused), or an
    :class:`InputError` naming the parameter ``name``.

    >>> check_count(3, "seed"), check_count(1, "max_examples", 1)
    (3, 1)
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise InputError(f"{name} must be a whole number ≥ {minimum}, got {value!r}")
    return int(value)
