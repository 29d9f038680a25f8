"""The worked examples (relugeom.model.examples): their stories, checked against independent
reasoning (patterns by direct evaluation, ranks by a textbook elimination)."""

from relugeom import analyze
from relugeom.arrangement.regions import region_report
from relugeom.model.examples import generic
from tests.reference import reference_rank


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
