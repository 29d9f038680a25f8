"""The local dimension dim(θ, X) = rank_Q J(θ, X): exact, modular (certified), or numeric.

Four methods, each saying what it proves (:func:`local_dimension_report`):

- ``"exact"``: the rank over Q, by fraction-free elimination (python-flint or sympy, see
  :mod:`relugeom.linalg`); for a shallow network, of the compressed Jacobian of
  :mod:`relugeom.rank.shallow`, which has the same rank. Certificate: the computation itself.
- ``"modular"``: the rank mod random 21-bit primes, streamed, never holding J: of the
  compressed Jacobian for one hidden layer (:func:`relugeom.rank.shallow.modular_local_dimension`),
  of J itself at any depth, computed mod p from the residues of θ and X after exact patterns
  (:func:`relugeom.rank.deep.modular_local_dimension`). Always a certified lower bound; exact
  when it reaches a proven upper bound (certificate ``"upper-bound (<bound>)"``, naming the
  bound) or an exact factorization identity holds (``"factorization"``), else labelled
  ``"probabilistic"`` with an explicit error probability ε.
- ``"numeric"``: numpy's float rank of the float64 Jacobian, σ > S.max()·max(shape)·eps, with
  the singular-value gap; NUMERIC, never exact.
- ``"auto"`` (default): the fastest path that yields a certified answer: exact elimination
  for small Jacobians; for large ones (shallow or deep) the modular path, then, when no
  structural bound certifies it, the *verified kernel* (:mod:`relugeom.rank.verified`:
  kernel vectors lifted from a prime and checked exactly, certificate ``"verified kernel"``).
  When that too exceeds its budget (``kernel_bits``, :data:`VERIFY_ENTRIES`): with
  ``fallback="interval"`` (the default) the certified interval [lower, upper], ``exact``
  False and certificate ``"interval"``, in bounded time rather than an elimination of unbounded
  cost; with ``fallback="exact"`` exact elimination. Never numeric, never probabilistic.
  ``method="exact"`` always eliminates.

Every method returns the same type, a :class:`~relugeom.linalg.certified.Rank` (also named
:data:`LocalDimension`); the certificates are stated and proved in docs/theory.md.

Large samples may be passed as numpy arrays (floats are read as their exact binary values) or
as a :class:`relugeom.exact.arrays.RationalArray` (e.g. MNIST pixels / 255, exactly), which
the modular path reads without building a single Fraction.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np

from .. import linalg
from ..errors import InputError
from ..exact.arrays import RationalArray
from ..linalg.certified import Bound, Rank
from ..linalg.floating import NUMPY_RULE, numpy_tolerance, singular_value_gap, singular_values
from ..linalg.quiet import quiet
from ..model.network import Network, as_network, as_shallow, is_shallow
from ..model.patterns import ReluPrime, check_relu_prime
from ..model.sample import as_sample
from .backprop import scaled_jacobian
from .deep import modular_local_dimension as deep_modular
from .independent import independent_samples_rank
from .jacobian import jacobian, numeric_jacobian
from .shallow import ShallowModular, compressed_jacobian
from .shallow import modular_local_dimension as shallow_modular
from .structured_kernel import StructuredKernel, jacobian_structured_kernel, residual_support
from .verified import MAX_BITS, VERIFY_ENTRIES, jacobian_kernel, residual_lift_too_costly

METHODS = ("auto", "exact", "modular", "numeric")
FALLBACKS = ("exact", "interval")
#: "auto" uses exact elimination while J has at most this many entries (n·m·P); above, the
#: network (shallow or deep) goes through the modular path first.
AUTO_EXACT_ENTRIES = 1_000
#: The budget of the verified kernel under "auto": total bits of the kernel vectors to lift,
#: predicted by Hadamard's bound before any exact solve (``kernel_bits`` overrides it).
KERNEL_BITS = MAX_BITS
#: "exact" eliminates the compressed Jacobian of a shallow network above this many entries of J.
COMPRESS_ENTRIES = 200_000


#: The result type of :func:`local_dimension_report`: a :class:`~relugeom.linalg.certified.Rank`.
LocalDimension = Rank


def _fraction_sample(network: Network, X: Any) -> tuple:
    """X as rows of Fractions: an array is converted; anything else the front door has already
    made a checked sample."""
    if isinstance(X, RationalArray):
        return as_sample(X.to_fractions(), network.input_dim)
    if isinstance(X, np.ndarray):
        return as_sample(X, network.input_dim)
    return X


def _sizes(network: Network, X: Any) -> tuple[int, int, int]:
    n = X.shape[0] if isinstance(X, (RationalArray, np.ndarray)) else len(X)
    return n, network.output_dim, network.n_parameters


def _exact(network: Network, X: Any, convention: Any, backend: str) -> Rank:
    sample = _fraction_sample(network, X)
    n, m, P = len(sample), network.output_dim, network.n_parameters
    chosen = linalg.choose_backend(backend)
    if is_shallow(network) and n * m * P > COMPRESS_ENTRIES:
        cj = compressed_jacobian(as_shallow(network), sample, relu_prime_at_zero=convention,
                                 backend=backend)
        value, shape = cj.rank(backend), cj.shape
        how = "of the compressed Jacobian (same rank as J, see relugeom.rank.shallow)"
    else:
        J = jacobian(network, sample, convention)
        value, shape = linalg.rank(J, P, backend=backend), (n * m, P)
        how = "of J"
    return Rank(value, "exact", True, f"exact elimination ({chosen})",
                f"rank over Q {how}, by fraction-free elimination", value, value, (), shape,
                (n * m, P), relu_prime_at_zero=str(convention))


def _modular(network: Network, X: Any, convention: Any, seed: int, primes: int,
             kernel_bits: int | None = None) -> Rank:
    if is_shallow(network):  # "auto" (kernel_bits) may certify a small case by its left kernel
        return shallow_modular(as_shallow(network), X, relu_prime_at_zero=convention, seed=seed,
                               primes=primes, kernel_bits=kernel_bits)
    return deep_modular(network, X, relu_prime_at_zero=convention, seed=seed, primes=primes,
                        float_gram=kernel_bits is not None)


def _numeric(network: Network, X: Any, convention: Any) -> Rank:
    if isinstance(X, RationalArray):
        Xf = X.to_float()
    elif isinstance(X, np.ndarray):
        Xf = np.asarray(X, dtype=float)
    else:
        Xf = np.array(X, dtype=float)
    J = numeric_jacobian(network, Xf)
    S = singular_values(J)
    tol = numpy_tolerance(S, J.shape)
    value = int((S > tol).sum())
    gap = singular_value_gap(S, value)
    return Rank(value, "numeric", False, "numeric",
                f"NUMERIC float64 rank under {NUMPY_RULE} (tolerance {tol:.3g}); not exact",
                None, None, (), J.shape, J.shape, tolerance=tol, singular_value_gap=gap,
                relu_prime_at_zero=str(convention))


def local_dimension_report(network: Network, X: Any, *, method: str = "auto",
                           relu_prime_at_zero: ReluPrime = "error", backend: str = "auto",
                           seed: int = 0, primes: int = 1, fallback: str = "interval",
                           kernel_bits: int | None = None) -> Rank:
    """The local dimension with the method and certificate that produced it.

    ``method``: "auto" (certified exact, fastest path), "exact", "modular" or "numeric" (see the
    module docstring). ``backend`` picks the exact linear algebra ("flint", "sympy", "auto");
    ``seed`` and ``primes`` the random primes of the modular path (results are reproducible).
    ``fallback``: what "auto" does when no certificate is found within the budgets, "interval"
    (default: the certified interval, ``exact`` False; read ``lower_bound``, ``upper_bound``)
    or "exact" (elimination, cost not bounded). ``kernel_bits``: the verified kernel's budget
    (default :data:`KERNEL_BITS`).
    Cost: exact elimination is polynomial in n·m and P with growing integers; the modular path
    is about n·m·rank·min(n·m, P)/2 float multiply–adds on the BLAS, plus O(n·N·d) for the
    exact patterns.

    >>> from relugeom import ShallowNetwork
    >>> net = ShallowNetwork(W=[[1], [-1]], b=[0, 0], V=[[1, 1]], c=[0])
    >>> r = local_dimension_report(net, [[1], [2], [-1], [-3]], method="modular")
    >>> r.value, r.exact, r.certificate
    (4, True, 'upper-bound (rows n·m)')

    A deep network takes the deep modular path (the full J is never built):

    >>> from relugeom import DeepNetwork
    >>> deep = DeepNetwork.random([3, 4, 4, 2], seed=1)
    >>> r = local_dimension_report(deep, [[1, 2, 0], [0, 1, 1], [2, 0, 1]], method="modular",
    ...                            relu_prime_at_zero=0)
    >>> r.value, r.exact, r.certificate
    (6, True, 'upper-bound (min(n·m, P − hidden neurons))')
    """
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if fallback not in FALLBACKS:
        raise InputError(f"unknown fallback {fallback!r}; choose one of {', '.join(FALLBACKS)}")
    kernel_bits = KERNEL_BITS if kernel_bits is None else kernel_bits
    network = as_network(network)
    if not isinstance(X, (RationalArray, np.ndarray)):  # checked once, here
        X = as_sample(X, network.input_dim)
    convention = check_relu_prime(relu_prime_at_zero)
    linalg.choose_backend(backend)  # refuse an unknown backend early, whatever the method
    start = time.perf_counter()
    with quiet():  # numpy's float warnings off once, for every float filter below
        if method == "exact":
            result = _exact(network, X, convention, backend)
        elif method == "numeric":
            result = _numeric(network, X, convention)
        elif method == "modular":
            result = _modular(network, X, convention, seed, primes)
        else:
            n, m, P = _sizes(network, X)
            if n * m * P <= AUTO_EXACT_ENTRIES:
                result = _exact(network, X, convention, backend)
            elif is_shallow(network):
                result = _auto_shallow(as_shallow(network), X, convention, seed, primes,
                                       kernel_bits)
            else:
                result = _modular(network, X, convention, seed, primes, kernel_bits)
                if not result.exact:
                    result = _independent(network, X, convention, result)
                if not result.exact:
                    result = _verified(network, X, convention, seed, result, kernel_bits)
            if not result.exact and fallback == "exact":
                result = _exact(network, X, convention, backend)
    return replace(result, seconds=time.perf_counter() - start)


def _auto_shallow(network: Network, X: Any, convention: Any, seed: int, primes: int,
                  kernel_bits: int) -> Rank:
    """"auto" for a shallow network, the cheap certificates first, on one prepared case (exact
    signs and residues built once): the float Gram bound, the rank mod p and the level-0/1
    bounds, then those with term ranks (level 2); then the structured kernel (small exact
    steps, no Jacobian); then the local relations (level 3) and the small left kernels; then
    the independent samples and the verified kernel."""
    case = ShallowModular(network, X, convention, seed)
    result = shallow_modular(network, X, relu_prime_at_zero=convention, seed=seed,
                             primes=primes, kernel_bits=kernel_bits, case=case, levels=(1, 2))
    structured = None
    if not result.exact:
        structured = jacobian_structured_kernel(network, X, convention, seed, result.primes,
                                                network.n_parameters - result.value,
                                                kernel_bits, case)
        certified = _structured_certificate(result, structured)
        if certified is not None:
            return certified
        # the same case further: its rank mod p and bounds kept, the local relations next
        result = shallow_modular(network, X, relu_prime_at_zero=convention, seed=seed,
                                 primes=primes, kernel_bits=kernel_bits, case=case,
                                 levels=(3,), resume=result)
    if not result.exact:
        result = _independent(network, X, convention, result)
    if not result.exact:
        result = _verified(network, X, convention, seed, result, kernel_bits, structured)
    return result


def _structured_certificate(modular: Rank, structured: StructuredKernel | None) -> Rank | None:
    """The modular rank certified by the structured kernel's upper bound when they meet;
    None otherwise (two proofs disagreeing raise: never an answer then)."""
    if structured is None:
        return None
    if structured.upper < modular.value:
        raise RuntimeError(f"relugeom bug: the structured kernel's upper bound "
                           f"{structured.upper} is below the modular rank {modular.value}")
    if structured.upper > modular.value:
        return None
    return replace(modular, exact=True, certificate="structured kernel",
                   detail=f"rank mod p = {modular.value} = {structured.detail}",
                   lower_bound=modular.value, upper_bound=modular.value, epsilon=0.0,
                   bounds=tuple(modular.bounds) + (structured.to_bound(),))


def _independent(network: Network, X: Any, convention: Any, modular: Rank) -> Rank:
    """The independent-samples formula (:mod:`relugeom.rank.independent`) after an uncertified
    modular rank, when the samples allow it (each first-layer neuron's samples linearly
    independent, certified mod p): the exact rank, certificate ``"independent samples"``."""
    found = independent_samples_rank(network, X, convention, p=next(iter(modular.primes), None))
    if found is None:
        return modular
    value, detail = found
    return replace(modular, value=value, exact=True, certificate="independent samples",
                   detail=f"exact formula: {detail}", lower_bound=value, upper_bound=value,
                   epsilon=0.0)


def _verified(network: Network, X: Any, convention: Any, seed: int, modular: Rank,
              kernel_bits: int, structured: StructuredKernel | None = None) -> Rank:
    """The verified-kernel certificate (:mod:`relugeom.rank.verified`) after an uncertified
    modular rank; failing it within its budget, the certified interval, ``exact`` False.
    ``structured``: the structured kernel :func:`_auto_shallow` found (shallow networks only;
    None at depth)."""
    bounds = tuple(b for b in modular.bounds)
    n, m, P = _sizes(network, X)
    if structured is not None:  # (it did not certify: _auto_shallow tried it on this rank)
        bounds += (structured.to_bound(),)
        if modular.upper_bound is not None:
            modular = replace(modular, upper_bound=min(modular.upper_bound, structured.upper),
                              bounds=bounds)
    # the columns at the structured kernel's pivots are redundant: only the rest is lifted;
    # the size refusals first (reading a large X as Fractions costs seconds for nothing). The
    # lift on the support of the rest of the kernel is a system of the support's size: only
    # the lift of all the rest is refused by its predicted cost
    redundant = structured.pivots if structured is not None else ()
    costly = structured is not None and \
        residual_lift_too_costly(modular.value, structured.upper - modular.value)
    kernel = None
    if n * m * (P - len(redundant)) <= VERIFY_ENTRIES:
        sample = _fraction_sample(network, X)
        scaled = scaled_jacobian(network, sample, convention)  # exact J, built once here
        if structured is not None:  # first on the columns the rest of the kernel lives on
            certified = _on_support(network, sample, convention, seed, modular, structured,
                                    bounds, kernel_bits, scaled)
            if certified is not None:
                return certified
        if not costly:
            kernel = jacobian_kernel(network, sample, convention, seed, max_bits=kernel_bits,
                                     redundant=redundant, scaled=scaled)
    lower = max(modular.value, kernel.rank if kernel is not None else 0)
    upper = modular.upper_bound if modular.upper_bound is not None else lower
    if kernel is not None and kernel.exact:
        result = kernel.to_rank(bounds)
        if structured is not None:
            result = replace(result, detail=f"{structured.detail}; the columns at its "
                                            f"{structured.count} pivots dropped, then "
                                            f"{kernel.detail}")
        return replace(result, relu_prime_at_zero=str(convention),
                       primes=modular.primes + kernel.primes,
                       jacobian_shape=modular.jacobian_shape)
    why = kernel.detail if kernel is not None else \
        "the lift of the rest of the kernel would cost too much" if costly else \
        f"the Jacobian has more than {VERIFY_ENTRIES} entries for a verified kernel"
    return replace(modular, value=lower, exact=False, certificate="interval",
                   lower_bound=lower, upper_bound=max(upper, lower), epsilon=None,
                   detail=f"certified {lower} ≤ rank ≤ {max(upper, lower)}: no certificate "
                          f"within the budget ({why}); method='exact' (or fallback='exact') "
                          "eliminates")


def _on_support(network: Network, sample: Any, convention: Any, seed: int, modular: Rank,
                structured: Any, bounds: tuple, kernel_bits: int, scaled: Any) -> Rank | None:
    """The verified kernel of J restricted to the support mod p of the rest of its kernel
    (:func:`~relugeom.rank.structured_kernel.residual_support`): a system of the size of that
    support instead of the rank. Proven: rank J ≤ rank_Q J[:, S] + |columns ∖ S|, the first
    term exact by the verified kernel; the rank when it meets the modular rank, else None."""
    columns, support = residual_support(network, sample, convention, structured, scaled)
    outside = np.setdiff1d(np.arange(network.n_parameters), support)
    kernel = jacobian_kernel(network, sample, convention, seed, max_bits=kernel_bits,
                             redundant=outside, scaled=scaled)
    if kernel is None or not kernel.exact:
        return None
    upper = kernel.rank + len(columns) - len(support)
    if upper != modular.value:
        return None
    detail = (f"{structured.detail}; the columns at its {structured.count} pivots dropped, the "
              f"rest of the kernel mod {structured.prime} lies on {len(support)} of the other "
              f"{len(columns)} nonzero columns S: {kernel.detail}, so rank ≤ rank J[:, S] + "
              f"{len(columns) - len(support)} = {upper}")
    return replace(modular, exact=True, certificate="verified kernel", lower_bound=upper,
                   upper_bound=upper, epsilon=0.0, detail=f"rank mod p = {upper} = {detail}",
                   bounds=bounds + (Bound("verified kernel", upper, detail),),
                   primes=modular.primes + kernel.primes)


def local_dimension(network: Network, X: Any, *, relu_prime_at_zero: ReluPrime = "error",
                    backend: str = "auto", method: str = "auto", seed: int = 0,
                    fallback: str = "exact") -> int:
    """Exact rank over Q of the Jacobian of θ ↦ f_θ(X) (the batch functional dimension).

    With ``method="auto"`` (default) or ``"exact"`` the value returned is always certified
    exact (see :func:`local_dimension_report`, which also says how). An int is promised, so
    when "auto" finds no certificate within its budgets it eliminates (``fallback="exact"``,
    whose cost is not bounded); with ``fallback="interval"`` it raises
    :class:`~relugeom.linalg.certified.RankNotCertified` instead (an InputError carrying the
    certified interval as ``report``). :func:`local_dimension_report` returns the interval
    itself. ``backend`` picks the exact linear algebra ("flint", "sympy" or "auto"); the
    answer does not depend on it. ``method="modular"`` may return a certified lower bound only,
    and ``method="numeric"`` a float estimate: use :func:`local_dimension_report` to see which.

    >>> from relugeom import ShallowNetwork
    >>> net = ShallowNetwork(W=[[1], [1]], b=[0, 0], V=[[1, 1]], c=[0])
    >>> local_dimension(net, [[1], [2], [3]])   # two neurons on one hyperplane
    2
    """
    report = local_dimension_report(network, X, method=method,
                                    relu_prime_at_zero=relu_prime_at_zero, backend=backend,
                                    seed=seed, fallback=fallback)
    if method in ("auto", "exact"):
        return report.exact_value("the local dimension")
    return report.value
