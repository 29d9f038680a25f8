"""Independent samples: the local dimension by an exact formula, at any depth.

Notation: x̃ = (x, 1); G_i the m × n_1 matrix ∂f(x_i)/∂z_1 (outputs by first-layer
pre-activations; its column j vanishes where neuron j is inactive), S_j = {i : G_i[:, j] ≠ 0}
the samples whose outputs neuron j of layer 1 reaches, A_i = colspace G_i of dimension r_i,
L_i a matrix whose m − r_i rows are a basis of A_i^⊥ = {ℓ : ℓᵀ G_i = 0}, and R_i the m rows of
J for sample i restricted to the parameters of layers 2, …, L.

**Theorem** (docs/theory.md, "Independent samples"). If rank X̃[S_j] = |S_j| for every
first-layer neuron j (for instance rank X̃ = n: the samples, with a 1 appended, linearly
independent, which needs n ≤ d + 1), then

    dim(θ, X) = rank J = Σ_i r_i + rank Q,     Q = the rows L_i R_i for all i.

For one hidden layer G_i = V·diag(s_i), so A_i = span{v_j : neuron j active on x_i}, and
L_i R_i = L_i (h̃_iᵀ ⊗ I_m).

*Proof.* Write a vector of Q^{n·m} as an n × m matrix (row i: the outputs at x_i) and
E_S = span{e_i : i ∈ S}. The columns of the weights and bias of first-layer neuron j are
Σ_i x̃_il e_i ⊗ G_i[:, j] (l = 1, …, d + 1), so they span {Σ_{i∈S_j} u_i e_i ⊗ G_i[:, j] :
u ∈ U_j}, U_j = colspace X̃[S_j] = Q^{S_j} by hypothesis, that is ⊕_{i∈S_j} e_i ⊗ G_i[:, j].
Summed over j: W = ⊕_i e_i ⊗ A_i, of dimension Σ_i r_i. The other columns have the blocks
R_i, and rank J = dim W + the rank of their image in Q^{n×m}/W = ⊕_i Q^m/A_i; y ↦ L_i y is onto
Q^{m−r_i} with kernel A_i, so that image is the column space of Q. ∎

*rank Q* (one hidden layer). The rows of Q are ℓ ⊗ h̃_i, ℓ ∈ A_i^⊥. For u ∈ Q^m and
a ∈ Q^{N+1} with a·h̃_i = 0 at every sample i where u ∉ A_i, u ⊗ a is in the right kernel of Q:
(ℓ ⊗ h̃_i)·(u ⊗ a) = (ℓ·u)(h̃_i·a), and ℓ·u = 0 wherever u ∈ A_i. With u an output weight column
(u ∈ A_i wherever its neuron is active) or a unit vector, and a a basis of the vectors
orthogonal to those h̃_i, these vectors are handed to the verified kernel of Q as known ones
(each checked exactly: a wrong one is a bug, said so), which lifts only the rest; when more
than :data:`Q_LIFTED` are left, Q is eliminated. On MNIST ([784, 16, 10], n = 100, He float64
weights, weight seed 2) Q is 139 × 170 of 694-bit entries with rank 111: 56 of its 59 kernel
vectors are of this form, 3 lifted, 0.75 s, where its elimination took 4.6 s.

Positive scalings change nothing: A_i is unchanged when G_i is scaled, and scaling a row of Q
(sample i) or a column (a parameter) keeps its rank; so the exact integer pass of
:mod:`relugeom.rank.backprop` (each layer's activations and gradients over one common
denominator) is used as it is, with no fraction. Cost: that pass, one exact integer kernel of
an m × n_1 matrix per distinct G_i, and the exact rank of Q — Σ_i (m − r_i) rows and
Σ_{l≥2} n_l·(n_{l−1} + 1) columns, independent of d — charged to a
:class:`~relugeom.rank.relations.WorkBudget` first. The hypothesis is certified by ranks mod p
equal to the number of rows (a rank mod p is a lower bound of the rank over Q).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..exact.arrays import RationalArray
from ..linalg import integer
from ..linalg.modular import random_primes, rank_mod_p
from ..linalg.verified import verified_kernel
from ..model.deep import as_deep
from ..model.network import Network
from ..model.patterns import ReluPrime
from .backprop import IntegerPass, integer_pass
from .relations import BudgetExceeded, WorkBudget
from .shallow import exact_signs

#: The work budget of rank Q (WorkBudget's units). Its cost model (fraction-free growth) is
#: pessimistic for Q, whose exact rank python-flint finds far sooner: 1.1e10 units took 0.5 s
#: (MNIST, N = 16, n = 100, m = 10), 4.7e10 took 0.4 s (n = 500).
Q_BUDGET = 2e11
#: rank Q by the verified kernel when the known kernel vectors leave at most this many to lift.
Q_LIFTED = 8


def _sample_blocks(G: np.ndarray, n: int, m: int) -> list[np.ndarray]:
    """The m × n_l blocks of a gradient array stacked over the rows (i, k)."""
    return [G[i * m:(i + 1) * m] for i in range(n)]


def samples_independent_per_neuron(network: Network, X: Any, p: int) -> bool:
    """Whether rank X̃[S_j] = |S_j| for every first-layer neuron j, certified modulo p (a rank
    mod p equal to the number of rows is the rank over Q). Checked on the supersets
    {i : z_1j(x_i) ≥ 0} ⊇ S_j, from the exact signs of the first layer only (a subset of
    independent rows is independent); for one hidden layer, neurons with v_j = 0 reach no
    output and are skipped."""
    A = RationalArray.from_any(X)
    residues = np.remainder(A.with_ones_column().integer_rows().astype(object), p
                            ).astype(np.float64)
    n, width = residues.shape
    if n <= width and rank_mod_p(residues, p, n) == n:
        return True
    deep = as_deep(network)
    W, b = deep.layers[0]

    def z(i: int, j: int) -> Any:  # an entry the float filter leaves undecided, exactly
        return sum((w * A.fraction(i, l) for l, w in enumerate(W[j])), b[j])
    reached = exact_signs(RationalArray.from_fractions(W), RationalArray.from_fractions(b), A,
                          z) >= 0
    if deep.depth == 2:
        reached &= np.array([any(row[j] for row in deep.layers[1][0])
                             for j in range(len(W))])
    for j in range(reached.shape[1]):
        rows = np.flatnonzero(reached[:, j])
        if len(rows) > width or (len(rows) and rank_mod_p(residues[rows], p, len(rows))
                                 < len(rows)):
            return False
    return True


def _q_row(ell: list[int], i: int, exact: IntegerPass, m: int) -> list[int]:
    """ℓᵀ R_i: for each layer l ≥ 2, (ℓᵀ G_l at sample i) ⊗ h̃_{l−1}(x_i), scaled."""
    row: list[int] = []
    for l in range(2, len(exact.gradients) + 1):
        G = exact.gradients[l - 1][i * m:(i + 1) * m]
        g = [sum(int(e) * int(v) for e, v in zip(ell, column)) for column in G.T]
        H, delta = exact.activations[l - 1]
        h = [int(v) for v in H[i]] + [int(delta)]
        row += [a * b for a in g for b in h]
    return row


def _q_kernel(exact: IntegerPass, complements: list[list[list[int]]]) -> list[list[int]]:
    """Vectors of the right kernel of Q, one hidden layer (none deeper): u ⊗ a for u an output
    weight column or a unit vector of Q^m, and a ⊥ h̃_i at every sample i where u ∉ A_i
    (module docstring, "rank Q"); in the order of Q's columns before the zero ones are dropped.
    ``complements``: L_i for each sample."""
    if len(exact.gradients) != 2:
        return []
    H, delta = exact.activations[1]
    G1 = exact.gradients[0]
    n = H.shape[0]
    m = G1.shape[0] // n
    h = [[int(v) for v in row] + [int(delta)] for row in H]
    units = [tuple(int(k == t) for k in range(m)) for t in range(m)]
    columns = {tuple(int(v) for v in G1[i * m:(i + 1) * m, j])
               for i in range(n) for j in range(G1.shape[1])}
    out = []
    for u in [c for c in sorted(columns) if any(c)] + units:
        moved = [i for i, L in enumerate(complements)  # samples where u ∉ A_i
                 if any(sum(a * b for a, b in zip(ell, u)) for ell in L)]
        basis = zip(*integer.kernel([h[i] for i in moved])) if moved else \
            np.eye(len(h[0]), dtype=int).tolist()
        out += [[a * b for a in u for b in row] for row in basis]
    return out


def _q_rank(rows: list[list[int]], p: int, budget: WorkBudget, known: Any) -> tuple[int, str]:
    """rank_Q Q and how it was found: its rank mod p when full; else, when the kernel vectors
    ``known()`` leave at most :data:`Q_LIFTED` to lift, the verified kernel's rank; else Q
    eliminated within the budget."""
    if not rows or not rows[0]:
        return 0, ""
    r = integer.rank_mod(rows, p)
    if r == min(len(rows), len(rows[0])):
        return r, ""  # (a rank mod p is a lower bound: full, it is the rank)
    K = [u for u in known() if any(u)]
    k = integer.rank_mod(K, p) if K else 0
    if K and len(rows[0]) - r - k <= Q_LIFTED:
        try:
            result = verified_kernel(np.array(rows, dtype=object), side="right", known=K)
        except ValueError as error:  # a vector of the theorem outside ker Q
            raise RuntimeError(f"relugeom bug: {error}") from error
        if result.exact:
            return result.rank, (f"; rank Q by a verified kernel: {result.known} vectors "
                                 f"u ⊗ a, {len(rows[0]) - result.rank - result.known} lifted")
    return budget.eliminated_rank(rows), ""


def independent_samples_rank(network: Network, X: Any, relu_prime_at_zero: ReluPrime = "error",
                             p: int | None = None, budget: WorkBudget | None = None,
                             exact: IntegerPass | None = None) -> tuple[int, str] | None:
    """The exact local dimension Σ_i r_i + rank Q of the module docstring and a detail line, or
    None when the hypothesis is not certified mod ``p`` (any prime: the ranks mod p are of
    integer matrices; default a seeded 21-bit prime) or rank Q exceeds the work budget.

    ``exact``: the :func:`~relugeom.rank.backprop.integer_pass` of (network, X) if at hand.

    >>> from relugeom import ShallowNetwork
    >>> net = ShallowNetwork(W=[[1, 0], [0, 1]], b=[0, 0], V=[[1, 1]], c=[0])
    >>> independent_samples_rank(net, [[1, 2], [-1, 3]])[0]      # x̃ independent: 2 = n·m
    2
    """
    p = random_primes(1)[0] if p is None else p
    if not samples_independent_per_neuron(network, X, p):
        return None
    if exact is None:
        exact = integer_pass(network, X.to_fractions() if isinstance(X, RationalArray) else X,
                             relu_prime_at_zero)
    H0 = exact.activations[0][0]
    n = H0.shape[0]
    G1 = exact.gradients[0]
    m = G1.shape[0] // n if n else 0
    blocks = _sample_blocks(G1, n, m)
    complements: dict[str, list[list[int]]] = {}
    rows, total_r, each = [], 0, []
    for i, block in enumerate(blocks):
        key = repr(block.tolist())
        if key not in complements:
            complements[key] = integer.left_kernel_rows(block)
        L = complements[key]
        each.append(L)
        total_r += m - len(L)
        rows += [_q_row(ell, i, exact, m) for ell in L]
    keep: list[int] = []
    if rows:
        keep = [c for c in range(len(rows[0])) if any(row[c] for row in rows)]
        rows = [[row[c] for c in keep] for row in rows]
    budget = budget or WorkBudget(Q_BUDGET)
    try:
        rank_q, how = _q_rank(rows, p, budget,
                              lambda: [[u[c] for c in keep] for u in _q_kernel(exact, each)])
    except BudgetExceeded:
        return None
    return total_r + rank_q, (f"Σ_i rank G_i + rank Q = {total_r} + {rank_q}, Q of {len(rows)} "
                              f"rows (each first-layer neuron's samples independent){how}")
