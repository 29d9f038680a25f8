"""Structured rank: the local dimension of a shallow network from a compressed Jacobian.

Notation: x̃ = (x, 1), w̃_j = (w_j, b_j), s_ij ∈ {0, 1} the activation of neuron j on sample i,
D_j = diag(s_·j), h_ij = relu(z_ij), X̃ the n × (d+1) matrix of the x̃_i, v_j = V[:, j] ∈ Q^m.

**Row side.** Row (i, k) of J is x̃_iᵀ B_{r,k} where B_{r,k} ∈ Q^{(d+1)×P} depends only on the
activation region r of x_i and on k (its block for w̃_j is V_kj s_rj I, its column (k, j) of V
is s_rj w̃_j, its column k of c is e_{d+1}). So if x̃_i is a combination of other samples of the
same region, every row (i, k) is the same combination of theirs, and

    rank J(θ, X) = rank J(θ, X_I),    I = a basis of the rows of X̃_r, for every region r,

a Jacobian with m·Σ_r rank X̃_r ≤ m·R·(d+1) rows instead of n·m.

**Column side.** The columns of neuron j are (D_j X̃) ⊗ v_j for w̃_j and h_j ⊗ e_k for V_kj
(h_j = D_j X̃ w̃_j), and 1 ⊗ e_k for c_k. Hence, exactly, for any m:

- if C is a set of columns of X̃ that is a basis of its column space, colspace(D_j X̃) =
  colspace(D_j X̃[:, C]) (X̃ = X̃[:, C]·G), so the columns of w̃_j outside C are redundant, and
  so are the columns that vanish on the samples neuron j activates;
- if v_j = 0, the columns of w̃_j are zero; if neuron j is inactive on every sample, all its
  columns are zero;
- if v_j ≠ 0, h_j ⊗ v_j = (D_j X̃ w̃_j) ⊗ v_j lies in the span of the columns of w̃_j (the
  rescaling symmetry), so the column of V_{k*j} with k* the first k with V_kj ≠ 0 is redundant
  (for m = 1: every column of V whose v_j ≠ 0).

:func:`compressed_jacobian` applies both sides: J(θ, X_I) restricted to the kept columns, whose
exact rank is the local dimension (:func:`structured_rank`).

**Upper bounds** (for certifying modular ranks, :func:`shallow_rank_bounds`):

- region bound (T4, sharpened): the rows of region r span (I_m ⊗ rowspace X̃_r)·B_r, whose
  dimension is exactly ρ_r·q_r + η_r·(m − ρ_r), with q_r = rank X̃_r, η_r = rank [H_r, 1] (the
  region's hidden activations and a column of ones) and ρ_r = rank V[:, N_r] (N_r the neurons
  active on r). Proof: (y_1..y_m) ∈ rowspace(X̃_r)^m ↦ Σ_k (B_{r,k})ᵀ y_k has kernel
  {Y : columns in F_r, Y v_j = 0 for j ∈ N_r} ≅ F_r ⊗ ker V[:, N_r]ᵀ, with
  F_r = rowspace(X̃_r) ∩ ker G_r of dimension q_r − η_r. The expression increases with q_r, η_r
  and ρ_r (as η_r ≤ q_r), so upper bounds of them may be used.
- neuron-group bound: group the neurons active on exactly the same samples (same D = D_g); the
  columns of group g span U_g ⊗ span V_g + span{h_j} ⊗ Q^m with U_g = colspace(D_g X̃), and
  span{h_j} ⊗ span V_g lies in both, so their dimension is at most
  q_g·ρ_g + η_g·(m − ρ_g), q_g = rank D_g X̃, ρ_g = rank V[:, g], η_g = rank{h_j : j ∈ g} (the
  group active on every sample also counts 1 in η_g and absorbs the columns of c, since
  1 ∈ U_g); add m for c otherwise.
- split bound: for any set T of samples, rank J ≤ rank J[T] + rank J[T^c] ≤ m·|T| + the
  neuron-group bound of the sub-sample T^c. Used with T = the samples with more than t
  active neurons (best t), and with the samples that own a private column of X̃ (nonzero on
  no other sample) and have more than m active neurons: the columns of their private pixels
  lie in e_i ⊗ Q^m, so more than m active neurons overcount them.
- complement bound: U_j = colspace(D_j X̃) ⊆ U + E_{Z_j} (U = colspace X̃, Z_j the samples
  where j is inactive) and U_j ⊆ E_{S_j}; groups counted through U ⊗ V_A plus, per sample,
  the directions of the neurons of A inactive there (and of B active there) — neurons active
  on almost every sample (large biases) then cost little (docs/theory.md, "complements").
- sample spans: the w̃-columns lie in ⊕_i e_i ⊗ Ā_i, Ā_i = span{v_j : j active on x_i} when
  fewer than m neurons are active there, else Q^m; so rank J ≤ Σ_i dim Ā_i + rank Q̄, Q̄ the
  rows ℓ ⊗ (h_i, 1) for ℓ ⊥ Ā_i (exact, small); the exact rank when the samples are
  independent (:mod:`relugeom.rank.independent`).
- local relations (:mod:`relugeom.rank.relations`): the neuron-group bound counts the W-columns as
  if Σ_g U_g ⊗ span V_g were direct; exact relations among them on a set of samples are
  subtracted.
- pair relations (:mod:`relugeom.rank.pair_relations`): the kept columns less the kernel
  vectors of pairs of neurons that differ on few samples (D_j X̃ a = D_k X̃ a when X̃ a = 0 on
  those samples).
- n·m and P − N (T1, T2), and the number of kept columns; idle samples: the e ≥ 2 samples on
  which no neuron is active with v_j ≠ 0 (nor positive) have the same rows (the c-columns'),
  so rank J ≤ m·(n − e + 1).

Data ranks (q_r, q_g) are bounded by certified quantities only: the number of samples, the term
rank (maximum matching of the nonzero pattern: a nonzero minor needs a nonzero diagonal), and
the rank of X̃ when a factorisation certificate proves it (with no prime when X̃ has small
integer rows: :mod:`relugeom.linalg.column_basis`).

>>> from relugeom import ShallowNetwork
>>> net = ShallowNetwork(W=[[1, 0], [0, 1]], b=[0, 0], V=[[1, 1]], c=[0])
>>> X = [[1, 1], [2, 1], [3, 1], [1, 2], [-1, 2]]
>>> cj = compressed_jacobian(net, X)
>>> cj.shape, cj.full_shape, structured_rank(net, X)
((4, 7), (5, 9), 4)
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import cache, cached_property
from itertools import accumulate
from operator import mul
from typing import Any, Sequence

import networkx as nx
import numpy as np
from networkx.algorithms import bipartite

from .. import linalg
from ..errors import BoundaryError, InputError
from ..exact.arrays import PrimeDividesDenominator, RationalArray, float_integers
from ..linalg import integer
from ..linalg.certified import Bound, Rank
from ..linalg.column_basis import column_basis, gram_column_basis, independent_columns
from ..linalg.gram import full_row_rank_certified, independent_looking
from ..linalg.modular import (EchelonModP, certify_rank_factorization, failure_probability,
                              log2_hadamard, matmul_mod, random_primes, reduce_residues)
from ..linalg.nmod import ProjectedRows, projected_rank
from ..linalg.quiet import quiet
from ..model.network import Network
from ..model.patterns import ReluPrime, activation_patterns, check_relu_prime, distinct_rows
from ..model.sample import as_sample
from .float_certificate import GRAM_ROWS, _relative_errors, certified_rank, shallow_float_rank
from .jacobian import jacobian
from .pair_relations import pair_forest, pair_relations_bound, related_columns
from .relations import BudgetExceeded, WorkBudget, relation_count
from .verified import shallow_left_kernel

# --- exact helpers ---------------------------------------------------------------------------

def independent_rows(rows: Sequence[Sequence], ncols: int, backend: str = "auto") -> list[int]:
    """Indices of a maximal set of rows independent over Q, greedy from the top (exact).

    Read off the canonical kernel basis of the transpose: its vector for a free column has its
    last nonzero entry at that column, and the pivot columns of the transpose are the rows kept.

    >>> independent_rows([[1, 2], [2, 4], [0, 1]], 2)
    [0, 2]
    """
    if not rows:
        return []
    transpose = [list(col) for col in zip(*rows)] if ncols else []
    if not transpose:
        return []
    free = set()
    for u in linalg.nullspace(transpose, len(rows), backend=backend):
        free.add(max(k for k, q in enumerate(u) if q))
    return [i for i in range(len(rows)) if i not in free]


def _kept_parameter_columns(network: Network, Xt: Sequence[Sequence[Fraction]],
                            S: Sequence[Sequence[int]], H: Sequence[Sequence[Fraction]],
                            basis_columns: Sequence[int]) -> list[int]:
    """Columns of J kept by the column-side reduction, in θ order."""
    d, N, m = network.input_dim, network.hidden_width, network.output_dim
    V = network.V
    kept_w, kept_v = [], []
    for j in range(N):
        active = [i for i in range(len(Xt)) if S[i][j]]
        v_nonzero = any(V[k][j] for k in range(m))
        cols = [l for l in basis_columns if any(Xt[i][l] for i in active)] if v_nonzero else []
        kept_w += [j * d + l if l < d else N * d + j for l in cols]
        alive_h = any(H[i][j] for i in range(len(Xt)))
        if alive_h:
            drop = next(k for k in range(m) if V[k][j]) if cols else None
            kept_v += [N * d + N + k * N + j for k in range(m) if k != drop]
    kept_c = [N * d + N + m * N + k for k in range(m)]
    return sorted(kept_w) + sorted(kept_v) + kept_c


@dataclass(frozen=True)
class CompressedJacobian:
    """J(θ, X_I) on the kept columns K: same rank as J(θ, X) (see the module docstring).

    ``samples`` are the indices I of the samples kept (a row basis per region), ``columns``
    the θ indices K kept, ``rows`` the exact matrix (rows (i, k) for i in I), ``full_shape``
    the shape (n·m, P) of J.
    """

    rows: tuple
    samples: tuple
    columns: tuple
    full_shape: tuple

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.rows), len(self.columns))

    def rank(self, backend: str = "auto") -> int:
        return linalg.rank(self.rows, len(self.columns), backend=backend)

    def to_dict(self) -> dict[str, Any]:
        return {"shape": list(self.shape), "full_shape": list(self.full_shape),
                "samples": list(self.samples), "columns": list(self.columns)}


def compressed_jacobian(network: Network, X: Any, *, relu_prime_at_zero: ReluPrime = "error",
                        backend: str = "auto") -> CompressedJacobian:
    """The compressed Jacobian of a shallow network, exactly (rows and columns reduced).

    Cost: one exact row basis per region (rank X̃_r ≤ d + 1 rows), one column basis of X̃_I,
    and the exact Jacobian of the kept rows and columns.
    """
    X = as_sample(X, network.input_dim)
    S = activation_patterns(network, X, relu_prime_at_zero)
    regions: dict = {}
    for i, s in enumerate(S):
        regions.setdefault(s, []).append(i)
    one = Fraction(1)
    Xt = [tuple(x) + (one,) for x in X]
    d = network.input_dim
    samples = sorted(idx[k] for idx in regions.values()
                     for k in independent_rows([Xt[i] for i in idx], d + 1, backend))
    XI = tuple(X[i] for i in samples)
    XtI = [Xt[i] for i in samples]
    SI = [S[i] for i in samples]
    basis_columns = independent_rows([list(c) for c in zip(*XtI)], len(XtI), backend)
    JI = jacobian(network, XI, relu_prime_at_zero)
    N, m = network.hidden_width, network.output_dim
    H = [[JI[t * m][N * d + N + j] for j in range(N)] for t in range(len(samples))]
    columns = _kept_parameter_columns(network, XtI, SI, H, basis_columns)
    rows = tuple(tuple(row[c] for c in columns) for row in JI)
    return CompressedJacobian(rows, tuple(samples), tuple(columns),
                              (len(X) * m, network.n_parameters))


def structured_rank(network: Network, X: Any, *, relu_prime_at_zero: ReluPrime = "error",
                    backend: str = "auto") -> int:
    """Exact local dimension of a shallow network via :func:`compressed_jacobian`.

    >>> from relugeom import ShallowNetwork
    >>> net = ShallowNetwork(W=[[1], [-1]], b=[0, 0], V=[[1, 1]], c=[0])
    >>> structured_rank(net, [[1], [2], [-1], [-3]])
    4
    """
    return compressed_jacobian(network, X, relu_prime_at_zero=relu_prime_at_zero,
                               backend=backend).rank(backend)


# --- exact activation patterns, vectorised ----------------------------------------------------

_U = 2.0 ** -53
#: Up to this many entries the kept matrix is built whole and ranked in one python-flint call
#: after a random projection (:mod:`relugeom.linalg.nmod`), when the projection has at most
#: SMALL_PROJECTED entries (python-flint reads about ten million entries a second).
SMALL_ENTRIES = 2_000_000
SMALL_PROJECTED = 90_000
#: "auto" tries the verified left kernel of a small case first when its exact solve costs at
#: most SMALL_LIFT (support² × relations; its relations mod p at most half as many entries),
#: else after the level-2 bounds, before the local relations, up to LIFT_WORK.
SMALL_LIFT = 10_000
LIFT_WORK = 100_000
#: Above this first bound a small case whose X̃ looks deficient certifies its data rank first.
SMALL_FIRST = 64
#: The sample-span bound is computed when its exact matrix Q̄ has at most this many entries.
SPAN_ENTRIES = 60_000
#: rank X̃ is certified with no prime (:meth:`ShallowModular.certify_small_data_rank`) when it
#: is at most SMALL_DATA_RANK and the float choice of rows, n·(d + 1)·min(n, d + 1, that rank)
#: multiply–adds, at most SMALL_DATA_WORK.
SMALL_DATA_RANK = 64
SMALL_DATA_WORK = 400_000


def float_products(Xf: np.ndarray, Wf: np.ndarray, bf: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(Ẑ, M): Ẑ = fl(X W^T + b) (the pre-activations in float64, any summation order) and
    M = fl(|X||W|ᵀ + |b|), the magnitudes their rounding errors are measured against."""
    with quiet():
        return Xf @ Wf.T + bf, np.abs(Xf) @ np.abs(Wf).T + np.abs(bf)


def exact_signs(W: RationalArray | None, b: RationalArray | None, X: RationalArray | None,
                exact_entry: Any, floats: tuple | None = None,
                products: tuple | None = None) -> np.ndarray:
    """sign(z_ij) ∈ {−1, 0, 1} of z_ij = w_j·x_i + b_j, exactly, as an int8 n × N array.

    A float filter decides the entries it can prove: with every input rounded to float64
    within 3 units of roundoff, the float dot product differs from z_ij by at most
    (d + 10)·u·Σ_l |w_jl x_il| + |b_j| (the classical bound γ_{d+1} for any summation order,
    plus the input roundings, with a factor 2 to spare; plus an underflow term), so its sign is
    right wherever it exceeds that bound. Inputs below 2^-900 in magnitude (where rounding is
    not relative) send their sample or neuron to the exact computation. The other entries (in
    practice the zeros, and values within rounding of 0) are recomputed exactly by
    ``exact_entry(i, j)`` → Fraction. ``floats``: (X, W, b).to_float() when already known
    (then W and b may be None when none of their floats is below 2^-900 in magnitude, and X
    None when its floats are its exact values); ``products``: their :func:`float_products`
    when already known.
    """
    positive, zero = _sign_masks(W, b, X, exact_entry, floats, products)
    signs = positive.astype(np.int8)
    if zero is not None:
        signs[~(positive | zero)] = -1
    else:
        signs[~positive] = -1
    return signs


def _sign_masks(W: RationalArray | None, b: RationalArray | None, X: RationalArray | None,
                exact_entry: Any, floats: tuple | None = None, products: tuple | None = None
                ) -> tuple[np.ndarray, np.ndarray | None]:
    """(z_ij > 0, z_ij = 0) of :func:`exact_signs`, the second None when no z_ij is 0."""
    Xf, Wf, bf = floats or (X.to_float(), W.to_float(), b.to_float())
    d = Xf.shape[1]
    Z, magnitude = products or float_products(Xf, Wf, bf)
    with quiet():
        bound = magnitude * ((d + 10) * 2 * _U) + (d + 2) * 2.0 ** -1000
        # (a bound that is NaN or infinite proves nothing: the comparison is False)
        sure = (np.abs(Z) > bound) & np.isfinite(Z)

    # an input too small for float64's relative error model (subnormal, or rounded to 0)
    # leaves its whole row (sample) or column (neuron) to the exact computation
    def tiny(A: RationalArray | None, f: np.ndarray) -> np.ndarray | None:
        magnitude = np.abs(f)
        if not magnitude.min(initial=1.0) < 2.0 ** -900:  # (one reduction: the usual case)
            return None
        if A is None and not magnitude.min(where=f != 0, initial=1.0) < 2.0 ** -900:
            return None  # (exact floats: zeros are exact; no other value is tiny)
        nonzero = f != 0 if A is None else A.nonzero()  # (None: f is exactly A)
        return (nonzero & (magnitude < 2.0 ** -900)).reshape(f.shape[0], -1).any(1)

    samples = tiny(X, Xf)
    neurons, biases = (None, None) if floats and W is None and b is None else \
        (tiny(W, Wf), tiny(b, bf))
    if samples is not None:
        sure[samples] = False
    for low in (neurons, biases):
        if low is not None:
            sure[:, low] = False
    positive = Z > 0
    if sure.all():  # every sign proven in floats: the usual case
        return positive, None
    zero = np.zeros(Z.shape, bool)
    for i, j in zip(*np.nonzero(~sure)):
        z = exact_entry(int(i), int(j))
        positive[i, j], zero[i, j] = z > 0, z == 0
    return positive, zero if zero.any() else None


# --- the modular computation ------------------------------------------------------------------

def _greedy_matching(sub: np.ndarray) -> int:
    """Size of a greedy matching (rows by increasing degree, each matched to its first free
    column): a lower bound of the term rank. Stops once min(rows, columns) are matched."""
    target = min(sub.shape)
    used = np.zeros(sub.shape[1], bool)
    size = 0
    for i in np.argsort(sub.sum(1), kind="stable").tolist():
        free = sub[i] > used  # (booleans: a nonzero entry in a column not used yet)
        j = int(free.argmax())
        if free[j]:
            used[j] = True
            size += 1
            if size == target:
                break
    return size


def _term_rank(mask: np.ndarray) -> int:
    """Maximum matching of the bipartite graph of the nonzero entries: rank ≤ term rank."""
    rows = mask.any(1).nonzero()[0]
    cols = mask.any(0).nonzero()[0]
    if rows.size == 0:
        return 0
    sub = mask.take(rows, 0).take(cols, 1)
    # every entry nonzero (dense data: the usual case) or a greedy matching already maximal:
    # no search needed
    if sub.all() or _greedy_matching(sub) == min(sub.shape):
        return min(sub.shape)
    r, c = np.nonzero(sub)
    G = nx.Graph()
    G.add_nodes_from(range(len(rows)))
    G.add_nodes_from(range(len(rows), len(rows) + len(cols)))
    G.add_edges_from(zip(r.tolist(), (c + len(rows)).tolist()))
    matching = bipartite.hopcroft_karp_matching(G, top_nodes=range(len(rows)))
    return len(matching) // 2


class _Weights:
    """W, b, V, c of a shallow network as exact arrays, read from one flat list of its
    Fractions (or, for a network that keeps its float θ, from those floats on first use), with
    their residues mod p computed once per prime."""

    def __init__(self, network: Network):
        d, N, m = network.input_dim, network.hidden_width, network.output_dim
        # a network read from float arrays keeps θ in float64: its exact values, read when
        # first asked (the float paths need only the floats)
        floats = getattr(network, "_float_theta", None)
        #: whether theta_float is exactly θ (the network was read from float arrays)
        self.exact_floats = floats is not None and floats.shape == (network.n_parameters,)
        self._theta: RationalArray | None = None
        self._exact: tuple | None = None  # (W, b, V, c) as RationalArrays, once read
        if self.exact_floats:
            theta = floats
        else:
            flat = [q for row in network.W for q in row] + list(network.b) + \
                [q for row in network.V for q in row] + list(network.c)
            self._theta = _dyadic(flat) or RationalArray.from_fractions(flat)
            with quiet():  # an overflow is the filters' to catch
                theta = self._theta.to_float()
        self._ends = list(accumulate([0, N * d, N, m * N, m]))
        self._shapes = [(N, d), (N,), (m, N), (m,)]
        self._residues: dict[int, tuple] = {}
        #: W, b, V, c in float64 (within 3 roundings each), and θ as one vector
        self.floats = tuple(theta[lo:hi].reshape(shape) for lo, hi, shape in
                            zip(self._ends, self._ends[1:], self._shapes))
        self.theta_float = theta

    @property
    def theta(self) -> RationalArray:
        """θ as one exact array."""
        if self._theta is None:
            self._theta = RationalArray.from_floats(self.theta_float)
        return self._theta

    def exact(self) -> tuple[RationalArray, ...]:
        """(W, b, V, c) as exact arrays, views of :attr:`theta`, built once."""
        if self._exact is None:
            parts = (self.theta.numerators, self.theta.exponents, self.theta.denominators)
            self._exact = tuple(
                RationalArray(*(a[lo:hi].reshape(shape) if isinstance(a, np.ndarray) else a
                                for a in parts))
                for lo, hi, shape in zip(self._ends, self._ends[1:], self._shapes))
        return self._exact

    def residues(self, p: int) -> tuple[np.ndarray, ...]:
        """W, b, V, c mod p (int64), from one reduction of θ."""
        if p not in self._residues:
            r = self.theta.residues(p)
            self._residues[p] = tuple(r[lo:hi].reshape(shape) for lo, hi, shape in
                                      zip(self._ends, self._ends[1:], self._shapes))
        return self._residues[p]


def _dyadic(values: list) -> RationalArray | None:
    """Fractions whose denominators are powers of two and numerators fit in int64 (the exact
    values of float weights) as one array, read once; None for any other list."""
    try:
        den = [q.denominator for q in values]
        if not all(b & (b - 1) == 0 for b in den):
            return None
        num = np.array([q.numerator for q in values], dtype=np.int64)
    except (AttributeError, OverflowError):
        return None
    return RationalArray(num, np.array([1 - b.bit_length() for b in den], dtype=np.int64), 1)


_WEIGHTS: dict[int, tuple] = {}


def _weight_arrays(network: Network) -> _Weights:
    """The :class:`_Weights` of a network, kept per network object (networks are frozen), so
    repeated calls on one network read its Fractions once."""
    hit = _WEIGHTS.get(id(network))
    if hit is not None and hit[0]() is network:
        return hit[1]
    weights = _Weights(network)
    key = id(network)
    try:  # forgotten when the network is gone (not by a scan of all entries: O(1) a call)
        ref = weakref.ref(network, lambda _, key=key: _WEIGHTS.pop(key, None))
    except TypeError:  # not weakly referable: not kept
        return weights
    _WEIGHTS[key] = (ref, weights)
    return weights


@cache
def _key_weights(d: int) -> np.ndarray:
    """d fixed weights in [1, 2) (seeded): a sample's key in
    :meth:`ShallowModular._read_samples` is the weighted sum of its entries."""
    return 1.0 + np.random.default_rng(d).random(d)


#: What the float proofs of the kept columns name as the matrix proven on.
KEPT_COLUMNS = "kept c- and w̃-columns, scaled by 1/v_j, of J"


class ShallowModular:
    """A shallow case prepared for modular ranks: exact patterns, residues, kept columns, bounds.

    ``X`` may be anything :meth:`RationalArray.from_any` reads (float arrays are exact binary
    values; a :class:`RationalArray` such as MNIST pixels / 255 is taken as is).
    """

    def __init__(self, network: Network, X: Any, relu_prime_at_zero: ReluPrime = "error",
                 seed: int = 0):
        self.network = network
        self.convention = check_relu_prime(relu_prime_at_zero)
        self.seed = seed
        d, N, m = network.input_dim, network.hidden_width, network.output_dim
        #: whether X_float is exactly X (X given as a finite float array): then X is read as
        #: a RationalArray only when an exact step asks for it (:attr:`X`)
        self.exact_floats = isinstance(X, np.ndarray) and X.dtype.kind == "f" and \
            X.itemsize <= 8 and bool(np.isfinite(X).all())
        self._X = None if self.exact_floats else RationalArray.from_any(X)
        shape = X.shape if self._X is None else self._X.shape
        if len(shape) != 2 or shape[1] != d or shape[0] == 0:
            raise InputError(f"X has shape {shape}, expected (n, {d}) with n ≥ 1 for the "
                             f"network's input dimension {d}")
        self.n, self.d, self.N, self.m = shape[0], d, N, m
        self._weights = _weight_arrays(network)
        if self._X is None:
            self.X_float = X.astype(np.float64)  # float16/32/64: exactly X
        else:
            with quiet():  # an overflow is the filters' to catch
                self.X_float = self._X.to_float()
        floats = (self.X_float,) + self._weights.floats[:2]
        #: Ẑ = fl(XWᵀ + b) and fl(|X||W|ᵀ + |b|) (float_products), for the float filters
        self.z_products = float_products(*floats)
        # (the exact W and b only when a weight is too small for the float filter's model)
        low = not np.abs(self._weights.theta_float[:N * (d + 1)]).min(initial=1.0) >= 2.0 ** -900
        self.positive, zero = _sign_masks(self.W if low else None, self.b if low else None,
                                          self._X, self._exact_z, floats, self.z_products)
        self.S = self.positive  # h_ij ≠ 0 (positive) and s_ij = relu'(z_ij) (S)
        #: z_ij < 0 exactly (off, and h_ij − z_ij = −z_ij ≠ 0)
        self.negative = ~self.positive if zero is None else ~(self.positive | zero)
        if zero is not None:
            if self.convention == "error":
                i, j = map(int, np.argwhere(zero)[0])
                raise BoundaryError(sample=i, neuron=j)
            self.S = self.positive | (zero & (self.convention == 1))
        #: V_kj ≠ 0 (m × N), from the floats when they are the exact values
        self.V_nonzero = self._weights.floats[2] != 0 if self._weights.exact_floats \
            else self.V.nonzero()
        self.v_nonzero = self.V_nonzero.any(0)
        #: samples on which no neuron with v_j ≠ 0 is active and no h_ij is nonzero: their
        #: rows of J are all the same (the c-columns')
        self.idle = ~((self.S & self.v_nonzero) | self.positive).any(1)
        self.Xt_nonzero = np.empty((self.n, d + 1), bool)
        self.Xt_nonzero[:, :d] = self.X_float != 0 if self._X is None else self._X.nonzero()
        self.Xt_nonzero[:, d] = True
        self._dense = bool(self.Xt_nonzero.all())  # then every w̃-column meets its samples
        self._meets: np.ndarray | None = None  # (s_·j)ᵀ·[x̃_·l ≠ 0] > 0, N × (d+1)
        self._xt_float: np.ndarray | None = None
        self._residues: dict[int, dict[str, np.ndarray]] = {}
        self.data_rank: int | None = None  # rank of X̃ when certified
        self.data_basis: np.ndarray | None = None
        # bounds and columns computed on first use (bounds(2) and bounds(3) build on each other)
        self._group_value: int | None = None  # neuron-group bound with term ranks
        self._level2: list[Bound] | None = None
        self._level3: list[Bound] | None = None
        self._streamed: dict[str, np.ndarray] | None = None
        self._row_order: np.ndarray | None = None
        self.projected: ProjectedRows | None = None
        self.rows_mod: tuple | None = None  # (p, kept columns, their rows in row_order mod p)
        #: (α_x, α_w) of relugeom.rank.float_certificate, once computed
        self.float_errors: tuple | None = None
        self._kept: tuple | None = None
        self._kept_mask: tuple | None = None
        self._labels: np.ndarray | None = None
        self._distinct: np.ndarray | None = None
        self._data_hint: tuple | None = None  # (data_rank_hint(),) once computed
        self._small_data_tried = False
        #: the forest of pairs of pair_bounds, once computed
        self.pairs: list[tuple[int, int, int]] | None = None
        #: the smallest level-0 bound before any data rank (it decides whether the kept matrix
        #: is built whole) and the bounds the float path found, set by a modular pass
        self.first_bound: int = self.n * self.m
        self.found_bounds: list[Bound] = []

    @property
    def X(self) -> RationalArray:
        """The sample as an exact array (for floats, read from their values on first use)."""
        if self._X is None:
            self._X = RationalArray.from_floats(self.X_float)
        return self._X

    # the exact weights (RationalArrays), read on first use
    W = property(lambda self: self._weights.exact()[0])
    b = property(lambda self: self._weights.exact()[1])
    V = property(lambda self: self._weights.exact()[2])
    c = property(lambda self: self._weights.exact()[3])

    @property
    def row_order(self) -> np.ndarray:
        """The samples by increasing number of active neurons (stable): small cases take the
        rows of J in this order, so that a dependent row has a relation of small support."""
        if self._row_order is None:
            self._row_order = np.argsort(self.S.sum(1), kind="stable")
        return self._row_order

    @property
    def xt_float(self) -> np.ndarray:
        """X̃ = [X, 1] in float64 (n × (d + 1), from X_float), built once; not to be written."""
        if self._xt_float is None:
            self._xt_float = np.empty((self.n, self.d + 1))
            self._xt_float[:, :-1], self._xt_float[:, -1] = self.X_float, 1.0
        return self._xt_float

    @cached_property
    def v_columns(self) -> np.ndarray:
        """V with column j times a positive rational, in integers (an object array of Python
        ints, m × N), built once: the same ranks and kernels as V, on any set of columns."""
        return np.asarray(self.V.integer_columns()[0], dtype=object)

    @cached_property
    def xt_integers(self) -> np.ndarray:
        """X̃ = [X | 1] with row i times a positive rational λ_i, in integers (an object array
        of Python ints, n × (d+1); λ_i is the last entry), built once: the same row spans and
        ranks as X̃ on any rows and columns."""
        return np.asarray(self.X.with_ones_column().integer_rows(), dtype=object)

    @cached_property
    def wt_integers(self) -> np.ndarray:
        """W̃ = [W | b] with row j times a positive rational, in integers (an object array of
        Python ints, N × (d+1)), built once."""
        parts = zip(self.W._parts(), self.b._parts())
        return np.asarray(RationalArray(*(np.hstack([np.asarray(w), np.asarray(c)[:, None]])
                                          for w, c in parts)).integer_rows(), dtype=object)

    @cached_property
    def alive(self) -> np.ndarray:
        """The neurons j with some h_ij ≠ 0 (boolean, N)."""
        return self.positive.any(0)

    def distinct_samples(self) -> np.ndarray:
        """The first sample of each distinct value of X, in order (:meth:`_read_samples`)."""
        if self._distinct is None:
            self._read_samples()
        return self._distinct

    @property
    def sample_labels(self) -> np.ndarray:
        """A label per sample, equal labels for equal samples (:meth:`_read_samples`)."""
        if self._labels is None:
            self._read_samples()
        return self._labels

    def _read_samples(self) -> None:
        """The labels of the samples and the first sample of each label, computed once: labels
        of the float values when X was given as floats (then exactly X: different labels for
        different samples), else of the stored values
        (:meth:`~relugeom.exact.arrays.RationalArray.row_labels`: equal samples stored
        differently may get different labels)."""
        if self.exact_floats:
            column = np.sort(self.X_float[:, 0]) if self.d else np.zeros(self.n)
            changes = int((column[1:] != column[:-1]).sum())
            if changes == self.n - 1:  # distinct first entries: distinct samples
                self._labels, self._distinct = np.arange(self.n), np.arange(self.n)
                return
            # the labels of a key per sample, equal for equal samples (one weighted sum, in the
            # same order on every row), are those of the samples when samples of equal keys are
            # equal (checked exactly); the first sample of a key is the first of its run in a
            # stable sort
            with quiet():
                keys = (self.X_float * _key_weights(self.d)).sum(1)
            order = np.argsort(keys, kind="stable")
            ordered = keys.take(order)
            starts = np.empty(self.n, bool)  # where a new key starts, in sorted order
            starts[0], starts[1:] = True, ordered[1:] != ordered[:-1]
            first = order[starts]
            labels = np.empty(self.n, np.int64)
            labels[order] = np.cumsum(starts) - 1
            if (self.X_float.take(first.take(labels), 0) == self.X_float).all():
                self._labels, self._distinct = labels, np.sort(first)
                return
            F = np.ascontiguousarray(self.X_float + 0.0)  # −0.0 + 0.0 = 0.0: equal bytes
            rows = F.view(np.dtype((np.void, 8 * F.shape[1]))).ravel()
            _, first, labels = np.unique(rows, return_index=True, return_inverse=True)
            self._labels, self._distinct = labels.reshape(-1), np.sort(first)
        else:
            self._labels = self.X.row_labels()
            self._distinct = np.unique(self._labels, return_index=True)[1]

    def _exact_z(self, i: int, j: int) -> Fraction:
        net = self.network
        return sum((w * self.X.fraction(i, l) for l, w in enumerate(net.W[j])), net.b[j])

    # -- residues -------------------------------------------------------------------------
    def residues(self, p: int) -> dict[str, np.ndarray]:
        if p not in self._residues:
            X = self.X.residues(p)
            Xt = np.hstack([X, np.ones((self.n, 1), dtype=np.int64)]).astype(float)
            W, b, V, _ = self._weights.residues(p)
            Wt = np.hstack([W, b[:, None]]).astype(float)
            H = matmul_mod(Xt, Wt.T, p) * self.positive
            self._residues[p] = {"Xt": Xt, "V": V.astype(float), "H": H}
        return self._residues[p]

    # -- data rank ------------------------------------------------------------------------
    def certify_small_data_rank(self) -> bool:
        """Certify rank X̃ and a basis of columns C with no prime, when the rows of X̃ scale to
        int64 integers and the rank is at most SMALL_DATA_RANK
        (:func:`relugeom.linalg.column_basis.column_basis`: rows chosen in floats, one small
        exact echelon form, one exact product); whether rank X̃ is certified."""
        if self.data_rank is not None:
            return True
        n, width = self.n, self.d + 1
        if self._small_data_tried or n * width * min(n, width, SMALL_DATA_RANK) > SMALL_DATA_WORK:
            return False
        self._small_data_tried = True  # tried once: a failure is not retried
        F = self.xt_float  # (float_pivots copies it)
        M = float_integers(F) if self.exact_floats else None  # X̃ exactly, when integers
        if M is None:
            M = self.X.with_ones_column().integer_rows()
        if M.dtype == object:
            return False
        # the columns that look independent when the hint has them (a choice only)
        found = column_basis(M, F, SMALL_DATA_RANK,
                             self._data_hint[1] if self._data_hint else None)
        if found is None:
            return False
        self.data_rank, self.data_basis = found[0], np.array(found[1], dtype=np.int64)
        return True

    def certify_data_rank(self, p: int, max_rank: int = 400) -> None:
        """Certify rank X̃ and a basis of columns C when it is small (without a prime when
        :meth:`certify_small_data_rank` can, else by a factorisation check mod p)."""
        if self.data_rank is not None or self.certify_small_data_rank():
            return
        Xt = self.residues(p)["Xt"]
        nonzero = np.flatnonzero(self.Xt_nonzero.any(0))
        if len(nonzero) <= self.n and len(nonzero) * self.n <= SMALL_PROJECTED and \
                projected_rank(Xt[:, nonzero].T, p, self.n, self.seed) == len(nonzero):
            # independent nonzero columns (one python-flint call): they are a basis
            self.data_rank, self.data_basis = len(nonzero), nonzero
            return
        E = EchelonModP(p, self.n)
        E.add(Xt.T)  # vectors: the columns of X̃
        trivial = min(self.n, int(self.Xt_nonzero.any(0).sum()))
        if E.rank == trivial:  # independent columns, as many as a proven bound: a basis
            self.data_rank = E.rank
            self.data_basis = np.array(sorted(E.independent))
            return
        if E.rank > max_rank:
            return
        integer = self.X.with_ones_column().integer_rows()
        if certify_rank_factorization(integer, E.pivots, E.independent, seed=self.seed):
            self.data_rank = E.rank
            self.data_basis = np.array(sorted(E.independent))

    def data_rank_hint(self) -> int | None:
        """How many columns of X̃ look independent in floats
        (:func:`~relugeom.linalg.gram.independent_looking` on the smaller Gram matrix), or
        None when X is not finite or that fails: a hint for the order of the exact steps only,
        never part of an answer. Computed once."""
        if self._data_hint is None:
            n, width = self.n, self.d + 1
            Xt, columns = self.xt_float, None
            if n > width and not self._dense:  # the columns' Gram, of the nonzero columns
                columns = self.Xt_nonzero.any(0).nonzero()[0]
                Xt = Xt.take(columns, 1)
            with quiet():
                chosen = independent_looking(Xt @ Xt.T if n <= Xt.shape[1] else Xt.T @ Xt)
            hint = None if chosen is None else len(chosen)
            if hint is None or n <= Xt.shape[1]:  # (the rows' Gram: no columns to pick)
                columns = None
            else:  # the columns that look independent, a choice for certify_small_data_rank
                columns = chosen if columns is None else columns[chosen]
            self._data_hint = (hint, columns)
        return self._data_hint[0]

    def data_looks_deficient(self) -> bool:
        """Whether X̃ looks column-rank deficient in floats (:meth:`data_rank_hint`): a hint for
        the order of the exact steps only (the data rank is certified first then, since it
        shrinks the kept columns), never part of an answer."""
        hint = self.data_rank_hint()
        return hint is None or hint < min(self.n, self.d + 1)

    def data_rank_first(self, bound: int) -> bool:
        """Whether X̃ looks so deficient that the kept columns in a basis of it, about
        Σ_j min(kept w̃-columns of j, rank X̃) plus the V- and c-columns, would be below
        ``bound``: then the data rank is certified first (a hint only)."""
        counts = self.kept_w_mask().sum(1)
        others = self._kept_count() - int(counts.sum())  # the V- and c-columns
        # a hint is at least 1 (the column of ones): when even that leaves too many columns,
        # the hint is not computed
        if others + int(np.count_nonzero(counts)) >= bound:
            return False
        hint = self.data_rank_hint()
        if hint is None or hint >= min(self.n, self.d + 1):
            return False
        return others + int(np.minimum(counts, hint).sum()) < bound

    def certify_data_rank_any(self, primes: Sequence[int]) -> None:
        """:meth:`certify_data_rank` with the first of ``primes`` dividing no denominator."""
        for p in primes:
            try:
                self.certify_data_rank(p)
                return
            except PrimeDividesDenominator:
                continue

    # -- columns kept and bounds ----------------------------------------------------------
    def kept_columns(self) -> dict[str, np.ndarray]:
        """The column-side reduction: W-columns (j, l), V-columns (k, j), c-columns k (kept
        until the data basis changes them)."""
        if self._kept is None or self._kept[0] is not self.data_basis:
            self._kept = (self.data_basis, self._kept_columns(self.kept_w_mask()))
        return self._kept[1]

    def kept_w_mask(self) -> np.ndarray:
        """N × (d+1), boolean: the kept W-columns (j, l) of :meth:`kept_columns`."""
        if self._kept_mask is None or self._kept_mask[0] is not self.data_basis:
            self._kept_mask = (self.data_basis, self._kept_w())
        return self._kept_mask[1]

    def _kept_w(self) -> np.ndarray:
        """N × (d+1): the kept W-columns (j, l) — l in the data basis (when certified), X̃
        nonzero in column l on a sample neuron j activates, and v_j ≠ 0."""
        if self._dense:  # X̃ has no zero: the columns of the neurons active somewhere
            nzcols = np.repeat(self.S.any(0)[:, None], self.d + 1, axis=1)
        else:  # N × (d+1), computed once (before and after the data basis is known)
            if self._meets is None:
                self._meets = self.S.T @ self.Xt_nonzero  # (a boolean product: or of ands)
            nzcols = self._meets
        if self.data_basis is not None:
            mask = np.zeros(self.d + 1, bool)
            mask[self.data_basis] = True
            nzcols = nzcols & mask  # (a new array: the cached one is kept)
        return nzcols & self.v_nonzero[:, None]

    def _kept_columns(self, nzcols: np.ndarray) -> dict[str, np.ndarray]:
        wj, wl = np.nonzero(nzcols)
        has_w = nzcols.any(1)
        first = np.argmax(self.V_nonzero, axis=0)
        alive = self.alive.nonzero()[0]
        keep = np.ones((len(alive), self.m), bool)  # (neuron j, output k), j-major
        dropped = has_w[alive]
        keep[np.flatnonzero(dropped), first[alive][dropped]] = False
        j, k = np.nonzero(keep)
        return {"wj": wj, "wl": wl, "vk": k.astype(np.int64), "vj": alive[j].astype(np.int64),
                "ck": np.arange(self.m)}

    def data_bounds(self, pairs: bool = True) -> list[Bound]:
        """When X̃ looks column-rank deficient in floats and its rank is certified without a
        prime (:meth:`certify_small_data_rank`): the kept-columns bound in its column basis,
        and (with ``pairs``) that bound less the pair relations
        (:mod:`relugeom.rank.pair_relations`) when some pair has one; else nothing."""
        if self.data_rank is None and not (self.data_looks_deficient()
                                           and self.certify_small_data_rank()):
            return []
        return [Bound("kept columns", self._kept_count(), "columns left by the column "
                      f"reduction in a certified basis of the {self.data_rank} columns of X̃")
                ] + (self.pair_bounds() if pairs else [])

    def kept_float_columns(self, mask: np.ndarray) -> np.ndarray | None:
        """A: the c-column, then the w̃-columns (j, l) of ``mask`` (N × (d+1)) scaled by 1/v_j
        (an exact column scaling), on one sample of each distinct value — the exact floats 1
        and s_ij·x̃_il; None unless m = 1 and X is read exactly as floats."""
        if self.m != 1 or not (self.exact_floats or _relative_errors(self)[0] == 0.0):
            return None
        rows = self.distinct_samples()
        wj, wl = np.nonzero(mask)
        A = np.empty((len(rows), 1 + len(wj)))
        A[:, 0] = 1.0
        A[:, 1:] = self.S.take(rows, 0).take(wj, 1) * self.xt_float.take(rows, 0).take(wl, 1)
        return A

    def kept_float_rank(self, bounds: list[Bound], **fields: Any) -> Rank | None:
        """The smallest of ``bounds`` proven to be the rank by that many kept columns of J
        proven independent in floats, for m = 1 and X read exactly as floats
        (:meth:`kept_float_columns`, :func:`~relugeom.linalg.column_basis.independent_columns`;
        the V-columns, rounded, are left out). None when not proven. Cost: n·K² for the Gram
        matrix of the K columns."""
        mask = self.kept_w_mask()
        A = self.kept_float_columns(mask)  # (the W-columns of kept_columns)
        if A is None:
            return None
        best = min(bounds, key=lambda bound: bound.value)
        proof = None
        if best.name == "pair relations" and self.pairs:
            # the columns the pairs' relations are solved for left out, a choice (else the
            # columns are chosen in floats)
            kept = mask & ~related_columns(self, self.pairs)
            if 1 + np.count_nonzero(kept) == best.value:
                related = self.kept_float_columns(kept)
                proof = independent_columns(related, best.value)
                A = related if proof else A
        proof = proof or independent_columns(A, best.value)
        return proof and certified_rank(best, bounds, proof[0], "columns", A.shape, KEPT_COLUMNS,
                                        **fields)

    def kept_exact_rank(self, bounds: list[Bound], **fields: Any) -> Rank | None:
        """The rank for m = 1 when the kept columns of :meth:`kept_float_columns` are all of
        them (no V-column kept: then rank J = rank A, A those columns) and A is integral
        (samples of small integers, on a subspace say): a basis of A's columns proven by
        :func:`~relugeom.linalg.column_basis.gram_column_basis` — independent by the float Gram
        bound, the relations of the others found in floats and checked exactly (docs/theory.md,
        "Kept-column relations"). The relations are a proven bound (reported when below
        ``bounds``). None when not proven."""
        mask = self.kept_w_mask()
        if 1 + np.count_nonzero(mask) != self._kept_count():
            return None
        A = self.kept_float_columns(mask)
        basis = None if A is None else gram_column_basis(A)
        if basis is None:
            return None
        best = min(bounds, key=lambda bound: bound.value)
        if len(basis[1]) != best.value:  # (below: both are proven)
            rank = len(basis[1])
            best = Bound("kept-column relations", rank, f"{A.shape[1] - rank} relations among "
                         "the kept columns (integers, scaled by 1/v_j), checked exactly")
            bounds = bounds + [best]
        return certified_rank(best, bounds, basis[0], "columns", A.shape, KEPT_COLUMNS, **fields)

    def pair_bounds(self, refine: bool = False) -> list[Bound]:
        """The pair-relations bound (:mod:`relugeom.rank.pair_relations`) when some pair of
        neurons has a relation, as a list (its forest kept in ``pairs``); with ``refine``,
        with the exact ranks of X̃[Δ, I] where the count of Δ's samples leaves no relation."""
        self.pairs = pair_forest(self, refine)
        found = pair_relations_bound(self, self.pairs)
        return [] if found is None else [found]

    def _data_rank_bound(self, rows: np.ndarray, refine: bool) -> int:
        """Proven upper bound of rank X̃[rows]: samples, nonzero columns, term rank, rank X̃."""
        mask = self.Xt_nonzero[rows]
        if self.data_basis is not None:
            mask = mask[:, self.data_basis]
        q_data = self.data_rank if self.data_rank is not None else self.d + 1
        simple = min(int(rows.sum()), int(mask.any(0).sum()), q_data)
        if refine and simple > 1:
            return min(simple, _term_rank(mask))
        return simple

    def _group_terms(self, rows: np.ndarray, refine: bool) -> list[tuple]:
        """Per group of neurons active on the same samples of ``rows``: (members, q_g, ρ_g,
        η_g without the all-active +1, active on every sample of ``rows``)."""
        m = self.m
        S, positive = self.S[rows], self.positive[rows]
        mask = self.Xt_nonzero[rows]
        if self.data_basis is not None:
            mask = mask[:, self.data_basis]
        # nonzero columns of X̃ on each neuron's active samples, all neurons in one product
        nonzero_columns = (S.T @ mask).sum(1)  # (a boolean product: or of ands)
        q_data = self.data_rank if self.data_rank is not None else self.d + 1
        # per neuron, as Python lists (the loops below read them entry by entry)
        count, columns = S.sum(0).tolist(), nonzero_columns.tolist()
        live, reached, everywhere = (self.v_nonzero.tolist(), positive.any(0).tolist(),
                                     S.all(0).tolist())
        St = np.ascontiguousarray(S.T)
        groups: dict = {}
        for j in np.flatnonzero(St.any(1)).tolist():
            groups.setdefault(St[j].tobytes(), []).append(j)
        terms = []
        for members in groups.values():
            j0 = members[0]
            q = min(count[j0], columns[j0], q_data)
            if refine and q > 1:
                q = min(q, _term_rank(mask[S[:, j0]]))
            if len(members) == 1:
                rho = int(live[j0])
            else:
                rho = linalg.rank([[self.network.V[k][j] for j in members] for k in range(m)])
            eta = sum(reached[j] for j in members)
            terms.append((members, q, rho, eta, everywhere[j0]))
        return terms

    def _group_bound(self, rows: np.ndarray, refine: bool) -> int:
        """Neuron-group bound of the sub-sample ``rows`` (module docstring)."""
        if not rows.any():
            return 0
        total, absorbed = 0, False
        for _, q, rho, eta, everywhere in self._group_terms(rows, refine):
            if everywhere:
                eta += 1
                absorbed = True
            total += q * rho + min(eta, q) * (self.m - rho)
        return total + (0 if absorbed else self.m)

    def _complement_bound(self, refine: bool, rows: np.ndarray | None = None
                          ) -> tuple[int, int, int]:
        """The complement bound (module docstring) of the sub-sample ``rows`` (all samples by
        default): each group of neurons is counted on its own (q_g·ρ_g), in A (through
        U + E_{Z_g}) or in B (through E_{S_g}); the assignment is improved greedily from the
        neuron-group bound. Returns (bound, |A|, |B|) in neurons."""
        m = self.m
        everything = np.ones(self.n, bool) if rows is None else rows
        if not everything.any():
            return 0, 0, 0
        terms = self._group_terms(everything, refine)
        if not terms:
            return self._group_bound(everything, refine), 0, 0
        S = self.S[everything]
        q = self._data_rank_bound(everything, refine)
        rank_V = linalg.rank([list(row) for row in self.network.V], self.N)
        own = np.array([qg * rho + min(eta, qg) * (m - rho) for _, qg, rho, eta, _ in terms])
        extra = np.array([min(eta, qg) * (m - rho) for _, qg, rho, eta, _ in terms])
        # per group: its live neurons' activity (n × groups): inactive and active counts
        live = [[j for j in g if self.v_nonzero[j]] for g, *_ in terms]
        active = np.stack([S[:, g].sum(1) for g in live], axis=1)
        inactive = np.stack([len(g) - S[:, g].sum(1) for g in live], axis=1)
        size = np.array([len(g) for g in live])
        everywhere = [g for g, t in enumerate(terms) if t[4]]
        c_own = min((m - terms[g][2] for g in everywhere), default=m)

        off = np.stack([~S[:, g[0]] for g, *_ in terms], axis=1)  # Z_g: inactive

        def value(state: np.ndarray, rho: Any = None) -> int:
            A, B = state == 1, state == 2
            rho_A, rho_B = rho or (min(rank_V, m, int(size[A].sum())),
                                   min(rank_V, m, int(size[B].sum())))
            total = int(own[state == 0].sum() + extra[B].sum())
            total += int(np.minimum(active[:, B].sum(1), rho_B).sum())
            c = m - rho_A
            if any(state[g] == 0 for g in everywhere):
                c = min(c, c_own)
            # A through U ⊗ V_A and Σ E_{Z_g} ⊗ v_j, or wholly (V-columns and c too) through
            # U ⊗ Q^m + E_{∪ Z_g} ⊗ Q^m
            through_v = q * rho_A + int(np.minimum(inactive[:, A].sum(1), rho_A).sum()) \
                + int(extra[A].sum()) + c
            whole = q * m + m * int(off[:, A].any(1).sum())
            return total + min(through_v, whole)

        # start from the best prefix of the groups by number of inactive samples in A (one
        # group alone never pays for q·ρ_A), then move single groups while the bound drops
        state = np.zeros(len(terms), np.int64)
        best, start = value(state), 0
        for k, g in enumerate(np.argsort(inactive.sum(0), kind="stable"), start=1):
            state[g] = 1
            v = value(state)
            if v < best:
                best, start = v, k
        state[:] = 0
        state[np.argsort(inactive.sum(0), kind="stable")[:start]] = 1
        improved = True
        while improved:  # each pass moves a group to its best place; the bound only drops
            improved = False
            for g in np.argsort(-own, kind="stable"):
                for target in (0, 1, 2):
                    if target == state[g]:
                        continue
                    old, state[g] = state[g], target
                    v = value(state)
                    if v < best:
                        best, improved = v, True
                    else:
                        state[g] = old

        def exact_rho(which: int) -> int:
            cols = [j for g in np.flatnonzero(state == which) for j in live[g]]
            return linalg.rank([[self.network.V[k][j] for j in cols] for k in range(m)]) \
                if cols else 0

        best = min(best, value(state, (exact_rho(1), exact_rho(2))))
        return best, int(size[state == 1].sum()), int(size[state == 2].sum())

    def bounds(self, level: int = 1) -> list[Bound]:
        """Proven upper bounds of the local dimension (module docstring).

        Level 0: n·m, m·(distinct samples), m·(n − idle samples + 1), P − N and the kept
        columns (free); level 1: also the sample-span bound (exact, small) and
        the neuron-group, complement, split and region bounds with data ranks bounded by
        counts; level 2: with term ranks (a maximum matching per group and region); level 3:
        also the local-relations bound (exact kernels and ranks, within a work budget).
        """
        if level >= 3:
            return self._relation_bounds()
        refine = level >= 2
        n, N, m = self.n, self.N, self.m
        P = self.network.n_parameters
        out = [Bound("rows n·m", n * m), Bound("symmetries P − N (T1)", P - N)]
        distinct = len(self.distinct_samples())
        if distinct < n:  # equal samples give equal rows of J
            out.append(Bound("distinct samples", distinct * m, f"{distinct} distinct samples · m"))
        idle = int(self.idle.sum())
        if idle > 1:  # the rows (i, k) of an idle sample are e_{c_k}
            out.append(Bound("idle samples", m * (n - idle + 1),
                             f"{idle} samples with no active neuron have the same m rows"))
        out.append(Bound("kept columns", self._kept_count(),
                         "columns left by the column reduction"))
        if level == 0:
            return out
        group_value = self._group_bound(np.ones(n, bool), refine)
        if refine:
            self._group_value = group_value  # the level-3 bound lowers this one
        out.append(Bound("neuron groups", group_value,
                             "Σ_g q_g·ρ_g + η_g·(m − ρ_g) over groups of neurons active on the "
                             "same samples" + (" (term ranks)" if refine else "")))
        complement, in_A, in_B = self._complement_bound(refine)
        out.append(Bound("complements", complement,
                             f"q·ρ_A + Σ_i ρ(A inactive on x_i) + Σ_i ρ(B active on x_i) + the "
                             f"other groups, with {in_A} neurons in A (counted through their "
                             f"inactive samples) and {in_B} in B (through their active samples)"
                             + (" (term ranks)" if refine else "")))
        out += self._sample_bounds(refine)
        spans = self._span_bound
        if spans is not None:
            out.append(spans)
        if refine:
            self._level2 = out
        return out

    def _sample_bounds(self, refine: bool) -> list[Bound]:
        """The split and region bounds (module docstring): the level-1 bounds computed sample by
        sample, cheaper than the neuron-group and complement bounds."""
        n, m = self.n, self.m
        out = []
        # split: rank J ≤ rank J[T] + rank J[T^c] ≤ m·|T| + group bound of the sub-sample T^c
        active_counts = self.S.sum(1)
        best = None
        # thresholds by counts, the smallest t of the best value (term ranks at it); from the
        # largest t down, skipping those whose m·|T| alone exceeds the best value
        for t in np.unique(active_counts)[::-1].tolist():
            rest = active_counts <= t
            split = m * int((~rest).sum())
            if best is not None and split > best[0]:
                continue
            value = split + self._group_bound(rest, False)
            if best is None or value <= best[0]:
                best = (value, t)
        if refine:
            # with term ranks: the best threshold, and samples owning a private column of X̃
            # (nonzero on no other sample) moved to T when they have more than m active
            # neurons: each of their neurons' term ranks drops when the sample leaves
            mask = self.Xt_nonzero if self.data_basis is None else \
                self.Xt_nonzero[:, self.data_basis]
            private = mask[:, mask.sum(0) == 1].any(1) & (active_counts > m)
            for T in (active_counts > best[1], private, private | (active_counts > best[1])):
                value = m * int(T.sum()) + self._group_bound(~T, True)
                if value < best[0]:
                    best = (value, best[1])
        out.append(Bound("split", best[0],
                             "m·|T| + neuron-group bound of the other samples, T = the samples "
                             f"with more than {best[1]} active neurons"
                             + (" or a private column of X̃ (term ranks)" if refine else "")))
        # regions (T4 sharpened), all regions at once: one row of `member` per region
        first, region = distinct_rows(self.S)
        member = np.zeros((len(first), n))
        member[region, np.arange(n)] = 1.0
        size = member.sum(1)
        act = self.S[first]
        rho = np.minimum(m, (act & self.v_nonzero).sum(1))
        if refine:
            q = np.array([self._data_rank_bound(member[r] > 0, True) if size[r] > 1 else 1
                          for r in range(len(first))])
        else:  # samples, nonzero columns of X̃ on the region, rank X̃ (_data_rank_bound)
            mask = self.Xt_nonzero if self.data_basis is None else \
                self.Xt_nonzero[:, self.data_basis]
            q_data = self.data_rank if self.data_rank is not None else self.d + 1
            q = np.minimum(np.minimum(size, ((member @ mask) > 0).sum(1)), q_data)
        eta = np.minimum((((member @ self.positive) > 0) & act).sum(1) + 1, q)
        total = int((rho * q + eta * (m - rho)).sum())
        out.append(Bound("regions (T4 sharpened)", total,
                             "Σ_r ρ_r·q_r + η_r·(m − ρ_r)" + (" (term ranks)" if refine else "")))
        return out

    @cached_property
    def _span_bound(self) -> Bound | None:
        """The sample-span bound (docs/theory.md): rank J ≤ Σ_i dim Ā_i + rank Q̄, with
        Ā_i = span{v_j : j active on x_i} on the samples with fewer than m such neurons and
        Q^m on the others, and Q̄ the rows ℓ ⊗ (h_i, 1) for ℓ in a basis of Ā_i^⊥ (exact, in
        integers). None when no sample has fewer than m active neurons, or Q̄ would have more
        than SPAN_ENTRIES entries. Computed once per case (exact kernels and a rank)."""
        n, N, m = self.n, self.N, self.m
        live = self.S & self.v_nonzero
        few = np.flatnonzero(live.sum(1) < m)
        if not few.size or few.size * m * (N + 1) * m > SPAN_ENTRIES:
            return None
        # per distinct active set, an integer basis of {ℓ : ℓ·v_j = 0 for j active}
        Vint = self.v_columns
        complements: dict = {}
        for i in few.tolist():
            key = live[i].tobytes()
            if key not in complements:
                complements[key] = integer.left_kernel_rows(Vint[:, live[i]])
        # h̃_i exactly, row i times c_i > 0 and column j times d_j > 0 (same rank of Q̄)
        Xt = self.X.with_ones_column().take(rows=few).integer_rows().tolist()  # its rows only
        Wt = self.wt_integers.tolist()
        positive = self.positive[few].tolist()
        rows, dims = [], 0
        for t, i in enumerate(few.tolist()):
            L = complements[live[i].tobytes()]
            dims += m - len(L)
            # h_ij exactly (scaled) where it is not 0: a dot product of Python ints
            h = [sum(map(mul, Xt[t], Wt[j])) if positive[t][j] else 0 for j in range(N)]
            h.append(Xt[t][-1])
            rows += [[a * x for a in ell for x in h] for ell in L]
        value = m * (n - few.size) + dims + (integer.rank(rows) if rows else 0)
        return Bound("sample spans", value,
                     f"Σ_i dim span(v_j : j active on x_i) (m when at least m are) + rank Q̄, "
                     f"Q̄ of {len(rows)} exact rows ℓ ⊗ (h_i, 1) from the {few.size} samples "
                     f"with fewer than m = {m} active neurons")

    def spans_are_exact(self) -> str | None:
        """Whether the sample-span bound is the rank (the independent-samples theorem,
        :mod:`relugeom.rank.independent`): rank X̃ = n, proven by the float Gram bound on X̃
        (exact when X is read from floats), and rank V[:, A_i] = m wherever at least m neurons
        with v_j ≠ 0 are active, proven by one nonzero m × m minor (exact, in integers) —
        then every Ā_i is A_i. A sentence saying so, or None."""
        n, m = self.n, self.m
        if n > self.d + 1 or _relative_errors(self)[0] != 0.0:
            return None
        Xt = np.hstack([self.X_float, np.ones((n, 1))])
        if full_row_rank_certified(Xt, np.zeros_like(Xt)) is None:
            return None
        live = self.S & self.v_nonzero
        many = np.flatnonzero(live.sum(1) >= m)
        minors = {tuple(np.flatnonzero(live[i])[:m].tolist()) for i in many.tolist()}
        if minors:
            Vint = self.v_columns
            for columns in minors:
                if integer.rank(Vint[:, list(columns)].tolist()) < m:
                    return None
        return (f"rank X̃ = n = {n} (float Gram bound on X̃, exact floats) and an exact nonzero "
                f"{m} × {m} minor of V on the active neurons of each of the {many.size} samples "
                f"with at least m active: the independent-samples formula")

    def _relation_bounds(self) -> list[Bound]:
        """Level 3: the level-2 bounds and the neuron-group bound less the local relations
        (:mod:`relugeom.rank.relations`)."""
        if self._level3 is not None:
            return self._level3
        out = list(self._level2 or self.bounds(2))
        try:
            count = relation_count(self, self._usable_prime(), budget=WorkBudget())
        except BudgetExceeded:  # the exact kernels would take too long: no level-3 bound
            self._level3 = out
            return out
        out.append(Bound("local relations", self._group_value - count["relations"],
                             f"neuron-group bound (term ranks) {self._group_value} less "
                             f"{count['relations']} exact relations among the groups' "
                             f"W-columns on {count['samples']} samples"))
        self._level3 = out
        return out

    def _usable_prime(self) -> int:
        """A prime dividing no denominator: one already used, else the first that works."""
        for p in list(self._residues) + random_primes(16, seed=self.seed):
            try:
                self.residues(p)
                return p
            except PrimeDividesDenominator:
                continue
        raise ArithmeticError("16 random primes all divide a denominator of the input")

    # -- streaming the kept matrix ---------------------------------------------------------
    def _column_vectors(self, p: int, cols: dict, kind: np.ndarray, idx: np.ndarray) -> np.ndarray:
        r = self.residues(p)
        n, m = self.n, self.m
        out = np.zeros((len(idx), n, m))
        w = kind == 0
        if w.any():
            j, l = cols["wj"][idx[w]], cols["wl"][idx[w]]
            block = (r["Xt"][:, l] * self.S[:, j]).T[:, :, None] * r["V"][:, j].T[:, None, :]
            out[w] = reduce_residues(block, p)
        v = kind == 1
        if v.any():
            j, k = cols["vj"][idx[v]], cols["vk"][idx[v]]
            sub = np.zeros((int(v.sum()), n, m))
            sub[np.arange(len(j)), :, k] = r["H"][:, j].T
            out[v] = sub
        c = kind == 2
        if c.any():
            sub = np.zeros((int(c.sum()), n, m))
            sub[np.arange(int(c.sum())), :, cols["ck"][idx[c]]] = 1.0
            out[c] = sub
        return out.reshape(len(idx), n * m)

    def _row_vectors(self, p: int, cols: dict, samples: np.ndarray) -> np.ndarray:
        r = self.residues(p)
        m = self.m
        Xt, S = r["Xt"][samples], self.S[samples]
        wj, wl = cols["wj"], cols["wl"]
        W = (S[:, wj] * Xt[:, wl])[:, None, :] * r["V"][:, wj][None, :, :]
        Vpart = r["H"][samples][:, cols["vj"]][:, None, :] * \
            (cols["vk"][None, :] == np.arange(m)[:, None])[None, :, :]
        C = np.broadcast_to(np.eye(m), (len(samples), m, m))
        rows = np.concatenate([reduce_residues(W, p), Vpart, C], axis=2)
        return rows.reshape(len(samples) * m, -1)

    def streamed_columns(self, p: int) -> dict[str, np.ndarray]:
        """The kept columns with each neuron's w̃-columns cut to a basis mod p of D_j X̃.

        Any set of columns of J gives a lower bound of its rank, so these columns (independent
        mod p, hence over Q) lose nothing for the lower bound; they are not used for bounds.
        Computed once, with the first prime asked; only for m > 1, where the rank is often
        below n·m and every streamed column is then reduced.
        """
        if self._streamed is not None:
            return self._streamed
        cols = self.kept_columns()
        if self.m == 1:
            # with one output the rank is usually n (full row rank): random columns reach it
            # early and the streaming stops there, so a basis per neuron would not pay
            self._streamed = cols
            return cols
        Xt = self.residues(p)["Xt"]
        keep = np.zeros(len(cols["wj"]), bool)
        for j in np.unique(cols["wj"]):
            where = np.flatnonzero(cols["wj"] == j)
            E = EchelonModP(p, int(self.S[:, j].sum()))
            E.add(Xt[self.S[:, j]][:, cols["wl"][where]].T)  # vectors: columns of D_j X̃
            keep[where[E.independent]] = True
        self._streamed = {**cols, "wj": cols["wj"][keep], "wl": cols["wl"][keep]}
        return self._streamed

    def _kept_count(self) -> int:
        """The number of kept columns (:meth:`kept_columns`), from the mask of the W-columns:
        a V-column (k, j) for each neuron j with some h_ij ≠ 0, one fewer when j has kept
        W-columns, and the m c-columns."""
        mask = self.kept_w_mask()
        if len(self._kept_mask) == 2:  # counted once per data basis
            alive = self.alive
            count = np.count_nonzero  # (an np.int64: made an int below)
            self._kept_mask += (int(count(mask) + self.m * count(alive)
                                    - count(mask.any(1) & alive) + self.m),)
        return self._kept_mask[2]

    def is_small(self, bound: int) -> bool:
        """Whether the kept matrix is small enough to be built whole and ranked in one call
        (:func:`relugeom.linalg.nmod.projected_rank`, after a projection to ``bound``)."""
        nrows, ncols = self.n * self.m, self._kept_count()
        return nrows * ncols <= SMALL_ENTRIES and \
            min(nrows, ncols) * min(nrows, ncols, bound) <= SMALL_PROJECTED

    def gram_rank_mod(self, p: int) -> int:
        """rank mod p of J·Jᵀ (rows (i, k), all P columns), from the structure of
        :func:`relugeom.rank.float_certificate.shallow_row_gram` in residues: a certified lower
        bound of rank_Q J, since rank_p(J·Jᵀ) ≤ rank_p(J) ≤ rank_Q(J). Cost: (n·m)²·N for the
        products, then one python-flint rank of an n·m × n·m matrix."""
        r = self.residues(p)
        n, m = self.n, self.m
        A = (self.S[:, None, :] * r["V"][None, :, :]).reshape(n * m, -1)  # s_ij·V_kj mod p
        G = matmul_mod(r["Xt"], r["Xt"].T, p)[:, None, :, None] * \
            matmul_mod(A, A.T, p).reshape(n, m, n, m)  # products below 2^42: exact in floats
        ones = 1.0 + matmul_mod(r["H"], r["H"].T, p)
        for k in range(m):
            G[:, k, :, k] += ones
        return projected_rank(np.remainder(G.reshape(n * m, n * m), p), p, n * m, self.seed)

    def rank_mod(self, p: int, bound: int, block: int = 1024, gram: bool = False
                 ) -> tuple[int, tuple]:
        """rank mod p of the kept columns, stopping at ``bound``: small matrices whole, projected
        to ``bound`` columns and ranked by python-flint; others streamed in random order. With
        ``gram`` (a small case with at most as many rows as kept columns), the rank mod p of
        J·Jᵀ first (:meth:`gram_rank_mod`): when it reaches ``bound``, that is the answer."""
        nrows = self.n * self.m
        if gram and self.is_small(bound) and nrows <= min(GRAM_ROWS, self._kept_count()):
            value = self.gram_rank_mod(p)
            if value >= bound:
                return value, (nrows, nrows)
        if self.is_small(bound):
            cols = self.kept_columns()
            A = self._row_vectors(p, cols, self.row_order)
            ncols = A.shape[1]
            if nrows > ncols:
                return projected_rank(A.T, p, bound, self.seed), (nrows, ncols)
            # kept for the left kernel (relugeom.rank.verified.shallow_left_kernel)
            self.projected = ProjectedRows(A, p, min(bound, ncols), self.seed)
            self.rows_mod = (p, cols, A)
            return self.projected.rank, (nrows, ncols)
        cols = self.streamed_columns(p)
        ncols = len(cols["wj"]) + len(cols["vj"]) + len(cols["ck"])
        rng = np.random.default_rng(self.seed)
        if ncols >= nrows:  # vectors are columns of J, of length n·m
            kind = np.concatenate([np.zeros(len(cols["wj"]), int), np.ones(len(cols["vj"]), int),
                                   np.full(self.m, 2)])
            idx = np.concatenate([np.arange(len(cols["wj"])), np.arange(len(cols["vj"])),
                                  np.arange(self.m)])
            order = rng.permutation(len(kind))
            E = EchelonModP(p, nrows)
            step = max(1, min(block, (1 << 27) // (8 * nrows)))
            for s in range(0, len(order), step):
                part = order[s:s + step]
                E.add(self._column_vectors(p, cols, kind[part], idx[part]))
                if E.rank >= bound:
                    break
        else:  # vectors are rows of J (all m rows of a sample together), of length ncols
            order = rng.permutation(self.n)
            E = EchelonModP(p, ncols)
            step = max(1, min(block, (1 << 27) // (8 * ncols * self.m)))
            for s in range(0, len(order), step):
                E.add(self._row_vectors(p, cols, order[s:s + step]))
                if E.rank >= bound:
                    break
        return E.rank, (nrows, ncols)

    def log2_minor_bound(self, size: int) -> float:
        """log2 of a Hadamard bound for size×size minors of J scaled to integers (one scaling
        of the whole matrix by the denominators of the inputs)."""
        def log2_scale(A: RationalArray) -> float:
            num, exps, den = A._parts()
            lcm = 1
            for q in np.unique(np.asarray(den).ravel()):
                lcm = math.lcm(lcm, int(q))
            emin = int(np.min(exps)) if np.size(exps) else 0
            return math.log2(lcm) + max(0, -emin)

        def log2_max(A: RationalArray) -> float:
            f = np.abs(A.to_float())
            top = float(f.max()) if f.size else 0.0
            return math.log2(top) if 0 < top < math.inf else 0.0

        scale = sum(log2_scale(A) for A in (self.X, self.W, self.b, self.V))
        xmax, wmax = log2_max(self.X), log2_max(self.W)
        bmax, vmax = log2_max(self.b), log2_max(self.V)
        zmax = max(xmax + wmax + math.log2(self.d + 1), bmax) + 1
        entry = scale + max(vmax + max(xmax, 0.0), zmax, 0.0) + 2
        length = max(self.n * self.m, 1)
        return log2_hadamard([entry + 0.5 * math.log2(length)] * size, size)


def modular_local_dimension(network: Network, X: Any, *, relu_prime_at_zero: ReluPrime = "error",
                            primes: int = 1, seed: int = 0, levels: Sequence[int] = (1, 2, 3),
                            case: ShallowModular | None = None,
                            kernel_bits: int | None = None,
                            float_gram: bool | None = None, resume: Rank | None = None) -> Rank:
    """Local dimension of a shallow network from ranks mod 21-bit primes, with its certificate.

    The rank mod p of the compressed Jacobian (column side; streamed in a seeded random order,
    stopping at the smallest proven upper bound; a small one whole, projected, in one
    python-flint call) is a certified lower bound. It is certified
    exact when it equals a proven upper bound (:meth:`ShallowModular.bounds`: n·m, P − N, the
    kept columns, neuron groups, regions); if not, the bounds are sharpened (term ranks,
    certified rank of X̃; then the local relations of :mod:`relugeom.rank.relations`) and compared
    again. With ``kernel_bits`` (the front door's "auto": the budget of a verified kernel), a
    small case tries the verified left kernel
    (:func:`relugeom.rank.verified.shallow_left_kernel`) when its lift is cheap: first, and
    again, with a larger budget, before the local relations.
    With ``float_gram`` (default: with ``kernel_bits``, i.e. under "auto"), the float Gram
    bound (:mod:`relugeom.rank.float_certificate`) is tried first for the smallest level-0
    bound: when it proves that many rows (or columns) of the float64 Jacobian independent, the
    rank is that bound, with no prime at all (certificate ``"upper-bound (<bound>) with float
    Gram lower bound"``); when it does not, the modular path runs as without it. Samples on a
    subspace (X̃ deficient enough, in floats, for fewer kept columns than the level-0 bounds)
    have rank X̃ certified first, with no prime when small, and the pair relations added; with
    one output, the kept columns themselves are tried then: their own basis when they are
    small integers (:meth:`ShallowModular.kept_exact_rank`), else their float Gram
    (:meth:`ShallowModular.kept_float_rank`).
    Otherwise the answer is labelled probabilistic,
    with ε = P[a random prime divides the relevant nonzero minor] bounded from Hadamard's
    inequality (:func:`relugeom.linalg.modular.failure_probability`).

    ``levels``: the levels of bounds tried in turn while the rank mod p is below them (all by
    default). ``resume``: an uncertified result of an earlier call on the same ``case``, whose
    rank mod p, primes and bounds are taken as they are (nothing is recomputed): only
    ``levels`` are tried then.
    """
    case = case or ShallowModular(network, X, relu_prime_at_zero, seed)
    shapes = {"jacobian_shape": (case.n * case.m, network.n_parameters),
              "relu_prime_at_zero": str(relu_prime_at_zero)}
    if resume is None:
        started = _first_pass(case, primes, seed, kernel_bits, float_gram, shapes)
        if isinstance(started, Rank):
            return started
        value, used, bounds, shapes["matrix_shape"] = started
    else:
        value, used, bounds = resume.value, list(resume.primes), list(resume.bounds)
        shapes["matrix_shape"] = resume.matrix_shape
    shapes["primes"] = tuple(used)
    best_bound = min(bounds, key=lambda b: b.value)
    for level in levels:
        if value >= best_bound.value:
            break
        if level == 3 and kernel_bits is not None and case.is_small(case.first_bound) and used:
            # a moderate lift of the verified left kernel before the local relations
            kernel = shallow_left_kernel(case, used[0], LIFT_WORK, kernel_bits)
            if kernel and kernel.exact:
                return replace(kernel.to_rank(bounds), **shapes)
        bounds = _merged(case.bounds(level), case.found_bounds)
        best_bound = min(bounds, key=lambda b: b.value)
    if value >= best_bound.value:
        return Rank(value, "modular", True, f"upper-bound ({best_bound.name})",
                    f"rank mod p = {value} = {best_bound.name} bound", value, best_bound.value,
                    tuple(bounds), epsilon=0.0, **shapes)
    eps = failure_probability(case.log2_minor_bound(best_bound.value), len(used))
    return Rank(value, "modular", False, "probabilistic",
                f"certified lower bound {value} < smallest proven upper bound "
                f"{best_bound.value} ({best_bound.name}); the rank over Q exceeds "
                f"{value} with probability ≤ {eps:.3g}", value, best_bound.value, tuple(bounds),
                epsilon=eps, **shapes)


def _merged(bounds: list[Bound], found: list[Bound]) -> list[Bound]:
    """``bounds`` and those of ``found`` whose names they do not have."""
    names = {b.name for b in bounds}
    return bounds + [b for b in found if b.name not in names]


def _first_pass(case: ShallowModular, primes: int, seed: int, kernel_bits: int | None,
                float_gram: bool | None, fields: dict) -> Rank | tuple:
    """The float path, the rank mod p and the level-0 bounds of :func:`modular_local_dimension`
    (and, for a small case, a cheap verified left kernel): a certified Rank, or (rank mod p,
    primes used, bounds, the shape of the matrix ranked) to refine. ``fields``: the Rank fields
    every answer carries (the Jacobian's shape, the convention)."""
    candidates = random_primes(4 + 4 * primes, seed=seed)
    floating = kernel_bits is not None if float_gram is None else float_gram
    bounds = case.bounds(level=0)
    first = case.first_bound = min(b.value for b in bounds)
    small = case.is_small(first)
    # a small case is ranked before its data rank is certified, unless the projection would
    # be wide and X̃ looks deficient (then the data rank shrinks the kept columns first); a
    # large one certifies it first (its streamed columns shrink), after the float path
    if (not small and not floating) or (first > SMALL_FIRST and case.data_looks_deficient()):
        case.certify_data_rank_any(candidates)
        bounds = case.bounds(level=0)
    extra = case.found_bounds = []  # the bounds the float path computes, kept for the levels
    if floating:
        # data on a subspace (X̃ looks deficient enough): rank X̃ certified first, when it can
        # be with no prime, for fewer kept columns, less the pair relations
        early = case.data_rank is None and case.data_rank_first(first) and \
            case.certify_small_data_rank()
        if early:  # the kept-columns bound in the basis of X̃ replaces the first one
            found = case.data_bounds(pairs=False)
            bounds = [b for b in bounds if b.name != "kept columns"] + found
            # few kept columns, one output: their own rank, when they are small integers
            proven = case.kept_exact_rank(bounds, **fields)
            if proven:
                return proven
            extra += case.pair_bounds()
            # their own float Gram, exact for one output
            proven = case.kept_float_rank(bounds + extra, **fields)
            if proven:
                return proven
            # not proven: the pairs whose differences are coplanar may have relations too
            sharper = case.pair_bounds(refine=True)
            if sharper and sharper[0].value < min(b.value for b in bounds + extra):
                extra[:] = [b for b in extra if b.name != "pair relations"] + sharper
                proven = case.kept_float_rank(bounds + extra, **fields)
                if proven:
                    return proven

        def kept(found: list) -> list:
            extra.extend(found)
            return found
        # a rank below the level-0 bounds is often, for data on a subspace, the kept columns
        # once rank X̃ is certified (no prime when small), less the pair relations; for dead
        # samples or few active neurons, the split or region bound, or the sample-span bound:
        # the float Gram bound may meet it
        more = (lambda: [] if early else kept(case.data_bounds()),
                lambda: kept(case._sample_bounds(False)),
                lambda: kept([b for b in (case._span_bound,) if b is not None]))
        proven = shallow_float_rank(case, bounds + extra, more, **fields)
        if proven:
            return proven
        spans = [b for b in extra if b.name == "sample spans"]
        why = spans and case.spans_are_exact()  # J ill-conditioned, the samples independent
        if why:
            value = spans[0].value
            return Rank(value, "modular", True, "independent samples",
                        f"rank = sample-span bound {value}: {why}", value, value,
                        tuple(bounds + extra), epsilon=0.0,
                        matrix_shape=fields["jacobian_shape"], **fields)
        if not small and case.data_rank is None:
            case.certify_data_rank_any(candidates)
            bounds = case.bounds(level=0)
    level0 = min(b.value for b in bounds)
    bounds = bounds + extra
    best_bound = min(bounds, key=lambda b: b.value)
    # a bound the float path found below the level-0 ones but could not prove (J too
    # ill-conditioned): the rank mod p of J·Jᵀ, cheaper than of J, may reach it
    gram = best_bound.value < level0
    value, shape, used = -1, (0, 0), []
    for p in candidates:
        if len(used) == primes or value >= best_bound.value:
            break
        try:
            case.residues(p)
        except PrimeDividesDenominator:
            continue
        used.append(p)
        r, shape = case.rank_mod(p, best_bound.value, gram=gram)
        value = max(value, r)
    if small and value < best_bound.value:
        if kernel_bits is not None and used:  # a verified left kernel, when its lift is cheap
            kernel = shallow_left_kernel(case, used[0], SMALL_LIFT, kernel_bits)
            if kernel and kernel.exact:
                return replace(kernel.to_rank(bounds), **fields, matrix_shape=shape,
                               primes=tuple(used))
        case.certify_data_rank_any(used + candidates)
        bounds = case.bounds(level=0) + extra
    return value, used, bounds, shape
