"""Adversarial review of the float Gram bound (relugeom.linalg.gram): exactly rank-deficient
rational matrices built so that float rounding destroys the exact relation, and a
Cholesky whose run overflows; the certificate must never claim more than the exact rank over
Q (fraction-free elimination on the Fractions, an independent computation).

Each matrix A* is exact (Fractions); Â = float(A*) is correctly rounded, so
|Â − A*| ≤ u·|Â| for a normal Â and ≤ 2^-1075 below 2^-1022: E below is that bound.
"""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom import linalg
from relugeom.linalg.gram import full_row_rank_certified, rank_at_least

U = 2.0 ** -53
KINDS = ("inexact combination", "one plus ulps", "rows 2^±500", "subnormal rows",
         "column dynamic range", "hidden cancellation", "duplicate of a rounded row")


def rounded(A: list) -> tuple[np.ndarray, np.ndarray]:
    """(Â, E): the correctly rounded floats of Fractions and a bound of their error."""
    F = np.array([[float(q) for q in row] for row in A])
    return F, np.maximum(U * np.abs(F), 2.0 ** -1074)


def adversarial(seed: int, r: int, c: int, kind: str) -> list:
    """An r × c matrix of Fractions whose last row is an exact combination of two others (so
    its rank is < r), chosen so that the float rounding of the combination is not one."""
    rng = np.random.default_rng(seed)
    dens = rng.choice([3, 7, 255, 1001], (r, c))
    q = [[Fraction(int(a), int(b)) for a, b in zip(row, den)]
         for row, den in zip(rng.integers(-99, 100, (r, c)), dens)]
    a, b = Fraction(1, 3), Fraction(int(rng.integers(1, 9)), 7)
    if kind == "one plus ulps":  # entries 1 + k·2^-52: the rows agree to 50 bits
        q = [[1 + Fraction(int(k), 2 ** 52) for k in row] for row in rng.integers(-9, 10, (r, c))]
    if kind == "hidden cancellation":  # rows of size 2^30 whose combination is of size 1
        big = Fraction(2 ** 30) + Fraction(1, 3)
        q[1] = [x + big * y for x, y in zip(q[1], q[0])]
        b = Fraction(1)
        a = -big
    q[-1] = [a * x + b * y for x, y in zip(q[0], q[1])]
    if kind == "duplicate of a rounded row":  # the float of the last row's float, as a value
        q[-1] = [Fraction(float(x)) for x in q[0]]
        q[0] = [Fraction(float(x)) for x in q[0]]
    if kind == "rows 2^±500":
        q = [[x * Fraction(2) ** int(e) for x in row]
             for row, e in zip(q, rng.choice([-500, 500, -450, 0], r))]
    if kind == "subnormal rows":
        q = [[x * Fraction(1, 2 ** int(e)) for x in row]
             for row, e in zip(q, rng.choice([1030, 1060, 0], r))]
    if kind == "column dynamic range":
        scale = [Fraction(2) ** int(e) for e in rng.integers(-300, 300, c)]
        q = [[x * s for x, s in zip(row, scale)] for row in q]
    return q


@given(st.integers(0, 2 ** 32), st.integers(3, 7), st.integers(0, 4), st.sampled_from(KINDS))
def test_never_above_the_exact_rank(seed, r, extra, kind):
    q = adversarial(seed, r, r + extra, kind)
    exact = linalg.rank(q)
    F, E = rounded(q)
    assert exact < r
    assert full_row_rank_certified(F, E) is None
    for target in range(exact + 1, r + 1):
        assert rank_at_least(F, E, target) is None
        assert rank_at_least(F.T, E.T, target) is None  # the column side
    proof = rank_at_least(F, E, exact)  # may or may not succeed; if it does, it is right
    if proof is not None:
        rows = [q[i] for i in proof[1]]
        assert linalg.rank(rows) == exact


def test_the_adversarial_cases_fool_an_unshifted_cholesky():
    """The cases above have teeth: without the shift, the float Cholesky 'proves' full rank on
    many of them (so the test above would catch a missing or weakened bound)."""
    fooled = 0
    for seed in range(40):
        for kind in KINDS:
            F, E = rounded(adversarial(seed, 5, 7, kind))
            fooled += full_row_rank_certified(F, E, _safety=0.0) is not None
    assert fooled >= 20


def _chain(k: int, extra: int) -> np.ndarray:
    """k rows whose float Cholesky (after the shift) has pivots 2^-54 in a chain (factor
    entries ½ below a diagonal 2^-27), then a copy of row 0: exact rank k. Each row also has
    four entries q·2^-27 (q² summing to ``extra``) that set Ĝ_jj so that fl(Ĝ_jj − s) is
    exactly the chain's diagonal, whatever s is (``extra`` ≈ s·2^54). All products and sums
    in Ĝ are exact."""
    A = np.zeros((k + 1, 5 * k))
    A[0, 0] = 0.5
    for j in range(1, k):
        A[j, j - 1], A[j, j] = 0.5, 2.0 ** -27
    squares = next((a, b, c, int(round(np.sqrt(extra - a * a - b * b - c * c))))
                   for a in range(int(np.sqrt(extra)), -1, -1)
                   for b in range(int(np.sqrt(extra - a * a)), -1, -1)
                   for c in range(int(np.sqrt(extra - a * a - b * b)), -1, -1)
                   if round(np.sqrt(extra - a * a - b * b - c * c)) ** 2
                   == extra - a * a - b * b - c * c)
    for j in range(k):
        A[j, k + 4 * j:k + 4 * j + 4] = np.array(squares) * 2.0 ** -27
    A[k] = A[0]
    return A


def test_a_factor_with_nan_is_not_a_proof(monkeypatch):
    """The row copy's entries in the factor grow by 2^26 per chain step until they overflow;
    inf·0 then gives NaN, and OpenBLAS's potrf (pivot test `ajj <= 0`) lets the NaN pivot
    through: numpy returns a factor full of NaN and raises nothing. A duplicate row must not be
    certified. (The shift s is read off the matrix Ĥ the certificate factorizes, so the chain
    adapts to the bound's formula; the test then checks that the NaN really occurs.)"""
    seen = []
    cholesky = np.linalg.cholesky
    monkeypatch.setattr(np.linalg, "cholesky", lambda H: seen.append(H.copy()) or cholesky(H))
    extra = 0
    for _ in range(8):
        A = _chain(48, extra)
        assert full_row_rank_certified(A, np.zeros_like(A)) is None
        shift = A[0] @ A[0] - seen[-1][0, 0]  # Ĝ_00 − fl(Ĝ_00 − s), to within 2^-54
        if int(round(shift * 2.0 ** 54)) == extra:
            break
        extra = int(round(shift * 2.0 ** 54))
    assert linalg.rank([[Fraction(v) for v in row] for row in A]) == 48 < len(A)
    with np.errstate(all="ignore"):
        try:
            reached = bool(np.isnan(cholesky(seen[-1])).any())
        except np.linalg.LinAlgError:
            reached = False
    if not reached:
        pytest.skip("this LAPACK stops at a NaN pivot (the attack needs OpenBLAS's potrf)")


def test_flushed_subnormals_claim_nothing():
    """Under FTZ/DAZ (torch.set_flush_denormal(True) sets both, for numpy too) the subnormal
    entry 1.5·2^-1023 reads as 0 and the exact rank-1 matrix [r, 2^100·r] looks like two
    independent rows after the row scaling: the certificate must refuse to run."""
    torch = pytest.importorskip("torch")
    r = np.array([2.0 ** -1020, 1.5 * 2.0 ** -1023])
    A = np.array([r, r * 2.0 ** 100])
    assert linalg.rank([[Fraction(v) for v in row] for row in A]) == 1
    assert full_row_rank_certified(A, np.zeros_like(A)) is None
    if not torch.set_flush_denormal(True):
        pytest.skip("this CPU has no flush-to-zero mode")
    try:
        assert full_row_rank_certified(A, np.zeros_like(A)) is None
        assert full_row_rank_certified(np.eye(2), np.zeros((2, 2))) is None
    finally:
        torch.set_flush_denormal(False)
    assert full_row_rank_certified(np.eye(2), np.zeros((2, 2))) is not None
