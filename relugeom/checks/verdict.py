"""Verdicts and the theorem catalogue they are registered in.

A theorem check is a function of an :class:`~relugeom.analysis.Analysis` returning an
:class:`Outcome` (holds / not applicable / fails, a sentence, and a witness on failure); the
:func:`theorem` decorator attaches its name, title and statement and turns the outcome into a
:class:`Verdict`. Checks read every quantity as an attribute of the analysis, so a test can
hand them a deliberately wrong one (see :func:`relugeom.checks.with_quantities`).

Depth. A theorem is stated for shallow networks (one hidden layer); a two-layer
:class:`~relugeom.model.deep.DeepNetwork` is checked in its shallow form (same θ, J and dimension,
see :func:`shallow_form`). For deeper networks a theorem that holds at any depth registers its
general form with :func:`deep_form` (its own statement and check); the others are "not
applicable: shallow networks only (one hidden layer)".

Uncertified ranks. When the local dimension is only known in a certified interval [L, U]
(``method="auto"`` out of its budget), a check that reads it exactly gets
:class:`~relugeom.linalg.certified.RankNotCertified` and its verdict is "undecided: rank only
known in [L, U]"; a bound dim ≤ B is decided by the interval where it can be
(:func:`dimension_at_most`: U ≤ B proves it, L > B refutes it).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import wraps
from typing import Any, Callable

from ..linalg.certified import FORCE_EXACT, RankNotCertified
from ..model.deep import DeepNetwork
from ..model.shallow import ShallowNetwork

HOLDS = "holds"
NOT_APPLICABLE = "not applicable"
FAILS = "fails"
UNDECIDED = "undecided"

#: name → check function, in the order of docs/theory.md (filled by the :func:`theorem` decorator).
CATALOGUE: dict[str, Callable[[Any], "Verdict"]] = {}

#: name → (statement, check) of a theorem's form for networks of any depth (:func:`deep_form`).
DEEP_FORMS: dict[str, tuple[str, Callable[[Any], "Outcome"]]] = {}

#: Why a shallow-only theorem does not apply to a deeper network.
SHALLOW_ONLY = "shallow networks only (one hidden layer)"


@dataclass(frozen=True)
class Outcome:
    status: str
    detail: str
    witness: Any = None


def holds(detail: str) -> Outcome:
    return Outcome(HOLDS, detail)


def not_applicable(reason: str) -> Outcome:
    return Outcome(NOT_APPLICABLE, reason)


def fails(detail: str, **witness: Any) -> Outcome:
    """A failure, with the witness (JSON-ready values) that shows it."""
    return Outcome(FAILS, detail, witness)


def undecided(lower: int, upper: int | None, what: str = "") -> Outcome:
    """Neither holds nor fails: the verdict needs the rank, only known in [lower, upper]."""
    return Outcome(UNDECIDED, f"rank only known in [{lower}, {upper}]{what} ({FORCE_EXACT}, "
                              "which decides)")


def dimension_bounds(a: Any) -> tuple[int, int | None]:
    """(L, U) proven for dim = rank J of the analysis: (dim, dim) when it is exact."""
    try:
        dim = a.local_dimension
    except RankNotCertified as error:
        return error.report.lower_bound, error.report.upper_bound
    return dim, dim


def dim_text(lower: int, upper: int | None) -> str:
    """ "dim = 5", or "dim ∈ [4, 6]" when only the interval is known."""
    return f"dim = {lower}" if lower == upper else f"dim ∈ [{lower}, {upper}]"


def dimension_at_most(a: Any, limit: int, text: str, /, **witness: Any) -> Outcome:
    """The verdict of dim ≤ ``limit`` (``text`` shows it), decided by the certified interval
    [L, U] of dim when the rank is not exact: holds if U ≤ limit, fails if L > limit (with
    ``witness``), undecided otherwise. Exact ranks give the usual "dim = …" sentences."""
    lower, upper = dimension_bounds(a)
    dim = {"local_dimension": lower} if lower == upper else \
        {"local_dimension_interval": [lower, upper]}
    if lower > limit:
        return fails(f"{dim_text(lower, upper)} > {text}", **dim, **witness)
    if upper is not None and upper <= limit:
        return holds(f"{dim_text(lower, upper)} ≤ {text}")
    return undecided(lower, upper, f": cannot tell whether dim ≤ {text}")


@dataclass(frozen=True)
class Verdict:
    """The verdict of one theorem on one case.

    ``status`` is "holds", "not applicable" (``detail`` gives the reason), "undecided" (the
    verdict needs a rank only known in a certified interval, see the module docstring) or
    "fails" (``detail`` says what went wrong and ``witness`` holds the numbers that show it).
    The statements are proved, so "fails" on a valid input means a bug in relugeom.
    """

    theorem: str
    title: str
    statement: str
    status: str
    detail: str
    witness: Any = None

    @property
    def holds(self) -> bool:
        return self.status == HOLDS

    @property
    def failed(self) -> bool:
        return self.status == FAILS

    def to_dict(self) -> dict[str, Any]:
        out = {"title": self.title, "statement": self.statement, "status": self.status,
               "detail": self.detail}
        if self.witness is not None:
            out["witness"] = self.witness
        return out


def shallow_form(analysis: Any) -> Any:
    """``analysis`` itself, or, when its network is a two-layer
    :class:`~relugeom.model.deep.DeepNetwork`, a shallow copy whose network is the equal
    :class:`~relugeom.model.shallow.ShallowNetwork` (same θ order, Jacobian and dimension, so the
    quantities already computed are shared)."""
    network = analysis.network
    if not isinstance(network, DeepNetwork) or network.depth != 2:
        return analysis
    other = copy.copy(analysis)
    other.network = network.to_shallow()
    return other


def theorem(name: str, title: str, statement: str, shallow_only: bool = True):
    """Register a check ``f(analysis) -> Outcome`` as theorem ``name`` of the catalogue.

    For a network with more than one hidden layer the form registered with :func:`deep_form`
    runs if there is one; otherwise the verdict is "not applicable" with ``shallow_only``, and
    the check itself runs without (it must then read only depth-free quantities).
    """
    def register(check: Callable[[Any], Outcome]) -> Callable[[Any], Verdict]:
        @wraps(check)
        def run(analysis: Any) -> Verdict:
            analysis = shallow_form(analysis)
            text = statement
            try:
                if isinstance(analysis.network, ShallowNetwork):
                    outcome = check(analysis)
                elif name in DEEP_FORMS:
                    text, deep_check = DEEP_FORMS[name]
                    outcome = deep_check(analysis)
                elif shallow_only:
                    outcome = not_applicable(f"{SHALLOW_ONLY}; this network has widths "
                                             f"{analysis.network.widths}")
                else:
                    outcome = check(analysis)
            except RankNotCertified as error:  # the verdict needs a rank only known in [L, U]
                outcome = undecided(error.report.lower_bound, error.report.upper_bound)
            return Verdict(name, title, text, outcome.status, outcome.detail, outcome.witness)

        run.theorem = name
        run.title = title
        run.statement = statement
        CATALOGUE[name] = run
        return run
    return register


def deep_form(name: str, statement: str):
    """Register ``f(analysis) -> Outcome`` as the form of theorem ``name`` for deep networks
    (more than one hidden layer), with its own ``statement``."""
    def register(check: Callable[[Any], Outcome]) -> Callable[[Any], Outcome]:
        DEEP_FORMS[name] = (statement, check)
        return check
    return register
