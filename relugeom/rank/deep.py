"""The local dimension of a deep network at scale: the exact Jacobian, streamed in blocks,
ranked modulo word-size primes with :mod:`relugeom.linalg.modular`.

Why the answer can be exact. The integer matrix A = J·diag(denominators) of
:func:`relugeom.rank.backprop.scaled_jacobian_blocks` has the rank of J. For a prime p,
rank_p(A) ≤ rank_Q(A) (a minor nonzero mod p is nonzero), and rank_Q(J) ≤ U with

    U = min(n·m, P − (n_1 + … + n_{L−1}))

(n·m rows; and each hidden neuron's rescaling direction lies in ker J). So when rank_p(A) = U
the value is **certified exact** (certificate ``"upper-bound"``). Otherwise the sharper, proven
bound of :func:`structural_upper_bound` (built from the layer structure of J; with its exact
local terms when needed), is tried (certificate ``"structure"``);
then, for a matrix small enough to hold, an exact factorization
identity (:func:`relugeom.linalg.modular.certify_rank_factorization`, certificate
``"factorization"``); failing all three the value is reported as a certified **lower bound**,
with the best proven upper bound beside it and ε bounding the probability (over the seeded
random primes) that it is below the true rank.

Memory: the Jacobian is never held whole: it is streamed along its longer side (columns when
n·m ≤ P), and the echelon basis mod p is rank × min(n·m, P) floats. Cost: one exact forward
and backward pass, then per prime about k·rank·min(n·m, P) multiply–adds in float64 BLAS,
where k ≤ max(n·m, P) is the number of vectors fed before the rank reaches its upper bound
(all of them when it does not).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Iterator, Sequence

import numpy as np

from .. import linalg
from ..exact.numbers import common_denominator
from ..linalg.certified import Bound, Rank
from ..linalg.modular import (EchelonModP, certify_rank_factorization, failure_probability,
                              log2_hadamard, random_primes, rank_mod_p)
from ..model.deep import as_deep, symmetry_bound
from ..model.network import Network
from ..model.patterns import ReluPrime
from ..model.sample import as_sample
from .backprop import (integer_pass, scaled_jacobian, scaled_jacobian_blocks,
                       scaled_jacobian_columns)
from .relations import BudgetExceeded, WorkBudget, choose_samples, exact_rank, local_columns

#: Largest Jacobian (entries) for which a rank below the upper bound is certified exactly.
CERTIFY_LIMIT = 4_000_000


def _log2_norms(vectors: np.ndarray) -> list[float]:
    """Upper bounds of log2 of each row's Euclidean norm (Hadamard's bound needs them)."""
    half_log2_length = 0.5 * math.log2(max(vectors.shape[1], 1))
    if vectors.dtype == object:
        bits = [max((abs(int(v)).bit_length() for v in row), default=0) for row in vectors]
    else:
        bits = [int(v).bit_length() for v in np.abs(vectors).max(axis=1)]
    return [b + half_log2_length for b in bits]


def _vectors(network: Network, sample: tuple, relu_prime_at_zero: ReluPrime, by_columns: bool,
             block: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(labels, vectors): nonzero columns of the scaled Jacobian (labels = θ indices) or rows
    (labels = row indices i·m + k), as rows of integer arrays, block by block."""
    if by_columns:
        for index, values in scaled_jacobian_columns(network, sample, relu_prime_at_zero,
                                                     block):
            keep = np.flatnonzero(values.any(axis=0))
            yield index[keep], values[:, keep].T
    else:
        start = 0
        samples = max(1, block // as_deep(network).output_dim)
        for part in scaled_jacobian_blocks(network, sample, relu_prime_at_zero, samples):
            A = part.numerators
            labels = np.arange(start, start + A.shape[0])
            start += A.shape[0]
            keep = np.flatnonzero(A.any(axis=1))
            yield labels[keep], A[keep]


def _exact_rank(M: np.ndarray) -> int:
    """rank_Q of an integer matrix (zero rows and columns dropped first)."""
    M = M[np.flatnonzero(M.any(axis=1))][:, np.flatnonzero(M.any(axis=0))]
    return linalg.rank(M.tolist(), M.shape[1]) if M.size else 0


def rank_upper_bound(M: np.ndarray, supports: Sequence[int] = (1, 2, 4, 8)) -> int:
    """A proven upper bound of rank_Q M for an integer matrix M.

    Exact (python-flint) when M has at most 64 nonzero columns. Otherwise, for each s in
    ``supports``, split the nonzero columns into B (at most s nonzero entries) and A (the
    rest); the columns B vanish outside the rows R they touch, so

        rank M ≤ rank M[:, A] + rank M[:, B] ≤ |A| + rank_Q M[R, B],

    the last rank exact on a small matrix. The best of these, and of the number of nonzero
    rows, is returned. It is tight when the column dependencies of M are local (e.g. MNIST
    pixels lit in only a few images), which is the common case for image data.
    """
    M = M[np.flatnonzero(M.any(axis=1))][:, np.flatnonzero(M.any(axis=0))]
    if M.shape[1] <= 64:
        return _exact_rank(M)
    best = min(M.shape)
    support = (M != 0).sum(axis=0)
    for s in supports:
        B, A = np.flatnonzero(support <= s), np.flatnonzero(support > s)
        R = np.flatnonzero((M[:, B] != 0).any(axis=1))
        best = min(best, len(A) + _exact_rank(M[np.ix_(R, B)]))
    return best


def structural_upper_bound(network: Network, X: Any, relu_prime_at_zero: ReluPrime = "error",
                           seed: int = 0, local: bool = False) -> int:
    """A proven upper bound of the local dimension from the layer structure of J.

    Let C_l be the span of the columns of layer l (W_l and b_l). Neuron j of layer l
    contributes the columns G_l[:, j] ⊙ h̃_{l−1}, h̃ = (h, 1), which vanish on the samples S_lj
    where G_l[(i, ·), j] = 0, so dim C_l ≤ Σ_j ρ_lj with ρ_lj = rank h̃_{l−1}[S_lj] (bounded
    by :func:`rank_upper_bound`). The vector y_lj = G_l[:, j] ⊙ z_lj is in C_l (it is the block
    applied to (row j of W_l, b_lj)) and in C_{l+1} (by the rescaling identity J·r_lj = 0), so
    dim(C_l ∩ C_{>l}) ≥ rank Y_l ≥ its rank mod p, where Y_l holds the y_lj and the bias
    columns that also lie in C_{l+1} (:func:`_bias_in_next_layer`). Hence, layer after layer,

        rank J ≤ Σ_{l=1..L} Σ_j ρ_lj − Σ_{l=1..L−1} rank_p Y_l.

    With ``local=True`` the bound is lowered further by the exact local terms of
    :func:`_local_gain` (relations and intersections on a set of samples; python-flint).

    Cost: one integer pass, exact ranks of small matrices, n_1 + … + n_L column-support scans
    (and, with ``local``, one exact kernel per neuron and exact ranks on the chosen samples).
    """
    bounds = _structural_bounds(network, X, relu_prime_at_zero, seed)
    value = next(bounds)
    return next(bounds) if local else value


def _structural_bounds(network: Network, X: Any, relu_prime_at_zero: ReluPrime,
                       seed: int) -> Iterator[int]:
    """The structural bound, then (computed only when asked for) the bound less
    :func:`_local_gain`; both from one integer pass, with the same Y_l mod p."""
    deep, exact, layers = _layers(network, X, relu_prime_at_zero)
    p = random_primes(1, seed=seed + 1)[0]
    bound = 0
    meeting = {}  # l → (Y_l mod p, its rank)
    for l, H_tilde, G, used in layers:
        for j in range(G.shape[1]):
            if used[:, j].any():
                bound += rank_upper_bound(H_tilde[used[:, j]])
        if l < deep.depth:
            Y = np.remainder(_meeting_vectors(deep, exact, l, G), p).astype(np.float64)
            meeting[l] = (Y, rank_mod_p(Y, p))
            bound -= meeting[l][1]
    yield bound
    yield bound - _local_gain(deep, exact, p, meeting)


def _meeting_vectors(deep: Any, exact: Any, l: int, G: np.ndarray) -> np.ndarray:
    """Y_l, as rows: vectors of C_l ∩ C_{l+1} (the y_lj and the bias columns of
    :func:`_bias_in_next_layer`)."""
    Z = exact.preactivations[l - 1][0]
    Y = _object_product(G, np.repeat(Z, deep.output_dim, axis=0)).T
    return np.vstack([Y] + [G[:, j][None, :] for j in _bias_in_next_layer(deep, exact, l)])


def _bias_in_next_layer(deep: Any, exact: Any, l: int) -> list[int]:
    """Neurons j of hidden layer l whose bias column also lies in C_{l+1}.

    ∂f/∂z_lj = s_lj ⊙ Σ_k W_{l+1}[k, j] ∂f/∂z_{l+1,k}; when the sum vanishes on every sample
    where s_lj = 0 (always when j is active on every sample), the bias column ∂f/∂b_lj is
    that combination of the bias columns of layer l + 1. Checked exactly (integers).
    """
    S = np.asarray(exact.patterns[l - 1]).astype(bool)
    G_next = exact.gradients[l]
    W_next = deep.layers[l][0]
    p = random_primes(1, seed=l)[0]
    G_mod = np.remainder(G_next, p).astype(np.float64)
    out = []
    for j in range(S.shape[1]):
        off = np.repeat(~S[:, j], deep.output_dim)
        column = [Fraction(row[j]) for row in W_next]
        scale = common_denominator(column)
        w = np.array([int(q * scale) for q in column], dtype=object)
        if not off.any():
            out.append(j)
            continue
        if np.remainder(G_mod[off] @ np.remainder(w, p).astype(np.float64), p).any():
            continue  # nonzero mod p, so nonzero: no exact product needed
        if not (G_next[off].astype(object) @ w != 0).any():
            out.append(j)
    return out


def _layers(network: Network, X: Any, relu_prime_at_zero: ReluPrime) -> tuple[Any, Any, Iterator]:
    """The network as deep, its integer pass, and (l, h̃_{l−1} as integers, G_l, used) per
    layer, lazily; used[i, j]: sample i reaches neuron j."""
    deep = as_deep(network)
    exact = integer_pass(deep, X, relu_prime_at_zero)
    return deep, exact, _layer_blocks(deep, exact)


def _layer_blocks(deep: Any, exact: Any) -> Iterator[tuple]:
    n, m = exact.activations[0][0].shape[0], deep.output_dim
    for l in range(1, deep.depth + 1):
        H, delta = exact.activations[l - 1]
        H_tilde = _compact_int(np.hstack([H.astype(object), np.full((n, 1), delta, dtype=object)]))
        G = exact.gradients[l - 1]
        yield l, H_tilde, G, (G.reshape(n, m, -1) != 0).any(axis=1)


def _local_gain(deep: Any, exact: Any, p: int, meeting: dict) -> int:
    """How much the structural bound is lowered by exact arguments on a set T of samples (chosen
    as in :func:`relugeom.rank.relations.choose_samples`, over all layers). ``meeting``:
    l → (Y_l mod p, the rank the structural bound subtracted).

    With Φ_lj(u) = Σ_i u_i e_i ⊗ g_ilj (g_ilj ∈ Q^m the block of G_l[:, j] at sample i),
    C_l = Σ_j Φ_lj(U_lj), U_lj = colspace h̃_{l−1}[S_lj]. Let A_l = Σ_j Φ_lj(U_lj ∩ E_T) ⊆ C_l
    (E_T: vectors supported on T) and B_l = A_{l+1} + … + A_L ⊆ C_{>l}. Then

    - (relations) dim C_l ≤ Σ_j ρ_lj − dim R_l, R_l ⊇ the relations among the Φ_lj(U_lj ∩ E_T),
      of dimension (number of columns of A_l) − dim A_l;
    - (meeting) dim(C_l ∩ C_{>l}) ≥ dim(A_l ∩ B_l) + rank(Y_l restricted to the samples outside
      T), Y_l the vectors of :func:`structural_upper_bound`: span Y_l + A_l ∩ B_l lies in
      C_l ∩ C_{>l}, and span Y_l meets E_T ⊗ Q^m (where A_l ∩ B_l lives) in dimension
      rank Y_l − rank Y_l|_{T^c}.

    All dimensions of A's and B's are exact (:func:`relugeom.rank.relations.exact_rank`); ranks of
    Y are ranks mod p, lower bounds.
    """
    m = deep.output_dim
    data = []
    for l, H_tilde, G, used in _layer_blocks(deep, exact):
        n = H_tilde.shape[0]
        families = [(used[:, j], [G[:, j].reshape(n, m)]) for j in range(G.shape[1])
                    if used[:, j].any()]
        data.append((l, H_tilde, families))
    T = np.zeros(n, bool)
    for _, H_tilde, families in data:
        T |= choose_samples(H_tilde, [act for act, _ in families], m, p)
    budget = WorkBudget()
    try:
        columns = {l: local_columns(H_tilde, families, T, p, budget)
                   for l, H_tilde, families in data}
        dims = {l: exact_rank(cols, m, budget, p) for l, cols in columns.items()}
    except BudgetExceeded:  # the exact local terms would take too long: no gain claimed
        return 0
    gain = sum(len(columns[l]) - dims[l] for l in columns)
    for l, (Y, rank_Y) in meeting.items():
        later = [c for k in range(l + 1, deep.depth + 1) for c in columns[k]]
        if not columns[l] or not later:
            continue
        try:
            meet = dims[l] + exact_rank(later, m, budget, p) - \
                exact_rank(columns[l] + later, m, budget, p)
        except BudgetExceeded:
            continue
        if meet:
            outside = rank_mod_p(Y[:, np.repeat(~T, m)], p)
            gain += max(0, meet + outside - rank_Y)
    return gain


def _object_product(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    return A.astype(object) * B.astype(object)


def _compact_int(A: np.ndarray) -> np.ndarray:
    """int64 when it fits (faster scans), else Python integers."""
    if A.size and max(abs(int(A.max())), abs(int(A.min()))) < 2 ** 62:
        return A.astype(np.int64)
    return A


def modular_local_dimension(network: Network, X: Any, *, relu_prime_at_zero: ReluPrime = "error",
                            primes: int = 1, seed: int = 0, block: int = 1024,
                            certify: bool = True) -> Rank:
    """rank J(θ, X) of a shallow or deep network from ranks modulo random 21-bit primes.

    Returns a :class:`~relugeom.linalg.certified.Rank`: ``value``, ``exact`` and the
    ``certificate`` that makes it exact (see the module docstring), or ``"probabilistic"``
    with ``epsilon``. The maximum over ``primes`` primes is taken. The Jacobian is streamed
    along its longer side (columns when n·m ≤ P), ``block`` vectors at a time, and the
    elimination stops as soon as the rank reaches the upper bound.

    >>> from relugeom import DeepNetwork
    >>> net = DeepNetwork.random([3, 4, 4, 2], seed=1)
    >>> r = modular_local_dimension(net, [[1, 2, 0], [0, 1, 1], [2, 0, 1]], relu_prime_at_zero=0)
    >>> r.value, r.exact, r.certificate
    (6, True, 'upper-bound (min(n·m, P − hidden neurons))')
    """
    deep = as_deep(network)
    sample = as_sample(X, deep.input_dim)
    n_rows, P = len(sample) * deep.output_dim, deep.n_parameters
    distinct = len(set(sample)) * deep.output_dim  # equal samples give equal rows of J
    upper = min(n_rows, distinct, symmetry_bound(deep))
    by_columns = n_rows <= P
    chosen = random_primes(primes, seed=seed)
    echelons = [EchelonModP(p, n_rows if by_columns else P) for p in chosen]
    labels: list[int] = []
    log2_norms: list[float] = []
    for names, vectors in _vectors(network, sample, relu_prime_at_zero, by_columns, block):
        if not len(names):
            continue
        labels += names.tolist()
        log2_norms += _log2_norms(vectors)
        for E in echelons:
            E.add(np.remainder(vectors, E.p).astype(np.float64))
        if any(E.rank >= upper for E in echelons):
            break  # one prime reaching the proven bound certifies the rank
    best = max(echelons, key=lambda E: E.rank)
    found = {"primes": tuple(chosen), "matrix_shape": (n_rows, P), "jacobian_shape": (n_rows, P),
             "relu_prime_at_zero": str(relu_prime_at_zero)}
    bounds = [Bound("min(n·m, P − hidden neurons)", min(n_rows, symmetry_bound(deep)))]
    if distinct < bounds[0].value:
        bounds.insert(0, Bound("distinct samples", distinct, "m · (number of distinct samples)"))

    def certified(certificate: str, detail: str) -> Rank:
        return Rank(best.rank, "modular", True, certificate, detail, best.rank,
                    min(b.value for b in bounds), tuple(bounds), epsilon=0.0, **found)

    if best.rank >= upper:
        return certified(f"upper-bound ({bounds[0].name})",
                         f"rank mod p = {best.rank} = {bounds[0].name} bound")
    if certify:
        structural = _structural_bounds(network, sample, relu_prime_at_zero, seed)
        structure = next(structural)
        if best.rank < min(upper, structure):  # the local terms only when they can matter
            structure = next(structural)
        bounds.append(Bound("layer structure", structure,
                            "relugeom.rank.deep.structural_upper_bound"))
        if best.rank >= structure:
            return certified("upper-bound (layer structure)",
                             f"rank mod p = {best.rank} = the layer-structure bound "
                             "(relugeom.rank.deep.structural_upper_bound)")
        upper = min(upper, structure)
    if certify and n_rows * P <= CERTIFY_LIMIT:
        A = scaled_jacobian(network, sample, relu_prime_at_zero).numerators
        independent = [labels[i] for i in best.independent]
        # every column (row) of A is an exact combination of the independent ones: rank_Q ≤ r
        if certify_rank_factorization(A if by_columns else A.T, best.pivots, independent,
                                      seed=seed):
            return certified("factorization", "J is an exact combination of the pivot columns")
    eps = failure_probability(log2_hadamard(log2_norms, best.rank + 1), len(chosen))
    return Rank(best.rank, "modular", False, "probabilistic",
                f"certified {best.rank} ≤ rank ≤ {upper}; below the true rank with probability "
                f"≤ {eps:.3g}", best.rank, upper, tuple(bounds), epsilon=eps, **found)
