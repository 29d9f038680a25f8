"""What an experiment records at a checkpoint, exactly, and how results are stored.

At each checkpoint the float64 weights are converted *exactly* (each float is its binary value,
:meth:`relugeom.ShallowNetwork.from_numpy`), the samples too, and everything below is computed
on those exact objects:

- ``local_dimension``: rank over Q of J(θ, X) on the training sample (and
  ``local_dimension_<name>`` on the other samples: held-out ``test``, ``gaussian``);
- ``activation_regions_perceived``: distinct activation patterns on X;
- ``linear_pieces_perceived``: pieces of f containing a sample
  (:mod:`relugeom.arrangement.regions`; shallow networks only, else ``None`` with a note);
- alignment of the (first-layer) neurons active on X, three ways:
  ``distinct_hyperplanes_exact`` (hyperplanes equal up to a positive or negative factor,
  compared exactly — float training almost never makes two exactly equal),
  ``hyperplanes_perceived`` (distinct partitions of X the hyperplanes make, up to swapping the
  sides — exact), and ``aligned_hyperplanes_numeric`` (NUMERIC: clusters of the lines
  R·(w_j, b_j) whose angle is at most the stated tolerance, single linkage);
- ``numeric_rank``: NUMERIC rank of the float Jacobian under numpy's rule
  ``S.max()·max(shape)·eps``, beside the exact one;
- ``network``: the exact weights, from which everything can be recomputed.

Only the loss and the ``*_numeric`` / ``numeric_*`` entries are float computations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Mapping, Sequence

import networkx as nx
import numpy as np

from ..arrangement.regions import count_pieces_perceived
from ..errors import BoundaryError
from ..exact.arrays import RationalArray
from ..exact.numbers import to_json_number
from ..model.deep import DeepNetwork
from ..model.patterns import distinct_patterns
from ..model.sample import as_sample
from ..model.shallow import ShallowNetwork
from ..progress import Bar
from ..rank.backprop import full_patterns
from ..rank.dimension import local_dimension_report
from ..rank.jacobian import numeric_jacobian
from ..rank.shallow import exact_signs
from . import descent

#: Default angular tolerance (degrees) of the numeric alignment count.
ALIGNMENT_TOLERANCE_DEGREES = 0.5


# --- exact objects from floats ----------------------------------------------------------------

def exact_network(layers: descent.Layers) -> Any:
    """The exact network whose weights are the binary values of the float weights.

    Two layers give a :class:`~relugeom.ShallowNetwork`, more a :class:`~relugeom.DeepNetwork`.
    """
    if len(layers) == 2:
        (W, b), (V, c) = layers
        return ShallowNetwork.from_numpy(W, b, V, c)
    return DeepNetwork.from_numpy(layers)


def exact_sample(X: np.ndarray) -> tuple:
    """The exact sample whose points are the binary values of the float rows of ``X``."""
    return as_sample(np.asarray(X, dtype=float))


def json_matrix(rows: Sequence[Sequence]) -> list[list]:
    return [[to_json_number(q) for q in row] for row in rows]


# --- exact measurements -----------------------------------------------------------------------

def _is_shallow(network: Any) -> bool:
    return hasattr(network, "V")


def local_dimension_on(network: Any, X: tuple, method: str = "auto",
                       primes: int = 1) -> tuple[int, str, str, float | None]:
    """Local dimension, the relu'(0) convention that was needed, the certificate, and the error
    probability ε of an uncertified modular value (None otherwise).

    ``method="auto"`` (default) calls :func:`relugeom.rank.dimension.local_dimension_report`, which
    always returns a certified exact value (exact elimination, or a modular rank that reaches a
    proven upper bound); the certificate says which. ``method="modular"`` (for MNIST sizes)
    returns the rank modulo ``primes`` random primes: a certified *lower bound*, exact when its
    certificate says so and otherwise equal to the rank over Q except with probability ≤ ε
    (certificate "probabilistic"). Training uses relu'(0) = 0 (gradients of ``z > 0``): a sample
    lying exactly on a hyperplane is measured with that convention and reported as "0";
    otherwise "error" (no sample on any hyperplane: J is the true derivative).
    """
    try:
        report = local_dimension_report(network, X, method=method, primes=primes,
                                        fallback="exact")
        convention = "error"
    except BoundaryError:
        report = local_dimension_report(network, X, method=method, primes=primes,
                                        relu_prime_at_zero=0, fallback="exact")
        convention = "0"
    if method == "auto" and not report.exact:  # "auto" promises a certified exact value
        raise RuntimeError(f"local dimension not certified exact: {report.certificate}")
    epsilon = None if report.exact else report.epsilon
    return report.value, convention, report.certificate, epsilon


def patterns_on(network: Any, X: tuple) -> tuple:
    """Activation patterns (all hidden layers, concatenated), with relu'(0) = 0 on exact zeros
    as in training.

    Shallow: the exact signs of :func:`relugeom.rank.shallow.exact_signs` (a proven float filter,
    exact recomputation of the undecided entries), which matches
    :func:`relugeom.activation_patterns` at a fraction of its cost when d is large.
    """
    if not _is_shallow(network):
        return full_patterns(network, X, relu_prime_at_zero=0)

    def exact_entry(i: int, j: int) -> Fraction:
        return sum((w * x for w, x in zip(network.W[j], X[i])), network.b[j])

    signs = exact_signs(RationalArray.from_fractions(network.W),
                        RationalArray.from_fractions(network.b),
                        RationalArray.from_fractions(X), exact_entry)
    return tuple(map(tuple, (signs > 0).astype(int).tolist()))


def linear_pieces_perceived(network: Any, X: tuple) -> int | None:
    """Number of linear pieces of f containing a sample (:mod:`relugeom.arrangement.regions`);
    None for a deep network, or when a sample lies exactly on a hyperplane where f bends."""
    if not _is_shallow(network):
        return None
    try:
        return count_pieces_perceived(network, X)
    except BoundaryError:
        return None


def first_layer(network: Any) -> tuple[tuple, tuple]:
    return (network.W, network.b) if _is_shallow(network) else network.layers[0]


def distinct_hyperplanes_exact(W: tuple, b: tuple, neurons: Sequence[int]) -> int:
    """Distinct hyperplanes {x : w_j·x + b_j = 0} among ``neurons`` (those with w_j ≠ 0),
    equal when (w_j, b_j) are proportional with a positive or negative factor. Exact.

    >>> from fractions import Fraction as F
    >>> distinct_hyperplanes_exact(((F(1),), (F(-2),), (F(1),)), (F(1), F(-2), F(2)), [0, 1, 2])
    2
    """
    keys = set()
    for j in neurons:
        lead = next((q for q in W[j] if q), None)
        if lead is not None:
            keys.add(tuple(q / lead for q in W[j]) + (b[j] / lead,))
    return len(keys)


def hyperplanes_perceived(patterns: Sequence[Sequence[int]], n_neurons: int) -> int:
    """Distinct ways the first-layer neurons cut X in two: columns of the pattern matrix that are
    neither all 0 nor all 1, identified up to complement. Exact.

    >>> hyperplanes_perceived([(1, 0, 1), (0, 1, 1)], 3)
    1
    """
    cuts = set()
    for j in range(n_neurons):
        column = tuple(s[j] for s in patterns)
        if 0 < sum(column) < len(column):
            cuts.add(column if column[0] == 0 else tuple(1 - a for a in column))
    return len(cuts)


def aligned_hyperplanes_numeric(W: np.ndarray, b: np.ndarray, neurons: Sequence[int],
                                tolerance_degrees: float = ALIGNMENT_TOLERANCE_DEGREES) -> int:
    """NUMERIC alignment count: clusters of the lines R·(w_j, b_j), j in ``neurons`` with
    w_j ≠ 0, two lines joined when the angle between them is at most ``tolerance_degrees``
    (single linkage: connected components of the "close" graph). Float64.
    """
    A = np.hstack([np.asarray(W, float), np.asarray(b, float)[:, None]])
    chosen = [j for j in neurons if np.any(A[j, :-1] != 0)]
    if not chosen:
        return 0
    U = A[chosen] / np.linalg.norm(A[chosen], axis=1, keepdims=True)
    close = np.abs(U @ U.T) >= math.cos(math.radians(tolerance_degrees))
    graph = nx.Graph()
    graph.add_nodes_from(range(len(chosen)))
    graph.add_edges_from(zip(*(axis.tolist() for axis in np.nonzero(np.triu(close, 1)))))
    return nx.number_connected_components(graph)


def numeric_rank(network: Any, X: np.ndarray) -> int | None:
    """NUMERIC rank of the float Jacobian (numpy's rule S.max()·max(shape)·eps); shallow only."""
    if not _is_shallow(network):
        return None
    return int(np.linalg.matrix_rank(numeric_jacobian(network, X)))


# --- results ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Checkpoint:
    """The measurements at one step; ``extra`` holds experiment-specific entries."""

    step: int
    loss: float
    local_dimension: int
    activation_regions_perceived: int
    network: Any
    measurements: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "loss": self.loss, "local_dimension": self.local_dimension,
                "activation_regions_perceived": self.activation_regions_perceived,
                **self.measurements, "network": self.network.to_dict()}


@dataclass(frozen=True)
class Samples:
    """The named samples of a run, float and exact. ``train`` comes first."""

    floats: Mapping[str, np.ndarray]
    exact: Mapping[str, tuple]

    @classmethod
    def from_floats(cls, **samples: np.ndarray) -> "Samples":
        floats = {name: np.asarray(X, dtype=float) for name, X in samples.items()}
        return cls(floats, {name: exact_sample(X) for name, X in floats.items()})

    @property
    def names(self) -> list[str]:
        return list(self.floats)


def measure(step: int, loss: float, layers: descent.Layers, samples: Samples, *,
            alignment_tolerance_degrees: float = ALIGNMENT_TOLERANCE_DEGREES,
            with_numeric_rank: bool = True, with_pieces: bool = True,
            dimension_method: str = "auto",
            modular_primes: int = 1, extra: Mapping[str, Any] | None = None) -> Checkpoint:
    """Convert ``layers`` exactly and record every quantity of the module docstring.

    ``dimension_method`` and ``modular_primes`` are passed to :func:`local_dimension_on`.
    """
    network = exact_network(layers)
    out: dict[str, Any] = {}
    conventions = set()
    certificates: set[str] = set()
    epsilons: list[float] = []
    dims = {}
    regions = {}
    train_patterns = None
    for name in samples.names:
        X = samples.exact[name]
        dims[name], convention, certificate, epsilon = local_dimension_on(
            network, X, dimension_method, modular_primes)
        conventions.add(convention)
        certificates.add(certificate)
        if epsilon is not None:
            epsilons.append(epsilon)
        patterns = patterns_on(network, X)
        regions[name] = len(distinct_patterns(patterns))
        if train_patterns is None:
            train_patterns = patterns
    train = samples.names[0]
    for name in samples.names[1:]:
        out[f"local_dimension_{name}"] = dims[name]
    for name in samples.names[1:]:
        out[f"activation_regions_perceived_{name}"] = regions[name]
    out["linear_pieces_perceived"] = (linear_pieces_perceived(network, samples.exact[train])
                                      if with_pieces else None)
    W, b = first_layer(network)
    N1 = len(W)
    first_patterns = [s[:N1] for s in train_patterns]
    active = [j for j in range(N1) if any(s[j] for s in first_patterns)]
    out["active_neurons"] = len(active)
    out["dead_neurons"] = N1 - len(active)
    out["distinct_hyperplanes_exact"] = distinct_hyperplanes_exact(W, b, active)
    out["hyperplanes_perceived"] = hyperplanes_perceived(first_patterns, N1)
    W1, b1 = layers[0]
    out["aligned_hyperplanes_numeric"] = aligned_hyperplanes_numeric(
        W1, b1, active, alignment_tolerance_degrees)
    if with_numeric_rank:
        out["numeric_rank"] = numeric_rank(network, samples.floats[train])
    out["relu_prime_convention"] = "0" if "0" in conventions else "error"
    out["dimension_certificates"] = sorted(certificates)
    if epsilons:
        out["dimension_max_epsilon"] = max(epsilons)
    out.update(extra or {})
    return Checkpoint(step, loss, dims[train], regions[train], network, out)


@dataclass(frozen=True)
class Run:
    """One training run: its samples, targets, architecture and checkpoints."""

    name: str
    samples: Samples
    Y: np.ndarray
    architecture: tuple
    checkpoints: tuple
    summary: Mapping[str, Any] = field(default_factory=dict)

    @property
    def n_parameters(self) -> int:
        return sum(a * (b + 1) for b, a in zip(self.architecture, self.architecture[1:]))

    @property
    def hidden_neurons(self) -> int:
        return sum(self.architecture[1:-1])

    def to_dict(self) -> dict[str, Any]:
        m = self.architecture[-1]
        names = self.samples.names
        return {
            "name": self.name,
            "architecture": list(self.architecture),
            "n_parameters": self.n_parameters,
            "hidden_neurons": self.hidden_neurons,
            "symmetry_bound": self.n_parameters - self.hidden_neurons,
            "sample_bounds": {name: len(self.samples.exact[name]) * m for name in names},
            "X": json_matrix(self.samples.exact[names[0]]),
            "Y": json_matrix(exact_sample(self.Y)),
            "samples": {name: json_matrix(self.samples.exact[name]) for name in names[1:]},
            "summary": dict(self.summary),
            "checkpoints": [c.to_dict() for c in self.checkpoints],
        }


@dataclass(frozen=True)
class ExperimentResult:
    """An experiment's runs, config and summary.

    ``to_dict()`` is the results.json object: the first (primary) run's fields at top level
    ("X", "checkpoints", ...), and with several runs also "runs", the list of all of them, each
    with its own "summary" (the top-level "summary" is then the experiment's).
    """

    experiment: str
    mode: str
    seed: int
    config: Mapping[str, Any]
    runs: tuple
    summary: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"experiment": self.experiment, "mode": self.mode,
                               "seed": self.seed, "config": dict(self.config)}
        if self.runs:
            primary = self.runs[0].to_dict()
            run_summary = primary.pop("summary")
            out.update(primary)
            if len(self.runs) > 1:  # each run keeps its own summary in "runs"
                out["summary"] = dict(self.summary)
                out["runs"] = [run.to_dict() for run in self.runs]
            else:
                out["summary"] = {**run_summary, **self.summary}
        else:
            out["summary"] = dict(self.summary)
        out["notes"] = list(self.notes)
        return out


def standard_notes(runs: Sequence[Run]) -> list[str]:
    """Notes every result carries: what is exact, what is numeric, what was unavailable."""
    notes = [
        "Exact: local_dimension* (rank over Q of the Jacobian at the exact binary values of the "
        "float64 weights and samples; dimension_certificates says how each value is certified), "
        "activation_regions_perceived*, hyperplanes_perceived, distinct_hyperplanes_exact, "
        "active_neurons, dead_neurons.",
        "Numeric (float64): loss; numeric_rank (numpy matrix_rank rule S.max()*max(shape)*eps on "
        "the float Jacobian); aligned_hyperplanes_numeric (single-linkage clusters of the lines "
        "R*(w_j, b_j) within the stated angle).",
        "Training uses relu'(0) = 0; relu_prime_convention is 'error' when no sample lies "
        "exactly on a hyperplane (J is the true derivative), '0' when that convention was used.",
    ]
    checkpoints = [c for run in runs for c in run.checkpoints]
    if any("probabilistic" in c.measurements.get("dimension_certificates", ())
           for c in checkpoints):
        notes.append("Where dimension_certificates contains 'probabilistic', local_dimension* "
                     "is a rank modulo random primes: a certified lower bound, equal to the rank "
                     "over Q except with probability at most dimension_max_epsilon.")
    if any(c.measurements.get("linear_pieces_perceived") is None for c in checkpoints):
        notes.append("linear_pieces_perceived is null for deep networks (not defined by "
                     "relugeom.arrangement.regions, which handles one hidden layer), when a "
                     "sample lies "
                     "exactly on a hyperplane where f bends, and where it was not asked for "
                     "(mnist: relugeom.arrangement.regions costs O(n·N·d) Fraction operations).")
    return notes


# --- training with checkpoints ----------------------------------------------------------------

def train_and_record(name: str, layers: descent.Layers, samples: Samples, Y: np.ndarray,
                     schedule: descent.Schedule, steps: Sequence[int], rng: np.random.Generator,
                     *, progress: Bar | None = None, progress_start: int = 0,
                     extra: Any = None, **measure_options: Any) -> Run:
    """Train from ``layers`` on the first sample of ``samples`` and measure at ``steps``.

    ``extra(step, layers)`` may return experiment-specific entries for a checkpoint.
    ``progress`` is a bar of :func:`relugeom.progress.progress` counting steps; it is set to
    ``progress_start + step`` (runs sharing one bar start at the steps of the runs before).
    """
    X = samples.floats[samples.names[0]]
    checkpoints: list[Checkpoint] = []
    shown = progress is not None and not progress.disable

    def on_step(step: int) -> None:
        last = f", dim {checkpoints[-1].local_dimension}" if checkpoints else ""
        progress.update_to(progress_start + step, f"{name}: step {step}/{schedule.steps}{last}")

    for step, loss, theta in descent.train(layers, X, Y, schedule, rng, steps,
                                           on_step if shown else None):
        more = extra(step, theta) if extra is not None else None
        checkpoints.append(measure(step, loss, theta, samples, extra=more, **measure_options))
        if shown:
            on_step(step)
    return Run(name, samples, np.asarray(Y, dtype=float), descent.widths(layers),
               tuple(checkpoints))


def dimension_summary(run: Run) -> dict[str, Any]:
    """Initial, final, smallest and largest exact dimension and regions of a run."""
    first, last = run.checkpoints[0], run.checkpoints[-1]
    dims = [c.local_dimension for c in run.checkpoints]
    out = {
        "initial_loss": first.loss, "final_loss": last.loss,
        "initial_local_dimension": first.local_dimension,
        "final_local_dimension": last.local_dimension,
        "min_local_dimension": min(dims), "max_local_dimension": max(dims),
        "initial_activation_regions_perceived": first.activation_regions_perceived,
        "final_activation_regions_perceived": last.activation_regions_perceived,
    }
    for name in run.samples.names[1:]:
        key = f"local_dimension_{name}"
        out[f"initial_{key}"] = first.measurements[key]
        out[f"final_{key}"] = last.measurements[key]
    return out
