"""ONNX models in (relugeom.model.formats.onnx_graph), with the real onnx package: graphs
exported by torch.onnx.export and built with onnx.helper (Gemm with every transB / alpha /
beta, MatMul + Add, float16 / bfloat16 / float64 initializers) read to the exact network;
graphs that are not ReLU MLPs refused naming the node."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom import DeepNetwork, InputError, import_network, load_network

from .model_files import dense_weights, onnx_gemm_model, torch_mlp

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402


def torch_layers(widths, seed=0):
    """(W (out, in), b) float64 arrays holding float32 values."""
    return [(kernel.T.astype(np.float64), bias.astype(np.float64))
            for kernel, bias in dense_weights(widths, seed)]


def exact(layers, dtype=np.float32, alpha=1, beta=1):
    """The exact network of ``layers`` stored in ``dtype``, scaled by Gemm's alpha and beta:
    each entry's own value as a Fraction (the ONNX attributes are float32)."""
    a = Fraction(*float(np.float32(alpha)).as_integer_ratio())
    c = Fraction(*float(np.float32(beta)).as_integer_ratio())
    value = lambda v: Fraction(*float(v).as_integer_ratio())  # noqa: E731
    return DeepNetwork([([[a * value(w) for w in row] for row in W.astype(dtype)],
                         [c * value(v) for v in b.astype(dtype)]) for W, b in layers])


@given(trans_b=st.sampled_from([0, 1]), alpha=st.sampled_from([1.0, 0.5, 0.1, 3.0]),
       beta=st.sampled_from([1.0, 2.0, 0.3]), seed=st.integers(0, 50))
def test_gemm_attributes_are_exact(trans_b, alpha, beta, seed):
    layers = torch_layers([3, 4, 2], seed)
    model = onnx_gemm_model(layers, trans_b=trans_b, alpha=alpha, beta=beta)
    network, report = import_network(model)
    assert DeepNetwork(network.layers) == exact(layers, alpha=alpha, beta=beta)
    assert "ReferenceEvaluator" in report.check


def test_low_and_high_precision_initializers_and_matmul_add():
    layers = torch_layers([4, 5, 3, 2], seed=1)
    for proto, dtype in ((TensorProto.FLOAT16, np.float16), (TensorProto.DOUBLE, np.float64)):
        assert load_network(onnx_gemm_model(layers, dtype=proto)) == exact(layers, dtype)
        assert load_network(onnx_gemm_model(layers, dtype=proto, matmul=True)) == \
            exact(layers, dtype)
    bf16 = load_network(onnx_gemm_model(layers, dtype=TensorProto.BFLOAT16))
    # bfloat16 keeps 8 significant bits: every weight is k·2^e with |k| < 256
    assert all(abs(q.numerator) < 256 and q.denominator & (q.denominator - 1) == 0
               for W, _ in bf16.layers for row in W for q in row)


def test_dropped_nodes_and_final_activation_are_reported():
    layers = torch_layers([3, 4, 4, 2], seed=2)
    model = onnx_gemm_model(layers, final="Sigmoid",
                            extra_nodes=[("Identity", {}), ("Dropout", {})])
    network, report = import_network(model)
    assert network == exact(layers)
    assert report.final_activation == "sigmoid"
    assert report.dropped == ("node 'Identity0' (Identity)", "node 'Dropout1' (Dropout)")


def test_torch_export_reads_like_the_module(tmp_path):
    torch = pytest.importorskip("torch")
    model = torch_mlp([6, 5, 4, 3], seed=3)
    path = tmp_path / "model.onnx"
    try:
        torch.onnx.export(model, (torch.randn(1, 6),), str(path), dynamo=False)
    except Exception as exc:   # the exporter's own dependencies (onnxscript) may be missing
        pytest.skip(f"torch.onnx.export unavailable: {exc}")
    assert load_network(str(path)) == load_network(model)
    # the format is told by the content: the same bytes under another name read the same
    (tmp_path / "model.bin").write_bytes(path.read_bytes())
    assert load_network(str(tmp_path / "model.bin")) == load_network(model)


def _graph(nodes, inits, inputs=("x",), output="y"):
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info(name, TensorProto.FLOAT, [None, 2])
                     for name in inputs],
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, [None, 2])],
        [numpy_helper.from_array(np.asarray(v, dtype=np.float32), k) for k, v in inits.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


EYE = {"W": np.eye(2), "c": np.zeros(2)}


@pytest.mark.parametrize("nodes, inits, named", [
    ([helper.make_node("Gemm", ["x", "W", "c"], ["z"], name="g0"),
      helper.make_node("Add", ["z", "x"], ["y"], name="skip")], EYE, "'skip' .Add. combines"),
    ([helper.make_node("Gemm", ["x", "W", "c"], ["z"], name="g0"),
      helper.make_node("Gelu", ["z"], ["y"], name="act")], EYE, "'act' .Gelu. is not supported"),
    ([helper.make_node("Conv", ["x", "W"], ["y"], name="conv")], EYE, "'conv' .Conv."),
    ([helper.make_node("Gemm", ["x", "W", "c"], ["z"], name="g0"),
      helper.make_node("BatchNormalization", ["z", "c", "c", "c", "c"], ["y"], name="bn")],
     EYE, "'bn' .BatchNormalization."),
    ([helper.make_node("Gemm", ["x", "W", "c"], ["y"], name="g0", transA=1)], EYE, "transA"),
])
def test_refusals_name_the_node(nodes, inits, named):
    with pytest.raises(InputError, match=named):
        load_network(_graph(nodes, inits))


def test_truncated_file_is_refused(tmp_path):
    data = onnx_gemm_model(torch_layers([3, 4, 2])).SerializeToString()
    (tmp_path / "cut.onnx").write_bytes(data[:len(data) // 2])
    with pytest.raises(InputError, match="cut.onnx"):
        load_network(str(tmp_path / "cut.onnx"))
