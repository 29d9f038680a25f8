"""The structured kernel (relugeom.rank.structured_kernel): its vectors lie in ker J mod p, its
upper bound is never below the exact rank (exact elimination), a mutated activation pattern is
caught, and the front door's "structured kernel" certificate equals exact elimination."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom import ShallowNetwork, jacobian, linalg
from relugeom.model.sample import as_sample
from relugeom.rank import dimension
from relugeom.rank import structured_kernel as sk
from relugeom.rank.dimension import local_dimension_report
from relugeom.rank.shallow import ShallowModular
from relugeom.rank.structured_kernel import kernel_vectors, residual_support, structured_kernel
from relugeom.rank.verified import jacobian_kernel

P_TEST = 1_000_003


def float_case(seed: int, d: int, N: int, m: int, bias: float, float32: bool, dead: bool,
               repeat: bool):
    rng = np.random.default_rng(seed)
    cast = (lambda A: A.astype(np.float32).astype(float)) if float32 else (lambda A: A)
    W, b = cast(rng.normal(0, np.sqrt(2 / d), (N, d))), cast(rng.normal(0, bias, N))
    V, c = cast(rng.normal(0, 1, (m, N))), cast(rng.normal(0, 1, m))
    if dead:
        b[0] = -1e3  # never active
        V[:, -1] = 0  # reaches no output
    X = rng.normal(size=(int(rng.integers(2, 9)), d))
    if repeat:
        X = np.vstack([X, X[:2]])
    return ShallowNetwork.from_numpy(W, b, V, c), X


def wt_mod_p(case: ShallowModular, p: int) -> np.ndarray:
    """W̃ = [W | b] mod p (float residues), as the structured kernel's families take it."""
    return np.hstack([case.W.residues(p).reshape(case.N, case.d),
                      case.b.residues(p).reshape(case.N, 1)]).astype(float)


def mod_p(rows, p: int) -> np.ndarray:
    return np.array([[Fraction(q).numerator * pow(Fraction(q).denominator, -1, p) % p
                      for q in row] for row in rows], dtype=np.int64)


cases = st.tuples(st.integers(0, 10_000), st.integers(1, 4), st.integers(1, 5),
                  st.integers(1, 3), st.sampled_from([0.1, 1.5, 4.0]), st.booleans(),
                  st.booleans(), st.booleans())


@given(cases)
def test_vectors_in_the_kernel_and_bound_above_exact_elimination(params):
    net, X = float_case(*params)
    sample = as_sample(X, net.input_dim)
    J = jacobian(net, sample)
    exact = linalg.rank(J, net.n_parameters)
    case = ShallowModular(net, X)
    Jp = mod_p(J, P_TEST)
    for name, K in kernel_vectors(case, P_TEST).items():
        residue = (Jp.astype(object).dot(K.astype(np.int64).astype(object).T)) % P_TEST
        assert not residue.any(), name
    found = structured_kernel(case, P_TEST)
    assert found.upper >= exact  # a proven upper bound
    assert found.count == net.n_parameters - found.upper


def large_biases():
    # five neurons active on every sample, one on some: the group relations close the kernel
    rng = np.random.default_rng(3)
    W, b = rng.normal(size=(6, 2)), np.array([9.0, 9.0, 9.0, 9.0, 9.0, -0.2])
    net = ShallowNetwork.from_numpy(W, b, rng.normal(size=(2, 6)), rng.normal(size=2))
    return net, rng.normal(size=(7, 2))


def test_large_biases_certified_by_the_structured_kernel(monkeypatch):
    net, X = large_biases()
    exact = linalg.rank(jacobian(net, as_sample(X, 2)), net.n_parameters)
    found = structured_kernel(ShallowModular(net, X), P_TEST)
    assert found.upper == exact
    assert found.families.get("busy relations", 0) + found.families.get("group relations", 0) > 0
    # the group relations alone reach it too (the busy relations, a special case, come first)
    monkeypatch.setattr(sk, "busy_relations", lambda *args: iter(()))
    alone = structured_kernel(ShallowModular(net, X), P_TEST)
    assert alone.upper == exact and alone.families["group relations"] > 0


def test_a_mutated_activation_pattern_gives_vectors_outside_the_kernel():
    # the kernel vectors depend on the exact pattern: marking neuron 5 inactive on a sample it
    # is active on must break J·K ≡ 0 (the property test's check is not vacuous)
    net, X = large_biases()
    J = mod_p(jacobian(net, as_sample(X, 2)), P_TEST).astype(object)
    case = ShallowModular(net, X)
    i = int(np.flatnonzero(case.S[:, 5])[0])
    case.S[i, 5] = case.positive[i, 5] = False
    assert any((J.dot(K.astype(np.int64).astype(object).T) % P_TEST).any()
               for K in kernel_vectors(case, P_TEST).values() if len(K))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_front_door_structured_certificate_equals_exact(seed, monkeypatch):
    monkeypatch.setattr(dimension, "AUTO_EXACT_ENTRIES", 0)
    net, X = float_case(seed, 3, 5, 2, 4.0, True, True, True)
    exact = linalg.rank(jacobian(net, as_sample(X, 3)), net.n_parameters)
    report = local_dimension_report(net, X, fallback="interval")
    assert report.lower_bound <= exact <= report.upper_bound
    if report.certificate == "structured kernel":
        assert report.value == exact and report.exact


@given(cases)
def test_lift_without_the_structured_pivots_equals_exact_elimination(params):
    # rank J = rank of J without the columns at the structured kernel's pivots: the verified
    # kernel of what is left is the exact rank
    net, X = float_case(*params)
    sample = as_sample(X, net.input_dim)
    exact = linalg.rank(jacobian(net, sample), net.n_parameters)
    found = structured_kernel(ShallowModular(net, X), P_TEST)
    kernel = jacobian_kernel(net, sample, redundant=found.pivots)
    assert kernel.exact and kernel.rank == exact
    assert exact <= found.upper


def test_front_door_structured_kernel_on_large_biases(monkeypatch):
    # large biases, float32 weights (the benchmark's hard shape, smaller): no structural
    # bound meets the modular rank, no left kernel is cheap, the structured kernel certifies
    monkeypatch.setattr(dimension, "AUTO_EXACT_ENTRIES", 0)
    rng = np.random.default_rng(10)
    cast = lambda A: A.astype(np.float32).astype(float)  # noqa: E731
    W, b = cast(rng.normal(0, np.sqrt(2 / 6), (8, 6))), cast(rng.normal(0, 3.0, 8))
    net = ShallowNetwork.from_numpy(W, b, cast(rng.normal(size=(3, 8))), cast(rng.normal(size=3)))
    X = rng.normal(size=(30, 6))
    exact = linalg.rank(jacobian(net, as_sample(X, 6)), net.n_parameters)
    report = local_dimension_report(net, X, fallback="interval")
    assert (report.exact, report.value, report.certificate) == (True, exact, "structured kernel")


@given(st.integers(0, 10_000), st.sampled_from([0, 1]))
def test_boundary_samples_under_both_conventions(seed, convention):
    # small integers: many z_ij = 0 (samples on a neuron's hyperplane), s_ij by the convention
    rng = np.random.default_rng(seed)
    N, d, m = int(rng.integers(2, 6)), int(rng.integers(1, 4)), int(rng.integers(1, 3))
    net = ShallowNetwork(W=rng.integers(-2, 3, (N, d)).tolist(), b=rng.integers(-1, 2, N).tolist(),
                         V=rng.integers(-2, 3, (m, N)).tolist(), c=[0] * m)
    X = rng.integers(-2, 3, (int(rng.integers(2, 9)), d)).tolist()
    J = jacobian(net, as_sample(X, d), convention)
    exact = linalg.rank(J, net.n_parameters)
    case = ShallowModular(net, X, relu_prime_at_zero=convention)
    Jp = mod_p(J, P_TEST).astype(object)
    for name, K in kernel_vectors(case, P_TEST).items():
        assert not (Jp.dot(K.astype(np.int64).astype(object).T) % P_TEST).any(), name
    assert structured_kernel(case, P_TEST).upper >= exact


@given(cases, st.data())
def test_residual_support_bound_against_exact_elimination(params, data):
    # rank J ≤ rank J[:, S] + |columns ∖ S| for any S ⊆ columns (exact ranks here), with
    # equality on the support mod p of the rest of the kernel; the front door lifts there
    net, X = float_case(*params)
    sample = as_sample(X, net.input_dim)
    J = np.array(jacobian(net, sample), dtype=object)
    exact = linalg.rank(J.tolist(), net.n_parameters)
    found = structured_kernel(ShallowModular(net, X), P_TEST)
    columns, support = residual_support(net, sample, "error", found)
    assert set(support) <= set(columns) and not set(columns) & set(found.pivots)

    def bound(S) -> int:
        sub = J[:, sorted(S)].tolist() if len(S) else []
        return (linalg.rank(sub, len(S)) if len(S) else 0) + len(columns) - len(S)

    assert bound(support) == exact
    S = data.draw(st.sets(st.sampled_from(list(columns)))) if len(columns) else set()
    assert bound(S) >= exact
    outside = np.setdiff1d(np.arange(net.n_parameters), support)
    kernel = jacobian_kernel(net, sample, redundant=outside)
    assert kernel.exact and kernel.rank + len(columns) - len(support) == exact


def sparse_and_busy(seed: int, float32: bool, parallel: bool = False):
    # neurons active on almost every sample (B) and on a few (L): large biases of both signs;
    # with ``parallel``, every neuron's output weights a multiple of neuron 0's
    rng = np.random.default_rng(seed)
    d, N, m = int(rng.integers(2, 5)), int(rng.integers(3, 7)), int(rng.integers(1, 5))
    cast = (lambda A: A.astype(np.float32).astype(float)) if float32 else (lambda A: A)
    W = cast(rng.normal(0, 1, (N, d)))
    b = cast(rng.choice([-1, 1], N) * rng.uniform(1.0, 3.0, N))
    V = cast(rng.normal(size=(m, N)))
    if parallel:
        V = V[:, :1] * np.arange(1, N + 1)
    net = ShallowNetwork.from_numpy(W, b, V, cast(rng.normal(size=m)))
    return net, rng.normal(size=(int(rng.integers(4, 16)), d))


@given(st.integers(0, 10_000), st.booleans())
def test_busy_and_sparse_groups_against_exact_elimination(seed, float32):
    # the group systems with both kinds of neurons (B: active almost everywhere, L: almost
    # nowhere) and their rank proven by lifted local relations: vectors in ker J mod p, and
    # the bound is never below the exact rank
    net, X = sparse_and_busy(seed, float32)
    J = jacobian(net, as_sample(X, net.input_dim))
    exact = linalg.rank(J, net.n_parameters)
    case = ShallowModular(net, X)
    Jp = mod_p(J, P_TEST).astype(object)
    for name, K in kernel_vectors(case, P_TEST).items():
        assert not (Jp.dot(K.astype(np.int64).astype(object).T) % P_TEST).any(), name
    assert structured_kernel(case, P_TEST).upper >= exact


def test_sparse_neurons_sharing_samples_close_the_kernel():
    # two neurons active on few samples, one inside the other's (the [43,24,3] large-bias
    # shape in small): the L-group of both gives the relation no single neuron has
    rng = np.random.default_rng(5)
    d, n = 6, 40
    X = rng.normal(size=(n, d))
    W = rng.normal(size=(4, d))
    b = np.array([30.0, 30.0, 0.0, 0.0])
    z = X @ W[2]
    b[2] = -np.sort(z)[-5]  # neuron 2 active on 5 samples
    W[3] = W[2] + 0.01 * rng.normal(size=d)
    b[3] = -np.sort(X @ W[3])[-3]  # neuron 3 on about 3
    net = ShallowNetwork.from_numpy(W, b, rng.normal(size=(3, 4)), rng.normal(size=3))
    exact = linalg.rank(jacobian(net, as_sample(X, d)), net.n_parameters)
    found = structured_kernel(ShallowModular(net, X), P_TEST)
    assert found.upper == exact
    assert found.families["group relations"] > 0


def test_front_door_large_biases_certified_without_a_lift(monkeypatch):
    # the benchmark's [43,24,3] large-bias shape at a smaller size, float64: the structured
    # kernel closes the whole kernel, before any sharper bound or lift
    monkeypatch.setattr(dimension, "AUTO_EXACT_ENTRIES", 0)
    rng = np.random.default_rng(1)
    d, N, m, n = 12, 10, 3, 60
    W, b = rng.normal(0, np.sqrt(2 / d), (N, d)), rng.normal(0, 3.0, N)
    net = ShallowNetwork.from_numpy(W, b, rng.normal(size=(m, N)), rng.normal(size=m))
    X = rng.normal(size=(n, d))
    exact = local_dimension_report(net, X, method="exact").value
    report = local_dimension_report(net, X, fallback="interval")
    assert report.exact and report.value == exact


@given(st.integers(0, 10_000), st.booleans())
def test_front_door_on_busy_and_sparse_neurons_equals_exact_elimination(seed, float32):
    # the whole "auto" path (level-2 bounds, structured kernel, then the rest) against
    # elimination, with more outputs than busy neurons (the output split of (a))
    net, X = sparse_and_busy(seed, float32)
    exact = local_dimension_report(net, X, method="exact").value
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dimension, "AUTO_EXACT_ENTRIES", 0)
        report = local_dimension_report(net, X, fallback="interval")
    assert report.lower_bound <= exact <= report.upper_bound
    assert not report.exact or report.value == exact


@given(cases)
def test_prefixes_of_the_largest_group_system_are_the_smaller_systems(params):
    # the group relations read every C_t off one echelon form of the largest C_T: its kernel
    # vectors mod p with free column among the first width_t columns must be exactly ker C_t
    # mod p, each C_t built and eliminated on its own here (U-columns of L kept at the pivots
    # of their data, as the group relations do)
    from relugeom.linalg.kernel import echelon_kernel
    from relugeom.linalg.modular import matmul_mod, rref_mod_p
    from relugeom.rank.structured_kernel import _group_system, _groups, _kept_columns, _widths

    net, X = float_case(*params)
    case = ShallowModular(net, X)
    p, r = P_TEST, case.residues(P_TEST)
    Wt = wt_mod_p(case, p)
    order, busy, residues, splits, layouts = _groups(case, p, r, Wt,
                                                     matmul_mod(r["Xt"], Wt.T, p))
    small = [t for t, lay in layouts.items() if lay is not None]
    if not small:
        return
    pivots = {int(j): rref_mod_p(r["Xt"][case.S[:, j]], p)[1] for j in order}
    cols = _kept_columns(case, order, busy, pivots)
    T = small[-1]
    width = _widths(case, cols[:T])

    def system(t):
        G = order[:t]
        return np.remainder(_group_system(case, G, busy[G], residues, splits(G[busy[G]]),
                                          layouts[t], cols), p)

    R, echelon, _ = rref_mod_p(system(T), p)
    K = echelon_kernel(R, echelon, width[T], p)[0]
    free = np.setdiff1d(np.arange(width[T]), echelon)
    for t in small:
        C = system(t)
        assert C.shape[1] == width[t]
        prefix = K[free < width[t]]
        assert not prefix[:, width[t]:].any()
        assert not (C.astype(object).dot(prefix[:, :width[t]].astype(np.int64).T) % p).any()
        assert len(rref_mod_p(C, p)[1]) == width[t] - len(prefix)


def _one_row_samples_keep_the_kernel(net, X) -> int:
    """Checks, for every group system of the case, that C (one row per deviating neuron at
    the samples the layout allows) has the kernel of the same system with all m rows at every
    sample: mod p (C with all rows kills C's kernel vectors, same rank) and over Q (exact
    ranks). Returns the number of samples given one row per neuron for two neurons or more."""
    from dataclasses import replace

    from relugeom.linalg.kernel import kernel_mod_p
    from relugeom.linalg.modular import matmul_mod, rref_mod_p
    from relugeom.rank.structured_kernel import _ExactArrays, _group_system, _groups

    case = ShallowModular(net, X)
    p, r = P_TEST, case.residues(P_TEST)
    Wt = wt_mod_p(case, p)
    order, busy, residues, splits, layouts = _groups(case, p, r, Wt,
                                                     matmul_mod(r["Xt"], Wt.T, p))
    exact, several = _ExactArrays(case, residues.nonzero), 0
    for t, lay in layouts.items():
        if lay is None:
            continue
        G = order[:t]
        one_row = int(lay.inactive[lay.scalar].sum())
        every = replace(lay, scalar=np.zeros_like(lay.scalar),
                        nrows=lay.nrows - one_row + int(lay.scalar.sum()) * case.m)
        several += int((lay.inactive[lay.scalar].sum(1) > 1).sum())
        split = splits(G[busy[G]])
        C, full = (np.remainder(_group_system(case, G, busy[G], residues, split, lay_), p)
                   for lay_ in (lay, every))
        K = kernel_mod_p(C, p)
        assert not (full.astype(object).dot(K.astype(np.int64).T.astype(object)) % p).any()
        assert len(rref_mod_p(C, p)[1]) == len(rref_mod_p(full, p)[1])
        arrays = exact.arrays(G, lay.samples)
        C, full = (_group_system(case, G, busy[G], arrays, split, lay_) for lay_ in (lay, every))
        assert linalg.rank(C.tolist(), C.shape[1]) == linalg.rank(full.tolist(), full.shape[1])
    return several


@given(st.integers(0, 10_000), st.booleans(), st.booleans())
def test_one_row_per_neuron_keeps_the_group_system_kernel(seed, float32, parallel):
    # a sample whose deviating neurons each have a first lone sample and independent outputs
    # takes one row per neuron instead of m: the same kernel, mod p and over Q (parallel
    # outputs: the rule must not apply to two deviating neurons)
    _one_row_samples_keep_the_kernel(*sparse_and_busy(seed, float32, parallel))


def test_one_row_per_neuron_applies_on_large_biases():
    # the rule is exercised: samples with two or more deviating neurons get one row each,
    # and never when the outputs are parallel
    assert sum(_one_row_samples_keep_the_kernel(*sparse_and_busy(seed, False))
               for seed in range(12)) > 0
    assert sum(_one_row_samples_keep_the_kernel(*sparse_and_busy(seed, False, True))
               for seed in range(12)) == 0
