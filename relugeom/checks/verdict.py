"""Verdicts and the theorem catalogue they are registered in.

A theorem check is a function of an :class:`~relugeom.analysis.Analysis` returning an
:class:`Outcome` (holds / not applicable / fails, a sentence, and a witness on failure); the
:func:`theorem` decorator attaches its name, title and statement and turns the outcome into a
:class:`Verdict`. Checks read every quantity as an attribute of the analysis, so a test can
hand them a deliberately wrong one (see :func:`relugeom.checks.with_quantities`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import Any, Callable

from ..network import ShallowNetwork

HOLDS = "holds"
NOT_APPLICABLE = "not applicable"
FAILS = "fails"

#: name → check function, in the order of DESIGN §2 (filled by the :func:`theorem` decorator).
CATALOGUE: dict[str, Callable[[Any], "Verdict"]] = {}


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


@dataclass(frozen=True)
class Verdict:
    """The verdict of one theorem on one case.

    ``status`` is "holds", "not applicable" (``detail`` gives the reason) or "fails" (``detail``
    says what went wrong and ``witness`` holds the numbers that show it). The statements are
    proved, so "fails" on a valid input means a bug in relugeom.
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


def theorem(name: str, title: str, statement: str, shallow_only: bool = True):
    """Register a check ``f(analysis) -> Outcome`` as theorem ``name`` of the catalogue.

    With ``shallow_only`` the verdict is "not applicable" for a network with more than one
    hidden layer.
    """
    def register(check: Callable[[Any], Outcome]) -> Callable[[Any], Verdict]:
        @wraps(check)
        def run(analysis: Any) -> Verdict:
            if shallow_only and not isinstance(analysis.network, ShallowNetwork):
                outcome = not_applicable(f"{name} is stated for shallow networks (one hidden "
                                         f"layer); this one has widths {analysis.network.widths}")
            else:
                outcome = check(analysis)
            return Verdict(name, title, statement, outcome.status, outcome.detail,
                           outcome.witness)

        run.theorem = name
        run.title = title
        run.statement = statement
        CATALOGUE[name] = run
        return run
    return register
