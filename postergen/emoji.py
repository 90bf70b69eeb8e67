"""Colour glyphs (emoji): each cluster rendered once per process, and where it sits on a line.

A colour face's cluster is drawn as a picture, not as text: Pillow renders it in its own
colours (``embedded_color``) at the face's render size — the one bitmap strike of Noto
Color Emoji, 109 px, the only size Pillow can open that font at — shaped by libraqm so a
ZWJ sequence, flag, keycap or skin tone is one glyph.  Both painters then draw that
picture at :data:`~postergen.fonts.COLOR_SCALE` × the font size: the raster painter
scales it (:mod:`postergen.paint`), the PDF painter embeds it at full resolution
(:mod:`postergen.pdf.page`), at the same place (:func:`placement`).
"""

from __future__ import annotations

import io
from functools import lru_cache

from .fonts import COLOR_SCALE, Face, shaping_text


@lru_cache(maxsize=2048)
def glyph(face: Face, cluster: str):
    """(RGBA image, left, top) of *cluster* drawn by the colour *face* at its render size,
    cropped to its ink; left/top are offsets from the pen position on the baseline."""
    from PIL import Image, ImageDraw

    font = face.pil(face.render_size)
    text = shaping_text(cluster)
    x0, y0, x1, y1 = font.getbbox(text, anchor="ls")
    w, h = max(1, x1 - x0), max(1, y1 - y0)
    im = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    ImageDraw.Draw(im).text((-x0, -y0), text, font=font, embedded_color=True, anchor="ls")
    box = im.getbbox()
    if box is None:
        return im, x0, y0
    return im.crop(box), x0 + box[0], y0 + box[1]


@lru_cache(maxsize=512)
def png(face: Face, cluster: str) -> bytes:
    """:func:`glyph`'s picture as PNG bytes (for the PDF), cached."""
    buf = io.BytesIO()
    glyph(face, cluster)[0].save(buf, "PNG", compress_level=6)
    return buf.getvalue()


def scale(face: Face, size: float) -> float:
    """How much the render-size picture is scaled for text of font *size* px."""
    return size * COLOR_SCALE / face.render_size


def placement(face: Face, cluster: str, x: float, baseline: float, size: float, middle: float):
    """(left, top, width, height) in poster px of *cluster*'s picture, for a pen at
    (*x*, *baseline*) and a font of *size* px.

    The middle of the colour face's em box is set on the middle of the main face's em
    box (*middle*, in em above the baseline): an emoji sits on the line like the
    ideographs beside it, whatever the main font's metrics."""
    im, left, top = glyph(face, cluster)
    f = scale(face, size)
    shift = (middle - face.middle * COLOR_SCALE) * size
    return x + left * f, baseline + top * f - shift, im.width * f, im.height * f
