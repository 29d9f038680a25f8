"""The ``relugeom`` command line.

Each subcommand lives in its own module of this package with a ``register(subparsers)``
function; :data:`COMMANDS` lists them in the order ``--help`` shows. Bad input (an
:class:`~relugeom.errors.InputError`) becomes a one-paragraph message on stderr and exit
status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from ..errors import InputError

COMMANDS = [
    "analyze",
    "check",
    "demo",
    "experiment",
    "fdim",
    "regions",
    "search",
    "walk",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="relugeom",
        description="Exact local geometry of ReLU networks: activation patterns, exact "
                    "Jacobian rank (local dimension), linear regions, theorem checks.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in COMMANDS:
        importlib.import_module(f".{name}", __name__).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args) or 0
    except InputError as exc:
        print(f"relugeom {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"relugeom {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
