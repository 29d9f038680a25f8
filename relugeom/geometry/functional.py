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
from ..model.patterns import ReluPrime, activation_patterns, check_relu_prime
from ..model.shallow import ShallowNetwork, as_shallow
from ..rank.dimension import local_dimension
from ..rank.explain import kernel_split, rank_structure
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


def _explain(network: ShallowNetwork, X: tuple, convention: ReluPrime) -> GapExplanation:
    """Group the extra kernel directions of J(θ, X*) by diagnosis (kernel_split), exactly."""
    structure = rank_structure(network, X, relu_prime_at_zero=convention)
    split = kernel_split(network, X, relu_prime_at_zero=convention, structure=structure)
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
        return _explain(self.network, self.decisive_sample, self.relu_prime_at_zero)

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
    fdim = local_dimension(network, X, relu_prime_at_zero=convention, backend=backend)
    patterns = activation_patterns(network, X[::network.input_dim + 1], convention)
    return FunctionalDimension(network, fdim, X, patterns, convention)


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
