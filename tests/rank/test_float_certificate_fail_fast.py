"""The float Gram bound fails fast on a deficient Jacobian (relugeom.rank.float_certificate):
large biases (neurons active on almost every sample or almost none) give a rank below every
cheap bound; the float path then factors no Gram matrix larger than the rows that look
independent beyond its first try, never claims a rank, and the front door still equals exact
elimination. Rows just above the kept columns go to the columns when the rows chosen fail."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom import ShallowNetwork
from relugeom.linalg import gram
from relugeom.rank import float_certificate
from relugeom.rank.float_certificate import shallow_float_rank
from relugeom.rank.shallow import ShallowModular

from .test_small import certified_path, exact_rank


def large_biases(seed: int, d: int, N: int, m: int, n: int, float32: bool = False):
    """He-initialised weights with biases of scale 3 (float32 values when asked), Gaussian X."""
    rng = np.random.default_rng(seed)
    cast = (lambda A: A.astype(np.float32).astype(float)) if float32 else (lambda A: A)
    W, b = cast(rng.normal(0, np.sqrt(2 / d), (N, d))), cast(rng.normal(0, 3.0, N))
    V, c = cast(rng.normal(0, np.sqrt(2 / N), (m, N))), cast(rng.normal(0, 0.1, m))
    return ShallowNetwork.from_numpy(W, b, V, c), rng.normal(size=(n, d))


@pytest.fixture
def factorizations(monkeypatch):
    """The sizes of the float Cholesky factorizations run, in order, then "J" for every float
    Jacobian built."""
    sizes = []
    cholesky, jacobian = np.linalg.cholesky, float_certificate.shallow_float_jacobian

    def counted(M, *args, **kwargs):
        sizes.append(M.shape[0])
        return cholesky(M, *args, **kwargs)

    def built(*args, **kwargs):
        sizes.append("J")
        return jacobian(*args, **kwargs)
    monkeypatch.setattr(gram.np.linalg, "cholesky", counted)
    monkeypatch.setattr(float_certificate, "shallow_float_jacobian", built)
    return sizes


@pytest.mark.parametrize("seed, shape", [(2, (6, 5, 2, 16)),
                                         (3, (8, 6, 2, 28)), (3, (6, 6, 2, 20)),
                                         (6, (10, 6, 3, 20))])
def test_below_every_bound_no_futile_factorization(seed, shape, factorizations):
    net, X = large_biases(seed, *shape)
    case = ShallowModular(net, X, relu_prime_at_zero=0)
    rank = exact_rank(net, X)
    level1 = case.bounds(1)
    assert rank < min(b.value for b in level1)  # the float path cannot prove any of them
    level0 = case.bounds(0)
    assert shallow_float_rank(case, level0, (lambda: level1,)) is None
    size, first = min(case.n * case.m, case._kept_count()), min(b.value for b in level0)
    # the first try on all rows (the bound is their number), then one regularised Cholesky
    # of the same Gram matrix for the rows that look independent: nothing else that large
    tries = 2 if first == size else 1
    assert factorizations.count("J") <= 1  # one float Jacobian (and one Gram) at most
    sizes = [s for s in factorizations if s != "J"]
    assert len([s for s in sizes if s > rank]) <= tries and len(sizes) <= tries + 1


@given(st.integers(0, 10_000), st.booleans())
def test_front_door_on_large_biases_equals_exact_elimination(seed, float32):
    rng = np.random.default_rng(seed)
    d, N, m = int(rng.integers(3, 8)), int(rng.integers(3, 7)), int(rng.integers(1, 4))
    n = int(rng.integers(4, 30 // m + 4))
    net, X = large_biases(seed, d, N, m, n, float32)
    report = certified_path(net, X)
    assert report.exact and report.value == exact_rank(net, X)


def test_rows_just_above_the_width_fall_back_to_the_columns():
    # [20, 32, 3], n = 250: 750 rows, 739 kept columns, rank 739 (P − N); the rows that look
    # independent in the row Gram are one short of 739 at the strict threshold: the proof on
    # all the columns of the float Jacobian certifies it, with no prime
    rng = np.random.default_rng(1)
    W, b = rng.normal(0, np.sqrt(2 / 20), (32, 20)), rng.normal(0, 0.1, 32)
    V, c = rng.normal(0, np.sqrt(2 / 32), (3, 32)), rng.normal(0, 0.1, 3)
    net = ShallowNetwork.from_numpy(W, b, V, c)
    X = np.random.default_rng(2).normal(size=(250, 20))
    case = ShallowModular(net, X, relu_prime_at_zero=0)
    assert case.n * case.m == 750 and case._kept_count() == 739
    proven = shallow_float_rank(case, case.bounds(0))
    assert proven is not None and proven.value == 739 == net.n_parameters - 32
    assert "float Gram" in proven.certificate
