"""The numeric side, labelled NUMERIC: what float64 tools would report, beside the exact value.

Everything here is computed in floats, as numeric tools do, and is never reported as exact:

- the float Jacobian (:func:`relugeom.rank.jacobian.numeric_jacobian`) and its singular values
  σ_1 ≥ σ_2 ≥ …;
- its numeric rank under numpy's rule (``numpy.linalg.matrix_rank``): σ > S.max()·max(shape)·eps,
  and under a relative rule σ > rtol·S.max() with the user's rtol;
- the singular-value gap σ_r/σ_{r+1} at the exact rank r: a large gap means the float matrix
  separates rank r clearly, a gap near 1 means no tolerance can;
- numeric region estimates: distinct float patterns on X, and the distinct float patterns of
  points drawn uniformly at random in a box (a Monte-Carlo lower estimate of the number of
  activation regions meeting the box), beside the exact count when it can be enumerated.

When a numeric rank differs from the exact one, :func:`compare_numeric` says which singular
values crossed which tolerance and looks for the cause in the exact structure: samples within
rounding of a hyperplane (float pattern ≠ exact pattern), badly scaled neurons (confirmed by
rebalancing them with the exact rescaling symmetry, which keeps the exact rank, and recomputing
the float rank), nearly affinely dependent samples in a region, nearly coinciding hyperplanes,
or entries that float64 cannot hold exactly.

>>> from fractions import Fraction
>>> from relugeom import ShallowNetwork
>>> net = ShallowNetwork(W=[[1]], b=[0], V=[[1]], c=[0])
>>> X = [[1], [1 + Fraction(1, 2**50)], [-1]]      # two nearly equal samples in one region
>>> report = compare_numeric(net, X, exact_rank=3, monte_carlo_points=0)
>>> report.numeric_rank, report.agreement
(2, False)
>>> print(report.explanation)  # doctest: +ELLIPSIS
numeric rank 2 ≠ exact rank 3: σ_3 = ...e-16 fell under the tolerance 2.55e-15 of numpy's rule ...
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Sequence

import numpy as np

from .. import linalg
from ..arrangement.cells import cells_meeting_box, hyperplane_arrangement
from ..arrangement.deep import deep_activation_regions, region_upper_bound
from ..errors import InputError
from ..exact.jsonable import float_json
from ..exact.numbers import describe_value, to_json_number
from ..linalg.floating import (EPS, NUMPY_RULE, numeric_rank, numpy_tolerance, singular_value_gap,
                               singular_values)
from ..model.network import Network
from ..model.patterns import (ReluPrime, activation_patterns, distinct_patterns, distinct_rows,
                              preactivations)
from ..model.sample import as_sample
from ..rank.explain import neuron_coordinates, rank_structure
from ..rank.jacobian import jacobian, numeric_jacobian
from .counting import REGION_LIMIT, region_bound
from .depth import DEEP_T9_REGION_LIMIT

LABEL = "numeric (float64): estimates, not exact"
#: Default relative tolerance for the rtol rule: √eps, the usual "half the digits" choice.
DEFAULT_RTOL = math.sqrt(EPS)
DEFAULT_MONTE_CARLO_POINTS = 20000


# --- results ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ToleranceRule:
    """One rank rule applied to the float singular values, compared with the exact rank.

    ``crossed`` lists the 1-based indices of the singular values on the wrong side of the
    tolerance (under it although exactly nonzero, or above it although exactly zero).
    ``tolerance`` and ``rank`` are None when float64 cannot represent the case (an entry or
    the float Jacobian beyond its range); ``explanation`` then says so.
    """

    name: str
    rule: str
    tolerance: float | None
    rank: int | None
    exact_rank: int
    crossed: tuple
    explanation: str | None

    @property
    def agrees(self) -> bool:
        return self.rank == self.exact_rank

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "tolerance": self.tolerance, "rank": self.rank,
                "agrees": self.agrees, "crossed": list(self.crossed),
                "explanation": self.explanation}


@dataclass(frozen=True)
class MonteCarloRegions:
    """Distinct float patterns of ``points`` uniform random points in the box [lo, hi]^d."""

    lo: Fraction
    hi: Fraction
    points: int
    seed: int
    regions_found: int
    exact_regions_in_box: int | None
    exact_source: str

    def to_dict(self) -> dict[str, Any]:
        return {"box": [to_json_number(self.lo), to_json_number(self.hi)], "points": self.points,
                "seed": self.seed, "regions_found": self.regions_found,
                "exact_regions_in_box": self.exact_regions_in_box,
                "exact_source": self.exact_source}


@dataclass(frozen=True)
class NumericComparison:
    """The float picture of (θ, X) beside the exact rank. Everything but ``exact_*`` is NUMERIC."""

    shape: tuple
    singular_values: tuple
    exact_rank: int
    numpy_rule: ToleranceRule
    rtol_rule: ToleranceRule
    gap: float | None
    causes: tuple
    float_regions_perceived: int | None
    exact_regions_perceived: int
    pattern_mismatches: tuple
    monte_carlo: MonteCarloRegions | None
    label: str = LABEL

    @property
    def numeric_rank(self) -> int | None:
        """The rank under numpy's rule (None when float64 cannot hold the case at all)."""
        return self.numpy_rule.rank

    @property
    def agreement(self) -> bool:
        """Does numpy's rule give the exact rank?"""
        return self.numpy_rule.agrees

    @property
    def explanation(self) -> str | None:
        return self.numpy_rule.explanation

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "jacobian_shape": list(self.shape),
                "singular_values": [float(s) for s in self.singular_values],
                "exact_rank": self.exact_rank, "numeric_rank": self.numeric_rank,
                "agreement": self.agreement, "explanation": self.explanation,
                "numpy_rule": self.numpy_rule.to_dict(), "rtol_rule": self.rtol_rule.to_dict(),
                "gap_at_exact_rank": float_json(self.gap), "causes": list(self.causes),
                "float_regions_perceived": self.float_regions_perceived,
                "exact_regions_perceived": self.exact_regions_perceived,
                "pattern_mismatches": [list(p) for p in self.pattern_mismatches],
                "monte_carlo": self.monte_carlo.to_dict() if self.monte_carlo else None}


# --- patterns and regions in floats -------------------------------------------------------------

def float_patterns(network: Network, X: Any) -> np.ndarray:
    """NUMERIC activation patterns [float(w_j)·float(x_i) + float(b_j) > 0], an n × N 0/1 array
    (the patterns :func:`~relugeom.rank.jacobian.numeric_jacobian` uses)."""
    W = np.array(network.W, dtype=float)
    b = np.array(network.b, dtype=float)
    return (np.array(X, dtype=float) @ W.T + b > 0).astype(np.int8)


def _count_distinct(patterns: np.ndarray) -> int:
    """The number of distinct rows of a 0/1 array (hashed packed: far faster than
    ``np.unique(axis=0)`` on 20,000 rows)."""
    return len(distinct_rows(patterns.astype(bool))[0]) if len(patterns) else 0


def default_box(X: Sequence[Sequence[Fraction]]) -> tuple[Fraction, Fraction]:
    """The integer cube [⌊min X⌋ − 1, ⌈max X⌉ + 1]^d around the sample."""
    entries = [q for x in X for q in x]
    return Fraction(math.floor(min(entries)) - 1), Fraction(math.ceil(max(entries)) + 1)


def _exact_regions_in_box(network: Network, lo: Fraction, hi: Fraction) -> tuple[int | None, str]:
    """Exact number of activation regions meeting the box, if the arrangement is small enough
    to enumerate (see T7's REGION_LIMIT)."""
    arrangement = hyperplane_arrangement(network.W, network.b)
    # the count enumerates the arrangement with the 2d walls of the box added
    d = network.input_dim
    most = region_bound(len(arrangement.hyperplanes) + 2 * d, d)
    if most > REGION_LIMIT:
        return None, f"not enumerated: up to {most} regions (limit {REGION_LIMIT})"
    return len(cells_meeting_box(arrangement, lo, hi)), "relugeom.arrangement.cells_meeting_box"


def _exact_deep_regions_in_box(network: Network, lo: Fraction, hi: Fraction
                               ) -> tuple[int | None, str]:
    """Exact number of activation regions of a deep network meeting the box, when
    :func:`~relugeom.arrangement.deep.region_upper_bound` (which bounds them: each is a region
    of the network) is within the limit T9 at depth enumerates."""
    most = region_upper_bound(network)
    if most > DEEP_T9_REGION_LIMIT:
        return None, f"not enumerated: up to {most} regions (limit {DEEP_T9_REGION_LIMIT})"
    return (deep_activation_regions(network, box=(lo, hi)).count,
            "relugeom.arrangement.deep_activation_regions")


#: Floats the Monte-Carlo count may hold at once (points × (d + hidden neurons)): 2 GiB.
MONTE_CARLO_FLOATS = 2**28


def check_monte_carlo_size(network: Network, points: int) -> None:
    """Refuse a Monte-Carlo count whose points would not fit in :data:`MONTE_CARLO_FLOATS`
    floats (a point and its pre-activations are held at once), before any work."""
    hidden = sum(getattr(network, "hidden_widths", None) or (network.hidden_width,))
    floats = points * (network.input_dim + hidden)
    if floats > MONTE_CARLO_FLOATS:
        most = MONTE_CARLO_FLOATS // (network.input_dim + hidden)
        raise InputError(f"{points} Monte-Carlo points would hold {floats} floats "
                         f"({floats * 8 / 2**30:.3g} GiB) at once for d = {network.input_dim} "
                         f"and {hidden} hidden neurons; at most {most} points fit the "
                         f"{MONTE_CARLO_FLOATS * 8 // 2**30} GiB budget (--mc-points)")


def monte_carlo_regions(network: Network, lo: Any, hi: Any,
                        points: int = DEFAULT_MONTE_CARLO_POINTS, seed: int = 0,
                        exact: bool = True) -> MonteCarloRegions:
    """NUMERIC: count distinct float patterns of ``points`` seeded uniform points in [lo, hi]^d.

    A lower estimate of the number of activation regions meeting the box (small regions are
    missed). With ``exact``, the exact count from :mod:`relugeom.arrangement` is attached.
    Cost O(points·N·d) floats.
    """
    lo, hi = Fraction(lo), Fraction(hi)
    if _beyond_float64([("box", lo), ("box", hi), ("box width", hi - lo)]):
        raise InputError(f"the Monte-Carlo box ({describe_value(lo)}, {describe_value(hi)}) is "
                         "beyond float64's range (about ±1.8e308): no float sampling is possible")
    check_monte_carlo_size(network, points)
    rng = np.random.default_rng(seed)
    P = rng.uniform(float(lo), float(hi), size=(points, network.input_dim))
    found = _count_distinct(float_patterns(network, P))
    count, source = _exact_regions_in_box(network, lo, hi) if exact else (None, "not requested")
    return MonteCarloRegions(lo, hi, points, seed, found, count, source)


# --- explaining a disagreement ------------------------------------------------------------------

def _largest(values: Sequence[Fraction]) -> Fraction:
    return max((abs(q) for q in values), default=Fraction(0))


def _log2(q: Fraction) -> float:
    """log2 of a positive rational, safe for sizes far outside the float range."""
    return math.log2(q.numerator) - math.log2(q.denominator)


def _balanced(network: Network, neurons: Sequence[int]) -> Any:
    """Rescale each neuron by a power of 2 so |w̃_j| and |V_:j| are about equal: the same
    function, the same exact rank (T3), and float-exact when the weights are."""
    for j in neurons:
        size_in = _largest(network.W[j] + (network.b[j],))
        size_out = _largest([row[j] for row in network.V])
        if size_in and size_out:
            network = network.rescale(j, Fraction(2) ** round(_log2(size_out / size_in) / 2))
    return network


def _column_blocks(network: Network) -> list[tuple[int, str, list[int]]]:
    """(neuron, "input" | "output", θ indices): neuron j's columns ∂/∂(w_j, b_j) and ∂/∂V_:j."""
    d = network.input_dim
    out = []
    for j in range(network.hidden_width):
        coords = neuron_coordinates(network, j)
        out += [(j, "input", coords[:d + 1]), (j, "output", coords[d + 1:])]
    return out


def _scaling_cause(network: Network, X: tuple, J: np.ndarray, smax: float, relative_tol: float,
                   rank: int, rank_rule, exact_jacobian: list) -> str | None:
    """Tiny column blocks of the float J that explain the lost rank, confirmed exactly.

    A block of a neuron's columns is a suspect when its norm is under 1000 × the relative
    tolerance; the cause is reported only if the exact rank of J with the suspects' columns
    deleted equals the float rank, i.e. floats see exactly the matrix without them.
    """

    suspects = [(j, side, cols) for j, side, cols in _column_blocks(network)
                if 0 < np.linalg.norm(J[:, cols]) <= 1000 * relative_tol * smax]
    if not suspects:
        return None
    deleted = {p for _, _, cols in suspects for p in cols}
    kept = [[q for p, q in enumerate(row) if p not in deleted] for row in exact_jacobian]
    if linalg.rank(kept, network.n_parameters - len(deleted)) != rank:
        return None
    parts = []
    for j, side, _ in suspects:
        if side == "input":
            out = [row[j] for row in network.V]
            weight = (f"v_{j} = {describe_value(out[0])}" if len(out) == 1
                      else f"V_:{j} (largest entry {describe_value(_largest(out))})")
            parts.append(f"{weight} scales neuron {j}'s columns ∂/∂w_{j}, ∂/∂b_{j} below "
                         "tolerance")
        else:
            size = _largest(network.W[j] + (network.b[j],))
            parts.append(f"(w_{j}, b_{j}) (largest entry {describe_value(size)}) scales neuron "
                         f"{j}'s columns ∂/∂V_:{j} below tolerance")
    text = "; ".join(parts) + f" (without these columns the exact rank is {rank}, as found)"
    neurons = sorted({j for j, _, _ in suspects})
    fixed = rank_rule(numeric_jacobian(_balanced(network, neurons), X))
    if fixed > rank:
        text += (f"; rebalancing neuron(s) {', '.join(map(str, neurons))} by the exact rescaling "
                 f"symmetry, which keeps the exact rank, gives float rank {fixed}")
    return text


#: A near-degeneracy (a region's σ_min/σ_max, a pair of hyperplanes' angle) is named as a likely
#: cause when it is within this factor of the relative tolerance: J's singular values mix it
#: with the weights, so the two need not compare directly.
NEAR = 1000.0


def _closeness(value: float, relative_tol: float) -> str:
    return "under" if value <= relative_tol else "within 10^3 of"


def _region_cause(X: tuple, structure: Any, relative_tol: float) -> list[str]:
    found = []
    for region in structure.regions if structure is not None else ():
        if not region.rich:
            continue
        S = singular_values(np.array([X[i] + (1,) for i in region.samples], dtype=float))
        ratio = float(S[-1] / S[0])
        if ratio <= NEAR * relative_tol:
            found.append((ratio, f"region {region.index}'s {len(region.samples)} samples are "
                                 f"nearly affinely dependent (σ_min/σ_max of X̃_{region.index} = "
                                 f"{ratio:.1e}, {_closeness(ratio, relative_tol)} the relative "
                                 f"tolerance {relative_tol:.1e}; exactly they span R^d)"))
    return [text for _, text in sorted(found)]


def _proportional(u: Sequence[Fraction], v: Sequence[Fraction]) -> bool:
    """Exactly: are u and v linearly dependent (every 2 × 2 minor zero)?"""
    return all(u[a] * v[b] == u[b] * v[a] for a in range(len(u)) for b in range(a + 1, len(u)))


def _hyperplane_cause(network: Network, relative_tol: float) -> list[str]:
    exact = [w + (b,) for w, b in zip(network.W, network.b)]
    tilde = [np.array(u, dtype=float) for u in exact]
    out = []
    for j in range(len(tilde)):
        for k in range(j + 1, len(tilde)):
            nu, nv = np.linalg.norm(tilde[j]), np.linalg.norm(tilde[k])
            if not nu or not nv or _proportional(exact[j], exact[k]):
                continue  # exactly coinciding hyperplanes are exact structure, not rounding
            cos = min(1.0, abs(float(tilde[j] @ tilde[k])) / (nu * nv))
            sine = math.sqrt(1 - cos * cos)
            if sine <= NEAR * relative_tol:
                out.append(f"neurons {j} and {k} have nearly coinciding hyperplanes (sin of the "
                           f"angle between their (w, b) ≈ {sine:.1e}, "
                           f"{_closeness(sine, relative_tol)} the relative tolerance)")
    return out


def _named_entries(network: Network, X: tuple) -> list[tuple[str, Fraction]]:
    """Every entry of W, b, V and X (what the float Jacobian reads) with its name."""
    named = [(f"W[{j}][{l}]", q) for j, row in enumerate(network.W) for l, q in enumerate(row)]
    named += [(f"b[{j}]", q) for j, q in enumerate(network.b)]
    named += [(f"V[{k}][{j}]", q) for k, row in enumerate(network.V) for j, q in enumerate(row)]
    named += [(f"X[{i}][{l}]", q) for i, x in enumerate(X) for l, q in enumerate(x)]
    return named


def _beyond_float64(named: Sequence[tuple[str, Fraction]]) -> str | None:
    """The first entry float64 cannot hold at all (it would overflow to ±inf), as a sentence."""
    for name, q in named:
        try:
            float(q)
        except OverflowError:
            return (f"{name} = {describe_value(q)} is beyond float64's range (about ±1.8e308), "
                    "so a float64 tool cannot even hold this case")
    return None


def _float_jacobian(network: Network, X: Any,
                    named: Sequence[tuple[str, Fraction]]) -> tuple[np.ndarray | None, str | None]:
    """NUMERIC: the float64 Jacobian, or None and why float64 cannot represent this case."""
    problem = _beyond_float64(named)
    if problem is not None:
        return None, problem
    with np.errstate(over="ignore", invalid="ignore"):
        J = numeric_jacobian(network, X)
    if not np.isfinite(J).all():
        return None, ("the float64 Jacobian overflows (a pre-activation or a product of weights "
                      "is beyond ≈1.8e308)")
    return J, None


def _inexact_entries(network: Network, X: tuple) -> str | None:
    for name, q in _named_entries(network, X):
        if Fraction(float(q)) != q:
            return (f"entries float64 cannot hold exactly (e.g. {name} = {q}) are rounded, so "
                    "exact dependencies hold in floats only up to rounding")
    return None


def _mismatch_cause(network: Network, X: tuple, i: int, j: int) -> str:
    z = preactivations(network, (X[i],))[0][j]
    if z == 0:
        return (f"sample {i} lies on neuron {j}'s hyperplane: the exact pattern uses the chosen "
                "relu'(0) convention, the float pattern uses [z > 0]")
    return (f"sample {i} is within rounding of neuron {j}'s hyperplane (exact pre-activation "
            f"{describe_value(z)}), so its float pattern differs from the exact one")


def _explain(rule: str, S: np.ndarray, tol: float, rank: int, exact_rank: int,
             causes: list[str]) -> tuple[tuple, str | None]:
    if rank == exact_rank:
        return (), None
    lo, hi = sorted((rank, exact_rank))
    crossed = tuple(range(lo + 1, hi + 1))
    values = ", ".join(f"σ_{i} = {S[i - 1]:.2e}" for i in crossed)
    where = "fell under" if rank < exact_rank else "rose above"
    why = "; ".join(causes) if causes else "no structural cause found"
    text = (f"numeric rank {rank} ≠ exact rank {exact_rank}: {values} {where} the tolerance "
            f"{tol:.2e} of {rule}; likely cause: {why}")
    return crossed, text


def compare_numeric(network: Network, X: Any, exact_rank: int, *,
                    relu_prime_at_zero: ReluPrime = "error",
                    exact_patterns: Sequence[Sequence[int]] | None = None,
                    structure: Any = None, exact_jacobian: list | None = None,
                    rtol: float = DEFAULT_RTOL,
                    monte_carlo_points: int = DEFAULT_MONTE_CARLO_POINTS,
                    box: tuple[Any, Any] | None = None, seed: int = 0) -> NumericComparison:
    """NUMERIC picture of (θ, X) against the exact rank ``exact_rank`` (see the module docstring).

    ``exact_patterns`` (under the ``relu_prime_at_zero`` convention), ``structure`` (a
    :class:`~relugeom.rank.explain.RankStructure`) and ``exact_jacobian`` are the exact facts the
    explanation draws on; they are computed when needed and not given (the last two only when
    a rank is too low). ``monte_carlo_points = 0`` skips the Monte-Carlo region count.
    Cost: one float SVD, plus a few more when a disagreement is explained by rescaling.
    """
    X = as_sample(X, network.input_dim)
    if exact_patterns is None:
        exact_patterns = activation_patterns(network, X, relu_prime_at_zero)
    exact_regions = len(distinct_patterns(tuple(map(tuple, exact_patterns))))
    J, problem = _float_jacobian(network, X, _named_entries(network, X))
    if problem is not None:
        return _without_floats(_jacobian_shape(network, X), exact_rank, exact_regions, rtol,
                               problem)
    S = singular_values(J)
    smax = float(S.max()) if S.size else 0.0
    numpy_tol, rel_tol = numpy_tolerance(S, J.shape), rtol * smax
    numpy_rank, rtol_rank = int((S > numpy_tol).sum()), int((S > rel_tol).sum())

    fp = float_patterns(network, X)
    mismatches = tuple((i, j) for i, s in enumerate(exact_patterns) for j, v in enumerate(s)
                       if fp[i, j] != v)

    def causes_for(rank: int, tol: float, rule_of) -> list[str]:
        if rank == exact_rank:
            return []
        out = [_mismatch_cause(network, X, i, j) for i, j in mismatches[:3]]
        if rank < exact_rank:
            nonlocal structure, exact_jacobian
            if structure is None:
                structure = rank_structure(network, X, patterns=exact_patterns)
            relative = tol / smax if smax else 0.0
            if exact_jacobian is None:
                exact_jacobian = jacobian(network, X, relu_prime_at_zero)
            scaled = _scaling_cause(network, X, J, smax, relative, rank, rule_of, exact_jacobian)
            out += ([scaled] if scaled else []) + _region_cause(X, structure, relative)
            out += _hyperplane_cause(network, relative)
        elif S[exact_rank] <= math.sqrt(EPS) * smax:
            # only a singular value near the rounding level can come from rounding
            inexact = _inexact_entries(network, X)
            out.append(inexact or "rounding in the float products exceeded the tolerance")
        return out

    numpy_causes = causes_for(numpy_rank, numpy_tol, numeric_rank)
    rtol_causes = causes_for(rtol_rank, rel_tol, lambda A: numeric_rank(A, rtol=rtol))
    crossed, text = _explain(NUMPY_RULE, S, numpy_tol, numpy_rank, exact_rank,
                             numpy_causes)
    numpy_rule = ToleranceRule("numpy", NUMPY_RULE, numpy_tol, numpy_rank, exact_rank, crossed,
                               text)
    rtol_text = f"the rule rtol·S.max(), rtol = {rtol:.3g}"
    crossed, text = _explain(rtol_text, S, rel_tol, rtol_rank, exact_rank,
                             rtol_causes)
    rtol_rule = ToleranceRule("rtol", rtol_text, rel_tol, rtol_rank, exact_rank, crossed, text)

    monte_carlo = None
    if monte_carlo_points:
        lo, hi = box if box is not None else default_box(X)
        # a box the user gave must be sampled (or refused); the default one is skipped when
        # floats cannot sample it
        if box is not None or _beyond_float64([("box", lo), ("box", hi), ("box", hi - lo)]) \
                is None:
            monte_carlo = monte_carlo_regions(network, lo, hi, monte_carlo_points, seed)
    return NumericComparison(
        shape=tuple(J.shape), singular_values=tuple(float(s) for s in S), exact_rank=exact_rank,
        numpy_rule=numpy_rule, rtol_rule=rtol_rule, gap=singular_value_gap(S, exact_rank),
        causes=tuple(dict.fromkeys(numpy_causes + rtol_causes)),
        float_regions_perceived=_count_distinct(fp),
        exact_regions_perceived=exact_regions,
        pattern_mismatches=mismatches, monte_carlo=monte_carlo)


def _jacobian_shape(network: Network, X: Sequence) -> tuple[int, int]:
    """(n·m, P), the shape of J."""
    return len(X) * network.output_dim, network.n_parameters


def _without_floats(shape: tuple[int, int], exact_rank: int, exact_regions: int, rtol: float,
                    problem: str) -> NumericComparison:
    """The comparison when float64 cannot hold the case: no numeric rank, and why."""
    text = f"no numeric rank: {problem}"
    rules = [ToleranceRule(name, rule, None, None, exact_rank, (), text)
             for name, rule in (("numpy", NUMPY_RULE),
                                ("rtol", f"the rule rtol·S.max(), rtol = {rtol:.3g}"))]
    return NumericComparison(shape=shape, singular_values=(), exact_rank=exact_rank,
                             numpy_rule=rules[0], rtol_rule=rules[1], gap=None,
                             causes=(problem,), float_regions_perceived=None,
                             exact_regions_perceived=exact_regions, pattern_mismatches=(),
                             monte_carlo=None)


# -- the NUMERIC side of a deep network ------------------------------------------------------
def _float_layer_patterns(network: Network, X: Any) -> np.ndarray:
    """NUMERIC: each point's hidden patterns [z > 0] in float64, concatenated over the hidden
    layers (layer 1 first), an n × (n_1 + … + n_{L−1}) 0/1 array."""
    H = np.asarray(X, dtype=float).reshape(len(X), -1)
    patterns = [np.zeros((H.shape[0], 0), dtype=np.int8)]
    for W, b in network.layers[:-1]:
        Z = H @ np.array(W, dtype=float).T + np.array(b, dtype=float)
        patterns.append((Z > 0).astype(np.int8))
        H = np.maximum(Z, 0.0)
    return np.concatenate(patterns, axis=1)


def _distinct_rows(A: np.ndarray) -> int:
    return len({row.tobytes() for row in A})


def _neuron_name(network: Network, j: int) -> str:
    """Layer and neuron of index j of the concatenated hidden pattern."""
    for l, width in enumerate(network.hidden_widths, start=1):
        if j < width:
            return f"layer {l}, neuron {j}"
        j -= width
    raise IndexError(j)


def _named_layer_entries(network: Network, X: Any) -> list[tuple[str, Any]]:
    """Every entry of the W_l, b_l and X (what the float Jacobian reads) with its name."""
    named = []
    for l, (W, b) in enumerate(network.layers, start=1):
        named += [(f"W_{l}[{j}][{q}]", v) for j, row in enumerate(W) for q, v in enumerate(row)]
        named += [(f"b_{l}[{j}]", v) for j, v in enumerate(b)]
    return named + [(f"X[{i}][{q}]", v) for i, x in enumerate(X) for q, v in enumerate(x)]


def compare_numeric_deep(a: Any, *, rtol: float = DEFAULT_RTOL,
                         monte_carlo_points: int = DEFAULT_MONTE_CARLO_POINTS,
                         box: tuple[Any, Any] | None = None, seed: int = 0) -> NumericComparison:
    """NUMERIC picture of a deep network on X beside the exact rank: the float64 Jacobian of
    :func:`relugeom.rank.jacobian.numeric_jacobian`, its singular values and ranks under numpy's
    rule and the rtol rule, the gap at the exact rank, the float patterns on X (a mismatch is
    reported as (sample, index in the concatenated hidden pattern)) and a Monte-Carlo count of
    distinct float patterns in a box, beside the exact count of the regions meeting it when they
    are few enough to enumerate. A disagreement is explained by
    float patterns that differ from the exact ones, or by entries float64 rounds."""
    network, X, exact_rank = a.network, a.X, a.local_dimension
    exact_regions = a.activation_regions_perceived
    named = _named_layer_entries(network, X)
    J, problem = _float_jacobian(network, X, named)
    if problem is not None:
        return _without_floats((len(X) * network.output_dim, network.n_parameters), exact_rank,
                               exact_regions, rtol, problem)
    S = singular_values(J)
    smax = float(S.max()) if S.size else 0.0
    numpy_tol, rel_tol = numpy_tolerance(S, J.shape), rtol * smax
    numpy_rank, rtol_rank = int((S > numpy_tol).sum()), int((S > rel_tol).sum())
    with np.errstate(over="ignore", invalid="ignore"):
        fp = _float_layer_patterns(network, X)
    mismatches = tuple((i, j) for i, s in enumerate(a.patterns) for j, v in enumerate(s)
                       if fp[i, j] != v)
    causes = [f"sample {i}'s float pattern differs from the exact one at "
              f"{_neuron_name(network, j)} (the float pre-activation has the wrong sign or the "
              "sample is within rounding of that neuron's boundary)" for i, j in mismatches[:3]]
    inexact = next((f"entries float64 cannot hold exactly (e.g. {name} = {describe_value(q)}) "
                    "are rounded, so exact dependencies hold in floats only up to rounding"
                    for name, q in named if float(q) != q), None)
    weights = [(abs(q), name) for name, q in named if q and not name.startswith("X")]
    scale = None
    if weights and max(weights)[0] > min(weights)[0] * 10 ** 6:
        (small, small_name), (large, large_name) = min(weights), max(weights)
        scale = (f"the weights span {small_name} = {describe_value(small)} to {large_name} = "
                 f"{describe_value(large)}: columns of J scale with them, so exactly independent "
                 "columns can fall under a tolerance relative to S.max()")

    def causes_for(rank: int) -> list[str]:
        if rank == exact_rank:
            return []
        if rank < exact_rank:
            return causes + ([scale] if scale else [])
        if S[exact_rank] <= math.sqrt(EPS) * smax:
            # only a singular value near the rounding level can come from rounding
            return causes + [inexact or "rounding in the float products exceeded the tolerance"]
        return causes

    rules = []
    for name, text, tol, rank in (("numpy", NUMPY_RULE, numpy_tol, numpy_rank),
                                  ("rtol", f"the rule rtol·S.max(), rtol = {rtol:.3g}", rel_tol,
                                   rtol_rank)):
        rule_causes = causes_for(rank)
        crossed, explanation = _explain(text, S, tol, rank, exact_rank, rule_causes)
        rules.append((ToleranceRule(name, text, tol, rank, exact_rank, crossed, explanation),
                      rule_causes))
    monte_carlo = None
    if monte_carlo_points:
        check_monte_carlo_size(network, monte_carlo_points)
        lo, hi = box if box is not None else default_box(X)
        if _beyond_float64([("box", lo), ("box", hi), ("box width", hi - lo)]) is None:
            points = np.random.default_rng(seed).uniform(float(lo), float(hi), size=(
                monte_carlo_points, network.input_dim))
            with np.errstate(over="ignore", invalid="ignore"):
                found = _distinct_rows(_float_layer_patterns(network, points))
            count, source = _exact_deep_regions_in_box(network, Fraction(lo), Fraction(hi))
            monte_carlo = MonteCarloRegions(lo, hi, monte_carlo_points, seed, found, count,
                                            source)
        elif box is not None:
            raise InputError(f"the Monte-Carlo box ({describe_value(lo)}, {describe_value(hi)}) "
                             "is beyond float64's range (about ±1.8e308): no float sampling is "
                             "possible")
    (numpy_rule, numpy_causes), (rtol_rule, rtol_causes) = rules
    return NumericComparison(
        shape=tuple(J.shape), singular_values=tuple(float(s) for s in S), exact_rank=exact_rank,
        numpy_rule=numpy_rule, rtol_rule=rtol_rule, gap=singular_value_gap(S, exact_rank),
        causes=tuple(dict.fromkeys(numpy_causes + rtol_causes)),
        float_regions_perceived=_distinct_rows(fp), exact_regions_perceived=exact_regions,
        pattern_mismatches=mismatches, monte_carlo=monte_carlo)
