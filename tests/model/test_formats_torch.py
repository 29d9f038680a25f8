"""PyTorch models in (relugeom.model.formats.pytorch), with the real torch: modules with the
layers users add, whole pickled models and state_dicts round-trip to the network built
entry by entry from the parameters' exact values, with the same local dimension; what is not
a ReLU MLP is refused naming the module or node."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom import (DeepNetwork, InputError, ShallowNetwork, import_network, load_network,
                      local_dimension)
from relugeom.model.formats.chain import Chain, check_forward

from .model_files import torch_mlp

torch = pytest.importorskip("torch")
nn = torch.nn


def exact_layers(model):
    """(W, b) of every Linear of ``model``, entry by entry as exact Fractions of the tensors'
    own values (float() of one element, then its exact ratio): independent of the reader."""
    layers = []
    for module in model.modules():
        if isinstance(module, nn.Linear):
            weight = module.weight.detach().tolist()   # Python floats: the values, exactly
            W = [[Fraction(*w.as_integer_ratio()) for w in row] for row in weight]
            b = ([Fraction(*v.as_integer_ratio()) for v in module.bias.detach().tolist()]
                 if module.bias is not None else [0] * len(W))
            layers.append((W, b))
    return layers


@given(widths=st.lists(st.integers(1, 4), min_size=2, max_size=5), seed=st.integers(0, 99),
       extras=st.booleans())
def test_module_reads_as_the_exact_parameters(widths, seed, extras):
    model = torch_mlp(widths, seed, extras=extras)
    network, report = import_network(model)
    reference = DeepNetwork(exact_layers(model))
    assert tuple(network.widths) == tuple(widths)
    assert isinstance(network, ShallowNetwork) == (len(widths) == 3)
    assert DeepNetwork(network.layers) == reference
    assert report.check and "matches the module's own forward" in report.check
    if extras:
        assert any("Identity" in d for d in report.dropped)
        assert any("Dropout" in d for d in report.dropped) == (len(widths) > 2)


def test_exact_value_of_low_precision_weights_and_float64_forward():
    for dtype in (torch.float16, torch.bfloat16, torch.float64):
        model = torch_mlp([3, 4, 2], seed=1, dtype=dtype)
        network = load_network(model)
        weight = model[1][0].weight if isinstance(model[1], nn.Sequential) else model[1].weight
        value = weight[0, 0].item()     # the element's own value, as torch rounds it
        assert network.W[0][0] == Fraction(*value.as_integer_ratio())
    # float64: the exact network agrees with torch's float64 forward to rounding
    model = torch_mlp([5, 6, 6, 3], seed=2, dtype=torch.float64)
    net = load_network(model)
    x = [Fraction(k, 7) for k in range(-2, 3)]
    out = model(torch.tensor([[float(v) for v in x]], dtype=torch.float64))[0]
    assert np.allclose([float(v) for v in net(x)], out.detach().numpy(), rtol=1e-12, atol=1e-12)


class Custom(nn.Module):
    """An MLP written as a class, with functional ReLU and a view, as tutorials do."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.out = nn.Linear(6, 5), nn.Linear(5, 4), nn.Linear(4, 3)

    def forward(self, x):
        x = x.view(x.size(0), -1)
        x = torch.relu(self.fc1(x))
        x = nn.functional.relu(self.fc2(x))
        return torch.log_softmax(self.out(x), dim=1)


def test_custom_module_and_final_activation():
    torch.manual_seed(3)
    model = Custom()
    network, report = import_network(model)
    assert DeepNetwork(network.layers) == DeepNetwork(exact_layers(model))
    assert report.final_activation == "log_softmax"
    assert "logits" in " ".join(report.messages())


def test_files_round_trip_with_the_same_local_dimension(tmp_path):
    model = torch_mlp([4, 5, 3, 2], seed=4)
    expected = DeepNetwork(exact_layers(model))
    X = [[Fraction(i - 3, 2), Fraction(i * i, 5) - 1, Fraction(1, i + 1), Fraction(-i, 3)]
         for i in range(7)]
    torch.save(model, tmp_path / "full.pt")
    torch.save(model.state_dict(), tmp_path / "state.pt")
    torch.save({"epoch": 3, "model_state_dict": model.state_dict()}, tmp_path / "ckpt.pth")
    dims = set()
    for name, fmt in (("full.pt", "pytorch"), ("state.pt", "pytorch-state-dict"),
                      ("ckpt.pth", "pytorch-state-dict")):
        network, report = import_network(str(tmp_path / name), widths="4,5,3,2")
        assert network == expected and report.format == fmt, name
        dims.add(local_dimension(network, X))
    assert dims == {local_dimension(expected, X)}
    assert any("weights_only=False" in n for n in import_network(str(tmp_path / "full.pt"))[1]
               .notes)


def test_deep_and_shallow_from_torch_take_the_same_layers():
    deep = torch_mlp([3, 4, 4, 1], seed=5)
    assert DeepNetwork.from_torch(deep) == DeepNetwork(exact_layers(deep))
    shallow = torch_mlp([3, 4, 1], seed=6)
    assert ShallowNetwork.from_torch(shallow) == DeepNetwork(exact_layers(shallow)).to_shallow()
    with pytest.raises(InputError, match="DeepNetwork"):
        ShallowNetwork.from_torch(deep)


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(3, 3), nn.Linear(3, 1)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)) + x)


@pytest.mark.parametrize("model, named", [
    (lambda: nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(8, 1)), "Conv2d"),
    (lambda: nn.Sequential(nn.Linear(3, 4), nn.GELU(), nn.Linear(4, 1)), "GELU"),
    (lambda: nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 1)),
     "BatchNorm1d"),
    (Residual, "combines the tensors"),
    (lambda: nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 1)), "no ReLU between"),
    (lambda: nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1), nn.ReLU()),
     "ends with a ReLU"),
])
def test_refusals_name_the_module(model, named):
    with pytest.raises(InputError, match=named):
        load_network(model())


def test_truncated_file_and_wrong_widths(tmp_path):
    model = torch_mlp([4, 5, 2], seed=7)
    path = tmp_path / "state.pt"
    torch.save(model.state_dict(), path)
    data = path.read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[:len(data) // 2])
    with pytest.raises(InputError, match="cut.pt"):
        load_network(str(tmp_path / "cut.pt"))
    with pytest.raises(InputError, match=r"layer 2 \(key '.*weight'\)"):
        load_network(str(path), widths=[4, 5, 3])
    with pytest.raises(InputError, match="--widths"):
        load_network(str(path), widths="4,x")


def test_a_misread_model_is_refused_with_its_deviation():
    chain = Chain([("fc", np.array([[1.0, 2.0]]), np.array([0.0]))])
    transposed = lambda X: X @ np.array([[2.0], [1.0]])  # noqa: E731
    with pytest.raises(InputError, match="differ by up to"):
        check_forward(chain, transposed, np.dtype(np.float32), "a model", "test")
    assert "matches" in check_forward(chain, lambda X: X @ np.array([[1.0], [2.0]]),
                                      np.dtype(np.float32), "a model", "test")


def test_mnist_sized_deep_network_reads_the_same_from_every_format(tmp_path):
    # full-mantissa float32 weights, as after training (autograd's first call alone costs
    # seconds on a loaded machine, so no training step here)
    model = torch_mlp([784, 30, 30, 30, 10], seed=8, extras=False)
    network = load_network(model)
    assert network == DeepNetwork(exact_layers(model))
    torch.save(model.state_dict(), tmp_path / "state.pt")
    assert load_network(str(tmp_path / "state.pt"), widths="784,30,30,30,10") == network
    safetensors_torch = pytest.importorskip("safetensors.torch")
    safetensors_torch.save_file(model.state_dict(), str(tmp_path / "model.safetensors"))
    assert load_network(str(tmp_path / "model.safetensors")) == network
