"""relugeom analyze NETWORK SAMPLE [--json] [--method auto|modular|exact]"""

from __future__ import annotations

import argparse

from ..analysis import METHODS, Analysis, analyze
from ._common import (add_json_flag, add_network_argument, add_relu_prime_option,
                      add_sample_argument, architecture, load_inputs, print_json, print_table,
                      relu_prime, whole_report)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "analyze", help="exact local dimension and perceived regions of a network on a sample",
        description="Compute, exactly, the activation patterns X sees and the rank of the "
                    "Jacobian of θ ↦ f_θ(X) (the local dimension).")
    add_network_argument(parser)
    add_sample_argument(parser)
    add_json_flag(parser)
    add_relu_prime_option(parser)
    add_method_option(parser)
    parser.set_defaults(run=run)


def add_method_option(parser: argparse.ArgumentParser) -> None:
    """--method: how the local dimension is ranked (:func:`relugeom.analyze`)."""
    parser.add_argument(
        "--method", choices=METHODS, default="auto",
        help="how the local dimension is ranked: auto (default: the fastest certified path; "
             "when no certificate is found within its budget, the certified interval "
             "[lower, upper], reported as not exact), modular (rank mod random primes: a "
             "certified lower bound, exact when its certificate says so), exact (fraction-free "
             "elimination, always exact, cost not bounded)")


def describe(analysis: Analysis) -> None:
    """The human-readable report of ``relugeom analyze``."""
    a = analysis
    print(f"network: {architecture(a.network)}, P = {a.n_parameters} parameters; sample: "
          f"n = {a.n_samples}")
    print_table(a._table()[1])  # the rows of the notebook table


def run(args: argparse.Namespace) -> int:
    network, X = load_inputs(args)
    analysis = analyze(network, X, relu_prime_at_zero=relu_prime(args), method=args.method)
    # a sample on a hyperplane is refused first, before any other work (one exact product)
    analysis.pattern_matrix
    with whole_report():
        if args.json:
            print_json(analysis.to_dict())
        else:
            describe(analysis)
    return 0
