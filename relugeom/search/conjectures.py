"""Conjectures about the local geometry, and a catalogue of true and false ones.

A *conjecture* is a function that takes an :class:`~relugeom.Analysis` and returns a bool.
The analysis computes each quantity the first time it is read, so a conjecture that reads only
``activation_regions_perceived`` never pays for a rank:

>>> def regions_at_most_samples(a):
...     return a.activation_regions_perceived <= a.n_samples

To discard examples outside a statement's hypothesis either return True (vacuous truth) or call
``hypothesis.assume(...)``; the search then skips the example.

:class:`Conjecture` wraps such a function with a name, a statement, a status ("proved", "false"
or "unknown") and the *family* of examples a search should draw from (options of
:func:`relugeom.search.strategies.network_and_sample`). :data:`CATALOGUE` holds the statements of
docs/theory.md, each read as a property of one analysis (T1–T8, all proved), one that runs every
theorem check of :mod:`relugeom.checks` (TC), and known-false ones (F1–F4) that demonstrate the
counterexample search; :func:`get_conjecture` finds one by name or
label.

:class:`TrackedAnalysis` is an :class:`~relugeom.Analysis` that remembers which quantities a
conjecture read, and their values: a counterexample reports exactly those.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Mapping

from .. import linalg
from ..analysis import Analysis
from ..arrangement.cells import enumerate_cells, hyperplane_arrangement
from ..arrangement.zaslavsky import region_counts
from ..errors import InputError
from ..geometry.deep_functional import deep_functional_dimension
from ..model.network import Network
from ..rank.dimension import local_dimension

STATUSES = ("proved", "false", "unknown")


# --- reading an analysis -------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _trackable(cls: type) -> frozenset:
    """Public lazily computed quantities of an Analysis class (properties, cached properties)."""
    return frozenset(name for klass in cls.__mro__ for name, value in vars(klass).items()
                     if isinstance(value, (property, functools.cached_property))
                     and not name.startswith("_") and name != "reads")


class TrackedAnalysis(Analysis):
    """An :class:`~relugeom.Analysis` that records the quantities read from it directly.

    Only top-level reads count: a quantity computed on the way to another (the patterns behind
    ``local_dimension``) is not recorded. :attr:`reads` maps each name to its value, in the
    order first read.

    >>> from relugeom import ShallowNetwork
    >>> a = TrackedAnalysis(ShallowNetwork([[1]], [0], [[1]], [0]), [[1], [-1]])
    >>> a.local_dimension <= a.symmetry_bound
    True
    >>> a.reads
    {'local_dimension': 2, 'symmetry_bound': 3}
    """

    def __init__(self, *args: Any, **kwargs: Any):
        self._reads: dict[str, Any] = {}
        self._depth = 0
        super().__init__(*args, **kwargs)

    def __getattribute__(self, name: str) -> Any:
        get = object.__getattribute__
        if name.startswith("_") or name not in _trackable(get(self, "__class__")):
            return get(self, name)
        depth = get(self, "_depth")
        self._depth = depth + 1
        try:
            value = get(self, name)
        finally:
            self._depth = depth
        if depth == 0:
            get(self, "_reads").setdefault(name, value)
        return value

    @property
    def reads(self) -> dict[str, Any]:
        """Quantity name → value, for every quantity the caller read directly."""
        return dict(self._reads)

    def _record(self, name: str, value: Any) -> None:
        if self._depth == 0:
            self._reads.setdefault(name, value)

    def _quietly(self) -> "_Quiet":
        return _Quiet(self)


class _Quiet:
    """Context in which reads of a tracked analysis are not recorded (helper computations)."""

    def __init__(self, analysis: TrackedAnalysis):
        self.analysis = analysis

    def __enter__(self) -> None:
        self.analysis._depth += 1

    def __exit__(self, *exc: Any) -> None:
        self.analysis._depth -= 1


def _quantity(a: Analysis, name: str, compute: Callable[[Analysis], Any]) -> Any:
    """``a.<name>`` when the Analysis has that key, else ``compute(a)``, cached on ``a``.

    Either way a tracked analysis records the value under ``name``.
    """
    if name in _trackable(type(a)):
        return getattr(a, name)
    cache = a.__dict__.setdefault("_conjecture_quantities", {})
    if name not in cache:
        if isinstance(a, TrackedAnalysis):
            with a._quietly():
                cache[name] = compute(a)
        else:
            cache[name] = compute(a)
    if isinstance(a, TrackedAnalysis):
        a._record(name, cache[name])
    return cache[name]


# Quantities of the rank structure (docs/theory.md, T4–T6), computed from the patterns and X with
# the exact rank of relugeom.linalg. They are kept here, independent of any richer module, so
# that the catalogue checks relugeom's other computations rather than restating them.

def _incidence(a: Analysis) -> list[tuple[int, ...]]:
    return list(a.perceived_patterns)


def incidence_rank(a: Analysis) -> int:
    """rank M, M the incidence matrix (perceived regions × neurons)."""
    return _quantity(a, "incidence_rank",
                     lambda a: linalg.rank(_incidence(a), a.network.hidden_width))


def ones_in_column_space(a: Analysis) -> bool:
    """Whether the all-ones vector 1 ∈ Q^R lies in the column space of M."""
    def compute(a: Analysis) -> bool:
        M = _incidence(a)
        return linalg.rank([row + (1,) for row in M]) == linalg.rank(M, a.network.hidden_width)
    return _quantity(a, "ones_in_column_space", compute)


def region_affine_ranks(a: Analysis) -> tuple[int, ...]:
    """rank X̃_r for each perceived region r (in order of first appearance)."""
    def compute(a: Analysis) -> tuple[int, ...]:
        rows: dict[tuple, list] = {s: [] for s in a.perceived_patterns}
        for x, s in zip(a.X, a.patterns):
            rows[s].append(tuple(x) + (Fraction(1),))
        return tuple(linalg.rank(r) for r in rows.values())
    return _quantity(a, "region_affine_ranks", compute)


def all_regions_rich(a: Analysis) -> bool:
    """Whether every perceived region's samples affinely span R^d (rank X̃_r = d + 1)."""
    return _quantity(a, "all_regions_rich",
                     lambda a: all(r == a.network.input_dim + 1 for r in region_affine_ranks(a)))


def _dimension_of(a: Analysis, name: str, network: Network) -> int:
    return _quantity(a, name, lambda a: local_dimension(
        network, a.X, relu_prime_at_zero=a.relu_prime_at_zero, backend=a.backend))


# --- conjectures ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Conjecture:
    """A named statement about one analysis, with what is known about it.

    ``check(analysis)`` returns True when the statement holds on that example. ``family``
    holds options of :func:`relugeom.search.strategies.network_and_sample` a search draws from by
    default (on top of :data:`relugeom.search.DEFAULT_FAMILY`); ``reason`` says why it is
    true, or a typical way it fails. ``origin``, when set, is the Python code that defines
    ``conjecture`` as this one in a regression test (see :func:`relugeom.search.loader_source`).
    """

    name: str
    check: Callable[[Analysis], bool]
    statement: str = ""
    status: str = "unknown"
    label: str = ""
    reason: str = ""
    family: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    origin: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")

    def __call__(self, analysis: Analysis) -> bool:
        return self.check(analysis)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "statement": self.statement,
                "status": self.status, "reason": self.reason}


def conjecture(name: str | None = None, *, statement: str | None = None, status: str = "unknown",
               **family: Any) -> Callable[[Callable], Conjecture]:
    """Decorator turning a function into a :class:`Conjecture` with a search family.

    >>> @conjecture(output_dim=(2, 3))
    ... def dim_at_most_outputs_times_samples(a):
    ...     "dim ≤ n·m"
    ...     return a.local_dimension <= a.sample_bound
    >>> dim_at_most_outputs_times_samples.family
    {'output_dim': (2, 3)}
    """
    def wrap(func: Callable) -> Conjecture:
        return Conjecture(name or func.__name__, func, statement if statement is not None
                          else _first_line(func.__doc__), status, family=dict(family))
    return wrap


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().splitlines()[0] if (doc or "").strip() else ""


def as_conjecture(obj: Any) -> Conjecture:
    """A :class:`Conjecture` from a conjecture, a catalogue name or a plain function."""
    if isinstance(obj, Conjecture):
        return obj
    if isinstance(obj, str):
        return get_conjecture(obj)
    if callable(obj):
        name = getattr(obj, "__name__", type(obj).__name__)
        return Conjecture(name, obj, _first_line(getattr(obj, "__doc__", None)))
    raise InputError(f"a conjecture must be a function of an Analysis returning a bool, got "
                     f"{type(obj).__name__}")


# --- the catalogue: true statements (docs/theory.md) ---------------------------------------------

def _t1(a: Analysis) -> bool:
    return a.local_dimension <= a.symmetry_bound


def _t2(a: Analysis) -> bool:
    return a.local_dimension <= a.sample_bound


def _t3(a: Analysis) -> bool:
    net = a.network
    N = net.hidden_width
    reversed_net = net.permute(list(reversed(range(N))))
    rescaled = net
    for j in range(N):  # λ_j = j + 2 on even neurons, 1/(j + 2) on odd ones
        rescaled = rescaled.rescale(j, Fraction(j + 2) if j % 2 == 0 else Fraction(1, j + 2))
    dim = a.local_dimension
    return (_dimension_of(a, "local_dimension_permuted", reversed_net) == dim
            and _dimension_of(a, "local_dimension_rescaled", rescaled) == dim)


def _t4(a: Analysis) -> bool:
    bound = a.output_dim * sum(region_affine_ranks(a))
    return a.local_dimension <= bound <= (a.output_dim * (a.input_dim + 1)
                                          * a.activation_regions_perceived)


def _incidence_formula(a: Analysis) -> int:
    """(d+1)·rank M + [1 ∉ col M]."""
    return (a.input_dim + 1) * incidence_rank(a) + (not ones_in_column_space(a))


def _t5(a: Analysis) -> bool:
    return a.local_dimension <= a.output_dim * _incidence_formula(a)


def _t6_applies(a: Analysis) -> bool:
    return (a.output_dim == 1 and all(v != 0 for v in a.network.V[0])
            and all_regions_rich(a))


def _t6(a: Analysis) -> bool:
    if not _t6_applies(a):
        return True
    return a.local_dimension == _incidence_formula(a)


def _arrangement_counts(a: Analysis) -> dict[str, Any]:
    """Cells of the network's arrangement enumerated, against Zaslavsky's formulas evaluated
    here on the characteristic polynomial χ (coefficients from degree 0 up)."""

    arrangement = hyperplane_arrangement(a.network.W, a.network.b)
    cells = enumerate_cells(arrangement)
    counts = region_counts(arrangement)
    chi = counts.characteristic_polynomial
    cell_patterns = {c.pattern for c in cells}
    return {"regions_enumerated": len(cells),
            "regions_zaslavsky": (-1) ** a.network.input_dim
            * sum(c * (-1) ** k for k, c in enumerate(chi)),
            "relatively_bounded_enumerated": sum(c.relatively_bounded for c in cells),
            "relatively_bounded_zaslavsky": (-1) ** counts.rank * sum(chi),
            "perceived_patterns_are_cells": all(p in cell_patterns
                                                for p in a.perceived_patterns)}


def _t7(a: Analysis) -> bool:
    q = _quantity(a, "arrangement_counts", _arrangement_counts)
    return (q["regions_enumerated"] == q["regions_zaslavsky"]
            and q["relatively_bounded_enumerated"] == q["relatively_bounded_zaslavsky"]
            and q["perceived_patterns_are_cells"])


def _t8(a: Analysis) -> bool:
    J = a.jacobian
    P = a.n_parameters
    gram = [[sum(row[p] * row[q] for row in J) for q in range(P)] for p in range(P)]
    flat = P - _quantity(a, "hessian_rank", lambda a: linalg.rank(gram, P))
    rescalings = [_rescaling_direction(a.network, j) for j in range(a.hidden_width)]
    in_kernel = all(all(sum(r * u for r, u in zip(row, rho)) == 0 for row in J)
                    for rho in rescalings)
    nonzero = sum(any(rho) for rho in rescalings)
    _quantity(a, "flat_directions", lambda a: flat)
    return flat == P - a.local_dimension and in_kernel and flat >= nonzero


def _rescaling_direction(network: Network, j: int) -> list[Fraction]:
    """ρ_j = (w_j, b_j, −V_:j) on neuron j's coordinates of θ, 0 elsewhere."""
    d, N, m = network.widths
    rho = [Fraction(0)] * network.n_parameters
    rho[j * d:(j + 1) * d] = network.W[j]
    rho[N * d + j] = network.b[j]
    for k in range(m):
        rho[N * d + N + k * N + j] = -network.V[k][j]
    return rho


def _fdim_regions(a: Analysis) -> bool:
    # docs/theory.md#deep-fdim: fdim ≤ min(P − Σ hidden widths, m·(d+1)·R), and dim ≤ fdim
    result = deep_functional_dimension(a.network, relu_prime_at_zero=0)
    fdim, R = result.functional_dimension, result.activation_regions
    return (a.local_dimension <= fdim <= result.symmetry_bound
            and fdim <= a.output_dim * (a.input_dim + 1) * R)


def _theorem_checks(a: Analysis) -> bool:
    return all(v.status != "fails" for v in a.theorems.values())


# --- the catalogue: false statements -------------------------------------------------------------

def _f1(a: Analysis) -> bool:
    return a.local_dimension == (a.input_dim + 1) * a.activation_regions_perceived + 1


def _f2(a: Analysis) -> bool:
    if a.sample_bound < a.n_parameters:
        return True
    return a.local_dimension == a.symmetry_bound


def _f3(a: Analysis) -> bool:
    if a.output_dim < 2:
        return True
    r = incidence_rank(a)
    return a.local_dimension <= (a.input_dim + 1) * r + a.output_dim * (r + 1)


def _f4(a: Analysis) -> bool:
    if a.output_dim != 1 or any(v == 0 for v in a.network.V[0]):
        return True
    return a.local_dimension == _incidence_formula(a)


def _entry(label: str, name: str, check: Callable, statement: str, status: str, reason: str,
           **family: Any) -> Conjecture:
    return Conjecture(name, check, statement, status, label, reason, family)


_ENTRIES = [
    _entry("T1", "symmetry_bound", _t1, "dim ≤ P − N", "proved",
           "each neuron's rescaling direction (w_j, b_j, −v_j) lies in ker J",
           output_dim=(1, 3)),
    _entry("T2", "sample_bound", _t2, "dim ≤ n·m", "proved", "J has n·m rows",
           output_dim=(1, 3)),
    _entry("T3", "invariance",
           _t3, "dim is unchanged by permuting hidden neurons and by positive rescalings",
           "proved", "both maps are linear isomorphisms of θ-space commuting with f_θ(X)",
           output_dim=(1, 2)),
    _entry("T4", "region_bound", _t4, "dim ≤ m·Σ_r rank X̃_r ≤ m·(d+1)·R", "proved",
           "J factors through the affine maps of f on the perceived regions, evaluated on "
           "each region's samples", output_dim=(1, 2)),
    _entry("T5", "incidence_bound", _t5, "dim ≤ m·((d+1)·rank M + [1 ∉ col M])", "proved",
           "the columns of J lie in the span of s_·j x̃_·l (one copy per output) and 1",
           output_dim=(1, 2)),
    _entry("T6", "exact_formula", _t6,
           "m = 1, every v_j ≠ 0, every region rich ⇒ dim = (d+1)·rank M + [1 ∉ col M]",
           "proved", "with rich regions the evaluation map is injective, and v_j ≠ 0 lets "
           "every neuron move its region maps freely", output_dim=1,
           nonzero_output_weights=True, rich_regions=True),
    _entry("T7", "arrangement_counts", _t7,
           "enumerated activation regions = (−1)^d χ(−1), relatively bounded ones = "
           "(−1)^rank χ(1), and every pattern X perceives is one of them", "proved",
           "Zaslavsky's theorem; a sample's pattern is the pattern of the open cell holding it"),
    _entry("T8", "flatness", _t8,
           "the square-loss Hessian JᵀJ at interpolation has P − dim flat directions, among "
           "them the rescaling directions", "proved",
           "rank JᵀJ = rank J over Q, and J·ρ_j = 0 for each rescaling direction ρ_j",
           output_dim=(1, 2), n=(1, 6)),
    _entry("TD", "fdim_regions", _fdim_regions,
           "dim ≤ fdim ≤ min(P − Σ hidden widths, m·(d+1)·R), R the activation regions",
           "proved", "every Jacobian row is affine in x on an activation region, at any "
           "depth, so d+1 points per region decide fdim (docs/theory.md#deep-fdim)",
           output_dim=(1, 2), n=(1, 6)),
    _entry("TC", "theorem_checks", _theorem_checks,
           "no theorem check of relugeom.checks (Analysis.theorems) fails", "proved",
           "each check is a theorem; a failure on a valid input would be a bug in relugeom",
           output_dim=(1, 2), n=(1, 6)),
    _entry("F1", "regions_formula", _f1, "dim = (d+1)·R + 1", "false",
           "fails as soon as a region is not rich, e.g. one sample: dim ≤ 1·m < d + 2"),
    _entry("F2", "generic_full_rank", _f2, "n·m ≥ P ⇒ dim = P − N", "false",
           "enough samples do not help if they sit in few regions (or neurons are degenerate)",
           n=(1, 12)),
    _entry("F3", "multi_output_incidence_bound", _f3,
           "m > 1 ⇒ dim ≤ (d+1)·rank M + m·(rank M + 1)", "false",
           "each output moves its own affine maps: two neurons on one hyperplane count once "
           "in rank M but twice in dim, so the true bound multiplies (d+1)·rank M by m too",
           output_dim=(2, 3), n=(1, 10), features=("duplicate",)),
    _entry("F4", "exact_formula_without_richness", _f4,
           "m = 1, every v_j ≠ 0 ⇒ dim = (d+1)·rank M + [1 ∉ col M]", "false",
           "T6 needs every region to be rich: a region with too few samples loses dimension",
           nonzero_output_weights=True),
]

#: Name → conjecture, true ones (T*) first.
CATALOGUE: dict[str, Conjecture] = {c.name: c for c in _ENTRIES}


def _normalise(name: str) -> str:
    return name.strip().lower().replace("-", "_")


def get_conjecture(name: str) -> Conjecture:
    """The catalogue conjecture called ``name`` or labelled so (``"T1"``, ``"symmetry_bound"``).

    >>> get_conjecture("t1").statement
    'dim ≤ P − N'
    """
    key = _normalise(name)
    for c in CATALOGUE.values():
        if key in (c.name, c.label.lower()):
            return c
    listing = ", ".join(f"{c.label} {c.name}" for c in CATALOGUE.values())
    raise InputError(f"no conjecture called {name!r} in the catalogue; choose one of: {listing} "
                     "(or give FILE.py:FUNCTION)")
