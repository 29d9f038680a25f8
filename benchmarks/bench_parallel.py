"""All cores: the exhaustive search and the fdim sampling repeats on 1 and 2 workers, one run.

- ``exhaustive T1``: ``exhaustive_search("symmetry_bound")`` (dim ≤ P − N, an exact rank per
  case, true, so every case is evaluated) on d = 1, N ∈ {1, 2}, m = 1, n ∈ {1, …, 4}, entries
  in {−1, 0, 1}, grid {±1/2, ±3/2, ±5/2}: 127,008 cases (``--quick``: n ≤ 3, grid {±1/2, ±3/2},
  31,752 cases). Cases per second counts every case of the family (skipped ones included).
- ``fdim sampling``: ``sampling_convergence`` of a trained-like network (d = 2, N = 8, float64
  weights read exactly) under a Gaussian, ``--repeats`` repeats of up to 10,000 points.

Each workload runs with ``n_jobs=1`` then ``n_jobs=2`` in the same process; the loky pool is
started, and the search imported in its workers, before the timing (that start-up, a few
seconds, is reported on its own line), and the CPU seconds of the workers are read from /proc
to give the work ratio (parallel CPU / serial CPU: the overhead of splitting). The
parallel results are checked equal to the serial ones. Speedup = serial wall time / parallel
wall time; target ≥ 1.7× for the search on two cores. On a machine shared with other work the
ratio falls with the load (the load average is printed before and after): with the kernel's
autogroup scheduling all the processes of one terminal session share one session's part of a
busy machine, so two workers gain nothing while other sessions keep both cores busy. The
serial runs' CPU seconds give the rate per core, which the load does not change much.

    python benchmarks/bench_parallel.py [--quick] [--repeats 32] [--jobs 2] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np

from relugeom import ShallowNetwork
from relugeom.geometry.sampling import gaussian, sampling_convergence
from relugeom.search.exhaustive import exhaustive_search, family_size

FAMILY = {"values": (-1, 0, 1), "input_dim": 1, "hidden_width": (1, 2), "n": (1, 4),
          "grid": ("-5/2", "-3/2", "-1/2", "1/2", "3/2", "5/2")}
QUICK_FAMILY = {**FAMILY, "n": (1, 3), "grid": ("-3/2", "-1/2", "1/2", "3/2")}
TARGET = 1.7


def trained_like(seed: int = 0, d: int = 2, N: int = 8) -> ShallowNetwork:
    """Float64 weights (read exactly); biases of scale 2, so some regions are rare and the
    repeats run long."""
    rng = np.random.default_rng(seed)
    return ShallowNetwork(W=rng.normal(size=(N, d)), b=2 * rng.normal(size=N),
                          V=rng.normal(size=(1, N)), c=rng.normal(size=1))


def _children_cpu() -> float:
    """CPU seconds used so far by the live child processes of this one (the loky workers),
    read from /proc (Linux); 0 elsewhere."""
    total, me = 0, str(os.getpid())
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[1] == me:                 # ppid; utime and stime follow at 11 and 12
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _timed(run):
    start, cpu = time.perf_counter(), time.process_time()
    result = run()
    _timed.cpu = time.process_time() - cpu      # CPU seconds of this process (serial runs)
    return result, time.perf_counter() - start


def measure(family: dict, repeats: int, jobs: int) -> tuple[list[dict], float]:
    # start the pool, and import the search in its workers (hypothesis, the catalogue)
    _, startup = _timed(lambda: exhaustive_search("symmetry_bound", hidden_width=1, n=1,
                                                  n_jobs=jobs, chunk_size=1))
    rows = []
    cases = family_size(**family).cases
    serial, t1 = _timed(lambda: exhaustive_search("symmetry_bound", progress=False, **family))
    cpu, workers_before = _timed.cpu, _children_cpu()
    parallel, t2 = _timed(lambda: exhaustive_search("symmetry_bound", progress=False,
                                                    n_jobs=jobs, **family))
    workers_cpu = _children_cpu() - workers_before
    assert serial.proved and serial.to_dict() == parallel.to_dict()
    rows.append({"workload": "exhaustive T1", "size": cases, "unit": "cases",
                 "serial_s": t1, "serial_cpu_s": cpu, "parallel_s": t2,
                 "workers_cpu_s": workers_cpu})
    network, law = trained_like(), gaussian(2)
    options = {"repeats": repeats, "max_points": 10000, "probability_draws": 2000, "seed": 0}
    serial, t1 = _timed(lambda: sampling_convergence(network, law, **options))
    cpu, workers_before = _timed.cpu, _children_cpu()
    parallel, t2 = _timed(lambda: sampling_convergence(network, law, n_jobs=jobs, **options))
    workers_cpu = _children_cpu() - workers_before
    assert serial.to_dict() == parallel.to_dict()
    rows.append({"workload": "fdim sampling", "size": repeats, "unit": "repeats",
                 "serial_s": t1, "serial_cpu_s": cpu, "parallel_s": t2,
                 "workers_cpu_s": workers_cpu})
    for row in rows:
        row["speedup"] = row["serial_s"] / row["parallel_s"]
        row["serial_per_s"] = row["size"] / row["serial_s"]
        row["parallel_per_s"] = row["size"] / row["parallel_s"]
    return rows, startup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="31,752 cases, 8 repeats")
    parser.add_argument("--repeats", type=int, default=None, help="fdim repeats (default 32)")
    parser.add_argument("--jobs", type=int, default=2, help="workers of the parallel runs")
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    args = parser.parse_args()
    family = QUICK_FAMILY if args.quick else FAMILY
    repeats = args.repeats or (8 if args.quick else 32)
    load_before = os.getloadavg()[0]
    rows, startup = measure(family, repeats, args.jobs)
    load_after = os.getloadavg()[0]
    print(f"relugeom on {args.jobs} workers against 1 ({os.cpu_count()} cores; python "
          f"{platform.python_version()}; load average {load_before:.1f} before, "
          f"{load_after:.1f} after)")
    print(f"{'workload':<16}{'size':>9} {'unit':<8}{'1 job s':>9}{f'{args.jobs} jobs s':>10}"
          f"{'per s, 1':>10}{f'per s, {args.jobs}':>10}{'speedup':>9}")
    for r in rows:
        print(f"{r['workload']:<16}{r['size']:>9,} {r['unit']:<8}{r['serial_s']:>9.1f}"
              f"{r['parallel_s']:>10.1f}{r['serial_per_s']:>10.1f}{r['parallel_per_s']:>10.1f}"
              f"{r['speedup']:>8.2f}×")
    print(f"pool start-up with the search imported in the workers (not in the times above): "
          f"{startup:.1f} s; the serial runs "
          f"used {rows[0]['serial_cpu_s']:.1f} and {rows[1]['serial_cpu_s']:.1f} CPU s: "
          f"{rows[0]['size'] / rows[0]['serial_cpu_s']:,.0f} cases per CPU second")
    for row in rows:
        if row["workers_cpu_s"]:
            print(f"{row['workload']}: the workers used {row['workers_cpu_s']:.1f} CPU s for "
                  f"the serial run's {row['serial_cpu_s']:.1f} (work ratio "
                  f"{row['workers_cpu_s'] / row['serial_cpu_s']:.2f}); they ran "
                  f"{row['workers_cpu_s'] / row['parallel_s']:.2f} cores on average")
    search = rows[0]["speedup"]
    print(f"search speedup {search:.2f}× ({'meets' if search >= TARGET else 'misses'} the "
          f"target {TARGET}×); one hour at this rate: "
          f"{rows[0]['parallel_per_s'] * 3600:,.0f} cases of this family")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"family": family, "jobs": args.jobs, "cores": os.cpu_count(),
                       "load_average": [load_before, load_after], "pool_startup_s": startup,
                       "rows": rows}, handle, indent=2)


if __name__ == "__main__":
    main()
