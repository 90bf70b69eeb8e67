"""Run a batch: people rows in, one attributable poster set per person out.

::

    parts = find_parts(--people)                   # a file, a folder or glob of parts; local or a URL
    for partition of rows (streamed, stable id)    # CSV, XLSX, JSON Lines, Parquet
        submit run_partition(config, partition)    # batch/partition.py: local processes or Dask
            prepare, skip unchanged, render, write posters/<shard>/<id>-…   (atomic per object)
            write .postergen/parts/…/<pid>.jsonl   # the partition's rows and input hashes
        as partitions finish, in row order:
            journal them (a local folder); append people.csv / failed.csv rows
    people.csv and failed.csv (and people.parquet) replace the old ones when the run ends

The destination is a local folder or any fsspec URL (:mod:`postergen.store`).  A row's
problem never stops the others; a crash or ``kill -9`` loses no finished row (the
journal in a local folder, the partitions' state parts on a store) and leaves no partial
file or object.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import asdict
from pathlib import Path
from typing import Callable, Iterator

from .. import __version__
from ..errors import Problem, SpecError
from ..writer import sync_folder
from .model import (  # noqa: F401 - the public API of batch.run
    CHUNK, EXTENSIONS, rows_per_partition, FAILED_FIELDS, PEOPLE_FIELDS, STATE_DIR, BatchOptions, BatchSummary, RowResult,
)
from .person import Target


# --------------------------------------------------------------------------- planning


def resolve_target(loaded, options: BatchOptions, environ=None) -> tuple[Target, bytes, list[Problem]]:
    """The channel, variant and posters of a batch, the campaign secret, and warnings.

    Raises :class:`SpecError` for an unknown channel, variant, template, size or format."""
    from ..checks import check_tracking
    from ..codes import secret_for
    from ..jobs import codes_for
    from ..spec import parse_size

    problems = [p for p in check_tracking(loaded, environ)]
    if any(p.severity == "error" for p in problems):
        raise SpecError(problems)
    names = [name for name, _, _, _ in loaded.variant_list()]
    variant = options.variant or names[0]
    if variant not in names:
        raise SpecError([_choice("variant", variant, names, "--variant")])
    channels = [c.id for c in loaded.spec.channels]
    channel = options.channel or (channels[0] if channels else "")
    if channel and channel not in channels:
        raise SpecError([_choice("channel", channel, channels, "--channel")])
    v = loaded.variant(variant, channel)  # the channel's own spec (its medium and `set`)
    rows, _ = codes_for(loaded, environ)
    row = next((r for r in rows if r.channel == channel and r.variant == variant), None)
    channel_url = row.qr_url if row else v.spec.landing_url
    out = v.spec.output
    templates = list(options.templates or out.templates)
    for t in templates:
        if t not in v.templates:
            raise SpecError([_choice("template", t, list(v.templates), "--template")])
    formats = list(options.formats or [f for f in out.formats if f != "pdf"])
    for f in formats:
        if f not in EXTENSIONS:
            raise SpecError([_choice("format", f, list(EXTENSIONS), "--format")])
    posters = []
    for size in options.sizes or out.sizes:
        try:
            w, h = parse_size(size)
        except ValueError as exc:
            raise SpecError([Problem(f"--size {size}: {exc}")]) from None
        for t in templates:
            for f in formats:
                posters.append((t, w, h, f))
    if not posters:
        raise SpecError([Problem("nothing to render: give at least one --template, --size and --format")])
    secret, _ = secret_for(loaded.spec, environ)
    target = Target(variant if loaded.variants or rows else "", channel, channel_url, tuple(posters))
    return target, secret, problems


def _choice(what: str, value: str, choices: list[str], flag: str) -> Problem:
    import difflib

    near = difflib.get_close_matches(value, choices, n=1)
    hint = f"did you mean '{near[0]}'? " if near else ""
    return Problem(f"{flag} {value}: no such {what}; {hint}choose one of: {', '.join(choices) or '(none)'}")


# --------------------------------------------------------------------------- the driver


def batch(
    spec,
    people,
    out,
    options: BatchOptions | None = None,
    *,
    environ: dict | None = None,
    progress: Callable[[RowResult], None] | None = None,
    storage_options: dict | None = None,
) -> Iterator[RowResult]:
    """Render one poster set per row of the people file *people* into *out*.

    *people* is a file, a folder or a glob of parts (CSV, XLSX, JSON Lines, Parquet),
    local or an fsspec URL; *out* is a folder or an fsspec URL (``s3://bucket/prefix``).
    *storage_options* go to fsspec for both (e.g. an S3 endpoint); credentials otherwise
    come from the store's usual environment.  With ``options.scheduler`` the partitions
    run on that Dask cluster, else on local worker processes.

    A generator: it yields each row's :class:`RowResult` in file order as rows finish,
    writing posters, the resume state, ``people.csv`` and ``failed.csv`` as it goes; its
    return value (``StopIteration.value``, or use :func:`run_batch`) is the
    :class:`BatchSummary`.  Raises :class:`SpecError` / ``PeopleFileError`` /
    ``StoreError`` before any row when nothing can run."""
    from ..loader import Loaded, load_campaign
    from ..store import open_store
    from .sources import find_parts, read_people

    options = options or BatchOptions()
    if options.partition_rows is not None and options.partition_rows < 1:
        raise SpecError([Problem(f"partition_rows must be at least 1, not {options.partition_rows}")])
    loaded = spec if isinstance(spec, Loaded) else load_campaign(spec)
    target, secret, problems = resolve_target(loaded, options, environ)  # fails early, before any file
    store = open_store(out, storage_options)
    out = store.local if store.local is not None else store.url
    summary = BatchSummary(out=out, problems=problems)
    parts = find_parts(people, storage_options)
    rows = read_people(parts, options, storage_options, summary.problems)
    first = next(rows, None)  # opens and checks the first people file before anything is written
    pool = journal = manifest = None
    ok = False
    claim = contextlib.ExitStack()
    try:
        config = _config(loaded, target, secret, options, store, storage_options, parts)
        pool = _pool(options, config, loaded)  # an unreachable scheduler fails here, before any row
        if store.local is not None:
            from ..writer import output_lock

            # after the workers are forked, so that only this process holds the lock
            claim.enter_context(output_lock(store.local))
        _prepare(store)
        if store.local is not None:
            from .journal import Journal

            journal = Journal(store.local / STATE_DIR / "batch.sqlite")
        from .outputs import Manifest

        manifest = Manifest(store, with_file=len(parts) > 1, parquet=options.parquet)
        pending: list = []
        per = rows_per_partition(options, len(target.posters))
        for partition in _partitions(first, rows, per, parts, journal):
            if not pool.remote:
                pool.prefetch([p.avatar for p in partition.rows if getattr(p, "avatar", "")])
            pending.append(pool.submit(partition))
            summary.partitions += 1
            while len(pending) > pool.slots:
                yield from _finish(pending.pop(0), journal, manifest, summary, progress)
        while pending:
            yield from _finish(pending.pop(0), journal, manifest, summary, progress)
        ok = True
    finally:
        rows.close()
        if pool is not None:
            pool.close()
        if journal is not None:
            journal.close()
        if manifest is not None:
            manifest.close(commit=ok)
        claim.close()
    return summary


def run_batch(*args, **kwargs) -> BatchSummary:
    """:func:`batch`, run to the end; returns the summary."""
    gen = batch(*args, **kwargs)
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value


def _config(loaded, target: Target, secret: bytes, options: BatchOptions, store, storage_options, parts):
    """The :class:`~.partition.RunConfig` every partition of this run shares."""
    from ..pipeline import spec_hash
    from .partition import RunConfig

    fingerprint = hashlib.sha256("\x1f".join((spec_hash(loaded), options.fingerprint(), __version__)).encode()).hexdigest()
    v = loaded.variant(target.variant) if target.variant else loaded
    bundle, digest = None, ""
    if options.scheduler:
        from .bundle import pack

        exclude = tuple(p for p in (store.local, *(Path(x.location).parent for x in parts if "://" not in x.location)) if p)
        bundle, digest = pack(loaded.base, exclude=exclude)
    cache = str(store.local / STATE_DIR) if store.local is not None and not options.scheduler else None
    token = hashlib.sha256("\x1f".join((fingerprint, str(loaded.path), store.url, digest, target.channel_url)).encode()).hexdigest()
    return RunConfig(
        campaign=str(loaded.path), target=target, secret=secret, fingerprint=fingerprint, quality=v.spec.output.quality,
        png_level=v.spec.output.png_level,
        out=str(store.local) if store.local is not None else store.url, options=options,
        storage_options=dict(storage_options or {}), cache_dir=cache, journal=store.local is not None,
        bundle=bundle, bundle_digest=digest, spec_name=loaded.path.relative_to(loaded.base).as_posix(), token=token,
    )


def _pool(options: BatchOptions, config, loaded):
    if options.scheduler:
        from .executors import DaskPool

        return DaskPool(options.scheduler, config)
    from .executors import LocalPool

    from ..procpool import cores

    return LocalPool(options.jobs or cores(), config, loaded)


def _prepare(store) -> None:
    """Make sure the destination can be written before any row is rendered."""
    import json
    import time

    from ..store import StoreError

    if store.local is not None:
        from ..writer import clean_temp_files

        clean_temp_files(store.local)  # an interrupted run's temporary files (ours only)
    info = {"postergen": __version__, "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    try:
        store.write(f"{STATE_DIR}/batch.json", json.dumps(info).encode())
    except OSError as exc:
        raise StoreError(f"cannot write to {store.show()} ({type(exc).__name__}: {exc}); check that the folder or "
                         "bucket exists and that the store's credentials (its usual environment variables or "
                         "config file) allow writing there") from None


def _partitions(first, rows, size: int, parts, journal) -> Iterator:
    """Partitions of *size* rows, never across people files, with ids stable for the same input."""
    from .partition import Partition

    index: dict = {}  # part → partitions so far
    chunk: list = []
    current = None

    def make(part, entries):
        k = index.get(part.name, 0)
        index[part.name] = k + 1
        pid = f"{part.key}-{k:06d}" if part.key else f"{k:06d}"
        previous = None
        if journal is not None:
            previous = {p.id: prev for p in entries if getattr(p, "digest", None) and (prev := journal.get(p.id))}
        return Partition(pid, part.base, entries, previous, part.name if part.key else "")

    if first is None:
        return
    for part, entry in _chain(first, rows):
        if current is not None and (part is not current or len(chunk) >= size):
            yield make(current, chunk)
            chunk = []
        current = part
        chunk.append(entry)
    if chunk:
        yield make(current, chunk)


def _chain(first, rest):
    yield first
    yield from rest


def _finish(future, journal, manifest, summary: BatchSummary, progress):
    result = future.result()
    summary.cpu_seconds += result.cpu
    finished = []
    for row, input_hash in result.results:
        summary.rows += 1
        if row.status == "failed":
            summary.failed += 1
        else:
            setattr(summary, row.status, getattr(summary, row.status) + 1)
            summary.posters += len(row.paths)
            finished.append((row.id, input_hash, asdict(row)))
        summary.warnings += len(row.warnings)
        manifest.write(row)
        if progress:
            progress(row)
        yield row
    if journal is not None and finished:
        sync_folder(journal.path.parent)  # the posters reach the disk before the journal says they are done
        journal.put_many(finished)
