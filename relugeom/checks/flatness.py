"""T8 of docs/theory.md: flat directions of the square loss at an interpolating θ.

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

At any depth (:func:`exact_layer_hessian`) no Richardson step is needed. With the activation
pattern fixed, f_θ(x) = W_L S_{L−1}(… S_1(W_1 x + b_1) …) + b_L is a sum of monomials holding
at most one parameter of each layer, so it is affine in any single parameter and of the form
α + βs + γt + δst in any two (s, t). The loss then has degree ≤ 2 in s and in t, and the
central differences D_ab(h) and D_aa(h) above are exactly ∂_a∂_b L and ∂_a² L — provided every
point where L is evaluated has the pattern of θ, which is checked exactly at each point (h is a
power of 2 from a Lipschitz bound, halved should a pattern ever differ).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Sequence

import numpy as np

from .. import linalg
from ..errors import InputError
from ..exact.numbers import common_denominator, to_json_number
from ..model.deep import as_deep
from ..model.network import Network
from ..model.patterns import preactivations
from ..model.sample import as_sample
from ..rank.backprop import layer_preactivations
from .bounds import rescaling_directions, rescaling_kernel_vector
from .verdict import Outcome, deep_form, fails, holds, not_applicable, theorem

#: Largest P for which the exact finite-difference Hessian (P(P+1)/2 entries, 8 loss values
#: each) is computed by the T8 check.
HESSIAN_LIMIT = 60
#: Largest P²·n·m (Hessian entries times residuals per loss value) the T8 check takes on: the
#: loss values and the Gram matrix JᵀJ cost that many exact operations.
HESSIAN_WORK = 2_000_000


def _too_large(a: Any) -> Outcome | None:
    """"not applicable" when the exact Hessian is over the limits, else None."""
    P, work = a.n_parameters, a.n_parameters ** 2 * a.n_samples * a.output_dim
    if P > HESSIAN_LIMIT:
        return not_applicable(f"P = {P} > {HESSIAN_LIMIT}: the exact finite-difference Hessian "
                              "is not computed (raise relugeom.checks.flatness.HESSIAN_LIMIT)")
    if work > HESSIAN_WORK:
        return not_applicable(f"P²·n·m = {work} > {HESSIAN_WORK}: the exact finite-difference "
                              "Hessian is not computed (raise relugeom.checks.flatness."
                              "HESSIAN_WORK)")
    return None


def _scaled_residuals(network: Network, X: Sequence, Y: Sequence, step: Fraction):
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


def safe_step(network: Network, X: Sequence) -> Fraction:
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


def exact_hessian(network: Network, X: Sequence, Y: Sequence | None = None,
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


class _PatternChanged(Exception):
    """A loss evaluation left the pattern region of θ: the step must be smaller."""


def _layer_step(network: Network, X: Sequence, Z: Sequence) -> Fraction:
    """A power of 2, h ≤ 1, such that moving two parameters by at most h each changes no hidden
    pre-activation's sign. With a_0 = max|x|, A_l = ‖W_l‖_∞ + 2, a_l = A_l·a_{l−1} + ‖b_l‖_∞ + 2
    (bounds of |h_l|) and c_l = A_l·c_{l−1} + 2·(a_{l−1} + 1), c_0 = 0, the move changes z_l by
    at most h·c_l (ReLU is 1-Lipschitz); h·max c_l < min |z| is required. ``Z`` holds the exact
    pre-activations of the hidden layers (none 0)."""
    margin = min((abs(z) for layer in Z for row in layer for z in row), default=None)
    if margin is None:          # no hidden layer: no pattern to keep
        return Fraction(1)
    a = max(abs(q) for x in X for q in x)
    c = worst = Fraction(0)
    for W, b in network.layers[:-1]:
        A = max(sum(abs(w) for w in row) for row in W) + 2
        c, a = A * c + 2 * (a + 1), A * a + max(abs(q) for q in b) + 2
        worst = max(worst, c)
    h = Fraction(1)
    while h * worst >= margin:
        h /= 2
    return h


def _layer_residuals(network: Network, X: Sequence, Y: Sequence, step: Fraction):
    """Integer arithmetic for the residuals of a deep network: (step·D, residuals,
    denominator).

    ``residuals(moves)`` is the n × m array of G·D^L·E·(f_θ'(x_i) − y_i), exact integers (numpy
    object array), at θ' = θ + moves/D (``moves``: θ index → integer change); L(θ') =
    Σ residuals² / denominator. D is the common denominator of θ and the step, E that of X, G
    that of Y·D^L·E; h_{l} is held as an integer array over E·D^l. The forward pass starts at
    the lowest moved layer (the layers below are those of θ), and raises
    :class:`_PatternChanged` if a hidden pattern differs from θ's.
    """
    L, w, offsets = network.depth, network.widths, network.parameter_offsets()
    theta = list(network.theta()) + [step]
    D = common_denominator(theta)
    E = common_denominator([q for x in X for q in x])
    scale = D ** L * E
    G = common_denominator([Fraction(q) * scale for y in Y for q in y])
    n = len(X)
    Xs = np.array([[int(q * E) for q in x] for x in X], dtype=object).reshape(n, w[0])
    Ys = np.array([[int(Fraction(q) * scale * G) for q in y] for y in Y],
                  dtype=object).reshape(n, w[-1])
    t = [int(q * D) for q in theta[:-1]]
    weights, biases, layer_of = [], [], []
    for l in range(1, L + 1):
        start, middle = offsets[l - 1], offsets[l - 1] + w[l] * w[l - 1]
        weights.append(np.array(t[start:middle], dtype=object).reshape(w[l], w[l - 1]))
        biases.append(np.array(t[middle:offsets[l]], dtype=object))
        layer_of += [l] * (offsets[l] - start)
    dens = [E * D ** k for k in range(L)]   # h_{l−1} = H / dens[l−1]

    def layer(l: int, moves: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """(W_l, b_l) numerators with the moves of layer l applied."""
        W, b = weights[l - 1], biases[l - 1]
        mine = [(p - offsets[l - 1], delta) for p, delta in moves.items() if layer_of[p] == l]
        if mine:
            W, b = W.copy(), b.copy()
            for k, delta in mine:
                if k < W.size:
                    W[k // w[l - 1], k % w[l - 1]] += delta
                else:
                    b[k - W.size] += delta
        return W, b

    def forward(H: np.ndarray, first: int, moves: dict[int, int]) -> tuple[list, np.ndarray]:
        """([(pattern, h_l) for hidden l ≥ first], output numerators), from h_{first−1} = H."""
        hidden = []
        for l in range(first, L + 1):
            W, b = layer(l, moves)
            Z = H.dot(W.T) + b * dens[l - 1]
            if l < L:
                H = np.maximum(Z, 0)
                hidden.append(((Z > 0).astype(bool), H))
        return hidden, Z

    center_hidden, center_out = forward(Xs, 1, {})
    signs = [s for s, _ in center_hidden]
    inputs = [Xs] + [H for _, H in center_hidden]     # h_0, …, h_{L−1} at θ

    def residuals(moves: dict[int, int]) -> np.ndarray:
        if not moves:
            return G * center_out - Ys
        first = min(layer_of[p] for p in moves)
        hidden, out = forward(inputs[first - 1], first, moves)
        for l, (s, _) in enumerate(hidden, start=first):
            if not np.array_equal(s, signs[l - 1]):
                raise _PatternChanged
        return G * out - Ys

    return int(step * D), residuals, (scale * G) ** 2


def exact_layer_hessian(network: Network, X: Sequence, Y: Sequence | None = None,
                        step: Fraction | None = None) -> list[list[Fraction]]:
    """The exact Hessian of the square loss at θ for a network of any depth, by central second
    differences of the loss (exact: see the module docstring).

    ``Y`` defaults to f_θ(X) (the interpolating case). No hidden pre-activation may be 0.
    Cost: about 2·P² evaluations of the loss, each a forward pass from the lowest moved layer
    (at most n·P integer multiply–adds).

    >>> from relugeom import DeepNetwork
    >>> net = DeepNetwork([([[1]], [0]), ([[1]], [0]), ([[1]], [0])])   # f = x
    >>> H = exact_layer_hessian(net, [[2]])        # J = (2, 1, 2, 1, 2, 1), H = 2·JᵀJ
    >>> [int(q) for q in H[0]]
    [8, 4, 8, 4, 8, 4]
    """
    network = as_deep(network)
    X = as_sample(X, network.input_dim)
    Y = [network(x) for x in X] if Y is None else Y
    Z = layer_preactivations(network, X)[:-1]
    for l, layer in enumerate(Z, start=1):
        for i, row in enumerate(layer):
            if 0 in row:
                raise InputError(f"sample {i} lies on the boundary of layer {l}, neuron "
                                 f"{row.index(0)}: the loss is not twice differentiable there")
    h = _layer_step(network, X, Z) if step is None else Fraction(step)
    P = network.n_parameters
    while True:
        unit, residuals, denominator = _layer_residuals(network, X, Y, h)
        loss = lambda moves: int((residuals(moves) ** 2).sum())  # noqa: E731
        try:
            center = loss({})
            H = [[Fraction(0)] * P for _ in range(P)]
            for a in range(P):
                H[a][a] = Fraction(loss({a: unit}) - 2 * center + loss({a: -unit}))
                for b in range(a + 1, P):
                    H[a][b] = H[b][a] = Fraction(
                        loss({a: unit, b: unit}) - loss({a: unit, b: -unit})
                        - loss({a: -unit, b: unit}) + loss({a: -unit, b: -unit}), 4)
        except _PatternChanged:
            h /= 2
            continue
        return [[q / (h * h) / denominator for q in row] for row in H]


def _compare_with_gram(a: Any, H: list[list[Fraction]], directions: list) -> tuple[Outcome | None,
                                                                                   int]:
    """(failure or None, flat directions of H): H = 2·JᵀJ entry by entry, P − rank H = P − dim,
    and every ``(label, witness, vector)`` of ``directions`` is flat (H·u = 0)."""
    P, dim = a.n_parameters, a.local_dimension
    gram = _gram(a.jacobian, P)
    for p in range(P):
        for q in range(P):
            if H[p][q] != gram[p][q]:
                return fails(f"Hessian entry ({p}, {q}) is {H[p][q]} but 2·(JᵀJ) has "
                             f"{gram[p][q]}", entry=[p, q], hessian=to_json_number(H[p][q]),
                             gram=to_json_number(gram[p][q])), 0
    flat = P - linalg.rank(H, P)
    if flat != P - dim:
        return fails(f"the Hessian has {flat} flat directions but P − dim = {P} − {dim} = "
                     f"{P - dim}", flat_directions=flat, local_dimension=dim), flat
    for label, witness, u in directions:
        if any(sum(x * y for x, y in zip(row, u) if y) for row in H):
            return fails(f"the rescaling direction of {label} is not flat", **witness), flat
    return None, flat


@theorem("T8", "flatness", "square loss at an interpolating θ: Hessian = 2·JᵀJ on the open "
         "pattern region, so P − dim flat directions: N rescalings and P − N − dim "
         "geometry-induced")
def flatness(a: Any) -> Outcome:
    P, N = a.n_parameters, a.hidden_width
    refusal = _too_large(a)
    if refusal:
        return refusal
    for i, row in enumerate(preactivations(a.network, a.X)):
        if 0 in row:
            return not_applicable(f"sample {i} lies on the hyperplane of neuron {row.index(0)}: "
                                  "the loss is not twice differentiable there")
    dim = a.local_dimension
    H = exact_hessian(a.network, a.X)
    failure, flat = _compare_with_gram(a, H, [(f"neuron {j}", {"neuron": j},
                                               rescaling_kernel_vector(a.network, j))
                                              for j in range(N)])
    if failure:
        return failure
    return holds(f"the exact Hessian of the square loss at the interpolating θ (finite "
                 f"differences of the loss, Richardson-exact) equals 2·JᵀJ and has P − dim = "
                 f"{P} − {dim} = {flat} flat directions: {N} rescalings and {flat - N} "
                 "geometry-induced")


@deep_form("T8", "square loss at an interpolating θ: Hessian = 2·JᵀJ on the open pattern "
           "region, so P − dim flat directions: n_1 + … + n_{L−1} rescalings and "
           "P − (n_1 + … + n_{L−1}) − dim geometry-induced")
def layer_flatness(a: Any) -> Outcome:
    net, P = a.network, a.n_parameters
    N = net.n_hidden
    refusal = _too_large(a)
    if refusal:
        return refusal
    for l, layer in enumerate(layer_preactivations(net, a.X)[:-1], start=1):
        for i, row in enumerate(layer):
            if 0 in row:
                return not_applicable(f"sample {i} lies on the boundary of layer {l}, neuron "
                                      f"{row.index(0)}: the loss is not twice differentiable "
                                      "there")
    dim = a.local_dimension
    H = exact_layer_hessian(net, a.X)
    failure, flat = _compare_with_gram(a, H, [(f"neuron {j} of layer {l}",
                                               {"layer": l, "neuron": j}, u)
                                              for (l, j), u in rescaling_directions(net)])
    if failure:
        return failure
    return holds(f"the exact Hessian of the square loss at the interpolating θ (second "
                 f"differences of the loss, exact on the pattern region) equals 2·JᵀJ and has "
                 f"P − dim = {P} − {dim} = {flat} flat directions: {N} rescalings and "
                 f"{flat - N} geometry-induced")
