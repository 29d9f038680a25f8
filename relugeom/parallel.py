"""Run independent tasks on all cores of one machine (joblib) or on a Dask cluster.

:func:`parallel_map` is the one execution layer of the package: the search, the sampling
repeats and the experiment sweeps hand it a function and a list of tasks and get the results
back in task order, whatever ran where. ``n_jobs=1`` (the default) runs in this process, with
no extra dependency; otherwise joblib (extra ``parallel``) runs the tasks on its loky process
pool, or on Dask distributed when ``backend="dask"``.

>>> parallel_map(abs, [-2, 3, -5])
[2, 3, 5]
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from .errors import InputError

#: The pip command that installs what ``n_jobs != 1`` needs.
INSTALL = "pip install 'relugeom[parallel]'"

BACKENDS = ("loky", "dask")


def parallel_map(function: Callable[[Any], Any], tasks: Iterable[Any], *, n_jobs: int = 1,
                 backend: str | None = None, scheduler: str | None = None) -> list:
    """``[function(t) for t in tasks]``, the tasks run on ``n_jobs`` workers.

    ``n_jobs = -1`` uses every core; ``backend`` is ``"loky"`` (processes on this machine,
    the default) or ``"dask"`` (a Dask distributed cluster at ``scheduler``, e.g.
    ``"tcp://host:8786"``, or a local one). ``function`` and the tasks must be picklable when
    ``n_jobs != 1``. The results are in task order.
    """
    tasks = list(tasks)
    if backend is not None and backend not in BACKENDS:
        raise InputError(f"unknown parallel backend {backend!r}: choose one of {BACKENDS}")
    if n_jobs == 0 or not isinstance(n_jobs, int) or n_jobs < -1:
        raise InputError(f"n_jobs must be a positive whole number or -1 (all cores), "
                         f"got {n_jobs!r}")
    if n_jobs == 1 and backend is None:
        return [function(task) for task in tasks]
    try:
        import joblib
    except ImportError:
        raise InputError(f"running on several workers needs joblib: {INSTALL}") from None
    if backend == "dask":
        with dask_client(scheduler):
            with joblib.parallel_config(backend="dask"):
                return joblib.Parallel(n_jobs=n_jobs)(joblib.delayed(function)(t)
                                                      for t in tasks)
    return joblib.Parallel(n_jobs=n_jobs, backend="loky")(joblib.delayed(function)(t)
                                                          for t in tasks)


def dask_client(scheduler: str | None) -> Any:
    """A Dask distributed client: connected to ``scheduler``, or to a new local cluster."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise InputError(f"the dask backend needs dask.distributed: {INSTALL}") from None
    return Client(scheduler) if scheduler else Client(processes=True)
