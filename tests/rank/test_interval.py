"""The certified interval of method="auto" (issue 18, item 2): when no certificate is found
within the budget the front door returns [lower, upper] with ``exact`` False instead of an
elimination of unbounded cost; ``local_dimension`` (an int) refuses to return a bound; and
method="exact" / fallback="exact" still eliminate. Checked against exact elimination."""

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from relugeom import InputError, RankNotCertified, jacobian, linalg, local_dimension
from relugeom.model.sample import as_sample
from relugeom.rank import dimension
from relugeom.rank.dimension import local_dimension_report
from tests.rank.test_verified import float_network


def over_budget(monkeypatch):
    """Shrink the budgets so that a small float case ends as an interval: every Jacobian takes
    the certified path, and the verified kernel may lift no vector (budget 1 bit)."""
    monkeypatch.setattr(dimension, "AUTO_EXACT_ENTRIES", 0)
    monkeypatch.setattr(dimension, "KERNEL_BITS", 1)


#: float32 He-like weights: modular rank 19 < smallest structural bound 20, exact rank 19
#: (a verified kernel certifies it within the default budget)
def interval_case():
    return float_network(61, [4, 3, 2])


def test_default_auto_returns_the_interval_and_exact_lies_in_it(monkeypatch):
    net, X = interval_case()
    over_budget(monkeypatch)
    report = local_dimension_report(net, X)
    exact = local_dimension_report(net, X, method="exact")
    assert exact.exact and exact.certificate.startswith("exact elimination")
    assert (report.exact, report.certificate) == (False, "interval")
    assert report.lower_bound <= exact.value <= report.upper_bound
    assert report.lower_bound < report.upper_bound   # else it would be a value, exactly
    assert report.to_dict()["exact"] is False
    assert "method='exact'" in report.detail and "budget" in report.detail
    # the elimination fallback, on request, is the exact rank again
    forced = local_dimension_report(net, X, fallback="exact")
    assert forced.exact and forced.value == exact.value


def test_local_dimension_refuses_to_return_a_bound(monkeypatch):
    net, X = interval_case()
    over_budget(monkeypatch)
    with pytest.raises(RankNotCertified) as caught:
        local_dimension(net, X, fallback="interval")
    report = caught.value.report
    assert isinstance(caught.value, InputError)   # the command line: exit 2, one paragraph
    message = str(caught.value)
    assert f"between {report.lower_bound} and {report.upper_bound}" in message
    assert "local_dimension_report" in message and "method='exact'" in message
    exact = linalg.rank(jacobian(net, as_sample(X, 4)), net.n_parameters)
    assert local_dimension(net, X, method="exact") == exact
    assert local_dimension(net, X, fallback="exact") == exact
    assert local_dimension(net, X) == exact   # the int function eliminates by default


def test_the_default_budget_certifies_the_same_case():
    net, X = interval_case()
    exact = local_dimension_report(net, X, method="exact").value
    saved = dimension.AUTO_EXACT_ENTRIES
    dimension.AUTO_EXACT_ENTRIES = 0
    try:
        report = local_dimension_report(net, X)
    finally:
        dimension.AUTO_EXACT_ENTRIES = saved
    assert report.exact and report.certificate == "verified kernel" and report.value == exact


def test_kernel_bits_is_the_budget_and_is_checked_per_call():
    net, X = interval_case()
    saved = dimension.AUTO_EXACT_ENTRIES
    dimension.AUTO_EXACT_ENTRIES = 0
    try:
        small = local_dimension_report(net, X, kernel_bits=1)
        large = local_dimension_report(net, X, kernel_bits=2 ** 20)
    finally:
        dimension.AUTO_EXACT_ENTRIES = saved
    assert not small.exact and large.exact and small.lower_bound <= large.value


def test_unknown_fallback_is_refused():
    net, X = interval_case()
    with pytest.raises(InputError, match="unknown fallback"):
        local_dimension_report(net, X, fallback="guess")


@given(st.integers(0, 10_000), st.sampled_from([[4, 3, 2], [3, 5, 1], [2, 3, 3, 2]]),
       st.booleans())
@example(61, [4, 3, 2], True)   # the interval case (random float cases are mostly certified)
def test_over_budget_auto_is_exact_or_an_interval_around_the_exact_rank(seed, widths, f32):
    """Float weights, shallow and deep: with no verified kernel allowed, auto is either
    certified by a structural bound (and equal to elimination) or a proven interval that
    contains the rank found by elimination."""
    net, X = float_network(seed, widths, float32=f32)
    exact = linalg.rank(jacobian(net, as_sample(X, widths[0])), net.n_parameters)
    saved = dimension.AUTO_EXACT_ENTRIES, dimension.KERNEL_BITS
    dimension.AUTO_EXACT_ENTRIES, dimension.KERNEL_BITS = 0, 1
    try:
        report = local_dimension_report(net, X)
    finally:
        dimension.AUTO_EXACT_ENTRIES, dimension.KERNEL_BITS = saved
    if report.exact:
        assert report.value == exact and report.certificate != "interval"
    else:
        assert report.certificate == "interval"
        assert report.lower_bound <= exact <= report.upper_bound
        assert report.text().startswith(f"between {report.lower_bound} and ")


def test_text_of_an_exact_and_of_a_numeric_rank():
    net, X = interval_case()
    assert local_dimension_report(net, X, method="exact").text() == "19"
    numeric = local_dimension_report(net, X, method="numeric")
    assert "NUMERIC" in numeric.text() and not numeric.exact
    assert np.isfinite(numeric.tolerance)
