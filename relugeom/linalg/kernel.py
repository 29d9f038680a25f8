"""Greedy bases of exact vectors, chosen modulo a prime and proven by a count.

Setting. Candidate vectors v_1, v_2, … of Q^n arrive in a fixed order, all in a subspace U of
Q^n whose dimension k is known exactly (a kernel, say, whose rank is certified). The *greedy
basis* keeps v_i when it is independent of the vectors kept before it. Over Q that is an exact
elimination of every candidate, on big rationals. Here the choice is made modulo a word-size
prime p (float BLAS, :class:`ReducedEchelon`) and proven afterwards:

- vectors independent mod p are independent over Q (a minor nonzero mod p is nonzero);
- so when the kept vectors, reduced mod p *from their exact values*, are independent and k in
  number, they are k independent vectors of U: an exact basis of U.

The choice mod p is the choice over Q unless p divides one of the minors involved; then fewer
than k vectors may be kept (the count fails, another prime is tried) or a different but still
proven basis is found. Nothing here is probabilistic: a result is returned only with its proof.

Candidates come in *groups*, each able to give its vectors mod p cheaply and, only for the
positions kept, exactly: :class:`GivenVectors` (exact vectors at hand) and
:class:`ColumnKernel` (the canonical kernel basis of a matrix restricted to some columns, the
same reduced-echelon construction mod p and over Q), and :class:`FullKernel` (the kernel of a
whole matrix that contains every candidate before it: chosen from one elimination of the
basis so far, not candidate by candidate). Groups come in *stages*, each with a cap
(the dimension of the subspace its candidates lie in): a stage stops feeding once the basis
reaches its cap, so redundant candidates are never built.

>>> A = ModularMatrix([[1, 1, 0, 0]])
>>> stages = [([GivenVectors([[1, -1, 0, 0], [2, -2, 0, 0]]), ColumnKernel(A, [0, 1, 2, 3])], 3)]
>>> basis = greedy_basis(stages, 4)
>>> [(g, i) for _, g, i, _ in basis.kept], [[int(q) for q in u] for *_, u in basis.kept]
([(0, 0), (1, 1), (1, 2)], [[1, -1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterable, Sequence

import flint
import numpy as np

from ..exact.arrays import PrimeDividesDenominator, RationalArray
from . import nullspace
from .modular import CHUNK, random_primes, reduce_residues, rref_mod_p

#: Candidates reduced against the basis at once (one BLAS product per basis chunk).
BLOCK = 128
_ZERO = Fraction(0)


def _residue(q: Any, p: int) -> int:
    q = Fraction(q)
    d = q.denominator % p
    if not d:
        raise PrimeDividesDenominator(f"{p} divides a denominator")
    return q.numerator * pow(d, p - 2, p) % p


def sparse_residues(vectors: Sequence[Sequence], length: int, p: int) -> np.ndarray:
    """Exact vectors mod p, reading only their nonzero entries (float64 residues in [0, p))."""
    out = np.zeros((len(vectors), length))
    for i, u in enumerate(vectors):
        for k, q in enumerate(u):
            if q:
                out[i, k] = _residue(q, p)
    return out


class ModularMatrix:
    """An exact matrix (rows of ints or Fractions) with its residues mod p, computed once."""

    def __init__(self, rows: Sequence[Sequence]):
        self.rows = [list(row) for row in rows]
        self.ncols = len(self.rows[0]) if self.rows else 0
        self._residues: dict[int, np.ndarray] = {}

    def residues(self, p: int) -> np.ndarray:
        if p not in self._residues:
            self._residues[p] = (RationalArray.from_any(self.rows).residues(p) if self.rows
                                 else np.zeros((0, self.ncols), dtype=np.int64))
        return self._residues[p]


def _echelon_mod_p(A: np.ndarray, p: int) -> tuple[np.ndarray, list[int]]:
    """The nonzero rows of the reduced echelon form of A mod p, and its pivot columns."""
    R = np.asarray(A, dtype=float) % p
    nrows, ncols = R.shape
    if nrows * ncols > 4096:   # large: the recursive, BLAS-based elimination
        E, pivots, _ = rref_mod_p(R, p)
        return np.remainder(E, p), list(pivots)
    pivots: list[int] = []
    for col in range(ncols):   # Gauss–Jordan column by column, vectorised over the rows
        r = len(pivots)
        if r == nrows:
            break
        nz = np.flatnonzero(R[r:, col])
        if nz.size == 0:
            continue
        i = r + int(nz[0])
        if i != r:
            R[[r, i]] = R[[i, r]]
        R[r] = reduce_residues(R[r] * pow(int(R[r, col]), p - 2, p), p) % p
        factors = R[:, col].copy()
        factors[r] = 0
        if factors.any():
            R -= np.outer(factors, R[r])
            R %= p
        pivots.append(col)
    return R[:len(pivots)], pivots


def echelon_kernel(R: np.ndarray, pivots: Sequence[int], ncols: int, p: int
                   ) -> tuple[np.ndarray, list[int]]:
    """(K, free): the canonical kernel basis mod p of a matrix from the nonzero rows R of its
    reduced echelon form and their pivot columns — for each free column f (ascending), the
    vector with 1 at f and −R[i, f] at the pivot of row i — and the free columns.

    >>> K, free = echelon_kernel(np.array([[1.0, 2.0, 0.0]]), [0], 3, 7)
    >>> K.tolist(), free
    ([[5.0, 1.0, 0.0], [0.0, 0.0, 1.0]], [1, 2])
    """
    chosen = set(pivots)
    free = [c for c in range(ncols) if c not in chosen]
    K = np.zeros((len(free), ncols))
    K[np.arange(len(free)), free] = 1
    if len(pivots):
        K[:, list(pivots)] = (-np.asarray(R)[:, free].T) % p
    return K, free


def _kernel_and_free(A: np.ndarray, p: int) -> tuple[np.ndarray, list[int]]:
    R, pivots = _echelon_mod_p(A, p)
    return echelon_kernel(R, pivots, np.shape(A)[1], p)


def kernel_mod_p(A: np.ndarray, p: int) -> np.ndarray:
    """The canonical kernel basis of A mod p, as rows: for each free column f of the reduced
    echelon form R (ascending), the vector with 1 at f and −R[i, f] at the pivot of row i —
    the construction of :func:`relugeom.linalg.nullspace`, mod p. Cost O(rows·cols·rank)."""
    return _kernel_and_free(A, p)[0]


def kernel_on_pivots(M: np.ndarray, pivots: Sequence[int], inverse: bool = True
                     ) -> tuple[np.ndarray, np.ndarray | None]:
    """(Λ, G) over Q for a rational matrix M (r × c, Fractions or ints, an object array) with
    a nonsingular r × r minor M_B on the columns ``pivots`` (python-flint): Λ the kernel rows
    e_f − M_B⁻¹M_f for the other columns f, ascending (the canonical kernel of :func:`kernel_mod_p`
    when the pivots are those mod p: its reduction when M_B is a unit mod p), and, with
    ``inverse``, G (c × r) with M_B⁻¹ on the rows of the pivots and 0 elsewhere (M·G = I when
    M has rank r). Entries are Fractions.

    >>> K, G = kernel_on_pivots(np.array([[1, 2, 3]], dtype=object), [0])
    >>> K.tolist(), G.tolist()
    ([[Fraction(-2, 1), 1, 0], [Fraction(-3, 1), 0, 1]], [[Fraction(1, 1)], [0], [0]])
    """
    r, c = M.shape
    B = flint.fmpq_mat([[_fmpq(v) for v in row] for row in M[:, list(pivots)].tolist()])
    Binv = B.inv()
    free = [f for f in range(c) if f not in set(pivots)]
    Lam = np.zeros((len(free), c), dtype=object)
    if free:
        F = Binv * flint.fmpq_mat([[_fmpq(v) for v in row] for row in M[:, free].tolist()])
        for a, f in enumerate(free):
            Lam[a, f] = 1
            for b, piv in enumerate(pivots):
                Lam[a, piv] = -_fraction(F[b, a])
    G = None
    if inverse:
        G = np.zeros((c, r), dtype=object)
        for b, piv in enumerate(pivots):
            G[piv] = [_fraction(Binv[b, k]) for k in range(r)]
    return Lam, G


def _fmpq(v: Any) -> "flint.fmpq":
    v = Fraction(v)
    return flint.fmpq(v.numerator, v.denominator)


def _fraction(v: "flint.fmpq") -> Fraction:
    return Fraction(int(v.p), int(v.q))


class ReducedEchelon:
    """A reduced echelon basis mod p (rows zero on each other's pivots) fed by blocks of
    candidates, keeping, in order, those independent of everything before them.

    Candidates that touch few pivots (sparse ones) are reduced row by row against the pivot
    rows they touch, others by one BLAS product per chunk; rows that reduce to zero are
    dropped before the block's own elimination, so a redundant candidate costs
    O(nnz·length), not O(rank·length).
    """

    def __init__(self, p: int, length: int):
        self.p = p
        self.length = length
        self.basis = np.zeros((0, length))
        self.pivots: list[int] = []
        self.independent: list[int] = []
        self.seen = 0

    @property
    def rank(self) -> int:
        return len(self.pivots)

    def _reduce(self, block: np.ndarray) -> np.ndarray:
        if not self.pivots:
            return block
        C = block[:, self.pivots]
        nnz = np.count_nonzero(C, axis=1)
        out = block.copy()
        sparse = (nnz * 8 < len(self.pivots)) & (nnz <= CHUNK)
        for i in np.flatnonzero(sparse & (nnz > 0)):
            touched = np.flatnonzero(C[i])
            out[i] -= C[i, touched] @ self.basis[touched]
        dense = np.flatnonzero(~sparse)
        if dense.size:
            rows = out[dense]
            for s in range(0, len(self.pivots), CHUNK):
                rows -= C[dense, s:s + CHUNK] @ self.basis[s:s + CHUNK]
                reduce_residues(rows, self.p)
            out[dense] = rows
        return np.remainder(reduce_residues(out, self.p), self.p)

    def add(self, block: Any) -> int:
        block = np.asarray(block, dtype=float)
        start = self.seen
        self.seen += len(block)
        reduced = self._reduce(block)
        alive = np.flatnonzero(reduced.any(axis=1))
        if alive.size == 0:
            return 0
        R, piv, kept = rref_mod_p(reduced[alive], self.p)
        if not piv:
            return 0
        R = np.remainder(R, self.p)
        if self.pivots:   # clear the new pivot columns from the old rows
            C = self.basis[:, piv].copy()
            for s in range(0, len(piv), CHUNK):
                self.basis -= C[:, s:s + CHUNK] @ R[s:s + CHUNK]
                reduce_residues(self.basis, self.p)
            self.basis = np.remainder(self.basis, self.p)
        self.basis = np.vstack([self.basis, R])
        self.pivots += piv
        self.independent += [start + int(alive[i]) for i in kept]
        return len(piv)


@dataclass(frozen=True)
class GivenVectors:
    """A group of exact vectors already at hand."""

    vectors: Sequence[Sequence]

    def residues(self, p: int, length: int) -> np.ndarray:
        return sparse_residues(self.vectors, length, p)

    def exact(self, positions: Sequence[int], length: int) -> list[tuple]:
        return [tuple(self.vectors[i]) for i in positions]


@dataclass(frozen=True)
class ColumnKernel:
    """The vectors of ker A supported on ``columns``: the canonical kernel basis of A's columns
    ``columns`` (:func:`kernel_mod_p`, :func:`relugeom.linalg.nullspace`), embedded in Q^length
    at those coordinates."""

    matrix: ModularMatrix
    columns: Sequence[int]

    def residues(self, p: int, length: int) -> np.ndarray:
        K = kernel_mod_p(self.matrix.residues(p)[:, list(self.columns)], p)
        out = np.zeros((len(K), length))
        out[:, list(self.columns)] = K
        return out

    def exact(self, positions: Sequence[int], length: int) -> list[tuple]:
        block = [[row[c] for c in self.columns] for row in self.matrix.rows]
        basis = nullspace(block, len(self.columns)) if block else \
            [tuple(Fraction(int(i == j)) for j in range(len(self.columns)))
             for i in range(len(self.columns))]
        out = []
        for i in positions:
            full = [_ZERO] * length
            for c, q in zip(self.columns, basis[i]):
                full[c] = q
            out.append(tuple(full))
        return out


@dataclass(frozen=True)
class FullKernel(ColumnKernel):
    """The canonical kernel basis of the whole matrix (every column), *containing every vector
    fed before it* (the caller proves that): its greedy choice needs no elimination of its own
    vectors (:func:`_units_kept`)."""

    columns: Sequence[int] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", range(self.matrix.ncols))


@dataclass(frozen=True)
class GreedyBasis:
    """A proven basis: ``kept`` lists (stage, group, position in the group, exact vector) in
    the order chosen; ``prime`` is the prime of the choice and of the independence proof;
    ``candidates`` how many candidate vectors were reduced mod p."""

    kept: tuple
    prime: int
    candidates: int


def _units_kept(kept: np.ndarray, A: np.ndarray, p: int) -> tuple[np.ndarray, list[int]]:
    """For a :class:`FullKernel` group: its canonical kernel basis K of A mod p, and the
    positions the greedy keeps after the vectors ``kept`` (all in ker A mod p).

    On ker A, the coordinates on the free columns F are injective, and the kernel vector of
    free column f is e_f there. So e_f is kept iff it is not in span(kept) + span(e_f', f' < f)
    restricted to the coordinates ≥ f, i.e. iff no vector of span(kept) has its last nonzero
    F-coordinate at f: iff f is not a pivot of the echelon form of kept|F taken from the
    right. Cost: one elimination of the kept vectors on F, not one per candidate.
    """
    K, free = _kernel_and_free(A, p)
    if len(kept) == 0:
        return K, list(range(len(K)))
    backwards = free[::-1]
    _, pivots = _echelon_mod_p(kept[:, backwards], p)
    last = {backwards[c] for c in pivots}
    return K, [i for i, f in enumerate(free) if f not in last]


def _choose(stages: Sequence[tuple[Iterable, int]], length: int, p: int
            ) -> tuple[list[tuple[int, int, Any, int]], np.ndarray, int, int]:
    """The greedy choice mod p: (stage, group index, group, position) of each kept vector,
    their residues, the rank reached and the number of candidates reduced."""
    E: ReducedEchelon | None = ReducedEchelon(p, length)
    owners: list[tuple[int, int, Any, int]] = []
    chosen: list[tuple[int, int, Any, int]] = []
    buffer: list[np.ndarray] = []
    kept: list[np.ndarray] = []

    def flush() -> None:
        if buffer:
            block = np.vstack(buffer)
            first = len(E.independent)
            E.add(block)
            new = E.independent[first:]
            start = E.seen - len(block)      # feeding index of the block's first row
            kept.extend(block[i - start] for i in new)
            chosen.extend(owners[len(owners) - len(block) + i - start] for i in new)
            buffer.clear()

    for s, (groups, cap) in enumerate(stages):
        for g, group in enumerate(groups):
            if len(kept) >= cap:
                break
            if isinstance(group, FullKernel):
                flush()
                if len(kept) >= cap:
                    break
                K, positions = _units_kept(np.array(kept).reshape(-1, length),
                                           group.matrix.residues(p), p)
                owners += [(s, g, group, i) for i in range(len(K))]
                chosen += [(s, g, group, i) for i in positions]
                kept += list(K[positions])
                E = None   # rebuilt from ``kept`` if a later group needs it
                continue
            if E is None:
                E = ReducedEchelon(p, length)
                E.add(np.array(kept).reshape(-1, length))
                E.seen = 0
                E.independent = []
            R = group.residues(p, length)
            owners += [(s, g, group, i) for i in range(len(R))]
            buffer.append(R)
            if sum(len(b) for b in buffer) >= BLOCK:
                flush()
        if E is not None:
            flush()
    return chosen, np.array(kept).reshape(-1, length), len(kept), len(owners)


def greedy_basis(stages: Sequence[tuple[Iterable, int]], length: int, *, seed: int = 0,
                 primes: int = 3) -> GreedyBasis | None:
    """The greedy basis of the candidates, proven; None when no prime tried proves it.

    ``stages``: (groups, cap) pairs, where the candidates of every stage up to this one span a
    subspace of dimension ``cap`` (known exactly by the caller); the last cap is the dimension
    k of the whole. Each group has ``residues(p, length)`` (its vectors mod p, rows) and
    ``exact(positions, length)`` (those vectors exactly). A stage stops at its cap, before
    building the rest of its groups.

    The proof: the kept exact vectors, reduced mod p, have rank k (module docstring). When
    their residues are the vectors the elimination kept, that elimination is the proof;
    otherwise (p divides a minor of a group's kernel, so the exact canonical basis differs)
    they are eliminated once more. Cost per prime: each candidate reduced mod p against the
    pivot rows it touches (BLAS), the kept vectors built exactly.
    """
    stages = [(list(groups), cap) for groups, cap in stages]
    target = stages[-1][1] if stages else 0
    for p in random_primes(primes, seed=seed + 31):
        try:
            chosen, residues, rank, fed = _choose(stages, length, p)
            if rank != target:
                continue
            by_group: dict[int, list] = {}
            for owner in chosen:
                by_group.setdefault(id(owner[2]), []).append(owner)
            exact = {}
            for owners in by_group.values():
                group = owners[0][2]
                vectors = group.exact([i for *_, i in owners], length)
                exact.update({(s, g, i): u for (s, g, _, i), u in zip(owners, vectors)})
            kept = [(s, g, i, exact[(s, g, i)]) for s, g, _, i in chosen]
            proof = sparse_residues([u for *_, u in kept], length, p)
        except PrimeDividesDenominator:
            continue
        if not np.array_equal(proof, residues):
            check = ReducedEchelon(p, length)
            check.add(proof)
            if check.rank != target:
                continue
        return GreedyBasis(tuple(kept), p, fed)
    return None
