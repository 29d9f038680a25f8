"""How fast random samples reach the functional dimension.

For a distribution on inputs, draw x_1, x_2, … independently and follow the local dimension
dim(θ, {x_1..x_n}) as n grows. It never decreases (J gains rows) and never exceeds the
functional dimension (see :mod:`relugeom.geometry.functional`);
:func:`sampling_convergence` records, for several independent repeats, the exact curve and
the smallest n at which it reaches fdim, together with what explains that n: the regions the
rank needs (exact) and their probabilities under the distribution (estimated by sampling,
and labelled so).

What explains a large n, per region and per neuron:

- the exact *deficit* of each region (fdim minus the rank without its points): a region with
  deficit δ > 0 holds at least ⌈δ/m⌉ points of every sample reaching fdim;
- the exact rank reachable from the regions seen in the probability draws (below fdim: the
  distribution practically never reaches fdim, e.g. a neuron it almost never activates);
- the estimated probability of each region and of each neuron being active.

Exact draws. Every draw is an exact rational, so every rank is exact:

- :func:`gaussian`: a float64 draw g ~ N(0, σ²) per coordinate (numpy's PCG64 generator) rounded
  to the nearest point of the grid 2^-b·Z, x = round(g·2^b)/2^b (b = ``grid_bits``, 20 by
  default). The distribution is this discretised Gaussian, exactly known and exactly drawn.
- :func:`uniform`: x = lo + (hi − lo)·(2k + 1)/2^(b+1) with k uniform in {0, …, 2^b − 1}: the
  midpoints of 2^b equal bins of (lo, hi) per coordinate, so every point is strictly inside.
- :func:`resampling`: draws uniformly, with replacement, from the points of a data set (read
  exactly). Data points on a hyperplane are left out, and how many is reported; the data can
  then reach at most the local dimension of the whole data set, reported as ``data_ceiling``.

A grid point can land exactly on a hyperplane (an event of probability 0 for the continuous
law, small but positive on the grid). Such draws are rejected and drawn again, so the
distribution is conditioned on missing the hyperplanes; the number of rejections is reported.

Rank growth is tracked by exact fraction-free elimination on integer rows, one new point at a
time (O(rank·P) integer operations per new row). Results are deterministic for a seed: repeat r
uses the r-th child of ``numpy.random.SeedSequence(seed)``, the probability estimate the last.

>>> from relugeom import ShallowNetwork
>>> net = ShallowNetwork(W=[[1], [-1]], b=[0, 1], V=[[1, 1]], c=[0])
>>> result = sampling_convergence(net, gaussian(1), repeats=3, probability_draws=200)
>>> result.functional_dimension, [run.reached_at is not None for run in result.runs]
(5, [True, True, True])
"""

from __future__ import annotations

import functools
import math
import statistics
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Sequence

import numpy as np

from ..arrangement.cells import enumerate_cells, hyperplane_arrangement
from ..arrangement.plot import new_figure, save_figure
from ..arrangement.restriction import evaluate, to_fractions
from ..errors import InputError, check_count
from ..exact.numbers import common_denominator, to_json_number, to_rational
from ..linalg import integer_rows
from ..model.patterns import ReluPrime
from ..model.sample import as_sample
from ..model.shallow import ShallowNetwork, as_shallow
from ..parallel import check_jobs, parallel_map
from ..rank.dimension import local_dimension
from ..rank.jacobian import jacobian
from .functional import FunctionalDimension, functional_dimension, region_deficits

DEFAULT_GRID_BITS = 20


# --- distributions -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Distribution:
    """A law on Q^d from which exact points are drawn (build with :func:`gaussian`,
    :func:`uniform` or :func:`resampling`)."""

    kind: str
    input_dim: int
    scale: Fraction | None = None
    low: Fraction | None = None
    high: Fraction | None = None
    data: tuple | None = None
    grid_bits: int = DEFAULT_GRID_BITS

    def describe(self) -> str:
        """One line saying exactly what is drawn."""
        if self.kind == "gaussian":
            return (f"Gaussian N(0, σ²I), σ = {to_json_number(self.scale)}, rounded to the grid "
                    f"2^-{self.grid_bits}")
        if self.kind == "uniform":
            return (f"uniform on the box ({to_json_number(self.low)}, "
                    f"{to_json_number(self.high)})^{self.input_dim}, midpoints of "
                    f"2^{self.grid_bits} bins per coordinate")
        return f"resampling {len(self.data)} data points with replacement"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "description": self.describe()}
        if self.kind == "gaussian":
            out.update(scale=to_json_number(self.scale), grid_bits=self.grid_bits)
        elif self.kind == "uniform":
            out.update(low=to_json_number(self.low), high=to_json_number(self.high),
                       grid_bits=self.grid_bits)
        else:
            out.update(data_points=len(self.data))
        return out

    def draw(self, rng: np.random.Generator, count: int) -> list[tuple]:
        """``count`` points as (integer coordinates, positive denominator) pairs."""
        d = self.input_dim
        if self.kind == "gaussian":
            D = 1 << self.grid_bits
            g = rng.standard_normal((count, d))
            factor = self.scale * D
            if factor < 2 ** 900:   # floats hold g·σ·2^b (|g| < 40) with room to spare
                return [(tuple(int(v) for v in np.rint(row)), D) for row in g * float(factor)]
            # σ beyond the float range: round g·σ·2^b exactly
            return [(tuple(round(Fraction(float(v)) * factor) for v in row), D) for row in g]
        if self.kind == "uniform":
            k = rng.integers(0, 1 << self.grid_bits, size=(count, d))
            D = common_denominator([self.low, self.high]) << (self.grid_bits + 1)
            lo, width = int(self.low * D), int((self.high - self.low) * D) >> (self.grid_bits + 1)
            return [(tuple(lo + width * (2 * int(v) + 1) for v in row), D) for row in k]
        picks = rng.integers(0, len(self.data), size=count)
        return [self.data[int(i)] for i in picks]


def _grid_bits(grid_bits: int) -> int:
    if isinstance(grid_bits, bool) or not isinstance(grid_bits, int) or not 1 <= grid_bits <= 64:
        raise InputError(f"grid_bits must be an integer between 1 and 64, got {grid_bits!r}")
    return grid_bits


def _dimension(input_dim: int) -> int:
    if isinstance(input_dim, bool) or not isinstance(input_dim, int) or input_dim < 1:
        raise InputError(f"the input dimension must be a positive integer, got {input_dim!r}")
    return input_dim


def gaussian(input_dim: int, scale: Any = 1, grid_bits: int = DEFAULT_GRID_BITS) -> Distribution:
    """N(0, σ²I) on R^d, each coordinate rounded to the nearest multiple of 2^-grid_bits.

    >>> gaussian(2, scale="1/2").describe()
    'Gaussian N(0, σ²I), σ = 1/2, rounded to the grid 2^-20'
    """
    sigma = to_rational(scale, "Gaussian scale σ")
    if sigma <= 0:
        raise InputError(f"the Gaussian scale σ must be positive, got {sigma}")
    return Distribution("gaussian", _dimension(input_dim), scale=sigma,
                        grid_bits=_grid_bits(grid_bits))


def uniform(input_dim: int, low: Any = -1, high: Any = 1,
            grid_bits: int = DEFAULT_GRID_BITS) -> Distribution:
    """Uniform on the box (low, high)^d, on the midpoints of 2^grid_bits bins per coordinate."""
    lo, hi = to_rational(low, "box lower bound"), to_rational(high, "box upper bound")
    if not lo < hi:
        raise InputError(f"the box needs low < high, got low = {lo} and high = {hi}")
    return Distribution("uniform", _dimension(input_dim), low=lo, high=hi,
                        grid_bits=_grid_bits(grid_bits))


def resampling(data: Any) -> Distribution:
    """Uniform draws with replacement from the points of ``data`` (read exactly)."""
    X = as_sample(data, name="data")
    points = []
    for x in X:
        D = common_denominator(x)
        points.append((tuple(int(q * D) for q in x), D))
    return Distribution("data", len(X[0]), data=tuple(points))


# --- exact rank, one row at a time ---------------------------------------------------------------

class _GrowingRank:
    """Exact rank of a growing set of integer rows (fraction-free forward elimination).

    Each kept row is primitive (gcd 1) and zero at the pivots of the rows kept before it, so a
    new row reduced against the kept rows in order ends zero at all their pivots; it is
    independent of them exactly when something nonzero is left.
    """

    def __init__(self) -> None:
        self.basis: list[tuple[int, list[int]]] = []

    @property
    def rank(self) -> int:
        return len(self.basis)

    def add(self, row: list[int]) -> bool:
        for p, kept in self.basis:
            if row[p]:
                a, b = kept[p], row[p]
                row = [a * x - b * y for x, y in zip(row, kept)]
        pivot = next((k for k, x in enumerate(row) if x), None)
        if pivot is None:
            return False
        g = math.gcd(*row)
        self.basis.append((pivot, [x // g for x in row]))
        return True


# --- the experiment ------------------------------------------------------------------------------

@dataclass(frozen=True)
class SamplingRun:
    """One repeat: exact dimension steps (n, dim after n points), the exact points drawn (all
    off the hyperplanes, in order), the smallest n reaching fdim (``None`` if not within the
    budget), the pattern of the point that completed the rank, and the draws rejected for lying
    on a hyperplane."""

    steps: tuple
    points: tuple
    reached_at: int | None
    completing_pattern: tuple | None
    rejected: int

    @property
    def points_drawn(self) -> int:
        return len(self.points)

    def dimension_at(self, n: int) -> int:
        """The exact local dimension of the first n points of this run (n ≤ points_drawn,
        or any n once fdim is reached)."""
        if self.reached_at is None and n > self.points_drawn:
            raise InputError(f"this run stopped after {self.points_drawn} points; n = {n} is "
                             "beyond it")
        dim = 0
        for k, value in self.steps:
            if k > n:
                break
            dim = value
        return dim

    def to_dict(self) -> dict[str, Any]:
        return {"steps": [list(s) for s in self.steps], "points_drawn": self.points_drawn,
                "reached_at": self.reached_at,
                "completing_pattern": (None if self.completing_pattern is None
                                       else "".join(map(str, self.completing_pattern))),
                "rejected_on_hyperplane": self.rejected}


@dataclass(frozen=True)
class RegionEstimate:
    """An activation region: its pattern, its exact deficit (fdim minus the rank without it),
    the ESTIMATED probability of the region (count / draws), and in how many repeats a point of
    it completed the rank."""

    pattern: tuple
    deficit: int
    count: int
    draws: int
    completed_rank: int

    @property
    def probability_estimate(self) -> float:
        return self.count / self.draws if self.draws else float("nan")

    @property
    def standard_error(self) -> float:
        p = self.probability_estimate
        return math.sqrt(p * (1 - p) / self.draws) if self.draws else float("nan")

    def to_dict(self) -> dict[str, Any]:
        return {"pattern": "".join(map(str, self.pattern)), "deficit": self.deficit,
                "necessary": self.deficit > 0, "count": self.count,
                # no draws, no estimate (None, not NaN: NaN is not JSON)
                "probability_estimate": self.probability_estimate if self.draws else None,
                "standard_error_estimate": self.standard_error if self.draws else None,
                "completed_rank_in_repeats": self.completed_rank}


@dataclass(frozen=True)
class SamplingConvergence:
    """Result of :func:`sampling_convergence` (exact dimensions, estimated probabilities)."""

    functional: FunctionalDimension
    distribution: Distribution
    seed: int
    max_points: int
    runs: tuple
    regions: tuple
    probability_draws: int
    probability_rejected: int
    neuron_active_counts: tuple
    observed_rank: int | None
    data_excluded: int
    data_ceiling: int | None

    @property
    def functional_dimension(self) -> int:
        return self.functional.functional_dimension

    @property
    def repeats(self) -> int:
        return len(self.runs)

    @property
    def smallest_n(self) -> list:
        """Smallest n reaching fdim in each repeat (``None``: not within ``max_points``)."""
        return [run.reached_at for run in self.runs]

    def summary(self) -> dict[str, Any]:
        """min, median, mean and max of the smallest n over the repeats that reached fdim."""
        hits = [n for n in self.smallest_n if n is not None]
        out: dict[str, Any] = {"reached": len(hits), "repeats": self.repeats}
        if hits:
            out.update(min=min(hits), median=Fraction(statistics.median_low(hits) +
                                                      statistics.median_high(hits), 2),
                       mean=Fraction(sum(hits), len(hits)), max=max(hits))
        return out

    def histogram(self) -> dict[int, int]:
        """{smallest n: number of repeats}, over the repeats that reached fdim."""
        counts: dict[int, int] = {}
        for n in sorted(n for n in self.smallest_n if n is not None):
            counts[n] = counts.get(n, 0) + 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        summary = {k: to_json_number(v) if isinstance(v, Fraction) else v
                   for k, v in self.summary().items()}
        return {
            "functional_dimension": self.functional_dimension,
            "symmetry_bound": self.functional.symmetry_bound,
            "distribution": self.distribution.to_dict(),
            "seed": self.seed,
            "repeats": self.repeats,
            "max_points": self.max_points,
            "smallest_n": self.smallest_n,
            "smallest_n_summary": summary,
            "smallest_n_histogram": {str(n): c for n, c in self.histogram().items()},
            "runs": [run.to_dict() for run in self.runs],
            "region_probabilities": {
                "note": "probabilities are ESTIMATES (count / draws from the same distribution, "
                        "standard error sqrt(p(1-p)/draws)); deficits are exact",
                "draws": self.probability_draws,
                "rejected_on_hyperplane": self.probability_rejected,
                "regions": [r.to_dict() for r in self.regions],
                "neuron_active_probability_estimates": [
                    count / self.probability_draws if self.probability_draws else None
                    for count in self.neuron_active_counts],
                "rank_of_observed_regions": self.observed_rank,
            },
            "data_excluded_on_hyperplane": self.data_excluded,
            "data_ceiling": self.data_ceiling,
        }


def _side_bits(hyperplanes: Sequence, point: tuple) -> int | None:
    """Bit h set when the point is on the positive side of hyperplane h; None on a hyperplane."""
    bits = 0
    for h, hyperplane in enumerate(hyperplanes):
        value = evaluate(hyperplane, point)
        if value == 0:
            return None
        if value > 0:
            bits |= 1 << h
    return bits


def _bits_of(side: Sequence[int]) -> int:
    return sum(1 << h for h, s in enumerate(side) if s > 0)


def _points(distribution: Distribution, rng: np.random.Generator, hyperplanes: Sequence,
            batch: int = 64):
    """Endless stream of (point, side bits) off every hyperplane, and rejections so far."""
    rejected = 0
    while True:
        for point in distribution.draw(rng, batch):
            bits = _side_bits(hyperplanes, point)
            if bits is None:
                rejected += 1
                continue
            yield point, bits, rejected


def _run(network: ShallowNetwork, distribution: Distribution, rng: np.random.Generator,
         hyperplanes: Sequence, pattern_of: dict, target: int, max_points: int,
         convention: ReluPrime) -> SamplingRun:
    """One repeat. A point in the affine hull of the earlier points of its region cannot raise
    the rank (its Jacobian rows are affine combinations of theirs: the decisive-sample
    argument), so only the other points have their rows reduced."""
    growing = _GrowingRank()
    hulls: dict[int, _GrowingRank] = {}
    steps, points, rejected = [], [], 0
    if target == 0:
        return SamplingRun((), (), 0, None, 0)
    for point, bits, rejected in _points(distribution, rng, hyperplanes):
        x = to_fractions(point)
        points.append(x)
        n = len(points)
        X, D = point
        if hulls.setdefault(bits, _GrowingRank()).add(list(X) + [D]):
            grew = False
            for row in integer_rows(jacobian(network, (x,), convention)):
                grew = growing.add(row) or grew
            if grew:
                steps.append((n, growing.rank))
            if growing.rank > target:
                raise RuntimeError(f"internal error: rank {growing.rank} exceeds the functional "
                                   f"dimension {target}")
            if growing.rank == target:
                return SamplingRun(tuple(steps), tuple(points), n, pattern_of[bits], rejected)
        if n >= max_points:
            return SamplingRun(tuple(steps), tuple(points), None, None, rejected)
    raise AssertionError("unreachable")


def sampling_convergence(network: ShallowNetwork, distribution: Distribution, *,
                         repeats: int = 20, max_points: int = 2000, seed: int = 0,
                         probability_draws: int = 10000, relu_prime_at_zero: ReluPrime = "error",
                         functional: FunctionalDimension | None = None, n_jobs: int = 1,
                         backend: str | None = None,
                         scheduler: str | None = None) -> SamplingConvergence:
    """Local dimension of growing random samples against the functional dimension.

    For each of ``repeats`` independent streams x_1, x_2, … from ``distribution`` the exact
    dimension dim(θ, {x_1..x_n}) is followed until it reaches fdim or n = ``max_points``.
    Region probabilities are estimated from ``probability_draws`` further draws; each region
    also gets its exact deficit (:func:`relugeom.geometry.functional.region_deficits`): a
    region with deficit δ > 0 must hold at least ⌈δ/m⌉ points of any sample reaching fdim, so rare
    necessary regions are what make n large.

    Cost: per point, m rows reduced against at most fdim kept rows (O(m·fdim·P) integer
    operations); the estimate costs O(draws·H·d) integer operations (H hyperplanes).

    The repeats run on ``n_jobs`` workers (or a Dask cluster, see
    :func:`relugeom.parallel.parallel_map`); repeat r draws from its own stream, the r-th child
    of ``SeedSequence(seed)``, so the result is the same for every ``n_jobs``.
    """
    network = as_shallow(network, "the sampling convergence")
    if distribution.input_dim != network.input_dim:
        raise InputError(f"the distribution draws points of dimension {distribution.input_dim} "
                         f"but the network's input dimension is {network.input_dim}")
    repeats = check_count(repeats, "repeats", 1)
    max_points = check_count(max_points, "max_points", 1)
    probability_draws = check_count(probability_draws, "probability_draws", 0)
    seed = check_count(seed, "seed", 0)
    check_jobs(n_jobs, "dask" if scheduler else backend)
    if functional is not None and functional.network != network:
        raise InputError("the functional dimension passed is for another network")
    result = functional or functional_dimension(network, relu_prime_at_zero=relu_prime_at_zero)
    convention = result.relu_prime_at_zero
    arrangement = hyperplane_arrangement(network.W, network.b)
    hyperplanes = arrangement.hyperplanes
    # region r of the decisive sample is cell r (same enumeration); its pattern is the one the
    # Jacobian uses (it differs from the cell's only for w = b = 0 neurons under relu'(0) = 1)
    region_of = {_bits_of(cell.side): r for r, cell in enumerate(enumerate_cells(arrangement))}
    pattern_of = {bits: result.region_patterns[r] for bits, r in region_of.items()}

    data_excluded, data_ceiling = 0, None
    if distribution.kind == "data":
        kept = tuple(p for p in distribution.data if _side_bits(hyperplanes, p) is not None)
        data_excluded = len(distribution.data) - len(kept)
        if not kept:
            raise InputError(f"all {len(distribution.data)} data points lie on a hyperplane of "
                             "the network: there is nothing to resample")
        distribution = Distribution("data", distribution.input_dim, data=kept)
        data_ceiling = local_dimension(network, [to_fractions(p) for p in kept],
                                       relu_prime_at_zero=convention)

    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(repeats + 1)]
    repeat = functools.partial(_run, network, distribution, hyperplanes=hyperplanes,
                               pattern_of=pattern_of, target=result.functional_dimension,
                               max_points=max_points, convention=convention)
    runs = tuple(parallel_map(repeat, streams[:repeats], n_jobs=n_jobs, backend=backend,
                              scheduler=scheduler))

    counts: dict[int, int] = {}
    drawn, rejected = 0, 0
    if probability_draws:
        for _, bits, rejected in _points(distribution, streams[-1], hyperplanes):
            counts[bits] = counts.get(bits, 0) + 1
            drawn += 1
            if drawn == probability_draws:
                break
    active = tuple(sum(c for bits, c in counts.items() if pattern_of[bits][j])
                   for j in range(network.hidden_width))
    observed_rank = None
    if drawn:
        size = network.input_dim + 1
        X = [x for r in sorted(region_of[bits] for bits in counts)
             for x in result.decisive_sample[r * size:(r + 1) * size]]
        observed_rank = local_dimension(network, X, relu_prime_at_zero=convention)
    deficits = region_deficits(result)
    completed = [run.completing_pattern for run in runs]
    regions = tuple(sorted(
        (RegionEstimate(pattern_of[bits], deficits[r], counts.get(bits, 0), drawn,
                        completed.count(pattern_of[bits])) for bits, r in region_of.items()),
        key=lambda region: (region.deficit == 0, region.count, region.pattern)))
    return SamplingConvergence(result, distribution, seed, max_points, runs, regions, drawn,
                               rejected, active, observed_rank, data_excluded, data_ceiling)


# --- the figure ----------------------------------------------------------------------------------

def plot_convergence(result: SamplingConvergence, path: str) -> str:
    """Save a figure: exact dimension against n for every repeat, and the smallest n reaching fdim.

    Needs matplotlib (the optional extra ``relugeom[plot]``); without it an
    :class:`~relugeom.errors.InputError` says how to install it.
    """

    fig = new_figure(figsize=(11, 4.2), layout="tight")
    from matplotlib.ticker import MaxNLocator

    fdim = result.functional_dimension
    bound = result.functional.symmetry_bound
    curves, hist = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    last = max((run.points_drawn for run in result.runs), default=1)
    for run in result.runs:
        xs = [0] + [n for n, _ in run.steps] + [last]
        ys = [0] + [dim for _, dim in run.steps]
        ys.append(ys[-1])
        curves.step(xs, ys, where="post", color="tab:blue", alpha=0.35, linewidth=1)
    curves.axhline(fdim, color="tab:green", linestyle="--", label=f"functional dimension {fdim}")
    if bound != fdim:
        curves.axhline(bound, color="tab:gray", linestyle=":", label=f"P − N = {bound}")
    if last > 200:  # long runs: a log axis keeps the early steps readable
        curves.set_xscale("symlog", linthresh=10)
    else:
        curves.xaxis.set_major_locator(MaxNLocator(integer=True))
    curves.set_xlabel("sample size n")
    curves.set_ylabel("local dimension (exact)")
    curves.set_title(f"{result.repeats} repeats: {result.distribution.describe()}", fontsize=9)
    curves.legend(loc="lower right", fontsize=8)
    histogram = result.histogram()
    if histogram:
        hist.bar(list(histogram), list(histogram.values()), width=0.8, color="tab:blue")
    summary = result.summary()
    hist.yaxis.set_major_locator(MaxNLocator(integer=True))
    hist.set_xlabel("smallest n reaching the functional dimension")
    hist.set_ylabel("repeats")
    hist.set_title(f"reached in {summary['reached']} of {summary['repeats']} repeats "
                   f"(≤ {result.max_points} points)", fontsize=9)
    return save_figure(fig, path)
