"""Deep ReLU networks with exact weights.

Architecture (n_0, n_1, …, n_L): L affine layers, ReLU after every layer but the last,

    h_0 = x,   z_l = W_l h_{l−1} + b_l,   h_l = relu(z_l) (l < L),   f_θ(x) = z_L,

with W_l ∈ Q^{n_l × n_{l−1}} and b_l ∈ Q^{n_l}. The hidden layers are 1, …, L−1.

θ is the vector (W_1 row-major, b_1, W_2 row-major, b_2, …, W_L row-major, b_L), so
P = Σ_l n_l·(n_{l−1} + 1). This order is part of the public contract (Jacobian columns,
kernel vectors, JSON); for L = 2 it is the order (W, b, V, c) of
:class:`~relugeom.model.shallow.ShallowNetwork`, so a shallow network and its deep form have the
same θ, the same Jacobian and the same local dimension.

JSON: ``{"layers": [{"W": [[..]], "b": [..]}, ...]}``. Layers are numbered from 1 in messages
(layer l is ``layers[l-1]`` in the file).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Sequence

import numpy as np

from ..errors import InputError
from ..exact.numbers import (parse_json, rational_matrix, rational_vector, to_json_number,
                             to_rational)
from .formats.pytorch import chain_from_module
from .shallow import ShallowNetwork, keep_float_theta

Layer = tuple  # (W: tuple of row tuples, b: tuple), exact Fractions


def _split_layer(layer: Any, l: int) -> tuple[Any, Any]:
    """(W, b) from a pair or a {"W", "b"} mapping; ``l`` (1-based) names the layer."""
    if isinstance(layer, dict):
        missing = [k for k in ("W", "b") if k not in layer]
        if missing:
            raise InputError(f"layer {l} (layers[{l - 1}]) is missing key(s) "
                             f"{', '.join(missing)}; a layer is {{\"W\": [[..]], \"b\": [..]}}")
        unknown = sorted(set(layer) - {"W", "b"})
        if unknown:
            raise InputError(f"layer {l} (layers[{l - 1}]) has unknown key(s) "
                             f"{', '.join(map(str, unknown))}; a layer has only W and b")
        return layer["W"], layer["b"]
    if isinstance(layer, (str, bytes)) or not isinstance(layer, Sequence) or len(layer) != 2:
        raise InputError(f"layer {l} (layers[{l - 1}]) must be a pair (W, b) or "
                         f"{{\"W\": [[..]], \"b\": [..]}}, got {type(layer).__name__}")
    return layer[0], layer[1]


@dataclass(frozen=True)
class DeepNetwork:
    """A ReLU network of any depth with exact rational weights.

    ``layers`` is a sequence of pairs (W_l, b_l) (or ``{"W", "b"}`` mappings), stored as tuples
    of :class:`~fractions.Fraction`. Shapes are checked layer by layer; each mismatch names the
    layer and the matrix.

    >>> net = DeepNetwork([([[1], [-1]], [0, 1]), ([[1, 2], [0, 1]], [0, 0]), ([[1, 1]], [3])])
    >>> net.widths, net.depth, net.n_parameters
    ((1, 2, 2, 1), 3, 13)
    >>> net([2])
    (Fraction(5, 1),)
    """

    layers: tuple

    def __post_init__(self) -> None:
        raw = self.layers
        if isinstance(raw, (str, bytes, dict)) or not isinstance(raw, Sequence):
            raise InputError("layers must be a list of layers (W, b), got "
                             f"{type(raw).__name__}")
        if not raw:
            raise InputError("layers is empty: a network needs at least one layer")
        checked = []
        for l, layer in enumerate(raw, start=1):
            W_raw, b_raw = _split_layer(layer, l)
            W = rational_matrix(W_raw, f"layer {l}: W")
            if not W:
                raise InputError(f"layer {l}: W has no rows (a layer needs at least one neuron)")
            if not W[0]:
                raise InputError(f"layer {l}: W has no columns")
            if checked and len(W[0]) != len(checked[-1][0]):
                raise InputError(f"layer {l}: W has {len(W[0])} columns but layer {l - 1} has "
                                 f"{len(checked[-1][0])} neurons (rows of its W); W_{l} needs "
                                 f"one column per neuron of layer {l - 1}")
            b = rational_vector(b_raw, f"layer {l}: b")
            if len(b) != len(W):
                raise InputError(f"layer {l}: b has {len(b)} entries but W has {len(W)} rows "
                                 "(one bias per neuron)")
            checked.append((W, b))
        object.__setattr__(self, "layers", tuple(checked))

    # -- architecture -----------------------------------------------------------------------
    @property
    def depth(self) -> int:
        """L, the number of affine layers (L − 1 hidden layers)."""
        return len(self.layers)

    @property
    def widths(self) -> tuple[int, ...]:
        """(n_0, n_1, …, n_L)."""
        return (len(self.layers[0][0][0]),) + tuple(len(W) for W, _ in self.layers)

    @property
    def input_dim(self) -> int:
        """n_0."""
        return self.widths[0]

    @property
    def output_dim(self) -> int:
        """n_L."""
        return len(self.layers[-1][0])

    @property
    def hidden_widths(self) -> tuple[int, ...]:
        """(n_1, …, n_{L−1}); empty for L = 1."""
        return self.widths[1:-1]

    @property
    def hidden_width(self) -> tuple[int, ...]:
        """The hidden widths (n_1, …, n_{L−1}); a tuple, unlike the shallow network's int."""
        return self.hidden_widths

    @property
    def n_hidden(self) -> int:
        """n_1 + … + n_{L−1}, the number of hidden neurons (and of rescaling symmetries)."""
        return sum(self.hidden_widths)

    @property
    def n_parameters(self) -> int:
        """P = Σ_l n_l·(n_{l−1} + 1)."""
        w = self.widths
        return sum(w[l] * (w[l - 1] + 1) for l in range(1, len(w)))

    def parameter_offsets(self) -> tuple[int, ...]:
        """Index in θ where each layer's block (W_l, b_l) starts; the last entry is P."""
        w, offsets = self.widths, [0]
        for l in range(1, len(w)):
            offsets.append(offsets[-1] + w[l] * (w[l - 1] + 1))
        return tuple(offsets)

    # -- θ vector ---------------------------------------------------------------------------
    def theta(self) -> tuple[Fraction, ...]:
        """θ = (W_1 row-major, b_1, …, W_L row-major, b_L)."""
        return tuple(q for W, b in self.layers for q in (*(v for row in W for v in row), *b))

    @classmethod
    def from_theta(cls, theta: Sequence, widths: Sequence[int]) -> "DeepNetwork":
        """Inverse of :meth:`theta` for the architecture ``widths`` = (n_0, …, n_L)."""
        widths = tuple(int(w) for w in widths)
        if len(widths) < 2 or min(widths) < 1:
            raise InputError(f"widths must list at least two positive sizes (n_0, …, n_L), got "
                             f"{widths}")
        P = sum(widths[l] * (widths[l - 1] + 1) for l in range(1, len(widths)))
        if len(theta) != P:
            raise InputError(f"θ has {len(theta)} entries, expected P = {P} for widths {widths}")
        t = [to_rational(v, f"theta[{i}]") for i, v in enumerate(theta)]
        layers, k = [], 0
        for l in range(1, len(widths)):
            rows, cols = widths[l], widths[l - 1]
            W = [t[k + j * cols:k + (j + 1) * cols] for j in range(rows)]
            k += rows * cols
            layers.append((W, t[k:k + rows]))
            k += rows
        return cls(layers)

    def with_theta(self, theta: Sequence) -> "DeepNetwork":
        """The network of the same architecture with parameters ``theta``."""
        return DeepNetwork.from_theta(theta, self.widths)

    # -- conversions ------------------------------------------------------------------------
    @classmethod
    def from_shallow(cls, network: ShallowNetwork) -> "DeepNetwork":
        """The two-layer deep form of a :class:`~relugeom.model.shallow.ShallowNetwork`
        (same θ)."""
        deep = cls(((network.W, network.b), (network.V, network.c)))
        theta = getattr(network, "_float_theta", None)  # kept by ShallowNetwork.from_numpy
        if theta is not None:  # the same θ in the same order (W, b, V, c)
            object.__setattr__(deep, "_float_theta", theta)
        return deep

    def to_shallow(self) -> ShallowNetwork:
        """The :class:`~relugeom.model.shallow.ShallowNetwork` of a two-layer network (same θ)."""
        if self.depth != 2:
            raise InputError(f"only a network with one hidden layer (L = 2) is shallow; this one "
                             f"has widths {self.widths}")
        (W, b), (V, c) = self.layers
        return ShallowNetwork(W, b, V, c)

    @classmethod
    def from_numpy(cls, pairs: Sequence[tuple[Any, Any]]) -> "DeepNetwork":
        """From a list of numpy (W_l, b_l) pairs (e.g. exported from Keras, transposing its
        kernels to n_l × n_{l−1}); each float is read as its exact binary value."""

        layers = []
        for l, pair in enumerate(pairs, start=1):
            W, b = _split_layer(pair, l)
            layers.append((np.asarray(W), np.atleast_1d(np.asarray(b))))
        network = cls(layers)
        keep_float_theta(network, [a for pair in layers for a in pair])
        return network

    @classmethod
    def from_torch(cls, model: Any) -> "DeepNetwork":
        """From a ``torch.nn.Module`` that is a ReLU MLP: Linear and ReLU layers, with Flatten,
        Dropout, Identity and nested Sequential allowed (and dropped), traced with
        ``torch.fx`` (:mod:`relugeom.model.formats.pytorch`); exact float values, and the
        import checked against the module's own forward pass. A Linear without bias gets
        b = 0; a final softmax / sigmoid is dropped (the network is the logits)."""
        chain, _ = chain_from_module(model)
        return cls.from_numpy(chain.pairs())

    # -- serialisation ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready ``{"layers": [{"W", "b"}, ...]}``; entries are ints or "p/q" strings."""
        return {"layers": [{"W": [[to_json_number(q) for q in row] for row in W],
                            "b": [to_json_number(q) for q in b]} for W, b in self.layers]}

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_dict(cls, data: Any, source: str = "network") -> "DeepNetwork":
        """Build from ``{"layers": [...]}``; the shallow format {W, b, V, c} is read as L = 2."""
        if isinstance(data, dict) and "layers" not in data and {"W", "b", "V", "c"} & set(data):
            return cls.from_shallow(ShallowNetwork.from_dict(data, source))
        if not isinstance(data, dict) or "layers" not in data:
            found = (f"keys {sorted(map(str, data))}" if isinstance(data, dict)
                     else type(data).__name__)
            raise InputError(f'{source}: expected {{"layers": [{{"W": [[..]], "b": [..]}}, ..]}} '
                             f"(or a shallow network {{W, b, V, c}}), found {found}")
        unknown = sorted(set(map(str, data)) - {"layers"})
        if unknown:
            raise InputError(f"{source}: unknown key(s) {', '.join(unknown)} beside \"layers\"")
        try:
            return cls(data["layers"])
        except InputError as exc:
            raise InputError(f"{source}: {exc}") from None

    @classmethod
    def from_json(cls, text: str, source: str = "network") -> "DeepNetwork":
        return cls.from_dict(parse_json(text, source), source)

    @classmethod
    def random(cls, widths: Sequence[int], *, seed: int = 0, low: int = -3, high: int = 3,
               denominator: int = 1) -> "DeepNetwork":
        """Seeded random network with entries k/denominator, k uniform in [low, high]."""
        widths = tuple(widths)
        if len(widths) < 2 or min(widths) < 1:
            raise InputError(f"widths must list at least two positive sizes, got {widths}")
        rng = random.Random(seed)
        draw = lambda: Fraction(rng.randint(low, high), denominator)  # noqa: E731
        return cls([([[draw() for _ in range(widths[l - 1])] for _ in range(widths[l])],
                     [draw() for _ in range(widths[l])]) for l in range(1, len(widths))])

    # -- symmetries -------------------------------------------------------------------------
    def _check_hidden(self, layer: int) -> None:
        if not 1 <= layer < self.depth:
            raise InputError(f"layer {layer} is not a hidden layer: the hidden layers are "
                             f"1..{self.depth - 1}")

    def permute(self, layer: int, permutation: Sequence[int]) -> "DeepNetwork":
        """Neuron j of hidden ``layer`` in the result is neuron ``permutation[j]`` of this one
        (rows of W_l, b_l and columns of W_{l+1} permuted): the same function."""
        self._check_hidden(layer)
        perm = list(permutation)
        if sorted(perm) != list(range(self.widths[layer])):
            raise InputError(f"{perm} is not a permutation of 0..{self.widths[layer] - 1}")
        layers = list(self.layers)
        W, b = layers[layer - 1]
        layers[layer - 1] = ([W[p] for p in perm], [b[p] for p in perm])
        W_next, b_next = layers[layer]
        layers[layer] = ([[row[p] for p in perm] for row in W_next], b_next)
        return DeepNetwork(layers)

    def rescale(self, layer: int, neuron: int, factor: Any) -> "DeepNetwork":
        """(row j of W_l, b_l[j], column j of W_{l+1}) → (λ·row, λ·b_l[j], column/λ), λ > 0:
        the same function, since relu(λz) = λ·relu(z)."""
        self._check_hidden(layer)
        lam = to_rational(factor, "rescaling factor")
        if lam <= 0:
            raise InputError(f"rescaling factor must be positive, got {lam}")
        if not 0 <= neuron < self.widths[layer]:
            raise InputError(f"neuron {neuron} out of range 0..{self.widths[layer] - 1} in "
                             f"layer {layer}")
        layers = list(self.layers)
        W, b = layers[layer - 1]
        layers[layer - 1] = ([tuple(q * lam for q in row) if j == neuron else row
                              for j, row in enumerate(W)],
                             [q * lam if j == neuron else q for j, q in enumerate(b)])
        W_next, b_next = layers[layer]
        layers[layer] = ([[q / lam if j == neuron else q for j, q in enumerate(row)]
                          for row in W_next], b_next)
        return DeepNetwork(layers)

    # -- evaluation -------------------------------------------------------------------------
    def __call__(self, x: Sequence) -> tuple[Fraction, ...]:
        """Exact output f_θ(x), layer by layer."""
        h = tuple(to_rational(v, f"x[{i}]") for i, v in enumerate(x))
        if len(h) != self.input_dim:
            raise InputError(f"x has {len(h)} coordinates, the network's input dimension is "
                             f"{self.input_dim}")
        for l, (W, b) in enumerate(self.layers, start=1):
            z = tuple(sum((w * v for w, v in zip(row, h)), bj) for row, bj in zip(W, b))
            h = z if l == self.depth else tuple(max(q, Fraction(0)) for q in z)
        return h


def as_deep(network: Any) -> DeepNetwork:
    """``network`` itself if deep, its two-layer deep form if shallow; anything else is refused
    with an :class:`~relugeom.errors.InputError`."""
    if isinstance(network, DeepNetwork):
        return network
    if isinstance(network, ShallowNetwork) or all(hasattr(network, k) for k in "WbVc"):
        return DeepNetwork.from_shallow(network)
    raise InputError(f"expected a network (a ShallowNetwork or a DeepNetwork), got "
                     f"{'None' if network is None else type(network).__name__}")


def hidden_neuron_count(network: Any) -> int:
    """n_1 + … + n_{L−1} (N for a shallow network): the number of rescaling symmetries."""
    return as_deep(network).n_hidden


def symmetry_bound(network: Any) -> int:
    """P − (n_1 + … + n_{L−1}): every hidden neuron's rescaling direction lies in ker J.

    For a shallow network this is P − N (T1 of docs/theory.md). It holds at any depth: rescaling
    neuron j of layer l by e^s leaves f unchanged, so d/ds at s = 0 — the direction
    r_lj = (row j of W_l, b_l[j], −column j of W_{l+1}) — is in the kernel of J(θ, X) for
    every X.

    Why ker J has dimension ≥ H (H hidden neurons) even when the r's are dependent: a relation
    Σ c_ν r_ν = 0 forces c_ν = c_μ along every nonzero weight between hidden neurons ν, μ, and
    c_ν = 0 at a nonzero bias or a nonzero weight to an input or output. So the relations are
    spanned by the indicators of the "floating" components K of the graph of nonzero weights
    (no nonzero bias, no nonzero weight to inputs or outputs): rank{r} = H − #K. A floating
    component only sees itself: its first neurons have zero weights and bias, so z = h = 0 on
    every sample, and inductively on all of K; its last neurons have zero outgoing weights, so
    ∂f/∂z_ν = 0 backwards through K. Hence every bias column b_ν, ν ∈ K, is zero: e_{b_ν} ∈ ker J,
    and these are independent of the r's (which vanish at b_ν = 0). Altogether
    dim ker J ≥ H − #K + Σ_K |K| ≥ H.
    """
    deep = as_deep(network)
    return deep.n_parameters - deep.n_hidden
