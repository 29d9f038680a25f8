"""Experiment ``flatness``: at the end of training, P − dim flat directions and their origin.

The ``training`` setting (1-D input, width 100, piecewise-linear target) is trained to a small
loss. At the final weights θ (converted exactly):

- exact: ker J(θ, X) has dimension P − dim. It splits into the N rescaling directions
  (w_j, b_j, −v_j) — present for every θ — and P − N − dim *geometry-induced* directions,
  each labelled by what explains it (dead neuron, neurons active on the same samples, ...),
  from :func:`relugeom.rank.explain.kernel_split`.
- NUMERIC: the float64 Hessian of the loss L = 1/(2n) Σ (f(x_i) − y_i)², from its closed form
  on the open pattern region (:func:`relugeom.experiments.descent.shallow_hessian`), and its
  spectrum. At an interpolating θ, ∇²L = JᵀJ/n, so exactly P − dim eigenvalues vanish
  (docs/theory.md, T8). Float training stops near interpolation, so ∇²L = JᵀJ/n + R with a residual
  term R; by Weyl's inequality at least P − dim eigenvalues lie in [−||R||, ||R||]. The summary
  reports how many do, the eigenvalue gap at position P − dim, and the largest principal angle
  between the span of the P − dim flattest eigenvectors and the exact ker J.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from ..progress import progress as progress_bar
from ..rank.explain import kernel_split
from . import descent, training
from .record import ExperimentResult, dimension_summary, standard_notes, train_and_record

NAME = "flatness"
DESCRIPTION = "flat directions at the end of training: rescalings, geometry, Hessian spectrum"


@dataclass(frozen=True)
class Config(training.Config):
    steps: int = 150000
    checkpoints: int = 12


#: The settings are training's, checked the same way.
check_config = training.check_config

CONFIGS = {
    "quick": Config(),
    "full": Config(steps=1000000, checkpoints=30),
}


def flatness_report(layers: descent.Layers, network: Any, X: np.ndarray, X_exact: tuple,
                    Y: np.ndarray, dimension: int) -> dict[str, Any]:
    """The exact kernel split and the numeric Hessian comparison at ``layers`` (see module)."""
    P = descent.n_parameters(layers)
    N = descent.hidden_neurons(layers)
    flat = P - dimension
    split = kernel_split(network, X_exact, relu_prime_at_zero=0)
    H, G = descent.shallow_hessian(layers, X, Y)
    residual_norm = float(np.linalg.norm(H - G, 2))
    report: dict[str, Any] = {
        "n_parameters": P,
        "hidden_neurons": N,
        "local_dimension": dimension,
        "flat_directions": flat,
        "kernel_dimension_exact": split.dimension,
        "rescaling_directions": len(split.rescaling),
        "geometry_induced_directions": len(split.extra),
        "geometry_induced_by_kind": split.counts(),
        "max_abs_residual_numeric": float(np.abs(descent.predict(layers, X) - Y).max()),
        "residual_term_norm_numeric": residual_norm,
        "hessian_numeric": _spectrum(H, flat, split.basis, residual_norm),
        "gauss_newton_numeric": _spectrum(G, flat, split.basis, 0.0),
    }
    return report


def _spectrum(H: np.ndarray, flat: int, kernel_basis: list, slack: float) -> dict[str, Any]:
    """Eigenvalues of a symmetric float matrix, how many are "zero" (|λ| ≤ slack + the numpy
    rule max|λ|·P·eps), the gap at position ``flat`` when sorted by |λ|, and the largest
    principal angle between the ``flat`` flattest eigenvectors and the exact kernel. NUMERIC."""
    P = H.shape[0]
    eigenvalues, vectors = np.linalg.eigh(H)
    tolerance = slack + float(np.abs(eigenvalues).max() * P * np.finfo(float).eps)
    order = np.argsort(np.abs(eigenvalues))
    sizes = np.abs(eigenvalues)[order]
    out: dict[str, Any] = {
        "zero_eigenvalues": int(np.sum(sizes <= tolerance)),
        "zero_rule": ("|lambda| <= " + (f"{slack:.3g} (Weyl: ||H - J^T J/n||_2) + " if slack
                                        else "") + "max|lambda|*P*eps"),
        "eigenvalues": [float(v) for v in eigenvalues],
    }
    if 0 < flat < P:
        out["abs_eigenvalue_at_flat_count"] = float(sizes[flat - 1])
        out["abs_eigenvalue_after_flat_count"] = float(sizes[flat])
        out["gap_ratio"] = float(sizes[flat] / sizes[flat - 1]) if sizes[flat - 1] > 0 \
            else float("inf")
        out["largest_angle_to_exact_kernel_degrees"] = _largest_angle(
            vectors[:, order[:flat]], kernel_basis)
    return out


def _largest_angle(A: np.ndarray, exact_basis: list) -> float:
    """Largest principal angle (degrees) between span(A) and the span of an exact basis."""
    B = np.array([[float(q) for q in u] for u in exact_basis]).T
    B /= np.linalg.norm(B, axis=0, keepdims=True)
    Qa, _ = np.linalg.qr(A)
    Qb, _ = np.linalg.qr(B)
    cosines = np.linalg.svd(Qa.T @ Qb, compute_uv=False)
    return float(np.degrees(np.arccos(np.clip(cosines.min(), -1.0, 1.0))))


def run(config: Config, seed: int = 0, progress: bool = False, mode: str = "custom"
        ) -> ExperimentResult:
    """Train as in ``training`` and analyse the flat directions at the end."""
    data_rng, init_rng, train_rng = (np.random.default_rng(s)
                                     for s in np.random.SeedSequence(seed).spawn(3))
    samples, Y = training.make_data(config, data_rng)
    lo, hi = config.target_knots[0], config.target_knots[-1]
    layers = descent.init_network([1, config.width, 1], init_rng, scale=config.init_scale,
                                  breakpoints=(lo, hi))
    final: dict[str, descent.Layers] = {}

    def keep_last(step: int, theta: descent.Layers) -> None:
        final["layers"] = theta

    with progress_bar(config.steps, NAME, enabled=progress) as bar:
        result_run = train_and_record(
            NAME, layers, samples, Y,
            descent.Schedule(config.steps, config.learning_rate, momentum=config.momentum),
            descent.checkpoint_steps(config.steps, config.checkpoints, config.spacing),
            train_rng, progress=bar, extra=keep_last,
            alignment_tolerance_degrees=config.alignment_tolerance_degrees)
    last = result_run.checkpoints[-1]
    report = flatness_report(final["layers"], last.network, samples.floats["train"],
                             samples.exact["train"], Y, last.local_dimension)
    summary = {**dimension_summary(result_run), "flatness": report}
    notes = standard_notes([result_run]) + [
        "flatness: kernel_dimension_exact, rescaling_directions, geometry_induced_directions "
        "(and their kinds) are exact, from relugeom.rank.explain.kernel_split on the exact final "
        "weights; every *_numeric entry comes from the float64 Hessian of the loss (closed form "
        "on the pattern region), which equals J^T J/n only at an interpolating point.",
    ]
    return ExperimentResult(NAME, mode, seed, asdict(config),
                            (replace(result_run, summary=summary),), notes=tuple(notes))
