"""relugeom fdim NETWORK [--json] [--sampling gaussian|uniform|data ...] [--plot PNG]"""

from __future__ import annotations

import argparse
import textwrap

from ..arrangement.plot import check_plot_path
from ..errors import InputError
from ..exact.numbers import to_json_number
from ..geometry.functional import FunctionalDimension, functional_dimension
from ..geometry.sampling import (DEFAULT_GRID_BITS, SamplingConvergence, gaussian,
                                 plot_convergence, resampling, sampling_convergence, uniform)
from ..model.deep import DeepNetwork
from ..model.io import read_sample
from ._common import (add_box_option, add_json_flag, add_max_regions_option, add_network_argument,
                      add_parallel_options, add_relu_prime_option, check_region_budget,
                      load_network_argument, parallel_options, parse_box, print_table, relu_prime,
                      shallow_network, whole_number)
from .fdim_deep import print_fdim_report, run_deep

#: Regions listed in the text report (necessary ones first, then the rarest).
_REGION_ROWS = 15

#: Defaults of the sampling options (given without --sampling, they are refused, not ignored).
SAMPLING_DEFAULTS = {"repeats": 20, "max_points": 2000, "seed": 0, "probability_draws": 10000,
                     "grid_bits": DEFAULT_GRID_BITS}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "fdim", help="exact functional dimension (largest local dimension over all samples), "
                     "and how fast random samples reach it",
        description="Compute the functional dimension max_X rank J(θ, X) exactly, as the rank "
                    "on a decisive sample (d+1 affinely independent points in every activation "
                    "region), explain its gap to P − N, and with --sampling follow the exact "
                    "local dimension of growing random samples until they reach it.")
    add_network_argument(parser)
    add_json_flag(parser)
    add_relu_prime_option(parser, "relu'(0) for neurons with w = 0 and b = 0 (pre-activation 0 "
                                  "everywhere), which are refused by default; the decisive "
                                  "sample avoids every hyperplane, so it matters for them only")
    parser.add_argument("--save-sample", metavar="FILE",
                        help='write the decisive sample as JSON {"X": [[..]]} (exact)')
    group = parser.add_argument_group("sampling convergence")
    group.add_argument("--sampling", choices=["gaussian", "uniform", "data"],
                       help="distribution of the random samples")
    group.add_argument("--scale", metavar="SIGMA", help="Gaussian standard deviation (default 1)")
    add_box_option(parser, "uniform sampling box (LO, HI)^d (default -1 1)", group)
    group.add_argument("--data", metavar="FILE", help="data file to resample (CSV, JSON, .npy)")
    # defaults are filled in by _sampling_options, so that a value given without --sampling
    # (which would be ignored) can be refused
    group.add_argument("--repeats", type=whole_number(1),
                       help=f"independent repeats (default {SAMPLING_DEFAULTS['repeats']})")
    group.add_argument("--max-points", type=whole_number(1),
                       help="stop a repeat after this many points (default "
                            f"{SAMPLING_DEFAULTS['max_points']})")
    group.add_argument("--seed", type=whole_number(0),
                       help=f"random seed (default {SAMPLING_DEFAULTS['seed']})")
    group.add_argument("--probability-draws", type=whole_number(0),
                       help="draws for the region probability estimates (default "
                            f"{SAMPLING_DEFAULTS['probability_draws']})")
    group.add_argument("--grid-bits", type=int, metavar="BITS",
                       help="Gaussian draws are rounded to multiples of 2^-BITS, uniform draws "
                            "are the midpoints of 2^BITS bins per coordinate (1 to 64; "
                            f"default {DEFAULT_GRID_BITS})")
    group.add_argument("--plot", metavar="PNG", help="save a figure (needs matplotlib)")
    add_parallel_options(group)   # the repeats run on the workers; the result does not change
    add_max_regions_option(parser)
    parser.set_defaults(run=run)


def _sampling_options(args: argparse.Namespace) -> None:
    """Refuse every sampling option that would be ignored — given without --sampling, or with
    a distribution it does not belong to — then fill in the defaults."""
    kind = args.sampling
    owners = [("--scale", args.scale, ("gaussian",)), ("--box", args.box, ("uniform",)),
              ("--data", args.data, ("data",)),
              ("--grid-bits", args.grid_bits, ("gaussian", "uniform"))]
    misplaced = [flag for flag, value, owner in owners if value is not None and kind not in owner]
    if kind is None:
        misplaced += [flag for flag, value in (("--repeats", args.repeats),
                                               ("--max-points", args.max_points),
                                               ("--seed", args.seed),
                                               ("--probability-draws", args.probability_draws),
                                               ("--plot", args.plot)) if value is not None]
        misplaced += [flag for flag, given in (("--jobs", args.jobs != 1),
                                               ("--backend", args.backend is not None),
                                               ("--scheduler", args.scheduler is not None))
                      if given]
    if misplaced:
        raise InputError(f"{', '.join(misplaced)} given without the matching --sampling, so "
                         f"{'it' if len(misplaced) == 1 else 'they'} would be ignored (--scale "
                         "goes with gaussian, --box with uniform, --data with data, --grid-bits "
                         "with gaussian or uniform; --repeats, --max-points, --seed, "
                         "--probability-draws, --plot and --jobs with any)")
    for name, value in SAMPLING_DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, value)


def _distribution(args: argparse.Namespace, input_dim: int):
    """The distribution named on the command line (options already checked)."""
    kind = args.sampling
    if kind == "gaussian":
        return gaussian(input_dim, args.scale if args.scale is not None else 1, args.grid_bits)
    if kind == "uniform":
        low, high = parse_box(args) or (-1, 1)
        return uniform(input_dim, low, high, args.grid_bits)
    if kind == "data":
        if args.data is None:
            raise InputError("--sampling data needs --data FILE, the data set to resample")
        return resampling(read_sample(args.data, input_dim))
    return None


def describe(result: FunctionalDimension) -> None:
    """The human-readable report of the functional dimension and its gap."""
    net = result.network
    print(f"network: d = {net.input_dim} inputs, N = {net.hidden_width} hidden neurons, "
          f"m = {net.output_dim} output{'s' if net.output_dim > 1 else ''}, "
          f"P = {net.n_parameters} parameters")
    rows = [
        ("activation regions", result.activation_regions),
        ("decisive sample: R·(d+1) points", result.decisive_sample_size),
        ("functional dimension (exact)", result.functional_dimension),
        ("bound P − N (rescaling symmetries)", result.symmetry_bound),
        ("gap P − N − fdim", result.gap),
    ]
    if result.relu_prime_at_zero != "error":
        rows.append(("relu'(0) convention (w = 0, b = 0 neurons)", result.relu_prime_at_zero))
    print_table(rows)
    explanation = result.explanation
    if result.gap == 0:
        return
    print("why below P − N: kernel directions beyond the rescalings, found exactly on the "
          "decisive sample (which meets every region, so 'on X' means anywhere):")
    for feature in explanation.features:
        plural = "s" if feature.directions != 1 else ""
        print(textwrap.fill(f"{feature.directions} direction{plural} ({feature.kind}): "
                            f"{feature.description}", width=100, initial_indent="  - ",
                            subsequent_indent="    "))
    if explanation.missing_rescalings:
        print(f"  ({explanation.missing_rescalings} neuron(s) with w = 0, b = 0, v = 0 have no "
              "rescaling direction, so the gap is that much smaller than the sum)")
    inc = explanation.incidence
    if inc is not None:
        d, N = net.input_dim, net.hidden_width
        print(f"  incidence formula (m = 1, every v_j ≠ 0; M = patterns of all regions):\n"
              f"    gap = (d+1)(N − rank M) + [1 ∈ col M] = {d + 1}·({N} − {inc.incidence_rank}) "
              f"+ {int(inc.ones_in_column_space)} = {inc.gap}")


def describe_sampling(result: SamplingConvergence) -> None:
    """The human-readable report of the sampling convergence."""
    print(f"sampling: {result.distribution.describe()}; {result.repeats} repeats of up to "
          f"{result.max_points} points, seed {result.seed}")
    summary = result.summary()
    fdim = result.functional_dimension
    if summary["reached"]:
        mean = summary["mean"]
        print(f"  smallest n reaching fdim = {fdim}: min {summary['min']}, median "
              f"{to_json_number(summary['median'])}, mean {to_json_number(mean)} "
              f"(≈ {float(mean):.1f}), max {summary['max']}; reached in {summary['reached']} of "
              f"{summary['repeats']} repeats")
        print("  histogram (n: repeats): " + "  ".join(f"{n}: {c}"
                                                      for n, c in result.histogram().items()))
    else:
        print(f"  no repeat reached fdim = {fdim} within {result.max_points} points")
    missed = [run for run in result.runs if run.reached_at is None]
    if missed and summary["reached"]:
        print(f"  {len(missed)} repeat(s) stopped at {result.max_points} points without "
              "reaching it")
    if missed:
        final = sorted({run.steps[-1][1] if run.steps else 0 for run in missed})
        print(f"  dimension reached by those repeats: {', '.join(map(str, final))}")
    if result.data_ceiling is not None:
        print(f"  local dimension of the whole data set (the most resampling can reach): "
              f"{result.data_ceiling}"
              + (f"; {result.data_excluded} data point(s) on a hyperplane left out"
                 if result.data_excluded else ""))
    rejected = sum(run.rejected for run in result.runs)
    if rejected:
        print(f"  {rejected} draw(s) landed exactly on a hyperplane and were drawn again")
    if not result.probability_draws:
        return
    print(f"regions (probabilities are ESTIMATES from {result.probability_draws} draws, "
          "± one standard error; deficits are exact):")
    rows = [("pattern", "deficit   probability ≈        completed the rank in")]
    for region in result.regions[:_REGION_ROWS]:
        rows.append(("".join(map(str, region.pattern)),
                     f"{region.deficit:<9} {region.probability_estimate:.4f} ± "
                     f"{region.standard_error:.4f}      {region.completed_rank} repeat(s)"))
    print_table(rows)
    if len(result.regions) > _REGION_ROWS:
        print(f"  … {len(result.regions) - _REGION_ROWS} more regions (all of them with --json)")
    active = ", ".join(f"{j}: {count / result.probability_draws:.4f}"
                       for j, count in enumerate(result.neuron_active_counts))
    print(f"  neuron active, estimated probability: {active}")
    print(f"  exact rank using only the regions seen in the draws: {result.observed_rank}"
          + ("" if result.observed_rank == fdim else
             f" < fdim = {fdim}: the distribution (almost) never reaches fdim"))


def run(args: argparse.Namespace) -> int:
    _sampling_options(args)   # before reading anything
    where = parallel_options(args)
    if args.plot:
        check_plot_path(args.plot)
    network = load_network_argument(args)
    if isinstance(network, DeepNetwork) and network.depth > 2:
        return run_deep(args, network, _distribution(args, network.input_dim))
    network = shallow_network(network, "fdim")
    distribution = _distribution(args, network.input_dim)
    check_region_budget(network, args.max_regions)
    result = functional_dimension(network, relu_prime_at_zero=relu_prime(args))
    convergence = None
    if distribution is not None:
        convergence = sampling_convergence(
            network, distribution, repeats=args.repeats, max_points=args.max_points,
            seed=args.seed, probability_draws=args.probability_draws, functional=result,
            **where)
        if args.plot:
            plot_convergence(convergence, args.plot)
    print_fdim_report(args, result, convergence, describe, describe_sampling,
                      plot=args.plot if convergence is not None else None)
    return 0
