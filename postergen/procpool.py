"""Worker processes on this machine, shared by ``build`` and ``batch``.

:func:`fork_pool` starts a :class:`~concurrent.futures.ProcessPoolExecutor` whose
workers are *forked*: they inherit what this process has loaded (the campaign, its fonts,
templates and images) and start in milliseconds.  Call it before this process starts
threads of its own.  Where fork is missing (not Linux/macOS) the workers are spawned and
*initargs* are pickled.  :func:`cores` is the default number of workers.
"""

from __future__ import annotations

import os


def cores() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def fork_pool(jobs: int, initializer=None, initargs: tuple = ()):
    """A pool of *jobs* worker processes, every one started now."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    fork = "fork" in multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if fork else "spawn")
    executor = ProcessPoolExecutor(max(1, jobs), mp_context=ctx, initializer=initializer, initargs=initargs)
    executor.submit(int).result()  # launches every worker now
    return executor
