"""T9 in the theorem catalogue (relugeom.checks.functional): dim ≤ fdim, with equality on
region-rich samples; it holds, and fails when fed wrong quantities."""

from hypothesis import given

from relugeom import ShallowNetwork, analyze
from relugeom.checks import run_checks, with_quantities
from relugeom.search.strategies import network_and_sample


@given(network_and_sample(n=(1, 6)))
def test_t9_holds(pair):
    net, X = pair
    verdict = run_checks(analyze(net, X), ["T9"])["T9"]
    assert verdict.status == "holds", verdict.detail


def test_t9_equality_fails_and_bound_fails_when_wrong():
    net = ShallowNetwork(W=[[1], [-1]], b=[0, 0], V=[[1, 1]], c=[0])
    rich = analyze(net, [[1], [2], [-1], [-3]])
    assert "dim = fdim = 4" in run_checks(rich, ["T9"])["T9"].detail
    assert run_checks(with_quantities(rich, local_dimension=3), ["T9"])["T9"].failed
    assert run_checks(with_quantities(rich, functional_dimension=3), ["T9"])["T9"].failed
    thin = analyze(net, [[1], [-3]])
    verdict = run_checks(thin, ["T9"])["T9"]
    assert verdict.holds and "equality not applicable" in verdict.detail
    on = analyze(net, [[0], [1]], relu_prime_at_zero=0)
    assert run_checks(on, ["T9"])["T9"].status == "not applicable"
