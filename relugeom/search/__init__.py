"""Conjectures and the search for counterexamples.

- :mod:`~relugeom.search.conjectures`: statements about an analysis, and the catalogue;
- :mod:`~relugeom.search.strategies`: hypothesis strategies for networks and samples;
- :mod:`~relugeom.search.randomized`: random search with hypothesis, shrinking what it finds
  (:func:`find_counterexample`, :func:`search`);
- :mod:`~relugeom.search.shrinking`: smaller sizes and simpler numbers for a counterexample;
- :mod:`~relugeom.search.exhaustive`: every case of a finite family (:func:`exhaustive_search`);
- :mod:`~relugeom.search.results`: :class:`Counterexample`, :class:`SearchResult`,
  :class:`ConjectureError`;
- :mod:`~relugeom.search.loading`: a conjecture by name or ``FILE.py:FUNCTION``
  (:func:`load_conjecture`);
- :mod:`~relugeom.search.regression`: the pytest regression test of a counterexample;
- :mod:`~relugeom.search.testing`: ``assert_conjecture`` for a user's own test suite.

Both searches run on several workers or a Dask cluster (``n_jobs=``, ``scheduler=``; see
:mod:`relugeom.parallel`) with the serial answer (exhaustive) or an answer fixed by the seed
and the number of streams (random). Strategies, the two searches, shrinking and testing need
hypothesis (``pip install relugeom[test]``); the names of the search are imported on first
use, so ``import relugeom.search`` works without it.
"""

import importlib

from .conjectures import CATALOGUE, Conjecture, conjecture, get_conjecture

#: Default budget of an exhaustive search: the most (network, sample) cases — and networks —
#: it visits before refusing the family (``max_cases=``, ``--max-cases``). A light conjecture
#: runs a few thousand cases a second, so the budget is minutes, not hours.
MAX_CASES = 1_000_000

#: The modules whose names ``relugeom.search`` offers on first use, those without hypothesis
#: first (``from relugeom.search import load_conjecture`` then needs no hypothesis).
_SEARCH_MODULES = ("results", "regression", "loading", "shrinking", "randomized", "exhaustive")
#: Submodules reachable as attributes after a plain ``import relugeom`` (relugeom.search.testing).
_SUBMODULES = ("strategies", "testing", *_SEARCH_MODULES)


def __getattr__(name: str):
    # the names of the search (find_counterexample, load_conjecture, Counterexample, ...)
    if name.startswith("__"):
        raise AttributeError(name)
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    for module_name in _SEARCH_MODULES:
        module = importlib.import_module(f".{module_name}", __name__)
        if hasattr(module, name):
            return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["CATALOGUE", "Conjecture", "MAX_CASES", "conjecture", "get_conjecture"]
