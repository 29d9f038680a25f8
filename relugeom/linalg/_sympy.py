"""sympy DomainMatrix backend: an independent exact elimination, to cross-check python-flint.

sympy is imported on first use: it takes about 0.4 s, and only an explicit ``backend="sympy"``
needs it here.
"""

from __future__ import annotations

from fractions import Fraction

from ._flint import _kernel_from_rref


def rank(rows: list[list[int]], nrows: int, ncols: int) -> int:
    from sympy.polys.domains import ZZ
    from sympy.polys.matrices import DomainMatrix

    return DomainMatrix([[ZZ(v) for v in row] for row in rows], (nrows, ncols), ZZ).rank()


def nullspace(rows: list[list[int]], nrows: int, ncols: int) -> list[tuple[Fraction, ...]]:
    from sympy.polys.domains import QQ
    from sympy.polys.matrices import DomainMatrix

    matrix = DomainMatrix([[QQ(v) for v in row] for row in rows], (nrows, ncols), QQ)
    reduced, pivots = matrix.rref()
    table = reduced.to_list()
    pivot_rows = [[Fraction(int(q.numerator), int(q.denominator)) for q in table[i]]
                  for i in range(len(pivots))]
    return _kernel_from_rref(pivot_rows, ncols)
