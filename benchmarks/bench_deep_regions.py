"""Benchmark: exact activation regions of deep networks (relugeom.arrangement.deep) against
relucent, in the same process when it is importable.

Networks: seeded, dyadic weights k/64 with k uniform in [−64, 64] (DeepNetwork.random), widths
[2,16,16,1], [3,12,12,1], [4,8,8,1], [2,10,10,10,1], [2,32,32,1], [5,10,10,1]. For each:

- ``ours``: :func:`relugeom.deep_activation_regions` (every region with its exact interior
  point, irredundant facets and boundedness) and the region adjacency graph;
- ``relucent``: ``relucent.Complex(model).bfs(nworkers=1)`` on the same weights as a float64
  PyTorch model (its local search over the complex, LPs on Gurobi), when ``import relucent``
  works (pip install relucent; gurobipy's pip licence is size-limited but enough here) —
  ``--relucent-path DIR`` adds DIR to sys.path first. Otherwise the rates the issue measured
  on this machine are shown, marked "published".

Times: wall-clock seconds, ours and relucent's interleaved row by row so that both run under
the same load (``ratio`` = our regions/s ÷ relucent's), and CPU seconds (``cpu ratio``: ours,
this process; relucent's, this process plus its finished worker processes, whose CPU time the
OS reports on exit), which the other jobs of a shared machine disturb much less. Against the
published figures (measured on a quiet machine) only the CPU ratio is meaningful. Every row
where relucent ran checks that the two region counts agree. Target: ratio ≥ 10 on every row,
≥ 1,000 regions/s at d = 2.

    python benchmarks/bench_deep_regions.py [--rows 0,1,2] [--no-relucent]
        [--relucent-path DIR] [--json PATH]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import resource
import sys
import time

from relugeom import DeepNetwork, deep_activation_regions

ROWS = [(2, 16, 16, 1), (3, 12, 12, 1), (4, 8, 8, 1), (2, 10, 10, 10, 1), (2, 32, 32, 1),
        (5, 10, 10, 1)]
#: relucent on the issue's machine (its core, 1 worker, default verification): regions, seconds
PUBLISHED = {(2, 16, 16, 1): (498, 24.6, 24.6), (3, 12, 12, 1): (2815, 113.0, 113.0),
             (4, 8, 8, 1): (1607, 56.0, 56.0)}


def network(widths: tuple, seed: int = 0) -> DeepNetwork:
    return DeepNetwork.random(widths, seed=seed, low=-64, high=64, denominator=64)


def ours(net: DeepNetwork) -> tuple[int, float, float, float]:
    """(regions, seconds for the regions, seconds for the adjacency graph, CPU seconds for the
    regions)."""
    start, cpu = time.perf_counter(), time.process_time()
    regions = deep_activation_regions(net)
    middle, cpu = time.perf_counter(), time.process_time() - cpu
    regions.graph
    return regions.count, middle - start, time.perf_counter() - middle, cpu


def _cpu() -> float:
    """CPU seconds of this process and of its children that have finished."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def relucent_count(net: DeepNetwork) -> tuple[int, float, float]:
    """(regions, wall seconds, CPU seconds) of relucent's search."""
    import relucent
    import torch

    modules = []
    for l, (W, b) in enumerate(net.layers):
        linear = torch.nn.Linear(len(W[0]), len(W)).double()
        with torch.no_grad():
            linear.weight[:] = torch.tensor([[float(q) for q in row] for row in W],
                                            dtype=torch.float64)
            linear.bias[:] = torch.tensor([float(q) for q in b], dtype=torch.float64)
        modules.append(linear)
        if l < net.depth - 1:
            modules.append(torch.nn.ReLU())
    start, cpu = time.perf_counter(), _cpu()
    complex_ = relucent.Complex(torch.nn.Sequential(*modules))
    complex_.bfs(nworkers=1, verbose=0)
    return len(complex_), time.perf_counter() - start, _cpu() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", help="comma-separated row indices (default: all)")
    parser.add_argument("--no-relucent", action="store_true", help="do not run relucent")
    parser.add_argument("--relucent-path", help="a folder holding relucent and gurobipy")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights (default 0)")
    parser.add_argument("--json", metavar="PATH")
    args = parser.parse_args(argv)
    rows = ROWS if args.rows is None else [ROWS[int(i)] for i in args.rows.split(",")]
    if args.relucent_path:
        sys.path.append(args.relucent_path)
    have_relucent = False
    if not args.no_relucent:
        have_relucent = importlib.util.find_spec("relucent") is not None
    print(f"{'widths':<18} {'regions':>8} {'ours s':>8} {'cpu s':>7} {'graph s':>8} "
          f"{'ours /s':>9} {'relucent':>9} {'rel. s':>8} {'rel. cpu':>8} {'rel. /s':>8} "
          f"{'ratio':>7} {'cpu ratio':>9}  source")
    results = []
    for widths in rows:
        net = network(widths, args.seed)
        count, seconds, graph, cpu = ours(net)
        rate = count / seconds
        row = {"widths": list(widths), "regions": count, "seconds": seconds,
               "cpu_seconds": cpu, "graph_seconds": graph, "regions_per_second": rate}
        theirs = None
        if have_relucent:
            try:
                theirs = (*relucent_count(net), "same process")
            except Exception as exc:   # relucent refuses non-simple arrangements, for one
                failure = f"{type(exc).__name__}: {str(exc)[:200]}"
                print(f"  relucent failed on {list(widths)}: {failure}", flush=True)
                row["relucent_failure"] = failure
            if theirs is not None and theirs[0] != count:
                print(f"  note: relucent found {theirs[0]} regions, relugeom {count} (exact)")
        if theirs is None and widths in PUBLISHED and args.seed == 0:
            theirs = (*PUBLISHED[widths], "published (the issue; wall time, quiet machine)")
        text = (f"{str(list(widths)):<18} {count:>8} {seconds:>8.2f} {cpu:>7.2f} {graph:>8.2f} "
                f"{rate:>9.0f}")
        if theirs is not None:
            their_rate = theirs[0] / theirs[1]
            cpu_ratio = (count / cpu) / (theirs[0] / theirs[2])
            row.update({"relucent_regions": theirs[0], "relucent_seconds": theirs[1],
                        "relucent_cpu_seconds": theirs[2],
                        "relucent_regions_per_second": their_rate,
                        "ratio": rate / their_rate, "cpu_ratio": cpu_ratio,
                        "ratio_with_graph": count / (seconds + graph) / their_rate,
                        "relucent_source": theirs[3]})
            text += (f" {theirs[0]:>9} {theirs[1]:>8.1f} {theirs[2]:>8.1f} {their_rate:>8.1f} "
                     f"{rate / their_rate:>7.1f} {cpu_ratio:>9.1f}  {theirs[3]}")
        print(text, flush=True)
        results.append(row)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"python": platform.python_version(), "rows": results}, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
