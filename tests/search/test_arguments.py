"""The search's Python API refuses what it cannot do: an exhaustive family over its budget
(counted first, exactly when it can be), and parameters of the wrong type or range, each with
an InputError naming the parameter."""

import math
import time

import numpy as np
import pytest

from relugeom.errors import InputError
from relugeom.search import MAX_CASES
from relugeom.search.exhaustive import (exhaustive_cases, exhaustive_search, family_size)
from relugeom.search.randomized import find_counterexample, search


def test_family_size_counts_what_the_search_visits():
    """Cases: every (network, sample set) the search meets, those with a point on a hyperplane
    included (visited, then skipped); exhaustive_cases yields the others."""
    for options in (dict(hidden_width=1, n=(1, 2)), dict(values=[0, 1], input_dim=(1, 2),
                                                         hidden_width=1, n=1, grid=[1, 2])):
        size = family_size(**options)
        result = exhaustive_search("symmetry_bound", **options)  # proved: visits everything
        assert result.proved
        assert size.cases == result.examples_tried + result.skipped
        assert len(list(exhaustive_cases(**options))) == result.examples_tried
    assert family_size().describe() == "6,804 networks and 31,752 (network, sample) cases"


def test_a_family_over_the_budget_is_refused_before_the_first_case():
    calls = []

    def conjecture(a):
        calls.append(1)
        return True

    start = time.perf_counter()
    with pytest.raises(InputError) as info:
        exhaustive_search(conjecture, values=range(-3, 4), hidden_width=9)
    assert time.perf_counter() - start < 5 and not calls
    message = str(info.value)
    assert "about 1.38·10^24 networks" in message and f"max_cases = {MAX_CASES:,}" in message
    with pytest.raises(InputError, match="31,752 .network, sample. cases, more than the budget "
                                         "max_cases = 1,000"):
        exhaustive_search(conjecture, max_cases=1000)
    assert not calls
    # within the budget it runs; None is no budget
    assert exhaustive_search(conjecture, hidden_width=1, n=1, max_cases=324).proved
    assert exhaustive_search(conjecture, hidden_width=1, n=1, max_cases=None).proved


def test_huge_families_are_estimated_not_computed():
    start = time.perf_counter()
    size = family_size(input_dim=10 ** 6, hidden_width=10 ** 6, n=1)
    assert size.networks is None and size.cases is None
    assert size.networks_log10 > 10 ** 11  # (d + 2)·N·log10(3) for d = N = 10^6
    huge = family_size(hidden_width=(1, 10 ** 9), limit=MAX_CASES)
    assert huge.shapes == 3 * 10 ** 9 and huge.networks is None  # 10^9 widths, 3 n
    assert time.perf_counter() - start < 5
    with pytest.raises(InputError, match="shapes"):
        exhaustive_search("symmetry_bound", hidden_width=(1, 10 ** 9))


@pytest.mark.parametrize("options, name", [
    (dict(max_cases=0), "max_cases"),
    (dict(max_cases="many"), "max_cases"),
    (dict(max_cases=1.5), "max_cases"),
    (dict(hidden_width="2"), "hidden_width"),
    (dict(n=(2, 1)), "n"),
    (dict(input_dim=True), "input_dim"),
    (dict(progress="yes"), "progress"),
    (dict(relu_prime_at_zero=2), "relu_prime_at_zero"),
    (dict(values=[]), "at least one value"),
])
def test_exhaustive_arguments_are_checked(options, name):
    with pytest.raises(InputError, match=name):
        exhaustive_search("symmetry_bound", **options)


@pytest.mark.parametrize("options, message", [
    (dict(seed="abc"), "seed must be a whole number ≥ 0, got 'abc'"),
    (dict(seed=-1), "seed must be a whole number ≥ 0, got -1"),
    (dict(seed=2.0), "seed must be a whole number ≥ 0, got 2.0"),
    (dict(seed=None), "seed must be a whole number"),
    (dict(max_examples=0), "max_examples must be a whole number ≥ 1, got 0"),
    (dict(max_examples="10"), "max_examples must be a whole number ≥ 1"),
    (dict(max_examples=True), "max_examples must be a whole number ≥ 1, got True"),
    (dict(max_shrinks=-1), "max_shrinks must be a whole number ≥ 0"),
    (dict(relu_prime_at_zero="sometimes"), "relu_prime_at_zero"),
])
def test_random_search_arguments_are_checked(options, message):
    with pytest.raises(InputError, match=message):
        find_counterexample("regions_formula", **options)
    with pytest.raises(InputError, match=message):
        search("regions_formula", **options)


def test_numpy_integers_are_whole_numbers():
    found = find_counterexample("regions_formula", seed=np.int64(3), max_examples=np.int32(20))
    assert found is not None
    assert search("regions_formula", seed=np.uint8(3), max_examples=20).seed == 3
    assert math.isclose(family_size(hidden_width=np.int64(1), n=1).cases, 324)
