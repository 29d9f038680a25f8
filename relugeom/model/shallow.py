"""Shallow ReLU networks with exact weights.

    f_θ(x) = V · relu(W x + b) + c,   W ∈ Q^{N×d}, b ∈ Q^N, V ∈ Q^{m×N}, c ∈ Q^m

θ is the vector (W row-major, b, V row-major, c), so P = N·d + N + m·N + m. This order is part
of the public contract: Jacobian columns and kernel vectors use it.
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

#: The float dtypes whose every value is a float64 (longdouble is not).
_FLOAT64_EXACT = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))


def keep_float_theta(network: Any, arrays: Sequence[np.ndarray]) -> None:
    """Keep θ as one float64 vector on ``network`` (private attribute ``_float_theta``) when
    ``arrays``, its parameter arrays in θ's order, are all float16/32/64: their values are
    float64s exactly, equal to the Fractions the network was built from, so the float paths
    (relugeom.rank.float_filter, relugeom.rank.shallow, model.network.float_layers) read no
    Fraction. Never serialised."""
    if all(a.dtype in _FLOAT64_EXACT for a in arrays):
        theta = np.concatenate([np.ravel(a) for a in arrays]).astype(np.float64) + 0.0
        object.__setattr__(network, "_float_theta", theta)


@dataclass(frozen=True)
class ShallowNetwork:
    """A one-hidden-layer ReLU network with exact rational weights.

    Entries may be given as anything :func:`relugeom.exact.numbers.to_rational` reads; they are
    stored as tuples of :class:`~fractions.Fraction`. Shapes are checked and each mismatch is
    named.

    >>> net = ShallowNetwork(W=[[1], [-1]], b=[0, 1], V=[[1, 1]], c=[0])
    >>> net.input_dim, net.hidden_width, net.output_dim, net.n_parameters
    (1, 2, 1, 7)
    """

    W: tuple
    b: tuple
    V: tuple
    c: tuple

    def __post_init__(self) -> None:
        W = rational_matrix(self.W, "W")
        if not W:
            raise InputError("W has no rows: the network needs at least one hidden neuron")
        d = len(W[0])
        if d == 0:
            raise InputError("W has no columns: the input dimension must be at least 1")
        N = len(W)
        b = rational_vector(self.b, "b")
        if len(b) != N:
            raise InputError(f"b has {len(b)} entries but W has {N} rows (one bias per hidden "
                             "neuron)")
        V = rational_matrix(self.V, "V")
        if not V:
            raise InputError("V has no rows: the network needs at least one output")
        if len(V[0]) != N:
            raise InputError(f"V has {len(V[0])} columns but W has {N} rows (V needs one column "
                             "per hidden neuron)")
        c = rational_vector(self.c, "c")
        if len(c) != len(V):
            raise InputError(f"c has {len(c)} entries but V has {len(V)} rows (one bias per "
                             "output)")
        for name, value in (("W", W), ("b", b), ("V", V), ("c", c)):
            object.__setattr__(self, name, value)

    # -- dimensions -------------------------------------------------------------------------
    @property
    def input_dim(self) -> int:
        """d, the input dimension."""
        return len(self.W[0])

    @property
    def hidden_width(self) -> int:
        """N, the number of hidden neurons."""
        return len(self.W)

    @property
    def output_dim(self) -> int:
        """m, the output dimension."""
        return len(self.V)

    @property
    def n_parameters(self) -> int:
        """P = N·d + N + m·N + m."""
        d, N, m = self.input_dim, self.hidden_width, self.output_dim
        return N * d + N + m * N + m

    @property
    def widths(self) -> tuple[int, ...]:
        """Architecture (d, N, m) as layer widths."""
        return (self.input_dim, self.hidden_width, self.output_dim)

    @property
    def layers(self) -> tuple[tuple[tuple, tuple], ...]:
        """The affine layers ((W, b), (V, c)); ReLU acts between them."""
        return ((self.W, self.b), (self.V, self.c))

    # -- θ vector ---------------------------------------------------------------------------
    def theta(self) -> tuple[Fraction, ...]:
        """θ = (W row-major, b, V row-major, c)."""
        return (tuple(q for row in self.W for q in row) + self.b
                + tuple(q for row in self.V for q in row) + self.c)

    @classmethod
    def from_theta(cls, theta: Sequence, input_dim: int, hidden_width: int,
                   output_dim: int = 1) -> "ShallowNetwork":
        """Inverse of :meth:`theta` for the architecture (d, N, m)."""
        d, N, m = input_dim, hidden_width, output_dim
        P = N * d + N + m * N + m
        if len(theta) != P:
            raise InputError(f"θ has {len(theta)} entries, expected P = {P} for (d, N, m) = "
                             f"({d}, {N}, {m})")
        t = [to_rational(v, f"theta[{i}]") for i, v in enumerate(theta)]
        W = [t[j * d:(j + 1) * d] for j in range(N)]
        k = N * d
        b = t[k:k + N]
        k += N
        V = [t[k + i * N:k + (i + 1) * N] for i in range(m)]
        k += m * N
        return cls(W, b, V, t[k:k + m])

    # -- serialisation ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict {"W", "b", "V", "c"}; entries are ints or "p/q" strings."""
        mat = lambda A: [[to_json_number(q) for q in row] for row in A]  # noqa: E731
        vec = lambda v: [to_json_number(q) for q in v]  # noqa: E731
        return {"W": mat(self.W), "b": vec(self.b), "V": mat(self.V), "c": vec(self.c)}

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_dict(cls, data: Any, source: str = "network") -> "ShallowNetwork":
        """Build from {"W", "b", "V", "c"}; a missing or unknown key is named."""
        if not isinstance(data, dict):
            raise InputError(f"{source}: expected a JSON object with keys W, b, V, c, got "
                             f"{type(data).__name__}")
        missing = [k for k in ("W", "b", "V", "c") if k not in data]
        if missing:
            raise InputError(f"{source}: missing key(s) {', '.join(missing)}; a shallow network "
                             'is {"W": [[..]], "b": [..], "V": [[..]], "c": [..]}')
        unknown = sorted(set(map(str, data)) - {"W", "b", "V", "c"})
        if unknown:
            raise InputError(f"{source}: unknown key(s) {', '.join(unknown)}; a shallow network "
                             'is {"W": [[..]], "b": [..], "V": [[..]], "c": [..]}')
        try:
            return cls(data["W"], data["b"], data["V"], data["c"])
        except InputError as exc:
            raise InputError(f"{source}: {exc}") from None

    @classmethod
    def from_json(cls, text: str, source: str = "network") -> "ShallowNetwork":
        return cls.from_dict(parse_json(text, source), source)

    @classmethod
    def from_numpy(cls, W: Any, b: Any, V: Any, c: Any) -> "ShallowNetwork":
        """From numpy arrays: each float is read as its exact binary value.

        ``V`` may be a vector for m = 1 and ``c`` a scalar.
        """

        V = np.asarray(V)
        if V.ndim == 1:
            V = V[None, :]
        c = np.atleast_1d(np.asarray(c))
        W, b = np.asarray(W), np.asarray(b)
        network = cls(W, b, V, c)
        keep_float_theta(network, (W, b, V, c))
        return network

    @classmethod
    def from_torch(cls, model: Any) -> "ShallowNetwork":
        """From a ``torch.nn.Module`` with one hidden layer, e.g. ``nn.Sequential(Linear(d, N),
        ReLU(), Linear(N, m))`` (Flatten, Dropout, Identity allowed; exact float values; checked
        against the module's forward, see :mod:`relugeom.model.formats.pytorch`). A deeper model
        is refused, pointing to :meth:`DeepNetwork.from_torch
        <relugeom.model.deep.DeepNetwork.from_torch>` and ``relugeom.load_network``."""
        chain, _ = chain_from_module(model)
        if len(chain.layers) != 2:
            raise InputError(f"the PyTorch module has {len(chain.layers) - 1} hidden layers "
                             f"(widths {chain.widths}); a ShallowNetwork has one: use "
                             "DeepNetwork.from_torch(model), or relugeom.load_network(model), "
                             "which returns a ShallowNetwork or a DeepNetwork as fits")
        (W, b), (V, c) = chain.pairs()
        return cls.from_numpy(W, b, V, c)

    @classmethod
    def random(cls, input_dim: int, hidden_width: int, output_dim: int = 1, *, seed: int = 0,
               low: int = -3, high: int = 3, denominator: int = 1) -> "ShallowNetwork":
        """Seeded random network with entries k/denominator, k uniform in [low, high]."""
        rng = random.Random(seed)
        draw = lambda: Fraction(rng.randint(low, high), denominator)  # noqa: E731
        d, N, m = input_dim, hidden_width, output_dim
        return cls([[draw() for _ in range(d)] for _ in range(N)], [draw() for _ in range(N)],
                   [[draw() for _ in range(N)] for _ in range(m)], [draw() for _ in range(m)])

    # -- symmetries -------------------------------------------------------------------------
    def permute(self, permutation: Sequence[int]) -> "ShallowNetwork":
        """Hidden neuron j of the result is neuron ``permutation[j]`` of this one."""
        perm = list(permutation)
        if sorted(perm) != list(range(self.hidden_width)):
            raise InputError(f"{perm} is not a permutation of 0..{self.hidden_width - 1}")
        return ShallowNetwork([self.W[p] for p in perm], [self.b[p] for p in perm],
                              [[row[p] for p in perm] for row in self.V], self.c)

    def rescale(self, neuron: int, factor: Any) -> "ShallowNetwork":
        """(w_j, b_j, v_j) → (λ w_j, λ b_j, v_j / λ) for λ > 0: the same function."""
        lam = to_rational(factor, "rescaling factor")
        if lam <= 0:
            raise InputError(f"rescaling factor must be positive, got {lam}")
        if not 0 <= neuron < self.hidden_width:
            raise InputError(f"neuron {neuron} out of range 0..{self.hidden_width - 1}")
        W = [tuple(q * lam for q in row) if j == neuron else row for j, row in enumerate(self.W)]
        b = [q * lam if j == neuron else q for j, q in enumerate(self.b)]
        V = [[q / lam if j == neuron else q for j, q in enumerate(row)] for row in self.V]
        return ShallowNetwork(W, b, V, self.c)

    # -- evaluation -------------------------------------------------------------------------
    def __call__(self, x: Sequence) -> tuple[Fraction, ...]:
        """Exact output f_θ(x)."""
        hidden = [max(sum((w * xi for w, xi in zip(row, x)), bj), Fraction(0))
                  for row, bj in zip(self.W, self.b)]
        return tuple(sum((v * h for v, h in zip(row, hidden)), ck)
                     for row, ck in zip(self.V, self.c))


def as_shallow(network: Any, what: str = "this computation") -> ShallowNetwork:
    """``network`` as a :class:`ShallowNetwork`: a two-layer deep network (one hidden layer) is
    converted, anything deeper or of another kind is refused, naming ``what`` needs it.

    >>> as_shallow(ShallowNetwork([[1]], [0], [[1]], [0]), "T6").widths
    (1, 1, 1)
    """
    if isinstance(network, ShallowNetwork) or all(hasattr(network, k) for k in "WbVc"):
        return network
    widths = getattr(network, "widths", None)
    if getattr(network, "depth", None) == 2 and hasattr(network, "to_shallow"):
        return network.to_shallow()
    found = (f"a network with {len(widths) - 2} hidden layers (widths {tuple(widths)})"
             if widths is not None else f"a {type(network).__name__}")
    raise InputError(f"{what} needs a shallow (one-hidden-layer) network "
                     f'{{"W", "b", "V", "c"}}; got {found}')
