"""Functional dimension (relugeom.geometry.functional: the max over samples of the local
dimension), its decisive sample and the explanation of its gap.

Independent checks: the rank over large random exact samples (with a textbook elimination),
samples rich in every region built with random directions instead of coordinate steps, hand
derivations of small 1-D cases, and the incidence formula T6 on all regions.
"""

import random
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom import ShallowNetwork, local_dimension
from relugeom.arrangement.cells import enumerate_cells, hyperplane_arrangement
from relugeom.errors import InputError
from relugeom.geometry.functional import decisive_sample, functional_dimension, region_deficits
from relugeom.geometry.sampling import gaussian, sampling_convergence
from relugeom.linalg import rank as exact_rank
from relugeom.model.examples import all_examples
from relugeom.rank.jacobian import jacobian
from relugeom.search.strategies import network_and_sample, networks
from tests.reference import reference_rank

small_networks = networks(input_dim=(1, 3), hidden_width=(1, 4), output_dim=(1, 2))


def fdim(net, **options):
    return functional_dimension(net, **options).functional_dimension


def z(net, x):
    return [sum((w * xi for w, xi in zip(row, x)), bj) for row, bj in zip(net.W, net.b)]


def random_rich_sample(net, seed):
    """d+1 affinely independent points in every cell, along random directions (not axes)."""
    rng = random.Random(seed)
    arrangement = hyperplane_arrangement(net.W, net.b)
    d = net.input_dim
    X = []
    for cell in enumerate_cells(arrangement):
        points = [cell.point]
        while len(points) < d + 1:
            u = [Fraction(rng.randint(-5, 5), rng.randint(1, 3)) for _ in range(d)]
            t = Fraction(rng.randint(1, 4))
            y = [p + t * ul for p, ul in zip(cell.point, u)]
            while arrangement.side(y) != cell.side:
                t /= 3
                y = [p + t * ul for p, ul in zip(cell.point, u)]
            rows = [list(q) + [1] for q in points + [tuple(y)]]
            if exact_rank(rows, d + 1) == len(rows):
                points.append(tuple(y))
        X += points
    return X


# --- the decisive sample ---------------------------------------------------------------------

@given(small_networks)
def test_decisive_sample_is_rich_in_every_region(net):
    X = decisive_sample(net)
    d = net.input_dim
    cells = enumerate_cells(hyperplane_arrangement(net.W, net.b))
    assert len(X) == len(cells) * (d + 1)
    groups = [X[r * (d + 1):(r + 1) * (d + 1)] for r in range(len(cells))]
    seen = set()
    for group in groups:
        signs = {tuple(v > 0 for v in z(net, x)) for x in group}
        assert len(signs) == 1                                   # one region per group
        assert all(v != 0 for x in group for j, v in enumerate(z(net, x)) if any(net.W[j]))
        assert exact_rank([list(x) + [1] for x in group], d + 1) == d + 1
        seen |= signs
    assert len(seen) == len(cells)                               # every region, once


@given(network_and_sample(features=(), n=(1, 8)))
def test_local_dimension_never_exceeds_functional_dimension(pair):
    net, X = pair
    assert local_dimension(net, X) <= fdim(net)


@given(small_networks)
def test_equality_on_rich_samples_and_symmetry_bound(net):
    result = functional_dimension(net)
    assert local_dimension(net, result.decisive_sample) == result.functional_dimension
    assert local_dimension(net, random_rich_sample(net, 1)) == result.functional_dimension
    assert 0 <= result.gap == net.n_parameters - net.hidden_width - result.functional_dimension
    explanation = result.explanation
    assert explanation.gap == result.gap
    assert sum(f.directions for f in explanation.features) - explanation.missing_rescalings \
        == result.gap


@given(small_networks, st.data())
def test_invariant_under_permutation_and_rescaling(net, data):
    value = fdim(net)
    perm = data.draw(st.permutations(list(range(net.hidden_width))))
    assert fdim(net.permute(perm)) == value
    j = data.draw(st.integers(0, net.hidden_width - 1))
    lam = data.draw(st.sampled_from([Fraction(1, 3), Fraction(2), Fraction(7, 5)]))
    assert fdim(net.rescale(j, lam)) == value


def test_large_random_samples_never_exceed_it():
    """The decisive-sample argument, checked against brute force with a textbook rank."""
    for seed in range(6):
        rng = random.Random(seed)
        d, N = rng.randint(1, 3), rng.randint(1, 4)
        net = ShallowNetwork.random(d, N, 1, seed=seed)
        value = fdim(net)
        X = [[Fraction(rng.randint(-48, 48), 8) for _ in range(d)] for _ in range(40)]
        X = [x for x in X if all(v != 0 for j, v in enumerate(z(net, x)) if any(net.W[j]))]
        X += random_rich_sample(net, seed)
        rows = jacobian(net, tuple(tuple(x) for x in X))
        assert reference_rank(rows) == value
        assert reference_rank(rows[:len(rows) // 3]) <= value


@given(small_networks)
def test_incidence_formula_on_all_regions(net):
    """T6 on the decisive sample: gap = (d+1)(N − rank M) + [1 ∈ col M] with M of all regions."""
    result = functional_dimension(net)
    formula = result.explanation.incidence
    if net.output_dim > 1 or not all(net.V[0]):
        assert formula is None
        return
    M = [list(s) for s in result.region_patterns]
    N, d = net.hidden_width, net.input_dim
    rank_M = reference_rank(M)
    ones = reference_rank([row + [1] for row in M]) == rank_M
    assert formula.gap == (d + 1) * (N - rank_M) + ones == result.gap


# --- hand cases ------------------------------------------------------------------------------

@given(networks(input_dim=(1, 4), hidden_width=(1, 4), output_dim=(1, 2),
                nonzero_output_weights=True))
def test_generic_networks_with_few_neurons_reach_the_symmetry_bound(net):
    """N ≤ d independent normals: all 2^N patterns occur, so nothing but the rescalings."""
    N, d = net.hidden_width, net.input_dim
    if N > d or exact_rank(net.W, d) < N:
        return
    assert fdim(net) == net.n_parameters - N


@pytest.mark.parametrize("feature", ["duplicate", "scaled", "opposite"])
@given(data=st.data())
def test_two_neurons_on_one_hyperplane_fall_below(feature, data):
    net = data.draw(networks(input_dim=(1, 3), hidden_width=(2, 4), features=[feature]))
    result = functional_dimension(net)
    assert result.functional_dimension < net.n_parameters - net.hidden_width
    kinds = {f.kind for f in result.explanation.features}
    assert kinds & {"same_activation", "complementary", "zero_output", "dead", "incidence"}


def test_one_dimensional_repeated_breakpoint():
    # relu(x), relu(2x), relu(x − 1): near θ the functions are a·relu(x − s) + b·relu(x − t) + c,
    # 5 free numbers; P − N = 10 − 3 = 7.
    same = ShallowNetwork(W=[[1], [2], [1]], b=[0, 0, -1], V=[[1, 1, 1]], c=[0])
    assert fdim(same) == 5
    # relu(x), relu(−x), relu(x − 1): ∂/∂s, ∂/∂s' of a·relu(x − s) + b·relu(s' − x) are −a·1[x>0]
    # and b·1[x<0], whose sum with ∂/∂c = 1 is dependent: 7 − 1 = 6.
    opposite = ShallowNetwork(W=[[1], [-1], [1]], b=[0, 0, -1], V=[[1, 1, 1]], c=[0])
    assert fdim(opposite) == 6
    # distinct breakpoints 0, 1, 2 with alternating sides: nothing is lost.
    distinct = ShallowNetwork(W=[[1], [-1], [1]], b=[0, 1, -2], V=[[1, 1, 1]], c=[0])
    assert fdim(distinct) == 7


def test_examples_and_explanations():
    expected = {"generic": (13, []), "aligned": (10, ["same_activation"]),
                "dead": (13, []), "opposite": (12, ["complementary"])}
    for ex in all_examples():
        result = functional_dimension(ex.network)
        value, kinds = expected[ex.name]
        assert result.functional_dimension == value
        assert [f.kind for f in result.explanation.features] == kinds
        assert result.to_dict()["decisive_sample_size"] == len(result.decisive_sample)


def test_constant_neurons():
    dead = ShallowNetwork(W=[[0, 0], [1, 1]], b=[-1, 0], V=[[1, 1]], c=[0])
    result = functional_dimension(dead)
    # the dead neuron's d + 1 + m = 4 parameters are all free; one is its rescaling
    assert result.gap == 3 and [f.kind for f in result.explanation.features] == ["dead"]
    zero = ShallowNetwork(W=[[0, 0], [1, 1]], b=[0, 0], V=[[0, 1]], c=[0])
    with pytest.raises(InputError, match="neuron 0 has w = 0 and b = 0"):
        functional_dimension(zero)
    result = functional_dimension(zero, relu_prime_at_zero=0)
    assert result.explanation.missing_rescalings == 1
    assert result.functional_dimension == local_dimension(zero, random_rich_sample(zero, 2),
                                                          relu_prime_at_zero=0)
    # under relu'(0) = 1 the neuron counts as active in every region, also in the sampling report
    sampled = sampling_convergence(zero, gaussian(2), repeats=2, probability_draws=50,
                                   relu_prime_at_zero=1)
    assert all(region.pattern[0] == 1 for region in sampled.regions)
    assert sampled.smallest_n[0] is not None


@given(small_networks)
def test_region_deficits_match_leaving_each_region_out(net):
    """The Gram-matrix shortcut against the definition, region by region."""
    result = functional_dimension(net)
    X, size = result.decisive_sample, net.input_dim + 1
    brute = []
    for r in range(result.activation_regions):
        rest = X[:r * size] + X[(r + 1) * size:]
        brute.append(result.functional_dimension - (local_dimension(net, rest) if rest else 0))
    assert region_deficits(result) == tuple(brute)


def test_region_deficits_bound_samples_missing_a_region():
    net = ShallowNetwork(W=[[1], [-1], [1]], b=[0, 1, -2], V=[[1, 2, -1]], c=[0])
    result = functional_dimension(net)
    deficits = region_deficits(result)
    assert any(deficits)
    rng = random.Random(0)
    X = [(Fraction(rng.randint(-40, 40), 7),) for _ in range(60)]
    X = [x for x in X if 0 not in z(net, x)]
    for r, delta in enumerate(deficits):
        pattern = result.region_patterns[r]
        rest = [x for x in X if tuple(int(v > 0) for v in z(net, x)) != pattern]
        assert local_dimension(net, rest) <= result.functional_dimension - delta
