"""Where partitions run: worker processes on this machine, or an existing Dask cluster.

Both take a :class:`~.partition.Partition` and hand back a future whose result is the
:class:`~.partition.PartitionResult` of :func:`~.partition.run_partition` — the same
function in both places.  :class:`LocalPool` forks its workers (they inherit the loaded
campaign and start in milliseconds), or with one job runs partitions in this process;
it also fetches the next partitions' avatar URLs here while the workers render.
:class:`DaskPool` connects to a ``dask.distributed`` scheduler, sends the run's
configuration (with the campaign folder, zipped) to every worker once, and submits one
task per partition; the scheduler re-runs a partition whose worker died.
"""

from __future__ import annotations

import uuid
from concurrent.futures import Future
from pathlib import Path

from ..errors import PostergenError
from . import partition as unit
from .partition import Partition, RunConfig, run_partition

_CONFIG: RunConfig | None = None


def _init(config: RunConfig) -> None:
    global _CONFIG
    _CONFIG = config


def _run_local(part: Partition):
    assert _CONFIG is not None
    return run_partition(_CONFIG, part)


class LocalPool:
    """*jobs* worker processes (or this process, with one job)."""

    remote = False

    def __init__(self, jobs: int, config: RunConfig, loaded):
        from .avatars import Avatars

        self.jobs = max(1, jobs)
        self.config = config
        self.slots = 2 * self.jobs
        unit.INHERITED = loaded
        if self.jobs == 1:
            self.executor = None
        else:
            from ..procpool import fork_pool

            # fork: the workers inherit the loaded campaign (fonts, templates, images) and
            # start in milliseconds; they are started here, before any thread of ours.
            self.executor = fork_pool(self.jobs, _init, (config,))
        self.avatars = Avatars(Path("."), config.cache_folder() / "avatars", allow_remote=config.options.remote_avatars)

    def prefetch(self, values: list[str]) -> None:
        """Fetch avatar URLs into the cache the workers read (concurrently, here)."""
        unit.Worker.prefetch(self.avatars, values)

    def submit(self, part: Partition) -> Future:
        if self.executor is None:
            f: Future = Future()
            try:
                f.set_result(run_partition(self.config, part))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                f.set_exception(exc)
            return f
        return self.executor.submit(_run_local, part)

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(cancel_futures=True)
        self.avatars.close()
        unit.forget_workers()
        unit.INHERITED = None


class DaskPool:
    """Partitions as tasks on the ``dask.distributed`` cluster whose scheduler is at *address*."""

    remote = True

    def __init__(self, address: str, config: RunConfig):
        try:
            from distributed import Client
        except ImportError:
            raise PostergenError("--scheduler needs dask.distributed: pip install 'postergen[scale]'") from None
        try:
            self.client = Client(address, set_as_default=False, timeout="30s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise PostergenError(
                f"cannot reach the Dask scheduler at {address} ({type(exc).__name__}: {exc}); check the address "
                "(tcp://HOST:8786) and that the scheduler is running, or run without --scheduler") from None
        try:
            self.client.wait_for_workers(1, timeout=120)
        except TimeoutError:
            self.client.close()
            raise PostergenError(f"the Dask scheduler at {address} has no workers (waited 2 minutes); start some "
                                 "with `dask worker {address}`") from None
        try:
            workers = self.client.scheduler_info(n_workers=-1)["workers"]
        except TypeError:  # distributed before 2025: every worker is listed
            workers = self.client.scheduler_info()["workers"]
        threads = sum(w.get("nthreads", 1) for w in workers.values()) or 1
        self.slots = 2 * threads + 2
        self.run = uuid.uuid4().hex[:8]
        # The configuration (campaign archive, secret, target) goes to every worker once.
        self.config = self.client.scatter(config, broadcast=True, hash=False)
        self.futures: list = []

    def prefetch(self, values: list[str]) -> None:
        """Workers fetch their partitions' avatars themselves."""

    def submit(self, part: Partition):
        future = self.client.submit(run_partition, self.config, part, key=f"postergen-{self.run}-{part.pid}", pure=False)
        self.futures.append(future)
        if len(self.futures) > 4 * self.slots:
            self.futures = [f for f in self.futures if not f.done()]
        return future

    def close(self) -> None:
        pending = [f for f in self.futures if not f.done()]
        if pending:
            self.client.cancel(pending)
        self.client.close()
