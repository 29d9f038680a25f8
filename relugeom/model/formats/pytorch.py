"""PyTorch models: an ``nn.Module`` object, a whole pickled model, or a ``state_dict`` file.

A module is traced with ``torch.fx`` and its graph read in order: ``Linear`` layers (a
missing bias is b = 0), ``ReLU`` (module, ``F.relu``, ``torch.relu``, ``.relu()``),
``Flatten`` / ``view`` / ``reshape`` to vectors, and the no-ops at inference ``Dropout`` and
``Identity`` (dropped and reported); nested ``Sequential`` and custom modules whose forward
is such a chain are read the same way. A final ``Softmax`` / ``LogSoftmax`` / ``Sigmoid`` is
reported and the network analysed up to the logits. Anything else is refused naming the
module or graph node: convolutions, GELU and other activations, a residual ``x + f(x)``.
``BatchNorm`` is refused, not folded: folding divides by √(var + eps), which is irrational in
general, so the folded weights would not be the model's exact values (fold it in float
yourself, e.g. ``torch.nn.utils.fusion.fuse_linear_bn_eval``, and the import of the fused
floats is exact).

Files: ``torch.load(..., weights_only=True)`` first (it runs no code from the file). A
``state_dict`` (or a checkpoint dict holding one under ``state_dict`` / ``model_state_dict``)
is read with the naming scheme of :mod:`~relugeom.model.formats.named_arrays`, in the file's
order (torch keeps the modules' order). A whole pickled module (``torch.save(model)``) can
only be loaded with ``weights_only=False``, which runs the pickled code; relugeom does so and
says so in a note — load only files you trust.

Every module import is checked: the network's float forward pass against the module's own
``forward`` (in eval mode, on random inputs; see
:func:`~relugeom.model.formats.chain.check_forward`).
"""

from __future__ import annotations

import operator
import pickle
from typing import Any

import numpy as np

from ...errors import InputError
from .chain import Chain, ChainBuilder, check_forward
from .named_arrays import chain_from_named_arrays

__all__ = ["chain_from_module", "chain_from_torch_file", "is_torch_module"]

PIP = "pip install 'relugeom[torch]'"


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise InputError(f"torch is not installed: {PIP} to read PyTorch models") from None
    return torch


def is_torch_module(obj: Any) -> bool:
    """True for a ``torch.nn.Module`` (without importing torch when it is not loaded)."""
    return any(f"{k.__module__}.{k.__qualname__}" == "torch.nn.modules.module.Module"
               for k in type(obj).__mro__)


_RELU_FUNCTIONS = ("relu", "relu_")
_FINAL = {"Softmax": "softmax", "LogSoftmax": "log_softmax", "Sigmoid": "sigmoid"}
_FINAL_FUNCTIONS = {"softmax": "softmax", "log_softmax": "log_softmax", "sigmoid": "sigmoid"}
_DROPPED = ("Dropout", "Dropout1d", "AlphaDropout", "FeatureAlphaDropout", "Identity")
_SHAPE_METHODS = ("view", "reshape", "flatten")


def chain_from_module(model: Any, source: str = "the PyTorch module") -> tuple[Chain, str]:
    """The chain of a ReLU-MLP ``nn.Module`` and the forward-check sentence."""
    torch = _torch()
    import torch.fx as fx

    if not is_torch_module(model):
        raise InputError(f"{source} must be a torch.nn.Module, got {type(model).__name__}")
    try:
        graph = fx.symbolic_trace(model).graph
    except Exception as exc:  # fx raises many kinds on data-dependent forward code
        raise InputError(f"{source}: torch.fx cannot trace its forward ({type(exc).__name__}: "
                         f"{str(exc).splitlines()[0] if str(exc) else ''}); relugeom reads a "
                         "module whose forward is a chain of Linear / ReLU / Flatten / Dropout "
                         "layers, e.g. an nn.Sequential") from None
    builder = ChainBuilder(source)
    current, skipped = None, set()
    for node in graph.nodes:
        if node.op == "placeholder":
            if current is not None:
                raise InputError(f"{source}: forward takes more than one input "
                                 f"({current.name!r}, {node.name!r})")
            current = node
            continue
        if node.op == "call_method" and node.target in ("size", "dim"):
            skipped.add(node)
            continue
        if node.op == "get_attr":
            raise InputError(f"{source}: node {node.name!r} reads the tensor {node.target!r} "
                             "inside forward; relugeom reads parameters of Linear layers only")
        inputs = [n for n in node.all_input_nodes if n not in skipped]
        if node.op == "output":
            if inputs != [current]:
                raise InputError(f"{source}: forward returns {node.args[0]!r}, not the chain's "
                                 "last tensor")
            break
        if inputs != [current]:
            names = ", ".join(repr(n.name) for n in inputs)
            raise InputError(f"{source}: node {node.name!r} ({_describe(node)}) combines the "
                             f"tensors {names}: a residual connection or a branch; relugeom "
                             "reads chains (MLPs) only")
        _read_node(node, model, builder, torch)
        current = node
    chain = builder.finish()
    run, dtype = _forward(model, torch)
    return chain, check_forward(chain, run, str(dtype).replace("torch.", ""),
                                "the module's own forward (torch, eval mode)", source,
                                lambda X: torch.as_tensor(X).to(dtype).double().numpy())


def _describe(node: Any) -> str:
    target = node.target if isinstance(node.target, str) else getattr(node.target, "__name__",
                                                                       str(node.target))
    return f"{node.op} {target}"


def _read_node(node: Any, model: Any, builder: ChainBuilder, torch: Any) -> None:
    nn = torch.nn
    where = f"node {node.name!r}"
    if node.op == "call_module":
        module = model.get_submodule(node.target)
        kind = type(module).__name__
        where = f"module {node.target!r} ({kind})"
        if isinstance(module, nn.Linear):
            bias = None if module.bias is None else _array(module.bias)
            builder.affine(where, _array(module.weight), bias)
        elif isinstance(module, nn.ReLU):
            builder.relu(where)
        elif kind in _DROPPED:
            builder.drop(where)
        elif isinstance(module, nn.Flatten):
            builder.flatten(where, where)
        elif kind in _FINAL:
            axis = getattr(module, "dim", -1)
            builder.final(where, _FINAL[kind], -1 if axis is None else axis)
        elif "BatchNorm" in kind:
            raise InputError(f"{builder.source}: {where} is not supported: folding a BatchNorm "
                             "into the Linear before it divides by √(running_var + eps), which "
                             "is not exact; fold it in float first "
                             "(torch.nn.utils.fusion.fuse_linear_bn_eval) and import the fused "
                             "model")
        else:
            raise InputError(f"{builder.source}: {where} is not supported: relugeom reads ReLU "
                             "MLPs (Linear, ReLU, Flatten, Dropout, Identity, and a final "
                             "Softmax / Sigmoid)")
        return
    name = node.target if isinstance(node.target, str) else getattr(node.target, "__name__", "")
    if node.op in ("call_function", "call_method") and name in _RELU_FUNCTIONS:
        builder.relu(f"{where} ({name})")
    elif node.op in ("call_function", "call_method") and name in _FINAL_FUNCTIONS:
        axis = node.kwargs.get("dim", node.args[1] if len(node.args) > 1 else -1)
        builder.final(f"{where} ({name})", _FINAL_FUNCTIONS[name], -1 if axis is None else axis)
    elif node.op == "call_function" and name in ("dropout", "identity"):
        builder.drop(f"{where} ({name})")
    elif name in _SHAPE_METHODS:
        builder.flatten(f"{where} ({name})", f"{where} ({name})")
    else:
        what = "operator " + name if node.target in vars(operator).values() else name
        raise InputError(f"{builder.source}: {where} ({node.op} {what}) is not supported: "
                         "relugeom reads ReLU MLPs (Linear, ReLU, Flatten, Dropout, Identity, "
                         "and a final Softmax / Sigmoid)")


def _array(parameter: Any) -> np.ndarray:
    """A parameter's exact values: .double() widens float16 / bfloat16 / float32 exactly."""
    return parameter.detach().cpu().double().numpy()


def _forward(model: Any, torch: Any) -> tuple[Any, float]:
    """The module's forward on numpy rows (in its parameters' dtype), and that dtype."""
    parameter = next(iter(model.parameters()), None)
    dtype = parameter.dtype if parameter is not None else torch.float32

    def run(X: np.ndarray) -> np.ndarray:
        was_training = model.training
        model.eval()   # Dropout off, as in the network read
        try:
            with torch.no_grad():
                out = model(torch.as_tensor(X).to(dtype))
        finally:
            model.train(was_training)
        return out.detach().cpu().double().numpy()

    return run, dtype


def chain_from_torch_file(path: Any, source: str, notes: list) -> tuple[Chain, str | None]:
    """The chain of a ``.pt`` / ``.pth`` file: a state_dict (or checkpoint dict) or a whole
    pickled module."""
    torch = _torch()
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if "weights_only" not in str(exc):
            raise InputError(f"{source} cannot be read by torch.load: it is truncated or not a "
                             f"PyTorch file ({str(exc).splitlines()[0]})") from None
        loaded = _load_pickled_module(torch, path, source, notes)
    except (RuntimeError, EOFError, OSError, ValueError) as exc:
        raise InputError(f"{source} cannot be read by torch.load: it is truncated or not a "
                         f"PyTorch file ({type(exc).__name__}: "
                         f"{str(exc).splitlines()[0] if str(exc) else ''})") from None
    if is_torch_module(loaded):
        return chain_from_module(loaded, source)
    state = _state_dict(loaded, source, notes)
    arrays = {key: _array(value) for key, value in state.items()}
    notes.append(f"{source} holds a state_dict (weights only): its '<name>.weight' / "
                 "'<name>.bias' tensors were taken in the file's order with a ReLU assumed "
                 "between consecutive layers (pass --widths to check the architecture); no "
                 "model to check a forward pass against")
    return chain_from_named_arrays(arrays, source, ordered=True), None


def _load_pickled_module(torch: Any, path: Any, source: str, notes: list) -> Any:
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=False)
    except (AttributeError, ModuleNotFoundError, ImportError) as exc:
        raise InputError(f"{source} pickles a whole model whose class cannot be imported here "
                         f"({exc}); save model.state_dict() instead and pass --widths") from None
    except Exception as exc:
        raise InputError(f"{source} cannot be unpickled ({type(exc).__name__}: {exc})") \
            from None
    notes.append(f"{source} holds a whole pickled model (torch.save(model)), which torch.load "
                 "reads only with weights_only=False: that runs code stored in the file, so "
                 "load only files you trust (or save model.state_dict() instead)")
    return loaded


_CHECKPOINT_KEYS = ("state_dict", "model_state_dict", "model")


def _state_dict(loaded: Any, source: str, notes: list) -> dict:
    if not isinstance(loaded, dict):
        raise InputError(f"{source} holds a {type(loaded).__name__}, not a model or a "
                         "state_dict")
    if loaded and all(hasattr(v, "detach") for v in loaded.values()):
        return loaded
    for key in _CHECKPOINT_KEYS:
        inner = loaded.get(key)
        if isinstance(inner, dict) and inner and all(hasattr(v, "detach")
                                                     for v in inner.values()):
            notes.append(f"{source} is a checkpoint dict: the weights were read from its "
                         f"{key!r} entry")
            return inner
    raise InputError(f"{source} holds a dict with keys {sorted(map(str, loaded))[:8]} that is "
                     "not a state_dict (tensors only) nor a checkpoint with a 'state_dict' / "
                     "'model_state_dict' entry")
