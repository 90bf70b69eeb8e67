"""Worker processes on this machine, shared by ``build`` and ``batch``.

:func:`fork_pool` starts a :class:`~concurrent.futures.ProcessPoolExecutor` whose
workers are *forked*: they inherit what this process has loaded (the campaign, its fonts,
templates and images) and start in milliseconds.  Call it before this process starts
threads of its own.  Where fork is missing (not Linux/macOS) the workers are spawned and
*initargs* are pickled.  :func:`cores` is the default number of workers.
"""

from __future__ import annotations

import gc
import os


def cores() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _die_with(parent: int) -> None:
    """Make this worker die when the process that started it dies (Linux).

    A worker that outlived a ``kill -9`` of its parent would keep writing into the output
    folder and keep holding its lock (the ``flock`` is shared with every forked process),
    so the next run would find the folder busy."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: nothing to ask for
        return
    if os.getppid() != parent:  # the parent died before prctl: exit now
        os._exit(1)


def _start(parent: int, initializer, initargs: tuple) -> None:
    _die_with(parent)
    if initializer is not None:
        initializer(*initargs)


def fork_pool(jobs: int, initializer=None, initargs: tuple = ()):
    """A pool of *jobs* worker processes, every one started now; they die with this one."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    fork = "fork" in multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if fork else "spawn")
    executor = ProcessPoolExecutor(
        max(1, jobs), mp_context=ctx, initializer=_start, initargs=(os.getpid(), initializer, initargs)
    )
    # What this process has made (the campaign, fonts, templates, images) outlives the
    # workers: frozen, the workers' garbage collector never walks it, so it is not copied
    # page by page into every worker (copy-on-write) for nothing.
    gc.freeze()
    try:
        executor.submit(int).result()  # launches every worker now
    finally:
        gc.unfreeze()
    return executor
