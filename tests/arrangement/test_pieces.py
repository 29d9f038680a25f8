"""Linear pieces (relugeom.arrangement.pieces): cells with the same affine map merged across
shared facets, against the network itself (ShallowNetwork.__call__) and hand cases."""

import itertools

from hypothesis import given

from relugeom import ShallowNetwork
from relugeom.arrangement.cells import enumerate_cells, hyperplane_arrangement
from relugeom.arrangement.pieces import (adjacency_graph, affine_maps, bending_hyperplanes,
                                         count_linear_pieces, merge_linear_pieces, piece_keys)
from relugeom.search.strategies import networks


def _network_pieces(net):
    arr = hyperplane_arrangement(net.W, net.b)
    cells = enumerate_cells(arr)
    G = adjacency_graph(arr, cells, net.V, net.c)
    return arr, cells, G, merge_linear_pieces(G)


def test_relu_x_minus_relu_minus_x_plus_relu_y():
    net = ShallowNetwork(W=[[1, 0], [-1, 0], [0, 1]], b=[0, 0, 0], V=[[1, -1, 1]], c=[0])
    arr, cells, G, pieces = _network_pieces(net)
    assert len(cells) == 4 and pieces.count == 2
    assert count_linear_pieces(arr, net.V) == 2
    assert bending_hyperplanes(arr, net.V) == (1,)
    for cells_of_piece, (A, a) in zip(pieces.pieces, pieces.maps):
        ys = {G.nodes[i]["point"][1] > 0 for i in cells_of_piece}
        assert len(ys) == 1
        assert A == (((1, 1),) if ys == {True} else ((1, 0),)) and a == (0,)


def test_absolute_value_has_two_pieces():
    net = ShallowNetwork(W=[[1], [-1]], b=[0, 0], V=[[1, 1]], c=[0])
    arr, cells, G, pieces = _network_pieces(net)
    assert (len(cells), pieces.count, G.number_of_edges()) == (2, 2, 1)
    edge = G.edges[0, 1]
    assert edge["hyperplane"] == 0 and edge["neurons"] == (0, 1)


def test_same_map_on_non_adjacent_cells_gives_two_pieces():
    # f = relu(x) − 2 relu(x − 1) + relu(x − 2) is 0 | x | 2 − x | 0: a hat
    net = ShallowNetwork(W=[[1], [1], [1]], b=[0, -1, -2], V=[[1, -2, 1]], c=[0])
    arr, cells, _, pieces = _network_pieces(net)
    maps = affine_maps(arr, cells, net.V, net.c)
    assert len(cells) == 4 and len(set(maps)) == 3 and pieces.count == 4
    assert count_linear_pieces(arr, net.V) == 4


@given(networks(input_dim=(1, 3), hidden_width=(1, 5), output_dim=(1, 2),
                random_features=True))
def test_pieces_are_the_cells_of_the_bending_arrangement(net):
    arr, cells, G, pieces = _network_pieces(net)
    assert pieces.count == count_linear_pieces(arr, net.V)
    assert pieces.bending == bending_hyperplanes(arr, net.V)
    # maps are those of the network itself
    for i in G.nodes:
        x, A, a = G.nodes[i]["point"], G.nodes[i]["A"], G.nodes[i]["a"]
        assert net(x) == tuple(sum((p * q for p, q in zip(row, x)), ak) for row, ak in zip(A, a))
    # a piece is one side vector on the bending hyperplanes, and vice versa
    keys = piece_keys(arr, net.V, [c.point for c in cells])
    assert len(set(keys)) == pieces.count
    for i, j in itertools.combinations(range(len(cells)), 2):
        assert (keys[i] == keys[j]) == (pieces.cell_piece[i] == pieces.cell_piece[j])
