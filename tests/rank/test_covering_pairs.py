"""Covering pairs (relugeom.rank.structured_kernel._covering_pairs): a neuron t positive only
where a neuron j is active, with D_j X̃ of full row rank, gives the kernel vector
(u_j = −X̃_B⁻¹h_t, α_t = v_j). Checked against the exact Jacobian and exact elimination."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from relugeom import ShallowNetwork, jacobian, linalg
from relugeom.model.sample import as_sample
from relugeom.rank import structured_kernel as sk
from relugeom.rank.shallow import ShallowModular

from .test_structured_kernel import P_TEST, mod_p


def covering_case(seed: int, float32: bool):
    """Neuron 0 active on fewer than d + 1 samples, neuron 1 a perturbed copy positive on some
    of them only (retried until it is), the others random; float weights."""
    rng = np.random.default_rng(seed)
    d, m = int(rng.integers(3, 6)), int(rng.integers(1, 4))
    N, n = int(rng.integers(2, 5)), int(rng.integers(d + 2, 3 * d))
    cast = (lambda A: A.astype(np.float32).astype(float)) if float32 else (lambda A: A)
    while True:
        X, W = rng.normal(size=(n, d)), rng.normal(size=(N, d))
        W[1] = W[0] + 0.3 * rng.normal(size=d)
        W, X = cast(W), cast(X)
        z = X @ W.T
        k = int(rng.integers(1, d + 1))  # neuron 0 active on its top k samples
        b = cast(rng.normal(size=N))
        top = np.sort(z[:, 0])[::-1]
        b[0] = cast(np.array(-(top[k - 1] + top[k]) / 2))
        top1 = np.sort(z[:, 1])[::-1]
        b[1] = cast(np.array(-(top1[0] + top1[1]) / 2))  # neuron 1 positive on one sample
        Z = z + b
        if ((Z[:, 1] > 0) <= (Z[:, 0] > 0)).all() and (Z[:, 0] > 0).sum() == k:
            V, c = cast(rng.normal(size=(m, N))), cast(rng.normal(size=m))
            return ShallowNetwork.from_numpy(W, b, V, c), X


@given(st.integers(0, 10_000), st.booleans())
def test_covering_pairs_in_the_kernel_and_below_the_exact_nullity(seed, float32):
    net, X = covering_case(seed, float32)
    J = jacobian(net, as_sample(X, net.input_dim))
    nullity = net.n_parameters - linalg.rank(J, net.n_parameters)
    case = ShallowModular(net, X)
    K = sk.kernel_vectors(case, P_TEST)["covering pairs"]
    assert len(K) >= 1  # neuron 0 covers neuron 1
    assert not (mod_p(J, P_TEST).astype(object).dot(K.astype(np.int64).astype(object).T)
                % P_TEST).any()
    assert sk.structured_kernel(case, P_TEST).upper >= net.n_parameters - nullity


def test_covering_pairs_are_new_vectors(monkeypatch):
    # on these cases the other families miss the pair's vector: without it the bound is
    # higher, with it the structured kernel reaches the exact rank (the local blocks, which
    # find most of them on cases this small, are left out of both)
    found = []
    monkeypatch.setattr(sk, "local_blocks", lambda *args: iter(()))
    for seed in range(40):
        net, X = covering_case(seed, False)
        exact = linalg.rank(jacobian(net, as_sample(X, net.input_dim)), net.n_parameters)
        with_pairs = sk.structured_kernel(ShallowModular(net, X), P_TEST).upper
        with monkeypatch.context() as patch:
            patch.setattr(sk, "_covering_pairs", lambda *args: iter(()))
            without = sk.structured_kernel(ShallowModular(net, X), P_TEST).upper
        assert with_pairs <= without
        if with_pairs == exact < without:
            found.append(seed)
    assert found


def test_no_vector_when_the_active_samples_are_dependent():
    # neuron 0 is active on x₁, x₂ and their midpoint (x̃ rows dependent), neuron 1 positive on
    # x₁ alone: x̃_i·u = −h_i would need 0 = −h₁/2 at the midpoint, so no such vector exists
    X = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [-1.0, -1.0], [-2.0, 0.5]])
    net = ShallowNetwork.from_numpy([[1.0, 1.0], [1.0, -1.0]], [-0.4, -0.5], [[1.0, 1.0]],
                                    [0.0])
    K = sk.kernel_vectors(ShallowModular(net, X), P_TEST)["covering pairs"]
    J = mod_p(jacobian(net, as_sample(X, 2)), P_TEST).astype(object)
    assert not (J.dot(K.astype(np.int64).astype(object).T) % P_TEST).any()
    assert len(K) == 0
