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
exactly as a :class:`~relugeom.exact.realroots.RealAlgebraic` (irreducible integer polynomial
and an isolating interval with rational endpoints).

How, with one hidden layer: every z_ij(t) is affine, so all breakpoints are the roots
−a_ij/b_ij of one pair of integer matrix products, sorted once; the patterns are updated
breakpoint by breakpoint (hashed per region), and the dimension on each piece is a rank modulo
a prime of a row- and column-compressed Jacobian, certified by an upper bound, or else exact
elimination (see *the local dimension on each piece* below). Near-linear in n.

How, deeper: each sample is swept separately from t_0. At the current point a (rational or
algebraic) the pattern just to the right of a is read layer by layer — the sign on (a, a + ε) of
z_lj is that of its first nonzero Taylor coefficient at a, computed with the upstream pattern
just found — and the next breakpoint of the sample is the smallest root in (a, t_1) of these
polynomials. Between a and that root no polynomial vanishes, so by induction over the layers no
pattern changes and the polynomials stay valid. The samples' breakpoints are then merged in
exact order, and each piece's dimension is an exact rank on a row basis of every region.

A pre-activation that is identically 0 on a piece (e.g. a neuron whose weights and direction
are all 0) is on the boundary everywhere there: it is refused unless ``relu_prime_at_zero`` is 0
or 1, which then fixes its activation.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Sequence

import numpy as np

from ..errors import InputError, check_count
from ..exact.arrays import reduce_mod
from ..exact.numbers import exact_text, int_to_text, scientific_text, to_json_number, to_rational
from ..exact.realroots import RealAlgebraic, rational_between, real_roots, trim
from ..linalg import integer_rows
from ..linalg.integer import rank_mod
from ..linalg.modular import random_primes, rref_mod_p
from ..model.deep import DeepNetwork, as_deep, symmetry_bound
from ..model.network import Network
from ..model.patterns import ReluPrime, check_relu_prime
from ..model.sample import as_sample
from ..rank.backprop import LayerBoundaryError
from ..rank.dimension import local_dimension
from ..rank.shallow import independent_rows


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
        return exact_text(t.low)
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
        return (f"root of {text} in [{exact_text(t.low)}, {exact_text(t.high)}] "
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
    text = number_text(t) if isinstance(t, RealAlgebraic) else exact_text(t)
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
    if len(p) == 2:      # a + b·t (b ≠ 0 after trim): the rational root −a/b, no isolation
        return (RealAlgebraic.rational(-Fraction(p[0]) / Fraction(p[1])),)
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
                  t_from: Fraction, t_to: Fraction, convention: ReluPrime) -> tuple[tuple, list]:
    """The pattern of one sample just right of t_from, and [(breakpoint, events, pattern just
    right of it)] in increasing t."""
    start, end = RealAlgebraic.rational(t_from), RealAlgebraic.rational(t_to)
    pattern, polynomials = _right_of(deep, delta, x, sample, start, convention)
    first, found = pattern, []
    while True:
        roots = [(r, l, j) for l, j, z in polynomials
                 if (r := _first_root_after(z, start, end)) is not None]
        if not roots:
            return first, found
        nearest = min(r for r, _, _ in roots)
        vanishing = [(l, j) for r, l, j in roots if r == nearest]
        after, polynomials = _right_of(deep, delta, x, sample, nearest, convention)
        found.append((nearest, tuple(WalkEvent(sample, l, j, pattern[l - 1][j],
                                               after[l - 1][j]) for l, j in vanishing), after))
        start, pattern = nearest, after


def _deep_sweep(deep: DeepNetwork, delta: DeepNetwork, sample: tuple, t_from: Fraction,
                t_to: Fraction, convention: ReluPrime) -> tuple[list, list]:
    """Every sample swept separately; the breakpoints merged in exact order (equal values
    merged). Returns (patterns just right of t_from, [(breakpoint, {sample: pattern after})])."""
    swept = [_sweep_sample(deep, delta, x, i, t_from, t_to, convention)
             for i, x in enumerate(sample)]
    flat = sorted(((t, events, after) for _, items in swept for t, events, after in items),
                  key=functools.cmp_to_key(lambda a, b: a[0]._compare(b[0])))
    merged: list = []
    for t, events, after in flat:
        if not t.is_rational:
            t = t.refined(Fraction(1, 1024))  # a readable isolating interval
        if merged and merged[-1][0].t == t:
            bp, changes = merged[-1]
            merged[-1] = (Breakpoint(bp.t, bp.events + events), changes)
        else:
            merged.append((Breakpoint(t, events), {}))
        merged[-1][1][events[0].sample] = after
    return [first for first, _ in swept], merged


# -- one hidden layer: every breakpoint at once ---------------------------------------------------
# With one hidden layer z_ij(t) = (w̃_j + t·δ̃_j)·x̃_i is affine in t for every sample i and
# neuron j. Scaling x̃_i and (w̃_j, δ̃_j) by positive integers (one per row) changes neither the
# sign of z_ij nor its root, so all of them are integer matrix products A + t·B, and the root
# t_ij = −A_ij/B_ij of every crossing is found at once: near-linear in n instead of one exact
# sweep per sample.

def _integer_matrix(rows: list) -> np.ndarray:
    """Python ints as an int64 array when every entry fits in 62 bits, else an object array."""
    arr = np.array(rows, dtype=object).reshape(len(rows), -1)
    if arr.size and max(abs(int(v)) for v in arr.flat).bit_length() <= 62:
        return arr.astype(np.int64)
    return arr


def _product(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """The exact product A·B of integer arrays, as Python ints (object array)."""
    if A.dtype == np.int64 and B.dtype == np.int64 and A.size and B.size:
        bound = int(np.abs(A).max()) * int(np.abs(B).max()) * A.shape[1]
        if bound.bit_length() <= 62:
            return (A @ B).astype(object)
    return A.astype(object) @ B.astype(object)


def _sign(a: np.ndarray) -> np.ndarray:
    return (a > 0).astype(np.int8) - (a < 0).astype(np.int8)


@dataclass
class _OneLayer:
    """The integer data of a walk with one hidden layer (x̃ rows and neuron rows scaled)."""

    X: np.ndarray        # n × (d+1): row i is a positive multiple of x̃_i = (x_i, 1)
    A: np.ndarray        # n × N, A + t·B: a positive multiple of z_ij(t)
    B: np.ndarray


def _one_layer(deep: DeepNetwork, delta: DeepNetwork, sample: tuple) -> _OneLayer:
    one = Fraction(1)
    X = _integer_matrix(integer_rows([tuple(x) + (one,) for x in sample]))
    (W, b), (dW, db) = deep.layers[0], delta.layers[0]
    d = deep.input_dim
    neurons = integer_rows([tuple(W[j]) + (b[j],) + tuple(dW[j]) + (db[j],)
                            for j in range(len(W))])
    lines = _integer_matrix([row[:d + 1] for row in neurons])
    moves = _integer_matrix([row[d + 1:] for row in neurons])
    return _OneLayer(X, _product(X, lines.T), _product(X, moves.T))


def _one_layer_sweep(deep: DeepNetwork, delta: DeepNetwork, sample: tuple, t_from: Fraction,
                     t_to: Fraction, convention: ReluPrime) -> tuple[list, list, _OneLayer]:
    """As :func:`_deep_sweep`, for one hidden layer, vectorised (see above)."""
    data = _one_layer(deep, delta, sample)
    A, B = data.A, data.B
    p0, q0, p1, q1 = t_from.numerator, t_from.denominator, t_to.numerator, t_to.denominator
    sign_B = _sign(B)
    right_of_start = _sign(A * q0 + B * p0)          # the sign of z on (t_from, t_from + ε)
    right_of_start = np.where(right_of_start == 0, sign_B, right_of_start)
    left_of_end = _sign(A * q1 + B * p1)             # the sign of z on (t_to − ε, t_to)
    left_of_end = np.where(left_of_end == 0, -sign_B, left_of_end)
    flat = np.flatnonzero(right_of_start == 0)       # A = B = 0: z ≡ 0 on the whole segment
    if flat.size:
        i, j = divmod(int(flat[0]), A.shape[1])
        if convention == "error":
            raise _identically_zero(i, 1, j, RealAlgebraic.rational(t_from))
    first = np.where(right_of_start == 0, int(convention == 1), right_of_start > 0)
    first = first.astype(np.int8)
    crossings = np.argwhere((sign_B != 0) & (right_of_start != left_of_end))
    roots = sorted((Fraction(-int(A[i, j]), int(B[i, j])), int(i), int(j))
                   for i, j in crossings.tolist())
    pattern = [tuple(row) for row in first.tolist()]
    merged: list = []
    for t, i, j in roots:
        before = pattern[i][j]
        after = pattern[i][:j] + (1 - before,) + pattern[i][j + 1:]
        pattern[i] = after
        event = WalkEvent(i, 1, j, before, 1 - before)
        if merged and merged[-1][0].t.low == t:
            bp, changes = merged[-1]
            merged[-1] = (Breakpoint(bp.t, bp.events + (event,)), changes)
        else:
            merged.append((Breakpoint(RealAlgebraic.rational(t), (event,)), {}))
        merged[-1][1][i] = (after,)
    return [(tuple(row),) for row in first.tolist()], merged, data


# -- the local dimension on each piece ------------------------------------------------------------
# One hidden layer: rows of J for the samples of one activation region are x̃_iᵀB_r (see
# relugeom.rank.shallow), so rank J(θ, X) = rank J(θ, X_I) for I = a basis of the x̃_i of every
# region, and rank J ≤ m·Σ_r min(d + 1, |r|). The rank of J(θ, X_I'), I' = at most d + 1
# samples per region, modulo a prime is a certified lower bound (a minor nonzero mod p is
# nonzero); when it reaches the upper bound min(m·Σ_r min(d + 1, |r|) (m·1 for a region where
# every neuron is inactive), P − N) it is exact. Otherwise the piece is computed exactly by
# :func:`~relugeom.rank.dimension.local_dimension` on the exact row bases.

class _PieceRanks:
    """Local dimensions along a one-hidden-layer walk, from residues mod one prime."""

    def __init__(self, deep: DeepNetwork, delta: DeepNetwork, data: _OneLayer):
        self.d, self.N, self.m = deep.input_dim, deep.widths[1], deep.output_dim
        self.bound = symmetry_bound(deep)
        self.p = random_primes(1, seed=0)[0]
        self.X = reduce_mod(data.X, self.p)
        self.theta = self._residues(deep.theta())
        self.delta = self._residues(delta.theta())
        self.random = np.zeros((0, 0), dtype=np.int64)
        # residues of the output weights V and of their direction (θ ends with V, c)
        output = slice(-self.m * self.N - self.m, -self.m)
        self.V = tuple(None if r is None else r[output] for r in (self.theta, self.delta))
        self.state: tuple | None = None      # (K, Q, Y, A) of the full-row-rank certificate

    def _residues(self, values: Sequence) -> np.ndarray | None:
        p = self.p
        if any(Fraction(q).denominator % p == 0 for q in values):
            return None
        return np.array([Fraction(q).numerator % p * pow(Fraction(q).denominator, -1, p) % p
                         for q in values], dtype=np.int64)

    def lower_bound(self, t: Fraction, chosen: list[int], patterns: list,
                    target: int) -> int | None:
        """A lower bound of rank J(θ(t), X_chosen) from ranks mod p of J·R (R a fixed
        pseudo-random matrix, first one of a few columns per neuron, then a dense one), stopping
        as soon as one reaches ``target``; None when p divides a denominator."""
        p, d, N, m = self.p, self.d, self.N, self.m
        if self.theta is None or self.delta is None or t.denominator % p == 0:
            return None
        tp = t.numerator % p * pow(t.denominator, -1, p) % p
        theta = (self.theta + tp * self.delta) % p
        Wt = theta[:N * (d + 1)]
        Wt = np.hstack([Wt[:N * d].reshape(N, d), Wt[N * d:].reshape(N, 1)])
        V = theta[N * (d + 1):N * (d + 1) + m * N].reshape(m, N)
        X = self.X[chosen]
        S = np.array([patterns[i][0] for i in chosen], dtype=np.int64).reshape(len(chosen), N)
        H = S * (X @ Wt.T % p)                                    # relu(z) where active
        G = [S * V[k] for k in range(m)]                          # ∂f_k/∂z, sample by neuron
        found = rank_mod(self._sketch(X, H, G, target), p)
        if found < target:
            found = max(found, rank_mod(self._project(self._jacobian(X, H, G)), p))
        return found

    def _jacobian(self, X: np.ndarray, H: np.ndarray, G: list) -> np.ndarray:
        """J(θ, X_chosen) mod p, rows (i, k), columns in θ order (W, b, V, c)."""
        p, d, N, m, n = self.p, self.d, self.N, self.m, len(X)
        rows = []
        for k in range(m):
            block = (G[k][:, :, None] * X[:, None, :]) % p        # columns of w̃_j
            out = np.zeros((n, m), dtype=np.int64)
            out[:, k] = X[:, d]
            hv = np.zeros((n, m, N), dtype=np.int64)
            hv[:, k, :] = H
            rows.append(np.hstack([block[:, :, :d].reshape(n, N * d), block[:, :, d],
                                   hv.reshape(n, m * N), out]))
        return np.stack(rows, axis=1).reshape(n * m, -1)

    def _sketch(self, X: np.ndarray, H: np.ndarray, G: list, target: int) -> np.ndarray:
        """J·R mod p for R block diagonal: each neuron's d + 1 + m columns (w̃_j and V[:, j])
        mixed into c pseudo-random combinations, c·N ≥ target, the m columns of c kept;
        built from X, H and G without forming J. Entry (i, k), (j, c):
        G_k[i, j]·(x̃_i·ρ_jc) + H[i, j]·σ_jkc."""
        p, d, N, m, n = self.p, self.d, self.N, self.m, len(X)
        c = min(d + 1 + m, -(-target // max(N, 1)) + 1)
        rng = np.random.default_rng([p, c])
        rho = rng.integers(0, p, size=(d + 1, N * c), dtype=np.int64)
        sigma = rng.integers(0, p, size=(m, N, c), dtype=np.int64)
        Y = (X @ rho % p).reshape(n, N, c)                        # x̃_i·ρ_jc
        rows = []
        for k in range(m):
            mixed = (G[k][:, :, None] * Y + H[:, :, None] * sigma[k][None]) % p
            out = np.zeros((n, m), dtype=np.int64)
            out[:, k] = X[:, d]
            rows.append(np.hstack([mixed.reshape(n, N * c), out]))
        return np.stack(rows, axis=1).reshape(n * m, -1)

    # -- m = 1, full row rank, carried from piece to piece --------------------------------------
    # With m = 1, the columns of w̃_j are v_j·D_jX̃: for the set A of neurons with v_j ≠ 0,
    # rank J(θ, X) ≥ rank M_S, M_S = [D_jX̃ (j ∈ A), 1] (a subset of J's columns, scaled by
    # nonzero v_j), which depends on the patterns S and on A only, not on t. Row i of M_S changes
    # only when sample i's pattern does. When rank J = n (every row independent, the upper bound
    # n·m), a k × n matrix Q with K·Q = I mod p, K = M_S·R, proves it (rank_p K = n ≤
    # rank_Q M_S ≤ rank J); a changed row i
    # (K' = K + e_i·δᵀ) keeps a proof iff 1 + w_i ≢ 0, w = Qᵀδ, with
    # Q' = Q − (Q e_i)·wᵀ/(1 + w_i) (Sherman–Morrison): O(k·n) per changed sample instead of a
    # rank per piece.

    def carried(self, t: Fraction, patterns: list, changed: list, target: int) -> bool:
        """True when the certificate of rank J = n is carried over to the piece at t."""
        p = self.p
        if self.state is None or target != len(patterns) or t.denominator % p == 0:
            return False
        K, Q, Y, alive = self.state
        if not np.array_equal(alive, self._alive(t)):       # another set A: start again
            self.state = None
            return False
        for i in changed:
            row = self._certificate_rows(Y[i:i + 1], [patterns[i]], alive)[0]
            w = (row - K[i]) @ Q % p
            pivot = int(1 + w[i]) % p
            if pivot == 0:
                self.state = None
                return False
            Q = (Q - np.outer(Q[:, i], w) % p * pow(pivot, -1, p)) % p
            K[i] = row
        self.state = (K, Q, Y, alive)
        return True

    def _alive(self, t: Fraction) -> np.ndarray:
        """0/1 per neuron: v_j(t) ≢ 0 mod p (so v_j(t) ≠ 0), for m = 1."""
        p, (V, dV) = self.p, self.V
        tp = t.numerator % p * pow(t.denominator, -1, p) % p
        return ((V + tp * dV) % p != 0).astype(np.int64)

    def start_carrying(self, t: Fraction, patterns: list) -> None:
        """Build the certificate of rank J = n at the patterns of the piece at t (m = 1), if
        it can."""
        p, d, N, n = self.p, self.d, self.N, len(patterns)
        self.state = None
        if self.m != 1 or self.V[0] is None or self.V[1] is None or t.denominator % p == 0:
            return
        alive = self._alive(t)
        c = min(d + 1, -(-n // max(N, 1)) + 1)
        rho = np.random.default_rng([p, c, 1]).integers(0, p, size=(d + 1, N * c),
                                                         dtype=np.int64)
        Y = np.hstack([(self.X @ rho % p), self.X[:, d:]])     # x̃_i·ρ_jc and x̃_i's last entry
        K = self._certificate_rows(Y, patterns, alive)
        G = _matmul_mod(K, K.T, p).astype(float)              # K·Kᵀ, inverted by Gauss–Jordan
        R, pivots, _ = rref_mod_p(np.hstack([G, np.eye(n)]), p)
        if sorted(pivots) != list(range(n)):
            return
        inverse = R[np.argsort(pivots), n:].astype(np.int64) % p
        self.state = (K, _matmul_mod(K.T, inverse, p), Y, alive)

    def _certificate_rows(self, Y: np.ndarray, patterns: list, alive: np.ndarray) -> np.ndarray:
        """Rows of K = M_S·R: (s_ij·(x̃_i·ρ_jc))_{j ∈ A, c} and x̃_i's last entry (column 1)."""
        n, N = len(patterns), self.N
        S = np.array([s[0] for s in patterns], dtype=np.int64).reshape(n, N) * alive
        c = (Y.shape[1] - 1) // N
        mixed = S[:, :, None] * Y[:, :-1].reshape(n, N, c)
        return np.hstack([mixed.reshape(n, N * c), Y[:, -1:]])

    def _project(self, J: np.ndarray) -> np.ndarray:
        """J·R mod p for a fixed pseudo-random P × k matrix R of residues, k = rows of J
        (J itself when it has no more columns than rows)."""
        k, p = J.shape[0], self.p
        if J.shape[1] <= k:
            return J
        if self.random.shape[1] < k:
            rng = np.random.default_rng(p)
            self.random = rng.integers(0, p, size=(J.shape[1], max(k, 64)), dtype=np.int64)
        return _matmul_mod(J, self.random[:, :k], p)

    def upper_bound(self, regions: dict) -> int:
        rows = sum(min(self.d + 1, len(members)) if any(s[0]) else 1
                   for s, members in regions.items())
        return min(self.m * rows, self.bound)


def _matmul_mod(A: np.ndarray, B: np.ndarray, p: int) -> np.ndarray:
    """A·B mod p for int64 residues in [0, p), p < 2^21: a sum of 2^20 products stays below
    2^62, so int64 arithmetic is exact (no float rounding, no BLAS threads)."""
    out = np.zeros((A.shape[0], B.shape[1]), dtype=np.int64)
    for s in range(0, A.shape[1], 1 << 20):
        out = (out + A[:, s:s + (1 << 20)] @ B[s:s + (1 << 20)]) % p
    return out


def _exact_bases(regions: dict, sample: tuple, backend: str, known: dict) -> list[int]:
    """A basis of the x̃_i of every region (exact): same rank of J as the whole sample, at any
    depth: with the full pattern s of a region fixed, f_θ(x) = A_s(θ)·x + a_s(θ), so row (i, k)
    of J is x̃_iᵀ·∂(A_s, a_s)_k/∂θ, linear in x̃_i (for one hidden layer see
    relugeom.rank.shallow). ``known``: the bases of regions unchanged since the last call."""
    one, d = Fraction(1), len(sample[0])
    for s, members in regions.items():
        if s not in known:
            idx = list(members)
            rows = [tuple(sample[i]) + (one,) for i in idx]
            known[s] = [idx[k] for k in independent_rows(rows, d + 1, backend)]
    return sorted(i for s in regions for i in known[s])


def _pieces(network: Network, direction: Any, deep: DeepNetwork, delta: DeepNetwork,
            sample: tuple, ends: list, first: list, merged: list, ranks: _PieceRanks | None,
            convention: ReluPrime, backend: str) -> tuple[Piece, ...]:
    """The pieces between consecutive ends, the patterns updated breakpoint by breakpoint."""
    patterns = list(first)
    regions: dict = {}
    for i, s in enumerate(patterns):
        regions.setdefault(s, {})[i] = None
    pieces, bases = [], {}      # bases: pattern -> exact row basis, while unchanged
    for index, (start, end) in enumerate(zip(ends, ends[1:])):
        changed: list = []
        if index:
            for i, after in merged[index - 1][1].items():
                if after != patterns[i]:
                    old = regions[patterns[i]]
                    del old[i]
                    if not old:
                        del regions[patterns[i]]
                    regions.setdefault(after, {})[i] = None
                    bases.pop(patterns[i], None)
                    bases.pop(after, None)
                    patterns[i] = after
                    changed.append(i)
        point = rational_between(start, end)
        dimension = None
        if ranks is not None:
            upper = ranks.upper_bound(regions)
            if ranks.carried(point, patterns, changed, upper):
                dimension = upper
            else:
                chosen = sorted(i for members in regions.values()
                                for i in itertools.islice(members, ranks.d + 1))
                if ranks.lower_bound(point, chosen, patterns, upper) == upper:
                    dimension = upper
                    if upper == len(patterns):
                        ranks.start_carrying(point, patterns)
        if dimension is None:
            here = point_on_segment(network, direction, point)
            rows = tuple(sample[i] for i in _exact_bases(regions, sample, backend, bases))
            dimension = local_dimension(here, rows, relu_prime_at_zero=convention,
                                        backend=backend)
        pieces.append(Piece(start, end, point, dimension, len(regions), tuple(sorted(changed))))
    return tuple(pieces)


#: Default of ``max_pieces``: each piece costs a rank; a walk with more is refused at once.
MAX_PIECES = 100_000


def walk(network: Network, X: Any, direction: Any, t_from: Any = 0, t_to: Any = 1, *,
         relu_prime_at_zero: ReluPrime = "error", backend: str = "auto",
         max_pieces: int | None = MAX_PIECES) -> Walk:
    """Exact breakpoints of the activations on X along θ_0 + t·δ, and the local dimension on
    every piece between them.

    ``network`` and ``direction`` are shallow or deep networks of the same architecture
    (the direction's weights are δ). A walk of more than ``max_pieces`` pieces (None: no
    limit) is refused as soon as its breakpoints are known, before any rank.

    Cost with one hidden layer: two integer matrix products (n × (d+1) by (d+1) × N), the K
    crossings sorted (O(K log K)), and on each piece a rank modulo a prime of a sketch of J at
    ≤ d + 1 samples per perceived region, certified by an upper bound (O(k·n) per changed
    sample while the certificate of full row rank carries over; exact elimination on a piece
    where no certificate is found). Deeper: per sample and per piece of that sample, one pass of
    polynomial arithmetic (degree ≤ L − 1) and a root isolation for each hidden neuron; then one
    exact rank per piece, on a row basis of every region.

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
    if max_pieces is not None:
        max_pieces = check_count(max_pieces, "max_pieces", 1)
    ranks = None
    if deep.depth == 2:
        first, merged, data = _one_layer_sweep(deep, delta, sample, t0, t1, convention)
        ranks = _PieceRanks(deep, delta, data)
    else:
        first, merged = _deep_sweep(deep, delta, sample, t0, t1, convention)
    breakpoints = tuple(bp for bp, _ in merged)
    if max_pieces is not None and len(breakpoints) + 1 > max_pieces:
        raise InputError(f"the walk has {len(breakpoints) + 1:,} pieces between t_from = "
                         f"{_shown(t0)} and t_to = {_shown(t1)}, more than max_pieces = "
                         f"{max_pieces:,} (--max-pieces on the command line), and each piece "
                         "costs an exact rank. Walk a shorter segment (--from, --to), fewer "
                         "samples, or raise max_pieces.")
    ends = [RealAlgebraic.rational(t0)] + [b.t for b in breakpoints] + [RealAlgebraic.rational(t1)]
    pieces = _pieces(network, direction, deep, delta, sample, ends, first, merged, ranks,
                     convention, backend)
    return Walk(t0, t1, network.n_parameters, symmetry_bound(network), convention,
                breakpoints, pieces)
