"""Hypothesis strategies for exact ReLU geometry: rationals, networks, samples, pairs.

Everything is drawn so that hypothesis shrinks toward small dimensions, few neurons, few
samples and small integers: the sizes are drawn before any entry (n, then d, m, N), each hidden
neuron (w_j, b_j, V_:j) is one element of a list (so shrinking can delete a neuron), and every
entry shrinks toward 0 (numerators) and 1 (denominators).

- :func:`rationals`: exact rationals of bounded height;
- :func:`networks`: shallow networks with shape ranges; degenerate features that matter for the
  local dimension can be forced with ``features=`` (see :data:`FEATURES`);
- :func:`samples`: samples off every hyperplane, or on request with one point exactly on one,
  with perceived regions that are all rich (affinely spanning) or one that is starved;
- :func:`network_and_sample` (pairs) and :func:`analyses` (lazy :class:`~relugeom.Analysis`).

>>> from hypothesis import given
>>> from relugeom import local_dimension
>>> @given(network_and_sample(features=["duplicate"]))
... def test_bound(pair):
...     net, X = pair
...     assert local_dimension(net, X) <= net.n_parameters - net.hidden_width
"""

from __future__ import annotations

import functools
from fractions import Fraction
from typing import Iterable, Sequence

from hypothesis import assume
from hypothesis import strategies as st

from ..analysis import analyze
from ..model.patterns import preactivations
from ..model.shallow import ShallowNetwork

#: Degenerate features ``networks(features=...)`` can force. Each occurrence reserves its own
#: neurons (the width is raised as needed), so any combination can be asked for.
FEATURES = (
    "duplicate",       # neurons i, j with (w_j, b_j) = (w_i, b_i), w_i ≠ 0: one hyperplane
    "scaled",          # (w_j, b_j) = λ (w_i, b_i), λ ∈ {2, 1/2, 3}: same hyperplane and side
    "opposite",        # (w_j, b_j) = −λ (w_i, b_i), λ > 0: same hyperplane, opposite side
    "parallel",        # w_j = λ w_i (λ ≠ 0), b_j ≠ λ b_i: two distinct parallel hyperplanes
    "concurrent",      # d + 1 neurons whose hyperplanes all pass through one point p
    "dead",            # w_j = 0, b_j < 0: never active
    "always_active",   # w_j = 0, b_j > 0: active everywhere
    "zero_output",     # column j of V is 0
    "tiny_output",     # column j of V is 2^-40 (exact, but below any float tolerance)
    "multi_output",    # m ≥ 2 outputs
)

_PAIRS = ("duplicate", "scaled", "opposite", "parallel")
_SINGLES = ("dead", "always_active")
TINY = Fraction(1, 2 ** 40)


def rationals(max_numerator: int = 3, max_denominator: int = 1, *,
              height: int | None = None) -> st.SearchStrategy[Fraction]:
    """Exact rationals p/q with |p| ≤ max_numerator and 1 ≤ q ≤ max_denominator.

    ``height=H`` sets both bounds to H: every value then has height max(|p|, q) ≤ H in lowest
    terms. Shrinks toward the simplest values: 0, 1, −1, 2, −2, 1/2, −1/2, 3, … (ordered by
    |p| + q, integers first).

    >>> [str(q) for q in _simplest_first(1, 2)]     # the values of rationals(1, 2), in order
    ['0', '1', '-1', '1/2', '-1/2']
    """
    if height is not None:
        max_numerator = max_denominator = height
    if max_numerator < 0 or max_denominator < 1:
        raise ValueError(f"rationals needs max_numerator ≥ 0 and max_denominator ≥ 1, got "
                         f"{max_numerator} and {max_denominator}")
    if (2 * max_numerator + 1) * max_denominator <= _TABLE_LIMIT:
        # one draw per value (fast), shrinking toward the simplest values
        return st.sampled_from(_simplest_first(max_numerator, max_denominator))
    return st.builds(Fraction, st.integers(-max_numerator, max_numerator),
                     st.integers(1, max_denominator))


_TABLE_LIMIT = 4096


@functools.lru_cache(maxsize=None)
def _simplest_first(max_numerator: int, max_denominator: int) -> tuple[Fraction, ...]:
    """Every p/q in range, ordered by |p| + q, then integers first, then positive first."""
    values = {Fraction(p, q) for p in range(-max_numerator, max_numerator + 1)
              for q in range(1, max_denominator + 1)}
    return tuple(sorted(values, key=lambda r: (abs(r.numerator) + r.denominator, r.denominator,
                                               r < 0)))


def nonzero_rationals(max_numerator: int = 3, max_denominator: int = 1) -> st.SearchStrategy:
    """:func:`rationals` without 0."""
    return rationals(max_numerator, max_denominator).filter(bool)


def _bounds(value: int | tuple[int, int], name: str) -> tuple[int, int]:
    low, high = (value, value) if isinstance(value, int) else value
    if low < 1 or high < low:
        raise ValueError(f"{name} must be a positive int or a range (low, high) with "
                         f"1 ≤ low ≤ high, got {value!r}")
    return low, high


def _check_features(features: Iterable[str]) -> list[str]:
    features = list(features)
    unknown = set(features) - set(FEATURES)
    if unknown:
        raise ValueError(f"unknown features {sorted(unknown)}; choose from {FEATURES}")
    return features


#: Extra features drawn by ``random_features=True``: at most two, shrinking toward none.
_RANDOM_FEATURES = st.lists(st.sampled_from([f for f in FEATURES if f != "multi_output"]),
                            max_size=2, unique=True)


def _neurons_needed(feature: str, d: int) -> int:
    """Neurons a feature reserves for itself."""
    return 2 if feature in _PAIRS else 1 if feature in _SINGLES else d + 1 \
        if feature == "concurrent" else 0


@st.composite
def networks(draw, input_dim: int | tuple[int, int] = (1, 3),
             hidden_width: int | tuple[int, int] = (1, 4),
             output_dim: int | tuple[int, int] = 1,
             entries: st.SearchStrategy[Fraction] | None = None,
             features: Iterable[str] = (), *,
             nonzero_output_weights: bool = False,
             random_features: bool = False) -> ShallowNetwork:
    """Shallow networks with the given shape ranges and forced degenerate features.

    ``input_dim``, ``hidden_width`` and ``output_dim`` are ints or ranges (low, high). Entries
    come from ``entries`` (default :func:`rationals` in [−3, 3]). Each forced feature (see
    :data:`FEATURES`) takes neurons of its own: two for a pair feature, one for ``dead`` and
    ``always_active``, d + 1 for ``concurrent``; the width is raised when the range is too
    small. ``random_features=True`` also forces up to two more features drawn at random, those
    that fit in the drawn width; they are drawn after the entries and shrink toward none, so a
    search meets degenerate cases often and still shrinks to small plain networks.
    ``nonzero_output_weights=True`` makes every entry of V nonzero (the hypothesis of T6).

    A neuron with w_j = 0 always gets b_j ≠ 0: otherwise every point would lie on its
    "hyperplane" z_j ≡ 0.

    Cost per example: O(N·(d + m)) draws.
    """
    features = _check_features(features)
    if nonzero_output_weights and "zero_output" in features:
        raise ValueError("nonzero_output_weights=True contradicts the feature 'zero_output'")
    entries = entries if entries is not None else rationals()

    d = draw(st.integers(*_bounds(input_dim, "input_dim")))
    m_low, m_high = _bounds(output_dim, "output_dim")
    if "multi_output" in features:
        m_low, m_high = max(m_low, 2), max(m_high, 2)
    m = draw(st.integers(m_low, m_high))
    reserved = sum(_neurons_needed(f, d) for f in features)
    need = max(reserved, 2 if {"zero_output", "tiny_output"} <= set(features) else 1)
    low, high = _bounds(hidden_width, "hidden_width")
    # one list element per hidden neuron (w_j, b_j, V_:j): shrinking deletes whole neurons
    neuron = st.tuples(st.tuples(*[entries] * d), entries, st.tuples(*[entries] * m))
    drawn = draw(st.lists(neuron, min_size=max(low, need), max_size=max(high, need)))
    N = len(drawn)
    W = [list(w) for w, _, _ in drawn]
    b = [bj for _, bj, _ in drawn]
    V = [[v[k] for _, _, v in drawn] for k in range(m)]
    c = [draw(entries) for _ in range(m)]
    if nonzero_output_weights:
        V = [[q if q else Fraction(1) for q in row] for row in V]
    if random_features:
        for extra in draw(_RANDOM_FEATURES):
            fits = reserved + _neurons_needed(extra, d) <= N and not (
                extra in ("zero_output", "tiny_output")
                and ({"zero_output", "tiny_output"} & set(features)) and N < 2)
            if extra not in features and fits and not (
                    nonzero_output_weights and extra == "zero_output"):
                features.append(extra)
                reserved += _neurons_needed(extra, d)

    slot = 0
    for feature in features:
        if feature in _PAIRS:
            _force_pair(draw, feature, W, b, slot, slot + 1)
        elif feature in _SINGLES:
            W[slot] = [Fraction(0)] * d
            magnitude = Fraction(draw(st.integers(1, 3)))
            b[slot] = -magnitude if feature == "dead" else magnitude
        elif feature == "concurrent":
            point = [draw(entries) for _ in range(d)]
            for k, j in enumerate(range(slot, slot + d + 1)):
                if not any(W[j]):
                    W[j][k % d] = Fraction(1)
                b[j] = -sum(w * p for w, p in zip(W[j], point))
        slot += _neurons_needed(feature, d)
    for j in range(N):
        if not any(W[j]) and b[j] == 0:
            b[j] = Fraction(1)
    zeroed = None
    if "zero_output" in features:
        zeroed = draw(st.integers(0, N - 1))
        for row in V:
            row[zeroed] = Fraction(0)
    if "tiny_output" in features:
        choices = [j for j in range(N) if j != zeroed]
        j = choices[draw(st.integers(0, len(choices) - 1))]
        for row in V:
            row[j] = TINY
    return ShallowNetwork(W, b, V, c)


def _force_pair(draw, feature: str, W: list, b: list, i: int, j: int) -> None:
    """Make neuron j related to neuron i as ``feature`` says (in place)."""
    if not any(W[i]):
        W[i][0] = Fraction(1)
    if feature == "duplicate":
        lam = Fraction(1)
    elif feature == "scaled":
        lam = draw(st.sampled_from([Fraction(2), Fraction(1, 2), Fraction(3)]))
    elif feature == "opposite":
        lam = -draw(st.sampled_from([Fraction(1), Fraction(2), Fraction(1, 2), Fraction(3)]))
    else:  # parallel
        lam = draw(st.sampled_from([Fraction(1), Fraction(-1), Fraction(2), Fraction(-2),
                                    Fraction(1, 2), Fraction(3)]))
    W[j] = [lam * q for q in W[i]]
    if feature == "parallel":
        if b[j] == lam * b[i]:
            b[j] += 1
    else:
        b[j] = lam * b[i]


def _off_hyperplanes(network: ShallowNetwork, x: list[Fraction]) -> list[Fraction]:
    """Move x along the curve ε ↦ x + (ε, ε², …, ε^d) off every hyperplane.

    For w_j ≠ 0, z_j(x + δ(ε)) is a nonzero polynomial in ε of degree ≤ d, so at most N·d
    values of ε are bad; trying N·d + 1 candidates always succeeds. Deterministic, so it keeps
    shrinking well.
    """
    cutting = [(row, bj) for row, bj in zip(network.W, network.b) if any(row)]
    for k in range(len(cutting) * len(x) + 1):
        eps = Fraction(0) if k == 0 else Fraction(1, 2 * k + 1)
        y = [xl + eps ** (l + 1) for l, xl in enumerate(x)] if k else x
        if all(sum((w * yl for w, yl in zip(row, y)), bj) != 0 for row, bj in cutting):
            return y
    raise AssertionError("unreachable: a curve point off all hyperplanes exists")


def _signs(network: ShallowNetwork, X: Sequence) -> list[tuple[int, ...]]:
    return [tuple(int(z > 0) for z in row) for row in preactivations(network, X)]


def _starve_first_region(network: ShallowNetwork, X: list) -> list:
    """Keep at most d samples in the region of X[0]: its X̃_r then has rank ≤ d < d + 1."""
    d = network.input_dim
    signs = _signs(network, X)
    kept, seen = [], 0
    for x, s in zip(X, signs):
        if s == signs[0]:
            seen += 1
            if seen > d:
                continue
        kept.append(x)
    return kept


def _affine_completions(network: ShallowNetwork, X: list) -> list:
    """For each perceived region, x + ε e_l (l = 1..d) around its first sample x.

    ε = 2^-k with ε·|w_jl| < |z_j(x)| for every cutting neuron j and every l, so no
    pre-activation changes sign: the d new points stay in x's region, and with x they are
    affinely independent, so every X̃_r gets rank d + 1.
    """
    extra, seen = [], set()
    for x, z, s in zip(X, preactivations(network, X), _signs(network, X)):
        if s in seen:
            continue
        seen.add(s)
        eps = Fraction(1)
        while any(eps * max(abs(w) for w in row) >= abs(zj)
                  for row, zj in zip(network.W, z) if any(row)):
            eps /= 2
        for l in range(len(x)):
            extra.append([xk + eps if k == l else xk for k, xk in enumerate(x)])
    return extra


@st.composite
def samples(draw, network: ShallowNetwork, n: int | tuple[int, int] = (1, 8),
            coordinates: st.SearchStrategy[Fraction] | None = None,
            on_hyperplane: bool = False, *, sparse_region: bool = False,
            rich_regions: bool = False) -> tuple:
    """Samples X for ``network``, as a tuple of tuples of Fractions.

    By default no point lies on any hyperplane (each drawn point is moved off them along a
    curve, exactly). Options:

    - ``on_hyperplane``: one point is placed exactly on the hyperplane of a neuron with
      w_j ≠ 0 (examples whose network has no such neuron are rejected);
    - ``sparse_region``: the region of the first sample keeps at most d samples, so at least
      one perceived region has rank X̃_r < d + 1 (too few samples to be rich);
    - ``rich_regions``: each perceived region is completed with d points around its first
      sample, so every rank X̃_r = d + 1 (the hypothesis of T6). The sample then has
      between n and n·(d + 1) points.

    ``n`` counts the drawn points (before thinning or completion). Coordinates default to
    :func:`rationals` with |p| ≤ 3, q ≤ 2. Cost: O(n·N·d) exact operations, O(n·N·d²) with
    ``rich_regions``.
    """
    if on_hyperplane and (sparse_region or rich_regions):
        raise ValueError("on_hyperplane gives a point no activation pattern, so it cannot be "
                         "combined with sparse_region or rich_regions")
    if sparse_region and rich_regions:
        raise ValueError("sparse_region and rich_regions contradict each other")
    coordinates = coordinates if coordinates is not None else rationals(3, 2)
    count = draw(st.integers(*_bounds(n, "n")))
    d = network.input_dim
    X = [_off_hyperplanes(network, [draw(coordinates) for _ in range(d)]) for _ in range(count)]
    if sparse_region:
        X = _starve_first_region(network, X)
    if rich_regions:
        X += _affine_completions(network, X)
    if on_hyperplane:
        cutting = [j for j in range(network.hidden_width) if any(network.W[j])]
        assume(cutting)
        j = cutting[draw(st.integers(0, len(cutting) - 1))]
        w, bj = network.W[j], network.b[j]
        l = next(k for k, q in enumerate(w) if q)
        x = [draw(coordinates) for _ in range(d)]
        x[l] = Fraction(0)
        x[l] = -(sum(wk * xk for wk, xk in zip(w, x)) + bj) / w[l]
        X[draw(st.integers(0, count - 1))] = x
    return tuple(tuple(x) for x in X)


@st.composite
def network_and_sample(draw, n: int | tuple[int, int] = (1, 8), *,
                       coordinates: st.SearchStrategy[Fraction] | None = None,
                       on_hyperplane: bool = False, sparse_region: bool = False,
                       rich_regions: bool = False, **network_options) -> tuple:
    """A pair (network, X): ``network_options`` go to :func:`networks`, the rest to
    :func:`samples` (by default X avoids every hyperplane)."""
    count = draw(st.integers(*_bounds(n, "n")))  # every size before any entry: shrinks well
    network = draw(networks(**network_options))
    X = draw(samples(network, n=count, coordinates=coordinates, on_hyperplane=on_hyperplane,
                     sparse_region=sparse_region, rich_regions=rich_regions))
    return network, X


#: The issue's name for (network, sample) pairs.
pairs = network_and_sample


def analyses(**options) -> st.SearchStrategy:
    """Lazy :class:`~relugeom.Analysis` objects of :func:`network_and_sample` pairs."""
    return network_and_sample(**options).map(lambda pair: analyze(*pair))


def permutations(size: int) -> st.SearchStrategy[Sequence[int]]:
    """Permutations of range(size)."""
    return st.permutations(list(range(size)))
