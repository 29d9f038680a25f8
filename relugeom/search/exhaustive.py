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

import bisect
import functools
import itertools
import math
import numbers
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterator, Sequence

from hypothesis.errors import UnsatisfiedAssumption

from ..errors import InputError, check_count
from ..exact.jsonable import jsonable
from ..exact.numbers import to_rational
from ..model.patterns import check_relu_prime
from ..model.shallow import ShallowNetwork
from ..parallel import Checkpoint, ChunkResult, check_jobs, scan_in_order
from . import MAX_CASES
from .conjectures import TrackedAnalysis, as_conjecture
from .loading import portable
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
                      max_cases: int | None = MAX_CASES, n_jobs: int = 1,
                      backend: str | None = None, scheduler: str | None = None,
                      resume: str | None = None,
                      chunk_size: int | None = None) -> SearchResult:
    """Evaluate ``conjecture`` on every case of a finite family; stop at the first failure.

    The family: every network with entries in ``values``, input dimension, width and output
    dimension in the given ranges (ints or (low, high)), and every set of ``n`` distinct points
    of ``grid``^d, visited in the order of :func:`exhaustive_cases`; sets with a point on a
    hyperplane are skipped. ``output_dim`` defaults to the lowest output dimension of the
    conjecture's family. The first counterexample met is the smallest in that order; when there
    is none, the result's ``proved`` is True: the statement holds on the whole family.

    Parallel runs (``n_jobs`` workers, −1 for every core; ``backend="dask"`` or ``scheduler``
    for a Dask cluster, see :func:`relugeom.parallel.parallel_map`): the cases are numbered
    (:func:`exhaustive_case` computes case i from i alone) and scanned in ordered chunks of
    ``chunk_size`` cases (default: about 32 per worker, at most 5000); a counterexample ends the
    search once every chunk before it is done, and cancels the chunks after it. The answer and
    the counts are those of the serial run, for any ``n_jobs`` and ``chunk_size``.
    ``resume`` names a checkpoint file (created if missing): every finished chunk is recorded
    there, and a run given the same file (same conjecture and family) scans only the cases not
    yet covered. Ctrl-C raises :class:`relugeom.parallel.Interrupted`, saying which ranges of
    cases were covered and which were not.

    ``progress`` draws one bar for all workers on stderr (default: when stderr is a terminal
    and the family has at least 20,000 cases). Cost: Σ over shapes of |values|^P networks
    times C(|grid|^d, n) samples, each one evaluation of the conjecture. That count is taken
    first (:func:`family_size`): a family with more than ``max_cases`` cases, networks or grid
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
    if chunk_size is not None:
        chunk_size = check_count(chunk_size, "chunk_size", 1)
    check_jobs(n_jobs, "dask" if scheduler else backend)
    size = family_size(family["values"], input_dim, hidden_width, output_dim, n, family["grid"],
                       limit=max_cases)
    if max_cases is not None:
        size.check(max_cases)
    plan = _Plan.of(family)
    checkpoint = None
    if resume is not None:   # what the run is: a checkpoint of another run is refused
        sizes = {name: [_range(family[name], name)[0], _range(family[name], name)[-1]]
                 for name in ("input_dim", "hidden_width", "output_dim", "n")}
        checkpoint = Checkpoint(resume, {
            "search": "exhaustive", "conjecture": conj.name, "cases": plan.total,
            "relu_prime_at_zero": str(relu_prime_at_zero),
            "family": jsonable({**family, **sizes})})
    outcome = scan_in_order(
        functools.partial(_scan_chunk, plan, portable(conj), relu_prime_at_zero), plan.total,
        n_jobs=n_jobs, backend=backend, scheduler=scheduler, chunk_size=chunk_size,
        checkpoint=checkpoint, label="exhaustive search",
        progress=progress if progress is not None else (None if plan.total >= 20000 else False))
    if outcome.found is None:
        return SearchResult(conj, None, outcome.tried, "exhaustive", None, family, None,
                            outcome.skipped)
    kind, _, network, X, detail = outcome.found.found
    if kind == "error":
        raise ConjectureError(conj.name, detail, network, X)
    counterexample = Counterexample(conj.name, network, X, detail, loader_source(conj),
                                    relu_prime_at_zero)
    return SearchResult(conj, counterexample, outcome.tried, "exhaustive", None, family,
                        outcome.tried, outcome.skipped)


def exhaustive_case(index: int, values: Sequence[Any] = DEFAULT_VALUES, input_dim: Any = 1,
                    hidden_width: Any = (1, 2), output_dim: Any = 1, n: Any = (1, 3),
                    grid: Sequence[Any] = DEFAULT_GRID) -> tuple[ShallowNetwork, tuple] | None:
    """Case number ``index`` of the family, computed from the index alone (no enumeration).

    The cases are numbered 0, 1, … in the order of :func:`exhaustive_cases`, counting the
    sample sets with a point on a hyperplane too (:func:`family_size` counts them): for those
    the answer is ``None`` (the search skips them). The index is read in a mixed radix: the
    shape (by the number of cases before it), then the network θ in base |values| (most
    significant digit first), then the rank of the set of grid points in the lexicographic
    order of C(|grid|^d, n) sets (combinatorial number system). Cost: O(P + |grid|^d·(N·d + n)).

    >>> exhaustive_case(0, hidden_width=1, n=1) is None    # W = b = 0: every point is on it
    True
    >>> network, X = exhaustive_case(36, hidden_width=1, n=1)  # θ = (0, 1, 0, 0): 9 · 4
    >>> network.to_dict(), X
    ({'W': [[0]], 'b': [1], 'V': [[0]], 'c': [0]}, ((Fraction(1, 2),),))
    """
    plan = _Plan.of({"values": canonical_order(values), "input_dim": input_dim,
                     "hidden_width": hidden_width, "output_dim": output_dim, "n": n,
                     "grid": canonical_order(grid)})
    if isinstance(index, bool) or not isinstance(index, numbers.Integral) or \
            not 0 <= index < plan.total:
        raise InputError(f"case index must be a whole number in [0, {plan.total}), got "
                         f"{index!r}")
    shape, t, c = plan.locate(int(index))
    network, points, on = plan.network(shape, t)
    combo = _combination_at(len(points), shape.k, c)
    return None if on.intersection(combo) else (network, tuple(points[j] for j in combo))


# --- the family, indexed -------------------------------------------------------------------------

@dataclass(frozen=True)
class _Shape:
    """A shape (d, N, m, n) of the family: its first case index, its networks |values|^P and
    its sample sets C(|grid|^d, n) per network."""

    d: int
    N: int
    m: int
    k: int
    first: int
    networks: int
    samples: int


@dataclass(frozen=True)
class _Plan:
    """The family as numbered cases: shapes in order, each a block of networks × samples."""

    values: tuple
    grid: tuple
    shapes: tuple
    total: int

    @classmethod
    def of(cls, family: dict) -> "_Plan":
        shapes, first = [], 0
        for d, N, m, k in _shapes(family["input_dim"], family["hidden_width"],
                                  family["output_dim"], family["n"]):
            networks = len(family["values"]) ** (N * d + N + m * N + m)
            samples = math.comb(len(family["grid"]) ** d, k)
            if networks * samples:        # a shape without cases takes no index
                shapes.append(_Shape(d, N, m, k, first, networks, samples))
                first += networks * samples
        return cls(tuple(family["values"]), tuple(family["grid"]), tuple(shapes), first)

    def locate(self, index: int) -> tuple[_Shape, int, int]:
        """(shape, network number t, sample-set rank c) of case ``index``."""
        shape = self.shapes[bisect.bisect_right([s.first for s in self.shapes], index) - 1]
        t, c = divmod(index - shape.first, shape.samples)
        return shape, t, c

    def network(self, shape: _Shape, t: int) -> tuple[ShallowNetwork, list, set]:
        """Network number t of the shape, the grid points of grid^d in order, and the indices
        of those on one of its hyperplanes."""
        v, P = len(self.values), shape.N * shape.d + shape.N + shape.m * shape.N + shape.m
        digits = []
        for _ in range(P):
            t, digit = divmod(t, v)
            digits.append(self.values[digit])
        network = ShallowNetwork.from_theta(digits[::-1], shape.d, shape.N, shape.m)
        points = list(itertools.product(self.grid, repeat=shape.d))
        on = {j for j, x in enumerate(points) if not _off_hyperplanes(network, x)}
        return network, points, on


def _off_hyperplanes(network: ShallowNetwork, x: tuple) -> bool:
    return all(sum((w * xl for w, xl in zip(row, x)), bj) != 0
               for row, bj in zip(network.W, network.b))


def _combination_at(G: int, k: int, rank: int) -> list[int]:
    """The k-subset of range(G) of lexicographic rank ``rank`` (combinatorial number system)."""
    combo, x = [], 0
    for slot in range(k):
        while True:
            count = math.comb(G - x - 1, k - slot - 1)   # subsets with x in this slot
            if rank < count:
                break
            rank -= count
            x += 1
        combo.append(x)
        x += 1
    return combo


def _combination_rank(G: int, combo: Sequence[int]) -> int:
    """The lexicographic rank of the increasing k-subset ``combo`` of range(G)."""
    rank, x, k = 0, 0, len(combo)
    for slot, c in enumerate(combo):
        rank += sum(math.comb(G - y - 1, k - slot - 1) for y in range(x, c))
        x = c + 1
    return rank


def _combinations_between(G: int, k: int, first: int, stop: int) -> Iterator[tuple]:
    """The k-subsets of range(G) of ranks first … stop − 1, in lexicographic order."""
    combo = _combination_at(G, k, first)
    for _ in range(stop - first):
        yield tuple(combo)
        i = k - 1
        while i >= 0 and combo[i] == G - k + i:
            i -= 1
        if i < 0:
            return
        combo[i] += 1
        for j in range(i + 1, k):
            combo[j] = combo[j - 1] + 1


def _scan_chunk(plan: _Plan, conj: Any, relu_prime_at_zero: Any, start: int,
                stop: int) -> ChunkResult:
    """Evaluate the conjecture on cases start … stop − 1; stop at a counterexample or at a
    faulty verdict, found = (kind, index, network, X, values read or the problem)."""
    tried = skipped = 0
    index = start
    while index < stop:
        shape, t, c = plan.locate(index)
        network, points, on = plan.network(shape, t)
        last = min(shape.samples, c + stop - index)
        G, base = len(points), shape.first + t * shape.samples
        if c == 0 and last == shape.samples:     # the whole network: only the sets off it
            off = [j for j in range(G) if j not in on]
            skipped += shape.samples - math.comb(len(off), shape.k)
            combos: Iterator[tuple] = itertools.combinations(off, shape.k)
        else:
            combos = _combinations_between(G, shape.k, c, last)
        for combo in combos:
            if on.intersection(combo):
                skipped += 1
                continue
            X = tuple(points[j] for j in combo)
            analysis = TrackedAnalysis(network, X, relu_prime_at_zero=relu_prime_at_zero)
            try:
                verdict = conj(analysis)
            except UnsatisfiedAssumption:
                skipped += 1
                continue
            except (Exception, SystemExit) as exc:  # sys.exit in a conjecture is a bug too
                problem: Any = f"raised {type(exc).__name__}: {exc}"
            else:
                tried += 1
                if verdict and is_verdict(verdict):
                    continue
                problem = None if is_verdict(verdict) else f"returned {verdict!r}, not a bool"
            case = base + _combination_rank(G, combo)
            found = ("error", case, network, X, problem) if problem else \
                ("counterexample", case, network, X, analysis.reads)
            return ChunkResult(start, case + 1, tried, skipped, found)
        index += last - c
    return ChunkResult(start, stop, tried, skipped)


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
    for network, k, off in _exhaustive_networks(canonical_order(values), input_dim,
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
                         ) -> Iterator[tuple[ShallowNetwork, int, list]]:
    """(network, n, grid points off its hyperplanes) in order."""
    for d, N, m, k in _shapes(input_dim, hidden_width, output_dim, n):
        points = list(itertools.product(grid, repeat=d))
        for theta in itertools.product(values, repeat=N * d + N + m * N + m):
            network = ShallowNetwork.from_theta(theta, d, N, m)
            off = [x for x in points if _off_hyperplanes(network, x)]
            yield network, k, off


def _shapes(input_dim: Any, hidden_width: Any, output_dim: Any, n: Any) -> list[tuple]:
    """The shapes (d, N, m, n) in the documented order: by d + N + m + n, then
    lexicographically."""
    return sorted(itertools.product(_range(input_dim, "input_dim"),
                                    _range(hidden_width, "hidden_width"),
                                    _range(output_dim, "output_dim"), _range(n, "n")),
                  key=lambda s: (sum(s), s))
