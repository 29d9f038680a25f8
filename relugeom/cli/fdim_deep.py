"""``relugeom fdim`` for a network with several hidden layers: the exact functional dimension
from the decisive sample of the deep regions (:mod:`relugeom.geometry.deep_functional`)."""

from __future__ import annotations

import argparse
import textwrap

from ..arrangement.deep import RegionLimit
from ..arrangement.zaslavsky import number_text
from ..errors import InputError
from ..exact.numbers import to_json_number
from ..geometry.deep_functional import (DeepFunctionalDimension, DeepSampling,
                                        deep_functional_dimension, deep_sampling_convergence)
from ..model.deep import DeepNetwork
from ._common import (deep_region_limit, print_json, print_table, relu_prime, save_sample,
                      whole_report)

#: Options of ``fdim`` that only the one-hidden-layer path implements.
SHALLOW_ONLY = ("plot",)


def describe_deep(result: DeepFunctionalDimension) -> None:
    """The human-readable report of the functional dimension of a deep network."""
    net = result.network
    print(f"network: widths {', '.join(map(str, net.widths))} (d = {net.input_dim}, "
          f"{net.depth - 1} hidden layers of {net.n_hidden} neurons, m = {net.output_dim}), "
          f"P = {net.n_parameters} parameters")
    rows = [("activation regions (exact)", result.activation_regions),
            ("decisive sample: R·(d+1) points", result.decisive_sample_size),
            ("functional dimension (exact)", result.functional_dimension),
            ("bound P − Σ hidden widths (rescalings)", result.symmetry_bound),
            ("gap", result.gap)]
    if result.relu_prime_at_zero != "error":
        rows.append(("relu'(0) convention", result.relu_prime_at_zero))
    print_table(rows)
    if result.gap == 0:
        return
    print("why below P − Σ hidden widths (read off the patterns of every region):")
    explained = 0
    for feature in result.features:
        names = ", ".join(f"{j} of layer {l}" for l, j in feature.neurons)
        explained += feature.directions
        print(textwrap.fill(f"{feature.kind} neuron(s) {names}: {feature.description} (at most "
                            f"{feature.directions} directions)", width=100,
                            initial_indent="  - ", subsequent_indent="    "))
    if explained < result.gap:
        print(textwrap.fill(f"{result.gap - explained} or more direction(s) with no label here: "
                            "hidden symmetries of the function beyond single neurons (e.g. "
                            "neurons of consecutive layers acting linearly together on every "
                            "region); the value itself is exact", width=100,
                            initial_indent="  - ", subsequent_indent="    "))


def describe_deep_sampling(run: DeepSampling) -> None:
    """The human-readable report of the sampling convergence of a deep network."""
    print(f"sampling: {run.distribution.describe()}; {len(run.reached_at)} repeats of up to "
          f"{run.max_points} points, seed {run.seed} (exact ranks; region probabilities are "
          "reported for one hidden layer only)")
    summary = run.summary()
    fdim = run.functional_dimension
    if summary["reached"]:
        print(f"  smallest n reaching fdim = {fdim}: min {summary['min']}, median "
              f"{to_json_number(summary['median'])}, mean {to_json_number(summary['mean'])} "
              f"(≈ {float(summary['mean']):.1f}), max {summary['max']}; reached in "
              f"{summary['reached']} of {summary['repeats']} repeats")
    else:
        print(f"  no repeat reached fdim = {fdim} within {run.max_points} points")
    missed = sorted({r for n, r in zip(run.reached_at, run.final_rank) if n is None})
    if missed:
        print(f"  rank reached by the repeats that stopped short: {', '.join(map(str, missed))}")
    if run.rejected:
        print(f"  {run.rejected} draw(s) landed exactly on a boundary and were drawn again")


def run_deep(args: argparse.Namespace, network: DeepNetwork, distribution) -> int:
    """``relugeom fdim`` on a network with more than one hidden layer (``distribution``: the
    one of ``--sampling``, or None)."""
    given = [f"--{name}" for name in SHALLOW_ONLY if getattr(args, name, None)]
    if given:
        raise InputError(f"{', '.join(given)}: the convergence plot is drawn for one hidden "
                         "layer only; for this deeper network, leave it out (the sampling "
                         "convergence itself is reported)")
    limit = args.max_regions
    watch = deep_region_limit(network, limit, "; the decisive sample needs d+1 points in each. "
                                              "Raise --max-regions if you mean it.")
    try:
        result = deep_functional_dimension(network, relu_prime_at_zero=relu_prime(args),
                                           limit=watch)
    except RegionLimit as stop:
        raise InputError(f"the network has more than --max-regions {limit} activation regions "
                         f"(its first {stop.layer} hidden layer(s) already make at least "
                         f"{number_text(stop.found)}); the decisive sample needs d+1 points in "
                         "each. Raise --max-regions if you mean it.") from None
    sampling = None
    if distribution is not None:
        sampling = deep_sampling_convergence(result, distribution, repeats=args.repeats,
                                             max_points=args.max_points, seed=args.seed)
    print_fdim_report(args, result, sampling, describe_deep, describe_deep_sampling)
    return 0


def print_fdim_report(args: argparse.Namespace, result, sampling, describe, describe_sampling,
                      plot: str | None = None) -> None:
    """Save the decisive sample if asked, then print the report (JSON or text) of ``fdim``, at
    any depth: the functional dimension, then the sampling convergence when there is one."""
    if args.save_sample:
        save_sample(result.decisive_sample, args.save_sample, "the decisive sample")
    with whole_report():
        if args.json:
            report = result.to_dict()
            if sampling is not None:
                report["sampling"] = sampling.to_dict()
                if plot:
                    report["sampling"]["plot"] = plot
            print_json(report)
            return
        describe(result)
        if sampling is not None:
            describe_sampling(sampling)
            if plot:
                print(f"plot written to {plot}")
        if args.save_sample:
            print(f"decisive sample written to {args.save_sample}")
