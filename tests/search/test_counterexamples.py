"""Counterexample search: false statements are refuted (checked by independent recomputation),
true ones survive, results are deterministic, exhaustive mode is ordered and minimal, and the
rendered regression test fails for the right reason."""

import json
import subprocess
import sys
from fractions import Fraction
from itertools import combinations, product

import pytest
from hypothesis import assume

from relugeom import ShallowNetwork, read_network, read_sample
from relugeom.errors import InputError
from relugeom.search.conjectures import (CATALOGUE, Conjecture, TrackedAnalysis, conjecture,
                                         get_conjecture)
from relugeom.search.exhaustive import exhaustive_cases, exhaustive_search
from relugeom.search.loading import load_conjecture
from relugeom.search.randomized import find_counterexample, search
from relugeom.search.results import ConjectureError
from relugeom.search.testing import assert_conjecture, for_all_analyses
from tests.reference import count_error_lines, finite_difference_jacobian, reference_rank

FALSE = [c for c in CATALOGUE.values() if c.status == "false"]
TRUE = [c for c in CATALOGUE.values() if c.status == "proved"]


def recompute(net, X):
    """The quantities of docs/theory.md, from scratch: signs by direct evaluation, ranks by
    textbook elimination, the Jacobian by exact finite differences of the network function."""
    d, N, m = net.widths
    patterns = []
    for x in X:
        z = [sum(w * xl for w, xl in zip(row, x)) + bj for row, bj in zip(net.W, net.b)]
        assert all(zj != 0 for zj in z), "a counterexample must lie off every hyperplane"
        patterns.append(tuple(int(zj > 0) for zj in z))
    M = list(dict.fromkeys(patterns))
    rank_M = reference_rank(M)
    return {
        "d": d, "N": N, "m": m, "n": len(X), "P": N * d + N + m * N + m,
        "dim": reference_rank(finite_difference_jacobian(net, X)),
        "R": len(M), "rank_M": rank_M,
        "ones_in_col_M": reference_rank([list(r) + [1] for r in M]) == rank_M,
    }


def violates(label, net, X):
    q = recompute(net, X)
    formula = (q["d"] + 1) * q["rank_M"] + (not q["ones_in_col_M"])
    if label == "F1":
        return q["dim"] != (q["d"] + 1) * q["R"] + 1
    if label == "F2":
        return q["n"] * q["m"] >= q["P"] and q["dim"] != q["P"] - q["N"]
    if label == "F3":
        return q["m"] >= 2 and q["dim"] > ((q["d"] + 1) * q["rank_M"]
                                            + q["m"] * (q["rank_M"] + 1))
    if label == "F4":
        return q["m"] == 1 and all(v != 0 for v in net.V[0]) and q["dim"] != formula
    raise AssertionError(label)


@pytest.mark.parametrize("conj", FALSE, ids=lambda c: c.label)
def test_false_conjectures_are_refuted_and_the_counterexample_is_small(conj):
    found = find_counterexample(conj, max_examples=300, seed=0)
    assert found is not None, f"no counterexample to {conj.name}"
    assert violates(conj.label, found.network, found.X)
    s = found.sizes
    print(f"{conj.label} {conj.name}: shrunk to {s}")
    assert s["input_dim"] <= 3 and s["hidden_width"] <= 4 and s["n_samples"] <= 8
    if conj.label in ("F1", "F4"):  # one sample already refutes them (dim ≤ 1 < d + 2)
        assert list(s.values()) == [1, 1, 1, 1]
    # the values reported are the ones the conjecture read, and they are right
    q = recompute(found.network, found.X)
    assert found.values["local_dimension"] == q["dim"]


@pytest.mark.parametrize("conj", TRUE, ids=lambda c: c.label)
def test_true_conjectures_survive(conj):
    result = search(conj, max_examples=30, seed=1)
    assert result.counterexample is None and result.examples_tried >= 30


def test_same_seed_same_counterexample():
    def dim_below_three(a):
        return a.local_dimension < 3

    runs = [find_counterexample(dim_below_three, max_examples=60, seed=3) for _ in range(2)]
    assert runs[0] == runs[1] and runs[0].values == runs[1].values
    assert runs[0].values["local_dimension"] >= 3


# --- exhaustive mode ---------------------------------------------------------------------------

def test_exhaustive_finds_the_same_minimal_counterexample_every_run():
    results = [exhaustive_search("regions_formula", hidden_width=(1, 2), n=(1, 2))
               for _ in range(2)]
    first = results[0].counterexample
    assert first == results[1].counterexample
    # By hand: in the order (size, then θ over 0, 1, −1, then grid 1/2, −1/2, 3/2, −3/2), the
    # nine networks with w = b = 0 come first and are skipped (every point is on z ≡ 0); the
    # next, w = 0, b = 1, v = c = 0, with X = {1/2}, has dim 1 ≠ (1+1)·1 + 1.
    assert first.network.to_dict() == {"W": [[0]], "b": [1], "V": [[0]], "c": [0]}
    assert first.X == ((Fraction(1, 2),),)
    assert violates("F1", first.network, first.X)


def test_exhaustive_proves_a_true_statement_on_a_tiny_family():
    result = exhaustive_search("symmetry_bound", hidden_width=1, n=(1, 2))
    assert result.proved and result.counterexample is None
    # count the cases independently: θ ∈ {−1,0,1}^4, sets of 1 or 2 grid points off z = 0
    grid = [Fraction(k, 2) for k in (-3, -1, 1, 3)]
    expected = 0
    for w, b, v, c in product((-1, 0, 1), repeat=4):
        off = [x for x in grid if w * x + b != 0]
        expected += len(off) + len(list(combinations(off, 2)))
    assert result.examples_tried == expected


def test_exhaustive_order_is_by_size_then_lexicographic():
    cases = list(exhaustive_cases(hidden_width=(1, 2), n=(1, 2), grid=[Fraction(1, 2)]))
    sizes = [net.input_dim + net.hidden_width + net.output_dim + len(X) for net, X in cases]
    assert sizes == sorted(sizes)
    firsts = [net.theta() for net, X in cases if net.hidden_width == 1]
    key = {0: 0, 1: 1, -1: 2}
    assert firsts == sorted(firsts, key=lambda t: [key[q] for q in t])


def test_exhaustive_reports_a_raising_conjecture():
    with pytest.raises(ConjectureError, match="ZeroDivisionError"):
        exhaustive_search(lambda a: 1 / (a.local_dimension - 1) > 0, hidden_width=1, n=1)


# --- errors ------------------------------------------------------------------------------------

def test_a_raising_conjecture_is_an_error_not_a_counterexample():
    def broken(a):
        return a.activation_regions_perceived / (a.activation_regions_perceived - 1) > 0

    with pytest.raises(ConjectureError) as info:
        find_counterexample(broken, max_examples=20)
    message = str(info.value)
    assert "broken" in message and "ZeroDivisionError" in message and '"W"' in message


def test_a_non_boolean_verdict_is_an_error():
    with pytest.raises(ConjectureError, match="returned 3"):
        find_counterexample(lambda a: a.local_dimension + 2, max_examples=5)


def test_unknown_family_option_is_named():
    with pytest.raises(InputError, match="unknown search option"):
        search("T1", max_examples=5, width=3)


def test_assume_skips_examples():
    def only_two_outputs(a):
        assume(a.output_dim == 2)
        return a.local_dimension <= 2 * a.n_samples

    result = search(only_two_outputs, max_examples=20, output_dim=(1, 2))
    assert result.counterexample is None and result.skipped > 0


# --- what a counterexample carries -------------------------------------------------------------

def test_tracked_analysis_records_direct_reads_only():
    a = TrackedAnalysis(ShallowNetwork([[1], [-1]], [0, 0], [[1, 1]], [0]),
                        [[1], [2], [-1], [-3]])
    assert a.local_dimension == 4 and a.activation_regions_perceived == 2
    assert a.reads == {"local_dimension": 4, "activation_regions_perceived": 2}


def test_counterexample_files_are_what_analyze_reads(tmp_path):
    found = find_counterexample("F2", max_examples=100)
    paths = found.save(str(tmp_path))
    net = read_network(paths["network"])
    X = read_sample(paths["sample"], net.input_dim)
    assert net == found.network and X == found.X
    assert json.loads(json.dumps(found.to_dict()))["values"] == {
        k: v for k, v in found.to_dict()["values"].items()}
    assert set(found.to_dict()) == {"network", "X", "values"}


def _file_conjecture(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text("import math\n\n\ndef small_dim(a):\n"
                    "    return a.local_dimension <= math.floor(2.5)\n")
    return load_conjecture(f"{path}:small_dim")


def test_regression_tests_fail_for_the_right_reason(tmp_path):
    suite = tmp_path / "suite"
    suite.mkdir()

    def nested_conjecture(a):  # inlined into the test: it reads no global name
        return a.activation_regions_perceived < 2

    for conj in (get_conjecture("F1"), _file_conjecture(tmp_path), nested_conjecture):
        found = find_counterexample(conj, max_examples=100)
        name = found.conjecture
        (suite / f"test_{name}.py").write_text(found.regression_test())
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          str(suite)], capture_output=True, text=True, timeout=120,
                         cwd=str(tmp_path))
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert "3 failed" in out
    assert count_error_lines(out, "AssertionError: counterexample to") == 3, out
    for name in ("regions_formula", "small_dim", "nested_conjecture"):
        assert f"counterexample to {name}" in out


def test_load_conjecture_errors_name_the_problem(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f(a):\n    return (\n")
    with pytest.raises(InputError, match="SyntaxError at line"):
        load_conjecture(f"{bad}:f")
    with pytest.raises(InputError, match="does not exist"):
        load_conjecture(f"{tmp_path}/missing.py:f")
    good = tmp_path / "good.py"
    good.write_text("def f(a):\n    return True\n")
    with pytest.raises(InputError, match="has no function 'g'.*defines: f"):
        load_conjecture(f"{good}:g")
    with pytest.raises(InputError, match="no conjecture called"):
        load_conjecture("not_a_conjecture")


# --- the catalogue and the pytest helpers ------------------------------------------------------

def test_catalogue_entries_are_labelled_and_found_by_label():
    labels = [c.label for c in CATALOGUE.values()]
    assert {"T1", "T2", "T3", "T4", "T5", "T6", "F1", "F2", "F3", "F4"} <= set(labels)
    for c in CATALOGUE.values():
        assert get_conjecture(c.label) is c and get_conjecture(c.name.upper()) is c
        assert c.status == ("false" if c.label.startswith("F") else "proved") and c.statement


def test_conjecture_decorator_carries_its_family():
    @conjecture(output_dim=2)
    def two_outputs(a):
        """dim ≤ 2n"""
        return a.output_dim == 2

    assert isinstance(two_outputs, Conjecture) and two_outputs.statement == "dim ≤ 2n"
    assert search(two_outputs, max_examples=10).counterexample is None


def test_assert_conjecture():
    assert_conjecture("T2", max_examples=10)
    with pytest.raises(AssertionError, match="(?s)counterexample to regions_formula.*def test_"):
        assert_conjecture("F1", max_examples=10)


def test_for_all_analyses_decorator():
    @for_all_analyses(output_dim=2, n=(1, 3))
    def passing(analysis):
        assert analysis.local_dimension <= analysis.sample_bound

    @for_all_analyses()
    def failing(analysis):
        assert analysis.local_dimension > 1

    passing()
    with pytest.raises(AssertionError, match='(?s)network: {"W".*sample: {"X"'):
        failing()


def test_exhaustive_progress_bar_on_stderr(capsys):
    result = exhaustive_search("symmetry_bound", hidden_width=1, n=1, progress=True)
    err = capsys.readouterr().err
    cases = result.examples_tried + result.skipped  # the bar counts cases, skipped ones too
    assert "exhaustive search: 100%" in err and f"{cases}/{cases}" in err


def test_custom_strategy_of_lists():
    from hypothesis import strategies as st

    pairs = st.builds(lambda k: (ShallowNetwork([[1]], [0], [[1]], [0]), [[k], [-1]]),
                      st.integers(1, 5))
    found = find_counterexample(lambda a: a.X[0][0] < 3, strategy=pairs, max_examples=30)
    assert found.X == ((3,), (-1,))
