"""Exact linear algebra over Q behind one small interface.

Matrices enter as sequences of rows of exact numbers (``int`` or ``Fraction``). Rank and
kernel do not change when a row is multiplied by a nonzero scalar, so every row is first
scaled by the lcm of its denominators and the backends work over Z:

- ``"flint"``: python-flint's ``fmpz_mat`` (fraction-free elimination in C); the default
  (``"auto"``). python-flint is a requirement of relugeom.
- ``"sympy"``: sympy's ``DomainMatrix`` over ZZ/QQ, an independently built elimination, for
  cross-checks (``backend="sympy"``).

Both are exact. Beside this interface live the other engines, all over exact numbers:
:mod:`~relugeom.linalg.integer` (integer matrices for inner loops),
:mod:`~relugeom.linalg.modular` (ranks mod p: certified lower bounds, and their certificates),
:mod:`~relugeom.linalg.nmod` (small matrices mod p in one python-flint call, after a random
projection), :mod:`~relugeom.linalg.lp` (an exact integer simplex),
:mod:`~relugeom.linalg.verified` (exact ranks proven by a kernel checked over Z),
:mod:`~relugeom.linalg.column_basis` (the rank of a small integer matrix proven by an exact
determinant and an exact factorization identity, no prime),
:mod:`~relugeom.linalg.gram` (a rank lower bound proven in float64 arithmetic: a Cholesky of
the Gram matrix shifted by rigorous rounding bounds), :mod:`~relugeom.linalg.floating` (float
ranks, labelled numeric) and
:mod:`~relugeom.linalg.certified` (the :class:`~relugeom.linalg.certified.Rank` result type).

>>> rank([[1, 2], [2, 4]])
1
>>> nullspace([[1, 2], [2, 4]])
[(Fraction(-2, 1), Fraction(1, 1))]
"""

from __future__ import annotations

from fractions import Fraction
from typing import Sequence

from ..errors import InputError
from ..exact.numbers import common_denominator, to_rational
from . import _flint, _sympy

_BACKENDS = {"flint": _flint, "sympy": _sympy}


def available_backends() -> list[str]:
    """Names of the exact backends, preferred first."""
    return list(_BACKENDS)


def choose_backend(backend: str = "auto") -> str:
    """Resolve ``"auto"`` to the first available backend; check an explicit choice."""
    if backend == "auto":
        return available_backends()[0]
    if backend not in _BACKENDS:
        raise InputError(f"unknown exact backend {backend!r}; choose one of "
                         f"{sorted(_BACKENDS)} or 'auto'")
    return backend


def integer_rows(rows: Sequence[Sequence]) -> list[list[int]]:
    """Scale each row by the lcm of its denominators: same rank, same kernel, integer entries.
    Entries other than ints and Fractions (floats, numpy scalars, …) are read exactly first
    (:func:`relugeom.exact.numbers.to_rational`: a float is its binary value, NaN refused)."""
    out = []
    for i, row in enumerate(rows):
        if not all(type(q) is int or type(q) is Fraction for q in row):
            row = [to_rational(q, f"row {i}, column {j}") for j, q in enumerate(row)]
        lcm = common_denominator(row)
        out.append([int(q) for q in row] if lcm == 1 else [int(q * lcm) for q in row])
    return out


def _shape(rows: Sequence[Sequence], ncols: int | None) -> tuple[int, int]:
    nrows = len(rows)
    if ncols is None:
        ncols = len(rows[0]) if nrows else 0
    return nrows, ncols


def rank(rows: Sequence[Sequence], ncols: int | None = None, backend: str = "auto") -> int:
    """Exact rank over Q of the matrix with the given rows.

    ``ncols`` is needed only when there are no rows. Cost: one fraction-free elimination,
    O(r·n·m) operations on integers whose size grows at most linearly (Bareiss).
    """
    nrows, ncols = _shape(rows, ncols)
    if nrows == 0 or ncols == 0:
        return 0
    return _BACKENDS[choose_backend(backend)].rank(integer_rows(rows), nrows, ncols)


def nullspace(rows: Sequence[Sequence], ncols: int | None = None,
              backend: str = "auto") -> list[tuple[Fraction, ...]]:
    """An exact basis of the kernel {u : A u = 0}, in reduced echelon form.

    The basis is canonical (each vector has a 1 at its free column and 0 at the other free
    columns), so it does not depend on the backend.
    """
    nrows, ncols = _shape(rows, ncols)
    if ncols == 0:
        return []
    if nrows == 0:
        return [tuple(Fraction(int(i == k)) for i in range(ncols)) for k in range(ncols)]
    return _BACKENDS[choose_backend(backend)].nullspace(integer_rows(rows), nrows, ncols)
