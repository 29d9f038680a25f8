"""Exact records of float training (relugeom.experiments.record): each exact entry is the binary
value of its float, so the recorded network computes what the float network computed."""

import json
from fractions import Fraction

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from relugeom.experiments import descent
from relugeom.experiments.record import exact_network, exact_sample


def _layers(network: dict) -> list:
    """[(W, b), ...] of a network's JSON, read with Fraction (independently of relugeom)."""
    pairs = ([(network["W"], network["b"]), (network["V"], network["c"])] if "V" in network
             else [(layer["W"], layer["b"]) for layer in network["layers"]])
    return [([[Fraction(v) for v in row] for row in W], [Fraction(v) for v in b])
            for W, b in pairs]


finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@given(st.data())
def test_exact_conversion_reproduces_float_outputs(data):
    d, N, m = (data.draw(st.integers(1, k)) for k in (3, 4, 2))

    def array(*shape):
        size = int(np.prod(shape))
        return np.array(data.draw(st.lists(finite, min_size=size, max_size=size))).reshape(shape)

    layers = [(array(N, d), array(N)), (array(m, N), array(m))]
    X = array(3, d)
    exact = exact_network(layers)
    # each exact entry is the binary value of the float: converting back gives the same bits
    back = [(np.array(exact.W, dtype=float), np.array(exact.b, dtype=float)),
            (np.array(exact.V, dtype=float), np.array(exact.c, dtype=float))]
    # (equal as numbers: a zero's sign is not a rational's, so -0.0 comes back as 0.0)
    for (W, b), (W2, b2) in zip(layers, back):
        assert np.array_equal(W, W2) and np.array_equal(b, b2)
    with np.errstate(all="ignore"):
        assert np.array_equal(descent.predict(layers, X), descent.predict(back, X),
                              equal_nan=True)
    assert np.array_equal(np.array(exact_sample(X), dtype=float), X)


def test_json_weights_are_the_float_weights():
    """The exact strings saved at a checkpoint are the float64 weights the training held."""
    rng = np.random.default_rng(1)
    layers = descent.init_network([1, 4, 1], rng, scale=0.3, breakpoints=(0, 1))
    X = rng.uniform(0, 1, (6, 1))
    *_, (step, loss, theta) = descent.train(layers, X, X ** 2, descent.Schedule(50, 0.1), rng,
                                            [50])
    saved = json.loads(json.dumps(exact_network(theta).to_dict()))
    for (W, b), (W2, b2) in zip(theta, _layers(saved)):
        assert W.tolist() == [[float(q) for q in row] for row in W2]
        assert b.tolist() == [float(q) for q in b2]
