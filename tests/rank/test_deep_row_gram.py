"""The structured row Gram at depth (relugeom.rank.float_filter.row_gram): its entrywise bound
holds against J·Jᵀ of the exact backpropagated Jacobian (Fractions), a bound without its
rounding terms does not, its certificate never claims more rows than exact elimination finds;
the row representatives of the distinct-samples bound carry every row of J; θ read from the
float arrays kept by DeepNetwork.from_numpy is θ read from its Fractions."""

from fractions import Fraction

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from relugeom import DeepNetwork, ShallowNetwork, deep_jacobian
from relugeom.exact.arrays import RationalArray
from relugeom.rank.backprop import LayerBoundaryError
from relugeom.rank.deep import _distinct_samples, modular_local_dimension
from relugeom.rank.float_filter import (LayerArrays, RowGram, filter_pass, layer_arrays, row_gram,
                                        sample_array)
from tests.reference import reference_rank

from .test_deep_float import float_cases, float_networks


def prepared(net, X, convention):
    A, exact_floats = sample_array(X, net.input_dim)
    arrays = layer_arrays(net)
    return A, exact_floats, arrays, filter_pass(net, arrays, A, exact_floats, convention)


def exact_gram(net, rows, convention):
    J = deep_jacobian(net, rows, convention)
    return J, [[sum(a * b for a, b in zip(r, s)) for s in J] for r in J]


def violations(gram: RowGram, exact) -> int:
    """How many entries of T̂ are farther from the exact J·Jᵀ than the bound allows."""
    B = gram.bound()
    return sum(abs(Fraction(t) - g) > Fraction(b)
               for T_row, B_row, G_row in zip(gram.T.tolist(), B.tolist(), exact)
               for t, b, g in zip(T_row, B_row, G_row))


@given(float_cases(), st.sampled_from([0, 1]), st.booleans())
def test_row_gram_within_its_bound(case, convention, rational):
    net, X = case
    if rational:  # the same values read with roundings (α = 4u on the sample)
        X = RationalArray.from_floats(X)
    _, _, arrays, passed = prepared(net, X, convention)
    gram = row_gram(net, arrays, passed)
    if gram is None:
        return  # nothing claimed (out of range, or a sample decided exactly)
    rows = X.to_fractions() if rational else [[Fraction(v) for v in row] for row in X]
    J, exact = exact_gram(net, rows, convention)
    assert violations(gram, exact) == 0
    assert gram.columns == net.n_parameters and gram.T.shape == (len(J), len(J))
    # φ bounds the row norms (from T̂'s diagonal, with room for its rounding)
    assert all(Fraction(float(p)) ** 2 >= sum(q * q for q in row) for p, row in zip(gram.phi, J))
    # a certificate claims independent rows only where they are
    r = reference_rank(J)
    assert gram.rows_independent(r + 1) is None
    proof = gram.rows_independent(len(J))
    assert proof is None or r == len(J)


def test_a_bound_without_its_rounding_terms_is_violated():
    """Mutation: φε-terms and γ set to 0 (only the underflow term τ left) — the check above
    then fails on some case, so it would catch a bound that forgets them."""
    rng = np.random.default_rng(5)
    found = 0
    for _ in range(6):
        layers = [(rng.normal(0, 0.6, (b, a)), rng.normal(0, 0.5, b))
                  for a, b in zip([3, 4, 4], [4, 4, 1])]
        net = DeepNetwork.from_numpy(layers)
        X = RationalArray.from_integers(rng.integers(-9, 10, (4, 3)), 7)  # sevenths: α > 0
        _, _, arrays, passed = prepared(net, X, 0)
        gram = row_gram(net, arrays, passed)
        _, exact = exact_gram(net, X.to_fractions(), 0)
        assert violations(gram, exact) == 0
        mutant = RowGram(gram.T, gram.phi, 0 * gram.eps, gram.tau, 0.0, gram.columns)
        found += violations(mutant, exact) > 0
    assert found


def test_row_gram_refuses_exactly_dependent_rows():
    """x₃ = (x₁ + x₂)/2 with every neuron active: h̃ and G are affine in x on that region, so
    J's row 3 is the mean of rows 1 and 2 exactly — the float Gram matrix is singular up to
    rounding, and only 2 rows are ever certified; the deep path then finds 2 exactly."""
    W1 = np.array([[1.0, 0.5], [0.25, 1.0], [0.5, -0.25]])
    W2 = np.array([[1.0, 0.75, 0.5], [0.5, 1.0, -0.25]])
    net = DeepNetwork.from_numpy([(W1, np.ones(3)), (W2, np.ones(2)),
                                  (np.array([[1.0, 2.0]]), np.zeros(1))])
    X = np.array([[1.0, 2.0], [3.0, 1.0], [2.0, 1.5]])
    _, _, arrays, passed = prepared(net, X, "error")
    assert all(S.all() for S in passed.patterns)
    gram = row_gram(net, arrays, passed)
    J = deep_jacobian(net, [[Fraction(v) for v in row] for row in X])
    assert reference_rank(J) == 2
    assert gram.rows_independent(3) is None and gram.rows_independent(2) is not None
    result = modular_local_dimension(net, X, float_gram=True)
    assert result.exact and result.value == 2


@given(float_cases(n=(1, 12)), st.sampled_from(["error", 0, 1]), st.integers(0, 3))
def test_representatives_carry_every_row_of_J(case, convention, repeats):
    """The samples R of the distinct-samples bound: |R| = D, and every row of J is a row of
    J at R (equal samples, and samples inactive on a whole layer, share their rows)."""
    net, X = case
    X = np.vstack([X] + [X[:1]] * repeats)
    try:
        A, exact_floats, arrays, passed = prepared(net, X, convention)
    except LayerBoundaryError:
        return
    count, _, representatives = _distinct_samples(A, exact_floats, passed.patterns)
    assert len(representatives) == count
    m = net.output_dim
    J = deep_jacobian(net, [[Fraction(v) for v in row] for row in X], convention)
    blocks = [tuple(map(tuple, J[i * m:(i + 1) * m])) for i in range(len(X))]
    assert set(blocks) == {blocks[i] for i in representatives}


@given(float_networks(), st.booleans())
def test_layer_arrays_from_the_kept_floats_equal_those_from_the_fractions(net, negative_zero):
    layers = [(np.array([list(map(float, row)) for row in W]), np.array(list(map(float, b))))
              for W, b in net.layers]
    if negative_zero:
        layers[0][1][0] = -0.0
    fast = DeepNetwork.from_numpy(layers)
    slow = DeepNetwork(fast.layers)  # the same Fractions, no float arrays kept
    assert getattr(slow, "_float_theta", None) is None
    assert fast == slow and fast._float_theta.tolist() == [float(q) for q in slow.theta()]
    a, b = LayerArrays(fast), LayerArrays(slow)
    assert a.clean == b.clean
    for x, y in zip(a.float_weights + a.float_biases, b.float_weights + b.float_biases):
        assert x.tolist() == y.tolist()
    assert a.theta.to_fractions() == b.theta.to_fractions() == slow.theta()
    assert a.log2_denominators() == b.log2_denominators()
    p = 1_048_583
    (aw, ab), (bw, bb) = a.residues(p), b.residues(p)
    assert all(x.tolist() == y.tolist() for x, y in zip(aw + ab, bw + bb))


def test_from_numpy_keeps_floats_only_for_float_arrays():
    ints = DeepNetwork.from_numpy([(np.array([[1, 2]]), np.array([3]))])
    longs = DeepNetwork.from_numpy([(np.array([[1.5, 2.0]], dtype=np.longdouble),
                                     np.array([0.25], dtype=np.longdouble))])
    halves = DeepNetwork.from_numpy([(np.array([[1.5, -2.0]], dtype=np.float16),
                                      np.array([0.25], dtype=np.float32))])
    assert getattr(ints, "_float_theta", None) is None
    assert getattr(longs, "_float_theta", None) is None
    assert halves._float_theta.tolist() == [1.5, -2.0, 0.25]
    shallow = ShallowNetwork.from_numpy(np.array([[0.5, -1.0]]), np.array([0.25]),
                                        np.array([[2.0]]), np.array([-0.0]))
    deep = DeepNetwork.from_shallow(shallow)  # the shallow network's floats, same θ
    assert deep._float_theta.tolist() == [float(q) for q in deep.theta()]
    assert LayerArrays(deep).theta.to_fractions() == deep.theta()
