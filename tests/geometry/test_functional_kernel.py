"""The kernel split with its greedy choice made mod p (relugeom.geometry.functional.
certified_kernel_split), against the exact elimination of relugeom.rank.explain.kernel_split;
the functional dimension's rank on representative regions against the whole decisive sample.

Independent checks: the same basis, labels and vectors as the exact greedy on random small
cases (rational and float weights, degenerate ones with duplicated and opposite neurons); every
vector in ker J by an exact product; the basis count P − rank J from an exact rank.
"""

from fractions import Fraction

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

from relugeom import ShallowNetwork, analyze
from relugeom.geometry.functional import (certified_kernel_split, decisive_sample,
                                          functional_dimension)
from relugeom.linalg import rank as exact_rank
from relugeom.rank.explain import kernel_split
from relugeom.rank.jacobian import jacobian
from relugeom.search.strategies import network_and_sample, networks
from tests.reference import reference_rank


def _splits(net, X):
    a = analyze(net, X)
    options = dict(structure=a.structure, rank=a.local_dimension)
    return (a, certified_kernel_split(a.network, a.X, J=a.jacobian, **options),
            kernel_split(a.network, a.X, jacobian=a.jacobian, **options))


def _same(new, old):
    described = lambda split: [(u.kind, u.neurons, u.regions, u.reason, u.vector)  # noqa: E731
                               for u in split.rescaling + split.extra]
    assert described(new) == described(old)


@given(network_and_sample(n=(1, 8), hidden_width=(1, 5), output_dim=(1, 2)))
def test_same_split_as_the_exact_greedy(case):
    a, new, old = _splits(*case)
    _same(new, old)
    J = a.jacobian
    assert new.dimension == a.n_parameters - exact_rank(J, a.n_parameters)
    for u in new.basis:
        assert all(sum(x * y for x, y in zip(row, u)) == 0 for row in J)


@given(st.integers(0, 10 ** 6), st.integers(1, 3), st.integers(2, 8), st.integers(1, 2))
def test_float_weights_like_a_trained_net(seed, d, N, m):
    rng = np.random.default_rng(seed)
    normal = lambda *shape: rng.normal(size=shape).astype(np.float32).tolist()  # noqa: E731
    net = ShallowNetwork(normal(N, d), normal(N), normal(m, N), normal(m))
    X = rng.normal(size=(int(rng.integers(1, 8)), d)).tolist()
    _same(*_splits(net, X)[1:])


def test_degenerate_families_duplicated_and_opposite_neurons():
    """Neurons on a few hyperplanes, each with several copies and opposite orientations: many
    same-activation groups and complementary pairs (the families the split skips as proven
    redundant)."""
    W, b, V = [], [], []
    for k, (kink, sign) in enumerate([(1, 1), (1, -1), (3, 1), (3, -1), (5, 1)] * 3):
        W.append([sign * (k + 1)])
        b.append(-sign * (k + 1) * kink)
        V.append(Fraction(k % 4 + 1, 3) * (-1) ** k)
    W += [[0], [0]]
    b += [1, -1]                    # always active, dead
    V += [2, 5]
    net = ShallowNetwork(W, b, [V], [0])
    X = [[Fraction(x, 2)] for x in (-3, 1, 3, 5, 7, 9, 11, 13)]
    a, new, old = _splits(net, X)
    _same(new, old)
    assert {"complementary", "same_activation", "always_active", "dead"} <= set(old.counts())


@given(networks(input_dim=(1, 3), hidden_width=(1, 5), output_dim=(1, 2)))
def test_rank_on_representative_regions_is_the_rank_on_the_decisive_sample(net):
    """The fast path of functional_dimension (Φ on representative regions) against the exact
    rank of the whole decisive sample's Jacobian (a textbook elimination)."""
    assume(all(any(w) or b for w, b in zip(net.W, net.b)))   # no w = b = 0 neuron
    X = decisive_sample(net)
    assert functional_dimension(net).functional_dimension == reference_rank(jacobian(net, X))
