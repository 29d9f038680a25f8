"""The float-speed deep path: patterns through the float filter and J mod p from residues,
against the exact integer forward pass and the exact backpropagated Jacobian."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom import DeepNetwork, InputError, deep_jacobian
from relugeom.exact.arrays import RationalArray
from relugeom.rank.backprop import LayerBoundaryError, layer_patterns, layer_preactivations
from relugeom.rank.deep import modular_local_dimension
from relugeom.rank.float_filter import filtered_patterns, layer_arrays, sample_array
from relugeom.rank.modular_pass import ModularJacobian
from tests.reference import reference_rank

P = 1_048_583  # a 21-bit prime


@st.composite
def float_networks(draw, depth=(2, 4), width=(1, 4), input_dim=(1, 3), output_dim=(1, 2)):
    """He-like float64 or float32 weights, optionally scaled by a huge or tiny power of two."""
    L = draw(st.integers(*depth))
    widths = [draw(st.integers(*input_dim))] + [draw(st.integers(*width)) for _ in range(L - 1)]
    widths.append(draw(st.integers(*output_dim)))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    scale = 2.0 ** draw(st.sampled_from([0, 0, 0, -40, 60, -1020, 600]))
    layers = []
    for a, b in zip(widths, widths[1:]):
        W = rng.normal(0, np.sqrt(2 / a), (b, a)).astype(dtype).astype(float)
        layers.append((W * (scale if len(layers) == 0 else 1.0),
                       rng.normal(0, 0.5, b).astype(dtype).astype(float)))
    return DeepNetwork.from_numpy(layers)


@st.composite
def float_cases(draw, n=(1, 8)):
    """A float network and a float sample; some samples moved exactly ONTO a boundary of layer
    2 (by the bias of that neuron) or 2^-80 off it, some exactly 0, some huge or tiny."""
    net = draw(float_networks())
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    count = draw(st.integers(*n))
    X = rng.normal(size=(count, net.input_dim)) * 2.0 ** draw(st.sampled_from([0, -1030, 700]))
    if draw(st.booleans()):
        X[0] = 0.0
    if net.depth >= 3 and draw(st.booleans()):   # put sample `count - 1` ON a layer-2
        # boundary, or within far less than a rounding of it (either side)
        x = [Fraction(v) for v in X[-1]]
        h1 = [max(z, 0) for z in layer_preactivations(net, [x])[0][0]]
        layers = [list(layer) for layer in net.layers]
        W2, b2 = layers[1]
        b2 = list(b2)
        offset = draw(st.sampled_from([0, 0, Fraction(1, 2 ** 80), -Fraction(1, 2 ** 80)]))
        b2[0] = -sum(w * h for w, h in zip(W2[0], h1)) + offset
        layers[1] = (W2, b2)
        net = DeepNetwork(layers)
    return net, X


def exact_patterns(net, X, convention):
    """The reference: patterns from the exact Fraction forward pass (or its boundary error)."""
    try:
        return [np.array(S, dtype=np.uint8).reshape(len(X), -1)
                for S in layer_patterns(net, [[Fraction(v) for v in row] for row in X],
                                        convention)]
    except LayerBoundaryError as exc:
        return (exc.sample, exc.neuron, exc.layer)


@given(float_cases(), st.sampled_from(["error", 0, 1]))
def test_filtered_patterns_equal_the_exact_ones(case, convention):
    net, X = case
    expected = exact_patterns(net, X, convention)
    try:
        got = filtered_patterns(net, X, convention).patterns
    except LayerBoundaryError as exc:
        got = (exc.sample, exc.neuron, exc.layer)
    if isinstance(expected, tuple):
        assert got == expected
    else:
        assert [S.tolist() for S in got] == [S.tolist() for S in expected]


def test_the_filter_stays_right_when_subnormals_are_flushed():
    """Under FTZ/DAZ (torch.set_flush_denormal(True), which numpy obeys) a subnormal reads as 0.
    The filter needs no special case: every subnormal value (here the hidden 2^-1030, whose
    next layer multiplies it by 2^600) is below its absolute error term 2^-1000, so its
    sample goes to the exact pass whatever the float arithmetic does with it."""
    torch = pytest.importorskip("torch")
    net = DeepNetwork([([[2.0 ** -530]], [0.0]), ([[2.0 ** 600]], [-(2.0 ** -500)]),
                       ([[1.0]], [0.0])])
    X = np.array([[2.0 ** -500], [1.0]])
    expected = exact_patterns(net, X, 0)
    if not torch.set_flush_denormal(True):
        pytest.skip("this CPU has no flush-to-zero mode")
    try:
        got = filtered_patterns(net, X, 0)
    finally:
        torch.set_flush_denormal(False)
    assert [S.tolist() for S in got.patterns] == [S.tolist() for S in expected]
    assert filtered_patterns(net, X, 0).patterns[1].tolist() == expected[1].tolist()


def test_samples_on_a_layer_two_boundary_fall_back_to_the_exact_pass():
    rng = np.random.default_rng(3)
    layers = [(rng.normal(size=(4, 3)), rng.normal(size=4)) for _ in range(1)]
    layers += [(rng.normal(size=(3, 4)), rng.normal(size=3)), (rng.normal(size=(1, 3)), [0.0])]
    X = rng.normal(size=(6, 3))
    h1 = [max(z, 0) for z in layer_preactivations(DeepNetwork.from_numpy(layers),
                                                    X[2:3].tolist())[0][0]]
    W2 = [[Fraction(v) for v in row] for row in layers[1][0]]
    b2 = [Fraction(v) for v in layers[1][1]]
    b2[1] = -sum(w * h for w, h in zip(W2[1], h1))       # sample 2 ON neuron 1 of layer 2
    net = DeepNetwork([layers[0], (W2, b2), layers[2]])
    with pytest.raises(LayerBoundaryError) as caught:
        filtered_patterns(net, X)
    assert (caught.value.sample, caught.value.neuron, caught.value.layer) == (2, 1, 2)
    for convention in (0, 1):
        passed = filtered_patterns(net, X, convention)
        assert passed.exact_samples.tolist() == [2]   # only the undecidable sample
        assert passed.patterns[1][2, 1] == convention
        assert [S.tolist() for S in passed.patterns] == \
            [S.tolist() for S in exact_patterns(net, X, convention)]


def test_a_sample_within_rounding_of_a_hyperplane_is_decided_exactly():
    net = DeepNetwork([([[1], [-1]], [-1, 1]), ([[1, 1]], [0])])
    x = Fraction(1) + Fraction(1, 2 ** 60)   # rounds to 1.0: the float z is 0
    passed = filtered_patterns(net, [[x], [Fraction(3)]])
    assert passed.exact_samples.tolist() == [0]
    assert passed.patterns[0].tolist() == [[1, 0], [1, 0]]


def _residues(J_exact, p):
    return np.array([[q.numerator * pow(q.denominator, -1, p) % p for q in row]
                     for row in J_exact], dtype=np.int64)


def _assemble(J, by_columns, shape):
    out = np.zeros(shape, dtype=np.int64)
    for labels, vectors in (J.columns(block=5) if by_columns else J.rows(block=3)):
        v = np.remainder(vectors, J.p).astype(np.int64)
        if by_columns:
            out[:, labels] = v.T
        else:
            out[labels] = v
    return out


@given(float_cases(n=(1, 6)), st.sampled_from([0, 1]), st.booleans())
def test_jacobian_mod_p_is_the_exact_jacobian_reduced(case, convention, as_rational_array):
    net, X = case
    rows = [[Fraction(v) for v in row] for row in X]
    try:
        J_exact = deep_jacobian(net, rows, convention)
    except OverflowError:
        return
    Xs = RationalArray.from_floats(X) if as_rational_array else X
    A, floats = sample_array(Xs, net.input_dim)
    J = ModularJacobian(net, layer_arrays(net), A, filtered_patterns(net, Xs, convention), P)
    expected = _residues(J_exact, P)
    assert np.array_equal(_assemble(J, True, expected.shape), expected)
    assert np.array_equal(_assemble(J, False, expected.shape), expected)


@given(float_cases(n=(1, 8)), st.sampled_from([0, 1]))
def test_modular_rank_of_float_networks_equals_exact_elimination(case, convention):
    net, X = case
    rank = reference_rank(deep_jacobian(net, [[Fraction(v) for v in row] for row in X],
                                        convention))
    result = modular_local_dimension(net, X, relu_prime_at_zero=convention, block=4)
    assert result.value == rank and result.exact
    unchecked = modular_local_dimension(net, X, relu_prime_at_zero=convention, certify=False)
    assert unchecked.value == rank
    if not unchecked.exact:
        # ε bounds the failure probability (it grows with the bits of the scaled J: huge for
        # subnormal data), so only its range is checked
        assert unchecked.certificate == "probabilistic" and 0 < unchecked.epsilon <= 1


def test_float32_sample_and_rational_array_agree_with_fraction_rows():
    rng = np.random.default_rng(0)
    widths = [5, 6, 6, 2]
    net = DeepNetwork.from_numpy([(rng.normal(size=(b, a)).astype(np.float32),
                                   rng.normal(size=b).astype(np.float32))
                                  for a, b in zip(widths, widths[1:])])
    X = rng.normal(size=(7, 5)).astype(np.float32)
    rows = [[Fraction(float(v)) for v in row] for row in X]
    values = {modular_local_dimension(net, Y).value
              for Y in (X, X.astype(float), RationalArray.from_floats(X), rows)}
    assert values == {reference_rank(deep_jacobian(net, rows))}


def test_pixels_over_255_as_a_rational_array():
    rng = np.random.default_rng(1)
    widths = [6, 5, 4, 3]
    net = DeepNetwork.from_numpy([(rng.normal(size=(b, a)), rng.normal(size=b))
                                  for a, b in zip(widths, widths[1:])])
    pixels = rng.integers(0, 256, (5, 6))
    X = RationalArray.from_integers(pixels, 255)
    rows = [[Fraction(int(v), 255) for v in row] for row in pixels]
    assert modular_local_dimension(net, X).value == reference_rank(deep_jacobian(net, rows))


@pytest.mark.parametrize("X, words", [(np.zeros((3, 2)), "expected (n, 3)"),
                                      (np.array([[1.0, np.nan, 0.0]]), "NaN")])
def test_bad_samples_are_refused_with_a_clear_message(X, words):
    net = DeepNetwork.random([3, 2, 2, 1], seed=0)
    with pytest.raises(InputError, match=words.replace("(", r"\(").replace(")", r"\)")):
        modular_local_dimension(net, X)


def test_a_prime_dividing_a_denominator_is_replaced():
    from relugeom.linalg.modular import random_primes

    p = random_primes(5, seed=0)[0]   # the first prime the deep path draws with seed 0
    net = DeepNetwork([([[Fraction(1, p), 2], [1, -1]], [Fraction(1, 3), 1]),
                       ([[1, 1], [2, -1]], [0, 1]), ([[1, 3]], [0])])
    X = [[1, 2], [3, -1], [2, 2], [-1, 4]]
    result = modular_local_dimension(net, X, relu_prime_at_zero=0)
    assert p not in result.primes and len(result.primes) == 1
    assert result.value == reference_rank(deep_jacobian(net, X, 0)) and result.exact


@given(st.integers(0, 2 ** 32 - 1), st.sampled_from([0, 1]))
def test_samples_inactive_on_a_whole_layer_share_their_rows(seed, convention):
    # layer 2 is off on most samples (large negative biases): those samples' rows of J depend
    # on the layer alone, which the distinct-rows bound counts once
    rng = np.random.default_rng(seed)
    widths = [3, 4, 2, 3, 1]
    layers = [(rng.normal(size=(b, a)), rng.normal(size=b)) for a, b in zip(widths, widths[1:])]
    layers[1] = (layers[1][0], layers[1][1] - 1.5)
    net = DeepNetwork.from_numpy(layers)
    X = rng.normal(size=(12, 3))
    rows = [[Fraction(v) for v in row] for row in X]
    rank = reference_rank(deep_jacobian(net, rows, convention))
    result = modular_local_dimension(net, X, relu_prime_at_zero=convention)
    assert result.value == rank and result.exact
    assert all(b.value >= rank for b in result.bounds)


@given(float_cases(n=(1, 8)), st.sampled_from([0, 1]))
def test_the_quick_layer_structure_bound_is_an_upper_bound(case, convention):
    from relugeom.rank.deep import layer_structure_bound

    net, X = case
    arrays = layer_arrays(net)
    if not arrays.clean:
        return   # the quick bound is only used for weights in the float filter's range
    rank = reference_rank(deep_jacobian(net, [[Fraction(v) for v in row] for row in X],
                                        convention))
    A, _ = sample_array(X, net.input_dim)
    passed = filtered_patterns(net, X, convention)
    assert layer_structure_bound(net, arrays, A, passed,
                                 ModularJacobian(net, arrays, A, passed, P)) >= rank
