"""Pair relations: kernel vectors of the compressed Jacobian from two neurons that differ on
few samples — a proven upper bound of a shallow local dimension, with no elimination.

Notation of :mod:`relugeom.rank.shallow`: S_j the samples neuron j activates, D_j = diag(1_{S_j}),
C_j the kept w̃-columns of neuron j (in the certified column basis of X̃, nonzero on S_j; empty
when v_j = 0). The w̃-columns of neuron j are (D_j X̃[:, l]) ⊗ v_j.

**Relations of a pair.** Let j ≠ k with v_j and v_k parallel (λ_j v_j = λ_k v_k = u ≠ 0; always
so for m = 1), Δ = S_j △ S_k the samples where they differ and I = C_j ∩ C_k. For a ∈ Q^I with
X̃[Δ, I]·a = 0, the vector x with λ_j·a on the columns (j, I) and −λ_k·a on (k, I) satisfies

    J·x = (D_j − D_k)·X̃[:, I]·a ⊗ u = 0,

since D_j − D_k is ±1 on Δ and 0 elsewhere. These a form a space of dimension
w_jk = |I| − rank X̃[Δ, I] ≥ |I| − (distinct samples in Δ), so the pair gives that many
independent kernel vectors of J restricted to the kept columns.

**A forest of pairs.** For the pairs of a forest F on the neurons, all these vectors are
independent: a leaf j of F lies in one pair only, whose vectors are independent on the columns
of j while every other vector is 0 there; remove that pair and repeat. Hence

    rank J = rank J[:, kept] ≤ (kept columns) − Σ_{(j,k) ∈ F} w_jk.

F is a maximum-weight spanning forest (Kruskal); any forest gives a valid bound. Samples on a
low-dimensional subspace make Δ small against |I| (e.g. X̃ of rank 4 and two neurons differing on
three samples: one relation), and so do nearly equal neurons.

Cost: two products n × N × N (the sizes of the Δ) and N × (d + 1) × N (the sizes of I), then one
pass over the pairs with a positive weight possible.

>>> from relugeom import ShallowNetwork
>>> from relugeom.rank.shallow import ShallowModular
>>> net = ShallowNetwork(W=[[1], [2]], b=[0, 0], V=[[1, 1]], c=[0])  # same patterns
>>> bound = pair_relations_bound(ShallowModular(net, [[1], [2], [-1]], 0))
>>> bound.value, bound.name
(3, 'pair relations')
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..linalg import integer
from ..linalg.certified import Bound
from ..linalg.column_basis import float_pivots

if TYPE_CHECKING:  # pragma: no cover
    from .shallow import ShallowModular


#: The exact rank of X̃[Δ, I] is computed when |I| is at most this …
SMALL_SHARED = 8
#: … and Δ has at most this many distinct samples more than |I|.
SLACK = 2


def pair_weights(case: ShallowModular, refine: bool = False) -> list[tuple[int, int, int]]:
    """(w, j, k) for the pairs j < k of neurons with v_j ∥ v_k and w > 0 (module docstring),
    the largest w first: w = |I| − (distinct samples in Δ); with ``refine``, when that count
    leaves no relation but |I| ≤ :data:`SMALL_SHARED` and Δ has at most :data:`SLACK` distinct
    samples more, w = |I| − rank_Q X̃[Δ, I] (samples on a low-dimensional subspace, small
    integers: the samples of Δ on a common hyperplane of it)."""
    mask = case.kept_w_mask().astype(np.float64)  # N × (d+1): the C_j
    S = case.S.astype(np.float64)
    counts = S.sum(0)
    # |Δ_jk| = |S_j| + |S_k| − 2|S_j ∩ S_k| and |I_jk|, exact in floats (integers below 2^53)
    differ = counts[:, None] + counts - 2 * (S.T @ S)
    shared = mask @ mask.T
    labels = case.sample_labels
    repeated = case.n - (int(labels.max()) + 1)  # distinct(Δ) ≥ |Δ| − repeated
    slack = np.where(shared <= SMALL_SHARED, SLACK, 0) if refine else 0
    j, k = ((shared - differ + repeated + slack > 0) & (shared > 0)).nonzero()
    out, tight = [], []
    for a, b in zip(j.tolist(), k.tolist()):
        if a >= b or not (case.m == 1 or _parallel(case, a, b)):  # (each pair once)
            continue
        if repeated:  # distinct(Δ) counted
            w = int(shared[a, b]) - len(set(labels[case.S[:, a] != case.S[:, b]].tolist()))
        else:
            w = int(shared[a, b] - differ[a, b])
        if w > 0:
            out.append((w, a, b))
        elif refine and shared[a, b] <= SMALL_SHARED and w + SLACK >= 0:
            tight.append((a, b))
    if tight:
        j, k = np.array(tight).T
        w = _rank_weights(case, mask, j, k, case.S[:, j] != case.S[:, k])
        out += [(int(c), int(a), int(b)) for c, a, b in zip(w, j, k) if c > 0]
    return sorted(out, reverse=True)


def _rank_weights(case: ShallowModular, mask: np.ndarray, j: np.ndarray, k: np.ndarray,
                  delta: np.ndarray) -> np.ndarray:
    """|I| − rank_Q X̃[Δ, I] for the pairs (j, k) (``delta``: their Δ as columns) whose
    X̃[Δ, I] looks deficient in floats, 0 for the others (a choice: the determinants of the
    Gram matrices X̃[Δ, I]ᵀX̃[Δ, I], the unit on the columns outside I, against the product of
    their diagonals, Hadamard's bound)."""
    columns = np.flatnonzero(mask[j].any(0) | mask[k].any(0))
    inside = (mask[j] * mask[k])[:, columns] > 0  # pairs × columns: I of each pair
    Xt = case.xt_float[:, columns]
    G = np.matmul(Xt.T[None] * delta.T[:, None, :], Xt)
    G *= inside[:, :, None] & inside[:, None, :]
    G[:, np.arange(len(columns)), np.arange(len(columns))] += ~inside
    scale = np.prod(G[:, np.arange(len(columns)), np.arange(len(columns))], axis=1)
    out = np.zeros(len(j))
    for q in np.flatnonzero(np.abs(np.linalg.det(G)) <= 1e-10 * scale):  # looks deficient
        rows, cols = np.flatnonzero(delta[:, q]), columns[inside[q]]
        out[q] = len(cols) - _exact_rank(case, rows, cols)
    return out


def _parallel(case: ShallowModular, j: int, k: int) -> bool:
    """Whether v_j and v_k are parallel, exactly (every 2 × 2 minor of [v_j, v_k] is 0)."""
    V = case.v_columns[:, [j, k]]  # (each column scaled by a positive rational: as parallel)
    return bool(np.array_equal(np.outer(V[:, 0], V[:, 1]), np.outer(V[:, 1], V[:, 0])))


def pair_forest(case: ShallowModular, refine: bool = False) -> list[tuple[int, int, int]]:
    """(w, j, k) for the pairs of a maximum-weight forest (Kruskal: the heaviest pair joining
    two trees), from :func:`pair_weights` (``refine`` passed on)."""
    parent = list(range(case.N))

    def root(j: int) -> int:
        while parent[j] != j:
            parent[j] = parent[parent[j]]
            j = parent[j]
        return j

    forest = []
    for w, j, k in pair_weights(case, refine):
        a, b = root(j), root(k)
        if a != b:
            parent[a] = b
            forest.append((w, j, k))
    return forest


def pair_relations_bound(case: ShallowModular,
                         forest: list[tuple[int, int, int]] | None = None) -> Bound | None:
    """The kept columns less the relations of a maximum-weight forest of pairs (module
    docstring; ``forest`` from :func:`pair_forest` when known), as a
    :class:`~relugeom.linalg.certified.Bound`; None when no pair has one."""
    forest = pair_forest(case) if forest is None else forest
    total = sum(w for w, _, _ in forest)
    if not total:
        return None
    kept = case._kept_count()
    return Bound("pair relations", kept - total,
                 f"{kept} kept columns less {total} relations D_j X̃ a = D_k X̃ a (X̃ a = 0 on "
                 f"the samples where j and k differ) over {len(forest)} pairs of neurons")


def related_columns(case: ShallowModular, forest: list[tuple[int, int, int]]) -> np.ndarray:
    """N × (d+1), boolean: kept w̃-columns to leave out so that the others may be independent
    when the forest's relations span the kernel — a choice for the float proof of the bound,
    never part of it. Each tree is rooted at its smallest neuron; each pair leaves out w_jk of
    the common columns I of its child neuron (the last ones; of the free columns of X̃[Δ, I]
    in floats, where its kernel vectors have their unit entries, when Δ has at least |I|
    samples): the relations of a pair are
    independent on those columns when the other columns of I are independent on the samples
    where the two differ, and the pairs below a neuron touch none of its left-out columns, so
    the relations restricted to all left-out columns are block triangular."""
    mask = case.kept_w_mask()
    neighbours: dict[int, list[tuple[int, int]]] = {}
    for w, j, k in forest:
        neighbours.setdefault(j, []).append((k, w))
        neighbours.setdefault(k, []).append((j, w))
    out = np.zeros_like(mask)
    seen: set[int] = set()
    for top in sorted(neighbours):
        if top in seen:
            continue
        seen.add(top)
        stack = [top]
        while stack:  # each neuron reached from its parent: the child of that pair
            j = stack.pop()
            for k, w in neighbours[j]:
                if k not in seen:
                    seen.add(k)
                    stack.append(k)
                    common = np.flatnonzero(mask[j] & mask[k])
                    delta = np.flatnonzero(case.S[:, j] != case.S[:, k])
                    if len(delta) >= len(common):  # a relation of coplanar differences
                        # the columns off a float column basis of X̃[Δ, I] (a choice): where
                        # its kernel vectors can have their unit entries
                        found = float_pivots(case.xt_float[np.ix_(delta, common)], len(common))
                        free = np.delete(common, found[1]) if found else common[:0]
                        common = free if len(free) >= w else common
                    out[k, common[len(common) - w:]] = True
    return out


def _exact_rank(case: ShallowModular, rows: np.ndarray, columns: np.ndarray) -> int:
    """rank_Q X̃[rows, columns]: from the floats themselves when they are integers below 2^52
    (then exact as they are: ten times cheaper than a general reading), else from X̃ scaled
    by rows to integers."""
    block = case.xt_float[np.ix_(rows, columns)]
    if case.exact_floats and np.all(np.abs(block) < 2.0 ** 52) and \
            np.array_equal(block, np.round(block)):
        return integer.rank(block.astype(np.int64).tolist())
    return integer.rank(case.xt_integers[np.ix_(rows, columns)].tolist())
