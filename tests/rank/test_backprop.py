"""Exact backpropagation through deep networks (relugeom.rank.backprop) against independent
computations: the Jacobian, its streamed rows and columns, the kernel directions every network
has, boundaries and the per-layer diagnosis.

The independent references (tests/reference.py) are written with plain loops over Fractions:
``reference_preactivations`` (forward pass) and ``deep_finite_difference_jacobian`` (exact
one-sided differences of the network function).
"""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from relugeom import (BoundaryError, DeepNetwork, deep_jacobian, jacobian, layer_diagnosis,
                      local_dimension, symmetry_bound)
from relugeom.rank.backprop import scaled_jacobian, scaled_jacobian_blocks
from relugeom.search.strategies import network_and_sample, rationals
from tests.reference import (deep_finite_difference_jacobian, hidden_margin,
                             reference_preactivations, reference_rank)
from tests.strategies import BIASES, WEIGHTS, deep_cases, replace_layer, samples_for


# -- helpers ----------------------------------------------------------------------------------
def rescaling_direction(net, l, j):
    """(row j of W_l, b_l[j], −column j of W_{l+1}) in θ coordinates."""
    offsets, w = net.parameter_offsets(), net.widths
    u = [Fraction(0)] * net.n_parameters
    W, b = net.layers[l - 1]
    for q in range(w[l - 1]):
        u[offsets[l - 1] + j * w[l - 1] + q] = W[j][q]
    u[offsets[l - 1] + w[l] * w[l - 1] + j] = b[j]
    W_next, _ = net.layers[l]
    for k in range(w[l + 1]):
        u[offsets[l] + k * w[l] + j] = -W_next[k][j]
    return u


def apply(J, u):
    return [sum(a * b for a, b in zip(row, u)) for row in J]


# -- the shallow special case -------------------------------------------------------------------
@given(network_and_sample(input_dim=(1, 2), hidden_width=(1, 3), n=(1, 5), on_hyperplane=True),
       st.sampled_from([0, 1]))
def test_shallow_conventions_on_a_hyperplane_agree(pair, convention):
    shallow, X = pair
    deep = DeepNetwork.from_shallow(shallow)
    with pytest.raises(BoundaryError):
        jacobian(deep, X)
    assert jacobian(deep, X, convention) == jacobian(shallow, X, convention)


# -- exact backpropagation against independent computations -------------------------------------
@given(deep_cases())
def test_jacobian_equals_exact_finite_differences(case):
    net, X = case
    J = deep_jacobian(net, X)
    assert J == deep_finite_difference_jacobian(net, X)
    assert local_dimension(net, X) == reference_rank(J)
    for backend in ("flint", "sympy"):
        assert local_dimension(net, X, backend=backend) == reference_rank(J)


# huge and tiny exact weights: entries far outside int64 once scaled to integers, next to zeros
SCALES = st.sampled_from([Fraction(1), Fraction(1, 2 ** 70), Fraction(10 ** 30),
                          Fraction(10 ** 30, 2 ** 70), Fraction(1, 3 ** 45)])


@st.composite
def extreme_cases(draw, depth=(2, 4)):
    """Deep networks whose layers are scaled by 2^−70, 10^30, … with whole zero bias vectors
    and zero weight rows (a zero operand beside a huge one), and samples scaled likewise."""
    L = draw(st.integers(*depth))
    widths = [draw(st.integers(1, 2)) for _ in range(L)] + [draw(st.integers(1, 2))]
    layers = []
    for l in range(1, L + 1):
        scale = draw(SCALES, label=f"scale of layer {l}")
        W = [[draw(WEIGHTS) * scale for _ in range(widths[l - 1])] for _ in range(widths[l])]
        if draw(st.booleans()):
            W[0] = [Fraction(0)] * widths[l - 1]
        zero_biases = draw(st.booleans(), label=f"b_{l} = 0")
        b = [Fraction(0) if zero_biases else draw(BIASES) * scale for _ in range(widths[l])]
        layers.append((W, b))
    net = DeepNetwork(layers)
    x_scale = draw(SCALES, label="sample scale")
    count = draw(st.integers(1, 4))
    X = tuple(tuple(draw(rationals(3, 3).filter(bool)) * x_scale for _ in range(widths[0]))
              for _ in range(count))
    assume(hidden_margin(net, X) > 0)
    return net, X


def test_huge_and_tiny_weights_regression():
    # a bias vector of zeros beside a huge multiplier (1/2^70 scaled to integers) overflowed
    net = DeepNetwork([([[Fraction(1, 2 ** 70)]], [0]), ([[1]], [1]), ([[1]], [0])])
    X = [[1], [2]]
    J = deep_jacobian(net, X)
    assert J == deep_finite_difference_jacobian(net, X)
    assert J[1] == [2, 1, Fraction(2, 2 ** 70), 1, Fraction(2, 2 ** 70) + 1, 1]
    assert local_dimension(net, X) == reference_rank(J) == 2
    # an all-zero operand beside a huge one in the matrix products of the backward pass
    net = DeepNetwork([([[10 ** 30], [0]], [0, 1]), ([[Fraction(1, 2 ** 70), 0]], [0]),
                       ([[10 ** 30]], [0])])
    assert deep_jacobian(net, X) == deep_finite_difference_jacobian(net, X)


@given(extreme_cases())
def test_jacobian_with_huge_and_tiny_weights(case):
    net, X = case
    J = deep_jacobian(net, X)
    assert J == deep_finite_difference_jacobian(net, X)
    if net.depth == 2:
        assert J == jacobian(net.to_shallow(), X)
    assert local_dimension(net, X) == reference_rank(J)


# -- kernel directions every network has ----------------------------------------------------------
@given(deep_cases(depth=(3, 4), width=(2, 3), min_hidden_width=2), st.data())
def test_duplicated_neuron_in_a_middle_layer(case, data):
    net, _ = case
    l = data.draw(st.integers(2, net.depth - 1), label="layer")
    j, k = data.draw(st.permutations(range(net.widths[l])), label="pair")[:2]
    W, b = map(list, net.layers[l - 1])
    W[k], b[k] = W[j], b[j]
    net = replace_layer(net, l, W=W, b=b)
    X = samples_for(data.draw, net, n=(1, 5))
    J = deep_jacobian(net, X)
    assert J == deep_finite_difference_jacobian(net, X)
    dim = reference_rank(J)
    assert local_dimension(net, X) == dim
    # h_j = h_k on every input, so moving weight from column j to column k of W_{l+1} is free
    offset, w = net.parameter_offsets()[l], net.widths
    for out in range(w[l + 1]):
        u = [Fraction(0)] * net.n_parameters
        u[offset + out * w[l] + j], u[offset + out * w[l] + k] = Fraction(1), Fraction(-1)
        assert not any(apply(J, u))
    # independent of the rescalings, each of which has its own nonzero bias coordinate
    assert dim <= symmetry_bound(net) - w[l + 1]


@given(deep_cases(depth=(2, 4), width=(1, 3)), st.data())
def test_dead_first_layer_neuron(case, data):
    net, _ = case
    j = data.draw(st.integers(0, net.widths[1] - 1), label="neuron")
    W, b = map(list, net.layers[0])
    W[j], b[j] = [Fraction(0)] * net.input_dim, Fraction(-1)
    net = replace_layer(net, 1, W=W, b=b)
    X = samples_for(data.draw, net, n=(1, 5))
    J = deep_jacobian(net, X)
    assert J == deep_finite_difference_jacobian(net, X)
    dim = reference_rank(J)
    assert local_dimension(net, X) == dim
    d, n1 = net.widths[0], net.widths[1]
    offset = net.parameter_offsets()[1]
    dead_columns = ([j * d + q for q in range(d)] + [n1 * d + j]
                    + [offset + k * n1 + j for k in range(net.widths[2])])
    assert all(row[c] == 0 for row in J for c in dead_columns)
    assert j in layer_diagnosis(net, X)[0].dead
    # the d + 1 + n_2 dead columns hold the dead neuron's rescaling; the other rescalings are
    # independent of them (each has its own nonzero bias coordinate)
    assert dim <= symmetry_bound(net) - d - net.widths[2]


@given(deep_cases(n=(1, 6)))
def test_rescaling_directions_span_the_kernel_bound(case):
    net, X = case
    J = deep_jacobian(net, X)
    for l in range(1, net.depth):
        for j in range(net.widths[l]):
            assert not any(apply(J, rescaling_direction(net, l, j)))
    dim = local_dimension(net, X)
    assert dim <= symmetry_bound(net) == net.n_parameters - sum(net.widths[1:-1])
    assert dim <= len(X) * net.output_dim


@pytest.mark.parametrize("convention", [0, 1])
def test_symmetry_bound_holds_with_a_floating_component(convention):
    # layer-1 neuron 1 has no input and bias 0 and feeds only layer-2 neuron 1, whose bias and
    # outgoing weight are 0: their two rescaling directions are equal up to sign, yet the
    # kernel still has dimension ≥ H (their bias columns vanish)
    net = DeepNetwork([([[1, 2], [0, 0]], [1, 0]),
                       ([[3, 0], [0, 5]], [-1, 0]),
                       ([[2, 0]], [1])])
    X = [[1, 1], [2, -1], [-1, 3], [4, 2], [0, 5], [3, 3]]
    J = deep_jacobian(net, X, convention)
    assert reference_rank(J) <= symmetry_bound(net) == net.n_parameters - 4


# -- boundaries and the per-layer diagnosis -------------------------------------------------------
def test_boundary_at_a_deep_layer_names_layer_neuron_and_sample():
    # layer 1: h = (x, 1); layer 2 neuron 1: z = h_0 − 2 = x − 2 vanishes at x = 2
    net = DeepNetwork([([[1], [0]], [0, 1]), ([[1, 1], [1, 0]], [0, -2]), ([[1, 1]], [0])])
    X = [[1], [2], [3]]
    with pytest.raises(BoundaryError) as info:
        deep_jacobian(net, X)
    exc = info.value
    assert (exc.sample, exc.layer, exc.neuron) == (1, 2, 1)
    assert all(s in str(exc) for s in ("sample 1", "layer 2", "neuron 1"))
    J0, J1 = deep_jacobian(net, X, 0), deep_jacobian(net, X, 1)
    assert J0[1] != J1[1] and J0[0] == J1[0] and J0[2] == J1[2]


@given(deep_cases(n=(1, 6)))
def test_layer_diagnosis_against_brute_force(case):
    net, X = case
    diagnosis = layer_diagnosis(net, X)
    assert [d.layer for d in diagnosis] == list(range(1, net.depth))
    zs = [reference_preactivations(net, x) for x in X]
    for d in diagnosis:
        active = [[z[d.layer - 1][j] > 0 for z in zs] for j in range(d.width)]
        assert d.dead == tuple(j for j, a in enumerate(active) if not any(a))
        assert d.always_active == tuple(j for j, a in enumerate(active) if all(a))
        assert d.active_counts == tuple(sum(a) for a in active)


# -- the streamed Jacobian ------------------------------------------------------------------------
@given(deep_cases(n=(1, 6)), st.integers(1, 4))
def test_streamed_rows_rebuild_the_jacobian(case, samples):
    net, X = case
    whole = scaled_jacobian(net, X)
    J = deep_jacobian(net, X)
    assert whole.to_fractions() == J
    stacked = np.concatenate([b.numerators for b in scaled_jacobian_blocks(net, X, "error",
                                                                           samples)])
    assert np.array_equal(stacked, whole.numerators)
