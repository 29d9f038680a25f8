"""Local relations (relugeom.rank.relations): the bound holds for every set of samples, grows
with it, and certifies ranks the other bounds cannot."""

import json
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from relugeom import BoundaryError, DeepNetwork, ShallowNetwork, deep_jacobian, jacobian, linalg
from relugeom.rank.deep import structural_upper_bound
from relugeom.rank.relations import WorkBudget, _intersection_basis, free_samples, relation_count
from relugeom.rank.shallow import ShallowModular, modular_local_dimension

P = 1048573  # a prime: the residues of small integers never vanish by accident here


def integer_matrix(rows: int, cols: int, low: int, high: int):
    return st.lists(st.lists(st.integers(low, high), min_size=cols, max_size=cols),
                    min_size=rows, max_size=rows)


@st.composite
def private_pixel_cases(draw):
    """Sparse "images": a few shared pixels and pixels each nonzero on one sample only.

    W is a multiple of 8 and b odd, so no sample lies on a hyperplane.
    """
    n = draw(st.integers(6, 16))
    shared = draw(st.integers(1, 4))
    private = draw(st.integers(1, 6))
    N = draw(st.integers(2, 7))
    m = draw(st.integers(1, 3))
    X = [row + [0] * private for row in draw(integer_matrix(n, shared, 0, 3))]
    owners = draw(st.lists(st.integers(0, n - 1), min_size=private, max_size=private))
    for col, i in enumerate(owners):
        X[i][shared + col] = draw(st.integers(1, 3))
    d = shared + private
    W = [[8 * w for w in row] for row in draw(integer_matrix(N, d, -3, 3))]
    b = [2 * a + 1 for a in draw(st.lists(st.integers(-20, 20), min_size=N, max_size=N))]
    V = draw(integer_matrix(m, N, -3, 3))
    c = draw(st.lists(st.integers(-2, 2), min_size=m, max_size=m))
    return ShallowNetwork(W, b, V, c), X


def exact_rank(net, X) -> int:
    return linalg.rank(jacobian(net, X), net.n_parameters)


@given(private_pixel_cases(), st.data())
def test_relation_bound_holds_for_every_set_of_samples(pair, data):
    net, X = pair
    case = ShallowModular(net, X)
    case.bounds(level=2)
    T = data.draw(st.lists(st.booleans(), min_size=len(X), max_size=len(X)))
    count = relation_count(case, P, np.array(T, bool))
    assert 0 <= count["relations"] <= count["columns"]
    assert case._group_value - count["relations"] >= exact_rank(net, X)


@given(private_pixel_cases(), st.data())
def test_relations_grow_with_the_samples(pair, data):
    net, X = pair
    case = ShallowModular(net, X)
    n = len(X)
    small = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), bool)
    extra = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), bool)
    assert (relation_count(case, P, small)["relations"]
            <= relation_count(case, P, small | extra)["relations"])


@given(integer_matrix(7, 4, -2, 2))
def test_free_samples_against_the_definition(A):
    # e_i ∈ colspace(A) exactly when removing row i lowers the rank
    A = np.array(A, dtype=np.int64)
    rank = linalg.rank(A.tolist(), A.shape[1])
    expected = [linalg.rank(np.delete(A, i, 0).tolist(), A.shape[1]) < rank
                for i in range(A.shape[0])]
    assert free_samples(A, P).tolist() == expected


@given(integer_matrix(7, 4, -3, 3), st.lists(st.booleans(), min_size=7, max_size=7),
       st.lists(st.booleans(), min_size=7, max_size=7), st.booleans())
def test_intersection_basis_against_the_definition(A, act, T, wide):
    # a basis of U ∩ E_T, U the column space of A's rows ``act`` (in Q^{act}): its vectors lie
    # in U and in E_T, are independent, and number dim U + dim E_T − dim(U + E_T); ``wide``
    # repeats a column (dependent columns: the echelon path, not the independent-columns one)
    A = np.array(A, dtype=np.int64)
    if wide:
        A = np.hstack([A, A[:, :1] * 2])
    act, T = np.array(act, bool), np.array(T, bool)
    if not act.any():
        return
    U = A[act][:, (A[act] != 0).any(0)]
    rows = np.flatnonzero(act)
    basis = _intersection_basis(A, act, T, P, WorkBudget(float("inf")))
    Y = [[y.get(int(i), 0) for i in rows] for y in basis]
    assert all(set(y) <= set(np.flatnonzero(act & T).tolist()) for y in basis)
    rank_U = linalg.rank(U.tolist(), U.shape[1]) if U.size else 0
    if Y:
        assert linalg.rank(Y, len(rows)) == len(Y)
        assert linalg.rank(np.hstack([U, np.array(Y).T]).tolist(), U.shape[1] + len(Y)) \
            == rank_U
    E = np.eye(len(rows), dtype=np.int64)[:, T[act]]
    rank_sum = linalg.rank(np.hstack([U, E]).tolist(), U.shape[1] + E.shape[1])
    assert len(Y) == rank_U + E.shape[1] - rank_sum


def sparse_image_case(seed: int, n: int = 40, shared: int = 8, private: int = 8, N: int = 10,
                      m: int = 2):
    """Like private_pixel_cases, at a size where n·m is not the smallest bound."""
    rng = np.random.default_rng(seed)
    d = shared + private
    X = rng.integers(1, 4, (n, d)) * (rng.random((n, d)) < 0.6)
    X[:, shared:] = 0
    for col in range(shared, d):
        X[rng.integers(n), col] = rng.integers(1, 4)
    W = rng.integers(-3, 4, (N, d)) * 8
    b = rng.integers(-20, 21, N) * 2 + 1
    V = rng.integers(-3, 4, (m, N))
    c = rng.integers(-2, 3, m)
    return ShallowNetwork(W.tolist(), b.tolist(), V.tolist(), c.tolist()), X.tolist()


def test_relation_bound_holds_on_sparse_images():
    for seed in range(30):
        net, X = sparse_image_case(seed)
        case = ShallowModular(net, X)
        result = modular_local_dimension(net, X, case=case)
        exact = exact_rank(net, X)
        relation = case.bounds(level=3)[-1]
        assert relation.name == "local relations" and relation.value >= exact
        assert result.value == exact if result.exact else result.value <= exact


def test_relations_certify_a_rank_the_other_bounds_miss():
    # sparse_image_case(19), stored so that a change of numpy's random streams cannot lose it
    stored = Path(__file__).resolve().parent.parent / "data" / "relations_decisive.json"
    case_data = json.loads(stored.read_text())
    net, X = ShallowNetwork.from_dict(case_data["network"]), case_data["X"]
    exact = exact_rank(net, X)
    case = ShallowModular(net, X)
    assert exact < min(b.value for b in case.bounds(level=2))
    result = modular_local_dimension(net, X, case=case)
    assert result.exact and result.value == exact and result.bound.name == "local relations"


def test_local_terms_keep_the_deep_bound_valid():
    relations_seen = 0
    for seed in range(12):
        net, X = sparse_image_case(seed, n=24, N=8, m=2)
        rng = np.random.default_rng(seed)
        hidden = DeepNetwork([(net.W, net.b),
                              ((8 * rng.integers(-3, 4, (5, 8))).tolist(),
                               (2 * rng.integers(-20, 21, 5) + 1).tolist()),
                              (rng.integers(-3, 4, (2, 5)).tolist(), [0, 1])])
        try:
            rank = linalg.rank(deep_jacobian(hidden, X), hidden.n_parameters)
        except BoundaryError:
            continue
        local = structural_upper_bound(hidden, X, local=True)
        relations_seen += local < structural_upper_bound(hidden, X)
        assert local >= rank
    assert relations_seen >= 1
