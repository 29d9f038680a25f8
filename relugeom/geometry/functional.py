"""The functional dimension of a shallow ReLU network: the largest local dimension, exactly.

Definition. For weights θ the *functional dimension* is

    fdim(θ) = max_X rank_Q J(θ, X),

the maximum over all finite samples X off every hyperplane (where J is defined) of the local
dimension. It says how many directions of parameter space change the function at all,
independently of any data. It is bounded by the rescaling symmetries: fdim ≤ P − N (T1).

How it is computed: the decisive sample
---------------------------------------
Take, in every activation region (cell of the arrangement of hidden hyperplanes), d + 1
affinely independent points; call the union X*. Then fdim(θ) = rank J(θ, X*). Why:

- inside one region the pattern s is constant, so the Jacobian row of output k at x,
  (V_kj s_j x, V_kj s_j, [k' = k] s_j (w_j·x + b_j), [k' = k]), is an *affine* function of x;
- any x in the region is an affine combination x = Σ λ_i y_i (Σ λ_i = 1) of the region's d + 1
  affinely independent points y_i, hence row(x) = Σ λ_i row(y_i): every row any sample can
  produce lies in the row space of J(θ, X*);
- so rank J(θ, X) ≤ rank J(θ, X*) for every X off the hyperplanes, and X* is such a sample:
  the maximum is attained at X = X*.

Every region counts, whatever its neurons: a neuron with w_j = 0 has a constant pattern and
simply never splits a region. A neuron with w_j = 0 and b_j = 0 has pre-activation 0 at every
input, so f_θ(X) is differentiable in θ at no sample at all; the functional dimension is then
undefined unless a one-sided convention relu'(0) ∈ {0, 1} is chosen for it.

The points: the region's exact interior point p (from :mod:`relugeom.arrangement`) and
p + ε·e_l for l = 1..d, with ε = 1 halved until every p + ε·e_l is on the same side of every
hyperplane as p. The region is open, so this stops; all arithmetic is exact.

Why below P − N: the gap explanation
------------------------------------
The gap P − N − fdim counts kernel directions of J(θ, X*) beyond the N rescalings. They are
labelled by the rank-structure diagnosis of :func:`relugeom.rank.explain.kernel_split` run on X*:
since X* meets every region, "dead on X" means dead everywhere (w_j = 0, b_j < 0), "same
activation" means one hyperplane with the same orientation (or the same constant activity when
w = 0), "complementary" the same hyperplane with opposite orientations (or one dead and one
always-active neuron), "always active" w_j = 0 < b_j, and "zero output" v_j = 0.
For one output with every v_j ≠ 0 the incidence matrix M of *all* regions gives the gap in
closed form (T6 on X*, every region rich): gap = (d + 1)·(N − rank M) + [1 ∈ col M].

>>> from relugeom import ShallowNetwork
>>> net = ShallowNetwork(W=[[1], [-1]], b=[0, 0], V=[[1, 1]], c=[0])
>>> result = functional_dimension(net)
>>> result.functional_dimension, result.symmetry_bound, result.decisive_sample_size
(4, 5, 4)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np

from .. import linalg
from ..arrangement.cells import HyperplaneArrangement, enumerate_cells, hyperplane_arrangement
from ..arrangement.regions import region_budget
from ..errors import InputError
from ..exact.numbers import common_denominator
from ..linalg import integer
from ..linalg.kernel import ColumnKernel, FullKernel, GivenVectors, ModularMatrix, greedy_basis
from ..linalg.modular import EchelonModP, modular_rank, random_primes
from ..model.patterns import ReluPrime, activation_patterns, check_relu_prime
from ..model.shallow import ShallowNetwork, as_shallow
from ..rank.dimension import local_dimension
from ..rank.explain import (KernelDirection, KernelSplit, RankStructure, _diagnosed_families,
                            _touched_neurons, affine_map_jacobian, kernel_split, rank_structure,
                            representative_regions, rescaling_direction)
from ..rank.jacobian import jacobian

# --- the decisive sample -------------------------------------------------------------------------

def _cells(arrangement: HyperplaneArrangement) -> list[tuple[tuple[int, ...], tuple]]:
    """Every activation region as (side vector over distinct hyperplanes, interior point)."""
    return [(cell.side, cell.point) for cell in enumerate_cells(arrangement)]


def _region_points(arrangement: HyperplaneArrangement, point: tuple) -> list[tuple]:
    """p and p + ε·e_l (l < d), ε = 1/2^k the first that keeps every point in the region.

    Halving is done on the exact threshold rather than by re-testing points: hyperplane h with
    value z_h at p keeps its sign at p + ε·e_l iff u_hl·z_h ≥ 0 or ε·|u_hl| < |z_h|, so the
    admissible ε are those below B = min |z_h| / |u_hl| over the pairs of opposite signs.
    """
    D = common_denominator(point)
    X = [int(q * D) for q in point]
    bound = None   # B as a fraction (numerator, denominator)
    for u, c in arrangement.hyperplanes:
        value = sum(a * x for a, x in zip(u, X)) + c * D    # D·z_h, an integer of z_h's sign
        for a in u:
            if a and (a > 0) != (value > 0):
                ratio = (abs(value), D * abs(a))
                if bound is None or ratio[0] * bound[1] < bound[0] * ratio[1]:
                    bound = ratio
    eps = Fraction(1)
    while bound is not None and eps * bound[1] >= bound[0]:
        eps /= 2
    p = tuple(point)
    return [p] + [tuple(q + eps if k == l else q for k, q in enumerate(p)) for l in range(len(p))]


def _zero_neurons(network: ShallowNetwork) -> list[int]:
    """Neurons with w_j = 0 and b_j = 0: pre-activation 0 at every input."""
    return [j for j in range(network.hidden_width)
            if not any(network.W[j]) and network.b[j] == 0]


def _convention_for(network: ShallowNetwork, relu_prime_at_zero: ReluPrime) -> ReluPrime:
    convention = check_relu_prime(relu_prime_at_zero)
    zero = _zero_neurons(network)
    if zero and convention == "error":
        raise InputError(
            f"neuron {zero[0]} has w = 0 and b = 0: its pre-activation is 0 at every input, so "
            "f_θ(X) is differentiable in θ at no sample and the functional dimension is "
            "undefined. Choose a one-sided convention with relu_prime_at_zero=0 or 1 "
            "(--relu-prime-at-zero on the command line); it is used for such neurons only.")
    return convention


def decisive_sample(network: ShallowNetwork) -> tuple:
    """d + 1 affinely independent exact points strictly inside every activation region.

    Region r (in the order of :func:`relugeom.arrangement.enumerate_cells`) owns points
    r·(d+1) .. r·(d+1) + d: its interior point p, then p + ε·e_l. No point lies on a hyperplane.
    By the argument in the module docstring, rank J(θ, X) ≤ rank J(θ, decisive_sample) for
    every sample X, so its local dimension is the functional dimension.

    Cost: one cell enumeration, then O(d²·H) exact operations per halving per region
    (H distinct hyperplanes).

    >>> from relugeom import ShallowNetwork
    >>> decisive_sample(ShallowNetwork(W=[[1]], b=[0], V=[[1]], c=[0]))
    ((Fraction(1, 1),), (Fraction(2, 1),), (Fraction(-1, 1),), (Fraction(-1, 2),))
    """
    arrangement = hyperplane_arrangement(network.W, network.b)
    return tuple(x for _, point in _cells(arrangement)
                 for x in _region_points(arrangement, point))


# --- the kernel split, chosen mod p ----------------------------------------------------------

#: Budget of :func:`certified_kernel_split`: total bits of the exact region directions
#: (2^24 bits = 2 MiB of integers), predicted by Hadamard's bound before computing them.
KERNEL_BITS = 2 ** 24


@dataclass(frozen=True)
class PartialKernelSplit(KernelSplit):
    """A kernel split whose last ``unlisted`` directions (region directions: ker J outside
    ker Φ) are counted exactly but not listed, because ``why`` (their size)."""

    unlisted: int = 0
    why: str = ""

    @property
    def dimension(self) -> int:
        return len(self.rescaling) + len(self.extra) + self.unlisted

    def counts(self) -> dict[str, int]:
        return {**super().counts(), "region (not listed)": self.unlisted}

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "dimension": self.dimension,
                "extra": len(self.extra) + self.unlisted, "extra_by_kind": self.counts(),
                "unlisted_region_directions": self.unlisted, "unlisted_because": self.why}


def _kernel_bits(rows: list, wanted: int) -> float:
    """Hadamard's bound on the bits of ``wanted`` canonical kernel vectors of the rows: each
    entry is a ratio of minors of the integer-scaled rows, each minor at most the product of
    the row norms."""
    log2_det = 0.0
    for row in linalg.integer_rows(rows):
        top = max((abs(v) for v in row), default=0)
        if top:
            log2_det += top.bit_length() + 0.5 * math.log2(len(row))
    return wanted * (len(rows) + 1) * (log2_det + 1)


def _row_basis(J: list, rank: int, seed: int) -> list:
    """Rows of J spanning its row space: ``rank`` rows independent mod p when a prime finds
    them (independent over Q, and as many as rank_Q J, so ker J is their kernel), else J."""
    if not J or len(J) <= rank:
        return J
    for p in random_primes(2, seed=seed + 17):
        E = EchelonModP(p, len(J[0]))
        try:
            residues = ModularMatrix(J).residues(p)
        except ArithmeticError:
            continue
        for s in range(0, len(J), 1024):
            E.add(residues[s:s + 1024])
            if E.rank == rank:
                return [J[i] for i in E.independent]
    return J


def _representatives(structure: RankStructure, seed: int) -> list[int]:
    """Regions whose rows of [M | 1] are a basis of its row space, as
    :func:`~relugeom.rank.explain.representative_regions` (Φ on them has the same row space,
    hence the same canonical kernel basis): rows independent mod p (so over Q) and as many as
    rank [M | 1] = rank M + [1 ∉ col M], known exactly; else the exact choice."""
    M = structure.incidence
    rows = [tuple(row) + (1,) for row in M]
    wanted = structure.incidence_rank + (not structure.ones_in_column_space)
    for p in random_primes(2, seed=seed + 13):
        E = EchelonModP(p, len(rows[0]))
        E.add(np.array(rows, dtype=float))
        if E.rank == wanted:
            return list(E.independent)
    return representative_regions(M)


def _needed_families(network: ShallowNetwork, structure: RankStructure) -> list:
    """The diagnosed families of :func:`~relugeom.rank.explain.kernel_split`, less those whose
    vectors the greedy basis provably never keeps.

    For one output, call neurons equivalent when every sample activates both or neither (a
    same-activation group A). For i ~ i' in A with v_i, v_i' ≠ 0, the maps
    g_k(δw̃_k, δv_k) = v_k·δw̃_k + δv_k·w̃_k, through which neuron k's coordinates enter Φ on
    the regions of A, are both onto Q^{d+1}; so any kernel vector u' on the coordinates of
    i' (and j', c) equals a kernel vector on those of i (and j, c) plus vectors of
    K_A = ker Φ ∩ Q^{coords(A)} (and K_B). K_A is the same-activation family of A, which comes
    earlier. Hence an always-active family {i'} adds nothing after {i}, nor a complementary
    pair (i', j') after (i, j) with j ~ j', when all those v are nonzero: they are dropped.
    """
    families = _diagnosed_families(network, structure)
    if network.output_dim != 1:
        return families
    v = network.V[0]
    group = {n.neuron: min((n.neuron,) + n.same_activation) for n in structure.neurons}
    seen: set = set()
    out = []
    for family in families:
        kind, neurons = family[0], family[1]
        if kind in ("always_active", "complementary") and all(v[j] for j in neurons):
            key = (kind,) + tuple(group[j] for j in neurons)
            if key in seen:
                continue
            seen.add(key)
        out.append(family)
    return out


def _moved_regions(network: ShallowNetwork, incidence: tuple, vectors: list) -> list[tuple]:
    """For each vector u, the perceived regions whose affine map moves along u: the regions r
    with δA_r = (Φ·u)_r ≠ 0 (Φ on every region). One exact integer product Φ·[u…] (rows of Φ
    and each u scaled to integers: the zero pattern is unchanged)."""
    if not vectors:
        return []
    Phi = linalg.integer_rows(affine_map_jacobian(network, incidence))
    K = linalg.integer_rows(vectors)
    product = integer.product(Phi, [list(col) for col in zip(*K)])
    block = network.output_dim * (network.input_dim + 1)
    moved = product.reshape(len(incidence), block, len(vectors)).any(axis=1)
    return [tuple(int(r) for r in np.flatnonzero(moved[:, i])) for i in range(len(vectors))]


def certified_kernel_split(network: ShallowNetwork, X: tuple, *, structure: RankStructure,
                           rank: int, J: list | None = None,
                           relu_prime_at_zero: ReluPrime = "error", seed: int = 0,
                           max_bits: int = KERNEL_BITS) -> KernelSplit:
    """The kernel split of :func:`relugeom.rank.explain.kernel_split` (same candidates, same
    order, same labels), with the greedy choice made mod p and proven by its count.

    ``rank`` must be the exact rank of J = J(θ, X) (pass ``J`` when at hand; it is computed
    only when rank J < rank Φ, i.e. when the kernel of J itself is needed). The candidates, in
    order: the rescalings ρ_j, the kernel of Φ on each diagnosed family's coordinates, ker Φ,
    then (when rank J < rank Φ) ker J — all exact kernel vectors of J (ker Φ ⊆ ker J, since
    J = E ∘ Φ).
    The first three lie in ker Φ, of dimension P − rank Φ, the last in ker J, of dimension
    P − rank J: those caps stop each stage early. The kept vectors are independent (a nonzero
    minor mod p of their exact values) and P − rank J in number, so they are an exact basis of
    ker J (:func:`relugeom.linalg.kernel.greedy_basis`). Should no prime prove it, the exact
    elimination of :func:`~relugeom.rank.explain.kernel_split` runs instead.

    Work bound: the region directions are built exactly only when Hadamard's bound on their
    total size (:func:`_kernel_bits`) is at most ``max_bits``; otherwise they are counted
    (rank Φ − rank J of them, exactly) but not listed, in a :class:`PartialKernelSplit`.

    Cost: each candidate reduced mod p against the basis (BLAS, O(P²) each, but only until a
    cap is reached), exact kernels only for the families and kernels that keep a vector, and
    the kernel of at most rank J rows of J (within the budget).

    >>> net = ShallowNetwork(W=[[1], [1]], b=[0, -10], V=[[1, 1]], c=[0])
    >>> X = ((Fraction(1),), (Fraction(2),), (Fraction(-1),))
    >>> s = rank_structure(net, X)
    >>> split = certified_kernel_split(net, X, structure=s, rank=3)
    >>> len(split.rescaling), [(u.kind, u.neurons) for u in split.extra]
    (2, [('dead', (1,)), ('dead', (1,))])
    """
    P, N, d = network.n_parameters, network.hidden_width, network.input_dim
    M = structure.incidence
    Phi = ModularMatrix(affine_map_jacobian(network,
                                            [M[r] for r in _representatives(structure, seed)]))
    rescalings = [rescaling_direction(network, j) for j in range(N)]
    nonzero = [j for j in range(N) if any(rescalings[j])]
    families = _needed_families(network, structure)
    first = ([GivenVectors([rescalings[j] for j in nonzero])]
             + [ColumnKernel(Phi, columns) for _, _, columns, _ in families]
             + [FullKernel(Phi)])
    stages = [(first, P - structure.affine_map_rank)]
    unlisted = ""
    if rank < structure.affine_map_rank:
        J = jacobian(network, X, relu_prime_at_zero) if J is None else J
        rows = _row_basis(J, rank, seed)
        bits = _kernel_bits(rows, structure.affine_map_rank - rank)
        if bits <= max_bits:
            stages.append(([FullKernel(ModularMatrix(rows))], P - rank))
        else:
            unlisted = (f"their exact vectors would take about {bits:.3g} bits (Hadamard's "
                        f"bound), above the budget of {max_bits}")
    basis = greedy_basis(stages, P, seed=seed)
    if basis is None:  # pragma: no cover - every prime tried divides a minor
        return kernel_split(network, X, relu_prime_at_zero=relu_prime_at_zero,
                            structure=structure, jacobian=J, rank=rank)
    rescaling, extra = [], []
    moved = _moved_regions(network, M, [u for stage, *_, u in basis.kept if stage == 1])
    for stage, g, i, u in basis.kept:
        if stage == 0 and g == 0:
            j = nonzero[i]
            rescaling.append(KernelDirection(
                u, "rescaling", (j,), (), f"rescaling neuron {j}: (w_{j}, b_{j}, v_{j}) → "
                f"(λw_{j}, λb_{j}, v_{j}/λ) leaves f unchanged"))
        elif stage == 0 and g <= len(families):
            kind, neurons, _, reason = families[g - 1]
            extra.append(KernelDirection(u, kind, neurons, (), reason))
        elif stage == 0:
            neurons = _touched_neurons(network, u)
            extra.append(KernelDirection(
                u, "incidence", neurons, (),
                f"moves neuron(s) {', '.join(map(str, neurons)) or 'none'} (and c) without "
                "changing the affine map of f on any perceived region: a linear dependency "
                "among the columns of M and 1 not covered by the diagnoses above"))
        else:
            regions = moved.pop(0)
            thin = [r for r in regions if not structure.regions[r].rich]
            extra.append(KernelDirection(
                u, "region", _touched_neurons(network, u), regions,
                f"changes the affine map of f only on region(s) {', '.join(map(str, thin))}, "
                f"which {'is' if len(thin) == 1 else 'are'} not rich (rank X̃_r < d + 1 = "
                f"{d + 1}), along a direction their samples cannot see"))
    if unlisted:
        return PartialKernelSplit(tuple(rescaling), tuple(extra),
                                  structure.affine_map_rank - rank, unlisted)
    return KernelSplit(tuple(rescaling), tuple(extra))


# --- why the gap ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class GapFeature:
    """Extra kernel directions of J(θ, X*) sharing one diagnosis (kind, neurons, reason), as
    labelled by :func:`relugeom.rank.explain.kernel_split`: "dead", "zero_output",
    "same_activation", "always_active", "complementary", or "incidence" (a dependency among the
    columns of M and 1 not covered by the named diagnoses). ``directions``: how many."""

    kind: str
    neurons: tuple
    description: str
    directions: int

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "neurons": list(self.neurons),
                "description": self.description, "directions": self.directions}


@dataclass(frozen=True)
class IncidenceFormula:
    """T6 on the decisive sample (m = 1, every v_j ≠ 0): gap = (d+1)(N − rank M) + [1 ∈ col M],
    where M is the incidence matrix of *all* activation regions (one row per region)."""

    incidence_rank: int
    ones_in_column_space: bool
    gap: int

    def to_dict(self) -> dict[str, Any]:
        return {"incidence_rank": self.incidence_rank,
                "ones_in_column_space": self.ones_in_column_space, "gap": self.gap}


@dataclass(frozen=True)
class GapExplanation:
    """The gap P − N − fdim as labelled kernel directions beyond the rescalings.

    Σ directions − ``missing_rescalings`` = gap, where ``missing_rescalings`` counts neurons
    with w_j = 0, b_j = 0, v_j = 0 (possible only under a relu'(0) convention), whose rescaling
    direction is zero and so is not among the N.
    """

    gap: int
    features: tuple
    missing_rescalings: int
    incidence: IncidenceFormula | None

    def to_dict(self) -> dict[str, Any]:
        return {"gap": self.gap, "features": [f.to_dict() for f in self.features],
                "missing_rescalings": self.missing_rescalings,
                "incidence_formula": None if self.incidence is None else self.incidence.to_dict(),
                "note": "computed on the decisive sample, which meets every activation region: "
                        "'on X' / 'no sample' in a description means anywhere in input space"}


def _explain(network: ShallowNetwork, X: tuple, convention: ReluPrime, rank: int,
             region_patterns: tuple) -> GapExplanation:
    """Group the extra kernel directions of J(θ, X*) (of exact rank ``rank``; region r's d+1
    points have pattern ``region_patterns[r]``) by diagnosis (the kernel split,
    :func:`certified_kernel_split`), exactly."""
    patterns = [s for s in region_patterns for _ in range(network.input_dim + 1)]
    structure = rank_structure(network, X, relu_prime_at_zero=convention, patterns=patterns)
    split = certified_kernel_split(network, X, structure=structure, rank=rank,
                                   relu_prime_at_zero=convention)
    groups: dict[tuple, int] = {}
    for u in split.extra:
        key = (u.kind, u.neurons, u.reason)
        groups[key] = groups.get(key, 0) + 1
    features = tuple(GapFeature(kind, neurons, reason, count)
                     for (kind, neurons, reason), count in groups.items())
    N = network.hidden_width
    missing = N - len(split.rescaling)
    incidence = None
    if network.output_dim == 1 and all(network.V[0]):
        rank_M, ones = structure.incidence_rank, structure.ones_in_column_space
        incidence = IncidenceFormula(rank_M, ones,
                                     (network.input_dim + 1) * (N - rank_M) + int(ones))
    return GapExplanation(len(split.extra) - missing, features, missing, incidence)


# --- the functional dimension --------------------------------------------------------------------

@dataclass(frozen=True)
class FunctionalDimension:
    """The exact functional dimension of a network, with its decisive sample and gap explanation.

    ``region_patterns[r]`` is the activation pattern of region r, whose decisive points are
    ``decisive_sample[r·(d+1) : (r+1)·(d+1)]``.
    """

    network: ShallowNetwork
    functional_dimension: int
    decisive_sample: tuple
    region_patterns: tuple
    relu_prime_at_zero: ReluPrime

    @cached_property
    def explanation(self) -> GapExplanation:
        """Why fdim is below P − N (computed on first access: two exact kernels on X*)."""
        return _explain(self.network, self.decisive_sample, self.relu_prime_at_zero,
                        self.functional_dimension, self.region_patterns)

    @property
    def n_parameters(self) -> int:
        return self.network.n_parameters

    @property
    def hidden_width(self) -> int:
        return self.network.hidden_width

    @property
    def symmetry_bound(self) -> int:
        """P − N (T1): every neuron's rescaling direction is in the kernel."""
        return self.network.n_parameters - self.network.hidden_width

    @property
    def gap(self) -> int:
        """P − N − fdim: kernel directions beyond the rescalings."""
        return self.symmetry_bound - self.functional_dimension

    @property
    def activation_regions(self) -> int:
        return len(self.region_patterns)

    @property
    def decisive_sample_size(self) -> int:
        return len(self.decisive_sample)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (the decisive sample itself is left out: see ``decisive_sample``)."""
        return {
            "input_dim": self.network.input_dim,
            "hidden_width": self.hidden_width,
            "output_dim": self.network.output_dim,
            "n_parameters": self.n_parameters,
            "functional_dimension": self.functional_dimension,
            "symmetry_bound": self.symmetry_bound,
            "gap": self.gap,
            "activation_regions": self.activation_regions,
            "decisive_sample_size": self.decisive_sample_size,
            "relu_prime_convention": str(self.relu_prime_at_zero),
            "gap_explanation": self.explanation.to_dict(),
        }


def functional_dimension(network: ShallowNetwork, *, relu_prime_at_zero: ReluPrime = "error",
                         backend: str = "auto",
                         max_regions: int | None = None) -> FunctionalDimension:
    """The functional dimension max_X rank J(θ, X), exactly, as the rank on the decisive sample.

    ``relu_prime_at_zero`` matters only for neurons with w_j = 0 and b_j = 0 (pre-activation 0
    everywhere), for which it is required; the decisive sample lies off every hyperplane.
    See the module docstring for why the decisive sample attains the maximum. With
    ``max_regions``, an arrangement with (or that cannot cheaply be shown not to have) more
    regions is refused with an :class:`~relugeom.errors.InputError` before any enumeration
    (:func:`relugeom.arrangement.regions.region_budget`).

    Cost: cell enumeration, then one exact rank of an (R·(d+1)·m) × P matrix, R regions
    (R ≤ Σ_{i≤d} C(N, i)), plus a few ranks of at most 3P vectors for the gap explanation.

    >>> from relugeom import ShallowNetwork
    >>> functional_dimension(ShallowNetwork(W=[[1], [2]], b=[1, 2], V=[[1, 1]], c=[0])).gap
    2
    """
    network = as_shallow(network, "the functional dimension")
    if max_regions is not None:
        verdict = region_budget(hyperplane_arrangement(network.W, network.b), max_regions)
        if verdict.over is not False:
            raise InputError(verdict.refusal(limit_name=f"max_regions={max_regions}"))
    convention = _convention_for(network, relu_prime_at_zero)
    X = decisive_sample(network)
    patterns = activation_patterns(network, X[::network.input_dim + 1], convention)
    fdim = _rank_on_regions(network, patterns, backend)
    if fdim is None:
        fdim = local_dimension(network, X, relu_prime_at_zero=convention, backend=backend)
    return FunctionalDimension(network, fdim, X, patterns, convention)


def _rank_on_regions(network: ShallowNetwork, patterns: tuple, backend: str) -> int | None:
    """rank J(θ, X*) as the rank of Φ on representative regions, or None if their choice is
    not proven.

    Every region of the decisive sample is rich (d + 1 affinely independent points), so E is
    injective and rank J = rank Φ (:mod:`relugeom.rank.explain`: J = E ∘ Φ). Region r's rows
    of Φ are one fixed linear map of [M_r | 1], so regions whose rows of [M | 1] span its row
    space give Φ's whole row space: at most (N + 1)·m·(d + 1) rows instead of R·m·(d + 1).
    Those regions are rows independent mod p (so over Q), as many as rank [M | 1] certified
    exact (:func:`relugeom.linalg.modular.modular_rank`). Taken only when there are more than
    2(N + 1) regions, where it saves at least half the rows.
    """
    if len(patterns) <= 2 * (network.hidden_width + 1):
        return None   # rank [M | 1] ≤ N + 1: too few regions to gain from representatives
    rows = [tuple(s) + (1,) for s in patterns]
    whole = modular_rank(rows)
    if not whole.exact:
        return None
    for p in random_primes(2, seed=29):
        E = EchelonModP(p, len(rows[0]))
        E.add(np.array(rows, dtype=float))
        if E.rank == whole.value:
            Phi = affine_map_jacobian(network, [patterns[r] for r in E.independent])
            return linalg.rank(Phi, network.n_parameters, backend=backend)
    return None


def region_deficits(result: FunctionalDimension, backend: str = "auto") -> tuple[int, ...]:
    """For each region r, fdim − rank J(θ, X* without region r's points).

    A region with deficit δ > 0 is *necessary*: by the decisive-sample argument, a sample with
    no point in r has rank at most fdim − δ, and each point adds at most m rows, so every sample
    reaching fdim holds at least ⌈δ/m⌉ points in r. Regions with deficit 0 can be skipped.
    Cost: the Gram matrix JᵀJ (O(R·(d+1)·m·P²) integer operations), then R exact ranks of
    P × P integer matrices.

    >>> from relugeom import ShallowNetwork
    >>> region_deficits(functional_dimension(ShallowNetwork(W=[[1]], b=[0], V=[[1]], c=[0])))
    (2, 1)
    """
    network = result.network
    P, size = network.n_parameters, (network.input_dim + 1) * network.output_dim
    # Scaling rows keeps every row space, so work with integer rows. Over Q, ker(BᵀB) = ker(B)
    # (uᵀBᵀBu = |Bu|² = 0 forces Bu = 0), hence rank B = rank BᵀB, and the Gram matrix of J
    # without region r is G − G_r: R ranks of P × P matrices instead of R of the whole J.
    A = np.array(linalg.integer_rows(jacobian(network, result.decisive_sample,
                                              result.relu_prime_at_zero)), dtype=object)
    A = A.reshape(-1, P)
    G = A.T.dot(A)
    deficits = []
    for r in range(result.activation_regions):
        block = A[r * size:(r + 1) * size]
        rest = (G - block.T.dot(block)).tolist()
        deficits.append(result.functional_dimension - linalg.rank(rest, P, backend=backend))
    return tuple(deficits)
