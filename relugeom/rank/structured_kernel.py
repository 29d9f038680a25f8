"""The structured kernel: a proven upper bound of a shallow local dimension from small systems.

Notation of :mod:`relugeom.rank.shallow`: x̃ = (x, 1), w̃_j = (w_j, b_j), z_ij = x̃_i·w̃_j,
h_ij = relu(z_ij), s_ij ∈ {0, 1} the derivative used at sample i for neuron j, v_j = V[:, j],
D = d + 1. A direction θ' = (u_j, α_j, β) (u_j ∈ Q^D the weights and bias of neuron j, α_j ∈
Q^m its column of V, β ∈ Q^m for c) is mapped by J to the n × m matrix with rows

    (J θ')_i = Σ_j s_ij (x̃_i·u_j) v_j + h_ij α_j + β.

rank J = P − dim ker J, so k linearly independent vectors of ker J prove rank J ≤ P − k. Four
families of kernel vectors are known exactly from systems far smaller than J:

- zero columns: the columns of V for a neuron never positive, of w̃_j for a neuron never
  active or with v_j = 0 (unit vectors);
- data kernels: u_j ∈ ker(D_j X̃) (the samples neuron j is active on), alone: one exact
  kernel of an n_j × D integer matrix per neuron (its rows scaled to integers);
- rescalings: (u_j, α_j) = (w̃_j, −v_j) (s_ij z_ij = h_ij for every convention);
- group relations: for a set Γ of neurons, the θ' supported on Γ (and β) with

      (a)  Σ_{j∈Γ} u_j v_jᵀ + w̃_j α_jᵀ + e_D βᵀ = 0   (m equations per column l of X̃
           that is not zero, l = D included),
      (b)  Σ_{j∈Γ} (1 − s_ij)(x̃_i·u_j) v_j + (z_ij − h_ij) α_j = 0   (m equations per
           sample i on which some neuron of Γ is not positive).

  *Proof.* x̃_iᵀ·(a) = Σ_{j∈Γ} (x̃_i·u_j) v_j + z_ij α_j + β (the omitted rows meet x̃_il = 0),
  and subtracting (b) leaves exactly (J θ')_i; so J θ' = 0 at every sample. ∎ Neurons active
  on almost every sample (large biases) make (b) small: Γ is taken as the t neurons active on
  the most samples, t = 2, …, N. The samples on which one neuron t alone is inactive share
  α_t: after the first, i₀, each adds the one row z_i₀t (x̃_i·u_t) − z_it (x̃_i₀·u_t) = 0,
  equivalent to its m rows given i₀'s (v_t ≠ 0).

Only residues mod one prime p are computed for the group relations. If the system C of (a),
(b) has rank_Q C = rank_p C — certified when C has full row rank mod p (a nonzero minor mod p
is nonzero), else by the verified left kernel of C built exactly when it has few dependent rows
— then for each column f outside the pivots B (mod p) of C, u_f = e_f − B⁻¹C_f is a rational
kernel vector whose denominator divides det B, a unit mod p, and its reduction is the kernel
vector of the echelon form mod p. So every vector is the reduction of a p-integral rational
vector of ker J, and if k of them are independent mod p (a nonzero k × k minor mod p), those k
rational vectors are independent:

    rank_Q J ≤ P − k,   and with a rank mod p of J equal to P − k:  rank_Q J = P − k.

Otherwise the columns of J at the k echelon pivots (:attr:`StructuredKernel.pivots`) are
combinations of the others over Q, and the verified kernel of J without them
(:func:`relugeom.rank.verified.jacobian_kernel` with ``redundant``) lifts only what is left,
first on the columns that rest uses mod p (:func:`residual_support`).

The certificate is named **structured kernel** (docs/theory.md, "Structured kernel"). Cost:
one exact kernel of a small integer matrix per neuron (python-flint), at most N − 1 echelon
forms mod p of the (D + |samples of (b)|)·m × (D + m)·t systems (and for a rank-deficient one
with few dependent rows an exact left kernel), and the rank mod p of the vectors (stopped at
the target); no Jacobian.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from ..exact.arrays import RationalArray, reduce_mod
from ..linalg import integer
from ..linalg.certified import Bound
from ..linalg.modular import EchelonModP, matmul_mod, reduce_residues, rref_mod_p
from ..linalg.verified import verified_kernel
from ..model.deep import as_deep
from ..model.network import Network, as_shallow, is_shallow
from ..model.patterns import ReluPrime
from .backprop import scaled_jacobian
from .shallow import ShallowModular

#: A group system above this many entries is not built (its echelon form would cost seconds).
GROUP_ENTRIES = 4_000_000
#: The exact left kernel of a rank-deficient group system is tried up to this many relations,
#: this many neurons in Γ and this many bits (Hadamard's prediction of the lift).
LEFT_RELATIONS = 8
LEFT_NEURONS = 12
LEFT_BITS = 2 ** 24
#: The front door skips the structured kernel under a smaller verified-kernel budget, and
#: above this many parameters (the rank mod p of up to P vectors of length P costs about P³:
#: d = 784 would take minutes; the data kernels alone are then thousands of vectors).
STRUCTURED_BITS = 2 ** 16
MAX_PARAMETERS = 5000


@dataclass(frozen=True)
class StructuredKernel:
    """``count`` independent kernel vectors of J found (so rank J ≤ ``upper``), by family."""

    upper: int
    count: int
    families: dict
    prime: int
    seconds: float
    #: θ positions on which the vectors found are nonsingular mod p (their echelon pivots): the
    #: columns of J there are combinations of the others, so dropping them keeps rank J
    pivots: tuple = ()

    @property
    def detail(self) -> str:
        parts = ", ".join(f"{v} {k}" for k, v in self.families.items() if v)
        return (f"structured kernel: {self.count} independent kernel vectors of J "
                f"({parts}; independent mod {self.prime}), so rank ≤ P − {self.count} = "
                f"{self.upper}")

    def to_bound(self) -> Bound:
        return Bound("structured kernel", self.upper, self.detail)


class _Theta:
    """Positions in θ = (W row-major, b, V row-major, c) of a shallow network."""

    def __init__(self, d: int, N: int, m: int):
        self.d, self.N, self.m = d, N, m
        self.P = N * (d + 1) + m * N + m

    def w(self, j: Any, l: Any) -> Any:
        """Position of w̃_j[l] (l = d is the bias)."""
        j, l = np.asarray(j), np.asarray(l)
        return np.where(l < self.d, j * self.d + l, self.N * self.d + j)

    def v(self, k: Any, j: Any) -> Any:
        return self.N * (self.d + 1) + np.asarray(k) * self.N + np.asarray(j)

    def c(self, k: Any) -> Any:
        return self.N * (self.d + 1) + self.m * self.N + np.asarray(k)


def structured_kernel(case: ShallowModular, p: int, target: int | None = None,
                      max_bits: int | None = None) -> StructuredKernel:
    """Independent kernel vectors of the Jacobian of a prepared shallow case, counted mod p.

    ``p``: a prime dividing no denominator of the case (one its residues were computed for).
    ``target``: stop once this many vectors are found (P − a proven lower bound of the rank).
    ``max_bits``: budget of the exact left kernel of a rank-deficient group system (default
    :data:`LEFT_BITS`).
    Returns the count k and the proven upper bound P − k (module docstring).

    >>> from relugeom import ShallowNetwork
    >>> net = ShallowNetwork(W=[[1, 0], [0, 1], [1, 1]], b=[0, 0, 0], V=[[1, 2, 3]], c=[0])
    >>> case = ShallowModular(net, [[1, 2], [2, 1], [3, 5], [1, 1]])
    >>> structured_kernel(case, 1000003).upper     # every sample in one linear region: D
    3
    """
    start = time.perf_counter()
    theta = _Theta(case.d, case.N, case.m)
    E = EchelonModP(p, theta.P)
    goal = theta.P if target is None else min(target, theta.P)
    families: dict[str, int] = {}
    for name, vectors in _families(case, p, theta, max_bits or LEFT_BITS):
        if E.rank >= goal:
            break
        for block in vectors:
            families[name] = families.get(name, 0) + E.add(block)
            if E.rank >= goal:
                break
    return StructuredKernel(theta.P - E.rank, E.rank, families, p,
                            time.perf_counter() - start, tuple(E.pivots))


def jacobian_structured_kernel(network: Network, X: Any, relu_prime_at_zero: ReluPrime,
                               seed: int, primes: tuple, target: int | None = None,
                               max_bits: int = LEFT_BITS) -> StructuredKernel | None:
    """:func:`structured_kernel` of J(θ, X) for a shallow network, modulo the first of
    ``primes`` (those of a modular pass, which divide no denominator); None for a deep network,
    no prime, more than :data:`MAX_PARAMETERS` parameters, or a budget ``max_bits`` (the
    verified kernel's, in the front door) below :data:`STRUCTURED_BITS`: its exact steps are
    lifts too."""
    if not is_shallow(network) or not primes or max_bits < STRUCTURED_BITS or \
            network.n_parameters > MAX_PARAMETERS:
        return None
    case = ShallowModular(as_shallow(network), X, relu_prime_at_zero, seed)
    return structured_kernel(case, primes[0], target, min(max_bits, LEFT_BITS))


def residual_support(network: Network, X: Any, relu_prime_at_zero: ReluPrime,
                     found: StructuredKernel) -> tuple[np.ndarray, np.ndarray]:
    """(columns, support): the θ positions of the nonzero columns of J outside ``found``'s
    pivots, and those of them that the rest of the kernel mod p uses (the free columns of
    the echelon form mod p of J[:, columns] and the pivots they involve). ``X``: a checked
    sample. A heuristic only (a choice of columns): for any S ⊆ columns,

        rank J = rank J[:, columns] ≤ rank J[:, S] + |columns ∖ S|,

    and a verified kernel of J[:, S] makes the right side exact; when S is the support mod p
    it equals the rank mod p of J[:, columns]. Cost: J (exact, integers) and one echelon form
    mod p of its n·m × |columns| residues.
    """
    A = scaled_jacobian(as_deep(network), X, relu_prime_at_zero).numerators
    keep = A.any(axis=0)
    keep[np.asarray(found.pivots, dtype=np.int64)] = False
    columns = np.flatnonzero(keep)
    if not len(columns):
        return columns, columns
    R, pivots, _ = rref_mod_p(reduce_mod(A[:, columns], found.prime).astype(float), found.prime)
    free = np.setdiff1d(np.arange(len(columns)), pivots)
    used = np.asarray(pivots, dtype=np.int64)[(R[:, free] != 0).any(axis=1)] \
        if len(pivots) else np.zeros(0, dtype=np.int64)
    return columns, np.sort(columns[np.concatenate([free, used])])


def kernel_vectors(case: ShallowModular, p: int) -> dict[str, np.ndarray]:
    """Every family's vectors mod p (rows, in θ order), for tests: each is the reduction of a
    vector of ker J, so J·K ≡ 0 (mod p)."""
    theta = _Theta(case.d, case.N, case.m)
    return {name: np.vstack(list(vectors) or [np.zeros((0, theta.P))])
            for name, vectors in _families(case, p, theta, LEFT_BITS)}


def _families(case: ShallowModular, p: int, theta: _Theta, max_bits: int
              ) -> Iterator[tuple[str, Iterator]]:
    r = case.residues(p)
    W, b = case.W.residues(p), case.b.residues(p)
    Wt = np.hstack([W.reshape(case.N, case.d), b.reshape(case.N, 1)]).astype(float)
    Z = matmul_mod(r["Xt"], Wt.T, p)
    yield "zero columns", iter([_zero_columns(case, theta)])
    yield "data kernels", _data_kernels(case, p, theta)
    yield "rescalings", iter([_rescalings(case, p, r["V"], Wt, theta)])
    yield "group relations", _group_relations(case, p, theta, r, Wt, Z, max_bits)


def _unit(theta: _Theta, positions: Any) -> np.ndarray:
    positions = np.asarray(positions, dtype=np.int64).ravel()
    out = np.zeros((len(positions), theta.P))
    out[np.arange(len(positions)), positions] = 1.0
    return out


def _zero_columns(case: ShallowModular, theta: _Theta) -> np.ndarray:
    D, m = case.d + 1, case.m
    never_positive = np.flatnonzero(~case.positive.any(0))
    silent = np.flatnonzero(~case.S.any(0) | ~case.v_nonzero)  # W-columns of j are zero
    v = theta.v(np.repeat(np.arange(m), len(never_positive)), np.tile(never_positive, m))
    w = theta.w(np.repeat(silent, D), np.tile(np.arange(D), len(silent)))
    return _unit(theta, np.concatenate([v, w]))


def _data_kernels(case: ShallowModular, p: int, theta: _Theta) -> Iterator[np.ndarray]:
    """ker(D_j X̃) for every neuron that has W-columns, mod p: from the echelon form mod p when
    D_j X̃ has full row rank mod p (then over Q: the argument of the group relations), else
    an exact integer basis (python-flint; X̃ scaled by rows to integers, the same kernel)."""
    D = case.d + 1
    rows = None
    Xt = case.residues(p)["Xt"]
    for j in np.flatnonzero(case.S.any(0) & case.v_nonzero):
        active = np.flatnonzero(case.S[:, j])
        R, pivots, kept = rref_mod_p(Xt[active], p)
        if len(pivots) == D:
            continue  # full column rank mod p, hence over Q: no kernel
        if len(kept) == len(active):
            yield _place(_echelon_kernel(R, pivots, D, p), theta, j, D)
            continue
        if rows is None:
            rows = case.X.with_ones_column().integer_rows()
        basis = integer.kernel(np.asarray(rows[active], dtype=object).tolist())
        if basis and basis[0]:
            K = np.array(basis, dtype=object).T  # kernel vectors as rows
            yield _place(np.remainder(K, p).astype(float), theta, j, D)


def _echelon_kernel(R: np.ndarray, pivots: list, ncols: int, p: int) -> np.ndarray:
    """The kernel mod p of a matrix from the reduced echelon form R of its rows: one vector
    e_f − R[:, f] (on the pivots) per free column f."""
    free = np.setdiff1d(np.arange(ncols), pivots)
    K = np.zeros((len(free), ncols))
    K[np.arange(len(free)), free] = 1.0
    K[:, pivots] = np.remainder(-R[:, free].T, p)
    return K


def _place(U: np.ndarray, theta: _Theta, j: int, D: int) -> np.ndarray:
    """Vectors u ∈ Q^D of the w̃-block of neuron j as vectors of θ."""
    out = np.zeros((len(U), theta.P))
    out[:, theta.w(j, np.arange(D))] = U
    return out


def _rescalings(case: ShallowModular, p: int, V: np.ndarray, Wt: np.ndarray, theta: _Theta
                ) -> np.ndarray:
    D, m = case.d + 1, case.m
    out = np.zeros((case.N, theta.P))
    for j in range(case.N):
        out[j, theta.w(j, np.arange(D))] = Wt[j]
        out[j, theta.v(np.arange(m), j)] = np.remainder(-V[:, j], p)
    return out


def _group_relations(case: ShallowModular, p: int, theta: _Theta, r: dict, Wt: np.ndarray,
                     Z: np.ndarray, max_bits: int) -> Iterator[np.ndarray]:
    """The group relations (a), (b) for Γ = the t neurons active on the most samples."""
    order = np.argsort(-case.S.sum(0), kind="stable")
    order = order[case.S[:, order].any(0) & case.v_nonzero[order]]
    known = Z != 0  # z_ij ≢ 0 mod p, so z_ij ≠ 0: may be a first sample i₀
    residues = _Arrays(r["V"], Wt, r["Xt"], Z, lambda A: reduce_residues(A, p), known)
    exact = _ExactArrays(case, known)
    for t in range(2, len(order) + 1):
        G = order[:t]
        C = _group_system(case, G, residues)
        if C is None:
            continue
        C = np.remainder(C, p)
        R, pivots, kept = rref_mod_p(C, p)
        if len(kept) < C.shape[0] and not _rank_proven(case, G, exact, len(pivots),
                                                          max_bits):
            continue  # rank over Q not proven equal to the rank mod p: no conclusion
        if len(pivots) < C.shape[1]:
            yield _group_to_theta(_echelon_kernel(R, pivots, C.shape[1], p), G, case, theta)


def _rank_proven(case: ShallowModular, G: np.ndarray, exact: "_ExactArrays", rank: int,
                 max_bits: int) -> bool:
    """Whether rank_Q C = ``rank`` (its rank mod p) for the group system C of Γ = G, by the
    verified left kernel of C built exactly (few dependent rows: a cheap lift), within
    ``max_bits``."""
    if len(G) > LEFT_NEURONS:
        return False
    C = _group_system(case, G, exact.arrays())
    if C.shape[0] - rank > LEFT_RELATIONS:
        return False
    found = verified_kernel(C, side="left", max_bits=max_bits)
    return found.exact and found.rank == rank


@dataclass(frozen=True)
class _Arrays:
    """V, W̃, X̃, Z = X̃·W̃ᵀ either mod p (float residues, ``reduce`` to residues) or exact
    (integers in object arrays, ``reduce`` the identity); ``nonzero``: entries of Z known to
    be nonzero (the same for both, so that both build the same system)."""

    V: np.ndarray
    Wt: np.ndarray
    Xt: np.ndarray
    Z: np.ndarray
    reduce: Any
    nonzero: np.ndarray


class _ExactArrays:
    """Exact :class:`_Arrays` of a case, built on first use, as Python integers: X̃, W̃ scaled by
    rows, V by columns. Positive scalings of a sample, of v_j and of w̃_j scale rows of C, its
    U_j-columns and its α_j-columns: the rank is that of C."""

    def __init__(self, case: ShallowModular, nonzero: np.ndarray):
        self.case, self.nonzero, self._arrays = case, nonzero, None

    def arrays(self) -> _Arrays:
        if self._arrays is None:
            case = self.case
            Xt = np.asarray(case.X.with_ones_column().integer_rows(), dtype=object)
            Wt = np.asarray(RationalArray.from_fractions(
                [list(w) + [b] for w, b in zip(case.network.W, case.network.b)]
            ).integer_rows(), dtype=object)
            V = np.asarray(case.V.integer_columns()[0], dtype=object)
            self._arrays = _Arrays(V, Wt, Xt, Xt.dot(Wt.T), lambda A: A, self.nonzero)
        return self._arrays


def _group_system(case: ShallowModular, G: np.ndarray, arrays: _Arrays) -> np.ndarray | None:
    """C for the group Γ = G (mod p or exact, as ``arrays``): columns U[l, t] (l·g + t),
    α[t, k] (D·g + t·m + k), β[k]; rows (a) (l, k) for the columns l of X̃ not identically
    zero (x̃_i·(a) does not see the others) and l = D, then (b) (i, k) for the samples i on
    which a neuron of Γ is not positive (all m rows: a zero row makes C rank deficient, never
    a wrong vector). Samples on which one neuron t alone is inactive, s_it = 0, after a first
    such sample i₀: their m rows v_t (x̃_i·u_t) + z_it α_t = 0 are, given i₀'s, equivalent to
    the one row z_i₀t (x̃_i·u_t) − z_it (x̃_i₀·u_t) = 0 (v_t ≠ 0, z_i₀t ≠ 0): that row replaces
    them. None when C would have more rows than columns or :data:`GROUP_ENTRIES` entries."""
    D, m, g = case.d + 1, case.m, len(G)
    V, Xt, Z, reduce = arrays.V[:, G], arrays.Xt, arrays.Z, arrays.reduce
    lines = np.flatnonzero(case.Xt_nonzero.any(0))
    samples = np.flatnonzero(~case.positive[:, G].all(1))
    inactive = ~case.S[np.ix_(samples, G)]                 # s_ij = 0
    negative = ~case.positive[np.ix_(samples, G)]          # z − h = z·(1 − [z > 0])
    alone = (negative.sum(1) == 1) & (inactive.sum(1) == 1)
    lone = np.where(alone, np.argmax(inactive, axis=1), -1)
    # i₀ needs z_i₀t ≠ 0 (known nonzero: its residue is)
    first = {int(t): int(samples[k]) for k, t in reversed(list(enumerate(lone)))
             if t >= 0 and arrays.nonzero[samples[k], G[t]]}
    alone &= np.array([int(t) in first for t in lone], dtype=bool)
    lone = np.where(alone, lone, -1)
    scalar = alone & (samples != np.array([first.get(int(t), -1) for t in lone]))
    full = np.flatnonzero(~scalar)
    na = len(lines) * m
    nrows, ncols = na + len(full) * m + int(scalar.sum()), D * g + g * m + m
    if nrows > ncols or nrows * ncols > GROUP_ENTRIES:
        return None
    C = np.zeros((nrows, ncols), dtype=V.dtype)
    a = C[:na].reshape(len(lines), m, ncols)
    for q, l in enumerate(lines):
        for t in range(g):
            a[q, :, l * g + t] = V[:, t]
            for k in range(m):
                a[q, k, D * g + t * m + k] = arrays.Wt[G[t], l]
    a[len(lines) - 1, np.arange(m), D * g + g * m + np.arange(m)] = 1  # l = D (always kept)
    bpart = C[na:na + len(full) * m].reshape(len(full), m, ncols)
    rows = samples[full]
    for t in range(g):
        coef = (Xt[rows] * inactive[full, t:t + 1])[:, None, :] * V[:, t][None, :, None]
        bpart[:, :, np.arange(D) * g + t] = reduce(coef)
        bpart[:, np.arange(m), D * g + t * m + np.arange(m)] = \
            (Z[rows, G[t]] * negative[full, t])[:, None]
    for q, k in enumerate(np.flatnonzero(scalar)):
        t, i, i0 = int(lone[k]), int(samples[k]), first[int(lone[k])]
        j = G[t]
        C[na + len(full) * m + q, np.arange(D) * g + t] = \
            reduce(Z[i0, j] * Xt[i] - Z[i, j] * Xt[i0])
    return reduce(C)


def _group_to_theta(K: np.ndarray, G: np.ndarray, case: ShallowModular, theta: _Theta
                    ) -> np.ndarray:
    D, m, g = case.d + 1, case.m, len(G)
    out = np.zeros((len(K), theta.P))
    for t, j in enumerate(G):
        out[:, theta.w(j, np.arange(D))] = K[:, np.arange(D) * g + t]
        out[:, theta.v(np.arange(m), j)] = K[:, D * g + t * m + np.arange(m)]
    out[:, theta.c(np.arange(m))] = K[:, D * g + g * m:]
    return out
