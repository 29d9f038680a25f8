"""parallel_map and imap: task order, refusals, BLAS pinned in the workers, cancellation."""

import os

import pytest
from threadpoolctl import threadpool_info

from relugeom.errors import InputError
from relugeom.parallel import imap, parallel_map


def blas_threads(_):
    """(pid, the largest BLAS thread count) in the process that runs it."""
    return os.getpid(), max((lib["num_threads"] for lib in threadpool_info()
                             if lib["user_api"] == "blas"), default=1)


def square_and_mark(task):
    """k², leaving a file named k in the folder: which tasks ran."""
    import time
    folder, k = task
    open(os.path.join(folder, str(k)), "w").close()
    time.sleep(0.05)
    return k * k


def test_results_in_task_order_whatever_ran_where():
    tasks = list(range(-20, 20))
    assert parallel_map(abs, tasks, n_jobs=2) == parallel_map(abs, tasks) == list(map(abs, tasks))


@pytest.mark.parametrize("n_jobs", [0, -2, 1.5, True, "2"])
def test_bad_job_counts_are_refused(n_jobs):
    with pytest.raises(InputError, match="n_jobs"):
        parallel_map(abs, [1], n_jobs=n_jobs)


def test_unknown_backend_is_refused():
    with pytest.raises(InputError, match="unknown parallel backend 'ray'"):
        parallel_map(abs, [1], n_jobs=2, backend="ray")


def test_blas_is_pinned_in_the_workers():
    cores = os.cpu_count() or 1
    results = parallel_map(blas_threads, range(8), n_jobs=2)
    assert {pid for pid, _ in results} != {os.getpid()}        # they ran in workers
    assert all(threads <= max(1, cores // 2) for _, threads in results), results


def test_leaving_the_loop_cancels_what_is_left(tmp_path):
    seen = []
    results = imap(square_and_mark, ((str(tmp_path), k) for k in range(200)), n_jobs=2,
                   batch_size=1)
    for value in results:
        seen.append(value)
        if len(seen) == 3:
            break
    results.close()
    assert seen == [0, 1, 4]
    started = len(os.listdir(tmp_path))
    assert 3 <= started <= 20        # the tasks dispatched ahead, not the 200
