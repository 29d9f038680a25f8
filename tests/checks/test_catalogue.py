"""The theorem catalogue T1–T8: verdicts against independent recomputations, and failures
when the checker is fed deliberately wrong quantities."""

from dataclasses import replace
from fractions import Fraction
from math import comb

import pytest
from hypothesis import given

from relugeom import ShallowNetwork, analyze
from relugeom.checks import CATALOGUE, FAILS, HOLDS, NOT_APPLICABLE, run_checks, with_quantities
from relugeom.checks.counting import arrangement_counts, polynomial_text, whitney_polynomial
from relugeom.checks.flatness import exact_hessian
from relugeom.model.examples import aligned, generic
from relugeom.search.strategies import network_and_sample
from tests.reference import finite_difference_jacobian, reference_rank

OURS = [f"T{k}" for k in range(1, 9)]
SMALL = dict(input_dim=(1, 2), hidden_width=(1, 3), output_dim=(1, 2), n=(1, 6))


def _patterns(net, X):
    return [tuple(int(sum(w * x for w, x in zip(row, xi)) + bj > 0)
                  for row, bj in zip(net.W, net.b)) for xi in X]


def _reference(net, X):
    """dim, rank M, [1 ∈ col M], rank X̃_r per region, rebuilt here from scratch."""
    S = _patterns(net, X)
    M = sorted(set(S))
    ranks = [reference_rank([list(x) + [1] for x, p in zip(X, S) if p == row]) for row in M]
    rank_M = reference_rank(M)
    ones = reference_rank([list(r) + [1] for r in M]) == rank_M
    return reference_rank(finite_difference_jacobian(net, X)), rank_M, ones, ranks


@given(network_and_sample(random_features=True, **SMALL))
def test_no_theorem_fails_and_bounds_match_recomputation(pair):
    net, X = pair
    verdicts = run_checks(analyze(net, X), OURS)
    assert not [v for v in verdicts.values() if v.status == FAILS], verdicts
    dim, rank_M, ones, ranks = _reference(net, X)
    d, m, N, P = net.input_dim, net.output_dim, net.hidden_width, net.n_parameters
    # T1, T2, T4, T5 always apply and hold, and so do the recomputed inequalities
    for name in ("T1", "T2", "T3", "T4", "T5", "T7", "T8"):
        assert verdicts[name].status == HOLDS, verdicts[name]
    assert dim <= P - N and dim <= len(X) * m
    assert dim <= m * sum(ranks) <= m * (d + 1) * len(ranks)
    assert dim <= m * ((d + 1) * rank_M + (not ones))
    assert f"= {m * sum(ranks)}" in verdicts["T4"].detail


@given(network_and_sample(random_features=True, output_dim=1, input_dim=(1, 2),
                          hidden_width=(1, 4), n=(1, 5), rich_regions=True))
def test_T6_applies_exactly_when_its_hypotheses_hold(pair):
    net, X = pair
    verdict = run_checks(analyze(net, X), ["T6"])["T6"]
    dim, rank_M, ones, ranks = _reference(net, X)
    d = net.input_dim
    applies = all(v != 0 for v in net.V[0]) and all(r == d + 1 for r in ranks)
    assert verdict.status == (HOLDS if applies else NOT_APPLICABLE), verdict
    if applies:
        assert dim == (d + 1) * rank_M + (not ones)


@given(network_and_sample(output_dim=1, input_dim=(1, 3), hidden_width=(1, 4), n=(1, 5),
                          rich_regions=True, nonzero_output_weights=True))
def test_T6_holds_on_rich_cases(pair):
    net, X = pair
    verdict = run_checks(analyze(net, X), ["T6"])["T6"]
    dim, rank_M, ones, _ = _reference(net, X)
    assert verdict.status == HOLDS, verdict
    assert dim == (net.input_dim + 1) * rank_M + (not ones)


@given(network_and_sample(input_dim=1, hidden_width=(1, 5), random_features=True, n=(1, 3)))
def test_T7_counts_on_the_line(pair):
    """In R^1, H distinct points make H + 1 intervals, H − 1 of them bounded."""
    net, X = pair
    a = analyze(net, X)
    H = len({-b / w[0] for w, b in zip(net.W, net.b) if w[0]})
    counts = arrangement_counts(a)
    assert counts["activation_regions"] == H + 1
    assert counts["bounded_activation_regions"] == max(H - 1, 0)
    assert counts["relatively_bounded_activation_regions"] == (H - 1 if H else 1)
    assert run_checks(a, ["T7"])["T7"].status == HOLDS


@given(network_and_sample(input_dim=2, hidden_width=(2, 6), n=1))
def test_whitney_polynomial_agrees_with_deletion_restriction(pair):
    from relugeom.arrangement.cells import hyperplane_arrangement
    from relugeom.arrangement.zaslavsky import characteristic_polynomial

    net, _ = pair
    arrangement = hyperplane_arrangement(net.W, net.b)
    assert whitney_polynomial(arrangement.hyperplanes, 2) == \
        tuple(characteristic_polynomial(arrangement))


def test_T7_general_position_and_polynomial_text():
    a = analyze(generic().network, generic().X)
    detail = run_checks(a, ["T7"])["T7"].detail
    assert f"{1 + 4 + comb(4, 2)} regions" in detail and "general position" in detail
    assert polynomial_text((6, -4, 1)) == "t^2 - 4t + 6"
    assert polynomial_text((0, -1)) == "-t"


@given(network_and_sample(**SMALL))
def test_T8_hessian_is_twice_gram_of_an_independent_jacobian(pair):
    net, X = pair
    H = exact_hessian(net, X)
    J = finite_difference_jacobian(net, X)
    P = net.n_parameters
    gram = [[2 * sum(J[i][p] * J[i][q] for i in range(len(J))) for q in range(P)]
            for p in range(P)]
    assert H == gram
    verdict = run_checks(analyze(net, X), ["T8"])["T8"]
    flat = P - reference_rank(J)
    assert verdict.status == HOLDS and f"= {flat} flat directions" in verdict.detail


def test_T8_hessian_does_not_depend_on_the_step():
    ex = aligned()
    halved = exact_hessian(ex.network, ex.X, step=Fraction(1, 1024))
    assert exact_hessian(ex.network, ex.X) == halved


@given(network_and_sample(on_hyperplane=True, **SMALL))
def test_no_theorem_fails_with_a_relu_prime_convention(pair):
    net, X = pair
    for convention in (0, 1):
        verdicts = run_checks(analyze(net, X, relu_prime_at_zero=convention), OURS)
        assert not [v for v in verdicts.values() if v.status == FAILS], verdicts
        assert verdicts["T8"].status == NOT_APPLICABLE
        assert "not twice differentiable" in verdicts["T8"].detail


# --- not applicable, with the reason --------------------------------------------------------

def test_T6_reasons():
    net = ShallowNetwork([[1, 0]], [0], [[1]], [0])
    few = run_checks(analyze(net, [[1, 0], [2, 1], [-1, 0], [-1, 1], [-2, 5]]), ["T6"])["T6"]
    assert few.status == NOT_APPLICABLE
    assert few.detail == "region 0 has 2 samples, needs 3 affinely independent"
    collinear = [[1, 0], [2, 0], [3, 0], [-1, 0], [-1, 1], [-2, 5]]
    flat = run_checks(analyze(net, collinear), ["T6"])["T6"]
    assert flat.detail == "region 0's 3 samples are affinely dependent: rank X̃_0 = 2 < d + 1 = 3"
    two_outputs = ShallowNetwork([[1, 0]], [0], [[1], [2]], [0, 0])
    assert "m = 2" in run_checks(analyze(two_outputs, collinear), ["T6"])["T6"].detail
    zero = ShallowNetwork([[1, 0], [0, 1]], [0, 0], [[1, 0]], [0])
    assert run_checks(analyze(zero, collinear), ["T6"])["T6"].detail.startswith("v_1 = 0")


def test_shallow_only_theorems_are_not_applicable_to_deep_networks():
    from relugeom import DeepNetwork

    net = DeepNetwork.random((2, 3, 2, 1), seed=1)
    a = analyze(net, [[1, 2]])
    for name in ("T5", "T6", "T7"):
        verdict = CATALOGUE[name](a)
        assert verdict.status == NOT_APPLICABLE, verdict
        assert verdict.detail.startswith("shallow networks only (one hidden layer)")
    assert CATALOGUE["T4"](a).status == CATALOGUE["T9"](a).status == "holds"   # at depth
    assert CATALOGUE["T1"](a).statement.startswith("dim ≤ P − (n_1 + … + n_{L−1})")


def test_two_layer_deep_network_is_checked_as_the_shallow_one():
    from relugeom import DeepNetwork

    ex = generic()
    shallow = run_checks(analyze(ex.network, ex.X))
    deep = run_checks(analyze(DeepNetwork.from_shallow(ex.network), ex.X))
    assert {k: v.to_dict() for k, v in deep.items()} == \
        {k: v.to_dict() for k, v in shallow.items()}


# --- the checker can fail --------------------------------------------------------------------

@pytest.fixture(scope="module")
def generic_analysis():
    ex = generic()
    a = analyze(ex.network, ex.X)
    a.structure, a.jacobian, a.local_dimension  # computed once, shared by the copies
    return a


def _fails(a, name):
    verdict = run_checks(a, [name])[name]
    assert verdict.status == FAILS and verdict.witness, verdict
    return verdict


def test_corrupted_dimension_fails(generic_analysis):
    a = generic_analysis
    dim = a.local_dimension
    assert _fails(with_quantities(a, local_dimension=dim + 1), "T1").witness["local_dimension"] \
        == dim + 1
    assert _fails(with_quantities(a, local_dimension=17), "T2").witness["bound"] == 16
    witness = _fails(with_quantities(a, local_dimension=dim - 1), "T3").witness
    assert witness["transformed_dimension"] == dim and witness["move"] == "permutation"
    assert _fails(with_quantities(a, local_dimension=dim + 1), "T4").witness["region_ranks"]
    assert _fails(with_quantities(a, local_dimension=dim + 1), "T5").witness["bound"] == dim
    assert _fails(with_quantities(a, local_dimension=dim - 1), "T8").witness[
        "flat_directions"] == a.n_parameters - dim
    assert run_checks(a, OURS)["T1"].status == HOLDS  # the original is untouched


def test_corrupted_structure_fails(generic_analysis):
    a = generic_analysis
    s = a.structure
    thin = replace(s, regions=tuple(replace(r, affine_rank=1) for r in s.regions))
    assert "region_ranks" in _fails(with_quantities(a, structure=thin), "T4").witness
    fat = replace(s, regions=s.regions[:1] + (replace(s.regions[1], affine_rank=9),)
                  + s.regions[2:])
    assert _fails(with_quantities(a, structure=fat), "T4").witness["region"] == 1
    low = replace(s, incidence_rank=2)
    assert _fails(with_quantities(a, structure=low), "T5").witness["incidence_rank"] == 2


def test_corrupted_jacobian_fails(generic_analysis):
    a = generic_analysis
    J = [list(row) for row in a.jacobian]
    J[0][0] += 1
    witness = _fails(with_quantities(a, jacobian=J), "T1").witness
    assert witness["neuron"] == 0 and witness["row"] == 0
    assert _fails(with_quantities(a, jacobian=J), "T8").witness["entry"] == [0, 0]
    assert _fails(with_quantities(a, jacobian=J[1:]), "T2").witness["rows"] == 15


def test_corrupted_counts_fail(generic_analysis):
    a = generic_analysis
    witness = _fails(with_quantities(a, activation_regions=12), "T7").witness
    assert witness["expected"] == 11 and witness["regions"] == 12
    witness = _fails(with_quantities(a, characteristic_polynomial=(7, -4, 1)), "T7").witness
    assert witness["whitney"] == [6, -4, 1]


def test_T6_fails_on_a_wrong_formula():
    net = ShallowNetwork([[1], [-1]], [0, 0], [[1, 1]], [0])
    a = analyze(net, [[1], [2], [-1], [-3]])
    assert run_checks(a, ["T6"])["T6"].status == HOLDS
    witness = _fails(with_quantities(a, local_dimension=3), "T6").witness
    assert witness == {"local_dimension": 3, "formula": 4, "incidence_rank": 2,
                       "ones_in_column_space": True}
