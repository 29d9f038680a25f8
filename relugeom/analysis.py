"""``analyze``: everything relugeom knows about (θ, X), computed lazily.

An :class:`Analysis` holds the network and the sample; each quantity is computed the first
time it is asked for and then kept, so a question that needs only the perceived regions never
pays for a rank. Attribute names equal the JSON keys of ``relugeom analyze --json``.

The local dimension is a number only when it is proven: ``method="auto"`` (default) returns
the certified interval [lower, upper] when no certificate is found within its budget (see
:func:`relugeom.rank.dimension.local_dimension_report`), and then ``local_dimension`` raises
:class:`~relugeom.linalg.certified.RankNotCertified` (naming the interval) instead of
returning a bound; ``local_dimension_report`` always answers, and the report keys
``local_dimension_exact``, ``local_dimension_lower``, ``local_dimension_upper`` say which case
holds (``to_dict`` writes ``local_dimension`` null in the interval case). The quantities built
on the exact rank (``kernel``, ``numeric``) raise the same error; ``theorems`` says
"undecided" where the interval does not decide a theorem. ``method="exact"`` forces
elimination, whatever it costs.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np

from . import linalg
from .arrangement.cells import hyperplane_arrangement
from .arrangement.pieces import bending_sides_from_signs, count_pieces_from_sides
from .checks import run_checks
from .checks.numeric import compare_numeric, compare_numeric_deep
from .errors import BoundaryError, InputError
from .exact.arrays import RationalArray
from .exact.tables import Tabular
from .geometry.functional import certified_kernel_split
from .linalg.certified import Rank
from .model.deep import DeepNetwork, symmetry_bound
from .model.network import Network, as_network
from .model.patterns import (ReluPrime, as_tuples, check_relu_prime, distinct_rows, exact_rows,
                             patterns_from_signs, preactivation_signs)
from .model.shallow import as_shallow
from .rank.backprop import LayerDiagnosis, full_patterns, layer_diagnosis
from .rank.dimension import AUTO_EXACT_ENTRIES, local_dimension_report
from .rank.explain import rank_structure
from .rank.jacobian import jacobian


def report_key(func):
    """Mark a lazily computed quantity as a key of :meth:`Analysis.to_dict`."""
    prop = cached_property(func)
    prop.report_key = True
    return prop


def _int_array(rows: list) -> np.ndarray:
    try:
        return np.array(rows, dtype=np.int64)
    except OverflowError:
        out = np.empty((len(rows), len(rows[0])), dtype=object)
        out[:] = rows
        return out


def sample_array(X: tuple) -> RationalArray:
    """The exact sample as a :class:`~relugeom.exact.arrays.RationalArray` (entry =
    numerator·2^exponent / odd denominator, int64 whenever it fits), built without Fraction
    arithmetic: what the modular rank engine reads.

    >>> from fractions import Fraction
    >>> A = sample_array(((Fraction(3, 40), 2), (Fraction(-1, 3), Fraction(5, 8))))
    >>> A.to_fractions() == ((Fraction(3, 40), 2), (Fraction(-1, 3), Fraction(5, 8)))
    True
    """
    numerators = [[q.numerator for q in row] for row in X]
    exponents, odd = [], []
    for row in X:
        powers = [(q.denominator & -q.denominator).bit_length() - 1 for q in row]
        exponents.append([-e for e in powers])
        odd.append([q.denominator >> e for q, e in zip(row, powers)])
    return RationalArray(_int_array(numerators), np.array(exponents, dtype=np.int64),
                         _int_array(odd))


#: The rank methods an analysis takes (:func:`relugeom.rank.dimension.local_dimension_report`).
METHODS = ("auto", "modular", "exact")


class Analysis(Tabular):
    """The analysis of a network on a sample (see :func:`analyze`). In a notebook it shows as
    the table ``relugeom analyze`` prints; :meth:`to_pandas` gives one row per hidden neuron."""

    def __init__(self, network: Network, X: Any, *, relu_prime_at_zero: ReluPrime = "error",
                 backend: str = "auto", method: str = "auto"):
        if method not in METHODS:
            raise InputError(f"unknown method {method!r} for the local dimension; choose one "
                             f"of {', '.join(METHODS)} (the numeric rank is in .numeric)")
        self.network = network = as_network(network)
        self.X = exact_rows(X, network.input_dim)
        self.relu_prime_at_zero = check_relu_prime(relu_prime_at_zero)
        self.backend = backend
        self.method = method

    def __repr__(self) -> str:
        return (f"Analysis(d={self.input_dim}, N={self.hidden_width}, m={self.output_dim}, "
                f"n={self.n_samples})")

    # -- sizes ------------------------------------------------------------------------------
    @report_key
    def input_dim(self) -> int:
        return self.network.input_dim

    @report_key
    def hidden_width(self) -> int | tuple[int, ...]:
        """N; for a deep network the hidden widths (n_1, …, n_{L−1})."""
        return self.network.hidden_width

    @report_key
    def output_dim(self) -> int:
        return self.network.output_dim

    @report_key
    def widths(self) -> tuple[int, ...]:
        """The architecture (n_0, n_1, …, n_L); (d, N, m) for a shallow network."""
        return self.network.widths

    @report_key
    def n_samples(self) -> int:
        return len(self.X)

    @report_key
    def n_parameters(self) -> int:
        return self.network.n_parameters

    # -- patterns ---------------------------------------------------------------------------
    @cached_property
    def preactivation_signs(self) -> np.ndarray | None:
        """sign(z_ij) ∈ {−1, 0, 1} of the hidden pre-activations (int8, n × N), exactly, for a
        shallow network (one integer product after scaling each row to integers, see
        :mod:`relugeom.model.patterns`); ``None`` for a deep network."""
        if isinstance(self.network, DeepNetwork):
            return None
        return preactivation_signs(self.network, self.X)

    @cached_property
    def pattern_matrix(self) -> np.ndarray:
        """The activation patterns as a 0/1 uint8 matrix, n × N (deep: all hidden layers,
        concatenated). A sample on a hyperplane raises BoundaryError unless a relu'(0)
        convention is chosen."""
        if isinstance(self.network, DeepNetwork):
            patterns = full_patterns(self.network, self.X, self.relu_prime_at_zero)
            return np.array(patterns, dtype=np.uint8).reshape(len(patterns), -1)
        return patterns_from_signs(self.preactivation_signs, self.relu_prime_at_zero)

    @cached_property
    def patterns(self) -> tuple[tuple[int, ...], ...]:
        """Activation pattern s_i of each sample (deep: all hidden layers, concatenated)."""
        return as_tuples(self.pattern_matrix)

    @cached_property
    def _distinct(self) -> tuple[np.ndarray, np.ndarray]:
        """(first sample of each perceived region, region of each sample), by hashing."""
        return distinct_rows(self.pattern_matrix)

    @cached_property
    def perceived_patterns(self) -> list[tuple[int, ...]]:
        """Distinct patterns, in order of first appearance."""
        first, _ = self._distinct
        return list(as_tuples(self.pattern_matrix[first]))

    @report_key
    def activation_regions_perceived(self) -> int:
        """R, the number of distinct activation patterns on X."""
        return len(self._distinct[0])

    @report_key
    def linear_pieces_perceived(self) -> int | None:
        """Linear pieces of f containing a sample (shallow networks), found without
        enumerating regions: samples share a piece iff they lie on the same side of every
        hyperplane where f bends. ``None`` for a deep network, or when (under a relu'(0)
        convention) a sample lies on a hyperplane where f bends, between two pieces."""
        if isinstance(self.network, DeepNetwork):
            return None
        network = as_shallow(self.network)
        arrangement = hyperplane_arrangement(network.W, network.b)
        try:
            sides = bending_sides_from_signs(arrangement, network.V, self.preactivation_signs)
        except BoundaryError:
            if self.relu_prime_at_zero == "error":
                raise
            return None
        return count_pieces_from_sides(sides)

    @report_key
    def layer_diagnosis(self) -> list[dict]:
        """Per hidden layer: the neurons dead on X and those active on every sample."""
        if isinstance(self.network, DeepNetwork):
            return [d.to_dict() for d in layer_diagnosis(self.network, self.X,
                                                         self.relu_prime_at_zero)]
        counts = tuple(int(c) for c in self.pattern_matrix.sum(axis=0, dtype=np.int64))
        return [LayerDiagnosis.from_counts(1, counts, self.n_samples).to_dict()]

    # -- dimension --------------------------------------------------------------------------
    @cached_property
    def jacobian(self) -> list:
        """Exact Jacobian J(θ, X) (rows (i, k), columns in θ order)."""
        return jacobian(self.network, self.X, self.relu_prime_at_zero)

    @cached_property
    def local_dimension_report(self) -> Rank:
        """The local dimension with the method and certificate that produced it
        (:func:`relugeom.rank.dimension.local_dimension_report` with this analysis' ``method``):
        certified exact, or (``exact`` False) the certified interval [``lower_bound``,
        ``upper_bound``]."""
        small = self.n_samples * self.output_dim * self.n_parameters <= AUTO_EXACT_ENTRIES
        if "jacobian" in self.__dict__ and (self.method == "exact" or
                                             self.method == "auto" and small):
            # J is already built (kernel, checks) and would be eliminated: rank it, not again
            value = linalg.rank(self.jacobian, self.n_parameters, backend=self.backend)
            chosen = linalg.choose_backend(self.backend)
            shape = (self.n_samples * self.output_dim, self.n_parameters)
            return Rank(value, "exact", True, f"exact elimination ({chosen})",
                        "rank over Q of J, by fraction-free elimination", value, value, (), shape,
                        shape, relu_prime_at_zero=str(self.relu_prime_at_zero))
        X = self.X if isinstance(self.network, DeepNetwork) else sample_array(self.X)
        return local_dimension_report(self.network, X, relu_prime_at_zero=self.relu_prime_at_zero,
                                      backend=self.backend, method=self.method)

    @report_key
    def local_dimension(self) -> int:
        """rank_Q J(θ, X), exact; :class:`~relugeom.linalg.certified.RankNotCertified` when
        only an interval is proven (read it from :attr:`local_dimension_report`)."""
        return self.local_dimension_report.exact_value("the local dimension")

    @report_key
    def local_dimension_exact(self) -> bool:
        """Whether the local dimension is proven exact (else only the interval is)."""
        return self.local_dimension_report.exact

    @report_key
    def local_dimension_lower(self) -> int:
        """A proven lower bound of rank_Q J (the value itself when exact)."""
        report = self.local_dimension_report
        return report.value if report.exact else report.lower_bound

    @report_key
    def local_dimension_upper(self) -> int | None:
        """A proven upper bound of rank_Q J (the value itself when exact)."""
        report = self.local_dimension_report
        return report.value if report.exact else report.upper_bound

    @report_key
    def local_dimension_certificate(self) -> str:
        """What proves the local dimension exact: "exact elimination (flint)", or
        "upper-bound (<bound>)" when a modular rank meets a proven upper bound, or
        "factorization", or "verified kernel" (see docs/theory.md, Certificates); "interval"
        (or "probabilistic" under method "modular") when it is not proven exact."""
        return self.local_dimension_report.certificate

    @report_key
    def symmetry_bound(self) -> int:
        """P − N: each hidden neuron's rescaling direction lies in ker J (T1); for a deep
        network P − (n_1 + … + n_{L−1})."""
        return symmetry_bound(self.network)

    @report_key
    def sample_bound(self) -> int:
        """n·m, the number of rows of J (T2)."""
        return self.n_samples * self.output_dim

    @report_key
    def relu_prime_convention(self) -> str:
        """Which value of relu'(0) was used ("error" means no sample lies on a hyperplane)."""
        return str(self.relu_prime_at_zero)

    # -- rank structure, numeric side, theorems (shallow networks) ------------------------------
    # Imported on use: these modules build on the core this one is part of.
    @cached_property
    def structure(self) -> Any:
        """:class:`~relugeom.rank.explain.RankStructure`: M, rank M, 1 ∈ col M, rank X̃_r per
        perceived region, per-neuron diagnosis, rank of the affine-map Jacobian Φ."""

        network = as_shallow(self.network, "the rank structure (incidence matrix M, per-region "
                                           "ranks; for deeper networks read layer_diagnosis)")
        return rank_structure(network, self.X, patterns=self.patterns, backend=self.backend)

    @cached_property
    def kernel(self) -> Any:
        """:class:`~relugeom.rank.explain.KernelSplit`: an exact basis of ker J, rescalings
        first, each extra direction explained — the greedy choice made mod p and proven by its
        count (:func:`~relugeom.geometry.functional.certified_kernel_split`). When the region
        directions would be too large to list (float weights, many of them) it is a
        :class:`~relugeom.geometry.functional.PartialKernelSplit`: they are counted exactly,
        not listed. Needs the exact rank."""

        return certified_kernel_split(as_shallow(self.network, "the kernel split"), self.X,
                                      structure=self.structure, rank=self.local_dimension,
                                      J=self.jacobian, relu_prime_at_zero=self.relu_prime_at_zero)

    @cached_property
    def numeric(self) -> Any:
        """NUMERIC :class:`~relugeom.checks.numeric.NumericComparison` (float Jacobian, singular
        values, numpy-rule rank, gap, explanation of any disagreement), default tolerances."""

        if getattr(self.network, "depth", 2) > 2:
            return compare_numeric_deep(self)
        return compare_numeric(as_shallow(self.network), self.X, self.local_dimension,
                               relu_prime_at_zero=self.relu_prime_at_zero,
                               exact_patterns=self.patterns, exact_jacobian=self.jacobian)

    @cached_property
    def theorems(self) -> dict:
        """{name: :class:`~relugeom.checks.Verdict`} for T1–T9 of docs/theory.md."""
        return run_checks(self)

    # -- output -----------------------------------------------------------------------------
    @classmethod
    def keys(cls) -> list[str]:
        """The report keys, in definition order."""
        names = []
        for klass in reversed(cls.__mro__):
            names += [n for n, v in vars(klass).items() if getattr(v, "report_key", False)]
        return list(dict.fromkeys(names))

    def to_dict(self, keys: list[str] | None = None) -> dict[str, Any]:
        """JSON-ready dict of the report keys (all, or those named); ``local_dimension`` is
        null when it is not proven exact (``local_dimension_exact`` false; the interval in
        ``local_dimension_lower`` and ``local_dimension_upper``)."""
        return {key: None if key == "local_dimension" and not self.local_dimension_exact
                else getattr(self, key) for key in (self.keys() if keys is None else keys)}

    def local_dimension_row(self) -> tuple[str, str | int]:
        """(label, value) of the local dimension in a text report: the exact rank, or the
        certified interval and how to force the exact value."""
        report = self.local_dimension_report
        if report.exact:
            return "local dimension (exact rank of J)", report.value
        return "local dimension", report.text()

    def _table(self) -> tuple[str, list[tuple[str, Any]]]:
        deep = isinstance(self.network, DeepNetwork) and self.network.depth > 2
        rows = [("activation regions perceived by X", self.activation_regions_perceived)]
        if self.linear_pieces_perceived is not None:
            rows.append(("linear pieces perceived by X", self.linear_pieces_perceived))
        rows += [self.local_dimension_row(),
                 (f"bound P − {'(hidden neurons)' if deep else 'N'} (rescaling symmetries)",
                  self.symmetry_bound),
                 ("bound n·m (rows of J)", self.sample_bound)]
        if self.relu_prime_at_zero != "error":
            rows.append(("relu'(0) convention used", self.relu_prime_at_zero))
        return (f"network widths {self.widths}, P = {self.n_parameters} parameters; sample: "
                f"n = {self.n_samples}", rows)

    def _records(self) -> list[dict]:
        """One record per hidden neuron: layer, neuron, samples where it is active, dead,
        always active."""
        return [{"layer": d["layer"], "neuron": j, "active_samples": count,
                 "dead": count == 0, "always_active": count == self.n_samples}
                for d in self.layer_diagnosis for j, count in enumerate(d["active_counts"])]


def analyze(network: Network, X: Any, *, relu_prime_at_zero: ReluPrime = "error",
            backend: str = "auto", method: str = "auto") -> Analysis:
    """Analyse ``network`` on the sample ``X``; quantities are computed when first read.

    ``method`` ("auto", "modular", "exact"): how the local dimension is ranked (module
    docstring: with "auto" it may end as a certified interval, and ``local_dimension`` then
    raises rather than return a bound; "exact" always eliminates).

    >>> from relugeom import ShallowNetwork
    >>> net = ShallowNetwork(W=[[1], [-1]], b=[0, 0], V=[[1, 1]], c=[0])
    >>> a = analyze(net, [[1], [2], [-1], [-3]])
    >>> a.local_dimension, a.activation_regions_perceived, a.symmetry_bound
    (4, 2, 5)
    """
    return Analysis(network, X, relu_prime_at_zero=relu_prime_at_zero, backend=backend,
                    method=method)
