"""The functional dimension of a ReLU network of any depth, exactly, from a decisive sample.

fdim(θ) = max_X rank J(θ, X) over samples X off every boundary (docs/theory.md, "Deep
networks: the decisive sample"). Inside one activation region R (full pattern constant) every
Jacobian row is an affine function of x:

- the derivative of f_k with respect to W_l[j, i] is δ_lj(x)·h_{l−1,i}(x) and to b_l[j] is
  δ_lj(x), with δ_l = ∂f_k/∂z_l. On R every D_l = diag(pattern of layer l) is constant, so
  δ_l = (W_L D_{L−1} W_{L−1} ⋯ W_{l+1} D_l)_k is *constant* in x, and h_{l−1}(x) =
  D_{l−1}(W_{l−1} h_{l−2} + b_{l−1}) is *affine* in x (a composition of affine maps);
- so row_k(x) = (δ ⊗ h, δ) is affine in x on R, and for d + 1 affinely independent points
  y_0..y_d of R any x ∈ R is an affine combination Σ λ_i y_i with row_k(x) = Σ λ_i row_k(y_i).

Hence every row any sample can produce lies in the row space of J(θ, X*) for X* = d + 1
affinely independent points in every region, and fdim(θ) = rank J(θ, X*): the same argument as
for one hidden layer (:mod:`relugeom.geometry.functional`), with the regions of
:mod:`relugeom.arrangement.deep`. The points are each region's exact interior point p and
p + ε·e_l, ε = 1 halved until every one is strictly inside the region's facets.

The gap P − Σ_l n_l − fdim (beyond the rescalings of the hidden neurons) is labelled by what the
regions show: a hidden neuron inactive on every region is *dead* (its incoming weights and bias
and its outgoing weights never matter), one active on every region is *always active* (it acts
linearly, which opens symmetries with the next layer); what these labels do not cover is
reported as the rest.

>>> from relugeom import DeepNetwork
>>> net = DeepNetwork([([[1], [-1]], [0, 0]), ([[1, 1]], [0]), ([[1]], [0])])
>>> result = deep_functional_dimension(net)
>>> result.functional_dimension, result.symmetry_bound, result.activation_regions
(4, 6, 2)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from ..arrangement.deep import DeepRegion, DeepRegions, deep_activation_regions
from ..errors import BoundaryError, InputError
from ..model.deep import DeepNetwork, as_deep
from ..model.patterns import ReluPrime, check_relu_prime
from ..rank.backprop import deep_jacobian
from ..rank.dimension import local_dimension


def _inside(region: DeepRegion, x: tuple) -> bool:
    return all(sum((u * q for u, q in zip(f.normal, x)), Fraction(f.offset)) > 0
               for f in region.facets)


def region_points(region: DeepRegion) -> list[tuple]:
    """p and p + ε·e_l (l < d), ε = 1/2^k the first that keeps all of them inside the region:
    d + 1 affinely independent exact points of the open region."""
    p = region.point
    eps = Fraction(1)
    while True:
        points = [tuple(q + eps if k == l else q for k, q in enumerate(p)) for l in range(len(p))]
        if all(_inside(region, x) for x in points):
            return [p] + points
        eps /= 2


def deep_decisive_sample(network: Any, regions: DeepRegions | None = None) -> tuple:
    """d + 1 affinely independent exact points strictly inside every activation region (region
    r in the order of ``regions`` owns points r·(d+1) .. r·(d+1) + d); its local dimension is
    the functional dimension.

    >>> from relugeom import DeepNetwork
    >>> len(deep_decisive_sample(DeepNetwork([([[1]], [0]), ([[1]], [0]), ([[1]], [0])])))
    4
    """
    regions = regions if regions is not None else deep_activation_regions(network)
    return tuple(x for region in regions.regions for x in region_points(region))


@dataclass(frozen=True)
class DeepGapFeature:
    """Neurons sharing one label ("dead" or "always_active"), and the kernel directions beyond
    their rescalings they account for at most (``directions``)."""

    kind: str
    neurons: tuple
    description: str
    directions: int

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "neurons": [list(n) for n in self.neurons],
                "description": self.description, "directions_at_most": self.directions}


@dataclass(frozen=True)
class DeepFunctionalDimension:
    """The exact functional dimension of a deep network, its decisive sample and regions."""

    network: DeepNetwork
    functional_dimension: int
    decisive_sample: tuple
    regions: DeepRegions
    relu_prime_at_zero: ReluPrime

    @property
    def n_parameters(self) -> int:
        return self.network.n_parameters

    @property
    def symmetry_bound(self) -> int:
        """P − (n_1 + … + n_{L−1}): every hidden neuron's rescaling is in the kernel."""
        return self.network.n_parameters - self.network.n_hidden

    @property
    def gap(self) -> int:
        return self.symmetry_bound - self.functional_dimension

    @property
    def activation_regions(self) -> int:
        return self.regions.count

    @property
    def decisive_sample_size(self) -> int:
        return len(self.decisive_sample)

    @property
    def features(self) -> tuple:
        """Dead and always-active hidden neurons, read off the patterns of all regions."""
        net, out = self.network, []
        widths = net.widths
        for kind, value, text in (("dead", 0, "inactive on every activation region: its "
                                   "incoming weights, bias and outgoing weights never matter"),
                                  ("always_active", 1, "active on every activation region: it "
                                   "acts linearly, so it can be traded with the next layer")):
            neurons = tuple((l, j) for l, n in enumerate(net.hidden_widths, start=1)
                            for j in range(n)
                            if all(r.pattern[l - 1][j] == value for r in self.regions.regions))
            if neurons:
                most = sum(widths[l - 1] + widths[l + 1] for l, _ in neurons)
                out.append(DeepGapFeature(kind, neurons, text, most))
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        net = self.network
        return {"widths": list(net.widths), "n_parameters": self.n_parameters,
                "hidden_neurons": net.n_hidden,
                "functional_dimension": self.functional_dimension,
                "symmetry_bound": self.symmetry_bound, "gap": self.gap,
                "activation_regions": self.activation_regions,
                "decisive_sample_size": self.decisive_sample_size,
                "relu_prime_convention": str(self.relu_prime_at_zero),
                "gap_features": [f.to_dict() for f in self.features]}


def _zero_neuron(network: DeepNetwork, regions: DeepRegions) -> tuple[int, int] | None:
    """A hidden neuron whose pre-activation is identically 0 on some region (then f_θ is not
    differentiable in θ at any point of that region), or None."""
    for region in regions.regions:
        h = list(region.point)
        for l, (W, b) in enumerate(network.layers[:-1], start=1):
            z = [sum((w * v for w, v in zip(row, h)), bj) for row, bj in zip(W, b)]
            for j, q in enumerate(z):
                if q == 0:
                    return l, j
            h = [max(q, Fraction(0)) for q in z]
    return None


def deep_functional_dimension(network: Any, *, relu_prime_at_zero: ReluPrime = "error",
                              backend: str = "auto", limit: int | None = None
                              ) -> DeepFunctionalDimension:
    """The functional dimension of a network of any depth: the exact local dimension on the
    decisive sample (see the module docstring for why it is the maximum).

    A hidden neuron whose pre-activation is identically 0 on a region (e.g. w = 0, b = 0) makes
    the Jacobian undefined there: refused unless ``relu_prime_at_zero`` is 0 or 1. ``limit``:
    refuse more activation regions than that (:class:`~relugeom.arrangement.deep.RegionLimit`).
    Cost: the region enumeration, then one exact rank of an (R·(d+1)·m) × P Jacobian.
    """
    network = as_deep(network)
    convention = check_relu_prime(relu_prime_at_zero)
    regions = deep_activation_regions(network, limit=limit)
    zero = _zero_neuron(network, regions)
    if zero is not None and convention == "error":
        raise InputError(f"neuron {zero[1]} of layer {zero[0]} has pre-activation identically 0 "
                         "on a whole activation region, so f_θ(X) is not differentiable in θ "
                         "there and the functional dimension is undefined. Choose a one-sided "
                         "convention with relu_prime_at_zero=0 or 1 (--relu-prime-at-zero).")
    X = deep_decisive_sample(network, regions)
    fdim = local_dimension(network, X, relu_prime_at_zero=convention, backend=backend)
    return DeepFunctionalDimension(network, fdim, X, regions, convention)


# --- sampling convergence ------------------------------------------------------------------------

class _RowBasis:
    """An echelon basis over Q of the rows seen so far, in primitive integer rows
    (fraction-free elimination): ``add`` says whether a row raised the rank."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, list[int]]] = []

    def add(self, row: list[Fraction]) -> bool:
        D = math.lcm(*(q.denominator for q in row))
        v = [int(q * D) for q in row]
        for p, e in self.rows:
            if v[p]:
                v = [e[p] * x - v[p] * y for x, y in zip(v, e)]
        if not any(v):
            return False
        g = math.gcd(*v)
        v = [x // g for x in v]
        self.rows.append((next(k for k, x in enumerate(v) if x), v))
        return True


@dataclass(frozen=True)
class DeepSampling:
    """How many random points reach the functional dimension, per repeat (exact ranks):
    ``reached_at[r]`` is the smallest n whose first n points reach fdim in repeat r (None if
    ``max_points`` did not), ``final_rank[r]`` the rank reached; ``rejected``: draws exactly on
    a boundary, drawn again."""

    distribution: Any
    functional_dimension: int
    reached_at: tuple
    final_rank: tuple
    max_points: int
    seed: int
    rejected: int

    def summary(self) -> dict[str, Any]:
        reached = sorted(n for n in self.reached_at if n is not None)
        if not reached:
            return {"repeats": len(self.reached_at), "reached": 0}
        middle = len(reached) // 2
        median = reached[middle] if len(reached) % 2 else \
            Fraction(reached[middle - 1] + reached[middle], 2)
        return {"repeats": len(self.reached_at), "reached": len(reached), "min": reached[0],
                "median": median, "mean": Fraction(sum(reached), len(reached)),
                "max": reached[-1]}

    def to_dict(self) -> dict[str, Any]:
        summary = {k: v if isinstance(v, int) else str(v) for k, v in self.summary().items()}
        return {"distribution": self.distribution.to_dict(),
                "functional_dimension": self.functional_dimension,
                "reached_at": list(self.reached_at), "final_rank": list(self.final_rank),
                "max_points": self.max_points, "seed": self.seed, "rejected": self.rejected,
                "summary": summary}


def deep_sampling_convergence(result: DeepFunctionalDimension, distribution: Any, *,
                              repeats: int = 20, max_points: int = 2000,
                              seed: int = 0) -> DeepSampling:
    """Draw points from ``distribution`` (:mod:`relugeom.geometry.sampling`) one at a time and
    follow the exact rank of their Jacobian rows until it reaches the functional dimension of
    ``result`` (at most ``max_points`` points per repeat). Exact: each point's m rows by exact
    backpropagation, added to a fraction-free echelon basis. Seeded, so reproducible.
    Cost per point: the m rows (O(P) exact operations each) and their reduction against the
    basis (O(fdim·P) integer operations per row).

    >>> from relugeom import DeepNetwork
    >>> from relugeom.geometry.sampling import gaussian
    >>> net = DeepNetwork([([[1], [-1]], [0, 0]), ([[1, 1]], [0]), ([[1]], [0])])
    >>> run = deep_sampling_convergence(deep_functional_dimension(net), gaussian(1), repeats=3)
    >>> run.final_rank
    (4, 4, 4)
    """
    rng = np.random.default_rng(seed)
    net, fdim = result.network, result.functional_dimension
    reached_at, final, rejected = [], [], 0
    for _ in range(repeats):
        basis, n, reached = _RowBasis(), 0, None
        while n < max_points and len(basis.rows) < fdim:
            X, D = distribution.draw(rng, 1)[0]   # (integer coordinates, denominator)
            x = tuple(Fraction(v, D) for v in X)
            try:
                rows = deep_jacobian(net, [x], result.relu_prime_at_zero)
            except BoundaryError:
                rejected += 1
                continue
            n += 1
            for row in rows:
                basis.add(row)
            if len(basis.rows) == fdim:
                reached = n
        reached_at.append(reached)
        final.append(len(basis.rows))
    return DeepSampling(distribution, fdim, tuple(reached_at), tuple(final), max_points, seed,
                        rejected)
