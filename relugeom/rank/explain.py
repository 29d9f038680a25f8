"""Rank structure of a shallow case: why the local dimension is what it is.

Write x̃ = (x, 1) and w̃_j = (w_j, b_j). Inside the pattern region of θ, a sample x_i of perceived
region r (pattern M_r, a row of the incidence matrix M) has

    f_k(x_i) = A_r^k · x̃_i,     A_r^k = Σ_j M_rj V_kj w̃_j + c_k e,     e = (0, …, 0, 1),

so the Jacobian factors as J = E ∘ Φ:

- Φ: δθ ↦ (δA_r^k)_{r,k} ∈ Q^{m·R·(d+1)} is the *affine-map Jacobian*, the derivative of the
  affine maps of f on the perceived regions: δA_r^k = Σ_j M_rj (V_kj δw̃_j + δV_kj w̃_j) + δc_k e;
- E evaluates each affine map on its region's samples: block diagonal, blocks X̃_r (n_r × (d+1)).

From this factorisation come the bounds of docs/theory.md: rank J ≤ rank E = m·Σ_r rank X̃_r (T4);
rank Φ ≤ m·((d+1)·rank M + [1 ∉ col M]) (T5), with equality for m = 1 when every v_j ≠ 0; and
rank J = rank Φ when every region is *rich* (rank X̃_r = d + 1, E injective), which gives T6.

The kernel splits in layers, ker J ⊇ ker Φ ⊇ span{ρ_j}, where ρ_j = (w_j, b_j, −V_:j) on neuron j's
coordinates is the rescaling direction. :func:`kernel_split` returns an exact basis of ker J made
of the ρ_j followed by a complement, each extra vector labelled with what explains it:

1. ``dead``: a neuron no sample activates: all its coordinates are free;
2. ``zero_output``: a neuron whose column of V is 0: its w_j and b_j are free;
3. ``same_activation``: neurons active on exactly the same samples (e.g. the same hyperplane
   with the same orientation): they can be moved against each other;
4. ``always_active``: a neuron active on every sample: traded against the output bias c;
5. ``complementary``: two neurons of which every sample activates exactly one (e.g. the same
   hyperplane with opposite orientations): s_j + s_j' = 1 ∈ col M, traded against c;
6. ``incidence``: any other vector of ker Φ (another dependency among the columns of M and 1);
7. ``region``: vectors of ker J outside ker Φ: they change the affine map only on regions that
   are not rich, along directions their samples cannot see.

Each labelled family is the kernel of Φ restricted to the coordinates of the neurons named (and c),
computed exactly; vectors are kept greedily when independent of those already chosen, so the
basis has exactly P − rank J vectors.

>>> from relugeom import ShallowNetwork
>>> net = ShallowNetwork(W=[[1], [2]], b=[0, 0], V=[[1, 1]], c=[0])
>>> s = rank_structure(net, [[1], [2], [-1]])
>>> s.incidence, s.incidence_rank, s.ones_in_column_space
(((1, 1), (0, 0)), 1, False)
>>> [d.kind for d in kernel_split(net, [[1], [2], [-1]]).extra]
['same_activation', 'same_activation']
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Sequence

from .. import linalg
from ..exact.numbers import to_json_number
from ..model.network import Network
from ..model.patterns import ReluPrime, activation_patterns, distinct_patterns
from ..model.sample import as_sample
from .jacobian import jacobian as exact_jacobian
from .shallow import independent_rows

# --- results ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class RegionBlock:
    """Perceived region r: its pattern, its samples, and rank X̃_r (rich when it is d + 1)."""

    index: int
    pattern: tuple
    samples: tuple
    affine_rank: int
    rich: bool

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "pattern": list(self.pattern), "samples": list(self.samples),
                "affine_rank": self.affine_rank, "rich": self.rich}


@dataclass(frozen=True)
class NeuronDiagnosis:
    """What is special about hidden neuron j, on θ and on X.

    ``active_samples`` counts the samples activating it; ``dead`` (none does) and
    ``always_active`` (all do) are on X. ``zero_output_weight``: the column V_:j is 0.
    ``constant``: w_j = 0 (no hyperplane). ``same_hyperplane`` / ``opposite_hyperplane``: the
    other neurons j' with (w_j', b_j') = λ(w_j, b_j), λ > 0 / λ < 0. ``same_activation`` /
    ``complementary_activation``: the other non-dead neurons with s_j' = s_j / s_j' = 1 − s_j on
    every sample.
    """

    neuron: int
    active_samples: int
    dead: bool
    always_active: bool
    zero_output_weight: bool
    constant: bool
    same_hyperplane: tuple
    opposite_hyperplane: tuple
    same_activation: tuple
    complementary_activation: tuple

    def notes(self) -> list[str]:
        """Plain-words list of the diagnoses that apply (empty for an ordinary neuron)."""
        out = []
        if self.dead:
            out.append("dead on X (no sample activates it)")
        if self.always_active:
            out.append("active on every sample")
        if self.zero_output_weight:
            out.append("zero output weight (its column of V is 0)")
        if self.constant:
            out.append("no hyperplane (w_j = 0)")
        if self.same_hyperplane:
            out.append("same hyperplane and orientation as neuron(s) "
                       f"{_names(self.same_hyperplane)}")
        if self.opposite_hyperplane:
            out.append(f"same hyperplane as neuron(s) {_names(self.opposite_hyperplane)}, "
                       "opposite orientation")
        if self.same_activation:
            out.append(f"same activation on X as neuron(s) {_names(self.same_activation)}")
        if self.complementary_activation:
            out.append("complementary activation on X to neuron(s) "
                       f"{_names(self.complementary_activation)}")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"neuron": self.neuron, "active_samples": self.active_samples, "dead": self.dead,
                "always_active": self.always_active,
                "zero_output_weight": self.zero_output_weight, "constant": self.constant,
                "same_hyperplane": list(self.same_hyperplane),
                "opposite_hyperplane": list(self.opposite_hyperplane),
                "same_activation": list(self.same_activation),
                "complementary_activation": list(self.complementary_activation),
                "notes": self.notes()}


@dataclass(frozen=True)
class RankStructure:
    """The decomposition behind T4–T6 (see the module docstring).

    ``incidence`` is M (perceived regions × neurons); ``affine_map_rank`` is rank Φ;
    ``region_bound`` = m·Σ_r rank X̃_r (T4) and ``incidence_bound`` = m·((d+1)·rank M +
    [1 ∉ col M]) (T5).
    """

    input_dim: int
    hidden_width: int
    output_dim: int
    n_parameters: int
    incidence: tuple
    incidence_rank: int
    ones_in_column_space: bool
    regions: tuple
    neurons: tuple
    affine_map_rank: int

    @property
    def region_bound(self) -> int:
        return self.output_dim * sum(r.affine_rank for r in self.regions)

    @property
    def incidence_bound(self) -> int:
        return self.output_dim * ((self.input_dim + 1) * self.incidence_rank
                                  + (not self.ones_in_column_space))

    @property
    def all_regions_rich(self) -> bool:
        return all(r.rich for r in self.regions)

    def to_dict(self) -> dict[str, Any]:
        return {"incidence": [list(row) for row in self.incidence],
                "incidence_rank": self.incidence_rank,
                "ones_in_column_space": self.ones_in_column_space,
                "affine_map_rank": self.affine_map_rank,
                "region_bound": self.region_bound, "incidence_bound": self.incidence_bound,
                "all_regions_rich": self.all_regions_rich,
                "regions": [r.to_dict() for r in self.regions],
                "neurons": [n.to_dict() for n in self.neurons]}


@dataclass(frozen=True)
class KernelDirection:
    """One basis vector of ker J (θ order), what kind of direction it is, and why."""

    vector: tuple
    kind: str
    neurons: tuple
    regions: tuple
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "neurons": list(self.neurons), "regions": list(self.regions),
                "reason": self.reason, "vector": [to_json_number(q) for q in self.vector]}


@dataclass(frozen=True)
class KernelSplit:
    """An exact basis of ker J: the rescaling directions, then the extra directions."""

    rescaling: tuple
    extra: tuple

    @property
    def dimension(self) -> int:
        """dim ker J = P − rank J."""
        return len(self.rescaling) + len(self.extra)

    @property
    def basis(self) -> list[tuple]:
        return [u.vector for u in self.rescaling + self.extra]

    def counts(self) -> dict[str, int]:
        """How many extra directions of each kind."""
        out: dict[str, int] = {}
        for u in self.extra:
            out[u.kind] = out.get(u.kind, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"dimension": self.dimension, "rescaling": len(self.rescaling),
                "extra": len(self.extra), "extra_by_kind": self.counts(),
                "rescaling_directions": [u.to_dict() for u in self.rescaling],
                "extra_directions": [u.to_dict() for u in self.extra]}


# --- coordinates of θ ------------------------------------------------------------------------

def neuron_coordinates(network: Network, j: int) -> list[int]:
    """Indices in θ of neuron j's parameters: w_j (d entries), b_j, then V_kj for each k."""
    d, N, m = network.input_dim, network.hidden_width, network.output_dim
    return ([j * d + l for l in range(d)] + [N * d + j]
            + [N * d + N + k * N + j for k in range(m)])


def output_bias_coordinates(network: Network) -> list[int]:
    """Indices in θ of c."""
    start = network.n_parameters - network.output_dim
    return list(range(start, network.n_parameters))


def rescaling_direction(network: Network, j: int) -> tuple[Fraction, ...]:
    """ρ_j = (w_j, b_j, −V_:j) on neuron j's coordinates, 0 elsewhere: d/dλ of rescaling by λ."""
    u = [Fraction(0)] * network.n_parameters
    values = list(network.W[j]) + [network.b[j]] + [-row[j] for row in network.V]
    for p, value in zip(neuron_coordinates(network, j), values):
        u[p] = value
    return tuple(u)


# --- the factorisation J = E ∘ Φ -------------------------------------------------------------

def incidence_matrix(patterns: Sequence[Sequence[int]]) -> tuple[tuple[int, ...], ...]:
    """M: one row per perceived region (distinct pattern, in order of first appearance)."""
    return tuple(tuple(s) for s in distinct_patterns(tuple(tuple(s) for s in patterns)))


def affine_map_jacobian(network: Network,
                        incidence: Sequence[Sequence[int]]) -> list[list[Fraction]]:
    """Φ, the Jacobian of θ ↦ (A_r^k) (the affine maps of f on the perceived regions).

    Row (r·m + k)·(d+1) + l is ∂A_r^k[l]/∂θ (l = d is the constant term). Cost O(R·m·(d+1)·P).

    >>> from relugeom import ShallowNetwork
    >>> Phi = affine_map_jacobian(ShallowNetwork([[2]], [1], [[3]], [0]), [(1,)])
    >>> [[int(q) for q in row] for row in Phi]    # columns w, b, v, c; rows l = 0 (x), 1 (const)
    [[3, 0, 2, 0], [0, 3, 1, 1]]
    """
    d, N, m = network.input_dim, network.hidden_width, network.output_dim
    P = network.n_parameters
    rows = []
    for pattern in incidence:
        for k in range(m):
            for l in range(d + 1):
                row = [0] * P
                for j in range(N):
                    if not pattern[j]:
                        continue
                    if l < d:
                        row[j * d + l] = network.V[k][j]
                        row[N * d + N + k * N + j] = network.W[j][l]
                    else:
                        row[N * d + j] = network.V[k][j]
                        row[N * d + N + k * N + j] = network.b[j]
                if l == d:
                    row[P - m + k] = 1
                rows.append(row)
    return rows


def _hyperplane_key(w: tuple, b: Fraction) -> tuple | None:
    """(w, b) divided by the absolute value of w's first nonzero entry; None when w = 0."""
    lead = next((q for q in w if q), None)
    if lead is None:
        return None
    scale = abs(lead)
    return tuple(q / scale for q in w) + (b / scale,)


def diagnose_neurons(network: Network,
                     patterns: Sequence[Sequence[int]]) -> tuple[NeuronDiagnosis, ...]:
    """Per-neuron diagnosis (see :class:`NeuronDiagnosis`). Cost O(N·(n + d)) plus the output:
    neurons are grouped by hyperplane and by activation column in dictionaries."""
    N, n = network.hidden_width, len(patterns)
    columns = [tuple(s[j] for s in patterns) for j in range(N)]
    keys = [_hyperplane_key(network.W[j], network.b[j]) for j in range(N)]
    by_key, by_column = defaultdict(list), defaultdict(list)
    for j in range(N):
        if keys[j] is not None:
            by_key[keys[j]].append(j)
        if any(columns[j]):  # a live neuron
            by_column[columns[j]].append(j)

    def others(group: list[int], j: int) -> tuple[int, ...]:
        return tuple(i for i in group if i != j)

    out = []
    for j in range(N):
        active = sum(columns[j])
        key = keys[j]
        out.append(NeuronDiagnosis(
            neuron=j, active_samples=active, dead=active == 0, always_active=active == n,
            zero_output_weight=all(row[j] == 0 for row in network.V),
            constant=key is None,
            same_hyperplane=others(by_key.get(key, []), j) if key else (),
            opposite_hyperplane=(others(by_key.get(tuple(-q for q in key), []), j)
                                 if key else ()),
            same_activation=others(by_column.get(columns[j], []), j) if active else (),
            complementary_activation=others(by_column.get(tuple(1 - a for a in columns[j]), []),
                                            j)))
    return tuple(out)


def rank_structure(network: Network, X: Any, *, relu_prime_at_zero: ReluPrime = "error",
                   patterns: Sequence[Sequence[int]] | None = None,
                   backend: str = "auto") -> RankStructure:
    """M, rank M, 1 ∈ col M, rank X̃_r per region, per-neuron diagnosis and rank Φ, exactly.

    ``patterns`` may be passed when already known (as :class:`~relugeom.analysis.Analysis`
    does). Cost: R + 3 exact ranks of small matrices and one of Φ on the representative
    regions (at most (N+1)·m·(d+1) rows × P).

    >>> from relugeom import ShallowNetwork
    >>> net = ShallowNetwork(W=[[1], [-1]], b=[0, 0], V=[[1, 1]], c=[0])
    >>> s = rank_structure(net, [[1], [2], [-1], [-3]])
    >>> s.incidence_rank, s.ones_in_column_space, [r.rich for r in s.regions]
    (2, True, [True, True])
    """
    X = as_sample(X, network.input_dim)
    if patterns is None:
        patterns = activation_patterns(network, X, relu_prime_at_zero)
    d, N = network.input_dim, network.hidden_width
    M = incidence_matrix(patterns)
    rank_M = linalg.rank(M, N, backend=backend)
    ones_in = linalg.rank([row + (1,) for row in M], N + 1, backend=backend) == rank_M
    samples_of = defaultdict(list)
    for i, s in enumerate(patterns):
        samples_of[tuple(s)].append(i)
    regions = []
    for r, pattern in enumerate(M):
        members = tuple(samples_of[tuple(pattern)])
        affine = linalg.rank([X[i] + (1,) for i in members], d + 1, backend=backend)
        regions.append(RegionBlock(r, pattern, members, affine, affine == d + 1))
    Phi = affine_map_jacobian(network, [M[r] for r in representative_regions(M, backend)])
    return RankStructure(d, N, network.output_dim, network.n_parameters, M, rank_M, ones_in,
                         tuple(regions), diagnose_neurons(network, patterns),
                         linalg.rank(Phi, network.n_parameters, backend=backend))


# --- the kernel, split -----------------------------------------------------------------------

def representative_regions(incidence: Sequence[Sequence[int]], backend: str = "auto") -> list[int]:
    """Regions whose rows of [M | 1] form a basis of its row space (the first independent ones).

    Every row of Φ is the same combination of these regions' rows as its row of [M | 1] is of
    theirs (the 1 carries the output bias), so Φ restricted to them has the same row space and
    kernel, with at most (N + 1)·m·(d + 1) rows instead of R·m·(d + 1).
    """
    return independent_rows([tuple(row) + (1,) for row in incidence],
                            len(incidence[0]) + 1 if incidence else 0, backend)


def _restricted_kernel(Phi: list[list], columns: list[int], P: int,
                       backend: str = "auto") -> list[tuple]:
    """Vectors supported on ``columns`` in ker Φ: the kernel of Φ's columns, embedded in Q^P."""
    block = [[row[p] for p in columns] for row in Phi]
    out = []
    for u in linalg.nullspace(block, len(columns), backend=backend):
        full = [Fraction(0)] * P
        for p, q in zip(columns, u):
            full[p] = q
        out.append(tuple(full))
    return out


def _names(items: Sequence[int]) -> str:
    return ", ".join(str(i) for i in items)


def _diagnosed_families(network: Network, structure: RankStructure
                        ) -> list[tuple[str, tuple, list[int], str]]:
    """(kind, neurons, coordinates, reason) for each diagnosis that frees kernel directions."""
    c = output_bias_coordinates(network)
    coords = lambda group: [p for j in group for p in neuron_coordinates(network, j)]  # noqa
    neurons = structure.neurons
    families = []
    for n in neurons:
        if n.dead:
            families.append(("dead", (n.neuron,), coords([n.neuron]),
                             f"neuron {n.neuron} is dead on X (no sample activates it): none of "
                             "its parameters affects f_θ(X)"))
    for n in neurons:
        if n.zero_output_weight and not n.dead:
            families.append(("zero_output", (n.neuron,), coords([n.neuron]),
                             f"neuron {n.neuron} has zero output weight (V_:{n.neuron} = 0): its "
                             f"w_{n.neuron} and b_{n.neuron} do not affect f_θ(X)"))
    seen: set[tuple] = set()
    for n in neurons:
        group = tuple(sorted((n.neuron,) + n.same_activation))
        if n.same_activation and group not in seen:
            seen.add(group)
            same_plane = all(set(group) - {j} <= set(neurons[j].same_hyperplane) for j in group)
            why = ("their hyperplanes coincide with the same orientation" if same_plane
                   else "no sample separates their hyperplanes")
            families.append(("same_activation", group, coords(group),
                             f"neurons {_names(group)} are active on exactly the same samples "
                             f"({why}): moving them against each other leaves f_θ(X) unchanged"))
    for n in neurons:
        if n.always_active:
            families.append(("always_active", (n.neuron,), coords([n.neuron]) + c,
                             f"neuron {n.neuron} is active on every sample: on X it is affine, "
                             "and its bias can be traded against the output bias c"))
    for n in neurons:
        for j in n.complementary_activation:
            if j > n.neuron:
                why = ("their hyperplanes coincide with opposite orientations"
                       if j in n.opposite_hyperplane else "their active sides cover X disjointly")
                families.append(("complementary", (n.neuron, j), coords([n.neuron, j]) + c,
                                 f"every sample activates exactly one of neurons {n.neuron} and "
                                 f"{j} ({why}): s_{n.neuron} + s_{j} = 1 ∈ col(M), so their "
                                 "biases can be traded against the output bias c"))
    return families


def _touched_neurons(network: Network, u: Sequence[Fraction]) -> tuple[int, ...]:
    return tuple(j for j in range(network.hidden_width)
                 if any(u[p] for p in neuron_coordinates(network, j)))


def _regions_moved(network: Network, incidence: Sequence[Sequence[int]],
                   u: Sequence[Fraction]) -> tuple[int, ...]:
    """Perceived regions whose affine map changes along u: δA_r^k ≠ 0 for some k, where
    δA_r^k = Σ_j M_rj (V_kj δw̃_j + δV_kj w̃_j) + δc_k e. Cost O(N·m·(d + 1) + R·N·m·(d + 1))."""
    d, N, m = network.input_dim, network.hidden_width, network.output_dim
    c = output_bias_coordinates(network)
    contribution = []
    for j in range(N):
        coords = neuron_coordinates(network, j)
        du, tilde = [u[p] for p in coords[:d + 1]], network.W[j] + (network.b[j],)
        contribution.append([[network.V[k][j] * x + u[coords[d + 1 + k]] * t
                              for x, t in zip(du, tilde)] for k in range(m)])
    moved = []
    for r, pattern in enumerate(incidence):
        for k in range(m):
            A = [sum((contribution[j][k][l] for j in range(N) if pattern[j]), Fraction(0))
                 for l in range(d + 1)]
            A[d] += u[c[k]]
            if any(A):
                moved.append(r)
                break
    return tuple(moved)


def kernel_split(network: Network, X: Any, *, relu_prime_at_zero: ReluPrime = "error",
                 structure: RankStructure | None = None, jacobian: list | None = None,
                 rank: int | None = None, backend: str = "auto") -> KernelSplit:
    """An exact basis of ker J: the N rescaling directions ρ_j, then explained extra directions.

    The extra directions come family by family in the order of the module docstring; within a
    family, the exact kernel basis of Φ restricted to the family's coordinates is scanned, and
    a vector is kept when it is independent of all kept so far (one exact elimination over all
    candidates, :func:`relugeom.rank.shallow.independent_rows`); Φ is taken on
    :func:`representative_regions`.
    ``structure``, ``jacobian`` and its exact ``rank`` may be passed when already computed; the
    kernel of J itself is computed only when rank J < rank Φ (some region is not rich and
    loses directions). A ρ_j that is zero (w_j = 0, b_j = 0 and V_:j = 0,
    possible only with a relu'(0) convention) is left out; its neuron's V-columns are then zero
    and appear as ``dead``/``incidence`` directions instead.

    Cost: exact kernels of Φ (≤ (N+1)·m·(d+1) rows) and of J, one small kernel per diagnosed
    family, and one elimination of the P × (number of candidates) matrix.

    >>> from relugeom import ShallowNetwork
    >>> net = ShallowNetwork(W=[[1], [1]], b=[0, -10], V=[[1, 1]], c=[0])
    >>> split = kernel_split(net, [[1], [2], [-1]])
    >>> len(split.rescaling), [(u.kind, u.neurons) for u in split.extra]
    (2, [('dead', (1,)), ('dead', (1,))])
    """
    X = as_sample(X, network.input_dim)
    if structure is None:
        structure = rank_structure(network, X, relu_prime_at_zero=relu_prime_at_zero,
                                   backend=backend)
    if jacobian is None:
        jacobian = exact_jacobian(network, X, relu_prime_at_zero)
    d, P = network.input_dim, network.n_parameters
    M = structure.incidence
    Phi = affine_map_jacobian(network, [M[r] for r in representative_regions(M, backend)])
    # every candidate with its label; the basis keeps, in this order, each candidate that is
    # independent of those kept before it
    candidates: list[tuple[tuple, str, tuple, str | None]] = []
    for j in range(network.hidden_width):
        candidates.append((rescaling_direction(network, j), "rescaling", (j,),
                           f"rescaling neuron {j}: (w_{j}, b_{j}, v_{j}) → (λw_{j}, λb_{j}, "
                           f"v_{j}/λ) leaves f unchanged"))
    for kind, neurons, columns, reason in _diagnosed_families(network, structure):
        candidates += [(u, kind, neurons, reason)
                       for u in _restricted_kernel(Phi, columns, P, backend)]
    candidates += [(u, "incidence", (), None) for u in linalg.nullspace(Phi, P, backend=backend)]
    if rank is None:
        rank = linalg.rank(jacobian, P, backend=backend)
    if rank < structure.affine_map_rank:
        candidates += [(u, "region", (), None)
                       for u in linalg.nullspace(jacobian, P, backend=backend)]
    rescaling, extra = [], []
    for i in independent_rows([u for u, *_ in candidates], P, backend):
        u, kind, neurons, reason = candidates[i]
        regions: tuple = ()
        if kind == "incidence":
            neurons = _touched_neurons(network, u)
            reason = (f"moves neuron(s) {_names(neurons) or 'none'} (and c) without changing the "
                      "affine map of f on any perceived region: a linear dependency among the "
                      "columns of M and 1 not covered by the diagnoses above")
        elif kind == "region":
            neurons, regions = _touched_neurons(network, u), _regions_moved(network, M, u)
            thin = [r for r in regions if not structure.regions[r].rich]
            reason = (f"changes the affine map of f only on region(s) {_names(thin)}, which "
                      f"{'is' if len(thin) == 1 else 'are'} not rich (rank X̃_r < d + 1 = "
                      f"{d + 1}), along a direction their samples cannot see")
        direction = KernelDirection(u, kind, neurons, regions, reason)
        (rescaling if kind == "rescaling" else extra).append(direction)
    return KernelSplit(tuple(rescaling), tuple(extra))
