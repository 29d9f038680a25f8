"""Property tests of ReLU geometry inside your own pytest suite, in one call or one decorator.

:func:`assert_conjecture` runs the counterexample search on a conjecture (a function of an
:class:`~relugeom.Analysis` returning a bool) and fails with the shrunk counterexample, the
values it read, its JSON and a ready-to-paste regression test::

    from relugeom.search.testing import assert_conjecture

    def test_regions_at_most_samples():
        assert_conjecture(lambda a: a.activation_regions_perceived <= a.n_samples)

:func:`for_all_analyses` turns a test taking an Analysis into a hypothesis test over
(network, sample) pairs; write plain ``assert`` statements in it::

    from relugeom.search.testing import for_all_analyses

    @for_all_analyses(output_dim=(1, 3), features=["duplicate"])
    def test_symmetry_bound(analysis):
        assert analysis.local_dimension <= analysis.symmetry_bound

Both take the options of :func:`relugeom.search.strategies.network_and_sample` (shape ranges,
forced features, sample options), and follow the hypothesis settings profile in force: the number
of examples is the profile's ``max_examples`` unless given.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from hypothesis import given, settings

from ..analysis import analyze
from ..model.sample import sample_to_dict
from .randomized import search
from .strategies import network_and_sample


def assert_conjecture(conjecture: Any, *, max_examples: int | None = None, seed: int = 0,
                      **family: Any) -> None:
    """Fail (AssertionError) if a search finds a counterexample to ``conjecture``.

    ``conjecture`` is a function of an Analysis returning a bool, a
    :class:`~relugeom.search.conjectures.Conjecture` or a catalogue name. ``max_examples`` defaults
    to the current hypothesis profile's. The search is deterministic for a given ``seed``. A
    conjecture that raises fails the test with a :class:`~relugeom.search.ConjectureError`.

    >>> assert_conjecture("symmetry_bound", max_examples=20)
    """
    if max_examples is None:
        max_examples = settings().max_examples
    result = search(conjecture, max_examples=max_examples, seed=seed, **family)
    found = result.counterexample
    if found is not None:
        raise AssertionError(
            f"{result.summary()}\n{found.describe()}\n\nregression test:\n"
            f"{found.regression_test()}")


def for_all_analyses(**family: Any) -> Callable[[Callable], Callable]:
    """Decorator: run the test on the Analysis of each drawn (network, sample) pair.

    The decorated function takes one argument, the analysis; a failing ``assert`` is shrunk by
    hypothesis and reported with the network and sample as JSON (as ``relugeom analyze``
    reads them). Stack ``@settings(...)`` on top to change the number of examples.
    """
    strategy = network_and_sample(**family)

    def decorate(test: Callable) -> Callable:
        def run(pair: tuple) -> None:
            network, X = pair
            try:
                test(analyze(network, X))
            except AssertionError as exc:
                raise AssertionError(
                    f"{exc}\nnetwork: {json.dumps(network.to_dict())}\n"
                    f"sample: {json.dumps(sample_to_dict(X))}") from None

        for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
            setattr(run, attribute, getattr(test, attribute))
        return given(strategy)(run)

    return decorate
