"""The theorem catalogue T1–T9 of docs/theory.md (T9: dim ≤ fdim), checked on the case at hand.

Each theorem is a function of an :class:`~relugeom.analysis.Analysis` returning a
:class:`Verdict`: "holds" (with the numbers), "not applicable" (with the reason, e.g. "region
3 has 2 samples, needs 3 affinely independent"), or "fails" (with the witness). The statements
are proved, so a "fails" on a valid input is a bug in relugeom.

- T1 :func:`~relugeom.checks.bounds.symmetry_bound`,
  T2 :func:`~relugeom.checks.bounds.sample_bound`,
  T4 :func:`~relugeom.checks.bounds.region_bound`,
  T5 :func:`~relugeom.checks.bounds.incidence_bound`,
  T6 :func:`~relugeom.checks.bounds.exact_formula` (:mod:`relugeom.checks.bounds`);
- T3 :func:`~relugeom.checks.invariance.invariance` (:mod:`relugeom.checks.invariance`);
- T7 :func:`~relugeom.checks.counting.arrangement_count` (:mod:`relugeom.checks.counting`);
- T8 :func:`~relugeom.checks.flatness.flatness` (:mod:`relugeom.checks.flatness`);
- T9 (dim ≤ functional dimension, = on region-rich samples)
  :func:`~relugeom.checks.functional.functional_dimension_check`.

At any depth (a :class:`~relugeom.model.deep.DeepNetwork` with more than one hidden layer) T1, T2,
T3 and T8 are checked in their general form (hidden neurons n_1 + … + n_{L−1} in place of N,
per-layer symmetries; :func:`~relugeom.checks.verdict.deep_form`), and T4 and T9 through the
deep activation regions (:mod:`relugeom.checks.depth`); T5–T7 are "not applicable: shallow
networks only (one hidden layer)". A two-layer DeepNetwork is checked as
the equal ShallowNetwork.

Checks read their quantities as attributes of the analysis (``local_dimension``,
``jacobian``, ``structure``, ...). :func:`with_quantities` returns a copy with some of them
replaced, which is how the tests show that each check can fail:

>>> from relugeom import ShallowNetwork, analyze
>>> a = analyze(ShallowNetwork([[1], [-1]], [0, 0], [[1, 1]], [0]), [[1], [2], [-1], [-3]])
>>> run_checks(a)["T6"].status
'holds'
>>> verdict = run_checks(with_quantities(a, local_dimension=6), ["T1"])["T1"]
>>> verdict.status, verdict.detail, verdict.witness
('fails', 'dim = 6 > P − N = 7 − 2 = 5', {'local_dimension': 6, 'bound': 5})
"""

from __future__ import annotations

import copy
from typing import Any, Iterable

from ..exact.tables import Tabular
# importing the check modules registers their theorems in the catalogue
from . import bounds, counting, depth, flatness, functional, invariance  # noqa: F401
from .verdict import CATALOGUE, FAILS, HOLDS, NOT_APPLICABLE, Verdict, shallow_form

__all__ = ["CATALOGUE", "CheckReport", "FAILS", "HOLDS", "NOT_APPLICABLE", "Verdict",
           "run_checks", "with_quantities"]


class CheckReport(dict, Tabular):
    """{theorem name: :class:`Verdict`}, as :func:`run_checks` returns it; in a notebook, the
    table of verdicts ``relugeom check`` prints, and :meth:`to_pandas` one row per theorem."""

    def _table(self) -> tuple[str, list[tuple[str, Any]]]:
        return "theorems (docs/theory.md)", [(f"{name} {v.title}", f"{v.status.upper()}: "
                                              f"{v.detail}") for name, v in self.items()]

    def _records(self) -> list[dict]:
        return [{"theorem": name, "title": v.title, "status": v.status, "detail": v.detail}
                for name, v in self.items()]


def run_checks(analysis: Any, names: Iterable[str] | None = None) -> CheckReport:
    """Run the named theorems (all, in catalogue order, by default) on ``analysis``: a dict
    {name: :class:`Verdict`} (a :class:`CheckReport`)."""
    names = sorted(CATALOGUE, key=lambda n: int(n[1:])) if names is None else list(names)
    unknown = [n for n in names if n not in CATALOGUE]
    if unknown:
        raise ValueError(f"unknown theorem(s) {unknown}; the catalogue has {list(CATALOGUE)}")
    analysis = shallow_form(analysis)  # once, so the shallow form's quantities are shared
    return CheckReport((name, CATALOGUE[name](analysis)) for name in names)


def with_quantities(analysis: Any, **values: Any) -> Any:
    """A shallow copy of ``analysis`` whose named quantities are replaced by ``values``.

    Quantities already computed are shared with the original; the original is not changed.
    """
    other = copy.copy(analysis)
    for name, value in values.items():
        setattr(other, name, value)
    return other
