"""relugeom experiment NAME [--quick | --full] [--out DIR] [--seed S]"""

from __future__ import annotations

import argparse
import ast
import os
import time
from typing import Any

from ..errors import InputError
from ._common import check_output_directory, print_json, print_table, whole_number


def register(subparsers: argparse._SubParsersAction) -> None:
    from ..experiments import EXPERIMENTS

    listing = "; ".join(f"{name}: {module.DESCRIPTION}" for name, module in EXPERIMENTS.items())
    parser = subparsers.add_parser(
        "experiment", help="train small networks and record the exact local dimension",
        description="Reproduce geometry-induced regularization: train ReLU networks in float64 "
                    "(seeded gradient descent) and, at checkpoints, convert the weights exactly "
                    "and record the exact local dimension, perceived regions and alignment. "
                    f"Experiments — {listing}. Writes DIR/results.json and figures DIR/*.png "
                    "(figures need matplotlib).")
    parser.add_argument("name", metavar="NAME", choices=[*EXPERIMENTS, "all"],
                        help=f"one of {', '.join(EXPERIMENTS)}, or all")
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
                        help="print a JSON summary (paths, summary, notes, seconds) on stdout")
    parser.set_defaults(run=run, mode="quick")


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
    from ..experiments import EXPERIMENTS, check_requirements, experiment_config, save_result

    names = list(EXPERIMENTS) if args.name == "all" else [args.name]
    overrides = parse_overrides(args.set)
    if overrides and args.name == "all":
        raise InputError("--set changes one experiment's settings; name the experiment instead "
                         "of 'all'")
    # every option is checked before any training: settings, data and extras, output folders
    if args.out is not None and not args.out.strip():
        raise InputError(f"--out needs a directory name, got {args.out!r}")
    outs = {}
    for name in names:
        config = experiment_config(name, args.mode, **overrides)
        try:
            check_requirements(name, config)
        except InputError as exc:
            if args.name != "all":
                raise
            others = ", ".join(n for n in names if n != name)
            raise InputError(f"{exc}. 'all' includes {name}; run the others by name ({others}) "
                             "to go without it") from None
        out = args.out if args.out is not None else f"relugeom-experiment-{args.name}"
        outs[name] = os.path.join(out, name) if args.name == "all" else out
    for name in names:
        check_output_directory(outs[name], "the output directory" if args.out is None
                               else "--out")
    reports = []
    for name in names:
        out = outs[name]
        config = experiment_config(name, args.mode, **overrides)
        start = time.perf_counter()
        result = EXPERIMENTS[name].run(config, seed=args.seed, progress=not args.no_progress,
                                       mode=args.mode)
        seconds = time.perf_counter() - start
        if not result.runs:  # data vanished since check_requirements
            raise InputError(f"experiment {name}: " + "; ".join(result.notes))
        saved = save_result(result, out, plots=not args.no_plots)
        if args.json:
            reports.append({"experiment": name, "mode": args.mode, "seed": args.seed,
                            "seconds": round(seconds, 2), "results": saved["results"],
                            "figures": saved["figures"], "figures_note": saved["note"],
                            "summary": _short_summary(result), "notes": list(result.notes)})
        else:
            describe(result, saved, seconds)
    if args.json:
        print_json(reports[0] if len(reports) == 1 else reports)
    return 0


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
