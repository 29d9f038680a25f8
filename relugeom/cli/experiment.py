"""relugeom experiment NAME [--quick | --full] [--out DIR] [--seed S];
relugeom experiment sweep CONFIG.toml | --preset NAME [--quick] [--jobs N] [--out DIR]"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys
import time
from typing import Any

from ..errors import InputError
from ..exact.jsonable import jsonable
from ._common import (add_parallel_options, check_output_directory, parallel_options, print_json,
                      print_table, whole_number)


def register(subparsers: argparse._SubParsersAction) -> None:
    from ..experiments import EXPERIMENTS, PRESETS

    listing = "; ".join(f"{name}: {module.DESCRIPTION}" for name, module in EXPERIMENTS.items())
    parser = subparsers.add_parser(
        "experiment", help="train small networks and record the exact local dimension",
        description="Reproduce geometry-induced regularization: train ReLU networks in float64 "
                    "(seeded gradient descent) and, at checkpoints, convert the weights exactly "
                    "and record the exact local dimension, perceived regions and alignment. "
                    f"Experiments — {listing}. Writes DIR/results.json and figures DIR/*.png "
                    "(figures need matplotlib). 'sweep' runs a grid of seeds × optimizers × "
                    "widths × n × noise × depth from CONFIG.toml or a preset (the authors' "
                    "settings: " + ", ".join(PRESETS) + "), on --jobs workers, and writes "
                    "DIR/table.csv, DIR/summary.json, DIR/runs/*.json and figures.")
    parser.add_argument("name", metavar="NAME", choices=[*EXPERIMENTS, "all", "sweep"],
                        help=f"one of {', '.join(EXPERIMENTS)}, all, or sweep")
    parser.add_argument("config", metavar="CONFIG.toml", nargs="?", default=None,
                        help="sweep only: the sweep's settings (see relugeom.experiments.sweep)")
    parser.add_argument("--preset", choices=list(PRESETS), default=None,
                        help="sweep only: the authors' settings instead of a CONFIG.toml")
    parser.add_argument("--seeds", metavar="K", type=whole_number(1), default=None,
                        help="sweep only: run seeds 0..K-1 instead of the config's (a reduced "
                             "sweep is labelled as such in its name)")
    parser.add_argument("--max-hours", metavar="H", type=_hours, default=None,
                        help="refuse work estimated above H hours on one core (default 12); "
                             "raise it to run a larger experiment or sweep")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", dest="mode", action="store_const", const="quick",
                      help="small settings, each experiment well under 2 minutes (default)")
    size.add_argument("--full", dest="mode", action="store_const", const="full",
                      help="paper-scale settings (long)")
    parser.add_argument("--out", metavar="DIR", default=None,
                        help="output directory (default: relugeom-experiment-NAME); with 'all', "
                             "one subdirectory per experiment")
    parser.add_argument("--seed", metavar="S", type=whole_number(0), default=0,
                        help="random seed, a whole number ≥ 0; the same seed gives the same "
                             "results (default 0)")
    parser.add_argument("--set", metavar="KEY=VALUE", action="append", default=[],
                        help="override one setting, e.g. --set width=20 --set steps=5000")
    parser.add_argument("--no-plots", action="store_true", help="write results.json only")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    parser.add_argument("--json", action="store_true",
                        help="print a JSON summary (paths, summary, notes, seconds) on stdout; "
                             "with 'all', one JSON object per line, each as its experiment "
                             "completes")
    add_parallel_options(parser)
    parser.set_defaults(run=run, mode=None)


def _hours(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of hours > 0, got {text!r}")
    return value


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """``["width=20", "target_knots=(0, 5, 10)"]`` → {"width": 20, "target_knots": (0, 5, 10)}."""
    out = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--set expects KEY=VALUE, got {item!r}")
        try:
            value = ast.literal_eval(text.strip())
        except (ValueError, SyntaxError):
            value = text.strip()
        out[key.strip()] = value
    return out


def run(args: argparse.Namespace) -> int:
    from ..experiments import (EXPERIMENTS, check_budget, check_requirements, experiment_config,
                               experiment_seconds, save_result)

    if args.name == "sweep":
        return run_sweep_command(args)
    for given, option in ((args.config, "CONFIG.toml"), (args.preset, "--preset"),
                          (args.seeds, "--seeds")):
        if given is not None:
            raise InputError(f"{option} belongs to 'relugeom experiment sweep', not to "
                             f"experiment {args.name}")
    if args.jobs != 1 or args.backend or args.scheduler:
        raise InputError(f"--jobs/--backend/--scheduler run the tasks of a sweep; experiment "
                         f"{args.name} is one training run")
    args.mode = args.mode or "quick"
    names = list(EXPERIMENTS) if args.name == "all" else [args.name]
    overrides = parse_overrides(args.set)
    if overrides and args.name == "all":
        raise InputError("--set changes one experiment's settings; name the experiment instead "
                         "of 'all'")
    # every option is checked before any training: settings, data and extras, output folders
    if args.out is not None and not args.out.strip():
        raise InputError(f"--out needs a directory name, got {args.out!r}")
    outs, configs = {}, {}
    for name in names:
        config = configs[name] = experiment_config(name, args.mode, **overrides)
        try:
            check_requirements(name, config)
        except InputError as exc:
            if args.name != "all":
                raise
            others = ", ".join(n for n in names if n != name)
            raise InputError(f"{exc}. 'all' includes {name}; run the others by name ({others}) "
                             "to go without it") from None
        check_budget(experiment_seconds(name, config), args.max_hours,
                     f"experiment {name} ({args.mode}{', modified' if overrides else ''})")
        out = args.out if args.out is not None else f"relugeom-experiment-{args.name}"
        outs[name] = os.path.join(out, name) if args.name == "all" else out
    for name in names:
        check_output_directory(outs[name], "the output directory" if args.out is None
                               else "--out")
    for name in names:
        out, config = outs[name], configs[name]
        start = time.perf_counter()
        result = EXPERIMENTS[name].run(config, seed=args.seed, progress=not args.no_progress,
                                       mode=args.mode)
        seconds = time.perf_counter() - start
        if not result.runs:  # data vanished since check_requirements
            raise InputError(f"experiment {name}: " + "; ".join(result.notes))
        saved = save_result(result, out, plots=not args.no_plots)
        if args.json:
            report = {"experiment": name, "mode": args.mode, "seed": args.seed,
                      "seconds": round(seconds, 2), "results": saved["results"],
                      "figures": saved["figures"], "figures_note": saved["note"],
                      "summary": _short_summary(result), "notes": list(result.notes)}
            if len(names) == 1:
                print_json(report)
            else:  # JSON Lines: each report as soon as its experiment completes
                print(json.dumps(jsonable(report), allow_nan=False))
        else:
            describe(result, saved, seconds)
        sys.stdout.flush()
    return 0


def run_sweep_command(args: argparse.Namespace) -> int:
    """``relugeom experiment sweep``: every option checked, the budget too, before any run."""
    from ..experiments import check_sweep, load_sweep, preset, run_sweep

    if (args.config is None) == (args.preset is None):
        raise InputError("experiment sweep needs either CONFIG.toml or --preset NAME (one "
                         "of them)")
    if args.mode == "full":
        raise InputError("experiment sweep has no --full: the config (or preset) is the full "
                         "size; --quick shrinks a preset for a test")
    if args.set:
        raise InputError("--set changes a single experiment; for a sweep, edit CONFIG.toml")
    if args.config is not None:
        if args.mode == "quick":
            raise InputError("--quick shrinks a preset; with CONFIG.toml, make the file smaller")
        config = load_sweep(args.config)
    else:
        config = check_sweep(preset(args.preset, quick=args.mode == "quick"), args.preset)
    if args.seeds is not None:
        if args.seeds < len(config["seeds"]):
            config["name"] += f" (reduced: {args.seeds} of {len(config['seeds'])} seeds)"
        config["seeds"] = list(range(args.seeds))
    options = parallel_options(args)
    out = args.out if args.out is not None else "relugeom-sweep-" + (
        args.preset or os.path.splitext(os.path.basename(args.config))[0])
    check_output_directory(out, "the output directory" if args.out is None else "--out")
    # run_sweep checks the budget and the data (prepare) before any run
    result = run_sweep(config, out, max_hours=args.max_hours, plots=not args.no_plots,
                       progress=not args.no_progress, **options)
    if args.json:
        print_json({k: v for k, v in result.items() if k not in ("rows", "config")})
    else:
        describe_sweep(result)
    return 0


def describe_sweep(result: dict) -> None:
    """The groups' table, relugeom beside the authors where they saved numbers."""
    print(f"relugeom experiment sweep {result['sweep']!r}: {result['runs']} runs in "
          f"{result['seconds']:.1f} s on {result['n_jobs']} worker(s) (estimated "
          f"{result['estimated_seconds']:.0f} s on one core)")

    def spread(value: dict | None) -> str:
        return "-" if not value else f"{value['mean']:g} [{value['min']}–{value['max']}]"

    def corr(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    header = ["setting", "n", "width", "depth", "noise", "who", "runs", "conv.",
              "dim mean [range]", "R seen", "R all", "corr seen", "corr all", "dim≤2R"]
    rows = []
    for group in result["groups"]:
        mine = ["relugeom", str(group["runs"]), str(group["converged"]),
                spread(group["dimension"] or group["dimension_lower"]),
                spread(group["regions_seen"]), spread(group["regions_all"]),
                corr(group["corr_dimension_regions_seen"]),
                corr(group["corr_dimension_regions_all"]),
                "-" if group["dimension_le_2_regions_seen"] is None
                else f"{group['dimension_le_2_regions_seen']}/{group['runs']}"]
        key = [group["setting"], str(group["n"]), str(group["width"]), str(group["depth"]),
               group["noise"]]
        rows.append(key + mine)
        theirs = result["authors"].get(group["setting"])
        if theirs:
            rows.append([""] * 5 + [
                "authors", str(theirs["runs"]), str(theirs["converged"]),
                spread(theirs["dimension"]), spread(theirs["regions_seen"]),
                spread(theirs["regions_all"]), corr(theirs["corr_dimension_regions_seen"]),
                corr(theirs["corr_dimension_regions_all"]),
                f"{theirs['dimension_le_2_regions_seen']}/{theirs['runs']}"])
    print()
    _print_rows(header, rows)
    print("\ncolumns: dim = exact local dimension at the end (relugeom; the authors: numpy's "
          "float32 rank); R seen / R all = activation regions seen by the training inputs / "
          "on the whole interval; corr = Pearson correlation of dim with them; conv. = runs "
          "whose final loss is below the threshold")
    for path in result["files"]:
        print(f"file:    {path}")
    if result["note"]:
        print(f"note: {result['note']}")
    print("\nnotes:")
    for note in result["notes"]:
        print(f"  - {note}")


def _short_summary(result: Any) -> dict[str, Any]:
    """The summary without long lists (eigenvalues), for printing."""
    def trim(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: trim(v) for k, v in value.items() if k != "eigenvalues"}
        return value

    data = result.to_dict()
    return trim(data["summary"])


def describe(result: Any, saved: dict, seconds: float) -> None:
    """Human-readable report: a checkpoint table per run, the summary, files, notes."""
    print(f"relugeom experiment {result.experiment} ({result.mode}, seed {result.seed}): "
          f"{seconds:.1f} s")
    for run in result.runs:
        extra = run.samples.names[1:]
        print(f"\nrun {run.name!r}: architecture {list(run.architecture)}, P = "
              f"{run.n_parameters}, n = {len(run.samples.exact['train'])}; bounds: "
              f"P − hidden = {run.n_parameters - run.hidden_neurons}, n·m = "
              f"{len(run.samples.exact['train']) * run.architecture[-1]}")
        significant = "local_dimension_significant" in run.checkpoints[0].measurements
        header = (["step", "loss", "dim"] + [f"dim {name}" for name in extra]
                  + ["dim sig."] * significant + ["regions", "pieces", "cuts", "aligned~"])
        rows = []
        for c in run.checkpoints:
            m = c.measurements
            pieces = m.get("linear_pieces_perceived")
            rows.append([str(c.step), f"{c.loss:.3g}", str(c.local_dimension)]
                        + [str(m[f"local_dimension_{name}"]) for name in extra]
                        + [str(m.get("local_dimension_significant"))] * significant
                        + [str(c.activation_regions_perceived),
                           "-" if pieces is None else str(pieces),
                           str(m.get("hyperplanes_perceived")),
                           str(m.get("aligned_hyperplanes_numeric"))])
        _print_rows(header, rows)
    print("\ncolumns: dim = exact local dimension on the training sample (dim test / dim "
          "gaussian on the others; dim sig. on the significant neurons only); regions = "
          "activation regions perceived; pieces = linear pieces perceived; cuts = hyperplanes "
          "perceived (exact); aligned~ = numeric alignment clusters")
    print_summary(_short_summary(result))
    print(f"\nresults: {saved['results']}")
    for path in saved["figures"]:
        print(f"figure:  {path}")
    if saved["note"]:
        print(f"note: {saved['note']}")
    print("\nnotes:")
    for note in result.notes:
        print(f"  - {note}")


def _print_rows(header: list[str], rows: list[list[str]], indent: str = "  ") -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print(indent + "  ".join(h.rjust(w) for h, w in zip(header, widths)))
    for r in rows:
        print(indent + "  ".join(v.rjust(w) for v, w in zip(r, widths)))


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_short(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    return str(value)


def print_summary(summary: dict, title: str = "summary") -> None:
    """Scalars as an aligned table; a list of records as a table; a dict as a sub-summary."""
    scalars = [(k, _short(v)) for k, v in summary.items()
               if not isinstance(v, (dict, list)) or
               (isinstance(v, list) and not any(isinstance(x, dict) for x in v))]
    print(f"\n{title}:")
    if scalars:
        print_table(scalars)
    for key, value in summary.items():
        if isinstance(value, list) and value and all(isinstance(x, dict) for x in value):
            print(f"\n{key}:")
            header = list(value[0])
            _print_rows(header, [[_short(row.get(h)) for h in header] for row in value])
        elif isinstance(value, dict) and any(isinstance(v, dict) for v in value.values()):
            print_summary(value, key)
        elif isinstance(value, dict):
            print_table([(key, _short(value))])
