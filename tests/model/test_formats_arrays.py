"""Weights-only files (safetensors written with the library, .npz) by the documented naming
scheme, the format told by content, and what a missing extra or an unknown file gives."""

import re
import sys
from fractions import Fraction

import numpy as np
import pytest

from relugeom import DeepNetwork, InputError, import_network, load_network, read_network
from relugeom.model.formats.loading import detect_format

from .model_files import dense_weights


def torch_oriented(widths, seed=0):
    return [(kernel.T.copy(), bias) for kernel, bias in dense_weights(widths, seed)]


def exact(layers):
    value = lambda v: Fraction(*float(v).as_integer_ratio())  # noqa: E731
    return DeepNetwork([([[value(w) for w in row] for row in W], [value(v) for v in b])
                        for W, b in layers])


def test_npz_schemes_and_natural_order(tmp_path):
    layers = torch_oriented([2] + [3] * 11 + [1], seed=1)
    np.savez(tmp_path / "torch.npz",
             **{f"layers.{l}.weight": W for l, (W, _) in enumerate(layers)},
             **{f"layers.{l}.bias": b for l, (_, b) in enumerate(layers)})
    np.savez(tmp_path / "numbered.npz", **{f"W{l + 1}": W for l, (W, _) in enumerate(layers)},
             **{f"b{l + 1}": b for l, (_, b) in enumerate(layers)})
    for name in ("torch.npz", "numbered.npz"):
        network, report = import_network(str(tmp_path / name))
        assert network == exact(layers) and report.format == "npz", name
    W, b, V, c = (np.array([[0.1], [-0.3]]), np.array([0.5, 0.25]), np.array([[1.5, -2.0]]),
                  np.array([0.125]))
    np.savez(tmp_path / "shallow.npz", W=W, b=b, V=V, c=c)
    net = load_network(str(tmp_path / "shallow.npz"))
    assert net.W[0][0] == Fraction(0.1) and net.c == (Fraction(1, 8),)


def test_safetensors_written_by_the_library(tmp_path):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    layers = torch_oriented([4, 5, 3], seed=2)
    tensors = {f"{2 * l}.weight": W for l, (W, _) in enumerate(layers)}
    tensors.update({f"{2 * l}.bias": b for l, (_, b) in enumerate(layers)})
    safetensors_numpy.save_file(tensors, str(tmp_path / "model.safetensors"))
    network, report = import_network(str(tmp_path / "model.safetensors"), widths="4,5,3")
    assert network == exact(layers).to_shallow() and report.format == "safetensors"


def test_safetensors_bfloat16_is_exact(tmp_path):
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    torch.manual_seed(0)
    weight = torch.randn(3, 2).to(torch.bfloat16)
    safetensors_torch.save_file({"fc.weight": weight, "fc.bias": torch.zeros(3).half(),
                                 "out.weight": torch.ones(1, 3, dtype=torch.float64)},
                                str(tmp_path / "bf16.safetensors"))
    net = load_network(str(tmp_path / "bf16.safetensors"))
    assert [[float(q) for q in row] for row in net.W] == weight.float().tolist()


def test_unknown_keys_and_shapes_are_named(tmp_path):
    layers = torch_oriented([3, 4, 2])
    np.savez(tmp_path / "bn.npz", **{"0.weight": layers[0][0], "1.running_mean": np.zeros(4),
                                     "2.weight": layers[1][0]})
    with pytest.raises(InputError, match="'1.running_mean'"):
        load_network(str(tmp_path / "bn.npz"))
    np.savez(tmp_path / "conv.npz", **{"0.weight": np.zeros((2, 1, 3, 3))})
    with pytest.raises(InputError, match="convolution"):
        load_network(str(tmp_path / "conv.npz"))
    np.savez(tmp_path / "nan.npz", **{"0.weight": np.array([[1.0, np.nan]])})
    with pytest.raises(InputError, match=r"'0.weight'.*\[0, 1\] is nan"):
        load_network(str(tmp_path / "nan.npz"))


def test_format_is_told_by_content(tmp_path):
    net = {"W": [[1]], "b": [0], "V": [[2]], "c": ["1/3"]}
    path = tmp_path / "net.onnx"    # the wrong extension: read as what it holds
    path.write_text('{"W": [[1]], "b": [0], "V": [[2]], "c": ["1/3"]}')
    assert load_network(str(path)) == read_network(str(path)) == load_network(net)
    assert detect_format(b"\x08\x07\x12\x07pytorch") == "onnx"
    (tmp_path / "junk.bin").write_bytes(b"\x00\x01 not a model")
    with pytest.raises(InputError, match="cannot tell its format"):
        load_network(str(tmp_path / "junk.bin"))


@pytest.mark.parametrize("module, write, extra", [
    ("onnx", lambda p: p.write_bytes(b"\x08\x07\x12\x07pytorch"), "relugeom[onnx]"),
    ("h5py", lambda p: p.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(64)), "relugeom[keras]"),
    ("safetensors", lambda p: p.write_bytes((2).to_bytes(8, "little") + b"{}"),
     "relugeom[safetensors]"),
])
def test_a_missing_extra_names_the_pip_command(tmp_path, monkeypatch, module, write, extra):
    monkeypatch.setitem(sys.modules, module, None)   # import fails as if not installed
    write(tmp_path / "model")
    with pytest.raises(InputError, match=rf"pip install '{re.escape(extra)}'"):
        load_network(str(tmp_path / "model"))


def test_wrong_widths_for_a_json_network(tmp_path):
    path = tmp_path / "n.json"
    path.write_text('{"layers": [{"W": [[1]], "b": [0]}, {"W": [[1]], "b": [0]}]}')
    assert load_network(str(path), widths=(1, 1, 1)).widths == (1, 1, 1)
    with pytest.raises(InputError, match="--widths 1,2,1 disagrees"):
        load_network(str(path), widths=(1, 2, 1))
