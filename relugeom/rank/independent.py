"""Independent samples: the local dimension of a shallow network by an exact formula.

Notation of :mod:`relugeom.rank.shallow`: x̃ = (x, 1), S_j the samples neuron j activates
(relu'(z) = 1 there), D_j = diag(1_{S_j}), U_j = colspace(D_j X̃), v_j = V[:, j] ∈ Q^m,
h̃_i = (h_i1, …, h_iN, 1) with h_ij = relu(z_ij).

**Theorem** (docs/theory.md, "Independent samples"). Suppose rank X̃[S_j] = |S_j| for every
neuron j with v_j ≠ 0 (for instance rank X̃ = n: the samples, with a 1 appended, linearly
independent, which needs n ≤ d + 1). Let J_i = {j : i ∈ S_j}, V_i = span{v_j : j ∈ J_i} of
dimension r_i, and L_i a matrix whose m − r_i rows are a basis of V_i^⊥ = {ℓ : ℓ·v_j = 0,
j ∈ J_i}. Then

    dim(θ, X) = rank J = Σ_i r_i + rank Q,     Q = the rows L_i (h̃_iᵀ ⊗ I_m) for all i.

*Proof.* Identify Q^{n·m} with n × m matrices (row i = the m outputs at x_i). The columns of
neuron j's incoming weights w̃_j span U_j ⊗ v_j; by hypothesis dim U_j = |S_j|, and
U_j ⊆ E_{S_j} = span{e_i : i ∈ S_j}, so U_j = E_{S_j} and these columns span
E_{S_j} ⊗ v_j = span{e_i ⊗ v_j : i ∈ S_j} (zero when v_j = 0). Summed over j they span
W = ⊕_i e_i ⊗ V_i, of dimension Σ_i r_i. The other columns (V_kj: h_j ⊗ e_k; c_k: 1 ⊗ e_k)
are the columns of Σ_i e_i ⊗ (h̃_iᵀ ⊗ I_m), and rank J = dim W + the rank of their image in
the quotient Q^{n×m}/W ≅ ⊕_i Q^m/V_i. The map y ↦ L_i y identifies Q^m/V_i with Q^{m − r_i}
(its kernel is V_i, as the rows of L_i span V_i^⊥), so that image is the column space of Q. ∎

Scaling a row of Q, or a column block of neuron j, by a positive number does not change its
rank, so Q is built from integer rows of X̃ and of (W, b) (each scaled by its own factor) and
needs no fraction. Cost: one exact integer kernel per distinct set J_i (m × |J_i|, tiny), the
exact pre-activations of the samples with r_i < m, and the exact rank of Q, which has
(N + 1)·m columns and Σ_i (m − r_i) rows — charged to a
:class:`~relugeom.rank.relations.WorkBudget` first. The hypothesis is certified by ranks mod p
equal to the number of rows (a rank mod p is a lower bound).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..exact.arrays import RationalArray
from ..linalg import integer
from ..linalg.modular import rank_mod_p
from .relations import BudgetExceeded, WorkBudget

#: The work budget of rank Q (WorkBudget's units). Its cost model (fraction-free growth) is
#: pessimistic for Q, whose exact rank python-flint finds far sooner: 1.1e10 units took 0.5 s
#: (MNIST, N = 16, n = 100, m = 10), 4.7e10 took 0.4 s (n = 500).
Q_BUDGET = 2e11

if TYPE_CHECKING:  # pragma: no cover
    from .shallow import ShallowModular


def samples_independent_per_neuron(case: "ShallowModular", p: int) -> bool:
    """Whether rank X̃[S_j] = |S_j| for every neuron j with v_j ≠ 0, certified modulo p (a rank
    mod p equal to the number of rows is the rank over Q)."""
    if case.data_rank == case.n:
        return True
    Xt = case.residues(p)["Xt"]
    for j in np.flatnonzero(case.v_nonzero & case.S.any(0)):
        rows = np.flatnonzero(case.S[:, j])
        if len(rows) > case.d + 1 or rank_mod_p(Xt[rows], p, len(rows)) < len(rows):
            return False
    return True


def _orthogonal_complements(case: "ShallowModular") -> list[list[list[int]]]:
    """For each sample i, integer rows L_i spanning V_i^⊥ (one exact kernel per distinct J_i)."""
    # each v_j scaled by its own positive factor: V_i and V_i^⊥ are unchanged
    v = RationalArray.from_fractions([list(col) for col in zip(*case.network.V)]).integer_rows()
    live = case.S & case.v_nonzero
    complements: dict[bytes, list[list[int]]] = {}
    out = []
    for i in range(case.n):
        key = live[i].tobytes()
        if key not in complements:
            J = np.flatnonzero(live[i])
            if len(J) == 0:
                complements[key] = [[int(k == t) for k in range(case.m)] for t in range(case.m)]
            else:
                basis = integer.kernel(v[J].tolist())  # rows: the coordinates k, columns: ℓ
                complements[key] = [list(ell) for ell in zip(*basis)] if basis else []
        out.append(complements[key])
    return out


def _scaled_h(case: "ShallowModular", samples: np.ndarray) -> np.ndarray:
    """Rows λ_i·(μ_1 h_i1, …, μ_N h_iN, 1) for the given samples, integers (λ_i, μ_j > 0)."""
    Xt = case.X.take(samples).with_ones_column().integer_rows()
    net = case.network
    Wt = RationalArray.from_fractions([list(w) + [bj] for w, bj in zip(net.W, net.b)])
    Z = Xt.astype(object) @ Wt.integer_rows().astype(object).T
    H = np.where(case.positive[samples], Z, 0)
    return np.hstack([H, Xt[:, -1:].astype(object)])


def independent_samples_rank(case: "ShallowModular", p: int,
                             budget: WorkBudget | None = None) -> tuple[int, str] | None:
    """The exact local dimension Σ_i r_i + rank Q of the module docstring, with a detail line,
    or None when the hypothesis is not certified or rank Q exceeds the work budget."""
    if not samples_independent_per_neuron(case, p):
        return None
    complements = _orthogonal_complements(case)
    r = [case.m - len(L) for L in complements]
    samples = np.array([i for i, L in enumerate(complements) if L], dtype=np.int64)
    rows = []
    if len(samples):
        for i, h in zip(samples, _scaled_h(case, samples)):
            rows += [[int(a) * b for a in h for b in ell] for ell in complements[i]]
        keep = [c for c in range(len(rows[0])) if any(row[c] for row in rows)]
        rows = [[row[c] for c in keep] for row in rows]
    budget = budget or WorkBudget(Q_BUDGET)
    try:
        rank_q = budget.rank(rows, p) if rows and rows[0] else 0
    except BudgetExceeded:
        return None
    value = sum(r) + rank_q
    return value, (f"Σ_i rank V[:, J_i] + rank Q = {sum(r)} + {rank_q}, Q of "
                   f"{len(rows)} rows (samples independent on each neuron's active set)")
