"""Ranks modulo word-size primes: fast, certified LOWER bounds of ranks over Q.

Why a modular rank is a lower bound. Let A have rational entries whose denominators are prime
to p. Reduction mod p, a/b ↦ a·b⁻¹ mod p, is a ring homomorphism, so every minor of A mod p is
the residue of the same minor of A: a minor that is nonzero mod p is nonzero over Q. Hence

    rank_p(A) ≤ rank_Q(A),

with equality unless p divides every nonzero minor of the largest size. A modular rank is
therefore never reported as exact by itself; it is *certified* exact only by one of:

- ``"upper-bound"``: rank_p(A) reaches a proven upper bound of rank_Q(A) (its number of rows
  or columns, or a structural bound proved in the caller's docs);
- ``"factorization"``: rank_p(A) = r with pivot rows R and pivot columns C, and the identity
  δ·A = A[:, C]·T' (T' = δ·A[R, C]⁻¹·A[R, :] integral, δ > 0) is checked exactly; it says that
  every column of A is a combination of the r columns C, so rank_Q(A) ≤ r
  (:func:`certify_rank_factorization`; an integer identity is checked modulo primes whose
  product exceeds twice the largest absolute value of both sides, which proves it by the
  Chinese remainder theorem).

Otherwise the value is reported as ``"probabilistic"`` with an explicit bound ε on the
probability that it is too small (:func:`failure_probability`): if rank_Q(A) = R > r, some
R×R minor Δ ≠ 0 of the integer-scaled matrix is divisible by every prime used; Δ has at most
log2|Δ|/(b−1) prime factors of b bits, |Δ| is bounded by Hadamard's inequality, and each prime
was drawn uniformly from the ≈ 2^(b−1)/ln(2^b) primes of b bits. Primes are drawn from a seeded
generator, so results are reproducible; ε is the bound for a uniformly random draw.

Arithmetic. Primes have 21 bits (2^20 < p < 2^21), so a product of two residues is below 2^42
and a dot product of 1024 of them below 2^52: matrix products run exactly in float64 on the
BLAS, reduced mod p after each chunk of 1024 terms. :class:`EchelonModP` keeps a reduced echelon
basis of the vectors fed to it, block by block (one BLAS product reduces a block against the
basis, one more clears the basis on the block's pivots; a few rows at a time are eliminated on
a narrow panel of columns in int64), so the matrix is streamed and never held whole.

Entries come in as :class:`RationalArray`, an exact array value = numerators·2^exponents /
denominators, built from floats (their exact binary values: mantissa·2^e, so a residue is
(mantissa mod p)·(2^e mod p), with no big integers), from integers with a common denominator
(MNIST pixels / 255), or from Fractions.

>>> A = RationalArray.from_any([[1, 2, 3], [2, 4, 6], [1, 0, 1]])
>>> p = random_primes(1)[0]
>>> rank_mod_p(A.residues(p), p)
2
"""

from __future__ import annotations

import functools
import math
import random
from typing import Any, Iterable, Sequence

import flint
import numpy as np

from ..errors import InputError
from ..exact.arrays import PrimeDividesDenominator, RationalArray, reduce_mod
from .certified import Bound, Rank

#: Bits of the primes used: 2^(PRIME_BITS−1) < p < 2^PRIME_BITS.
PRIME_BITS = 21
#: Terms of one float64 dot product of residues of absolute value < p: CHUNK·p² < 2^52.
CHUNK = 1024
_BASE = 32  # rows eliminated one by one at the bottom of the blocked Gauss–Jordan
_STEP = 128  # rows of a block reduced by one product with the basis
_SPLIT = 4  # a block is eliminated in blocks of _STEP / _SPLIT rows
_MARGIN = 32  # columns of a panel (:func:`_rref_base`) beyond its rows
_PANEL = 128  # rows with at most this many nonzero columns: the panel is all of them


# --- primes ---------------------------------------------------------------------------------

def random_primes(count: int, seed: int = 0, bits: int = PRIME_BITS) -> list[int]:
    """``count`` distinct primes drawn uniformly from (2^(bits−1), 2^bits), reproducibly.

    >>> ps = random_primes(3, seed=1)
    >>> len(set(ps)) == 3 and all(2**20 < p < 2**21 for p in ps)
    True
    """
    return list(_primes(count, seed, bits))


@functools.lru_cache(maxsize=256)
def _primes(count: int, seed: int, bits: int) -> tuple[int, ...]:
    # drawn once per (count, seed, bits): the search costs about 50 primality tests a prime
    rng = random.Random(f"relugeom-primes-{seed}-{bits}")
    found: list[int] = []
    while len(found) < count:
        candidate = rng.randrange(2 ** (bits - 1) + 1, 2 ** bits, 2)
        if flint.fmpz(candidate).is_prime() and candidate not in found:
            found.append(candidate)
    return tuple(found)


def prime_count(bits: int = PRIME_BITS) -> int:
    """A lower bound on the number of primes in (2^(bits−1), 2^bits) (Rosser–Schoenfeld)."""
    hi, lo = 2 ** bits, 2 ** (bits - 1)
    # x/ln x < π(x) < 1.25506·x/ln x for x ≥ 17
    return int(hi / math.log(hi) - 1.25506 * lo / math.log(lo))


def failure_probability(log2_minor_bound: float, primes_used: int,
                        bits: int = PRIME_BITS) -> float:
    """Bound on P[all ``primes_used`` random primes divide a nonzero minor Δ].

    Δ has at most log2|Δ|/(bits−1) prime factors above 2^(bits−1); each prime is one of at least
    :func:`prime_count` equally likely ones, drawn independently.
    """
    bad = math.floor(max(log2_minor_bound, 0.0) / (bits - 1))
    return min(1.0, bad / prime_count(bits)) ** primes_used


# --- products and elimination mod p -----------------------------------------------------------
#
# Residues live in float64 as integers of absolute value < p. Every product of CHUNK terms is
# below CHUNK·p² < 2^52, so BLAS computes it exactly, and so is the reduction x − p·rint(x/p):
# rint(x/p) is the nearest integer to x/p or next to it (x/p is computed to 2^-20 relative
# accuracy), so p·rint(x/p) < 2^53 is exact and x − p·rint(x/p) is an exact integer of absolute
# value < p. (np.fmod would be exact too, but is 40× slower on large dividends.)

def reduce_residues(A: np.ndarray, p: int) -> np.ndarray:
    """A ← A mod p in place, to residues of absolute value < p (|A| < 2^52 on entry)."""
    q = A * (1.0 / p)
    np.rint(q, out=q)
    q *= p
    A -= q
    return A


def matmul_mod(A: np.ndarray, B: np.ndarray, p: int) -> np.ndarray:
    """(A·B) mod p for residue matrices, in [0, p): float64 BLAS products of ≤ CHUNK terms."""
    A = np.asarray(A, dtype=float)
    B = np.asarray(B, dtype=float)
    out = np.zeros((A.shape[0], B.shape[1]))
    for s in range(0, A.shape[1], CHUNK):
        out += A[:, s:s + CHUNK] @ B[s:s + CHUNK]
        reduce_residues(out, p)
    return np.remainder(out, p)


def _rref_base(A: np.ndarray, p: int, key: np.ndarray
               ) -> tuple[np.ndarray, list[int], list[int]]:
    """Gauss–Jordan of a few rows (one Python step per row) on a panel: the first w nonzero
    columns in the order ``key`` (all of them when at most _PANEL, else _MARGIN more than the
    rows), beside an identity that records the row operations T; then T·A by one product. A
    row's pivot is its first nonzero column in the order ``key`` (those of the panel come
    first). The rows that vanish on the panel (row i less the earlier rows kept, by T) are
    eliminated the same way on the other columns, and the rows kept before cleared on their
    pivots. Returns (basis rows, pivots, rows kept), rows in order."""
    nonzero = np.flatnonzero(A.any(axis=0))
    if not len(nonzero):
        return np.zeros((0, A.shape[1])), [], []
    b = len(A)
    w = min(len(nonzero), b + _MARGIN) if len(nonzero) > _PANEL else len(nonzero)
    if len(nonzero) > w:
        nonzero = nonzero[np.argpartition(key[nonzero], w - 1)[:w]]
    panel = nonzero[np.argsort(key[nonzero], kind="stable")]
    G = np.zeros((b, w + b), dtype=np.int64)
    G[:, :w] = A[:, panel]
    G[:, w:] = np.eye(b, dtype=np.int64)
    # int64: each pivot adds less than p² < 2^42 to an entry, so the rows are reduced only
    # when read (b pivots: below 2^52)
    kept: list[int] = []
    pivots: list[int] = []
    for i in range(b):
        row = G[i]
        np.remainder(row, p, out=row)
        nz = row[:w].nonzero()[0]
        if not nz.size:
            continue
        c = int(nz[0])
        inverse = pow(int(row[c]), p - 2, p)
        row *= inverse
        np.remainder(row, p, out=row)
        multipliers = G[:, c] % p
        multipliers[i] = 0
        G -= np.multiply.outer(multipliers, row)
        kept.append(i)
        pivots.append(int(panel[c]))
    np.remainder(G, p, out=G)
    F = reduce_residues(G[:, w:].astype(float) @ A, p)  # b ≤ CHUNK terms: exact
    if len(kept) == b:
        return F, pivots, kept
    R = F[kept]
    vanish = np.ones(b, dtype=bool)
    vanish[kept] = False
    rest = np.flatnonzero(vanish)
    R2, pivots2, kept2 = _rref_base(F[rest], p, key)
    if not kept2:
        return R, pivots, kept
    R -= R[:, pivots2] @ R2
    reduce_residues(R, p)
    rows = np.concatenate([kept, rest[kept2]])
    order = np.argsort(rows, kind="stable")
    pivots = np.concatenate([pivots, pivots2])[order].tolist()
    return np.vstack([R, R2])[order], pivots, rows[order].tolist()


def _rref(A: np.ndarray, p: int, key: np.ndarray, step: int
          ) -> tuple[np.ndarray, list[int], list[int]]:
    """Reduced echelon basis of the rows of A: at most _BASE rows by :func:`_rref_base`, more
    in blocks of ``step`` rows (:class:`EchelonModP`); pivots: each row's first nonzero column
    in the order ``key``."""
    if len(A) <= _BASE:
        return _rref_base(A, p, key)
    E = EchelonModP(p, A.shape[1], key=key, step=step, private=False)
    E.add(A)
    return E.basis(), E.pivots, E.independent


def rref_mod_p(A: np.ndarray, p: int) -> tuple[np.ndarray, list[int], list[int]]:
    """Reduced row echelon basis of the rows of A (residues in float64).

    Returns (R, pivots, kept): R[:, pivots] = I, each row of R has its pivot as its first
    nonzero column (so the pivots are the columns of A independent of the columns before
    them), and ``kept`` are the rows of A that are independent of the rows before them, in
    order; row t of R has pivot ``pivots[t]`` and comes from row ``kept[t]``. Cost, for k rows
    of length n and rank r: about 2·k·r·n multiply–adds in BLAS products and a Python step per
    row (:class:`EchelonModP`).

    >>> R, pivots, kept = rref_mod_p(np.array([[0., 2, 4], [0, 1, 2], [1, 1, 0]]), 7)
    >>> np.remainder(R, 7).tolist(), pivots, kept
    ([[0.0, 1.0, 2.0], [1.0, 0.0, 5.0]], [1, 0], [0, 2])
    """
    A = np.asarray(A, dtype=float)
    return _rref(A, p, np.arange(A.shape[1]), _STEP)


def _private_columns(A: np.ndarray, p: int) -> tuple[np.ndarray, list[int], list[int]] | None:
    """A reduced echelon basis of the rows of A with no elimination, when every nonzero row
    has a private column (nonzero in that row only: unit vectors, vectors of disjoint supports,
    kernel vectors e_f − …): those rows are then independent (the zero rows are not), and each
    scaled to 1 at its first private column is the basis (zero on the others' columns). None
    otherwise."""
    nonzero = A != 0
    private = nonzero & (nonzero.sum(axis=0) == 1)
    rows = np.flatnonzero(nonzero.any(axis=1))  # zero rows: dependent, left out
    if not len(rows) or not private[rows].any(axis=1).all():
        return None
    cols = private[rows].argmax(axis=1)
    inverses = np.array([pow(int(v) % p, p - 2, p) for v in A[rows, cols]], dtype=float)
    R = reduce_residues(A[rows] * inverses[:, None], p)  # products below 2^42: exact
    R[np.arange(len(rows)), cols] = 1.0
    return R, cols.tolist(), rows.tolist()


class EchelonModP:
    """Incremental reduced row echelon basis mod p of streamed vectors of a fixed length.

    :meth:`add` takes a block of vectors (rows of residues) and returns how many of them were
    independent of everything fed so far. Blocked Gauss–Jordan: the columns are kept in an
    order with the r pivots first, and the basis only on the other columns (on the pivots it
    is the identity), so that a block of ``step`` vectors is reduced by one BLAS product with
    the basis on the free columns, its own echelon form is found the same way (blocks of a
    quarter as many rows, then :func:`_rref_base`), and the basis is cleared on the new pivots
    by one more product. Vectors are residues (entries of absolute value below p). Memory: the
    basis, rank × length floats. Cost of a block of k vectors: about k·r·(length − r)
    multiply–adds, plus r·k·(length − r) to clear the basis, plus a Python step per row.

    ``key``: distinct priorities of the columns, a vector's pivot being its first nonzero in
    that order (the natural one by default); ``private``: whether a block whose nonzero
    vectors have a private column each is taken as it is (:func:`_private_columns`: then the
    pivots are those columns).

    >>> E = EchelonModP(7, 3)
    >>> E.add([[1, 2, 3], [2, 4, 6]]), E.add([[0, 1, 0]]), E.rank, E.pivots
    (1, 1, 2, [0, 1])
    """

    def __init__(self, p: int, length: int, *, key: Any = None, step: int = _STEP,
                 private: bool = True):
        if not 2 < p < 2 ** PRIME_BITS:
            raise ValueError(f"the prime must lie in (2, 2^{PRIME_BITS}), got {p}")
        self.p = p
        self.length = length
        self.key = np.arange(length) if key is None else np.asarray(key)
        self.step = min(max(step, _BASE), CHUNK)  # a block's rows: terms of one product
        self.private = private
        self._order = np.arange(length)  # the columns, the pivots first (in the order found)
        self._rows = np.empty((0, length))  # basis rows, in the order of _order; room to grow
        self.pivots: list[int] = []
        self.independent: list[int] = []  # indices (in feeding order) of the vectors kept
        self.seen = 0

    @property
    def rank(self) -> int:
        return len(self.pivots)

    def basis(self) -> np.ndarray:
        """The basis, rank × length: row t is 1 at ``pivots[t]`` and 0 at the other pivots."""
        r = self.rank
        out = np.zeros((r, self.length))
        out[:, self._order[r:]] = self._rows[:r, r:]
        out[np.arange(r), self._order[:r]] = 1.0
        return out

    def _free_part(self, block: np.ndarray) -> np.ndarray:
        """The block reduced against the basis, on the free columns (in the order of _order)."""
        r = self.rank
        X = block.take(self._order, axis=1)
        free = X[:, r:]
        used = np.flatnonzero(X[:, :r].any(axis=0))  # sparse vectors use few basis rows
        for s in range(0, len(used), CHUNK):
            rows = slice(s, min(s + CHUNK, r)) if len(used) == r else used[s:s + CHUNK]
            free -= X[:, rows] @ self._rows[rows, r:]
            reduce_residues(free, self.p)
        return free

    def reduce(self, block: Any) -> np.ndarray:
        """The block reduced against the basis: zero on every pivot column."""
        block = np.asarray(block, dtype=float)
        out = np.zeros(block.shape)
        out[:, self._order[self.rank:]] = self._free_part(block)
        return out

    def add(self, block: Any) -> int:
        block = np.asarray(block, dtype=float)
        if block.ndim != 2 or block.shape[1] != self.length:
            raise ValueError(f"expected vectors of length {self.length}, got shape {block.shape}")
        start = self.seen
        self.seen += block.shape[0]
        new_total = 0
        for s in range(0, block.shape[0], self.step):
            if self.rank == self.length:
                break
            r = self.rank
            free = self._free_part(block[s:s + self.step])
            found = _private_columns(free, self.p) if self.private else None
            R, piv, kept = found or _rref(free, self.p, self.key[self._order[r:]],
                                          self.step // _SPLIT)
            if piv:
                self._extend(R, np.asarray(piv, dtype=np.int64) + r)
                self.independent += [start + s + i for i in kept]
                new_total += len(piv)
        return new_total

    def _extend(self, R: np.ndarray, new: np.ndarray) -> None:
        """Adds the rows R, given on the free columns (positions r, … of _order), 1 at the
        positions ``new`` and 0 at the other new ones: the old rows are cleared there, then
        those columns are moved next to the old pivots."""
        r, q, p = self.rank, len(new), self.p
        if r + q > len(self._rows):  # room for the rows fed so far (no copy per block)
            rows = np.empty((min(max(2 * len(self._rows), r + q, self.seen), self.length),
                             self.length))
            rows[:r] = self._rows[:r]
            self._rows = rows
        rows = self._rows
        coefficients = rows[:r, new]
        touched = np.flatnonzero(coefficients.any(axis=1))  # sparse vectors: few rows
        if 2 * len(touched) > r:  # q ≤ CHUNK terms: exact in float64
            rows[:r, r:] -= coefficients @ R
            reduce_residues(rows[:r, r:], p)
        elif len(touched):
            rows[touched, r:] = reduce_residues(rows[touched, r:] - coefficients[touched] @ R, p)
        rows[r:r + q, r:] = R
        # the new pivots go to positions r, …, r + q − 1, the columns there to their places
        target = np.arange(r, r + q)
        inside = new < r + q
        taken = np.zeros(q, dtype=bool)
        taken[new[inside] - r] = True
        to = np.concatenate([target, new[~inside]])
        come = np.concatenate([new, target[~taken]])
        rows[:r + q, to] = rows[:r + q, come]
        self._order[to] = self._order[come]
        self.pivots += self._order[r:r + q].tolist()


def rank_mod_p(residues: Any, p: int, bound: int | None = None, block: int = 1024) -> int:
    """Rank mod p of a residue matrix, streaming its rows; stops once ``bound`` is reached.

    Streams along the longer side (vectors are the shorter side), so memory is rank × min(shape).
    """
    A = np.asarray(residues)
    if A.ndim != 2 or 0 in A.shape:
        return 0
    if A.shape[0] < A.shape[1]:
        A = A.T
    E = EchelonModP(p, A.shape[1])
    for s in range(0, A.shape[0], block):
        E.add(A[s:s + block])
        if bound is not None and E.rank >= bound:
            break
    return E.rank



def rows_independent_mod_p(M: np.ndarray, p: int) -> np.ndarray:
    """For a stack of k × n residue matrices (shape K × k × n), whether the rows of each are
    linearly independent mod p (rank k). Fraction-free elimination, all matrices at once: row c
    is taken times its first nonzero entry from each row below it, less that row's entry there
    times row c (products below p² < 2^42, exact); row c of a matrix is zero after the rows
    above were eliminated exactly when it depends on them. Cost: k steps of K·k·n operations.

    >>> rows_independent_mod_p(np.array([[[1., 2], [2, 4]], [[1, 2], [2, 5]]]), 7).tolist()
    [False, True]
    """
    M = np.array(M, dtype=float)
    K, k, _ = M.shape
    independent = np.ones(K, dtype=bool)
    every = np.arange(K)
    for c in range(k):
        row = M[:, c]
        independent &= (row != 0).any(1)
        first = (row != 0).argmax(1)
        below = M[:, c + 1:]
        M[:, c + 1:] = np.remainder(row[every, first][:, None, None] * below -
                                    below[every, :, first][:, :, None] * row[:, None], p)
    return independent

# --- certificates ----------------------------------------------------------------------------

def log2_hadamard(row_log2_norms: Iterable[float], size: int) -> float:
    """log2 of Hadamard's bound for any size×size minor: the ``size`` largest row norms."""
    norms = sorted(row_log2_norms, reverse=True)[:size]
    return float(sum(max(x, 0.0) for x in norms))


def _max_abs(A: np.ndarray) -> int:
    if A.size == 0:
        return 0
    return max(abs(int(A.max())), abs(int(A.min()))) if A.dtype != object else \
        max(abs(int(v)) for v in A.flat)


def certify_rank_factorization(A: np.ndarray, rows: Sequence[int], cols: Sequence[int],
                               seed: int = 0) -> bool:
    """Prove rank_Q(A) ≤ len(cols) for an integer matrix A, exactly; False if it is not so.

    ``rows``, ``cols`` index a square submatrix B = A[rows, cols], nonsingular (e.g. the pivots
    of a modular elimination). With T = B⁻¹·A[rows, :] computed exactly (python-flint) and
    written T'/δ with T' integral, the identity δ·A = A[:, cols]·T' holds iff every column of A
    is a combination of the columns ``cols``, i.e. rank_Q(A) = len(cols). The identity is
    checked modulo distinct primes whose product exceeds twice the largest absolute entry of
    either side, which proves it over Z (Chinese remainder theorem).

    Cost: one exact r×r solve with A.shape[1] right-hand sides, then per prime one product
    n·r·A.shape[1] in float64.
    """
    rows, cols = list(rows), list(cols)
    r = len(cols)
    if r != len(rows):
        raise ValueError("rows and cols must have the same length")
    A = np.asarray(A)
    if r == 0:
        return not A.any()
    B = flint.fmpz_mat([[int(A[i, j]) for j in cols] for i in rows])
    top = flint.fmpz_mat([[int(v) for v in A[i]] for i in rows])
    try:
        T = B.solve(top)
    except ZeroDivisionError:
        return False
    Tnum, delta = T.numer_denom()
    delta = int(delta)
    Tint = np.array([[int(v) for v in row] for row in Tnum.tolist()], dtype=object)
    left_max = abs(delta) * _max_abs(A)
    right_max = r * _max_abs(A[:, cols]) * _max_abs(Tint)
    limit = 2 * max(left_max, right_max) + 1
    modulus = 1
    primes = random_primes(1 + limit.bit_length() // (PRIME_BITS - 1), seed=seed + 7919)
    for p in primes:
        if modulus > limit:
            break
        Ap = reduce_mod(A, p)
        left = Ap * (delta % p) % p
        right = matmul_mod(Ap[:, cols], reduce_mod(Tint, p), p)
        if not np.array_equal(left, right.astype(np.int64)):
            return False
        modulus *= p
    return modulus > limit


def _modular(value: int, exact: bool, certificate: str, primes: tuple, upper: int,
             shape: tuple, epsilon: float = 0.0, detail: str = "") -> Rank:
    """A modular :class:`~relugeom.linalg.certified.Rank` bounded by ``upper``."""
    return Rank(value, "modular", exact, certificate, detail, value, upper,
                (Bound("proven upper bound", upper),), tuple(shape), tuple(shape), primes,
                epsilon)


def modular_rank(rows: Any, ncols: int | None = None, *, bound: int | None = None,
                 primes: int | Sequence[int] = 2, seed: int = 0,
                 certify: bool = True) -> Rank:
    """Rank over Q of an exact matrix via ranks mod random 21-bit primes, with its certificate.

    ``bound`` is an upper bound of the rank proved by the caller (min(shape) is always used).
    ``primes``: how many random primes to try, or the primes themselves (each < 2^21).
    The rank mod p is the maximum over the primes tried. Certified exact when it reaches the
    bound, else (if ``certify``) by :func:`certify_rank_factorization`, else probabilistic.

    >>> r = modular_rank([[1, 2], [2, 4]])
    >>> r.value, r.exact, r.certificate
    (1, True, 'factorization')
    """
    if isinstance(rows, (list, tuple)) and len(rows) == 0:
        return _modular(0, True, "upper-bound", (), 0, (0, ncols or 0), detail="empty matrix")
    A = RationalArray.from_any(rows)
    shape = A.shape
    if len(shape) != 2:
        raise InputError("modular_rank needs a matrix")
    upper = min(shape) if bound is None else min(bound, *shape)
    if upper == 0:
        return _modular(0, True, "upper-bound", (), 0, shape, detail="empty matrix")
    best, used = -1, []
    best_pivots: tuple = ((), ())
    wanted = primes if isinstance(primes, int) else len(primes)
    candidates = random_primes(4 * primes, seed=seed) if isinstance(primes, int) else list(primes)
    for p in candidates:
        if len(used) == wanted:
            break
        try:
            res = A.residues(p)
        except PrimeDividesDenominator:
            continue
        used.append(p)
        E = EchelonModP(p, shape[1])
        for s in range(0, shape[0], 1024):
            E.add(res[s:s + 1024])
            if E.rank >= upper:
                break
        if E.rank > best:
            best, best_pivots = E.rank, (tuple(E.independent), tuple(E.pivots))
        if best >= upper:
            return _modular(best, True, "upper-bound", tuple(used), upper, shape,
                            detail=f"rank mod p = {best} = proven upper bound")
    if certify:
        integer = A.integer_rows()
        if certify_rank_factorization(integer.T, best_pivots[1], best_pivots[0], seed=seed):
            return _modular(best, True, "factorization", tuple(used), upper, shape,
                            detail="every row is an exact combination of the pivot rows")
    half_log2_cols = 0.5 * math.log2(max(shape[1], 1))
    log2_rows = [max((abs(int(v)).bit_length() for v in row), default=0) + half_log2_cols
                 for row in A.integer_rows()]
    eps = failure_probability(log2_hadamard(log2_rows, upper), len(used))
    return _modular(best, False, "probabilistic", tuple(used), upper, shape, eps,
                    detail=f"lower bound; below the true rank with probability ≤ {eps:.3g}")
