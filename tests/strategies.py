"""Hypothesis strategies for deep networks, shared by the tests (relugeom.search.strategies has
the shallow ones): small rational weights, biases ≠ 0, samples off every hidden boundary."""

from fractions import Fraction

from hypothesis import assume
from hypothesis import strategies as st

from relugeom import DeepNetwork
from relugeom.search.strategies import rationals
from tests.reference import hidden_margin

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
