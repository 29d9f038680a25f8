"""Benchmark: ``relugeom check`` and ``relugeom fdim`` against numpy's rank of the same J.

Cases (issues 13 and 18): shallow nets trained with torch like the paper authors' Keras
experiments — [1, N, 1], N ∈ {100, 500}, float32 weights, Adam, 50 points of a 1-D target with
kinks at 6 and 10 on [0, 20] — and the random integer networks of the fuzz regressions
(d = 10, N = 200, n = 10; d = 2, N = 200, n = 1). Each command runs in this process as the
command line runs it (output discarded); times are CPU seconds of this process
(``time.process_time``; numpy: best of 5), so other jobs on the machine disturb them less.
``numpy``: the float64 Jacobian J(θ, X) and ``np.linalg.matrix_rank`` on it (rank and time);
``ratio`` = relugeom / numpy, both measured here.

    python benchmarks/bench_check.py [--quick] [--json PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import random
import sys
import tempfile
import time

import numpy as np

from relugeom import analyze
from relugeom.cli import main as cli
from relugeom.model.io import read_network, read_sample


def _target(x):
    return np.where(x < 6, 0.5 * x, np.where(x < 10, 3 - 0.75 * (x - 6), 0.25 * (x - 10)))


def trained(N: int, n: int = 50, seed: int = 0, steps: int = 3000) -> tuple[dict, list]:
    """A [1, N, 1] ReLU net trained with Adam (float32) on n points of the kinked target."""
    import torch
    torch.manual_seed(seed)
    x = np.sort(np.random.default_rng(seed).uniform(0, 20, n)).astype(np.float32)
    X, Y = torch.tensor(x)[:, None], torch.tensor(_target(x).astype(np.float32))[:, None]
    model = torch.nn.Sequential(torch.nn.Linear(1, N), torch.nn.ReLU(), torch.nn.Linear(N, 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(steps):
        optimizer.zero_grad()
        ((model(X) - Y) ** 2).mean().backward()
        optimizer.step()
    weights = [t.detach().numpy().tolist() for t in model.parameters()]
    return dict(zip("WbVc", weights)), [[float(v)] for v in x]


def integer_case(d: int, N: int, n: int, seed: int) -> tuple[dict, list]:
    rng = random.Random(seed)
    e = lambda: rng.randint(-3, 3)  # noqa: E731
    net = {"W": [[e() for _ in range(d)] for _ in range(N)], "b": [e() for _ in range(N)],
           "V": [[e() for _ in range(N)]], "c": [e()]}
    return net, [[rng.randint(-9, 9) + rng.random() for _ in range(d)] for _ in range(n)]


def _cpu(f) -> float:
    start = time.process_time()
    with contextlib.redirect_stdout(io.StringIO()):
        code = f()
    assert code == 0, code   # an answer, not a refusal
    return time.process_time() - start


def measure(name: str, net: dict, X: list, folder: str, fdim: bool) -> dict:
    network, sample = os.path.join(folder, f"{name}.json"), os.path.join(folder, f"{name}.csv")
    with open(network, "w") as handle:
        json.dump(net, handle)
    with open(sample, "w") as handle:
        handle.write("\n".join(",".join(repr(v) for v in row) for row in X) + "\n")
    a = analyze(read_network(network), read_sample(sample))
    J = np.array([[float(q) for q in row] for row in a.jacobian])
    numpy_s = float("inf")
    for _ in range(5):   # best of 5: the first call pays numpy's and BLAS's warm-up
        start = time.process_time()
        numpy_rank = int(np.linalg.matrix_rank(J))
        numpy_s = min(numpy_s, max(time.process_time() - start, 1e-4))
    row = {"case": name, "P": a.n_parameters, "n": a.n_samples, "exact_rank": a.local_dimension,
           "numpy_rank": numpy_rank, "numpy_s": numpy_s,
           "check_s": _cpu(lambda: cli(["check", network, sample]))}
    row["check_ratio"] = row["check_s"] / numpy_s
    if fdim:
        row["fdim_s"] = _cpu(lambda: cli(["fdim", network]))
        row["fdim_ratio"] = row["fdim_s"] / numpy_s
    return row


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the width-100 net only")
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    args = parser.parse_args(argv)
    cases = [("trained-1-100-1", lambda: trained(100), True)]
    if not args.quick:
        cases += [("trained-1-500-1", lambda: trained(500), True),
                  ("int-d10-N200-n10", lambda: integer_case(10, 200, 10, 2), False),
                  ("int-d2-N200-n1", lambda: integer_case(2, 200, 1, 0), False)]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name, make, fdim in cases:
            rows.append(measure(name, *make(), folder, fdim))
            r = rows[-1]
            print(f"{r['case']:18s} P={r['P']:5d} n={r['n']:3d} rank={r['exact_rank']:4d} "
                  f"(numpy {r['numpy_rank']:4d}, {r['numpy_s']:.4f} s)  "
                  f"check {r['check_s']:7.2f} s"
                  f" ratio {r['check_ratio']:7.0f}"
                  + (f"  fdim {r['fdim_s']:7.2f} s ratio {r['fdim_ratio']:8.0f}"
                     if 'fdim_s' in r else ""), flush=True)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"python": sys.version, "machine": platform.machine(), "rows": rows},
                      handle, indent=2)


if __name__ == "__main__":
    main()
