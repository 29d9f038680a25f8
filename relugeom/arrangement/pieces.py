"""The region adjacency graph and the linear pieces of f(x) = V relu(Wx + b) + c.

On the cell with activation pattern s, f is the affine map x ↦ A x + a with

    A = V diag(s) W,   a = V diag(s) b + c.

Two cells are *adjacent* when their closures share a facet, a (d−1)-dimensional face. With
hyperplanes merged (duplicates and opposite orientations counted once) this happens exactly
when their sign vectors over the distinct hyperplanes differ in one entry h:

- necessary: near a relative-interior point of the shared facet, which lies on its hyperplane
  H_h and on no other (another hyperplane containing a (d−1)-face of H_h would equal H_h), the
  two cells are the two sides of H_h;
- sufficient: if interior points p and p' differ only on H_h, every other hyperplane has p and
  p' strictly on one side, hence the whole segment [p, p']; the point where it crosses H_h has a
  neighbourhood in H_h avoiding every other hyperplane, which lies in both closures.

A *linear piece* is a class of cells joined by adjacencies across which the affine map does not
change (:func:`merge_linear_pieces`). Across H_h the maps differ by κ_h ⊗ (n_h, c_h), where
(n_h, c_h) is the hyperplane and κ_h = Σ_{j on H_h} λ_j v_j sums the output columns of its
neurons weighted by their scales (w_j, b_j) = ±λ_j (n_h, c_h), whatever their orientations; it
does not depend on where H_h is crossed. So f *bends* on H_h iff κ_h ≠ 0, and the linear pieces
are exactly the cells of the sub-arrangement of bending hyperplanes: they can be counted by
Zaslavsky's theorem without enumerating anything (:func:`count_linear_pieces`), and a point's
piece is its side vector on the bending hyperplanes.

>>> from relugeom.arrangement.cells import hyperplane_arrangement
>>> # f = relu(x) − relu(−x) + relu(y): 4 activation regions, 2 linear pieces
>>> arr = hyperplane_arrangement([[1, 0], [-1, 0], [0, 1]], [0, 0, 0])
>>> G = adjacency_graph(arr, V=[[1, -1, 1]], c=[0])
>>> G.number_of_nodes(), merge_linear_pieces(G).count, count_linear_pieces(arr, [[1, -1, 1]])
(4, 2, 2)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Sequence

import networkx as nx
import numpy as np

from ..errors import BoundaryError, InputError
from ..exact.numbers import rational_matrix, rational_vector, to_json_number
from ..model.patterns import distinct_rows, first_zero
from .cells import (Cell, HyperplaneArrangement, enumerate_cells, hyperplane_arrangement,
                    hyperplane_sides)
from .zaslavsky import region_counts


@dataclass(frozen=True)
class LinearPieces:
    """A partition of the cells into linear pieces.

    ``cell_piece[i]``: the piece of cell i; ``pieces[p]``: the cells of piece p (pieces are
    numbered by their smallest cell); ``maps[p]``: the affine map (A, a) of f on piece p, or
    ``None`` when the graph had no maps; ``bending``: the hyperplanes crossed by an edge whose
    two maps differ (where f bends).
    """

    count: int
    cell_piece: tuple
    pieces: tuple
    maps: tuple
    bending: tuple = ()

    def to_dict(self) -> dict[str, Any]:
        def affine(m):
            if m is None:
                return None
            A, a = m
            return {"A": [[to_json_number(q) for q in row] for row in A],
                    "a": [to_json_number(q) for q in a]}
        return {"linear_pieces": self.count, "cell_piece": list(self.cell_piece),
                "bending_hyperplanes": list(self.bending),
                "pieces": [{"cells": list(cells), **({"map": affine(m)} if m else {})}
                           for cells, m in zip(self.pieces, self.maps)]}


def _output_layer(arrangement: HyperplaneArrangement, V: Any, c: Any | None) -> tuple[tuple, tuple]:
    V = rational_matrix(V, "V", (None, arrangement.n_neurons))
    if not V:
        raise InputError("V has no rows: f needs at least one output")
    c = rational_vector(c if c is not None else [0] * len(V), "c", len(V))
    return V, c


def affine_maps(arrangement: HyperplaneArrangement, cells: Sequence[Cell], V: Any,
                c: Any) -> list[tuple[tuple, tuple]]:
    """The affine map (A, a) of f on each cell: A = V diag(s) W, a = V diag(s) b + c.

    All contributions v_j ⊗ (w_j, b_j) are brought to one common denominator first, so a cell
    costs O(m·d·N) integer additions. Exact.
    """
    V, c = _output_layer(arrangement, V, c)
    W, b = arrangement.W, arrangement.b
    m, d, N = len(V), arrangement.dimension, arrangement.n_neurons
    terms = [[V[k][j] * q for k in range(m) for q in (*W[j], b[j])] for j in range(N)]
    base = [q for k in range(m) for q in (*[Fraction(0)] * d, c[k])]
    lcm = math.lcm(*(q.denominator for row in terms for q in row),
                   *(q.denominator for q in base))
    terms = [[int(q * lcm) for q in row] for row in terms]
    base = [int(q * lcm) for q in base]
    out = []
    for cell in cells:
        total = list(base)
        for j, active in enumerate(cell.pattern):
            if active:
                total = [x + y for x, y in zip(total, terms[j])]
        entries = [Fraction(x, lcm) for x in total]
        rows = [entries[k * (d + 1):(k + 1) * (d + 1)] for k in range(m)]
        out.append((tuple(tuple(r[:d]) for r in rows), tuple(r[d] for r in rows)))
    return out


def adjacency_graph(arrangement: HyperplaneArrangement, cells: Sequence[Cell] | None = None,
                    V: Any = None, c: Any = None) -> nx.Graph:
    """The region adjacency graph: cells, and an edge for every shared facet.

    Node i is ``cells[i]`` with attributes ``pattern``, ``side``, ``point``, ``bounded``,
    ``relatively_bounded``, and, when the output layer V (m×N), c is given, the affine map of f
    there as ``A`` (m rows of d entries) and ``a`` (m entries). The edge {i, k} carries
    ``hyperplane`` (index into ``arrangement.hyperplanes``) and ``neurons`` (the neurons on that
    hyperplane). Cost: O(R·H) dictionary look-ups for R cells and H hyperplanes.
    """
    if cells is None:
        cells = enumerate_cells(arrangement)
    G = nx.Graph()
    maps = affine_maps(arrangement, cells, V, c) if V is not None else None
    for i, cell in enumerate(cells):
        attrs = {"pattern": cell.pattern, "side": cell.side, "point": cell.point,
                 "bounded": cell.bounded, "relatively_bounded": cell.relatively_bounded}
        if maps is not None:
            attrs["A"], attrs["a"] = maps[i]
        G.add_node(i, **attrs)
    bits = [sum(1 << h for h, s in enumerate(cell.side) if s > 0) for cell in cells]
    index = {key: i for i, key in enumerate(bits)}
    groups = arrangement.groups
    for i, key in enumerate(bits):
        for h in range(len(groups)):
            if key >> h & 1:
                k = index.get(key ^ (1 << h))
                if k is not None:
                    G.add_edge(i, k, hyperplane=h, neurons=groups[h])
    return G


def merge_linear_pieces(graph: nx.Graph) -> LinearPieces:
    """Merge adjacent cells with identical affine maps; the classes are the linear pieces.

    ``graph`` is a region adjacency graph with maps (:func:`adjacency_graph` with V, c), its
    nodes the cells 0, ..., R − 1. Pieces are the connected components of the subgraph of edges
    whose two ends carry the same (A, a); numbered by smallest cell, each listing its cells in
    increasing order. Cost: O(R + E) (breadth-first search of each component once).
    """
    nodes = graph.nodes
    same = nx.Graph()
    same.add_nodes_from(range(graph.number_of_nodes()))
    bending = set()
    for i, k, h in graph.edges(data="hyperplane"):
        if nodes[i].get("A") == nodes[k].get("A") and nodes[i].get("a") == nodes[k].get("a"):
            same.add_edge(i, k)
        else:
            bending.add(h)
    piece_of: list[int | None] = [None] * same.number_of_nodes()
    count = 0
    for i in range(len(piece_of)):  # in increasing order: a piece is numbered at its smallest cell
        if piece_of[i] is None:
            for k in nx.node_connected_component(same, i):
                piece_of[k] = count
            count += 1
    cell_piece = tuple(piece_of)
    pieces: list[list[int]] = [[] for _ in range(count)]
    for i, p in enumerate(cell_piece):
        pieces[p].append(i)
    maps = tuple((nodes[cells[0]]["A"], nodes[cells[0]]["a"]) if "A" in nodes[cells[0]] else None
                 for cells in pieces)
    return LinearPieces(len(pieces), cell_piece, tuple(tuple(p) for p in pieces), maps,
                        tuple(sorted(bending)))


def bending_hyperplanes(arrangement: HyperplaneArrangement, V: Any) -> tuple[int, ...]:
    """The hyperplanes on which f bends: those with κ_h = Σ_{j on h} λ_j v_j ≠ 0.

    >>> arr = hyperplane_arrangement([[1], [-1]], [0, 0])
    >>> bending_hyperplanes(arr, [[1, -1]]), bending_hyperplanes(arr, [[1, 1]])
    ((), (0,))
    """
    V, _ = _output_layer(arrangement, V, None)
    out = []
    for h, group in enumerate(arrangement.groups):
        kappa = [sum(row[j] * arrangement.neuron_scale[j] for j in group) for row in V]
        if any(kappa):
            out.append(h)
    return tuple(out)


def bending_arrangement(arrangement: HyperplaneArrangement, V: Any) -> HyperplaneArrangement | None:
    """The sub-arrangement of bending hyperplanes (``None`` when f is affine everywhere)."""
    bending = bending_hyperplanes(arrangement, V)
    if not bending:
        return None
    return hyperplane_arrangement([arrangement.hyperplanes[h][0] for h in bending],
                                  [arrangement.hyperplanes[h][1] for h in bending])


def count_linear_pieces(arrangement: HyperplaneArrangement, V: Any,
                        steps: int | None = None) -> int:
    """The number of linear pieces, without enumeration: regions of the bending sub-arrangement
    (with ``steps``, a work budget as in :func:`relugeom.arrangement.zaslavsky.region_counts`)."""
    bending = bending_arrangement(arrangement, V)
    return 1 if bending is None else region_counts(bending, steps).regions


def _refuse_zero(sides: np.ndarray, neurons: Sequence[int]) -> None:
    """BoundaryError for the first sample (then hyperplane) with side 0, naming the neuron."""
    zero = first_zero(sides)
    if zero is not None:
        raise BoundaryError(sample=zero[0], neuron=neurons[zero[1]])


def bending_sides(arrangement: HyperplaneArrangement, V: Any, X: Any) -> np.ndarray:
    """For each sample, its side ±1 on each bending hyperplane (int8, n × bending): equal rows,
    same linear piece.

    A sample on a bending hyperplane lies on the border of two pieces: BoundaryError naming the
    sample and the first neuron of that hyperplane (first such sample, then first hyperplane).
    A sample on a hyperplane where f does not bend is inside a piece and is accepted.
    """
    bending = bending_hyperplanes(arrangement, V)
    sides = hyperplane_sides(arrangement, X, bending)
    _refuse_zero(sides, [arrangement.groups[h][0] for h in bending])
    return sides


def bending_sides_from_signs(arrangement: HyperplaneArrangement, V: Any,
                             signs: np.ndarray) -> np.ndarray:
    """:func:`bending_sides` read off the signs of the pre-activations z_ij (n × N), already
    computed: the side on hyperplane h is the sign of its first neuron j times the neuron's
    orientation (z_j is a positive multiple of ± the canonical hyperplane)."""
    bending = bending_hyperplanes(arrangement, V)
    first = [arrangement.groups[h][0] for h in bending]
    orientation = np.array([arrangement.neuron_orientation[j] for j in first], dtype=np.int8)
    sides = np.asarray(signs)[:, first] * orientation
    _refuse_zero(sides, first)
    return sides.astype(np.int8)


def piece_keys(arrangement: HyperplaneArrangement, V: Any, X: Any) -> tuple[tuple[int, ...], ...]:
    """For each sample, the side vector on the bending hyperplanes: equal keys, same piece.

    A sample on a bending hyperplane lies on the border of two pieces: BoundaryError naming the
    sample and the first neuron of that hyperplane. A sample on a hyperplane where f does not
    bend is inside a piece and is accepted.
    """
    return tuple(map(tuple, bending_sides(arrangement, V, X).tolist()))


def count_pieces_from_sides(sides: np.ndarray) -> int:
    """The number of distinct side vectors (rows of :func:`bending_sides`): pieces perceived."""
    first, _ = distinct_rows(sides)
    return len(first)
