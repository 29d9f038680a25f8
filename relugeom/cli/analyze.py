"""relugeom analyze NETWORK SAMPLE [--json]"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from typing import Iterator

from ..analysis import Analysis, analyze
from ..model.shallow import ShallowNetwork
from ._common import (add_json_flag, add_network_argument, add_relu_prime_option,
                      add_sample_argument, architecture, load_inputs, print_json, print_table,
                      relu_prime)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "analyze", help="exact local dimension and perceived regions of a network on a sample",
        description="Compute, exactly, the activation patterns X sees and the rank of the "
                    "Jacobian of θ ↦ f_θ(X) (the local dimension).")
    add_network_argument(parser)
    add_sample_argument(parser)
    add_json_flag(parser)
    add_relu_prime_option(parser)
    parser.set_defaults(run=run)


def describe(analysis: Analysis) -> None:
    """The human-readable report of ``relugeom analyze``."""
    a = analysis
    shallow = isinstance(a.network, ShallowNetwork)
    print(f"network: {architecture(a.network)}, P = {a.n_parameters} parameters; sample: "
          f"n = {a.n_samples}")
    rows = [("activation regions perceived by X", a.activation_regions_perceived)]
    if a.linear_pieces_perceived is not None:
        rows.append(("linear pieces perceived by X", a.linear_pieces_perceived))
    rows += [
        ("local dimension (exact rank of J)", a.local_dimension),
        (f"bound P − {'N' if shallow else '(hidden neurons)'} (rescaling symmetries)",
         a.symmetry_bound),
        ("bound n·m (rows of J)", a.sample_bound),
    ]
    if a.relu_prime_at_zero != "error":
        rows.append(("relu'(0) convention used", a.relu_prime_at_zero))
    print_table(rows)


@contextlib.contextmanager
def whole_report() -> Iterator[None]:
    """Collect what the block prints and write it to stdout only when the block completes: a
    report that fails halfway (bad input found late, an interruption) leaves stdout empty."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        yield
    sys.stdout.write(buffer.getvalue())
    sys.stdout.flush()


def run(args: argparse.Namespace) -> int:
    network, X = load_inputs(args)
    analysis = analyze(network, X, relu_prime_at_zero=relu_prime(args))
    # a sample on a hyperplane is refused first, before any other work (one exact product)
    analysis.pattern_matrix
    with whole_report():
        if args.json:
            print_json(analysis.to_dict())
        else:
            describe(analysis)
    return 0
