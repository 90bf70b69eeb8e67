"""Build: the whole pipeline, load → plan → layout → paint → write, in one function.

::

    loaded = load_campaign(spec)            # every problem reported at once
    for job in plan(loaded):                # channel × template × size × format
        tree = layout_poster(...)           # pure data
        image = paint(tree)                 # Pillow
        verify the QR code decodes to job.url (zxing-cpp), at full and half size
        write_atomic(out / job.path, encode(image, job.format))
    print sizes: the same layout painted as a PDF (WeasyPrint): vector text and QR
    write redirect pages (short form), then manifest.json / manifest.csv

One poster that fails (text that cannot fit under an 'error' overflow policy, a QR code
that does not scan) is reported and the others are still written.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import __version__
from .checks import check_tracking
from .csvsafe import csv_text
from .errors import PostergenError, Problem, SpecError
from .layout import QRItem
from .loader import Loaded, load_campaign
from .paint import encode
from .render import PosterRenderer
from .jobs import Job, codes_for, layout_job, plan
from .qrcheck import verify
from .writer import clean_temp_files, output_lock, sha256, write_atomic

MANIFEST_FIELDS = [
    "path", "kind", "variant", "channel", "template", "size", "format", "code", "url", "sha256", "spec_sha256",
]


@dataclass
class Failure:
    """An output that could not be made: its path, why, and the job when it is a poster."""

    path: str
    message: str
    job: Job | None = None


@dataclass
class BuildResult:
    out: Path
    rows: list[dict] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        posters = sum(1 for r in self.rows if r["kind"] == "poster")
        text = f"{posters} poster{'s' if posters != 1 else ''}"
        extras = []
        for kind, word in (
            ("landing", "landing page"), ("split", "split page"), ("redirect", "redirect page"),
            ("landing-asset", "share image"),
        ):
            n = sum(1 for r in self.rows if r["kind"] == kind)
            if n:
                extras.append(f"{n} {word}{'s' if n != 1 else ''}")
        if any(r["kind"] in ("headers", "nginx") for r in self.rows):
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
) -> BuildResult:
    """Render every poster of the campaign *spec* into the folder *out* (a URL is refused).

    The folder is locked while the build writes (a second build into it stops with a
    message), and its manifest is removed before the first file is written and written
    again, atomically, at the end: a folder with a manifest is a folder the manifest is
    true of.
    """
    from .store import local_folder

    out = local_folder(out, "build")
    with contextlib.ExitStack() as claim:
        return _build(spec, out, progress, environ, claim)


def _build(spec, out, progress, environ, claim: contextlib.ExitStack) -> BuildResult:
    loaded = spec if isinstance(spec, Loaded) else load_campaign(spec)
    tracking = check_tracking(loaded, environ)
    if any(p.severity == "error" for p in tracking):
        raise SpecError(tracking)
    jobs = plan(loaded, environ)
    result = BuildResult(out=out, warnings=list(loaded.warnings) + tracking)
    _claim_output(out, claim)
    digest = spec_hash(loaded)
    quality = loaded.spec.output.quality
    renderer = PosterRenderer(loaded)
    painted: dict[tuple, object] = {}
    bad: dict[tuple, str] = {}
    for job in jobs:
        if job.format == "pdf":
            _print_job(result, out, loaded, job, digest)
            if progress:
                progress(job)
            continue
        key = (job.variant, job.template, job.width, job.height, job.url)
        try:
            if key in bad:
                raise PostergenError(bad[key])
            image = painted.get(key)
            if image is None:
                try:
                    rendered = renderer.render(job.variant, job.template, job.width, job.height, job.url, channel=job.channel)
                except PostergenError as exc:
                    bad[key] = str(exc)
                    raise
                image = painted[key] = rendered.image
                for message in rendered.warnings:
                    result.warnings.append(Problem(f"{job.label}: {message}", file=str(loaded.path), severity="warning"))
                if len(painted) > 4:
                    painted.pop(next(iter(painted)))
            data = encode(image, job.format, quality)
        except PostergenError as exc:
            result.failures.append(Failure(job.path, str(exc), job))
            if progress:
                progress(job)
            continue
        _record(result, out, job.path, data, digest, kind="poster", job=job)
        if progress:
            progress(job)
    _write_redirects(result, out, loaded, jobs, digest)
    _write_landing(result, out, loaded, environ, digest)
    write_manifest(out, loaded, result.rows, digest)
    return result


def _print_job(result: BuildResult, out: Path, loaded: Loaded, job: Job, digest: str) -> None:
    """Lay out for the print size, check the QR code, paint the PDF (WeasyPrint)."""
    from .pdf import asset_fields, paint_pdf, print_warnings
    from .qrcheck import render_alone

    from .channels import print_settings

    settings = print_settings(loaded.variant(job.variant, job.channel).spec)
    size = job.print_size
    try:
        tree = layout_job(loaded, job)
        qr = next((i for i in tree.items if isinstance(i, QRItem)), None)
        if qr is not None:
            problem = verify(render_alone(qr), job.url)
            if problem:
                raise PostergenError(problem)
        data = paint_pdf(tree, trim_mm=size.trim_mm, bleed_mm=settings.bleed_mm, crop_marks=settings.crop_marks, base_dir=loaded.base)
    except PostergenError as exc:
        result.failures.append(Failure(job.path, str(exc), job))
        return
    for message in print_warnings(tree, trim_mm=size.trim_mm, min_dpi=settings.min_dpi, fields=asset_fields(loaded)):
        warning = Problem(f"{job.label}: {message}", file=str(loaded.path), severity="warning")
        if str(warning) not in {str(w) for w in result.warnings}:
            result.warnings.append(warning)
    _record(result, out, job.path, data, digest, kind="poster", job=job)


def _record(result: BuildResult, out: Path, path: str, data: bytes, digest: str, kind: str, job: Job | None = None, **extra) -> None:
    changed = write_atomic(out / path, data)
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
        "sha256": sha256(data),
        "spec_sha256": digest,
    }
    result.rows.append(row)


def _write_redirects(result: BuildResult, out: Path, loaded: Loaded, jobs: list[Job], digest: str) -> None:
    """Short links on a host of their own (``OUT/short/``, see postergen.site.build); short
    links on the site's host are written with the site."""
    from .codes import CodeRow
    from .site.build import short_files

    rows = [CodeRow(j.channel, "", j.variant or "base", j.code, j.full_url or j.url, None) for j in jobs if j.code]
    for f in short_files(loaded, rows).files:
        _record(result, out, f.path, f.data, digest, kind=f.kind, variant=f.variant, channel=f.channel, code=f.code, url=f.url)


def _write_landing(result: BuildResult, out: Path, loaded: Loaded, environ, digest: str) -> None:
    """The campaign's web site, ``OUT/site/`` (campaigns with a ``landing:`` section): a page
    per variant × channel, split pages, the thank-you page, short links on the same host and
    the host rules (``_headers``, ``_redirects``, ``nginx.conf``).  See postergen.site.build."""
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
    posters: dict[tuple[str, str], Path] = {}
    order = {"jpeg": 0, "png": 1, "webp": 2}
    for r in sorted((r for r in result.rows if r["kind"] == "poster" and r["format"] in order), key=lambda r: order[r["format"]]):
        posters.setdefault((r["variant"] or "base", r["channel"]), out / r["path"])
    built = site_files(loaded, rows, posters)
    for f in built.files:
        _record(result, out, f.path, f.data, digest, kind=f.kind, variant=f.variant, channel=f.channel, code=f.code, url=f.url)
    for path, message in built.failures:
        result.failures.append(Failure(path, message))
    for message in built.warnings:
        warning = Problem(message, file=str(loaded.path), severity="warning")
        if str(warning) not in {str(w) for w in result.warnings}:
            result.warnings.append(warning)


def _claim_output(out: Path, claim: contextlib.ExitStack) -> None:
    """Lock *out* for this build, remove its manifest (it is about to stop being true) and
    the temporary files an interrupted build left (postergen's own only)."""
    claim.enter_context(output_lock(out))
    for name in ("manifest.json", "manifest.csv"):
        try:
            (out / name).unlink(missing_ok=True)
        except IsADirectoryError:
            raise PostergenError(f"{out / name} is a folder; postergen writes its manifest there — remove it") from None
    clean_temp_files(out)


def write_manifest(out: Path, loaded: Loaded, rows: list[dict], digest: str) -> None:
    manifest = {
        "postergen": __version__,
        "campaign": loaded.spec.campaign.id,
        "spec_sha256": digest,
        "variants": [
            {"name": name, "weight": weight, "factors": factors}
            for name, weight, factors, _ in loaded.variant_list()
        ],
        "files": rows,
    }
    # The CSV first: manifest.json, written last, marks a complete build.
    write_atomic(out / "manifest.csv", csv_text(MANIFEST_FIELDS, rows).encode())
    write_atomic(out / "manifest.json", (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode())
