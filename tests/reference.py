"""Independent reference computations for tests: built differently from relugeom's code.

- ``reference_rank``: textbook Gaussian elimination over Fractions (no flint, no sympy).
- ``finite_difference_jacobian``: the Jacobian from exact central differences of the network
  function itself. Inside a fixed activation pattern f_θ(x) is a polynomial of degree ≤ 2 in
  each single parameter, so (f(θ + h e_p) − f(θ − h e_p)) / 2h is its exact derivative as long
  as no pre-activation changes sign for |t| ≤ h; h is chosen small enough for that.
- ``reference_preactivations``, ``reference_patterns``, ``hidden_margin``: the forward pass of
  a DeepNetwork with plain loops over Fractions.
- ``deep_finite_difference_jacobian``: the Jacobian of a DeepNetwork from exact one-sided
  differences. With the activation pattern fixed, f_θ(x) is affine in each single parameter
  (every parameter sits in one layer, and the network is a product of one affine factor per
  layer), so the quotient (f(θ + h e_p) − f(θ)) / h is the exact derivative as long as no
  hidden pre-activation changes sign for |s| ≤ h; ``_deep_safe_step`` proves such an h from a
  Lipschitz bound.
- ``count_error_lines``: reading a pytest run's output independently of the terminal width.
"""

from __future__ import annotations

from fractions import Fraction

from relugeom import DeepNetwork, ShallowNetwork


def reference_rank(rows) -> int:
    A = [[Fraction(q) for q in row] for row in rows]
    rank, ncols = 0, len(A[0]) if A else 0
    for col in range(ncols):
        pivot = next((r for r in range(rank, len(A)) if A[r][col] != 0), None)
        if pivot is None:
            continue
        A[rank], A[pivot] = A[pivot], A[rank]
        for r in range(len(A)):
            if r != rank and A[r][col] != 0:
                factor = A[r][col] / A[rank][col]
                A[r] = [a - factor * p for a, p in zip(A[r], A[rank])]
        rank += 1
    return rank


def _safe_step(network: ShallowNetwork, X) -> Fraction:
    """h such that moving any one parameter by ≤ h changes no pre-activation's sign."""
    margin = min(abs(sum((w * xi for w, xi in zip(row, x)), bj))
                 for x in X for row, bj in zip(network.W, network.b))
    scale = max(max((abs(xi) for xi in x), default=0) for x in X) + 1
    return margin / (2 * scale)


def finite_difference_jacobian(network: ShallowNetwork, X) -> list[list[Fraction]]:
    h = _safe_step(network, X)
    theta = list(network.theta())
    shape = (network.input_dim, network.hidden_width, network.output_dim)
    columns = []
    for p in range(len(theta)):
        plus, minus = theta[:], theta[:]
        plus[p] += h
        minus[p] -= h
        f_plus = ShallowNetwork.from_theta(plus, *shape)
        f_minus = ShallowNetwork.from_theta(minus, *shape)
        columns.append([(a - b) / (2 * h) for x in X for a, b in zip(f_plus(x), f_minus(x))])
    return [list(row) for row in zip(*columns)]


def reference_preactivations(net: DeepNetwork, x) -> list[list[Fraction]]:
    """[z_1, …, z_L] at x with plain loops (z_L is the output)."""
    h, out = list(x), []
    for W, b in net.layers:
        z = [sum((w * v for w, v in zip(row, h)), bj) for row, bj in zip(W, b)]
        out.append(z)
        h = [max(q, Fraction(0)) for q in z]
    return out


def reference_patterns(net: DeepNetwork, x) -> tuple[int, ...]:
    """The concatenated hidden activation pattern of x (strict: z > 0)."""
    return tuple(int(q > 0) for z in reference_preactivations(net, x)[:-1] for q in z)


def hidden_margin(net: DeepNetwork, X) -> Fraction:
    return min((abs(q) for x in X for z in reference_preactivations(net, x)[:-1] for q in z),
               default=Fraction(1))


def _deep_safe_step(net: DeepNetwork, X) -> Fraction:
    """h ≤ 1 such that moving any one parameter by ≤ h changes no hidden pre-activation's sign.

    For |s| ≤ 1, ‖W_l + s e‖∞ ≤ R_l, |h_l| ≤ a_l, and |z_l(s) − z_l(0)| ≤ D_l |s| with
    D_l = R_l D_{l−1} + a_{l−1} + 1 (ReLU is 1-Lipschitz).
    """
    a = max(abs(q) for x in X for q in x)
    D = Fraction(0)
    worst = Fraction(1)
    for W, b in net.layers[:-1]:
        R = max(sum(abs(q) for q in row) for row in W) + 1
        D = R * D + a + 1
        a = R * a + max(abs(q) for q in b) + 1
        worst = max(worst, D)
    return min(Fraction(1), hidden_margin(net, X) / (2 * worst))


def deep_finite_difference_jacobian(net: DeepNetwork, X) -> list[list[Fraction]]:
    h = _deep_safe_step(net, X)
    theta = list(net.theta())
    base = [v for x in X for v in net(x)]
    columns = []
    for p in range(len(theta)):
        moved = theta[:]
        moved[p] += h
        other = DeepNetwork.from_theta(moved, net.widths)
        columns.append([(a - b) / h for a, b in zip((v for x in X for v in other(x)), base)])
    return [list(row) for row in zip(*columns)]


def count_error_lines(pytest_output: str, message: str) -> int:
    """How many traceback lines (pytest's ``E`` lines) of a pytest run carry ``message``.

    The short test summary repeats each message only when the terminal is wide enough,
    so counting raw occurrences would depend on the width CI happens to have.
    """
    return sum(1 for line in pytest_output.splitlines()
               if line.startswith("E ") and message in line)
