"""ONNX models (read with the ``onnx`` package; no runtime needed).

The graph's nodes are read in order (ONNX stores them topologically sorted) along the one
chain from the graph's input to its output:

- ``Gemm`` (Y = α·A·B' + β·C with B' = B or Bᵀ by ``transB``): W = α·B'ᵀ and b = β·C, α and
  β at their exact float32 values; ``transA = 1`` is refused, by name;
- ``MatMul`` by a constant, optionally followed by ``Add`` of a constant (folded exactly
  into the bias);
- ``Relu``; ``Flatten``, and ``Reshape`` to a batch of vectors (shape ``[-1, k]``,
  ``[0, -1]``, …); ``Identity`` and ``Dropout`` (no-ops at inference, reported);
- a final ``Softmax`` / ``LogSoftmax`` / ``Sigmoid``: reported, the network analysed up to
  the logits.

Initializers and ``Constant`` nodes may be float16, bfloat16, float32 or float64 (read
exactly) or integers. Any other node, a node reading anything but the chain's current tensor
(a residual ``Add`` of two paths, a branch) or a second graph input is refused, naming the
node's op type and name. The import is checked against ``onnx.reference.ReferenceEvaluator``,
the reference implementation that ships with ``onnx`` (an independent evaluation of the graph
node by node).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from ...errors import InputError
from .chain import Chain, ChainBuilder, check_forward

__all__ = ["chain_from_onnx", "load_onnx", "is_onnx_model"]

PIP = "pip install 'relugeom[onnx]'"
_FINAL = {"Softmax": "softmax", "LogSoftmax": "log_softmax", "Sigmoid": "sigmoid"}
SUPPORTED = ("Gemm, MatMul (+ Add), Relu, Flatten, Identity, Dropout, Reshape to a vector, "
             "and a final Softmax / Sigmoid")


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise InputError(f"reading ONNX models needs the onnx package, which is not installed: "
                         f"{PIP}") from None
    return onnx


def is_onnx_model(obj: Any) -> bool:
    return type(obj).__name__ == "ModelProto" and hasattr(obj, "graph")


def load_onnx(data: bytes, source: str) -> Any:
    """The ModelProto in ``data``; a truncated or non-ONNX file refused."""
    onnx = _onnx()
    try:
        model = onnx.load_model_from_string(data)
    except Exception as exc:  # protobuf's DecodeError and friends
        raise InputError(f"{source} cannot be read as an ONNX model: it is truncated or not "
                         f"ONNX ({type(exc).__name__}: {exc})") from None
    if not model.graph.node:
        raise InputError(f"{source} is not an ONNX model with a graph (no nodes): truncated or "
                         "another format")
    return model


def _attributes(node: Any) -> dict:
    onnx = _onnx()
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def chain_from_onnx(model: Any, source: str = "the ONNX model") -> tuple[Chain, str]:
    """The chain of an ONNX ReLU MLP and the forward-check sentence."""
    onnx = _onnx()
    from onnx import numpy_helper

    graph = model.graph
    constants = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    inputs = [i.name for i in graph.input if i.name not in constants]
    if len(inputs) != 1:
        raise InputError(f"{source}: the graph has {len(inputs)} inputs ({inputs}); relugeom "
                         "reads a network of one input")
    builder = ChainBuilder(source)
    current = inputs[0]
    for node in graph.node:
        label = f"node {node.name or '(unnamed)'!r} ({node.op_type})"
        if node.op_type == "Constant":
            value = _attributes(node).get("value")
            if value is None:
                raise InputError(f"{source}: {label} holds no tensor 'value'")
            constants[node.output[0]] = numpy_helper.to_array(value)
            continue
        data = [name for name in node.input if name and name not in constants]
        if data != [current]:
            why = (f"combines the computed tensors {data}: a residual connection or a branch"
                   if len(data) > 1 else f"reads {data or 'only constants'} rather than the "
                                         f"chain's current tensor {current!r}")
            raise InputError(f"{source}: {label} {why}; relugeom reads chains (MLPs) only")
        _read_node(node, label, constants, builder)
        current = node.output[0]
    outputs = [o.name for o in graph.output]
    if outputs != [current]:
        raise InputError(f"{source}: the graph's outputs {outputs} are not the chain's last "
                         f"tensor {current!r}")
    chain = builder.finish()
    from onnx.reference import ReferenceEvaluator

    elem = graph.input[[i.name for i in graph.input].index(inputs[0])].type.tensor_type.elem_type
    dtype = onnx.helper.tensor_dtype_to_np_dtype(elem) if elem else np.dtype(np.float32)
    evaluator = ReferenceEvaluator(model)

    def run(X: np.ndarray) -> np.ndarray:
        return evaluator.run(None, {inputs[0]: X.astype(dtype)})[0].astype(np.float64)

    return chain, check_forward(chain, run, np.dtype(dtype), "onnx.reference.ReferenceEvaluator",
                                source)


def _constant(name: str, constants: dict, label: str, source: str) -> np.ndarray:
    if name not in constants:
        raise InputError(f"{source}: {label} needs the constant {name!r}, which the graph does "
                         "not hold")
    return constants[name]


def _exact_attribute(value: Any) -> Fraction:
    """An ONNX float attribute at its exact float32 value (protobuf stores float32)."""
    return Fraction(*np.float32(value).item().as_integer_ratio())


def _read_node(node: Any, label: str, constants: dict, builder: ChainBuilder) -> None:
    op, source = node.op_type, builder.source
    attributes = _attributes(node)
    if op == "Gemm":
        if attributes.get("transA", 0):
            raise InputError(f"{source}: {label} has transA = 1 (the activations transposed); "
                             "relugeom reads Gemm with transA = 0 only")
        B = _constant(node.input[1], constants, label, source)
        W = B if attributes.get("transB", 0) else B.T
        C = _constant(node.input[2], constants, label, source) if len(node.input) > 2 and \
            node.input[2] else None
        if C is not None and C.size not in (1, W.shape[0]):
            raise InputError(f"{source}: {label}: C has shape {C.shape}, which does not "
                             f"broadcast to one bias per output ({W.shape[0]})")
        if C is not None and C.size == 1:
            C = np.full(W.shape[0], C.reshape(-1)[0])
        builder.affine(label, W, C, scale=_exact_attribute(attributes.get("alpha", 1.0)),
                       bias_scale=_exact_attribute(attributes.get("beta", 1.0)))
    elif op == "MatMul":
        if node.input[0] not in constants:
            builder.affine(label, _constant(node.input[1], constants, label, source).T, None)
        else:
            raise InputError(f"{source}: {label} multiplies a constant by the activations "
                             "(constant first); relugeom reads x·B")
    elif op == "Add":
        other = [name for name in node.input if name in constants]
        builder.add_bias(label, constants[other[0]])
    elif op == "Relu":
        builder.relu(label)
    elif op in ("Identity", "Dropout"):
        builder.drop(label)
    elif op == "Flatten":
        if attributes.get("axis", 1) != 1:
            raise InputError(f"{source}: {label} flattens from axis {attributes['axis']}; "
                             "relugeom reads Flatten with axis 1 (one vector per sample)")
        builder.flatten(label, label)
    elif op == "Reshape":
        shape = _constant(node.input[1], constants, label, source).reshape(-1).tolist()
        if len(shape) != 2 or shape[0] not in (-1, 0):
            raise InputError(f"{source}: {label} reshapes to {shape}, not to a batch of "
                             "vectors ([-1, k] or [0, -1])")
        builder.flatten(label, label)
    elif op in _FINAL:
        builder.final(label, _FINAL[op], attributes.get("axis", -1))
    else:
        raise InputError(f"{source}: {label} is not supported; relugeom reads ReLU MLPs: "
                         f"{SUPPORTED}")
