"""Pieces shared by the subcommands: arguments, input reading, output."""

from __future__ import annotations

import argparse
import json
import sys
from fractions import Fraction
from typing import Any

from ..io import read_network, read_sample
from ..numbers import to_json_number


def add_network_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("network", metavar="NETWORK",
                        help='network JSON: {"W": [[..]], "b": [..], "V": [[..]], "c": [..]}')


def add_sample_argument(parser: argparse.ArgumentParser, flag: bool = False) -> None:
    help_text = 'sample: CSV (one sample a row), JSON {"X": [[..]]}, .npy or .npz'
    if flag:
        parser.add_argument("--sample", metavar="SAMPLE", help=help_text)
    else:
        parser.add_argument("sample", metavar="SAMPLE", help=help_text)


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def add_relu_prime_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--relu-prime-at-zero", choices=["error", "0", "1"], default="error",
                        help="what to do when a sample lies on a hyperplane: refuse (default), "
                             "or use the one-sided derivative relu'(0) = 0 or 1")


def relu_prime(args: argparse.Namespace) -> Any:
    value = args.relu_prime_at_zero
    return value if value == "error" else int(value)


def load_inputs(args: argparse.Namespace) -> tuple[Any, Any]:
    """The network and (if given) the sample named on the command line."""
    network = read_network(args.network)
    path = getattr(args, "sample", None)
    X = read_sample(path, network.input_dim) if path else None
    return network, X


def jsonable(value: Any) -> Any:
    """Fractions become ints or "p/q" strings, tuples lists, recursively."""
    if isinstance(value, Fraction):
        return to_json_number(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "to_dict"):
        return jsonable(value.to_dict())
    return value


def print_json(obj: Any) -> None:
    json.dump(jsonable(obj), sys.stdout, indent=2)
    sys.stdout.write("\n")


def print_table(rows: list[tuple[str, Any]], indent: str = "  ") -> None:
    """Aligned "label  value" lines."""
    width = max((len(label) for label, _ in rows), default=0)
    for label, value in rows:
        print(f"{indent}{label.ljust(width)}  {value}")
