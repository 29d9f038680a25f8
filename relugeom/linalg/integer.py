"""Exact integer matrices for the inner loops of the rank engines (python-flint in C).

Matrices are lists of rows of Python ints (or integer numpy arrays); results are plain ints,
lists of rows, or for :func:`product` an object array. Ranks over Z equal ranks over Q;
:func:`rank_mod` is the rank over Z/pZ.

>>> rank([[1, 2], [2, 4]]), rank_mod([[1, 2], [3, 4]], 2)
(1, 1)
>>> kernel([[1, 2, 3]])          # columns of an integer basis of {u : A u = 0}
[[2, 3], [-1, 0], [0, -1]]
>>> echelon([[2, 4], [1, 3]])    # fraction-free reduced rows and the rank
([[2, 0], [0, 2]], 2)
"""

from __future__ import annotations

from typing import Any

import flint
import numpy as np


def _rows(A: Any) -> list:
    return A.tolist() if hasattr(A, "tolist") else A


def _lists(M: Any) -> list[list[int]]:
    return [[int(M[i, j]) for j in range(M.ncols())] for i in range(M.nrows())]


def rank(A: Any) -> int:
    """Rank over Q of an integer matrix (fraction-free elimination).

    A rank mod p equal to the smaller side is already exact (it is a lower bound, and the rank
    cannot exceed the smaller side); otherwise the matrix is eliminated with its longer side
    as rows: python-flint's elimination of a wide matrix can be a thousand times slower than of
    its transpose.
    """
    return full_or_exact_rank(flint.fmpz_mat(_rows(A)))


#: The prime of the full-rank shortcut (any prime gives a lower bound).
_SHORTCUT_PRIME = 2_147_483_629


def full_or_exact_rank(M: "flint.fmpz_mat") -> int:
    """rank_Q of an fmpz_mat: min(shape) if a rank mod a prime says so, else eliminated tall."""
    r, c = M.nrows(), M.ncols()
    if r == 0 or c == 0:
        return 0
    if flint.nmod_mat(M, _SHORTCUT_PRIME).rank() == min(r, c):
        return min(r, c)
    return (M.transpose() if r < c else M).rank()


def rank_mod(A: Any, p: int) -> int:
    """Rank over Z/pZ of an integer matrix: any integers (Python or numpy, or integer-valued
    floats), reduced mod p here.

    >>> rank_mod([[2, 4], [-1, 3]], 7), rank_mod([[2, 4], [1, 2]], 7)
    (2, 1)
    """
    A = A if isinstance(A, np.ndarray) else np.array(_rows(A), dtype=object)
    return flint.nmod_mat(np.remainder(A, p).astype(np.int64).tolist(), p).rank()


def kernel(A: Any) -> list[list[int]]:
    """An integer basis of the kernel, as the rows of the n × k matrix of basis columns."""
    K, k = flint.fmpz_mat(_rows(A)).nullspace()
    return [[int(K[i, j]) for j in range(k)] for i in range(K.nrows())]


def left_kernel_rows(block: Any) -> list[list[int]]:
    """Integer rows ℓ spanning {ℓ : ℓᵀ·block = 0} for an m × k integer block (the m unit rows
    when the block is zero or has no column).

    >>> left_kernel_rows([[1], [1]])
    [[1, -1]]
    """
    rows = _rows(block)
    m = len(rows)
    if not any(any(int(v) for v in row) for row in rows):
        return [[int(k == t) for k in range(m)] for t in range(m)]
    basis = kernel([list(col) for col in zip(*rows)])  # m coordinates × nullity columns
    return [list(ell) for ell in zip(*basis)]


def product(A: Any, B: Any) -> np.ndarray:
    """The exact product A·B, an object array of Python ints (empty shapes allowed): for
    entries beyond 64 bits, a few times faster than numpy's object dot.

    >>> product(np.array([[2 ** 70, 1]], dtype=object), [[3], [-1]]).tolist()
    [[3541774862152233910271]]
    """
    A, B = np.asarray(A, dtype=object), np.asarray(B, dtype=object)
    shape = (A.shape[0], B.shape[1])
    if 0 in shape or A.shape[1] == 0:
        return np.zeros(shape, dtype=object)
    return np.array(_lists(flint.fmpz_mat(A.tolist()) * flint.fmpz_mat(B.tolist())),
                    dtype=object).reshape(shape)


def adjugate_product(A: Any, B: Any) -> np.ndarray:
    """det(A)·A⁻¹·B = adj(A)·B for a nonsingular square integer A: an integer matrix (Cramer's
    rule), an object array of Python ints. ZeroDivisionError if A is singular.

    >>> adjugate_product([[2, 0], [0, 4]], [[1], [1]]).tolist()
    [[4], [2]]
    """
    M = flint.fmpz_mat(_rows(A))
    X = M.solve(flint.fmpz_mat(_rows(B))) * M.det()
    return np.array([[int(X[i, j].p) for j in range(X.ncols())] for i in range(X.nrows())],
                    dtype=object).reshape(X.nrows(), X.ncols())


def echelon(A: Any) -> tuple[list[list[int]], int]:
    """The fraction-free reduced row echelon form of A (its nonzero rows first) and its rank."""
    R, _, r = flint.fmpz_mat(_rows(A)).rref()
    return _lists(R), r
