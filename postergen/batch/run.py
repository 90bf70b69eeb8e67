"""Run a batch: people rows in, one attributable poster set per person out.

::

    rows = open_people(file)                       # streamed: CSV, XLSX, JSON Lines
    for chunk of rows:                             # bounded window, results in row order
        avatars.prefetch(URLs of the chunk)        # concurrent, cached on disk
        worker: for each person
            prepare (nickname, avatar, code, URL)  # batch/person.py
            skip when the journal's input hash matches and the files exist
            render each template × size × format   # postergen/render.py, static part cached
            write_atomic(posters/<shard>/<id>-…)
        journal the finished rows; append people.csv / failed.csv rows
    people.csv and failed.csv replace the old ones when the run ends

A row's problem never stops the others; a crash or ``kill -9`` loses no finished row
(the journal) and leaves no partial file (atomic writes).
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .. import __version__
from ..errors import PostergenError, Problem, SpecError
from .names import poster_path
from .person import PersonalPoster, RowProblem, Target, file_digest

CHUNK = 32
STATE_DIR = ".postergen"
PEOPLE_FIELDS = ["id", "row", "code", "url", "paths", "sha256", "status", "warnings"]
FAILED_FIELDS = ["row", "id", "column", "reason"]
EXTENSIONS = {"png": "png", "jpeg": "jpg", "webp": "webp"}


@dataclass(frozen=True)
class BatchOptions:
    """Everything but the campaign, the people file and the output folder."""

    channel: str | None = None
    variant: str | None = None
    templates: tuple[str, ...] | None = None
    sizes: tuple[str, ...] | None = None
    formats: tuple[str, ...] | None = None
    jobs: int | None = None  # None: every core
    avatar_required: bool = False
    unknown_glyphs: str = "strip"
    encoding: str | None = None
    sheet: str | None = None
    mapping: tuple[tuple[str, str], ...] = ()
    remote_avatars: bool = True

    def fingerprint(self) -> str:
        """What, besides the row and the spec, every poster depends on."""
        keep = {k: v for k, v in asdict(self).items() if k not in ("jobs", "encoding", "sheet", "mapping")}
        return json.dumps(keep, sort_keys=True, default=list)


@dataclass
class RowResult:
    """What became of one row."""

    row: int
    id: str
    status: str  # "written", "unchanged" or "failed"
    code: str = ""
    url: str = ""
    paths: list[str] = field(default_factory=list)
    sha256: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    column: str = ""
    reason: str = ""

    def people_row(self) -> dict:
        return {
            "id": self.id, "row": self.row, "code": self.code, "url": self.url, "paths": ";".join(self.paths),
            "sha256": ";".join(self.sha256), "status": self.status, "warnings": " | ".join(self.warnings),
        }

    def failed_row(self) -> dict:
        return {"row": self.row, "id": self.id, "column": self.column, "reason": self.reason}


@dataclass
class BatchSummary:
    out: Path
    rows: int = 0
    written: int = 0
    unchanged: int = 0
    failed: int = 0
    posters: int = 0
    warnings: int = 0
    problems: list[Problem] = field(default_factory=list)  # campaign-level warnings

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def text(self) -> str:
        s = f"{self.rows} {'person' if self.rows == 1 else 'people'}: {self.written} written, {self.unchanged} unchanged"
        if self.failed:
            s += f", {self.failed} failed (see {self.out / 'failed.csv'})"
        return s + f" → {self.out}"

    def to_dict(self) -> dict:
        d = asdict(self)
        d["out"] = str(self.out)
        d["problems"] = [p.to_dict() for p in self.problems]
        d["ok"] = not self.failed
        return d


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
    v = loaded.variant(variant)
    channels = [c.id for c in loaded.spec.channels]
    channel = options.channel or (channels[0] if channels else "")
    if channel and channel not in channels:
        raise SpecError([_choice("channel", channel, channels, "--channel")])
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


# --------------------------------------------------------------------------- the worker side


class _Worker:
    """Per-process state: the campaign, the renderer with its caches, the avatars."""

    def __init__(self, spec, people_dir: str, out: str, options: BatchOptions, environ: dict | None):
        from ..loader import Loaded, load_campaign
        from ..render import PosterRenderer
        from .avatars import Avatars

        # A worker process loads the campaign itself; with one job, the caller's is used.
        self.loaded = spec if isinstance(spec, Loaded) else load_campaign(spec)
        self.options = options
        self.out = Path(out)
        self.target, secret, _ = resolve_target(self.loaded, options, environ)
        state = self.out / STATE_DIR
        self.avatars = Avatars(Path(people_dir), state / "avatars", allow_remote=options.remote_avatars)
        self.person = PersonalPoster(
            self.loaded, self.target, secret, self.avatars, state / "placeholders",
            unknown_glyphs=options.unknown_glyphs, avatar_required=options.avatar_required,
        )
        self.renderer = PosterRenderer(self.loaded, reuse_mask=True)
        from ..pipeline import spec_hash

        self.fingerprint = hashlib.sha256(
            "\x1f".join((spec_hash(self.loaded), options.fingerprint(), __version__)).encode()
        ).hexdigest()
        self.quality = self.loaded.variant(self.target.variant).spec.output.quality if self.target.variant else self.loaded.spec.output.quality

    def run(self, people: list, previous: dict) -> list[tuple[RowResult, str]]:
        """Render *people* (rows of one chunk); *previous* maps id → (input hash, result)."""
        return [self.one(p, previous.get(p.id)) for p in people]

    def one(self, p, previous) -> tuple[RowResult, str]:
        from ..writer import sha256, write_atomic

        try:
            prepared = self.person.prepare(p.id, p.nickname, p.avatar, p.fields)
        except RowProblem as exc:
            return RowResult(p.row, p.id, "failed", column=exc.column, reason=str(exc)), ""
        input_hash = hashlib.sha256(
            "\x1f".join((p.digest, file_digest(prepared.avatar), self.fingerprint, prepared.url)).encode()
        ).hexdigest()
        if previous and previous[0] == input_hash and previous[1].get("status") in ("written", "unchanged"):
            old = previous[1]
            if all((self.out / path).is_file() for path in old["paths"]):
                return RowResult(p.row, p.id, "unchanged", old["code"], old["url"], old["paths"], old["sha256"], old["warnings"]), input_hash
        result = RowResult(p.row, p.id, "written", prepared.code, prepared.url, warnings=list(prepared.warnings))
        t = self.target
        try:
            images = {}
            for template, w, h, fmt in t.posters:
                image = images.get((template, w, h))
                if image is None:
                    rendered = self.renderer.render(t.variant, template, w, h, prepared.url, prepared.extra)
                    image = images[(template, w, h)] = rendered.image
                    result.warnings.extend(rendered.warnings)
                from ..paint import encode

                data = encode(image, fmt, self.quality)
                path = poster_path(p.id, template, f"{w}x{h}", EXTENSIONS[fmt])
                write_atomic(self.out / path, data, sync=False)
                result.paths.append(path)
                result.sha256.append(sha256(data))
        except PostergenError as exc:
            column = "nickname" if "nickname" in str(exc) else ""
            return RowResult(p.row, p.id, "failed", prepared.code, prepared.url, column=column, reason=str(exc)), ""
        return result, input_hash


_STATE: _Worker | None = None
_INHERITED = None  # the parent's loaded campaign, in forked workers


def _init(spec, *args) -> None:
    global _STATE
    if _INHERITED is not None and str(_INHERITED.path) == str(spec):
        spec = _INHERITED
    _STATE = _Worker(spec, *args)


def _run_chunk(people: list, previous: dict) -> list[tuple[RowResult, str]]:
    assert _STATE is not None
    return _STATE.run(people, previous)


# --------------------------------------------------------------------------- the driver


def batch(
    spec,
    people,
    out,
    options: BatchOptions | None = None,
    *,
    environ: dict | None = None,
    progress: Callable[[RowResult], None] | None = None,
) -> Iterator[RowResult]:
    """Render one poster set per row of the people file *people* into *out*.

    A generator: it yields each row's :class:`RowResult` in file order as rows finish,
    writing posters, the journal, ``people.csv`` and ``failed.csv`` as it goes; its
    return value (``StopIteration.value``, or use :func:`run_batch`) is the
    :class:`BatchSummary`.  Raises :class:`SpecError` / ``PeopleFileError`` before any
    row when nothing can run."""
    from ..loader import Loaded, load_campaign
    from .people import RowError, open_people

    options = options or BatchOptions()
    loaded = spec if isinstance(spec, Loaded) else load_campaign(spec)
    out = Path(out)
    people_path = Path(people)
    target, _, problems = resolve_target(loaded, options, environ)  # fails early, before any file
    summary = BatchSummary(out=out, problems=problems)
    reader = open_people(people_path, encoding=options.encoding, sheet=options.sheet, mapping=dict(options.mapping) or None)
    summary.problems.extend(reader.warnings)  # e.g. "no 'nickname' column, but '微信昵称' looks like one"
    out.mkdir(parents=True, exist_ok=True)
    state = out / STATE_DIR
    _clean_temp(out)
    from .journal import Journal
    from .outputs import CsvOut

    journal = Journal(state / "batch.sqlite")
    people_csv = CsvOut(out / "people.csv", PEOPLE_FIELDS)
    failed_csv = CsvOut(out / "failed.csv", FAILED_FIELDS)
    args = (str(loaded.path), str(people_path.resolve().parent), str(out), options, environ)
    jobs = options.jobs or os.cpu_count() or 1
    pool = _Pool(jobs, args, loaded)
    ok = False
    try:
        with reader:
            pending: list[tuple[list, Future]] = []
            for chunk in _chunks(reader, CHUNK):
                errors = [r for r in chunk if isinstance(r, RowError)]
                good = [r for r in chunk if not isinstance(r, RowError)]
                pool.prefetch([p.avatar for p in good if p.avatar])
                previous = {p.id: prev for p in good if (prev := journal.get(p.id))}
                pending.append((chunk, pool.submit(good, previous)))
                while len(pending) > 2 * jobs:
                    yield from _finish(pending.pop(0), journal, people_csv, failed_csv, summary, progress)
            while pending:
                yield from _finish(pending.pop(0), journal, people_csv, failed_csv, summary, progress)
        ok = True
    finally:
        pool.close()
        journal.close()
        people_csv.close(commit=ok)
        failed_csv.close(commit=ok)
    return summary


def run_batch(*args, **kwargs) -> BatchSummary:
    """:func:`batch`, run to the end; returns the summary."""
    gen = batch(*args, **kwargs)
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value


def _finish(item, journal, people_csv, failed_csv, summary: BatchSummary, progress):
    from .people import RowError

    chunk, future = item
    done = {r.id: (r, h) for r, h in future.result()}
    finished = []
    for entry in chunk:
        if isinstance(entry, RowError):
            result = RowResult(entry.row, entry.id, "failed", column=entry.column, reason=entry.message)
        else:
            result, input_hash = done[entry.id]
            if result.status != "failed":
                finished.append((result.id, input_hash, asdict(result)))
        summary.rows += 1
        if result.status == "failed":
            summary.failed += 1
            failed_csv.write(result.failed_row())
        else:
            setattr(summary, result.status, getattr(summary, result.status) + 1)
            summary.posters += len(result.paths)
        summary.warnings += len(result.warnings)
        people_csv.write(result.people_row())
        if progress:
            progress(result)
        yield result
    if finished:
        os.sync()  # the chunk's posters reach the disk before the journal says they are done
    journal.put_many(finished)


def _chunks(reader, size: int):
    chunk = []
    for entry in reader:
        chunk.append(entry)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _clean_temp(out: Path) -> None:
    """Remove the temporary files an interrupted batch of ours left (``.name.XXXX.part``)."""
    for folder in (out, out / "posters"):
        if not folder.is_dir():
            continue
        paths = folder.glob("*/.*.part") if folder.name == "posters" else folder.glob(".*.part")
        for stale in paths:
            stale.unlink(missing_ok=True)


class _Pool:
    """Worker processes (or, with one job, this process) running :class:`_Worker`."""

    def __init__(self, jobs: int, args: tuple, loaded=None):
        self.jobs = jobs
        self.args = args
        if jobs <= 1:
            _init(loaded, *args[1:])
            self.executor = None
            self.avatars = _STATE.avatars
        else:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            from .avatars import Avatars

            global _INHERITED
            # fork: the workers inherit the loaded campaign (fonts, templates, images) and
            # start in milliseconds; they are started here, before any thread of ours.
            fork = "fork" in multiprocessing.get_all_start_methods()
            ctx = multiprocessing.get_context("fork" if fork else "spawn")
            _INHERITED = loaded if fork else None
            self.executor = ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init, initargs=args)
            self.executor.submit(int).result()  # launches every worker now
            out = Path(args[2])
            self.avatars = Avatars(Path(args[1]), out / STATE_DIR / "avatars", allow_remote=args[3].remote_avatars)

    def prefetch(self, values: list[str]) -> None:
        if values:
            self.avatars.prefetch(values)

    def submit(self, people: list, previous: dict) -> Future:
        if self.executor is None:
            f: Future = Future()
            try:
                f.set_result(_run_chunk(people, previous))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                f.set_exception(exc)
            return f
        return self.executor.submit(_run_chunk, people, previous)

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(cancel_futures=True)
            self.avatars.close()
