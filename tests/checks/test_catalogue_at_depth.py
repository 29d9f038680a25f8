"""The theorem catalogue on deep networks: the general forms of T1, T2, T3 and T8 hold on
generated cases (checked against independent recomputations), fail when fed wrong
quantities, and the shallow-only theorems say they do not apply.

Independent references come from tests/reference.py (plain-loop forward pass, exact finite
differences for J, textbook elimination for ranks).
"""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom import DeepNetwork, analyze
from relugeom.checks import FAILS, HOLDS, NOT_APPLICABLE, run_checks, with_quantities
from relugeom.checks import invariance
from relugeom.checks.bounds import rescaling_rank
from relugeom.checks.flatness import HESSIAN_LIMIT, exact_hessian, exact_layer_hessian
from relugeom.cli.check import deep_structure
from tests.reference import (deep_finite_difference_jacobian, reference_preactivations,
                             reference_rank)
from tests.strategies import deep_cases, replace_layer, samples_for

GENERAL = ("T1", "T2", "T3", "T8")
SHALLOW_ONLY = ("T5", "T6", "T7")
AT_DEPTH = ("T4", "T9")   # through the deep activation regions (relugeom.checks.depth)


def _gram(J):
    P = len(J[0])
    return [[2 * sum(row[p] * row[q] for row in J) for q in range(P)] for p in range(P)]


@st.composite
def deep_check_cases(draw):
    """2–3 hidden layers, small widths (P ≤ 60, so T8 runs), and one of: nothing special, a
    duplicated neuron in a middle layer, a dead first-layer neuron."""
    net, X = draw(deep_cases(depth=(3, 4), width=(1, 3), input_dim=(1, 2), n=(1, 5)))
    kind = draw(st.sampled_from(["plain", "duplicate", "dead"]), label="kind")
    if kind == "duplicate" and max(net.widths[2:-1]) >= 2:
        l = next(l for l in range(2, net.depth) if net.widths[l] >= 2)
        W, b = map(list, net.layers[l - 1])
        W[1], b[1] = W[0], b[0]
        net = replace_layer(net, l, W=W, b=b)
    elif kind == "dead":
        W, b = map(list, net.layers[0])
        W[0], b[0] = [Fraction(0)] * net.input_dim, Fraction(-1)
        net = replace_layer(net, 1, W=W, b=b)
    if kind != "plain":
        X = samples_for(draw, net, n=(1, 5))
    return net, X


@given(deep_check_cases())
def test_every_applicable_theorem_holds_at_depth(case):
    net, X = case
    a = analyze(net, X)
    verdicts = run_checks(a)
    J = deep_finite_difference_jacobian(net, X)
    dim = reference_rank(J)
    assert a.local_dimension == dim
    for name in GENERAL:
        assert verdicts[name].status == HOLDS, verdicts[name]
    for name in SHALLOW_ONLY:
        assert verdicts[name].status == NOT_APPLICABLE
        assert verdicts[name].detail.startswith("shallow networks only (one hidden layer)")
    for name in AT_DEPTH:
        assert verdicts[name].status in (HOLDS, NOT_APPLICABLE), verdicts[name]
    # the inequalities, recomputed from scratch
    hidden = sum(net.widths[1:-1])
    assert dim <= net.n_parameters - hidden and dim <= len(X) * net.output_dim
    assert f"= {net.n_parameters - hidden};" in verdicts["T1"].detail
    flat = net.n_parameters - dim
    assert f"= {flat} flat directions: {hidden} rescalings" in verdicts["T8"].detail
    # the Hessian of the check equals 2·JᵀJ for the independently built J
    assert exact_layer_hessian(net, X) == _gram(J)
    # the structure section: per-layer dead / always active, against a plain forward pass
    zs = [reference_preactivations(net, x) for x in X]
    for layer in deep_structure(a)["layers"]:
        active = [[z[layer["layer"] - 1][j] > 0 for z in zs] for j in range(layer["width"])]
        assert layer["dead"] == [j for j, s in enumerate(active) if not any(s)]
        assert layer["always_active"] == [j for j, s in enumerate(active) if all(s)]
    kernel = deep_structure(a)["kernel"]
    assert kernel["dimension"] == flat and kernel["rescaling"] == hidden


@given(deep_cases(depth=(2, 2), width=(1, 3), input_dim=(1, 2), n=(1, 4)))
def test_layer_hessian_agrees_with_the_shallow_richardson_hessian(case):
    net, X = case
    assert exact_layer_hessian(net, X) == exact_hessian(net.to_shallow(), X)


@given(deep_cases(depth=(3, 3), width=(1, 2), input_dim=(1, 2), n=(1, 4)), st.data())
def test_layer_hessian_away_from_interpolation(case, data):
    """With Y ≠ f_θ(X) the Hessian is 2·JᵀJ + 2·Σ r_i·∇²f: checked against the Gram matrix of
    J plus second differences of f itself (f is bilinear in any two parameters)."""
    net, X = case
    shift = data.draw(st.fractions(-2, 2, max_denominator=3), label="shift")
    Y = [tuple(v + shift for v in net(x)) for x in X]
    J = deep_finite_difference_jacobian(net, X)
    h = exact_layer_hessian(net, X, Y)
    gram = _gram(J)
    theta = list(net.theta())
    step = Fraction(1, 2 ** 40)   # tiny: no pattern changes on these small cases
    P = len(theta)

    def f(moves):
        t = theta[:]
        for p, s in moves.items():
            t[p] += s
        other = DeepNetwork.from_theta(t, net.widths)
        return [v for x in X for v in other(x)]

    a, b = data.draw(st.integers(0, P - 1), label="a"), data.draw(st.integers(0, P - 1),
                                                                label="b")
    if a != b:
        corners = [f({a: sa * step, b: sb * step}) for sa in (1, -1) for sb in (1, -1)]
        second = [(pp - pm - mp + mm) / (4 * step * step) for pp, pm, mp, mm in zip(*corners)]
    else:
        plus, zero, minus = f({a: step}), f({}), f({a: -step})
        second = [(p - 2 * z + m) / (step * step) for p, z, m in zip(plus, zero, minus)]
    residuals = [-shift] * len(second)
    assert h[a][b] == gram[a][b] + 2 * sum(r * s for r, s in zip(residuals, second))


# -- the checker can fail -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def deep_analysis():
    net = DeepNetwork([([[1, 0], [0, 1], [1, 1]], ["1/3", "-1/5", "1/7"]),
                       ([[1, 1, -1], [1, -1, 1]], ["1/2", "1/3"]), ([[1, 2]], [0])])
    X = [[1, 2], [-1, 3], [2, -3], [3, 3], [-2, -3], ["1/2", "1/3"]]
    a = analyze(net, X)
    a.jacobian, a.local_dimension   # computed once, shared by the copies
    assert all(v.status != FAILS for v in run_checks(a).values())
    return a


def _fails(a, name):
    verdict = run_checks(a, [name])[name]
    assert verdict.status == FAILS and verdict.witness, verdict
    return verdict


def test_corrupted_dimension_fails_at_depth(deep_analysis):
    a = deep_analysis
    dim, P = a.local_dimension, a.n_parameters
    bound = P - sum(a.network.hidden_widths)
    assert _fails(with_quantities(a, local_dimension=bound + 1), "T1").witness == {
        "local_dimension": bound + 1, "bound": bound}
    assert _fails(with_quantities(a, local_dimension=len(a.X) + 1), "T2").witness["bound"] == \
        len(a.X)
    witness = _fails(with_quantities(a, local_dimension=dim - 1), "T3").witness
    assert witness["transformed_dimension"] == dim and witness["move"] == "permutation"
    assert _fails(with_quantities(a, local_dimension=dim - 1), "T8").witness[
        "flat_directions"] == P - dim


def test_corrupted_jacobian_fails_at_depth(deep_analysis):
    a = deep_analysis
    J = [list(row) for row in a.jacobian]
    J[2][0] += 1      # ∂f(x_2)/∂W_1[0, 0]: on the rescaling direction of layer 1, neuron 0
    witness = _fails(with_quantities(a, jacobian=J), "T1").witness
    assert (witness["layer"], witness["neuron"], witness["row"]) == (1, 0, 2)
    assert _fails(with_quantities(a, jacobian=J), "T8").witness["entry"] == [0, 0]
    assert _fails(with_quantities(a, jacobian=J[1:]), "T2").witness["rows"] == len(J) - 1


def test_a_broken_symmetry_action_is_caught(deep_analysis, monkeypatch):
    correct = invariance.rescale_layers

    def broken(network, factors):
        out = correct(network, factors)
        layers = [(list(map(list, W)), list(b)) for W, b in out.layers]
        layers[-1][1][0] += 1       # the output bias moves: f changes
        return DeepNetwork(layers)

    monkeypatch.setattr(invariance, "rescale_layers", broken)
    witness = _fails(deep_analysis, "T3").witness
    assert witness["sample"] == 0 and len(witness["factors"]) == 2


# -- degenerate and boundary cases ----------------------------------------------------------------
@pytest.mark.parametrize("convention", [0, 1])
def test_a_neuron_with_no_input_under_a_convention(convention):
    # layer 1 neuron 1 has W = 0 and b = 0: z = 0 on every sample, only a convention allows it
    net = DeepNetwork([([[1], [0]], ["1/2", 0]), ([[1, 1], [1, -1]], ["1/3", "1/5"]),
                       ([[1, 1]], [0])])
    X = [[1], [-2], [3], ["1/3"]]
    a = analyze(net, X, relu_prime_at_zero=convention)
    verdicts = run_checks(a)
    assert not [v for v in verdicts.values() if v.status == FAILS], verdicts
    assert verdicts["T1"].status == HOLDS and "exact rank" in verdicts["T1"].detail
    assert verdicts["T8"].status == NOT_APPLICABLE
    assert "boundary of layer 1, neuron 1" in verdicts["T8"].detail
    rank, _ = rescaling_rank(net)
    assert rank == 4      # the substitute unit vector keeps the four directions independent


def test_no_hidden_layer():
    net = DeepNetwork([([[1, 2]], [3])])
    verdicts = run_checks(analyze(net, [[1, 0], [0, 1], [1, 1]]))
    assert verdicts["T1"].status == verdicts["T2"].status == HOLDS
    assert "no hidden layer" in verdicts["T1"].detail
    assert verdicts["T3"].status == NOT_APPLICABLE and verdicts["T8"].status == HOLDS


def test_T8_is_not_applicable_above_the_hessian_limit():
    net = DeepNetwork.random([3, 6, 4, 2], seed=2)
    assert net.n_parameters == 6 * 4 + 4 * 7 + 2 * 5 > HESSIAN_LIMIT
    verdict = run_checks(analyze(net, [[1, 2, 3]]), ["T8"])["T8"]
    assert verdict.status == NOT_APPLICABLE and "HESSIAN_LIMIT" in verdict.detail

