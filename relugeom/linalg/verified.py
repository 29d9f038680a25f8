"""The verified kernel: an exact rank from a rank mod p and a kernel checked over Z.

A rank mod p is a lower bound, r_p = rank_p(A) ≤ rank_Q(A) (:mod:`relugeom.linalg.modular`).
An upper bound comes from the kernel: if K holds k linearly independent rational vectors with
A·K = 0, then rank_Q(A) ≤ ncols − k. With k = ncols − r_p both bounds meet:

    rank_Q(A) = r_p,   proven by (p, K),

and K is then an exact basis of the kernel. How K is found: with R the rows and C the columns
of a nonsingular r_p × r_p minor B = A[R, C] mod p (the pivots of an elimination mod p) and F
the other columns, every kernel vector over Q is determined by its coordinates on F, and

    u_f = δ_f·e_f − δ_f·B⁻¹A[R, f]     (f ∈ F, δ_f the denominator of B⁻¹A[R, f])

is in the kernel *if* rank_Q(A) = r_p. The solve is exact (python-flint: p-adic lifting à la
Dixon for large systems); the certificate is the check A·K = 0 by one exact integer matrix
product, and the independence of K by a nonzero minor mod p (the u_f are δ_f·e_f on F). If the
check fails, rank_Q(A) > r_p is proven instead (when rank_Q(A) = r_p the rows R span the row
space, so every u_f is in the kernel).

Known kernel vectors (symmetries of a Jacobian, say) are checked the same way and used as they
are; only a complement of them is lifted. The kernel may be taken on either side: the right
kernel {u : A u = 0}, or the left kernel {y : yᵀA = 0}, whichever is smaller.

Cost: one elimination mod p (float BLAS), one exact solve with k right-hand sides whose size
grows with the height of K (about r_p·(bits of an entry) bits: at most Hadamard's bound of B),
and one exact product. The height is predicted before solving; above ``max_bits`` (total bits of
K) nothing is solved and the result says so.

>>> K = verified_kernel([[1, 2, 3], [2, 4, 6], [1, 0, 1]])
>>> K.exact, K.rank, K.basis
(True, 2, ((-1, -1, 1),))
>>> verify_kernel([[1, 2, 3], [1, 0, 1]], [(-1, -1, 1)]), verify_kernel([[1, 2, 3]], [(1, 1, 1)])
(True, False)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Sequence

import flint
import numpy as np

from ..exact.arrays import RationalArray, reduce_mod
from .certified import Bound, Rank
from .modular import EchelonModP, random_primes, rref_mod_p

#: Default budget: total bits of the lifted kernel vectors (2^28 bits = 32 MiB of integers).
MAX_BITS = 2 ** 28
#: No lift is started above this many word operations (:func:`_lift_work`; about 20 s).
MAX_WORK = 2e10
#: When Hadamard's bound predicts too many bits, one vector is lifted to predict from its
#: height, only while that one solve costs at most this (a costlier first solve, about 25 s
#: for a 1121 × 1121 system with float weights, mostly ends in a refusal anyway).
PROBE_WORK = MAX_WORK / 16
SIDES = ("auto", "right", "left")


@dataclass(frozen=True)
class VerifiedKernel:
    """The result of :func:`verified_kernel`.

    ``exact``: True when the rank is proven: then ``rank`` = rank_Q(A) and ``basis`` is an exact
    basis of the kernel on ``side`` ("right": A·u = 0, vectors of length ncols; "left":
    yᵀ·A = 0, vectors of length nrows), as tuples of ints. Otherwise ``basis`` is empty and
    ``rank`` is a proven lower bound (``detail`` says why no certificate: the height budget, or
    a failed check, which proves rank_Q(A) > rank mod p). ``primes``: the primes used;
    ``height_bits``: the largest bit length of an entry of the basis; ``known``: how many of
    the basis vectors were given; ``seconds``: the whole computation.
    """

    exact: bool
    rank: int
    basis: tuple
    side: str
    shape: tuple
    primes: tuple
    height_bits: int = 0
    known: int = 0
    seconds: float = 0.0
    detail: str = ""

    def to_rank(self, bounds: Sequence[Bound] = ()) -> Rank:
        """The same result as a :class:`~relugeom.linalg.certified.Rank` (method "modular")."""
        upper = self.rank if self.exact else min([b.value for b in bounds] + [min(self.shape)])
        own = (Bound("verified kernel", self.rank, self.detail),) if self.exact else ()
        return Rank(self.rank, "modular", self.exact,
                    "verified kernel" if self.exact else "lower bound", self.detail, self.rank,
                    upper, tuple(bounds) + own, tuple(self.shape), tuple(self.shape),
                    self.primes, 0.0 if self.exact else None, seconds=self.seconds)

    def to_dict(self) -> dict[str, Any]:
        return {"exact": self.exact, "rank": self.rank, "side": self.side,
                "shape": list(self.shape), "kernel_dimension": len(self.basis),
                "primes": list(self.primes), "height_bits": self.height_bits,
                "known": self.known, "seconds": self.seconds, "detail": self.detail}


# --- integer matrices, scaled once ----------------------------------------------------------

def integer_matrix(A: Any) -> np.ndarray:
    """A rational matrix with each row scaled by a positive rational to integers (same rank,
    same right kernel): int64 when it fits, else Python ints in an object array.

    Float rows are scaled by one power of two each (their binary exponents shifted to the
    smallest of the row), with no Fraction built; integer arrays pass unchanged.

    >>> integer_matrix(np.array([[0.5, 0.25], [3.0, 1.0]])).tolist()
    [[2, 1], [3, 1]]
    """
    if isinstance(A, np.ndarray) and A.dtype.kind in "iu":
        return A.astype(np.int64)
    if isinstance(A, np.ndarray) and A.dtype == object and A.ndim == 2 and \
            all(type(v) is int for v in A.flat):  # Python integers (an exact Jacobian)
        return A
    R = RationalArray.from_any(A)
    if R.numerators.ndim != 2:
        raise ValueError(f"expected a matrix, got shape {R.shape}")
    num, exps, den = R._parts()
    if num.size and num.dtype != object and den.dtype != object and \
            (den == den[:, :1]).all():
        # a float's mantissa carries trailing zero bits (53 bits for 0.5): strip them first
        nonzero = num != 0
        low = np.where(nonzero, num & -num, 1)
        zeros = np.round(np.log2(low.astype(float))).astype(np.int64)
        num, exps = num >> zeros, exps + zeros
        exps = np.where(nonzero, exps, np.iinfo(np.int64).max)
        shift = np.where(nonzero, exps - exps.min(axis=1, keepdims=True), 0)
        bits = np.log2(np.abs(num).max() + 1) + shift.max()
        if bits < 62:
            return num << shift
        return num.astype(object) * (np.full(num.shape, 2, dtype=object) ** shift.astype(object))
    return R.integer_rows()


def _fmpz(M: np.ndarray) -> "flint.fmpz_mat":
    return flint.fmpz_mat(np.asarray(M).tolist()) if M.size else flint.fmpz_mat(*M.shape)


def predicted_bits(B: np.ndarray, count: int) -> float:
    """Total bits of ``count`` solutions of a system with the integer r × r matrix B, by
    Hadamard's bound (each entry of a solution is a ratio of r × r minors): the budget test of
    a lift, made before any exact solve."""
    return count * (len(B) + 1) * (float(_log2_row_norms(np.asarray(B)).sum()) + 1)


def _lift_work(r: int, count: int, bits_one: float) -> float:
    """Word operations of a p-adic (Dixon) solve with an integer r × r matrix and ``count``
    right-hand sides whose solutions take ``bits_one`` bits each (:func:`predicted_bits`): an
    inverse mod p (r³) and one r × r product per 64 bits of a solution (r²·count each), the
    number of steps python-flint takes."""
    return float(r) ** 3 + float(r) ** 2 * count * (bits_one / (r + 1)) / 64


def product_is_zero(A: np.ndarray, B: np.ndarray) -> bool:
    """Whether the exact integer product A·B is zero (python-flint).

    >>> product_is_zero(np.array([[1, 2]]), np.array([[2], [-1]]))
    True
    """
    if A.shape[1] == 0:
        return True
    return (_fmpz(A) * _fmpz(B)).is_zero()


def solve_exact(B: np.ndarray, R: np.ndarray) -> tuple[np.ndarray, int]:
    """(Num, δ) with B·(Num/δ) = R exactly, for a nonsingular integer matrix B and integer
    right-hand sides R (python-flint: p-adic lifting for large systems); Num is an object
    array of Python ints, δ > 0. ZeroDivisionError if B is singular.

    >>> num, den = solve_exact(np.array([[2, 0], [0, 4]]), np.array([[1], [1]]))
    >>> num.tolist(), den
    ([[2], [1]], 4)
    """
    num, den = _fmpz(B).solve(_fmpz(R)).numer_denom()
    return np.array(num.tolist(), dtype=object).reshape(R.shape), int(den)


def _log2_row_norms(M: np.ndarray) -> np.ndarray:
    """Upper bounds of log2 ‖row‖₂ (0 for a zero row)."""
    if M.size == 0:
        return np.zeros(M.shape[0])
    if M.dtype == object:
        bits = np.array([max((abs(int(v)).bit_length() for v in row), default=0) for row in M])
    else:
        bits = np.array([int(v).bit_length() for v in np.abs(M).max(axis=1)])
    return np.where(bits > 0, bits + 0.5 * math.log2(max(M.shape[1], 1)), 0.0)


def rank_proven_by_local_relations(A: np.ndarray, p: int, max_support: int = 200) -> bool:
    """Whether rank_Q(A) = rank_p(A) is proven by lifting each relation among the rows of the
    integer matrix A on its own support.

    The left kernel mod p from the reduced echelon form of Aᵀ has one vector per dependent
    row f, equal to 1 at f, 0 at the other dependent rows, and supported on f and a set T of
    independent rows. When the rows T are independent mod p (a nonzero |T| × |T| minor
    A[T, C] mod p, hence over Q), the exact solve of A[T, C]ᵀ·y = −δ·A[f, C]ᵀ gives the
    relation y + δ·e_f over Q *if* one exists on that support; it is checked exactly on every
    column (Python integers; the columns zero on its rows need no check). The checked
    relations are independent (each is δ ≠ 0 at its own f and 0 at the other dependent rows),
    so rank_Q(A) ≤ nrows − #relations = rank_p(A) ≤ rank_Q(A) (docs/theory.md, "Group
    relations with busy and sparse neurons"). A relation whose support exceeds ``max_support``
    rows, or a failed check, proves nothing: False. Cost: one elimination mod p of Aᵀ and one exact
    solve of size |T| per relation (cheap when the dependencies are local, as in the group
    systems of :mod:`relugeom.rank.structured_kernel`).

    >>> rank_proven_by_local_relations(np.array([[1, 2], [2, 4], [0, 1]], dtype=object), 101)
    True
    """
    A = np.asarray(A)
    nonzero = np.asarray(A != 0)  # exact (Python integers compared once): the columns touched
    residues = np.zeros(A.shape)  # group systems are sparse: only their nonzeros reduced
    residues[nonzero] = reduce_mod(A[nonzero], p)
    return relations_proven(residues, lambda rows: A[rows], p, max_support)


def relations_proven(residues: np.ndarray, exact_rows: Any, p: int, max_support: int = 200
                     ) -> bool:
    """:func:`rank_proven_by_local_relations` with the matrix given mod p (``residues``, float,
    each row a unit times the reduction of the rational row) and its rows over Q on demand:
    ``exact_rows(rows)`` returns those rows scaled to integers (any nonzero factor per row),
    every column. Only the rows of the relations' supports are asked for."""
    R, pivots, _ = rref_mod_p(np.ascontiguousarray(residues.T), p)
    dependent = np.setdiff1d(np.arange(residues.shape[0]), pivots)
    pivots = np.asarray(pivots, dtype=np.int64)
    supports = [pivots[R[:, f] != 0] for f in dependent.tolist()]
    if any(len(T) > max_support for T in supports):
        return False
    for f, T in zip(dependent.tolist(), supports):
        rows = np.append(T, f)
        exact = np.asarray(exact_rows(rows), dtype=object)
        touched = np.flatnonzero((exact != 0).any(axis=0))  # the columns it can touch
        block = exact[:, touched]
        y, cols = np.ones(1, dtype=object), []  # a zero row
        if len(T):
            _, cols, _ = rref_mod_p(residues[np.ix_(T, touched)], p)
            if len(cols) < len(T):  # pragma: no cover - the rows T are pivots of Aᵀ mod p
                return False
            try:
                num, den = solve_exact(block[:len(T), cols].T, -block[len(T):, cols].T)
            except ZeroDivisionError:  # (rows not the reductions promised: nothing proven)
                return False
            y = np.append(num[:, 0], den)
        # checked exactly (Python integers) on every other column: on the columns solved
        # for, y·block = 0 is the exact solve itself
        if any(y.dot(np.delete(block, cols, axis=1))):
            return False
    return True


# --- the certificate -----------------------------------------------------------------------

def verify_kernel(A: Any, vectors: Sequence[Sequence[int]], side: str = "right",
                  seed: int = 0) -> bool:
    """True iff the integer ``vectors`` are linearly independent and in the kernel of A, exactly.

    ``side="right"``: A·u = 0 (u of length ncols); ``"left"``: yᵀ·A = 0. The products are exact
    integer matrix products (python-flint); independence is a nonzero maximal minor mod a
    prime (a minor nonzero mod p is nonzero). Proves rank_Q(A) ≤ (ncols or nrows) − len(vectors).
    """
    M = integer_matrix(A if side == "right" else _transpose(A))
    K = np.array([[int(v) for v in u] for u in vectors], dtype=object).reshape(-1, M.shape[1])
    if len(K) == 0:
        return True
    if not product_is_zero(M, K.T):
        return False
    for p in random_primes(4, seed=seed + 101):
        E = EchelonModP(p, K.shape[1])
        E.add(reduce_mod(K, p).astype(float))
        if E.rank == len(K):
            return True
    return False


def _transpose(A: Any) -> Any:
    if isinstance(A, RationalArray):
        num, exps, den = A._parts()
        return RationalArray(num.T, exps.T, den.T)
    if isinstance(A, np.ndarray):
        return A.T
    return [list(col) for col in zip(*A)]


def _residues(M: np.ndarray, seed: int) -> tuple[int, np.ndarray]:
    """A prime and M mod p (for an integer matrix every prime works)."""
    p = random_primes(1, seed=seed)[0]
    return p, reduce_mod(M, p).astype(float)


def _eliminate(M: np.ndarray, p: int, residues: np.ndarray) -> EchelonModP:
    E = EchelonModP(p, M.shape[1])
    for s in range(0, M.shape[0], 1024):
        E.add(residues[s:s + 1024])
        if E.rank == M.shape[1]:
            break
    return E


def verified_kernel(A: Any, *, side: str = "auto", known: Sequence[Sequence[int]] = (),
                    seed: int = 0, max_bits: int = MAX_BITS) -> VerifiedKernel:
    """The exact rank of a rational matrix and an exact basis of its kernel, proven.

    ``A``: rows of ints or Fractions, an integer or float numpy array (floats at their exact
    binary values) or a :class:`~relugeom.exact.arrays.RationalArray`. ``side``: "right",
    "left" or "auto" (the side with the smaller kernel mod p). ``known``: integer vectors
    already known to lie in that kernel (they are checked, and a wrong one is refused with
    ValueError); only a complement of them is lifted. ``max_bits``: budget on the total bits
    of the lifted vectors, predicted by Hadamard's bound before any exact solve.

    Returns a :class:`VerifiedKernel` (module docstring: definition and proof). Deterministic
    for a given ``seed`` (the primes).

    >>> r = verified_kernel(np.array([[0.5, 1.0, 1.5], [0.25, 0.5, 0.75]]))
    >>> r.exact, r.rank, r.side, len(r.basis)
    (True, 1, 'left', 1)
    """
    start = time.perf_counter()
    if side not in SIDES:
        raise ValueError(f"side must be one of {SIDES}, got {side!r}")
    M = integer_matrix(A)
    n, P = M.shape
    if n == 0 or P == 0:  # every vector is in the kernel
        size = P if side != "left" else n
        basis = tuple(tuple(int(i == k) for i in range(size)) for k in range(size))
        return VerifiedKernel(True, 0, basis, "left" if side == "left" else "right", (n, P),
                              (), 0 if size == 0 else 1, 0, time.perf_counter() - start,
                              "empty matrix")
    p, res = _residues(M, seed)
    E = _eliminate(M, p, res)
    r = E.rank
    if side == "auto":
        side = "right" if P - r <= n - r else "left"
    if side == "left":
        M = integer_matrix(_transpose(A))  # columns of A scaled: the left kernel is unchanged
        E = _eliminate(M, p, reduce_mod(M, p).astype(float))
    result = _lift(M, E, side, known, p, seed, max_bits)
    return VerifiedKernel(**result, side=side, shape=(n, P), primes=(p,),
                          seconds=time.perf_counter() - start)


def _lift(M: np.ndarray, E: EchelonModP, side: str, known: Sequence[Sequence[int]], p: int,
          seed: int, max_bits: int) -> dict[str, Any]:
    """The kernel of M (right side) from the pivots of E: lifted, checked; see the module."""
    n, P = M.shape
    r = E.rank
    rows, cols = list(E.independent), list(E.pivots)
    free = np.setdiff1d(np.arange(P), cols)
    K0 = np.array([[int(v) for v in u] for u in known], dtype=object).reshape(-1, P)
    # known vectors: keep an independent set; lift only the free columns they do not cover
    lift = free
    if len(K0) and len(free):
        F = EchelonModP(p, len(free))
        F.add(reduce_mod(K0[:, free], p).astype(float))
        K0 = K0[F.independent]
        lift = np.setdiff1d(free, free[F.pivots])
    if len(free) == 0:
        if any(v for u in known for v in u):  # full column rank: the kernel is 0
            raise ValueError("a known vector is not in the kernel of the matrix")
        return {"exact": True, "rank": r, "basis": (), "height_bits": 0, "known": 0,
                "detail": f"rank mod {p} = {r}: full rank"}
    B = M[np.ix_(rows, cols)]
    one = predicted_bits(B, 1)  # Hadamard's bound is linear in the number of solutions
    predicted, how = len(lift) * one, "Hadamard"
    work = _lift_work(r, len(lift), one)
    if work > MAX_WORK:
        return {"exact": False, "rank": r, "basis": (), "height_bits": 0, "known": len(K0),
                "detail": f"lower bound: rank mod {p} = {r}; lifting the {len(lift)} kernel "
                          f"vectors would take about {work:.3g} word operations (p-adic "
                          f"lifting of a {r} × {r} system), above {MAX_WORK:.3g}"}
    solved = []  # (free columns, numerators, denominator) of the solves made
    if predicted > max_bits and len(lift) > 1 and r and one <= max_bits and \
            _lift_work(r, 1, one) <= PROBE_WORK:
        # Hadamard's bound ignores the common factors of the minors (on a Jacobian with float
        # weights, 3·10³ bits against 8·10⁴): lift one vector, predict from its height
        num, den = solve_exact(B, M[np.ix_(rows, lift[:1])])
        solved.append((lift[:1], num, den))
        height = max([den.bit_length()] + [abs(int(v)).bit_length() for v in num.flat])
        predicted, how = len(lift) * (r + 1) * (2 * height + 64), "from a first lifted vector"
    if predicted > max_bits:
        return {"exact": False, "rank": r, "basis": (), "height_bits": 0, "known": len(K0),
                "detail": f"lower bound: rank mod {p} = {r}; the {len(lift)} kernel vectors to "
                          f"lift would take about {predicted:.3g} bits ({how}), above the "
                          f"budget {max_bits}"}
    if len(K0) and not product_is_zero(M, K0.T):
        raise ValueError("a known vector is not in the kernel of the matrix")
    K = np.zeros((len(lift), P), dtype=object)
    if len(lift):
        if r:
            rest = lift[len(solved):]
            if len(rest):
                solved.append((rest, *solve_exact(B, M[np.ix_(rows, rest)])))
            start = 0
            for part, num, den in solved:  # u_f = δ·e_f − δ·B⁻¹A[R, f], one δ per solve
                block = slice(start, start + len(part))
                K[block, cols] = -num.T
                K[np.arange(block.start, block.stop), part] = den
                start = block.stop
        else:
            K[np.arange(len(lift)), lift] = 1
    basis = np.vstack([K0, K]) if len(K0) else K
    if not product_is_zero(M, basis.T):
        return {"exact": False, "rank": r + 1, "basis": (), "height_bits": 0, "known": len(K0),
                "detail": f"lower bound {r + 1}: rank mod {p} = {r}, and the lifted kernel fails "
                          "the exact check A·K = 0, which proves the rank over Q is larger"}
    # independence: on the free columns the lifted vectors are δ·e_f, the known ones have
    # their pivots on the others; one minor mod p shows it
    Fcheck = EchelonModP(p, len(free))
    Fcheck.add(reduce_mod(basis[:, free], p).astype(float))
    if Fcheck.rank != len(free):  # pragma: no cover - impossible by construction
        raise ArithmeticError("lifted kernel vectors not independent")
    height = max((abs(int(v)).bit_length() for v in basis.flat), default=0)
    return {"exact": True, "rank": r, "basis": tuple(tuple(int(v) for v in u) for u in basis),
            "height_bits": height, "known": len(K0),
            "detail": f"verified kernel: rank mod {p} = {r}, and {len(basis)} independent "
                      f"kernel vectors ({len(K0)} known, {len(K)} lifted; height {height} "
                      f"bits) checked exactly, A·K = 0 ({side} side)"}
