"""Greedy bases chosen mod p and proven by a count (relugeom.linalg.kernel), against the greedy
choice over Q by exact ranks, and the mod-p kernels against the exact ones reduced mod p."""

from fractions import Fraction

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from relugeom.linalg import nullspace, rank
from relugeom.linalg.kernel import (ColumnKernel, FullKernel, GivenVectors, ModularMatrix,
                                    greedy_basis, kernel_mod_p, sparse_residues)
from relugeom.linalg.modular import random_primes

entries = st.fractions(-3, 3, max_denominator=4)


def matrices(rows=(1, 5), cols=(1, 6)):
    return st.integers(*rows).flatmap(lambda r: st.integers(*cols).flatmap(
        lambda c: st.lists(st.lists(entries, min_size=c, max_size=c), min_size=r, max_size=r)))


@given(matrices())
def test_kernel_mod_p_is_the_exact_canonical_kernel_reduced(A):
    p = random_primes(1)[0]
    exact = nullspace(A, len(A[0]))
    assert np.array_equal(kernel_mod_p(ModularMatrix(A).residues(p), p).reshape(-1, len(A[0])),
                          sparse_residues(exact, len(A[0]), p).reshape(-1, len(A[0])))


@given(matrices(), st.data(), st.booleans())
def test_greedy_basis_is_the_greedy_choice_over_q(A, data, full):
    """With the kernel as a ColumnKernel (eliminated) or a FullKernel (chosen from the
    echelon form of what came before): the same choice as exact ranks over Q."""
    n = len(A[0])
    kernel = nullspace(A, n)
    # candidates in ker A: combinations of the basis (some repeated, some zero), then the basis
    combos = data.draw(st.lists(st.lists(st.integers(-2, 2), min_size=len(kernel),
                                         max_size=len(kernel)), max_size=6))
    given_vectors = [tuple(sum((c * u[k] for c, u in zip(cs, kernel)), Fraction(0))
                           for k in range(n)) for cs in combos]
    k = len(kernel)
    kernel_group = FullKernel(ModularMatrix(A)) if full else ColumnKernel(ModularMatrix(A),
                                                                          range(n))
    basis = greedy_basis([([GivenVectors(given_vectors), kernel_group], k)], n)
    assert basis is not None
    chosen = [u for *_, u in basis.kept]
    expected, kept = [], []
    for u in given_vectors + kernel:
        if rank(kept + [u], n) > len(kept):
            kept.append(u)
            expected.append(tuple(u))
    assert chosen == expected


def test_a_wrong_dimension_is_not_proven():
    """Candidates spanning 1 dimension cannot prove a claimed dimension 2: no basis."""
    assert greedy_basis([([GivenVectors([[1, 2], [2, 4]])], 2)], 2) is None
    assert len(greedy_basis([([GivenVectors([[1, 2], [2, 4]])], 1)], 2).kept) == 1
