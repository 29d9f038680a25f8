"""The functional dimension at any depth (relugeom.geometry.deep_functional), T4 and T9 at depth
(relugeom.checks.depth) and ``relugeom fdim`` on a deep network."""

import json
import random
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from relugeom import (DeepNetwork, analyze, deep_functional_dimension, functional_dimension,
                      local_dimension)
from relugeom.checks import run_checks, with_quantities
from relugeom.geometry.deep_functional import region_points
from tests.cli.runner import refused, run


def test_depth_one_agrees_with_the_shallow_functional_dimension():
    for seed in range(8):
        net = DeepNetwork.random([2, 3, 2], seed=seed, low=-64, high=64, denominator=64)
        assert deep_functional_dimension(net).functional_dimension == \
            functional_dimension(net.to_shallow()).functional_dimension


def _random_points(net, count, seed):
    rng = random.Random(seed)
    return [[Fraction(rng.randint(-300, 300), 97) for _ in range(net.input_dim)]
            for _ in range(count)]


@settings(max_examples=6)
@given(st.sampled_from([(2, 3, 3, 1), (1, 3, 2, 2), (3, 2, 3, 1), (2, 2, 2, 2, 1)]),
       st.integers(0, 50))
def test_no_sample_exceeds_fdim_and_another_decisive_sample_reaches_it(widths, seed):
    net = DeepNetwork.random(widths, seed=seed, low=-64, high=64, denominator=64)
    result = deep_functional_dimension(net, relu_prime_at_zero=0)
    fdim = result.functional_dimension
    assert fdim <= result.symmetry_bound
    assert fdim <= net.output_dim * (net.input_dim + 1) * result.activation_regions
    X = _random_points(net, 60, seed)
    assert local_dimension(net, X, relu_prime_at_zero=0) <= fdim
    # a different decisive sample: every region's point moved towards its first facet witness
    other = []
    for r in result.regions.regions:
        f = r.facets[0] if r.facets else None
        p = r.point if f is None else tuple((3 * a + b) / 4 for a, b in zip(r.point, f.witness))
        moved = type(r)(r.pattern, p, r.facets, r.bounded, r.A, r.a)
        other += region_points(moved)
    assert local_dimension(net, other, relu_prime_at_zero=0) == fdim


def test_dead_neuron_is_labelled():
    net = DeepNetwork([([[1, 0], [0, 1], [0, 0]], [0, 0, -1]), ([[1, 1, 1], [1, -1, 2]], [0, 1]),
                       ([[1, 1]], [0])])
    result = deep_functional_dimension(net, relu_prime_at_zero=0)   # z ≡ 0 where x, y < 0
    assert result.gap > 0
    assert ("dead", ((1, 2),)) in [(f.kind, f.neurons) for f in result.features]


def test_t4_and_t9_hold_at_depth_and_can_fail():
    net = DeepNetwork.random([2, 3, 3, 1], seed=2, low=-64, high=64, denominator=64)
    a = analyze(net, _random_points(net, 30, 1))
    verdicts = run_checks(a, ["T4", "T9"])
    assert verdicts["T4"].status == verdicts["T9"].status == "holds"
    fdim = deep_functional_dimension(net).functional_dimension
    broken = run_checks(with_quantities(a, local_dimension=fdim + 1), ["T4", "T9"])
    assert broken["T9"].status == "fails"
    assert run_checks(with_quantities(a, local_dimension=10 ** 6), ["T4"])["T4"].status == "fails"


def test_fdim_command_on_a_deep_network(capsys, tmp_path):
    net = DeepNetwork.random([2, 3, 3, 1], seed=2, low=-64, high=64, denominator=64)
    path = tmp_path / "deep.json"
    path.write_text(net.to_json())
    code, out, _ = run(capsys, "fdim", path, "--json", "--save-sample", tmp_path / "s.json")
    assert code == 0
    report = json.loads(out)
    expected = deep_functional_dimension(net)
    assert report["functional_dimension"] == expected.functional_dimension
    assert report["symmetry_bound"] == net.n_parameters - net.n_hidden
    assert len(json.loads((tmp_path / "s.json").read_text())["X"]) == \
        expected.decisive_sample_size
    code, out, _ = run(capsys, "fdim", path)
    assert code == 0 and "functional dimension (exact)" in out
    assert "--plot" in refused(capsys, "fdim", path, "--sampling", "gaussian", "--plot",
                               tmp_path / "c.png")
    code, out, _ = run(capsys, "fdim", path, "--sampling", "uniform", "--box", "-4", "4",
                       "--repeats", "2", "--max-points", "200", "--json")
    sampling = json.loads(out)["sampling"]
    assert code == 0 and len(sampling["reached_at"]) == 2
    assert all(r <= expected.functional_dimension for r in sampling["final_rank"])
    assert "--max-regions" in refused(capsys, "fdim", path, "--max-regions", "3")
