"""Built-in examples: small networks and samples whose geometry is easy to see by hand.

Each example is a :class:`Example` (name, network, sample, and a sentence saying what is
special about it); ``relugeom demo`` analyses them.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .sample import as_sample
from .shallow import ShallowNetwork


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
        "four lines in general position; X perceives 6 of their 11 regions, and although 3 of "
        "those hold fewer than d + 1 = 3 affinely independent samples, the rows of J are "
        "independent enough that the only kernel directions are the N rescalings")


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


def tiny_output_weight() -> Example:
    """Numeric trap: the generic example with v_3 = 2^-45 (exact rank 13, numpy says 11)."""
    V = [[1, -1, 2, Fraction(1, 2 ** 45)]]
    return Example(
        "tiny_output_weight",
        ShallowNetwork([[1, 0], [0, 1], [1, 1], [1, -2]], [0, 0, -1, "1/2"], V, [0]),
        grid_sample(),
        "the generic example with v_3 = 2^-45: exactly nonzero, so nothing changes (dim = P − N), "
        "but every entry of ∂f/∂w_3 and ∂f/∂b_3 carries the factor v_3 and falls below numpy's "
        "tolerance S.max()·max(shape)·eps, so the float rank loses the d = 2 directions that "
        "only neuron 3's input weights give")


def nearly_dependent() -> Example:
    """Numeric trap: a region whose 4 samples are within 2^-48 of one line."""
    eps = Fraction(1, 2 ** 48)
    moved = {(Fraction(-3, 2), Fraction(1, 4)): (-1, Fraction(1, 4)),
             (Fraction(-3, 2), Fraction(5, 4)): (-1, Fraction(5, 4)),
             (Fraction(-1, 2), Fraction(1, 4)): (-1 - eps, Fraction(3, 4)),
             (Fraction(-1, 2), Fraction(5, 4)): (-1, Fraction(1))}
    X = as_sample([moved.get(tuple(x), x) for x in grid_sample()])
    return Example(
        "nearly_dependent", generic().network, X,
        "the generic network on the grid, with the 4 samples of region (0, 1, 0, 0) moved onto "
        "the line x = −1, one of them off it by 2^-48: exactly they still span R^2 (the region is "
        "rich and dim = P − N), but in floats they are affinely dependent to within rounding, so "
        "numpy's rule drops one direction")


def numeric_traps() -> list[Example]:
    """Cases where numpy's float rank is wrong and the exact rank right."""
    return [tiny_output_weight(), nearly_dependent()]


def all_examples() -> list[Example]:
    return [generic(), aligned(), dead(), opposite()]
