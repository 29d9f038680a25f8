"""Busy relations with exceptions: output weights of neurons off on a few samples, and neurons
on at a few.

Notation of :mod:`relugeom.rank.busy_relations`: A a set of neurons with V_A of rank m, Λ a
basis of ker V_A (columns λ_j), G a right inverse (rows g_j), x̃_i·u_j the form of sample i
and neuron j. Here α may also sit on neurons of A that are off (z_it < 0) on a few samples,
and neurons L outside A may move their own weights.

*Definition.* Let A_α ⊆ A (each neuron with at most :data:`FEW` samples with z_it < 0; A₀ among
them), L a set of neurons outside A, and for Z ∈ Q^{D×k}, a_t ∈ Q^m (t ∈ A_α), β ∈ Q^m,
y_j ∈ Q^D (j ∈ L):

    u_j = Z λ_j − Σ_{t∈A_α} w̃_t (g_j·a_t) − e_D (g_j·β)   (j ∈ A),   u_j = y_j   (j ∈ L),
    α_t = a_t (t ∈ A_α),   c-direction β,   every other coordinate 0.

*Theorem.* Σ_{j∈A} u_j v_jᵀ = −Σ_{t∈A_α} w̃_t a_tᵀ − e_D βᵀ (as in the busy relations), so

    (J θ')_i = −Σ_{j∈A, s_ij=0} (x̃_i·u_j) v_j − Σ_{t∈A_α} (z_it − h_it) a_t
               + Σ_{j∈L, s_ij=1} (x̃_i·u_j) v_j.

Call i *exceptional* when z_it < 0 for some t ∈ A_α (then z_it − h_it = z_it ≠ 0). At every
other sample (J θ')_i = 0 when x̃_i·u_j = 0 for j ∈ A off at i and for j ∈ L on at i (scalar
rows: for each neuron a basis over Q of those x̃_i, as in the busy relations). At an
exceptional sample, the forms x̃_i·u_j whose x̃_i lies in the span of the neuron's scalar
samples vanish already; with the others as unknowns f_ij, (J θ')_i = 0 is m equations

    −Σ_{j∈A off} f_ij v_j + Σ_{j∈L on} f_ij v_j − Σ_t z_it a_t = 0,

a system E in (f, a) whose rows are replaced by a basis of its row space over Q (the rows
independent mod p, when rank_Q E = rank_p E: a python-flint rank of E scaled to integers).
The conditions, a system C in (Z, a, β, y), then give θ' ∈ ker J. ∎

*Mod p*: as in the busy relations, Λ, G, the bases and E's rows are reductions of rational
ones (each choice proven over Q: the spans by exact ranks of the rows kept and of the rows
left out, E's rank exactly); if C has full row rank mod p, its echelon kernel vectors mod p
reduce rational kernel vectors of C, and the θ' reduce rational vectors of ker J. Otherwise
nothing is claimed.

*Choice* (a choice only): A the busy relations' set, by |I_j|, dropping the last neuron up to
:data:`TRIES` times (every system of full row rank is used: one finds vectors another misses);
L the other neurons with v_j ≠ 0 whose active samples do not span all the lines.

Cost: per system the busy relations' V_A, one echelon form mod p per neuron of its samples,
one small exact rank per neuron with rows left out, one exact rank of E (m rows per exceptional
sample), and the kernel of C; no Jacobian.
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from ..linalg import integer
from ..linalg.kernel import kernel_mod_p
from ..linalg.modular import matmul_mod, rref_mod_p
from .busy_relations import (BUSY_ENTRIES, TRIES, _form_rows, _inactive_rows, _kernel_and_inverse,
                             _to_theta)

#: α is put on the neurons of A with at most this many samples where they are negative.
FEW = 2


def busy_exceptions(case: Any, p: int, theta: Any, residues: dict, Wt: np.ndarray
                    ) -> Iterator[np.ndarray]:
    """Blocks of vectors mod p (rows, in θ order; module docstring), each the reduction of a
    rational vector of ker J; arguments as :func:`~relugeom.rank.busy_relations.busy_relations`.
    Nothing when no neuron of A is negative on 1 to :data:`FEW` samples."""
    lines = np.flatnonzero(case.Xt_nonzero.any(0))
    rows = _inactive_rows(case, p, residues["Xt"][:, lines], lines)
    order = sorted(rows, key=lambda j: (len(rows[j]), j))
    few = case.negative[:, order].sum(0)
    if not order or not ((few >= 1) & (few <= FEW)).any():
        return
    X, W = case.xt_integers[:, lines], case.wt_integers[:, lines]  # exact, rows scaled
    splits: dict = {}  # (neuron, on or off, exceptional samples) → its split, for every A
    for size in range(len(order), max(case.m, len(order) - TRIES), -1):
        A = np.array(order[:size])
        found = _vectors(case, p, theta, A, lines, residues, Wt, X, W, splits)
        if found is not None and len(found):
            yield found


def _split(Xt: np.ndarray, samples: np.ndarray, exceptional: np.ndarray, p: int,
           X: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(basis, live): a basis over Q (pivot rows mod p) of the x̃_i of the ordinary
    ``samples``, and the exceptional ones whose x̃_i is outside its span mod p (so over Q);
    None when the span of the rest is not proven (the exact rank of the ordinary rows and of
    the exceptional ones left as spanned must equal the basis size; ``X``: X̃ in integers)."""
    ordinary, odd = samples[~exceptional[samples]], samples[exceptional[samples]]
    basis, R, pivots = ordinary, np.zeros((0, Xt.shape[1])), []
    if len(ordinary):
        R, pivots, kept = rref_mod_p(Xt[ordinary], p)
        basis = ordinary[np.asarray(kept, dtype=np.int64)]
    # x̃ minus its projection on the echelon rows: zero iff in their span mod p
    rest = np.remainder(Xt[odd] - matmul_mod(Xt[odd][:, pivots], R, p), p)
    live = odd[rest.any(1)]
    spanned = np.concatenate([ordinary, odd[~rest.any(1)]])
    if len(spanned) > len(basis) and \
            integer.rank(X[spanned].tolist()) != len(basis):
        return None
    return basis, live


def _vectors(case: Any, p: int, theta: Any, A: np.ndarray, lines: np.ndarray, r: dict,
             Wt: np.ndarray, X: np.ndarray, W: np.ndarray, splits: dict) -> np.ndarray | None:
    """The vectors mod p of the set A, or None when a proof fails (module docstring); ``X``,
    ``W``: X̃ and W̃ in integers on the lines; ``splits``: :func:`_split` results kept."""
    m, L, S, negative = case.m, len(lines), case.S, case.negative
    few = negative[:, A].sum(0)
    Aal = A[few <= FEW]
    if not (few[few <= FEW] > 0).any():
        return None  # no exception: the busy relations (with A₀) are these
    split = _kernel_and_inverse(np.ascontiguousarray(r["V"][:, A]), p)
    if split is None:
        return None
    Lam, G, _ = split
    k = len(Lam)
    odd = negative[:, Aal].any(1)
    live_neurons = np.flatnonzero(case.v_nonzero & S.any(0))
    Xt = r["Xt"][:, lines]
    key = odd.tobytes()

    def split(j: int, on: bool) -> tuple | None:
        if (j, on, key) not in splits:
            samples = np.flatnonzero(S[:, j] if on else ~S[:, j])
            splits[j, on, key] = _split(Xt, samples, odd, p, X)
        return splits[j, on, key]

    # scalar rows and live forms, per neuron of A (off samples) and of L (on samples)
    scalar, forms = [], []  # (sample, neuron, in A); (sample, neuron, in A, sign)
    for j in A:
        got = split(int(j), False)
        if got is None:
            return None
        scalar += [(i, j, True) for i in got[0]]
        forms += [(i, j, True, -1) for i in got[1]]
    sparse = []
    for j in np.setdiff1d(live_neurons, A):
        got = split(int(j), True)
        if got is None or len(got[0]) == L:
            continue  # not proven, or u_j = 0 on the lines
        sparse.append(j)
        scalar += [(i, j, False) for i in got[0]]
        forms += [(i, j, False, 1) for i in got[1]]
    sparse = np.array(sparse, dtype=np.int64)
    nZ, na = L * k, m * (len(Aal) + 1)
    ncols = nZ + na + L * len(sparse)
    Zal = matmul_mod(r["Xt"], Wt[Aal].T, p)  # z_it, t ∈ A_α
    index = {int(j): q for q, j in enumerate(A)}
    index.update({int(j): q for q, j in enumerate(sparse)})

    def rows_of(pairs: list) -> np.ndarray:
        """The rows of the forms x̃_i·u_j in the unknowns (Z, a, β, y), for (i, j, j ∈ A)."""
        out = np.zeros((len(pairs), ncols))
        busy = np.array([in_A for _, _, in_A, *_ in pairs], dtype=bool)
        i = np.array([pair[0] for pair in pairs], dtype=np.int64)
        q = np.array([index[int(pair[1])] for pair in pairs], dtype=np.int64)
        a, b = np.flatnonzero(busy), np.flatnonzero(~busy)
        out[a, :nZ + na] = _form_rows(Xt[i[a]], Zal[i[a]], Lam, G, q[a])
        cols = nZ + na + q[b][:, None] * L + np.arange(L)[None, :]
        out[b[:, None], cols] = Xt[i[b]]
        return np.remainder(out, p)

    exceptional = np.flatnonzero(odd)
    E, E_exact = _exception_system(case, p, exceptional, forms, Aal, r["V"], Zal[exceptional],
                                   X, W)
    kept = rref_mod_p(E, p)[2] if len(E) else []
    if len(E) and integer.rank(E_exact.tolist()) != len(kept):
        return None  # rank_Q E not proven equal to rank_p E
    nrows = len(scalar) + len(kept)
    if nrows >= ncols or nrows * ncols > BUSY_ENTRIES:
        return None
    C = np.zeros((nrows, ncols))
    C[:len(scalar)] = rows_of(scalar)
    if len(kept):
        Ek = E[np.asarray(kept, dtype=np.int64)]
        C[len(scalar):] = matmul_mod(Ek[:, :len(forms)], rows_of(forms), p) if forms else 0
        C[len(scalar):, nZ:nZ + m * len(Aal)] += Ek[:, len(forms):]
    K = kernel_mod_p(np.remainder(C, p), p)
    if len(K) != ncols - nrows:
        return None  # not of full row rank mod p: claim nothing
    Y = K[:, nZ + na:].reshape(len(K), len(sparse), L)
    return _to_theta(K[:, :nZ + na], case, p, theta, A, lines, Lam, G, Aal, Wt,
                     sparse=(sparse, Y))


def _exception_system(case: Any, p: int, exceptional: np.ndarray, forms: list, Aal: np.ndarray,
                      V: np.ndarray, Z: np.ndarray, X: np.ndarray, W: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
    """E mod p and E over Q scaled to integers: rows (i, k) for the exceptional samples, columns
    the live forms f_ij (entries ∓v_kj) and a_t[k] (entries −z_it). Over Q, row block i is
    multiplied by λ_i (x̃_i scaled to integers has λ_i in its last entry, the 1 of the bias),
    V's columns and W̃'s rows by positive scalars: rows and columns scaled, the same rank.
    ``V``, ``Z``: V and z_it (exceptional i, t ∈ A_α) mod p; ``X``, ``W``: X̃, W̃ in integers."""
    m = case.m
    at = {int(i): q for q, i in enumerate(exceptional)}
    width = len(forms) + m * len(Aal)
    E = np.zeros((m * len(exceptional), width))
    Q = np.zeros((m * len(exceptional), width), dtype=object)
    Vq, lam, negative = case.v_columns, X[:, -1], case.negative
    for c, (i, j, _, sign) in enumerate(forms):
        block = slice(at[int(i)] * m, at[int(i)] * m + m)
        E[block, c] = np.remainder(sign * V[:, j], p)
        Q[block, c] = sign * Vq[:, j] * lam[i]
    Zq = integer.product(X[exceptional], W[Aal].T)  # λ_i μ_t z_it
    for q, i in enumerate(exceptional):
        for s, t in enumerate(Aal):
            if negative[i, t]:
                cols = len(forms) + s * m + np.arange(m)
                E[q * m + np.arange(m), cols] = np.remainder(-Z[q, s], p)
                Q[q * m + np.arange(m), cols] = -Zq[q, s]
    return E, Q
