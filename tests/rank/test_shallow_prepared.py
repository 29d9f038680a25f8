"""The prepared shallow case (relugeom.rank.shallow.ShallowModular) against independent
computations: its exact signs, idle samples, distinct samples and labels, kept W-columns and the
float hint of rank X̃ — including the shortcuts taken when X is dense, every sign is decided in
floats, or the first coordinates of the samples already differ."""

from fractions import Fraction

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from relugeom import ShallowNetwork, linalg
from relugeom.rank.float_certificate import row_gram_rank_at_least, shallow_row_gram
from relugeom.rank.shallow import ShallowModular

from .test_small import KINDS, small_case


def exact_z(net, X):
    """z_ij = w_j·x_i + b_j in Fractions, from the network's own Fractions."""
    return [[sum((w * Fraction(x) for w, x in zip(net.W[j], row)), net.b[j])
             for j in range(net.hidden_width)] for row in X.tolist()]


@given(st.integers(0, 10_000), st.booleans(), st.sampled_from(KINDS + ("zeros",)),
       st.sampled_from([0, 1]))
def test_prepared_case_matches_its_definitions(seed, float32, kind, convention):
    net, X = small_case(seed, float32, "dead neuron" if kind == "zeros" else kind)
    if kind == "zeros":  # zero inputs (not dense) and a sample repeated with another first
        # entry; neuron 0 flat (z = 0 everywhere: active under relu'(0) = 1, never positive)
        X[:, 0] = 0.0
        X[-1, 1:] = X[0, 1:]
        W, b = np.array(net.W, dtype=float), np.array(net.b, dtype=float)
        W[0], b[0] = 0.0, 0.0
        net = ShallowNetwork.from_numpy(W, b, np.array(net.V, dtype=float),
                                        np.array(net.c, dtype=float))
    case = ShallowModular(net, X, convention, 0)
    Z = exact_z(net, X)
    assert case.positive.tolist() == [[z > 0 for z in row] for row in Z]
    assert case.S.tolist() == [[z > 0 or (convention and z == 0) for z in row] for row in Z]
    assert case.negative.tolist() == [[z < 0 for z in row] for row in Z]
    n, N, m = X.shape[0], net.hidden_width, net.output_dim
    live = [any(net.V[k][j] for k in range(m)) for j in range(N)]
    idle = [not any(Z[i][j] > 0 or (case.S[i, j] and live[j]) for j in range(N))
            for i in range(n)]
    assert case.idle.tolist() == idle
    rows = [tuple(r) for r in X.tolist()]
    first = sorted({r: i for i, r in reversed(list(enumerate(rows)))}.values())
    assert case.distinct_samples().tolist() == first
    labels = case.sample_labels.tolist()
    assert all((labels[i] == labels[k]) == (rows[i] == rows[k])
               for i in range(n) for k in range(n))
    assert max(labels) + 1 == len(first)  # labels 0..k−1: pair_relations counts them so
    # kept W-columns: l with x̃_il ≠ 0 on a sample where j is active, for v_j ≠ 0
    Xt = [list(r) + [1.0] for r in rows]
    kept = [[live[j] and any(case.S[i, j] and Xt[i][l] != 0 for i in range(n))
             for l in range(net.input_dim + 1)] for j in range(N)]
    assert case.kept_w_mask().tolist() == kept
    # the kept columns, listed and counted: V-columns of the neurons positive somewhere (one
    # fewer when the neuron keeps W-columns), and the m c-columns
    alive = [any(Z[i][j] > 0 for i in range(n)) for j in range(N)]
    count = sum(map(sum, kept)) + sum(m - any(kept[j]) for j in range(N) if alive[j]) + m
    columns = case.kept_columns()
    assert len(columns["wj"]) + len(columns["vk"]) + len(columns["ck"]) == count
    assert case._kept_count() == count
    assert sorted(case.row_order.tolist()) == list(range(n))
    assert list(case.S.sum(1)[case.row_order]) == sorted(case.S.sum(1))


@given(st.integers(0, 10_000), st.integers(1, 4))
def test_data_rank_hint_on_exactly_deficient_data(seed, k):
    """Samples on an exact k-dimensional subspace through 0 (small integers): the hint is
    rank X̃ = k + 1, computed exactly here (a hint may err, but not on such data)."""
    rng = np.random.default_rng(seed)
    d, n = 6, 12
    X = (rng.integers(-3, 4, (n, k)) @ rng.integers(-3, 4, (k, d))).astype(float)
    net = ShallowNetwork.from_numpy(rng.normal(size=(3, d)), rng.normal(size=3),
                                    rng.normal(size=(1, 3)), [0.0])
    exact = linalg.rank([list(map(int, r)) + [1] for r in X.tolist()], d + 1)
    case = ShallowModular(net, X, 0, 0)
    assert case.data_rank_hint() == exact
    if case.certify_small_data_rank():  # the kept columns then lie in a basis of X̃'s columns
        columns = case.kept_columns()
        assert case._kept_count() == len(columns["wj"]) + len(columns["vk"]) + len(columns["ck"])
        assert set(columns["wl"].tolist()) <= set(case.data_basis)


def test_row_gram_proof_on_all_rows_in_any_order():
    """All rows chosen in another order prove the same as all rows in order (the bound is
    computed on the rows, whatever their order)."""
    rng = np.random.default_rng(3)
    net = ShallowNetwork.from_numpy(rng.normal(size=(6, 3)), rng.normal(size=6),
                                    rng.normal(size=(1, 6)), [0.0])
    case = ShallowModular(net, rng.normal(size=(5, 3)), 0, 0)
    G, B = shallow_row_gram(case)
    straight = row_gram_rank_at_least(G, B, 5, net.n_parameters)
    shuffled = row_gram_rank_at_least(G, B, 5, net.n_parameters, np.array([4, 2, 0, 1, 3]))
    assert straight is not None and shuffled is not None
    assert straight[0].delta == shuffled[0].delta
