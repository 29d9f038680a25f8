"""The numeric side (relugeom.checks.numeric): the float64 rank against the exact one, the traps
where numpy is wrong, the explanation naming the cause, cases beyond float64, and the Monte
Carlo count of regions."""

import json
from fractions import Fraction

import numpy as np
from hypothesis import given

from relugeom import ShallowNetwork, analyze, local_dimension, numeric_jacobian
from relugeom.checks.numeric import compare_numeric, monte_carlo_regions
from relugeom.model.examples import generic, nearly_dependent, tiny_output_weight
from relugeom.search.strategies import network_and_sample
from tests.reference import finite_difference_jacobian, reference_rank


@given(network_and_sample(input_dim=(1, 3), hidden_width=(1, 4), output_dim=(1, 2), n=(1, 8),
                          random_features=True))
def test_report_is_consistent_with_numpy_and_the_exact_rank(pair):
    net, X = pair
    exact = reference_rank(finite_difference_jacobian(net, X))
    report = compare_numeric(net, X, exact, monte_carlo_points=0)
    J = numeric_jacobian(net, X)
    assert report.numeric_rank == np.linalg.matrix_rank(J)
    assert report.agreement == (report.numeric_rank == exact)
    assert (report.explanation is None) == report.agreement
    if not report.agreement:
        lo, hi = sorted((report.numeric_rank, exact))
        assert report.numpy_rule.crossed == tuple(range(lo + 1, hi + 1))
        assert f"σ_{lo + 1} = " in report.explanation
    assert "numeric" in report.label
    json.dumps(report.to_dict())


def test_tiny_output_weight_trap():
    ex = tiny_output_weight()
    exact = reference_rank(finite_difference_jacobian(ex.network, ex.X))
    J = numeric_jacobian(ex.network, ex.X)
    assert np.linalg.matrix_rank(J) < exact  # numpy itself is wrong here
    report = analyze(ex.network, ex.X).numeric
    assert report.exact_rank == exact == 13 and report.numeric_rank == 11
    assert not report.agreement
    assert report.numpy_rule.crossed == (12, 13)
    text = report.explanation
    assert "v_3 = 2^-45" in text and "neuron 3" in text and "σ_12" in text
    assert f"{report.numpy_rule.tolerance:.2e}" in text
    assert "without these columns the exact rank is 11" in text


def test_nearly_dependent_samples_trap():
    ex = nearly_dependent()
    a = analyze(ex.network, ex.X)
    assert a.local_dimension == reference_rank(finite_difference_jacobian(ex.network, ex.X))
    assert all(r.rich for r in a.structure.regions if len(r.samples) >= 3)
    report = a.numeric
    assert report.numeric_rank == np.linalg.matrix_rank(numeric_jacobian(ex.network, ex.X))
    assert not report.agreement
    assert "nearly affinely dependent" in report.explanation
    region = next(r.index for r in a.structure.regions if r.pattern == (0, 1, 0, 0))
    assert f"region {region}'s 4 samples" in report.explanation


def test_nearly_dependent_on_the_line():
    net = ShallowNetwork([[1]], [0], [[1]], [0])
    X = [[1], [1 + Fraction(1, 2 ** 50)], [-1]]
    report = compare_numeric(net, X, local_dimension(net, X), monte_carlo_points=0)
    assert (report.exact_rank, report.numeric_rank) == (3, 2)
    assert "region 0's 2 samples are nearly affinely dependent" in report.explanation


def test_sample_within_rounding_of_a_hyperplane():
    # z = float(0.1) − 1/10 ≈ 5.6e-18 > 0 exactly, but 0.1 − 0.1 = 0 in floats
    # (the Jacobian rows (x, 1, x − 1/10, 1) of the three active samples have rank 2; in floats
    # sample 0 is inactive, its row (0, 0, 0, 1) is independent: rank 3)
    net = ShallowNetwork([[1]], ["-0.1"], [[1]], [0])
    X = [[0.1], [2], [3]]
    report = compare_numeric(net, X, local_dimension(net, X), monte_carlo_points=0)
    assert report.pattern_mismatches == ((0, 0),)
    assert report.float_regions_perceived == 2 and report.exact_regions_perceived == 1
    assert (report.exact_rank, report.numeric_rank) == (2, 3)
    assert "rose above" in report.explanation
    assert "sample 0 is within rounding of neuron 0's hyperplane" in report.explanation


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


def test_monte_carlo_is_a_lower_estimate_of_the_exact_count():
    net = generic().network
    mc = monte_carlo_regions(net, -3, 3, points=4000, seed=1)
    assert mc.exact_regions_in_box == 11
    assert mc.regions_found <= mc.exact_regions_in_box
    assert monte_carlo_regions(net, -3, 3, points=4000, seed=1) == mc  # seeded
    small = monte_carlo_regions(net, "-1/8", "1/8", points=2000)
    assert small.regions_found <= small.exact_regions_in_box <= 11
