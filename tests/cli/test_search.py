"""relugeom search on the command line: JSON contract, exit codes, messages, and the new-user
flow (write a conjecture, search, paste the regression test)."""

import json
import subprocess
import sys

import pytest

from relugeom import ShallowNetwork, analyze
from relugeom.cli import main
from relugeom.cli import search as cli_search
from relugeom.model.sample import as_sample
from relugeom.search.strategies import FEATURES
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
    assert report["counterexample"]["network"] == {"W": [[0]], "b": [1], "V": [[0]], "c": [0]}
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
    assert count_error_lines(report, "AssertionError: counterexample to regions_at_most_two") == 2, report


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
