"""relugeom search on the command line: JSON contract, exit codes, messages, and the new-user
flow (write a conjecture, search, paste the regression test)."""

import json
import subprocess
import sys

import pytest

from relugeom import ShallowNetwork, analyze
from relugeom.cli import main
from relugeom.cli import search as cli_search
from relugeom.errors import InputError
from relugeom.model.sample import as_sample
from relugeom.search.strategies import FEATURES
from tests.cli.runner import refused as runner_refused
from tests.cli.runner import relugeom
from tests.reference import count_error_lines


def run_json(capsys, *args):
    assert main(["search", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_contract_with_a_counterexample(capsys):
    report = run_json(capsys, "F1", "--max-examples", "50")
    assert report["conjecture"] == "regions_formula" and report["examples_tried"] >= 1
    found = report["counterexample"]
    assert {"network", "X", "values"} <= set(found)
    # the network and sample are in analyze's formats, and the values are right for them
    net = ShallowNetwork.from_dict(found["network"])
    a = analyze(net, as_sample(found["X"], net.input_dim))
    assert found["values"]["local_dimension"] == a.local_dimension
    assert a.local_dimension != (a.input_dim + 1) * a.activation_regions_perceived + 1


def test_json_contract_without_a_counterexample(capsys):
    report = run_json(capsys, "T2", "--max-examples", "15", "--seed", "3")
    assert report["counterexample"] is None and report["examples_tried"] == 15
    assert report["status"] == "proved" and report["seed"] == 3


def test_exhaustive_json(capsys):
    report = run_json(capsys, "T1", "--exhaustive", "--hidden-width", "1", "--samples", "1")
    assert report["counterexample"] is None and report["proved_on_family"]
    report = run_json(capsys, "F1", "--exhaustive", "--hidden-width", "1", "--samples", "1",
                      "--values=-1,0,1", "--grid=1/2,3/2")
    assert report["counterexample"]["network"] == {"W": [["0"]], "b": ["1"], "V": [["0"]],
                                                   "c": ["0"]}
    assert report["counterexample"]["X"] == [["1/2"]]


def test_family_options_reach_the_search(capsys):
    report = run_json(capsys, "T2", "--max-examples", "10", "--output-dim", "2-3",
                      "--features", "dead,duplicate")
    assert report["family"]["output_dim"] == [2, 3]
    assert report["family"]["features"] == ["dead", "duplicate"]


def test_list(capsys):
    assert main(["search", "--list"]) == 0
    out = capsys.readouterr().out
    assert "T1 symmetry_bound [proved]" in out and "F1 regions_formula [false]" in out


@pytest.mark.parametrize("args, message", [
    (["--features", "fancy", "T1"], "unknown feature"),
    (["--hidden-width", "3-1", "T1"], "range"),
    (["--values=a,b", "--exhaustive", "T1"], "not a number"),
])
def test_bad_arguments_exit_2(capsys, args, message):
    with pytest.raises(SystemExit) as info:
        main(["search", *args])
    assert info.value.code == 2 and message in capsys.readouterr().err


def test_the_cli_feature_list_matches_the_strategies():
    assert cli_search.FEATURES == FEATURES


def test_new_user_flow(tmp_path):
    """Write a conjecture, search it, check the saved files, run the printed regression test."""
    (tmp_path / "mine.py").write_text(
        "def regions_at_most_two(a):\n"
        '    """A false idea: X never sees more than two regions."""\n'
        "    return a.activation_regions_perceived <= 2\n")
    result = relugeom("search", "mine.py:regions_at_most_two", "--save", "found", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "counterexample found" in out and "activation_regions_perceived  3" in out
    test_text = out.split("it fails while the counterexample stands):\n\n", 1)[1]
    (tmp_path / "suite").mkdir()
    (tmp_path / "suite" / "test_pasted.py").write_text(test_text)
    check = relugeom("analyze", "found/network.json", "found/sample.json", "--json", cwd=tmp_path)
    assert json.loads(check.stdout)["activation_regions_perceived"] == 3
    pytest_run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                 "suite", "found"], capture_output=True, text=True, timeout=120,
                                cwd=tmp_path)
    report = pytest_run.stdout
    assert pytest_run.returncode == 1 and "2 failed" in report, report
    error = "AssertionError: counterexample to regions_at_most_two"
    assert count_error_lines(report, error) == 2, report


def test_none_found_is_said_plainly(tmp_path):
    (tmp_path / "true.py").write_text("def fine(a):\n    return a.n_samples >= 1\n")
    result = relugeom("search", "true.py:fine", "--max-examples", "20", cwd=tmp_path)
    assert result.returncode == 0
    assert "no counterexample found" in result.stdout
    assert "none found in 20 examples" in result.stdout


@pytest.mark.parametrize("source, target, message", [
    ("import no_such_module_here\n", "bad.py:f", "ModuleNotFoundError at line 1"),
    ("def f(a):\n    return 1 / 0\n", "bad.py:f", "raised ZeroDivisionError"),
    ("def f(a):\n    return None\n", "bad.py:f", "returned None"),
    ("def f(a):\n    return True\n", "bad.py:g", "has no function 'g'"),
    ("def f(a):\n    return True\n", "missing.py:f", "does not exist"),
    ("def f(a):\n    return True\n", "bad.py", "FILE.py:FUNCTION"),
])
def test_bad_conjecture_files_exit_2_with_a_message(tmp_path, capsys, source, target, message):
    (tmp_path / "bad.py").write_text(source)
    code = main(["search", str(tmp_path / target), "--max-examples", "5"])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


# --- hostile and large input (issue 13) ----------------------------------------------------------

def refused(capsys, *args):
    return runner_refused(capsys, "search", *args)


def test_an_exhaustive_family_over_the_budget_is_refused_with_its_size(capsys):
    """7 values, N = 9: 3 · 7^28 ≈ 1.38·10^24 networks. Refused at once, never started."""
    import time

    start = time.perf_counter()
    err = refused(capsys, "F1", "--exhaustive", "--hidden-width", "9",
                  "--values=-3,-2,-1,0,1,2,3")
    assert time.perf_counter() - start < 5
    assert "about 1.38·10^24 networks" in err and "--max-cases" in err
    assert f"{cli_search.MAX_CASES:,}" in err
    # the default family (31,752 cases) is over a budget of 1,000 ...
    err = refused(capsys, "T1", "--exhaustive", "--max-cases", "1000")
    assert "6,804 networks and 31,752 (network, sample) cases" in err
    # ... and a family within the budget runs: 81 networks × 4 samples = 324 cases
    report = run_json(capsys, "T1", "--exhaustive", "--hidden-width", "1", "--samples", "1",
                      "--max-cases", "324")
    assert report["proved_on_family"]
    assert report["examples_tried"] + report["skipped"] == 324


@pytest.mark.parametrize("args, message", [
    (["--exhaustive", "--input-dim", "1000000"], "networks"),          # 10^(10^6) and more
    (["--exhaustive", "--hidden-width", "1-1000000000"], "shapes"),     # 10^9 shapes
    # no case at all (n > 2^21 grid points), but every network would scan 2^21 points
    (["--exhaustive", "--values=0", "--grid=0,1", "--input-dim", "21", "--samples", "3000000"],
     "grid has about 2.10·10^6 points"),
    (["--exhaustive", "--max-cases", "0"], "whole number ≥ 1"),
])
def test_absurd_exhaustive_families_are_refused_at_once(capsys, args, message):
    assert message in refused(capsys, "T1", *args)


@pytest.mark.parametrize("option", ["--values=", "--grid=", "--values=,", "--grid= , "])
def test_an_empty_list_is_refused_not_replaced_by_the_default(capsys, option):
    err = refused(capsys, "F1", "--exhaustive", option, "--hidden-width", "1", "--samples", "1")
    assert option.split("=")[0] in err and "at least one number" in err


@pytest.mark.parametrize("args, message", [
    (["--seed=-1"], "argument --seed: expected a whole number ≥ 0, got -1"),
    (["--seed", "abc"], "argument --seed: expected a whole number"),
    (["--exhaustive", "--seed", "3"], "--seed applies to the random search only"),
    (["--exhaustive", "--max-examples", "3"], "--max-examples applies to the random search"),
    (["--max-cases", "10"], "--max-cases describes the exhaustive search: add --exhaustive"),
    (["--values=0,1"], "--values describes the exhaustive search: add --exhaustive"),
])
def test_options_of_the_other_mode_or_out_of_range_are_refused(capsys, args, message):
    assert message in refused(capsys, "T1", *args)


@pytest.mark.parametrize("target", ["file", "under_a_file", "/dev/null", ""])
def test_save_to_an_existing_file_is_refused_before_the_search(tmp_path, capsys, monkeypatch,
                                                               target):
    from relugeom.search import randomized

    existing = tmp_path / "file"
    existing.write_text("keep me\n")
    path = {"file": existing, "under_a_file": existing / "sub"}.get(target, target)
    monkeypatch.setattr(randomized, "search", lambda *a, **k: pytest.fail("search started"))
    err = refused(capsys, "F1", f"--save={path}")
    assert "--save" in err and repr(str(path)) in err and "directory" in err
    assert existing.read_text() == "keep me\n"


def test_save_creates_a_new_folder_and_the_api_refuses_a_file(tmp_path, capsys):
    from relugeom.search.randomized import find_counterexample

    report = run_json(capsys, "F1", "--max-examples", "20", "--save", str(tmp_path / "a" / "b"))
    assert sorted(p.name for p in (tmp_path / "a" / "b").iterdir()) == [
        "network.json", "sample.json", "test_regions_formula_counterexample.py"]
    assert report["saved"]["network"] == str(tmp_path / "a" / "b" / "network.json")
    found = find_counterexample("F1", max_examples=20)
    (tmp_path / "file").write_text("")
    with pytest.raises(InputError, match="exists and is not a directory"):
        found.save(str(tmp_path / "file"))
    with pytest.raises(InputError, match="cannot save the counterexample"):
        found.save(str(tmp_path / "file" / "sub"))
