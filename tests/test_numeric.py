"""The numeric side: numpy's rule as numpy applies it, the traps where it is wrong, and the
explanation naming the cause."""

import json
import math
from fractions import Fraction

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from relugeom import ShallowNetwork, analyze, local_dimension, numeric_jacobian
from relugeom.model.examples import generic, nearly_dependent, tiny_output_weight
from relugeom.checks.numeric import compare_numeric, monte_carlo_regions
from relugeom.exact.numbers import describe_value
from relugeom.linalg.floating import numeric_rank, singular_value_gap
from relugeom.search.strategies import network_and_sample
from reference import finite_difference_jacobian, reference_rank


@given(st.integers(1, 6), st.integers(1, 6), st.integers(0, 2 ** 31), st.integers(0, 60))
def test_numpy_rule_is_numpys(rows, cols, seed, exponent):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((rows, cols))
    A[:, 0] *= 2.0 ** -exponent  # one column scaled toward and past the tolerance
    assert numeric_rank(A) == np.linalg.matrix_rank(A)
    S = np.linalg.svd(A, compute_uv=False)
    assert numeric_rank(A, rtol=1e-8) == int((S > 1e-8 * S.max()).sum())


def test_gap():
    S = np.array([4.0, 2.0, 1e-10, 0.0])
    assert singular_value_gap(S, 2) == 2e10
    assert singular_value_gap(S, 3) == math.inf
    assert singular_value_gap(S, 0) is None and singular_value_gap(S, 4) is None


def test_describe_value():
    assert describe_value(Fraction(1, 2 ** 45)) == "2^-45"
    assert describe_value(Fraction(-3, 4)) == "-3/4"
    assert describe_value(Fraction(1, 3 ** 30)).startswith("≈")


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


def test_monte_carlo_is_a_lower_estimate_of_the_exact_count():
    net = generic().network
    mc = monte_carlo_regions(net, -3, 3, points=4000, seed=1)
    assert mc.exact_regions_in_box == 11
    assert mc.regions_found <= mc.exact_regions_in_box
    assert monte_carlo_regions(net, -3, 3, points=4000, seed=1) == mc  # seeded
    small = monte_carlo_regions(net, "-1/8", "1/8", points=2000)
    assert small.regions_found <= small.exact_regions_in_box <= 11
