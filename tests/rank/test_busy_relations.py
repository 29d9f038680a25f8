"""The busy relations (relugeom.rank.busy_relations): every vector is in ker J mod p (J from the
exact Jacobian, reduced mod p), the count they prove never exceeds the exact nullity (exact
elimination), also modulo small primes where ranks drop, and a wrong pattern is caught."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from relugeom import ShallowNetwork, jacobian, linalg, local_dimension
from relugeom.exact.arrays import reduce_mod
from relugeom.linalg.modular import matmul_mod, rref_mod_p
from relugeom.model.sample import as_sample
from relugeom.rank import busy_relations as busy
from relugeom.rank.backprop import scaled_jacobian
from relugeom.rank.busy_relations import _relations, busy_relations
from relugeom.rank.shallow import ShallowModular
from relugeom.rank.structured_kernel import _Theta, kernel_vectors, structured_kernel

from .test_structured_kernel import P_TEST, mod_p, wt_mod_p


def busy_case(seed: int, float32: bool, integers: bool = False):
    """Neurons active on most samples (large positive biases) and some on fewer, more neurons
    than outputs; float weights (float32 or float64), or small integers."""
    rng = np.random.default_rng(seed)
    d, m = int(rng.integers(2, 6)), int(rng.integers(1, 4))
    N, n = m + int(rng.integers(2, 7)), int(rng.integers(4, 18))
    if integers:
        W, X = rng.integers(-3, 4, (N, d)), rng.integers(-3, 4, (n, d))
        b = np.where(rng.random(N) < 0.7, 9, rng.integers(-2, 3, N)) * 2 + 1  # odd: z ≠ 0
        X = 2 * X  # even x, odd b: no sample on a hyperplane
        V, c = rng.integers(-3, 4, (m, N)), rng.integers(-3, 4, m)
        return ShallowNetwork.from_numpy(W, b, V, c), X
    cast = (lambda A: A.astype(np.float32).astype(float)) if float32 else (lambda A: A)
    W = cast(rng.normal(0, 1, (N, d)))
    b = cast(np.where(rng.random(N) < 0.7, rng.uniform(1.5, 3.0, N), rng.normal(0, 1, N)))
    V, c = cast(rng.normal(size=(m, N))), cast(rng.normal(size=m))
    return ShallowNetwork.from_numpy(W, b, V, c), rng.normal(size=(n, d))


def exact_rank_and_residues(net: ShallowNetwork, X, p: int) -> tuple[int, np.ndarray]:
    """rank J by exact elimination, and J mod p (object integers)."""
    J = jacobian(net, as_sample(X, net.input_dim))
    return linalg.rank(J, net.n_parameters), mod_p(J, p).astype(object)


def in_kernel(Jp: np.ndarray, K: np.ndarray, p: int) -> bool:
    return not (Jp.dot(K.astype(np.int64).astype(object).T) % p).any()


def family(case: ShallowModular, p: int, vectors=busy_relations) -> np.ndarray:
    """The vectors mod p of one family function (the busy relations by default), stacked."""
    theta = _Theta(case.d, case.N, case.m)
    return np.vstack(list(vectors(case, p, theta, case.residues(p), wt_mod_p(case, p)))
                     or [np.zeros((0, theta.P))])


@given(st.integers(0, 10_000), st.booleans())
def test_vectors_in_the_kernel_and_count_below_the_exact_nullity(seed, float32):
    net, X = busy_case(seed, float32)
    exact, Jp = exact_rank_and_residues(net, X, P_TEST)
    case = ShallowModular(net, X)
    K = family(case, P_TEST)
    assert in_kernel(Jp, K, P_TEST)
    assert len(rref_mod_p(K, P_TEST)[1]) <= net.n_parameters - exact  # independent over Q
    assert structured_kernel(case, P_TEST).upper >= exact


@given(st.integers(0, 10_000), st.sampled_from([3, 5, 7, 11]))
@example(28, 3)    # C of full row rank over Q, not mod 3: its vectors must not be claimed
@example(34, 3)
@example(161, 3)   # X̃ on inactive samples: rank mod p below the rank over Q
@example(117, 7)
def test_small_primes_never_claim_too_much(seed, p):
    # modulo a small prime, ranks of V_A, of X̃ on inactive samples and of C drop often: a
    # vector claimed without its rank over Q proven shows as a bound below the exact rank
    # (the examples do, when either proof is skipped)
    net, X = busy_case(seed, False, integers=True)
    exact, Jp = exact_rank_and_residues(net, X, p)
    case = ShallowModular(net, X)
    assert in_kernel(Jp, family(case, p), p)
    assert structured_kernel(case, p).upper >= exact


def closing_case():
    # eight neurons active on all but two of 40 samples each, three outputs: ker V_A has
    # dimension 5
    rng = np.random.default_rng(1)
    d, N, m, n = 5, 8, 3, 40
    W = rng.normal(size=(N, d))
    X = rng.normal(size=(n, d))
    z = np.sort(X @ W.T, axis=0)
    b = -(z[1] + z[2]) / 2  # each neuron inactive on two samples
    net = ShallowNetwork.from_numpy(W, b, rng.normal(size=(m, N)), rng.normal(size=m))
    return net, X


def test_busy_relations_close_the_kernel_without_group_relations():
    # with the cheaper families the busy relations reach P − rank (exact elimination); the
    # cheaper families alone do not
    net, X = closing_case()
    vectors = kernel_vectors(ShallowModular(net, X), P_TEST)
    cheaper = [K for name, K in vectors.items() if name not in ("busy relations",
                                                                "group relations",
                                                                "busy exceptions")]
    nullity = net.n_parameters - local_dimension(net, X, method="exact")
    rank = len(rref_mod_p(np.vstack(cheaper + [vectors["busy relations"]]), P_TEST)[1])
    assert rank == nullity > len(rref_mod_p(np.vstack(cheaper), P_TEST)[1])


def test_digits_with_float32_weights():
    # sklearn digits and He-initialised float32 weights (their exact binary values), the
    # benchmark's [64, 32, 10] shape on 120 samples: the vectors are in ker J mod p, J the
    # exact Jacobian (integer columns over their denominators) reduced mod p
    from sklearn.datasets import load_digits

    rng = np.random.default_rng(3)
    f32 = (lambda A: A.astype(np.float32).astype(float))
    W, b = f32(rng.normal(0, np.sqrt(2 / 64), (32, 64))), f32(rng.normal(0, 0.1, 32))
    V, c = f32(rng.normal(0, np.sqrt(2 / 32), (10, 32))), f32(rng.normal(0, 0.1, 10))
    X = load_digits().data[rng.permutation(1797)[:120]] / 16
    net = ShallowNetwork.from_numpy(W, b, V, c)
    K = family(ShallowModular(net, X), P_TEST)
    assert len(K) > 100
    J = scaled_jacobian(net, X)
    inverse = np.array([pow(int(q), -1, P_TEST) for q in J.denominators], dtype=float)
    Jp = np.remainder(reduce_mod(J.numerators, P_TEST).astype(float) * inverse, P_TEST)
    assert not matmul_mod(Jp, K.T, P_TEST).any()


def test_a_wrong_pattern_gives_vectors_outside_the_kernel():
    # a busy neuron's inactive sample taken as active: its pair is no longer a row of C, and
    # some vector fails J·K = 0 (the test above would catch such a bug)
    net, X = closing_case()
    case = ShallowModular(net, X)
    i, j = map(int, np.argwhere(~case.S)[0])
    case.S = case.S.copy()
    case.S[i, j] = True
    assert not in_kernel(exact_rank_and_residues(net, X, P_TEST)[1], family(case, P_TEST), P_TEST)


def dependent_case(seed: int, integers: bool = False):
    """A₀ (active on every sample) with fewer neurons than outputs, the other neurons inactive
    on about d samples each: their U_j meet in ker T, so C has dependent rows (module
    docstring of busy_relations, "Dependent rows"). Floats, or small integers."""
    rng = np.random.default_rng(seed)
    d, m = int(rng.integers(4, 7)), int(rng.integers(2, 4))
    a0 = int(rng.integers(1, m))
    N, n = m + 2, int(rng.integers(2 * d, 3 * d))
    if integers:
        W, X = rng.integers(-3, 4, (N, d)), 2 * rng.integers(-3, 4, (n, d))
    else:
        W, X = rng.normal(size=(N, d)), rng.normal(size=(n, d))
    z = np.sort(X @ W.T, axis=0)
    off, cols = rng.integers(d - 1, d + 1, N), np.arange(N)
    b = np.where(cols < a0, 1 - z[0], -(z[off - 1, cols] + z[off, cols]) / 2)
    if integers:  # odd biases, even samples: no sample on a hyperplane
        b = 2 * np.floor(b / 2) + 1
        return ShallowNetwork.from_numpy(W, b, rng.integers(-3, 4, (m, N)),
                                         rng.integers(-3, 4, m)), X
    return ShallowNetwork.from_numpy(W, b, rng.normal(size=(m, N)), rng.normal(size=m)), X


def rational(q):
    import sympy

    return sympy.Rational(*Fraction(q).as_integer_ratio())


def exact_busy_system(net: ShallowNetwork, X, A, I: dict, lines) -> list:
    """C over Q (sympy rationals), built from its definition with an exact basis Λ of ker V_A
    and the right inverse G = V_Aᵀ(V_A V_Aᵀ)⁻¹: any basis and right inverse give C up to an
    invertible change of unknowns, so the same rank."""
    import sympy

    m = net.output_dim
    VA = sympy.Matrix([[rational(net.V[k][j]) for j in A] for k in range(m)])
    Lam = sympy.Matrix.hstack(*VA.nullspace()).T  # k × |A|
    G = VA.T * (VA * VA.T).inv()
    A0 = [t for t in A if not len(I[t])]
    Xt = [[rational(q) for q in list(x) + [1]] for x in np.asarray(X).tolist()]
    Wt = [[rational(w) for w in list(net.W[t]) + [net.b[t]]] for t in range(net.hidden_width)]
    rows = []
    for q, j in enumerate(A):
        for i in I[j]:
            x = [Xt[i][l] for l in lines]
            z = [sum(w * xl for w, xl in zip(Wt[t], Xt[i])) for t in A0]
            rows.append([x[l] * Lam[c, q] for l in range(len(lines)) for c in range(Lam.rows)]
                        + [-z[s] * G[q, k] for s in range(len(A0)) for k in range(m)]
                        + [-G[q, k] for k in range(m)])
    return rows


def inactive_bases(case: ShallowModular, X, lines) -> dict:
    """Per neuron, samples whose x̃ (on ``lines``) are a basis over Q of those it is inactive
    on (sympy's echelon form: independent of the code's mod-p choice)."""
    import sympy

    out = {}
    for j in range(case.N):
        inactive = np.flatnonzero(~case.S[:, j])
        M = sympy.Matrix([[rational(q) for q in list(X[i]) + [1]] for i in inactive])
        out[j] = inactive[list(M[:, list(lines)].T.rref()[1])] if len(inactive) else inactive
    return out


@given(st.integers(0, 10_000), st.booleans())
def test_dependent_rows_never_claim_too_much(seed, integers):
    net, X = dependent_case(seed, integers)
    p = P_TEST if not integers else 7
    exact, Jp = exact_rank_and_residues(net, X, p)
    case = ShallowModular(net, X)
    K = family(case, p)
    assert in_kernel(Jp, K, p)
    assert len(rref_mod_p(K, p)[1]) <= net.n_parameters - exact
    assert structured_kernel(case, p).upper >= exact


@pytest.mark.parametrize("seed", [2, 3, 8, 10, 17, 40])
def test_relations_of_the_rows_against_the_exact_system(seed):
    # Theorem ("Dependent rows"): rank_Q C ≤ rows − dim 𝒟, C built here over Q from its
    # definition; on these cases C has such relations and the bound is attained (seeds 10,
    # 17, 40: two outputs beyond A₀'s, so 𝒟 mixes two pivot neurons)
    net, X = dependent_case(seed)
    case = ShallowModular(net, X)
    lines = np.arange(net.input_dim + 1)
    A = list(range(net.hidden_width))
    I = inactive_bases(case, X, lines)
    pivots = rref_mod_p(case.residues(P_TEST)["V"][:, A], P_TEST)[1]  # V_B nonsingular
    relations = _relations(case, P_TEST, np.array(A), pivots, I, lines)
    C = exact_busy_system(net, X, A, I, lines)
    assert relations > 0
    assert linalg.rank(C) == len(C) - relations


@pytest.mark.parametrize("seed", [2, 3, 8])
def test_busy_vectors_of_a_system_with_dependent_rows(seed, monkeypatch):
    # the proof of the dependent rows is what lets these vectors be claimed
    net, X = dependent_case(seed)
    claimed = len(family(ShallowModular(net, X), P_TEST))
    monkeypatch.setattr(busy, "_relations", lambda *args: 0)
    assert claimed > len(family(ShallowModular(net, X), P_TEST)) == 0
