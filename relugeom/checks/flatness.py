"""T8 of DESIGN §2: flat directions of the square loss at an interpolating θ.

Take Y = f_θ(X) and L(θ') = Σ_i ||f_θ'(x_i) − y_i||². At θ the residuals vanish, so on the
open pattern region the Hessian of L is 2·JᵀJ (the factor 2 because L has no ½); its kernel is
ker J, of dimension P − dim: N rescaling directions and P − N − dim geometry-induced ones.

The check computes the Hessian independently of the Jacobian code, from values of L alone.
Inside the pattern region L is a polynomial of degree 4 in θ, so the central second
differences

    D_ab(h) = [L(θ + h e_a + h e_b) − L(θ + h e_a − h e_b) − L(θ − h e_a + h e_b)
               + L(θ − h e_a − h e_b)] / 4h²,
    D_aa(h) = [L(θ + h e_a) − 2L(θ) + L(θ − h e_a)] / h²

equal ∂_a∂_b L + C·h² exactly (the h⁴ terms vanish with degree 4), and the Richardson
combination (4·D(h) − D(2h)) / 3 is the exact second derivative. The step h is a power of 2
small enough that no pre-activation changes sign for moves of size 2h in two coordinates.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Sequence

import numpy as np

from .. import linalg
from ..numbers import common_denominator, to_json_number
from ..patterns import preactivations
from .bounds import rescaling_kernel_vector
from .verdict import Outcome, fails, holds, not_applicable, theorem

#: Largest P for which the exact finite-difference Hessian (P(P+1)/2 entries, 8 loss values
#: each) is computed by the T8 check.
HESSIAN_LIMIT = 60


def _scaled_residuals(network: Any, X: Sequence, Y: Sequence, step: Fraction):
    """Integer arithmetic for the residuals: returns (step·D, residuals, owner, denominator).

    ``residuals(moves)`` is the n × m array of G·D²E·(f_θ'(x_i) − y_i), exact integers (numpy
    object array), at θ' = θ + moves/D (``moves``: θ index → integer change), so that
    L(θ') = Σ residuals² / denominator. With D the common denominator of θ and the step, E that
    of X and G that of Y·D²E, G·D²E·f_θ'(x) = G·(V'·relu(W'x' + E·b') + D·E·c') is an integer.

    f is a sum over hidden neurons plus c, so a move changes only the terms of the neurons (or
    output biases) it touches: ``owner[p]`` names the term parameter p belongs to (neuron j, or
    N + k for c_k), and only the touched neurons are evaluated again, for all samples at once.
    """
    theta = list(network.theta()) + [step]
    D = common_denominator(theta)
    E = common_denominator([q for x in X for q in x])
    scale = D * D * E
    G = common_denominator([Fraction(q) * scale for y in Y for q in y])
    d, N, m = network.input_dim, network.hidden_width, network.output_dim
    n = len(X)
    Xs = np.array([[int(q * E) for q in x] for x in X], dtype=object).reshape(n, d)
    Ys = np.array([[int(Fraction(q) * scale * G) for q in y] for y in Y],
                  dtype=object).reshape(n, m)
    t = [int(q * D) for q in theta[:-1]]
    start = N * d + N                      # θ index of V[0][0]
    W = [t[j * d:(j + 1) * d] for j in range(N)]
    b = [E * q for q in t[N * d:start]]
    V = [t[start + k * N:start + (k + 1) * N] for k in range(m)]
    c = [D * E * q for q in t[start + m * N:]]
    Z = Xs.dot(np.array(W, dtype=object).T) + np.array(b, dtype=object)     # D·E·z, n × N
    H = np.maximum(Z, 0)
    R = G * (H.dot(np.array(V, dtype=object).T) + np.array(c, dtype=object)) - Ys
    owner = ([p // d for p in range(N * d)] + list(range(N))
             + [p % N for p in range(m * N)] + [N + k for k in range(m)])

    def residuals(moves: dict[int, int]) -> np.ndarray:
        r = R.copy()
        touched: dict[int, list] = {}   # neuron → [Δw (d entries), Δb, ΔV_:j (m entries)]
        for p, delta in moves.items():
            if p >= start + m * N:       # c_k
                r[:, p - start - m * N] += G * D * E * delta
                continue
            change = touched.setdefault(owner[p], [[0] * d, 0, [0] * m])
            if p < N * d:
                change[0][p % d] += delta
            elif p < start:
                change[1] += delta
            else:
                change[2][(p - start) // N] += delta
        for j, (dw, db, dv) in touched.items():
            z = Z[:, j] + E * db
            for l, a in enumerate(dw):
                if a:
                    z = z + a * Xs[:, l]
            new = np.maximum(z, 0)
            for k in range(m):
                r[:, k] += G * ((V[k][j] + dv[k]) * new - V[k][j] * H[:, j])
        return r

    return int(step * D), residuals, owner, (scale * G) ** 2


def safe_step(network: Any, X: Sequence) -> Fraction:
    """A power of 2, h, such that moving two parameters by at most 2h changes no pre-activation's
    sign: |Δz_ij| ≤ 2h·(|x_il| + 1) ≤ 4h·max(1, max|x|) < min |z_ij|. Requires min |z| > 0."""
    margin = min(abs(z) for row in preactivations(network, X) for z in row)
    scale = max([Fraction(1)] + [abs(q) for x in X for q in x])
    h = Fraction(1)
    while 8 * h * scale >= margin:
        h /= 2
    while 16 * h * scale < margin:
        h *= 2
    return h


def exact_hessian(network: Any, X: Sequence, Y: Sequence | None = None,
                  step: Fraction | None = None) -> list[list[Fraction]]:
    """The exact Hessian of the square loss at θ, by Richardson-exact finite differences.

    ``Y`` defaults to f_θ(X) (the interpolating case). No sample may lie on a hyperplane.

    Only values of f are used. For parameters a, b of different terms of f (different
    neurons, or an output bias), the moves add up: with r the residuals at θ and A_± = r(θ ±
    s e_a) − r, B_± likewise, L(θ + s_a e_a + s_b e_b) = Σ‖r + A_{s_a} + B_{s_b}‖², so the
    second difference L(++) − L(+−) − L(−+) + L(−−) is Σ 2 (A_+ − A_−)·(B_+ − B_−): one dot
    product of two residual changes, each found by evaluating f once at a moved θ. Pairs
    within one neuron, and the diagonal, are evaluated directly.
    Cost: O(n·N·(d + m)) for f at θ, 4P evaluations of one neuron's term at moved θ
    (O(n·(d + m)) each), P²/2 dot products of length n·m, and O(P·(d + m)) direct evaluations.

    >>> from relugeom import ShallowNetwork
    >>> H = exact_hessian(ShallowNetwork([[1]], [0], [[1]], [0]), [[1]])  # J = (1, 1, 1, 1)
    >>> [[int(q) for q in row] for row in H]
    [[2, 2, 2, 2], [2, 2, 2, 2], [2, 2, 2, 2], [2, 2, 2, 2]]
    """
    X = [tuple(Fraction(q) for q in x) for x in X]
    Y = [network(x) for x in X] if Y is None else Y
    h = safe_step(network, X) if step is None else Fraction(step)
    unit, residuals, owner, denominator = _scaled_residuals(network, X, Y, h)
    P = network.n_parameters
    loss = lambda moves: int((residuals(moves) ** 2).sum())  # noqa: E731
    center = loss({})
    # A_+ − A_− = r(θ + s e_p) − r(θ − s e_p) for each parameter p and step s ∈ {h, 2h}
    spread = {(p, s): residuals({p: s}) - residuals({p: -s})
              for p in range(P) for s in (unit, 2 * unit)}

    def second(a: int, b: int, s: int) -> Fraction:
        """D_ab at step s (in units of 1/D), times the step²: exact integers over 1 or 4."""
        if a == b:
            return Fraction(loss({a: s}) - 2 * center + loss({a: -s}))
        if owner[a] != owner[b]:
            return Fraction(int((spread[a, s] * spread[b, s]).sum()), 2)
        return Fraction(loss({a: s, b: s}) - loss({a: s, b: -s}) - loss({a: -s, b: s})
                        + loss({a: -s, b: -s}), 4)

    H = [[Fraction(0)] * P for _ in range(P)]
    for a in range(P):
        for b in range(a, P):
            # Richardson: (4·D(h) − D(2h))/3 with D(s) = second(s)/s² and s in units of 1/D
            value = (4 * second(a, b, unit) - second(a, b, 2 * unit) / 4) / 3
            H[a][b] = H[b][a] = value / (h * h) / denominator
    return H


def _gram(J: list[list[Fraction]], P: int) -> list[list[Fraction]]:
    """2·JᵀJ, exactly: J = A/L with A an integer matrix, so 2·JᵀJ = 2·AᵀA/L²."""
    if not J:
        return [[Fraction(0)] * P for _ in range(P)]
    L = common_denominator([q for row in J for q in row])
    A = np.array([[int(q * L) for q in row] for row in J], dtype=object).reshape(len(J), P)
    G = A.T.dot(A)
    return [[Fraction(2 * int(G[a, b]), L * L) for b in range(P)] for a in range(P)]


@theorem("T8", "flatness", "square loss at an interpolating θ: Hessian = 2·JᵀJ on the open pattern "
         "region, so P − dim flat directions: N rescalings and P − N − dim geometry-induced")
def flatness(a: Any) -> Outcome:
    P, N = a.n_parameters, a.hidden_width
    if P > HESSIAN_LIMIT:
        return not_applicable(f"P = {P} > {HESSIAN_LIMIT}: the exact finite-difference Hessian "
                              "is not computed (raise relugeom.checks.flatness.HESSIAN_LIMIT)")
    for i, row in enumerate(preactivations(a.network, a.X)):
        if 0 in row:
            return not_applicable(f"sample {i} lies on the hyperplane of neuron {row.index(0)}: "
                                  "the loss is not twice differentiable there")
    dim = a.local_dimension
    H = exact_hessian(a.network, a.X)
    gram = _gram(a.jacobian, P)
    for p in range(P):
        for q in range(P):
            if H[p][q] != gram[p][q]:
                return fails(f"Hessian entry ({p}, {q}) is {H[p][q]} but 2·(JᵀJ) has "
                             f"{gram[p][q]}", entry=[p, q], hessian=to_json_number(H[p][q]),
                             gram=to_json_number(gram[p][q]))
    flat = P - linalg.rank(H, P)
    if flat != P - dim:
        return fails(f"the Hessian has {flat} flat directions but P − dim = {P} − {dim} = "
                     f"{P - dim}", flat_directions=flat, local_dimension=dim)
    for j in range(N):
        u = rescaling_kernel_vector(a.network, j)
        if any(sum(x * y for x, y in zip(row, u) if y) for row in H):
            return fails(f"the rescaling direction of neuron {j} is not flat", neuron=j)
    return holds(f"the exact Hessian of the square loss at the interpolating θ (finite "
                 f"differences of the loss, Richardson-exact) equals 2·JᵀJ and has P − dim = "
                 f"{P} − {dim} = {flat} flat directions: {N} rescalings and {flat - N} "
                 "geometry-induced")
