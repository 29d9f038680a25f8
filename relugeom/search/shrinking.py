"""Shrinking a counterexample: smaller sizes and simpler numbers while the conjecture still fails.

Hypothesis shrinks a failing example through its own choice sequence; :func:`shrink` then
finishes the job greedily on the example itself. A *smaller* case drops one input coordinate,
one neuron, one output or one sample (:func:`smaller_cases`, within the family's size ranges);
a *simpler* case replaces one weight or one sample coordinate by a number of lower height
(:func:`simpler_cases`, :func:`simpler_values`). The height of p/q in lowest terms is
|p| + q, ties broken toward the positive.

Needs hypothesis (for ``hypothesis.assume``, which a conjecture may call).
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any, Iterator, Mapping

from hypothesis.errors import UnsatisfiedAssumption

from ..errors import InputError
from ..model.patterns import activation_patterns
from ..model.shallow import ShallowNetwork
from .conjectures import Conjecture, TrackedAnalysis
from .results import ConjectureError, is_verdict


def shrink(conj: Conjecture, network: ShallowNetwork, X: tuple, options: Mapping[str, Any],
           relu_prime_at_zero: Any, budget: int = 300) -> tuple[ShallowNetwork, tuple, int]:
    """Greedily make a counterexample smaller while the conjecture still fails.

    Repeatedly take the first case of :func:`smaller_cases`, then of :func:`simpler_cases`, on
    which ``conj`` is still False, until none is or ``budget`` evaluations are spent. Candidates
    with a sample on a hyperplane, and those rejected by ``hypothesis.assume``, are skipped
    (not counted). ``options`` is the search family, whose size ranges the result stays in.

    Returns the example and the number of evaluations made. Raises :class:`ConjectureError`
    when the conjecture raises on a candidate. Cost: at most ``budget`` evaluations of the
    conjecture, each on an example no larger than the first.

    >>> from relugeom import ShallowNetwork
    >>> from relugeom.search.conjectures import as_conjecture
    >>> net = ShallowNetwork([[2, 1], [1, -3]], [5, 1], [[4, 3]], [2])
    >>> small_dim = as_conjecture(lambda a: a.local_dimension < 3)
    >>> smaller, X, _ = shrink(small_dim, net, ((1, 1), (2, -1), (3, 5)), {}, "error")
    >>> smaller.to_dict(), X
    ({'W': [[1]], 'b': [0], 'V': [[1]], 'c': [0]}, ((1,), (-1,), (5,)))
    """
    evaluations = 0
    improved = True
    while improved and evaluations < budget:
        improved = False
        for candidate, sample in itertools.chain(smaller_cases(network, X, options),
                                                 simpler_cases(network, X)):
            if evaluations >= budget:
                break
            try:
                activation_patterns(candidate, sample, relu_prime_at_zero)
            except InputError:
                continue  # a sample on a hyperplane: outside the domain
            analysis = TrackedAnalysis(candidate, sample, relu_prime_at_zero=relu_prime_at_zero)
            try:
                verdict = conj(analysis)
            except UnsatisfiedAssumption:
                continue
            except Exception as exc:
                raise ConjectureError(conj.name, f"raised {type(exc).__name__}: {exc}",
                                      candidate, sample) from exc
            evaluations += 1
            if is_verdict(verdict) and not verdict:
                network, X, improved = candidate, sample, True
                break
    return network, X, evaluations


def smaller_cases(network: ShallowNetwork, X: tuple, options: Mapping[str, Any]
                  ) -> Iterator[tuple[ShallowNetwork, tuple]]:
    """Examples one step smaller, within the family's size ranges: without one input
    coordinate, one neuron, one output or one sample, in that order.

    At most d + N + m + n cases, each built in time linear in the example's size.

    >>> from relugeom import ShallowNetwork
    >>> net = ShallowNetwork([[1], [-1]], [0, 1], [[1, 1]], [0])
    >>> [(case.widths, len(X)) for case, X in smaller_cases(net, ((1,), (2,)), {})]
    [((1, 1, 1), 2), ((1, 1, 1), 2), ((1, 2, 1), 1), ((1, 2, 1), 1)]
    """
    d, N, m = network.widths
    W, b, V, c = network.W, network.b, network.V, network.c
    if d > _low(options.get("input_dim", 1)):
        for l in range(d):
            yield (ShallowNetwork([w[:l] + w[l + 1:] for w in W], b, V, c),
                   tuple(x[:l] + x[l + 1:] for x in X))
    if N > _low(options.get("hidden_width", 1)):
        for j in range(N):
            yield (ShallowNetwork(W[:j] + W[j + 1:], b[:j] + b[j + 1:],
                                  [v[:j] + v[j + 1:] for v in V], c), X)
    if m > max(_low(options.get("output_dim", 1)),
               2 if "multi_output" in options.get("features", ()) else 1):
        for k in range(m):
            yield ShallowNetwork(W, b, V[:k] + V[k + 1:], c[:k] + c[k + 1:]), X
    if len(X) > _low(options.get("n", 1)):
        for i in range(len(X)):
            yield network, X[:i] + X[i + 1:]


def _low(value: Any) -> int:
    """The lower end of a size option (an int, or a range (low, high))."""
    return value if isinstance(value, int) else value[0]


def simpler_cases(network: ShallowNetwork, X: tuple) -> Iterator[tuple[ShallowNetwork, tuple]]:
    """Examples with one weight, then one sample coordinate, replaced by a simpler number.

    The weights in θ order (W row-major, b, V row-major, c), then the samples' coordinates;
    each replaced by each of :func:`simpler_values`, simplest first. At most 4·(P + n·d) cases.

    >>> from relugeom import ShallowNetwork
    >>> from relugeom.model.sample import sample_to_dict
    >>> net = ShallowNetwork([[2]], [0], [[1]], [0])
    >>> for case, X in simpler_cases(net, ((3,),)):
    ...     print(case.to_dict(), sample_to_dict(X))
    {'W': [[0]], 'b': [0], 'V': [[1]], 'c': [0]} {'X': [[3]]}
    {'W': [[1]], 'b': [0], 'V': [[1]], 'c': [0]} {'X': [[3]]}
    {'W': [[-1]], 'b': [0], 'V': [[1]], 'c': [0]} {'X': [[3]]}
    {'W': [[2]], 'b': [0], 'V': [[0]], 'c': [0]} {'X': [[3]]}
    {'W': [[2]], 'b': [0], 'V': [[1]], 'c': [0]} {'X': [[0]]}
    {'W': [[2]], 'b': [0], 'V': [[1]], 'c': [0]} {'X': [[1]]}
    {'W': [[2]], 'b': [0], 'V': [[1]], 'c': [0]} {'X': [[-1]]}
    """
    theta = network.theta()
    for p, q in enumerate(theta):
        for r in simpler_values(q):
            yield (ShallowNetwork.from_theta(theta[:p] + (r,) + theta[p + 1:], *network.widths),
                   X)
    for i, x in enumerate(X):
        for l, q in enumerate(x):
            for r in simpler_values(q):
                yield network, X[:i] + (x[:l] + (r,) + x[l + 1:],) + X[i + 1:]


def simpler_values(q: Fraction) -> list[Fraction]:
    """0, 1, −1 and q truncated to an integer, those of lower height than q, simplest first.

    >>> simpler_values(Fraction(5, 2))
    [Fraction(0, 1), Fraction(1, 1), Fraction(-1, 1), Fraction(2, 1)]
    >>> simpler_values(Fraction(0))
    []
    """
    candidates = {Fraction(0), Fraction(1), Fraction(-1), Fraction(int(q))}
    return sorted((r for r in candidates if _height(r) < _height(q)), key=_height)


def _height(q: Fraction) -> tuple[int, bool]:
    """|p| + q for p/q in lowest terms, then negative after positive."""
    return abs(q.numerator) + q.denominator, q < 0
