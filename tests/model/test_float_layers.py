"""float_layers: the float64 layers read from the kept floats equal the Fractions rounded, and
the float Jacobians built from them are the same with and without the kept floats."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from relugeom import DeepNetwork, ShallowNetwork, numeric_jacobian
from relugeom.model.network import float_layers

dtypes = st.sampled_from([np.float16, np.float32, np.float64])


@given(st.lists(st.integers(1, 4), min_size=3, max_size=4), dtypes, st.integers(0, 2**16))
def test_kept_floats_equal_the_fractions(widths, dtype, seed):
    rng = np.random.default_rng(seed)
    pairs = [(rng.normal(size=(b, a)).astype(dtype), rng.normal(size=b).astype(dtype))
             for a, b in zip(widths, widths[1:])]
    built = [DeepNetwork.from_numpy(pairs)]
    if len(widths) == 3:
        built.append(ShallowNetwork.from_numpy(*pairs[0], *pairs[1]))
    X = rng.normal(size=(5, widths[0]))
    for net in built:
        assert getattr(net, "_float_theta", None) is not None
        plain = DeepNetwork(net.layers)  # the same Fractions, no kept floats
        assert getattr(plain, "_float_theta", None) is None
        for (W, b), (W2, b2), (Wd, bd) in zip(float_layers(net), float_layers(plain), pairs):
            assert np.array_equal(W, W2) and np.array_equal(b, b2)
            assert np.array_equal(W, Wd.astype(float)) and np.array_equal(b, bd.astype(float))
        assert np.array_equal(numeric_jacobian(net, X), numeric_jacobian(plain, X))


def test_fractions_are_rounded_to_nearest():
    (W, b), (V, c) = float_layers(ShallowNetwork([["1/3"]], ["2/3"], [[1]], [0]))
    assert W[0, 0] == 1 / 3 and b[0] == 2 / 3 and V.shape == (1, 1) and c.shape == (1,)
