"""The unit of work of a batch: render one partition of rows and write it to the destination.

::

    run_partition(config, partition) -> PartitionResult      # pure in its inputs
        previous results: from the partition (the driver's local journal), or read back
                          from the destination's state part .postergen/parts/…/<pid>.jsonl
        for each row:     prepare (nickname, avatar, code, URL)        # batch/person.py
                          skip when its input hash matches the previous result
                          render each template × size × format         # postergen/render.py
                          store.write(posters/<shard>/<id>-…)          # atomic per object
        store.write(.postergen/parts/…/<pid>.jsonl)                    # the partition's rows, whole
        return the rows' results (small)

The local process pool (:mod:`.executors`) and a Dask worker call this same function.
Everything it writes is keyed by the person id or the partition id and overwritten whole,
and a poster's bytes depend only on its inputs, so a partition that runs twice (a retry
after a worker died) leaves exactly what one run leaves.  Per-process state — the
campaign, the renderer with its static-layer cache, the avatars — is built on a
worker's first partition and reused (:func:`worker_for`).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import PostergenError
from .model import EXTENSIONS, STATE_DIR, BatchOptions, RowResult
from .names import poster_path
from .person import PersonalPoster, RowProblem, Target, file_digest

if TYPE_CHECKING:
    from ..render import PosterRenderer
    from ..jpegstrips import StripEncoder


@dataclass(frozen=True)
class RunConfig:
    """What every partition of one batch shares; built by the driver, sent to workers once."""

    campaign: str  # the spec file on the client's disk
    target: Target
    secret: bytes
    fingerprint: str  # spec, options and postergen version: part of every row's input hash
    quality: int
    out: str  # a folder or an fsspec URL
    options: BatchOptions
    storage_options: dict = field(default_factory=dict)
    cache_dir: str | None = None  # avatars and placeholders; None: this machine's temporary folder
    journal: bool = True  # previous results arrive with each partition (a local destination)
    bundle: bytes | None = None  # the campaign folder, zipped, for workers on other machines
    bundle_digest: str = ""
    spec_name: str = "campaign.yaml"  # the spec's path inside the bundle
    token: str = ""  # names this configuration in a worker's cache
    png_level: int = 1  # output.png_level

    def cache_folder(self) -> Path:
        if self.cache_dir:
            return Path(self.cache_dir)
        key = hashlib.sha256(self.out.encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / "postergen-cache" / key


@dataclass
class Partition:
    """Rows of one people file, in file order, with a stable id."""

    pid: str
    base: str  # the folder (or URL prefix) avatar paths are relative to
    rows: list  # Person | RowError
    previous: dict | None = None  # id → (input hash, result dict), from the driver's journal
    file: str = ""  # the people file's name, when a batch reads several


@dataclass
class PartitionResult:
    pid: str
    results: list[tuple[RowResult, str]]  # (result, input hash) per row, in order
    seconds: float = 0.0  # wall time of the partition on its worker
    cpu: float = 0.0  # CPU seconds the worker process spent on it
    host: str = ""


def part_path(pid: str) -> str:
    """Where a partition's state part lives: at most 1,000 parts a folder."""
    return f"{STATE_DIR}/parts/{pid[:-3] or '0'}/{pid}.jsonl"


def run_partition(config: RunConfig, partition: Partition) -> PartitionResult:
    """Render *partition*'s rows into ``config.out``; the unit of work (see the module docstring)."""
    from .people import RowError

    started, cpu = time.perf_counter(), time.process_time()
    worker = worker_for(config)
    if config.journal:
        previous = partition.previous or {}
    else:
        previous = worker.read_state(partition.pid)
    person = worker.person_for(partition.base)
    worker.prefetch(person.avatars, [p.avatar for p in partition.rows if not isinstance(p, RowError) and p.avatar])
    results: list[tuple[RowResult, str]] = []
    for entry in partition.rows:
        if isinstance(entry, RowError):
            result, input_hash = RowResult(entry.row, entry.id, "failed", column=entry.column, reason=entry.message), ""
        else:
            result, input_hash = worker.one(person, entry, previous.get(entry.id))
        result.file = partition.file
        results.append((result, input_hash))
    worker.write_state(partition.pid, results)
    return PartitionResult(partition.pid, results, time.perf_counter() - started, time.process_time() - cpu,
                           f"{socket.gethostname()}:{os.getpid()}")


# --------------------------------------------------------------------------- per-process state

_WORKERS: dict[str, "Worker"] = {}
INHERITED = None  # the driver's loaded campaign, in forked local workers and in the driver itself


def worker_for(config: RunConfig) -> "Worker":
    worker = _WORKERS.get(config.token)
    if worker is None:
        if len(_WORKERS) >= 2:
            _WORKERS.pop(next(iter(_WORKERS))).close()
        worker = _WORKERS[config.token] = Worker(config)
    return worker


def forget_workers() -> None:
    while _WORKERS:
        _WORKERS.popitem()[1].close()


class Worker:
    """One process's campaign, renderer (with its caches), store and avatars for a batch."""

    def __init__(self, config: RunConfig):
        from ..loader import load_campaign
        from ..store import open_store

        self.config = config
        if INHERITED is not None and str(INHERITED.path) == config.campaign and config.bundle is None:
            self.loaded = INHERITED
        elif config.bundle is not None:
            from .bundle import unpack

            self.loaded = load_campaign(unpack(config.bundle, config.bundle_digest) / config.spec_name)
        else:
            self.loaded = load_campaign(config.campaign)
        self.store = open_store(config.out, config.storage_options)
        self.cache = config.cache_folder()
        self._local = threading.local()  # a renderer per thread: it paints posters in place
        self._people: dict[str, PersonalPoster] = {}

    def painter(self) -> tuple[PosterRenderer, StripEncoder]:
        """This thread's renderer and JPEG encoder: a Dask worker may run partitions on
        several threads, and a renderer paints every poster on one canvas per template
        and size."""
        local = self._local
        if not hasattr(local, "renderer"):
            from ..render import PosterRenderer
            from ..jpegstrips import StripEncoder

            # Every row goes through every template and size in turn: a cache smaller than
            # their number would drop each base just before it is needed again (with the
            # example's 3 templates × 4 sizes, every poster painted and encoded its base
            # anew).  Memory grows with the templates and sizes, never with the rows.
            bases = max(8, len({(t, w, h) for t, w, h, _ in self.config.target.posters}))
            local.renderer = PosterRenderer(self.loaded, cache_size=bases, reuse_mask=True, in_place=True)
            local.strips = StripEncoder(size=bases)
        return local.renderer, local.strips

    def person_for(self, base: str) -> PersonalPoster:
        """The row preparer for people files in *base* (avatar paths are relative to it)."""
        person = self._people.get(base)
        if person is None:
            opts = self.config.options
            if "://" in base:
                from .storeavatars import StoreAvatars

                avatars = StoreAvatars(base, self.cache / "avatars", storage_options=self.config.storage_options,
                                       allow_remote=opts.remote_avatars)
            else:
                from .avatars import Avatars

                if not Path(base).is_dir():
                    raise PostergenError(
                        f"the people file's folder {base} is not on this worker ({socket.gethostname()}); with a "
                        "cluster, give the people file as a URL (s3://…) or put it on storage every worker mounts")
                avatars = Avatars(Path(base), self.cache / "avatars", allow_remote=opts.remote_avatars)
            person = self._people[base] = PersonalPoster(
                self.loaded, self.config.target, self.config.secret, avatars, self.cache / "placeholders",
                unknown_glyphs=opts.unknown_glyphs, avatar_required=opts.avatar_required,
            )
        return person

    @staticmethod
    def prefetch(avatars, values: list[str]) -> None:
        """Fetch the partition's avatar URLs concurrently (each is then a cache hit)."""
        from .avatars import looks_like_url

        urls = [v for v in values if looks_like_url(v.strip())]
        if urls:
            avatars.prefetch(urls)

    def one(self, person: PersonalPoster, p, previous) -> tuple[RowResult, str]:
        from ..writer import sha256

        try:
            prepared = person.prepare(p.id, p.nickname, p.avatar, p.fields)
        except RowProblem as exc:
            return RowResult(p.row, p.id, "failed", column=exc.column, reason=str(exc)), ""
        input_hash = hashlib.sha256(
            "\x1f".join((p.digest, file_digest(prepared.avatar), self.config.fingerprint, prepared.url)).encode()
        ).hexdigest()
        if previous and previous[0] == input_hash and previous[1].get("status") in ("written", "unchanged"):
            old = previous[1]
            # A local folder is checked; on an object store the state part is written only
            # after the row's posters, so the part vouches for them.
            local = self.store.local
            if local is None or all((local / path).is_file() for path in old["paths"]):
                return RowResult(p.row, p.id, "unchanged", old["code"], old["url"], old["paths"], old["sha256"],
                                 old["warnings"]), input_hash
        result = RowResult(p.row, p.id, "written", prepared.code, prepared.url, warnings=list(prepared.warnings))
        t = self.config.target
        renderer, strips = self.painter()
        try:
            done: dict = {}
            for template, w, h, fmt in t.posters:
                rendered = done.get((template, w, h))
                if rendered is None:
                    rendered = renderer.render(t.variant, template, w, h, prepared.url, prepared.extra, channel=t.channel)
                    done[(template, w, h)] = rendered
                    result.warnings.extend(rendered.warnings)
                # A JPEG: only the blocks the personal layers changed are encoded.
                data = strips.poster(rendered, fmt, self.config.quality, self.config.png_level)
                path = poster_path(p.id, template, f"{w}x{h}", EXTENSIONS[fmt])
                digest = sha256(data)
                self._write(path, data, digest)
                result.paths.append(path)
                result.sha256.append(digest)
        except PostergenError as exc:
            column = "nickname" if "nickname" in str(exc) else ""
            return RowResult(p.row, p.id, "failed", prepared.code, prepared.url, column=column, reason=str(exc)), ""
        return result, input_hash

    def _write(self, rel: str, data: bytes, digest: str | None = None) -> None:
        from ..store import StoreError

        try:
            self.store.write(rel, data, digest)
        except PostergenError:
            raise  # already says which file and why
        except Exception as exc:  # a full disk, a missing bucket, denied credentials: the batch stops
            raise StoreError(
                f"cannot write {self.store.show(rel)} ({type(exc).__name__}: {exc}); check the destination and "
                "the store's credentials where the workers run") from None

    # ----------------------------------------------------------------------- state parts

    def read_state(self, pid: str) -> dict:
        """id → (input hash, result dict) from the partition's last state part."""
        from ..store import StoreError

        try:
            data = self.store.read(part_path(pid))
        except Exception as exc:  # the store's own errors: the batch stops with what to check
            raise StoreError(
                f"cannot read {self.store.show(part_path(pid))} ({type(exc).__name__}: {exc}); check the destination "
                "and the store's credentials where the workers run") from None
        previous = {}
        for line in (data or b"").splitlines():
            try:
                item = json.loads(line)
                previous[item["r"]["id"]] = (item["h"], item["r"])
            except (ValueError, KeyError, TypeError):
                return {}  # not ours or damaged: render the partition again
        return previous

    def write_state(self, pid: str, results: list[tuple[RowResult, str]]) -> None:
        lines = [json.dumps({"h": h, "r": asdict(r)}, ensure_ascii=False, separators=(",", ":")) for r, h in results]
        self._write(part_path(pid), ("\n".join(lines) + "\n").encode("utf-8"))

    def close(self) -> None:
        for person in self._people.values():
            person.avatars.close()
