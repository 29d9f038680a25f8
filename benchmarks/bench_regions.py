"""Benchmark: counting (Zaslavsky) and enumerating the cells of random integer arrangements.

For each size (d, N) a seeded arrangement of N hyperplanes with integer entries in [-10, 10]
is timed (CPU time of this process, best of ``--repeat`` runs, so that other jobs on the
machine disturb the figures less):

- ``count``: :func:`relugeom.region_counts` (characteristic polynomial, deletion–restriction);
- ``enumerate``: :func:`relugeom.enumerate_cells` (cells, interior points, boundedness), with
  cells per second;
- ``sage``: Sage's ``HyperplaneArrangement.n_regions()`` on the same hyperplanes, when
  passagemath-polyhedra (or Sage) is importable, on a freshly built arrangement each run (its
  construction is not timed; ours is). ``ratio`` = count / sage; the target is ≤ 1.

Every run checks that the three region counts agree.

    python benchmarks/bench_regions.py [--quick] [--repeat 3] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from fractions import Fraction

from relugeom.arrangement.cells import enumerate_cells, hyperplane_arrangement
from relugeom.arrangement.zaslavsky import region_counts

SIZES = [(2, 10), (2, 20), (2, 40), (3, 10), (3, 20), (4, 8), (4, 12), (5, 8), (5, 12),
         (6, 6), (6, 9)]
QUICK = [(2, 20), (3, 10), (4, 8), (5, 8), (6, 6)]


def random_arrangement(d: int, N: int, seed: int) -> tuple[list, list]:
    rng = random.Random(seed)
    return ([[rng.randint(-10, 10) for _ in range(d)] for _ in range(N)],
            [rng.randint(-10, 10) for _ in range(N)])


def best_time(func, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.process_time()
        result = func()
        best = min(best, time.process_time() - start)
    return best, result


def sage_peer():
    """A function (W, b) -> fresh Sage arrangement, or None when Sage is not importable."""
    try:
        from sage.all__sagemath_polyhedra import QQ
        from sage.geometry.hyperplane_arrangement.arrangement import HyperplaneArrangements
    except ImportError:
        try:
            from sage.all import QQ, HyperplaneArrangements
        except ImportError:
            return None

    def build(W, b):
        d = len(W[0])
        parent = HyperplaneArrangements(QQ, tuple(f"x{i}" for i in range(d)))
        distinct = set()   # Sage refuses h and -h together: pass each hyperplane once
        for w, bj in zip(W, b):
            if any(w):
                lead = next(x for x in w if x)
                distinct.add(tuple(Fraction(x, lead) for x in [bj, *w]))
        return parent([list(h) for h in sorted(distinct)])
    return build


def run(sizes, repeat: int, seed: int) -> list[dict]:
    sage = sage_peer()
    rows = []
    for d, N in sizes:
        W, b = random_arrangement(d, N, seed + 1000 * d + N)
        t_count, counts = best_time(lambda: region_counts(hyperplane_arrangement(W, b)), repeat)
        t_enum, cells = best_time(lambda: enumerate_cells(hyperplane_arrangement(W, b)), repeat)
        if len(cells) != counts.regions or sum(c.bounded for c in cells) != counts.bounded:
            raise SystemExit(f"disagreement at d={d}, N={N}: {len(cells)} cells enumerated, "
                             f"{counts.regions} counted")
        row = {"d": d, "N": N, "regions": counts.regions, "bounded": counts.bounded,
               "count_s": t_count, "enumerate_s": t_enum, "cells_per_s": len(cells) / t_enum}
        if sage is not None:
            t_sage = float("inf")
            for _ in range(repeat):
                A = sage(W, b)
                start = time.process_time()
                sage_regions = int(A.n_regions())
                t_sage = min(t_sage, time.process_time() - start)
            if sage_regions != counts.regions:
                raise SystemExit(f"Sage counts {sage_regions} regions at d={d}, N={N}, "
                                 f"relugeom {counts.regions}")
            row.update(sage_s=t_sage, ratio=t_count / t_sage)
        rows.append(row)
    return rows


def print_table(rows: list[dict]) -> None:
    with_sage = any("sage_s" in r for r in rows)
    head = f"{'d':>2} {'N':>3} {'regions':>8} {'bounded':>8} {'count ms':>9} {'enum ms':>9} " \
           f"{'cells/s':>9}"
    if with_sage:
        head += f" {'sage ms':>9} {'count/sage':>10}"
    print(head)
    for r in rows:
        line = (f"{r['d']:>2} {r['N']:>3} {r['regions']:>8} {r['bounded']:>8} "
                f"{1e3 * r['count_s']:>9.2f} {1e3 * r['enumerate_s']:>9.2f} "
                f"{r['cells_per_s']:>9.0f}")
        if with_sage:
            line += f" {1e3 * r['sage_s']:>9.2f} {r['ratio']:>10.3f}"
        print(line)
    if not with_sage:
        print("(Sage / passagemath-polyhedra not importable: no peer timing)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (best is kept)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args(argv)
    rows = run(QUICK if args.quick else SIZES, args.repeat, args.seed)
    print_table(rows)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"benchmark": "regions", "python": platform.python_version(),
                       "rows": rows}, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
