"""Busy relations: kernel vectors of a shallow Jacobian among neurons active on most samples.

Notation of :mod:`relugeom.rank.structured_kernel`: x̃_i = (x_i, 1), w̃_j = (w_j, b_j),
z_ij = x̃_i·w̃_j, s_ij the derivative used at sample i for neuron j, v_j = V[:, j], D = d + 1,
and a direction θ' = (u_j, α_j, β) maps to (J θ')_i = Σ_j s_ij (x̃_i·u_j) v_j + h_ij α_j + β.

*Definition.* Let A be a set of neurons with V_A = V[:, A] of rank m, A₀ ⊆ A those with
s_ij = 1 on every sample (so z_ij ≥ 0 and h_ij = z_ij there), Λ (k × |A|, k = |A| − m) a basis
of ker V_A as rows, λ_j its column j, and G (|A| × m) a right inverse: V_A G = I, g_j its row
j. For Z ∈ Q^{D×k}, a_t ∈ Q^m (t ∈ A₀) and β ∈ Q^m put

    u_j = Z λ_j − Σ_{t∈A₀} w̃_t (g_j·a_t) − e_D (g_j·β)   (j ∈ A),   α_t = a_t (t ∈ A₀),

c-direction β, every other coordinate of θ' zero. Then θ' ∈ ker J whenever

    x̃_i·u_j = 0   for every *inactive pair* (i, j): j ∈ A, s_ij = 0.

These are linear in x̃_i, so for each j ∈ A the samples I_j of a basis of the x̃_i it is
inactive on give the same conditions: a system C·(vec Z, a, β) = 0 with Σ_{j∈A} |I_j| rows
(x̃_i·u_j for i ∈ I_j) and D·k + m(|A₀| + 1) unknowns.

*Proof.* Σ_{j∈A} u_j v_jᵀ = Z Λ V_Aᵀ − Σ_t w̃_t a_tᵀ (V_A G)ᵀ − e_D βᵀ (V_A G)ᵀ
= −Σ_{t∈A₀} w̃_t a_tᵀ − e_D βᵀ, as Λ V_Aᵀ = 0. So at a sample where every neuron of A has
s_ij = 1, (J θ')_i = x̃_iᵀ(Σ_{j∈A} u_j v_jᵀ) + Σ_{t∈A₀} z_it a_tᵀ + βᵀ = 0 (x̃_i·w̃_t = z_it,
x̃_i·e_D = 1, h_it = z_it). Elsewhere (J θ')_i = that zero minus Σ_{j∈A, s_ij=0} (x̃_i·u_j) v_j,
and each term vanishes on an inactive pair. ∎ The map (Z, a, β) ↦ θ' is injective (Λ has
independent rows; a, β are coordinates of θ'), and rescalings (u_t = w̃_t, α_t = −v_t) of the
neurons of A₀ are among the vectors. The coordinates u_jl at a column l of X̃ that is zero on
every sample meet no entry of J: they are left 0 (those unit vectors are data kernels).

*Mod p.* Only residues mod one prime p are computed. If V_A has rank m mod p, with B its pivot
columns mod p (V_A[:, B] nonsingular mod p, hence over Q), Λ = the kernel vectors
e_f − V_B⁻¹V_f and G = V_B⁻¹ on the rows B are rational with denominators dividing det V_B, a
unit mod p: their reductions are the echelon kernel and inverse mod p. I_j, the pivot rows mod
p of X̃ on j's inactive samples, is independent over Q, and a basis over Q when no row is
left out or when the exact rank of X̃ on those samples (python-flint, rows scaled to
integers) equals |I_j|; a neuron left unproven is left out of A.
So C mod p is the reduction of a p-integral rational C with the kernel above. If
rank_Q C = rank_p C (full row rank mod p, or the dependent rows below), then likewise its
echelon kernel vectors mod p are reductions of rational kernel vectors of C, and the θ' built
from them are reductions of rational vectors of ker J; k of them independent mod p are
independent over Q. Otherwise nothing is claimed from it: a smaller A is tried.

*Dependent rows.* Let U_j = span{x̃_i : s_ij = 0} (on the lines; 0 for j ∈ A₀) and T the
rows w̃_t (t ∈ A₀) and e_D on the lines. Every M ∈ Q^{lines×m} in

    𝒟 = {M : T M = 0,  M v_j ∈ U_j for every j ∈ A}

gives a relation among the rows of C: writing M v_j = Σ_{i∈I_j} δ_ij x̃_i,
Σ_{j,i} δ_ij (x̃_i·u_j) = Σ_{j∈A} (M v_j)·u_j = tr(Mᵀ U V_Aᵀ) = −Σ_t (w̃_tᵀ M) a_t − (e_Dᵀ M) β = 0
for every (Z, a, β) (U V_Aᵀ = −Σ_t w̃_t a_tᵀ − e_D βᵀ, as in the proof). M ↦ δ is injective
(δ = 0 gives M V_A = 0, and V_A has rank m), so rank_Q C ≤ rows − dim_Q 𝒟. With rank_Q C ≥
rank_p C, dim_Q 𝒟 ≥ rows − rank_p C proves rank_Q C = rank_p C. dim 𝒟 is computed exactly
(:func:`_relations`) through M ↦ (M v_b) on the pivots B of V_A: unknowns the coordinates of
each M v_b in b's basis I_b (|I_b| of them, none for b ∈ A₀), one exact rank after one mod p
(dim_p 𝒟 ≥ dim_Q 𝒟: when it is 0, nothing is computed over Q): the verified left kernel of the
conditions (their relations have small heights, where an elimination of the entries det V_B·c_j
grows large: 0.2 s instead of 4.2 s on digits seed 29), or an elimination. These relations are the
usual reason for dependent rows: neurons inactive on many samples, whose U_j meet in ker T,
with A₀'s v_t not spanning Q^m.

*Choice of A* (a choice only, every A is proven the same way): the neurons with v_j ≠ 0 whose
inactive samples do not span all the nonzero columns of X̃ (the others bring as many rows as
unknowns), by |I_j|; the largest prefix whose system has full row rank, dropping the last
neuron at most :data:`TRIES` times.

Cost: per neuron one echelon form mod p of X̃ on its inactive samples; per A tried one of
[V_A | I] (m × (|A| + m)) and of C (Σ|I_j| × (D·k + m(|A₀| + 1))), and one product forming
the vectors; for dependent rows, one exact integer kernel per neuron (|I_j| × |lines|) and one
exact rank of the conditions of 𝒟 (Σ_{b∈B} |I_b| columns: under 0.1 s on digits); no Jacobian.
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from ..linalg import integer
from ..linalg.kernel import kernel_mod_p
from ..linalg.modular import matmul_mod, rref_mod_p
from ..linalg.verified import verified_kernel

#: Systems above this many entries are not built; at most TRIES sets A are tried.
BUSY_ENTRIES = 4_000_000
TRIES = 4


def busy_relations(case: Any, p: int, theta: Any, residues: dict, Wt: np.ndarray,
                   inactive: dict | None = None) -> Iterator[np.ndarray]:
    """Blocks of busy-relation vectors mod p (rows, in θ order; module docstring), each the
    reduction of a rational vector of ker J.

    ``case``: a prepared :class:`~relugeom.rank.shallow.ShallowModular`; ``p``: a prime
    dividing no denominator of the case; ``theta``: the θ positions (``w(j, l)``, ``v(k, j)``,
    ``c(k)``, ``P``) of :mod:`relugeom.rank.structured_kernel`; ``residues``:
    ``case.residues(p)``; ``Wt``: W̃ = [W | b] mod p (N × D); ``inactive``: the
    :func:`inactive_rows` of the case mod p, when already computed.

    Three neurons active on every sample of a 1-output network: ker V_A has k = 2, and with no
    inactive pair the vectors are all of (Z, a, β): 2·D + 1·(|A₀| + 1) = 2·3 + 4 = 10.

    >>> from relugeom import ShallowNetwork
    >>> from relugeom.rank.shallow import ShallowModular
    >>> from relugeom.rank.structured_kernel import _Theta
    >>> net = ShallowNetwork(W=[[1, 0], [0, 1], [1, 1]], b=[1, 1, 1], V=[[1, 2, 3]], c=[0])
    >>> case = ShallowModular(net, [[1, 2], [2, 1], [3, 5]])
    >>> p = 1000003
    >>> Wt = np.array([[1, 0, 1], [0, 1, 1], [1, 1, 1]], dtype=float)
    >>> [len(K) for K in busy_relations(case, p, _Theta(2, 3, 1), case.residues(p), Wt)]
    [10]
    """
    lines, rows, order = busy_order(case, p, residues, inactive)
    for size in range(len(order), max(case.m, len(order) - TRIES), -1):
        found = _busy_vectors(case, p, theta, np.array(order[:size]), rows, lines, residues, Wt)
        if found is not None:
            if len(found):
                yield found
            return


def busy_order(case: Any, p: int, residues: dict, inactive: dict | None = None
               ) -> tuple[np.ndarray, dict, list]:
    """(lines, I, order): the nonzero columns of X̃, the :func:`inactive_rows` I (``inactive``
    when given), and their neurons by |I_j| (then index): the order A is chosen in."""
    lines = np.flatnonzero(case.Xt_nonzero.any(0))
    if inactive is None:
        inactive = inactive_rows(case, p, residues["Xt"][:, lines], lines)
    return lines, inactive, sorted(inactive, key=lambda j: (len(inactive[j]), j))


def inactive_rows(case: Any, p: int, Xt: np.ndarray, lines: np.ndarray) -> dict:
    """Neuron j → the samples I_j whose x̃_i (on ``lines``) are a basis over Q of those of all
    the samples j is inactive on (module docstring, "Mod p"), for the neurons with v_j ≠ 0,
    active somewhere, whose inactive samples do not span Q^lines; a neuron whose basis is not
    proven is left out."""
    out = {}
    for j in np.flatnonzero(case.v_nonzero & case.S.any(0)).tolist():
        inactive = np.flatnonzero(~case.S[:, j])
        kept = np.asarray(rref_mod_p(Xt[inactive], p)[2], dtype=np.int64)
        if len(kept) == len(lines):
            continue
        if len(kept) < len(inactive) and \
                integer.rank(case.xt_integers[np.ix_(inactive, lines)].tolist()) != len(kept):
            continue
        out[j] = inactive[kept]
    return out


def _busy_vectors(case: Any, p: int, theta: Any, A: np.ndarray, rows: dict, lines: np.ndarray,
                  r: dict, Wt: np.ndarray) -> np.ndarray | None:
    """The vectors mod p of the set A, or None when V_A is not of rank m or C not of full row
    rank mod p (or C would exceed :data:`BUSY_ENTRIES`: not tried). ``rows``: the samples of
    the rows of C, per neuron (:func:`inactive_rows`)."""
    m = case.m
    split = _kernel_and_inverse(np.ascontiguousarray(r["V"][:, A]), p)
    if split is None:
        return None  # V_A of rank < m mod p
    Lam, G, pivots = split
    k, L = len(Lam), len(lines)
    A0 = A[case.S[:, A].all(0)]
    t = np.repeat(np.arange(len(A)), [len(rows[j]) for j in A])  # a row per pair (i, A[t])
    i = np.concatenate([rows[j] for j in A])
    ncols = L * k + m * (len(A0) + 1)
    if len(i) >= ncols or len(i) * ncols > BUSY_ENTRIES:
        return None
    Z0 = matmul_mod(r["Xt"][i], Wt[A0].T, p)  # z_it at the pairs, t ∈ A₀
    C = _form_rows(r["Xt"][i][:, lines], Z0, Lam, G, t)
    K = kernel_mod_p(np.remainder(C, p), p)
    dependent = len(i) - (ncols - len(K))
    if dependent and _relations(case, p, A, pivots, rows, lines) < dependent:
        return None  # rank over Q not proven: claim nothing
    return _to_theta(K, case, p, theta, A, lines, Lam, G, A0, Wt)


def _form_rows(Xt: np.ndarray, Z: np.ndarray, Lam: np.ndarray, G: np.ndarray, q: np.ndarray
               ) -> np.ndarray:
    """The rows of the forms x̃_i·u_j (j = A[q], one per row) in the unknowns (vec Z, a, β),
    u_j = Zλ_j − Σ_t w̃_t (g_j·a_t) − e_D (g_j·β): x̃_i ⊗ λ_j, −z_it g_j for each t carrying
    α, −g_j (not reduced mod p). ``Xt``: the x̃_i on the lines, ``Z``: their z_it."""
    n, (k, m) = len(q), (len(Lam), G.shape[1])
    return np.hstack([(Xt[:, :, None] * Lam.T[q][:, None, :]).reshape(n, Xt.shape[1] * k),
                      -(Z[:, :, None] * G[q][:, None, :]).reshape(n, Z.shape[1] * m), -G[q]])


def _kernel_and_inverse(VA: np.ndarray, p: int) -> tuple | None:
    """(Λ, G, pivots) mod p for V_A (m × |A|, residues): Λ the echelon kernel as rows
    (e_f − V_B⁻¹V_f), G a right inverse (V_B⁻¹ on the rows of the pivots B), the pivots'
    positions in A; None when V_A has rank < m mod p."""
    m, a = VA.shape
    R, pivots, _ = rref_mod_p(np.hstack([VA, np.eye(m)]), p)
    if len(pivots) < m or max(pivots) >= a:
        return None
    G = np.zeros((a, m))
    G[pivots] = R[:, a:]  # [V_A | I] → [echelon | V_B⁻¹]: V_A G = I
    return kernel_mod_p(VA, p), G, pivots


def _to_theta(K: np.ndarray, case: Any, p: int, theta: Any, A: np.ndarray, lines: np.ndarray,
              Lam: np.ndarray, G: np.ndarray, A0: np.ndarray, Wt: np.ndarray,
              sparse: tuple | None = None, shift: tuple | None = None) -> np.ndarray:
    """The θ' of the rows (vec Z, a, β) of K mod p: u_j on ``lines``, α_t (t ∈ ``A0``, the
    neurons carrying α), β; ``sparse`` = (neurons, Y): also u_j = Y[:, q] on the lines for
    the q-th of those neurons; ``shift`` = (Ψ, Y), Y of shape (len(K), q, m): also
    u_j += ΨYg_j for j ∈ A (:mod:`relugeom.rank.busy_exceptions`)."""
    m, k, L, n = case.m, len(Lam), len(lines), len(K)
    U = matmul_mod(K[:, :L * k].reshape(n * L, k), Lam, p).reshape(n, L, len(A))
    a = K[:, L * k:].reshape(n, len(A0) + 1, m)  # a_t (t ∈ A₀), then β
    shifts = np.concatenate([Wt[A0][:, lines], np.eye(case.d + 1)[[-1]][:, lines]])
    for q in range(len(A0) + 1):  # u_j −= w̃_t (g_j·a_t), and e_D (g_j·β)
        U -= np.remainder(shifts[q][None, :, None] *
                          matmul_mod(a[:, q], G.T, p)[:, None, :], p)
    if shift is not None:
        Psi, Y = shift
        YG = matmul_mod(Y.reshape(-1, m), G.T, p).reshape(n, Psi.shape[1], len(A))
        U += matmul_mod(Psi, YG.transpose(1, 0, 2).reshape(Psi.shape[1], -1), p).reshape(
            L, n, len(A)).transpose(1, 0, 2)
    out = np.zeros((n, theta.P))
    out[:, theta.w(A[None, :], lines[:, None]).ravel()] = np.remainder(U, p).reshape(n, -1)
    for q, j in enumerate(A0):
        out[:, theta.v(np.arange(m), j)] = a[:, q]
    out[:, theta.c(np.arange(m))] = a[:, -1]
    for q, j in enumerate(() if sparse is None else sparse[0]):
        out[:, theta.w(j, lines)] = sparse[1][:, q]
    return out


def _relations(case: Any, p: int, A: np.ndarray, pivots: list, rows: dict,
               lines: np.ndarray) -> int:
    """A lower bound of dim_Q 𝒟 (module docstring, "Dependent rows"): dim 𝒟 itself, or 0 when
    its dimension mod p (an upper bound) is 0. ``pivots``: positions in A of columns with V_B
    nonsingular (mod p, hence over Q); ``rows``: the samples I_j of each neuron.

    M ↦ (M v_b)_{b∈B} is a bijection, so 𝒟 ≅ {(y_b) : y_b ∈ U_b, T y_b = 0, Σ_b c_jb y_b ∈ U_j
    for j ∉ B}, c_j = V_B⁻¹ v_j; y_b = 0 when b ∈ A₀, else y_b = X̃_bᵀ μ_b (X̃_b the rows I_b,
    a basis of U_b). So dim 𝒟 = Σ_b |I_b| − rank of the conditions T X̃_bᵀ μ_b = 0 and
    F_j Σ_b c_jb X̃_bᵀ μ_b = 0 (F_j an integer basis of the annihilator of U_j as rows; the
    identity when U_j = 0), with det V_B·c_j (integers) for c_j: V's columns scaled to
    integers rescale c_jb by s_j/s_b, absorbed by μ_b and the row."""
    B = A[np.asarray(pivots, dtype=np.int64)]
    others = np.setdiff1d(A, B)
    free = [b for b in B if len(rows[b])]
    if not free or not len(others):
        return 0
    X = {j: case.xt_integers[np.ix_(rows[j], lines)] for j in A if len(rows[j])}
    Xfree = np.hstack([np.asarray(X[b], dtype=object).T for b in free])  # |lines| × Σ|I_b|
    edges = np.cumsum([0] + [len(rows[b]) for b in free])
    A0 = np.array([t for t in A if not len(rows[t])], dtype=np.int64)
    # T: the rows w̃_t (t ∈ A₀), scaled to integers, and e_D
    T = np.vstack([case.wt_integers[np.ix_(A0, lines)], (lines == case.d)[None, :].astype(int)])
    TX = integer.product(T, Xfree)
    blocks = [np.zeros((len(TX), edges[-1]), dtype=object) for _ in free]
    for q, block in enumerate(blocks):  # T y_b = 0, for each b apart
        block[:, edges[q]:edges[q + 1]] = TX[:, edges[q]:edges[q + 1]]
    V = case.v_columns
    C = integer.adjugate_product(V[:, B].tolist(), V[:, others].tolist())  # det V_B · c_j
    at = [int(np.flatnonzero(B == b)[0]) for b in free]
    for col, j in enumerate(others):
        F = np.eye(len(lines), dtype=int).astype(object) if j not in X else \
            np.array(integer.kernel(X[j].tolist()), dtype=object).T
        if not F.size:
            continue  # U_j is everything: no condition
        weights = np.repeat(C[at, col], np.diff(edges))
        blocks.append(integer.product(F, Xfree) * weights[None, :])
    conditions = np.vstack(blocks)
    unknowns = int(edges[-1])
    if unknowns - integer.rank_mod(conditions, p) == 0:
        return 0
    # the relations among the conditions' rows are structural, of small height: their
    # verified kernel is far cheaper than an elimination of the big entries det V_B·c_j
    relations = verified_kernel(conditions, side="left")
    return unknowns - (relations.rank if relations.exact else integer.rank(conditions))
