"""Counterexample search: random with hypothesis (shrinking), or exhaustive on tiny families.

A conjecture is a function of an :class:`~relugeom.Analysis` returning a bool (see
:mod:`relugeom.search.conjectures`). :func:`find_counterexample` draws (network, sample) pairs from
:mod:`relugeom.search.strategies`, evaluates the conjecture on each, and when it fails shrinks the
example toward small dimensions, few neurons, few samples and small integers (hypothesis'
shrinker, then a greedy pass of our own). The search is deterministic for a given seed.
:func:`exhaustive_search` instead visits every case of a finite family in a documented order,
so it either proves the conjecture on the family or returns the first (smallest)
counterexample.

A :class:`Counterexample` holds the exact network and sample, the values the conjecture read,
their JSON in the formats ``relugeom analyze`` reads, and a ready-to-paste pytest regression test.
A conjecture that raises (or returns something other than a bool) on a valid example is a bug in
the conjecture, reported as a :class:`ConjectureError`, never as a counterexample.

>>> found = find_counterexample("regions_formula")        # dim = (d+1)·R + 1, false
>>> found.sizes
{'input_dim': 1, 'hidden_width': 1, 'output_dim': 1, 'n_samples': 1}
>>> found.values
{'local_dimension': 1, 'input_dim': 1, 'activation_regions_perceived': 1}
"""

from __future__ import annotations

import builtins
import dis
import importlib.util
import inspect
import itertools
import json
import math
import os
import re
import sys
import textwrap
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, Callable, Iterator, Mapping, Sequence

from hypothesis import HealthCheck, Phase, Verbosity, given
from hypothesis import seed as _seed
from hypothesis import settings
from hypothesis.errors import Unsatisfiable, UnsatisfiedAssumption

from ..errors import InputError
from ..exact.jsonable import jsonable as _jsonable
from ..exact.numbers import to_rational
from ..model.patterns import activation_patterns
from ..model.sample import sample_to_dict
from ..model.shallow import ShallowNetwork
from ..progress import progress as progress_bar
from .conjectures import CATALOGUE, Conjecture, TrackedAnalysis, as_conjecture, get_conjecture
from .strategies import network_and_sample

#: Options of :func:`relugeom.search.strategies.network_and_sample` a random search accepts.
FAMILY_OPTIONS = ("input_dim", "hidden_width", "output_dim", "n", "entries", "features",
                  "coordinates", "on_hyperplane", "sparse_region", "rich_regions",
                  "nonzero_output_weights", "random_features")


#: The family a random search draws from unless the conjecture or the caller says otherwise.
DEFAULT_FAMILY = {"input_dim": (1, 3), "hidden_width": (1, 4), "output_dim": 1, "n": (1, 8),
                  "random_features": True}


class ConjectureError(InputError):
    """A conjecture raised, or returned something other than a bool, on a valid example.

    ``network`` and ``X`` are the example (``None`` when the conjecture could not even be
    called); the message names the conjecture, the error and the example as JSON.
    """

    def __init__(self, name: str, problem: str, network: ShallowNetwork | None = None,
                 X: tuple | None = None):
        self.conjecture = name
        self.network = network
        self.X = X
        where = ""
        if network is not None:
            where = (f" on the valid example network {json.dumps(network.to_dict())}, sample "
                     f"{json.dumps(sample_to_dict(X))}")
        super().__init__(f"conjecture {name!r} {problem}{where}. A conjecture must return True "
                         "or False on every example (use hypothesis.assume(...) or return True "
                         "to skip examples outside its hypothesis)")


# --- results -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Counterexample:
    """A (network, sample) on which a conjecture returns False.

    ``values`` maps each quantity the conjecture read on it (Analysis keys and catalogue
    quantities) to its value. ``loader`` is the Python code that defines ``conjecture`` in the
    regression test.
    """

    conjecture: str
    network: ShallowNetwork
    X: tuple
    values: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    loader: str = field(default="", compare=False)
    relu_prime_at_zero: Any = "error"

    @property
    def sizes(self) -> dict[str, int]:
        """d, N, m and n of the example."""
        d, N, m = self.network.widths
        return {"input_dim": d, "hidden_width": N, "output_dim": m, "n_samples": len(self.X)}

    def to_dict(self) -> dict[str, Any]:
        """{"network": {W, b, V, c}, "X": [[..]], "values": {..}} with exact entries."""
        return {"network": self.network.to_dict(), "X": sample_to_dict(self.X)["X"],
                "values": _jsonable(dict(self.values))}

    def network_json(self) -> str:
        """The network as ``relugeom analyze`` reads it."""
        return json.dumps(self.network.to_dict())

    def sample_json(self) -> str:
        """The sample as ``relugeom analyze`` reads it (JSON {"X": [[..]]})."""
        return json.dumps(sample_to_dict(self.X))

    def save(self, directory: str) -> dict[str, str]:
        """Write network.json, sample.json and the regression test into ``directory``."""
        os.makedirs(directory, exist_ok=True)
        paths = {"network": os.path.join(directory, "network.json"),
                 "sample": os.path.join(directory, "sample.json"),
                 "test": os.path.join(directory, f"test_{_identifier(self.conjecture)}"
                                                 "_counterexample.py")}
        for key, text in (("network", self.network_json()), ("sample", self.sample_json()),
                          ("test", self.regression_test())):
            with open(paths[key], "w", encoding="utf-8") as handle:
                handle.write(text + ("" if text.endswith("\n") else "\n"))
        return paths

    def regression_test(self) -> str:
        """A self-contained pytest module that fails, with an AssertionError from the
        conjecture, as long as this counterexample stands."""
        net = self.network.to_dict()
        option = ("" if self.relu_prime_at_zero == "error"
                  else f", relu_prime_at_zero={self.relu_prime_at_zero!r}")
        message = f"counterexample to {self.conjecture}: {_short_values(self.values)}"
        return "\n".join([
            f'"""Regression test: relugeom search found this counterexample to '
            f'{self.conjecture!r}."""',
            "",
            "from relugeom import ShallowNetwork, analyze",
            self.loader or _loader_placeholder(),
            "",
            "NETWORK = ShallowNetwork(",
            f"    W={json.dumps(net['W'])},",
            f"    b={json.dumps(net['b'])},",
            f"    V={json.dumps(net['V'])},",
            f"    c={json.dumps(net['c'])},",
            ")",
            f"X = {json.dumps(sample_to_dict(self.X)['X'])}",
            "",
            "",
            f"def test_{_identifier(self.conjecture)}_counterexample():",
            f"    analysis = analyze(NETWORK, X{option})",
            f"    assert conjecture(analysis), {json.dumps(message, ensure_ascii=False)}",
            "",
        ])

    def describe(self) -> str:
        """Human-readable description: sizes, values read, JSON of network and sample."""
        s = self.sizes
        lines = [f"counterexample to {self.conjecture}: d = {s['input_dim']}, "
                 f"N = {s['hidden_width']}, m = {s['output_dim']}, n = {s['n_samples']}",
                 "values the conjecture read:"]
        width = max((len(k) for k in self.values), default=0)
        lines += [f"  {k.ljust(width)}  {_show(v)}" for k, v in self.values.items()]
        lines += ["network (JSON, as `relugeom analyze` reads it):", f"  {self.network_json()}",
                  "sample (JSON):", f"  {self.sample_json()}"]
        return "\n".join(lines)


@dataclass(frozen=True)
class SearchResult:
    """The outcome of a search: the counterexample found (or None) and how hard we looked.

    ``examples_tried`` counts every evaluation of the conjecture (in random mode including
    those made while shrinking); ``first_failure`` is how many had been tried when the first
    failing example appeared. ``skipped`` counts examples outside the domain: in exhaustive
    mode the samples with a point on a hyperplane, in both modes the examples rejected by
    ``hypothesis.assume``. In exhaustive mode ``proved`` says the conjecture holds on every
    case of the family.
    """

    conjecture: Conjecture
    counterexample: Counterexample | None
    examples_tried: int
    mode: str
    seed: int | None = None
    family: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    first_failure: int | None = None
    skipped: int = 0

    @property
    def found(self) -> bool:
        return self.counterexample is not None

    @property
    def proved(self) -> bool:
        """True when an exhaustive search met no counterexample (a proof on the family)."""
        return self.mode == "exhaustive" and self.counterexample is None

    def to_dict(self) -> dict[str, Any]:
        return {"conjecture": self.conjecture.name,
                "counterexample": self.counterexample.to_dict() if self.counterexample else None,
                "examples_tried": self.examples_tried,
                "mode": self.mode, "seed": self.seed, "statement": self.conjecture.statement,
                "status": self.conjecture.status, "family": _plain(self.family),
                "first_failure": self.first_failure, "skipped": self.skipped,
                "proved_on_family": self.proved}

    def summary(self) -> str:
        """One line: what was searched and what came out."""
        if self.mode == "exhaustive":
            how = f"exhaustive search of {self.examples_tried} cases ({self.skipped} skipped)"
        else:
            how = f"random search of {self.examples_tried} examples (seed {self.seed})"
        if self.counterexample is None:
            return (f"{how}: the conjecture holds on the whole family (proved on it)"
                    if self.proved else f"{how}: no counterexample found")
        where = (f", first failure at example {self.first_failure}, then shrunk"
                 if self.first_failure is not None and self.mode == "random" else "")
        return f"{how}: counterexample found{where}"


# --- random search -------------------------------------------------------------------------------

class _Violated(Exception):
    """The conjecture returned False (internal signal to hypothesis)."""


class _Raised(Exception):
    """The conjecture raised (internal signal to hypothesis)."""


def search(conjecture: Any, *, max_examples: int = 200, seed: int = 0, strategy: Any = None,
           max_shrinks: int = 50, relu_prime_at_zero: Any = "error",
           **family: Any) -> SearchResult:
    """Random search for a counterexample with hypothesis; see :func:`find_counterexample`.

    Returns the full :class:`SearchResult` (counterexample or None, examples tried, ...).
    """
    conj = as_conjecture(conjecture)
    options = {**DEFAULT_FAMILY, **conj.family, **family}
    custom_strategy = strategy
    if strategy is None:
        unknown = sorted(set(options) - set(FAMILY_OPTIONS))
        if unknown:
            raise InputError(f"unknown search option(s) {unknown}; the family takes "
                             f"{', '.join(FAMILY_OPTIONS)}")
        strategy = network_and_sample(**options)
    if max_examples < 1:
        raise InputError(f"max_examples must be at least 1, got {max_examples}")
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
        except Exception as exc:  # a bug in the conjecture: reported, never a counterexample
            state["error"] = (f"raised {type(exc).__name__}: {exc}", network, X)
            raise _Raised() from exc
        state["tried"] += 1
        if not _is_bool(verdict):
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
            network, X, extra = _reduce(conj, network, X, options, relu_prime_at_zero)
            state["tried"] += extra
        counterexample = _confirm(conj, network, X, relu_prime_at_zero)
    return SearchResult(conj, counterexample, state["tried"], "random", seed, options,
                        state["first"], state["skipped"])


def _low(value: Any) -> int:
    return value if isinstance(value, int) else value[0]


def _smaller_cases(network: ShallowNetwork, X: tuple, options: Mapping[str, Any]
                   ) -> Iterator[tuple[ShallowNetwork, tuple]]:
    """Examples one step smaller, within the family's size ranges: without one input
    coordinate, one neuron, one output or one sample."""
    d, N, m = network.widths
    W, b, V, c = network.W, network.b, network.V, network.c
    if d > _low(options.get("input_dim", 1)):
        for l in range(d):
            yield (ShallowNetwork([w[:l] + w[l + 1:] for w in W], b, V, c),
                   tuple(x[:l] + x[l + 1:] for x in X))
    if N > _low(options.get("hidden_width", 1)):
        for j in range(N):
            yield (ShallowNetwork(W[:j] + W[j + 1:], b[:j] + b[j + 1:],
                                  [v[:j] + v[j + 1:] for v in V], c), X)
    if m > max(_low(options.get("output_dim", 1)),
               2 if "multi_output" in options.get("features", ()) else 1):
        for k in range(m):
            yield ShallowNetwork(W, b, V[:k] + V[k + 1:], c[:k] + c[k + 1:]), X
    if len(X) > _low(options.get("n", 1)):
        for i in range(len(X)):
            yield network, X[:i] + X[i + 1:]


def _height(q: Fraction) -> tuple[int, bool]:
    return abs(q.numerator) + q.denominator, q < 0


def _simpler_values(q: Fraction) -> list[Fraction]:
    """0, 1, −1 and q truncated to an integer, those simpler than q, simplest first."""
    candidates = {Fraction(0), Fraction(1), Fraction(-1), Fraction(int(q))}
    return sorted((r for r in candidates if _height(r) < _height(q)), key=_height)


def _simpler_cases(network: ShallowNetwork, X: tuple) -> Iterator[tuple[ShallowNetwork, tuple]]:
    """Examples with one weight, then one sample coordinate, replaced by a simpler number."""
    theta = network.theta()
    for p, q in enumerate(theta):
        for r in _simpler_values(q):
            yield (ShallowNetwork.from_theta(theta[:p] + (r,) + theta[p + 1:], *network.widths),
                   X)
    for i, x in enumerate(X):
        for l, q in enumerate(x):
            for r in _simpler_values(q):
                yield network, X[:i] + (x[:l] + (r,) + x[l + 1:],) + X[i + 1:]


def _reduce(conj: Conjecture, network: ShallowNetwork, X: tuple, options: Mapping[str, Any],
            relu_prime_at_zero: Any, budget: int = 300) -> tuple[ShallowNetwork, tuple, int]:
    """After hypothesis' shrinking, greedily make the counterexample smaller while the
    conjecture still fails: drop an input coordinate, a neuron, an output or a sample (within
    the family's size ranges), else replace a weight or a coordinate by 0, ±1 or its integer
    part; repeat until nothing applies or ``budget`` evaluations are spent. Candidates with a
    sample on a hyperplane are skipped. Returns the example and the evaluations made."""
    evaluations = 0
    improved = True
    while improved and evaluations < budget:
        improved = False
        for candidate, sample in itertools.chain(_smaller_cases(network, X, options),
                                                 _simpler_cases(network, X)):
            if evaluations >= budget:
                break
            try:
                activation_patterns(candidate, sample, relu_prime_at_zero)
            except InputError:
                continue  # a sample on a hyperplane: outside the domain
            analysis = TrackedAnalysis(candidate, sample, relu_prime_at_zero=relu_prime_at_zero)
            try:
                verdict = conj(analysis)
            except UnsatisfiedAssumption:
                continue
            except Exception as exc:
                raise ConjectureError(conj.name, f"raised {type(exc).__name__}: {exc}",
                                      candidate, sample) from exc
            evaluations += 1
            if _is_bool(verdict) and not verdict:
                network, X, improved = candidate, sample, True
                break
    return network, X, evaluations


def find_counterexample(conjecture: Any, *, max_examples: int = 200, seed: int = 0,
                        strategy: Any = None, max_shrinks: int = 50,
                        relu_prime_at_zero: Any = "error",
                        **family: Any) -> Counterexample | None:
    """Search for a (network, sample) on which ``conjecture`` is False; shrink it; return it.

    ``conjecture`` is a function of an :class:`~relugeom.Analysis` returning a bool, a
    :class:`~relugeom.search.conjectures.Conjecture` or a catalogue name. Examples come from
    :func:`relugeom.search.strategies.network_and_sample` with :data:`DEFAULT_FAMILY`, updated by the
    conjecture's family and then by ``family`` (e.g. ``output_dim=(2, 3)``,
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

    Cost: up to max_examples + max_shrinks + 300 evaluations of the conjecture.

    >>> found = find_counterexample(lambda a: a.local_dimension < 3, max_examples=100)
    >>> found.values["local_dimension"]
    3
    """
    return search(conjecture, max_examples=max_examples, seed=seed, strategy=strategy,
                  max_shrinks=max_shrinks, relu_prime_at_zero=relu_prime_at_zero,
                  **family).counterexample


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool) or type(value).__name__ == "bool_"  # numpy.bool_


def _confirm(conj: Conjecture, network: ShallowNetwork, X: tuple,
             relu_prime_at_zero: Any) -> Counterexample:
    """Re-evaluate on a fresh analysis to collect the values read (and check determinism)."""
    analysis = TrackedAnalysis(network, X, relu_prime_at_zero=relu_prime_at_zero)
    try:
        verdict = conj(analysis)
    except Exception as exc:
        raise ConjectureError(conj.name, f"raised {type(exc).__name__}: {exc}", network,
                              X) from exc
    if verdict:
        raise ConjectureError(conj.name, "is not deterministic: it returned False and then "
                              "True", network, X)
    return Counterexample(conj.name, network, analysis.X, analysis.reads,
                          loader_source(conj), relu_prime_at_zero)


# --- exhaustive search ---------------------------------------------------------------------------

DEFAULT_VALUES = (-1, 0, 1)
DEFAULT_GRID = (Fraction(-3, 2), Fraction(-1, 2), Fraction(1, 2), Fraction(3, 2))


def canonical_order(values: Sequence[Any]) -> list[Fraction]:
    """Distinct exact values sorted by (|q|, q < 0): 0, 1/2, −1/2, 1, −1, 2, …"""
    exact = {to_rational(v, "exhaustive value") for v in values}
    return sorted(exact, key=lambda q: (abs(q), q < 0))


def _range(value: int | tuple[int, int], name: str) -> range:
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
    """
    for network, k, off, _ in _exhaustive_networks(canonical_order(values), input_dim,
                                                    hidden_width, output_dim, n,
                                                    canonical_order(grid)):
        for X in itertools.combinations(off, k):
            yield network, X


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
                if not _is_bool(verdict):
                    raise ConjectureError(conj.name, f"returned {verdict!r}, not a bool",
                                          network, X)
                if not verdict:
                    counterexample = Counterexample(conj.name, network, X, analysis.reads,
                                                    loader_source(conj), relu_prime_at_zero)
                    return SearchResult(conj, counterexample, tried, "exhaustive", None,
                                        family, tried, skipped)
    return SearchResult(conj, None, tried, "exhaustive", None, family, None, skipped)


# --- conjectures from files, and how a regression test loads them --------------------------------

def load_conjecture(spec: str) -> Conjecture:
    """A catalogue name, or ``FILE.py:FUNCTION`` (a function of an Analysis, or a Conjecture).

    Raises :class:`~relugeom.errors.InputError` naming the problem when the file is missing,
    cannot be imported (the exception and line are named), or lacks the function.
    """
    path, sep, name = spec.rpartition(":")
    if not sep or not path.endswith(".py"):
        if spec.endswith(".py"):
            raise InputError(f"{spec!r}: name the function to test, as FILE.py:FUNCTION")
        return get_conjecture(spec)
    if not os.path.isfile(path):
        raise InputError(f"conjecture file {path!r} does not exist")
    module = _import_file(path)
    if not hasattr(module, name):
        defined = sorted(k for k, v in vars(module).items()
                         if callable(v) and not k.startswith("_")
                         and getattr(v, "__module__", module.__name__) == module.__name__)
        raise InputError(f"conjecture file {path!r} has no function {name!r} (it defines: "
                         f"{', '.join(defined) or 'no functions'})")
    obj = getattr(module, name)
    if not callable(obj):
        raise InputError(f"{path}:{name} is a {type(obj).__name__}, not a function of an "
                         "Analysis")
    conj = as_conjecture(obj)
    if conj.name != name and not isinstance(obj, Conjecture):
        conj = replace(conj, name=name)
    origin = f"{os.path.abspath(path)}:{name}"
    return replace(conj, origin="from relugeom.search.counterexamples import load_conjecture\n\n"
                                f"conjecture = load_conjecture({origin!r})")


def _import_file(path: str) -> Any:
    module_name = "relugeom_conjecture_" + _identifier(os.path.splitext(
        os.path.basename(path))[0]) + f"_{abs(hash(os.path.abspath(path))) % 10 ** 8}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise InputError(f"conjecture file {path!r} cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    directory = os.path.dirname(os.path.abspath(path))
    sys.path.insert(0, directory)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        sys.modules.pop(module_name, None)
        raise InputError(f"conjecture file {path!r} cannot be loaded: SyntaxError at line "
                         f"{exc.lineno}: {exc.msg}") from None
    except BaseException as exc:  # anything the file raises while being imported
        sys.modules.pop(module_name, None)
        line = _traceback_line(exc, path)
        raise InputError(f"conjecture file {path!r} cannot be loaded: {type(exc).__name__}"
                         f"{line}: {exc}") from None
    finally:
        sys.path.remove(directory)
    return module


def _traceback_line(exc: BaseException, path: str) -> str:
    tb, line = exc.__traceback__, None
    while tb is not None:
        if os.path.abspath(tb.tb_frame.f_code.co_filename) == os.path.abspath(path):
            line = tb.tb_lineno
        tb = tb.tb_next
    return f" at line {line}" if line else ""


def loader_source(conjecture: Any) -> str:
    """Python code defining ``conjecture`` as this conjecture, for a regression test.

    In order of preference: a catalogue entry is fetched by name; a function of a package
    module is imported; a function whose source uses no global name is inlined (the test is
    then self-contained); a conjecture loaded by :func:`load_conjecture`, or a top-level
    function of a file, is loaded from that file's path.
    """
    conj = as_conjecture(conjecture)
    if CATALOGUE.get(conj.name) is conj:
        return ("from relugeom.search.conjectures import get_conjecture\n\n"
                f"conjecture = get_conjecture({conj.name!r})")
    func = conj.check
    module_name = getattr(func, "__module__", None) or ""
    qualname = getattr(func, "__qualname__", "")
    module = sys.modules.get(module_name)
    top_level = module is not None and "." not in qualname and "<" not in qualname and \
        getattr(module, qualname, None) in (func, conjecture)
    if top_level and "." in module_name:
        return f"from {module_name} import {qualname} as conjecture"
    inlined = _inline_source(func)
    if inlined:
        return inlined
    if conj.origin:
        return conj.origin
    path = getattr(module, "__file__", None)
    if top_level and path and module_name != "__main__":  # loading a script would run it
        return ("from relugeom.search.counterexamples import load_conjecture\n\n"
                f"conjecture = load_conjecture({os.path.abspath(path) + ':' + qualname!r})")
    return _loader_placeholder()


def _inline_source(func: Callable) -> str:
    """The function's own source when it is a plain ``def`` that reads no global name."""
    code = getattr(func, "__code__", None)
    if code is None or func.__name__ == "<lambda>":
        return ""
    if code.co_freevars or any(name not in _BUILTIN_NAMES for name in _global_names(code)):
        return ""
    try:
        source = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError):
        return ""
    if not source.startswith("def "):
        return ""
    return f"\n\n{source.rstrip()}\n\n\nconjecture = {func.__name__}"


_BUILTIN_NAMES = frozenset(dir(builtins))


def _global_names(code: Any) -> set[str]:
    """Names a code object (and the functions nested in it) looks up as globals."""
    names = {ins.argval for ins in dis.get_instructions(code)
             if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME")}
    for const in code.co_consts:
        if hasattr(const, "co_code"):
            names |= _global_names(const)
    return names


def _loader_placeholder() -> str:
    return ("\n# relugeom could not locate the conjecture's source: define it here.\n"
            "def conjecture(analysis):\n    raise NotImplementedError('paste the conjecture')")


# --- small helpers -------------------------------------------------------------------------------

def _identifier(name: str) -> str:
    ident = re.sub(r"\W+", "_", name).strip("_").lower()
    return ident if ident and not ident[0].isdigit() else f"c_{ident}"


def _plain(family: Mapping[str, Any]) -> dict[str, Any]:
    """JSON-ready copy of a family; strategies (``entries=...``) appear as their repr."""
    return json.loads(json.dumps(_jsonable(dict(family)), default=repr))


def _show(value: Any) -> str:
    text = json.dumps(_jsonable(value), ensure_ascii=False, default=repr)
    return text if len(text) <= 70 else text[:67] + "..."


def _short_values(values: Mapping[str, Any]) -> str:
    parts = [f"{k} = {_show(v)}" for k, v in values.items() if len(_show(v)) <= 40]
    return ", ".join(parts) if parts else "see the values in the search report"
