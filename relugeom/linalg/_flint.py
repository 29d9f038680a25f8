"""python-flint backend: fmpz_mat rank, fmpq_mat reduced echelon form for kernels."""

from __future__ import annotations

from fractions import Fraction

import flint

from .integer import full_or_exact_rank


def rank(rows: list[list[int]], nrows: int, ncols: int) -> int:
    return full_or_exact_rank(flint.fmpz_mat(rows))


def nullspace(rows: list[list[int]], nrows: int, ncols: int) -> list[tuple[Fraction, ...]]:
    reduced, rk = flint.fmpq_mat(flint.fmpz_mat(rows)).rref()
    table = reduced.table()
    return _kernel_from_rref(
        [[Fraction(int(q.p), int(q.q)) for q in table[i]] for i in range(rk)], ncols)


def _kernel_from_rref(pivot_rows: list[list[Fraction]], ncols: int) -> list[tuple[Fraction, ...]]:
    """Kernel basis read off the nonzero rows of a reduced row echelon form."""
    pivots = [next(k for k, q in enumerate(row) if q) for row in pivot_rows]
    pivot_set = set(pivots)
    free = [k for k in range(ncols) if k not in pivot_set]
    basis = []
    for f in free:
        u = [Fraction(0)] * ncols
        u[f] = Fraction(1)
        for row, p in zip(pivot_rows, pivots):
            u[p] = -row[f]
        basis.append(tuple(u))
    return basis
