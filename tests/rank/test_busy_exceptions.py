"""Busy relations with exceptions (relugeom.rank.busy_exceptions): every vector is in ker J mod p
(J the exact Jacobian reduced mod p), their count never exceeds the exact nullity (exact
elimination), also modulo small primes, and they are vectors the other families miss."""

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from relugeom import ShallowNetwork, local_dimension
from relugeom.linalg.modular import rref_mod_p
from relugeom.rank.busy_exceptions import busy_exceptions
from relugeom.rank.shallow import ShallowModular
from relugeom.rank.structured_kernel import kernel_vectors, structured_kernel

from .test_busy_relations import exact_rank_and_residues, family, in_kernel
from .test_structured_kernel import P_TEST


def exceptions_case(seed: int, integers: bool = False):
    """Neurons active on all samples but 0, 1 or 2, neurons active on a few, and others; float
    weights, or small integers (even samples, odd biases: no sample on a hyperplane)."""
    rng = np.random.default_rng(seed)
    d, m = int(rng.integers(2, 6)), int(rng.integers(1, 4))
    N, n = m + int(rng.integers(2, 6)), int(rng.integers(6, 16))
    if integers:
        W, X = rng.integers(-3, 4, (N, d)), 2 * rng.integers(-3, 4, (n, d))
    else:
        W, X = rng.normal(size=(N, d)), rng.normal(size=(n, d))
    z = np.sort(X @ W.T, axis=0)
    kind = rng.integers(0, 5, N)  # 0–2: off on that many samples; 3: on a few; 4: any
    cols = np.arange(N)
    few = np.minimum(rng.integers(1, d + 1, N), n - 1)
    b = np.select([kind == 0, kind <= 2, kind == 3],
                  [1 - z[0], -(z[np.maximum(kind - 1, 0), cols] + z[kind, cols]) / 2,
                   -(z[n - few - 1, cols] + z[n - few, cols]) / 2], rng.normal(size=N))
    if integers:
        b = 2 * np.floor(b / 2) + 1
        return ShallowNetwork.from_numpy(W, b, rng.integers(-3, 4, (m, N)),
                                         rng.integers(-3, 4, m)), X
    return ShallowNetwork.from_numpy(W, b, rng.normal(size=(m, N)), rng.normal(size=m)), X


def check(net: ShallowNetwork, X, p: int, vectors=busy_exceptions) -> None:
    """The family ``vectors``' vectors lie in ker J mod p, their count is at most the exact
    nullity, and the structured kernel's bound is at least the exact rank."""
    exact, Jp = exact_rank_and_residues(net, X, p)
    case = ShallowModular(net, X)
    K = family(case, p, vectors)
    assert in_kernel(Jp, K, p)
    assert len(rref_mod_p(K, p)[1]) <= net.n_parameters - exact
    assert structured_kernel(case, p).upper >= exact


@given(st.integers(0, 10_000))
def test_vectors_in_the_kernel_and_count_below_the_exact_nullity(seed):
    check(*exceptions_case(seed), P_TEST)


@given(st.integers(0, 10_000), st.sampled_from([3, 5, 7, 11]))
@example(48, 3)    # a span left unproven (rows dropped mod 3 that are independent over Q)
@example(96, 3)
@example(7, 3)     # E's rank mod 3 below its rank over Q
@example(33, 3)
@example(90, 3)    # C not of full row rank mod 3
@example(154, 5)
def test_small_primes_never_claim_too_much(seed, p):
    # modulo a small prime, ranks drop often: each proof skipped makes one of these examples
    # claim a vector outside ker J or a bound below the exact rank
    check(*exceptions_case(seed, integers=True), p)


def test_vectors_the_other_families_miss():
    # over these cases the exceptions add independent vectors to the families before them, and
    # with them the structured kernel reaches the exact nullity at least once (the local
    # blocks' exchanges, which find most of them on cases this small, left out)
    added = closed = 0
    for seed in range(60):
        net, X = exceptions_case(seed)
        vectors = kernel_vectors(ShallowModular(net, X), P_TEST)
        others = np.vstack([K for name, K in vectors.items() if name not in
                            ("busy exceptions", "partial busy relations", "local blocks")])
        rank_others = len(rref_mod_p(others, P_TEST)[1])
        rank_all = len(rref_mod_p(np.vstack([others, vectors["busy exceptions"]]), P_TEST)[1])
        added += rank_all > rank_others
        nullity = net.n_parameters - local_dimension(net, X, method="exact")
        closed += rank_all == nullity > rank_others
    assert added and closed
