"""The partition of parameter space along a segment, exactly.

For a network θ_0, a direction δ of the same architecture and t ∈ [t_0, t_1], the walk follows
θ(t) = θ_0 + t·δ and reports

- the **breakpoints**: every t in the open interval (t_0, t_1) at which some pre-activation
  z_lj(x_i) of some hidden neuron on some sample is exactly 0 (there the activation s_lj(x_i)
  changes, or touches 0 and comes back: ``before == after`` in the event);
- the **pieces**: the open intervals between consecutive breakpoints. On each piece every
  activation pattern on X is constant and f_θ(X) is differentiable in θ; the local dimension
  is computed at a rational point of the piece (the midpoint when both ends are rational).

Why breakpoints are algebraic: with the upstream pattern fixed, z_1(t) = (W_1 + tΔW_1)x + b_1
+ tΔb_1 is affine in t, and each layer multiplies by one more affine factor (W_l + tΔW_l), so
z_l(t) is a polynomial of degree ≤ l with rational coefficients. A breakpoint is a root of one
of these polynomials: rational for one hidden layer, in general a real algebraic number, held
exactly as a :class:`~relugeom.exact.realroots.RealAlgebraic` (irreducible integer polynomial and an
isolating interval with rational endpoints).

How: each sample is swept separately from t_0. At the current point a (rational or algebraic)
the pattern just to the right of a is read layer by layer — the sign on (a, a + ε) of z_lj is
that of its first nonzero Taylor coefficient at a, computed with the upstream pattern just found
— and the next breakpoint of the sample is the smallest root in (a, t_1) of these polynomials.
Between a and that root no polynomial vanishes, so by induction over the layers no pattern
changes and the polynomials stay valid. The samples' breakpoints are then merged in exact order.

A pre-activation that is identically 0 on a piece (e.g. a neuron whose weights and direction
are all 0) is on the boundary everywhere there: it is refused unless ``relu_prime_at_zero`` is 0
or 1, which then fixes its activation.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Sequence

from ..errors import InputError
from ..exact.numbers import int_to_text, scientific_text, to_json_number, to_rational
from ..exact.realroots import RealAlgebraic, rational_between, real_roots, trim
from ..model.deep import DeepNetwork, as_deep, symmetry_bound
from ..model.network import Network
from ..model.patterns import ReluPrime, check_relu_prime
from ..model.sample import as_sample
from ..rank.backprop import LayerBoundaryError, full_patterns
from ..rank.dimension import local_dimension


# -- results ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WalkEvent:
    """At a breakpoint, hidden neuron ``neuron`` of ``layer`` has pre-activation 0 on sample
    ``sample``; its activation is ``before`` just left and ``after`` just right of it."""

    sample: int
    layer: int
    neuron: int
    before: int
    after: int

    def to_dict(self) -> dict[str, int]:
        return {"sample": self.sample, "layer": self.layer, "neuron": self.neuron,
                "before": self.before, "after": self.after}


@dataclass(frozen=True)
class Breakpoint:
    """A value of t (exact) where some pre-activation on X vanishes, and which."""

    t: RealAlgebraic
    events: tuple[WalkEvent, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"t": json_value(self.t), "t_text": number_text(self.t),
                "events": [e.to_dict() for e in self.events]}


@dataclass(frozen=True)
class Piece:
    """An open interval (start, end) of t on which every activation on X is constant.

    ``dimension`` is the exact local dimension at θ(point); ``changed_samples`` are the samples
    whose activation pattern differs from the previous piece's.
    """

    start: RealAlgebraic
    end: RealAlgebraic
    point: Fraction
    dimension: int
    activation_regions_perceived: int
    changed_samples: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"start": json_value(self.start), "end": json_value(self.end),
                "point": to_json_number(self.point), "dimension": self.dimension,
                "activation_regions_perceived": self.activation_regions_perceived,
                "changed_samples": list(self.changed_samples)}


@dataclass(frozen=True)
class Walk:
    """The exact partition of the segment θ_0 + t·δ, t ∈ [t_from, t_to] (see :func:`walk`)."""

    t_from: Fraction
    t_to: Fraction
    n_parameters: int
    symmetry_bound: int
    relu_prime_at_zero: ReluPrime
    breakpoints: tuple[Breakpoint, ...]
    pieces: tuple[Piece, ...]

    @property
    def dimensions(self) -> tuple[int, ...]:
        """The local dimension on each piece, in order of t."""
        return tuple(p.dimension for p in self.pieces)

    def to_dict(self) -> dict[str, Any]:
        return {"t_from": to_json_number(self.t_from), "t_to": to_json_number(self.t_to),
                "n_parameters": self.n_parameters, "symmetry_bound": self.symmetry_bound,
                "relu_prime_convention": str(self.relu_prime_at_zero),
                "n_breakpoints": len(self.breakpoints), "n_pieces": len(self.pieces),
                "dimensions": list(self.dimensions),
                "breakpoints": [b.to_dict() for b in self.breakpoints],
                "pieces": [p.to_dict() for p in self.pieces]}


# -- exact numbers of any size as text and JSON ---------------------------------------------------
# Python refuses str() of an int beyond 4300 digits and float() beyond 1.8e308; a walk to
# t = 10^99999 meets both. These never do.

def fraction_text(q: Any) -> str:
    """The exact text "p/q" (or "p") of a rational of any size.

    >>> fraction_text(Fraction(-3, 4)), len(fraction_text(Fraction(10 ** 5000, 3)))
    ('-3/4', 5003)
    """
    q = Fraction(q)
    return int_to_text(q.numerator) + ("" if q.denominator == 1 else
                                       "/" + int_to_text(q.denominator))


def _approx(t: RealAlgebraic) -> Fraction:
    """A rational within 2^-60 (relative) of t."""
    if t.is_rational:
        return t.low
    scale = max(abs(t.low), abs(t.high), Fraction(1))
    r = t.refined(scale / 2 ** 60)
    return (r.low + r.high) / 2


def approx_text(t: RealAlgebraic, digits: int = 6) -> str:
    """A decimal approximation of t, of any size (NUMERIC: for reading only)."""
    return scientific_text(_approx(t), digits)


def number_text(t: RealAlgebraic) -> str:
    """The exact text of t, as ``str(t)`` writes it when it can: "p/q" for a rational,
    "root of 2t^2 - 1 in [lo, hi] (≈ 0.7071067812)" otherwise, also beyond 4300 digits and
    the float range."""
    if t.is_rational:
        return fraction_text(t.low)
    try:
        return str(t)
    except (ValueError, OverflowError):
        terms = []
        for k in range(len(t.polynomial) - 1, -1, -1):
            c = t.polynomial[k]
            if c:
                body = ("" if abs(c) == 1 and k else int_to_text(abs(c))) + \
                    ("t" + (f"^{k}" if k > 1 else "") if k else "")
                terms.append(("-" if c < 0 else "+", body))
        text = ("-" if terms[0][0] == "-" else "") + terms[0][1] + \
            "".join(f" {sign} {body}" for sign, body in terms[1:])
        return (f"root of {text} in [{fraction_text(t.low)}, {fraction_text(t.high)}] "
                f"(≈ {approx_text(t, 10)})")


def json_value(t: RealAlgebraic) -> Any:
    """``t.to_json_value()``: a rational as an int or "p/q" (:func:`to_json_number`); an
    irrational as {"polynomial", "interval", "approx"}, with "approx" null beyond the float
    range and coefficients of thousands of digits as strings of digits."""
    if t.is_rational:
        return to_json_number(t.low)
    try:
        approx = float(_approx(t))
    except OverflowError:
        approx = None
    return {"polynomial": [to_json_number(Fraction(c)) for c in t.polynomial],
            "interval": [to_json_number(t.low), to_json_number(t.high)], "approx": approx}


def _shown(t: Any, limit: int = 80) -> str:
    """A number for an error message: exact, shortened when long."""
    text = number_text(t) if isinstance(t, RealAlgebraic) else fraction_text(t)
    return text if len(text) <= limit else \
        f"{text[:40]}…{text[-20:]} ({len(text)} characters)"


# -- the segment --------------------------------------------------------------------------------
def _check_direction(network: Network, direction: Any) -> tuple[DeepNetwork, DeepNetwork]:
    deep, delta = as_deep(network), as_deep(direction)
    if delta.widths != deep.widths:
        raise InputError(f"the direction has widths {list(delta.widths)} but the network has "
                         f"widths {list(deep.widths)}: a direction needs the same architecture")
    return deep, delta


def point_on_segment(network: Network, direction: Any, t: Any) -> Any:
    """The network with parameters θ_0 + t·δ, of the same type as ``network``.

    >>> from relugeom import ShallowNetwork
    >>> net = ShallowNetwork([[1]], [0], [[1]], [0])
    >>> point_on_segment(net, ShallowNetwork([[0]], [1], [[0]], [0]), "1/2").b
    (Fraction(1, 2),)
    """
    deep, delta = _check_direction(network, direction)
    t = to_rational(t, "t")
    theta = [a + t * d for a, d in zip(deep.theta(), delta.theta())]
    moved = deep.with_theta(theta)
    return moved if isinstance(network, DeepNetwork) else moved.to_shallow()


# -- polynomials in t (coefficient lists, lowest degree first) ---------------------------------
def _times_linear(p: list, c0: Fraction, c1: Fraction) -> list:
    """p(t)·(c0 + c1·t)."""
    out = [Fraction(0)] * (len(p) + 1)
    for k, a in enumerate(p):
        out[k] += a * c0
        out[k + 1] += a * c1
    return out


def _add_into(acc: list, p: Sequence) -> None:
    acc.extend([Fraction(0)] * (len(p) - len(acc)))
    for k, a in enumerate(p):
        acc[k] += a


def _identically_zero(sample: int, layer: int, neuron: int, start: RealAlgebraic) -> InputError:
    exc = LayerBoundaryError(sample, neuron, layer)
    exc.args = (f"along the walk, sample {sample}'s pre-activation at layer {layer}, neuron "
                f"{neuron} is identically 0 for t just after {_shown(start)}: the sample lies "
                "on that neuron's boundary on a whole piece of the segment, where ReLU is not "
                "differentiable. Choose a one-sided convention with relu_prime_at_zero=0 or 1 "
                "(--relu-prime-at-zero on the command line).",)
    return exc


def _right_of(deep: DeepNetwork, delta: DeepNetwork, x: tuple, sample: int,
              start: RealAlgebraic, convention: ReluPrime) -> tuple[tuple, list]:
    """The hidden patterns of x on (start, start + ε) and the pre-activation polynomials
    z_lj(t) valid there, as [(layer, neuron, polynomial)]."""
    h = [[q] for q in x]
    pattern, polynomials = [], []
    for l in range(1, deep.depth):
        (W, b), (dW, db) = deep.layers[l - 1], delta.layers[l - 1]
        s, next_h = [], []
        for j in range(len(W)):
            z = [b[j], db[j]]
            for q, hq in enumerate(h):
                _add_into(z, _times_linear(hq, W[j][q], dW[j][q]))
            z = list(trim(z))
            sign = start.sign_right_of(z)
            if sign == 0:
                if convention == "error":
                    raise _identically_zero(sample, l, j, start)
                active = convention
            else:
                active = int(sign > 0)
                polynomials.append((l, j, z))
            s.append(active)
            next_h.append(z if active else [])
        pattern.append(tuple(s))
        h = next_h
    return tuple(pattern), polynomials


@functools.lru_cache(maxsize=4096)
def _roots(p: tuple) -> tuple[RealAlgebraic, ...]:
    # after a breakpoint only the neurons downstream of the change get new polynomials
    return tuple(real_roots(p))


def _first_root_after(p: Sequence, start: RealAlgebraic, end: RealAlgebraic):
    """The smallest root of p in the open interval (start, end), or None."""
    if len(p) < 2:
        return None
    for root in _roots(tuple(p)):
        if start < root:
            return root if root < end else None
    return None


def _sweep_sample(deep: DeepNetwork, delta: DeepNetwork, x: tuple, sample: int,
                  t_from: Fraction, t_to: Fraction, convention: ReluPrime) -> list:
    """[(breakpoint, events)] of one sample, in increasing t."""
    start, end = RealAlgebraic.rational(t_from), RealAlgebraic.rational(t_to)
    pattern, polynomials = _right_of(deep, delta, x, sample, start, convention)
    found = []
    while True:
        roots = [(r, l, j) for l, j, z in polynomials
                 if (r := _first_root_after(z, start, end)) is not None]
        if not roots:
            return found
        nearest = min(r for r, _, _ in roots)
        vanishing = [(l, j) for r, l, j in roots if r == nearest]
        after, polynomials = _right_of(deep, delta, x, sample, nearest, convention)
        found.append((nearest, tuple(WalkEvent(sample, l, j, pattern[l - 1][j],
                                               after[l - 1][j]) for l, j in vanishing)))
        start, pattern = nearest, after


def _merge(per_sample: list) -> tuple[Breakpoint, ...]:
    """All samples' breakpoints in increasing exact order, equal values merged."""
    flat = sorted((item for items in per_sample for item in items),
                  key=functools.cmp_to_key(lambda a, b: a[0]._compare(b[0])))
    merged: list[Breakpoint] = []
    for t, events in flat:
        if not t.is_rational:
            t = t.refined(Fraction(1, 1024))  # a readable isolating interval
        if merged and merged[-1].t == t:
            merged[-1] = Breakpoint(merged[-1].t, merged[-1].events + events)
        else:
            merged.append(Breakpoint(t, events))
    return tuple(merged)


def walk(network: Network, X: Any, direction: Any, t_from: Any = 0, t_to: Any = 1, *,
         relu_prime_at_zero: ReluPrime = "error", backend: str = "auto") -> Walk:
    """Exact breakpoints of the activations on X along θ_0 + t·δ, and the local dimension on
    every piece between them.

    ``network`` and ``direction`` are shallow or deep networks of the same architecture
    (the direction's weights are δ). Cost: per sample and per piece of that sample, one pass of
    polynomial arithmetic (degree ≤ L − 1) and a root isolation for each hidden neuron; then one
    exact rank per piece.

    >>> from relugeom import ShallowNetwork
    >>> net = ShallowNetwork([[1]], [-1], [[1]], [0])        # relu(x − 1)
    >>> push = ShallowNetwork([[0]], [3], [[0]], [0])        # move the bias: relu(x − 1 + 3t)
    >>> w = walk(net, [[0], [2], [3]], push)
    >>> [str(b.t) for b in w.breakpoints], w.dimensions
    (['1/3'], (3, 2))
    """
    deep, delta = _check_direction(network, direction)
    t0, t1 = to_rational(t_from, "t_from"), to_rational(t_to, "t_to")
    if not t0 < t1:
        raise InputError(f"the walk needs t_from < t_to, got t_from = {_shown(t0)} and "
                         f"t_to = {_shown(t1)}")
    sample = as_sample(X, deep.input_dim)
    convention = check_relu_prime(relu_prime_at_zero)
    breakpoints = _merge([_sweep_sample(deep, delta, x, i, t0, t1, convention)
                          for i, x in enumerate(sample)])
    ends = [RealAlgebraic.rational(t0)] + [b.t for b in breakpoints] + [RealAlgebraic.rational(t1)]
    pieces, previous = [], None
    for start, end in zip(ends, ends[1:]):
        point = rational_between(start, end)
        here = point_on_segment(network, direction, point)
        patterns = full_patterns(here, sample, convention)
        changed = () if previous is None else tuple(
            i for i, (a, b) in enumerate(zip(previous, patterns)) if a != b)
        pieces.append(Piece(start, end, point,
                            local_dimension(here, sample, relu_prime_at_zero=convention,
                                            backend=backend),
                            len(set(patterns)), changed))
        previous = patterns
    return Walk(t0, t1, network.n_parameters, symmetry_bound(network), convention,
                breakpoints, tuple(pieces))
