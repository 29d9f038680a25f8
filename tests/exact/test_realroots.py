"""Real algebraic numbers (relugeom.exact.realroots): the real roots of rational polynomials,
exactly when rational, isolated and ordered otherwise, with exact signs beside them."""

import json
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from relugeom.exact.realroots import RealAlgebraic, rational_between, real_roots

ROOT = st.fractions(min_value=-3, max_value=3, max_denominator=5)


def _expand(scale, roots):
    """Coefficients (lowest first) of scale · Π (t − r)."""
    p = [Fraction(scale)]
    for r in roots:
        shifted = [Fraction(0)] + p            # t · p
        scaled = [-r * c for c in p] + [Fraction(0)]
        p = [a + b for a, b in zip(shifted, scaled)]
    return p


@given(st.lists(ROOT, min_size=1, max_size=4), st.integers(-3, 3).filter(bool))
def test_rational_roots_are_found_exactly(roots, scale):
    found = real_roots(_expand(scale, roots))
    assert all(x.is_rational for x in found)
    assert [x.value for x in found] == sorted(set(roots))


@given(st.integers(2, 50).filter(lambda k: int(k ** 0.5) ** 2 != k), st.integers(1, 5))
def test_square_roots_are_isolated_and_ordered(k, q):
    # the roots of q²t² − k are ±√k / q, irrational
    p = [Fraction(-k), Fraction(0), Fraction(q * q)]
    negative, positive = real_roots(p)
    assert not negative.is_rational and negative < 0 < positive
    positive = positive.refined(Fraction(1, 10 ** 6))
    assert (positive.low * q) ** 2 < k < (positive.high * q) ** 2 and positive.low > 0
    assert positive.high - positive.low <= Fraction(1, 10 ** 6)
    for r, sign in ((negative, -1), (positive, 1)):
        assert r.sign_of(p) == 0
        assert r.sign_of([Fraction(0), Fraction(1)]) == sign    # the polynomial t
        assert r.sign_right_of(p) == sign                       # p' = 2q²t has the sign of t
    between = rational_between(negative, positive)
    assert negative < between < positive


def test_real_algebraic_comparisons_and_one_sided_signs():
    sqrt2 = real_roots([Fraction(-2), 0, Fraction(1)])[1]
    assert Fraction(1414, 1000) < sqrt2 < Fraction(1415, 1000)
    assert sqrt2 == real_roots([Fraction(-2), 0, Fraction(1)])[1].refined(Fraction(1, 100))
    assert sqrt2 != real_roots([Fraction(-3), 0, Fraction(1)])[1]
    assert hash(sqrt2) == hash(sqrt2.refined(Fraction(1, 8)))
    # (t − √2)² = t² − 2√2 t + 2 is not rational; use (t² − 2)²: zero at √2, positive around
    square = [Fraction(4), 0, Fraction(-4), 0, Fraction(1)]
    assert sqrt2.sign_of(square) == 0 and sqrt2.sign_right_of(square) == 1
    assert sqrt2.sign_right_of([Fraction(2), 0, Fraction(-1)]) == -1   # 2 − t² falls through 0
    third = RealAlgebraic.rational(Fraction(1, 3))
    assert third.sign_right_of([Fraction(1), Fraction(-3)]) == -1 and third.is_rational
    assert third.to_json_value() == "1/3"
    assert sqrt2.to_json_value()["polynomial"] == [-2, 0, 1]
    assert json.dumps(sqrt2.to_json_value())
