"""Local blocks: kernel vectors of a shallow Jacobian whose image lives on a few samples.

Notation of :mod:`relugeom.rank.structured_kernel`: x̃_i, w̃_j, z_ij = x̃_i·w̃_j, h_ij, s_ij, v_j,
D = d + 1, S_j the samples neuron j is active on (s_ij = 1), and a direction θ' = (u_j, α_j, β)
with (J θ')_i = Σ_j s_ij (x̃_i·u_j) v_j + h_ij α_j + β.

*Directions local to T.* For a set T of samples, each of these directions has J θ' = 0 at every
sample outside T:

- *forms* of a neuron j (v_j ≠ 0): u_j ∈ U_j(T) = ker X̃[S_j ∖ T] (its forms x̃_i·u_j vanish on
  j's samples outside T); modulo ker X̃[S_j] (whose image is 0) they are given by their forms
  y = X̃[S_j ∩ T]·u_j, the vectors y with (y, 0) in the column space of X̃[S_j];
- *outputs* α_t = e_k of a neuron t positive only inside T;
- *exchanges* (j, t), j ≠ t, v_j ≠ 0: u_j = −w̃_t, α_t = v_j, with image (h_it − s_ij z_it) v_j
  at sample i — zero where j is active exactly when t is positive (and where z_it = 0) — when
  j and t disagree only inside T; t may be the constant unit (w̃ = e_D, z = h = 1, output
  weights β): u_j = −e_D, β = v_j, image (1 − s_ij) v_j, nonzero where j is inactive.

*Lemma.* Let Φ be a matrix of such directions (columns) and J_T the rows (i, k) of J with
i ∈ T. Every c with J_T Φ c = 0 gives Φc ∈ ker J: every column of JΦ vanishes outside the rows
of T. ∎

A pixel nonzero on a few samples T makes unit vectors e_l forms of every neuron; two pixels
equal on all but a few samples make their difference one; a neuron off on one sample, with a
bias moved against c, makes an exchange. The block has |T|·m rows and few columns; its kernel is
found where the other families need the whole Jacobian.

*Choice of T* (a choice only): the samples where a line of X̃ is nonzero, where two lines are
not proportional (each nonzero on few samples more than the other), and where an exchange is
nonzero, when at most :data:`RARE`; each grown by the rare lines' samples it meets, up to
:data:`WIDEST` samples; the :data:`SETS` smallest.

*Mod p, then over Q.* The block is first built mod p (the forms of j from one echelon form of
X̃[S_j]: a row basis B, x̃_i = C_i·X̃[B], and y determined by y_B: the y with y_b = 0 for
b ∈ B ∖ T and C_i·y_B = 0 for i ∈ S_j ∖ (T ∪ B)), and its kernel vectors reduced against the
vectors found so far: only a block adding some is built over Q — the forms from an exact
integer basis of ker X̃[S_j ∖ T] (python-flint), every column in integers (rows times λ_i, the
scale of x̃_i; columns times positive rationals), its exact integer kernel c, and the vectors
Φ'c reduced mod p (Φ' the directions of the scaled columns). Those are reductions of rational
vectors of ker J by the lemma; nothing mod p is claimed.

Cost: one echelon form mod p of X̃[S_j] per neuron (once), per T a small kernel mod p per
neuron meeting it and one echelon form mod p of the |T|·m-row block; over Q only for blocks
that add vectors: one integer kernel per neuron of the block and one of the block.

>>> from relugeom import ShallowNetwork, local_dimension
>>> from relugeom.linalg.modular import rank_mod_p
>>> from relugeom.rank.structured_kernel import kernel_vectors
>>> from relugeom.rank.shallow import ShallowModular
>>> net = ShallowNetwork(W=[[1, 0], [1, 1]], b=[1, -0.5], V=[[1, 1]], c=[0])
>>> X = [[1, 0], [2, 0], [0, 1], [3, 5]]    # x₂ ≠ 0 on two samples only
>>> K = kernel_vectors(ShallowModular(net, X), 1000003)["local blocks"]
>>> rank_mod_p(K, 1000003), net.n_parameters - local_dimension(net, X)  # of dim ker J
(5, 6)
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from typing import Any, Iterator

import numpy as np

from ..exact.arrays import reduce_mod
from ..linalg import integer
from ..linalg.kernel import echelon_kernel, kernel_mod_p
from ..linalg.modular import matmul_mod, rref_mod_p

#: A line, pair of lines or exchange nonzero on at most this many samples gives a set T …
RARE = 12
#: … grown by the rare lines' samples that meet it, up to this many samples; at most this
#: many sets are tried, the smallest first.
WIDEST = 16
SETS = 64


def local_blocks(case: Any, p: int, theta: Any, residues: dict, Wt: np.ndarray,
                 found: Any = None) -> Iterator[np.ndarray]:
    """Blocks of vectors mod p (rows, in θ order; module docstring), each the reduction of
    rational vectors of ker J. ``residues``: the case's residues mod p; ``Wt``: W̃ mod p;
    ``found``: the echelon form the caller adds the blocks to (an
    :class:`~relugeom.linalg.modular.EchelonModP`), when there is one — a block is built over
    Q only when its vectors mod p add to it."""
    forms = _Forms(case, p, residues["Xt"])
    Z = matmul_mod(residues["Xt"], Wt.T, p)
    differ = _disagreements(case)
    counts = differ.sum(0)  # samples of each exchange (exact)
    scales = None  # σ, μ: read once, when a first block is built over Q
    for T in _sample_sets(case, differ, counts):
        block = _Block(case, p, residues, Z, Wt, forms, (differ, counts), T)
        if not block.columns:
            continue
        vectors, used = block.vectors_mod_p(theta, found)
        if not len(vectors):
            continue
        scales = scales or _scales(case, p, residues["V"], Wt)
        exact = block.exact_vectors(theta, used, scales)
        if len(exact):
            yield exact


def _sample_sets(case: Any, differ: np.ndarray, counts: np.ndarray) -> list[np.ndarray]:
    """The sets T (module docstring, "Choice of T"), smallest first; ``differ``: the
    :func:`_disagreements`, ``counts`` their sums over the samples."""
    meets = case.Xt_nonzero[:, :-1]
    lines = meets.sum(0)
    rare = [np.flatnonzero(meets[:, l]) for l in np.flatnonzero((lines > 0) & (lines <= RARE))]
    exchanges = zip(*np.nonzero((counts > 0) & (counts <= RARE)))
    seeds = rare + _unequal_pairs(case, meets, lines) + \
        [np.flatnonzero(differ[:, j, t]) for j, t in exchanges]
    grown: dict = {}
    for seed in seeds:
        T = set(seed.tolist())
        for other in rare:
            if T.intersection(other.tolist()) and len(T.union(other.tolist())) <= WIDEST:
                T.update(other.tolist())
        grown.setdefault(tuple(sorted(T)), None)
    chosen = sorted(grown, key=lambda T: (len(T), T))[:SETS]
    return [np.array(T, dtype=np.int64) for T in chosen]


def _unequal_pairs(case: Any, meets: np.ndarray, counts: np.ndarray) -> list[np.ndarray]:
    """For lines l < l′ nonzero on at least two common samples, the samples where x̃_l is not
    the most frequent multiple of x̃_l′ (the ratios compared in floats first, a filter: only the
    pairs whose most frequent float ratio can leave at most :data:`RARE` samples are read
    exactly), when at most :data:`RARE`."""
    A = meets.astype(float)
    shared = A.T @ A  # exact counts
    union = counts[:, None] + counts[None, :] - shared
    X, Xf = case.xt_integers, case.xt_float[:, :-1]
    out = []
    for l in range(meets.shape[1] - 1):
        others = np.arange(l + 1, meets.shape[1])
        others = others[(shared[l, others] >= 2) & (union[l, others] - shared[l, others] <= RARE)]
        if not len(others):
            continue
        both = meets[:, [l]] & meets[:, others]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios = np.where(both, Xf[:, [l]] / Xf[:, others], np.nan)
        largest = _largest_classes(ratios)
        for k in others[largest >= union[l, others] - RARE].tolist():
            rows = np.flatnonzero(meets[:, l] & meets[:, k])
            ratios = [Fraction(int(X[i, l]), int(X[i, k])) for i in rows.tolist()]
            value = Counter(ratios).most_common(1)[0][0]
            equal = rows[[q == value for q in ratios]]
            support = np.setdiff1d(np.flatnonzero(meets[:, l] | meets[:, k]), equal)
            if 0 < len(support) <= RARE:
                out.append(support)
    return out


def _largest_classes(Q: np.ndarray) -> np.ndarray:
    """The size of the largest class of equal entries in each column of Q (NaN: none)."""
    n, c = Q.shape
    flat = np.sort(Q, axis=0).T.ravel()
    starts = np.ones(n * c, dtype=bool)
    starts[1:] = flat[1:] != flat[:-1]  # (NaN differs from everything: runs of one)
    starts[::n] = True
    first = np.flatnonzero(starts)
    best = np.zeros(c, dtype=np.int64)
    np.maximum.at(best, first // n, np.diff(np.append(first, n * c)))
    return best


def _disagreements(case: Any) -> np.ndarray:
    """n × N × (N + 1) booleans: exchange (j, t) nonzero at sample i (t positive, j inactive;
    or t negative, j active; t = N the constant unit), for v_j ≠ 0 and j ≠ t."""
    S, n, N = case.S, case.n, case.N
    positive = np.hstack([case.positive, np.ones((n, 1), dtype=bool)])
    negative = np.hstack([case.negative, np.zeros((n, 1), dtype=bool)])
    out = (positive[:, None, :] & ~S[:, :, None]) | (negative[:, None, :] & S[:, :, None])
    out[:, np.arange(N), np.arange(N)] = False
    out &= case.v_nonzero[None, :, None]
    return out


class _Forms:
    """Each neuron's forms mod p (module docstring): from one echelon form of X̃[S_j], the kept
    rows B, the pivot columns P, X̃[B, P]⁻¹ and C (x̃_i = C_i·X̃[B] for i ∈ S_j), by need."""

    def __init__(self, case: Any, p: int, Xt: np.ndarray):
        self.case, self.p, self.Xt = case, p, Xt
        self._of: dict = {}

    def _basis(self, j: int) -> tuple:
        if j not in self._of:
            samples = np.flatnonzero(self.case.S[:, j])
            _, P, kept = rref_mod_p(self.Xt[samples], self.p)
            r = len(P)
            # [X̃[B, P] | I] → [I | X̃[B, P]⁻¹] (the kept rows are independent on the pivots)
            inverse = rref_mod_p(np.hstack([self.Xt[samples[kept]][:, P], np.eye(r)]),
                                 self.p)[0][:, r:]
            C = matmul_mod(self.Xt[samples][:, P], inverse, self.p)
            self._of[j] = samples, np.asarray(kept, dtype=np.int64), np.asarray(P), inverse, C
        return self._of[j]

    def local(self, j: int, inside: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """(Y, U) mod p for the samples ``inside`` (a mask over all samples): U (k × D) the
        u_j of U_j(T) modulo ker X̃[S_j] (a basis), Y (|S_j ∩ T| × k) their forms on T; None
        when there are none."""
        samples, kept, P, inverse, C = self._basis(j)
        inT = inside[samples]
        basis_in = np.flatnonzero(inT[kept])  # the columns of C of the kept rows inside T
        if not len(basis_in):
            return None
        other = np.ones(len(samples), dtype=bool)
        other[kept] = False
        rows = np.flatnonzero(other & ~inT)
        K = kernel_mod_p(C[np.ix_(rows, basis_in)], self.p) if len(rows) \
            else np.eye(len(basis_in))
        if not len(K):
            return None
        Y = matmul_mod(C[np.ix_(np.flatnonzero(inT), basis_in)], K.T, self.p)
        U = np.zeros((len(K), self.case.d + 1))
        U[:, P] = matmul_mod(K, inverse[:, basis_in].T, self.p)
        return Y, U


class _Block:
    """J on the rows of T and the directions local to T (module docstring), mod p and, by
    need, over Q. Columns: ("form", j, u) with u mod p, ("output", t, k), ("exchange", j, t).
    ``differ``: the :func:`_disagreements` and their counts over the samples."""

    def __init__(self, case: Any, p: int, residues: dict, Z: np.ndarray, Wt: np.ndarray,
                 forms: _Forms, differ: tuple, T: np.ndarray):
        self.case, self.p, self.T, self.Wt = case, p, T, Wt
        self.Xt, self.V, self.H, self.Z = residues["Xt"], residues["V"], residues["H"], Z
        m, n = case.m, case.n
        inside = np.zeros(n, dtype=bool)
        inside[T] = True
        self.inside = inside
        self.columns: list[tuple] = []
        blocks = []  # the columns mod p: |T|·m rows each
        live = case.S[T].any(0) & case.v_nonzero
        for j in np.flatnonzero(live).tolist():
            got = forms.local(j, inside)
            if got is None:
                continue
            Y, U = got
            rows = np.flatnonzero(case.S[T, j])
            for q in range(len(U)):
                col = np.zeros((len(T), m))
                col[rows] = np.remainder(np.outer(Y[:, q], self.V[:, j]), p)
                blocks.append(col.ravel())
                self.columns.append(("form", j, U[q]))
        positive = case.positive
        for t in np.flatnonzero(positive.any(0) & ~positive[~inside].any(0)).tolist():
            for k in range(m):
                col = np.zeros((len(T), m))
                col[:, k] = self.H[T, t]
                blocks.append(col.ravel())
                self.columns.append(("output", t, k))
        disagree, counts = differ  # (the exchanges and their samples' counts)
        inside_T = disagree[T].sum(0)
        for j, t in zip(*np.nonzero((inside_T > 0) & (inside_T == counts))):
            blocks.append(np.outer(self._exchange_mod_p(int(j), int(t)), self.V[:, j]).ravel()
                          % p)
            self.columns.append(("exchange", int(j), int(t)))
        self.mod_p = np.array(blocks).T if blocks else np.zeros((len(T) * m, 0))

    def _exchange_mod_p(self, j: int, t: int) -> np.ndarray:
        """(h_it − s_ij z_it) at the samples of T, mod p (t = N: 1 − s_ij)."""
        T, case = self.T, self.case
        if t == case.N:
            return (~case.S[T, j]).astype(float)
        return np.remainder(np.where(case.positive[T, t], self.Z[T, t], 0)
                            - case.S[T, j] * self.Z[T, t], self.p)

    def _directions_mod_p(self, theta: Any, columns: list[tuple], scales: tuple | None = None
                          ) -> np.ndarray:
        """The θ-directions of ``columns`` mod p (rows); with ``scales`` (:func:`_scales`),
        those of the integer columns of :meth:`exact_vectors` (Φ′: times σ_j, μ_t)."""
        case, p, m, D = self.case, self.p, self.case.m, self.case.d + 1
        out = np.zeros((len(columns), theta.P))
        sigma, mu = scales or (np.ones(case.N), np.ones(case.N + 1))
        for c, (kind, j, x) in enumerate(columns):
            if kind == "form":
                out[c, theta.w(j, np.arange(D))] = np.remainder(sigma[j] * x, p)
            elif kind == "output":
                out[c, theta.v(x, j)] = mu[j]
            elif x == case.N:  # the constant unit: u_j = −e_D, β = v_j
                out[c, theta.w(j, D - 1)] = (p - sigma[j]) % p
                out[c, theta.c(np.arange(m))] = np.remainder(sigma[j] * self.V[:, j], p)
            else:
                scale = mu[x] * sigma[j] % p
                out[c, theta.w(j, np.arange(D))] = np.remainder(-scale * self.Wt[x], p)
                out[c, theta.v(np.arange(m), x)] = np.remainder(scale * self.V[:, j], p)
        return out

    def vectors_mod_p(self, theta: Any, found: Any = None) -> tuple[np.ndarray, list]:
        """(Φc mod p, the columns they use) for the echelon kernel c of the block mod p (a
        choice: nothing claimed), those new to ``found`` when given."""
        R, pivots, _ = rref_mod_p(self.mod_p, self.p)
        if len(pivots) == self.mod_p.shape[1]:
            return np.zeros((0, theta.P)), []
        K = echelon_kernel(R, pivots, self.mod_p.shape[1], self.p)[0]
        vectors = matmul_mod(K, self._directions_mod_p(theta, self.columns), self.p)
        if found is not None:
            new = found.reduce(vectors).any(1)
            K, vectors = K[new], vectors[new]
        return vectors, [self.columns[c] for c in np.flatnonzero(K.any(0)).tolist()]

    def exact_vectors(self, theta: Any, columns: list, scales: tuple) -> np.ndarray:
        """Φ′c mod p for an integer basis c of the kernel over Q of the block on ``columns``
        (module docstring): reductions of rational vectors of ker J. ``scales``:
        :func:`_scales`."""
        columns, block = self._exact_block(columns)
        if not columns:
            return np.zeros((0, theta.P))
        c = _integer_kernel(block, self.p)
        if not len(c):
            return np.zeros((0, theta.P))
        c = reduce_mod(c, self.p).astype(float)
        return matmul_mod(c, self._directions_mod_p(theta, columns, scales), self.p)

    def _exact_block(self, given: list) -> tuple[list[tuple], np.ndarray]:
        """The block over Q in integers: rows (i, k) times λ_i; a form column of neuron j
        (an integer vector κ of ker X̃[S_j ∖ T]) s_ij (x̂_i·κ) v̂_kj, for κ's with independent
        forms on T; an output column [z_it > 0] (x̂_i·ŵ_t); an exchange column
        ([z_it > 0] − s_ij)(x̂_i·ŵ_t) v̂_kj (ŵ_N = e_D). Returned with the columns' directions
        (forms: κ mod p)."""
        case, p, T, m = self.case, self.p, self.T, self.case.m
        X, V, W = case.xt_integers, case.v_columns, case.wt_integers
        D = case.d + 1
        unit = np.zeros(D, dtype=object)
        unit[-1] = 1
        columns, blocks = [], []
        done: set = set()
        for kind, j, x in given:
            if kind == "form":
                if j in done:
                    continue
                done.add(j)
                K = self._exact_forms(j, [u for k, i, u in given if k == kind and i == j])
                if not K.shape[1]:
                    continue
                rows = np.flatnonzero(case.S[T, j])
                Y = integer.product(X[T[rows]], K)
                for q in rref_mod_p(reduce_mod(Y, p).astype(float), p)[1]:  # independent forms
                    col = np.zeros((len(T), m), dtype=object)
                    col[rows] = np.multiply.outer(Y[:, q], V[:, j])
                    blocks.append(col.ravel())
                    columns.append(("form", j, reduce_mod(K[:, q], p).astype(float)))
            elif kind == "output":
                h = [int(X[i].dot(W[j])) if case.positive[i, j] else 0 for i in T.tolist()]
                col = np.zeros((len(T), m), dtype=object)
                col[:, x] = h
                blocks.append(col.ravel())
                columns.append((kind, j, x))
            else:
                w = unit if x == case.N else W[x]
                on = np.ones(len(T), dtype=bool) if x == case.N else case.positive[T, x]
                g = [(int(a) - int(s)) * int(X[i].dot(w))
                     for a, s, i in zip(on, case.S[T, j], T.tolist())]
                blocks.append(np.multiply.outer(np.array(g, dtype=object), V[:, j]).ravel())
                columns.append((kind, j, x))
        block = np.array(blocks, dtype=object).T if blocks else np.zeros((len(T) * m, 0))
        return columns, block

    def _exact_forms(self, j: int, used: list) -> np.ndarray:
        """Integer vectors of U_j(T) (D × k): the unit vectors of the lines zero on j's
        samples outside T, when their forms on T span those of the directions ``used`` mod p
        (a choice: they are forms whatever the rank), else an integer basis of ker X̂[S_j ∖ T]
        (python-flint)."""
        case, p, D = self.case, self.p, self.case.d + 1
        outside, inside = case.S[:, j] & ~self.inside, case.S[:, j] & self.inside
        nonzero = case.Xt_nonzero
        lines = np.flatnonzero(~nonzero[outside].any(0) & nonzero[inside].any(0))
        if len(lines):
            units = self.Xt[inside][:, lines]
            both = np.hstack([units, matmul_mod(self.Xt[inside], np.array(used).T, p)])
            if len(rref_mod_p(both, p)[1]) == len(rref_mod_p(units, p)[1]):
                return np.eye(D, dtype=int)[:, lines].astype(object)
        rest = np.flatnonzero(outside)
        if not len(rest):
            return np.eye(D, dtype=int).astype(object)
        return np.array(integer.kernel(case.xt_integers[rest].tolist()),
                        dtype=object).reshape(D, -1)


def _scales(case: Any, p: int, V: np.ndarray, Wt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """σ_j = v̂_j / v_j and μ_t = ŵ_t / w̃_t mod p (μ_N = 1), from a nonzero entry of each
    (``V``, ``Wt``: V and W̃ mod p)."""
    sigma, mu = np.zeros(case.N), np.ones(case.N + 1)
    Vhat, What = reduce_mod(case.v_columns, p), reduce_mod(case.wt_integers, p)
    for j in range(case.N):
        k = np.flatnonzero(V[:, j])
        if len(k):
            sigma[j] = int(Vhat[k[0], j]) * pow(int(V[k[0], j]), p - 2, p) % p
        l = np.flatnonzero(Wt[j])
        if len(l):
            mu[j] = int(What[j, l[0]]) * pow(int(Wt[j, l[0]]), p - 2, p) % p
    return sigma, mu


def _integer_kernel(block: np.ndarray, p: int) -> np.ndarray:
    """An integer basis of the kernel of an integer matrix (rows of the result): that of its
    rows independent mod p (independent over Q, fewer to eliminate) when it kills every row,
    checked exactly; else that of the whole matrix."""
    def kernel(rows: np.ndarray) -> np.ndarray:
        return np.array(integer.kernel(rows.tolist()), dtype=object).reshape(block.shape[1], -1)

    K = kernel(block[np.asarray(rref_mod_p(reduce_mod(block, p).astype(float), p)[2],
                                dtype=np.int64)])
    if K.shape[1] and integer.product(block, K).any():
        K = kernel(block)
    return K.T
