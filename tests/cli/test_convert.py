"""Models from other frameworks on the command line: ``relugeom convert`` writes the exact
JSON, and every NETWORK argument (analyze, check, fdim, ...) reads ONNX, PyTorch, Keras,
safetensors and .npz as a researcher types them, with --widths checked and refusals as one
message with exit status 2."""

import sys

import numpy as np
import pytest

from relugeom import DeepNetwork, analyze, load_network, read_network
from tests.cli.runner import refused, run, strict_json
from tests.model.model_files import (dense_weights, onnx_gemm_model, write_keras3_archive,
                                     write_keras3_weights)


def X_rows(d, n=6):
    rng = np.random.default_rng(0)
    return rng.standard_normal((n, d))


def test_convert_writes_the_exact_json(tmp_path, capsys):
    pytest.importorskip("h5py")
    kernels = dense_weights((3, 4, 2), seed=1)
    write_keras3_archive(tmp_path / "model.keras", kernels, final="softmax")
    out = tmp_path / "net.json"
    code, text, err = run(capsys, "convert", tmp_path / "model.keras", "--out", out)
    assert code == 0 and "softmax (removed" in text and "matches" in text
    assert read_network(str(out)) == load_network(str(tmp_path / "model.keras"))
    code, text, _ = run(capsys, "convert", tmp_path / "model.keras", "--json")
    report = strict_json(text)
    assert report["format"] == "keras" and report["final_activation"] == "softmax"
    assert report["analysed_up_to"] == "logits" and report["widths"] == [3, 4, 2]
    assert DeepNetwork.from_dict(report["network"]) == DeepNetwork.from_dict(
        strict_json(out.read_text()))


def test_analyze_an_onnx_model_with_a_csv_sample(tmp_path, capsys):
    pytest.importorskip("onnx")
    layers = [(kernel.T.astype(np.float64), bias.astype(np.float64))
              for kernel, bias in dense_weights((3, 5, 4, 2), seed=2)]
    (tmp_path / "model.onnx").write_bytes(onnx_gemm_model(layers).SerializeToString())
    X = X_rows(3)
    np.savetxt(tmp_path / "X.csv", X, delimiter=",")
    code, text, err = run(capsys, "analyze", tmp_path / "model.onnx", tmp_path / "X.csv", "--json")
    assert code == 0 and "read as onnx" in err
    network = load_network(str(tmp_path / "model.onnx"))
    assert strict_json(text)["local_dimension"] == analyze(
        network, np.loadtxt(tmp_path / "X.csv", delimiter=",")).local_dimension


def test_check_a_state_dict_with_widths(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    from tests.model.model_files import torch_mlp

    model = torch_mlp([4, 6, 3, 1], seed=3)
    torch.save(model.state_dict(), tmp_path / "model.pt")
    np.save(tmp_path / "X.npy", X_rows(4, 8))
    code, text, _ = run(capsys, "check", tmp_path / "model.pt", tmp_path / "X.npy",
                        "--widths", "4,6,3,1", "--mc-points", "200")
    assert code == 0 and "T1" in text
    err = refused(capsys, "check", tmp_path / "model.pt", tmp_path / "X.npy",
                  "--widths", "4,6,1")
    assert "--widths 4,6,1 disagrees" in err and "layer 2 (key '2.weight')" in err


def test_fdim_of_keras3_weights(tmp_path, capsys):
    pytest.importorskip("h5py")
    write_keras3_weights(tmp_path / "model.weights.h5", dense_weights((2, 3, 1), seed=4))
    code, text, _ = run(capsys, "fdim", tmp_path / "model.weights.h5", "--json")
    report = strict_json(text)
    assert code == 0 and report["functional_dimension"] <= report["symmetry_bound"]


def test_missing_extra_is_exit_2_with_the_pip_command(tmp_path, capsys, monkeypatch):
    (tmp_path / "model.onnx").write_bytes(b"\x08\x07\x12\x07pytorch")
    monkeypatch.setitem(sys.modules, "onnx", None)
    err = refused(capsys, "convert", tmp_path / "model.onnx")
    assert "pip install 'relugeom[onnx]'" in err


def test_truncated_model_is_one_message(tmp_path, capsys):
    pytest.importorskip("h5py")
    write_keras3_weights(tmp_path / "m.weights.h5", dense_weights((2, 3, 1)))
    data = (tmp_path / "m.weights.h5").read_bytes()
    (tmp_path / "m.weights.h5").write_bytes(data[:100])
    assert "truncated" in refused(capsys, "analyze", tmp_path / "m.weights.h5",
                                  tmp_path / "m.weights.h5")
