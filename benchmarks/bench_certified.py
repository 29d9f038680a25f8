"""Certified exact rank on trained-like float weights: the front door against numpy, same process.

Cases are what users bring: float64 or float32 He-initialised weights (their exact binary
values), shallow and deep, on Gaussian data, duplicated samples, samples on a low-dimensional
subspace, half-dead networks and near-duplicate neurons.

- exact: ``local_dimension_report(net, X, method="modular")`` — the certified modular path that
  ``method="auto"`` tries first. When it is certified (``exact``), that is what auto returns;
  when it is not, the row shows the certified interval [lower, upper] and auto would fall back
  to exact elimination (not run here: on float weights it can take hours).
- numpy: the float Jacobian (:func:`relugeom.numeric_jacobian`) and ``np.linalg.matrix_rank``
  (numpy's rule S.max()·max(shape)·eps), with the singular-value gap σ_r/σ_{r+1} at its rank.

The ratio is exact seconds / numpy seconds (lower is better). Pin BLAS threads alike on both
sides with OPENBLAS_NUM_THREADS=1 in the environment.

    python benchmarks/bench_certified.py [--quick] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

from relugeom import DeepNetwork, ShallowNetwork, local_dimension_report, numeric_jacobian


def he_layers(widths: list[int], rng: np.random.Generator, dtype: type) -> list[tuple]:
    return [(rng.normal(0.0, np.sqrt(2.0 / a), (b, a)).astype(dtype).astype(float),
             rng.normal(0.0, 0.1, b).astype(dtype).astype(float))
            for a, b in zip(widths, widths[1:])]


def network(widths: list[int], seed: int, dtype: type, kind: str) -> ShallowNetwork | DeepNetwork:
    rng = np.random.default_rng(seed)
    layers = he_layers(widths, rng, dtype)
    W, b = layers[0]
    if kind == "half dead":  # half the first-layer neurons inactive on every sample
        b[: len(b) // 2] = -1e3
    if kind == "near duplicates":  # neuron 1 = neuron 0 up to a tiny change
        W[1], b[1] = W[0] * (1 + 2.0 ** -20), b[0]
    if len(layers) == 2:
        (V, c) = layers[1]
        return ShallowNetwork.from_numpy(W, b, V, c)
    return DeepNetwork.from_numpy(layers)


def sample(d: int, n: int, seed: int, kind: str) -> np.ndarray:
    rng = np.random.default_rng(seed + 1)
    if kind == "duplicates":  # 10% distinct samples
        return np.repeat(rng.normal(size=(max(n // 10, 1), d)), 10, axis=0)[:n]
    if kind == "subspace":  # samples exactly on a 3-dimensional subspace (small integers: a
        # float product Z·A of normal draws has rank 3 only up to rounding, exactly full rank)
        return (rng.integers(-3, 4, (n, 3)) @ rng.integers(-3, 4, (3, d))).astype(float)
    return rng.normal(size=(n, d))


QUICK = [([20, 8, 1], 50), ([20, 32, 3], 200), ([64, 32, 10], 200), ([20, 30, 30, 1], 100),
         ([10, 10, 10, 10, 1], 50)]
FULL = QUICK + [([64, 100, 3], 1000), ([784, 8, 10], 200), ([20, 100, 1], 2000),
                ([64, 32, 32, 10], 200), ([784, 30, 30, 30, 10], 200)]
KINDS = [("gaussian", "plain"), ("duplicates", "plain"), ("subspace", "plain"),
         ("gaussian", "half dead"), ("gaussian", "near duplicates")]


def run_case(widths: list[int], n: int, dtype: type, data: str, kind: str, seed: int) -> dict:
    net = network(widths, seed, dtype, kind)
    X = sample(widths[0], n, seed, data)
    start = time.perf_counter()
    report = local_dimension_report(net, X, method="modular")
    exact_s = time.perf_counter() - start
    start = time.perf_counter()
    J = numeric_jacobian(net, X)
    S = np.linalg.svd(J, compute_uv=False)
    numpy_rank = int((S > S.max() * max(J.shape) * np.finfo(float).eps).sum()) if S.size else 0
    numpy_s = time.perf_counter() - start
    gap = (float(S[numpy_rank - 1] / S[numpy_rank]) if 0 < numpy_rank < len(S) and S[numpy_rank]
           else None)
    return {"widths": widths, "n": n, "dtype": np.dtype(dtype).name, "data": data, "kind": kind,
            "rank": report.value, "exact": report.exact, "certificate": report.certificate,
            "lower": report.lower_bound, "upper": report.upper_bound,
            "exact_seconds": exact_s, "numpy_rank": numpy_rank, "numpy_seconds": numpy_s,
            "ratio": exact_s / numpy_s, "gap": gap}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the small architectures only")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    args = parser.parse_args()
    rows = []
    print(f"{'architecture':>22} {'n':>5} {'dtype':>7} {'data / kind':>26} {'rank':>6} "
          f"{'numpy':>6} {'exact s':>8} {'numpy s':>8} {'ratio':>7}  certificate")
    for widths, n in (QUICK if args.quick else FULL):
        for dtype in (np.float64, np.float32):
            for data, kind in KINDS:
                row = run_case(widths, n, dtype, data, kind, args.seed)
                rows.append(row)
                shown = (row["certificate"] if row["exact"] else
                         f"NOT CERTIFIED: {row['lower']} ≤ rank ≤ {row['upper']}")
                print(f"{str(widths):>22} {n:>5} {row['dtype']:>7} {data + ' / ' + kind:>26} "
                      f"{row['rank']:>6} {row['numpy_rank']:>6} {row['exact_seconds']:>8.3f} "
                      f"{row['numpy_seconds']:>8.3f} {row['ratio']:>7.2f}  {shown}", flush=True)
    ratios = [r["ratio"] for r in rows]
    certified = sum(r["exact"] for r in rows)
    print(f"{certified}/{len(rows)} certified; ratio median {statistics.median(ratios):.2f}, "
          f"worst {max(ratios):.2f}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(rows, handle, indent=2)


if __name__ == "__main__":
    main()
