"""Build: the whole pipeline, load → plan → layout → paint → write, in one function.

::

    loaded = load_campaign(spec)            # every problem reported at once
    jobs = plan(loaded)                     # channel × template × size × format
    skip the jobs whose input hash and file match the last manifest (postergen.incremental)
    render the others on every core (postergen.renderjobs), each:
        tree = layout_poster(...)           # pure data
        image = paint(tree)                 # Pillow
        verify the QR code decodes to job.url (zxing-cpp), at full and half size
        write_atomic(out / job.path, encode(image, job.format))
    print sizes: the same layout painted as a PDF (WeasyPrint): vector text and QR
    write redirect pages (short form) and the site, then manifest.json / manifest.csv

One poster that fails (text that cannot fit under an 'error' overflow policy, a QR code
that does not scan) is reported and the others are still written.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import __version__
from .checks import check_tracking
from .errors import PostergenError, Problem, SpecError
from .loader import Loaded, load_campaign
from .jobs import Job, codes_for, plan
from .manifest import MANIFEST_FIELDS, ManifestWriter, read_rows  # noqa: F401 - MANIFEST_FIELDS: public here too
from .writer import BackgroundSync, clean_temp_files, output_lock, sha256, write_atomic

@dataclass
class Failure:
    """An output that could not be made: its path, why, and the job when it is a poster."""

    path: str
    message: str
    job: Job | None = None


@dataclass
class BuildResult:
    """What a build did.  Its manifest rows are streamed to ``OUT/manifest.json`` as they
    are made and not kept: :attr:`rows` reads them back; :attr:`kinds` counts them."""

    out: Path
    kinds: dict[str, int] = field(default_factory=dict)  # manifest rows per kind
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # posters and pages not rendered: inputs unchanged (also in unchanged)
    failures: list[Failure] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    manifest: ManifestWriter | None = field(default=None, repr=False)  # while the build runs

    @property
    def rows(self) -> list[dict]:
        """The manifest's rows, read back from ``OUT/manifest.json``."""
        return read_rows(self.out)

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        posters = self.kinds.get("poster", 0)
        text = f"{posters} poster{'s' if posters != 1 else ''}"
        extras = []
        for kind, word in (
            ("landing", "landing page"), ("split", "split page"), ("redirect", "redirect page"),
            ("landing-asset", "share image"),
        ):
            n = self.kinds.get(kind, 0)
            if n:
                extras.append(f"{n} {word}{'s' if n != 1 else ''}")
        if self.kinds.get("headers") or self.kinds.get("nginx"):
            extras.append("host rules")  # _headers, _redirects, nginx.conf: files, not pages
        if len(extras) == 1:
            text += f" and {extras[0]}"
        elif extras:
            text += ", " + ", ".join(extras[:-1]) + " and " + extras[-1]
        text += f": {len(self.written)} written, {len(self.unchanged)} unchanged"
        if self.failures:
            text += f", {len(self.failures)} failed"
        return text


def spec_hash(loaded: Loaded) -> str:
    """A hash of the validated spec's content (not its formatting)."""
    return sha256(loaded.spec.model_dump_json().encode())


def build(
    spec: str | Path | Loaded,
    out: str | Path,
    progress: Callable[[Job], None] | None = None,
    environ=None,
    jobs: int | None = None,
) -> BuildResult:
    """Render every poster of the campaign *spec* into the folder *out* (a URL is refused).

    *jobs* worker processes render the posters (default: every core this process may run
    on; 1: this process only); the files are the same for any number.  A poster whose
    inputs are unchanged since the last build into *out* (the input hash in its manifest
    row, and its file still has the manifest's bytes) is not rendered again.

    The folder is locked while the build writes (a second build into it stops with a
    message), and its manifest is removed before the first file is written and written
    again, atomically, at the end: a folder with a manifest is a folder the manifest is
    true of.
    """
    from .store import local_folder

    out = local_folder(out, "build")
    with contextlib.ExitStack() as claim:
        return _build(spec, out, progress, environ, claim, jobs)


def _build(spec, out, progress, environ, claim: contextlib.ExitStack, workers: int | None) -> BuildResult:
    from .incremental import InputHasher, reusable
    from .procpool import cores
    from .renderjobs import Settings, render_jobs

    loaded = spec if isinstance(spec, Loaded) else load_campaign(spec)
    tracking = check_tracking(loaded, environ)
    if any(p.severity == "error" for p in tracking):
        raise SpecError(tracking)
    jobs = plan(loaded, environ)
    result = BuildResult(out=out, warnings=list(loaded.warnings) + tracking)
    previous = _claim_output(out, claim)
    digest = spec_hash(loaded)
    output = loaded.spec.output
    settings = Settings(out, output.quality, output.png_level)
    hasher = InputHasher(loaded, output.quality, output.png_level)
    inputs: list[str] = []
    redirects: list[tuple] = []
    outcomes: dict[int, object] = {}
    todo = []
    if previous:  # what is unchanged since the last build is not rendered
        inputs = [hasher.of(job) for job in jobs]
        for index, job in enumerate(jobs):
            row = previous.get(job.path)
            if reusable(out, row, inputs[index]):
                outcomes[index] = row
                if progress:
                    progress(job)
            else:
                todo.append((index, job))
    else:  # a fresh build renders everything: its input hashes are worked out meanwhile
        todo = list(enumerate(jobs))

    def meanwhile() -> None:
        """This process's share while the workers render: the input hashes of a fresh
        build and the short-link pages (their rows are recorded after the posters')."""
        if not inputs:
            inputs.extend(hasher.of(job) for job in jobs)
        redirects.extend(_write_redirects(out, loaded, jobs))

    writeback = BackgroundSync(out)

    def done(index: int, outcome) -> None:
        outcomes[index] = outcome
        writeback.kick()  # the posters written so far go to disk while the rest are rendered
        if progress:
            progress(jobs[index])

    try:
        render_jobs(loaded, settings, todo, workers or cores(), done, meanwhile)
        writeback.join()  # (no thread of ours may run when the site's pages fork workers)
        with ManifestWriter(out, manifest_head(loaded, digest)) as result.manifest:
            _record_all(result, out, loaded, environ, digest, previous, workers or cores(), jobs, outcomes, inputs, redirects)
            writeback.finish()  # the files (written unsynced) reach the disk before the manifest says they are there
    finally:
        result.manifest = None
        writeback.close()
    return result


def _record_all(result: BuildResult, out: Path, loaded: Loaded, environ, digest: str, previous, workers: int,
                jobs: list[Job], outcomes: dict, inputs: list[str], redirects: list[tuple]) -> None:
    """The manifest's rows, in order: the posters (the plan's order), the short links, the site."""
    posters: dict[tuple[str, str], tuple[int, str]] = {}  # (variant, channel) → (format rank, path)
    for index, job in enumerate(jobs):  # in the plan's order, whatever order they finished in
        outcome = outcomes[index]
        if isinstance(outcome, dict):  # unchanged since the last build: not rendered
            result.skipped.append(job.path)
            sha, changed, messages = outcome["sha256"], False, outcome.get("warnings") or ()
        elif outcome.failure:
            result.failures.append(Failure(job.path, outcome.failure, job))
            continue
        else:
            sha, changed, messages = outcome.sha256, outcome.changed, outcome.warnings
        for message in messages:
            warning = Problem(message, file=str(loaded.path), severity="warning")
            if job.format != "pdf" or str(warning) not in {str(w) for w in result.warnings}:
                result.warnings.append(warning)
        _row(result, job.path, sha, changed, digest, kind="poster", job=job, inputs=inputs[index], warnings=list(messages))
        rank = _SHARE_FORMATS.get(job.format)
        key = (job.variant or "base", job.channel)
        if rank is not None and (key not in posters or rank < posters[key][0]):
            posters[key] = (rank, job.path)
    for path, sha, changed, kind, meta in redirects:
        _row(result, path, sha, changed, digest, kind, **meta)
    _write_landing(result, out, loaded, environ, digest, previous, workers,
                   {key: out / path for key, (_, path) in posters.items()})


#: The poster a landing page's share image is made of: the first of the channel's
#: JPEG, PNG or WebP posters in the plan's order, JPEG first.
_SHARE_FORMATS = {"jpeg": 0, "png": 1, "webp": 2}


def _row(result: BuildResult, path: str, sha: str, changed: bool, digest: str, kind: str, job: Job | None = None,
         inputs: str = "", warnings: list[str] | None = None, more: dict | None = None, **extra) -> None:
    (result.written if changed else result.unchanged).append(path)
    row = {
        "path": path,
        "kind": kind,
        "variant": job.variant if job else extra.get("variant", ""),
        "channel": job.channel if job else extra.get("channel", ""),
        "template": job.template if job else "",
        "size": job.size if job else "",
        "format": job.format if job else "html",
        "code": job.code if job else extra.get("code", ""),
        "url": (job.full_url or job.url) if job else extra.get("url", ""),
        "sha256": sha,
        "spec_sha256": digest,
    }
    if inputs:
        row["inputs_sha256"] = inputs
    if warnings:
        row["warnings"] = warnings  # manifest.json only: said again when the poster is not rendered
    row.update(more or {})  # a page's: csp, assets, depends, warnings (manifest.json only)
    result.manifest.add(row)
    result.kinds[kind] = result.kinds.get(kind, 0) + 1


def _write_redirects(out: Path, loaded: Loaded, jobs: list[Job]) -> list[tuple]:
    """Write the short links on a host of their own (``OUT/short/``, see
    postergen.site.build; short links on the site's host are written with the site) and
    return what their manifest rows need: (path, sha256, changed, kind, meta)."""
    from .codes import CodeRow
    from .site.build import short_files

    rows = [CodeRow(j.channel, "", j.variant or "base", j.code, j.full_url or j.url, None) for j in jobs if j.code]
    written = []
    for f in short_files(loaded, rows).files:
        meta = {"variant": f.variant, "channel": f.channel, "code": f.code, "url": f.url}
        digest = sha256(f.data)
        written.append((f.path, digest, write_atomic(out / f.path, f.data, sync=False, digest=digest), f.kind, meta))
    return written


def _write_landing(result: BuildResult, out: Path, loaded: Loaded, environ, digest: str, previous: dict[str, dict],
                   workers: int, posters: dict[tuple[str, str], Path]) -> None:
    """The campaign's web site, ``OUT/site/`` (campaigns with a ``landing:`` section): a page
    per variant × channel, split pages, the thank-you page, short links on the same host and
    the host rules (``_headers``, ``_redirects``, ``nginx.conf``).  See postergen.site.build;
    pages unchanged since the last build are kept, the others rendered on *workers*
    processes (postergen.site.pages)."""
    from .site.build import SITE_DIR, site_files
    from .site.checks import site_problems
    from .site.urls import has_site

    if not has_site(loaded.spec):
        return
    problems = site_problems(loaded)
    for p in problems:
        if p.severity == "warning" and str(p) not in {str(w) for w in result.warnings}:
            result.warnings.append(p)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        result.failures.append(Failure(f"{SITE_DIR}/", "; ".join(str(p) for p in errors)))
        return
    rows, _ = codes_for(loaded, environ)

    def write(f) -> None:  # as each file is made: a page's HTML is not kept until the end
        meta = {"variant": f.variant, "channel": f.channel, "code": f.code, "url": f.url}
        extra = dict(f.extra)
        inputs = extra.pop("inputs_sha256", "")
        if f.data is None:  # a page (or its share image) unchanged since the last build: not rendered
            result.skipped.append(f.path)
            _row(result, f.path, f.sha256, False, digest, f.kind, inputs=inputs, more=extra, **meta)
        else:
            sha = f.sha256 or sha256(f.data)
            changed = write_atomic(out / f.path, f.data, sync=False, digest=sha)
            _row(result, f.path, sha, changed, digest, f.kind, inputs=inputs, more=extra, **meta)

    built = site_files(loaded, rows, posters, sink=write, folder=out, previous=previous, workers=workers)
    for path, message in built.failures:
        result.failures.append(Failure(path, message))
    for message in built.warnings:
        warning = Problem(message, file=str(loaded.path), severity="warning")
        if str(warning) not in {str(w) for w in result.warnings}:
            result.warnings.append(warning)


def _claim_output(out: Path, claim: contextlib.ExitStack) -> dict[str, dict]:
    """Lock *out* for this build, read the rows of its manifest (the input hashes of
    the last build), remove it (it is about to stop being true) and the temporary files an
    interrupted build left (postergen's own only)."""
    from .incremental import previous_rows

    claim.enter_context(output_lock(out))
    previous = previous_rows(out)
    for name in ("manifest.json", "manifest.csv"):
        try:
            (out / name).unlink(missing_ok=True)
        except IsADirectoryError:
            raise PostergenError(f"{out / name} is a folder; postergen writes its manifest there — remove it") from None
    clean_temp_files(out)
    return previous


def manifest_head(loaded: Loaded, digest: str) -> dict:
    """The manifest without its rows."""
    return {
        "postergen": __version__,
        "campaign": loaded.spec.campaign.id,
        "spec_sha256": digest,
        "variants": [
            {"name": name, "weight": weight, "factors": factors}
            for name, weight, factors, _ in loaded.variant_list()
        ],
    }


def write_manifest(out: Path, loaded: Loaded, rows: list[dict], digest: str) -> None:
    """Write ``manifest.csv`` and ``manifest.json`` of *rows* at once (a build streams them)."""
    with ManifestWriter(out, manifest_head(loaded, digest)) as writer:
        for row in rows:
            writer.add(row)
