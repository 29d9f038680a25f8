"""A certified lower bound of an exact rank from floating point: the float Gram bound.

Given a float64 matrix Â (r × c, r ≤ c) and a bound E with |Â − A| ≤ E entrywise for an exact
real matrix A that is never formed, a floating-point Cholesky factorization can *prove*
rank A = r (docs/theory.md, "Float Gram bound"):

1. every row of Â and E is scaled by a power of two (exact: the rank is unchanged), entries
   of Â below τ = 2^-500 are moved into E and every e is raised to at least τ, so that no
   product below underflows;
2. Ĝ = fl(Â Âᵀ) (BLAS, any summation order) differs from G = A Aᵀ by at most B entrywise,
   B = γ_c·|Â||Â|ᵀ + |Â|Eᵀ + E|Â|ᵀ + E Eᵀ, so ‖G − Ĝ‖₂ ≤ δ := max row sum of B;
3. if the float Cholesky factorization of Ĥ = fl(Ĝ − s·I) runs to completion with a finite
   factor R, then Ĥ + ΔĤ = RᵀR ⪰ 0 with ‖ΔĤ‖₂ ≤ κ := γ_{r+2}/(1 − γ_{r+2})·tr Ĝ (Demmel's
   backward error bound, one rounding more for the reciprocal pivots, read through the
   diagonal as in Rump's verification of positive definiteness), and
   with s ≥ 2(κ + δ) + 4u·max Ĝ_ii: λ_min(G) ≥ λ_min(Ĥ) + (s − u·(Ĝ_ii + s)) − δ > 0.

So G is positive definite and A has full row rank r — a proof, whatever rows were chosen and
however ill-conditioned the rest of the matrix is. When the Cholesky fails nothing is claimed
(the caller falls back to an exact method), nor when R has a NaN or an infinity (OpenBLAS
lets a NaN pivot through); it fails when σ_min(A)² is below about
(r + c)·u·‖A‖², i.e. for nearly rank-deficient matrices, and always for deficient ones.
Every bound is evaluated in floats with a factor 2 to spare for its own rounding (all terms
nonnegative) and absolute terms (2^-900 scale) covering gradual underflow.

Cost: r²·c/2 multiply–adds for Ĝ (one BLAS call), r³/3 for the Cholesky, O(r·c) for δ.

>>> A = np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 1.0]])
>>> full_row_rank_certified(A, np.zeros_like(A)) is not None
True
>>> full_row_rank_certified(np.array([[1.0, 2.0], [2.0, 4.0]]), np.zeros((2, 2))) is None
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .quiet import quiet

U = 2.0 ** -53
#: Entries below this (in magnitude, after the row scaling) are moved into the error bound:
#: products of two entries then stay normal (≥ 2^-1000), and no rounding in the Gram matrix
#: underflows.
TINY = 2.0 ** -500
#: An absolute term per entry that covers gradual underflow in the Cholesky factorization and
#: in the evaluation of the bounds (each operation loses at most 2^-1074 there).
_ABSOLUTE = 2.0 ** -900


#: Gram matrices of at least 8 times this many rows are factored on their leading eighth first:
#: a leading block that is not positive definite (rows dependent early, as on images with
#: blank pixels) ends the try at 1/512 of the cost; a success costs 1/512 more. (A choice
#: only: the proof is the factorization of the whole matrix.)
_PROBE = 32


def gradual_underflow() -> bool:
    """Whether float64 arithmetic keeps subnormal numbers, as IEEE 754 and every bound here
    assume. A process may flush them to zero instead (the FTZ/DAZ flags, e.g. after
    ``torch.set_flush_denormal(True)``): a subnormal input then reads as 0, an error far beyond
    the absolute terms, and nothing may be claimed. (Python's float arithmetic runs under the
    same flags as numpy's: one scalar product each, at run time, reads them.)"""
    return _SUBNORMAL * _ONE != 0.0 and _NORMAL * _HALF != 0.0


# globals, not literals, so that the products are computed when called, never folded
_SUBNORMAL, _NORMAL, _ONE, _HALF = 2.0 ** -1074, 2.0 ** -1022, 1.0, 0.5


#: The float Gram proofs read entries that are 0 or of magnitude in [LOW, HIGH]: no product of
#: two of them underflows or overflows, nor a sum of such products.
LOW, HIGH = 2.0 ** -450, 2.0 ** 450


def in_gram_range(F: np.ndarray) -> bool:
    """Whether every entry of F is 0 or of magnitude in [:data:`LOW`, :data:`HIGH`] (a NaN
    or an infinity is not).

    >>> in_gram_range(np.array([0.0, 1.0, 2.0 ** 400])), in_gram_range(np.array([1e-300]))
    (True, False)
    """
    magnitude = np.abs(F)  # (no floating-point exception below: comparisons only)
    if not magnitude.max(initial=0.0) <= HIGH:  # (a NaN fails too)
        return False
    return bool(magnitude.min(initial=HIGH) >= LOW or ((magnitude >= LOW) | (F == 0)).all())


def gamma(k: int) -> float:
    """γ_k = k·u/(1 − k·u), u = 2^-53: the relative error of a k-term float inner product,
    rounded up to a float (k·u < 1/2 assumed; larger k would be far outside float64's range)."""
    ku = k * U
    return math.nextafter(ku / (1 - ku), math.inf)


@dataclass(frozen=True)
class GramCertificate:
    """What proved λ_min(A·Aᵀ) > 0: the Gram error bound δ, the Cholesky backward error κ and
    the shift s used (on the row-scaled matrix), and the shape (r, c)."""

    delta: float
    kappa: float
    shift: float
    shape: tuple

    def describe(self) -> str:
        return (f"float Cholesky of the {self.shape[0]}×{self.shape[0]} Gram matrix shifted by "
                f"{self.shift:.3g} ≥ 2(δ + κ), δ = {self.delta:.3g} (rounding of J and of the "
                f"Gram products), κ = {self.kappa:.3g} (Cholesky backward error)")


def _scaled(A: np.ndarray, E: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Rows scaled by powers of two (largest |a| + e below 1; a zero row as it is), every
    bound raised to at least TINY, nonzero entries below TINY moved into E; None when a row is
    not finite.

    Raising a bound keeps it a bound. A scaled entry that lands below 2^-1022 may be rounded
    (by at most 2^-1075): such an e is below TINY, hence raised; such an a (|â| < TINY, so
    |a| < 2·TINY) is replaced by 0 with 2·TINY added to its bound, rounded up (the next
    float, or e + 5·TINY when that is larger).
    """
    top = (np.abs(A) + E).max(axis=1, initial=0.0)
    if not np.isfinite(top).all():
        return None
    scale = np.ldexp(1.0, -np.frexp(top)[1])[:, None]  # a power of two per row (1 for a 0)
    A = A * scale
    E = np.maximum(E * scale, TINY)
    absA = np.abs(A)
    if np.min(absA, where=absA > 0, initial=1.0) < TINY:  # rare: tiny entries
        small = (absA < TINY) & (A != 0)
        E = np.where(small, np.maximum(np.nextafter(E, np.inf), E + 5 * TINY), E)
        A = np.where(small, 0.0, A)
    return A, E


def full_row_rank_certified(A: np.ndarray, E: np.ndarray, *, _safety: float = 2.0
                            ) -> GramCertificate | None:
    """A proof that the exact matrix A* with |A − A*| ≤ E (entrywise) has full row rank, or None.

    ``A``: float64 r × c with r ≤ c; ``E``: float64, nonnegative, A's shape (0 where A is
    exact). See the module docstring for the theorem; None never claims anything (the rank may
    still be full: the caller must then use an exact method), and is also the answer when the
    process flushes subnormals to zero (:func:`gradual_underflow`). (``_safety`` < 2 weakens the
    shift: for the tests' mutations only, never a proof.)
    """
    A = np.asarray(A, dtype=np.float64)
    r, c = A.shape
    if r == 0:
        return GramCertificate(0.0, 0.0, 0.0, (0, c))
    if r > c:
        return None
    gram = scaled_gram(A, E)
    return None if gram is None else gram.certify(_safety=_safety)


@dataclass(frozen=True)
class ScaledGram:
    """Steps 1 and 2 of the module docstring done once: the rows of Â and E scaled, and
    Ĝ = fl(Â·Âᵀ) (symmetric). Any rows S of Â can then be proven independent from the block
    Ĝ[S, S] (every entry of Ĝ is a float inner product, within γ_c·(|Â||Â|ᵀ)_ij of the exact
    one whatever product computed it, so the block is a Gram matrix of Â[S] as step 2 needs),
    with δ over the rows S only (:meth:`certify`), and rows chosen from the same Ĝ
    (:func:`looking_pivots`): one product of r²·c/2 multiply–adds for every try."""

    A: np.ndarray  # Â, rows scaled
    E: np.ndarray  # E, rows scaled, at least TINY
    G: np.ndarray  # fl(Â·Âᵀ), symmetric

    def certify(self, rows: np.ndarray | None = None, *, _safety: float = 2.0
                ) -> GramCertificate | None:
        """A proof that the exact rows ``rows`` (indices; all by default) are independent, or
        None: :func:`gram_positive_definite` of Ĝ[rows, rows] with δ the largest row sum of
        B = γ_c·|Â||Â|ᵀ + |Â|Eᵀ + E|Â|ᵀ + EEᵀ over those rows (step 2), doubled. Cost
        O(|rows|·c) for δ and |rows|³/3 for the Cholesky; Ĝ is left as it is."""
        A, E, G = self.A, self.E, self.G
        if rows is not None:
            A, E, G = A[rows], E[rows], G[np.ix_(rows, rows)]
        r, c = A.shape
        if r == 0:
            return GramCertificate(0.0, 0.0, 0.0, (0, c))
        with quiet():
            absA = np.abs(A)
            # the row sums of B from two column sums: (|A| + E)(γ_c·a + e) + E·a,
            # a = |A|ᵀ1, e = Eᵀ1
            a, e = absA.sum(axis=0), E.sum(axis=0)
            sums = (absA + E) @ (gamma(c) * a + e) + E @ a
            delta = 2 * float(sums.max(initial=0.0)) + r * c * _ABSOLUTE
        return gram_positive_definite(G, delta, c, _safety=_safety)


def scaled_gram(A: np.ndarray, E: np.ndarray) -> ScaledGram | None:
    """:class:`ScaledGram` of a float64 r × c matrix A and its bound E (nonnegative, A's
    shape), or None when E is not such a bound or a row is zero or not finite. Cost r²·c/2.

    >>> gram = scaled_gram(np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 1.0]]), np.zeros((3, 2)))
    >>> gram.certify() is None, gram.certify(np.array([0, 2])) is not None
    (True, True)
    """
    A = np.asarray(A, dtype=np.float64)
    E = np.asarray(E, dtype=np.float64)
    if E.shape != A.shape or not (E >= 0).all():
        return None
    with quiet():
        scaled = _scaled(A, E)
        if scaled is None:
            return None
        A, E = scaled
        G = A @ A.T
        if not (G == G.T).all():  # BLAS computed both triangles: keep one
            G = np.tril(G) + np.tril(G, -1).T
    return ScaledGram(A, E, G)


def gram_positive_definite(G: np.ndarray, delta: float, columns: int, *,
                           _safety: float = 2.0) -> GramCertificate | None:
    """A proof that λ_min(G*) > 0 for the exact Gram matrix G* = A·Aᵀ of some A with
    ‖G* − G‖₂ ≤ ``delta``, from a float Cholesky factorization of G shifted (steps 3 of the
    module docstring), or None — also when the process flushes subnormals to zero
    (:func:`gradual_underflow`). ``G``: float64, r × r (its diagonal is shifted for the
    factorization and put back); only its lower triangle is read (numpy's Cholesky reads that
    one), so G stands for the symmetric matrix that triangle defines — the Ĝ of the proof —
    and a caller may pass a product whose two triangles differ by rounding;
    ``columns``: the number of columns of A (for the certificate only). Cost: r³/3.

    >>> gram_positive_definite(np.array([[2.0, 1.0], [1.0, 2.0]]), 1e-12, 3) is not None
    True
    """
    r = G.shape[0]
    if not gradual_underflow():
        return None
    with quiet():
        diagonal = G.diagonal().copy()
        # γ_{r+2}, not Demmel's γ_{r+1}: LAPACK and OpenBLAS divide by a pivot through its
        # rounded reciprocal, one more rounding per entry of the factor
        g = gamma(r + 2)
        kappa = 2 * g / (1 - g) * float(diagonal.sum()) + (r + 1) ** 2 * _ABSOLUTE
        shift = _safety * (kappa + delta) + 2 * _safety * U * float(diagonal.max())
        if not math.isfinite(shift):  # (also when a diagonal entry is not finite: its sum)
            return None
        G.flat[::r + 1] = diagonal - shift  # Ĥ = fl(Ĝ − s·I)
        try:
            if r >= 8 * _PROBE:  # fail fast (numpy does not say where a Cholesky broke down)
                np.linalg.cholesky(G[:r // 8, :r // 8])
            R = np.linalg.cholesky(G)
        except np.linalg.LinAlgError:
            return None
        finally:  # the caller may choose rows from G next
            G.flat[::r + 1] = diagonal
        # OpenBLAS's potrf tests a pivot by `ajj <= 0`, which a NaN passes: a factorization
        # that overflowed (inf·0 → NaN) "completes" without an error, and proves nothing
        if not np.isfinite(R).all():
            return None
    return GramCertificate(delta, kappa, shift, (r, columns))


def scaled_positive_definite(G: np.ndarray, delta: Callable[[np.ndarray], float],
                             columns: int) -> GramCertificate | None:
    """:func:`gram_positive_definite` of the Gram matrix G with row and column i scaled by a
    power of two s_i (exact, and the same definiteness), chosen from G_ii so that the scaled
    diagonal lies in [1/4, 1). ``delta(s)``: the caller's bound on ‖G* − G‖₂ for the scaled
    matrix — the largest row sum of its entrywise error bound B scaled, D·B·D, doubled for
    its own rounding —; 2^-900 per row is added for underflow in the scaling. None when that
    bound is not finite or the Cholesky fails. G is left as it is (a scaled copy is factored).
    Cost: r³/3 and the caller's δ.

    >>> scaled_positive_definite(np.array([[4.0, 2.0], [2.0, 5.0]]), lambda s: 0.0, 2).shape
    (2, 2)
    """
    with quiet():
        s = np.ldexp(1.0, -np.frexp(np.sqrt(G.diagonal()))[1])  # powers of two
        bound = delta(s) + len(s) * _ABSOLUTE
        if not math.isfinite(bound):
            return None
        return gram_positive_definite(G * (s[:, None] * s), bound, columns)


#: Rows whose float distance to the span of the rows before them is below this fraction of
#: their norm are left out of the rows to certify (a choice only: the proof does not use it).
_SELECT = 1e-6
#: A looser threshold, for a second choice when the first leaves too few rows: rows nearly
#: dependent in floats may still be independent, and proven so (J·Jᵀ squares the conditioning).
LOOSE = 1e-8


def looking_pivots(G: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(rows, pivots): the rows of a Gram matrix G (float64, symmetric) with a nonzero diagonal
    entry and, for each, its squared float distance to the span of the rows before it over its
    squared norm (the pivots of a regularised float Cholesky of the normalised G); None when
    that fails. A hint only: the proofs do not use it. Cost r³/3; G is left as it is.

    >>> looking_pivots(np.array([[4.0, 2.0], [2.0, 2.0]]))[1].round(6).tolist()
    [1.0, 0.5]
    """
    with quiet():
        diagonal = G.diagonal().copy()
        low, high = float(diagonal.min(initial=math.inf)), float(diagonal.max(initial=0.0))
        # every diagonal entry positive and finite, within 2^400 of each other (a NaN fails)
        if len(G) and 0 < low and math.isfinite(high) and high <= 2.0 ** 400 * low and \
                G.flags.writeable:
            # the factor of D·G·D is D times that of G: G regularised in place (its diagonal
            # put back), the pivots divided by the squared norms after, no normalised copy
            G.flat[::len(G) + 1] = diagonal * (1 + 1e-12)
            try:
                R = np.linalg.cholesky(G)
            except np.linalg.LinAlgError:
                return None
            finally:
                G.flat[::len(G) + 1] = diagonal
            return np.arange(len(G)), R.diagonal() ** 2 / diagonal
        live = np.flatnonzero(diagonal > 0)
        if not (np.isfinite(diagonal).all() and live.size):
            return None
        norms = np.sqrt(diagonal[live])
        B = G[np.ix_(live, live)] / np.outer(norms, norms)
        B[np.diag_indices(len(B))] += 1e-12
        try:
            return live, np.diagonal(np.linalg.cholesky(B)) ** 2
        except np.linalg.LinAlgError:
            return None


def independent_looking(G: np.ndarray, count: int | None = None, select: float = _SELECT
                        ) -> np.ndarray | None:
    """``count`` indices of rows that look independent in floats, from their Gram matrix G
    (float64, symmetric), greedy from the top: the first rows whose squared distance to the
    span of the rows before them (:func:`looking_pivots`) exceeds ``select`` times their
    squared norm; None if too few (all of them when ``count`` is None). A choice only: the
    proof does not use it.

    >>> independent_looking(np.array([[1.0, 2.0, 0.0], [2.0, 4.0, 0.0], [0.0, 0.0, 1.0]]), 2)
    array([0, 2])
    """
    found = looking_pivots(G)
    if found is None:
        return None
    chosen = found[0][found[1] > select]
    if count is None:
        return chosen
    return chosen[:count] if len(chosen) >= count else None


def rank_at_least(A: np.ndarray, E: np.ndarray, target: int
                  ) -> tuple[GramCertificate, np.ndarray, bool] | None:
    """A proof that rank A* ≥ ``target`` for every exact A* with |A − A*| ≤ E, or None.

    Works on the smaller side of A (its rows, or the rows of Aᵀ): all of them when ``target``
    is their number, else ``target`` of them that look independent in floats, chosen by a
    regularised float Cholesky of the same Gram matrix (:class:`ScaledGram`). Returns
    (certificate, the rows or columns used, whether they are columns).

    >>> A = np.array([[1.0, 1.0, 0.0], [2.0, 2.0, 0.0], [0.0, 1.0, 1.0]])
    >>> _, used, columns = rank_at_least(A, np.zeros_like(A), 2)
    >>> used.tolist(), columns
    ([0, 2], False)
    """
    A = np.asarray(A, dtype=np.float64)
    E = np.asarray(E, dtype=np.float64)
    columns = A.shape[0] > A.shape[1]
    if columns:
        A, E = A.T, E.T
    if target > A.shape[0]:
        return None
    gram = scaled_gram(A, E)
    if gram is None:
        return None
    every = target == A.shape[0]
    chosen = np.arange(target) if every else independent_looking(gram.G, target)
    if chosen is None:
        return None
    certificate = gram.certify(None if every else chosen)
    return None if certificate is None else (certificate, chosen, columns)
