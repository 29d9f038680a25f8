"""Built-in examples: small networks and samples whose geometry is easy to see by hand.

Each example is a :class:`Example` (name, network, sample, and a sentence saying what is
special about it); ``relugeom demo`` analyses them.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .network import ShallowNetwork
from .sample import as_sample


@dataclass(frozen=True)
class Example:
    name: str
    network: ShallowNetwork
    X: tuple
    story: str


def grid_sample() -> tuple:
    """16 points (x, y), x ∈ {−3/2, −1/2, 1/2, 3/2}, y ∈ {−7/4, −3/4, 1/4, 5/4}."""
    return as_sample([[Fraction(2 * i + 1, 2), Fraction(4 * k + 1, 4)]
                      for i in range(-2, 2) for k in range(-2, 2)])


_V = [[1, -1, 2, 1]]


def generic() -> Example:
    return Example(
        "generic", ShallowNetwork([[1, 0], [0, 1], [1, 1], [1, -2]], [0, 0, -1, "1/2"], _V, [0]),
        grid_sample(),
        "four lines in general position, every perceived region holds at least three affinely "
        "independent samples: the only kernel directions are the N rescalings")


def aligned() -> Example:
    return Example(
        "aligned", ShallowNetwork([[1, 0], [0, 1], [1, 1], [2, 0]], [0, 0, -1, 0], _V, [0]),
        grid_sample(),
        "neuron 3 is neuron 0 scaled by 2 (w_3 = 2·w_0, b_3 = 2·b_0): both share one hyperplane "
        "and are active on exactly the same samples, so on X they act as one neuron and the "
        "d + 1 = 3 directions that move them against each other leave f_θ(X) unchanged")


def dead() -> Example:
    return Example(
        "dead", ShallowNetwork([[1, 0], [0, 1], [1, 1], [1, -2]], [0, 0, -30, "1/2"], _V, [0]),
        grid_sample(),
        "neuron 2 has bias −30, so no sample activates it: its d + 1 = 3 input parameters and "
        "its output weight do not touch f_θ(X) at all; one of these 4 null directions is its "
        "rescaling, already counted in P − N, so 3 more are lost")


def opposite() -> Example:
    return Example(
        "opposite", ShallowNetwork([[1, 0], [0, 1], [1, 1], [-1, 0]], [0, 0, -1, 0], _V, [0]),
        grid_sample(),
        "neuron 3 is neuron 0 with the opposite orientation (w_3 = −w_0, b_3 = −b_0): every "
        "sample activates exactly one of them, so s_i0 + s_i3 = 1 and the output-bias column "
        "∂f/∂c = 1 equals ∂f/∂b_0 / v_0 + ∂f/∂b_3 / v_3: one direction is lost")


def all_examples() -> list[Example]:
    return [generic(), aligned(), dead(), opposite()]
