"""Certified exact rank on trained-like float weights: the front door against numpy, same process.

The grid is what users bring: float64 and float32 He-initialised weights (their exact binary
values), shallow (d = 20, 43, 64, 784) and deep ([20,30,30,1], [10,10,10,10,1], [64,32,32,10],
[784,30,30,30,10]); data: Gaussian, sklearn digits (d = 64), an MNIST subset (d = 784, pixels/255
as floats), duplicated samples, samples on a low-dimensional subspace; networks: plain,
half-dead, near-duplicate neurons, large biases (most neurons active on almost every sample or
almost none); several weight seeds.

- relugeom: ``local_dimension_report(net, X, fallback="interval")`` (``method="auto"``):
  structural certificates, then the verified kernel, else a certified interval with ``exact``
  False (never an elimination of unbounded cost). The seconds include reading the float
  arrays exactly.
- numpy: the float Jacobian (:func:`relugeom.numeric_jacobian`, from the float arrays the
  network was built from, as a numpy user holds them) and its singular values, numpy's rule
  S.max()·max(shape)·eps (``matrix_rank``), with the singular-value gap σ_r/σ_{r+1}.

ratio = relugeom seconds / numpy seconds (lower is better), both in this process, BLAS pinned
alike (``--threads 1`` pins it before numpy loads). ``--memory`` adds the peak RSS growth of a
second, untimed relugeom run. After one warm-up case, each side of each case is run once, and
again while it takes under half a second — seven times in all, and more (up to 1000) until
0.4 s went into it, the two sides alternating in blocks of 0.05 s — each run on a freshly built
network and sample; the table gives each side's minimum.

    python benchmarks/bench_certified.py --threads 1 [--quick] [--seeds 0,1,2 | 0-15] [--memory]
        [--shape 64,32,10] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from threads import set_threads

if __name__ == "__main__":
    set_threads(sys.argv)

import numpy as np  # noqa: E402

from relugeom import (DeepNetwork, ShallowNetwork, local_dimension_report,  # noqa: E402
                      numeric_jacobian)


def he_layers(widths: list[int], rng: np.random.Generator, dtype: type,
              bias_scale: float = 0.1) -> list[tuple]:
    return [(rng.normal(0.0, np.sqrt(2.0 / a), (b, a)).astype(dtype).astype(float),
             rng.normal(0.0, bias_scale, b).astype(dtype).astype(float))
            for a, b in zip(widths, widths[1:])]


def network(widths: list[int], seed: int, dtype: type, kind: str) -> ShallowNetwork | DeepNetwork:
    rng = np.random.default_rng(seed)
    layers = he_layers(widths, rng, dtype, 3.0 if kind == "large biases" else 0.1)
    W, b = layers[0]
    if kind == "half dead":  # half the first-layer neurons inactive on every sample
        b[: len(b) // 2] = -1e3
    if kind == "near duplicates":  # neuron 1 = neuron 0 up to a tiny change
        W[1], b[1] = W[0] * (1 + 2.0 ** -20), b[0]
    if len(layers) == 2:
        (V, c) = layers[1]
        return ShallowNetwork.from_numpy(W, b, V, c)
    return DeepNetwork.from_numpy(layers)


def sample(d: int, n: int, seed: int, data: str) -> np.ndarray:
    rng = np.random.default_rng(seed + 1)
    if data == "duplicates":  # 10% distinct samples
        return np.repeat(rng.normal(size=(max(n // 10, 1), d)), 10, axis=0)[:n]
    if data == "subspace":  # samples exactly on a 3-dimensional subspace (small integers: a
        # float product Z·A of normal draws has rank 3 only up to rounding, exactly full rank)
        return (rng.integers(-3, 4, (n, 3)) @ rng.integers(-3, 4, (3, d))).astype(float)
    if data == "digits":
        from sklearn.datasets import load_digits
        X = load_digits().data
        return X[rng.permutation(len(X))[:n]] / 16.0
    if data == "mnist":
        from relugeom.model.datasets import load_mnist
        return load_mnist(n, seed=seed).floats()
    return rng.normal(size=(n, d))


# (widths, n, [(data, kind), ...]) — every dtype and seed runs each pair
VARIED = [("gaussian", "plain"), ("duplicates", "plain"), ("subspace", "plain"),
          ("gaussian", "half dead"), ("gaussian", "near duplicates")]
QUICK = [([20, 8, 1], 50, VARIED), ([20, 32, 3], 200, VARIED), ([64, 8, 3], 50, VARIED),
         ([64, 32, 10], 200, [("digits", "plain"), ("digits", "half dead")]),
         ([43, 24, 3], 320, [("gaussian", "large biases")]),
         ([20, 30, 30, 1], 100, VARIED), ([10, 10, 10, 10, 1], 50, VARIED)]
FULL = QUICK + [
    ([20, 100, 1], 2000, [("gaussian", "plain"), ("duplicates", "plain")]),
    ([64, 100, 3], 1000, [("digits", "plain"), ("gaussian", "large biases")]),
    ([784, 8, 10], 200, [("mnist", "plain"), ("mnist", "half dead")]),
    ([784, 16, 10], 100, [("mnist", "plain")]), ([784, 16, 10], 500, [("mnist", "plain")]),
    ([20, 20, 1], 800, [("duplicates", "plain")]), ([43, 12, 1], 320, [("gaussian", "half dead")]),
    ([20, 30, 30, 1], 2000, [("gaussian", "plain")]),
    ([64, 32, 32, 10], 200, [("digits", "plain"), ("gaussian", "half dead")]),
    ([784, 30, 30, 30, 10], 200, [("mnist", "plain")])]


#: A side (relugeom or numpy) faster than this, in seconds, is timed again: REPEATS runs in
#: all, and more, up to MAX_REPEATS, until SPENT seconds went into it (a sub-millisecond time
#: varies by tens of percent from run to run on a shared machine; the minimum over a few
#: hundred runs is stable), the two sides' runs in alternating blocks of BLOCK seconds (a
#: busy spell of the machine, which may last a few tenths of a second, then slows both sides'
#: blocks, not all of one side's runs; within a block the runs follow each other).
SHORT = 0.5
REPEATS = 7
SPENT, MAX_REPEATS, BLOCK = 0.4, 1000, 0.05


def _relugeom_side(widths: list[int], n: int, dtype: type, data: str, kind: str,
                   seed: int) -> tuple:
    """relugeom's report and seconds, on a freshly built network and sample (nothing cached
    from an earlier run)."""
    net, X = network(widths, seed, dtype, kind), sample(widths[0], n, seed, data)
    start = time.perf_counter()
    report = local_dimension_report(net, X, fallback="interval")
    return report, time.perf_counter() - start


def _numpy_side(widths: list[int], n: int, dtype: type, data: str, kind: str,
                seed: int) -> tuple:
    """numpy's float Jacobian, its singular values, and the seconds for both."""
    net, X = network(widths, seed, dtype, kind), sample(widths[0], n, seed, data)
    start = time.perf_counter()
    J = numeric_jacobian(net, X)
    S = np.linalg.svd(J, compute_uv=False)
    return J, S, time.perf_counter() - start


def _fastest(repeats: int, *case) -> tuple[tuple, tuple]:
    """Each side (relugeom, numpy) run once, then again while it takes under SHORT seconds (at
    least ``repeats`` runs in all, more while under SPENT seconds were spent, up to
    MAX_REPEATS), in alternating blocks of BLOCK seconds: each side's first results with its
    minimum time."""
    sides = (_relugeom_side, _numpy_side)
    first = [side(*case) for side in sides]
    best = [results[-1] for results in first]
    spent, runs = best[:], [1, 1]

    def again(k: int) -> bool:
        return best[k] < SHORT and runs[k] < MAX_REPEATS and (runs[k] < repeats or
                                                              spent[k] < SPENT)
    while again(0) or again(1):
        for k in (0, 1):
            block = 0.0
            while again(k) and block < BLOCK:
                seconds = sides[k](*case)[-1]
                best[k], spent[k] = min(best[k], seconds), spent[k] + seconds
                runs[k], block = runs[k] + 1, block + seconds
    return tuple((*results[:-1], seconds) for results, seconds in zip(first, best))


def run_case(widths: list[int], n: int, dtype: type, data: str, kind: str, seed: int,
             memory: bool, repeats: int = REPEATS) -> dict:
    case = (widths, n, dtype, data, kind, seed)
    (report, exact_s), (J, S, numpy_s) = _fastest(repeats, *case)
    numpy_rank = int((S > S.max() * max(J.shape) * np.finfo(float).eps).sum()) if S.size else 0
    gap = (float(S[numpy_rank - 1] / S[numpy_rank]) if 0 < numpy_rank < len(S) and S[numpy_rank]
           else None)
    peak = None
    if memory:
        from bench_scale import PeakMemory
        with PeakMemory() as mem:
            local_dimension_report(network(widths, seed, dtype, kind),
                                   sample(widths[0], n, seed, data), fallback="interval")
        peak = mem.mib
    return {"widths": widths, "n": n, "dtype": np.dtype(dtype).name, "data": data, "kind": kind,
            "seed": seed, "rank": report.value, "exact": report.exact,
            "certificate": report.certificate, "lower": report.lower_bound,
            "upper": report.upper_bound, "exact_seconds": exact_s, "numpy_rank": numpy_rank,
            "numpy_seconds": numpy_s, "ratio": exact_s / numpy_s, "gap": gap,
            "peak_mib": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the small architectures only")
    parser.add_argument("--seeds", default="0",
                        help="weight seeds, comma-separated (a-b: a range)")
    parser.add_argument("--shape", help="only this architecture, e.g. 64,32,10")
    parser.add_argument("--memory", action="store_true", help="also the peak RSS growth")
    parser.add_argument("--threads", help="BLAS threads (set before numpy loads)")
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    args = parser.parse_args()
    seeds = [seed for part in args.seeds.split(",") for seed in
             (range(int(part.split("-")[0]), int(part.split("-")[1]) + 1) if "-" in part
              else [int(part)])]
    shape = None if args.shape is None else [int(w) for w in args.shape.split(",")]
    run_case([20, 8, 1], 50, np.float64, "gaussian", "plain", 99, False)  # warm-up: imports
    rows = []
    print(f"{'architecture':>22} {'n':>5} {'dtype':>7} {'data / kind':>27} {'seed':>4} "
          f"{'rank':>6} {'numpy':>6} {'gap':>8} {'relugeom s':>10} {'numpy s':>8} {'ratio':>7} "
          f"{'MiB':>5}  certificate")
    for widths, n, pairs in (QUICK if args.quick else FULL):
        if shape is not None and widths != shape:
            continue
        for data, kind in pairs:
            for dtype in (np.float64, np.float32):
                for seed in seeds:
                    row = run_case(widths, n, dtype, data, kind, seed, args.memory)
                    rows.append(row)
                    shown = (row["certificate"] if row["exact"] else
                             f"NOT CERTIFIED: {row['lower']} ≤ rank ≤ {row['upper']}")
                    gap = f"{row['gap']:.2g}" if row["gap"] is not None else "—"
                    mib = f"{row['peak_mib']:.0f}" if row["peak_mib"] is not None else "—"
                    print(f"{str(widths):>22} {n:>5} {row['dtype']:>7} "
                          f"{data + ' / ' + kind:>27} {seed:>4} {row['rank']:>6} "
                          f"{row['numpy_rank']:>6} {gap:>8} {row['exact_seconds']:>10.4f} "
                          f"{row['numpy_seconds']:>8.4f} {row['ratio']:>7.2f} {mib:>5}  {shown}",
                          flush=True)
    ratios = [r["ratio"] for r in rows]
    certified = sum(r["exact"] for r in rows)
    print(f"{certified}/{len(rows)} certified; ratio median {statistics.median(ratios):.2f}, "
          f"worst {max(ratios):.2f}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(rows, handle, indent=2)


if __name__ == "__main__":
    main()
