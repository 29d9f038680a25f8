"""The float training machinery (relugeom.experiments.descent): gradient and Hessian against
central finite differences, and the checkpoint schedule."""

import numpy as np

from relugeom.experiments import descent


def test_gradient_and_hessian_match_finite_differences():
    rng = np.random.default_rng(2)
    layers = descent.init_network([2, 5, 2], rng)
    X = rng.standard_normal((7, 2))
    Y = rng.standard_normal((7, 2))
    theta = np.concatenate([a.ravel() for pair in layers for a in pair])

    def unflatten(t):
        out, k = [], 0
        for W, b in layers:
            out.append((t[k:k + W.size].reshape(W.shape), t[k + W.size:k + W.size + b.size]))
            k += W.size + b.size
        return out

    def grad(t):
        _, g = descent.loss_and_gradient(unflatten(t), X, Y)
        return np.concatenate([a.ravel() for pair in g for a in pair])

    h = 1e-6
    eye = np.eye(len(theta))
    numeric_grad = [(descent.loss(unflatten(theta + h * e), X, Y)
                     - descent.loss(unflatten(theta - h * e), X, Y)) / (2 * h) for e in eye]
    assert np.allclose(grad(theta), numeric_grad, atol=1e-6)
    H, G = descent.shallow_hessian(layers, X, Y)
    numeric_H = np.array([(grad(theta + h * e) - grad(theta - h * e)) / (2 * h) for e in eye])
    assert np.allclose(H, numeric_H, atol=1e-5)
    assert np.allclose(H, H.T) and not np.allclose(H, G)


def test_checkpoint_steps():
    assert descent.checkpoint_steps(10, 3) == [0, 5, 10]
    steps = descent.checkpoint_steps(1000, 8, "log")
    assert steps[0] == 0 and steps[-1] == 1000 and steps == sorted(set(steps))
