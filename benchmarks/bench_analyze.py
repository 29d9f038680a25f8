"""``relugeom analyze`` end to end against numpy's float rank, same process.

A shallow float network (d = 20, N = 100, m = 1; seeded standard normal weights written to
JSON as Python floats, i.e. shortest decimal literals, read exactly) and float samples (seeded
standard normal, one CSV per n, written as shortest decimal literals with a header line).

- relugeom: ``relugeom analyze NETWORK SAMPLE`` run in this process through
  :func:`relugeom.cli.main`, text report, stdout captured: reading the JSON and the CSV
  (exactly), activation patterns, perceived regions and linear pieces, the certified exact rank.
  The certificate is read off the :class:`~relugeom.analysis.Analysis` the command built
  (``local_dimension_certificate``), without computing anything again.
- numpy: the float64 Jacobian from relugeom's ``numeric_jacobian`` on the float sample, then
  ``np.linalg.matrix_rank`` (numpy's rule S.max()·max(shape)·eps). Both steps are timed.

ratio = relugeom seconds / numpy seconds. Files are written to a temporary folder (or
``--keep DIR``) before any timing.

    python benchmarks/bench_analyze.py [--sizes 2000,20000] [--seed 0] [--json out.json]
                                       [--threads 1] [--keep DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
import time

from threads import set_threads


set_threads(sys.argv)

import numpy as np  # noqa: E402

import relugeom.cli.analyze as analyze_command  # noqa: E402
from relugeom.cli import main  # noqa: E402
from relugeom.model.io import read_network  # noqa: E402
from relugeom.rank.jacobian import numeric_jacobian  # noqa: E402

D, N, M = 20, 100, 1


def write_network(path: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    net = {"W": rng.standard_normal((N, D)).tolist(), "b": rng.standard_normal(N).tolist(),
           "V": rng.standard_normal((M, N)).tolist(), "c": rng.standard_normal(M).tolist()}
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(net, handle)


def write_sample(path: str, n: int, seed: int) -> np.ndarray:
    X = np.random.default_rng(seed + 1000 + n).standard_normal((n, D))
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(",".join(f"x{l}" for l in range(D)) + "\n")
        for row in X.tolist():
            handle.write(",".join(map(repr, row)) + "\n")
    return X


class Spy:
    """Keeps the Analysis that ``relugeom analyze`` builds (for its certificate)."""

    def __init__(self) -> None:
        self.analysis = None
        self.original = analyze_command.analyze

    def __call__(self, *args, **kwargs):
        self.analysis = self.original(*args, **kwargs)
        return self.analysis


def run_relugeom(net_path: str, sample_path: str) -> dict:
    spy = Spy()
    analyze_command.analyze = spy
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            start = time.perf_counter()
            code = main(["analyze", net_path, sample_path])
            seconds = time.perf_counter() - start
    finally:
        analyze_command.analyze = spy.original
    if code != 0:
        raise SystemExit(f"relugeom analyze failed ({code}): {err.getvalue()}")
    text = out.getvalue()
    values = {}
    for line in text.splitlines()[1:]:
        label, _, value = line.strip().rpartition("  ")
        values[label.strip()] = value.strip()
    certificate = getattr(spy.analysis, "local_dimension_certificate", None)
    return {"seconds": seconds, "rank": int(values["local dimension (exact rank of J)"]),
            "regions": int(values["activation regions perceived by X"]),
            "pieces": int(values.get("linear pieces perceived by X", -1)),
            "certificate": certificate or "—", "report": text}


def run_numpy(net_path: str, X: np.ndarray) -> dict:
    network = read_network(net_path)
    start = time.perf_counter()
    J = numeric_jacobian(network, X)
    rank = int(np.linalg.matrix_rank(J))
    return {"seconds": time.perf_counter() - start, "rank": rank, "shape": list(J.shape)}


def main_bench(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,20000", help="sample sizes n (comma-separated)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    parser.add_argument("--threads", help="BLAS threads (set before numpy loads)")
    parser.add_argument("--keep", metavar="DIR", help="write the network and samples here")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    folder = args.keep or tempfile.mkdtemp(prefix="bench_analyze_")
    os.makedirs(folder, exist_ok=True)
    net_path = os.path.join(folder, "net.json")
    write_network(net_path, args.seed)
    samples = {n: (os.path.join(folder, f"x{n}.csv"), None) for n in sizes}
    for n in sizes:
        samples[n] = (samples[n][0], write_sample(samples[n][0], n, args.seed))
    rows = []
    print(f"relugeom analyze, d = {D}, N = {N}, m = {M}, float network and float CSV "
          f"(seed {args.seed}); numpy = numeric_jacobian + matrix_rank")
    head = (f"{'n':>6} {'exact rank':>10} {'numpy rank':>10} {'relugeom s':>10} "
            f"{'numpy s':>8} {'ratio':>6}  certificate")
    print(head)
    print("-" * len(head))
    for n in sizes:
        path, X = samples[n]
        ours = run_relugeom(net_path, path)
        theirs = run_numpy(net_path, X)
        ratio = ours["seconds"] / theirs["seconds"]
        row = {"n": n, "d": D, "N": N, "m": M, "exact_rank": ours["rank"],
               "certificate": ours["certificate"], "regions_perceived": ours["regions"],
               "pieces_perceived": ours["pieces"], "relugeom_seconds": ours["seconds"],
               "numpy_rank": theirs["rank"], "numpy_seconds": theirs["seconds"],
               "jacobian_shape": theirs["shape"], "ratio": ratio}
        rows.append(row)
        print(f"{n:>6} {ours['rank']:>10} {theirs['rank']:>10} {ours['seconds']:>10.2f} "
              f"{theirs['seconds']:>8.2f} {ratio:>6.2f}  {ours['certificate']}", flush=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"benchmark": "bench_analyze", "seed": args.seed, "rows": rows}, handle,
                      indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main_bench())
