"""Covered index ranges of a long run, and the checkpoint file that keeps them.

A run over the indices 0 … total − 1 (the cases of an exhaustive search) records each finished
range [start, stop) with its counts (cases tried, cases skipped). :class:`Coverage` holds the
disjoint ranges, merged when adjacent; :class:`Checkpoint` writes them to a JSON file, atomically
(a temporary file renamed over the old one, so a kill never leaves half a file), together with
what the run is (the search and its family): resuming a different run from it is refused.

>>> covered = Coverage()
>>> covered.add(0, 10, tried=9, skipped=1)
>>> covered.add(20, 30, tried=10, skipped=0)
>>> covered.add(10, 20, tried=10, skipped=0)
>>> covered.ranges, covered.size
([[0, 30, 29, 1]], 30)
>>> covered.add(40, 50, tried=10, skipped=0)
>>> covered.describe_gaps(60)
'[30, 40) ∪ [50, 60)'
"""

from __future__ import annotations

import bisect
import json
import os
import time
from typing import Any, Iterator, Mapping

from ..errors import InputError

#: The format tag of a checkpoint file.
FORMAT = "relugeom-checkpoint"
VERSION = 1


class Coverage:
    """Disjoint ranges [start, stop) with the cases tried and skipped in each, sorted."""

    def __init__(self, ranges: list | None = None):
        self.ranges: list[list[int]] = []
        for start, stop, tried, skipped in ranges or ():
            self.add(start, stop, tried=tried, skipped=skipped)

    def add(self, start: int, stop: int, *, tried: int, skipped: int) -> None:
        """Record [start, stop) as covered; it must not overlap a covered range."""
        if not 0 <= start < stop:
            raise ValueError(f"empty or negative range [{start}, {stop})")
        k = bisect.bisect_left(self.ranges, [start])
        if (k > 0 and self.ranges[k - 1][1] > start) or \
                (k < len(self.ranges) and self.ranges[k][0] < stop):
            raise ValueError(f"[{start}, {stop}) overlaps a covered range")
        entry = [start, stop, tried, skipped]
        if k > 0 and self.ranges[k - 1][1] == start:          # merge with the one before
            before = self.ranges.pop(k - 1)
            k -= 1
            entry = [before[0], stop, before[2] + tried, before[3] + skipped]
        if k < len(self.ranges) and self.ranges[k][0] == stop:  # and with the one after
            after = self.ranges.pop(k)
            entry = [entry[0], after[1], entry[2] + after[2], entry[3] + after[3]]
        self.ranges.insert(k, entry)

    @property
    def size(self) -> int:
        """How many indices are covered."""
        return sum(stop - start for start, stop, _, _ in self.ranges)

    def counts_below(self, index: int) -> tuple[int, int]:
        """(tried, skipped) over the covered ranges that end at or before ``index`` (``index``
        itself must not be covered)."""
        below = [r for r in self.ranges if r[1] <= index]
        return sum(r[2] for r in below), sum(r[3] for r in below)

    def gaps(self, total: int) -> Iterator[tuple[int, int]]:
        """The ranges of [0, total) not covered, in order."""
        position = 0
        for start, stop, _, _ in self.ranges:
            if start > position:
                yield position, min(start, total)
            position = max(position, stop)
        if position < total:
            yield position, total

    def describe_gaps(self, total: int, shown: int = 4) -> str:
        """The uncovered ranges as text, "[30, 40) ∪ [50, 60)"; "nothing" when none."""
        gaps = list(self.gaps(total))
        text = " ∪ ".join(f"[{a:,}, {b:,})" for a, b in gaps[:shown])
        if len(gaps) > shown:
            text += f" and {len(gaps) - shown:,} more ranges"
        return text or "nothing"


class Checkpoint:
    """A checkpoint file: what the run is (``identity``) and its :class:`Coverage`.

    :meth:`load` reads it (a missing file is an empty coverage; a file of another run, or not
    a checkpoint, is refused naming the file); :meth:`save` writes it atomically, at most
    every ``interval`` seconds unless forced.
    """

    def __init__(self, path: str, identity: Mapping[str, Any], interval: float = 2.0):
        self.path = os.fspath(path)
        self.identity = json.loads(json.dumps(identity))   # plain JSON, as it will be compared
        self.interval = interval
        self._saved = 0.0

    def load(self) -> Coverage:
        if not os.path.exists(self.path):
            return Coverage()
        if not os.path.isfile(self.path):
            raise InputError(f"--resume {self.path!r} is not a regular file")
        try:
            with open(self.path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read the checkpoint {self.path!r}: {exc}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InputError(f"{self.path!r} is not a relugeom checkpoint (no "
                             f"\"format\": \"{FORMAT}\"); name a new file to start one")
        if data.get("run") != self.identity:
            theirs = data.get("run") if isinstance(data.get("run"), dict) else {}
            differ = sorted(k for k in set(theirs) | set(self.identity)
                            if theirs.get(k) != self.identity.get(k))
            raise InputError(f"the checkpoint {self.path!r} is for another run (it differs in: "
                             f"{', '.join(differ) or 'its description'}); resume with the same "
                             "conjecture and family, or name a new file")
        try:
            coverage = Coverage(data.get("covered", []))
        except (TypeError, ValueError) as exc:
            raise InputError(f"the checkpoint {self.path!r} has invalid covered ranges: "
                             f"{exc}") from None
        return coverage

    def save(self, coverage: Coverage, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._saved < self.interval:
            return
        data = {"format": FORMAT, "version": VERSION, "run": self.identity,
                "covered": coverage.ranges, "cases_covered": coverage.size}
        temporary = f"{self.path}.tmp-{os.getpid()}"
        try:
            with open(temporary, "w", encoding="utf-8") as handle:
                json.dump(data, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except OSError as exc:
            raise InputError(f"cannot write the checkpoint {self.path!r}: "
                             f"{exc.strerror or exc}") from None
        self._saved = now
