"""Analysis / analyze (relugeom.analysis): everything about (θ, X) at once, checked against
independent recomputations."""

import json

from hypothesis import given

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
