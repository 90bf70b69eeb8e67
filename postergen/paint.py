"""Paint a :class:`~postergen.layout.LayoutTree` with Pillow, and encode the result.

The painter makes no decisions: every position, size and line comes from the layout.
Edges of shapes, circles and check marks are anti-aliased by drawing their masks at 4×
and reducing, so cards and avatars look as smooth as the text.
"""

from __future__ import annotations

import io
import math
from functools import lru_cache

from .colors import parse_hex
from . import emoji
from .images import fit_image, open_rgba
from .layout import ImageItem, LayoutTree, MarkItem, QRItem, ShapeItem, TextItem
from .textclean import is_ignorable, needs_clusters

SS = 4  # supersampling factor for anti-aliased masks


def paint(tree: LayoutTree):
    """Draw *tree*; returns an RGB Pillow image."""
    from PIL import Image

    canvas = Image.new("RGB", (tree.width, tree.height), (255, 255, 255))
    paint_items(canvas, tree.items)
    return canvas


def paint_items(canvas, items) -> None:
    """Draw *items* onto *canvas* in order (the render cache paints a poster in parts)."""
    for item in items:
        _PAINT[type(item)](canvas, item)


# --------------------------------------------------------------------------- masks


@lru_cache(maxsize=256)
def _corner(r: int):
    """An anti-aliased quarter-disc mask of radius r (top-left corner)."""
    from PIL import Image, ImageDraw

    big = Image.new("L", (r * SS, r * SS), 0)
    ImageDraw.Draw(big).ellipse((0, 0, 2 * r * SS - 1, 2 * r * SS - 1), fill=255)
    return big.resize((r, r), Image.Resampling.BOX)


@lru_cache(maxsize=64)
def rounded_mask(w: int, h: int, radius: float):
    """An L mask of a w×h rectangle with anti-aliased corners of *radius* (cached: callers
    must not change it)."""
    from PIL import Image

    mask = Image.new("L", (w, h), 255)
    r = int(min(radius, w / 2, h / 2))
    if r >= 1:
        c = _corner(r)
        T = Image.Transpose
        mask.paste(c, (0, 0))
        mask.paste(c.transpose(T.FLIP_LEFT_RIGHT), (w - r, 0))
        mask.paste(c.transpose(T.FLIP_TOP_BOTTOM), (0, h - r))
        mask.paste(c.transpose(T.ROTATE_180), (w - r, h - r))
    return mask


@lru_cache(maxsize=64)
def ellipse_mask(w: int, h: int):
    from PIL import Image, ImageDraw

    big = Image.new("L", (w * SS, h * SS), 0)
    ImageDraw.Draw(big).ellipse((0, 0, w * SS - 1, h * SS - 1), fill=255)
    return big.resize((w, h), Image.Resampling.BOX)


@lru_cache(maxsize=64)
def _alpha_table(alpha: int) -> tuple[int, ...]:
    return tuple(v * alpha // 255 for v in range(256))


def _with_alpha(mask, alpha: int):
    if alpha >= 255:
        return mask
    return mask.point(_alpha_table(alpha))


def _fill(canvas, box, rgba, mask=None):
    from PIL import Image

    x, y, w, h = box
    if w <= 0 or h <= 0:
        return
    if mask is None:
        if rgba[3] >= 255:
            canvas.paste(rgba[:3], (x, y, x + w, y + h))
            return
        mask = Image.new("L", (w, h), 255)
    canvas.paste(rgba[:3], (x, y, x + w, y + h), _with_alpha(mask, rgba[3]))


# --------------------------------------------------------------------------- items


def _gradient(w: int, h: int, stops: tuple[tuple[int, int, int, int], ...], angle: float):
    """An RGBA linear gradient; 180° runs top → bottom, 90° left → right (as in CSS).

    The colour table has 256 steps; positions along the gradient line are computed on a
    coarse grid and scaled up bilinearly (position is linear, so nothing is lost), or
    for the common vertical and horizontal gradients a one-pixel strip is stretched.
    Cached: batch builds paint the same background on every poster.
    """
    from PIL import Image

    segs = len(stops) - 1
    table = []
    for v in range(256):
        t = v / 255 * segs
        k = min(int(t), segs - 1)
        f = t - k
        a, b = stops[k], stops[k + 1]
        table.append(tuple(round(a[c] + (b[c] - a[c]) * f) for c in range(4)))
    a = angle % 360
    if a in (0, 90, 180, 270):
        n = h if a in (0, 180) else w
        line = bytearray()
        for i in range(n):
            v = round(i / max(1, n - 1) * 255)
            line.extend(table[v if a in (90, 180) else 255 - v])
        strip = Image.frombytes("RGBA", (1, n) if a in (0, 180) else (n, 1), bytes(line))
        return strip.resize((w, h), Image.Resampling.NEAREST)
    rad = math.radians(angle)
    dx, dy = math.sin(rad), -math.cos(rad)
    half = (abs(w * dx) + abs(h * dy)) / 2 or 1.0
    gw, gh = min(w, 64), min(h, 64)
    grid = bytearray()
    for j in range(gh):
        py = (j + 0.5) / gh * h - h / 2
        for i in range(gw):
            px = (i + 0.5) / gw * w - w / 2
            t = (px * dx + py * dy) / half * 0.5 + 0.5
            grid.append(min(255, max(0, round(t * 255))))
    pos = Image.frombytes("L", (gw, gh), bytes(grid)).resize((w, h), Image.Resampling.BILINEAR)
    # Map positions through the table: a palette image converts in one C pass.
    pal = pos.copy()
    pal.putpalette([c for rgba in table for c in rgba], rawmode="RGBA")
    return pal.convert("RGBA")


@lru_cache(maxsize=16)
def _gradient_layers(w: int, h: int, stops: tuple, angle: float):
    """(RGB image, alpha or None when opaque) of a gradient; cached per process."""
    grad = _gradient(w, h, stops, angle)
    opaque = all(c[3] == 255 for c in stops)
    return grad.convert("RGB"), None if opaque else grad.getchannel("A")


def _paint_shape(canvas, item: ShapeItem):
    x, y, w, h = item.box
    if w <= 0 or h <= 0:
        return
    if item.shape == "ellipse":
        mask = ellipse_mask(w, h)
    elif item.radius >= 1:
        mask = rounded_mask(w, h, item.radius)
    else:
        mask = None
    if item.gradient:
        from PIL import ImageChops

        rgb, alpha = _gradient_layers(w, h, tuple(parse_hex(c) for c in item.gradient), item.angle)
        if alpha is None:
            alpha = mask
        elif mask is not None:
            alpha = ImageChops.multiply(alpha, mask)
        canvas.paste(rgb, (x, y, x + w, y + h), alpha)
    elif item.fill:
        _fill(canvas, item.box, parse_hex(item.fill), mask)
    if item.stroke and item.stroke_width > 0:
        from PIL import Image, ImageDraw

        sw = item.stroke_width * SS
        big = Image.new("L", (w * SS, h * SS), 0)
        d = ImageDraw.Draw(big)
        shape = (0, 0, w * SS - 1, h * SS - 1)
        if item.shape == "ellipse":
            d.ellipse(shape, outline=255, width=round(sw))
        else:
            d.rounded_rectangle(shape, radius=item.radius * SS, outline=255, width=round(sw))
        _fill(canvas, item.box, parse_hex(item.stroke), big.resize((w, h), Image.Resampling.BOX))


@lru_cache(maxsize=32)
def _prepared(src: str, w: int, h: int, fit: str, focal: tuple, mask: str, radius: float):
    """An image fitted to its box with its mask applied: (RGB image, alpha), cached.

    Batch builds draw the same background, logo and icons on every poster, so the
    resize (the costly part) happens once per process.
    """
    from PIL import ImageChops

    im = fit_image(open_rgba(src), w, h, fit, focal)
    iw, ih = im.size
    alpha = im.getchannel("A")
    if mask == "circle":
        alpha = ImageChops.multiply(alpha, ellipse_mask(iw, ih))
    elif mask == "rounded" or radius >= 1:
        alpha = ImageChops.multiply(alpha, rounded_mask(iw, ih, radius))
    return im.convert("RGB"), alpha


def _paint_image(canvas, item: ImageItem):
    x, y, w, h = item.box
    if w <= 0 or h <= 0:
        return
    rgb, alpha = _prepared(item.src, w, h, item.fit, tuple(item.focal), item.mask, item.radius)
    iw, ih = rgb.size
    px = x + {"left": 0, "center": (w - iw) // 2, "right": w - iw}[item.align]
    py = y + (h - ih) // 2
    canvas.paste(rgb, (px, py, px + iw, py + ih), alpha)
    if item.ring and item.ring_width > 0 and item.mask == "circle":
        _fill(canvas, (px, py, iw, ih), parse_hex(item.ring), _ring_mask(iw, ih, round(item.ring_width * SS)))


@lru_cache(maxsize=64)
def _ring_mask(w: int, h: int, width: int):
    """An anti-aliased ring (an avatar's) of *width* px at SS× (cached, like the masks above)."""
    from PIL import Image, ImageDraw

    big = Image.new("L", (w * SS, h * SS), 0)
    ImageDraw.Draw(big).ellipse((0, 0, w * SS - 1, h * SS - 1), outline=255, width=width)
    return big.resize((w, h), Image.Resampling.BOX)


def _chain(fonts: tuple[str, ...]):
    from .fonts import chain_for

    return chain_for(fonts)


def draw_line(draw, chain, text: str, x: float, baseline: float, size: int, fill) -> list:
    """Draw one line glyph by glyph, each at the position the layout measured.

    Drawing whole runs would let Pillow round every advance to a whole pixel, so text
    would drift from the layout (and from the PDF) by a few pixels per line.  Colour
    clusters (emoji) are not drawn here: they are returned as ``(cluster, face, x,
    baseline, size, middle)`` for :func:`paste_color` to composite in their own colours.
    """
    faces = chain.faces
    color = []
    if needs_clusters(text):
        for g, idx, adv in chain.clusters(text):
            face = faces[max(idx, 0)]
            if face.color:
                color.append((g, face, x, baseline, size, chain.main.middle))
            elif not g.isspace():
                for ch in g:  # a base and its marks, each where Pillow's basic layout puts it
                    if not is_ignorable(ch):
                        draw.text((x, baseline), ch, font=face.pil(size), fill=fill, anchor="ls")
            x += adv * size
        return color
    for ch in text:
        idx, adv = chain.lookup(ch)
        face = faces[max(idx, 0)]
        if face.color:
            color.append((ch, face, x, baseline, size, chain.main.middle))
        elif not ch.isspace() and not is_ignorable(ch):
            draw.text((x, baseline), ch, font=face.pil(size), fill=fill, anchor="ls")
        x += adv * size
    return color


@lru_cache(maxsize=4096)
def _scaled_glyph(face, cluster: str, size: int):
    """(RGB, alpha) of a colour glyph scaled for the font *size*; cached, as a batch draws
    the same emoji at the same size on every poster."""
    from PIL import Image

    im = emoji.glyph(face, cluster)[0]
    f = emoji.scale(face, size)
    w, h = max(1, round(im.width * f)), max(1, round(im.height * f))
    # LANCZOS on RGBA resamples premultiplied colours (no dark fringes at the edges).
    small = im.resize((w, h), Image.Resampling.LANCZOS)
    return small.convert("RGB"), small.getchannel("A")


def paste_color(canvas, placements, alpha: int = 255, offset=(0, 0)) -> None:
    """Composite colour glyphs returned by :func:`draw_line` onto *canvas* (*offset*: where
    the surface draw_line drew on sits on the canvas), each scaled from its render size
    and placed by :func:`postergen.emoji.placement`."""
    ox, oy = offset
    for cluster, face, x, baseline, size, middle in placements:
        rgb, mask = _scaled_glyph(face, cluster, size)
        left, top, _, _ = emoji.placement(face, cluster, x, baseline, size, middle)
        canvas.paste(rgb, (round(left + ox), round(top + oy)), _with_alpha(mask, alpha))


def _paint_text(canvas, item: TextItem):
    from PIL import ImageDraw

    rgba = parse_hex(item.color)
    if rgba[3] >= 255:
        color = _draw_lines(ImageDraw.Draw(canvas), item, 0, 0, rgba[:3])
        ox = oy = 0
    else:
        # Translucent text: a mask over the item's region only, then blended.
        mask, ox, oy, color = _text_mask(item, canvas.width, canvas.height, rgba[3])
        canvas.paste(rgba[:3], (ox, oy, ox + mask.width, oy + mask.height), mask)
    if color:
        paste_color(canvas, color, rgba[3], (ox, oy))


def _draw_lines(draw, item: TextItem, ox: int, oy: int, fill) -> list:
    """Draw *item*'s lines (and strike) with *draw*, offset by (-ox, -oy); returns the
    colour glyphs for :func:`paste_color`."""
    chain = _chain(item.fonts)
    color = []
    for line in item.lines:
        color += draw_line(draw, chain, line.text, line.x - ox, line.baseline - oy, item.size, fill)
        if item.strike:
            t = max(1.0, item.size * 0.06)
            yy = line.baseline - oy - item.size * 0.3
            x0 = line.x - ox - item.size * 0.05
            draw.rectangle((x0, yy - t / 2, x0 + line.width + item.size * 0.1, yy + t / 2), fill=fill)
    return color


@lru_cache(maxsize=64)
def _text_mask(item: TextItem, width: int, height: int, alpha: int):
    """(mask with *alpha* applied, its x, its y, colour glyphs) of a translucent text over
    its box plus its size; cached, as a batch paints the same inviter line on every poster
    (callers must not change the mask)."""
    from PIL import Image, ImageDraw

    m = item.size
    x, y, w, h = item.box
    ox, oy = max(0, x - m), max(0, y - m)
    x1, y1 = min(width, x + w + m), min(height, y + h + m)
    target = Image.new("L", (x1 - ox, y1 - oy), 0)
    color = _draw_lines(ImageDraw.Draw(target), item, ox, oy, 255)
    return _with_alpha(target, alpha), ox, oy, tuple(color)


def _paint_mark(canvas, item: MarkItem):
    from PIL import Image, ImageDraw

    x, y, w, h = item.box
    if w <= 0 or h <= 0:
        return
    rgba = parse_hex(item.color)
    _fill(canvas, item.box, rgba, ellipse_mask(w, h))
    if item.mark == "check":
        big = Image.new("L", (w * SS, h * SS), 0)
        W = w * SS
        pts = [(0.27 * W, 0.52 * W), (0.44 * W, 0.68 * W), (0.74 * W, 0.35 * W)]
        ImageDraw.Draw(big).line(pts, fill=255, width=max(1, round(0.11 * W)), joint="curve")
        _fill(canvas, item.box, (255, 255, 255, 255), big.resize((w, h), Image.Resampling.BOX))
    elif item.mark == "number" and item.label:
        chain = _chain(item.fonts)
        size = max(8, round(h * 0.62))
        lw = chain.width(item.label) * size
        face = chain.main
        baseline = y + h / 2 + size * (face.ascent - face.descent) / 2 - size * 0.06
        color = draw_line(ImageDraw.Draw(canvas), chain, item.label, x + (w - lw) / 2, baseline, size, (255, 255, 255))
        paste_color(canvas, color)


_QR_LEVELS = bytes.maketrans(b"01", b"\x00\xff")  # a module row '0'/'1' → mask levels


def _paint_qr(canvas, item: QRItem):
    from PIL import Image

    x, y, side, _ = item.box
    light, dark = parse_hex(item.light), parse_hex(item.dark)
    _fill(canvas, item.box, light, rounded_mask(side, side, item.radius) if item.radius >= 1 else None)
    n = len(item.rows)
    bits = Image.frombytes("L", (n, n), "".join(item.rows).encode("ascii").translate(_QR_LEVELS))
    mask = bits.resize((n * item.module, n * item.module), Image.Resampling.NEAREST)
    q = 4 * item.module
    canvas.paste(dark[:3], (x + q, y + q, x + q + n * item.module, y + q + n * item.module), mask)
    if item.logo and item.logo_box:
        lx, ly, lw, lh = item.logo_box
        _fill(canvas, item.logo_box, light, rounded_mask(lw, lh, lw * 0.18))
        pad = max(item.module, round(lw * 0.08))
        _paint_image(canvas, ImageItem(item.part, item.id, (lx + pad, ly + pad, lw - 2 * pad, lh - 2 * pad), item.logo, "contain", radius=(lw - 2 * pad) * 0.16))


_PAINT = {
    ShapeItem: _paint_shape,
    ImageItem: _paint_image,
    TextItem: _paint_text,
    MarkItem: _paint_mark,
    QRItem: _paint_qr,
}


# --------------------------------------------------------------------------- encode

FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}


def encode(image, fmt: str, quality: int = 90, png_level: int = 1) -> bytes:
    """Encode *image* without metadata; the same image gives the same bytes.  *png_level*
    is the zlib level of a PNG (``output.png_level``): it changes the size, not the pixels."""
    buf = io.BytesIO()
    if fmt == "png":
        image.save(buf, "PNG", compress_level=png_level)
    elif fmt == "jpeg":
        image.save(buf, "JPEG", quality=quality, subsampling=0, optimize=False, progressive=False)
    elif fmt == "webp":
        image.save(buf, "WEBP", quality=quality, method=3)
    else:
        raise ValueError(f"unknown format '{fmt}'")
    return buf.getvalue()
