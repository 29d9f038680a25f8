"""Conjectures and the search for counterexamples.

- :mod:`~relugeom.search.conjectures`: statements about an analysis, and the catalogue;
- :mod:`~relugeom.search.strategies`: hypothesis strategies for networks and samples;
- :mod:`~relugeom.search.counterexamples`: random (hypothesis, shrinking) and exhaustive search;
- :mod:`~relugeom.search.testing`: ``assert_conjecture`` for a user's own test suite.

The last three need hypothesis (``pip install relugeom[test]``); their names are imported on
first use, so ``import relugeom.search`` works without it.
"""

import importlib

from .conjectures import CATALOGUE, Conjecture, conjecture, get_conjecture


def __getattr__(name: str):
    # the names of the hypothesis-backed search (find_counterexample, load_conjecture, ...)
    if name.startswith("__"):
        raise AttributeError(name)
    module = importlib.import_module(".counterexamples", __name__)
    try:
        return getattr(module, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


__all__ = ["CATALOGUE", "Conjecture", "conjecture", "get_conjecture"]
