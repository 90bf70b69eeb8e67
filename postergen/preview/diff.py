"""Compare a build with a baseline: a score per poster, diff images, a Markdown summary.

The score
---------
*The share of the poster's area, in percent, that changed visibly* (0–100):

1. Both images are flattened onto white; their difference is taken per pixel as the
   largest of the red, green and blue differences (so a colour swap that keeps the
   lightness — red to green — still counts; a grey-level difference would miss it).
2. The difference image is averaged over a grid of square cells, :data:`CELLS_ACROSS`
   across the poster (about 11 px on a 1080 px wide poster, 6 px at 540).  Averaging the
   *difference* (rather than differencing averaged images) keeps a swapped word visible
   even when the new word has as much ink as the old one.
3. A cell has changed when its mean difference exceeds :data:`CELL_THRESHOLD` (20 of 255
   levels).  Measured on the examples: every poster's PNG against its JPEG (quality 88,
   no chroma subsampling) peaks at 15, so encoder noise of that size scores 0; changing
   one digit of the 20 px scarcity line ("5000" → "6000") peaks at 25-50 and scores about
   0.01 %; a one-word headline change scores 1-2 %.

Byte-identical files score 0 without being decoded; a poster whose pixel size changed
scores 100.  A poster has *changed* when its score is above the tolerance (default 0:
any visible change counts; raise it, e.g. ``0.5``, to ignore changes smaller than half a
percent of the poster).  The mean difference (percent of full range) is reported as well.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from .sheets import draw_text, font, flatten

CELLS_ACROSS = 96
CELL_THRESHOLD = 20
PANEL_WIDTH = 360
RED = (220, 38, 38)


@dataclass(frozen=True)
class Score:
    """How much one poster changed."""

    score: float  # percent of the poster's area that changed visibly (0-100)
    mean: float  # mean absolute difference, percent of full range (0-100)
    mask: object = field(default=None, repr=False, compare=False)  # L image, one pixel per cell, 255 = changed


def score_images(before, after) -> Score:
    """The perceptual difference between two Pillow images (see the module docstring)."""
    from PIL import Image, ImageChops, ImageStat

    if before.size != after.size:
        return Score(100.0, 100.0)
    a, b = flatten(before), flatten(after)
    r, g, bl = ImageChops.difference(a, b).split()
    delta = ImageChops.lighter(ImageChops.lighter(r, g), bl)
    w, h = delta.size
    cell = max(1, round(w / CELLS_ACROSS))
    grid = (math.ceil(w / cell), math.ceil(h / cell))
    if delta.getbbox() is None:
        return Score(0.0, 0.0, Image.new("L", grid, 0))
    cells = delta.resize(grid, Image.Resampling.BOX)
    mask = cells.point(lambda v: 255 if v > CELL_THRESHOLD else 0)
    changed = mask.histogram()[255]
    mean = ImageStat.Stat(delta).mean[0] / 255 * 100
    return Score(round(100 * changed / (grid[0] * grid[1]), 3), round(mean, 3), mask)


# --------------------------------------------------------------------------- diff image


def regions(mask) -> list[tuple[int, int, int, int]]:
    """Bounding boxes (in cells, x0 y0 x1 y1 exclusive) of groups of nearby changed cells."""
    from PIL import ImageFilter

    grown = mask.filter(ImageFilter.MaxFilter(5))  # cells up to 2 apart join one region
    w, h = grown.size
    px = grown.load()
    seen = set()
    boxes = []
    for y in range(h):
        for x in range(w):
            if px[x, y] and (x, y) not in seen:
                stack = [(x, y)]
                seen.add((x, y))
                x0, y0, x1, y1 = x, y, x, y
                while stack:
                    cx, cy = stack.pop()
                    x0, y0, x1, y1 = min(x0, cx), min(y0, cy), max(x1, cx), max(y1, cy)
                    for nx, ny in ((cx + 1, cy), (cx - 1, cy), (cx, cy + 1), (cx, cy - 1)):
                        if 0 <= nx < w and 0 <= ny < h and px[nx, ny] and (nx, ny) not in seen:
                            seen.add((nx, ny))
                            stack.append((nx, ny))
                boxes.append((x0, y0, x1 + 1, y1 + 1))
    return boxes


def diff_image(before, after, result: Score, title: str):
    """Before, after, and the new poster dimmed with the changed regions tinted red."""
    from PIL import Image, ImageDraw

    pw = PANEL_WIDTH
    ph_before = round(pw * before.height / before.width)
    ph = round(pw * after.height / after.width)
    a = flatten(before).resize((pw, ph_before), Image.Resampling.LANCZOS)
    b = flatten(after).resize((pw, ph), Image.Resampling.LANCZOS)
    grey = b.convert("L").convert("RGB")
    dimmed = Image.blend(grey, Image.new("RGB", b.size, (255, 255, 255)), 0.6)
    if result.mask is not None:
        from PIL import ImageFilter

        grown = result.mask.filter(ImageFilter.MaxFilter(3)).resize(b.size, Image.Resampling.NEAREST)
        tint = Image.new("RGB", b.size, RED)
        dimmed = Image.composite(Image.blend(b, tint, 0.45), dimmed, grown)
        draw = ImageDraw.Draw(dimmed)
        gx, gy = result.mask.size
        for x0, y0, x1, y1 in regions(result.mask):
            box = (x0 * pw / gx - 3, y0 * ph / gy - 3, x1 * pw / gx + 2, y1 * ph / gy + 2)
            draw.rectangle(box, outline=RED, width=2)
    pad, head, label = 24, 44, 30
    width = pad + 3 * (pw + pad)
    height = head + label + max(ph, ph_before) + pad
    sheet = Image.new("RGB", (width, height), (244, 244, 245))
    draw = ImageDraw.Draw(sheet)
    draw_text(draw, (pad, 12), title, font("bold", 18), (24, 24, 27), width - 2 * pad)
    captions = ["before", "after", f"changes · {result.score:g} % of the area"]
    for i, (panel, caption) in enumerate(zip((a, b, dimmed), captions)):
        x = pad + i * (pw + pad)
        draw_text(draw, (x, head + 2), caption, font("regular", 15), RED if i == 2 else (82, 82, 91), pw)
        sheet.paste(panel, (x, head + label))
        draw.rectangle((x - 1, head + label - 1, x + panel.width, head + label + panel.height), outline=(212, 212, 216))
    return sheet


# --------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class PosterChange:
    """One poster compared with the baseline."""

    path: str  # as in the manifest, relative to the build folder
    status: str  # 'changed', 'unchanged' (score at most the tolerance), 'added' or 'removed'
    score: float | None = None  # None for added and removed posters
    mean: float | None = None
    diff: str | None = None  # the diff image, relative to the preview folder


@dataclass(frozen=True)
class Comparison:
    """A build compared with a baseline preview."""

    baseline: Path
    tolerance: float
    posters: tuple[PosterChange, ...]

    def of(self, status: str) -> list[PosterChange]:
        return [p for p in self.posters if p.status == status]

    @property
    def changed(self) -> bool:
        """True when a poster changed beyond the tolerance, or was added or removed."""
        return any(p.status != "unchanged" for p in self.posters)

    def counts(self) -> dict[str, int]:
        return {s: len(self.of(s)) for s in ("changed", "added", "removed", "unchanged")}

    def to_dict(self) -> dict:
        return {
            "baseline": str(self.baseline),
            "tolerance": self.tolerance,
            "counts": self.counts(),
            "posters": [p.__dict__ for p in self.posters if p.status != "unchanged" or p.score],
        }


MAX_TABLE_ROWS = 50
NOTHING_CHANGED = "No poster changed."


def _by_poster(changes: list[PosterChange]) -> list[tuple[str, list[PosterChange]]]:
    """Changes grouped by poster (the path without its extension: one per format)."""
    groups: dict[str, list[PosterChange]] = {}
    for change in changes:
        groups.setdefault(Path(change.path).with_suffix("").as_posix(), []).append(change)
    return list(groups.items())


def _files(n: int) -> str:
    return f"{n} file{'s' if n != 1 else ''}"


def markdown(comparison: Comparison) -> str:
    """A summary for a pull-request comment; links are relative to the preview folder.

    Counts are of files (a poster in PNG and JPEG is two); the table has one row per
    poster, with a diff link per format, the largest change first.
    """
    c = comparison.counts()
    lines = ["## Poster preview", ""]
    total = c["changed"] + c["unchanged"] + c["removed"]
    if not comparison.changed:
        lines += [NOTHING_CHANGED, "", f"{_files(total)} compared with the baseline."]
        slight = [p for p in comparison.of("unchanged") if p.score]
        if slight:
            lines[-1] += f" {_files(len(slight))} differ slightly, within the tolerance of {comparison.tolerance:g} %."
        return "\n".join(lines) + "\n"
    parts = [f"{c[s]} {s}" for s in ("changed", "added", "removed") if c[s]]
    lines.append(f"**{', '.join(parts)}**, of {_files(total)} in the baseline.")
    changed = sorted(_by_poster(comparison.of("changed")), key=lambda g: (-max(p.score or 0 for p in g[1]), g[0]))
    if changed:
        lines += ["", "| poster | changed area | diff |", "| --- | ---: | --- |"]
        for stem, group in changed[:MAX_TABLE_ROWS]:
            score = max(p.score or 0 for p in group)
            links = " · ".join(f"[{Path(p.path).suffix.lstrip('.')}]({quote(p.diff)})" for p in group if p.diff)
            lines.append(f"| `{stem}` | {score:g} % | {links} |")
        if len(changed) > MAX_TABLE_ROWS:
            lines.append(f"| … and {len(changed) - MAX_TABLE_ROWS} more posters (see gallery.html) | | |")
    for status, title in (("added", "Added"), ("removed", "Removed")):
        items = _by_poster(comparison.of(status))
        if items:
            lines += ["", f"**{title}:**", ""]
            for stem, group in items[:MAX_TABLE_ROWS]:
                lines.append(f"- `{stem}` ({', '.join(Path(p.path).suffix.lstrip('.') for p in group)})")
            if len(items) > MAX_TABLE_ROWS:
                lines.append(f"- … and {len(items) - MAX_TABLE_ROWS} more posters")
    lines += [
        "",
        f"<sub>changed area: the share of the poster that changed visibly (tolerance {comparison.tolerance:g} %). "
        "Every poster is in gallery.html of the preview.</sub>",
    ]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- running it


def baseline_build(folder: Path) -> Path:
    """The build folder of a baseline: ``DIR/build`` of a preview, or ``DIR`` itself (a build)."""
    from ..errors import PostergenError

    for candidate in (folder / "build", folder):
        if (candidate / "manifest.json").exists():  # not a regular file: baseline_rows says so
            return candidate
    raise PostergenError(f"baseline {folder}: no manifest.json (expected a preview folder or a build folder)")


def baseline_rows(folder: Path) -> tuple[Path, list[dict]]:
    """(build folder, raster poster rows) of the baseline *folder*, checked.

    The baseline is a downloaded artifact: its manifest must be a regular file of at most
    64 MB holding a JSON object with a ``files`` list of objects whose paths stay inside
    the baseline; anything else is a :class:`~postergen.errors.PostergenError` saying so.
    """
    import json

    from ..errors import PostergenError
    from ..safeio import FileProblem, read_text
    from .sheets import raster_rows

    old_dir = baseline_build(folder)
    where = f"baseline {old_dir / 'manifest.json'}"
    try:
        data = json.loads(read_text(old_dir / "manifest.json", kind="manifest"))
    except FileProblem as exc:
        raise PostergenError(f"baseline {exc}") from None
    except ValueError as exc:
        raise PostergenError(f"{where}: not JSON ({exc}); use the manifest.json a postergen build wrote") from None
    except RecursionError:
        raise PostergenError(f"{where}: nested too deeply to be a postergen manifest") from None
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise PostergenError(f"{where}: not a postergen manifest (no 'files' list); use the folder of a build or preview")
    for i, row in enumerate(data["files"]):
        if not isinstance(row, dict) or not all(isinstance(row.get(k, ""), str) for k in ("path", "kind", "format", "sha256")):
            raise PostergenError(f"{where}: files[{i}] is not a file entry (an object of path, kind, format, sha256…)")
        path = row.get("path", "")
        if row.get("kind") == "poster" and not _safe_rel(path):
            raise PostergenError(f"{where}: files[{i}].path {path[:80]!r} is not a path inside the baseline folder")
    return old_dir, raster_rows(data["files"])


def _safe_rel(path: str) -> bool:
    parts = path.split("/")
    return bool(path) and "\\" not in path and "\x00" not in path and not path.startswith("/") and all(
        p not in ("", ".", "..") for p in parts
    ) and ":" not in parts[0]


def _open_checked(root: Path, rel: str):
    """The poster *rel* of the build folder *root*, opened with the image checks: a regular
    file inside *root* (no link out), at most 40 MB and 50 megapixels."""
    from PIL import Image

    from ..errors import PostergenError
    from ..images import MAX_PIXELS, inside
    from ..safeio import FileProblem, check_file

    path = root / rel
    if not inside(path, root):
        raise PostergenError(f"cannot compare {rel}: it is a link out of {root}")
    try:
        check_file(path, rel, kind="image")
    except FileProblem as exc:
        raise PostergenError(f"cannot compare {exc}") from None
    bomb = f"over the {MAX_PIXELS // 1_000_000} MP limit (a decompression bomb?)"
    try:
        im = Image.open(path)
    except Image.DecompressionBombError as exc:
        import re

        m = re.search(r"\((\d+) pixels\)", str(exc))
        raise PostergenError(f"cannot compare {rel}: {int(m[1]) // 1_000_000 if m else 'too many'} MP is {bomb}") from None
    except OSError as exc:
        raise PostergenError(f"cannot compare {rel}: {exc}") from None
    w, h = im.size
    if w * h > MAX_PIXELS:
        im.close()
        raise PostergenError(f"cannot compare {rel}: {w}×{h} px is {w * h // 1_000_000} MP, {bomb}")
    return im


def diff_path(path: str) -> str:
    """Where the diff image of the poster *path* goes, relative to the preview folder."""
    p = Path(path)
    return (Path("diff") / p.parent / f"{p.stem}-{p.suffix.lstrip('.')}.png").as_posix()


def compare(
    rows: list[dict],
    build: Path,
    baseline: Path,
    out: Path,
    tolerance: float = 0.0,
    progress=None,
) -> Comparison:
    """Compare the raster *rows* of the build in *build* with the baseline folder *baseline*.

    Posters are matched by path.  Diff images of changed posters are written under
    ``out/diff/``; those of an earlier run are removed first.
    """
    import shutil

    from PIL import Image

    from ..errors import PostergenError
    from ..writer import write_atomic
    from .sheets import png_bytes

    old_dir, old_rows = baseline_rows(baseline)
    old = {r["path"]: r for r in old_rows}
    new = {r["path"]: r for r in rows}
    shutil.rmtree(out / "diff", ignore_errors=True)
    results = []
    both = [p for p in new if p in old]
    for i, path in enumerate(both, 1):
        if new[path]["sha256"] == old[path]["sha256"]:
            results.append(PosterChange(path, "unchanged", 0.0, 0.0))
        else:
            try:
                with _open_checked(old_dir, path) as before, _open_checked(build, path) as after:
                    before.load()
                    after.load()
                    s = score_images(before, after)
                    image = diff_image(before, after, s, path) if s.score > 0 else None
            except (OSError, ValueError, Image.DecompressionBombError) as exc:
                raise PostergenError(f"cannot compare {path}: {exc}") from None
            status = "changed" if s.score > tolerance else "unchanged"
            target = None
            if image is not None:
                target = diff_path(path)
                write_atomic(out / target, png_bytes(image))
            results.append(PosterChange(path, status, s.score, s.mean, target))
        if progress:
            progress("compare", i, len(both))
    results += [PosterChange(p, "added") for p in new if p not in old]
    results += [PosterChange(p, "removed") for p in old if p not in new]
    return Comparison(baseline, tolerance, tuple(results))
