"""A column basis of an integer matrix, proven exactly: pivots chosen in floats, one small
solve, one exact product.

Let M be an n × c integer matrix, R a set of r rows and C a set of r columns with
B = M[R, C] nonsingular. If an integer matrix T′ and an integer δ ≠ 0 satisfy the identity

    δ·M = M[:, C]·T′,

every column of M is a combination of the columns C, so rank M ≤ r; as B is nonsingular, the
columns C are independent: the rank is r and C is a basis of the column space
(docs/theory.md, "Factorisation certificate": the same identity, found without a prime).

- R and C are the pivots of a float elimination of M with complete pivoting (a choice only:
  a wrong choice makes a check fail, never a wrong answer).
- T′ and δ: when the entries of M are below 2^52 (exact in float64), δ = det B computed
  exactly (:func:`determinant`; δ ≠ 0 proves B nonsingular) and T′ = δ·B⁻¹·M[R, :] rounded
  from a float solve (integers when exact; the identity checks them, whatever rounding did);
  otherwise, or when that fails, the fraction-free reduced echelon form of M[R, :]
  (python-flint), whose rank r proves its pivot columns C independent, T′ = that form and δ
  its denominator.
- The identity is checked in float64 when every product and partial sum is an integer below
  2^53 in magnitude (exact then, in any order of summation), else in int64 when they are below
  2^62 (a bound from the largest entries), else in Python integers.

Cost: r steps of a rank-one float update of M (r·n·c), an r × r float solve with c
right-hand sides (or one python-flint echelon form of an r × c matrix), one n × r × c integer
product.

:func:`independent_columns` proves columns of an exactly known float matrix independent (the
float Gram bound of :mod:`relugeom.linalg.gram` on its column Gram matrix, with no error bound
for the matrix itself).

>>> M = np.array([[1, 2, 3], [2, 4, 6], [1, 0, 1], [0, 1, 1]])
>>> column_basis(M)
(2, [0, 1])
>>> column_basis(np.array([[1, 2], [3, 4]]))
(2, [0, 1])
"""

from __future__ import annotations

import math
from typing import Sequence

import flint
import numpy as np

from .gram import (_SELECT, GramCertificate, gamma, in_gram_range, independent_looking,
                   looking_pivots, scaled_positive_definite)
from .quiet import quiet

#: Stop the float elimination when the largest remaining entry is below this fraction of the
#: largest entry of M (a choice of the rank to prove, never part of the proof).
_RELATIVE = 1e-9
#: An int64 product is used when every entry of both sides is below this in magnitude.
_INT64 = 2 ** 62
#: Integers below this are exact in float64 (and so are their float solves' roundings checked).
_FLOAT_EXACT = 2 ** 52


def float_pivots(F: np.ndarray, max_rank: int) -> tuple[list[int], list[int]] | None:
    """(rows, columns): the pivots of a Gaussian elimination with complete pivoting of the float
    matrix F, its columns scaled to a largest entry 1 (column dependencies unchanged), stopped
    when the remaining entries are below _RELATIVE;
    None when more than ``max_rank`` pivots would be needed or F is not finite. A choice only.

    >>> float_pivots(np.array([[1.0, 2.0], [2.0, 4.0]]), 2)
    ([1], [0])
    """
    A = np.array(F, dtype=np.float64)
    rows: list[int] = []
    cols: list[int] = []
    if not A.size:
        return rows, cols
    with quiet():
        scale = np.abs(A).max(axis=0)
        if not np.isfinite(scale).all():
            return None
        A /= np.where(scale > 0, scale, 1.0)  # columns scaled alike: same dependencies
        while len(rows) < min(A.shape):  # (when every row or column is a pivot, none is left)
            i, l = divmod(int(np.abs(A).argmax()), A.shape[1])
            pivot = A[i, l]
            if not abs(pivot) > _RELATIVE:  # (the largest entry of A is 1)
                break
            if len(rows) == max_rank:
                return None
            rows.append(i)
            cols.append(l)
            # row i becomes exactly 0 (a − 1·a); column l, rounding errors, is set to 0
            A -= np.multiply.outer(A[:, l] / pivot, A[i])
            A[:, l] = 0.0
    return rows, cols


def row_pivots(F: np.ndarray) -> list[int] | None:
    """Rows R, one per column of the float n × r matrix F, such that F[R, :] looks
    nonsingular: the pivots of a Gaussian elimination with partial pivoting, the columns in
    order; None when a column has no pivot left above _RELATIVE (F looks column-deficient)
    or F is not finite. A choice only.

    >>> row_pivots(np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 1.0]]))
    [1, 2]
    """
    A = np.array(F, dtype=np.float64)
    rows: list[int] = []
    with quiet():
        top = np.abs(A).max(axis=0)
        for l in range(A.shape[1]):
            i = int(np.abs(A[:, l]).argmax())
            pivot = A[i, l]
            if not abs(pivot) > _RELATIVE * top[l]:  # (NaN and infinities fail too)
                return None
            rows.append(i)
            if l + 1 < A.shape[1]:  # the later columns; row i becomes exactly 0 (a − 1·a)
                A[:, l:] -= np.multiply.outer(A[:, l] / pivot, A[i, l:])
    return rows


def determinant(B: np.ndarray) -> int:
    """The determinant of a square integer matrix, exactly (python-flint's fmpz_mat).

    >>> determinant(np.array([[2, 1], [4, 3]])), determinant(np.array([[0, 1], [1, 0]]))
    (2, -1)
    """
    B = np.asarray(B)
    rows = B.tolist() if B.dtype != object else [[int(v) for v in row] for row in B.tolist()]
    return int(flint.fmpz_mat(rows).det())


def _float_identity(M: np.ndarray, rows: list[int], cols: list[int], entry: int) -> bool:
    """Whether δ·M = M[:, C]·T′ holds for δ = det B (exact, nonzero) and T′ = δ·B⁻¹·M[R, :]
    rounded from a float solve (unproven: the identity checks it), M's entries at most
    ``entry`` < 2^52 in magnitude. The identity is checked in float64 when every product and
    partial sum is an integer below 2^53 in magnitude (then exact, in any order), else in
    int64 (:func:`_identity_holds`); False when δ = 0 or T′ leaves float64's exact range."""
    B = M.take(rows, 0).take(cols, 1)
    delta = determinant(B)
    if not 0 < abs(delta) < _FLOAT_EXACT:
        return False
    F = M.astype(np.float64)  # exact: entries below 2^52
    with quiet():
        T = np.rint(delta * np.linalg.solve(B.astype(np.float64), F.take(rows, 0)))
        height = float(np.abs(T).max())
    if not height < _FLOAT_EXACT:  # (a NaN fails too)
        return False
    if abs(delta) * entry < _FLOAT_EXACT and len(cols) * entry * height < _FLOAT_EXACT:
        return bool((F * delta == F.take(cols, 1) @ T).all())
    return _identity_holds(M, cols, T.astype(np.int64), delta)


def _exact_solution(M: np.ndarray, rows: list[int]) -> tuple | None:
    """(T′, δ, C): the fraction-free reduced echelon form of M[R, :] (python-flint), its
    denominator and its pivot columns, when its rank is |R|; None otherwise."""
    r, c = len(rows), M.shape[1]
    T, delta, rank = flint.fmpz_mat(M[rows].tolist()).rref()
    if rank != r:
        return None
    T = [[int(v) for v in row] for row in T.tolist()]
    cols = [next(j for j in range(c) if T[i][j]) for i in range(r)]  # T[i][cols[i]] = δ
    return np.array(T, dtype=object), int(delta), cols


def _identity_holds(M: np.ndarray, cols: list[int], T: np.ndarray, delta: int) -> bool:
    """Whether δ·M = M[:, C]·T′ exactly (int64 when a bound allows it, else Python ints)."""
    entry = max(abs(int(M.max())), abs(int(M.min())))
    height = max(abs(int(T.max())), abs(int(T.min())))
    if M.dtype != object and abs(delta) * entry < _INT64 and \
            len(cols) * entry * height < _INT64:
        # every product and partial sum below 2^62 in magnitude: int64 arithmetic is exact
        return np.array_equal(M * np.int64(delta), M[:, cols] @ T.astype(np.int64))
    return np.array_equal(M.astype(object) * delta, M[:, cols].astype(object) @
                          T.astype(object))


def column_basis(M: np.ndarray, F: np.ndarray | None = None, max_rank: int = 64,
                 columns: Sequence[int] | None = None) -> tuple[int, list[int]] | None:
    """(r, C): rank_Q M = r and C, sorted, the indices of r columns forming a basis of M's
    column space, proven exactly (module docstring); None when not proven (float pivots
    wrong) or when the rank looks larger than ``max_rank``.

    ``M``: an integer matrix (int64, or an object array of Python ints); ``F``: a float matrix
    whose rows are those of M scaled by positive factors (a float M by default), read for the
    choice of pivots only; ``columns``: columns C chosen already (e.g. those that look
    independent in a float Gram matrix), tried first with the first |C| rows, then with rows
    by partial pivoting (:func:`row_pivots`), choices too.
    """
    M = np.asarray(M)
    n, c = M.shape
    if n == 0 or c == 0:
        return 0, []
    F = M.astype(np.float64) if F is None else F
    entry = max(abs(int(M.max())), abs(int(M.min()))) if M.dtype != object else None
    exact_floats = entry is not None and entry < _FLOAT_EXACT
    if exact_floats and columns is not None and 0 < len(columns) <= min(n, max_rank):
        # rows: the first ones (often independent, and free to choose), else by pivoting
        for choose in (lambda: list(range(len(columns))), lambda: row_pivots(F[:, columns])):
            rows = choose()
            if rows and _float_identity(M, rows, list(columns), entry):
                return len(rows), sorted(columns)
    pivots = float_pivots(F, max_rank)
    if pivots is None:
        return None
    rows, cols = pivots
    if not rows:
        return (0, []) if not M.any() else None
    if exact_floats and _float_identity(M, rows, cols, entry):
        return len(rows), sorted(cols)
    found = _exact_solution(M, rows)
    if found is None or not _identity_holds(M, found[2], found[0], found[1]):
        return None
    return len(rows), sorted(found[2])



def independent_columns(A: np.ndarray, count: int) -> tuple[GramCertificate, np.ndarray] | None:
    """A proof that ``count`` columns of A are linearly independent over Q, A a float64 n × c
    matrix whose entries are the exact values, each 0 or in [2^-450, 2^450] in magnitude:
    (certificate, the columns), or None (nothing claimed; also when an entry is out of range).

    The float Gram bound (docs/theory.md, "Exact float columns"): Ĝ = fl(AᵀA) is within
    γ_n·|A|ᵀ|A| of AᵀA entrywise (every product and partial sum is normal), so with row and
    column i of Ĝ scaled by one power of two, δ = twice the largest row sum of the scaled
    γ_n·|A|ᵀ|A| (plus 2^-900 per column for underflow in the scaling) bounds ‖AᵀA − Ĝ‖₂, and
    :func:`~relugeom.linalg.gram.gram_positive_definite` proves the columns independent. The
    columns: all when there are ``count``, else those that look independent in a regularised
    float Cholesky of Ĝ (a choice only). Cost: n·c² for Ĝ, c³/3 for each Cholesky.

    >>> A = np.array([[1.0, 2.0, 1.0], [0.0, 0.0, 1.0], [1.0, 2.0, 0.0]])
    >>> independent_columns(A, 3) is None, independent_columns(A, 2)[1].tolist()
    (True, [0, 2])
    """
    n, c = A.shape
    if not 0 < count <= min(n, c):
        return None
    with quiet():
        if not in_gram_range(A):
            return None
        # (the Cholesky reads G's lower triangle only: G need not be symmetric, its lower
        # triangle is the symmetric matrix the proof is about)
        G = A.T @ A
        chosen = np.arange(c) if count == c else independent_looking(G, count)
    return None if chosen is None else _gram_proof(A, G, chosen)


def _gram_proof(A: np.ndarray, G: np.ndarray, chosen: np.ndarray, exact: bool = False
                ) -> tuple[GramCertificate, np.ndarray] | None:
    """The float Gram bound of :func:`independent_columns` for the columns ``chosen`` of A,
    G = fl(AᵀA) (A's entries in range); ``exact``: G = AᵀA exactly (no error to bound)."""
    if len(chosen) < A.shape[1]:
        G = G.take(chosen, 0).take(chosen, 1)
    n = A.shape[0]
    if exact:
        return _certified(scaled_positive_definite(G, lambda s: 0.0, n), chosen)
    absA = np.abs(A.take(chosen, 1)) if len(chosen) < A.shape[1] else np.abs(A)
    # the row sums of D·γ_n|A|ᵀ|A|·D, doubled
    return _certified(scaled_positive_definite(
        G, lambda s: 2 * gamma(n) * float((s * (absA.T @ (absA @ s))).max()), n), chosen)


def _certified(certificate: GramCertificate | None, chosen: np.ndarray
               ) -> tuple[GramCertificate, np.ndarray] | None:
    return None if certificate is None else (certificate, chosen)


#: The denominators tried, smallest first, for the float solutions of :func:`gram_column_basis`
#: (the relations among columns of small integers have small ones; a choice only).
_DENOMINATORS = np.arange(1.0, 65.0)
#: … and, when none of those does, the lcm of the entries' denominators up to this.
_LARGEST_DENOMINATOR = 2 ** 16
#: Entries of a float solution below this are read as 0 (float noise): a nonzero h/k with
#: k ≤ _LARGEST_DENOMINATOR is 16 times larger.
_NOISE = 2.0 ** -20


def _denominator(y: np.ndarray) -> int:
    """The lcm D ≤ :data:`_LARGEST_DENOMINATOR` of the denominators of y's entries (any shape;
    those below :data:`_NOISE` read as 0) read as fractions, the least D that makes D·y look
    integral: while some entry of D·y is not near an integer, D is multiplied by that entry's
    denominator, read off the convergents of its continued fraction (each round at least
    doubles D, so there are at most 16). 0 when an entry does not look like a fraction of
    such a denominator (a guess: the caller checks the relation exactly). Cost: a few passes
    over y and a scalar continued fraction per round."""
    y = y[np.abs(y) > _NOISE]
    D = 1
    for _ in range(17):
        v = D * y
        deviation = np.abs(v - np.rint(v))
        worst = int(deviation.argmax()) if len(v) else 0
        # (an integer is a fraction of denominator 1: near it as the convergents are)
        if not len(v) or deviation[worst] * (2 * _LARGEST_DENOMINATOR) < 1.0:
            return D
        k = _convergent_denominator(abs(float(v[worst])) % 1.0)
        if not k or D * k > _LARGEST_DENOMINATOR:
            return 0
        D *= k
    return 0  # (not reached: k ≥ 2 each round)


def _convergent_denominator(v: float) -> int:
    """The denominator k of the first convergent h/k of v ∈ (0, 1) closer to v than
    1/(2·K·k), K = :data:`_LARGEST_DENOMINATOR`, or 0 when k would exceed K. (If v is within
    1/(2·K·k) of a fraction h/k with k ≤ K, an earlier convergent h'/k' is not within
    1/(2·K·k') of v: it is at least 1/(k·k') from h/k.)"""
    x, (h0, h1), (k0, k1) = v, (0, 1), (1, 0)
    while True:
        a = math.floor(x)
        h0, h1, k0, k1 = h1, a * h1 + h0, k1, a * k1 + k0
        if k1 > _LARGEST_DENOMINATOR:
            return 0
        if abs(v - h1 / k1) * (2 * _LARGEST_DENOMINATOR * k1) < 1.0:
            return k1
        if x == a:  # (the float expansion ended short of the fraction: rounding)
            return 0
        x = 1.0 / (x - a)


def _denominators(Y: np.ndarray) -> np.ndarray | None:
    """Per column of Y, a D that makes D·y look integral (a guess, checked exactly by the
    caller), as floats; None when one is beyond :data:`_LARGEST_DENOMINATOR`. One column or
    two: their lcm, one :func:`_denominator` for both (a continued fraction or two). More:
    the least of 1, …, 64, tried on all of them at once, then one :func:`_denominator` for all
    the columns none of those fits."""
    if Y.shape[1] <= 2:
        D = _denominator(Y)
        return np.full(Y.shape[1], float(D)) if D else None
    # the entries that are not float noise, column by column: the denominators × entries
    # rounding errors, summed per column by a product (numpy's reductions of small axes are
    # ten times slower)
    i, f = np.nonzero(np.abs(Y) > _NOISE)
    scaled = _DENOMINATORS[:, None] * Y[i, f]
    owner = np.zeros((len(f), Y.shape[1]))
    owner[np.arange(len(f)), f] = 1.0
    integral = np.abs(scaled - np.rint(scaled)) @ owner <= 1e-6
    D = _DENOMINATORS.take(integral.argmax(axis=0))  # the first that looks integral
    beyond = np.flatnonzero(~integral.any(axis=0))
    if len(beyond):  # a denominator beyond 64: one for all those columns
        D[beyond] = _denominator(Y.take(beyond, 1))
        if not D[beyond[0]]:
            return None
    return D


def gram_column_basis(A: np.ndarray) -> tuple[GramCertificate, np.ndarray] | None:
    """A basis C of the column space of A, an integer-valued float64 matrix, proven: so
    rank_Q A = |C|. Returns (certificate, C), or None (nothing claimed).

    - The columns C are independent: the float Gram bound (:func:`independent_columns`).
    - Every other column f is in their span: A[:, C]·t_f = D_f·A[:, f] with t_f an integer
      vector and D_f ≥ 1 an integer, checked exactly (in float64, every product and partial
      sum an integer below 2^53 in magnitude), so rank A ≤ |C|.

    C is the set of columns that look independent in a regularised float Cholesky of AᵀA, t_f/D_f
    the float solution of the normal equations, D_f an integer up to 2^16 that makes it look
    integral (:func:`_denominators`: the least of 1, …, 64, else an lcm of entries'
    denominators read off their continued fractions) — choices only: a wrong one fails a
    check. Cost: n·c² for AᵀA, c³/3 for each Cholesky, n·c·(c − |C|) for the check.

    >>> A = np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 2.0], [1.0, 0.0, -1.0]])
    >>> gram_column_basis(A)[1].tolist()
    [0, 1]
    """
    n, c = A.shape
    with quiet():
        top = float(np.abs(A).max(initial=0.0))
        if not (n and 0 < top < _FLOAT_EXACT and (A == np.rint(A)).all()):
            return None
        G = A.T @ A
        found = looking_pivots(G)
        if found is None:
            return None
        looks = found[1] > _SELECT
        chosen = found[0][looks]
        free = np.ones(c, bool)  # the other columns, the zero ones with them
        free[chosen] = False
        free = np.flatnonzero(free)
        if not len(chosen):
            return None
        if len(free):
            rows = G.take(chosen, 0)
            Y = np.linalg.solve(rows.take(chosen, 1), rows.take(free, 1))
            D = _denominators(Y)
            if D is None:
                return None
            T = np.rint(Y * D)
            if not len(chosen) * top * float(np.abs(T).max()) < _FLOAT_EXACT or \
                    not (A.take(chosen, 1) @ T == A.take(free, 1) * D).all():
                return None
    # integers: AᵀA is exact when every product and partial sum is an integer below 2^53
    return _gram_proof(A, G, chosen, exact=n * top * top < _FLOAT_EXACT)
