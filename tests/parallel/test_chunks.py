"""Ordered chunks: the first find is the serial one for any chunk size and worker count; the
coverage, the checkpoint file and Ctrl-C report exactly what was scanned."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom.errors import InputError
from relugeom.parallel import Checkpoint, ChunkResult, Coverage, Interrupted, scan_in_order


class FirstHit:
    """Scan for the first index in ``hits``; every index is tried, multiples of 5 skipped.
    Interrupts (like Ctrl-C) on reaching ``interrupt_at``; records what it scanned."""

    def __init__(self, hits=(), interrupt_at=None):
        self.hits, self.interrupt_at, self.scanned = set(hits), interrupt_at, []

    def __call__(self, start, stop):
        tried = skipped = 0
        for i in range(start, stop):
            if i == self.interrupt_at:
                raise KeyboardInterrupt
            self.scanned.append(i)
            if i % 5 == 0:
                skipped += 1
                continue
            tried += 1
            if i in self.hits:
                return ChunkResult(start, i + 1, tried, skipped, found=i)
        return ChunkResult(start, stop, tried, skipped)


def brute_force(hits, total):
    """(first hit, tried, skipped) by walking the indices one by one."""
    tried = skipped = 0
    for i in range(total):
        if i % 5 == 0:
            skipped += 1
        else:
            tried += 1
            if i in hits:
                return i, tried, skipped
    return None, tried, skipped


@given(st.integers(1, 300), st.sets(st.integers(0, 299), max_size=4), st.integers(1, 80))
def test_the_first_find_and_the_counts_are_the_serial_ones(total, hits, chunk_size):
    hits = {h for h in hits if h < total and h % 5}
    outcome = scan_in_order(FirstHit(hits), total, chunk_size=chunk_size)
    first, tried, skipped = brute_force(hits, total)
    assert (outcome.found.found if outcome.found else None, outcome.tried,
            outcome.skipped) == (first, tried, skipped)


def test_two_workers_give_the_serial_answer():
    hits = {1234, 1236, 3001}
    for chunk_size in (50, 700):
        outcome = scan_in_order(FirstHit(hits), 5000, n_jobs=2, chunk_size=chunk_size)
        assert (outcome.found.found, outcome.tried, outcome.skipped) == \
            brute_force(hits, 5000)


@given(st.permutations(range(12)))
def test_coverage_merges_ranges_and_its_gaps_are_the_rest(order):
    cuts = [0, 3, 4, 9, 10, 15, 21, 22, 30, 31, 40, 44, 50]
    pieces = list(zip(cuts, cuts[1:]))
    coverage, added = Coverage(), set()
    for k in order[:8]:
        start, stop = pieces[k]
        coverage.add(start, stop, tried=stop - start, skipped=0)
        added |= set(range(start, stop))
    covered = {i for start, stop, _, _ in coverage.ranges for i in range(start, stop)}
    gaps = {i for start, stop in coverage.gaps(60) for i in range(start, stop)}
    assert covered == added and gaps == set(range(60)) - added
    assert coverage.size == len(added) == sum(r[2] for r in coverage.ranges)
    assert all(a[1] < b[0] for a, b in zip(coverage.ranges, coverage.ranges[1:]))  # merged


def test_overlapping_ranges_are_refused():
    coverage = Coverage([[0, 10, 10, 0]])
    with pytest.raises(ValueError, match="overlaps"):
        coverage.add(5, 12, tried=7, skipped=0)


def test_ctrl_c_reports_the_covered_and_missing_ranges_and_resume_scans_the_rest(tmp_path):
    path = tmp_path / "run.json"
    first = FirstHit(interrupt_at=437)
    with pytest.raises(Interrupted) as stop:
        scan_in_order(first, 1000, chunk_size=100,
                      checkpoint=Checkpoint(path, {"run": "demo"}), label="demo scan")
    message = str(stop.value)
    assert "demo scan interrupted: 400 of 1,000 cases covered" in message
    assert "not covered: [400, 1,000)" in message and f"--resume {path}" in message
    assert json.loads(path.read_text())["covered"] == [[0, 400, 320, 80]]
    second = FirstHit()
    outcome = scan_in_order(second, 1000, chunk_size=64, checkpoint=Checkpoint(path, {"run":
                                                                                       "demo"}))
    assert sorted(first.scanned[:400] + second.scanned) == list(range(1000))   # once each
    assert (outcome.found, outcome.tried, outcome.skipped) == (None, 800, 200)


def test_a_checkpoint_of_another_run_or_not_a_checkpoint_is_refused(tmp_path):
    path = tmp_path / "run.json"
    scan_in_order(FirstHit(), 50, checkpoint=Checkpoint(path, {"conjecture": "a", "cases": 50}))
    with pytest.raises(InputError, match="another run.*differs in: conjecture"):
        Checkpoint(path, {"conjecture": "b", "cases": 50}).load()
    path.write_text('{"covered": []}')
    with pytest.raises(InputError, match="not a relugeom checkpoint"):
        Checkpoint(path, {}).load()
    path.write_text('{"covered": [')
    with pytest.raises(InputError, match="cannot read the checkpoint"):
        Checkpoint(path, {}).load()
