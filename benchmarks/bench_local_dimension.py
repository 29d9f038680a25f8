"""Exact local_dimension against numpy's float matrix_rank, same process, same weights and data.

Cases (m = 1, Gaussian float64 data and He-like float64 weights, read exactly by relugeom):
d=2, N=8, n=60; d=10, N=32, n=500; d=784, N=16, n=1000.

- exact: ``local_dimension_report(net, X)`` (method "auto": certified exact; the table says
  which path and certificate), and ``method="exact"`` (fraction-free elimination) where it is
  affordable (``--exact-limit`` entries of J);
- numpy: float64 Jacobian built from the float weights, then numpy's rank rule.

    python benchmarks/bench_local_dimension.py [--repeat 3] [--json out.json] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import bench_scale  # noqa: F401  (first: it sets BLAS threads from --threads before numpy)
import numpy as np  # noqa: E402

from bench_scale import float_weights, numpy_rank, timed  # noqa: E402
from relugeom import ShallowNetwork
from relugeom.rank.dimension import local_dimension_report

CASES = [(2, 8, 60), (10, 32, 500), (784, 16, 1000)]


def run_case(d: int, N: int, n: int, repeat: int, exact_limit: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    W, b, V, c = float_weights(d, N, 1, seed + 1, 1.0)
    net = ShallowNetwork.from_numpy(W, b, V, c)
    best = {}
    for _ in range(repeat):  # interleaved, best of each
        report, t_auto, mem_auto = timed(local_dimension_report, net, X)
        numeric, t_np, mem_np = timed(numpy_rank, W, b, V, c, X)
        best["auto"] = min(best.get("auto", t_auto), t_auto)
        best["numpy"] = min(best.get("numpy", t_np), t_np)
    t_exact, exact_value = None, None
    if n * net.n_parameters <= exact_limit:
        exact_report, t_exact, _ = timed(local_dimension_report, net, X, method="exact")
        exact_value = exact_report.value
        assert exact_value == report.value
    return {"d": d, "N": N, "n": n, "P": net.n_parameters, "exact_rank": report.value,
            "certificate": report.certificate, "numpy_rank": numeric["rank"],
            "numpy_gap": numeric["gap"], "auto_seconds": best["auto"],
            "numpy_seconds": best["numpy"], "ratio": best["auto"] / best["numpy"],
            "exact_elimination_seconds": t_exact,
            "exact_elimination_ratio": t_exact / best["numpy"] if t_exact else None,
            "auto_peak_mib": mem_auto, "numpy_peak_mib": mem_np}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    parser.add_argument("--json", metavar="PATH", help="write the rows as JSON")
    parser.add_argument("--threads", type=int, help="BLAS threads for both sides")
    parser.add_argument("--exact-limit", type=int, default=2_000_000,
                        help="also time method='exact' when J has at most this many entries")
    args = parser.parse_args(argv)
    rows = [run_case(d, N, n, args.repeat, args.exact_limit) for d, N, n in CASES]
    head = (f"{'d':>4} {'N':>3} {'n':>5} {'P':>6} {'exact':>6} {'numpy':>6} {'auto s':>8} "
            f"{'numpy s':>8} {'ratio':>6} {'elim s':>8} {'ratio':>6}  certificate (auto)")
    print(f"bench_local_dimension (m = 1; {os.cpu_count()} cores; BLAS threads: "
          f"{os.environ.get('OPENBLAS_NUM_THREADS', 'default')}; best of {args.repeat})")
    print(head)
    print("-" * len(head))
    for r in rows:
        elim = f"{r['exact_elimination_seconds']:.3f}" if r["exact_elimination_seconds"] else "—"
        eratio = f"{r['exact_elimination_ratio']:.2f}" if r["exact_elimination_ratio"] else "—"
        print(f"{r['d']:>4} {r['N']:>3} {r['n']:>5} {r['P']:>6} {r['exact_rank']:>6} "
              f"{r['numpy_rank']:>6} {r['auto_seconds']:>8.3f} {r['numpy_seconds']:>8.3f} "
              f"{r['ratio']:>6.2f} {elim:>8} {eratio:>6}  {r['certificate']}")
    print("ratio = exact time / numpy time; elim = method='exact' (fraction-free elimination)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": rows, "cores": os.cpu_count()}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
