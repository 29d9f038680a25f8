"""relugeom search NAME | FILE.py:FUNCTION [--max-examples N] [--seed S] [--exhaustive ...]
[--json]: counterexample search from the command line."""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
from typing import Any

from ..errors import InputError
from ..exact.numbers import to_rational
from ..parallel import Interrupted
from ..search import MAX_CASES
from ..search.conjectures import CATALOGUE
from ._common import (add_parallel_options, check_output_directory, parallel_options, print_json,
                      print_table, whole_number)

# The search runs on hypothesis, an optional dependency (relugeom[test]): imported in run().
FEATURES = ("duplicate", "scaled", "opposite", "parallel", "concurrent", "dead", "always_active",
            "zero_output", "tiny_output", "multi_output")

_EPILOG = """\
A conjecture is a Python function that takes an Analysis (attributes named as the keys of
`relugeom analyze --json`, computed lazily) and returns True or False, e.g. in mine.py:

    def regions_at_most_samples(a):
        return a.activation_regions_perceived <= a.n_samples

then: relugeom search mine.py:regions_at_most_samples. `relugeom search --list` shows the
built-in catalogue. Values beginning with a minus sign need '=': --values=-1,0,1.

The exhaustive family is counted before the search starts: Σ over shapes of |values|^P
networks, each with C(|grid|^d, n) samples. A family of more than --max-cases cases (default
{max_cases:,}) is refused with its size; narrow it or raise --max-cases.

--jobs N runs the search on N worker processes (-1: every core; --scheduler tcp://host:8786
runs it on a Dask cluster). The exhaustive search gives the same answer and counts for every
N; the random search with --jobs N runs N independent streams seeded from one SeedSequence,
so its answer depends on --seed and N (the same for the same pair). --resume FILE keeps the
covered ranges of an exhaustive search in FILE: run the same command again after a kill or
Ctrl-C and only what is missing is searched.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "search", help="search for a counterexample to a conjecture (random or exhaustive)",
        description="Search for a (network, sample) on which a conjecture is false: a random\n"
                    "search with hypothesis that shrinks what it finds (deterministic for a\n"
                    "seed), or an exhaustive search of a tiny family that returns the smallest\n"
                    "counterexample or proves the conjecture on the family.",
        epilog=_EPILOG.format(max_cases=MAX_CASES),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("conjecture", nargs="?", metavar="NAME | FILE.py:FUNCTION",
                        help="a catalogue name or label (see --list), or a function in a file")
    parser.add_argument("--list", action="store_true", help="list the built-in conjectures")
    parser.add_argument("--max-examples", type=whole_number(1), default=None, metavar="N",
                        help="random examples to generate (default 200; shrinking adds more)")
    parser.add_argument("--seed", type=whole_number(0), default=None, metavar="S",
                        help="seed of the random search, a whole number ≥ 0 (default 0)")
    family = parser.add_argument_group(
        "family", "shapes as an int or a range LOW-HIGH; random mode: they override the\n"
                  "conjecture's family; exhaustive mode: defaults d 1, N 1-2, n 1-3")
    family.add_argument("--input-dim", type=_span, metavar="D", help="input dimension d")
    family.add_argument("--hidden-width", type=_span, metavar="N", help="hidden width N")
    family.add_argument("--output-dim", type=_span, metavar="M", help="output dimension m")
    family.add_argument("--samples", type=_span, metavar="n", help="number of samples n")
    family.add_argument("--features", metavar="F,..", type=_features,
                        help=f"random mode: degenerate features to force ({', '.join(FEATURES)})")
    parser.add_argument("--exhaustive", action="store_true",
                        help="visit every case of a finite family instead of random examples")
    parser.add_argument("--values", metavar="Q,..", type=_rationals, default=None,
                        help="exhaustive mode: the entries of W, b, V, c "
                             "(default --values=-1,0,1)")
    parser.add_argument("--grid", metavar="Q,..", type=_rationals, default=None,
                        help="exhaustive mode: coordinates of the sample grid (default "
                             "--grid=-3/2,-1/2,1/2,3/2)")
    parser.add_argument("--max-cases", metavar="N", type=whole_number(1), default=None,
                        help="exhaustive mode: refuse a family of more than N (network, sample) "
                             f"cases or networks; it is counted first (default {MAX_CASES:,})")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="exhaustive mode: progress bar on stderr (default: on a terminal)")
    parser.add_argument("--resume", metavar="FILE", default=None,
                        help="exhaustive mode: checkpoint file of the covered cases (created if "
                             "missing); the same command with the same FILE continues a "
                             "killed or interrupted run")
    add_parallel_options(parser)
    parser.add_argument("--save", metavar="DIR",
                        help="write network.json, sample.json and the regression test to DIR "
                             "(created if missing; must be a directory, checked before the "
                             "search)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.set_defaults(run=run)


def _span(text: str) -> int | tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*(?:(?:-|\.\.)\s*(\d+)\s*)?", text)
    if not match or int(match.group(1)) < 1 or (match.group(2)
                                                 and int(match.group(2)) < int(match.group(1))):
        raise argparse.ArgumentTypeError(f"expected a positive int or a range LOW-HIGH, got "
                                         f"{text!r}")
    low = int(match.group(1))
    return low if match.group(2) is None else (low, int(match.group(2)))


def _features(text: str) -> list[str]:
    names = [f.strip() for f in text.split(",") if f.strip()]
    unknown = [f for f in names if f not in FEATURES]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown feature(s) {', '.join(unknown)}; choose from "
                                         f"{', '.join(FEATURES)}")
    return names


def _rationals(text: str) -> list:
    """A comma-separated list of exact numbers, at least one (``--values=`` is refused: it
    would otherwise mean the default)."""
    try:
        values = [to_rational(q.strip(), "list entry") for q in text.split(",") if q.strip()]
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if not values:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list of at least one "
                                         f"number, got {text!r}")
    return values


def run(args: argparse.Namespace) -> int:
    if args.list:
        return _list(args)
    if not args.conjecture:
        raise InputError("name a conjecture to search: a catalogue name (relugeom search --list) "
                         "or FILE.py:FUNCTION")
    try:
        from ..search.exhaustive import DEFAULT_GRID, DEFAULT_VALUES, exhaustive_search
        from ..search.loading import load_conjecture
        from ..search.randomized import search
    except ImportError as exc:
        raise InputError(f"relugeom search needs hypothesis ({exc}); install it with "
                         "pip install 'relugeom[test]' or pip install hypothesis") from None
    _check_mode_options(args)
    where = parallel_options(args)
    if args.save is not None:  # before the search, which may be long
        check_output_directory(args.save, "--save")
    conj = load_conjecture(args.conjecture)
    # what a conjecture prints goes to stderr: stdout carries the report (JSON with --json)
    with contextlib.redirect_stdout(sys.stderr):
        if args.exhaustive:
            options: dict[str, Any] = {k: v for k, v in (
                ("input_dim", args.input_dim), ("hidden_width", args.hidden_width),
                ("output_dim", args.output_dim), ("n", args.samples)) if v is not None}
            try:
                result = exhaustive_search(
                    conj, values=DEFAULT_VALUES if args.values is None else args.values,
                    grid=DEFAULT_GRID if args.grid is None else args.grid,
                    progress=args.progress, resume=args.resume,
                    max_cases=MAX_CASES if args.max_cases is None else args.max_cases,
                    **options, **where)
            except Interrupted as stop:   # what was covered, and what was not
                print(f"relugeom search: {stop}", file=sys.stderr)
                return 130
        else:
            options = {k: v for k, v in (
                ("input_dim", args.input_dim), ("hidden_width", args.hidden_width),
                ("output_dim", args.output_dim), ("n", args.samples), ("features", args.features))
                if v is not None}
            result = search(conj, max_examples=200 if args.max_examples is None
                            else args.max_examples, seed=args.seed or 0, **options, **where)
    saved = result.counterexample.save(args.save) if args.save and result.found else None
    if args.json:
        report = result.to_dict()
        if result.found:
            report["counterexample"]["regression_test"] = result.counterexample.regression_test()
        if saved:
            report["saved"] = saved
        print_json(report)
    else:
        _describe(result, saved)
    return 0


def _check_mode_options(args: argparse.Namespace) -> None:
    """Refuse an option of the other mode rather than ignore it."""
    if args.exhaustive:
        if args.features:
            raise InputError("--features applies to the random search only; the exhaustive "
                             "family is every network with entries in --values")
        given = [name for name, value in (("--max-examples", args.max_examples),
                                          ("--seed", args.seed)) if value is not None]
        if given:
            raise InputError(f"{' and '.join(given)} applies to the random search only; the "
                             "exhaustive search visits every case of its family (bound it "
                             "with --max-cases)")
    else:
        given = [name for name, value in (("--values", args.values), ("--grid", args.grid),
                                          ("--max-cases", args.max_cases),
                                          ("--resume", args.resume)) if value is not None]
        if given:
            raise InputError(f"{', '.join(given)} describe{'s' * (len(given) == 1)} the "
                             "exhaustive search: add --exhaustive")


def _describe(result: Any, saved: dict | None) -> None:
    conj = result.conjecture
    known = f" ({conj.label}, catalogue status: {conj.status})" if conj.label else ""
    print(f"conjecture {conj.name}{known}" + (f": {conj.statement}" if conj.statement else ""))
    print(result.summary())
    found = result.counterexample
    if found is None:
        if not result.proved:
            print(f"none found in {result.examples_tried} examples; raise --max-examples, "
                  "change --seed or widen the family to look further")
        return
    print()
    print(found.describe())
    if saved:
        print(f"\nsaved: {saved['network']}, {saved['sample']}, {saved['test']}")
        print(f"check it: relugeom analyze {saved['network']} {saved['sample']}")
    print("\nregression test (paste into your test suite; it fails while the counterexample "
          "stands):\n")
    print(found.regression_test())


def _list(args: argparse.Namespace) -> int:
    if args.json:
        print_json({"conjectures": [c.to_dict() for c in CATALOGUE.values()]})
        return 0
    print("built-in conjectures (relugeom search NAME or LABEL):")
    print_table([(f"{c.label} {c.name} [{c.status}]", c.statement) for c in CATALOGUE.values()])
    return 0
