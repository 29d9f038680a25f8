"""The float Gram bound on a Jacobian: a certified lower bound of rank J from float64.

With the exact activation patterns known, every entry of the (compressed) Jacobian of a shallow
network is an exact polynomial of degree ≤ 2 in the inputs: s_ij·V_kj·x̃_il (W- and b-columns),
[k' = k]·relu(z_ij) (V-columns), [k' = k] (c-columns). Computed in float64 from the inputs
read within relative error α each (α = 0 for a value that is a float64 already, else
α = 4u: :func:`relugeom.rank.float_filter.sample_array`'s reading, u = 2^-53):

- a product x̂·v̂ is within (α_x + α_v + u)(1 + 20u)·|fl(x̂v̂)| of x·v; the bound used is twice
  (α_x + α_v + u)·|fl(x̂v̂)| (the 2 covers the second-order terms and its own rounding);
- z_ij = w̃_j·x̃_i is within 2(γ_{d+1} + 3(α_x + α_w))·(|X̃̂||W̃̂|ᵀ)_ij + (d + 2)·2^-1000 of
  fl(X̃̂ W̃̂ᵀ)_ij (γ_{d+1} for the inner product in any order — fl(X̂Ŵᵀ + b̂), computed once
  with the exact patterns —, 3α for the inputs' relative errors, 2 for the bound's own
  rounding, an absolute term for underflow);
- zeros of the pattern and the c-columns are exact.

Inputs must be 0 or of magnitude in [2^-450, 2^450] (so that no product underflows or
overflows); otherwise nothing is claimed. Then :func:`relugeom.linalg.gram.rank_at_least`
proves rank J ≥ r for r = the smallest proven upper bound — so the rank is r, certified:
certificate ``"upper-bound (<bound>) with float Gram lower bound"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Callable, Sequence

import numpy as np

from ..exact.arrays import RationalArray
from ..linalg.certified import Bound, Rank
from ..linalg.gram import (_SELECT, LOOSE, GramCertificate, U, gamma, in_gram_range,
                           independent_looking, looking_pivots, rank_at_least, scaled_gram,
                           scaled_positive_definite)
from ..linalg.quiet import quiet
from .float_filter import _ALPHA

#: The float path builds J on the kept columns in memory only up to this many entries.
FLOAT_ENTRIES = 1_000_000
#: The structured row Gram (:func:`shallow_row_gram`) up to this many rows (n·m).
GRAM_ROWS = 2_000


def relative_error(A: RationalArray, F: np.ndarray) -> float | None:
    """The relative error α of F = A.to_float(): 0 when every entry is a float64 already
    (integer numerator below 2^53, no denominator), else 4u; None when an entry is outside
    [2^-450, 2^450] in magnitude (and nonzero) or not finite."""
    with quiet():
        # a 0.0 only for an exact 0: a nonzero rational read as 0.0 (1/10^400) has no
        # relative error bound
        zero = F == 0
        if not in_gram_range(F) or (zero.any() and (zero & A.nonzero()).any()):
            return None
    num, den = A.numerators, A.denominators
    if num.dtype == object or (isinstance(den, np.ndarray) and den.dtype == object):
        return _ALPHA
    # in range, the exponents (a power-of-two scaling) keep a float64 exact
    exact = bool(np.all(den == 1)) and bool((np.abs(num) < 2 ** 53).all())
    return 0.0 if exact else _ALPHA


def _relative_errors(case) -> tuple:
    """(α_x, α_w) of a prepared shallow case (:func:`relative_error` of X and of θ; for floats
    that are the exact values, 0 when in range), computed once per case."""
    if case.float_errors is None:
        weights = case._weights
        case.float_errors = tuple(
            _in_range(F) if exact else relative_error(A, F)
            for A, F, exact in ((case.X, case.X_float, case.exact_floats),
                                (weights.theta, weights.theta_float, weights.exact_floats)))
    return case.float_errors


def _in_range(F: np.ndarray) -> float | None:
    """:func:`relative_error` of floats that are the exact values: 0, or None when an entry is
    not finite or is nonzero outside [2^-450, 2^450] in magnitude."""
    return 0.0 if in_gram_range(F) else None


def shallow_float_jacobian(case, samples: np.ndarray | None = None, columns: int | None = None
                           ) -> tuple[np.ndarray, np.ndarray] | None:
    """(Ĵ, E): the Jacobian of a prepared shallow case (:class:`relugeom.rank.shallow.
    ShallowModular`) on its kept columns, in float64, with |Ĵ − J| ≤ E entrywise (module
    docstring); None when an input is out of range or J is larger than FLOAT_ENTRIES.

    Rows: (i, k) for the ``samples`` i (all by default), k = 1..m. Columns: c, V, then W in
    the order (input l, neuron j) — the first ``columns`` of them when given (any rows and
    columns of J give a lower bound of its rank; this order reaches every neuron early).
    """
    cols = case.kept_columns()
    X = case.X_float if samples is None else case.X_float[samples]
    n, m, d = X.shape[0], case.m, case.d
    wj, wl, vj, vk, ck = cols["wj"], cols["wl"], cols["vj"], cols["vk"], cols["ck"]
    order = np.lexsort((wj, wl))
    width = len(ck) + len(vj) + len(wj)
    if columns is not None and columns < width:
        order = order[:max(0, columns - len(ck) - len(vj))]
        width = len(ck) + len(vj) + len(order)
    wj, wl = wj[order], wl[order]
    if n * m * width > FLOAT_ENTRIES:
        return None
    ax, aw = _relative_errors(case)
    if ax is None or aw is None:
        return None
    av, V = aw, case._weights.floats[2]
    pick = (lambda A: A) if samples is None else (lambda A: A[samples])  # noqa: E731
    positive, S = pick(case.positive), pick(case.S)
    Xt = pick(case.xt_float)
    J = np.zeros((n, m, width))
    E = np.zeros((n, m, width))
    kc, kv = len(ck), len(vj)
    J[:, :, :kc] = np.eye(m)[None, :, ck]
    if kv:  # V-columns h_ij = relu(z_ij), from Ẑ = fl(XWᵀ + b) and fl(|X||W|ᵀ + |b|)
        Z, magnitude = (pick(M) for M in case.z_products)
        with quiet():
            EZ = 2 * (gamma(d + 1) + 3 * (ax + aw)) * magnitude + (d + 2) * 2.0 ** -1000
        outputs = np.arange(m)[:, None] == vk[None, :]  # m × kv: column (k', j) on output k'
        J[:, :, kc:kc + kv] = np.where(positive[:, vj], Z[:, vj], 0.0)[:, None, :] * outputs
        E[:, :, kc:kc + kv] = np.where(positive[:, vj], EZ[:, vj], 0.0)[:, None, :] * outputs
    J[:, :, kc + kv:] = (S[:, wj] * Xt[:, wl])[:, None, :] * V[:, wj][None, :, :]
    E[:, :, kc + kv:] = (2 * (ax + av + U)) * np.abs(J[:, :, kc + kv:])
    return J.reshape(n * m, width), E.reshape(n * m, width)


def distinct_samples(X: np.ndarray) -> np.ndarray:
    """The index of the first occurrence of each distinct row of a float array, sorted."""
    F = np.ascontiguousarray(X + 0.0)  # −0.0 + 0.0 = 0.0: equal bytes
    _, first = np.unique(F.view(np.dtype((np.void, 8 * F.shape[1]))).ravel(), return_index=True)
    return np.sort(first)


@dataclass(frozen=True)
class RowGramBound:
    """The bound B ≥ |Ĝ − J·Jᵀ| of :func:`shallow_row_gram`, kept factored (B is never formed
    to certify): B = g·(K_a ∘ M_a + [k = k']·(1 + |Ĥ||Ĥ|ᵀ)) + [k = k']·(|Ĥ|Eᵀ + E|Ĥ|ᵀ + EEᵀ),
    K_a = |X̃||X̃|ᵀ, M_a = |A||A|ᵀ (docs/theory.md, "Structured row Gram")."""

    abs_xt: np.ndarray  # |X̃|, n × (d + 1)
    abs_a: np.ndarray  # |A|, n·m × N
    abs_h: np.ndarray  # |Ĥ|, n × N
    e: np.ndarray  # E, n × N
    g: float
    m: int

    def times(self, v: np.ndarray) -> np.ndarray:
        """B·v for a vector v ≥ 0 over the rows (i, k), from the factors: O(n·N·(d + m))."""
        n, m = self.abs_xt.shape[0], self.m
        A = self.abs_a.reshape(n, m, -1)
        V = v.reshape(n, m)
        # (K_a ∘ M_a)·v = Σ_{l,q} |x̃_il||A_(i,k),q| Σ_{i',k'} |x̃_i'l||A_(i',k'),q| v_(i',k')
        if m == 1:  # the same sums, without einsum's set-up (small cases: most of the time)
            T = self.abs_xt.T @ (v[:, None] * self.abs_a)
            km = ((self.abs_xt @ T) * self.abs_a).sum(1)[:, None]
        else:
            T = self.abs_xt.T @ np.einsum("ik,ikq->iq", V, A)
            km = np.einsum("iq,ikq->ik", self.abs_xt @ T, A)
        blocks = self.g * V.sum(0)[None, :] + (self.g * self.abs_h + self.e) @ (
            self.abs_h.T @ V) + (self.abs_h + self.e) @ (self.e.T @ V)
        return (self.g * km + blocks).reshape(n * m)

    def matrix(self) -> np.ndarray:
        """B itself, n·m × n·m (for checking it)."""
        n, m = self.abs_xt.shape[0], self.m
        B = (self.g * (self.abs_xt @ self.abs_xt.T))[:, None, :, None] * \
            (self.abs_a @ self.abs_a.T).reshape(n, m, n, m)
        HE = self.abs_h @ self.e.T
        block = self.g * (1.0 + self.abs_h @ self.abs_h.T) + HE + HE.T + self.e @ self.e.T
        for k in range(m):
            B[:, k, :, k] += block
        return B.reshape(n * m, n * m)


def shallow_row_gram(case, samples: np.ndarray | None = None
                     ) -> tuple[np.ndarray, RowGramBound] | None:
    """(Ĝ, B): the Gram matrix J·Jᵀ of the rows (i, k) of the whole Jacobian of a prepared
    shallow case (all P columns), computed from its structure without forming J, and a bound
    B with |Ĝ − J·Jᵀ| ≤ B entrywise (:class:`RowGramBound`; docs/theory.md, "Structured row
    Gram"); Ĝ symmetric. None when an input is not a float64 exactly (α ≠ 0), out of
    [2^-450, 2^450], a value overflows, or there are more than GRAM_ROWS rows.

    With K = X̃X̃ᵀ, H = (relu z_ij), A the n·m × N matrix of s_ij·V_kj (row (i, k)):

        (J·Jᵀ)[(i, k), (i', k')] = [k = k']·(1 + (HHᵀ)_ii') + K_ii'·(AAᵀ)[(i, k), (i', k')]

    (the c-, V- and W̃-columns in turn), so the cost is (n·m)²·N + n²·d instead of
    (n·m)²·P; every J·Jᵀ diagonal entry is at least 1 (the c-column).
    """
    pick = (lambda M: M) if samples is None else (lambda M: M[samples])  # noqa: E731
    n, m, d = case.n if samples is None else len(samples), case.m, case.d
    if n * m > GRAM_ROWS or _relative_errors(case) != (0.0, 0.0):
        return None
    V = case._weights.floats[2]
    Z, magnitude = (pick(M) for M in case.z_products)
    positive = pick(case.positive)
    S = positive if case.S is case.positive else pick(case.S)  # (S = positive unless 0 ∈ Z)
    Xt = pick(case.xt_float)
    with quiet():
        H = np.where(positive, Z, 0.0)
        E = np.where(positive, 2 * gamma(d + 1) * magnitude + (d + 2) * 2.0 ** -1000, 0.0)
        A = (S[:, None, :] * V[None, :, :]).reshape(n * m, -1)  # exact: s ∈ {0, 1}
        G = (Xt @ Xt.T)[:, None, :, None] * (A @ A.T).reshape(n, m, n, m)
        ones = 1.0 + H @ H.T
        for k in range(m):  # the blocks k = k' (c- and V-columns)
            G[:, k, :, k] += ones
        G = G.reshape(n * m, n * m)
        if not (G == G.T).all():  # BLAS computed both triangles: keep one
            G = np.tril(G) + np.tril(G, -1).T
        if not np.isfinite(G).all():  # (an infinite B makes δ infinite: nothing proven)
            return None
    return G, RowGramBound(np.abs(Xt), np.abs(A), np.abs(H), E, gamma(d + case.N + 3), m)


def row_gram_rank_at_least(G: np.ndarray, B: RowGramBound, target: int, columns: int,
                           chosen: np.ndarray | None = None
                           ) -> tuple[GramCertificate, np.ndarray] | None:
    """A proof that rank J ≥ ``target`` from (Ĝ, B) of :func:`shallow_row_gram`: ``target``
    rows — the first of ``chosen``, else all when there are that many, else rows that look
    independent — each scaled by a power of two (exact) to a diagonal entry near 1, then
    :func:`relugeom.linalg.gram.scaled_positive_definite` with δ = twice the largest row sum of
    the scaled B restricted to them (the 2 for its own rounding; plus 2^-900 per entry for
    underflow). Returns (certificate, rows used) or None; G is left as it is."""
    if chosen is None:
        chosen = np.arange(target) if target == G.shape[0] else independent_looking(G, target)
    if chosen is None or len(chosen) < target or target > G.shape[0]:
        return None
    chosen = chosen[:target]
    every = target == G.shape[0]

    def delta(scale: np.ndarray) -> float:  # twice the largest row sum of D·B·D
        if every:
            return 2 * float((scale * B.times(scale)).max())
        # D restricted to the chosen rows, 0 elsewhere: row sums on the chosen rows
        spread = np.zeros(B.abs_a.shape[0])
        spread[chosen] = scale
        return 2 * float((scale * B.times(spread).take(chosen)).max())

    certificate = scaled_positive_definite(
        G if every else G.take(chosen, 0).take(chosen, 1), delta, columns)
    return None if certificate is None else (certificate, chosen)


def shallow_float_rank(case, bounds: list[Bound],
                       more: Sequence[Callable[[], list[Bound]]] = (), **fields) -> Rank | None:
    """:func:`float_gram_rank` of a prepared shallow case for the smallest of ``bounds``, on
    one sample of each distinct value when the bound "distinct samples" is there (equal
    samples give equal rows), on one idle sample and the others for "idle samples". When
    that many rows are at most 17/16 of the kept columns, on the structured row Gram
    (:func:`shallow_row_gram`) when the inputs are floats; otherwise on the Gram matrix of the
    smaller side of the float Jacobian (:func:`relugeom.linalg.gram.scaled_gram`) — for a
    bound equal to the number of rows, a proof on 2·rows + 16 columns first (when J is more
    than 4 times wider).

    ``more``: functions giving costlier bounds, called in turn only when that fails and fewer
    rows than the smallest bound look independent in floats (a hint: a rank below the bound);
    each smaller bound that many rows might reach (:data:`~relugeom.linalg.gram.LOOSE`) is
    then tried on the same Gram matrix (:func:`_lowered`). None when nothing is proven."""
    best = min(bounds, key=lambda bound: bound.value)
    samples, rows = None, case.n * case.m
    if best.name == "idle samples":  # one idle sample: the others repeat its rows
        samples = ~case.idle
        samples[np.argmax(case.idle)] = True
        samples = np.flatnonzero(samples)
        rows = len(samples) * case.m
    elif any(bound.name == "distinct samples" for bound in bounds):
        samples = case.distinct_samples()
        rows = len(samples) * case.m
    width = case._kept_count()
    # rows just above the width (by 1/16 at most) still on the row Gram: its rows chosen
    # (rows³/3) cost about what the Jacobian's Gram costs to form (width²·rows/2), and a
    # deficient J shows in them with no failed proof; more rows than that, the proof on the
    # columns (all of them when the bound is the width) is better conditioned
    gram = shallow_row_gram(case, samples) if best.value <= rows <= width + width // 16 \
        else None
    if gram is not None:
        G, B = gram
        P = case.network.n_parameters
        pivots = cache(lambda: looking_pivots(G))
        # rows chosen among more rows than the bound may be worse conditioned than all the
        # columns together: when enough rows might be independent, the columns come next
        found = pivots() if rows > width else None
        columns_next = bool(found) and np.count_nonzero(found[1] > LOOSE) >= best.value
        proof, best, bounds = _lowered(
            lambda target, chosen: row_gram_rank_at_least(G, B, target, P, chosen),
            pivots, rows, best, bounds, () if columns_next else more)
        if proof:
            return certified_rank(best, bounds, proof[0], "rows", (rows, width),
                                  "Gram matrix of J's rows computed from its structure",
                                  **fields)
        if not columns_next:
            return None
    if best.value == rows and 4 * rows < width:  # all rows independent: few columns may do
        floats = shallow_float_jacobian(case, samples, 2 * rows + 16)
        proven = floats and float_gram_rank(*floats, bounds, matrix_shape=floats[0].shape,
                                            **fields)
        if proven:
            return proven
    floats = shallow_float_jacobian(case, samples)
    jacobian = floats and scaled_gram(*(floats if rows <= floats[0].shape[1]
                                        else (floats[0].T, floats[1].T)))
    if not jacobian:  # nothing to try on; the caller keeps the bounds (sample spans)
        for bounded in more:
            bounded()
        return None
    side = jacobian.G.shape[0]
    proof, best, bounds = _lowered(
        lambda target, chosen: jacobian.certify(None if chosen is None else chosen[:target]),
        lambda: looking_pivots(jacobian.G), side, best, bounds, more)
    return proof and certified_rank(best, bounds, proof, "rows" if side == rows else "columns",
                                    floats[0].shape, "float64 Jacobian as built", **fields)


def _lowered(prove: Callable, pivots: Callable, size: int, best: Bound, bounds: list[Bound],
             more: Sequence[Callable[[], list[Bound]]]) -> tuple:
    """(proof or None, the bound proven, the bounds known) from one Gram matrix of ``size``
    rows: ``prove(target, chosen)`` proves ``target`` rows independent — all of them when
    ``chosen`` is None —, ``pivots()`` is :func:`~relugeom.linalg.gram.looking_pivots` of
    the Gram matrix (computed at most once: it costs a Cholesky).

    The smallest bound first, on all rows when it is their number, else on the rows that look
    independent (:data:`~relugeom.linalg.gram._SELECT`) — none tried when too few do. When
    that fails, the bounds of ``more`` in turn, only while fewer rows than the smallest bound
    look independent; a smaller bound is tried when that many rows might be independent
    (pivots down to :data:`~relugeom.linalg.gram.LOOSE`). The thresholds only choose rows:
    the proof is ``prove``'s alone."""
    if best.value == size:
        proof = prove(best.value, None)
    else:
        found = pivots()
        strict = found and found[0][found[1] > _SELECT]
        proof = prove(best.value, strict) if found and len(strict) >= best.value else None
    if proof or not more:
        return proof, best, bounds
    if best.value == size:
        found = pivots()
    if not found:
        return None, best, bounds
    # the rows that look independent, and those that might be: a bound between the two
    # counts is tried on the second choice of rows
    strict, loose = (found[0][found[1] > t] for t in (_SELECT, LOOSE))
    tried = best.value
    for bounded in more if len(strict) < best.value else ():
        bounds = bounds + bounded()
        lower = min(bounds, key=lambda bound: bound.value)
        if lower.value < tried and lower.value <= len(loose):
            tried = lower.value
            proof = prove(lower.value, strict if lower.value <= len(strict) else loose)
            if proof:
                return proof, lower, bounds
        if lower.value <= len(strict):
            break
    return None, best, bounds


def float_gram_rank(J: np.ndarray, E: np.ndarray, bounds: list[Bound], **fields) -> Rank | None:
    """The rank certified by the smallest of ``bounds`` (upper) and the float Gram bound
    (lower) of (Ĵ, E); None when the float Gram bound does not reach it (nothing claimed)."""
    best = min(bounds, key=lambda bound: bound.value)
    proof = rank_at_least(J, E, best.value)
    if proof is None:
        return None
    certificate, used, columns = proof
    return certified_rank(best, bounds, certificate, "columns" if columns else "rows", J.shape,
                          "float64 Jacobian as built", **fields)


def certified_rank(best: Bound, bounds: list[Bound], certificate: GramCertificate, side: str,
                   shape: tuple, what: str, **fields) -> Rank:
    """The rank ``best.value`` proven both ways: at most by the upper bound ``best``, at least
    by a float Gram ``certificate`` that ``best.value`` ``side`` ("rows" or "columns") of the
    matrix ``what`` (of ``shape``) are independent."""
    value = best.value
    return Rank(value, "modular", True, f"upper-bound ({best.name}) with float Gram lower bound",
                f"rank ≥ {value}: {value} {side} of the {what} ({shape[0]} × {shape[1]}) "
                f"proven independent ({certificate.describe()}); rank ≤ {value}: {best.name} "
                "bound", value, value, tuple(bounds), epsilon=0.0, **fields)
