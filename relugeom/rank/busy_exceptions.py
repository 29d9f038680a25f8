"""Busy relations with exceptions: output weights of neurons off on a few samples, neurons on
at a few, and relations that hold only on the span of the samples where all of A is on.

Notation of :mod:`relugeom.rank.busy_relations`: A a set of neurons with V_A of rank m, Λ a
basis of ker V_A (columns λ_j), G a right inverse (rows g_j), x̃_i·u_j the form of sample i
and neuron j. Here α may also sit on neurons of A that are off (z_it < 0) on a few samples,
neurons L outside A may move their own weights, and Σ_{j∈A} u_j v_jᵀ may differ from the
busy relations' value by a matrix ΨY that vanishes on the samples where all of A is on.

*Definition.* Let A_α ⊆ A (each neuron with at most :data:`FEW` samples with z_it < 0), L a set
of neurons outside A, and Ψ (lines × q) rational columns with x̃_i·Ψ = 0 at every sample where
every neuron of A is on (q = 0 allowed). For Z ∈ Q^{D×k}, a_t ∈ Q^m (t ∈ A_α), β ∈ Q^m,
Y ∈ Q^{q×m} and y_j ∈ Q^D (j ∈ L):

    u_j = Z λ_j − Σ_{t∈A_α} w̃_t (g_j·a_t) − e_D (g_j·β) + Ψ Y g_j   (j ∈ A),   u_j = y_j  (j ∈ L),
    α_t = a_t (t ∈ A_α),   c-direction β,   every other coordinate 0.

*Theorem.* Σ_{j∈A} u_j v_jᵀ = −Σ_{t∈A_α} w̃_t a_tᵀ − e_D βᵀ + ΨY (as in the busy relations,
V_A G = I), so

    (J θ')_i = Yᵀ Ψᵀ x̃_i − Σ_{j∈A, s_ij=0} (x̃_i·u_j) v_j − Σ_{t∈A_α} (z_it − h_it) a_t
               + Σ_{j∈L, s_ij=1} (x̃_i·u_j) v_j.

Call i *exceptional* when Ψᵀx̃_i ≠ 0 or z_it < 0 for some t ∈ A_α (then z_it − h_it = z_it;
a sample where all of A is on is never exceptional). At every other sample (J θ')_i = 0 when
x̃_i·u_j = 0 for j ∈ A off at i and for j ∈ L on at i (scalar rows: for each neuron a basis
over Q of those x̃_i, as in the busy relations). At an exceptional sample, the forms x̃_i·u_j
whose x̃_i lies in the span of the neuron's scalar samples vanish already; with the others as
unknowns f_ij (the *live forms*), (J θ')_i = 0 is m equations

    −Σ_{j∈A off} f_ij v_j + Σ_{j∈L on} f_ij v_j − Σ_t [z_it < 0] z_it a_t + Yᵀ Ψᵀ x̃_i = 0,

a system E in (f, a, Y) whose rows are replaced by a basis of its row space over Q. The
conditions, a system C in (Z, a, β, Y, y), then give θ' ∈ ker J. ∎

*The rank of E* (needed for that basis). E is block diagonal in the live forms (each belongs
to one sample i: V_i, the columns ±v_j) beside the shared columns γ = (a, Y), where block i
reads Γφ_i, Γ the m × (|A_α| + q) matrix of columns a_t and the rows of Y, and
φ_i = (−[z_it < 0] z_it, Ψᵀx̃_i). Eliminating each block, rank E = Σ_i rank V_i + rank Ẽ with
ker Ẽ = {γ : Γφ_i ∈ span{v_j : (i, j) live} for every exceptional i}. For every neuron j and
every c with c·φ_i = 0 at the exceptional samples where j has no live form, Γ = v_j cᵀ is in
ker Ẽ (and Γ = e_k cᵀ when c·φ_i = 0 at every exceptional sample). So, with d the dimension of
the span of these Γ,

    rank_Q E ≤ Σ_i rank_Q V_i + (m|A_α| + mq) − d_Q.

*Mod p*: as in the busy relations, Λ, G and the bases are reductions of rational ones (the
spans proven over Q by exact ranks of the rows kept and of the rows left out); Ψ is an exact
integer basis of the kernel of the all-on samples (python-flint), and the exceptional samples
are found from the exact products x̃_i·Ψ. E's pivot rows mod p are independent over Q, and a
basis of its rows when rank_Q E = rank_p E, proven by the bound above: each V_i of full
column rank mod p (else its exact rank), each space of c the reduction of a rational one (its
matrix of φ_i of full column rank mod p, else its exact rank equal to the rank mod p), d_p ≤ d_Q
(independent mod p, so over Q), and rank_p E = Σ_i rank_p V_i + (m|A_α| + mq) − d_p; failing
that (the Γ above need not span ker Ẽ), by rank_Q E = Σ_i rank_Q V_i + rank_Q Ẽ computed
exactly: Ẽ's rows are φ_i ⊗ ℓ for ℓ in an integer basis of the left kernel of V_i, a matrix
of m·(|A_α| + q + |A_β|) columns. If C has full row rank mod p,
its echelon kernel vectors mod p reduce rational kernel vectors of C, and the θ' reduce
rational vectors of ker J.

*Dependent rows of C.* Otherwise (at most :data:`LIFTED_ROWS` dependent rows mod p) the same
holds when rank_Q C = rank_p C: each dependent row's relation mod p is lifted over Q on its own
support and checked exactly on every column
(:func:`~relugeom.linalg.verified.relations_proven`), on the rows of C over Q built by need —
those of sample i times λ_i (x̃_i in integers), E's row (i, k) also times V's row k in
integers, and every column alike times the integer factor of Λ, G, N_j or w̃_t it carries (a
column scaling keeps the row relations) — each checked to reduce to a unit times its row mod p
(with the columns scaled), so that they are the rows of the rational C. Then C's pivots mod p
are a nonsingular minor over Q spanning its rows, and each echelon kernel vector mod p reduces
the rational e_f − B⁻¹C_f. Failing that, nothing is claimed.

*Choices* (choices only: every system is proven the same way).

- :func:`busy_exceptions` (q = 0): A the busy relations' set, by |I_j|, dropping the last
  neuron up to :data:`TRIES` times (every system of full row rank is used: one finds vectors
  another misses); L the other neurons with v_j ≠ 0 whose on-samples do not span the lines.
- :func:`partial_relations` (q > 0): for each q ≤ :data:`UNCOVERED`, the longest prefix A of
  that order whose all-on samples leave q lines (mod p) uncovered, longest first, the first
  :data:`PARTIAL_TRIES` of them with at most :data:`EXCEPTIONAL` exceptional samples; then,
  when these added vectors (partial relations are present) and some are still sought, the
  *grown sets*, which need not be prefixes: from the first m neurons of the order, A grown by
  the neuron whose addition leaves the fewest lines uncovered while that is at most one, then
  that A with one neuron more, fewest uncovered lines first, the first :data:`GROWN_TRIES`
  with at most :data:`GROWN_EXCEPTIONAL` exceptional samples. α on the neurons of A negative
  on at most :data:`FEW_PARTIAL` samples and on the neurons outside A on at one to :data:`FEW`
  samples (A_β: a_t enters only their equations, at their samples, which are exceptional). L
  grown one candidate (a neuron with a live form) at a time, sparsest first, keeping a neuron
  when the proof of E holds and C loses no row rank (its dependent rows proven count as none),
  the vectors given each time, until :data:`FRUITLESS` systems in a row add nothing new. On a
  grown set, L every candidate at once first, kept when C then has full row rank — every
  smaller L's vectors are among its own (η_j = 0 for the others); E's rank is then proven only
  when C has at most :data:`LIFTED_ROWS` dependent rows mod p; and when L is grown instead, no
  dependent row is lifted (on digits, lifts for a set that finds nothing cost seconds).

For j ∈ L, y_j = N_j η_j with N_j a basis of the vectors orthogonal to its scalar samples: its
scalar rows, independent and alone on y_j's columns, hold, and C keeps its deficiency without
them (each block of them adds its size to both the rank and the rows).

On sklearn digits ([64, 32, 10], n = 200, He float64 weights) weight seed 4 the first finds 3
of the 4 vectors missing after the other families, and the second the last one: A the 13
busiest neurons (q = 4, 24 exceptional samples), L grown to {6, 31, 0, 29, 27, 10, 21}; seed 5
the same with A the 17 busiest (q = 8) and A_β = {1}, a neuron on at one sample. Weight seed 36
needs grown sets: after the prefix {…, 18, 11, 10, 1} (two vectors), the eleven busiest with
{1, 7, 10} (q = 3, every candidate at once: two more) and with {1, 7, 8} (q = 5, 148
exceptional samples, L grown to nine neurons: the last one) — neuron 11 left out, which the
order puts before 10, 1 and 7.

Cost: per system the busy relations' V_A, one echelon form mod p per neuron of its samples,
one small exact rank per neuron with rows left out, the exact Ψ and x̃_i·Ψ, small kernels mod
p (one per set of exceptional samples, with an exact rank when deficient), the rank of E mod
p, and the kernel of C; no Jacobian. About 30–60 ms per system on digits.
"""

from __future__ import annotations

import math
from fractions import Fraction
from itertools import islice
from typing import Any, Iterator, Sequence

import numpy as np

from ..exact.arrays import reduce_mod
from ..linalg import integer
from ..linalg.kernel import kernel_mod_p, kernel_on_pivots
from ..linalg.modular import matmul_mod, rank_mod_p, rref_mod_p
from ..linalg.verified import relations_proven
from .busy_relations import (BUSY_ENTRIES, TRIES, _form_rows, _kernel_and_inverse, _to_theta,
                             busy_order)

#: α is put on the neurons of A with at most this many samples where they are negative.
FEW = 2
#: Partial relations: α on the neurons of A negative on at most this many samples, …
FEW_PARTIAL = 6
#: … at most this many lines left uncovered by the all-on samples (q) …
UNCOVERED = 8
#: … at most this many sets A tried among the prefixes of the busy order, and among the grown
#: sets (:func:`_grown_sets`), …
PARTIAL_TRIES = 1
GROWN_TRIES = 3
#: … with at most this many exceptional samples for a prefix, and for a grown set, …
EXCEPTIONAL = 60
GROWN_EXCEPTIONAL = 150
#: … and L grown no further after this many systems in a row whose vectors add nothing, or
#: after this many systems in all.
FRUITLESS = 6
PARTIAL_SYSTEMS = 16
#: The dependent rows of C are lifted over Q when there are at most this many, up to this
#: size of C.
LIFTED_ROWS = 24
EXACT_C = 1000 * 1000


def busy_exceptions(case: Any, p: int, theta: Any, residues: dict, Wt: np.ndarray,
                    inactive: dict | None = None) -> Iterator[np.ndarray]:
    """Blocks of vectors mod p (rows, in θ order; module docstring, q = 0), each the reduction
    of a rational vector of ker J; arguments as :func:`~relugeom.rank.busy_relations.
    busy_relations`. Nothing when no neuron of A is negative on 1 to :data:`FEW` samples."""
    lines, _, order = busy_order(case, p, residues, inactive)
    few = case.negative[:, order].sum(0)
    if not order or not ((few >= 1) & (few <= FEW)).any():
        return
    splits: dict = {}  # (neuron, on or off, exceptional samples) → its split, for every A
    for size in range(len(order), max(case.m, len(order) - TRIES), -1):
        system = _System.build(case, p, theta, np.array(order[:size]), lines, residues, Wt,
                               splits)
        if system is None or not system.excepted:
            continue  # no exception: the busy relations (with A₀) are these
        result = system.vectors(system.candidates(live=False))
        if result.dependent == 0 and result.size:
            yield result.theta()


def partial_relations(case: Any, p: int, theta: Any, residues: dict, Wt: np.ndarray,
                      inactive: dict | None = None, found: Any = None
                      ) -> Iterator[np.ndarray]:
    """Blocks of vectors mod p (rows, in θ order; module docstring, q > 0), each the reduction
    of a rational vector of ker J; arguments as :func:`busy_exceptions`, and ``found``: the
    echelon form the caller adds the blocks to (an :class:`~relugeom.linalg.modular.
    EchelonModP`), when there is one: L stops growing after :data:`FRUITLESS` blocks that
    added nothing to it (and after :data:`PARTIAL_SYSTEMS` systems)."""
    lines, _, order = busy_order(case, p, residues, inactive)
    splits: dict = {}
    Xt = residues["Xt"][:, lines]
    prefixes, grown = _partial_sets(case, p, order, Xt), _grown_sets(case, p, order, Xt)
    built: set[frozenset] = set()

    def systems(sets: Iterator[np.ndarray], most: int) -> Iterator[_System]:
        for A in sets:
            key = frozenset(A.tolist())
            system = None if key in built else _System.build(
                case, p, theta, A, lines, residues, Wt, splits, exceptional=most)
            if system is not None:
                built.add(key)
                yield system

    start = found.rank if found is not None else None
    for sets, tries, most in ((prefixes, PARTIAL_TRIES, EXCEPTIONAL),
                              (grown, GROWN_TRIES, GROWN_EXCEPTIONAL)):
        if sets is grown and found is not None and found.rank == start:
            return  # the prefixes added nothing: partial relations are unlikely here
        for system in islice(systems(sets, most), tries):
            yield from _partial_vectors(system, found, sets is grown)


def _partial_vectors(system: "_System", found: Any, grown: bool) -> Iterator[np.ndarray]:
    """The vectors of one system of :func:`partial_relations`, L grown one neuron at a time
    (module docstring); on a grown set, L every candidate at once first, kept when C then has
    full row rank (every smaller L's vectors are among its own, η_j = 0 for the others)."""
    lifted = LIFTED_ROWS
    if grown:
        whole = system.vectors(system.candidates(), whole=True)
        if whole.dependent == 0:
            yield whole.theta()
            return
        lifted = 0
    sparse: list[int] = []
    fruitless = 0
    result = system.vectors(sparse, lifted)
    dependent = result.dependent
    for j in [None] + system.candidates()[:PARTIAL_SYSTEMS - 1]:
        if j is not None:
            more = system.vectors(sparse + [j], lifted)
            if more.dependent is None or (dependent is not None and
                                          more.dependent > dependent):
                continue  # E's rank not proven, or C loses row rank: j is left out
            sparse.append(j)
            result, dependent = more, more.dependent
        if dependent != 0:
            continue
        before = found.rank if found is not None else 0
        yield result.theta()
        if found is not None:  # (counted from the last system that added a vector)
            fruitless = fruitless + 1 if found.rank == before else 0
            if fruitless == FRUITLESS:
                return


def _uncovered(case: Any, p: int, A: Sequence[int], Xt: np.ndarray) -> int:
    """The number of lines (columns of ``Xt``) left uncovered mod p by the samples where every
    neuron of A is on: q."""
    on = np.flatnonzero(case.S[:, list(A)].all(1))
    return Xt.shape[1] - (len(rref_mod_p(Xt[on], p)[1]) if len(on) else 0)


def _partial_sets(case: Any, p: int, order: Sequence[int], Xt: np.ndarray
                  ) -> Iterator[np.ndarray]:
    """For each q in 1..:data:`UNCOVERED`, the longest prefix of ``order`` (at least m neurons)
    whose all-on samples leave q of the lines uncovered mod p, longest first."""
    longest: dict[int, int] = {}
    for size in range(case.m, len(order) + 1):
        q = _uncovered(case, p, order[:size], Xt)
        if q > UNCOVERED:
            break  # fewer all-on samples still: q only grows
        if q:
            longest[q] = size
    for size in sorted(longest.values(), reverse=True):
        yield np.array(order[:size])


def _grown_sets(case: Any, p: int, order: Sequence[int], Xt: np.ndarray
                ) -> Iterator[np.ndarray]:
    """Sets A that need not be prefixes of ``order``: from its first m neurons, A grown by the
    neuron leaving the fewest lines uncovered (the first in ``order`` among equals) while that
    is at most one line; then that A with one more neuron, each leaving q ≤ :data:`UNCOVERED`,
    fewest uncovered first."""
    A, rest = list(order[:case.m]), list(order[case.m:])
    while rest:
        uncovered = [_uncovered(case, p, A + [j], Xt) for j in rest]
        k = int(np.argmin(uncovered))  # (the first of the least)
        if uncovered[k] > 1:
            break
        A.append(rest.pop(k))
    else:
        return
    for k in sorted(range(len(rest)), key=lambda k: uncovered[k]):
        if uncovered[k] > UNCOVERED:
            return
        yield np.array(A + [rest[k]])


class _Kernel:
    """The kernel of one system C: ``dependent`` rows of C (None: a proof failed, nothing to
    claim), ``size`` vectors, and :meth:`theta` building them in θ order (only when used)."""

    def __init__(self, dependent: int | None, size: int = 0, theta: Any = None):
        self.dependent, self.size, self._theta = dependent, size, theta

    def theta(self) -> np.ndarray:
        return self._theta()


class _System:
    """The data of one choice of A (and A_α, Ψ): Λ, G, the exceptional samples and φ_i; the
    vectors of a choice of L are :meth:`vectors`."""

    @classmethod
    def build(cls, case: Any, p: int, theta: Any, A: np.ndarray, lines: np.ndarray, r: dict,
              Wt: np.ndarray, splits: dict, exceptional: int | None = None
              ) -> "_System | None":
        """The system of A, or None when V_A has rank < m mod p; with Ψ (``exceptional`` given,
        q > 0), None when the all-on samples span the lines or leave more than ``exceptional``
        exceptional samples."""
        shifted = exceptional is not None
        split = _kernel_and_inverse(np.ascontiguousarray(r["V"][:, A]), p)
        if split is None:
            return None
        Psi = np.zeros((len(lines), 0), dtype=object)
        if shifted:
            on = np.flatnonzero(case.S[:, A].all(1))
            # an exact basis of the vectors orthogonal to them (X̃ scaled by rows: the same)
            basis = integer.kernel(case.xt_integers[np.ix_(on, lines)].tolist()) if len(on) \
                else np.eye(len(lines), dtype=int).tolist()
            Psi = np.array(basis, dtype=object).reshape(len(lines), -1)
            if not Psi.shape[1] or Psi.shape[1] > UNCOVERED:
                return None
        system = cls(case, p, theta, A, lines, r, Wt, split, Psi, splits)
        if shifted and (len(system.exceptional) > exceptional or
                        rank_mod_p(system.Psi, p) < Psi.shape[1]):
            return None
        return system

    def __init__(self, case: Any, p: int, theta: Any, A: np.ndarray, lines: np.ndarray, r: dict,
                 Wt: np.ndarray, split: tuple, Psi: np.ndarray, splits: dict):
        self.case, self.p, self.theta, self.A, self.lines, self.Wt = case, p, theta, A, lines, Wt
        self.Lam, self.G, self.pivots = split
        self._exact_data: dict | None = None  # Λ, G, V, w̃_t, N_j over Q, by need
        self.V, self.Xt = r["V"], r["Xt"][:, lines]
        self.X, self.W = case.xt_integers[:, lines], case.wt_integers[:, lines]
        few = case.negative[:, A].sum(0)
        limit = FEW_PARTIAL if Psi.shape[1] else FEW
        self.Aal = A[few <= limit]
        self.excepted = bool((few[few <= limit] > 0).any())
        # neurons outside A on at a few samples carry α there (partial relations only)
        on = case.positive.sum(0)
        outside = np.setdiff1d(np.flatnonzero((on >= 1) & (on <= FEW)), A)
        self.Abe = outside if Psi.shape[1] else outside[:0]
        self.Psi = np.remainder(Psi, p).astype(float)  # lines × q, mod p
        self.XPsi_exact = integer.product(self.X, Psi)  # λ_i x̃_i·Ψ, exactly
        self.XPsi = matmul_mod(self.Xt, self.Psi, p)  # x̃_i·Ψ mod p
        odd = case.negative[:, self.Aal].any(1) | (self.XPsi_exact != 0).any(1) | \
            case.positive[:, self.Abe].any(1)
        self.odd, self.exceptional = odd, np.flatnonzero(odd)
        self.Zal = matmul_mod(r["Xt"], Wt[self.Aal].T, p)  # z_it, t ∈ A_α
        self.Zbe = matmul_mod(r["Xt"], Wt[self.Abe].T, p)  # z_it, t ∈ A_β
        self.splits, self.key = splits, (odd.tobytes(), Psi.shape[1])
        self.spaces: dict = {}  # exceptional rows → the proven space of c, or None
        self.annihilators: dict = {}  # neuron of L → N_j
        self._phi: tuple | None = None

    def features(self) -> tuple[np.ndarray, np.ndarray]:
        """:func:`_features`, once."""
        if self._phi is None:
            self._phi = _features(self)
        return self._phi

    def _split(self, j: int, on: bool) -> tuple | None:
        key = (j, on) + self.key
        if key not in self.splits:
            samples = np.flatnonzero(self.case.S[:, j] if on else ~self.case.S[:, j])
            self.splits[key] = _split(self.Xt, samples, self.odd, self.p, self.X)
        return self.splits[key]

    def _annihilator(self, j: int) -> np.ndarray:
        """N_j (lines × f) mod p: the echelon kernel of the scalar samples of neuron j ∈ L (on),
        the reduction of a rational basis (the samples are independent mod p)."""
        if j not in self.annihilators:
            basis = self._split(j, True)[0]
            self.annihilators[j] = kernel_mod_p(self.Xt[basis], p=self.p).T if len(basis) \
                else np.eye(len(self.lines))
        return self.annihilators[j]

    def candidates(self, live: bool = True) -> list[int]:
        """The neurons outside A that may move their weights (v_j ≠ 0, on somewhere, their
        on-samples not spanning the lines; proven splits), sparsest first; with ``live``, only
        those with a live form (the others add only vectors of their data kernel)."""
        case, L = self.case, len(self.lines)
        out = []
        for j in np.setdiff1d(np.flatnonzero(case.v_nonzero & case.S.any(0)), self.A):
            got = self._split(int(j), True)
            if got is not None and len(got[0]) < L and (len(got[1]) or not live):
                out.append(int(j))
        return sorted(out, key=lambda j: (int(case.S[:, j].sum()), j))

    def vectors(self, sparse: Sequence[int], lifted: int = LIFTED_ROWS, whole: bool = False
                ) -> "_Kernel":
        """The kernel of C for L = ``sparse`` (its vectors claimed only when C has no dependent
        row, or at most ``lifted`` whose relations are proven); ``dependent`` None when a proof
        fails. With ``whole`` (only a claim is wanted), the rank of E is proven only when C has
        at most ``lifted`` dependent rows mod p."""
        case, p, m, A, L = self.case, self.p, self.case.m, self.A, len(self.lines)
        scalar, forms = [], []  # (sample, neuron, in A); (sample, neuron, in A, sign)
        for j in A:
            got = self._split(int(j), False)
            if got is None:
                return _Kernel(None)
            scalar += [(i, j, True) for i in got[0]]
            forms += [(i, j, True, -1) for i in got[1]]
        # y_j = N_j η_j (N_j a basis of the vectors orthogonal to its scalar samples): its
        # scalar rows, independent and alone on y_j's columns, hold and leave C's deficiency
        N = [self._annihilator(int(j)) for j in sparse]
        for j in sparse:
            forms += [(i, j, False, 1) for i in self._split(int(j), True)[1]]
        k, T, q, B = len(self.Lam), len(self.Aal), self.Psi.shape[1], len(self.Abe)
        nZ, na = L * k, m * (T + 1)
        oY = nZ + na
        ob = oY + m * q
        ny = ob + m * B
        edges = np.cumsum([ny] + [n.shape[1] for n in N])  # η_j at edges[c]:edges[c + 1]
        ncols = int(edges[-1])
        index = {int(j): c for c, j in enumerate(A)}
        index.update({int(j): c for c, j in enumerate(sparse)})

        def rows_of(pairs: list) -> np.ndarray:
            """The rows of the forms x̃_i·u_j in (Z, a, β, Y, y), for (i, j, j ∈ A)."""
            out = np.zeros((len(pairs), ncols))
            busy = np.array([in_A for _, _, in_A, *_ in pairs], dtype=bool)
            i = np.array([pair[0] for pair in pairs], dtype=np.int64)
            c = np.array([index[int(pair[1])] for pair in pairs], dtype=np.int64)
            a, b = np.flatnonzero(busy), np.flatnonzero(~busy)
            out[a, :oY] = _form_rows(self.Xt[i[a]], self.Zal[i[a]], self.Lam, self.G, c[a])
            out[a, oY:ob] = (self.XPsi[i[a]][:, :, None] * self.G[c[a]][:, None, :]).reshape(
                len(a), q * m)
            for t in b.tolist():
                out[t, edges[c[t]]:edges[c[t] + 1]] = matmul_mod(self.Xt[i[t]][None],
                                                                N[c[t]], p)[0]
            return np.remainder(out, p)

        E = _exception_system(self, forms)
        kept = rref_mod_p(E, p)[2] if len(E) else []
        if not whole and len(E) and not self._proves_rank(E, len(kept), forms):
            return _Kernel(None)
        nrows = len(scalar) + len(kept)
        if nrows * ncols > BUSY_ENTRIES:
            return _Kernel(None)
        C = np.zeros((nrows, ncols))
        C[:len(scalar)] = rows_of(scalar)
        if len(kept):
            Ek, F = E[np.asarray(kept, dtype=np.int64)], len(forms)
            C[len(scalar):] = matmul_mod(Ek[:, :F], rows_of(forms), p) if forms else 0
            C[len(scalar):, nZ:nZ + m * T] += Ek[:, F:F + m * T]
            C[len(scalar):, oY:ny] += Ek[:, F + m * T:]  # Y, then the a_t of A_β
        C = np.remainder(C, p)
        K = kernel_mod_p(C, p)
        dependent = nrows - (ncols - len(K))
        if whole and (dependent > lifted or (len(E) and
                                             not self._proves_rank(E, len(kept), forms))):
            return _Kernel(dependent if dependent > lifted else None)
        if 0 < dependent <= lifted and nrows * ncols <= EXACT_C:
            done: dict = {}
            try:
                if relations_proven(C, lambda rows: self._exact_rows(
                        rows, scalar, kept, forms, sparse, (nZ, oY, ob, edges), C, done), p):
                    dependent = 0  # rank_Q C = rank_p C (module docstring)
            except _NotAReduction:
                pass

        def theta() -> np.ndarray:
            shift = (self.Psi, K[:, oY:ob].reshape(len(K), q, m)) if q else None
            y = [matmul_mod(K[:, edges[c]:edges[c + 1]], N[c].T, p) for c in range(len(N))]
            sparse_y = (np.array(sparse, dtype=np.int64),
                        np.stack(y, axis=1) if y else np.zeros((len(K), 0, L)))
            out = _to_theta(K[:, :oY], case, p, self.theta, A, self.lines, self.Lam, self.G,
                            self.Aal, self.Wt, sparse=sparse_y, shift=shift)
            for s, t in enumerate(self.Abe):
                out[:, self.theta.v(np.arange(m), t)] = K[:, ob + s * m:ob + s * m + m]
            return out
        return _Kernel(dependent, len(K), theta)

    def _exact_rows(self, rows: np.ndarray, scalar: list, kept: list, forms: list,
                    sparse: Sequence[int], offsets: tuple, C: np.ndarray, done: dict
                    ) -> np.ndarray:
        """Rows of C over Q in integers (module docstring, "Dependent rows of C"): the rows of
        sample i times λ_i (x̃_i in integers), E's row (i, k) also times V's row k scaled to
        integers, and the columns scaled alike in every row (Λ, G, N_j and w̃_t in integers).
        _NotAReduction when one does not reduce to a unit times its row of ``C`` mod p with
        those columns scaled. ``done``: the rows built so far (relations share their rows), and
        at -1 the column factors mod p."""
        m, nZ, oY = self.case.m, offsets[0], offsets[1]
        exact = self._exact()
        for r in rows.tolist():
            if r in done:
                continue
            if r < len(scalar):
                row = self._exact_form(scalar[r][0], scalar[r][1], True, sparse, offsets,
                                       C.shape[1])
            else:  # E's row (i, k): its live forms at i, and φ_i at the columns (s, k)
                q, k = divmod(kept[r - len(scalar)], m)
                i = int(self.exceptional[q])
                row = np.zeros(C.shape[1], dtype=object)
                for i2, j, in_A, sign in forms:
                    if int(i2) == i:
                        row += sign * exact["V"][k, int(j)] * self._exact_form(
                            i, j, in_A, sparse, offsets, C.shape[1])
                T = len(self.Aal)
                for f, value in enumerate(self._exact_features(i)):
                    row[nZ + f * m + k if f < T else oY + (f - T) * m + k] += \
                        exact["V_scale"][k] * value
            if -1 not in done:
                done[-1] = self._column_scale(offsets, sparse, C.shape[1])
            if not _unit_multiple(row, np.remainder(C[r] * done[-1], self.p), self.p):
                raise _NotAReduction
            done[r] = row
        return np.array([done[r] for r in rows.tolist()], dtype=object)

    def _exact(self) -> dict:
        """Over Q, in integers: Λ·d_Λ and G·d_G (on the pivots mod p: their reductions are Λ
        and G mod p up to those factors), V with row k times ρ_k (and ρ_k·d_G, the factor of
        φ in E's rows), w̃_t·μ_t on the lines, and N_j·d_j (by need)."""
        if self._exact_data is None:
            case, A, m = self.case, self.A, self.case.m
            V = np.array([[case.V.fraction(k, j) for j in range(case.N)] for k in range(m)],
                         dtype=object)
            Lam, G = kernel_on_pivots(V[:, A], self.pivots)
            (Lam, d_Lam), (G, d_G) = _integers(Lam), _integers(G)
            rows = [_integers(V[k:k + 1]) for k in range(m)]
            mu = {}  # μ_t: w̃_t·μ_t = the integer row of w̃_t
            for t in np.concatenate([self.Aal, self.Abe]).tolist():
                l = int(np.flatnonzero(self.W[t])[0])
                exact_w = case.W.fraction(t, int(self.lines[l])) if self.lines[l] < case.d \
                    else case.b.fraction(t)
                mu[t] = Fraction(int(self.W[t, l])) / exact_w
            self._exact_data = {"Lam": Lam, "d_Lam": d_Lam, "G": G, "d_G": d_G,
                                "V": np.vstack([row for row, _ in rows]),
                                "V_scale": [d * d_G for _, d in rows], "mu": mu, "N": {}}
        return self._exact_data

    def _column_scale(self, offsets: tuple, sparse: Sequence[int], ncols: int) -> np.ndarray:
        """The factor of each column of C in :meth:`_exact_rows`, mod p (float)."""
        exact, m, p = self._exact(), self.case.m, self.p
        nZ, oY, ob, edges = offsets
        scale = np.ones(ncols, dtype=object)
        scale[:nZ] = exact["d_Lam"]
        scale[nZ:ob] = exact["d_G"]
        for t_index, t in enumerate(self.Aal.tolist()):
            scale[nZ + t_index * m:nZ + (t_index + 1) * m] *= exact["mu"][t]
        for s, t in enumerate(self.Abe.tolist()):
            scale[ob + s * m:ob + (s + 1) * m] = exact["d_G"] * exact["mu"][t]
        for c, j in enumerate(sparse):
            scale[edges[c]:edges[c + 1]] = self._exact_N(int(j))[1]
        out = np.array([Fraction(v).numerator * pow(Fraction(v).denominator, p - 2, p) % p
                        for v in scale], dtype=float)
        if not out.all():  # (never: the factors are units mod p) a column left unchecked
            raise _NotAReduction
        return out

    def _exact_N(self, j: int) -> tuple[np.ndarray, int]:
        """(N_j·d_j, d_j) over Q (lines × f): the canonical kernel of neuron j's scalar samples
        on the pivots mod p (its reduction is :meth:`_annihilator` up to d_j)."""
        found = self._exact()["N"]
        if j not in found:
            basis = self._split(j, True)[0]
            pivots = rref_mod_p(self.Xt[basis], self.p)[1] if len(basis) else []
            found[j] = _integers(kernel_on_pivots(self.X[basis], pivots,
                                                           inverse=False)[0].T) \
                if len(basis) else (np.eye(len(self.lines), dtype=int).astype(object), 1)
        return found[j]

    def _exact_form(self, i: int, j: int, in_A: bool, sparse: Sequence[int], offsets: tuple,
                    ncols: int) -> np.ndarray:
        """λ_i (x̃_i·u_j) in the unknowns of C, columns scaled (:meth:`_exact_rows`)."""
        nZ, oY, _, edges = offsets
        exact, m, x = self._exact(), self.case.m, self.X[int(i)]
        row = np.zeros(ncols, dtype=object)
        if not in_A:
            c = list(sparse).index(int(j))
            row[edges[c]:edges[c + 1]] = x.dot(self._exact_N(int(j))[0])
            return row
        c = int(np.flatnonzero(self.A == j)[0])
        g = exact["G"][c]
        row[:nZ] = np.multiply.outer(x, exact["Lam"][:, c]).ravel()
        for t_index, t in enumerate(self.Aal.tolist()):
            row[nZ + t_index * m:nZ + (t_index + 1) * m] = -x.dot(self.W[t]) * g
        T = len(self.Aal)
        row[nZ + T * m:nZ + (T + 1) * m] = -x[-1] * g  # β: x̃_iD = 1, times λ_i
        for r, value in enumerate(self.XPsi_exact[int(i)]):
            row[oY + r * m:oY + (r + 1) * m] = value * g
        return row

    def _exact_features(self, i: int) -> list:
        """λ_i φ_i (:func:`_features`), the z_it times μ_t (w̃_t in integers)."""
        case, x = self.case, self.X[int(i)]
        return ([-x.dot(self.W[t]) if case.negative[i, t] else 0 for t in self.Aal.tolist()]
                + list(self.XPsi_exact[int(i)])
                + [x.dot(self.W[t]) if case.positive[i, t] else 0 for t in self.Abe.tolist()])

    def _proves_rank(self, E: np.ndarray, rank: int, forms: list) -> bool:
        """Whether rank_Q E = ``rank`` (= rank_p E) is proven (module docstring, "The rank of
        E"): the structural bound, else the exact rank of a small E."""
        p, m = self.p, self.case.m
        at = {int(i): q for q, i in enumerate(self.exceptional)}
        live: dict[int, list] = {}  # sample → its form columns
        for c, (i, *_) in enumerate(forms):
            live.setdefault(int(i), []).append(c)
        blocks = 0
        for i, cols in live.items():
            r = rank_mod_p(E[at[i] * m:at[i] * m + m][:, cols], p)
            if r < len(cols) and integer.rank(_block_exact(self, forms, i, cols)) != r:
                return False
            blocks += r
        shared = E.shape[1] - len(forms)
        phi, phi_exact = self.features()
        pairs = {(int(i), int(j)) for i, j, *_ in forms}
        gammas, T = [], len(self.Aal)  # (c = (the a-part, then Y and A_β))
        neurons = [(int(j), self.V[:, j]) for j in {int(j) for _, j, *_ in forms}]
        neurons += [(-1, np.eye(m)[k]) for k in range(m)]  # Γ = e_k cᵀ, c·φ_i = 0 everywhere
        for j, v in neurons:
            rows = np.array([q for q, i in enumerate(self.exceptional)
                             if (int(i), j) not in pairs], dtype=np.int64)
            key = rows.tobytes()
            if key not in self.spaces:  # (the same rows for most neurons, L growing)
                self.spaces[key] = _proven_kernel(phi[rows], phi_exact[rows], p)
            c = self.spaces[key]
            if c is None:
                break
            for cc in c:
                gammas.append(np.concatenate([np.outer(cc[:T], v).ravel(),
                                              np.outer(cc[T:], v).ravel()]))
        else:
            d = rank_mod_p(np.remainder(np.array(gammas), p), p) if gammas else 0
            if rank == blocks + shared - d:
                return True
        return self._exact_rank(forms, live) == rank

    def _exact_rank(self, forms: list, live: dict) -> int:
        """rank_Q E = Σ_i rank_Q V_i + rank_Q Ẽ (module docstring, "The rank of E"), Ẽ with
        the rows φ_i ⊗ ℓ for ℓ in an integer basis of the left kernel of V_i (every unit row at
        a sample with no live form), φ_i scaled to integers: exact ranks of small matrices
        (``live``: each sample's columns of live forms)."""
        m, phi = self.case.m, self.features()[1]
        rows, blocks = [], 0
        for q, i in enumerate(self.exceptional.tolist()):
            ells = integer.left_kernel_rows(_block_exact(self, forms, i, live[i])) \
                if i in live else np.eye(m, dtype=int).tolist()
            blocks += m - len(ells)
            rows += [np.multiply.outer(phi[q], np.array(ell, dtype=object)).ravel().tolist()
                     for ell in ells]
        return blocks + (integer.rank(rows) if rows else 0)


class _NotAReduction(Exception):
    """An exact row of C does not reduce to its row mod p (nothing is proven then)."""


def _unit_multiple(row: np.ndarray, residues: np.ndarray, p: int) -> bool:
    """Whether the integer ``row`` reduces mod p to a unit times ``residues`` (float)."""
    got = reduce_mod(np.asarray(row, dtype=object), p).astype(float)
    nonzero = np.flatnonzero(residues)
    if not len(nonzero):
        return not got.any()
    t = int(nonzero[0])
    unit = float(int(got[t]) * pow(int(residues[t]), p - 2, p) % p)
    return bool(unit) and np.array_equal(got, np.remainder(unit * residues, p))


def _integers(M: np.ndarray) -> tuple[np.ndarray, int]:
    """(M·d, d): a rational matrix times the least common denominator d of its entries."""
    d = math.lcm(*(Fraction(v).denominator for v in M.flat)) if M.size else 1
    return np.array([int(Fraction(v) * d) for v in M.flat], dtype=object).reshape(M.shape), d


def _proven_kernel(phi: np.ndarray, exact: np.ndarray, p: int) -> np.ndarray | None:
    """The echelon kernel mod p of ``phi`` (rows), when it reduces a rational kernel basis of
    ``exact`` (the same matrix over Q, rows and columns scaled): full column rank mod p, or
    the exact rank equal to the rank mod p; else None."""
    if not len(phi):
        return np.eye(phi.shape[1])
    K = kernel_mod_p(phi, p)
    if len(K) and integer.rank(exact.tolist()) != phi.shape[1] - len(K):
        return None
    return K


def _features(system: _System) -> tuple[np.ndarray, np.ndarray]:
    """φ_i at the exceptional samples mod p, and over Q scaled (row i by λ_i, column t by the
    scale of w̃_t): (−[z_it < 0] z_it for t ∈ A_α, Ψᵀx̃_i, [z_it > 0] z_it for t ∈ A_β)."""
    ex, p, case = system.exceptional, system.p, system.case
    negative = case.negative[np.ix_(ex, system.Aal)]
    positive = case.positive[np.ix_(ex, system.Abe)]
    Zq = integer.product(system.X[ex], system.W[np.concatenate([system.Aal, system.Abe])].T)
    T = len(system.Aal)
    exact = np.hstack([np.where(negative, -Zq[:, :T], 0).astype(object), system.XPsi_exact[ex],
                       np.where(positive, Zq[:, T:], 0).astype(object)])
    return np.hstack([np.where(negative, np.remainder(-system.Zal[ex], p), 0), system.XPsi[ex],
                      np.where(positive, system.Zbe[ex], 0)]), exact


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


def _exception_system(system: _System, forms: list) -> np.ndarray:
    """E mod p: rows (i, k) for the exceptional samples, columns the live forms f_ij (entries
    ∓v_kj), then for each feature s of φ_i the columns (s, k) (entries φ_is: −z_it where
    z_it < 0, (Ψᵀx̃_i)_r, z_it where z_it > 0)."""
    m, p, ex = system.case.m, system.p, system.exceptional
    at = {int(i): q for q, i in enumerate(ex)}
    phi = system.features()[0]
    E = np.zeros((m * len(ex), len(forms) + m * phi.shape[1]))
    for c, (i, j, _, sign) in enumerate(forms):
        E[at[int(i)] * m:at[int(i)] * m + m, c] = np.remainder(sign * system.V[:, j], p)
    rows = np.arange(len(ex))[:, None] * m + np.arange(m)[None, :]  # sample q, output k
    for s in range(phi.shape[1]):
        E[rows, len(forms) + s * m + np.arange(m)[None, :]] = phi[:, s:s + 1]
    return E


def _block_exact(system: _System, forms: list, i: int, cols: list) -> list:
    """V_i over Q (V's columns scaled to integers): the live forms of sample i."""
    Vq = system.case.v_columns
    return np.array([forms[c][3] * Vq[:, forms[c][1]] for c in cols], dtype=object).T.tolist()
