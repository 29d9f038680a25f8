"""The ``relugeom`` command line.

Each subcommand lives in its own module of this package with a ``register(subparsers)``
function; :data:`COMMANDS` lists them in the order ``--help`` shows. Bad input (an
:class:`~relugeom.errors.InputError`) becomes a one-paragraph message on stderr and exit
status 2, never a traceback. Exact integers of any size are printed: while a command runs,
Python's limit on int-to-text conversion (4300 digits) is lifted, and restored afterwards.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from .. import __version__
from ..errors import InputError
from ..model.io import ENV_MAX_INPUT_BYTES, MAX_INPUT_BYTES

COMMANDS = [
    "analyze",
    "check",
    "convert",
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
                    "Jacobian rank (local dimension), linear regions, theorem checks.",
        epilog=f"Input files must be regular files of at most {MAX_INPUT_BYTES >> 30} GiB; "
               f"set the environment variable {ENV_MAX_INPUT_BYTES} (e.g. "
               f"{ENV_MAX_INPUT_BYTES}=4G) to read larger ones.")
    parser.add_argument("--version", action="version", version=f"relugeom {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in COMMANDS:
        importlib.import_module(f".{name}", __name__).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``relugeom ARGV`` and return its exit status (2 for bad input, 130 when interrupted)."""
    limit = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else None
    if limit is not None:
        sys.set_int_max_str_digits(0)   # exact numbers of any size are printed, never refused
    try:
        return _run(build_parser(), argv)
    finally:
        if limit is not None:
            sys.set_int_max_str_digits(limit)


def _run(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> int:
    args = parser.parse_args(argv)
    try:
        status = args.run(args) or 0
    except InputError as exc:
        print(f"relugeom {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"relugeom {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    # how the input files were read, when it matters (a header line skipped, ...): after the
    # report, and never beside an error message, so that a refusal stays one message
    for note in getattr(args, "input_notes", None) or ():
        print(f"relugeom {args.command}: note: {note}", file=sys.stderr)
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
