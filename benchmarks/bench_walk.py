"""``relugeom.walk`` (exact) against the same walk in numpy float64, same process.

Cases: shallow networks with small random integer weights and directions (seeded), samples of
exact rationals k/1024 + 1/p_q (p_q a prime per coordinate, so no sample lies on a hyperplane),
the segment t ∈ [0, 1]:

- ``d2-N3``: relu(x) + 2 relu(y) + 3 relu(x + y − 1), the bias of the third neuron lowered
  (δb = −1): its line sweeps the samples with x + y ∈ (1, 2); n = 1000 and 10,000;
- ``d5-N100``: d = 5, N = 100, weights in [−3, 3], a direction in [−1, 1]; n = 100.

- exact: :func:`relugeom.walk` (exact breakpoints, certified exact dimension on every piece);
- numpy: the same walk in float64: the roots −a_ij/b_ij of every z_ij(t) = a_ij + t·b_ij in
  (0, 1), sorted (np.unique), and on each piece numpy's ``matrix_rank`` of the float Jacobian
  of all n samples at the piece's midpoint (built with numpy, m = 1). NUMERIC: its
  ranks use numpy's rule S.max()·max(shape)·eps and its breakpoints are rounded.

ratio = exact seconds / numpy seconds; "numpy bps" is the number of distinct float breakpoints
(two exactly equal roots may round apart, and two close ones together); "same ranks" says
whether numpy's per-piece ranks equal the exact dimensions (when the pieces match at all).
``--before FILE`` also times another implementation of
the walk, e.g. the previous one (``git show COMMIT:relugeom/geometry/walk.py > FILE``), loaded
as a module of relugeom.geometry, and checks it returns the same walk.

    python benchmarks/bench_walk.py [--cases d2-N3-n1000,d2-N3-n10000,d5-N100-n100]
                                    [--json out.json] [--threads 1] [--before FILE]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import sys
import time
from fractions import Fraction

from threads import set_threads

set_threads(sys.argv)

import numpy as np  # noqa: E402

from relugeom import ShallowNetwork, walk  # noqa: E402

PRIMES = [1009, 1013, 1019, 1021, 1031, 1033, 1039, 1049, 1051, 1061]
NET = ShallowNetwork([[1, 0], [0, 1], [1, 1]], [0, 0, -1], [[1, 2, 3]], [0])
DIRECTION = ShallowNetwork([[0, 0], [0, 0], [0, 0]], [0, 0, -1], [[0, 0, 0]], [0])


def random_network(d: int, N: int, seed: int, magnitude: int) -> ShallowNetwork:
    rng = random.Random(seed)
    entry = lambda: rng.randint(-magnitude, magnitude)  # noqa: E731
    return ShallowNetwork([[entry() for _ in range(d)] for _ in range(N)],
                          [entry() for _ in range(N)], [[entry() for _ in range(N)]], [entry()])


def sample(d: int, n: int, seed: int) -> list:
    rng = random.Random(seed)
    return [[Fraction(rng.randint(-4096, 4096) * p + 1024, 1024 * p) for p in PRIMES[:d]]
            for _ in range(n)]


def case(name: str):
    """(network, direction, sample) of a case named d<d>-N<N>-n<n>."""
    d, N, n = (int(part[1:]) for part in name.split("-"))
    if (d, N) == (2, 3):
        return NET, DIRECTION, sample(2, n, 1)
    return random_network(d, N, 1, 3), random_network(d, N, 2, 1), sample(d, n, 1)


def numpy_walk(net: ShallowNetwork, direction: ShallowNetwork, X: list) -> tuple[int, list]:
    """The float64 walk: (number of breakpoints, numeric rank on each piece)."""
    Xf = np.array(X, dtype=float)
    Xt = np.hstack([Xf, np.ones((len(Xf), 1))])
    lines = np.hstack([np.array(net.W, dtype=float), np.array(net.b, dtype=float)[:, None]])
    moves = np.hstack([np.array(direction.W, dtype=float),
                       np.array(direction.b, dtype=float)[:, None]])
    A, B = Xt @ lines.T, Xt @ moves.T
    with np.errstate(divide="ignore", invalid="ignore"):
        roots = -A / B
    roots = np.unique(roots[(B != 0) & (roots > 0) & (roots < 1)])
    ends = np.concatenate([[0.0], roots, [1.0]])
    V, dV = (np.array(n.V, dtype=float)[0] for n in (net, direction))
    ranks = []
    for t in (ends[:-1] + ends[1:]) / 2:
        Z = A + t * B
        S = (Z > 0).astype(float)
        G = S * (V + t * dV)                                   # ∂f/∂z (m = 1)
        J = np.hstack([(G[:, :, None] * Xf[:, None, :]).reshape(len(Xf), -1), G, S * Z,
                       np.ones((len(Xf), 1))])                # columns W, b, V, c
        ranks.append(int(np.linalg.matrix_rank(J)))
    return len(roots), ranks


def load_before(path: str):
    spec = importlib.util.spec_from_file_location("relugeom.geometry._walk_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module          # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module.walk


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="d2-N3-n1000,d2-N3-n10000,d5-N100-n100")
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    parser.add_argument("--threads", help="BLAS threads (set before numpy loads)")
    parser.add_argument("--before", metavar="FILE", help="another walk.py to time as well")
    args = parser.parse_args(argv)
    before = load_before(args.before) if args.before else None
    print("relugeom.walk (exact) against the same walk in float64 (numpy matrix_rank per "
          "piece), same process; ratio = exact / numpy")
    head = (f"{'case':<14} {'breakpoints':>11} {'numpy bps':>9} {'dims':>9} {'exact s':>8} "
            f"{'numpy s':>8} {'ratio':>6} {'same ranks':>10}"
            + (f" {'before s':>9}" if before else ""))
    print(head)
    print("-" * len(head))
    rows = []
    for name in [c for c in args.cases.split(",") if c]:
        net, direction, X = case(name)
        exact, seconds = timed(walk, net, X, direction)
        (n_roots, ranks), numpy_seconds = timed(numpy_walk, net, direction, X)
        dims = exact.dimensions
        row = {"case": name, "n": len(X), "d": net.input_dim, "N": net.hidden_width,
               "breakpoints": len(exact.breakpoints), "pieces": len(exact.pieces),
               "dimension_min": min(dims), "dimension_max": max(dims),
               "exact_seconds": seconds, "numpy_seconds": numpy_seconds,
               "ratio": seconds / numpy_seconds, "numpy_breakpoints": n_roots,
               "numpy_ranks_agree": list(dims) == ranks}
        line = (f"{name:<14} {len(exact.breakpoints):>11} {n_roots:>9} "
                f"{f'{min(dims)}–{max(dims)}':>9} "
                f"{seconds:>8.2f} {numpy_seconds:>8.2f} {seconds / numpy_seconds:>6.2f} "
                f"{str(row['numpy_ranks_agree']):>10}")
        if before:
            old, old_seconds = timed(before, net, X, direction)
            row.update(before_seconds=old_seconds,
                       before_agrees=old.to_dict() == exact.to_dict())
            line += f" {old_seconds:>9.2f}" + ("" if row["before_agrees"] else " DIFFERENT")
        print(line, flush=True)
        rows.append(row)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"benchmark": "bench_walk", "rows": rows}, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
