"""relugeom check NETWORK SAMPLE [--json]: exact dimension, numeric rank, structure, T1–T9.

Exit status 0 when no theorem fails, 1 when one does (the statements are proved, so that is a
bug in relugeom: please report it), 2 for bad input.

Deep networks (more than one hidden layer) get the theorems that hold at any depth (T1, T2,
T3, T8 in their general form; the others are "not applicable"), the per-layer diagnosis as
their structure, and a NUMERIC side built on the float deep Jacobian. A two-layer network in
the deep format is checked as the shallow network it is.

With the default ``--method auto`` the local dimension may be only a certified interval
[L, U] (no certificate within the budget): the report says so, theorems the interval does not
decide are "undecided", and the parts built on the exact rank (numeric comparison, kernel
split) are not computed; ``--method exact`` forces exact elimination.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..analysis import Analysis, analyze
from ..checks import FAILS
from ..checks.bounds import rescaling_rank
from ..checks.numeric import (DEFAULT_MONTE_CARLO_POINTS, DEFAULT_RTOL, NumericComparison,
                              check_monte_carlo_size, compare_numeric, compare_numeric_deep)
from ..errors import InputError
from ..exact.numbers import to_rational
from ..model.deep import DeepNetwork
from ._common import (add_box_option, add_json_flag, add_network_argument, add_relu_prime_option,
                      add_sample_argument, architecture, load_inputs, parse_box, print_json,
                      print_table, relu_prime, whole_number, whole_report)
from .analyze import add_method_option


def _rtol(text: str) -> float:
    """A relative tolerance in (0, 1), read exactly, then as the float it is used as."""
    try:
        q = to_rational(text, "--rtol")
    except InputError:
        raise argparse.ArgumentTypeError(f"--rtol must be a number, got {text!r}") from None
    if not 0 < q < 1:
        raise argparse.ArgumentTypeError(f"--rtol must lie strictly between 0 and 1, got {text}")
    value = float(q)
    if value == 0:
        raise argparse.ArgumentTypeError(f"--rtol {text} is 0 in float64 (the numeric ranks "
                                         "are float64 computations); use at least 1e-300")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check", help="verify theorems T1–T9 on a case; compare the exact rank with float ranks",
        description="Compute the exact local dimension and its rank structure (incidence matrix "
                    "M, per-region ranks, per-neuron diagnosis, kernel of J split into "
                    "rescalings and explained directions), verify theorems T1–T8 of the design "
                    "notes and T9 (dim ≤ functional dimension) on this case, and set NUMERIC "
                    "float64 estimates beside the exact values, explaining any disagreement. "
                    "Deep networks get the theorems that hold at any depth (T1, T2, T3, T8) and "
                    "the per-layer diagnosis. "
                    "Exit status 1 if a theorem fails (a bug in relugeom), 2 for bad input.")
    add_network_argument(parser)
    add_sample_argument(parser)
    add_json_flag(parser)
    add_relu_prime_option(parser)
    add_method_option(parser)
    parser.add_argument("--rtol", type=_rtol, default=DEFAULT_RTOL, metavar="R",
                        help="relative tolerance of the second numeric rank rule, σ > R·σ_max "
                             f"(default √eps ≈ {DEFAULT_RTOL:.2g})")
    parser.add_argument("--mc-points", type=whole_number(0), default=DEFAULT_MONTE_CARLO_POINTS,
                        metavar="K", help="random points for the Monte-Carlo region count "
                                          f"(default {DEFAULT_MONTE_CARLO_POINTS}; 0 skips it)")
    add_box_option(parser, "box [LO, HI]^d of the Monte-Carlo count (default: the integer "
                           "cube around the sample, one unit wider)")
    parser.add_argument("--seed", type=whole_number(0), default=0,
                        help="seed of the Monte-Carlo count")
    parser.set_defaults(run=run)


def _is_deep(a: Analysis) -> bool:
    return isinstance(a.network, DeepNetwork)


def deep_structure(a: Analysis) -> dict[str, Any]:
    """The structure section for a deep network: per hidden layer the neurons dead on X and
    those active on every sample, and ker J counted (dimension P − dim; the independent
    rescaling directions; the rest, not classified at depth)."""
    rescaling, _ = rescaling_rank(a.network)
    kernel = a.n_parameters - a.local_dimension if a.local_dimension_exact else None
    return {"widths": list(a.network.widths),
            "activation_regions_perceived": a.activation_regions_perceived,
            "layers": a.layer_diagnosis,
            "kernel": None if kernel is None else {"dimension": kernel, "rescaling": rescaling,
                                                   "extra": kernel - rescaling}}


def report(a: Analysis, numeric: NumericComparison | None) -> dict[str, Any]:
    """The JSON object of ``relugeom check --json``. When the local dimension is only known in
    its certified interval, ``local_dimension`` is null (the interval in
    ``local_dimension_lower`` / ``_upper``) and the parts that need the exact rank (numeric
    comparison, kernel split) are null."""
    exact = a.local_dimension_exact
    return {
        **a.to_dict(["input_dim", "hidden_width", "output_dim", "n_samples", "n_parameters",
                     "activation_regions_perceived", "relu_prime_convention",
                     "local_dimension", "local_dimension_exact", "local_dimension_lower",
                     "local_dimension_upper", "local_dimension_certificate"]),
        "numeric_rank": numeric.numeric_rank if numeric else None,
        "agreement": numeric.agreement if numeric else None,
        "theorems": {name: v.to_dict() for name, v in a.theorems.items()},
        "structure": (deep_structure(a) if _is_deep(a) else
                      {**a.structure.to_dict(), "kernel": a.kernel.to_dict() if exact else None}),
        "numeric": numeric.to_dict() if numeric else None,
    }


def _describe_numeric(n: NumericComparison) -> None:
    print("Exact and NUMERIC ranks (numeric = float64 estimates, not exact)")
    verdict = lambda rule: "agrees" if rule.agrees else "DISAGREES"  # noqa: E731
    rows = [("local dimension (exact rank of J over Q)", n.exact_rank)]
    for rule in (n.numpy_rule, n.rtol_rule):
        rows.append((f"numeric rank, {rule.rule}",
                     "none (float64 cannot hold this case)" if rule.rank is None else
                     f"{rule.rank}   (tolerance {rule.tolerance:.3g}; {verdict(rule)})"))
    r = n.exact_rank
    gap = ("undefined" if n.gap is None else f"{n.gap:.3g}")
    rows.append((f"numeric gap σ_{r}/σ_{r + 1} at the exact rank", gap))
    print_table(rows)
    shown = set()
    for rule in (n.numpy_rule, n.rtol_rule):
        if rule.explanation and rule.explanation not in shown:
            shown.add(rule.explanation)
            print(f"  why ({rule.name}): {rule.explanation}")
    print()


def _describe_deep_structure(a: Analysis) -> None:
    s = deep_structure(a)
    print("Per-layer structure (exact)")
    print(f"  R = {s['activation_regions_perceived']} perceived activation regions (patterns "
          "over all hidden layers)")
    labels = {"dead": "dead on X", "always_active": "active on every sample"}
    for layer in s["layers"]:
        notes = [f"{label}: neuron{'s' * (len(layer[key]) != 1)} "
                 f"{', '.join(map(str, layer[key]))}" for key, label in labels.items()
                 if layer[key]]
        print(f"  layer {layer['layer']} ({layer['width']} neuron{'s' * (layer['width'] != 1)}): "
              + ("; ".join(notes) if notes else "no neuron dead or always active on X"))
    k = s["kernel"]
    if k is None:
        print(f"  kernel of J: {_NEEDS_EXACT}")
        print()
        return
    print(f"  kernel of J: dimension {k['dimension']} = {k['rescaling']} rescaling direction(s) "
          f"+ {k['extra']} more (not classified at depth)")
    print()


def _describe_structure(a: Analysis, max_rows: int = 12) -> None:
    if _is_deep(a):
        _describe_deep_structure(a)
        return
    s = a.structure
    print("Rank structure (exact)")
    print(f"  R = {len(s.regions)} perceived regions; incidence matrix M has rank "
          f"{s.incidence_rank}; 1 ∈ col(M): {'yes' if s.ones_in_column_space else 'no'}; "
          f"rank of the affine-map Jacobian Φ: {s.affine_map_rank}")
    d = a.input_dim
    for region in s.regions[:max_rows]:
        pattern = "".join(map(str, region.pattern))
        print(f"  region {region.index}: pattern {pattern}, {len(region.samples)} sample(s), "
              f"rank X̃ = {region.affine_rank}{' (rich)' if region.rich else f' < {d + 1}'}")
    if len(s.regions) > max_rows:
        print(f"  … {len(s.regions) - max_rows} more regions (--json lists all)")
    for neuron in s.neurons:
        if neuron.notes():
            print(f"  neuron {neuron.neuron}: {'; '.join(neuron.notes())}")
    if not a.local_dimension_exact:
        print(f"  kernel of J: {_NEEDS_EXACT}")
        print()
        return
    k = a.kernel
    unlisted = getattr(k, "unlisted", 0)
    print(f"  kernel of J: dimension {k.dimension} = {len(k.rescaling)} rescaling direction(s) "
          f"+ {len(k.extra) + unlisted} more")
    groups: dict[tuple, int] = {}
    for u in k.extra:
        groups[(u.kind, u.reason)] = groups.get((u.kind, u.reason), 0) + 1
    for (kind, reason), count in groups.items():
        print(f"    {count} × {kind}: {reason}")
    if unlisted:
        print(f"    {unlisted} × region: change the affine map of f only on regions that are not "
              f"rich (rank Φ − rank J, counted exactly; not listed: {k.why})")
    print()


def _describe_theorems(verdicts: dict) -> None:
    print("Theorems (docs/theory.md)")
    width = max(len(f"{name} {v.title}") for name, v in verdicts.items())
    for name, v in verdicts.items():
        print(f"  {f'{name} {v.title}'.ljust(width)}  {v.status.upper():<14}  {v.detail}")
    print()


def _describe_regions(n: NumericComparison, d: int) -> None:
    print("NUMERIC regions")
    if n.float_regions_perceived is not None:
        print(f"  distinct float patterns on X: {n.float_regions_perceived} (exact: "
              f"{n.exact_regions_perceived})")
    else:
        print("  none: float64 cannot hold this case")
    mc = n.monte_carlo
    if mc is not None:
        exact = (f"exact count in the box: {mc.exact_regions_in_box}"
                 if mc.exact_regions_in_box is not None else f"exact count: {mc.exact_source}")
        print(f"  Monte-Carlo: {mc.regions_found} activation regions met by {mc.points} random "
              f"points in [{mc.lo}, {mc.hi}]^{d} (seed {mc.seed}; {exact})")


#: What the report says in place of the parts that need the exact rank.
_NEEDS_EXACT = "not computed: it needs the exact rank (--method exact forces exact elimination)"


def describe(a: Analysis, numeric: NumericComparison | None) -> None:
    """The human-readable report of ``relugeom check``."""
    sizes = (architecture(a.network) if _is_deep(a) else
             f"d = {a.input_dim}, N = {a.hidden_width}, m = {a.output_dim}")
    print(f"relugeom check: {sizes}, P = {a.n_parameters} parameters; n = {a.n_samples} samples"
          + (f"; relu'(0) = {a.relu_prime_at_zero}" if a.relu_prime_at_zero != "error" else "")
          + "\n")
    if numeric is None:   # the rank is only known in its certified interval
        print_table([a.local_dimension_row()])
        print(f"  NUMERIC comparison {_NEEDS_EXACT}\n")
    else:
        _describe_numeric(numeric)
    _describe_structure(a)
    _describe_theorems(a.theorems)
    if numeric is not None:
        _describe_regions(numeric, a.input_dim)


def run(args: argparse.Namespace) -> int:
    network, X = load_inputs(args)
    check_monte_carlo_size(network, args.mc_points)   # every option before any work
    if isinstance(network, DeepNetwork) and network.depth == 2:
        network = network.to_shallow()
    a = analyze(network, X, relu_prime_at_zero=relu_prime(args), method=args.method)
    a.pattern_matrix   # a sample on a hyperplane is refused first, before any other work
    numeric = None
    # the numeric comparison is against the exact rank: none when only an interval is proven
    if a.local_dimension_exact and _is_deep(a):
        numeric = compare_numeric_deep(a, rtol=args.rtol, monte_carlo_points=args.mc_points,
                                       box=parse_box(args), seed=args.seed)
    elif a.local_dimension_exact:
        numeric = compare_numeric(
            a.network, a.X, a.local_dimension, relu_prime_at_zero=a.relu_prime_at_zero,
            exact_patterns=a.patterns, structure=a.structure, exact_jacobian=a.jacobian,
            rtol=args.rtol, monte_carlo_points=args.mc_points, box=parse_box(args),
            seed=args.seed)
    with whole_report():
        if args.json:
            print_json(report(a, numeric))
        else:
            describe(a, numeric)
    return 1 if any(v.status == FAILS for v in a.theorems.values()) else 0
