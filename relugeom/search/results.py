"""What a search returns: a counterexample, the outcome of a search, or a faulty conjecture.

A :class:`Counterexample` holds the exact network and sample on which a conjecture returned
False, the values the conjecture read, their JSON in the formats ``relugeom analyze`` reads, and
a ready-to-paste pytest regression test (:mod:`relugeom.search.regression`). A
:class:`SearchResult` adds how hard the search looked. A conjecture that raises (or returns
something other than a bool) on a valid example is a bug in the conjecture, reported as a
:class:`ConjectureError`, never as a counterexample.

Nothing here needs hypothesis.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..errors import InputError
from ..exact.jsonable import jsonable as _jsonable
from ..model.sample import sample_to_dict
from ..model.shallow import ShallowNetwork
from .conjectures import Conjecture
from .regression import regression_test_name, regression_test_source, show_value

# --- a faulty conjecture -------------------------------------------------------------------------

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


def is_verdict(value: Any) -> bool:
    """True when ``value`` is what a conjecture must return: a bool (or a numpy.bool_).

    >>> is_verdict(False), is_verdict(0), is_verdict(None)
    (True, False, False)
    """
    return isinstance(value, bool) or type(value).__name__ == "bool_"  # numpy.bool_


# --- a counterexample ----------------------------------------------------------------------------

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
        """Write network.json, sample.json and the regression test into ``directory`` (created
        if missing; files of the same names are replaced). A ``directory`` that is a file, or
        cannot be created or written, is an :class:`~relugeom.errors.InputError`."""
        directory = os.fspath(directory)
        if os.path.exists(directory) and not os.path.isdir(directory):
            raise InputError(f"cannot save the counterexample: {directory!r} exists and is not "
                             "a directory; name a new or an existing directory")
        paths = {"network": os.path.join(directory, "network.json"),
                 "sample": os.path.join(directory, "sample.json"),
                 "test": os.path.join(directory,
                                      f"{regression_test_name(self.conjecture)}.py")}
        texts = {"network": self.network_json(), "sample": self.sample_json(),
                 "test": self.regression_test()}
        try:
            os.makedirs(directory, exist_ok=True)
            for key, text in texts.items():
                with open(paths[key], "w", encoding="utf-8") as handle:
                    handle.write(text + ("" if text.endswith("\n") else "\n"))
        except OSError as exc:
            raise InputError(f"cannot save the counterexample to {directory!r}: "
                             f"{exc.strerror or exc}"
                             + (f" ({exc.filename})" if exc.filename not in (None, directory)
                                else "")) from None
        return paths

    def regression_test(self) -> str:
        """A self-contained pytest module that fails, with an AssertionError from the
        conjecture, as long as this counterexample stands (see
        :func:`~relugeom.search.regression.regression_test_source`)."""
        return regression_test_source(self)

    def describe(self) -> str:
        """Human-readable description: sizes, values read, JSON of network and sample."""
        s = self.sizes
        lines = [f"counterexample to {self.conjecture}: d = {s['input_dim']}, "
                 f"N = {s['hidden_width']}, m = {s['output_dim']}, n = {s['n_samples']}",
                 "values the conjecture read:"]
        width = max((len(k) for k in self.values), default=0)
        lines += [f"  {k.ljust(width)}  {show_value(v)}" for k, v in self.values.items()]
        lines += ["network (JSON, as `relugeom analyze` reads it):", f"  {self.network_json()}",
                  "sample (JSON):", f"  {self.sample_json()}"]
        return "\n".join(lines)


# --- the outcome of a search ---------------------------------------------------------------------

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


def _plain(family: Mapping[str, Any]) -> dict[str, Any]:
    """JSON-ready copy of a family; strategies (``entries=...``) appear as their repr."""
    return json.loads(json.dumps(_jsonable(dict(family)), default=repr))
