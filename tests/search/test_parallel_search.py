"""The search on several workers (issue 16): case i computed from i alone, the same smallest
counterexample and counts as the serial search for any number of workers and chunk size,
conjectures from files in workers, cancellation, resume after a kill, a real Dask cluster."""

import json
import os
import pickle
import signal
import subprocess
import sys
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relugeom.search.conjectures import TrackedAnalysis, as_conjecture
from relugeom.search.exhaustive import exhaustive_case, exhaustive_cases, exhaustive_search
from relugeom.search.loading import load_conjecture, portable
from relugeom.search.randomized import search

# small families: (values, input_dim, hidden_width, n, grid)
FAMILIES = [((-1, 0, 1), 1, 1, (1, 3), ("-3/2", "-1/2", "1/2", "3/2")),    # 1,134 cases
            ((0, 1), (1, 2), 1, (1, 3), (-1, 1)),                            # 496
            ((0, 2, "-1/2"), 1, 1, (2, 3), (-2, 0, 1, 3))]                   # 810

CONJECTURE_FILE = '''
import json, os, time

def log(a):
    """Write the case to the file $RELUGEOM_TEST_LOG, if set, after $RELUGEOM_TEST_SLEEP s."""
    path = os.environ.get("RELUGEOM_TEST_LOG")
    if path:
        time.sleep(float(os.environ.get("RELUGEOM_TEST_SLEEP", "0")))
        with open(path, "a") as handle:
            handle.write(json.dumps([a.network.to_dict(), a.X], default=str) + "\\n")

def rank_at_most(a):
    """dim ≤ 2 (false from three samples on)."""
    log(a)
    return a.local_dimension <= 2

def holds(a):
    log(a)
    return a.local_dimension <= a.symmetry_bound

def raises(a):
    if a.n_samples > 2:
        raise ValueError("three samples")
    return True
'''


@pytest.fixture
def conjecture_file(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text(CONJECTURE_FILE)
    return path


def family_kwargs(family):
    values, d, N, n, grid = family
    return {"values": values, "input_dim": d, "hidden_width": N, "n": n, "grid": grid}


def serial_reference(check, **family):
    """(counterexample (network, X) or None, tried, skipped) by walking the documented order
    of exhaustive_cases one case at a time."""
    tried, skipped = 0, 0
    for index in range(_total(**family)):
        case = exhaustive_case(index, **family)
        if case is None:
            skipped += 1
            continue
        tried += 1
        if not check(TrackedAnalysis(*case)):
            return case, tried, skipped
    return None, tried, skipped


def _total(**family):
    from relugeom.search.exhaustive import family_size
    return family_size(**family).cases


def summary(result):
    found = result.counterexample
    return (found.network.to_dict() if found else None, found.X if found else None,
            result.examples_tried, result.skipped, result.first_failure, result.proved)


@pytest.mark.parametrize("family", FAMILIES)
def test_case_i_from_i_alone_is_the_ith_case_of_the_documented_order(family):
    kwargs = family_kwargs(family)
    by_index = [exhaustive_case(i, **kwargs) for i in range(_total(**kwargs))]
    assert [c for c in by_index if c is not None] == list(exhaustive_cases(**kwargs))


CONJECTURES = ["F1", "symmetry_bound", lambda a: a.local_dimension <= 2,
               lambda a: a.activation_regions_perceived < 2]
_REFERENCES: dict = {}


@settings(max_examples=max(8, settings().max_examples // 3))   # 8 fast, 133 thorough
@given(st.integers(0, len(FAMILIES) - 1), st.integers(1, 400),
       st.integers(0, len(CONJECTURES) - 1))
def test_any_chunk_size_gives_the_serial_answer_and_counts(family, chunk_size, conjecture):
    kwargs = family_kwargs(FAMILIES[family])
    conj = as_conjecture(CONJECTURES[conjecture])
    if (family, conjecture) not in _REFERENCES:
        _REFERENCES[family, conjecture] = serial_reference(conj, **kwargs)
    case, tried, skipped = _REFERENCES[family, conjecture]
    result = exhaustive_search(conj, chunk_size=chunk_size, **kwargs)
    assert (result.counterexample.network if result.found else None,
            result.counterexample.X if result.found else None,
            result.examples_tried, result.skipped) == \
        (case[0] if case else None, case[1] if case else None, tried, skipped)


@pytest.mark.parametrize("conjecture", ["symmetry_bound", "file"])
def test_two_workers_give_the_serial_result(conjecture, conjecture_file):
    conj = load_conjecture(f"{conjecture_file}:rank_at_most") if conjecture == "file" \
        else conjecture
    kwargs = family_kwargs(FAMILIES[2])
    serial = exhaustive_search(conj, **kwargs)
    for chunk_size in (None, 37):
        parallel = exhaustive_search(conj, n_jobs=2, chunk_size=chunk_size, **kwargs)
        assert summary(parallel) == summary(serial)
        if serial.found:
            assert parallel.counterexample.to_dict() == serial.counterexample.to_dict()
            assert parallel.counterexample.regression_test() == \
                serial.counterexample.regression_test()
    assert serial.found == (conjecture == "file")


def test_a_file_conjecture_travels_by_value_to_a_process_without_the_file(conjecture_file,
                                                                          tmp_path):
    conj = load_conjecture(f"{conjecture_file}:holds")
    with pytest.raises(Exception):    # the plain pickle names a module no other process has
        subprocess.run([sys.executable, "-c", "import pickle, sys; pickle.loads(sys.stdin."
                        "buffer.read())"], input=pickle.dumps(conj.check), check=True,
                       capture_output=True)
    data = pickle.dumps(portable(conj))
    conjecture_file.unlink()          # the worker re-creates it from the text it carries
    code = ("import pickle, sys; from relugeom import ShallowNetwork; "
            "from relugeom.search.conjectures import TrackedAnalysis; "
            "conj = pickle.loads(sys.stdin.buffer.read()); "
            "print(conj(TrackedAnalysis(ShallowNetwork([[1]], [0], [[1]], [0]), [[1], [-1]])))")
    out = subprocess.run([sys.executable, "-c", code], input=data, capture_output=True,
                         check=True)
    assert out.stdout.strip() == b"True"


def test_a_counterexample_cancels_the_chunks_after_it(tmp_path):
    # the log's path is in the file's text: the pool's workers may predate any setenv
    log = tmp_path / "seen.log"
    path = tmp_path / "logged.py"
    path.write_text(CONJECTURE_FILE.replace('os.environ.get("RELUGEOM_TEST_LOG")',
                                            repr(str(log))))
    conj = load_conjecture(f"{path}:rank_at_most")
    kwargs = {"values": range(-2, 3), "hidden_width": 1, "n": 3}   # 2,500 cases
    result = exhaustive_search(conj, n_jobs=2, chunk_size=25, **kwargs)
    assert result.found and result.examples_tried < 700
    seen = len(log.read_text().splitlines())
    assert seen < 1250, seen          # the failure comes early: the rest never ran


def many_regions(a):
    """At most three regions perceived: false, cheap (no rank)."""
    return a.activation_regions_perceived <= 3


def test_random_search_streams_depend_on_the_seed_and_their_number_only():
    # seed 0: stream 0 finds nothing, stream 1 does; seed 2: no stream finds one
    for seed, first_failure in ((0, 8), (2, None)):
        parallel = search(many_regions, seed=seed, max_examples=12, max_shrinks=2, n_jobs=2)
        serial = search(many_regions, seed=seed, max_examples=12, max_shrinks=2, streams=2)
        assert summary(parallel) == summary(serial)
        assert parallel.first_failure == first_failure
        if parallel.found:
            assert parallel.counterexample.regression_test() == \
                serial.counterexample.regression_test()


def case_indices(log, **family):
    """The case indices of the cases written to ``log``, each as often as it was seen."""
    index = {}
    for i in range(_total(**family)):
        case = exhaustive_case(i, **family)
        if case is not None:
            index[json.dumps([case[0].to_dict(), case[1]], default=str)] = i
    lines = log.read_text().splitlines() if log.exists() else []
    return [index[line] for line in lines]


def start_search(conjecture_file, checkpoint, log, *extra):
    env = {**os.environ, "RELUGEOM_TEST_LOG": str(log), "RELUGEOM_TEST_SLEEP": "0.01"}
    return subprocess.Popen(
        [sys.executable, "-m", "relugeom.cli", "search", f"{conjecture_file}:holds",
         "--exhaustive", "--hidden-width", "1", "--samples", "1-2", "--resume",
         str(checkpoint), "--jobs", "2", *extra], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
        preexec_fn=default_interrupts)


def default_interrupts() -> None:
    """Ctrl-C handled as in a terminal, whatever this process inherited: a test suite run in
    the background of a shell without job control ignores SIGINT, and an ignored signal stays
    ignored across exec (the search would never see the Ctrl-C sent to it)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


FAMILY = {"hidden_width": 1, "n": (1, 2)}    # 810 cases, 10 ms each


def interrupt(process, checkpoint, how, covered_before=0):
    """Wait until the run has covered more than ``covered_before`` cases, then Ctrl-C it or
    kill it (SIGKILL: the main process and its workers); (stderr, covered case indices)."""
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None and not (
                checkpoint.exists() and
                json.loads(checkpoint.read_text())["cases_covered"] > covered_before):
            time.sleep(0.05)
        if how == "kill":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.send_signal(signal.SIGINT)       # Ctrl-C, as the main process gets it
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    saved = json.loads(checkpoint.read_text())
    return err, [i for start, stop, _, _ in saved["covered"] for i in range(start, stop)]


def test_resume_after_ctrl_c_then_a_kill_covers_every_case_exactly_once(conjecture_file,
                                                                        tmp_path, monkeypatch):
    checkpoint, logs = tmp_path / "run.json", [tmp_path / f"run{k}.log" for k in range(3)]
    # run 0, on two workers: Ctrl-C; it says what it covered, and the checkpoint agrees
    err, covered_0 = interrupt(start_search(conjecture_file, checkpoint, logs[0]), checkpoint,
                               "ctrl-c")
    assert "Traceback" not in err and 0 < len(covered_0) < 810, err
    assert f"interrupted: {len(covered_0):,} of 810 cases covered" in err
    assert "not covered: [" in err and f"--resume {checkpoint}" in err
    # run 1 resumes it, and is killed: it never scanned a case run 0 had covered
    _, covered_1 = interrupt(start_search(conjecture_file, checkpoint, logs[1]), checkpoint,
                             "kill", len(covered_0))
    assert set(covered_0) < set(covered_1) and len(covered_1) < 810
    assert not set(case_indices(logs[1], **FAMILY)) & set(covered_0)
    # run 2, in this process, scans exactly the cases the checkpoint lacks
    monkeypatch.setenv("RELUGEOM_TEST_LOG", str(logs[2]))
    conj = load_conjecture(f"{conjecture_file}:holds")
    resumed = exhaustive_search(conj, resume=str(checkpoint), **FAMILY)
    skipped = [i for i in range(810) if exhaustive_case(i, **FAMILY) is None]
    scanned = case_indices(logs[2], **FAMILY) + [i for i in skipped if i not in covered_1]
    assert sorted(covered_1 + scanned) == list(range(810))     # every case exactly once
    monkeypatch.delenv("RELUGEOM_TEST_LOG")
    assert summary(resumed) == summary(exhaustive_search(conj, **FAMILY))


def test_a_dask_local_cluster_runs_the_exhaustive_search(conjecture_file):
    import logging

    from dask.distributed import LocalCluster

    conj = load_conjecture(f"{conjecture_file}:rank_at_most")
    kwargs = family_kwargs(FAMILIES[1])
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster:
        on_cluster = exhaustive_search(conj, scheduler=cluster.scheduler_address, n_jobs=2,
                                       chunk_size=40, **kwargs)
        proved = exhaustive_search("symmetry_bound", scheduler=cluster.scheduler_address,
                                   n_jobs=2, **kwargs)
    assert summary(on_cluster) == summary(exhaustive_search(conj, **kwargs))
    assert summary(proved) == summary(exhaustive_search("symmetry_bound", **kwargs))
    assert proved.proved and on_cluster.found


def test_resuming_a_search_that_found_a_counterexample_finds_it_again(tmp_path):
    conj = as_conjecture(lambda a: a.local_dimension <= 2)
    kwargs = family_kwargs(FAMILIES[0])
    path = str(tmp_path / "run.json")
    first = exhaustive_search(conj, resume=path, chunk_size=50, **kwargs)
    covered = json.loads((tmp_path / "run.json").read_text())["covered"]
    assert first.found and covered and covered[-1][1] <= first.examples_tried + first.skipped
    again = exhaustive_search(conj, resume=path, chunk_size=7, **kwargs)   # other chunks
    assert summary(again) == summary(first) == summary(exhaustive_search(conj, **kwargs))


def test_a_faulty_conjecture_in_a_worker_is_reported_as_in_one_process(conjecture_file):
    from relugeom.search.results import ConjectureError

    conj = load_conjecture(f"{conjecture_file}:raises")
    messages = []
    for run in (lambda: exhaustive_search(conj, hidden_width=1),
                lambda: exhaustive_search(conj, hidden_width=1, n_jobs=2),
                lambda: search(conj, max_examples=30, streams=2),
                lambda: search(conj, max_examples=30, n_jobs=2)):
        with pytest.raises(ConjectureError) as error:
            run()
        assert error.value.conjecture == "raises" and len(error.value.X) == 3
        messages.append(str(error.value))
    assert messages[0] == messages[1] and messages[2] == messages[3]
    assert "raised ValueError: three samples on the valid example" in messages[0]
