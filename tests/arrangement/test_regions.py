"""What a sample perceives (relugeom.arrangement.regions): the activation region and the linear
piece of each sample, also counted without enumeration, and samples on a hyperplane."""

import pytest
from hypothesis import given

from relugeom import (BoundaryError, ShallowNetwork, activation_patterns, analyze,
                      count_pieces_perceived, region_report)
from relugeom.search.strategies import network_and_sample


@given(network_and_sample(input_dim=(1, 3), hidden_width=(1, 5), output_dim=(1, 2),
                          random_features=True))
def test_perceived_regions_and_pieces(pair):
    net, X = pair
    report = region_report(net, X)
    perceived = report.perceived
    assert [report.regions.cells[i].pattern for i in perceived.sample_region] == \
        list(activation_patterns(net, X))
    assert perceived.activation_regions_perceived == len(set(activation_patterns(net, X)))
    # counted without enumeration, through the bending hyperplanes
    assert perceived.linear_pieces_perceived == count_pieces_perceived(net, X) \
        == analyze(net, X).linear_pieces_perceived
    for i, x in enumerate(X):   # the piece's map is f near x
        A, a = report.pieces.maps[perceived.sample_piece[i]]
        assert net(x) == tuple(sum((p * q for p, q in zip(row, x)), ak) for row, ak in zip(A, a))
    keys = report.to_dict()
    for key in ("activation_regions", "bounded_activation_regions",
                "relatively_bounded_activation_regions", "linear_pieces",
                "activation_regions_perceived", "linear_pieces_perceived"):
        assert isinstance(keys[key], int)


def test_samples_on_a_hyperplane_where_f_does_not_bend():
    net = ShallowNetwork(W=[[1, 0], [-1, 0], [0, 1]], b=[0, 0, 0], V=[[1, -1, 1]], c=[0])
    X = [[0, 1], [2, 1], [1, -1]]          # the first is on x = 0, where f = x + relu(y) is smooth
    assert count_pieces_perceived(net, X) == 2
    with pytest.raises(BoundaryError):
        region_report(net, X)              # but it lies in no activation region
    assert analyze(net, X, relu_prime_at_zero=0).linear_pieces_perceived == 2
    on_bend = [[1, 0], [2, 1]]
    with pytest.raises(BoundaryError) as info:
        count_pieces_perceived(net, on_bend)
    assert (info.value.sample, info.value.neuron) == (0, 2)
    assert analyze(net, on_bend, relu_prime_at_zero=1).linear_pieces_perceived is None
