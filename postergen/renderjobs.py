"""Render a build's posters: in this process, or on every core.

The jobs to render are cut into *units* (the formats of one poster: variant, channel,
template and size; a print PDF is a unit of its own) and the units into *chunks* of one
template and size, so a worker paints a static base once and reuses it for the chunk
(and, since bases are cached by content, for every channel with the same spec).  With
``jobs`` > 1 the chunks go to forked worker processes (:func:`postergen.procpool.fork_pool`)
that render, check and write their posters and hand back an :class:`Outcome` per job —
never the bytes.  Outcomes come back per job index; ``pipeline.build`` records them in the
plan's order, so the manifest, warnings and failures are the same for any ``jobs``, and
every poster's bytes are the same too (each is painted from the same static base).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .errors import PostergenError
from .jobs import Job
from .writer import sha256, write_atomic

SMALL = 4  # fewer jobs than this render in this process: a pool costs more than it saves


@dataclass(frozen=True)
class Outcome:
    """What became of one job: the written file's hash (and whether its bytes changed),
    or why it failed; the warnings it raised, as messages."""

    sha256: str = ""
    changed: bool = False
    failure: str = ""
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Settings:
    out: Path
    quality: int
    png_level: int


_STATE: dict = {}  # in a worker: the loaded campaign, settings and its renderer


def painter(loaded):
    """A renderer that paints in place and a JPEG encoder that re-encodes only what a
    poster changed on its static base (postergen.jpegstrips): one of each per process."""
    from .jpegstrips import StripEncoder
    from .render import PosterRenderer

    return PosterRenderer(loaded, in_place=True), StripEncoder()


def _init(loaded, settings: Settings) -> None:
    _STATE.update(loaded=loaded, settings=settings, painter=painter(loaded))


def _run_chunk(chunk: list[tuple[int, Job]]) -> list[tuple[int, Outcome]]:
    return render_chunk(_STATE["loaded"], _STATE["settings"], _STATE["painter"], chunk)


#: What a print PDF costs to render, in the pixels of a raster poster that costs as much.
PDF_COST = 6_000_000


def _cost(unit: list[tuple[int, Job]]) -> float:
    return sum(PDF_COST if job.format == "pdf" else job.width * job.height for _, job in unit)


def chunks(jobs: list[tuple[int, Job]], workers: int) -> list[list[tuple[int, Job]]]:
    """*jobs* (index, job) in units, the units grouped by template and size into buckets
    (one static base each) and the buckets cut into chunks.

    One worker: a chunk per bucket, in the plan's order.  More: the costliest buckets
    first, cut into chunks that shrink with the work left (guided scheduling: a chunk is
    about 1/(2 × workers) of what is left, never under 1/(16 × workers) of the whole), so
    the workers finish together.  A worker keeps the bases it painted, so a bucket cut in
    several chunks costs at most one more base painting per worker."""
    units: list[tuple[tuple, list]] = []
    for index, job in jobs:
        key = (job.variant, job.channel, job.template, job.width, job.height, job.url, job.format == "pdf")
        if units and units[-1][0] == key and not key[-1]:
            units[-1][1].append((index, job))
        else:
            units.append((key, [(index, job)]))
    buckets: dict[tuple, list[list]] = {}
    for key, unit in units:
        buckets.setdefault((key[2], key[3], key[4], key[6]), []).append(unit)
    if workers <= 1:
        return [[pair for unit in bucket for pair in unit] for bucket in buckets.values()]
    costed = [[(unit, _cost(unit)) for unit in bucket] for bucket in buckets.values()]
    costed.sort(key=lambda bucket: -sum(c for _, c in bucket))
    left = sum(c for bucket in costed for _, c in bucket)
    floor = left / (16 * workers)
    out = []
    for bucket in costed:
        i, rest = 0, sum(c for _, c in bucket)
        while i < len(bucket):
            target, chunk, got = max(left / (2 * workers), floor), [], 0.0
            if rest < 1.5 * target:  # the bucket's rest in one chunk, not a sliver after it
                target = rest
            while i < len(bucket) and (not chunk or got + bucket[i][1] / 2 <= target):
                chunk.extend(bucket[i][0])
                got += bucket[i][1]
                i += 1
            rest -= got
            left -= got
            out.append(chunk)
    return out


def render_jobs(loaded, settings: Settings, jobs: list[tuple[int, Job]], workers: int,
                done: Callable[[int, Outcome], None], meanwhile: Callable[[], None] | None = None) -> None:
    """Render, check and write every (index, job) of *jobs*; call ``done(index, outcome)``
    as each finishes (in any order).  A write error (disk full, a folder in the way)
    stops the build: it raises here, after the running chunks are cancelled.

    *meanwhile* is this process's own work, called once: while the workers render, or
    first when everything is rendered here."""
    parts = chunks(jobs, workers)
    if workers <= 1 or len(jobs) < SMALL or len(parts) < 2:
        if meanwhile:
            meanwhile()
        own = painter(loaded)
        for chunk in parts:
            for index, outcome in render_chunk(loaded, settings, own, chunk):
                done(index, outcome)
        return
    from concurrent.futures import as_completed

    from .procpool import fork_pool

    pool = fork_pool(min(workers, len(parts)), _init, (loaded, settings))
    try:
        futures = [pool.submit(_run_chunk, chunk) for chunk in parts]
        if meanwhile:
            meanwhile()
        for future in as_completed(futures):
            for index, outcome in future.result():
                done(index, outcome)
    finally:
        pool.shutdown(cancel_futures=True)


def render_chunk(loaded, settings: Settings, painter, chunk: list[tuple[int, Job]]) -> list[tuple[int, Outcome]]:
    """Render the jobs of one chunk in order; the formats of one poster (consecutive in a
    unit) are painted once.  *painter* is :func:`painter`'s pair: the renderer paints in
    place, so a poster's image is good until the next one is painted."""
    renderer, strips = painter
    results = []
    last: tuple[tuple, object] | None = None  # (key, Rendered) of the poster just painted
    bad: dict[tuple, str] = {}
    for index, job in chunk:
        if job.format == "pdf":
            results.append((index, _print_job(loaded, settings, job)))
            continue
        key = (job.variant, job.channel, job.template, job.width, job.height, job.url)
        warnings: list[str] = []
        try:
            if key in bad:
                raise PostergenError(bad[key])
            if last is None or last[0] != key:
                try:
                    rendered = renderer.render(job.variant, job.template, job.width, job.height, job.url, channel=job.channel)
                except PostergenError as exc:
                    bad[key] = str(exc)
                    raise
                last = (key, rendered)
                warnings = [f"{job.label}: {message}" for message in rendered.warnings]
            rendered = last[1]
            # A JPEG: only the blocks the QR code and the code's text changed are encoded.
            data = strips.poster(rendered, job.format, settings.quality, settings.png_level)
        except PostergenError as exc:
            results.append((index, Outcome(failure=str(exc))))
            continue
        results.append((index, _write(settings.out, job, data, warnings)))
    return results


def _write(out: Path, job: Job, data: bytes, warnings) -> Outcome:
    digest = sha256(data)
    # Not synced one by one: the build syncs the folder once, before its manifest.
    changed = write_atomic(out / job.path, data, sync=False, digest=digest)
    return Outcome(digest, changed, "", tuple(warnings))


def _print_job(loaded, settings: Settings, job: Job) -> Outcome:
    """Lay out for the print size, check the QR code, paint the PDF (WeasyPrint)."""
    from .channels import print_settings
    from .jobs import layout_job
    from .layout import QRItem
    from .pdf import asset_fields, paint_pdf, print_warnings
    from .qrcheck import render_alone, verify

    config = print_settings(loaded.variant(job.variant, job.channel).spec)
    size = job.print_size
    try:
        tree = layout_job(loaded, job)
        qr = next((i for i in tree.items if isinstance(i, QRItem)), None)
        if qr is not None:
            problem = verify(render_alone(qr), job.url)
            if problem:
                raise PostergenError(problem)
        data = paint_pdf(tree, trim_mm=size.trim_mm, bleed_mm=config.bleed_mm, crop_marks=config.crop_marks, base_dir=loaded.base)
    except PostergenError as exc:
        return Outcome(failure=str(exc))
    warnings = [f"{job.label}: {m}" for m in print_warnings(tree, trim_mm=size.trim_mm, min_dpi=config.min_dpi, fields=asset_fields(loaded))]
    return _write(settings.out, job, data, warnings)
