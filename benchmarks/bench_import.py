"""Reading models: ``relugeom.load_network`` against the framework's own loader, same process.

For each format and architecture, the same float32 He-initialised MLP is written with the real
library, then read two ways:

- relugeom: ``load_network(path)`` — format detection, every float to its exact Fraction, the
  DeepNetwork built and shape-checked, and (where the framework can run the model) the forward
  check on 8 random inputs;
- baseline: the framework's own loader into float arrays (``torch.load``, ``onnx.load``, h5py
  reading every dataset, ``safetensors.numpy.load_file``, ``np.load``), nothing converted.

ratio = relugeom seconds / baseline seconds (median of ``--repeats`` runs each). The ratio says
what exactness and the check cost over just reading the floats.

    python benchmarks/bench_import.py [--quick] [--repeats K] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from relugeom import load_network


def layers(widths, seed=0):
    """Torch-oriented (W (out, in), b) float32 pairs."""
    rng = np.random.default_rng(seed)
    return [(rng.normal(0, np.sqrt(2 / a), (b, a)).astype(np.float32),
             rng.normal(0, 0.1, b).astype(np.float32)) for a, b in zip(widths, widths[1:])]


def write_all(folder: Path, widths) -> dict:
    """{format: (path, baseline loader)} for every format whose library is installed."""
    import h5py
    import onnx
    import torch
    from onnx import helper, numpy_helper
    from safetensors.numpy import load_file, save_file

    pairs = layers(widths)
    state = {f"{2 * l}.weight": W for l, (W, _) in enumerate(pairs)}
    state.update({f"{2 * l}.bias": b for l, (_, b) in enumerate(pairs)})
    out = {}
    torch.save({k: torch.from_numpy(v) for k, v in state.items()}, folder / "state.pt")
    out["pytorch state_dict"] = (folder / "state.pt",
                                 lambda p: torch.load(p, map_location="cpu", weights_only=True))
    model = torch.nn.Sequential(*[m for l, (W, b) in enumerate(pairs) for m in (
        [torch.nn.Linear(W.shape[1], W.shape[0])] + ([torch.nn.ReLU()] if l < len(pairs) - 1
                                                      else []))])
    model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    torch.save(model, folder / "model.pt")
    out["pytorch whole model"] = (folder / "model.pt",
                                  lambda p: torch.load(p, map_location="cpu",
                                                       weights_only=False))
    nodes, inits, current = [], [], "x"
    for l, (W, b) in enumerate(pairs):
        inits += [numpy_helper.from_array(W, f"W{l}"), numpy_helper.from_array(b, f"b{l}")]
        nodes.append(helper.make_node("Gemm", [current, f"W{l}", f"b{l}"], [f"z{l}"],
                                      name=f"gemm{l}", transB=1))
        current = f"z{l}"
        if l < len(pairs) - 1:
            nodes.append(helper.make_node("Relu", [current], [f"h{l}"], name=f"relu{l}"))
            current = f"h{l}"
    graph = helper.make_graph(
        nodes, "mlp", [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT,
                                                     [None, widths[0]])],
        [helper.make_tensor_value_info(current, onnx.TensorProto.FLOAT, [None, widths[-1]])],
        inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
              folder / "model.onnx")
    out["onnx"] = (folder / "model.onnx", lambda p: onnx.load(p))
    with h5py.File(folder / "model.weights.h5", "w") as f:
        for l, (W, b) in enumerate(pairs):
            group = f.create_group(f"layers/{'dense' if l == 0 else f'dense_{l}'}/vars")
            group["0"], group["1"] = W.T, b

    def read_h5(p):
        with h5py.File(p, "r") as f:
            return [np.asarray(g["vars"][k]) for g in f["layers"].values() for k in g["vars"]]

    out["keras 3 weights.h5"] = (folder / "model.weights.h5", read_h5)
    save_file(state, str(folder / "model.safetensors"))
    out["safetensors"] = (folder / "model.safetensors", lambda p: load_file(str(p)))
    np.savez(folder / "model.npz", **state)
    out["npz"] = (folder / "model.npz", lambda p: dict(np.load(p)))
    return out


def timed(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the small architecture only")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", metavar="PATH")
    args = parser.parse_args()
    architectures = [[784, 30, 30, 30, 10]] + ([] if args.quick else [[784, 256, 256, 10]])
    rows = []
    print("| format | widths | P | relugeom s | baseline s | ratio |")
    print("|---|---|---|---|---|---|")
    for widths in architectures:
        with tempfile.TemporaryDirectory() as folder:
            for name, (path, baseline) in write_all(Path(folder), widths).items():
                load_network(str(path))  # warm: imports, first-call costs
                baseline(path)
                ours = timed(lambda: load_network(str(path)), args.repeats)
                theirs = timed(lambda: baseline(path), args.repeats)
                P = sum(b * (a + 1) for a, b in zip(widths, widths[1:]))
                row = {"format": name, "widths": widths, "parameters": P,
                       "relugeom_s": ours, "baseline_s": theirs, "ratio": ours / theirs}
                rows.append(row)
                print(f"| {name} | {','.join(map(str, widths))} | {P} | {ours:.3f} | "
                      f"{theirs:.4f} | {ours / theirs:.0f} |", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
