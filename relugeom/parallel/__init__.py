"""One execution layer: independent tasks on all cores (joblib), then on a cluster (Dask).

- :mod:`~relugeom.parallel.pool`: :func:`parallel_map` and :func:`imap` — results in task
  order, on ``n_jobs`` loky worker processes or a Dask distributed cluster, BLAS pinned in the
  workers;
- :mod:`~relugeom.parallel.chunks`: :func:`scan_in_order` — an index range scanned in ordered
  chunks that stops at the first find (the same find as a serial scan), with one progress bar,
  Ctrl-C reporting what was covered (:class:`Interrupted`) and checkpoints;
- :mod:`~relugeom.parallel.ranges`: covered index ranges (:class:`Coverage`) and the
  checkpoint file (:class:`Checkpoint`) a killed run resumes from.

``n_jobs=1`` (the default) runs everything in this process, with no extra dependency; more
workers need the extra ``parallel`` (joblib; ``dask[distributed]`` for a cluster).

>>> parallel_map(abs, [-2, 3, -5])
[2, 3, 5]
"""

from .chunks import ChunkResult, Interrupted, ScanOutcome, scan_in_order
from .pool import BACKENDS, INSTALL, check_jobs, dask_client, imap, parallel_map, workers
from .ranges import Checkpoint, Coverage

__all__ = ["BACKENDS", "INSTALL", "Checkpoint", "ChunkResult", "Coverage", "Interrupted",
           "ScanOutcome", "check_jobs", "dask_client", "imap", "parallel_map",
           "scan_in_order", "workers"]
