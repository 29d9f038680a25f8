"""The Jacobian of a deep network modulo a prime, without a single big integer.

Given the exact activation patterns (:mod:`relugeom.rank.float_filter`), every entry of J(θ, X)
is a polynomial in the weights and the sample, so J mod p is computed from their residues
(a float m·2^e ↦ (m mod p)·(2^e mod p), a rational a/b ↦ a·b⁻¹ mod p; :class:`RationalArray`):

    h_0 = x,  h_l = s⁺_l ⊙ (W_l h_{l−1} + b_l)      (s⁺_l = [z_l > 0]; relu(z) = 0 at z = 0)
    G_L = I_m,  G_l = (G_{l+1} W_{l+1}) ⊙ s_l       (s_l: the pattern, relu'(0) by convention)

mod p, with :func:`relugeom.linalg.modular.matmul_mod` (float64 BLAS, exact in chunks), and the
columns ∂f/∂W_l[j, q] = G_l[:, j] ⊙ h_{l−1}[:, q], ∂f/∂b_l[j] = G_l[:, j] are formed on the fly
in blocks. Reduction mod p is a ring homomorphism on the rationals whose denominators p does
not divide, so these are the residues of J itself, and rank_p J ≤ rank_Q J.

Cost: Σ_l n·n_l·n_{l−1} (forward) + Σ_l n·m·n_l·n_{l+1} (backward) multiply–adds, and
n·m·P products for the columns, all in float64; memory: the h_l and G_l, and one block.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from ..exact.arrays import RationalArray
from ..linalg.modular import CHUNK, matmul_mod, reduce_residues
from ..model.deep import DeepNetwork
from .backprop import _gradients, _row_kron
from .float_filter import FilteredPass, LayerArrays, _log2_lcm


class ModularJacobian:
    """J(θ, X) mod p of a deep network, streamed by columns or by rows; ``activations`` (h_l,
    l < L), ``preactivations`` (z_l, hidden l) and ``gradients`` (G_l) mod p as float arrays.

    Raises :class:`~relugeom.exact.arrays.PrimeDividesDenominator` when p divides a
    denominator of the weights or of X (choose another prime).

    >>> from relugeom.rank.float_filter import filtered_patterns, layer_arrays, sample_array
    >>> net = DeepNetwork([([[1]], [0]), ([[2]], [0]), ([[3]], [1])])
    >>> X = sample_array([[5]], 1)[0]
    >>> J = ModularJacobian(net, layer_arrays(net), X, filtered_patterns(net, X), 101)
    >>> sorted(int(v) % 101 for _, block in J.columns() for v in block.ravel())
    [1, 3, 6, 10, 15, 30]
    """

    def __init__(self, deep: DeepNetwork, arrays: LayerArrays, X: RationalArray,
                 passed: FilteredPass, p: int):
        self.deep, self.p = deep, p
        self.n, self.m = X.shape[0], deep.output_dim
        weights, biases = arrays.residues(p)
        H, Zs = [X.residues(p).astype(float)], []
        for l in range(1, deep.depth):
            Zs.append((_product_mod(H[-1], weights[l - 1].T, p) + biases[l - 1]) % p)
            H.append(np.where(passed.positive[l - 1], Zs[-1], 0.0))
        G = _gradients(list(weights), list(passed.patterns), self.n, self.m, np.float64,
                       lambda A, B: _product_mod(A, B, p), np.multiply)
        self.activations, self.gradients, self.preactivations = H, G, Zs

    def columns(self, block: int = 1024) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(θ indices, vectors): the columns of J mod p as rows of length n·m, zero columns
        dropped, layers from the last (the first layer's block, the largest, is read last, so
        a search that stops early reads little of it); in a layer b_l, then W_l by inputs."""
        w, offsets, p = self.deep.widths, self.deep.parameter_offsets(), self.p
        for l in range(self.deep.depth, 0, -1):
            GT = np.ascontiguousarray(self.gradients[l - 1].T)
            yield _nonzero(offsets[l - 1] + w[l] * w[l - 1] + np.arange(w[l]), GT)
            HT = np.ascontiguousarray(np.repeat(self.activations[l - 1], self.m, axis=0).T)
            step = max(1, block // w[l])
            for q0 in range(0, w[l - 1], step):
                q1 = min(w[l - 1], q0 + step)
                values = reduce_residues((GT[:, None, :] * HT[None, q0:q1, :])
                                         .reshape(-1, GT.shape[1]), p)
                index = np.arange(w[l])[:, None] * w[l - 1] + np.arange(q0, q1)[None, :]
                yield _nonzero(offsets[l - 1] + index.reshape(-1), values)

    def rows(self, block: int = 1024) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(row indices i·m + k, vectors): the rows of J mod p (length P), zero rows dropped,
        ``block`` rows (whole samples) at a time."""
        samples = max(1, block // self.m)
        for s0 in range(0, self.n, samples):
            s1 = min(self.n, s0 + samples)
            rows = slice(s0 * self.m, s1 * self.m)
            parts = []
            for l in range(1, self.deep.depth + 1):
                G = self.gradients[l - 1][rows]
                parts += [_row_kron(G, self.activations[l - 1][s0:s1], self.m, np.multiply), G]
            yield _nonzero(np.arange(rows.start, rows.stop),
                           reduce_residues(np.concatenate(parts, axis=1), self.p))


def _product_mod(A: np.ndarray, B: np.ndarray, p: int) -> np.ndarray:
    """(A·B) mod p for residues in [0, p): one BLAS product when it has at most CHUNK terms
    (then every sum is below CHUNK·p² < 2^52, exact), else :func:`matmul_mod` in chunks."""
    if A.shape[1] <= CHUNK:
        return np.remainder(A @ B, p)
    return matmul_mod(A, B, p)


def _nonzero(labels: np.ndarray, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keep = np.flatnonzero(vectors.any(axis=1))
    return labels[keep], vectors[keep]


def log2_denominator(A: RationalArray) -> float:
    """log2 of a common denominator of the entries of A (an upper bound: any common
    denominator serves a Hadamard bound)."""
    return _log2_lcm(np.asarray(A.exponents), np.asarray(A.denominators))
