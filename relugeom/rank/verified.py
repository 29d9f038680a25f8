"""The verified-kernel certificate for a Jacobian, shallow or deep.

:func:`relugeom.linalg.verified.verified_kernel` proves rank_Q(A) = rank_p(A) by exhibiting
ncols − rank_p(A) independent kernel vectors checked exactly. For A the integer-scaled Jacobian
(:func:`relugeom.rank.backprop.scaled_jacobian`, J·diag(denominators)) part of the kernel is
known in advance and exact: the rescaling direction of every hidden neuron,

    r_lj = (row j of W_l, b_l[j], −column j of W_{l+1})   (J·r_lj = 0, see symmetry_bound),

which for A becomes diag(denominators)⁻¹·r_lj, scaled to integers. Zero columns (dead neurons,
zero inputs) and repeated rows (equal samples) are dropped first; neither changes the rank, and
the rescaling directions restricted to the kept columns stay in the kernel (the dropped columns
are zero). Only a complement of the known directions is lifted. For a shallow network the
front door first finds many more kernel vectors mod p (:mod:`relugeom.rank.structured_kernel`);
the columns at their pivots are combinations of the others, so they are dropped as well
(``redundant``) and only the few kernel vectors left are lifted.

The side (right kernel, vectors of length P; left kernel, of length n·m) is the one with fewer
vectors to lift: the right side counts the known directions as free.
"""

from __future__ import annotations

import math
import time
from fractions import Fraction
from typing import Any, Sequence

import numpy as np

from ..linalg.modular import rref_mod_p
from ..linalg.nmod import ProjectedRows
from ..linalg.verified import (MAX_BITS, MAX_WORK, VerifiedKernel, predicted_bits, product_is_zero,
                               solve_exact, verified_kernel)
from ..model.deep import as_deep
from ..model.network import Network
from ..model.patterns import ReluPrime
from .backprop import scaled_jacobian

#: Largest Jacobian (entries n·m·P) built exactly for a verified kernel.
VERIFY_ENTRIES = 4_000_000


def rescaling_directions(network: Network, denominators: tuple) -> list[list[int]]:
    """diag(denominators)⁻¹·r_lj for every hidden neuron, each scaled to integers (θ order)."""
    deep = as_deep(network)
    offsets, w = deep.parameter_offsets(), deep.widths
    out = []
    for l in range(1, deep.depth):
        W, b = deep.layers[l - 1]
        W_next = deep.layers[l][0]
        for j in range(w[l]):
            u: dict[int, Fraction] = {}
            for q in range(w[l - 1]):
                u[offsets[l - 1] + j * w[l - 1] + q] = Fraction(W[j][q])
            u[offsets[l - 1] + w[l] * w[l - 1] + j] = Fraction(b[j])
            for k in range(w[l + 1]):
                u[offsets[l] + k * w[l] + j] = -Fraction(W_next[k][j])
            u = {c: q / denominators[c] for c, q in u.items() if q}
            if not u:
                continue
            scale = math.lcm(*(q.denominator for q in u.values()))
            vector = [0] * len(denominators)
            for c, q in u.items():
                vector[c] = int(q * scale)
            out.append(vector)
    return out


def jacobian_kernel(network: Network, X: Any, relu_prime_at_zero: ReluPrime = "error",
                    seed: int = 0, max_bits: int = MAX_BITS, redundant: Sequence[int] = (),
                    scaled: Any = None) -> VerifiedKernel | None:
    """The verified kernel of J(θ, X) (module docstring), or None when J without its
    ``redundant`` columns has more than :data:`VERIFY_ENTRIES` entries. ``X``: a checked
    sample (tuples of Fractions). The basis is in the coordinates of the reduced matrix (zero
    columns and repeated rows dropped): this is a certificate of the rank, not a kernel basis
    of J. ``redundant``: θ positions whose
    columns the caller has proven to be combinations of the other columns (the pivots of a
    :mod:`~relugeom.rank.structured_kernel`): they are dropped too, with the rescaling
    directions (then the lift is of the rest of the kernel only). ``scaled``: the
    :func:`~relugeom.rank.backprop.scaled_jacobian` of (network, X), when already built."""
    deep = as_deep(network)
    n_rows, P = len(X) * deep.output_dim, deep.n_parameters
    if n_rows * (P - len(redundant)) > VERIFY_ENTRIES:
        return None
    scaled = scaled or scaled_jacobian(deep, X, relu_prime_at_zero)
    A = scaled.numerators
    if len(redundant):
        A = A.copy()
        A[:, np.asarray(redundant, dtype=np.int64)] = 0
    cols = np.flatnonzero(A.any(axis=0))
    rows = _distinct_rows(A[:, cols])
    A = A[np.ix_(rows, cols)]
    known = [] if len(redundant) else \
        [[u[c] for c in cols] for u in rescaling_directions(deep, scaled.denominators)]
    known = [u for u in known if any(u)]
    # fewer vectors to lift on the right when the known directions cover enough of it
    side = "right" if A.shape[1] - len(known) <= A.shape[0] else "left"
    return verified_kernel(A, side=side, known=known if side == "right" else (), seed=seed,
                           max_bits=max_bits)


def residual_lift_too_costly(rank: int, count: int) -> bool:
    """Whether lifting ``count`` kernel vectors against a ``rank`` × ``rank`` minor of a
    Jacobian is certain to exceed :data:`~relugeom.linalg.verified.MAX_WORK`, before J is
    built: about rank steps of 64 bits (entries of about 64 bits: Hadamard's bound is about
    rank·64 bits), each rank²·count, plus the inverse mod p (rank³)."""
    return float(rank) ** 3 * (1 + max(count, 1)) > MAX_WORK


def _distinct_rows(A: np.ndarray) -> np.ndarray:
    """Indices of the first occurrence of each distinct row, in order (equal rows of J come
    from equal samples; the zero row is dropped too)."""
    seen: dict = {}
    for i, row in enumerate(A.tolist()):
        if any(row):
            seen.setdefault(tuple(row), i)
    return np.array(sorted(seen.values()), dtype=np.int64)


# --- the left kernel of a small shallow Jacobian, lifted on small supports --------------------

#: The lean left kernel lifts its relations on at most this many rows of J.
LEFT_SUPPORT = 400


def shallow_left_kernel(case: Any, p: int, max_work: int | None = None,
                        max_bits: int = MAX_BITS) -> VerifiedKernel | None:
    """The verified left kernel of a small shallow Jacobian, or None (no certificate found).

    ``case``: a prepared :class:`relugeom.rank.shallow.ShallowModular` (its projected rows
    mod p are reused). Rows are taken samples with fewest active neurons first (``row_order``),
    so that a row dependent on the rows before it (a dead sample's rows, a repeated sample,
    neurons active on few samples) has a relation of small support. The left kernel mod p of
    the kept columns, projected (:class:`relugeom.linalg.nmod.ProjectedRows`; docs/theory.md,
    "Small shallow Jacobians"), gives for each dependent row f its
    relation with the independent rows T before it; only those rows are lifted: one exact
    |T|×|T| solve with a right-hand side per relation, on the pivot columns of J[T] mod p. The
    certificate is the exact check yᵀ·J = 0 of every lifted relation y on *all* columns of J,
    by its structure (J scaled by columns to integers, which keeps its left kernel):

        yᵀJ = 0  ⇔  Σ_i s_ij (Y V)_ij x̃_i = 0 (each j),  Yᵀ H = 0,  Σ_i Y_i = 0,

    Y the n × m matrix of y, H = (relu(z_ij)). The relations are independent (each is δ ≠ 0 at
    its own dependent row and 0 at the others), so rank_Q(J) ≤ n·m − #relations = the rank mod
    p: proven. A failed check proves nothing here (the support was chosen mod p): None.
    Cost: the projection and one python-flint elimination of the n·m rows, a |T|-row
    elimination mod p, the solve, and products of |I| × N × (d + 1) integers (I the samples
    in the relations). With ``max_work``, None is returned before any exact step when the
    relations mod p have more than ``max_work`` / 2 entries or the solve would cost more than
    |T|²·(number of relations) = ``max_work``, or when the relations would take more than
    ``max_bits`` bits (Hadamard's bound, as for :func:`~relugeom.linalg.verified.verified_kernel`).
    """
    start = time.perf_counter()
    n, m = case.n, case.m
    order = case.row_order
    # row t·m + k of A is (sample order[t], output k); the rows and their projection as the
    # rank computed them (the kept columns may have shrunk since: the rank is the same)
    if case.rows_mod is not None and case.rows_mod[0] == p:
        _, cols, A = case.rows_mod
        rows = case.projected
    else:  # kept for a second call (a cheap lift first, then any)
        cols = case.kept_columns()
        A = case._row_vectors(p, cols, order)
        rows = ProjectedRows(A, p, min(n * m, A.shape[1]), case.seed)
        case.rows_mod, case.projected = (p, cols, A), rows
    if max_work is not None and (n * m - rows.rank) * n * m > max_work // 2:
        return None  # reading the relations mod p would cost too much already
    r, basis = rows.left_kernel()
    if not basis:
        return None
    B = np.array(basis, dtype=np.int64) != 0
    free = (B.shape[1] - 1 - np.argmax(B[:, ::-1], axis=1)).tolist()  # last nonzero of each
    used = B.any(axis=0)
    used[free] = False
    support = np.flatnonzero(used).tolist()
    if len(support) > LEFT_SUPPORT or (max_work is not None and
                                       len(support) ** 2 * len(free) > max_work):
        return None
    exact = _ExactRows(case, cols)
    sample = lambda idx: order[np.asarray(idx, dtype=np.int64) // m]  # noqa: E731
    output = lambda idx: np.asarray(idx, dtype=np.int64) % m  # noqa: E731
    if support:
        nonzero = np.flatnonzero(A[support].any(axis=0))
        _, pivots, _ = rref_mod_p(A[np.ix_(support, nonzero)], p)
        if len(pivots) != len(support):
            return None
        C = nonzero[pivots]
        A_T = exact.entries(sample(support), output(support), C)
        A_F = exact.entries(sample(free), output(free), C)
        if predicted_bits(A_T, len(free)) > max_bits:
            return None
        try:
            num, den = solve_exact(A_T.T, -A_F.T)  # y_Tᵀ·J[T, C] = −J[f, C], each f
        except ZeroDivisionError:  # pragma: no cover - J[T, C] is nonsingular mod p
            return None
    else:
        num, den = np.zeros((0, len(free)), dtype=object), 1
    Y = np.zeros((len(free), n, m), dtype=object)  # relation q as an n × m matrix
    Y[np.arange(len(free)), sample(free), output(free)] = den
    if support:
        Y[:, sample(support), output(support)] = num.T
    if not exact.in_left_kernel(Y):
        return None
    height = max(abs(den).bit_length(), max((abs(int(v)).bit_length() for v in num.flat),
                                            default=0))
    return VerifiedKernel(
        True, r, tuple(tuple(int(v) for v in y.ravel()) for y in Y), "left",
        (n * m, case.network.n_parameters), (p,), height, 0, time.perf_counter() - start,
        f"verified kernel: rank mod {p} = {r}, and {len(free)} independent relations "
        f"among the rows of J (on {len(support)} + {len(free)} rows; height {height} bits) "
        "checked exactly, yᵀ·J = 0 (left side)")


class _ExactRows:
    """Entries of J scaled by columns to integers, for a prepared shallow case, computed only
    where asked: x̃_il = M_il·c_l (X̃ by columns to integers), V_kj = V'_kj·v_j, and
    z_ij = Σ_l M_il·G_jl / g_j with G_j = g_j·(c_l·w̃_jl)_l integral, so that the W-column
    (j, l) is s_ij·V'_kj·M_il (scaled by 1/(v_j c_l)), the V-column (k, j) is [k]·H'_ij with
    H'_ij = g_j·relu(z_ij), and the c-column k is [k]."""

    def __init__(self, case: Any, cols: dict):
        self.case, self.cols = case, cols
        self.M, self.c = case.X.with_ones_column().integer_columns()
        self.M = np.asarray(self.M, dtype=object)
        Vint, _ = case.V.integer_columns()
        self.V = np.asarray(Vint, dtype=object)
        self._G: dict[int, tuple] = {}
        self._H: dict[int, np.ndarray] = {}

    def _g(self, j: int) -> tuple:
        """(G_j, g_j) of neuron j, once."""
        if j not in self._G:
            net = self.case.network
            # c_l·w̃_jl as integer fractions (no Fraction arithmetic)
            parts = [(q.numerator * c.numerator, q.denominator * c.denominator)
                     for q, c in zip(tuple(net.W[j]) + (net.b[j],), self.c)]
            g = math.lcm(*(b for _, b in parts))
            self._G[j] = (np.array([a * (g // b) for a, b in parts], dtype=object), g)
        return self._G[j]

    def h(self, samples: np.ndarray) -> np.ndarray:
        """H' on the rows ``samples`` (object array, |samples| × N), each row computed once."""
        missing = [int(i) for i in samples if int(i) not in self._H]
        if missing:
            positive = self.case.positive[missing]
            H = np.zeros(positive.shape, dtype=object)
            for j in np.flatnonzero(positive.any(axis=0)):
                G, _ = self._g(int(j))
                rows = np.flatnonzero(positive[:, j])
                H[rows, j] = self.M[np.asarray(missing)[rows]].dot(G)
            self._H.update(zip(missing, H))
        return np.array([self._H[int(i)] for i in samples], dtype=object).reshape(
            len(samples), self.case.N)

    def entries(self, samples: np.ndarray, outputs: np.ndarray, columns: np.ndarray
                ) -> np.ndarray:
        """The scaled J on rows (samples[t], outputs[t]) and kept columns ``columns``."""
        cols, S = self.cols, self.case.S
        nW, nV = len(cols["wj"]), len(cols["vj"])
        H = self.h(samples)
        out = np.zeros((len(samples), len(columns)), dtype=object)
        for q, col in enumerate(columns.tolist()):
            if col < nW:
                j, l = cols["wj"][col], cols["wl"][col]
                out[:, q] = S[samples, j] * self.V[outputs, j] * self.M[samples, l]
            elif col < nW + nV:
                k, j = cols["vk"][col - nW], cols["vj"][col - nW]
                out[:, q] = (outputs == k) * H[:, j]
            else:
                out[:, q] = (outputs == cols["ck"][col - nW - nV]).astype(int)
        return out

    def in_left_kernel(self, Y: np.ndarray) -> bool:
        """yᵀ·J = 0 exactly on every column of J for every y, Y the k × n × m stack of the
        vectors y as n × m matrices (integers): three exact products for all of them."""
        I = np.flatnonzero(Y.any(axis=(0, 2)))
        if I.size == 0:
            return True
        k, m, N = Y.shape[0], self.case.m, self.case.N
        Y = Y[:, I].transpose(1, 0, 2)  # |I| × k × m
        Z = Y.reshape(-1, m).dot(self.V).reshape(len(I), k, N) * self.case.S[I][:, None, :]
        # Σ_i s_ij Z_ij x̃_i ((d + 1) × k·N), Σ_i h_ij Y_ik (N × k·m) and Σ_i Y_ik
        return not Y.sum(axis=0).any() and \
            product_is_zero(self.h(I).T, Y.reshape(len(I), k * m)) and \
            product_is_zero(self.M[I].T, Z.reshape(len(I), k * N))
