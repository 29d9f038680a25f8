"""Counterexample search throughput: examples per second on small cases, same process.

Family: d ∈ [1, 3], N ∈ [1, 6], m = 1, n ∈ [1, 20], up to two random degenerate features
(:data:`relugeom.search.DEFAULT_FAMILY` with wider N and n). Every row is a random search of
``--examples`` examples that finds no counterexample (so no shrinking), with the same seed, so
all rows see the same (network, sample) pairs:

- ``draw only``: hypothesis drawing the pairs, conjecture ``lambda a: True`` (the floor);
- ``regions ≤ samples``: R ≤ n, a cheap conjecture (activation patterns only);
- ``T1 exact``: dim ≤ P − N with the exact rank (catalogue T1);
- ``T1 numeric``: the same bound with numpy's float ``matrix_rank`` of the float Jacobian
  (NUMERIC, the baseline an exact tool is compared with);
- ``exhaustive T1``: cases per second of the exhaustive mode on d = 1, N ∈ {1, 2},
  entries in {−1, 0, 1}, n ∈ {1, 2} (every case evaluated, no hypothesis).

Examples per second are given per wall-clock second and per CPU second of this process (on a
shared machine the CPU figure is the steadier). The ratio column divides each row's CPU rate by
the draw-only rate. Target: ≥ 200 examples/s for the cheap conjecture.

    python benchmarks/bench_search.py [--examples 400] [--quick] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np

from relugeom import numeric_jacobian
from relugeom.search.exhaustive import exhaustive_search
from relugeom.search.randomized import search

FAMILY = {"input_dim": (1, 3), "hidden_width": (1, 6), "output_dim": 1, "n": (1, 20),
          "random_features": True}


def regions_at_most_samples(a):
    return a.activation_regions_perceived <= a.n_samples


def always(a):
    return True


def t1_numeric(a):
    J = numeric_jacobian(a.network, a.X)
    return int(np.linalg.matrix_rank(J)) <= a.symmetry_bound


def _timed(run):
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def measure(examples: int) -> list[dict]:
    rows = []
    for label, conj in (("draw only", always), ("regions ≤ samples", regions_at_most_samples),
                        ("T1 exact", "symmetry_bound"), ("T1 numeric", t1_numeric)):
        result, wall, cpu = _timed(lambda: search(conj, max_examples=examples, seed=0,
                                                  **FAMILY))
        assert result.counterexample is None, f"{label}: unexpected counterexample"
        rows.append({"case": label, "examples": result.examples_tried, "wall_s": wall,
                     "cpu_s": cpu})
    result, wall, cpu = _timed(lambda: exhaustive_search("symmetry_bound", hidden_width=(1, 2),
                                                         n=(1, 2), progress=False))
    assert result.proved
    rows.append({"case": "exhaustive T1", "examples": result.examples_tried, "wall_s": wall,
                 "cpu_s": cpu})
    floor = rows[0]["examples"] / rows[0]["cpu_s"]
    for row in rows:
        row["per_wall_s"] = row["examples"] / row["wall_s"]
        row["per_cpu_s"] = row["examples"] / row["cpu_s"]
        row["cpu_rate_vs_draw_only"] = row["per_cpu_s"] / floor
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=400, help="examples per random row")
    parser.add_argument("--quick", action="store_true", help="100 examples per row")
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    args = parser.parse_args()
    examples = 100 if args.quick else args.examples
    rows = measure(examples)
    print(f"relugeom search throughput (d ≤ 3, N ≤ 6, m = 1, n ≤ 20; python "
          f"{platform.python_version()})")
    print(f"{'case':<20}{'examples':>9}{'wall s':>9}{'CPU s':>8}{'ex/s wall':>11}"
          f"{'ex/s CPU':>10}{'vs draw':>9}")
    for r in rows:
        print(f"{r['case']:<20}{r['examples']:>9}{r['wall_s']:>9.2f}{r['cpu_s']:>8.2f}"
              f"{r['per_wall_s']:>11.0f}{r['per_cpu_s']:>10.0f}"
              f"{r['cpu_rate_vs_draw_only']:>9.2f}")
    cheap = rows[1]["per_cpu_s"]
    print(f"cheap conjecture: {cheap:.0f} examples per CPU second "
          f"({'meets' if cheap >= 200 else 'misses'} the target of 200)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"family": {k: list(v) if isinstance(v, tuple) else v
                                  for k, v in FAMILY.items()}, "rows": rows}, handle, indent=2)


if __name__ == "__main__":
    main()
