"""The structured kernel: a proven upper bound of a shallow local dimension from small systems.

Notation of :mod:`relugeom.rank.shallow`: x̃ = (x, 1), w̃_j = (w_j, b_j), z_ij = x̃_i·w̃_j,
h_ij = relu(z_ij), s_ij ∈ {0, 1} the derivative used at sample i for neuron j, v_j = V[:, j],
D = d + 1. A direction θ' = (u_j, α_j, β) (u_j ∈ Q^D the weights and bias of neuron j, α_j ∈
Q^m its column of V, β ∈ Q^m for c) is mapped by J to the n × m matrix with rows

    (J θ')_i = Σ_j s_ij (x̃_i·u_j) v_j + h_ij α_j + β.

rank J = P − dim ker J, so k linearly independent vectors of ker J prove rank J ≤ P − k. Ten
families of kernel vectors are known exactly from systems far smaller than J:

- zero columns: the columns of V for a neuron never positive, of w̃_j for a neuron never
  active or with v_j = 0 (unit vectors);
- data kernels: u_j ∈ ker(D_j X̃) (the samples neuron j is active on), alone: one exact
  kernel of an n_j × D integer matrix per neuron (its rows scaled to integers);
- rescalings: (u_j, α_j) = (w̃_j, −v_j) (s_ij z_ij = h_ij for every convention);
- shared columns: column (j, l) of J is y ⊗ v_j with y = D_j X̃ e_l, the same for the
  neurons Γ with the same active samples where column l of X̃ is nonzero (a pixel nonzero on
  one or two samples): Σ_{j∈Γ} a_j e_(j,l) ∈ ker J for a ∈ ker V[:, Γ];
- local blocks (:mod:`relugeom.rank.local_blocks`, after the group relations: only when
  vectors are missing): directions whose image vanishes outside the rows of a few samples T
  — forms of a neuron vanishing on its samples outside T, output weights of neurons positive
  only inside T, exchanges u_j = −w̃_t, α_t = v_j of two neurons that disagree only inside T
  — and the kernel of J on those rows and directions (over Q, for the blocks whose vectors
  mod p are new);
- covering pairs: neuron j covers t ≠ j when t is positive only on samples where j is active;
  when D_j X̃ has full row rank, u_j with x̃_i·u_j = −h_it on the samples j is active on and
  α_t = v_j (every other coordinate 0) is in ker J: where j is active the two terms are
  (x̃_i·u_j + h_it) v_j = 0, elsewhere both vanish (one small echelon form per j);
- busy relations (:mod:`relugeom.rank.busy_relations`): u_j = Zλ_j + shifts for neurons A
  active on most samples, λ_j the columns of a basis of ker V[:, A], one row x̃_i·u_j = 0
  per inactive pair;
- busy exceptions (:mod:`relugeom.rank.busy_exceptions`, after the group relations: only
  when vectors are missing): the busy relations with α also on neurons negative on one or two
  samples, and the weights of neurons active on few samples moved too;
- partial busy relations (the same module, last): Σ_{j∈A} u_j v_jᵀ + shifts = ΨY, nonzero but
  vanishing on the samples where every neuron of A is on, the other samples solved as
  exceptions, α also on neurons on at one or two samples;
- group relations: for a set Γ = B ∪ L of neurons (B: positive on most samples, L: on few),
  the θ' supported on Γ (and β) with

      (a)  Σ_{j∈B} u_j v_jᵀ + w̃_j α_jᵀ + e_D βᵀ = 0   (m equations per column l of X̃
           that is not zero, l = D included; only l = D when B is empty),
      (b)  Σ_{j∈B} [(1 − s_ij)(x̃_i·u_j) v_j + (z_ij − h_ij) α_j]
           − Σ_{j∈L} [s_ij (x̃_i·u_j) v_j + h_ij α_j] = 0   (m equations per sample i on
           which some neuron of B is not positive or some neuron of L is active).

  *Proof.* x̃_iᵀ·(a) = Σ_{j∈B} (x̃_i·u_j) v_j + z_ij α_j + β (the omitted rows meet x̃_il = 0),
  and subtracting (b) leaves exactly (J θ')_i (on the samples outside (b) every neuron of B
  has s_ij = 1, h_ij = z_ij and every neuron of L has s_ij = h_ij = 0); so J θ' = 0 at every
  sample. ∎ Γ is taken as the t neurons deviating (from B's "always on", L's "always off")
  on the fewest samples, and one t is solved (the kernel of a smaller Γ embeds in it); every
  C_t is read off one echelon form of the largest (its columns neuron by neuron: the prefixes
  of its kernel are the smaller kernels). The first sample i₀ where a neuron t alone
  deviates gives α_t = −(x̃_i₀·u_t / z_i₀t) v_t; at a later sample where every neuron whose
  U-part deviates has such an i₀ and their v_t are independent, its m rows are equivalent to
  one row z_i₀t (x̃_i·u_t) − [α-part deviates] z_it (x̃_i₀·u_t) = 0 per neuron (docs/theory.md,
  "One row per neuron"). When ρ = rank V[:, B] < m, (a) is written with |lines|·ρ +
  (|B| + 1)(m − ρ) rows instead of |lines|·m (:class:`_OutputSplits`).

Only residues mod one prime p are computed for the group relations. If the system C of (a),
(b) has rank_Q C = rank_p C — certified when C has full row rank mod p (a nonzero minor mod p
is nonzero), else by its relations mod p, each lifted on its own few rows and checked exactly
(:func:`relugeom.linalg.verified.rank_proven_by_local_relations`) — then for each column f
outside the pivots B (mod p) of C, u_f = e_f − B⁻¹C_f is a rational kernel vector whose
denominator divides det B, a unit mod p, and its reduction is the kernel vector of the echelon
form mod p. So every vector is the reduction of a p-integral rational vector of ker J, and if k
of them are independent mod p (a nonzero k × k minor mod p), those k rational vectors are
independent:

    rank_Q J ≤ P − k,   and with a rank mod p of J equal to P − k:  rank_Q J = P − k.

Otherwise the columns of J at the k echelon pivots (:attr:`StructuredKernel.pivots`) are
combinations of the others over Q, and the verified kernel of J without them
(:func:`relugeom.rank.verified.jacobian_kernel` with ``redundant``) lifts only what is left,
first on the columns that rest uses mod p (:func:`residual_support`).

The certificate is named **structured kernel** (docs/theory.md, "Structured kernel" and "Group
relations with busy and sparse neurons"). Cost: one exact kernel of a small integer matrix per
neuron with a kernel (python-flint; a full column rank is one projected rank mod p), one or
two echelon forms mod p of a (D + |samples of (b)|)·m × (D + m)·t system (and for the one
used, if rank deficient, one small exact solve per dependent row), and the rank mod p of the
vectors (stopped at the target); no Jacobian.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any, Iterator

import numpy as np

from ..exact.arrays import reduce_mod
from ..linalg import integer
from ..linalg.certified import Bound
from ..linalg.kernel import echelon_kernel
from ..linalg.modular import (EchelonModP, matmul_mod, reduce_residues, rows_independent_mod_p,
                              rref_mod_p)
from ..linalg.nmod import project, projected_rank
from ..linalg.verified import rank_proven_by_local_relations
from ..model.deep import as_deep
from ..model.network import Network, as_shallow, is_shallow
from ..model.patterns import ReluPrime
from .backprop import scaled_jacobian
from .busy_exceptions import busy_exceptions, partial_relations
from .busy_relations import busy_order, busy_relations
from .local_blocks import local_blocks
from .shallow import ShallowModular

#: A group system above this many entries is not built (its echelon form would cost seconds).
GROUP_ENTRIES = 4_000_000
#: A group system is used with at most this many dependent rows mod p (each lifted on its own
#: support to prove rank_Q C = rank_p C); the proof is tried on at most PROOFS systems.
LOCAL_DEPENDENCIES = 64
PROOFS = 3
#: The largest group system is first eliminated only up to the first Γ deviating by two
#: neurons or more on this many samples (a choice of cost only: the next ones rarely have
#: few dependent rows; when the systems up to there do not reach the count and the largest
#: of them still adds vectors, all are used).
CROWDED = 48
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


def structured_kernel(case: ShallowModular, p: int, target: int | None = None
                      ) -> StructuredKernel:
    """Independent kernel vectors of the Jacobian of a prepared shallow case, counted mod p.

    ``p``: a prime dividing no denominator of the case (one its residues were computed for).
    ``target``: stop once this many vectors are found (P − a proven lower bound of the rank).
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
    for name, vectors in _families(case, p, theta, E, goal):
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
                               max_bits: int = STRUCTURED_BITS,
                               case: ShallowModular | None = None) -> StructuredKernel | None:
    """:func:`structured_kernel` of J(θ, X) for a shallow network, modulo the first of
    ``primes`` (those of a modular pass, which divide no denominator); None for a deep network,
    no prime, more than :data:`MAX_PARAMETERS` parameters, or a budget ``max_bits`` (the
    verified kernel's, in the front door) below :data:`STRUCTURED_BITS`: its exact steps are
    lifts too. ``case``: the prepared shallow case of (network, X), when already built."""
    if not is_shallow(network) or not primes or max_bits < STRUCTURED_BITS or \
            network.n_parameters > MAX_PARAMETERS:
        return None
    case = case or ShallowModular(as_shallow(network), X, relu_prime_at_zero, seed)
    return structured_kernel(case, primes[0], target)


def residual_support(network: Network, X: Any, relu_prime_at_zero: ReluPrime,
                     found: StructuredKernel, scaled: Any = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(columns, support): the θ positions of the nonzero columns of J outside ``found``'s
    pivots, and those of them that the rest of the kernel mod p uses (the free columns of
    the echelon form mod p of J[:, columns] and the pivots they involve). ``X``: a checked
    sample. A heuristic only (a choice of columns): for any S ⊆ columns,

        rank J = rank J[:, columns] ≤ rank J[:, S] + |columns ∖ S|,

    and a verified kernel of J[:, S] makes the right side exact; when S is the support mod p
    it equals the rank mod p of J[:, columns]. Cost: J (exact, integers) and one echelon form
    mod p of its n·m × |columns| residues. ``scaled``: the scaled Jacobian, when already built.
    """
    A = (scaled or scaled_jacobian(as_deep(network), X, relu_prime_at_zero)).numerators
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
            for name, vectors in _families(case, p, theta)}


def _families(case: ShallowModular, p: int, theta: _Theta, found: EchelonModP | None = None,
              goal: int | None = None) -> Iterator[tuple[str, Iterator]]:
    """The families in order, each an iterator of blocks of vectors mod p; ``found``: the
    echelon form of the vectors kept so far and ``goal`` the count sought (they choose the
    group system to prove)."""
    r = case.residues(p)
    W, b = case.W.residues(p), case.b.residues(p)
    Wt = np.hstack([W.reshape(case.N, case.d), b.reshape(case.N, 1)]).astype(float)
    Z = matmul_mod(r["Xt"], Wt.T, p)
    pivots: dict = {}  # neuron j → the pivot columns mod p of D_j X̃, when deficient
    yield "zero columns", iter([_zero_columns(case, theta)])
    yield "data kernels", _data_kernels(case, p, theta, pivots)
    yield "rescalings", iter([_rescalings(case, p, r["V"], Wt, theta)])
    yield "shared columns", _shared_columns(case, p, r["V"], theta)
    yield "covering pairs", _covering_pairs(case, p, theta, r["Xt"], Z, r["V"])
    _, inactive, _ = busy_order(case, p, r)  # for the three busy families
    yield "busy relations", busy_relations(case, p, theta, r, Wt, inactive)
    yield "group relations", _group_relations(case, p, theta, r, Wt, Z, found, goal, pivots)
    yield "local blocks", local_blocks(case, p, theta, r, Wt, found)
    yield "busy exceptions", busy_exceptions(case, p, theta, r, Wt, inactive)
    yield "partial busy relations", partial_relations(case, p, theta, r, Wt, inactive, found)


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


def _data_kernels(case: ShallowModular, p: int, theta: _Theta, pivots: dict
                  ) -> Iterator[np.ndarray]:
    """ker(D_j X̃) for every neuron that has W-columns, mod p: from the echelon form mod p when
    D_j X̃ has full row rank mod p (then over Q: the argument of the group relations), else
    an exact integer basis (python-flint; X̃ scaled by rows to integers, the same kernel).
    ``pivots`` receives the pivot columns of D_j X̃ mod p of each neuron with a kernel."""
    D = case.d + 1
    Xt = case.residues(p)["Xt"]
    for j in np.flatnonzero(case.S.any(0) & case.v_nonzero):
        active = np.flatnonzero(case.S[:, j])
        if len(active) >= D and projected_rank(Xt[active].T, p, D, case.seed) == D:
            continue  # full column rank mod p (one python-flint call), hence over Q
        R, pivots[j], kept = rref_mod_p(Xt[active], p)
        if len(pivots[j]) == D:
            continue  # full column rank mod p, hence over Q: no kernel
        if len(kept) == len(active):
            yield _place(echelon_kernel(R, pivots[j], D, p)[0], theta, j, D)
            continue
        basis = integer.kernel(case.xt_integers[active].tolist())
        if basis and basis[0]:
            K = np.array(basis, dtype=object).T  # kernel vectors as rows
            yield _place(np.remainder(K, p).astype(float), theta, j, D)


def _shared_columns(case: ShallowModular, p: int, V: np.ndarray, theta: _Theta
                    ) -> Iterator[np.ndarray]:
    """Relations among the W-columns of one input l: column (j, l) of J is y_jl ⊗ v_j with
    y_jl = D_j X̃ e_l, which depends on j only through T = S_j ∩ {i : x̃_il ≠ 0}; so for the
    neurons Γ sharing T (a pixel nonzero on few samples, a sample with a private pixel),
    Σ_{j∈Γ} a_j e_(j,l) is in ker J for every a ∈ ker V[:, Γ]. Taken mod p when V[:, Γ] has
    full row rank mod p (then over Q: the argument of the group relations)."""
    D, m = case.d + 1, case.m
    live = case.S & case.v_nonzero  # n × N
    for l in range(D - 1):
        rows = case.Xt_nonzero[:, l]
        if not rows.any():
            continue
        groups: dict = {}
        for j in np.flatnonzero((live & rows[:, None]).any(0)):
            groups.setdefault((live[:, j] & rows).tobytes(), []).append(int(j))
        for members in groups.values():
            if len(members) <= m:
                continue  # fewer than m + 1 vectors of Q^m: full row rank fails anyway
            R, pivots, _ = rref_mod_p(np.ascontiguousarray(V[:, members]), p)
            if len(pivots) < m:
                continue
            K = echelon_kernel(R, pivots, len(members), p)[0]
            out = np.zeros((len(K), theta.P))
            out[:, theta.w(np.array(members), l)] = K
            yield out


def _covering_pairs(case: ShallowModular, p: int, theta: _Theta, Xt: np.ndarray, Z: np.ndarray,
                    V: np.ndarray) -> Iterator[np.ndarray]:
    """For each neuron j with v_j ≠ 0 and D_j X̃ of full row rank mod p, one vector per neuron
    t it covers (module docstring): u_j = −X_B⁻¹ h_t on the pivots B of X̃ on j's active
    samples (0 elsewhere), α_t = v_j. X_B is nonsingular mod p, hence over Q with a determinant
    prime to p: u_j is the reduction of the rational solution, and the vector of a rational
    vector of ker J. ``Xt``, ``Z``, ``V``: X̃, Z = X̃·W̃ᵀ and V mod p."""
    D, m = case.d + 1, case.m
    positive = case.positive
    alive = positive.any(0)
    for j in np.flatnonzero(case.v_nonzero & case.S.any(0)):
        active = case.S[:, j]
        if active.sum() > D:
            continue  # D_j X̃ cannot have full row rank
        covered = np.flatnonzero(alive & ~(positive & ~active[:, None]).any(0))
        covered = covered[covered != j]
        if not len(covered):
            continue
        rows = np.flatnonzero(active)
        H = np.where(positive[np.ix_(rows, covered)], Z[np.ix_(rows, covered)], 0.0)
        R, pivots, kept = rref_mod_p(np.hstack([Xt[rows], np.remainder(-H, p)]), p)
        if len(kept) < len(rows) or max(pivots) >= D:
            continue  # D_j X̃ not of full row rank mod p
        out = np.zeros((len(covered), theta.P))
        out[:, theta.w(j, np.asarray(pivots))] = R[:, D:].T
        out[np.arange(len(covered))[:, None], theta.v(np.arange(m)[None, :], covered[:, None])] = \
            V[:, j]
        yield out


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
                     Z: np.ndarray, found: EchelonModP | None, goal: int | None,
                     pivots: dict | None = None) -> Iterator[np.ndarray]:
    """The group relations (a), (b) of Γ_t = the t neurons deviating on the fewest samples (a
    neuron in B when it is positive on more samples than not, else in L), among the systems
    C_t that are small and have at most :data:`LOCAL_DEPENDENCIES` dependent rows mod p.

    All of them from one echelon form: C_T (T the largest t whose system is small, or first a
    smaller one, :data:`CROWDED`) with its columns ordered β, then neuron by neuron, has
    ker C_T[:, :width_t] = ker C_t (the columns of Γ_t and β; the other neurons' terms vanish,
    and every row of C_t is, or is equivalent to, a row of C_T restricted), mod p and over Q
    (docs/theory.md, "All of them from one echelon form"). So the kernel vectors of its
    echelon form mod p whose free column lies in the first width_t columns are those of C_t,
    and rank_p C_t = width_t − their count. One system, its rank over Q proven by its
    relations lifted on their supports, gives them all: the smallest t whose vectors mod p bring
    ``found`` to ``goal`` (a choice only, read off one echelon form of the vectors), else, on
    a failed proof, the next ones; when none does, those adding the most vectors, the smallest
    first (fewer dependent rows to prove).

    The U-columns of a neuron of L are kept only at the pivots of D_j X̃ mod p (``pivots``,
    from the data kernels): a vector of the smaller system, 0 on the other columns, is one of
    C; the vectors lost are those of ker D_j X̃, which the data kernels give."""
    order, busy, residues, splits, layouts = _groups(case, p, r, Wt, Z)
    known = residues.nonzero
    cols = _kept_columns(case, order, busy, pivots or {})
    small = [t for t, lay in layouts.items() if lay is not None]
    if not small:
        return
    # dependencies arise on the samples where two neurons of Γ deviate: past CROWDED of them
    # the systems are seldom usable, so C_T is eliminated up to there first, and up to the
    # largest small system only if that does not reach the goal and was still adding vectors
    crowded = [t for t in small if layouts[t].crowded > CROWDED]
    for T in dict.fromkeys(small[-1:] if not crowded else [crowded[0], small[-1]]):
        G = order[:T]
        C = _group_system(case, G, busy[G], residues, splits(G[busy[G]]), layouts[T], cols)
        R, echelon, _ = rref_mod_p(np.remainder(C, p), p)
        K = echelon_kernel(R, echelon, C.shape[1], p)[0]  # by free column: prefixes are the C_t
        width = _widths(case, cols[:T])
        nullity = np.searchsorted(np.setdiff1d(np.arange(C.shape[1]), echelon), width)
        candidates = []  # (t, count of vectors, full row rank) of the systems with a kernel
        # and few dependencies
        complete = True  # no larger usable system left out
        for t in (t for t in small if t <= T):
            dependent = layouts[t].nrows - (width[t] - nullity[t])
            if dependent > LOCAL_DEPENDENCIES:
                if candidates:  # dependencies only grow with Γ: larger systems are not used
                    break
                continue
            if nullity[t]:
                candidates.append((t, int(nullity[t]), dependent == 0))
        else:
            complete = T == small[-1]
        if not candidates:
            if complete:
                return
            continue
        vectors = _group_to_theta(K[:candidates[-1][1]], G, case, theta, cols)
        kept = np.arange(len(vectors))
        tries = list(reversed(candidates[-PROOFS:]))  # the largest first
        if found is None or goal is None:
            if complete:
                break
            continue
        # vectors mod p independent of those found, in order: the prefix counts of one
        # echelon form, of the vectors projected to a few more random columns than sought
        # (rows independent after a projection are independent; an unlucky one finds fewer);
        # they are yielded reduced (so ``found`` adds them without a product)
        vectors = found.reduce(vectors)
        need = goal - found.rank
        kept = np.asarray(rref_mod_p(project(vectors, need + 16, p, case.seed), p)[2],
                          dtype=np.int64)
        new = [int(np.searchsorted(kept, c[1])) for c in candidates]
        if any(k >= need for k in new):  # the smallest reaching the goal, then larger ones
            tries = [c for c, k in zip(candidates, new) if k >= need][:PROOFS]
        else:  # the most new vectors, the smallest system first (fewer dependencies)
            tries = [c for k, c in sorted(zip(new, candidates), key=lambda kc: (-kc[0],
                                                                               kc[1][0]))
                     if k][:PROOFS]
        # the larger systems only when the largest here still added vectors its predecessor
        # did not (otherwise they seldom add any, and their elimination costs the most)
        growing = new[-1] > (new[-2] if len(new) > 1 else 0)
        if any(k >= need for k in new) or complete or not growing:
            break
    exact = _ExactArrays(case, known)
    for t, count, full_rank in tries:
        G = order[:t]
        if full_rank or _rank_proven(case, G, busy[G], exact, p, splits(G[busy[G]]), cols,
                                     layouts[t]):
            yield vectors[kept[kept < count]]
            return


def _groups(case: ShallowModular, p: int, r: dict, Wt: np.ndarray, Z: np.ndarray) -> tuple:
    """(order, busy, residues, splits, layouts): the neurons by deviation, B's membership, the
    arrays mod p, the output splits and the row layout of each Γ_t = order[:t] (None when
    not small)."""
    live = np.flatnonzero(case.S.any(0) & case.v_nonzero)
    busy = case.positive.sum(0) * 2 > case.n  # B: deviates where not positive; L: where active
    deviation = np.where(busy, (~case.positive).sum(0), case.S.sum(0))
    order = live[np.argsort(deviation[live], kind="stable")]
    # z_ij ≢ 0 and v_j ≢ 0 mod p (so z_ij ≠ 0): i may be a first sample i₀ of a lone neuron j,
    # and its one-row samples are equivalent to its m rows mod p as over Q
    known = (Z != 0) & (r["V"] != 0).any(0)
    residues = _Arrays(r["V"], Wt, r["Xt"], Z, lambda A: reduce_residues(A, p), known)
    splits = _OutputSplits(case, p, Wt)
    layouts = {t: _group_layout(case, order[:t], busy[order[:t]], known, splits(
        order[:t][busy[order[:t]]]), r["V"], p) for t in range(1, len(order) + 1)}
    return order, busy, residues, splits, layouts


def _independent_outputs(V: np.ndarray, p: int, G: np.ndarray, sets: np.ndarray
                         ) -> np.ndarray:
    """For each row of the boolean ``sets`` over the neurons G, whether the columns v_j of V
    (residues) on it are independent mod p — hence over Q."""
    out = np.zeros(len(sets), dtype=bool)
    sizes = sets.sum(1)
    for size in np.unique(sizes[sizes <= len(V)]).tolist():
        rows = np.flatnonzero(sizes == size)
        neurons = G[np.nonzero(sets[rows])[1].reshape(len(rows), size)]
        out[rows] = rows_independent_mod_p(V[:, neurons].transpose(1, 2, 0), p)
    return out


def _kept_columns(case: ShallowModular, order: np.ndarray, busy: np.ndarray, pivots: dict
                  ) -> list[np.ndarray]:
    """The columns l of X̃ whose U-columns are kept, per neuron of ``order``: all of them for
    B (the rows (a) see every line), the pivots of D_j X̃ mod p for L when known."""
    D = case.d + 1
    return [np.arange(D) if busy[j] or j not in pivots else np.asarray(pivots[j], dtype=np.int64)
            for j in order]


def _widths(case: ShallowModular, cols: list) -> np.ndarray:
    """Columns of the group systems of the first t neurons, t = 0, 1, …: β, then neuron by
    neuron its kept U-columns and α."""
    return case.m + np.concatenate([[0], np.cumsum([len(c) + case.m for c in cols])])


def _rank_proven(case: ShallowModular, G: np.ndarray, busy: np.ndarray, exact: "_ExactArrays",
                 p: int, split: tuple | None, cols: list, layout: "_Layout") -> bool:
    """Whether rank_Q C = rank_p C for the group system C of Γ = G, by its relations mod p
    lifted each on its own support and checked exactly
    (:func:`~relugeom.linalg.verified.rank_proven_by_local_relations`: the dependencies of a
    group system are local, a few samples each); ``layout``: its row layout
    (:func:`_group_layout`, the same mod p as over Q)."""
    C = _group_system(case, G, busy, exact.arrays(G, layout.samples), split, layout, cols)
    return rank_proven_by_local_relations(C, p)


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
    """Exact :class:`_Arrays` of a case, as Python integers: X̃, W̃ scaled by rows, V by
    columns (built on first use). Positive scalings of a sample, of v_j and of w̃_j scale rows
    of C, its U_j-columns and its α_j-columns: the rank is that of C."""

    def __init__(self, case: ShallowModular, nonzero: np.ndarray):
        self.case, self.nonzero, self._arrays = case, nonzero, None

    def arrays(self, G: np.ndarray, samples: np.ndarray) -> _Arrays:
        """The arrays, Z = X̃·W̃ᵀ only on the rows ``samples`` and the columns G (the entries a
        group system of Γ = G reads; the others are left 0): Python integer products cost."""
        if self._arrays is None:
            case = self.case
            self._arrays = _Arrays(case.v_columns, case.wt_integers, case.xt_integers, None,
                                   lambda A: A, self.nonzero)
        base = self._arrays
        Z = np.zeros((self.case.n, self.case.N), dtype=object)
        Z[np.ix_(samples, G)] = integer.product(base.Xt[samples], base.Wt[G].T)
        return replace(base, Z=Z)


class _OutputSplits:
    """For the B-part of a group, the equations (a) M_B = 0 (M_B = Σ_{j∈B} u_j v_jᵀ + w̃_j α_jᵀ
    + e_D βᵀ on the lines of X̃) written with fewer rows when ρ = rank V[:, B] < m: with Ξ an
    exact integer basis of ker V[:, B]ᵀ and K the outputs off the rows where Ξ is invertible
    mod p, Q = [e_K | Ξᵀ] is invertible and M_B Ξᵀ = Σ_{j∈B} w̃_j (Ξα_j)ᵀ + e_D (Ξβ)ᵀ; when
    [w̃_j (j ∈ B), e_D] on the lines has full column rank (mod p, hence over Q), M_B = 0 ⇔
    M_B[:, K] = 0 and Ξα_j = 0, Ξβ = 0: |lines|·ρ + (|B| + 1)(m − ρ) rows instead of
    |lines|·m. Returns (K, Ξ, Ξ mod p), or None (all m outputs), per B, computed once."""

    def __init__(self, case: ShallowModular, p: int, Wt: np.ndarray):
        self.case, self.p, self.Wt = case, p, Wt
        self.lines = np.flatnonzero(case.Xt_nonzero.any(0))
        self.V = case.v_columns  # columns scaled to integers
        self._done: dict = {}

    def __call__(self, B: np.ndarray) -> tuple | None:
        key = tuple(int(j) for j in B)
        if key not in self._done:
            self._done[key] = self._split(B)
        return self._done[key]

    def _split(self, B: np.ndarray) -> tuple | None:
        m, p, D = self.case.m, self.p, self.case.d + 1
        if not len(B) or len(B) >= m:
            return None
        basis = integer.kernel(self.V[:, B].T.tolist())  # m × k, ker V[:, B]ᵀ
        if not basis or not basis[0]:
            return None
        Xi = np.array(basis, dtype=object).T  # rows ξ
        K = np.vstack([self.Wt[B][:, self.lines], np.eye(D)[D - 1, self.lines]]).T
        if integer.rank_mod(K, p) < len(B) + 1:
            return None
        _, invertible, _ = rref_mod_p(reduce_mod(Xi, p).astype(float), p)  # outputs F with
        if len(invertible) < len(Xi):  # Ξ[:, F] invertible mod p, hence over Q
            return None
        outputs = np.setdiff1d(np.arange(m), invertible)
        return outputs, Xi, reduce_mod(Xi, p).astype(float)


@dataclass(frozen=True)
class _Layout:
    """The rows of a group system (:func:`_group_system`), the same mod p and exact."""

    lines: np.ndarray      # the columns l of X̃ of the rows (a)
    outputs: np.ndarray    # the outputs k of the rows (a)
    xi_rows: int           # rows ξ of the split (:class:`_OutputSplits`), 0 without
    samples: np.ndarray    # the samples of the rows (b)
    inactive: np.ndarray   # |samples| × g: the U-part of neuron t deviates
    negative: np.ndarray   # |samples| × g: the α-part of neuron t deviates
    first: dict            # lone neuron t → its first sample i₀
    scalar: np.ndarray     # per sample: one row per neuron whose U-part deviates
    nrows: int
    ncols: int

    @property
    def crowded(self) -> int:
        """Samples on which two or more neurons of Γ deviate."""
        return int(((self.inactive | self.negative).sum(1) >= 2).sum())


def _group_layout(case: ShallowModular, G: np.ndarray, busy: np.ndarray, nonzero: np.ndarray,
                  split: tuple | None, V: np.ndarray, p: int) -> _Layout | None:
    """The rows of the group system of Γ = G (:func:`_group_system`); None when it would have
    more rows than columns or :data:`GROUP_ENTRIES` entries. ``nonzero``: the entries of Z
    (and neurons) that may serve as a first sample i₀; V: the outputs mod p (their
    independence, :func:`_independent_outputs`, allows one row per neuron at a sample)."""
    D, m, g = case.d + 1, case.m, len(G)
    lines = np.flatnonzero(case.Xt_nonzero.any(0)) if busy.any() else np.array([D - 1])
    S, positive = case.S[:, G], case.positive[:, G]
    # the U-part of neuron t deviates from (a) where s_it ≠ [t ∈ B], its α-part where
    # [z_it > 0] ≠ [t ∈ B]; the signs of L's terms are opposite (module docstring)
    samples = np.flatnonzero((busy & ~positive | ~busy & S).any(1))
    inactive = np.where(busy, ~S[samples], S[samples])           # U-part deviates
    negative = np.where(busy, ~positive[samples], positive[samples])  # α-part deviates
    # i₀ of t: t alone deviates (both parts), z_i₀t ≠ 0 known (its residue is): the first
    alone = (inactive == negative).all(1) & (inactive.sum(1) == 1)
    lone = np.argmax(inactive, axis=1)
    usable = np.flatnonzero(alone & nonzero[samples, G[lone]])
    lonely, at = np.unique(lone[usable], return_index=True)
    first = dict(zip(lonely.tolist(), samples[usable[at]].tolist()))
    # one row per deviating neuron where the α-parts deviate only with their U-parts, every
    # such neuron has an i₀ (not this sample) and their v_t are independent
    has_first = np.zeros(g, dtype=bool)
    has_first[lonely] = True
    scalar = ~(negative & ~inactive).any(1) & ~(inactive & ~has_first).any(1) & \
        inactive.any(1)
    scalar[usable[at]] = False
    several = np.flatnonzero(scalar & (inactive.sum(1) > 1))
    scalar[several] = _independent_outputs(V, p, G, inactive[several])
    outputs = np.arange(m) if split is None else split[0]
    xi_rows = 0 if split is None else len(split[1])
    na = len(lines) * len(outputs) + xi_rows * (int(busy.sum()) + 1)
    nrows = na + int((~scalar).sum()) * m + int(inactive[scalar].sum())
    ncols = m + g * (D + m)
    if nrows > ncols or nrows * ncols > GROUP_ENTRIES:
        return None
    return _Layout(lines, outputs, xi_rows, samples, inactive, negative, first, scalar, nrows,
                   ncols)


def _group_system(case: ShallowModular, G: np.ndarray, busy: np.ndarray, arrays: _Arrays,
                  split: tuple | None, lay: _Layout, cols: list | None = None) -> np.ndarray:
    """C for the group Γ = G, B = G[busy], L = the rest (mod p or exact, as ``arrays``):
    columns β[k] (k), then neuron by neuron U[l, t] (m + t·(D + m) + l), α[t, k]
    (m + t·(D + m) + D + k); rows (a) (l, k) for the columns
    l of X̃ not identically zero (x̃_i·(a) does not see the others; only l = D when B is
    empty) and l = D, then (b) (i, k) for the samples i on which a neuron of B is not positive
    or one of L is active (all m rows: a zero row makes C rank deficient, never a wrong
    vector). A neuron t deviating alone (both parts) at a first such sample i₀ with
    z_i₀t ≠ 0 has α_t = −(x̃_i₀·u_t / z_i₀t) v_t by i₀'s rows; at a sample i where every
    neuron whose U-part deviates has such an i₀ (not i), whose α-parts deviate only with the
    U-parts, and whose v_t are independent, the m rows Σ_t ±v_t ((x̃_i·u_t) − [α-part]
    z_it (x̃_i₀·u_t) / z_i₀t) = 0 are equivalent to one row per such t,
    z_i₀t (x̃_i·u_t) − [α-part] z_it (x̃_i₀·u_t) = 0, which replace them (docs/theory.md,
    "One row per neuron"). ``split`` = (kept outputs, Ξ, Ξ mod p) (:class:`_OutputSplits`):
    the rows (a) only for the kept outputs k, and the rows ξ·α_j = 0 (j ∈ B), ξ·β = 0 for ξ
    in Ξ. ``lay``: :func:`_group_layout` of the same arguments. ``cols``: the columns l kept
    for the U-columns of each neuron (:func:`_kept_columns`; all by default), the others
    dropped."""
    D, m, g = case.d + 1, case.m, len(G)
    cols = [np.arange(D)] * g if cols is None else cols[:g]
    base = _widths(case, cols)[:-1]
    V, Xt, Z, reduce = arrays.V[:, G], arrays.Xt, arrays.Z, arrays.reduce
    lines, outputs, samples = lay.lines, lay.outputs, lay.samples
    Xi = np.zeros((0, m)) if split is None else split[1] if V.dtype == object else split[2]
    sign = np.where(busy, 1, -1)
    full = np.flatnonzero(~lay.scalar)
    U = [b + np.arange(len(c)) for b, c in zip(base, cols)]  # the kept columns of u_t
    A = [b + len(c) + np.arange(m) for b, c in zip(base, cols)]  # the columns of α_t
    na = len(lines) * len(outputs) + len(Xi) * (int(busy.sum()) + 1)
    ncols = _widths(case, cols)[-1]
    C = np.zeros((lay.nrows, ncols), dtype=V.dtype)
    a = C[:len(lines) * len(outputs)].reshape(len(lines), len(outputs), ncols)
    for t in np.flatnonzero(busy):
        a[:, :, U[t][lines]] = V[outputs, t][None, :, None] * np.eye(len(lines), dtype=int)[
            :, None, :]  # B keeps every U-column: U[t][l] is the column of u_t[l]
        a[:, np.arange(len(outputs)), A[t][outputs]] = arrays.Wt[G[t], lines][:, None]
    a[len(lines) - 1, np.arange(len(outputs)), outputs] = 1  # l = D: β, kept outputs
    xi = C[len(lines) * len(outputs):na].reshape(len(Xi), int(busy.sum()) + 1, ncols)
    for q, t in enumerate(np.flatnonzero(busy)):  # ξ·α_t = 0, then ξ·β = 0
        xi[:, q, A[t]] = Xi
    xi[:, -1, :m] = Xi
    bpart = C[na:na + len(full) * m].reshape(len(full), m, ncols)
    rows = samples[full]
    for t in range(g):
        coef = (Xt[rows][:, cols[t]] * (sign[t] * lay.inactive[full, t:t + 1]))[:, None, :] * \
            V[:, t][None, :, None]
        bpart[:, :, U[t]] = reduce(coef)
        bpart[:, np.arange(m), A[t]] = \
            (Z[rows, G[t]] * (sign[t] * lay.negative[full, t]))[:, None]
    pairs = np.argwhere(lay.scalar[:, None] & lay.inactive)  # (sample, neuron), in order
    for q, (k, t) in enumerate(pairs.tolist()):
        i, i0, j = int(samples[k]), lay.first[t], G[t]
        row = Z[i0, j] * Xt[i, cols[t]]
        if lay.negative[k, t]:
            row = row - Z[i, j] * Xt[i0, cols[t]]
        C[na + len(full) * m + q, U[t]] = reduce(row)
    return reduce(C)


def _group_to_theta(K: np.ndarray, G: np.ndarray, case: ShallowModular, theta: _Theta,
                    cols: list) -> np.ndarray:
    m = case.m
    out = np.zeros((len(K), theta.P))
    out[:, theta.c(np.arange(m))] = K[:, :m]
    for j, c, base in zip(G, cols, _widths(case, cols[:len(G)])):
        out[:, theta.w(j, c)] = K[:, base:base + len(c)]
        out[:, theta.v(np.arange(m), j)] = K[:, base + len(c):base + len(c) + m]
    return out
