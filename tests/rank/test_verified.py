"""The front door's certificates after the structural bounds (relugeom.rank.verified, the
complement bound of relugeom.rank.shallow) and its certified interval, on float weights, against
exact elimination."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from relugeom import DeepNetwork, ShallowNetwork, jacobian, linalg, local_dimension
from relugeom.model.sample import as_sample
from relugeom.rank import dimension
from relugeom.rank.backprop import scaled_jacobian
from relugeom.rank.dimension import local_dimension_report
from relugeom.rank.shallow import ShallowModular
from relugeom.rank.verified import jacobian_kernel, rescaling_directions


def float_network(seed: int, widths: list[int], bias_scale: float = 1.5, float32: bool = True):
    """He-like float weights (float32 values when asked) and Gaussian samples."""
    rng = np.random.default_rng(seed)
    cast = (lambda A: A.astype(np.float32).astype(float)) if float32 else (lambda A: A)
    layers = [(cast(rng.normal(0, np.sqrt(2 / a), (b, a))), cast(rng.normal(0, bias_scale, b)))
              for a, b in zip(widths, widths[1:])]
    if len(layers) == 2:
        (W, b), (V, c) = layers
        net = ShallowNetwork.from_numpy(W, b, V, c)
    else:
        net = DeepNetwork.from_numpy(layers)
    n = int(rng.integers(3, 12))
    return net, rng.normal(size=(n, widths[0]))


shapes = st.sampled_from([[4, 3, 2], [3, 5, 1], [2, 3, 3, 2], [3, 2, 2, 2, 1]])


@given(st.integers(0, 10_000), shapes, st.booleans())
def test_auto_after_the_structural_bounds_equals_exact_elimination(seed, widths, float32):
    net, X = float_network(seed, widths, float32=float32)
    exact = linalg.rank(jacobian(net, as_sample(X, widths[0])), net.n_parameters)
    saved = dimension.AUTO_EXACT_ENTRIES
    dimension.AUTO_EXACT_ENTRIES = 0  # small cases go through the certified path too
    try:
        report = local_dimension_report(net, X)
    finally:
        dimension.AUTO_EXACT_ENTRIES = saved
    assert report.exact and report.value == exact
    assert report.method == "modular" and report.lower_bound == report.upper_bound == exact


@given(st.integers(0, 10_000), shapes)
def test_jacobian_kernel_is_a_checked_kernel_with_the_rescalings(seed, widths):
    net, X = float_network(seed, widths)
    sample = as_sample(X, widths[0])
    K = jacobian_kernel(net, sample)
    exact = linalg.rank(jacobian(net, sample), net.n_parameters)
    assert K.exact and K.rank == exact
    # the known directions are kernel vectors of the scaled Jacobian, checked independently
    scaled = scaled_jacobian(net, sample)
    directions = rescaling_directions(net, scaled.denominators)
    A = scaled.numerators
    assert all(not (A.astype(object) @ np.array(u, dtype=object)).any() for u in directions)
    assert all(any(u) for u in directions)


def test_verified_kernel_certifies_where_no_structural_bound_does():
    net, X = float_network(61, [4, 3, 2])
    K = jacobian_kernel(net, as_sample(X, 4))
    # the 3 rescaling directions are used as they are, one more vector is lifted
    assert K.exact and K.rank == 19 and K.side == "right" and K.known == 3
    assert len(K.basis) == 4 and "1 lifted" in K.detail


def test_the_front_door_names_the_verified_kernel(monkeypatch):
    net, X = float_network(61, [4, 3, 2])
    monkeypatch.setattr(dimension, "AUTO_EXACT_ENTRIES", 0)
    report = local_dimension_report(net, X, fallback="interval")
    assert report.exact and report.certificate == "verified kernel" and report.value == 19
    # the small case's left kernel: n·m rows less the rank, lifted as relations
    n_rows = len(X) * 2
    assert report.bound.name == "verified kernel" and report.bound.value == 19
    assert f"{n_rows - 19} independent relations" in report.detail


def test_over_budget_auto_returns_the_certified_interval(monkeypatch):
    net, X = float_network(61, [4, 3, 2])  # modular 19 < smallest structural bound 20
    monkeypatch.setattr(dimension, "AUTO_EXACT_ENTRIES", 0)
    monkeypatch.setattr(dimension, "KERNEL_BITS", 1)  # the small left kernel's budget too
    monkeypatch.setattr(dimension, "jacobian_kernel", lambda *a, **k: jacobian_kernel(
        *a, **{**k, "max_bits": 1}))
    report = local_dimension_report(net, X, fallback="interval")
    exact = local_dimension_report(net, X, method="exact").value
    assert not report.exact and report.certificate == "interval"
    assert report.lower_bound <= exact <= report.upper_bound
    assert "method='exact'" in report.detail
    # the elimination fallback, on request: whoever asks for it gets the exact rank
    forced = local_dimension_report(net, X, fallback="exact")
    assert forced.exact and forced.value == exact == local_dimension(net, X, fallback="exact")


@given(st.integers(0, 10_000), st.sampled_from([1, 2, 3]))
def test_complement_bound_holds_with_large_biases(seed, m):
    """Most neurons active on almost every sample or almost none: the complement bound is the
    one that certifies; it must hold against exact elimination."""
    rng = np.random.default_rng(seed)
    d, N, n = 3, 6, int(rng.integers(4, 14))
    W = rng.normal(size=(N, d)).astype(np.float32).astype(float)
    b = rng.normal(0, 3, N).astype(np.float32).astype(float)
    net = ShallowNetwork.from_numpy(W, b, rng.normal(size=(m, N)), rng.normal(size=m))
    X = rng.normal(size=(n, d))
    exact = linalg.rank(jacobian(net, as_sample(X, d)), net.n_parameters)
    bounds = {b.name: b.value for b in ShallowModular(net, X).bounds(2)}
    assert bounds["complements"] >= exact
    assert bounds["complements"] <= bounds["neuron groups"] + m
