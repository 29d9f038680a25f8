"""One result type for every rank relugeom reports: the value, what proves it, and how.

A :class:`Rank` says which method produced the value ("exact", "modular", "numeric"), whether
it is proved equal to the rank over Q (``exact``), and its ``certificate``:

- ``"exact elimination (<backend>)"``: fraction-free elimination over Z;
- ``"upper-bound (<bound>)"``: a rank mod p (always a lower bound) reached the proven upper bound
  named in parentheses; the numbers behind it are in ``bounds``;
- ``"factorization"``: a rank mod p proved exact by an exact factorization identity (every
  column an exact combination of the pivot columns);
- ``"verified kernel"``: a rank mod p proved exact by as many independent kernel vectors as
  it leaves, checked exactly (:mod:`relugeom.linalg.verified`);
- ``"interval"``: no certificate within the budget: ``lower_bound`` ≤ rank ≤ ``upper_bound``,
  both proven, ``exact`` False;
- ``"probabilistic"``: a certified lower bound only, below the true rank with probability at
  most ``epsilon``;
- ``"numeric"``: a float estimate under the stated ``tolerance`` rule, never exact.

The certificates are defined and proved in docs/theory.md ("Certificates").

>>> r = Rank(3, "modular", True, "upper-bound (rows n·m)", "rank mod p = 3 = rows",
...          lower_bound=3, upper_bound=3, bounds=(Bound("rows n·m", 3),))
>>> r.to_dict()["bounds"], r.bound.name
({'rows n·m': 3}, 'rows n·m')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from ..exact.jsonable import float_json

METHODS = ("exact", "modular", "numeric")

#: What forces a certified exact rank, said wherever a rank is only known in an interval.
FORCE_EXACT = "method='exact' / --method exact forces exact elimination"


@dataclass(frozen=True)
class Bound:
    """A proven upper bound of a rank, with its name and how it was obtained."""

    name: str
    value: int
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "detail": self.detail}


@dataclass(frozen=True)
class Rank:
    """A rank with the method and certificate that produced it.

    ``exact`` is True only for a value proved equal to the rank over Q. ``lower_bound`` and
    ``upper_bound`` are proven bounds (None when not known); ``bounds`` lists the proven upper
    bounds that were compared, ``bound`` is the smallest of them. ``primes`` and ``epsilon``
    belong to modular ranks, ``tolerance`` and ``singular_value_gap`` to numeric ones.
    ``matrix_shape`` is the shape of the matrix actually ranked (a compressed Jacobian, say),
    ``jacobian_shape`` that of J.
    """

    value: int
    method: str
    exact: bool
    certificate: str
    detail: str = ""
    lower_bound: int | None = None
    upper_bound: int | None = None
    bounds: tuple = ()
    matrix_shape: tuple = ()
    jacobian_shape: tuple = ()
    primes: tuple = ()
    epsilon: float | None = None
    tolerance: float | None = None
    singular_value_gap: float | None = None
    relu_prime_at_zero: str = "error"
    seconds: float = 0.0

    @property
    def bound(self) -> Bound | None:
        """The smallest proven upper bound compared (None if none was)."""
        return min(self.bounds, key=lambda b: b.value) if self.bounds else None

    def text(self) -> str:
        """The rank as a report prints it: the value when it is proven exact, otherwise the
        proven interval and why it is not a value.

        >>> print(Rank(7, "modular", False, "interval", lower_bound=7, upper_bound=9).text())
        between 7 and 9 (certified interval; not certified exact within the budget — \
method='exact' / --method exact forces exact elimination)
        """
        if self.exact:
            return str(self.value)
        if self.method == "numeric":
            return f"{self.value} (NUMERIC estimate, not exact)"
        upper = "?" if self.upper_bound is None else self.upper_bound
        if self.certificate == "probabilistic":
            how = (f"certified interval; {self.lower_bound} unless the random primes were "
                   f"unlucky, probability ≤ {self.epsilon:.3g}")
        else:
            how = "certified interval; not certified exact within the budget"
        return f"between {self.lower_bound} and {upper} ({how} — {FORCE_EXACT})"

    def exact_value(self, what: str = "the rank") -> int:
        """The value, when proven exact; otherwise :class:`RankNotCertified` (``what`` names
        the quantity in its message)."""
        if not self.exact:
            raise RankNotCertified(self, what)
        return self.value

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "method": self.method, "exact": self.exact,
                "certificate": self.certificate, "detail": self.detail,
                "lower_bound": self.lower_bound, "upper_bound": self.upper_bound,
                "bounds": {b.name: b.value for b in self.bounds},
                "matrix_shape": list(self.matrix_shape),
                "jacobian_shape": list(self.jacobian_shape), "primes": list(self.primes),
                "epsilon": self.epsilon, "tolerance": self.tolerance,
                "singular_value_gap": float_json(self.singular_value_gap),
                "relu_prime_at_zero": self.relu_prime_at_zero, "seconds": self.seconds}


class RankNotCertified(InputError):
    """A rank was asked for as a number, but only an interval is proven (the budget of the
    certified path ran out, or the method gives a lower bound only). ``report`` is the
    :class:`Rank` with the interval; the command line prints the message (exit status 2)."""

    def __init__(self, report: Rank, what: str = "the rank"):
        self.report = report
        super().__init__(
            f"{what} is not certified exact: it is only known to lie between "
            f"{report.lower_bound} and {report.upper_bound} ({report.certificate}: "
            f"{report.detail}). Read the interval from local_dimension_report (or the "
            "analysis' local_dimension_report), or ask for method='exact' (--method exact on "
            "the command line), whose cost is not bounded.")
