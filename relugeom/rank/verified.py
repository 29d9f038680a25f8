"""The verified-kernel certificate for a Jacobian, shallow or deep.

:func:`relugeom.linalg.verified.verified_kernel` proves rank_Q(A) = rank_p(A) by exhibiting
ncols − rank_p(A) independent kernel vectors checked exactly. For A the integer-scaled Jacobian
(:func:`relugeom.rank.backprop.scaled_jacobian`, J·diag(denominators)) part of the kernel is
known in advance and exact: the rescaling direction of every hidden neuron,

    r_lj = (row j of W_l, b_l[j], −column j of W_{l+1})   (J·r_lj = 0, see symmetry_bound),

which for A becomes diag(denominators)⁻¹·r_lj, scaled to integers. Zero columns (dead neurons,
zero inputs) and repeated rows (equal samples) are dropped first; neither changes the rank, and
the rescaling directions restricted to the kept columns stay in the kernel (the dropped columns
are zero). Only a complement of the known directions is lifted.

The side (right kernel, vectors of length P; left kernel, of length n·m) is the one with fewer
vectors to lift: the right side counts the known directions as free.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from ..linalg.verified import MAX_BITS, VerifiedKernel, verified_kernel
from ..model.deep import as_deep
from ..model.network import Network
from ..model.patterns import ReluPrime
from .backprop import scaled_jacobian

#: Largest Jacobian (entries n·m·P) built exactly for a verified kernel.
VERIFY_ENTRIES = 4_000_000


def rescaling_directions(network: Network, denominators: tuple) -> list[list[int]]:
    """diag(denominators)⁻¹·r_lj for every hidden neuron, each scaled to integers (θ order)."""
    deep = as_deep(network)
    offsets, w = deep.parameter_offsets(), deep.widths
    out = []
    for l in range(1, deep.depth):
        W, b = deep.layers[l - 1]
        W_next = deep.layers[l][0]
        for j in range(w[l]):
            u: dict[int, Fraction] = {}
            for q in range(w[l - 1]):
                u[offsets[l - 1] + j * w[l - 1] + q] = Fraction(W[j][q])
            u[offsets[l - 1] + w[l] * w[l - 1] + j] = Fraction(b[j])
            for k in range(w[l + 1]):
                u[offsets[l] + k * w[l] + j] = -Fraction(W_next[k][j])
            u = {c: q / denominators[c] for c, q in u.items() if q}
            if not u:
                continue
            scale = math.lcm(*(q.denominator for q in u.values()))
            vector = [0] * len(denominators)
            for c, q in u.items():
                vector[c] = int(q * scale)
            out.append(vector)
    return out


def jacobian_kernel(network: Network, X: Any, relu_prime_at_zero: ReluPrime = "error",
                    seed: int = 0, max_bits: int = MAX_BITS) -> VerifiedKernel | None:
    """The verified kernel of J(θ, X) (module docstring), or None when J has more than
    :data:`VERIFY_ENTRIES` entries. ``X``: a checked sample (tuples of Fractions). The basis
    is in the coordinates of the reduced matrix (zero columns and repeated rows dropped): this
    is a certificate of the rank, not a kernel basis of J."""
    deep = as_deep(network)
    n_rows, P = len(X) * deep.output_dim, deep.n_parameters
    if n_rows * P > VERIFY_ENTRIES:
        return None
    scaled = scaled_jacobian(deep, X, relu_prime_at_zero)
    A = scaled.numerators
    cols = np.flatnonzero(A.any(axis=0))
    rows = _distinct_rows(A[:, cols])
    A = A[np.ix_(rows, cols)]
    known = [[u[c] for c in cols] for u in rescaling_directions(deep, scaled.denominators)]
    known = [u for u in known if any(u)]
    # fewer vectors to lift on the right when the known directions cover enough of it
    side = "right" if A.shape[1] - len(known) <= A.shape[0] else "left"
    return verified_kernel(A, side=side, known=known if side == "right" else (), seed=seed,
                           max_bits=max_bits)


def _distinct_rows(A: np.ndarray) -> np.ndarray:
    """Indices of the first occurrence of each distinct row, in order (equal rows of J come
    from equal samples; the zero row is dropped too)."""
    seen: dict = {}
    for i, row in enumerate(A.tolist()):
        if any(row):
            seen.setdefault(tuple(row), i)
    return np.array(sorted(seen.values()), dtype=np.int64)
