"""relugeom regions NETWORK [--sample SAMPLE] [--box LO HI] [--plot PNG] [--count-only]
[--cells] [--json]"""

from __future__ import annotations

import argparse

from ..arrangement.cells import hyperplane_arrangement, locate_sides
from ..arrangement.deep import (DeepRegionReport, RegionLimit, deep_region_bounds,
                                deep_region_report, region_upper_bound)
from ..arrangement.plot import check_plot_path, plot_deep_regions, plot_regions
from ..arrangement.regions import (RegionReport, count_activation_regions, count_linear_pieces_of,
                                   region_report)
from ..arrangement.zaslavsky import CountStopped, number_text, region_bounds
from ..errors import BoundaryError, InputError
from ..exact.numbers import polynomial_text, to_json_number
from ..model.deep import DeepNetwork
from ._common import (add_box_option, add_json_flag, add_max_regions_option, add_network_argument,
                      add_sample_argument, check_region_budget, deep_region_limit, load_inputs,
                      parse_box, print_json, print_table, shallow_network, whole_number,
                      whole_report)

#: Default work budget of ``--count-only`` (integer operations; tens of seconds at most).
COUNT_BUDGET = 20_000_000


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "regions", help="exact activation regions and linear pieces of a network (and those a "
                        "sample perceives)",
        description="Enumerate, exactly, the activation regions of a network (for one hidden "
                    "layer, the cells of the arrangement of its hidden hyperplanes, with bounded "
                    "and relatively bounded counts checked by Zaslavsky's theorem; at any depth, "
                    "layer by layer, each region with its facets), and its linear pieces "
                    "(adjacent regions with the same affine map, merged).")
    add_network_argument(parser)
    add_sample_argument(parser, flag=True)
    add_box_option(parser, "also count the regions and pieces meeting the box (LO, HI)^d")
    parser.add_argument("--plot", metavar="PNG",
                        help="draw the regions and pieces (d = 2 only; needs matplotlib)")
    parser.add_argument("--count-only", action="store_true",
                        help="count by Zaslavsky's theorem without enumerating the regions "
                             "(for networks too large to enumerate)")
    parser.add_argument("--cells", action="store_true",
                        help="with --json, also list every region (pattern, interior point, "
                             "bounded, piece)")
    parser.add_argument("--count-budget", type=whole_number(1), metavar="OPS",
                        help="with --count-only, refuse rather than spend more than this many "
                             "integer operations on the exact count (about one to twenty per "
                             f"region, a few million a second; default {COUNT_BUDGET:,})")
    add_json_flag(parser)
    add_max_regions_option(parser)
    parser.set_defaults(run=run)


def describe(report: RegionReport) -> None:
    """The human-readable report of ``relugeom regions``."""
    regions, arrangement = report.regions, report.regions.arrangement
    constant = sum(h is None for h in arrangement.neuron_hyperplane)
    print(f"network: d = {arrangement.dimension} inputs, N = {arrangement.n_neurons} hidden "
          f"neurons on {len(arrangement.hyperplanes)} distinct hyperplanes"
          + (f" ({constant} neuron(s) with w = 0)" if constant else ""))
    rows = [
        ("activation regions", regions.count),
        ("bounded", regions.bounded),
        ("relatively bounded", regions.relatively_bounded),
        ("characteristic polynomial", polynomial_text(regions.counts.characteristic_polynomial)),
        ("linear pieces", report.pieces.count),
    ]
    if regions.box is not None:
        lo, hi = (to_json_number(q) for q in regions.box)
        rows += [(f"regions meeting ({lo}, {hi})^{arrangement.dimension}", len(regions.in_box)),
                 (f"pieces meeting ({lo}, {hi})^{arrangement.dimension}", report.pieces_in_box)]
    if report.perceived is not None:
        rows += [(f"regions perceived by the {len(report.X)} samples",
                  report.perceived.activation_regions_perceived),
                 ("pieces perceived by the samples", report.perceived.linear_pieces_perceived)]
    print_table(rows)


def _counted(network, budget: int) -> tuple:
    """(region counts, linear pieces), exactly by Zaslavsky's theorem, or a refusal rather than
    more than ``budget`` operations (the cheap lower bound of the regions first)."""
    arrangement = hyperplane_arrangement(network.W, network.b)
    bounds = region_bounds(arrangement, exact_rank=False)
    if bounds.lower > budget:
        raise InputError(f"the network has at least {number_text(bounds.lower)} activation "
                         f"regions ({bounds.lower_text}); the exact count typically spends "
                         f"several operations per region, far more than --count-budget {budget}. "
                         "Raise --count-budget if you mean it.")
    try:
        counts = count_activation_regions(network, steps=budget)
    except CountStopped as stopped:
        bounds = region_bounds(arrangement)
        raise InputError(f"the exact count of the activation regions by Zaslavsky's theorem "
                         f"stopped after its work budget (--count-budget {budget} operations). "
                         f"The network has at least {number_text(stopped.at_least)} (its first "
                         f"{stopped.hyperplanes} of {stopped.total} distinct hyperplanes, "
                         f"counted exactly) and at most {number_text(bounds.upper)} "
                         f"({bounds.upper_text}). Raise --count-budget to count them all.") \
            from None
    try:
        pieces = count_linear_pieces_of(network, steps=budget)
    except CountStopped as stopped:
        raise InputError(f"the network has {counts.regions} activation regions, but the exact "
                         f"count of its linear pieces by Zaslavsky's theorem stopped after its "
                         f"work budget (--count-budget {budget} operations), at "
                         f"{number_text(stopped.at_least)} or more. Raise --count-budget to "
                         "count them all.") from None
    return counts, pieces


def _count_only(args: argparse.Namespace, network) -> int:
    if args.sample or args.box or args.plot or args.cells:
        raise InputError("--count-only does not enumerate regions, so it cannot be combined "
                         "with --sample, --box, --plot or --cells")
    counts, pieces = _counted(network, args.count_budget or COUNT_BUDGET)
    result = {"input_dim": network.input_dim, "hidden_width": network.hidden_width,
              "activation_regions": counts.regions,
              "bounded_activation_regions": counts.bounded,
              "relatively_bounded_activation_regions": counts.relatively_bounded,
              "rank": counts.rank,
              "characteristic_polynomial": list(counts.characteristic_polynomial),
              "linear_pieces": pieces}
    with whole_report():
        if args.json:
            print_json(result)
        else:
            print(f"network: d = {network.input_dim} inputs, N = {network.hidden_width} hidden "
                  "neurons (counted by Zaslavsky's theorem, regions not enumerated)")
            print_table([("activation regions", counts.regions), ("bounded", counts.bounded),
                         ("relatively bounded", counts.relatively_bounded),
                         ("characteristic polynomial",
                          polynomial_text(counts.characteristic_polynomial)),
                         ("linear pieces", pieces)])
    return 0


def run(args: argparse.Namespace) -> int:
    if args.count_budget is not None and not args.count_only:
        raise InputError("--count-budget limits the exact count of --count-only; without "
                         "--count-only it would be ignored (--max-regions limits the "
                         "enumeration)")
    if args.plot and not args.count_only:
        check_plot_path(args.plot)
    network, X = load_inputs(args)
    if isinstance(network, DeepNetwork) and network.depth > 2:
        return _run_deep(args, network, X)
    network = shallow_network(network, "regions")
    if args.count_only:
        return _count_only(args, network)
    box = parse_box(args)
    try:
        if X is not None:   # a sample on a hyperplane is refused first (one exact product)
            locate_sides(hyperplane_arrangement(network.W, network.b), X)
        check_region_budget(network, args.max_regions, box)
        report = region_report(network, X, box)
    except BoundaryError as exc:
        raise InputError(f"sample {exc.sample} lies on the hyperplane of neuron {exc.neuron}, "
                         "so it is in no activation region (regions are open); move it off the "
                         "hyperplane") from None
    if args.plot:
        plot_regions(report, args.plot, box)
    return _print_report(args, report, describe)


def _print_report(args: argparse.Namespace, report, describe_report) -> int:
    """The report as JSON or text (``describe_report``), naming the plot when one was drawn."""
    with whole_report():
        if args.json:
            result = report.to_dict(cells=args.cells)
            if args.plot:
                result["plot"] = args.plot
            print_json(result)
        else:
            describe_report(report)
            if args.plot:
                print(f"plot written to {args.plot}")
    return 0


# --- deep networks -------------------------------------------------------------------------------

def describe_deep(report: DeepRegionReport) -> None:
    """The human-readable report of ``relugeom regions`` for a network with several hidden
    layers."""
    regions, net = report.regions, report.regions.network
    print(f"network: d = {net.input_dim} inputs, hidden widths "
          f"{', '.join(map(str, net.hidden_widths))} ({net.depth - 1} hidden layers)")
    rows = [("activation regions (exact)", regions.count), ("bounded", regions.bounded),
            ("adjacencies (shared facets)", regions.graph.number_of_edges()),
            ("linear pieces", report.pieces.count),
            ("upper bound (Serra et al. 2018)", region_upper_bound(net))]
    if report.in_box is not None:
        lo, hi = (to_json_number(q) for q in report.in_box.box)
        rows += [(f"regions meeting ({lo}, {hi})^{net.input_dim}", report.in_box.count),
                 (f"pieces meeting ({lo}, {hi})^{net.input_dim}", report.pieces_in_box)]
    if report.sample_region is not None:
        rows += [(f"regions perceived by the {len(report.X)} samples", report.regions_perceived),
                 ("pieces perceived by the samples", report.pieces_perceived)]
    print_table(rows)


def _deep_count_only(args: argparse.Namespace, network: DeepNetwork) -> int:
    if args.sample or args.box or args.plot or args.cells:
        raise InputError("--count-only does not enumerate regions, so it cannot be combined "
                         "with --sample, --box, --plot or --cells")
    lower, upper, how = deep_region_bounds(network, args.count_budget or COUNT_BUDGET)
    result = {"input_dim": network.input_dim, "widths": list(network.widths),
              "activation_regions_at_least": lower, "activation_regions_at_most": upper,
              "lower_bound": how, "upper_bound": "Serra, Tjandraatmadja and Ramalingam (2018)"}
    with whole_report():
        if args.json:
            print_json(result)
        else:
            print(f"network: d = {network.input_dim} inputs, hidden widths "
                  f"{', '.join(map(str, network.hidden_widths))}: no exact count without "
                  "enumerating at this depth; proven bounds")
            print_table([("activation regions at least", lower), ("  from", how),
                         ("activation regions at most", upper),
                         ("  from", "Serra, Tjandraatmadja and Ramalingam (2018), Theorem 1")])
    return 0


def _run_deep(args: argparse.Namespace, network: DeepNetwork, X) -> int:
    if args.count_only:
        return _deep_count_only(args, network)
    box = parse_box(args)
    limit = args.max_regions
    watch = deep_region_limit(network, limit, ": enumerating them would take very long. Raise "
                                              "--max-regions, or run `relugeom regions NETWORK "
                                              "--count-only` for proven bounds alone.")
    try:
        report = deep_region_report(network, X, box, watch)
    except RegionLimit as stop:
        raise InputError(f"the network has more than --max-regions {limit} activation regions: "
                         f"its first {stop.layer} hidden layer(s) already make at least "
                         f"{number_text(stop.found)} (enumerated exactly, each later layer only "
                         "subdivides). Raise --max-regions if you mean it.") from None
    except BoundaryError as exc:
        raise InputError(f"sample {exc.sample} lies on the bent hyperplane of neuron "
                         f"{exc.neuron} of layer {exc.layer}, so it is in no activation region "
                         "(regions are open); move it off the boundary") from None
    if args.plot:
        plot_deep_regions(report, args.plot, box)
    return _print_report(args, report, describe_deep)
