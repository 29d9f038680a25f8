"""Small dense matrices mod p in one python-flint call, after a random projection.

A float64 elimination mod p (:mod:`relugeom.linalg.modular`) pays a Python step per pivot;
python-flint's ``nmod_mat`` eliminates in C, and what it costs is reading the entries (about
0.1 µs each). So a matrix with more columns than the rank sought is first multiplied by a
random k-column matrix R mod p (one BLAS product, exact in chunks):

    rank_p(A·R) ≤ rank_p(A) ≤ rank_Q(A)     for every R,

so the rank of the projection is a certified lower bound whatever R is (rank_p(A) ≤ rank_Q(A):
see :mod:`relugeom.linalg.modular`), and the left kernel of A mod p lies in that of A·R, with
equality when the ranks are equal. For R uniform and k ≥ rank_p(A) they are equal except with
probability at most rank_p(A)/p: with I a set of rank_p(A) independent rows, some maximal minor
of A[I]·R is a nonzero polynomial of that degree in the entries of R (Schwartz–Zippel). An
unlucky R only gives a smaller lower bound, never a wrong one; R is seeded (deterministic).

>>> A = np.array([[1, 2, 3, 4], [2, 4, 6, 8], [0, 1, 0, 1]], dtype=float)
>>> p = 1_000_003
>>> projected_rank(A, p, 2), left_kernel(A, p)
(2, (2, [[1000001, 1, 0]]))
"""

from __future__ import annotations

import functools

import flint
import numpy as np

from .modular import matmul_mod


def project(A: np.ndarray, k: int, p: int, seed: int = 0) -> np.ndarray:
    """A·R mod p (residues in [0, p), float64) for a seeded uniform R with k columns; A itself
    (reduced) when it has at most k columns."""
    A = np.asarray(A, dtype=float)
    if A.shape[1] <= k:
        return np.remainder(A, p)
    return matmul_mod(A, _random_matrix(A.shape[1], k, p, seed), p)


@functools.lru_cache(maxsize=16)
def _random_matrix(rows: int, cols: int, p: int, seed: int) -> np.ndarray:
    """A seeded uniform matrix mod p (float64, read-only): the same for the same arguments."""
    R = np.random.default_rng(seed).integers(0, p, (rows, cols)).astype(float)
    R.flags.writeable = False
    return R


def _nmod(A: np.ndarray, p: int) -> "flint.nmod_mat":
    # through fmpz_mat: reading Python ints into it is twice as fast as into nmod_mat
    if A.size == 0:
        return flint.nmod_mat(A.shape[0], A.shape[1], p)
    rows = np.remainder(np.asarray(A), p).astype(np.int64).tolist()
    return flint.nmod_mat(flint.fmpz_mat(rows), p)


def projected_rank(A: np.ndarray, p: int, k: int, seed: int = 0) -> int:
    """rank_p(A·R) for a random R with k columns (A with fewer rows is better: transpose it
    first): a certified lower bound of rank_Q(A), equal to min(rank_p(A), k) but for a
    probability ≤ rank/p. Cost: one BLAS product, then about 0.1 µs per entry of A·R."""
    return ProjectedRows(A, p, k, seed).rank


class ProjectedRows:
    """The rows of A mod p projected to k random columns (none when A has at most k), read
    once into python-flint: :attr:`rank` = rank_p(A·R) and :meth:`left_kernel`."""

    def __init__(self, A: np.ndarray, p: int, k: int, seed: int = 0):
        self.p, self.nrows = p, np.shape(A)[0]
        B = project(A, k, p, seed) if 0 not in np.shape(A) and k else np.zeros((self.nrows, 0))
        self._transposed = _nmod(B.T, p)
        self._rank: int | None = None
        self._kernel: tuple[int, list[list[int]]] | None = None

    @property
    def rank(self) -> int:
        if self._rank is None:
            self._rank = self._transposed.rank() if self._transposed.nrows() else 0
        return self._rank

    def left_kernel(self) -> tuple[int, list[list[int]]]:
        """(rank_p(A·R), a basis of the left kernel of A·R mod p). The basis is canonical: the
        vector of each row f dependent on the rows before it is 1 at f, zero at every other
        dependent row, and its other nonzero entries are at earlier independent rows (f is the
        last index of its support)."""
        if self._kernel is None:
            n = self.nrows
            if n == 0 or self._transposed.nrows() == 0:
                self._kernel = (0, [[int(i == j) for i in range(n)] for j in range(n)])
            else:
                X, nullity = self._transposed.nullspace()
                self._kernel = (n - nullity,
                                [[int(X[i, j]) for i in range(n)] for j in range(nullity)])
            self._rank = self._kernel[0]
        return self._kernel


def left_kernel(A: np.ndarray, p: int, k: int | None = None, seed: int = 0
                ) -> tuple[int, list[list[int]]]:
    """(rank_p(A·R), basis of the left kernel of A·R mod p), R random with k columns (no
    projection when k is None); see :meth:`ProjectedRows.left_kernel`."""
    return ProjectedRows(A, p, np.shape(A)[1] if k is None else k, seed).left_kernel()
