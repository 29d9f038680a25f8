"""Hypothesis strategies for exact ReLU geometry: rationals, networks, samples, pairs.

Composed from small parts and generated so that hypothesis shrinks toward small dimensions,
few neurons, few samples and small integers. Degenerate features that matter for the local
dimension can be forced with ``features=`` (see :data:`FEATURES`).

>>> from hypothesis import given
>>> @given(network_and_sample())
... def test_bound(pair):
...     net, X = pair
...     assert local_dimension(net, X) <= net.n_parameters - net.hidden_width
"""

from __future__ import annotations

from fractions import Fraction
from typing import Iterable, Sequence

from hypothesis import strategies as st

from .network import ShallowNetwork

#: Degenerate features ``networks(features=...)`` can force.
FEATURES = (
    "duplicate",       # neuron j is an exact copy of neuron i
    "scaled",          # (w_j, b_j) = λ (w_i, b_i), λ > 0: same hyperplane, same orientation
    "opposite",        # (w_j, b_j) = −λ (w_i, b_i): same hyperplane, opposite orientation
    "parallel",        # w_j = λ w_i, b_j arbitrary
    "concurrent",      # all hyperplanes through one point (b chosen so that w_j·p + b_j = 0)
    "dead",            # w_j = 0, b_j < 0: never active
    "always_active",   # w_j = 0, b_j > 0: always active
    "zero_output",     # column j of V is 0
    "tiny_output",     # column j of V is 2^-40 (exact, but below float tolerance)
)


def rationals(max_numerator: int = 3, max_denominator: int = 1) -> st.SearchStrategy[Fraction]:
    """Exact rationals p/q with |p| ≤ max_numerator, 1 ≤ q ≤ max_denominator.

    Shrinks toward 0 and then small integers.
    """
    return st.builds(Fraction, st.integers(-max_numerator, max_numerator),
                     st.integers(1, max_denominator))


def nonzero_rationals(max_numerator: int = 3, max_denominator: int = 1) -> st.SearchStrategy:
    return rationals(max_numerator, max_denominator).filter(bool)


def _dims(value: int | tuple[int, int]) -> st.SearchStrategy[int]:
    low, high = (value, value) if isinstance(value, int) else value
    return st.integers(low, high)


@st.composite
def networks(draw, input_dim: int | tuple[int, int] = (1, 3),
             hidden_width: int | tuple[int, int] = (1, 4),
             output_dim: int | tuple[int, int] = 1,
             entries: st.SearchStrategy[Fraction] | None = None,
             features: Iterable[str] = ()) -> ShallowNetwork:
    """Shallow networks with the given shape ranges and forced degenerate features.

    Each forced feature needs at least two neurons when it relates two of them; the width is
    raised as needed. A neuron with w_j = 0 always gets b_j ≠ 0 (else every sample would lie
    on its "hyperplane" z_j ≡ 0).
    """
    features = list(features)
    unknown = set(features) - set(FEATURES)
    if unknown:
        raise ValueError(f"unknown features {sorted(unknown)}; choose from {FEATURES}")
    entries = entries if entries is not None else rationals()
    d = draw(_dims(input_dim))
    m = draw(_dims(output_dim))
    pairs = sum(f in ("duplicate", "scaled", "opposite", "parallel") for f in features)
    singles = sum(f in ("dead", "always_active") for f in features)
    low, high = (hidden_width, hidden_width) if isinstance(hidden_width, int) else hidden_width
    N = draw(st.integers(max(low, 2 * pairs + singles, 1), max(high, 2 * pairs + singles, 1)))
    W = [[draw(entries) for _ in range(d)] for _ in range(N)]
    b = [draw(entries) for _ in range(N)]
    V = [[draw(entries) for _ in range(N)] for _ in range(m)]
    c = [draw(entries) for _ in range(m)]
    positive = st.sampled_from([Fraction(1, 2), Fraction(1), Fraction(2), Fraction(3)])
    slot = 0
    for feature in features:
        if feature in ("duplicate", "scaled", "opposite", "parallel"):
            i, j = slot, slot + 1
            slot += 2
            if not any(W[i]):
                W[i][0] = Fraction(1)
            lam = Fraction(1) if feature == "duplicate" else draw(positive)
            sign = -1 if feature == "opposite" else 1
            W[j] = [sign * lam * q for q in W[i]]
            if feature != "parallel":
                b[j] = sign * lam * b[i]
        elif feature in ("dead", "always_active"):
            j = slot
            slot += 1
            W[j] = [Fraction(0)] * d
            magnitude = draw(st.integers(1, 3))
            b[j] = Fraction(-magnitude if feature == "dead" else magnitude)
    for j in range(N):
        if not any(W[j]) and b[j] == 0:
            b[j] = Fraction(1)
    if "concurrent" in features:
        point = [draw(entries) for _ in range(d)]
        for j in range(N):
            if any(W[j]):
                b[j] = -sum(w * p for w, p in zip(W[j], point))
    if "zero_output" in features or "tiny_output" in features:
        j = draw(st.integers(0, N - 1))
        value = Fraction(0) if "zero_output" in features else Fraction(1, 2 ** 40)
        for row in V:
            row[j] = value
    return ShallowNetwork(W, b, V, c)


def _avoid_hyperplanes(network: ShallowNetwork, x: list[Fraction]) -> list[Fraction]:
    """Move x along the curve ε ↦ x + (ε, ε², …, ε^d) off every hyperplane.

    For w_j ≠ 0, z_j(x + δ(ε)) is a nonzero polynomial in ε of degree ≤ d, so at most N·d
    values of ε are bad; trying N·d + 1 candidates always succeeds. Deterministic, so it keeps
    shrinking well.
    """
    d = len(x)
    for k in range(network.hidden_width * d + 2):
        eps = Fraction(0) if k == 0 else Fraction(1, 2 * k + 1)
        y = [xl + eps ** (l + 1) for l, xl in enumerate(x)]
        if all(sum((w * yl for w, yl in zip(row, y)), bj) != 0
               for row, bj in zip(network.W, network.b) if any(row)):
            return y
    raise AssertionError("unreachable: a curve point off all hyperplanes exists")


@st.composite
def samples(draw, network: ShallowNetwork, n: int | tuple[int, int] = (1, 8),
            coordinates: st.SearchStrategy[Fraction] | None = None,
            on_hyperplane: bool = False) -> tuple:
    """Samples for ``network``: no point on any hyperplane, unless ``on_hyperplane`` asks for
    one point placed exactly on the hyperplane of a neuron with w_j ≠ 0."""
    coordinates = coordinates if coordinates is not None else rationals(3, 2)
    count = draw(_dims(n))
    d = network.input_dim
    X = [_avoid_hyperplanes(network, [draw(coordinates) for _ in range(d)]) for _ in range(count)]
    if on_hyperplane:
        cutting = [j for j in range(network.hidden_width) if any(network.W[j])]
        if cutting:
            j = draw(st.sampled_from(cutting))
            w, bj = network.W[j], network.b[j]
            l = next(k for k, q in enumerate(w) if q)
            x = [draw(coordinates) for _ in range(d)]
            x[l] = Fraction(0)
            x[l] = -(sum(wk * xk for wk, xk in zip(w, x)) + bj) / w[l]
            X[draw(st.integers(0, count - 1))] = x
    return tuple(tuple(x) for x in X)


@st.composite
def network_and_sample(draw, n: int | tuple[int, int] = (1, 8), **network_options):
    """A pair (network, X) with X off every hyperplane."""
    network = draw(networks(**network_options))
    return network, draw(samples(network, n=n))


def permutations(size: int) -> st.SearchStrategy[Sequence[int]]:
    """Permutations of range(size)."""
    return st.permutations(list(range(size)))
