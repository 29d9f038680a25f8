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
- The identity is checked in int64 when every product and partial sum is below 2^62 in
  magnitude (a bound from the largest entries), else in Python integers.

Cost: r steps of a rank-one float update of M (r·n·c), an r × r float solve with c
right-hand sides (or one python-flint echelon form of an r × c matrix), one n × r × c integer
product.

>>> M = np.array([[1, 2, 3], [2, 4, 6], [1, 0, 1], [0, 1, 1]])
>>> column_basis(M)
(2, [0, 1])
>>> column_basis(np.array([[1, 2], [3, 4]]))
(2, [0, 1])
"""

from __future__ import annotations

import flint
import numpy as np

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
    with np.errstate(all="ignore"):
        scale = np.abs(A).max(axis=0)
        if not np.isfinite(scale).all():
            return None
        A /= np.where(scale > 0, scale, 1.0)  # columns scaled alike: same dependencies
        top = 1.0
        while True:
            i, l = divmod(int(np.abs(A).argmax()), A.shape[1])
            if not abs(A[i, l]) > _RELATIVE * top:
                return rows, cols
            if len(rows) == max_rank:
                return None
            rows.append(i)
            cols.append(l)
            A -= np.outer(A[:, l] / A[i, l], A[i])
            A[i] = 0.0
            A[:, l] = 0.0


def determinant(B: np.ndarray) -> int:
    """The determinant of a square integer matrix, exactly (Bareiss's fraction-free
    elimination: every intermediate entry is a minor of B, every division exact), in int64 when
    Hadamard's bound on the minors is below 2^31 (so that each product is below 2^62), else in
    Python integers. Cost: r³/3 multiplications, r numpy steps.

    >>> determinant(np.array([[2, 1], [4, 3]])), determinant(np.array([[0, 1], [1, 0]]))
    (2, -1)
    """
    A = np.asarray(B)
    r = A.shape[0]
    if r <= 12:  # small: Python integers, no numpy call per step
        return _small_determinant([[int(v) for v in row] for row in A.tolist()])
    norms = np.sqrt((A.astype(np.float64) ** 2).sum(1))
    small = A.dtype != object and float(np.prod(np.maximum(norms, 1.0))) < 2.0 ** 30
    A = A.astype(np.int64 if small else object)
    sign, prev = 1, 1
    for k in range(r - 1):
        if A[k, k] == 0:
            below = np.flatnonzero(A[k + 1:, k] != 0)
            if not below.size:
                return 0
            A[[k, k + 1 + below[0]]] = A[[k + 1 + below[0], k]]
            sign = -sign
        A[k + 1:, k + 1:] = (A[k + 1:, k + 1:] * A[k, k]
                             - np.outer(A[k + 1:, k], A[k, k + 1:])) // prev
        prev = A[k, k]
    return sign * int(A[r - 1, r - 1])


def _small_determinant(A: list[list[int]]) -> int:
    """:func:`determinant` of a small matrix given as lists of Python integers (changed)."""
    r, sign, prev = len(A), 1, 1
    for k in range(r - 1):
        if A[k][k] == 0:
            swap = next((i for i in range(k + 1, r) if A[i][k]), None)
            if swap is None:
                return 0
            A[k], A[swap] = A[swap], A[k]
            sign = -sign
        pivot, row = A[k][k], A[k]
        for i in range(k + 1, r):
            a = A[i][k]
            A[i] = [0] * (k + 1) + [(pivot * x - a * y) // prev
                                    for x, y in zip(A[i][k + 1:], row[k + 1:])]
        prev = pivot
    return sign * A[r - 1][r - 1] if r else 1


def _float_solution(M: np.ndarray, rows: list[int], cols: list[int]) -> tuple | None:
    """(T′, δ) with δ = det B (exact, nonzero) and T′ = δ·B⁻¹·M[R, :] rounded from a float
    solve, when the values are in float64's exact range; None otherwise. T′ is unproven: the
    identity checks it."""
    B = M[np.ix_(rows, cols)]
    delta = determinant(B)
    if not 0 < abs(delta) < _FLOAT_EXACT:
        return None
    with np.errstate(all="ignore"):
        T = np.rint(delta * np.linalg.solve(B.astype(np.float64),
                                            M[rows].astype(np.float64)))
    if not (np.isfinite(T).all() and np.abs(T).max() < _FLOAT_EXACT):
        return None
    return T.astype(np.int64), delta


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


def column_basis(M: np.ndarray, F: np.ndarray | None = None, max_rank: int = 64
                 ) -> tuple[int, list[int]] | None:
    """(r, C): rank_Q M = r and C, sorted, the indices of r columns forming a basis of M's
    column space, proven exactly (module docstring); None when not proven (float pivots
    wrong) or when the rank looks larger than ``max_rank``.

    ``M``: an integer matrix (int64, or an object array of Python ints); ``F``: a float matrix
    whose rows are those of M scaled by positive factors (a float M by default), read for the
    choice of pivots only.
    """
    M = np.asarray(M)
    n, c = M.shape
    if n == 0 or c == 0:
        return 0, []
    pivots = float_pivots(M.astype(np.float64) if F is None else F, max_rank)
    if pivots is None:
        return None
    rows, cols = pivots
    if not rows:
        return (0, []) if not M.any() else None
    found = None
    if M.dtype != object and max(abs(int(M.max())), abs(int(M.min()))) < _FLOAT_EXACT:
        found = _float_solution(M, rows, cols)
        found = found and (*found, cols)
        if found and not _identity_holds(M, cols, found[0], found[1]):
            found = None
    if found is None:
        found = _exact_solution(M, rows)
        if found is None or not _identity_holds(M, found[2], found[0], found[1]):
            return None
    return len(rows), sorted(found[2])
