"""Sampling convergence (relugeom.geometry.sampling): how many random samples reach the
functional dimension, under each distribution, with exact curves and honest estimates."""

import math
import sys
from fractions import Fraction

import pytest

from relugeom import ShallowNetwork, local_dimension
from relugeom.errors import InputError
from relugeom.geometry.sampling import (RegionEstimate, gaussian, plot_convergence, resampling,
                                        sampling_convergence, uniform)
from relugeom.model.examples import all_examples


def test_sampling_curves_are_exact_and_deterministic():
    net = ShallowNetwork(W=[[1, 0], [0, 1], [1, 1]], b=[0, 0, -1], V=[[1, -1, 2]], c=[1])
    first = sampling_convergence(net, gaussian(2), repeats=3, seed=5, probability_draws=300)
    again = sampling_convergence(net, gaussian(2), repeats=3, seed=5, probability_draws=300)
    assert first.to_dict() == again.to_dict()
    target = first.functional_dimension
    for run in first.runs:
        n = run.reached_at
        assert n is not None and n >= math.ceil(target / net.output_dim)
        X = run.points
        assert local_dimension(net, X[:n]) == target > local_dimension(net, X[:n - 1])
        for k in (1, n // 2, n - 1):
            assert run.dimension_at(k) == local_dimension(net, X[:k])
    counts = sum(r.count for r in first.regions)
    assert counts == first.probability_draws == 300


def test_unreachable_with_a_neuron_the_law_never_activates():
    dead_for_gaussian = next(ex for ex in all_examples() if ex.name == "dead").network
    result = sampling_convergence(dead_for_gaussian, gaussian(2), repeats=2, max_points=150,
                                  probability_draws=500)
    assert result.smallest_n == [None, None]
    assert result.observed_rank < result.functional_dimension
    assert result.neuron_active_counts[2] == 0
    for run in result.runs:
        assert run.points_drawn == 150
        assert run.dimension_at(150) == local_dimension(dead_for_gaussian, run.points)


def test_distributions_draw_what_they_say():
    net = ShallowNetwork(W=[[1], [-1]], b=[0, 1], V=[[1, 1]], c=[0])
    box = sampling_convergence(net, uniform(1, "-1/2", 3, grid_bits=6), repeats=2,
                               probability_draws=0)
    for run in box.runs:
        assert all(Fraction(-1, 2) < x[0] < 3 for x in run.points)
    grid = sampling_convergence(net, gaussian(1, grid_bits=8), repeats=2, probability_draws=0)
    assert all((x[0] * 256).denominator == 1 for run in grid.runs for x in run.points)
    data = [[-2], [0], [Fraction(1, 2)], [3], [1]]  # 0 and 1 lie on the hyperplanes
    result = sampling_convergence(net, resampling(data), repeats=2, max_points=50,
                                  probability_draws=100)
    assert result.data_excluded == 2
    assert result.data_ceiling == local_dimension(net, [[-2], [Fraction(1, 2)], [3]])
    allowed = {(-2,), (Fraction(1, 2),), (3,)}
    assert all(tuple(x) in allowed for run in result.runs for x in run.points)
    with pytest.raises(InputError, match="lie on a hyperplane"):
        sampling_convergence(net, resampling([[0], [1]]), repeats=1)


def test_probability_estimates_are_reasonable():
    # relu(x) under N(0, 1): each side has probability 1/2
    net = ShallowNetwork(W=[[1]], b=[0], V=[[1]], c=[0])
    result = sampling_convergence(net, gaussian(1), repeats=1, probability_draws=4000)
    for region in result.regions:
        assert abs(region.probability_estimate - 0.5) < 5 * region.standard_error + 1e-9


def test_bad_sampling_inputs():
    net = ShallowNetwork(W=[[1]], b=[0], V=[[1]], c=[0])
    for make in (lambda: gaussian(1, scale=-1), lambda: uniform(1, 2, 1),
                 lambda: gaussian(1, grid_bits=0), lambda: resampling([])):
        with pytest.raises(InputError):
            make()
    with pytest.raises(InputError, match="dimension 2"):
        sampling_convergence(net, gaussian(2))
    with pytest.raises(InputError, match="repeats"):
        sampling_convergence(net, gaussian(1), repeats=0)


def test_plot(tmp_path, monkeypatch):
    net = ShallowNetwork(W=[[1], [-1]], b=[0, 1], V=[[1, 1]], c=[0])
    result = sampling_convergence(net, gaussian(1), repeats=2, probability_draws=0)
    pytest.importorskip("matplotlib")
    path = tmp_path / "c.png"
    plot_convergence(result, str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(InputError, match="matplotlib"):
        plot_convergence(result, str(tmp_path / "d.png"))


def test_no_draws_no_estimate_in_json():
    region = RegionEstimate((1, 0), 0, 0, 0, 0).to_dict()
    assert region["probability_estimate"] is None and region["standard_error_estimate"] is None
    assert not any(isinstance(v, float) and math.isnan(v) for v in region.values())
