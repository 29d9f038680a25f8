"""Claims checked against independent reasoning: the demo's stories, which networks the
shallow-only computations accept, the numeric side beyond float64, plotting side effects."""

import math
from fractions import Fraction

import pytest

from relugeom import InputError, ShallowNetwork, analyze, functional_dimension
from relugeom.model.deep import DeepNetwork
from relugeom.model.examples import generic
from relugeom.model.shallow import as_shallow
from relugeom.checks.numeric import compare_numeric
from relugeom.exact.numbers import describe_value
from relugeom.arrangement.regions import region_report
from relugeom.geometry.sampling import RegionEstimate

from reference import reference_rank


def test_generic_demo_story_is_true():
    """'X perceives 6 of their 11 regions, 3 of those hold fewer than d + 1 affinely
    independent samples, the only kernel directions are the N rescalings'."""
    ex = generic()
    net, X = ex.network, ex.X
    assert "6 of their 11 regions" in ex.story and "3 of those" in ex.story
    assert region_report(net, X).regions.count == 11
    groups = {}
    for x in X:
        groups.setdefault(tuple(int(sum(w * q for w, q in zip(row, x)) + bj > 0)
                                for row, bj in zip(net.W, net.b)), []).append(list(x) + [1])
    assert len(groups) == 6
    assert sum(reference_rank(rows) < 3 for rows in groups.values()) == 3
    a = analyze(net, X)
    assert a.local_dimension == net.n_parameters - net.hidden_width
    assert not a.kernel.extra


def test_shallow_only_computations_take_one_hidden_layer_in_any_form():
    net = ShallowNetwork([[1], [2]], [1, 2], [[1, 1]], [0])
    deep = DeepNetwork.from_shallow(net)
    assert as_shallow(deep) == net
    assert functional_dimension(deep).functional_dimension == \
        functional_dimension(net).functional_dimension == 3   # (d+1)·rank M + 1 = 2 + 1
    three = DeepNetwork(((([1],), (0,)), (([1],), (0,)), (([1],), (0,))))
    for compute in (functional_dimension, region_report, as_shallow):
        with pytest.raises(InputError, match="one-hidden-layer"):
            compute(three)


def test_unknown_network_keys_are_named():
    with pytest.raises(InputError, match="unknown key.*bias"):
        ShallowNetwork.from_dict({"W": [[1]], "b": [0], "V": [[1]], "c": [0], "bias": [1]})


def test_numeric_side_beyond_float64():
    net = ShallowNetwork([[Fraction(10) ** 400], [1]], [0, -1], [[1, 1]], [0])
    X = [[2], [3], [-1], [Fraction(1, 2)]]
    exact = analyze(net, X).local_dimension
    report = compare_numeric(net, X, exact)
    assert report.numeric_rank is None and report.agreement is False
    assert "W[0][0]" in report.explanation and "float64" in report.explanation
    assert report.to_dict()["singular_values"] == []
    # within range entries whose float Jacobian overflows
    big = ShallowNetwork([[Fraction(10) ** 300]], [0], [[Fraction(10) ** 300]], [0])
    report = compare_numeric(big, [[Fraction(10) ** 10]], 1)
    assert report.numeric_rank is None and "overflows" in report.explanation


@pytest.mark.parametrize("value, text", [
    (Fraction(1, 10 ** 400), "≈1e-400"), (-3 * Fraction(10) ** 400, "≈-3e+400"),
    (Fraction(1, 2 ** 45), "2^-45"), (Fraction(3, 4), "3/4"),
    (Fraction(123456789, 1000), "≈1.2e+05")])
def test_describe_value_far_outside_float_range(value, text):
    assert describe_value(value) == text


def test_no_draws_no_estimate_in_json():
    region = RegionEstimate((1, 0), 0, 0, 0, 0).to_dict()
    assert region["probability_estimate"] is None and region["standard_error_estimate"] is None
    assert not any(isinstance(v, float) and math.isnan(v) for v in region.values())


def test_plotting_leaves_the_callers_matplotlib_alone(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt
    from relugeom.arrangement.plot import plot_regions

    backend = "svg" if matplotlib.get_backend().lower() != "svg" else "pdf"
    matplotlib.use(backend)
    figures = plt.get_fignums()
    net = ShallowNetwork([[1, 0], [0, 1]], [0, 0], [[1, 1]], [0])
    plot_regions(region_report(net), str(tmp_path / "r.png"))
    assert matplotlib.get_backend().lower() == backend
    assert plt.get_fignums() == figures
