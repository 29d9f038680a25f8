"""Pieces shared by the subcommands: arguments, input reading, output."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import sys
import tempfile
from fractions import Fraction
from typing import Any, Iterator

from ..arrangement.cells import hyperplane_arrangement, with_box_walls
from ..arrangement.deep import deep_region_bounds
from ..arrangement.regions import region_budget
from ..arrangement.zaslavsky import number_text
from ..errors import InputError
from ..exact.jsonable import jsonable
from ..exact.numbers import to_rational
from ..model.formats.loading import load_network
from ..model.io import read_sample
from ..model.sample import sample_to_dict
from ..model.shallow import ShallowNetwork, as_shallow
from ..parallel import BACKENDS, check_jobs

#: What argparse should take for a (negative) number rather than an option: -3, -1/2, -.5,
#: -1e-3, and -inf / -nan (so that they reach the exact parser and its clear refusal).
_NEGATIVE_NUMBER = re.compile(r"^-(\d+/\d+|\d*\.?\d+([eE][-+]?\d+)?|\d+\.([eE][-+]?\d+)?|"
                              r"[iI][nN][fF]([iI][nN][iI][tT][yY])?|[nN][aA][nN])$")


NETWORK_HELP = ('network: relugeom JSON (one hidden layer {"W": [[..]], "b": [..], "V": [[..]], '
                '"c": [..]}, or any depth {"layers": [{"W": [[..]], "b": [..]}, ...]}), or a '
                'model file: ONNX, PyTorch (.pt/.pth), Keras (.h5, .weights.h5, .keras), '
                'safetensors, .npz (format detected from the content)')


def add_network_argument(parser: argparse.ArgumentParser, help_text: str = NETWORK_HELP) -> None:
    parser.add_argument("network", metavar="NETWORK", help=help_text)
    parser.add_argument("--widths", metavar="N0,N1,...,NL", default=None,
                        help="the architecture, input first (e.g. 784,30,30,10): checked "
                             "against the layers read, e.g. of a state_dict or weights-only file")


def load_network_argument(args: argparse.Namespace, notes: list | None = None) -> Any:
    """The network named on the command line (any format, :func:`relugeom.load_network`),
    checked against ``--widths``; how it was read goes to ``notes`` (default: the notes
    printed after the report)."""
    return load_network(args.network, widths=getattr(args, "widths", None),
                        notes=pending_notes(args) if notes is None else notes)


def architecture(network: Any) -> str:
    """The architecture in words: "d = 2 inputs, N = 3 hidden neurons, m = 1 output" for a
    shallow network; "widths (2, 3, 2, 1): d = 2 inputs, hidden layers of 3, 2 neurons, m = 1
    output" for a deep one."""
    d, m = network.input_dim, network.output_dim
    inputs = f"d = {d} input{'s' * (d != 1)}"
    outputs = f"m = {m} output{'s' * (m != 1)}"
    if isinstance(network, ShallowNetwork):
        return f"{inputs}, N = {network.hidden_width} hidden neurons, {outputs}"
    hidden = network.hidden_widths
    layers = ("no hidden layer" if not hidden else
              f"one hidden layer of {hidden[0]} neuron{'s' * (hidden[0] != 1)}" if len(hidden) == 1
              else f"hidden layers of {', '.join(map(str, hidden))} neurons")
    return f"widths {network.widths}: {inputs}, {layers}, {outputs}"


def add_sample_argument(parser: argparse.ArgumentParser, flag: bool = False) -> None:
    help_text = 'sample: CSV (one sample a row), JSON {"X": [[..]]}, .npy or .npz'
    if flag:
        parser.add_argument("--sample", metavar="SAMPLE", help=help_text)
    else:
        parser.add_argument("sample", metavar="SAMPLE", help=help_text)


def add_box_option(parser: argparse.ArgumentParser, help_text: str,
                   group: Any = None) -> None:
    """``--box LO HI`` (exact numbers, negative ones included: -1/2, -1e3), in ``group`` of
    ``parser`` if given."""
    (group or parser).add_argument("--box", nargs=2, metavar=("LO", "HI"), help=help_text)
    allow_negative_numbers(parser)


def allow_negative_numbers(parser: argparse.ArgumentParser) -> None:
    """Let option values be any exact negative number; argparse alone takes "-1/2" or "-1e-3"
    for an unknown option."""
    parser._negative_number_matcher = _NEGATIVE_NUMBER


def parse_box(args: argparse.Namespace) -> tuple[Fraction, Fraction] | None:
    """The exact box (LO, HI) of ``--box``, or None; LO < HI is required."""
    if getattr(args, "box", None) is None:
        return None
    lo, hi = (to_rational(q, f"--box {name}") for q, name in zip(args.box, ("LO", "HI")))
    if not lo < hi:
        raise InputError(f"--box needs LO < HI, got LO = {args.box[0]} and HI = {args.box[1]}")
    return lo, hi


def whole_number(minimum: int = 0):
    """An argparse ``type``: a whole number ≥ ``minimum``, with a message saying what was wrong.

    >>> whole_number(1)("3"), whole_number(0)("0")
    (3, 0)
    """
    def parse(text: str) -> int:
        shown = repr(text) if len(text) <= 40 else repr(text[:39] + "…")
        if len(text.strip()) > 100:   # int() of a huge text is quadratic and never meant
            raise argparse.ArgumentTypeError(f"expected a whole number of at most 100 digits, "
                                             f"got {shown} ({len(text)} characters)")
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {shown}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number ≥ {minimum}, got {value}")
        return value

    parse.__name__ = "whole number"
    return parse


#: Default ceiling on enumerated activation regions (the count itself is cheap and exact).
MAX_REGIONS = 100_000


def add_max_regions_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--max-regions", type=whole_number(1), default=MAX_REGIONS,
                        help="refuse to enumerate more activation regions than this; decided "
                             "before any enumeration, by cheap proven bounds first, then by a "
                             f"count with a work budget (default {MAX_REGIONS})")


def check_region_budget(network: ShallowNetwork, limit: int,
                        box: tuple[Fraction, Fraction] | None = None) -> None:
    """Refuse, before enumerating, an arrangement with (or that may have) more than ``limit``
    regions; with a box, the arrangement with the box's 2d walls added (what is enumerated).

    Cheapest proof first (:func:`relugeom.arrangement.regions.region_budget`): a lower bound
    (H − r + 2)·2^(r−1) above the limit refuses at once; an upper bound Σ_{i≤r} C(H, i) within
    it accepts at once; otherwise an exact count by Zaslavsky's theorem that stops as soon as a
    sub-arrangement exceeds the limit, or after a work budget of a few seconds. The message
    names the bound or count used, and its value.
    """
    arrangement = hyperplane_arrangement(network.W, network.b)
    what = "the network"
    if box is not None:
        arrangement = with_box_walls(arrangement, *box)
        what = ("the network's hyperplanes with the box's 2d walls (what is enumerated to find "
                "the regions in the box)")
    verdict = region_budget(arrangement, limit)
    if verdict.over is not False:
        raise InputError(f"{verdict.refusal(what, f'--max-regions {limit}')} Raise "
                         "--max-regions, or run `relugeom regions NETWORK --count-only` for the "
                         "counts alone (with its own work budget, --count-budget).")


def deep_region_limit(network: Any, limit: int, why: str) -> int | None:
    """The limit to pass to a deep enumeration: refuse at once when a proven lower bound on the
    number of activation regions exceeds ``limit`` (``why``: what the command would do with
    them), None when the proven upper bound is within it (no need to watch), else ``limit``."""
    lower, upper, how = deep_region_bounds(network, 50 * limit + 1_000_000)
    if lower > limit:
        raise InputError(f"the network has at least {number_text(lower)} activation regions "
                         f"({how}), more than --max-regions {limit}{why}")
    return None if upper <= limit else limit


def shallow_network(network: Any, command: str) -> ShallowNetwork:
    """The network as a shallow one (a two-layer deep network is one); deeper ones refused."""
    return as_shallow(network, f"relugeom {command}")


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def add_relu_prime_option(parser: argparse.ArgumentParser, help_text: str | None = None) -> None:
    parser.add_argument("--relu-prime-at-zero", choices=["error", "0", "1"], default="error",
                        help=help_text or "what to do when a sample lies on a hyperplane: refuse "
                                          "(default), or use the one-sided derivative "
                                          "relu'(0) = 0 or 1")


def relu_prime(args: argparse.Namespace) -> Any:
    value = args.relu_prime_at_zero
    return value if value == "error" else int(value)


def load_inputs(args: argparse.Namespace, notes: list | None = None) -> tuple[Any, Any]:
    """The network and (if given) the sample named on the command line.

    How the files were read, when a user should know it (a CSV header line skipped, the array
    read from an .npz without ``X``), comes as notes, one sentence each. A command that reports
    them itself (a ``note:`` line in its text report, a ``"notes"`` list in its JSON) passes a
    list as ``notes``; otherwise they go to ``args.input_notes``, which :func:`relugeom.cli.main`
    prints on stderr after the command's report (never beside an error message).
    """
    if notes is None:
        notes = pending_notes(args)
    network = load_network_argument(args, notes)
    path = getattr(args, "sample", None)
    X = read_sample(path, network.input_dim, notes=notes) if path else None
    return network, X


def pending_notes(args: argparse.Namespace) -> list:
    """The list of notes :func:`relugeom.cli.main` prints on stderr after the command's report
    (``args.input_notes``, created empty on first use); a command may append to it, e.g.
    ``read_sample(path, d, notes=pending_notes(args))``."""
    if not isinstance(getattr(args, "input_notes", None), list):
        args.input_notes = []
    return args.input_notes


def print_notes(notes: list, indent: str = "") -> None:
    """The notes as ``note: ...`` lines of a text report, on stdout."""
    for note in notes:
        print(f"{indent}note: {note}")


def save_sample(X: Any, path: str, what: str) -> None:
    """Write the sample X as JSON {"X": [[..]]} (exact values) to ``path``."""
    try:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(sample_to_dict(X), handle)
    except OSError as exc:
        raise InputError(f"cannot write {what} to {path!r}: {exc.strerror}") from None


@contextlib.contextmanager
def whole_report() -> Iterator[None]:
    """Collect what the block prints and write it to stdout only when the block completes: a
    report that fails halfway (bad input found late, an interruption) leaves stdout empty."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        yield
    sys.stdout.write(buffer.getvalue())
    sys.stdout.flush()


def print_json(obj: Any) -> None:
    json.dump(jsonable(obj), sys.stdout, indent=2, allow_nan=False)
    sys.stdout.write("\n")


def print_table(rows: list[tuple[str, Any]], indent: str = "  ") -> None:
    """Aligned "label  value" lines."""
    width = max((len(label) for label, _ in rows), default=0)
    for label, value in rows:
        print(f"{indent}{label.ljust(width)}  {value}")


def check_output_directory(path: str, option: str) -> None:
    """Refuse, before any work, an output directory that cannot be created or written: an
    existing file, a device such as /dev/null, a place under /proc, a folder without write
    permission. Nothing is left behind: folders created to try are removed again.

    Raises :class:`~relugeom.errors.InputError` naming ``option`` and ``path``.
    """
    if not path or not path.strip():
        raise InputError(f"{option} needs a directory name, got {path!r}")
    if os.path.exists(path) and not os.path.isdir(path):
        raise InputError(f"{option} {path!r} exists and is not a directory (a file or a "
                         "device); name a new or an existing directory")
    missing = []
    head = os.path.abspath(path)
    while not os.path.exists(head) and os.path.dirname(head) != head:
        missing.append(head)
        head = os.path.dirname(head)
    if not os.path.isdir(head):
        raise InputError(f"{option} {path!r} cannot be created: {head!r} is not a directory")
    created = []
    try:
        for folder in reversed(missing):
            os.mkdir(folder)
            created.append(folder)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        why = exc.strerror or str(exc)
        raise InputError(f"{option} {path!r} cannot be created: {why}"
                         if len(created) < len(missing) else
                         f"{option} {path!r} cannot be written (creating a file in it failed: "
                         f"{why})") from None
    finally:
        for folder in reversed(created):
            try:
                os.rmdir(folder)
            except OSError:
                pass


def add_parallel_options(parser: argparse.ArgumentParser) -> None:
    """--jobs, --backend, --scheduler: where the independent tasks of a command run."""
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="worker processes (default 1: this process; -1: every core)")
    parser.add_argument("--backend", choices=BACKENDS, default=None,
                        help="loky: processes on this machine (default with --jobs); dask: a "
                             "Dask distributed cluster (see --scheduler)")
    parser.add_argument("--scheduler", metavar="ADDRESS", default=None,
                        help="a Dask scheduler, e.g. tcp://host:8786 (implies --backend dask); "
                             "without it, --backend dask starts a local cluster")


def parallel_options(args: argparse.Namespace) -> dict:
    """The keyword arguments of :func:`relugeom.parallel.parallel_map` the options ask for,
    checked (before any work): --jobs a whole number ≥ 1 or -1, --scheduler an address that
    goes with the dask backend."""
    if args.scheduler is not None:
        if not args.scheduler.strip():
            raise InputError("--scheduler needs the address of a Dask scheduler, e.g. "
                             "tcp://host:8786 (or --backend dask for a local cluster)")
        if args.backend == "loky":
            raise InputError("--scheduler names a Dask cluster, so it goes with --backend dask, "
                             "not --backend loky")
    backend = "dask" if args.scheduler else args.backend
    return {"n_jobs": check_jobs(args.jobs, backend), "backend": backend,
            "scheduler": args.scheduler}
