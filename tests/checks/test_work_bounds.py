"""Work bounds of the theorem checks: T8 refuses an exact Hessian above its budget (and still
runs below it), T3's all-neurons rescaling is the neuron-by-neuron one."""

from fractions import Fraction

from relugeom import ShallowNetwork, analyze
from relugeom.checks import HOLDS, NOT_APPLICABLE
from relugeom.checks import flatness as flatness_module
from relugeom.checks import run_checks
from relugeom.checks.invariance import symmetry_moves

NET = ShallowNetwork([[1, 2], [-1, 1], [2, -1]], [1, 0, -1], [[1, -2, 3]], [0])
X = [[Fraction(i, 3), Fraction(i * i % 7, 5)] for i in range(1, 9)]


def test_flatness_refused_above_its_work_budget(monkeypatch):
    a = analyze(NET, X)
    work = a.n_parameters ** 2 * a.n_samples * a.output_dim
    monkeypatch.setattr(flatness_module, "HESSIAN_WORK", work - 1)
    verdict = run_checks(analyze(NET, X), ["T8"])["T8"]
    assert verdict.status == NOT_APPLICABLE and "HESSIAN_WORK" in verdict.detail
    monkeypatch.setattr(flatness_module, "HESSIAN_WORK", work)
    assert run_checks(analyze(NET, X), ["T8"])["T8"].status == HOLDS


def test_invariance_rescales_every_neuron_as_rescale_does():
    verdict = run_checks(analyze(NET, X), ["T3"])["T3"]
    assert verdict.status == HOLDS
    _, factors = symmetry_moves(NET.hidden_width)
    one_by_one = NET
    for j, lam in enumerate(factors):
        one_by_one = one_by_one.rescale(j, lam)
    assert all(one_by_one(x) == NET(x) for x in X)
    assert ", ".join(str(q) for q in factors[:3]) in verdict.detail
