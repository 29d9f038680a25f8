"""Scan the indices 0 … total − 1 in ordered chunks on many workers; stop at the first find.

:func:`scan_in_order` cuts the indices into consecutive chunks [start, stop), runs
``scan_chunk(start, stop)`` on each (on ``n_jobs`` workers, see :mod:`relugeom.parallel.pool`)
and reads the results *in chunk order*. A chunk that stops early at index i (it found what the
scan looks for: a counterexample, a faulty conjecture) ends the scan once every chunk before it
has been read, so the find is the one of smallest index — the serial answer, whatever the
number of workers or the chunk size — and the chunks after it are cancelled. The counts are
summed over the chunks before it, so they are the serial counts too.

Around that: one progress bar for all workers (the main process advances it as chunks come
back, so its step is one chunk); an optional :class:`~relugeom.parallel.ranges.Checkpoint`
that records each finished chunk and lets a killed run resume where it stopped, scanning only
what is not covered; and Ctrl-C, which stops the workers, saves the checkpoint and raises
:class:`Interrupted` saying what was covered and what was not.

>>> def first_multiple_of_7(start, stop):
...     hit = next((i for i in range(max(start, 1), stop) if i % 7 == 0), None)
...     end = stop if hit is None else hit + 1
...     return ChunkResult(start, end, tried=end - start, skipped=0, found=hit)
>>> outcome = scan_in_order(first_multiple_of_7, 100, chunk_size=3)
>>> outcome.found.found, outcome.tried
(7, 8)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

from ..progress import progress as progress_bar
from .pool import imap, workers
from .ranges import Checkpoint, Coverage

#: Default chunks per worker: enough to balance uneven cases and to cancel soon after a find,
#: few enough that a chunk's overhead (pickling, a round trip) stays negligible.
CHUNKS_PER_WORKER = 32
#: Default largest chunk: a progress step and, on Ctrl-C, the most work lost per worker.
MAX_CHUNK = 5000


@dataclass(frozen=True)
class ChunkResult:
    """What scanning [start, stop) gave: ``stop`` is where the chunk ended (one past the
    found index when it stopped early), ``tried`` and ``skipped`` count its cases, ``found``
    is what stopped it (``None``: the whole chunk was scanned)."""

    start: int
    stop: int
    tried: int
    skipped: int
    found: Any = None


@dataclass(frozen=True)
class ScanOutcome:
    """The result of :func:`scan_in_order`: the chunk that stopped early (or ``None``), the
    counts up to its find (or over everything), and the coverage at the end."""

    found: ChunkResult | None
    tried: int
    skipped: int
    coverage: Coverage
    total: int


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a scan: the message says how much was covered and which ranges were not
    (``coverage``, ``total``), and the checkpoint to resume from, if any."""

    def __init__(self, label: str, coverage: Coverage, total: int,
                 checkpoint: str | None = None):
        self.coverage = coverage
        self.total = total
        self.checkpoint = checkpoint
        tried, skipped = coverage.counts_below(total)
        resume = (f"; resume with --resume {checkpoint}" if checkpoint else
                  "; to keep the work of a long run, give it a checkpoint (--resume FILE)")
        super().__init__(f"{label} interrupted: {coverage.size:,} of {total:,} cases covered "
                         f"({tried:,} tried, {skipped:,} skipped), no counterexample among "
                         f"them; not covered: {coverage.describe_gaps(total)}{resume}")


def default_chunk_size(total: int, n_jobs: int) -> int:
    """About :data:`CHUNKS_PER_WORKER` chunks per worker, at most :data:`MAX_CHUNK` cases."""
    return max(1, min(MAX_CHUNK, -(-total // (CHUNKS_PER_WORKER * workers(n_jobs)))))


def scan_in_order(scan_chunk: Callable[[int, int], ChunkResult], total: int, *,
                  n_jobs: int = 1, backend: str | None = None, scheduler: str | None = None,
                  chunk_size: int | None = None, checkpoint: Checkpoint | None = None,
                  progress: bool | None = False, label: str = "scan",
                  unit: str = "case") -> ScanOutcome:
    """Run ``scan_chunk`` over [0, total) in ordered chunks; stop at the first find.

    ``scan_chunk(start, stop)`` returns a :class:`ChunkResult`; it runs in worker processes
    when ``n_jobs != 1`` or a backend is named, so it must then be picklable (a
    ``functools.partial`` of a module-level function). With ``checkpoint``, the ranges it
    already covers are skipped and every finished chunk is recorded. Raises
    :class:`Interrupted` on Ctrl-C. ``progress``: a bar on stderr (True), none (False), or a
    bar when stderr is a terminal (None). Cost: the chunks, in ⌈total / chunk_size⌉ tasks.
    """
    coverage = checkpoint.load() if checkpoint is not None else Coverage()
    if checkpoint is not None:
        checkpoint.save(coverage, force=True)   # an unwritable file is refused before any work
    size = chunk_size or default_chunk_size(total, n_jobs)
    results = imap(_Call(scan_chunk), _chunks(coverage, total, size), n_jobs=n_jobs,
                   backend=backend, scheduler=scheduler, batch_size=1)
    with progress_bar(total, label, enabled=progress is not False, force=progress is True,
                      unit=unit, initial=coverage.size) as bar:
        try:
            for chunk in results:
                if chunk.found is not None:
                    tried, skipped = coverage.counts_below(chunk.start)
                    return ScanOutcome(chunk, tried + chunk.tried, skipped + chunk.skipped,
                                       coverage, total)
                coverage.add(chunk.start, chunk.stop, tried=chunk.tried, skipped=chunk.skipped)
                bar.update(chunk.stop - chunk.start)
                if checkpoint is not None:
                    checkpoint.save(coverage)
        except KeyboardInterrupt:
            results.close()   # stop the workers before anything is written
            raise Interrupted(label, coverage, total,
                              checkpoint.path if checkpoint else None) from None
        finally:
            results.close()
            if checkpoint is not None:
                checkpoint.save(coverage, force=True)
    tried, skipped = coverage.counts_below(total)
    return ScanOutcome(None, tried, skipped, coverage, total)


def _chunks(coverage: Coverage, total: int, size: int) -> Iterator[tuple[int, int]]:
    """The uncovered ranges of [0, total), cut into pieces of at most ``size``, in order."""
    for start, stop in list(coverage.gaps(total)):
        for a in range(start, stop, size):
            yield a, min(a + size, stop)


class _Call:
    """``scan_chunk`` on a (start, stop) task (picklable when ``scan_chunk`` is)."""

    def __init__(self, scan_chunk: Callable[[int, int], ChunkResult]):
        self.scan_chunk = scan_chunk

    def __call__(self, task: tuple[int, int]) -> ChunkResult:
        return self.scan_chunk(*task)
