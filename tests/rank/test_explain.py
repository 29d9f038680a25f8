"""Rank structure and the split kernel, against quantities recomputed independently here."""

from fractions import Fraction

from hypothesis import given

from relugeom import ShallowNetwork, analyze
from relugeom import jacobian
from relugeom.model.examples import aligned, dead, generic, opposite
from relugeom.search.strategies import network_and_sample
from relugeom.rank.explain import (affine_map_jacobian, diagnose_neurons, kernel_split,
                                   neuron_coordinates, rank_structure, rescaling_direction)
from tests.reference import finite_difference_jacobian, reference_rank

DEGENERATE = network_and_sample(input_dim=(1, 3), hidden_width=(1, 4), output_dim=(1, 2),
                                n=(1, 7), random_features=True)


def _patterns_by_hand(net, X):
    return [tuple(int(sum(w * x for w, x in zip(row, xi)) + bj > 0)
                  for row, bj in zip(net.W, net.b)) for xi in X]


def _times(A, u):
    return [sum(a * b for a, b in zip(row, u)) for row in A]


@given(DEGENERATE)
def test_neuron_diagnosis_against_all_pairs(pair):
    """The grouped diagnosis names exactly the pairs a comparison of every pair finds."""
    net, X = pair
    S = _patterns_by_hand(net, X)
    columns = [tuple(s[j] for s in S) for j in range(net.hidden_width)]

    def proportional(j, i, sign):  # (w_i, b_i) = λ·(w_j, b_j) with sign(λ) = sign, both ≠ 0
        u, v = list(net.W[j]) + [net.b[j]], list(net.W[i]) + [net.b[i]]
        if not any(u[:-1]) or not any(v[:-1]):
            return False
        k = next(t for t, a in enumerate(u) if a)
        lam = Fraction(v[k]) / u[k]
        return lam * sign > 0 and all(lam * a == b for a, b in zip(u, v))

    for j, diag in enumerate(diagnose_neurons(net, S)):
        others = [i for i in range(net.hidden_width) if i != j]
        live = [i for i in others if any(columns[i])]
        assert diag.same_hyperplane == tuple(i for i in others if proportional(j, i, 1))
        assert diag.opposite_hyperplane == tuple(i for i in others if proportional(j, i, -1))
        assert diag.same_activation == tuple(i for i in live if any(columns[j])
                                             and columns[i] == columns[j])
        assert diag.complementary_activation == tuple(
            i for i in live if all(a + b == 1 for a, b in zip(columns[i], columns[j])))


@given(DEGENERATE)
def test_incidence_regions_and_ranks_against_recomputation(pair):
    net, X = pair
    s = rank_structure(net, X)
    S = _patterns_by_hand(net, X)
    assert set(s.incidence) == set(S) and len(s.incidence) == len(set(S))
    assert s.incidence_rank == reference_rank(s.incidence) if s.incidence else True
    with_ones = [list(row) + [1] for row in s.incidence]
    assert s.ones_in_column_space == (reference_rank(with_ones) == reference_rank(s.incidence))
    d = net.input_dim
    for region in s.regions:
        members = [i for i, p in enumerate(S) if p == region.pattern]
        assert list(region.samples) == members
        affine = reference_rank([list(X[i]) + [1] for i in members])
        assert region.affine_rank == affine and region.rich == (affine == d + 1)
    m = net.output_dim
    assert s.region_bound == m * sum(r.affine_rank for r in s.regions)
    assert s.incidence_bound == m * ((d + 1) * s.incidence_rank + (not s.ones_in_column_space))


@given(DEGENERATE)
def test_jacobian_factors_through_the_affine_map_jacobian(pair):
    """J = E ∘ Φ: row (i, k) of J is Σ_l x̃_i[l] · row (r(i), k, l) of Φ."""
    net, X = pair
    s = rank_structure(net, X)
    Phi = affine_map_jacobian(net, s.incidence)
    d, m = net.input_dim, net.output_dim
    region_of = {p: r for r, p in enumerate(s.incidence)}
    rebuilt = []
    for x, p in zip(X, _patterns_by_hand(net, X)):
        xt = list(x) + [1]
        r = region_of[p]
        for k in range(m):
            rows = Phi[(r * m + k) * (d + 1):(r * m + k + 1) * (d + 1)]
            rebuilt.append([sum(xt[l] * rows[l][p] for l in range(d + 1))
                            for p in range(net.n_parameters)])
    assert rebuilt == finite_difference_jacobian(net, X)
    assert s.affine_map_rank == reference_rank(Phi)


@given(DEGENERATE)
def test_kernel_split_is_a_basis_of_the_kernel(pair):
    net, X = pair
    J = finite_difference_jacobian(net, X)
    split = kernel_split(net, X)
    P = net.n_parameters
    assert split.dimension == P - reference_rank(J)
    basis = split.basis
    assert all(not any(_times(J, u)) for u in basis)
    assert reference_rank(basis) == len(basis) if basis else True
    assert [u.vector for u in split.rescaling] == [rescaling_direction(net, j)
                                                    for j in range(net.hidden_width)]
    s = rank_structure(net, X)
    Phi = affine_map_jacobian(net, s.incidence)
    for u in split.extra:
        moved = any(_times(Phi, u.vector))
        # every family but "region" lies in ker Φ; "region" directions do not, and only touch
        # regions that are not rich
        assert moved == (u.kind == "region"), u
        if u.kind == "region":
            assert u.regions and all(not s.regions[r].rich for r in u.regions)
        if u.kind in ("dead", "zero_output", "same_activation"):
            allowed = {p for j in u.neurons for p in neuron_coordinates(net, j)}
            assert {p for p, q in enumerate(u.vector) if q} <= allowed


@given(DEGENERATE)
def test_neuron_diagnosis_against_recomputation(pair):
    net, X = pair
    S = _patterns_by_hand(net, X)
    for n in rank_structure(net, X).neurons:
        j = n.neuron
        column = [p[j] for p in S]
        assert n.dead == (sum(column) == 0)
        assert n.always_active == (sum(column) == len(X))
        assert n.zero_output_weight == all(row[j] == 0 for row in net.V)
        tj = list(net.W[j]) + [net.b[j]]
        for i in range(net.hidden_width):
            if i == j or not any(net.W[j]) or not any(net.W[i]):
                continue
            ti = list(net.W[i]) + [net.b[i]]
            parallel = reference_rank([tj, ti]) == 1
            sign = sum(a * b for a, b in zip(tj, ti))
            assert (i in n.same_hyperplane) == (parallel and sign > 0)
            assert (i in n.opposite_hyperplane) == (parallel and sign < 0)


def test_examples_explain_their_lost_directions():
    """The hand-derived stories of relugeom.model.examples: which directions each one loses."""
    expected = {generic: {}, aligned: {"same_activation": 3}, dead: {"dead": 3},
                opposite: {"complementary": 1}}
    for make, counts in expected.items():
        ex = make()
        a = analyze(ex.network, ex.X)
        assert a.kernel.counts() == counts, ex.name
        assert a.kernel.dimension == ex.network.n_parameters - a.local_dimension
    a = analyze(dead().network, dead().X)
    assert all(u.neurons == (2,) for u in a.kernel.extra)
    assert [n.neuron for n in a.structure.neurons if n.dead] == [2]


def test_always_active_neuron_trades_against_the_output_bias():
    # neuron 1 has w = 0, b = 2: active everywhere, so δb_1 = −t/v_1, δc = t leaves f unchanged
    net = ShallowNetwork([[1], [0]], [0, 2], [[1, 3]], [0])
    X = [[1], [2], [-1], [-2]]
    split = kernel_split(net, X)
    kinds = [u.kind for u in split.extra]
    assert "always_active" in kinds
    u = next(u for u in split.extra if u.kind == "always_active").vector
    assert not any(_times(jacobian(net, X), u)) and u[-1] != 0


def test_starved_region_gives_region_directions():
    # one neuron, d = 2: region "active" holds two samples only, so rank X̃ = 2 < 3
    net = ShallowNetwork([[1, 0]], [0], [[1]], [0])
    X = [[1, 0], [2, 1], [-1, 0], [-1, 1], [-2, 5]]
    a = analyze(net, X)
    region = [u for u in a.kernel.extra if u.kind == "region"]
    assert len(region) == 1 and region[0].regions == (0,)
    assert not a.structure.regions[0].rich and a.structure.regions[1].rich


def test_to_dict_is_json_ready():
    import json

    a = analyze(aligned().network, aligned().X)
    data = {**a.structure.to_dict(), "kernel": a.kernel.to_dict()}
    again = json.loads(json.dumps(data))
    assert again["kernel"]["extra_by_kind"] == {"same_activation": 3}
    assert all(isinstance(q, (int, str)) for u in again["kernel"]["extra_directions"]
               for q in u["vector"])
    assert Fraction(again["kernel"]["rescaling_directions"][0]["vector"][0]) == 1
