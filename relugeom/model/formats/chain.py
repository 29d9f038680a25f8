"""A ReLU MLP as read from another framework's file: a chain of layers, checked as it is built.

Every reader (PyTorch, ONNX, Keras, named arrays) walks its model in order and tells a
:class:`ChainBuilder` what it meets: an affine layer (W_l of shape n_l × n_{l−1}, b_l), a ReLU,
something dropped (Dropout, Identity, a Flatten of the input), or a final softmax / sigmoid.
The builder enforces the grammar of relugeom's networks,

    affine (ReLU affine)*   [final activation],

and refuses anything else naming the node or layer (two affine layers with no ReLU between,
a ReLU after the last layer, ...). The result is a :class:`Chain`: exact arrays (floats at
their exact binary value, never rounded) and what was dropped, ready for
:class:`~relugeom.model.deep.DeepNetwork`.

:func:`check_forward` then compares the chain's float forward pass with the source
framework's own on a few random inputs (a numeric check, labelled as such: it catches a
misread model, such as a transposed kernel, not rounding).

>>> b = ChainBuilder("example")
>>> b.affine("fc1", np.array([[1.0, 2.0]]), np.array([0.5]))
>>> b.relu("act"); b.drop("Dropout 'drop'")
>>> b.affine("fc2", np.array([[-1.0]]), None)
>>> chain = b.finish()
>>> chain.widths, chain.dropped
((2, 1, 1), ["Dropout 'drop'"])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Sequence

import numpy as np

from ...errors import InputError

__all__ = ["Chain", "ChainBuilder", "check_forward", "exact_array", "parse_widths"]

#: The final activations a chain may end with; the network is analysed up to the logits.
FINAL_ACTIVATIONS = ("softmax", "log_softmax", "sigmoid")


def exact_array(array: Any, where: str) -> np.ndarray:
    """``array`` as float64 (or int64) holding the same numbers exactly: float16, bfloat16
    and float32 widen exactly to float64; NaN and infinities are refused, naming ``where``
    and the first bad index.

    >>> float(exact_array(np.array([0.1], dtype=np.float16), "w")[0]).hex()
    '0x1.9980000000000p-4'
    """
    array = np.asarray(array)
    kind, name = array.dtype.kind, array.dtype.name
    if name == "bfloat16":  # ml_dtypes: 8 exponent bits like float32, so float32 holds it
        array = array.astype(np.float32)
    elif kind in "iub":
        if kind == "b":
            raise InputError(f"{where} holds booleans, not numbers")
        return array.astype(np.int64) if array.size == 0 or abs(array).max() < 2 ** 62 \
            else array.astype(object)
    elif kind != "f" or array.dtype.itemsize > 8:
        raise InputError(f"{where} has dtype {array.dtype}; expected integers or float16, "
                         "bfloat16, float32, float64")
    out = array.astype(np.float64)
    bad = np.argwhere(~np.isfinite(out))
    if bad.size:
        index = tuple(int(i) for i in bad[0])
        raise InputError(f"{where}[{', '.join(map(str, index))}] is {out[index]}: NaN and "
                         "infinities are not allowed")
    return out


def parse_widths(widths: Any) -> tuple[int, ...] | None:
    """``--widths`` as a tuple (n_0, …, n_L): "784,30,10" or a sequence of positive ints.

    >>> parse_widths("784, 30,10"), parse_widths(None)
    ((784, 30, 10), None)
    """
    if widths is None:
        return None
    items = widths.split(",") if isinstance(widths, str) else list(widths)
    try:
        out = tuple(int(str(w).strip()) for w in items)
    except ValueError:
        raise InputError(f"--widths {widths!r} must list layer sizes separated by commas, "
                         "input first, e.g. --widths 784,30,30,10") from None
    if len(out) < 2 or min(out) < 1:
        raise InputError(f"--widths {widths!r} must list at least two positive sizes "
                         "(n_0, …, n_L), input first, e.g. --widths 784,30,10")
    return out


@dataclass
class Chain:
    """An MLP read from a file: ``layers`` [(name, W_l, b_l)] with exact float64 / int /
    Fraction-object arrays (W_l is n_l × n_{l−1}), ReLU between consecutive layers."""

    layers: list
    dropped: list = field(default_factory=list)
    final_activation: str | None = None
    final_axis: int = -1
    notes: list = field(default_factory=list)

    @property
    def widths(self) -> tuple[int, ...]:
        return (self.layers[0][1].shape[1],) + tuple(W.shape[0] for _, W, _ in self.layers)

    def pairs(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(W, b) for _, W, b in self.layers]

    def check_widths(self, widths: Sequence[int] | None, source: str) -> None:
        """Refuse when ``widths`` (``--widths``) disagree with the layers read, naming the
        first layer that disagrees."""
        if widths is None:
            return
        found = self.widths
        if tuple(widths) == found:
            return
        given = ",".join(map(str, widths))
        for l, (name, W, _) in enumerate(self.layers, start=1):
            if l >= len(widths) or (widths[l - 1], widths[l]) != (W.shape[1], W.shape[0]):
                want = (f"{widths[l]} × {widths[l - 1]}" if l < len(widths)
                        else "no such layer")
                raise InputError(f"--widths {given} disagrees with {source}: layer {l} "
                                 f"({name}) has W of shape {W.shape[0]} × {W.shape[1]} "
                                 f"(--widths asks {want}); the file's widths are "
                                 f"{','.join(map(str, found))}")
        raise InputError(f"--widths {given} disagrees with {source}: it lists {len(widths) - 1} "
                         f"layers, the file holds {len(self.layers)} (widths "
                         f"{','.join(map(str, found))})")

    def float_forward(self, X: np.ndarray, final: bool = True) -> np.ndarray:
        """The float64 forward pass on rows of ``X`` (with the final activation if ``final``)."""
        h = np.asarray(X, dtype=np.float64)
        for l, (_, W, b) in enumerate(self.layers):
            h = h @ np.asarray(W, dtype=np.float64).T + np.asarray(b, dtype=np.float64)
            if l < len(self.layers) - 1:
                h = np.maximum(h, 0)
        return _activate(h, self.final_activation, self.final_axis) if final else h

    def magnitude(self, X: np.ndarray) -> np.ndarray:
        """The forward pass of |x| through |W_l|, |b_l|: the scale of the rounding errors any
        summation order makes (|fl(Σ) − Σ| ≤ γ_k Σ|terms|)."""
        h = np.abs(np.asarray(X, dtype=np.float64))
        for _, W, b in self.layers:
            h = h @ np.abs(np.asarray(W, dtype=np.float64)).T + np.abs(np.asarray(b, np.float64))
        return h


def _activate(h: np.ndarray, kind: str | None, axis: int) -> np.ndarray:
    if kind == "sigmoid":
        return 1 / (1 + np.exp(-h))
    if kind in ("softmax", "log_softmax"):
        shifted = h - h.max(axis=axis, keepdims=True)
        log_sum = np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        return shifted - log_sum if kind == "log_softmax" else np.exp(shifted - log_sum)
    return h


class ChainBuilder:
    """Collects what a reader meets, in order, and refuses what is not a ReLU MLP.

    ``source`` names the file or object in messages; each call names its node or layer.
    """

    def __init__(self, source: str):
        self.source = source
        self.chain = Chain([])
        self._last = None   # "affine" or "relu": what the previous kept step was
        self._last_name = ""
        self._flattened = False

    def _refuse(self, name: str, why: str) -> InputError:
        return InputError(f"{self.source}: {name}: {why}")

    def _check_open(self, name: str) -> None:
        if self.chain.final_activation is not None:
            raise self._refuse(name, f"comes after the final {self.chain.final_activation} "
                                     f"({self._final_name}); only a softmax or sigmoid may end "
                                     "the network")

    def affine(self, name: str, W: Any, b: Any, scale: Fraction = Fraction(1),
               bias_scale: Fraction = Fraction(1)) -> None:
        """An affine layer z = W h + b (W of shape n_l × n_{l−1}; ``b`` None for no bias);
        ``scale`` and ``bias_scale`` multiply W and b exactly (ONNX Gemm's alpha, beta)."""
        self._check_open(name)
        W = exact_array(W, f"{name}: weight")
        if W.ndim != 2:
            raise self._refuse(name, f"the weight has shape {W.shape}; a dense layer's weight "
                                     "is a matrix (convolutions are not supported)")
        b = (np.zeros(W.shape[0], dtype=np.int64) if b is None
             else exact_array(b, f"{name}: bias").reshape(-1))
        if b.shape[0] != W.shape[0]:
            raise self._refuse(name, f"the bias has {b.shape[0]} entries but the weight has "
                                     f"{W.shape[0]} rows (outputs)")
        if scale != 1:
            W = _scaled(W, scale)
        if bias_scale != 1:
            b = _scaled(b, bias_scale)
        if self._last == "affine":
            raise self._refuse(name, f"follows the affine layer {self._last_name} with no "
                                     "ReLU between; relugeom's networks put a ReLU between "
                                     "consecutive affine layers")
        layers = self.chain.layers
        if layers and layers[-1][1].shape[0] != W.shape[1]:
            raise self._refuse(name, f"takes {W.shape[1]} inputs but the layer before it "
                                     f"({layers[-1][0]}) has {layers[-1][1].shape[0]} outputs")
        layers.append((name, W, b))
        self._last, self._last_name = "affine", name

    def add_bias(self, name: str, c: Any) -> None:
        """A constant added right after the last affine layer (ONNX MatMul + Add): folded
        exactly into its bias."""
        if self._last != "affine":
            raise self._refuse(name, "adds a constant that does not follow an affine layer")
        layer_name, W, b = self.chain.layers[-1]
        c = exact_array(c, f"{name}: constant").reshape(-1)
        if c.shape[0] not in (1, W.shape[0]):
            raise self._refuse(name, f"adds {c.shape[0]} values to {W.shape[0]} outputs")
        total = np.array([Fraction(x) for x in b.tolist()], dtype=object) + \
            np.array([Fraction(x) for x in c.tolist()], dtype=object)
        self.chain.layers[-1] = (layer_name, W, total)

    def relu(self, name: str) -> None:
        self._check_open(name)
        if self._last != "affine":
            what = ("the input" if self._last is None else f"another ReLU ({self._last_name})")
            raise self._refuse(name, f"a ReLU applied to {what}; relugeom's networks apply a "
                                     "ReLU only after an affine layer")
        self._last, self._last_name = "relu", name

    def drop(self, description: str) -> None:
        """Something the network's function ignores at inference (Dropout, Identity)."""
        self.chain.dropped.append(description)

    def flatten(self, name: str, description: str) -> None:
        """A Flatten / Reshape to a vector: of the input (the network then reads flattened
        vectors, noted), or a no-op on the vectors between layers."""
        self.chain.dropped.append(description)
        if self._last is None and not self._flattened:
            self._flattened = True
            self.chain.notes.append(f"{name} flattens the input: the network reads each sample "
                                    "as one flat vector (flatten images before analysing)")

    def final(self, name: str, kind: str, axis: int = -1) -> None:
        """A final softmax / log-softmax / sigmoid: reported, and the network is analysed up to
        the logits (its input)."""
        self._check_open(name)
        if kind not in FINAL_ACTIVATIONS:
            raise self._refuse(name, f"activation {kind!r} is not supported")
        if self._last != "affine":
            raise self._refuse(name, f"the {kind} must come right after the last affine layer")
        self.chain.final_activation, self.chain.final_axis = kind, axis
        self._final_name = name

    def finish(self) -> Chain:
        if not self.chain.layers:
            raise InputError(f"{self.source} holds no affine (Linear / Dense / Gemm) layer")
        if self._last == "relu":
            raise self._refuse(self._last_name, "the network ends with a ReLU; relugeom's "
                                                "networks end with an affine layer (the logits)")
        return self.chain


def _scaled(array: np.ndarray, factor: Fraction) -> np.ndarray:
    """``factor`` · ``array`` exactly, as an object array of Fractions."""
    flat = [Fraction(x) * factor for x in array.reshape(-1).tolist()]
    return np.array(flat, dtype=object).reshape(array.shape)


#: How many random inputs the forward check uses, and its seed (the check is deterministic).
CHECK_INPUTS, CHECK_SEED = 8, 0


#: Machine epsilon of the float types frameworks compute in (bfloat16 is not in np.finfo).
_EPS = {"float16": 2.0 ** -10, "bfloat16": 2.0 ** -7, "float32": 2.0 ** -23, "float64": 2.0 ** -52}


def check_forward(chain: Chain, reference: Callable[[np.ndarray], Any], dtype: Any,
                  what: str, source: str,
                  rounding: Callable[[np.ndarray], Any] | None = None) -> str:
    """Compare the chain's float forward pass with ``reference`` (the framework's own forward,
    computing in ``dtype``) on :data:`CHECK_INPUTS` seeded Gaussian inputs, rounded to
    ``dtype`` (by ``rounding`` when numpy lacks the type) so that both sides read the same
    numbers. Refuse, with the max deviation, when
    they differ by more than the rounding both sides may make, 2·L·(k + 2)·eps times the
    magnitude |W|·|h| + |b| propagated through the layers (the first-order bound γ_k of
    Higham for each layer's dot products, doubled for the two sides; k the largest fan-in,
    L the layers and final activation, eps of ``dtype``; at least 1 after a softmax or
    sigmoid). Returns the sentence the import report carries.
    """
    eps = _EPS.get(getattr(dtype, "name", str(dtype)), _EPS["float32"])
    rng = np.random.default_rng(CHECK_SEED)
    X = rng.standard_normal((CHECK_INPUTS, chain.widths[0]))
    X = np.asarray(rounding(X) if rounding else X.astype(dtype), dtype=np.float64)
    try:
        theirs = np.asarray(reference(X), dtype=np.float64).reshape(CHECK_INPUTS, -1)
    except InputError:
        raise
    except Exception as exc:  # the framework's own failure, e.g. a shape it rejects
        raise InputError(f"{source}: running {what} on {CHECK_INPUTS} random inputs of size "
                         f"{chain.widths[0]} failed ({type(exc).__name__}: {exc}); relugeom "
                         "checks every import against the framework's forward pass") from None
    ours = chain.float_forward(X)
    if theirs.shape != ours.shape:
        raise InputError(f"{source}: {what} returns {theirs.shape[1]} outputs per input, the "
                         f"network read from it has {ours.shape[1]}: the model was misread")
    fan_in = max(chain.widths[:-1]) + 2
    scale = chain.magnitude(X).max(axis=1, keepdims=True)
    if chain.final_activation in ("softmax", "sigmoid"):
        scale = np.ones_like(scale) * np.maximum(scale, 1)
    tolerance = 2 * chain_depth(chain) * fan_in * eps * scale
    deviation = np.abs(theirs - ours)
    worst = float(deviation.max()) if deviation.size else 0.0
    if not np.all(deviation <= tolerance) or not math.isfinite(worst):
        raise InputError(f"{source}: the network read from the file does not compute what "
                         f"{what} computes: on {CHECK_INPUTS} random inputs the outputs differ "
                         f"by up to {worst:.3g} (rounding allows {float(tolerance.max()):.3g}); "
                         "refusing a misread model")
    return (f"forward pass on {CHECK_INPUTS} random Gaussian inputs (seed {CHECK_SEED}) "
            f"matches {what}: max deviation {worst:.3g}, rounding bound "
            f"{float(tolerance.max()):.3g} (numeric check)")


def chain_depth(chain: Chain) -> int:
    return len(chain.layers) + (chain.final_activation is not None)
