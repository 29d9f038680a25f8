"""Benchmark: where a sweep's time goes, and what --jobs buys, as ratios in one process.

For each 1-D setting of the ``authors-1d`` preset (one seed, full 1,500 epochs) the run is
split into its two halves, timed separately (wall clock, best of ``--repeat``):

- ``train``: Keras-style float64 training (:func:`relugeom.experiments.optimizers.fit`);
- ``exact``: converting the final weights exactly and certifying the local dimension, the
  regions seen and all regions on [0, 20];
- ``ratio`` = exact / train (the exact half should stay a small fraction);
- ``estimate``: the budget model's estimate for the run (:mod:`relugeom.experiments.budget`),
  and ``est/real``.

Then ``--runs`` runs of the ``adam`` setting through :func:`relugeom.parallel.parallel_map` on
1 and on 2 workers: ``speedup`` = time(1) / time(2) (≤ 2 on two cores; less when the
machine is shared). Every run is checked: dimension ≤ 2·regions seen.

``--mnist``: instead, one checkpoint of ``authors-mnist`` at full size (the network trained
``--epoch`` epochs, 40 by default), the certified dimension on each sample (600 training,
2,000 held-out, 2,000 Gaussian images: Jacobians of 6,000 and 20,000 × 25,720) timed, beside
the budget model's estimate for that Jacobian (:func:`relugeom.experiments.budget.rank_seconds`)
and ``est/real`` — the calibration of the model (minutes; ``--samples train`` for one).

    python benchmarks/bench_sweep.py [--quick] [--repeat 1] [--runs 8] [--json PATH]
    python benchmarks/bench_sweep.py --mnist [--epoch 40] [--samples train test gaussian]
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np

from relugeom.experiments import budget, optimizers, presets, sweep
from relugeom.experiments.record import exact_network, exact_sample, local_dimension_on
from relugeom.parallel import parallel_map


def _timed(function, repeat: int):
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - start)
    return best, value


def split_run(task: dict, repeat: int) -> dict:
    """Train, then measure exactly, timed apart (the same steps as sweep.run_task)."""
    config, target = task["config"], task["config"]["target"]
    data_rng, _ = sweep._rngs(task)
    low, high = target["interval"]
    X = data_rng.uniform(low, high, size=(task["n"], 1))
    Y = sweep.target_values(target, X[:, 0])[:, None]

    def train():
        _, rng = sweep._rngs(task)
        net = optimizers.glorot_network([1, task["width"], 1], rng,
                                        task["setting"].get("bias_std", 0.0))
        *_, (_, _, trained) = optimizers.fit(net, X, Y, sweep._optimizer(task["setting"]),
                                             task["epochs"], rng, [task["epochs"]])
        return trained

    def exact(trained):
        network = exact_network(trained)
        dimension = local_dimension_on(network, exact_sample(X))[0]
        return dimension, sweep.regions_on_interval(network, low, high)

    train_seconds, trained = _timed(train, repeat)
    exact_seconds, (dimension, regions) = _timed(lambda: exact(trained), repeat)
    estimate = budget.sweep_seconds([task])
    return {"setting": task["setting"]["name"], "n": task["n"], "train": train_seconds,
            "exact": exact_seconds, "ratio": exact_seconds / train_seconds,
            "estimate": estimate, "est/real": estimate / (train_seconds + exact_seconds),
            "dimension": dimension, "regions_all": regions, "kind": config["kind"]}


def mnist_checkpoint(epoch: int, names: list[str]) -> list[dict]:
    """Train authors-mnist for ``epoch`` epochs, then time the certified dimension on each
    sample in ``names`` (the steps of sweep._run_mnist), against the budget's estimate."""
    config = sweep.check_sweep(presets.preset("authors-mnist"), "authors-mnist")
    task = sweep.tasks(config)[0]
    X, labels, X_test, _, gaussian = sweep.mnist_data(config, task["n"])
    _, rng = sweep._rngs(task)
    net = optimizers.glorot_network(sweep.architecture(task, 784, 10), rng)
    *_, (_, _, trained) = optimizers.fit(net, X, np.eye(10)[labels],
                                         sweep._optimizer(task["setting"]), epoch, rng, [epoch],
                                         loss="softmax_ce")
    network = exact_network(trained)
    rows = []
    for name, floats in (("train", X), ("test", X_test), ("gaussian", gaussian)):
        if name not in names:
            continue
        start = time.perf_counter()
        value = sweep.certified_dimension(network, exact_sample(floats), config["primes"])
        seconds = time.perf_counter() - start
        shape = (10 * len(floats), network.n_parameters)
        estimate = budget.rank_seconds(*shape)
        rows.append({"sample": name, "rows": shape[0], "columns": shape[1],
                     "seconds": seconds, "estimate": estimate, "est/real": estimate / seconds,
                     "dimension": value})
        print(f"{name:>9} {shape[0]:>6} × {shape[1]} {seconds:9.1f} s  estimate "
              f"{estimate:9.1f} s  est/real {estimate / seconds:5.2f}  dim "
              f"{value['lower']}–{value['upper']} ({value['certificate']})", flush=True)
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="150 epochs instead of 1,500")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--runs", type=int, default=8, help="runs for the --jobs speedup")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--mnist", action="store_true",
                        help="time one full-size authors-mnist checkpoint instead")
    parser.add_argument("--epoch", type=int, default=40, help="--mnist: the checkpoint")
    parser.add_argument("--samples", nargs="+", default=["train", "test", "gaussian"],
                        choices=["train", "test", "gaussian"], help="--mnist: which samples")
    args = parser.parse_args(argv)
    if args.mnist:
        rows = mnist_checkpoint(args.epoch, args.samples)
        if args.json:
            with open(args.json, "w", encoding="utf-8") as handle:
                json.dump({"machine": platform.platform(), "epoch": args.epoch,
                           "mnist": rows}, handle, indent=1)
        return 0
    config = presets.preset("authors-1d")
    config.update(seeds=1, epochs=150 if args.quick else 1500)
    config = sweep.check_sweep(config, "authors-1d")
    rows = [split_run(task, args.repeat) for task in sweep.tasks(config)]
    print(f"{'setting':>16} {'n':>4} {'train s':>8} {'exact s':>8} {'ratio':>6} "
          f"{'est. s':>7} {'est/real':>8} {'dim':>4}")
    for r in rows:
        print(f"{r['setting']:>16} {r['n']:>4} {r['train']:8.3f} {r['exact']:8.3f} "
              f"{r['ratio']:6.3f} {r['estimate']:7.2f} {r['est/real']:8.2f} "
              f"{r['dimension']:>4}")
    adam = dict(config, setting=[config["setting"][0]], seeds=list(range(args.runs)))
    found = sweep.tasks(adam)
    timings = {}
    for jobs in (1, 2):
        start = time.perf_counter()
        results = parallel_map(sweep.run_task, found, n_jobs=jobs)
        timings[jobs] = time.perf_counter() - start
        assert all(r["dimension"] <= 2 * r["regions_seen"] for r in results)
    speedup = timings[1] / timings[2]
    print(f"\n{args.runs} adam runs: 1 worker {timings[1]:.1f} s, 2 workers {timings[2]:.1f} s,"
          f" speedup {speedup:.2f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"machine": platform.platform(), "runs": rows,
                       "parallel": {"runs": args.runs, "seconds": timings,
                                    "speedup": speedup}}, handle, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
