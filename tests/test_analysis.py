"""Analysis / analyze (relugeom.analysis): everything about (θ, X) at once, checked against
independent recomputations."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom import analyze
from relugeom.exact.jsonable import jsonable
from tests.reference import deep_finite_difference_jacobian, reference_patterns, reference_rank
from tests.strategies import deep_cases


@given(deep_cases(n=(1, 6)))
def test_analysis_of_a_deep_network(case):
    net, X = case
    a = analyze(net, X)
    assert a.hidden_width == net.widths[1:-1] and a.widths == net.widths
    assert a.symmetry_bound == net.n_parameters - sum(net.widths[1:-1])
    assert a.activation_regions_perceived == len({reference_patterns(net, x) for x in X})
    assert a.local_dimension == reference_rank(deep_finite_difference_jacobian(net, X))
    json.dumps(jsonable(a.to_dict()))


def test_analysis_of_a_rank_only_known_in_an_interval(monkeypatch):
    """method="auto" out of its budget: the report says "between L and U", local_dimension
    refuses to return a bound, JSON has exact false with the interval, the theorems that need
    the exact rank are undecided unless the interval decides them; method="exact" agrees."""
    from relugeom import InputError, RankNotCertified
    from tests.rank.test_interval import interval_case, over_budget
    net, X = interval_case()
    over_budget(monkeypatch)
    a = analyze(net, X)
    exact = analyze(net, X, method="exact").local_dimension
    assert exact == reference_rank(deep_finite_difference_jacobian(net, a.X))
    report = a.local_dimension_report
    assert not report.exact and report.lower_bound <= exact <= report.upper_bound
    with pytest.raises(RankNotCertified):
        a.local_dimension
    record = json.loads(json.dumps(jsonable(a.to_dict())))
    assert record["local_dimension"] is None and record["local_dimension_exact"] is False
    assert (record["local_dimension_lower"], record["local_dimension_upper"]) == \
        (report.lower_bound, report.upper_bound)
    assert record["local_dimension_certificate"] == "interval"
    label, value = a.local_dimension_row()
    assert label == "local dimension" and value.startswith(
        f"between {report.lower_bound} and {report.upper_bound} (certified interval")
    assert "--method exact" in a._repr_markdown_()
    theorems = a.theorems
    # U = 20 = P − N: the interval proves T1; T3 (an equality of ranks) needs the exact rank
    assert theorems["T1"].status == "holds" and "dim ∈ [19, 20]" in theorems["T1"].detail
    assert theorems["T3"].status == "undecided"
    assert theorems["T3"].detail.startswith("rank only known in [19, 20]")
    assert all(v.status != "fails" for v in theorems.values())
    with pytest.raises(InputError, match="unknown method"):
        analyze(net, X, method="numeric")


def test_exact_analysis_reports_the_value_as_before():
    from tests.rank.test_interval import interval_case
    a = analyze(*interval_case())
    assert a.local_dimension_exact and a.local_dimension == a.local_dimension_lower == \
        a.local_dimension_upper == a.to_dict()["local_dimension"]
    assert a.local_dimension_row() == ("local dimension (exact rank of J)", a.local_dimension)


@given(st.integers(0, 12), st.integers(0, 4))
def test_an_interval_decides_the_upper_bound_theorems_exactly_when_it_can(lower, width):
    """Hand the checks a certified interval [L, U] (a mutation of the rank report): each
    upper-bound theorem dim ≤ B holds iff U ≤ B, fails iff L > B, and is undecided otherwise;
    the invariance T3, an equality of ranks, is undecided."""
    from relugeom import Rank, ShallowNetwork
    from relugeom.checks import run_checks, with_quantities
    from relugeom.checks.bounds import _incidence_formula
    a = analyze(ShallowNetwork([[1], [-1]], [0, 0], [[1, 1]], [0]), [[1], [2], [-1], [-3]])
    upper = lower + width
    report = Rank(lower, "modular", False, "interval", "made up", lower, upper)
    verdicts = run_checks(with_quantities(a, local_dimension_report=report),
                          ["T1", "T2", "T3", "T4", "T5"])
    bounds = {"T1": a.symmetry_bound, "T2": a.sample_bound,
              "T4": a.output_dim * sum(r.affine_rank for r in a.structure.regions),
              "T5": _incidence_formula(a)[0]}
    for name, bound in bounds.items():
        expected = "holds" if upper <= bound else "fails" if lower > bound else "undecided"
        assert verdicts[name].status == expected, (name, verdicts[name].detail)
        if width and expected != "fails":
            assert f"[{lower}, {upper}]" in verdicts[name].detail
    assert verdicts["T3"].status == "undecided" and "[" in verdicts["T3"].detail
