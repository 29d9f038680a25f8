"""Deep networks: construction, exact backpropagation against independent computations,
the shallow special case, symmetries and the per-layer diagnosis.

The independent references here are written with plain loops over Fractions:
``reference_preactivations`` (forward pass) and ``finite_difference_jacobian``. With the
activation pattern fixed, f_θ(x) is affine in each single parameter (every parameter sits in one
layer, and the network is a product of one affine factor per layer), so the one-sided quotient
(f(θ + h e_p) − f(θ)) / h is the exact derivative as long as no hidden pre-activation changes
sign for |s| ≤ h; ``safe_step`` proves such an h from a Lipschitz bound.
"""

import json
import re
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from relugeom import (BoundaryError, DeepNetwork, InputError, ShallowNetwork, activation_patterns,
                      analyze, deep_jacobian, layer_diagnosis, layer_patterns, local_dimension,
                      numeric_jacobian, symmetry_bound)
from relugeom import jacobian
from relugeom.rank.backprop import scaled_jacobian, scaled_jacobian_blocks, scaled_jacobian_columns
from relugeom.cli import main
from relugeom.rank.deep import modular_local_dimension, rank_upper_bound, structural_upper_bound
from relugeom.exact.jsonable import jsonable
from relugeom.model.io import network_from_data, read_network
from relugeom.search.strategies import network_and_sample, rationals
from reference import reference_rank


# -- independent references ---------------------------------------------------------------------
def reference_preactivations(net, x):
    """[z_1, …, z_L] at x with plain loops (z_L is the output)."""
    h, out = list(x), []
    for W, b in net.layers:
        z = [sum((w * v for w, v in zip(row, h)), bj) for row, bj in zip(W, b)]
        out.append(z)
        h = [max(q, Fraction(0)) for q in z]
    return out


def reference_patterns(net, x):
    """The concatenated hidden activation pattern of x (strict: z > 0)."""
    return tuple(int(q > 0) for z in reference_preactivations(net, x)[:-1] for q in z)


def hidden_margin(net, X):
    return min((abs(q) for x in X for z in reference_preactivations(net, x)[:-1] for q in z),
               default=Fraction(1))


def safe_step(net, X):
    """h ≤ 1 such that moving any one parameter by ≤ h changes no hidden pre-activation's sign.

    For |s| ≤ 1, ‖W_l + s e‖∞ ≤ R_l, |h_l| ≤ a_l, and |z_l(s) − z_l(0)| ≤ D_l |s| with
    D_l = R_l D_{l−1} + a_{l−1} + 1 (ReLU is 1-Lipschitz).
    """
    a = max(abs(q) for x in X for q in x)
    D = Fraction(0)
    worst = Fraction(1)
    for W, b in net.layers[:-1]:
        R = max(sum(abs(q) for q in row) for row in W) + 1
        D = R * D + a + 1
        a = R * a + max(abs(q) for q in b) + 1
        worst = max(worst, D)
    return min(Fraction(1), hidden_margin(net, X) / (2 * worst))


def finite_difference_jacobian(net, X):
    h = safe_step(net, X)
    theta = list(net.theta())
    base = [v for x in X for v in net(x)]
    columns = []
    for p in range(len(theta)):
        moved = theta[:]
        moved[p] += h
        other = DeepNetwork.from_theta(moved, net.widths)
        columns.append([(a - b) / h for a, b in zip((v for x in X for v in other(x)), base)])
    return [list(row) for row in zip(*columns)]


# -- strategies ---------------------------------------------------------------------------------
WEIGHTS = rationals(3, 2)
BIASES = rationals(3, 2).map(lambda q: q + Fraction(1, 7))  # b ≠ 0: a dead input keeps z ≠ 0


@st.composite
def deep_networks(draw, depth=(2, 4), width=(1, 3), input_dim=(1, 3), output_dim=(1, 2),
                  min_hidden_width=1):
    L = draw(st.integers(*depth))
    widths = ([draw(st.integers(*input_dim))]
              + [draw(st.integers(max(width[0], min_hidden_width), max(width[1],
                                                                     min_hidden_width)))
                 for _ in range(L - 1)]
              + [draw(st.integers(*output_dim))])
    return DeepNetwork([([[draw(WEIGHTS) for _ in range(widths[l - 1])]
                          for _ in range(widths[l])],
                         [draw(BIASES) for _ in range(widths[l])])
                        for l in range(1, L + 1)])


def samples_for(draw, net, n=(1, 5)):
    count = draw(st.integers(*n))
    coordinate = rationals(3, 3)
    X = tuple(tuple(draw(coordinate) for _ in range(net.input_dim)) for _ in range(count))
    assume(hidden_margin(net, X) > 0)
    return X


@st.composite
def deep_cases(draw, n=(1, 5), **options):
    net = draw(deep_networks(**options))
    return net, samples_for(draw, net, n)


def replace_layer(net, l, W=None, b=None):
    layers = [(list(map(list, Wk)), list(bk)) for Wk, bk in net.layers]
    if W is not None:
        layers[l - 1] = (W, layers[l - 1][1])
    if b is not None:
        layers[l - 1] = (layers[l - 1][0], b)
    return DeepNetwork(layers)


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


# -- construction, validation, serialisation ----------------------------------------------------
@pytest.mark.parametrize("layers, message", [
    ([], "at least one layer"),
    ([([[1, 2]], [0]), ([[1, 2]], [0])], "layer 2: W has 2 columns but layer 1 has 1 neurons"),
    ([([[1], [2]], [0])], "layer 1: b has 1 entries but W has 2 rows"),
    ([([[1, 2], [3]], [0, 0])], "layer 1: W is ragged"),
    ([([[1]], [0]), {"W": [[1]]}], "layer 2 (layers[1]) is missing key(s) b"),
    ([([[1]], [0]), {"W": [[1]], "b": [0], "c": [1]}], "unknown key(s) c"),
    ([([[1]], ["nan"])], "layer 1: b[0]"),
    ([([[1]], [0], [1])], "must be a pair (W, b)"),
])
def test_shapes_are_checked_and_named(layers, message):
    with pytest.raises(InputError) as info:
        DeepNetwork(layers)
    assert message in str(info.value)


@given(deep_networks())
def test_serialisation_round_trips(net):
    assert DeepNetwork.from_dict(net.to_dict()) == net
    assert DeepNetwork.from_json(net.to_json()) == net
    assert network_from_data(json.loads(net.to_json())) == net
    theta = net.theta()
    assert len(theta) == net.n_parameters == sum(
        net.widths[l] * (net.widths[l - 1] + 1) for l in range(1, len(net.widths)))
    assert DeepNetwork.from_theta(theta, net.widths) == net
    assert net.parameter_offsets()[-1] == net.n_parameters


def test_json_format_detection_and_messages(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text('{"layers": [{"W": [[1, "1/2"]], "b": [0.1]}, {"W": [[2]], "b": [0]}]}')
    net = read_network(str(deep))
    assert isinstance(net, DeepNetwork) and net.widths == (2, 1, 1)
    assert net.layers[0][1] == (Fraction(1, 10),)
    shallow = tmp_path / "shallow.json"
    shallow.write_text('{"W": [[1]], "b": [0], "V": [[1]], "c": [0]}')
    assert isinstance(read_network(str(shallow)), ShallowNetwork)
    bad = tmp_path / "bad.json"
    bad.write_text('{"layers": [{"W": [[1]], "b": [0]}, {"W": [[1, 1]], "b": [0]}]}')
    with pytest.raises(InputError, match="layer 2: W has 2 columns"):
        read_network(str(bad))
    with pytest.raises(InputError, match="unknown key"):
        network_from_data({"layers": [{"W": [[1]], "b": [0]}], "extra": 1})


def test_from_numpy_reads_exact_binary_values():
    net = DeepNetwork.from_numpy([(np.array([[0.1, -2.0]]), np.array([0.5])),
                                  (np.array([[3.0]]), np.array(0.25))])
    assert net.layers[0][0][0][0] == Fraction(0.1) != Fraction(1, 10)
    assert net.layers[1][1] == (Fraction(1, 4),)
    with pytest.raises(InputError, match="NaN"):
        DeepNetwork.from_numpy([(np.array([[np.nan]]), np.array([0.0]))])


def test_from_torch():
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2),
                                torch.nn.ReLU(), torch.nn.Linear(2, 1))
    net = DeepNetwork.from_torch(model)
    assert net.widths == (3, 4, 2, 1)
    x = [Fraction(1, 2), Fraction(-1), Fraction(2)]
    expected = model(torch.tensor([[float(v) for v in x]], dtype=torch.float32)).item()
    assert abs(float(net(x)[0]) - expected) < 1e-5
    with pytest.raises(InputError, match="module 1"):
        DeepNetwork.from_torch(torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 1),
                                                   torch.nn.Linear(1, 1)))


def test_from_torch_without_torch_says_so():
    try:
        import torch  # noqa: F401
    except ImportError:
        with pytest.raises(InputError, match="torch is not installed"):
            DeepNetwork.from_torch(object())
    else:
        pytest.skip("torch is installed")


def test_random_is_seeded():
    a = DeepNetwork.random([3, 4, 2, 1], seed=5, denominator=4)
    assert a == DeepNetwork.random([3, 4, 2, 1], seed=5, denominator=4)
    assert a != DeepNetwork.random([3, 4, 2, 1], seed=6, denominator=4)
    assert a.widths == (3, 4, 2, 1) and a.hidden_widths == (4, 2) and a.n_hidden == 6
    assert all(abs(q) <= Fraction(3, 4) and (4 * q).denominator == 1 for q in a.theta())


# -- the shallow special case -------------------------------------------------------------------
@given(network_and_sample(input_dim=(1, 3), hidden_width=(1, 4), output_dim=(1, 2), n=(1, 6),
                          random_features=True))
def test_shallow_network_in_deep_format_gives_the_shallow_answers(pair):
    shallow, X = pair
    deep = DeepNetwork.from_shallow(shallow)
    assert deep.theta() == shallow.theta() and deep.n_parameters == shallow.n_parameters
    assert deep.to_shallow() == shallow
    assert network_from_data(deep.to_dict()) == deep
    assert [deep(x) for x in X] == [shallow(x) for x in X]
    assert layer_patterns(deep, X)[0] == activation_patterns(shallow, X)
    assert jacobian(deep, X) == jacobian(shallow, X)
    assert local_dimension(deep, X) == local_dimension(shallow, X)
    a, b = analyze(deep, X), analyze(shallow, X)
    for key in ("local_dimension", "activation_regions_perceived", "symmetry_bound",
                "sample_bound", "n_parameters", "layer_diagnosis"):
        assert getattr(a, key) == getattr(b, key), key


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
    assert J == finite_difference_jacobian(net, X)
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
    assert J == finite_difference_jacobian(net, X)
    assert J[1] == [2, 1, Fraction(2, 2 ** 70), 1, Fraction(2, 2 ** 70) + 1, 1]
    assert local_dimension(net, X) == reference_rank(J) == 2
    # an all-zero operand beside a huge one in the matrix products of the backward pass
    net = DeepNetwork([([[10 ** 30], [0]], [0, 1]), ([[Fraction(1, 2 ** 70), 0]], [0]),
                       ([[10 ** 30]], [0])])
    assert deep_jacobian(net, X) == finite_difference_jacobian(net, X)


@given(extreme_cases())
def test_jacobian_with_huge_and_tiny_weights(case):
    net, X = case
    J = deep_jacobian(net, X)
    assert J == finite_difference_jacobian(net, X)
    if net.depth == 2:
        assert J == jacobian(net.to_shallow(), X)
    assert local_dimension(net, X) == reference_rank(J)

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
    assert J == finite_difference_jacobian(net, X)
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
    assert J == finite_difference_jacobian(net, X)
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


@given(deep_cases(depth=(2, 4)), st.data())
def test_invariance_under_per_layer_permutation_and_rescaling(case, data):
    net, X = case
    dim = local_dimension(net, X)
    l = data.draw(st.integers(1, net.depth - 1), label="layer")
    perm = data.draw(st.permutations(range(net.widths[l])), label="permutation")
    j = data.draw(st.integers(0, net.widths[l] - 1), label="neuron")
    lam = data.draw(st.fractions(min_value=Fraction(1, 7), max_value=7).filter(bool), label="λ")
    for other in (net.permute(l, perm), net.rescale(l, j, lam)):
        assert [other(x) for x in X] == [net(x) for x in X]
        assert local_dimension(other, X) == dim
    permuted = layer_patterns(net.permute(l, perm), X)[l - 1]
    assert permuted == tuple(tuple(s[p] for p in perm) for s in layer_patterns(net, X)[l - 1])


def test_symmetry_arguments_are_checked():
    net = DeepNetwork.random([2, 3, 2, 1])
    with pytest.raises(InputError, match="not a hidden layer"):
        net.permute(3, [0])
    with pytest.raises(InputError, match="not a permutation"):
        net.permute(1, [0, 0, 1])
    with pytest.raises(InputError, match="positive"):
        net.rescale(1, 0, 0)
    with pytest.raises(InputError, match="out of range"):
        net.rescale(2, 5, 2)


# -- boundaries, numerics, diagnosis, analysis ----------------------------------------------------
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


@given(deep_cases(output_dim=(1, 3)))
def test_numeric_jacobian_matches_the_exact_one(case):
    net, X = case
    exact = np.array([[float(q) for q in row] for row in deep_jacobian(net, X)])
    assert np.allclose(numeric_jacobian(net, X), exact, rtol=1e-12, atol=1e-12)


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


@given(deep_cases(n=(1, 6)))
def test_analysis_of_a_deep_network(case):
    net, X = case
    a = analyze(net, X)
    assert a.hidden_width == net.widths[1:-1] and a.widths == net.widths
    assert a.symmetry_bound == net.n_parameters - sum(net.widths[1:-1])
    assert a.activation_regions_perceived == len({reference_patterns(net, x) for x in X})
    assert a.local_dimension == reference_rank(finite_difference_jacobian(net, X))
    json.dumps(jsonable(a.to_dict()))


def test_cli_analyze_accepts_a_deep_network(tmp_path, capsys):
    path = tmp_path / "net.json"
    path.write_text(DeepNetwork([([[1], [-1]], [0, 1]), ([[1, 2]], [-1]), ([[3]], [0])]).to_json())
    sample = tmp_path / "x.csv"
    sample.write_text("-2\n1/2\n3\n5\n")
    assert main(["analyze", str(path), str(sample), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["hidden_width"] == [2, 1] and report["n_parameters"] == 9
    assert report["symmetry_bound"] == 6
    X = [[-2], [Fraction(1, 2)], [3], [5]]
    net = read_network(str(path))
    assert report["local_dimension"] == reference_rank(finite_difference_jacobian(net, X))
    assert report["layer_diagnosis"][1]["width"] == 1
    assert main(["analyze", str(path), str(sample)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("network: widths (1, 2, 1, 1): d = 1 input, hidden layers of 2, 1 "
                           "neurons, m = 1 output, P = 9 parameters; sample: n = 4\n")
    assert re.search(r"bound P − \(hidden neurons\) \(rescaling symmetries\)\s+6\n", text)


def test_cli_analyze_text_of_a_shallow_network_is_unchanged(tmp_path, capsys):
    path = tmp_path / "net.json"
    path.write_text(ShallowNetwork([[1], [-1]], [0, 1], [[1, 2]], [0]).to_json())
    sample = tmp_path / "x.csv"
    sample.write_text("-2\n1/2\n3\n")
    assert main(["analyze", str(path), str(sample)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("network: d = 1 input, N = 2 hidden neurons, m = 1 output, P = 7 "
                           "parameters; sample: n = 3\n")
    assert re.search(r"\n  bound P − N \(rescaling symmetries\)\s+5\n", text)


# -- streamed Jacobian and the modular rank -------------------------------------------------------
@given(deep_cases(n=(1, 6)), st.integers(1, 4), st.integers(1, 40))
def test_streamed_rows_and_columns_rebuild_the_jacobian(case, samples, columns):
    net, X = case
    whole = scaled_jacobian(net, X)
    J = deep_jacobian(net, X)
    assert whole.to_fractions() == J
    stacked = np.concatenate([b.numerators for b in scaled_jacobian_blocks(net, X, "error",
                                                                           samples)])
    assert np.array_equal(stacked, whole.numerators)
    seen = np.zeros_like(whole.numerators)
    count = np.zeros(net.n_parameters, dtype=int)
    for index, values in scaled_jacobian_columns(net, X, "error", columns):
        seen[:, index] = values
        count[index] += 1
    assert (count == 1).all() and np.array_equal(seen, whole.numerators)


@given(deep_cases(n=(1, 8), depth=(2, 3), width=(1, 3), input_dim=(1, 2)))
def test_modular_rank_is_exact_and_certified(case):
    net, X = case
    result = modular_local_dimension(net, X, block=3)
    assert result.value == reference_rank(deep_jacobian(net, X))
    assert result.exact and result.certificate.split(" (")[0] in ("upper-bound", "factorization")
    assert result.value <= result.upper_bound <= min(len(X) * net.output_dim,
                                                     symmetry_bound(net))
    if not result.value == result.upper_bound:
        unchecked = modular_local_dimension(net, X, certify=False)
        assert unchecked.value == result.value and not unchecked.exact
        assert unchecked.certificate == "probabilistic" and 0 <= unchecked.epsilon < 1e-3


def test_modular_rank_streams_rows_of_a_tall_jacobian():
    small = DeepNetwork([([[1], [-1]], [Fraction(1, 5), Fraction(1, 2)]), ([[1, 2]], [1])])
    tall = [[Fraction(k, 3)] for k in range(-9, 10, 2)]  # n·m = 10 rows > P = 7 columns
    result = modular_local_dimension(small, tall, block=4)
    assert result.value == reference_rank(deep_jacobian(small, tall)) and result.exact


@given(deep_cases(n=(1, 8), depth=(2, 4)), st.data())
def test_structural_upper_bound_is_an_upper_bound(case, data):
    net, X = case
    if net.depth > 2 and data.draw(st.booleans(), label="duplicate"):
        W, b = map(list, net.layers[1])
        W[-1], b[-1] = W[0], b[0]  # a duplicated neuron in layer 2 (when it has two)
        net = replace_layer(net, 2, W=W, b=b)
        X = samples_for(data.draw, net, n=(1, 8))
    rank = reference_rank(deep_jacobian(net, X))
    structure = structural_upper_bound(net, X)
    assert structure >= rank
    # n·m is small here, so T holds every sample: the local terms are then the exact relations
    # and intersections of the layers' column spaces, and the bound is the rank itself
    assert structural_upper_bound(net, X, local=True) == rank


@given(st.integers(1, 12), st.integers(65, 90), st.integers(0, 2 ** 32), st.sampled_from(
    [0.03, 0.1, 0.5]))
def test_rank_upper_bound_of_sparse_integer_matrices(rows, cols, seed, density):
    rng = np.random.default_rng(seed)
    M = rng.integers(-3, 4, (rows, cols)) * (rng.random((rows, cols)) < density)
    M[:, :3] = M[:, 3:6] * 2  # some dependent columns
    assert rank_upper_bound(M) >= reference_rank(M.tolist())
    assert rank_upper_bound(M[:, :40]) == reference_rank(M[:, :40].tolist())  # exact when narrow


def test_bias_of_an_always_active_neuron_tightens_the_structural_bound():
    # an always-active neuron is linear, so its bias column is a combination of the next
    # layer's bias columns: one more dimension in C_l ∩ C_{l+1}
    from relugeom.rank.deep import _bias_in_next_layer, _layers

    tight = 0
    for seed in range(30):
        rng = np.random.default_rng(seed)
        widths = [3, 4, 4, 2]
        layers = [((4 * rng.integers(-3, 4, (b, a))).tolist(),
                   (2 * rng.integers(-5, 6, b) + 1).tolist()) for a, b in zip(widths, widths[1:])]
        layers[1][1][0] = 10 ** 6 + 1  # neuron 0 of layer 2 is active on every sample
        net = DeepNetwork(layers)
        X = rng.integers(-9, 10, (40, 3)).tolist()
        try:
            rank = reference_rank(deep_jacobian(net, X))
        except BoundaryError:
            continue
        deep, exact, _ = _layers(net, X, "error")
        assert 0 in _bias_in_next_layer(deep, exact, 2)
        bound = structural_upper_bound(net, X)
        assert bound >= rank
        tight += bound == rank < symmetry_bound(net)
    assert tight >= 1


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
