"""Keras files in (relugeom.model.formats.keras_h5), written with h5py in the layouts Keras 2
and Keras 3 write: each reads to the network whose W is the kernel transposed, entry by entry,
with the same local dimension; the final activation comes from the configuration; what is
not a ReLU MLP is refused naming the layer."""

from fractions import Fraction

import numpy as np
import pytest

from relugeom import DeepNetwork, InputError, import_network, load_network, local_dimension

from .model_files import (dense_weights, write_keras2_model, write_keras2_weights,
                          write_keras3_archive, write_keras3_weights)

pytest.importorskip("h5py")

WRITERS = {"model.h5": write_keras2_model, "weights.h5": write_keras2_weights,
           "model.weights.h5": write_keras3_weights, "model.keras": write_keras3_archive}


def transposed(kernels):
    """W[j][i] = kernel[i][j], each entry's own float value as a Fraction."""
    value = lambda v: Fraction(*float(v).as_integer_ratio())  # noqa: E731
    return DeepNetwork([([[value(kernel[i][j]) for i in range(kernel.shape[0])]
                          for j in range(kernel.shape[1])], [value(v) for v in bias])
                        for kernel, bias in kernels])


@pytest.mark.parametrize("name", WRITERS)
@pytest.mark.parametrize("widths", [(3, 5, 2), (4, 6, 5, 4, 3)])
def test_both_layouts_round_trip(tmp_path, name, widths):
    kernels = dense_weights(widths, seed=len(name))
    WRITERS[name](tmp_path / name, kernels)
    network, report = import_network(str(tmp_path / name))
    expected = transposed(kernels)
    assert DeepNetwork(network.layers) == expected and report.format == "keras"
    assert "Keras layout" in report.check
    X = [[Fraction(i * (k + 1) - 4, 3) for k in range(widths[0])] for i in range(6)]
    assert local_dimension(network, X) == local_dimension(expected, X)


def test_more_than_ten_layers_keep_their_order(tmp_path):
    kernels = dense_weights([2] + [3] * 11 + [1], seed=1)   # dense, dense_1, …, dense_11
    write_keras3_weights(tmp_path / "deep.weights.h5", kernels)
    assert load_network(str(tmp_path / "deep.weights.h5")) == transposed(kernels)


@pytest.mark.parametrize("name", ["model.h5", "model.keras"])
def test_final_activation_and_dropout_from_the_config(tmp_path, name):
    kernels = dense_weights((3, 4, 2), seed=2)
    dropout = {"class_name": "Dropout", "config": {"name": "dropout", "rate": 0.5}}
    WRITERS[name](tmp_path / name, kernels, final="softmax", extra=[(2, dropout)])
    network, report = import_network(str(tmp_path / name))
    assert network == transposed(kernels).to_shallow()
    assert report.final_activation == "softmax"
    assert report.dropped == ("layer 'dropout' (Dropout)",)


@pytest.mark.parametrize("layer, named", [
    ({"class_name": "Conv2D", "config": {"name": "conv2d"}}, "'conv2d' .Conv2D."),
    ({"class_name": "BatchNormalization", "config": {"name": "bn"}}, "'bn' .BatchNormalization."),
    ({"class_name": "Add", "config": {"name": "add"}}, "'add' .Add."),
    ({"class_name": "Activation", "config": {"name": "act", "activation": "gelu"}}, "'gelu'"),
])
def test_refusals_name_the_layer(tmp_path, layer, named):
    write_keras2_model(tmp_path / "m.h5", dense_weights((3, 4, 2)), extra=[(2, layer)])
    with pytest.raises(InputError, match=named):
        load_network(str(tmp_path / "m.h5"))


def test_weights_only_refusals_and_truncation(tmp_path):
    kernels = dense_weights((3, 4, 2))
    write_keras3_weights(tmp_path / "bn.weights.h5", kernels,
                         others=[("batch_normalization", [np.ones(4)] * 4)])
    with pytest.raises(InputError, match="'batch_normalization'"):
        load_network(str(tmp_path / "bn.weights.h5"))
    write_keras3_weights(tmp_path / "ok.weights.h5", kernels)
    data = (tmp_path / "ok.weights.h5").read_bytes()
    (tmp_path / "cut.weights.h5").write_bytes(data[:len(data) // 3])
    with pytest.raises(InputError, match="cut.weights.h5"):
        load_network(str(tmp_path / "cut.weights.h5"))
    with pytest.raises(InputError, match=r"layer 1 \(layer 'dense' \(Dense\)\)"):
        load_network(str(tmp_path / "ok.weights.h5"), widths=[4, 4, 2])
