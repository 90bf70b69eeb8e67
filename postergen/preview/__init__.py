"""Preview: contact sheets, a gallery and a baseline diff, for designers and CI.

::

    build(spec, OUT/build)                    # the ordinary build, incremental
    manifest = OUT/build/manifest.json        # everything below reads the manifest rows
    per poster: a small JPEG thumbnail        OUT/thumbs/<poster path>.jpg
    per size: a labelled contact sheet        OUT/sheets/<size>.png
    with a baseline: score every poster       OUT/diff/…png, OUT/summary.md
    OUT/gallery.html, OUT/preview.json

The build always goes to ``OUT/build``; :func:`postergen.pipeline.build` writes only the
files whose bytes changed, so re-running a preview into the same folder is cheap and the
folder is a complete, self-contained artifact (posters, manifest, thumbnails, sheets,
gallery) that a later run can use as its baseline.  The baseline is such a folder (or a
plain build folder); posters are matched by path, and the score is defined in
:mod:`postergen.preview.diff`.

Exit status (:attr:`PreviewResult.exit_code`): 0 nothing changed, 1 a poster changed
beyond the tolerance or was added or removed, 2 a poster failed to render.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .diff import Comparison, PosterChange, Score, compare, markdown, score_images
from .sheets import Sheet, Tile

__all__ = ["preview", "PreviewResult", "Comparison", "PosterChange", "Score", "Sheet", "Tile", "score_images", "DEFAULT_TOLERANCE"]

DEFAULT_TOLERANCE = 0.0  # percent of the poster's area; 0: any visible change counts

#: progress(stage, done, total) with stage 'build', 'thumbnails' or 'compare'.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class PreviewResult:
    """What :func:`preview` wrote."""

    out: Path
    build: object  # the pipeline's BuildResult
    sheets: tuple[Sheet, ...]
    gallery: Path
    comparison: Comparison | None = None
    summary_markdown: str | None = None  # also in OUT/summary.md (with a baseline only)

    @property
    def exit_code(self) -> int:
        if self.build.failures:
            return 2
        return 1 if self.comparison is not None and self.comparison.changed else 0

    def summary(self) -> str:
        """One line: posters, sheets, and with a baseline what changed."""
        posters = len({t.path for s in self.sheets for t in s.tiles})
        n = len(self.sheets)
        text = f"{posters} poster{'s' if posters != 1 else ''} on {n} contact sheet{'s' if n != 1 else ''}"
        if self.build.failures:
            text += f", {len(self.build.failures)} failed"
        if self.comparison is not None:
            c = self.comparison.counts()
            if self.comparison.changed:
                text += f"; {c['changed']} changed, {c['added']} added, {c['removed']} removed"
            else:
                text += "; no poster changed"
        return f"{text} → {self.gallery}"

    def to_dict(self) -> dict:
        return {
            "ok": self.exit_code == 0,
            "exit_code": self.exit_code,
            "summary": self.summary(),
            "gallery": str(self.gallery),
            "sheets": [{"size": s.size, "path": s.path, "posters": len(s.tiles)} for s in self.sheets],
            "failures": [{"path": f.path, "message": f.message} for f in self.build.failures],
            "comparison": self.comparison.to_dict() if self.comparison is not None else None,
        }


def preview(
    spec_or_loaded,
    out_dir: str | Path,
    *,
    baseline: str | Path | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    progress: Progress | None = None,
    environ=None,
    jobs: int | None = None,
) -> PreviewResult:
    """Build the campaign into ``out_dir/build``, then write the contact sheets, the
    gallery and, given a *baseline* preview (or build) folder, the comparison with it.
    *jobs*: worker processes for the build (default: every core).

    Raises :class:`~postergen.errors.SpecError` for an invalid spec and
    :class:`~postergen.errors.PostergenError` for an unusable baseline, before building.
    """
    from ..errors import PostergenError
    from ..jobs import plan
    from ..loader import Loaded, load_campaign
    from ..pipeline import build
    from ..writer import write_atomic
    from .diff import baseline_build, baseline_rows
    from .gallery import render_gallery
    from .sheets import contact_sheet, jpeg_bytes, load_manifest, pages, png_bytes, raster_rows, shown_rows, thumb_path, thumbnail

    from ..store import local_folder
    from ..writer import ensure_folder

    out = local_folder(out_dir, "preview")
    build_dir = out / "build"
    if baseline is not None:
        baseline = Path(baseline)
        baseline_rows(baseline)  # an unusable baseline fails here, before the build
        if baseline_build(baseline).resolve() in (out.resolve(), build_dir.resolve()):
            raise PostergenError(f"baseline {baseline} is the output folder itself; copy it elsewhere or choose another -o")
    loaded = spec_or_loaded if isinstance(spec_or_loaded, Loaded) else load_campaign(spec_or_loaded)
    ensure_folder(out)

    on_job = None
    if progress is not None:
        total, built = len(plan(loaded, environ)), [0]

        def count(job) -> None:
            built[0] += 1
            progress("build", built[0], total)

        on_job = count
    result = build(loaded, build_dir, progress=on_job, environ=environ, jobs=jobs)
    manifest = load_manifest(build_dir)
    rows = manifest.get("files", [])
    campaign = str(manifest.get("campaign", ""))

    for stale in ("thumbs", "sheets", "diff"):
        shutil.rmtree(out / stale, ignore_errors=True)
    (out / "summary.md").unlink(missing_ok=True)

    shown = shown_rows(rows)
    sheets, dims, done = [], {}, 0
    for size, name, title, chunk in pages(campaign, shown):
        thumbs = {}
        for row in chunk:
            image = thumbnail(build_dir / row["path"])
            write_atomic(out / thumb_path(row), jpeg_bytes(image))
            thumbs[row["path"]] = image
            dims[row["path"]] = image.size
            done += 1
            if progress:
                progress("thumbnails", done, len(shown))
        sheet, image = contact_sheet(title, size, name, chunk, thumbs)
        write_atomic(out / sheet.path, png_bytes(image))
        sheets.append(sheet)

    comparison = summary = None
    if baseline is not None:
        comparison = compare(raster_rows(rows), build_dir, baseline, out, tolerance, progress)
        summary = markdown(comparison)
        write_atomic(out / "summary.md", summary.encode("utf-8"))

    gallery = out / "gallery.html"
    write_atomic(gallery, render_gallery(manifest, sheets, dims, comparison).encode("utf-8"))
    preview_result = PreviewResult(out, result, tuple(sheets), gallery, comparison, summary)
    data = preview_result.to_dict()
    write_atomic(out / "preview.json", (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    return preview_result
