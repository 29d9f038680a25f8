"""Independent reference computations for tests: built differently from relugeom's code.

- ``reference_rank``: textbook Gaussian elimination over Fractions (no flint, no sympy).
- ``finite_difference_jacobian``: the Jacobian from exact central differences of the network
  function itself. Inside a fixed activation pattern f_θ(x) is a polynomial of degree ≤ 2 in
  each single parameter, so (f(θ + h e_p) − f(θ − h e_p)) / 2h is its exact derivative as long
  as no pre-activation changes sign for |t| ≤ h; h is chosen small enough for that.
- ``count_error_lines``: reading a pytest run's output independently of the terminal width.
"""

from __future__ import annotations

from fractions import Fraction

from relugeom import ShallowNetwork


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


def count_error_lines(pytest_output: str, message: str) -> int:
    """How many traceback lines (pytest's ``E`` lines) of a pytest run carry ``message``.

    The short test summary repeats each message only when the terminal is wide enough,
    so counting raw occurrences would depend on the width CI happens to have.
    """
    return sum(1 for line in pytest_output.splitlines()
               if line.startswith("E ") and message in line)
