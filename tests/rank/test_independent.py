"""The independent-samples formula (relugeom.rank.independent): Σ_i r_i + rank Q against exact
elimination of the whole Jacobian, on float weights and degenerate networks."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from relugeom import ShallowNetwork, jacobian, linalg
from relugeom.linalg.modular import random_primes
from relugeom.model.sample import as_sample
from relugeom.rank.independent import independent_samples_rank, samples_independent_per_neuron
from relugeom.rank.shallow import ShallowModular

P = random_primes(1, seed=0)[0]


def _case(W, b, V, c, X):
    net = ShallowNetwork.from_numpy(W, b, V, c)
    return net, ShallowModular(net, X)


def _eliminated(net, X) -> int:
    return linalg.rank(jacobian(net, as_sample(X, net.input_dim)), net.n_parameters)


@st.composite
def independent_cases(draw):
    """float32 weights; n ≤ d + 1 Gaussian samples (independent with probability 1, and the
    formula certifies that itself); then degeneracies: a duplicated neuron, a neuron with
    v_j = 0, a neuron dead on every sample, an output weight column shared by two neurons."""
    seed = draw(st.integers(0, 10**6))
    d, N, m = draw(st.integers(2, 6)), draw(st.integers(1, 6)), draw(st.integers(1, 4))
    n = draw(st.integers(1, d + 1))
    rng = np.random.default_rng(seed)
    f32 = lambda A: A.astype(np.float32).astype(float)  # noqa: E731
    W, b = f32(rng.normal(0, 1, (N, d))), f32(rng.normal(0, 1, N))
    V, c = f32(rng.normal(0, 1, (m, N))), f32(rng.normal(0, 1, m))
    for kind in draw(st.lists(st.sampled_from(["duplicate", "silent", "dead", "shared v"]),
                              max_size=2)):
        j = draw(st.integers(0, N - 1))
        if kind == "duplicate" and N > 1:
            W[j], b[j] = W[(j + 1) % N], b[(j + 1) % N]
        elif kind == "silent":
            V[:, j] = 0
        elif kind == "dead":
            W[j], b[j] = 0, -1
        elif kind == "shared v" and N > 1:
            V[:, j] = 2 * V[:, (j + 1) % N]
    X = rng.normal(size=(n, d))
    return W, b, V, c, X


@given(independent_cases())
def test_formula_equals_exact_elimination(case):
    net, modular = _case(*case)
    found = independent_samples_rank(modular, P)
    assert found is not None  # n ≤ d + 1 Gaussian samples: the hypothesis holds, certified
    assert found[0] == _eliminated(net, case[-1])


def test_hypothesis_refused_when_an_active_set_is_dependent():
    """Three collinear samples in the plane (n = d + 1, but rank X̃ = 2): the formula does not
    apply to a neuron active on all of them, and says so (None)."""
    W, b = np.array([[1.0, 0.0]]), np.array([5.0])
    V, c = np.array([[1.0]]), np.array([0.0])
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])  # collinear: rank X̃ = 2 < 3
    _, modular = _case(W, b, V, c, X)
    assert not samples_independent_per_neuron(modular, P)
    assert independent_samples_rank(modular, P) is None


def test_hypothesis_per_neuron_beyond_d_plus_one_samples():
    """n > d + 1, so rank X̃ < n, yet each live neuron activates independent samples: the
    formula still applies, and agrees with elimination (a neuron with v_j = 0 is free)."""
    W = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]])
    b = np.array([-0.5, -0.5, 10.0])
    V, c = np.array([[1.0, 2.0, 0.0], [0.5, -1.0, 0.0]]), np.array([0.0, 0.0])
    X = np.array([[1.0, 0.0], [2.0, 1.0], [-1.0, 0.5], [-2.0, 3.0], [0.0, 0.0]])
    net, modular = _case(W, b, V, c, X)
    assert modular.data_rank != 5
    found = independent_samples_rank(modular, P)
    assert found is not None and found[0] == _eliminated(net, X)


def test_trained_like_mnist_shapes_agree_with_elimination():
    """d = 40 float64 He weights, m = 10, n = 30 ≤ d + 1, a rank strictly below every simple
    bound (n·m = 300): the formula and elimination agree."""
    rng = np.random.default_rng(7)
    W, b = rng.normal(0, np.sqrt(2 / 40), (12, 40)), rng.normal(0, 0.1, 12)
    V, c = rng.normal(0, np.sqrt(2 / 12), (10, 12)), rng.normal(0, 0.1, 10)
    X = np.abs(rng.normal(size=(30, 40)))
    net, modular = _case(W, b, V, c, X)
    value, detail = independent_samples_rank(modular, P)
    assert value == _eliminated(net, X) < 300 and "rank Q" in detail
