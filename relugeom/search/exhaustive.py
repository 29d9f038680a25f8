"""Exhaustive search for counterexamples on a finite family of tiny cases.

:func:`exhaustive_search` visits every (network, sample) of a finite family in a documented
order (:func:`exhaustive_cases`), so it either proves the conjecture on the family or returns the
first, smallest, counterexample. The family: networks whose entries lie in a finite set of
values (:data:`DEFAULT_VALUES`), in a range of shapes, and samples of distinct points of a grid
(:data:`DEFAULT_GRID` in each coordinate) off every hyperplane. For a random search of larger
cases, see :mod:`relugeom.search.randomized`.

Needs hypothesis (for ``hypothesis.assume``, which a conjecture may call).
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from typing import Any, Iterator, Sequence

from hypothesis.errors import UnsatisfiedAssumption

from ..errors import InputError
from ..exact.numbers import to_rational
from ..model.shallow import ShallowNetwork
from ..progress import progress as progress_bar
from .conjectures import TrackedAnalysis, as_conjecture
from .regression import loader_source
from .results import ConjectureError, Counterexample, SearchResult, is_verdict

#: The entries of the networks of the default family.
DEFAULT_VALUES = (-1, 0, 1)
#: The coordinates of the sample points of the default family (points of DEFAULT_GRID^d).
DEFAULT_GRID = (Fraction(-3, 2), Fraction(-1, 2), Fraction(1, 2), Fraction(3, 2))


def exhaustive_search(conjecture: Any, *, values: Sequence[Any] = DEFAULT_VALUES,
                      input_dim: Any = 1, hidden_width: Any = (1, 2), output_dim: Any = None,
                      n: Any = (1, 3), grid: Sequence[Any] = DEFAULT_GRID,
                      relu_prime_at_zero: Any = "error",
                      progress: bool | None = None) -> SearchResult:
    """Evaluate ``conjecture`` on every case of a finite family; stop at the first failure.

    The family: every network with entries in ``values``, input dimension, width and output
    dimension in the given ranges (ints or (low, high)), and every set of ``n`` distinct points
    of ``grid``^d, visited in the order of :func:`exhaustive_cases`; sets with a point on a
    hyperplane are skipped. ``output_dim`` defaults to the lowest output dimension of the
    conjecture's family. The first counterexample met is the smallest in that order; when there
    is none, the result's ``proved`` is True: the statement holds on the whole family.

    ``progress`` draws a bar on stderr (default: when stderr is a terminal and the family has
    at least 2000 networks). Cost: Σ over shapes of |values|^P networks times C(|grid|^d, n)
    samples, each one evaluation of the conjecture.

    >>> result = exhaustive_search("regions_formula", hidden_width=1, n=1)
    >>> result.counterexample.network.to_dict(), result.counterexample.X
    ({'W': [[0]], 'b': [1], 'V': [[0]], 'c': [0]}, ((Fraction(1, 2),),))
    """
    conj = as_conjecture(conjecture)
    if output_dim is None:
        family_m = conj.family.get("output_dim", 1)
        output_dim = family_m if isinstance(family_m, int) else family_m[0]
    family = {"values": canonical_order(values), "input_dim": input_dim,
              "hidden_width": hidden_width, "output_dim": output_dim, "n": n,
              "grid": canonical_order(grid)}
    if not family["values"] or not family["grid"]:
        raise InputError("exhaustive search needs at least one value and one grid coordinate")
    total = sum(len(family["values"]) ** (N * d + N + m * N + m)
                for d in _range(input_dim, "input_dim") for N in _range(hidden_width,
                                                                         "hidden_width")
                for m in _range(output_dim, "output_dim") for _ in _range(n, "n"))
    tried = skipped = 0
    with progress_bar(total, "exhaustive search",
                      enabled=progress if progress is not None else total >= 2000,
                      force=bool(progress), unit="network") as bar:
        for network, k, off, n_points in _exhaustive_networks(
                family["values"], input_dim, hidden_width, output_dim, n, family["grid"]):
            bar.update()
            skipped += math.comb(n_points, k) - math.comb(len(off), k)
            for X in itertools.combinations(off, k):
                analysis = TrackedAnalysis(network, X, relu_prime_at_zero=relu_prime_at_zero)
                try:
                    verdict = conj(analysis)
                except UnsatisfiedAssumption:
                    skipped += 1
                    continue
                except Exception as exc:
                    raise ConjectureError(conj.name, f"raised {type(exc).__name__}: {exc}",
                                          network, X) from exc
                tried += 1
                if not is_verdict(verdict):
                    raise ConjectureError(conj.name, f"returned {verdict!r}, not a bool",
                                          network, X)
                if not verdict:
                    counterexample = Counterexample(conj.name, network, X, analysis.reads,
                                                    loader_source(conj), relu_prime_at_zero)
                    return SearchResult(conj, counterexample, tried, "exhaustive", None,
                                        family, tried, skipped)
    return SearchResult(conj, None, tried, "exhaustive", None, family, None, skipped)


def exhaustive_cases(values: Sequence[Any] = DEFAULT_VALUES, input_dim: Any = 1,
                     hidden_width: Any = (1, 2), output_dim: Any = 1, n: Any = (1, 3),
                     grid: Sequence[Any] = DEFAULT_GRID) -> Iterator[tuple[ShallowNetwork, tuple]]:
    """Every (network, X) of the family, in the documented order.

    Order: shapes (d, N, m, n) by total size d + N + m + n, then lexicographically; for each
    shape, θ = (W row-major, b, V row-major, c) in lexicographic order over the values sorted
    by :func:`canonical_order`; for each network, X runs over the n-element sets of grid points
    in lexicographic order (points of grid^d in lexicographic order over the canonically
    ordered coordinates). A set containing a point on a hyperplane (a pre-activation exactly
    0, including every point when a neuron has w_j = 0 and b_j = 0) is skipped.

    Cost: as many cases as :func:`exhaustive_search` visits, O(|grid|^d · N · d) per network.

    >>> cases = exhaustive_cases(hidden_width=1, n=1)
    >>> network, X = next(cases)
    >>> network.to_dict(), X
    ({'W': [[0]], 'b': [1], 'V': [[0]], 'c': [0]}, ((Fraction(1, 2),),))
    """
    for network, k, off, _ in _exhaustive_networks(canonical_order(values), input_dim,
                                                    hidden_width, output_dim, n,
                                                    canonical_order(grid)):
        for X in itertools.combinations(off, k):
            yield network, X


def canonical_order(values: Sequence[Any]) -> list[Fraction]:
    """Distinct exact values sorted by (|q|, q < 0): 0, 1/2, −1/2, 1, −1, 2, …

    >>> canonical_order([2, -1, "1/2", 0, 1.0])
    [Fraction(0, 1), Fraction(1, 2), Fraction(1, 1), Fraction(-1, 1), Fraction(2, 1)]
    """
    exact = {to_rational(v, "exhaustive value") for v in values}
    return sorted(exact, key=lambda q: (abs(q), q < 0))


def _range(value: int | tuple[int, int], name: str) -> range:
    """The sizes of a size option: an int, or a range (low, high) with 1 ≤ low ≤ high."""
    low, high = (value, value) if isinstance(value, int) else value
    if low < 1 or high < low:
        raise InputError(f"{name} must be a positive int or a range (low, high) with "
                         f"1 ≤ low ≤ high, got {value!r}")
    return range(low, high + 1)


def _exhaustive_networks(values: Sequence[Fraction], input_dim: Any, hidden_width: Any,
                         output_dim: Any, n: Any, grid: Sequence[Fraction]
                         ) -> Iterator[tuple[ShallowNetwork, int, list, int]]:
    """(network, n, grid points off its hyperplanes, number of grid points) in order."""
    shapes = sorted(itertools.product(_range(input_dim, "input_dim"),
                                      _range(hidden_width, "hidden_width"),
                                      _range(output_dim, "output_dim"), _range(n, "n")),
                    key=lambda s: (sum(s), s))
    for d, N, m, k in shapes:
        points = list(itertools.product(grid, repeat=d))
        for theta in itertools.product(values, repeat=N * d + N + m * N + m):
            network = ShallowNetwork.from_theta(theta, d, N, m)
            off = [x for x in points if all(sum((w * xl for w, xl in zip(row, x)), bj) != 0
                                            for row, bj in zip(network.W, network.b))]
            yield network, k, off, len(points)
