"""``--threads N`` for the benchmarks: it must act before numpy loads its BLAS, so a benchmark
imports this module first and calls :func:`set_threads` before importing numpy."""

import os


def set_threads(argv: list[str]) -> None:
    """Pin the BLAS threads to the value after ``--threads`` in ``argv`` (if any)."""
    if "--threads" in argv[:-1]:
        value = argv[argv.index("--threads") + 1]
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[name] = value
