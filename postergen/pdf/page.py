"""The layout tree as an absolutely positioned HTML/CSS page, for WeasyPrint to print.

Layout once, paint twice: :class:`Page` draws exactly what :mod:`postergen.paint` draws,
from the same tree.  Nothing is re-laid out: every text run sits at the layout's x and
baseline.

* **Text**: each run (a stretch of one face, as the raster painter draws it) is its own
  element at its pen position, in a font subset of :mod:`postergen.pdf.weasy`; kerning
  and ligatures are off because layout measured with plain advance widths (as Pillow's
  basic layout draws).  The element's top is computed from the baseline with the face's
  ascent *as Pango sees it* (:func:`postergen.pdf.weasy.baseline_em`).
* **Emoji** (clusters of a colour face) are pictures: the glyph rendered once at the
  font's bitmap size, embedded as PNG at full resolution where the raster painter puts
  it (:mod:`postergen.emoji`); the colour font itself is never embedded.
* **QR codes** are a placeholder rectangle in a colour nothing else uses; the PDF
  finisher of :func:`postergen.pdf.paint_pdf` swaps it for the dark modules.
* **Images** are embedded at their own resolution (never resampled to poster pixels),
  placed where the raster painter puts them (:func:`place_image`).
* **Bleed**: rectangles and cover images that reach an edge of the poster extend past
  the trim into the bleed (a gradient keeps its colours where they were); everything is
  clipped to the bleed box.  **Crop marks**, when asked, sit outside the bleed.
  :class:`PageGeometry` says where the trim, bleed and media boxes are.

May import: :mod:`postergen.pdf.weasy` (resources, fonts, images, the text CSS its
baselines are measured with), :mod:`postergen.layout`, :mod:`postergen.fonts`,
:mod:`postergen.emoji`, :mod:`postergen.colors` and :mod:`postergen.printsizes`.  Never
WeasyPrint itself (it writes a string) and never :mod:`postergen.pdf`, which builds on it.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

from .. import emoji
from ..colors import parse_hex
from ..fonts import Face, chain_for
from ..layout import ImageItem, LayoutTree, MarkItem, QRItem, ShapeItem, TextItem
from ..printsizes import MM_PER_INCH
from .weasy import TEXT_CSS, PdfError, Resources, baseline_em, font_face, image_bytes, image_info, prepare_image

CSS_PX_PER_MM = 96 / MM_PER_INCH
PT_PER_MM = 72 / MM_PER_INCH

#: Crop marks: distance from the trim (at least the bleed), length and line width.
MARK_GAP_MM = 3.0
MARK_LENGTH_MM = 5.0
MARK_MARGIN_MM = 1.0
MARK_WIDTH_PT = 0.25


# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class PageGeometry:
    """Where the trim sits on the PDF page, in millimetres."""

    trim_mm: tuple[float, float]
    bleed_mm: float
    crop_marks: bool

    @property
    def margin_mm(self) -> float:
        """From the page edge to the trim."""
        if not self.crop_marks:
            return self.bleed_mm
        return self.mark_gap_mm + MARK_LENGTH_MM + MARK_MARGIN_MM

    @property
    def mark_gap_mm(self) -> float:
        return max(self.bleed_mm, MARK_GAP_MM)

    @property
    def media_mm(self) -> tuple[float, float]:
        m = 2 * self.margin_mm
        return (self.trim_mm[0] + m, self.trim_mm[1] + m)

    def boxes_pt(self) -> dict[str, tuple[float, float, float, float]]:
        """MediaBox, BleedBox and TrimBox in PDF points ([x0, y0, x1, y1])."""
        mw, mh = (v * PT_PER_MM for v in self.media_mm)
        o = self.margin_mm * PT_PER_MM
        b = (self.margin_mm - self.bleed_mm) * PT_PER_MM
        return {
            "MediaBox": (0.0, 0.0, mw, mh),
            "BleedBox": (b, b, mw - b, mh - b),
            "TrimBox": (o, o, mw - o, mh - o),
        }


class _Frame:
    """Maps poster pixels to CSS px inside the bleed box (the clipping container)."""

    def __init__(self, tree: LayoutTree, page: PageGeometry):
        tw, th = page.trim_mm
        self.kx = tw * CSS_PX_PER_MM / tree.width
        self.ky = th * CSS_PX_PER_MM / tree.height
        self.k = self.kx  # for lengths that are not along one axis (font sizes, radii)
        self.bleed = page.bleed_mm * CSS_PX_PER_MM
        self.width, self.height = tree.width, tree.height

    def x(self, v: float) -> float:
        return self.bleed + v * self.kx

    def y(self, v: float) -> float:
        return self.bleed + v * self.ky

    def rect(self, x, y, w, h) -> tuple[float, float, float, float]:
        return (self.x(x), self.y(y), w * self.kx, h * self.ky)

    def extend(self, box, sides: str) -> tuple[float, float, float, float]:
        """*box* (poster px) in CSS px, pushed into the bleed on the sides it touches."""
        x, y, w, h = box
        left, top = self.x(x), self.y(y)
        right, bottom = self.x(x + w), self.y(y + h)
        if "l" in sides:
            left = min(left, 0.0)
        if "t" in sides:
            top = min(top, 0.0)
        if "r" in sides:
            right = max(right, self.x(self.width) + self.bleed)
        if "b" in sides:
            bottom = max(bottom, self.y(self.height) + self.bleed)
        return (left, top, right - left, bottom - top)

    def touching(self, box) -> str:
        """Which edges of the poster *box* reaches: a subset of 'ltrb'."""
        x, y, w, h = box
        sides = ""
        if x <= 0:
            sides += "l"
        if y <= 0:
            sides += "t"
        if x + w >= self.width:
            sides += "r"
        if y + h >= self.height:
            sides += "b"
        return sides


def _n(v: float) -> str:
    """A CSS number: 3 decimals, no trailing zeros."""
    text = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _px(v: float) -> str:
    return _n(v) + "px"


def _pos(rect) -> str:
    x, y, w, h = rect
    return f"left:{_px(x)};top:{_px(y)};width:{_px(w)};height:{_px(h)}"


def _rgba(value: str | tuple, *, opaque: bool = False) -> str:
    r, g, b, a = parse_hex(value) if isinstance(value, str) else value
    if opaque or a >= 255:
        return f"#{r:02x}{g:02x}{b:02x}"
    return f"rgba({r},{g},{b},{_n(a / 255)})"


# --------------------------------------------------------------------------- image placement


@dataclass(frozen=True)
class _Placement:
    """An image as the raster painter places it, in poster px."""

    shown: tuple[float, float, float, float]  # the visible rectangle (clip)
    drawn: tuple[float, float, float, float]  # the whole source image, scaled
    source_px: tuple[float, float]  # source pixels across the visible rectangle


def place_image(item: ImageItem, iw: int, ih: int) -> _Placement:
    """Where the raster painter puts *item* (see images.fit_image and paint._paint_image)."""
    x, y, w, h = item.box
    if item.fit == "cover":
        scale = max(w / iw, h / ih)
        cw, ch = w / scale, h / scale
        fx, fy = item.focal
        left = min(max(fx * iw - cw / 2, 0), iw - cw)
        top = min(max(fy * ih - ch / 2, 0), ih - ch)
        drawn = (x - left * scale, y - top * scale, iw * scale, ih * scale)
        return _Placement((x, y, w, h), drawn, (cw, ch))
    scale = min(w / iw, h / ih)
    dw, dh = max(1, round(iw * scale)), max(1, round(ih * scale))
    px = x + {"left": 0, "center": (w - dw) // 2, "right": w - dw}[item.align]
    py = y + (h - dh) // 2
    return _Placement((px, py, dw, dh), (px, py, dw, dh), (iw, ih))


# --------------------------------------------------------------------------- painting


class Page:
    """Collects the HTML elements of one poster."""

    def __init__(self, tree: LayoutTree, geometry: PageGeometry, resources: Resources):
        self.tree = tree
        self.geometry = geometry
        self.f = _Frame(tree, geometry)
        self.resources = resources
        self.faces: dict[str, tuple[Face, set[int]]] = {}
        self.families: list[str] = []
        self.out: list[str] = []
        self.qr_codes: dict[tuple[int, int, int], QRItem] = {}
        self._marker = 0
        self._used: set | None = None

    # ---- primitives

    def div(self, rect, style: str = "", body: str = "") -> None:
        self.out.append(f'<div style="{_pos(rect)};{style}">{body}</div>')

    def text_run(self, face: Face, text: str, x: float, baseline: float, size: float, color: str) -> None:
        """One run of one face, its baseline at (x, baseline) in poster px."""
        key = f"{face.path}#{face.index}"
        if key not in self.faces:
            self.faces[key] = (face, set())
        self.faces[key][1].update(ord(c) for c in text)
        k = self.f.k
        top = self.f.y(baseline) - baseline_em(face, self.resources) * size * k
        # The family is known once every run is in (it names the subset): a placeholder.
        self.out.append(
            f'<div class="t" style="left:{_px(self.f.x(x))};top:{_px(top)};font-family:{_MARK}{key}{_MARK};'
            f'font-size:{_px(size * k)};color:{color}">{html.escape(text, quote=False)}</div>'
        )

    def line(self, fonts, text: str, x: float, baseline: float, size: float, color: str, what: str) -> None:
        chain = chain_for(tuple(fonts))
        missing = chain.missing(text)
        if missing:
            ch = missing[0]
            raise PdfError(f"{what}: character '{ch}' (U+{ord(ch):04X}) is in no configured font")
        for run in chain.runs(text):
            if run.face.color:
                for g, _, adv in chain.clusters(run.text):
                    if not g.isspace():
                        self.color_glyph(run.face, g, x, baseline, size, chain.main.middle, color)
                    x += adv * size
                continue
            if run.text.strip():
                self.text_run(run.face, run.text, x, baseline, size, color)
            x += run.advance * size

    def color_glyph(self, face: Face, cluster: str, x: float, baseline: float, size: float, middle: float, color: str) -> None:
        """A colour glyph (emoji) as its picture at the render size (109 px for Noto Color
        Emoji), placed where the raster painter puts it; translucent text makes it
        translucent too."""
        data = emoji.png(face, cluster)
        url = self.resources.add(data, "image/png")
        prepare_image(url, data)
        rect = self.f.rect(*emoji.placement(face, cluster, x, baseline, size, middle))
        # *color* is CSS (#rrggbb, or rgba(…) for translucent text): its alpha is the opacity.
        opacity = f"opacity:{color.rsplit(',', 1)[1].rstrip(')')}" if color.startswith("rgba(") else ""
        self.div(rect, opacity, f'<img src="{html.escape(url)}" style="display:block;width:100%;height:100%">')

    # ---- items

    def shape(self, item: ShapeItem) -> None:
        x, y, w, h = item.box
        if w <= 0 or h <= 0:
            return
        style = []
        radius = int(min(item.radius, w / 2, h / 2)) if item.radius >= 1 else 0
        rect = self.f.rect(x, y, w, h)
        sides = self.f.touching(item.box)
        if item.shape == "ellipse":
            style.append("border-radius:50%")
        elif radius:
            style.append(f"border-radius:{_px(radius * self.f.k)}")
        elif sides and not item.stroke:
            rect = self.f.extend(item.box, sides)
        if item.gradient:
            style.append(f"background-image:{self._gradient(item, rect)};background-repeat:no-repeat")
        elif item.fill:
            style.append(f"background-color:{_rgba(item.fill)}")
        if item.stroke and item.stroke_width > 0:
            sw = round(item.stroke_width * 4) / 4
            style.append(f"box-sizing:border-box;border:{_px(sw * self.f.k)} solid {_rgba(item.stroke)}")
        if len(style) > (1 if item.shape == "ellipse" or radius else 0):
            self.div(rect, ";".join(style))

    def _gradient(self, item: ShapeItem, rect) -> str:
        """A CSS gradient over *rect* (CSS px) with the colours the raster painter puts at
        each point of the item's own box, also when *rect* was extended into the bleed."""
        x, y, w, h = self.f.rect(*item.box)
        X, Y, W, H = rect
        rad = math.radians(item.angle)
        dx, dy = math.sin(rad), -math.cos(rad)
        length = abs(w * dx) + abs(h * dy) or 1.0
        length2 = abs(W * dx) + abs(H * dy) or 1.0
        shift = ((X + W / 2) - (x + w / 2)) * dx + ((Y + H / 2) - (y + h / 2)) * dy
        n = len(item.gradient) - 1
        stops, previous = [], None
        for i, colour in enumerate(item.gradient):
            t = 0.5 + ((i / n - 0.5) * length - shift) / length2
            if previous is not None:
                # An explicit hint half-way: WeasyPrint 70 puts the default hint at 50%
                # of the whole line, which bends the ramps between uneven stops.
                stops.append(f"{_n((previous + t) / 2 * 100)}%")
            stops.append(f"{_rgba(colour)} {_n(t * 100)}%")
            previous = t
        return f"linear-gradient({_n(item.angle)}deg,{','.join(stops)})"

    def image(self, item: ImageItem, *, bleed: bool = True) -> None:
        x, y, w, h = item.box
        if w <= 0 or h <= 0:
            return
        path = self.resources.check(item.src, f"image of layer '{item.id or 'image'}'")
        info = image_info(path)
        data, mime = image_bytes(path)
        url = self.resources.add(data, mime)
        prepare_image(url, data)
        p = place_image(item, info.width, info.height)
        sw, sh = p.shown[2], p.shown[3]
        rounded = item.mask == "circle" or item.mask == "rounded" or item.radius >= 1
        shown = self.f.rect(*p.shown)
        drawn = self.f.rect(*p.drawn)
        sides = self.f.touching(p.shown) if bleed and item.fit == "cover" and not rounded else ""
        if sides:
            shown = self.f.extend(p.shown, sides)
            if not _covers(drawn, shown):
                # The photo has no pixels beyond the crop: cover the extended box instead.
                drawn = _cover(info.width, info.height, shown, item.focal)
        style = "overflow:hidden"
        if item.mask == "circle":
            style += ";border-radius:50%"
        elif rounded:
            style += f";border-radius:{_px(int(min(item.radius, sw / 2, sh / 2)) * self.f.k)}"
        dx, dy, dw, dh = drawn
        img = (
            f'<img src="{html.escape(url)}" style="position:absolute;left:{_px(dx - shown[0])};'
            f'top:{_px(dy - shown[1])};width:{_px(dw)};height:{_px(dh)}">'
        )
        self.div(shown, style, img)
        if item.ring and item.ring_width > 0 and item.mask == "circle":
            rw = round(item.ring_width * 4) / 4
            self.div(
                self.f.rect(*p.shown),
                f"box-sizing:border-box;border-radius:50%;border:{_px(rw * self.f.k)} solid {_rgba(item.ring)}",
            )

    def text(self, item: TextItem) -> None:
        color = _rgba(item.color)
        what = f"layer '{item.id or 'text'}'"
        for ln in item.lines:
            self.line(item.fonts, ln.text, ln.x, ln.baseline, item.size, color, what)
            if item.strike:
                t = max(1.0, item.size * 0.06)
                yy = ln.baseline - item.size * 0.3
                x0 = ln.x - item.size * 0.05
                self.div(self.f.rect(x0, yy - t / 2, ln.width + item.size * 0.1, t), f"background-color:{color}")

    def mark(self, item: MarkItem) -> None:
        x, y, w, h = item.box
        if w <= 0 or h <= 0:
            return
        self.div(self.f.rect(x, y, w, h), f"border-radius:50%;background-color:{_rgba(item.color)}")
        if item.mark == "check":
            W = w * 4
            width = max(1, round(0.11 * W)) / 4
            pts = " ".join(f"{_n(a * w)},{_n(b * w)}" for a, b in ((0.27, 0.52), (0.44, 0.68), (0.74, 0.35)))
            rect = self.f.rect(x, y, w, h)
            self.out.append(
                f'<svg xmlns="http://www.w3.org/2000/svg" style="{_pos(rect)}" width="{_px(rect[2])}" '
                f'height="{_px(rect[3])}" viewBox="0 0 {w} {h}" preserveAspectRatio="none">'
                f'<polyline points="{pts}" fill="none" stroke="#ffffff" stroke-width="{_n(width)}" '
                'stroke-linejoin="round" stroke-linecap="butt"/></svg>'
            )
        elif item.mark == "number" and item.label:
            chain = chain_for(tuple(item.fonts))
            size = max(8, round(h * 0.62))
            lw = chain.width(item.label) * size
            face = chain.main
            baseline = y + h / 2 + size * (face.ascent - face.descent) / 2 - size * 0.06
            self.line(item.fonts, item.label, x + (w - lw) / 2, baseline, size, "#ffffff", f"layer '{item.id}'")

    def qr(self, item: QRItem) -> None:
        x, y, side, _ = item.box
        light = _rgba(item.light)
        radius = int(min(item.radius, side / 2)) if item.radius >= 1 else 0
        style = f"background-color:{light}"
        if radius:
            style += f";border-radius:{_px(radius * self.f.k)}"
        self.div(self.f.rect(x, y, side, side), style)
        n = len(item.rows)
        q = 4 * item.module
        # A placeholder in a colour nothing else uses; the finisher swaps its rectangle
        # for the modules (see _inject_qr_codes).
        marker = self.marker()
        self.qr_codes[marker] = item
        self.div(self.f.rect(x + q, y + q, n * item.module, n * item.module), f"background-color:rgb{marker}")
        if item.logo and item.logo_box:
            lx, ly, lw, lh = item.logo_box
            r = int(min(lw * 0.18, lw / 2, lh / 2))
            back = f"background-color:{light}" + (f";border-radius:{_px(r * self.f.k)}" if r >= 1 else "")
            self.div(self.f.rect(lx, ly, lw, lh), back)
            pad = max(item.module, round(lw * 0.08))
            inner = (lx + pad, ly + pad, lw - 2 * pad, lh - 2 * pad)
            self.image(ImageItem(item.part, item.id, inner, item.logo, "contain", radius=(lw - 2 * pad) * 0.16), bleed=False)

    def marker(self) -> tuple[int, int, int]:
        if self._used is None:
            self._used = _colours_of(self.tree)
        while True:
            self._marker += 1
            rgb = (1, 254, (self._marker * 37) % 256)
            if rgb not in self._used and rgb not in self.qr_codes:
                return rgb

    # ---- the page

    def crop_marks(self) -> str:
        g = self.geometry
        k = CSS_PX_PER_MM
        mw, mh = (v * k for v in g.media_mm)
        o, gap, ln = g.margin_mm * k, g.mark_gap_mm * k, MARK_LENGTH_MM * k
        tw, th = (v * k for v in g.trim_mm)
        x0, y0, x1, y1 = o, o, o + tw, o + th
        d = []
        for xe, sx in ((x0, -1), (x1, 1)):
            for ye, sy in ((y0, -1), (y1, 1)):
                d.append(f"M{_n(xe + sx * gap)},{_n(ye)}h{_n(sx * ln)}")  # horizontal, on the trim line
                d.append(f"M{_n(xe)},{_n(ye + sy * gap)}v{_n(sy * ln)}")  # vertical
        width = MARK_WIDTH_PT * 96 / 72
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" style="left:0;top:0;width:{_px(mw)};height:{_px(mh)}" '
            f'width="{_px(mw)}" height="{_px(mh)}" viewBox="0 0 {_n(mw)} {_n(mh)}">'
            f'<path d="{"".join(d)}" fill="none" stroke="#000000" stroke-width="{_n(width)}"/></svg>'
        )

    def html(self) -> str:
        g = self.geometry
        for item in self.tree.items:
            _PAINT[type(item)](self, item)
        mw, mh = g.media_mm
        k = CSS_PX_PER_MM
        o = (g.margin_mm - g.bleed_mm) * k
        bw, bh = (v * k + 2 * g.bleed_mm * k for v in g.trim_mm)
        rules, names = [], {}
        for key, (face, cps) in self.faces.items():
            family, rule = font_face(face, frozenset(cps), self.resources)
            names[key] = family
            rules.append(rule)
            self.families.append(family)
        faces = "".join(rules)
        css = (
            f"{faces}@page{{size:{_n(mw)}mm {_n(mh)}mm;margin:0}}"
            "html,body{margin:0;padding:0}"
            "div,svg{position:absolute;margin:0;padding:0;display:block}"
            f"div.t{{{TEXT_CSS}}}"
            "#bleed{overflow:hidden}"
        )
        marks = self.crop_marks() if g.crop_marks else ""
        return (
            '<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8">'
            f"<style>{css}</style></head><body>{marks}"
            f'<div id="bleed" style="left:{_px(o)};top:{_px(o)};width:{_px(bw)};height:{_px(bh)}">'
            + _fill_families("".join(self.out), names)
            + "</div></body></html>"
        )


_MARK = "\ufdd0"  # a noncharacter: never in drawn text (no font has it)


def _fill_families(text: str, names: dict[str, str]) -> str:
    parts = text.split(_MARK)
    for i in range(1, len(parts), 2):
        parts[i] = names[parts[i]]
    return "".join(parts)


_PAINT = {
    ShapeItem: Page.shape,
    ImageItem: Page.image,
    TextItem: Page.text,
    MarkItem: Page.mark,
    QRItem: Page.qr,
}


def _covers(outer, inner) -> bool:
    ox, oy, ow, oh = outer
    ix, iy, iw, ih = inner
    e = 1e-6
    return ox <= ix + e and oy <= iy + e and ox + ow >= ix + iw - e and oy + oh >= iy + ih - e


def _cover(iw: int, ih: int, rect, focal) -> tuple[float, float, float, float]:
    x, y, w, h = rect
    scale = max(w / iw, h / ih)
    cw, ch = w / scale, h / scale
    fx, fy = focal
    left = min(max(fx * iw - cw / 2, 0), iw - cw)
    top = min(max(fy * ih - ch / 2, 0), ih - ch)
    return (x - left * scale, y - top * scale, iw * scale, ih * scale)



def _colours_of(tree: LayoutTree) -> set[tuple[int, int, int]]:
    out = set()
    for item in tree.items:
        for name in ("fill", "stroke", "color", "ring", "dark", "light"):
            value = getattr(item, name, None)
            if isinstance(value, str) and value.startswith("#"):
                out.add(parse_hex(value)[:3])
        for value in getattr(item, "gradient", None) or ():
            out.add(parse_hex(value)[:3])
    return out
