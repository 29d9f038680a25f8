"""Local relations: a sharper proven upper bound of a shallow local dimension.

Notation of :mod:`relugeom.rank.shallow`: x̃ = (x, 1), D_g the activations of a group g of neurons
active on the same samples, U_g = colspace(D_g X̃) ⊆ Q^n, V_g = span{v_j : j ∈ g} ⊆ Q^m of
dimension ρ_g. The W-columns of group g span U_g ⊗ V_g, and the neuron-group bound counts
q_g·ρ_g ≥ dim U_g·ρ_g for them as if the sum Σ_g U_g ⊗ V_g were direct. Its dimension is in fact

    Σ_g dim U_g · ρ_g − dim R,   R = {(t_g) ∈ ⊕_g U_g ⊗ V_g : Σ_g t_g = 0}   (the relations).

**Relations on a set T of samples.** Let E_T = span{e_i : i ∈ T}. The relations whose every t_g
lies in (U_g ∩ E_T) ⊗ V_g form a subspace R_T ⊆ R, and

    dim R_T = Σ_g dim(U_g ∩ E_T)·ρ_g − rank M_T,

M_T having the columns y ⊗ v for y in a basis of U_g ∩ E_T and v in a basis of V_g. Hence, for
every T,

    local dimension ≤ (neuron-group bound) − dim R_T.

Every term is computed exactly (python-flint):

- U_g ∩ E_T = {D_g X̃ a : (D_g X̃ a)_i = 0 for the samples i ∉ T that g activates}
  = A_T · ker A_rest, with A the rows of X̃ on the samples g activates. The columns of
  A_T · ker A_rest span it; when they are independent mod p (hence over Q) they are the basis
  (no echelon form: entries of the data's size). The rows of X̃ are first
  scaled to integers; scaling sample i by λ_i > 0 maps every U_g to D_λ U_g and E_T to itself,
  so no dimension above changes. When A has full row rank (certified by a rank mod p equal to
  its number of rows: a rank mod p is a lower bound), U_g ∩ E_T is all of Q^{T ∩ active}; the
  other kernels are of tall integer matrices, small and quick.
- rank M_T after two exact reductions: ranks add over the connected components of M_T
  (columns and samples joined by nonzero entries), and *peeling*: when the columns supported
  on the single sample i already span e_i ⊗ Q^m (their v's have rank m), rank M = m + rank of
  M without the rows of sample i; repeated while it applies.

Relations arise where e_i ∈ U_g for more than m groups at one sample i (a pixel nonzero on i
alone; a neuron whose D_g X̃ has full row rank) and from small sets of samples sharing rare
pixels. Since R_T grows with T, T is every sample when n·m ≤ 1000; else a heuristic (any T
gives a valid bound) picks the samples where more than two
groups have e_i ∈ U_g modulo a prime, and the samples where a column of X̃ that is nonzero on
at most six samples is nonzero. On MNIST (N = 32, n = 2000, m = 10: 389 samples, 278
relations) this closes the gap between the rank mod p and the neuron-group bound.

Cost: one mod-p elimination and one exact kernel per group, and the exact rank of M_T
(columns: Σ_g dim(U_g ∩ E_T)·ρ_g).
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np

from ..exact.numbers import common_denominator
from ..linalg import integer
from ..linalg.modular import rref_mod_p

if TYPE_CHECKING:  # pragma: no cover
    from .shallow import ShallowModular

Column = tuple  # (sparse integer vector y over the samples, direction)

#: Estimated word operations the exact eliminations of one bound may take (about seconds).
WORK_BUDGET = 1e10
RARE_SAMPLES = 6   # a column of X̃ nonzero on at most this many samples puts them in T
FREE_GROUPS = 2    # a sample in U_g's "free" coordinates for more groups than this is in T
SMALL_ROWS = 1000  # below this many rows n·m, T is every sample


class BudgetExceeded(ArithmeticError):
    """The exact eliminations of a bound would exceed its :class:`WorkBudget`."""


class WorkBudget:
    """Word operations allowed to the exact eliminations of one bound. An elimination of an
    r × c integer matrix with b-bit entries is estimated at r·c·k·max(1, k·b/64) operations
    (k = min(r, c): fraction-free entries grow to k·b bits); a rank mod p equal to k costs
    nothing (it is already exact)."""

    def __init__(self, operations: float | None = None):
        self.left = WORK_BUDGET if operations is None else operations

    def spend(self, M: Any, echelon: bool = False) -> None:
        """Charge an elimination of M (``echelon``: a full reduced echelon form, whose cost
        grows with the longer side too)."""
        rows = M.tolist() if hasattr(M, "tolist") else M
        r, c = len(rows), len(rows[0]) if rows else 0
        k = max(r, c) if echelon else min(r, c)
        # the largest |entry| has the most bits (one pass in numpy, not one call per entry)
        bits = int(np.abs(np.array(rows, dtype=object)).max()).bit_length() if r and c else 0
        self.left -= r * c * k * max(1.0, k * bits / 64)
        if self.left < 0:
            raise BudgetExceeded(f"an exact elimination of {r} × {c} integers of {bits} bits "
                                 "exceeds the work budget")

    def rank(self, M: Any, p: int) -> int:
        """rank_Q M: by a rank mod p when it is full, else eliminated within the budget."""
        rows = M.tolist() if hasattr(M, "tolist") else M
        if not rows or not rows[0]:
            return 0
        k = integer.rank_mod(rows, p)
        if k == min(len(rows), len(rows[0])):
            return k
        return self.eliminated_rank(rows)

    def eliminated_rank(self, rows: list) -> int:
        """rank_Q of the integer rows by exact elimination, charged to the budget first."""
        self.spend(rows)
        return integer.rank(rows)


def _groups(case: "ShallowModular") -> list[list[int]]:
    """Neurons active on the same samples (and somewhere), with some v_j ≠ 0."""
    groups: dict = {}
    for j in np.flatnonzero(case.S.any(0)):
        groups.setdefault(case.S[:, j].tobytes(), []).append(int(j))
    return [g for g in groups.values() if case.v_nonzero[g].any()]


def _integer_columns(vectors: list[list[Fraction]]) -> list[list[int]]:
    """Each vector scaled by a positive integer to integers (the span is unchanged)."""
    out = []
    for v in vectors:
        scale = common_denominator(v)
        out.append([int(q * scale) for q in v])
    return out


def _v_basis(case: "ShallowModular", group: list[int]) -> list[list[int]]:
    """Integer multiples of independent columns of V[:, group] spanning V_g (exact)."""
    columns = _integer_columns([[Fraction(case.network.V[k][j]) for k in range(case.m)]
                                for j in group])
    rank = integer.rank(columns)
    basis: list[list[int]] = []
    for col in columns:  # greedy: keep a column when it raises the rank
        if integer.rank(basis + [col]) > len(basis):
            basis.append(col)
        if len(basis) == rank:
            break
    return basis


def free_samples(A: np.ndarray, p: int) -> np.ndarray:
    """Rows i of A with e_i ∈ colspace(A) modulo p (no left-kernel vector uses row i).

    From the reduced echelon form of Aᵀ: the left kernel is spanned by e_c − R[:, c] over the
    non-pivot c, so row i is free exactly when it is a pivot whose row of R vanishes off the
    pivots. A heuristic only: it chooses T and proves nothing.
    """
    R, pivots, _ = rref_mod_p(np.remainder(A.T, p).astype(float), p)
    free = np.zeros(A.shape[0], bool)
    if not pivots:
        return free
    others = np.setdiff1d(np.arange(A.shape[0]), pivots)
    clean = ~(R[:, others] != 0).any(1) if others.size else np.ones(len(pivots), bool)
    free[np.array(pivots)[clean]] = True
    return free


def choose_samples(A: np.ndarray, actives: list[np.ndarray], m: int, p: int) -> np.ndarray:
    """The heuristic T of the module docstring, as a boolean mask of the samples; all samples
    when M_T has at most SMALL_ROWS rows anyway (R_T grows with T). ``A`` holds the data rows
    (integers), ``actives`` the samples of each group."""
    n = A.shape[0]
    if n * m <= SMALL_ROWS:
        return np.ones(n, bool)
    nonzero = A != 0
    counts = np.zeros(n, int)
    for act in actives:
        cols = nonzero[act].any(0)
        counts[act] += free_samples(A[np.ix_(act, cols)], p)
    per_column = nonzero.sum(0)
    rare = (per_column > 0) & (per_column <= RARE_SAMPLES)
    return (counts > FREE_GROUPS) | nonzero[:, rare].any(1)


def _independent_mod(vectors: Any, p: int) -> bool:
    """Whether the integer vectors (rows of an array, or lists) are independent mod p, hence
    over Q (proven)."""
    if len(vectors) == 0 or len(vectors[0]) == 0:
        return len(vectors) == 0
    array = vectors if isinstance(vectors, np.ndarray) else np.array(vectors, dtype=object)
    return integer.rank_mod(array, p) == len(vectors)


def _intersection_basis(A: np.ndarray, act: np.ndarray, T: np.ndarray, p: int,
                        budget: WorkBudget) -> list[dict[int, int]]:
    """A basis of U ∩ E_T (U = colspace of A's rows ``act``) as sparse integer vectors."""
    cols = np.flatnonzero((A[act] != 0).any(0))
    inside = act & T
    rest = act & ~T
    A_in = A[np.ix_(inside, cols)]
    rows = np.flatnonzero(inside)
    if _independent_mod(A[np.ix_(act, cols)], p):
        return [{int(i): 1} for i in rows]
    if rest.any():
        budget.spend(A[np.ix_(rest, cols)], echelon=True)
        kernel = integer.kernel(A[np.ix_(rest, cols)])
        if not kernel or not kernel[0]:
            return []
        Y = integer.product(A_in, kernel)
    else:
        Y = A_in.tolist()
    columns = [list(column) for column in zip(*Y)]
    if _independent_mod(columns, p):
        # the spanning columns are a basis already (a rank mod p is a lower bound): no
        # elimination, and entries of the data's size instead of an echelon form's minors
        return [{int(i): c for i, c in zip(rows, column) if c != 0} for column in columns]
    budget.spend(Y, echelon=True)
    R, rank = integer.echelon(columns)
    return [{int(i): R[a][b] for b, i in enumerate(rows) if R[a][b] != 0} for a in range(rank)]


def _at(direction: np.ndarray, i: int) -> list[int]:
    """The m-vector of a direction at sample i (a 1-D direction is the same at every sample)."""
    return [int(x) for x in (direction if direction.ndim == 1 else direction[i])]


def _peel(columns: list[Column], m: int) -> tuple[int, set]:
    """Samples whose rows the columns supported on them alone already span (module docstring)."""
    removed: set = set()
    changed = True
    while changed:
        changed = False
        local: dict[int, list[list[int]]] = {}
        for support, direction in columns:
            live = [i for i in support if i not in removed]
            if len(live) == 1:
                local.setdefault(live[0], []).append(_at(direction, live[0]))
        for i, vs in local.items():
            if len(vs) >= m and integer.rank(vs) == m:
                removed.add(i)
                changed = True
    return m * len(removed), removed


def exact_rank(columns: list[Column], m: int, budget: WorkBudget | None = None,
               p: int = 2_147_483_629) -> int:
    """rank of the matrix with these columns, exactly: peeling, then the connected
    components, each with an exact integer rank (within ``budget``, when given: else
    :class:`BudgetExceeded`; ``p`` is the prime of its full-rank shortcut)."""
    rank, removed = _peel(columns, m)
    G = nx.Graph()
    for c, (support, _) in enumerate(columns):
        live = [i for i in support if i not in removed]
        if live:
            G.add_node(("col", c))
            G.add_edges_from((("col", c), ("sample", i)) for i in live)
    for component in nx.connected_components(G):
        cols = sorted(c for kind, c in component if kind == "col")
        samples = sorted(i for kind, i in component if kind == "sample")
        where = {i: a for a, i in enumerate(samples)}
        M = [[0] * len(cols) for _ in range(len(samples) * m)]
        for b, c in enumerate(cols):
            support, direction = columns[c]
            for i, y in support.items():
                if i in where:
                    for k, v in enumerate(_at(direction, i)):
                        M[where[i] * m + k][b] = y * v
        rank += integer.rank(M) if budget is None else budget.rank(M, p)
    return rank


Family = tuple  # (samples of the group: bool array, its directions: list of arrays)


def local_columns(A: np.ndarray, families: list[Family], T: np.ndarray, p: int,
                  budget: WorkBudget | None = None) -> list[Column]:
    """The columns Φ_g(y) of M_T: y over an exact basis of U_g ∩ E_T, one per direction.

    ``families``: (act, directions) per group, U_g = colspace of the rows ``act`` of the integer
    matrix A; a direction is an m-vector (the same at every sample: v_j for a shallow network)
    or an n × m array (a deep network's ∂f/∂z_lj), and Φ_g(u) = Σ_i u_i e_i ⊗ direction_i.
    ``p``: a prime, for the certified full-rank shortcut; ``budget``: for the exact kernels
    (:class:`BudgetExceeded` beyond it; unlimited by default).
    """
    budget = budget or WorkBudget(float("inf"))
    columns: list[Column] = []
    for act, directions in families:
        if not (act & T).any() or not directions:
            continue
        for y in _intersection_basis(A, act, T, p, budget):
            columns.extend((y, direction) for direction in directions)
    return columns


def count_relations(A: np.ndarray, families: list[Family], m: int, p: int,
                    samples: Any = None, budget: WorkBudget | None = None) -> dict[str, int]:
    """dim R_T exactly for the spaces Φ_g(U_g) of :func:`local_columns`, on the samples T
    (a boolean mask or indices; default: the heuristic :func:`choose_samples`).

    Returns {"samples": |T|, "columns", "rank": rank M_T, "relations": dim R_T}.
    """
    if samples is None:
        T = choose_samples(A, [act for act, _ in families], m, p)
    else:
        T = np.zeros(A.shape[0], bool)
        T[np.asarray(samples)] = True
    columns = local_columns(A, families, T, p, budget)
    rank = exact_rank(columns, m, budget, p)
    return {"samples": int(T.sum()), "columns": len(columns), "rank": rank,
            "relations": len(columns) - rank}


def relation_count(case: "ShallowModular", p: int, samples: Any = None,
                   budget: WorkBudget | None = None) -> dict[str, int]:
    """dim R_T exactly (module docstring) for a shallow case, on the samples T (a boolean mask
    or indices; default: the heuristic :func:`choose_samples`). ``p``: a prime dividing no
    denominator of X. See :func:`count_relations` for the result."""
    A = np.asarray(case.X.with_ones_column().integer_rows())
    families = [(case.S[:, g[0]], [np.array(v, dtype=object) for v in _v_basis(case, g)])
                for g in _groups(case)]
    return count_relations(A, families, case.m, p, samples, budget)
