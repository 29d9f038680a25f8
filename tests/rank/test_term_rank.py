"""The term rank of a 0/1 pattern (the shallow bounds' data ranks) against a maximum matching
built independently, and the greedy matching as a lower bound of it."""

import networkx as nx
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from networkx.algorithms import bipartite

from relugeom.rank.shallow import _greedy_matching, _term_rank


@st.composite
def patterns(draw):
    rows, cols = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    density = draw(st.sampled_from([0.1, 0.3, 0.6, 1.0]))
    seed = draw(st.integers(0, 2 ** 16))
    return np.random.default_rng(seed).random((rows, cols)) < density


def maximum_matching(mask: np.ndarray) -> int:
    """Hopcroft–Karp on every row and column (none left out)."""
    G = nx.Graph()
    rows, cols = mask.shape
    G.add_nodes_from(range(rows + cols))
    G.add_edges_from((i, rows + j) for i, j in zip(*np.nonzero(mask)))
    return len(bipartite.hopcroft_karp_matching(G, top_nodes=range(rows))) // 2


@given(patterns())
def test_term_rank_is_a_maximum_matching(mask):
    assert _term_rank(mask) == maximum_matching(mask)


@given(patterns())
def test_greedy_matching_is_a_matching(mask):
    assert 0 < _greedy_matching(mask) <= maximum_matching(mask) or not mask.any()


def test_term_rank_searches_when_greedy_falls_short():
    # by degree: row 0 takes column 2, row 1 column 0, and row 2 finds both its columns taken
    mask = np.array([[0, 0, 1], [1, 1, 0], [1, 0, 1]], bool)
    assert _greedy_matching(mask) == 2
    assert _term_rank(mask) == 3 == maximum_matching(mask)
