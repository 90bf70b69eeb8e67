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
from .redirects import redirect_html, redirect_path
from .writer import sha256, write_atomic

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
        for kind, word in (("landing", "landing page"), ("split", "split page"), ("redirect", "redirect page")):
            n = sum(1 for r in self.rows if r["kind"] == kind)
            if n:
                extras.append(f"{n} {word}{'s' if n != 1 else ''}")
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
    """Render every poster of the campaign *spec* into the folder *out* (a URL is refused)."""
    from .store import local_folder

    out = local_folder(out, "build")
    loaded = spec if isinstance(spec, Loaded) else load_campaign(spec)
    tracking = check_tracking(loaded, environ)
    if any(p.severity == "error" for p in tracking):
        raise SpecError(tracking)
    jobs = plan(loaded, environ)
    result = BuildResult(out=out, warnings=list(loaded.warnings) + tracking)
    _clean_stale_temp_files(out)
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
                    rendered = renderer.render(job.variant, job.template, job.width, job.height, job.url)
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

    settings = loaded.spec.output.print
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
    if not loaded.spec.tracking.short_base:
        return
    seen = set()
    for job in jobs:
        if job.code in seen or not job.code:
            continue
        seen.add(job.code)
        html = redirect_html(job.full_url, loaded.spec.campaign.name)
        _record(
            result, out, redirect_path(job.code), html.encode("utf-8"), digest, kind="redirect",
            variant=job.variant, channel=job.channel, code=job.code, url=job.full_url,
        )


def _write_landing(result: BuildResult, out: Path, loaded: Loaded, environ, digest: str) -> None:
    """One H5 landing page per variant × channel, the split pages, and ``_headers``."""
    from .landing import LandingError, default_row, headers_file, render_landing
    from .split import split_html, split_path

    rows, _ = codes_for(loaded, environ)
    posters = [r for r in result.rows if r["kind"] == "poster" and r["format"] != "pdf"]
    pages = []
    for vname, _, _, vloaded in loaded.variant_list():
        targets = [r for r in rows if r.variant == vname] or [default_row(vloaded, vname)]
        for row in targets:
            mine = [p for p in posters if (p["variant"] or "base") == vname and p["channel"] == row.channel]
            mine.sort(key=lambda p: (p["format"] != "jpeg", p["format"] != "png"))
            try:
                page = render_landing(vloaded, row, poster_path=mine[0]["path"] if mine else None)
            except LandingError as exc:
                where = "/".join(x for x in (vname, row.channel) if x)
                result.failures.append(Failure(f"landing/{where}/index.html", str(exc)))
                continue
            pages.append(page)
            meta = {"variant": row.variant, "channel": row.channel, "code": row.code, "url": row.url}
            _record(result, out, page.path, page.data, digest, kind="landing", **meta)
            for path, data in page.files:
                _record(result, out, path, data, digest, kind="landing-asset", **meta)
            for message in page.warnings:
                warning = Problem(f"{page.path}: {message}", file=str(loaded.path), severity="warning")
                if str(warning) not in {str(w) for w in result.warnings}:
                    result.warnings.append(warning)
    if loaded.variants and pages:
        from .variants import shares

        weights = shares([(name, weight) for name, weight, _, _ in loaded.variant_list()])
        lang = "en" if pages[0].html.lstrip().lower().startswith('<!doctype html>\n<html lang="en') else "zh-CN"
        for channel in [c.id for c in loaded.spec.channels] or [""]:
            html = split_html(loaded.spec.campaign.id, channel, weights, lang=lang)
            _record(result, out, split_path(channel), html.encode("utf-8"), digest, kind="split", channel=channel)
    if pages:
        _record(result, out, "_headers", headers_file(pages).encode("utf-8"), digest, kind="headers")


def _clean_stale_temp_files(out: Path) -> None:
    """Remove temporary files an interrupted earlier build left behind."""
    if out.is_dir():
        for stale in out.rglob(".*.part"):
            stale.unlink(missing_ok=True)


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
    write_atomic(out / "manifest.json", (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode())
    write_atomic(out / "manifest.csv", csv_text(MANIFEST_FIELDS, rows).encode())
