"""relugeom walk NETWORK SAMPLE --direction FILE [--from T0 --to T1] [--max-pieces K] [--json]

Exact numbers of any size are printed in full (a walk to t = 10^99999 has them), and the whole
report is built before anything is printed: a failure leaves stdout empty.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys

from ..errors import InputError
from ..exact.numbers import exact_text
from ..geometry.walk import MAX_PIECES, Walk, approx_text, number_text, walk
from ..model.io import read_network
from ._common import (add_json_flag, add_network_argument, add_relu_prime_option,
                      add_sample_argument, load_inputs, print_json, relu_prime, whole_number)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "walk", help="exact breakpoints and local dimension along a segment θ_0 + t·δ",
        description="Follow θ(t) = θ_0 + t·δ in parameter space and report, exactly, every t "
                    "where an activation on the sample changes (rational, or a real algebraic "
                    "number given by its polynomial and an isolating interval) and the local "
                    "dimension on each piece between them. Works for shallow and deep networks.")
    add_network_argument(parser)
    add_sample_argument(parser)
    parser.add_argument("--direction", metavar="FILE", required=True,
                        help="the direction δ: a network JSON of the same architecture as "
                             "NETWORK (shallow or deep format), whose weights are δ")
    parser.add_argument("--from", dest="t_from", default="0", metavar="T0",
                        help="start of the segment: integer, decimal or p/q, read exactly "
                             "(default 0; write --from=-1/2 for a negative fraction)")
    parser.add_argument("--to", dest="t_to", default="1", metavar="T1",
                        help="end of the segment (default 1)")
    parser.add_argument("--max-pieces", type=whole_number(1), default=MAX_PIECES, metavar="K",
                        help="refuse, before any rank, a walk of more than K pieces (each costs "
                             f"an exact rank; default {MAX_PIECES:,})")
    add_json_flag(parser)
    add_relu_prime_option(parser)
    parser.set_defaults(run=run)


def _activation(value: int) -> str:
    return "active" if value else "inactive"


def _short(t) -> str:
    """A piece end: exact when rational, else ≈ a decimal (its exact form is printed at the
    breakpoint line)."""
    return exact_text(t.low) if t.is_rational else f"≈{approx_text(t)}"


def describe(result: Walk, widths: tuple) -> None:
    """The human-readable report of ``relugeom walk``."""
    print(f"walk θ(t) = θ_0 + t·δ for t in [{exact_text(result.t_from)}, "
          f"{exact_text(result.t_to)}]; widths {tuple(widths)}, P = {result.n_parameters}, "
          f"bound P − (hidden neurons) = {result.symmetry_bound}")
    k = len(result.breakpoints)
    print(f"{k} breakpoint{'s' * (k != 1)}, {len(result.pieces)} "
          f"piece{'s' * (len(result.pieces) != 1)} (dimension computed at the point shown)")
    for index, piece in enumerate(result.pieces):
        print(f"  t in ({_short(piece.start)}, {_short(piece.end)}): dimension "
              f"{piece.dimension}, {piece.activation_regions_perceived} activation regions "
              f"perceived (at t = {exact_text(piece.point)})")
        if index < k:
            bp = result.breakpoints[index]
            print(f"  t = {number_text(bp.t)}:")
            for e in bp.events:
                change = (f"{_activation(e.before)} → {_activation(e.after)}"
                          if e.before != e.after else f"touches 0, stays {_activation(e.after)}")
                print(f"      sample {e.sample}, layer {e.layer}, neuron {e.neuron}: {change}")


def run(args: argparse.Namespace) -> int:
    network, X = load_inputs(args)
    try:
        direction = read_network(args.direction)
    except InputError as exc:
        raise InputError(f"--direction: {exc}") from None
    result = walk(network, X, direction, args.t_from, args.t_to,
                  relu_prime_at_zero=relu_prime(args), max_pieces=args.max_pieces)
    report = io.StringIO()  # the whole report first: a failure must not leave half of it
    with contextlib.redirect_stdout(report):
        if args.json:
            print_json(result.to_dict())
        else:
            describe(result, network.widths)
    sys.stdout.write(report.getvalue())
    return 0
