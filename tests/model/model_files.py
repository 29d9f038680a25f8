"""Model files as the frameworks write them, built at test time with the real libraries:
Keras layouts written with h5py (Keras itself is not installed; the layouts follow what
Keras 2's ``model.save`` / ``save_weights`` and Keras 3's ``save_weights`` / ``model.save``
write), ONNX graphs built with ``onnx.helper``, small torch MLPs."""

import io
import json
import zipfile

import numpy as np


def dense_weights(widths, seed=0, dtype=np.float32):
    """Keras-oriented (kernel (in, out), bias) pairs of trained-looking float weights."""
    rng = np.random.default_rng(seed)
    return [((rng.standard_normal((widths[l - 1], widths[l])) / np.sqrt(widths[l - 1]))
             .astype(dtype), (0.1 * rng.standard_normal(widths[l])).astype(dtype))
            for l in range(1, len(widths))]


def sequential_config(kernels, final="linear", extra=(), keras3=False):
    """A Sequential model's config: Dense layers with ReLU, the last with ``final``; ``extra``
    (position, layer dict) pairs inserted (Dropout, Flatten, Conv2D, ...)."""
    layers = [{"class_name": "InputLayer",
               "config": {"batch_shape" if keras3 else "batch_input_shape":
                          [None, kernels[0][0].shape[0]], "name": "input"}}]
    for l, (kernel, _) in enumerate(kernels):
        name = "dense" if l == 0 else f"dense_{l}"
        layers.append({"class_name": "Dense",
                       "config": {"name": name, "units": int(kernel.shape[1]),
                                  "activation": final if l == len(kernels) - 1 else "relu",
                                  "use_bias": True}})
    for position, layer in extra:
        layers.insert(position, layer)
    config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": layers}}
    if keras3:
        config["module"] = "keras"
        for layer in layers:
            layer["module"] = "keras.layers"
    return config


def _keras2_groups(root, kernels, names=None):
    names = names or ["dense" if l == 0 else f"dense_{l}" for l in range(len(kernels))]
    root.attrs["layer_names"] = np.array([n.encode() for n in names])
    for name, (kernel, bias) in zip(names, kernels):
        group = root.create_group(name)
        group.attrs["weight_names"] = np.array([f"{name}/kernel:0".encode(),
                                                f"{name}/bias:0".encode()])
        inner = group.create_group(name)
        inner.create_dataset("kernel:0", data=kernel)
        inner.create_dataset("bias:0", data=bias)


def write_keras2_model(path, kernels, final="linear", extra=()):
    """Keras 2 ``model.save("model.h5")``: model_config + model_weights/<layer>/<layer>/..."""
    import h5py

    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"2.15.0"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps(sequential_config(kernels, final, extra)).encode()
        _keras2_groups(f.create_group("model_weights"), kernels)


def write_keras2_weights(path, kernels):
    """Keras 2 ``model.save_weights("w.h5")``: the layer groups at the root."""
    import h5py

    with h5py.File(path, "w") as f:
        _keras2_groups(f, kernels)


def _keras3_store(f, kernels, others=()):
    f.create_group("vars")
    layers = f.create_group("layers")
    for l, (kernel, bias) in enumerate(kernels):
        variables = layers.create_group("dense" if l == 0 else f"dense_{l}").create_group("vars")
        variables.create_dataset("0", data=kernel)
        variables.create_dataset("1", data=bias)
    for name, arrays in others:
        variables = layers.create_group(name).create_group("vars")
        for i, array in enumerate(arrays):
            variables.create_dataset(str(i), data=array)


def write_keras3_weights(path, kernels, others=()):
    """Keras 3 ``model.save_weights("model.weights.h5")``: layers/<dense, dense_1, …>/vars/i."""
    import h5py

    with h5py.File(path, "w") as f:
        _keras3_store(f, kernels, others)


def write_keras3_archive(path, kernels, final="linear", extra=()):
    """Keras 3 ``model.save("model.keras")``: a zip of config.json, metadata.json and
    model.weights.h5."""
    import h5py

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        _keras3_store(f, kernels)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.6.0"}))
        archive.writestr("config.json", json.dumps(sequential_config(kernels, final, extra,
                                                                     keras3=True)))
        archive.writestr("model.weights.h5", buffer.getvalue())


def torch_mlp(widths, seed=0, dtype=None, extras=True):
    """A torch MLP of ``widths`` with the layers users add (Flatten, Dropout, Identity,
    nested Sequential) when ``extras``; eval mode."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    layers = [nn.Flatten()] if extras else []
    for l in range(1, len(widths)):
        block = [nn.Linear(widths[l - 1], widths[l])]
        if l < len(widths) - 1:
            block += [nn.ReLU(), nn.Dropout(0.2)] if extras else [nn.ReLU()]
        layers.append(nn.Sequential(*block, nn.Identity()) if extras and l == 1 else block[0])
        layers += block[1:] if not (extras and l == 1) else []
    model = nn.Sequential(*layers)
    if dtype is not None:
        model = model.to(dtype)
    return model.eval()


def onnx_gemm_model(layers, *, trans_b=1, alpha=1.0, beta=1.0, dtype=None, final=None,
                    matmul=False, extra_nodes=()):
    """An ONNX MLP built with onnx.helper from torch-oriented (W (out, in), b) pairs: Gemm
    nodes (or MatMul + Add), Relu between them, initializers in ``dtype`` (a TensorProto
    type, default FLOAT), an optional final op, and ``extra_nodes`` spliced after the first
    Relu as (op_type, attributes)."""
    from onnx import TensorProto, helper, numpy_helper

    dtype = TensorProto.FLOAT if dtype is None else dtype
    np_type = helper.tensor_dtype_to_np_dtype(dtype)
    nodes, inits, current = [], [], "x"

    def tensor(name, array):
        if dtype == TensorProto.BFLOAT16:
            inits.append(helper.make_tensor(name, dtype, array.shape, array.reshape(-1).tolist()))
        else:
            inits.append(numpy_helper.from_array(np.asarray(array).astype(np_type), name))

    for l, (W, b) in enumerate(layers):
        out = f"z{l}"
        if matmul:
            tensor(f"B{l}", W.T)
            tensor(f"c{l}", b)
            nodes.append(helper.make_node("MatMul", [current, f"B{l}"], [f"m{l}"], name=f"mm{l}"))
            nodes.append(helper.make_node("Add", [f"m{l}", f"c{l}"], [out], name=f"add{l}"))
        else:
            tensor(f"B{l}", W if trans_b else W.T)
            tensor(f"C{l}", b)
            nodes.append(helper.make_node("Gemm", [current, f"B{l}", f"C{l}"], [out],
                                          name=f"gemm{l}", transB=trans_b, alpha=alpha,
                                          beta=beta))
        current = out
        if l < len(layers) - 1:
            nodes.append(helper.make_node("Relu", [current], [f"h{l}"], name=f"relu{l}"))
            current = f"h{l}"
            if l == 0:
                for k, (op, attrs) in enumerate(extra_nodes):
                    nodes.append(helper.make_node(op, [current], [f"e{k}"], name=f"{op}{k}",
                                                  **attrs))
                    current = f"e{k}"
    if final:
        nodes.append(helper.make_node(final, [current], ["y"], name="final"))
        current = "y"
    d, m = layers[0][0].shape[1], layers[-1][0].shape[0]
    graph = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", dtype, [None, d])],
                              [helper.make_tensor_value_info(current, dtype, [None, m])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
