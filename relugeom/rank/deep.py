"""The local dimension of a deep network at scale: J modulo word-size primes, streamed in
blocks, ranked with :mod:`relugeom.linalg.modular`, at float speed for float weights.

How J mod p is obtained. The activation patterns are exact, from a float64 pass with a proven
error bound (:mod:`relugeom.rank.float_filter`; the exact integer pass only for the samples it
cannot decide), and then J mod p is computed from the residues of θ and X
(:mod:`relugeom.rank.modular_pass`): no big integer and no Fraction, whatever the
denominators of float weights (2^-52…) and of the sample (floats, pixels / 255).

Why the answer can be exact. For a prime p dividing no denominator, rank_p(J) ≤ rank_Q(J) (a
minor nonzero mod p is nonzero), and rank_Q(J) ≤ U with

    U = min(n·m, m·(distinct samples), P − (n_1 + … + n_{L−1}))

(n·m rows, equal rows for equal samples — and for samples inactive on a whole layer, see
:func:`_distinct_samples` — and each hidden neuron's rescaling direction lies in ker J). So
when rank_p(J) = U the value is **certified exact** (certificate ``"upper-bound"``). Otherwise
the regions bound (:func:`regions_bound`: samples sharing every pattern, on a low-dimensional
affine span) is tried, then the sharper, proven bound of the layer structure of J
(certificate ``"upper-bound (layer structure)"``): first from the float pass and J mod p
(:func:`layer_structure_bound`), then exactly (:func:`structural_upper_bound`, with its exact
local terms when needed); then, for a matrix small enough to hold, an exact factorization
identity (:func:`relugeom.linalg.modular.certify_rank_factorization`, certificate
``"factorization"``); failing all of them the value is reported as a certified **lower
bound**, with the best proven upper bound beside it and ε bounding the probability (over the
seeded random primes) that it is below the true rank (Hadamard's bound from the float pass:
:func:`log2_column_norms`).

Memory: the Jacobian is never held whole: it is streamed along its longer side (columns when
n·m ≤ P), and the echelon basis mod p is rank × min(n·m, P) floats (a small J, at most
:data:`SMALL_ENTRIES` entries and :data:`SMALL_SIDE` rows or columns, is projected and ranked
whole by python-flint first). Cost: a float forward pass with its error bound, a forward and
backward pass mod p, then per prime about k·rank·min(n·m, P) multiply–adds in float64 BLAS,
where k ≤ max(n·m, P) is the number of vectors fed before the rank reaches its upper bound
(all of them when it does not).
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from ..exact.arrays import PrimeDividesDenominator, float_integers
from ..exact.numbers import common_denominator
from ..linalg import integer
from ..linalg.certified import Bound, Rank
from ..linalg.modular import (EchelonModP, certify_rank_factorization, failure_probability,
                              log2_hadamard, random_primes, rank_mod_p)
from ..linalg.nmod import projected_rank
from ..linalg.quiet import quiet
from ..model.deep import as_deep, symmetry_bound
from ..model.network import Network
from ..model.patterns import ReluPrime, check_relu_prime, distinct_rows
from .backprop import integer_pass, scaled_jacobian
from .float_certificate import (FLOAT_ENTRIES, GRAM_ROWS, certified_rank, distinct_samples,
                                float_gram_rank)
from .float_filter import filter_pass, float_jacobian, layer_arrays, row_gram, sample_array
from .modular_pass import ModularJacobian, log2_denominator
from .relations import BudgetExceeded, WorkBudget, choose_samples, exact_rank, local_columns

#: Largest Jacobian (entries) for which a rank below the upper bound is certified exactly.
CERTIFY_LIMIT = 4_000_000
#: A Jacobian with at most SMALL_ENTRIES entries and SMALL_SIDE rows or columns is first
#: projected to a square matrix and ranked in one python-flint call (C speed for the small
#: cases, where a float64 elimination pays a Python step per pivot).
SMALL_ENTRIES, SMALL_SIDE = 1_000_000, 200
#: Above this many entries, the float Gram bound is first tried on a narrow set of columns of J
#: (below, one try on all of them costs less than a failed narrow try and a second one).
NARROW_ENTRIES = 50_000
#: Primes drawn beyond those asked for, to replace any that divides a denominator.
_SPARE_PRIMES = 4


def _exact_rank(M: np.ndarray) -> int:
    """rank_Q of an integer matrix (zero rows and columns dropped first)."""
    M = M[np.flatnonzero(M.any(axis=1))][:, np.flatnonzero(M.any(axis=0))]
    return integer.rank(M) if M.size else 0


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
                            certify: bool = True, float_gram: bool = False) -> Rank:
    """rank J(θ, X) of a shallow or deep network from ranks modulo random 21-bit primes.

    Returns a :class:`~relugeom.linalg.certified.Rank`: ``value``, ``exact`` and the
    ``certificate`` that makes it exact (see the module docstring), or ``"probabilistic"``
    with ``epsilon``. The maximum over ``primes`` primes is taken. ``X``: rows of exact
    numbers, a float or integer array (floats are their exact binary values) or a
    :class:`~relugeom.exact.arrays.RationalArray`. The patterns come from the float filter
    (:mod:`relugeom.rank.float_filter`), J mod p from residues
    (:mod:`relugeom.rank.modular_pass`): no big integer and no Fraction on the way. J is
    streamed along its longer side (columns when n·m ≤ P), ``block`` vectors at a time, and the
    elimination stops as soon as the rank reaches the upper bound. With ``float_gram`` (the
    front door's "auto"), the float Gram bound (:mod:`relugeom.rank.float_certificate`) is
    tried first (:func:`_float_gram`: on the Gram matrix of J's rows computed from the layer
    structure, :func:`~relugeom.rank.float_filter.row_gram`, when there are at most
    GRAM_ROWS rows): when it proves U rows (or columns) of J independent, the rank is U with
    no prime at all (certificate ``"upper-bound (<bound>) with float Gram lower bound"``);
    otherwise the modular path runs as without it.

    >>> from relugeom import DeepNetwork
    >>> net = DeepNetwork.random([3, 4, 4, 2], seed=1)
    >>> r = modular_local_dimension(net, [[1, 2, 0], [0, 1, 1], [2, 0, 1]], relu_prime_at_zero=0)
    >>> r.value, r.exact, r.certificate
    (6, True, 'upper-bound (min(n·m, P − hidden neurons))')
    """
    deep = as_deep(network)
    convention = check_relu_prime(relu_prime_at_zero)
    A, exact_floats = sample_array(X, deep.input_dim)
    arrays = layer_arrays(network)
    passed = filter_pass(deep, arrays, A, exact_floats, convention)
    n_rows, P = A.shape[0] * deep.output_dim, arrays.offsets[-1]
    distinct, merged, representatives = _distinct_samples(A, exact_floats, passed.patterns)
    distinct *= deep.output_dim  # equal samples give equal rows of J
    symmetries = symmetry_bound(deep)
    upper = min(n_rows, distinct, symmetries)
    by_columns = n_rows <= P
    bounds = [Bound("min(n·m, P − hidden neurons)", min(n_rows, symmetries))]
    if distinct < bounds[0].value:
        bounds.insert(0, Bound("distinct samples", distinct, "m · (number of distinct samples" + (
            f"; the {merged} samples inactive on a whole hidden layer counted once per such "
            "layer)" if merged else ")")))
    regions: list[Bound] = []

    def sharper() -> Bound:  # the regions bound, computed once, when it can matter
        if not regions:
            regions.append(Bound("regions", regions_bound(A, passed.patterns, representatives,
                                                          deep.output_dim, exact_floats),
                                 "m · Σ over the regions (patterns) of rank X̃ of their samples"))
        return regions[0]

    if float_gram:
        # one row block per class of equal rows, when the bound counts exactly those
        rows = representatives if bounds[0].name == "distinct samples" else None
        proven = _float_gram(deep, arrays, passed, bounds, rows, more=sharper,
                             relu_prime_at_zero=str(convention))
        if proven:
            return proven
    ranks, chosen = [], []
    for p in random_primes(primes + _SPARE_PRIMES, seed=seed):
        if len(chosen) == primes:
            break
        try:
            J = ModularJacobian(deep, arrays, A, passed, p)
        except PrimeDividesDenominator:
            continue  # another prime: this one divides a denominator of θ or X
        chosen.append(p)
        ranks.append(_eliminate(J, by_columns, block, upper, n_rows if by_columns else P))
        if ranks[-1][0] >= upper:
            break  # one prime reaching the proven bound certifies the rank
    rank, best, labels = max(ranks, key=lambda found: found[0])
    found = {"primes": tuple(chosen), "matrix_shape": (n_rows, P), "jacobian_shape": (n_rows, P),
             "relu_prime_at_zero": str(convention)}

    def certified(certificate: str, detail: str) -> Rank:
        return Rank(rank, "modular", True, certificate, detail, rank,
                    min(b.value for b in bounds), tuple(bounds), epsilon=0.0, **found)

    if rank >= upper:
        return certified(f"upper-bound ({bounds[0].name})",
                         f"rank mod p = {rank} = {bounds[0].name} bound")
    if sharper().value < upper:
        bounds.insert(0, sharper())
        upper = sharper().value
        if rank >= upper:
            return certified("upper-bound (regions)", f"rank mod p = {rank} = regions bound "
                             "(relugeom.rank.deep.regions_bound)")
    if certify and arrays.clean:  # first the structure bound from the float pass and J mod p
        quick = layer_structure_bound(deep, arrays, A, passed, J)
        if rank >= quick:
            bounds.append(Bound("layer structure", quick, "relugeom.rank.deep."
                                "layer_structure_bound (supports and ranks mod p)"))
            return certified("upper-bound (layer structure)",
                             f"rank mod p = {rank} = the layer-structure bound "
                             "(relugeom.rank.deep.layer_structure_bound)")
    sample = _exact_rows(X, A, exact_floats) if certify else None  # for the exact certificates
    if certify:
        structural = _structural_bounds(network, sample, convention, seed)
        structure = next(structural)
        if rank < min(upper, structure):  # the local terms only when they can matter
            structure = next(structural)
        bounds.append(Bound("layer structure", structure,
                            "relugeom.rank.deep.structural_upper_bound"))
        if rank >= structure:
            return certified("upper-bound (layer structure)",
                             f"rank mod p = {rank} = the layer-structure bound "
                             "(relugeom.rank.deep.structural_upper_bound)")
        upper = min(upper, structure)
    if certify and n_rows * P <= CERTIFY_LIMIT:
        M = scaled_jacobian(network, sample, convention).numerators
        independent = [labels[i] for i in best.independent]
        # every column (row) of M is an exact combination of the independent ones: rank_Q ≤ r
        if certify_rank_factorization(M if by_columns else M.T, best.pivots, independent,
                                      seed=seed):
            return certified("factorization", "J is an exact combination of the pivot columns")
    log2_minor = log2_hadamard(log2_column_norms(deep, arrays, A, passed), rank + 1)
    # beyond float range the bound says nothing: ε = 1
    eps = failure_probability(log2_minor, len(chosen)) if math.isfinite(log2_minor) else 1.0
    return Rank(rank, "modular", False, "probabilistic",
                f"certified {rank} ≤ rank ≤ {upper}; below the true rank with probability "
                f"≤ {eps:.3g}", rank, upper, tuple(bounds), epsilon=eps, **found)


def _float_gram(deep: Any, arrays: Any, passed: Any, bounds: list, samples: Any,
                more: Callable[[], Bound] | None = None, **fields) -> Rank | None:
    """The float Gram bound (:mod:`relugeom.rank.float_certificate`) for the smallest U of
    ``bounds``, on the rows of ``samples`` (all when None); None when it proves nothing.

    Up to GRAM_ROWS rows, when there are at most P, on the Gram matrix of those rows computed
    from the layer structure (:func:`~relugeom.rank.float_filter.row_gram`: J is never formed);
    otherwise on the columns of :func:`~relugeom.rank.float_filter.float_jacobian` (the float
    Gram bound then takes the smaller side), first on about 2·U + 16 of them (last layers
    first) when J has more than NARROW_ENTRIES entries and is more than four times wider than
    U, then on all, while J has at most FLOAT_ENTRIES entries. ``more``: a costlier bound,
    computed when U fails on the row Gram and tried on the same Gram matrix when smaller."""
    best, P = min(bounds, key=lambda bound: bound.value), arrays.offsets[-1]
    n = passed.floats[0].shape[0]
    rows = (n if samples is None else len(samples)) * deep.output_dim
    fields["jacobian_shape"] = (n * deep.output_dim, P)
    if rows <= min(GRAM_ROWS, P):
        gram = row_gram(deep, arrays, passed, samples)
        proof = gram and gram.rows_independent(best.value)
        if gram and not proof and more is not None and more().value < best.value:
            best, bounds = more(), bounds + [more()]
            proof = gram.rows_independent(best.value)
        return proof and certified_rank(best, bounds, proof, "rows", (rows, P),
                                        "Gram matrix of J's rows computed from its structure",
                                        matrix_shape=(rows, P), **fields) or None
    narrow = [2 * best.value + 16] if 4 * best.value < P and rows * P > NARROW_ENTRIES else []
    for columns in narrow + [None]:
        if rows * min(columns or P, P) > FLOAT_ENTRIES:
            continue
        found = float_jacobian(deep, arrays, passed, columns, samples)
        proven = found and float_gram_rank(found[0], found[1], bounds,
                                           matrix_shape=found[0].shape, **fields)
        if proven:
            return proven
    return None


def layer_structure_bound(deep: Any, arrays: Any, X: Any, passed: Any,
                          J: ModularJacobian) -> int:
    """The bound of :func:`structural_upper_bound` (without local terms), from the float pass
    and J mod p only: no big integer.

    It needs an upper bound of ρ_lj = rank h̃_{l−1}[S_lj] and a lower bound of rank Y_l. Here
    S_lj is replaced by the samples where G_l[:, j] may be nonzero by its support
    (supp G_l ⊆ (supp G_{l+1}·supp W_{l+1}) ∧ s_l: a superset, so a larger rank); ρ_1j by
    :func:`rank_upper_bound` on the integer rows of X̃, ρ_lj (l ≥ 2) by the size of h̃_{l−1}[S]
    (its rows, and its columns not identically 0 there: h_{l−1}[i, q] ≠ 0 iff z > 0, exactly
    known); rank Y_l by its rank mod p, with the bias columns of neurons whose next-layer sum
    vanishes on their inactive samples by support (a proof of 0). Requires ``arrays.clean``
    (then a weight is 0 iff its float is).
    """
    n, m, L = X.shape[0], deep.output_dim, deep.depth
    links = [(W != 0).astype(float) for W in arrays.float_weights]
    used = [np.ones((n, m), bool)]
    for l in range(L - 1, 0, -1):
        used.append(((used[-1].astype(float) @ links[l]) > 0) & (passed.patterns[l - 1] > 0))
    used = used[::-1]  # used[l-1][i, j]: G_l[(i, ·), j] may be nonzero
    X_tilde = X.with_ones_column().integer_rows()
    bound = 0
    for l in range(1, L + 1):
        for j in np.flatnonzero(used[l - 1].any(axis=0)):
            S = used[l - 1][:, j]
            if l == 1:
                bound += rank_upper_bound(X_tilde[S])
            else:
                live = int(passed.positive[l - 2][S].any(axis=0).sum()) + 1
                bound += min(int(S.sum()), live)
        if l < L:
            bound -= _meeting_rank(J, l, passed, used, links)
    return bound


def _meeting_rank(J: ModularJacobian, l: int, passed: Any, used: list, links: list) -> int:
    """rank mod p of Y_l (see :func:`structural_upper_bound`): the y_lj = G_l[:, j] ⊙ z_lj and
    the bias columns G_l[:, j] of the neurons j whose column of G_{l+1}·W_{l+1} is 0 by support
    on the samples where j is inactive."""
    G, p, m = J.gradients[l - 1], J.p, J.m
    Y = [(G * np.repeat(J.preactivations[l - 1], m, axis=0) % p).T]
    off = passed.patterns[l - 1] == 0
    for j in range(G.shape[1]):
        if not (used[l][off[:, j]].astype(float) @ links[l][:, j]).any():
            Y.append(G[:, j][None, :])
    return rank_mod_p(np.vstack(Y), p)


def _eliminate(J: ModularJacobian, by_columns: bool, block: int, upper: int,
               length: int) -> tuple[int, EchelonModP | None, list[int]]:
    """(rank_p J, its echelon basis, the labels of the vectors fed): J streamed by columns
    (rows), stopping at ``upper``. A small J is first projected to a square matrix and ranked
    by python-flint (:func:`relugeom.linalg.nmod.projected_rank`, a lower bound of rank_p J):
    when that reaches ``upper`` no echelon is built (and None is returned for it)."""
    n_rows, P = J.n * J.m, J.deep.n_parameters
    if n_rows * P <= SMALL_ENTRIES and min(n_rows, P) <= SMALL_SIDE:
        (_, V), = J.rows(block=n_rows)  # all of J at once, by rows
        if V.size and projected_rank(V if V.shape[0] <= V.shape[1] else V.T, J.p,
                                     min(V.shape)) >= upper:
            return upper, None, []
    E, labels = EchelonModP(J.p, length), []
    for names, vectors in (J.columns(block) if by_columns else J.rows(block)):
        labels += names.tolist()
        E.add(vectors)
        if E.rank >= upper:
            break
    return E.rank, E, labels


def _deepest_zero_layer(patterns: Sequence[np.ndarray], n: int) -> np.ndarray:
    """Per sample, the deepest hidden layer l whose pattern is 0 on it (0 for none)."""
    deepest = np.zeros(n, dtype=np.int64)
    for l, S in enumerate(patterns, start=1):
        deepest[~S.any(axis=1)] = l
    return deepest


def _distinct_samples(A: Any, exact_floats: np.ndarray | None,
                      patterns: Sequence[np.ndarray]) -> tuple[int, int, np.ndarray | None]:
    """(D, k, R): J has at most m·D distinct rows, k of the samples being inactive on a whole
    hidden layer; R (for a float64 array, else None): D samples whose rows are those distinct
    rows. A sample whose pattern is 0 on all of layer l has h_l = 0 and G_{l'} = 0 for l' ≤ l,
    so its rows of J depend on l alone: such samples count once per deepest such layer; the
    others count once per distinct value (at least: a RationalArray's equal values stored
    alike; exactly, for a float64 array)."""
    deepest = _deepest_zero_layer(patterns, A.shape[0])
    if not deepest.any():  # the common case: no sample is inactive on a whole layer
        if exact_floats is None:
            return A.distinct_rows(), 0, None
        first = distinct_samples(exact_floats)
        return len(first), 0, first
    alive = np.flatnonzero(deepest == 0)
    groups, dead = np.unique(deepest, return_index=True)
    dead = dead[groups > 0]  # the first sample of each group
    merged = A.shape[0] - alive.size
    if exact_floats is None:
        return (A.take(alive).distinct_rows() if alive.size else 0) + dead.size, merged, None
    first = alive[distinct_samples(exact_floats[alive])] if alive.size else alive
    return first.size + dead.size, merged, np.sort(np.concatenate([first, dead]))


def regions_bound(A: Any, patterns: Sequence[np.ndarray], samples: np.ndarray | None,
                  m: int, floats: np.ndarray | None = None) -> int:
    """A proven upper bound of rank J: m·(k + Σ_S r_S) (docs/theory.md, "regions (deep)").

    On a region — the same pattern at every hidden layer — G_l depends on the pattern only and
    h̃_l(x) is affine in x̃ = (x, 1), so row (x, k) of J is a fixed linear function of x̃: the
    rows of the samples S of one region span at most m·rank X̃_S. Here k counts the classes
    of samples inactive on a whole hidden layer (one each, as in :func:`_distinct_samples`),
    the other samples are grouped by pattern, and r_S = |S| for |S| ≤ 2, else the exact rank
    of X̃_S (python-flint). ``samples``: one sample per class of equal rows of J (the
    representatives of :func:`_distinct_samples`), or None for all; ``floats``: A's values
    when they are floats already (read as they are). Cost: one sort of the
    patterns, a float rank per region of 3 samples or more, and an exact one where the float
    rank is below the region's size.

    >>> from relugeom import DeepNetwork
    >>> from relugeom.rank.float_filter import filtered_patterns, sample_array
    >>> net = DeepNetwork([([[1, 0], [0, 1]], [1, 1]), ([[1, 1]], [0])])
    >>> X = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0], [1.0, 2.0]])  # one region
    >>> regions_bound(sample_array(X, 2)[0], filtered_patterns(net, X).patterns, None, 1)
    3
    """
    deepest = _deepest_zero_layer(patterns, A.shape[0])
    samples = np.arange(A.shape[0]) if samples is None else np.asarray(samples)
    dead = deepest[samples] > 0
    count = len(np.unique(deepest[samples][dead]))
    alive = samples[~dead]
    if alive.size:
        _, group = distinct_rows(np.hstack([S[alive] for S in patterns]))
        sizes = np.bincount(group)
        count += int(sizes[sizes <= 2].sum())
        for g in np.flatnonzero(sizes > 2):
            rows = alive[group == g]
            if floats is not None:  # X̃_S in floats: exactly X̃_S
                F = np.ones((len(rows), A.shape[1] + 1))
                F[:, :-1] = floats.take(rows, 0)
            else:
                F = A.take(rows).with_ones_column().to_float()
            # |S| bounds the rank: the exact rank only where floats hint at less
            if np.linalg.matrix_rank(F) < len(rows):
                count += _exact_rank(_integer_rows(A, rows, F if floats is not None else None))
            else:
                count += len(rows)
    return m * count


def _integer_rows(A: Any, rows: np.ndarray, F: np.ndarray | None) -> np.ndarray:
    """The rows ``rows`` of X̃ = [A, 1], each scaled to integers (the same rank); ``F``: those
    rows in floats when they are X̃'s exact values — integers given as floats are read as
    they are."""
    M = float_integers(F) if F is not None else None
    return M if M is not None else A.take(rows).with_ones_column().integer_rows()


def _exact_rows(X: Any, A: Any, exact_floats: np.ndarray | None) -> tuple:
    """The sample as rows of Fractions (the exact certificates' input), built the cheap way."""
    if isinstance(X, tuple):
        return X
    if exact_floats is not None:
        return tuple(tuple(map(Fraction, row)) for row in exact_floats.tolist())
    return A.to_fractions()


def log2_column_norms(deep: Any, arrays: Any, X: Any, passed: Any) -> np.ndarray:
    """Upper bounds of log2 ‖A_c‖ for the columns of an integer matrix A = J·diag(D') (D'_c a
    common denominator of column c; Hadamard's bound of its minors gives ε).

    Column (l, j, q) is G_l[:, j] ⊙ h_{l−1}[:, q]: its norm is at most √(n·m)·g_lj·η_{l−1,q},
    with η ≥ |h| from the float pass and its error bound (exact values on the exactly decided
    samples) and g_l ≥ |G_l| by g_L = 1, g_l = 2(1 + α)·g_{l+1}|Ŵ_{l+1}| (the 2 covers the
    rounding of this product of nonnegative floats). D' is the product of the common
    denominators of X, of the W_k, b_k (k < l) and of the W_k (k > l).
    """
    n, m, L = X.shape[0], deep.output_dim, deep.depth
    floating = np.ones(n, bool)
    floating[passed.exact_samples] = False
    scale = 0.5 * math.log2(max(n * m, 1))
    log2_den, log2_bias = arrays.log2_denominators()
    g = [np.ones(m)]
    for l in range(L - 1, 0, -1):
        g.append(2 * (1 + 4 * 2.0 ** -53) * (g[-1] @ np.abs(arrays.float_weights[l])))
    g = g[::-1]
    h_den = log2_denominator(X)
    out = []
    with quiet():
        for l in range(1, L + 1):
            H, E = passed.floats[l - 1][floating], passed.errors[l - 1][floating]
            eta = np.maximum((np.abs(H) + E).max(axis=0, initial=0.0),
                             passed.exact_magnitudes[l - 1])
            g_den = sum(log2_den[l:])
            W_norms = np.log2(g[l - 1][:, None] * eta[None, :]) + scale + g_den + h_den
            out += [W_norms.ravel(), np.log2(g[l - 1]) + scale + g_den]
            h_den += log2_den[l - 1] + log2_bias[l - 1]
    norms = np.concatenate(out)
    return np.where(np.isnan(norms), np.inf, norms)
