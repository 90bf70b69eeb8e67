"""Thumbnails and contact sheets, from a build's manifest.

Everything here reads manifest rows (path, kind, variant, channel, template, size,
format), never the spec, so whatever the plan produces — variants, channels, templates,
sizes — shows up.  A *poster* is one variant × channel × template × size; of its formats
the PNG is shown (else the first raster format); print PDFs are linked, not drawn.

A contact sheet shows every poster of one size, in manifest order, one tile each: the
thumbnail and under it two lines, the template (bold) and "variant · channel · FORMAT".
Columns are a multiple of the number of templates, so a column always holds the same
template.  Labels use the bundled font only, so sheets look the same on every machine.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

RASTER = ("png", "jpeg", "webp")
THUMB_WIDTH = 300  # px: thumbnails in the gallery (shown at 150 CSS px, so sharp on 2× screens) and tiles
THUMB_QUALITY = 80
MAX_TILES = 60  # per sheet; more posters of one size go to '<size>-2.png', …

# contact sheet geometry (px)
MARGIN, GUTTER, TITLE_H, LABEL_H = 32, 24, 64, 58
BACKGROUND = (233, 235, 238)
CARD = (255, 255, 255)
INK, MUTED = (24, 24, 27), (100, 100, 110)


# --------------------------------------------------------------------------- manifest


def load_manifest(folder: Path) -> dict:
    from ..errors import PostergenError

    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PostergenError(f"cannot read {folder / 'manifest.json'}: {exc}") from exc


def raster_rows(rows: list[dict]) -> list[dict]:
    """The poster rows Pillow can open (PNG, JPEG, WebP), in manifest order."""
    return [r for r in rows if r.get("kind") == "poster" and r.get("format") in RASTER]


def poster_key(row: dict) -> tuple[str, str, str, str]:
    return (row.get("variant", ""), row.get("channel", ""), row.get("template", ""), row.get("size", ""))


def shown_rows(rows: list[dict]) -> list[dict]:
    """One raster row per poster: the PNG if there is one, else the first format."""
    chosen: dict[tuple, dict] = {}
    for row in raster_rows(rows):
        key = poster_key(row)
        if key not in chosen or (row["format"] == "png" and chosen[key]["format"] != "png"):
            chosen[key] = row
    return list(chosen.values())


def thumb_path(row: dict) -> str:
    """Where a poster's thumbnail goes, relative to the preview folder."""
    return (Path("thumbs") / Path(row["path"]).with_suffix(".jpg")).as_posix()


# --------------------------------------------------------------------------- drawing helpers


@lru_cache(maxsize=16)
def font(weight: str, size: int):
    """The bundled face ('regular' or 'bold') at *size* px."""
    from PIL import ImageFont

    from ..fonts import BUNDLED

    return ImageFont.truetype(str(BUNDLED[weight]), size, layout_engine=ImageFont.Layout.BASIC)


def fit_text(text: str, face, width: float) -> str:
    """*text*, cut with an ellipsis so that it is at most *width* px wide."""
    if face.getlength(text) <= width:
        return text
    while text and face.getlength(text + "…") > width:
        text = text[:-1]
    return text + "…"


def draw_text(draw, xy, text: str, face, fill, width: float) -> None:
    draw.text(xy, fit_text(text, face, width), font=face, fill=fill)


def flatten(image):
    """*image* as RGB, transparent parts on white."""
    from PIL import Image

    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, (255, 255, 255))
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return image.convert("RGB")


def png_bytes(image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG", compress_level=6)
    return buf.getvalue()


def jpeg_bytes(image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=THUMB_QUALITY, optimize=True, progressive=True)
    return buf.getvalue()


# --------------------------------------------------------------------------- thumbnails


def thumbnail(path: Path):
    """A THUMB_WIDTH px wide RGB thumbnail of the poster file *path*."""
    from PIL import Image

    with Image.open(path) as im:
        w, h = im.size
        size = (THUMB_WIDTH, max(1, round(THUMB_WIDTH * h / w)))
        if im.format == "JPEG":
            im.draft("RGB", (size[0] * 2, size[1] * 2))  # decode at a reduced scale: much faster
        return flatten(im).resize(size, Image.Resampling.LANCZOS)


def label_lines(row: dict) -> tuple[str, str]:
    """The two label lines of a tile: template, then variant · channel · FORMAT."""
    second = [v for v in (row.get("variant", ""), row.get("channel", "")) if v]
    second.append(row["format"].upper())
    return row.get("template", "") or Path(row["path"]).stem, " · ".join(second)


# --------------------------------------------------------------------------- contact sheets


@dataclass(frozen=True)
class Tile:
    path: str  # the poster, relative to the build folder
    box: tuple[int, int, int, int]  # the thumbnail on the sheet: left, top, right, bottom
    label: tuple[str, str]


@dataclass(frozen=True)
class Sheet:
    """One contact sheet image."""

    size: str  # poster size, e.g. '1080x1920'
    path: str  # relative to the preview folder, e.g. 'sheets/1080x1920.png'
    width: int
    height: int
    tiles: tuple[Tile, ...]


def columns_for(n: int, templates: int) -> int:
    """About six columns, a multiple of the number of templates (and no more than *n*)."""
    cols = templates * max(1, 6 // templates) if templates <= 6 else templates
    return max(1, min(n, cols))


def contact_sheet(title: str, size: str, name: str, rows: list[dict], thumbs: dict[str, object]):
    """Draw one sheet of the posters *rows* (all of one size); returns (Sheet, image)."""
    from PIL import Image, ImageDraw

    tw = THUMB_WIDTH
    th = max(thumbs[r["path"]].height for r in rows)
    templates = len(dict.fromkeys(r.get("template", "") for r in rows))
    cols = columns_for(len(rows), templates)
    lines = math.ceil(len(rows) / cols)
    width = 2 * MARGIN + cols * tw + (cols - 1) * GUTTER
    height = TITLE_H + MARGIN + lines * (th + LABEL_H) + (lines - 1) * GUTTER + MARGIN
    sheet = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    draw_text(draw, (MARGIN, 22), title, font("bold", 24), INK, width - 2 * MARGIN)
    tiles = []
    for i, row in enumerate(rows):
        x = MARGIN + (i % cols) * (tw + GUTTER)
        y = TITLE_H + MARGIN + (i // cols) * (th + LABEL_H + GUTTER)
        thumb = thumbs[row["path"]]
        draw.rectangle((x - 1, y - 1, x + tw, y + th + LABEL_H), fill=CARD, outline=(210, 213, 218))
        sheet.paste(thumb, (x, y))
        first, second = label_lines(row)
        draw_text(draw, (x + 10, y + th + 6), first, font("bold", 17), INK, tw - 20)
        draw_text(draw, (x + 10, y + th + 31), second, font("regular", 14), MUTED, tw - 20)
        tiles.append(Tile(row["path"], (x, y, x + tw, y + thumb.height), (first, second)))
    return Sheet(size, f"sheets/{name}.png", width, height, tuple(tiles)), sheet


def pages(campaign: str, rows: list[dict]) -> list[tuple[str, str, str, list[dict]]]:
    """(size, sheet name, title, rows) of every sheet: per size, at most MAX_TILES posters each."""
    by_size: dict[str, list[dict]] = {}
    for row in rows:
        by_size.setdefault(row.get("size", ""), []).append(row)
    out = []
    for size, members in by_size.items():
        chunks = [members[i : i + MAX_TILES] for i in range(0, len(members), MAX_TILES)]
        for n, chunk in enumerate(chunks, 1):
            count = f"{len(members)} poster{'s' if len(members) != 1 else ''}"
            if len(chunks) > 1:
                count += f", sheet {n} of {len(chunks)}"
            out.append((size, size if n == 1 else f"{size}-{n}", f"{campaign} · {size} · {count}", chunk))
    return out
