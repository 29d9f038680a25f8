"""Independent tasks on all cores of one machine (joblib's loky processes) or on a Dask cluster.

:func:`parallel_map` and :func:`imap` take a function and tasks and give the results back in
task order, whatever ran where. ``n_jobs=1`` (the default) runs in this process and needs no
extra dependency; otherwise joblib (the extra ``parallel``) runs the tasks on its loky process
pool, or on Dask distributed with ``backend="dask"`` (``scheduler="tcp://host:8786"``, or a
local cluster started for the run).

In a worker, BLAS is pinned to (cores // workers) threads (one on a Dask worker, which may
share its machine with others), checked and set with threadpoolctl, so that ``n_jobs=2`` on
two cores does not run four BLAS threads; and Ctrl-C is left to the main process, which stops
the workers and reports what was covered.

>>> parallel_map(abs, [-2, 3, -5])
[2, 3, 5]
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import warnings
from typing import Any, Callable, Iterable, Iterator

from ..errors import InputError

#: The pip command that installs what ``n_jobs != 1`` needs.
INSTALL = "pip install 'relugeom[parallel]'"

BACKENDS = ("loky", "dask")


def check_jobs(n_jobs: Any, backend: Any = None) -> int:
    """``n_jobs`` if it is a whole number ≥ 1 or −1 (every core), else an InputError; the
    backend must be None or one of :data:`BACKENDS`."""
    if backend is not None and backend not in BACKENDS:
        raise InputError(f"unknown parallel backend {backend!r}: choose one of {BACKENDS}")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1:
        raise InputError(f"n_jobs (--jobs) must be a positive whole number or -1 (all cores), "
                         f"got {n_jobs!r}")
    return n_jobs


def workers(n_jobs: int) -> int:
    """How many workers ``n_jobs`` asks for on this machine (−1: every core)."""
    return n_jobs if n_jobs > 0 else os.cpu_count() or 1


def is_serial(n_jobs: int, backend: str | None) -> bool:
    """True when the tasks run in this process (one job, no backend named)."""
    return n_jobs == 1 and backend is None


def parallel_map(function: Callable[[Any], Any], tasks: Iterable[Any], *, n_jobs: int = 1,
                 backend: str | None = None, scheduler: str | None = None) -> list:
    """``[function(t) for t in tasks]``, the tasks run on ``n_jobs`` workers.

    ``n_jobs = -1`` uses every core; ``backend`` is ``"loky"`` (processes on this machine,
    the default) or ``"dask"`` (a Dask distributed cluster at ``scheduler``, e.g.
    ``"tcp://host:8786"``, or a local one; giving ``scheduler`` implies ``"dask"``).
    ``function`` and the tasks must be picklable when they leave this process. The results
    are in task order. Cost: the tasks, plus about a second to start the loky pool the first
    time (it is reused) and a few milliseconds per batch of tasks.
    """
    return list(imap(function, tasks, n_jobs=n_jobs, backend=backend, scheduler=scheduler))


def imap(function: Callable[[Any], Any], tasks: Iterable[Any], *, n_jobs: int = 1,
         backend: str | None = None, scheduler: str | None = None,
         batch_size: int | str = "auto") -> Iterator[Any]:
    """The results of ``function`` on ``tasks`` in task order, as they come.

    ``tasks`` is consumed lazily (a few per worker ahead); leaving the loop, or closing the
    iterator, cancels the tasks not yet finished. Options as :func:`parallel_map`;
    ``batch_size`` goes to joblib (1: every task is sent alone, for long tasks).
    """
    backend = "dask" if scheduler else backend
    check_jobs(n_jobs, backend)
    if is_serial(n_jobs, backend):
        yield from (function(task) for task in tasks)
        return
    try:
        import joblib
    except ImportError:
        raise InputError(f"running on several workers needs joblib: {INSTALL}") from None
    call = _InWorker(function, 1 if backend == "dask" else
                     max(1, (os.cpu_count() or 1) // workers(n_jobs)))
    with contextlib.ExitStack() as stack:
        if backend == "dask":
            stack.enter_context(dask_client(scheduler, workers(n_jobs)))
            stack.enter_context(joblib.parallel_config(backend="dask"))
        else:
            stack.enter_context(joblib.parallel_config(backend="loky",
                                                       initializer=ignore_interrupts))
        parallel = joblib.Parallel(n_jobs=n_jobs, return_as="generator", batch_size=batch_size)
        results = parallel(joblib.delayed(call)(task) for task in tasks)
        try:
            for result in results:   # not ``yield from``: it would close results unsilenced
                yield result
        finally:
            with warnings.catch_warnings():   # "N tasks ... have been cancelled": we meant it
                warnings.simplefilter("ignore", UserWarning)
                results.close()


def dask_client(scheduler: str | None, n_workers: int | None = None) -> Any:
    """A Dask distributed client: connected to ``scheduler``, or to a new local cluster of
    ``n_workers`` single-threaded worker processes (no dashboard, warnings silenced)."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise InputError(f"the dask backend needs dask.distributed: {INSTALL}") from None
    if scheduler:
        try:
            return Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(f"cannot reach the Dask scheduler {scheduler!r}: {exc}") from None
    return Client(processes=True, n_workers=n_workers, threads_per_worker=1,
                  dashboard_address=None, silence_logs=logging.ERROR)


def ignore_interrupts() -> None:
    """Start of a loky worker: Ctrl-C reaches every process of the terminal's group, but only
    the main process handles it (it stops the pool and reports what was covered)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


#: The BLAS thread limit this process was pinned to (in a worker), so it is set once.
_PINNED: list = []


class _InWorker:
    """``function`` as a worker runs it, BLAS pinned to ``threads`` threads."""

    def __init__(self, function: Callable[[Any], Any], threads: int):
        self.function = function
        self.threads = threads
        self.parent = os.getpid()

    def __call__(self, task: Any) -> Any:
        if os.getpid() != self.parent and _PINNED != [self.threads]:
            from threadpoolctl import threadpool_limits
            threadpool_limits(limits=self.threads)
            _PINNED[:] = [self.threads]
        return self.function(task)
