"""Exhaustive search for counterexamples on a finite family of tiny cases.

:func:`exhaustive_search` visits every (network, sample) of a finite family in a documented
order (:func:`exhaustive_cases`), so it either proves the conjecture on the family or returns the
first, smallest, counterexample. The family: networks whose entries lie in a finite set of
values (:data:`DEFAULT_VALUES`), in a range of shapes, and samples of distinct points of a grid
(:data:`DEFAULT_GRID` in each coordinate) off every hyperplane. For a random search of larger
cases, see :mod:`relugeom.search.randomized`.

The family is counted before anything is visited (:func:`family_size`): a family with more
than ``max_cases`` cases or networks (:data:`~relugeom.search.MAX_CASES` by default) is refused
with its size, not started.

Needs hypothesis (for ``hypothesis.assume``, which a conjecture may call).
"""

from __future__ import annotations

import itertools
import math
import numbers
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterator, Sequence

from hypothesis.errors import UnsatisfiedAssumption

from ..errors import InputError, check_count
from ..exact.numbers import to_rational
from ..model.patterns import check_relu_prime
from ..model.shallow import ShallowNetwork
from ..progress import progress as progress_bar
from . import MAX_CASES
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
                      progress: bool | None = None,
                      max_cases: int | None = MAX_CASES) -> SearchResult:
    """Evaluate ``conjecture`` on every case of a finite family; stop at the first failure.

    The family: every network with entries in ``values``, input dimension, width and output
    dimension in the given ranges (ints or (low, high)), and every set of ``n`` distinct points
    of ``grid``^d, visited in the order of :func:`exhaustive_cases`; sets with a point on a
    hyperplane are skipped. ``output_dim`` defaults to the lowest output dimension of the
    conjecture's family. The first counterexample met is the smallest in that order; when there
    is none, the result's ``proved`` is True: the statement holds on the whole family.

    ``progress`` draws a bar on stderr (default: when stderr is a terminal and the family has
    at least 2000 networks). Cost: Σ over shapes of |values|^P networks times C(|grid|^d, n)
    samples, each one evaluation of the conjecture. That count is taken first
    (:func:`family_size`): a family with more than ``max_cases`` cases, networks or grid
    points (default :data:`~relugeom.search.MAX_CASES`, one million; ``None``: no budget) is
    refused with an :class:`~relugeom.errors.InputError` that gives its size.

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
    relu_prime_at_zero = check_relu_prime(relu_prime_at_zero)
    if progress is not None and not isinstance(progress, bool):
        raise InputError(f"progress must be True, False or None, got {progress!r}")
    if max_cases is not None:
        max_cases = check_count(max_cases, "max_cases", 1)
    size = family_size(family["values"], input_dim, hidden_width, output_dim, n, family["grid"],
                       limit=max_cases)
    if max_cases is not None:
        size.check(max_cases)
    total = size.networks
    tried = skipped = 0
    with progress_bar(total, "exhaustive search",
                      enabled=progress if progress is not None else (total or 0) >= 2000,
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
                except (Exception, SystemExit) as exc:  # sys.exit in a conjecture is a bug too
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


#: Counts with more digits than this are estimated from their logarithm: far beyond any budget,
#: and computing them exactly could itself take long.
_EXACT_DIGITS = 4000


@dataclass(frozen=True)
class FamilySize:
    """The size of an exhaustive family: shapes (d, N, m, n), networks, (network, sample)
    cases, and the most grid points of one shape.

    ``networks`` and ``cases`` are exact ints, or ``None`` when they have thousands of digits
    (or more shapes than the budget were counted); ``networks_log10`` and ``cases_log10``
    always hold their base-10 logarithms (estimates then; ``-inf`` for 0).
    """

    shapes: int
    networks: int | None
    cases: int | None
    networks_log10: float
    cases_log10: float
    grid_points_log10: float

    def describe(self) -> str:
        """"6,804 networks and 31,752 (network, sample) cases"."""
        return (f"{_count_text(self.networks, self.networks_log10)} networks and "
                f"{_count_text(self.cases, self.cases_log10)} (network, sample) cases")

    def check(self, max_cases: int) -> None:
        """Refuse (InputError, with the size) a family over the budget ``max_cases``."""
        budget = (f"the budget max_cases = {max_cases:,} (--max-cases on the command line)")
        advice = ("Narrow the family (fewer values, fewer grid coordinates, smaller ranges of "
                  "input_dim, hidden_width, output_dim and n), or raise max_cases.")
        if self.shapes > max_cases:
            raise InputError(f"exhaustive search: the family has {self.shapes:,} shapes "
                             f"(d, N, m, n), each with at least one network: more than {budget}. "
                             + advice)
        if _over(self.networks, self.networks_log10, max_cases) or \
                _over(self.cases, self.cases_log10, max_cases):
            raise InputError(f"exhaustive search: the family has {self.describe()}, more than "
                             f"{budget}; at a few thousand cases a second it would not finish. "
                             + advice)
        if _over(None, self.grid_points_log10, max_cases):  # each network scans the grid
            raise InputError(f"exhaustive search: the sample grid has "
                             f"{_count_text(None, self.grid_points_log10)} points (|grid|^d), "
                             f"more than {budget}. " + advice)


def _over(exact: int | None, log10: float, limit: int) -> bool:
    return exact > limit if exact is not None else log10 > math.log10(limit)


def _count_text(exact: int | None, log10: float) -> str:
    """An exact count with thousands separators up to 10^9, else "about 1.38·10^24"."""
    if exact is not None and exact < 10 ** 9:
        return f"{exact:,}"
    if exact is not None:
        log10 = math.log10(exact)
    if log10 == -math.inf:
        return "0"
    power = math.floor(log10)
    mantissa = 10 ** (log10 - power)
    if round(mantissa, 2) >= 10:
        mantissa, power = mantissa / 10, power + 1
    return f"about {mantissa:.2f}·10^{power}"


def _log10_comb(points_log10: float, k: int) -> float:
    """log10 C(G, k) for G = 10^points_log10 ≥ 10^15 points (so k ≪ G for any k that matters):
    k·log10 G − log10 k!, an estimate."""
    return k * points_log10 - math.lgamma(k + 1) / math.log(10)


def _log10_sum(a: float, b: float) -> float:
    if a < b:
        a, b = b, a
    return a if b == -math.inf else a + math.log10(1 + 10 ** (b - a))


def family_size(values: Sequence[Any] = DEFAULT_VALUES, input_dim: Any = 1,
                hidden_width: Any = (1, 2), output_dim: Any = 1, n: Any = (1, 3),
                grid: Sequence[Any] = DEFAULT_GRID, *, limit: int | None = None) -> FamilySize:
    """Count the family of :func:`exhaustive_search` without visiting it.

    Networks: Σ over shapes (d, N, m, n) of |values|^P, P = N·d + N + m·N + m; cases: the
    same sum with each term times C(|grid|^d, n), the sample sets of the shape (those with a
    point on a hyperplane included: they are visited, then skipped). Counts of thousands of
    digits are estimated from logarithms. With ``limit``, a family of more than ``limit``
    shapes is not counted further (its networks and cases are then ``None``, estimated from
    the shapes). Cost: one term per shape.

    >>> size = family_size()
    >>> size.shapes, size.networks, size.cases
    (6, 6804, 31752)
    >>> family_size(values=range(-3, 4), hidden_width=9).describe()
    'about 1.38·10^24 networks and about 6.44·10^24 (network, sample) cases'
    """
    v, g = len(canonical_order(values)), len(canonical_order(grid))
    if not v or not g:
        raise InputError("exhaustive search needs at least one value and one grid coordinate")
    ranges = [_range(value, name) for value, name in ((input_dim, "input_dim"),
                                                     (hidden_width, "hidden_width"),
                                                     (output_dim, "output_dim"), (n, "n"))]
    shapes = math.prod(len(r) for r in ranges)
    points_log10 = ranges[0][-1] * math.log10(g)
    if limit is not None and shapes > limit:
        return FamilySize(shapes, None, None, math.log10(shapes), math.log10(shapes),
                          points_log10)
    networks: int | None = 0
    cases: int | None = 0
    networks_log10 = cases_log10 = -math.inf
    for d, N, m, k in itertools.product(*ranges):
        P = N * d + N + m * N + m
        net_log10 = P * math.log10(v)
        shape_points_log10 = d * math.log10(g)
        if net_log10 <= _EXACT_DIGITS and k * shape_points_log10 <= _EXACT_DIGITS:
            shape_networks = v ** P
            shape_cases = shape_networks * math.comb(g ** d, k)
            exact_log = (math.log10(shape_networks),
                         math.log10(shape_cases) if shape_cases else -math.inf)
            networks_log10 = _log10_sum(networks_log10, exact_log[0])
            cases_log10 = _log10_sum(cases_log10, exact_log[1])
            if networks is not None:
                networks += shape_networks
                cases += shape_cases
            continue
        networks = cases = None
        if shape_points_log10 <= 15:                # at most 10^15 points: C(G, k) exactly 0?
            G = g ** d
            comb_log10 = -math.inf if k > G else (
                math.lgamma(G + 1) - math.lgamma(k + 1) - math.lgamma(G - k + 1)) / math.log(10)
        else:
            comb_log10 = _log10_comb(shape_points_log10, k)
        networks_log10 = _log10_sum(networks_log10, net_log10)
        cases_log10 = _log10_sum(cases_log10, net_log10 + comb_log10)
    return FamilySize(shapes, networks, cases, networks_log10, cases_log10, points_log10)


def canonical_order(values: Sequence[Any]) -> list[Fraction]:
    """Distinct exact values sorted by (|q|, q < 0): 0, 1/2, −1/2, 1, −1, 2, …

    >>> canonical_order([2, -1, "1/2", 0, 1.0])
    [Fraction(0, 1), Fraction(1, 2), Fraction(1, 1), Fraction(-1, 1), Fraction(2, 1)]
    """
    exact = {to_rational(v, "exhaustive value") for v in values}
    return sorted(exact, key=lambda q: (abs(q), q < 0))


def _range(value: int | tuple[int, int], name: str) -> range:
    """The sizes of a size option: an int, or a range (low, high) with 1 ≤ low ≤ high."""
    low, high = (value if isinstance(value, (tuple, list)) and len(value) == 2
                 else (value, value))
    if any(isinstance(x, bool) or not isinstance(x, numbers.Integral) for x in (low, high)) \
            or low < 1 or high < low:
        raise InputError(f"{name} must be a positive int or a range (low, high) with "
                         f"1 ≤ low ≤ high, got {value!r}")
    return range(int(low), int(high) + 1)


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
