"""relugeom convert MODEL [--out NET.json] [--widths N0,...,NL] [--json]

Reads a model in any format relugeom knows (:func:`relugeom.import_network`: ONNX, PyTorch,
Keras, safetensors, .npz, relugeom JSON) and writes its exact relugeom JSON: every float at its
exact binary value, as an integer or a "p/q" string. The report says which format was read,
the widths, what was dropped (Dropout, Identity, a Flatten of the input, a final softmax) and
how the import was checked against the framework's own forward pass.
"""

from __future__ import annotations

import argparse
import os
import sys

from ..errors import InputError
from ..model.formats.loading import import_network
from ._common import (add_json_flag, add_network_argument, architecture, print_json, print_notes,
                      print_table)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "convert", help="read a model (ONNX, PyTorch, Keras, safetensors, .npz) and write its "
                        "exact relugeom JSON",
        description="Read a model file, check it against its framework's forward pass, and "
                    "write the network as exact relugeom JSON (without --out: to stdout).")
    add_network_argument(parser, "the model file (format detected from its content)")
    parser.add_argument("--out", metavar="NET.json", default=None,
                        help="write the network's JSON here (default: print it on stdout)")
    add_json_flag(parser)
    parser.set_defaults(run=run)


def _write(path: str, text: str) -> None:
    if os.path.isdir(path):
        raise InputError(f"--out {path!r} is a directory; name a file")
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise InputError(f"--out {path!r} cannot be written: {exc.strerror or exc}") from None


def run(args: argparse.Namespace) -> int:
    network, report = import_network(args.network, widths=args.widths)
    text = network.to_json() + "\n"
    if args.out is not None:
        _write(args.out, text)
    if args.json:
        out = {**report.to_dict(), "n_parameters": network.n_parameters, "out": args.out}
        if args.out is None:
            out["network"] = network.to_dict()
        print_json(out)
        return 0
    if args.out is None:
        sys.stdout.write(text)
        args.input_notes = report.messages()   # on stderr, after the JSON
        return 0
    print(f"read {report.source} as {report.format}: {architecture(network)}, "
          f"P = {network.n_parameters} parameters")
    rows = [("written (exact JSON)", args.out),
            ("dropped", ", ".join(report.dropped) or "nothing"),
            ("final activation", f"{report.final_activation} (removed: analysed up to the "
                                 "logits)" if report.final_activation else "none"),
            ("forward check", report.check or "none (weights only: no model to run)")]
    print_table(rows)
    print_notes(report.notes, "  ")
    return 0
