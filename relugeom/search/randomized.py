"""Random search for counterexamples with hypothesis, shrinking what it finds.

A conjecture is a function of an :class:`~relugeom.Analysis` returning a bool (see
:mod:`relugeom.search.conjectures`). :func:`find_counterexample` draws (network, sample) pairs from
:mod:`relugeom.search.strategies`, evaluates the conjecture on each, and when it fails shrinks the
example toward small dimensions, few neurons, few samples and small integers (hypothesis'
shrinker, then the greedy pass of :mod:`relugeom.search.shrinking`). The search is deterministic
for a given seed. For a proof on a finite family, see :mod:`relugeom.search.exhaustive`.

>>> found = find_counterexample("regions_formula")        # dim = (d+1)·R + 1, false
>>> found.sizes
{'input_dim': 1, 'hidden_width': 1, 'output_dim': 1, 'n_samples': 1}
>>> found.values
{'local_dimension': 1, 'input_dim': 1, 'activation_regions_perceived': 1}
"""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given
from hypothesis import seed as _seed
from hypothesis import settings
from hypothesis.errors import Unsatisfiable, UnsatisfiedAssumption

from ..errors import InputError, check_count
from ..model.patterns import check_relu_prime
from ..model.shallow import ShallowNetwork
from ..parallel import check_jobs, imap, workers
from .conjectures import Conjecture, TrackedAnalysis, as_conjecture
from .loading import portable
from .regression import loader_source
from .results import ConjectureError, Counterexample, SearchResult, is_verdict
from .shrinking import shrink
from .strategies import network_and_sample

#: Options of :func:`relugeom.search.strategies.network_and_sample` a random search accepts.
FAMILY_OPTIONS = ("input_dim", "hidden_width", "output_dim", "n", "entries", "features",
                  "coordinates", "on_hyperplane", "sparse_region", "rich_regions",
                  "nonzero_output_weights", "random_features")


#: The family a random search draws from unless the conjecture or the caller says otherwise.
DEFAULT_FAMILY = {"input_dim": (1, 3), "hidden_width": (1, 4), "output_dim": 1, "n": (1, 8),
                  "random_features": True}

#: Entries (weights and sample coordinates) of the largest example a random family may ask for:
#: hypothesis draws every entry, so a larger example only hangs or overruns its buffer.
MAX_EXAMPLE_ENTRIES = 10_000


def check_family_size(family: dict) -> None:
    """Refuse a family whose largest example has more than :data:`MAX_EXAMPLE_ENTRIES` entries
    ((d + 1)·N + (N + 1)·m weights and n·d coordinates), before any example is drawn."""
    def largest(name: str) -> int | None:
        value = family.get(name)
        value = value[-1] if isinstance(value, (tuple, list)) and value else value
        return value if isinstance(value, int) and value > 0 else None

    d, N, m, n = (largest(name) for name in ("input_dim", "hidden_width", "output_dim", "n"))
    if None in (d, N, m, n):
        return   # malformed sizes are refused, with their name, by the strategy
    entries = (d + 1) * N + (N + 1) * m + n * d
    if entries > MAX_EXAMPLE_ENTRIES:
        raise InputError(f"the family's largest example (d = {d}, N = {N}, m = {m}, n = {n}) "
                         f"has {entries} entries; a random search draws at most "
                         f"{MAX_EXAMPLE_ENTRIES} per example — lower --input-dim, "
                         "--hidden-width, --output-dim or --samples")


def find_counterexample(conjecture: Any, *, max_examples: int = 200, seed: int = 0,
                        strategy: Any = None, max_shrinks: int = 50,
                        relu_prime_at_zero: Any = "error",
                        **family: Any) -> Counterexample | None:
    """Search for a (network, sample) on which ``conjecture`` is False; shrink it; return it.

    ``conjecture`` is a function of an :class:`~relugeom.Analysis` returning a bool, a
    :class:`~relugeom.search.conjectures.Conjecture` or a catalogue name. Examples come from
    :func:`relugeom.search.strategies.network_and_sample` with :data:`DEFAULT_FAMILY`, updated by
    the conjecture's family and then by ``family`` (e.g. ``output_dim=(2, 3)``,
    ``features=["duplicate"]``), or from ``strategy`` (any hypothesis strategy of
    (network, X) pairs). At most ``max_examples`` examples are generated; the same seed gives
    the same answer.

    Shrinking has two stages. Hypothesis shrinks the first failing example (at most
    ``max_shrinks`` evaluations of the conjecture); then a greedy pass drops input
    coordinates, neurons, outputs and samples, and replaces weights and coordinates by 0, ±1
    or their integer part, while the conjecture still fails and the sizes stay within the
    family's ranges (skipped with a custom ``strategy``; forced features may be lost, the
    result is still a counterexample).

    Returns the shrunk :class:`Counterexample`, or None when none was found. Raises
    :class:`ConjectureError` if the conjecture raises or returns a non-bool on an example.
    ``relu_prime_at_zero`` is passed to each Analysis (for families with ``on_hyperplane``).
    ``seed`` and ``max_shrinks`` are whole numbers ≥ 0 and ``max_examples`` ≥ 1; anything
    else is an :class:`~relugeom.errors.InputError` naming the parameter.

    Cost: up to max_examples + max_shrinks + 300 evaluations of the conjecture.

    >>> found = find_counterexample(lambda a: a.local_dimension < 3, max_examples=100)
    >>> found.values["local_dimension"]
    3
    """
    return search(conjecture, max_examples=max_examples, seed=seed, strategy=strategy,
                  max_shrinks=max_shrinks, relu_prime_at_zero=relu_prime_at_zero,
                  **family).counterexample


class _Violated(Exception):
    """The conjecture returned False (internal signal to hypothesis)."""


class _Raised(Exception):
    """The conjecture raised (internal signal to hypothesis)."""


def search(conjecture: Any, *, max_examples: int = 200, seed: int = 0, strategy: Any = None,
           max_shrinks: int = 50, relu_prime_at_zero: Any = "error", n_jobs: int = 1,
           backend: str | None = None, scheduler: str | None = None, streams: int | None = None,
           **family: Any) -> SearchResult:
    """Random search for a counterexample with hypothesis; see :func:`find_counterexample`.

    Returns the full :class:`~relugeom.search.results.SearchResult` (counterexample or None,
    examples tried, the first failure, examples skipped by ``hypothesis.assume``). Cost: as
    :func:`find_counterexample`.

    In parallel (``n_jobs`` workers, or a Dask cluster: see
    :func:`relugeom.parallel.parallel_map`) the search is split into ``streams`` independent
    searches (default: one per worker, so ``n_jobs=1`` is the plain search above). Stream s
    has the seed :func:`stream_seeds` (seed, streams)[s] — the s-th child of
    ``numpy.random.SeedSequence(seed)`` — and max_examples // streams examples (one more for
    the first max_examples mod streams streams). The answer is the counterexample of the
    first stream, in stream order, that found one, and the counts add up the streams up to
    it; the streams after it are cancelled. So the result depends on ``seed`` and ``streams``
    only, not on timing or on where the streams ran: ``streams=2, n_jobs=1`` gives exactly
    the answer of ``n_jobs=2``.

    >>> result = search("symmetry_bound", max_examples=20)
    >>> result.found, result.examples_tried
    (False, 20)
    """
    max_examples = check_count(max_examples, "max_examples", 1)
    seed = check_count(seed, "seed", 0)
    max_shrinks = check_count(max_shrinks, "max_shrinks", 0)
    relu_prime_at_zero = check_relu_prime(relu_prime_at_zero)
    n_jobs = check_jobs(n_jobs, "dask" if scheduler else backend)
    streams = check_count(streams, "streams", 1) if streams is not None else \
        1 if n_jobs == 1 else workers(n_jobs)
    conj = as_conjecture(conjecture)
    options = {**DEFAULT_FAMILY, **conj.family, **family}
    if strategy is None:
        check_family_size(options)
    if streams > 1 and max_examples > 1:
        return _in_streams(conj, min(streams, max_examples), max_examples, seed,
                           {"strategy": strategy, "max_shrinks": max_shrinks,
                            "relu_prime_at_zero": relu_prime_at_zero, **family},
                           {"n_jobs": n_jobs, "backend": backend, "scheduler": scheduler})
    custom_strategy = strategy
    if strategy is None:
        unknown = sorted(set(options) - set(FAMILY_OPTIONS))
        if unknown:
            raise InputError(f"unknown search option(s) {unknown}; the family takes "
                             f"{', '.join(FAMILY_OPTIONS)}")
        strategy = network_and_sample(**options)
    state: dict[str, Any] = {"tried": 0, "first": None, "failure": None, "error": None,
                             "skipped": 0, "failures": set()}

    def fail(pair: tuple) -> None:
        # one raise site: hypothesis tells bugs apart by where the exception comes from
        state["failure"] = pair
        state["failures"].add(pair)
        raise _Violated()

    def probe(pair: tuple) -> None:
        network, X = pair[0], tuple(tuple(x) for x in pair[1])
        pair = (network, X)  # hashable, whatever the strategy returned
        if state["first"] is not None and state["tried"] - state["first"] >= max_shrinks:
            # shrinking budget spent: only the failures already seen still fail, so hypothesis
            # stops shrinking and reports the smallest of them
            if pair in state["failures"]:
                fail(pair)
            return
        analysis = TrackedAnalysis(network, X, relu_prime_at_zero=relu_prime_at_zero)
        try:
            verdict = conj(analysis)
        except UnsatisfiedAssumption:
            state["skipped"] += 1
            raise
        except (Exception, SystemExit) as exc:  # a bug in the conjecture, never a counterexample
            state["error"] = (f"raised {type(exc).__name__}: {exc}", network, X)
            raise _Raised() from exc
        state["tried"] += 1
        if not is_verdict(verdict):
            state["error"] = (f"returned {verdict!r} (a {type(verdict).__name__}), not a bool",
                              network, X)
            raise _Raised()
        if not verdict:
            state["first"] = state["first"] or state["tried"]
            fail(pair)

    runner = settings(max_examples=max_examples, database=None, derandomize=False,
                      deadline=None, suppress_health_check=list(HealthCheck),
                      report_multiple_bugs=False, verbosity=Verbosity.quiet, print_blob=False,
                      phases=(Phase.explicit, Phase.generate, Phase.shrink))(
        _seed(seed)(given(strategy)(probe)))
    try:
        runner()
    except (_Violated, _Raised):
        pass
    except Unsatisfiable:
        pass  # every example was rejected by assume(): nothing was tested
    except Exception as exc:  # from the strategy, or hypothesis (e.g. a flaky conjecture)
        if state["error"] is None:
            raise InputError(f"the search stopped on {type(exc).__name__}: {exc} (search "
                             f"family {options})") from None
    if state["error"] is not None:
        raise ConjectureError(conj.name, *state["error"])
    counterexample = None
    if state["failure"] is not None:
        network, X = state["failure"]
        if custom_strategy is None:
            network, X, extra = shrink(conj, network, X, options, relu_prime_at_zero)
            state["tried"] += extra
        counterexample = _confirm(conj, network, X, relu_prime_at_zero)
    return SearchResult(conj, counterexample, state["tried"], "random", seed, options,
                        state["first"], state["skipped"])


def _confirm(conj: Conjecture, network: ShallowNetwork, X: tuple,
             relu_prime_at_zero: Any) -> Counterexample:
    """Re-evaluate on a fresh analysis to collect the values read (and check determinism)."""
    analysis = TrackedAnalysis(network, X, relu_prime_at_zero=relu_prime_at_zero)
    try:
        verdict = conj(analysis)
    except (Exception, SystemExit) as exc:
        raise ConjectureError(conj.name, f"raised {type(exc).__name__}: {exc}", network,
                              X) from exc
    if verdict:
        raise ConjectureError(conj.name, "is not deterministic: it returned False and then "
                              "True", network, X)
    return Counterexample(conj.name, network, analysis.X, analysis.reads,
                          loader_source(conj), relu_prime_at_zero)


def stream_seeds(seed: int, streams: int) -> list[int]:
    """The hypothesis seeds of the ``streams`` streams of a parallel search with ``seed``: the
    first 32-bit word of each child of ``numpy.random.SeedSequence(seed)``.

    >>> stream_seeds(0, 2) == stream_seeds(0, 3)[:2]
    True
    """
    return [int(child.generate_state(1)[0])
            for child in np.random.SeedSequence(seed).spawn(streams)]


def _in_streams(conj: Conjecture, streams: int, max_examples: int, seed: int,
                options: dict, where: dict) -> SearchResult:
    """The search split into independent streams (see :func:`search`), run where ``where``
    says; the first stream, in order, that finds a counterexample answers."""
    budgets = [max_examples // streams + (s < max_examples % streams) for s in range(streams)]
    tasks = list(zip(stream_seeds(seed, streams), budgets))
    results = imap(functools.partial(_stream, portable(conj), options), tasks, batch_size=1,
                   **where)
    tried = skipped = 0
    try:
        for result in results:
            if isinstance(result, _StreamFailure):
                raise result.error()
            if result.found:
                counterexample = replace(result.counterexample, loader=loader_source(conj))
                return SearchResult(conj, counterexample, tried + result.examples_tried,
                                    "random", seed, result.family,
                                    tried + result.first_failure, skipped + result.skipped)
            tried += result.examples_tried
            skipped += result.skipped
            family = result.family
    finally:
        results.close()
    return SearchResult(conj, None, tried, "random", seed, family, None, skipped)


def _stream(conj: Conjecture, options: dict,
            task: tuple[int, int]) -> SearchResult | _StreamFailure:
    seed, budget = task
    try:
        return search(conj, max_examples=budget, seed=seed, streams=1, **options)
    except ConjectureError as exc:
        return _StreamFailure(exc)


class _StreamFailure:
    """A :class:`ConjectureError` of a stream, as plain data: the exception is built from the
    parts of its message, so it cannot be unpickled, and a worker's would break the pool."""

    def __init__(self, exc: ConjectureError):
        self.message, self.name = str(exc), exc.conjecture
        self.network, self.X = exc.network, exc.X

    def error(self) -> ConjectureError:
        exc = ConjectureError.__new__(ConjectureError)
        InputError.__init__(exc, self.message)
        exc.conjecture, exc.network, exc.X = self.name, self.network, self.X
        return exc
