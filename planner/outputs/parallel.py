"""Write many independent files across the machine's cores, deterministically.

The team workbooks (one per team, 400 at organisation scale) are independent of each
other: each is written by the same function from the same plan, so a pool of forked
worker processes can write them side by side. Every file's name and content are fixed
before any worker starts (the names are chosen in order in the parent), so the files
are the same whichever worker writes them and in whatever order they finish.

Workers are forked (they inherit the plan without pickling it); the parent's objects are
frozen out of the garbage collector meanwhile (``gc.freeze``), so a worker's collections
do not touch, and so copy, the memory pages it shares with the parent. Where forking is not
available, for a handful of files, when ``PLANNER_WORKERS=1``, or when other Python
threads run beside this one (a fork would copy their locks: the what-if page plans in a
background thread), the files are written in this process, one after the other.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Final

#: Environment variable that caps the worker processes (1: write in this process).
WORKERS_ENV: Final = "PLANNER_WORKERS"
#: Fewer files than this are written in this process (a pool costs more than it saves).
MIN_PARALLEL: Final = 8

_JOBS: tuple[Callable[[int], Any], int] | None = None  # set in the parent before forking

def worker_count(jobs: int) -> int:
    """Worker processes for ``jobs`` files: the usable cores, capped by ``PLANNER_WORKERS``.

    Examples
    --------
    >>> worker_count(3)
    1
    """
    if jobs < MIN_PARALLEL or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if threading.current_thread() is not threading.main_thread() or threading.active_count() > 1:
        return 1  # forking beside other Python threads (planner serve) can deadlock a worker
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    limit = os.environ.get(WORKERS_ENV, "").strip()
    if limit.isdigit() and int(limit) > 0:
        cores = min(cores, int(limit))
    return max(1, min(cores, jobs))


def _run_chunk(first: int, last: int) -> int:
    """Write jobs ``first`` .. ``last - 1`` in a worker (forked with ``_JOBS`` set)."""
    assert _JOBS is not None
    write, _ = _JOBS
    for i in range(first, last):
        write(i)
    return last - first


def run_jobs(write: Callable[[int], Any], count: int,
             done: Callable[[int], None] | None = None, chunk: int = 10,
             beside: Callable[[], Any] | None = None) -> None:
    """Call ``write(i)`` for ``i`` in ``0 .. count - 1``, across cores when worthwhile.

    Parameters
    ----------
    write : callable
        Writes job ``i`` (its own file); its return value is ignored. It must not depend
        on any other job.
    count : int
        Number of jobs.
    done : callable, optional
        Called in this process with the number of jobs finished so far, as they finish.
    chunk : int
        Jobs per task handed to a worker.
    beside : callable, optional
        Work of this process done while the workers write (first, when there are no
        workers): what must not run in a forked process, such as DuckDB, which starts
        threads of its own. The workers are all forked before it starts.

    Raises
    ------
    Exception
        The first error a job or ``beside`` raised (the jobs not started are cancelled).
    """
    global _JOBS
    workers = worker_count(count)
    if workers == 1:
        if beside is not None:
            beside()
        for i in range(count):
            write(i)
            if done is not None:
                done(i + 1)
        return
    _JOBS = (write, count)
    finished = 0
    gc.freeze()  # the workers' collections then leave the inherited objects' pages shared
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    try:
        pending: set[Future[int]] = {pool.submit(_run_chunk, first, last)
                                     for first, last in chunks(count, chunk)}
        if beside is not None:  # the pool forks every worker on the first submit
            beside()
        while pending:
            complete, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in complete:
                finished += future.result()  # re-raises a job's error
                if done is not None:
                    done(finished)
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        _JOBS = None
        gc.unfreeze()


def chunks(count: int, size: int) -> Sequence[tuple[int, int]]:
    """``(first, last)`` ranges of ``size`` jobs covering ``0 .. count - 1``.

    Examples
    --------
    >>> list(chunks(5, 2))
    [(0, 2), (2, 4), (4, 5)]
    """
    return [(i, min(i + size, count)) for i in range(0, count, size)]
