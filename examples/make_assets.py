#!/usr/bin/env python3
"""Regenerate the drawn assets of the bundled examples and of the `postergen init` starter.

Everything here is drawn with Pillow from code, so the assets are reviewable and the
output is deterministic (same Pillow version and font → same files).  Photos that are
*not* drawn here (the coffee photo of english-referral) are listed in ASSETS.md.

    python examples/make_assets.py            # writes every asset
    python examples/make_assets.py tea-invite # only the folders whose name is given
    python examples/make_assets.py coffee-photo  # re-export the CC0 coffee photo (needs scikit-image)

What it writes (all sizes in px):

* logos      512×512 PNG, transparent outside the mark.  Flat brand-colour tile with a
             white outline (so it reads on a white card *and* on a brand-colour block) and
             the brand character drawn with the bundled NotoSansSC-Bold.otf.
* avatars    512×512 PNG, flat illustrations of made-up people (no real person).
* icons      128×128 PNG line icons with transparency: 8 px round strokes in the brand
             colour plus one solid detail in the accent colour.
* tea hero   1200×1600 JPEG q85: a photo-like illustration of the new drink on a table.
"""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
FONT_BOLD = REPO / "postergen" / "fonts" / "NotoSansSC-Bold.otf"
SCAFFOLD = REPO / "postergen" / "scaffold"

SS = 4  # supersampling factor: draw 4× larger, then downscale for clean edges


# --------------------------------------------------------------------------- basics


def rgb(hex_: str, alpha: int = 255) -> tuple[int, int, int, int]:
    h = hex_.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), alpha


def mix(a: str, b: str, t: float) -> str:
    ca, cb = rgb(a), rgb(b)
    return "#" + "".join(f"{round(ca[i] + (cb[i] - ca[i]) * t):02x}" for i in range(3))


class Art:
    """A supersampled RGBA drawing surface; coordinates are in output pixels.

    Every shape is drawn on a small layer of its own (its bounding box) and then
    alpha-composited, so translucent colours blend like paint.
    """

    def __init__(self, w: int, h: int, bg=(0, 0, 0, 0), ss: int = SS):
        self.w, self.h, self.ss = w, h, ss
        self.im = Image.new("RGBA", (round(w * ss), round(h * ss)), _c(bg))

    # layers -----------------------------------------------------------------
    def layer(self) -> tuple[Image.Image, ImageDraw.ImageDraw]:
        im = Image.new("RGBA", self.im.size, (0, 0, 0, 0))
        return im, ImageDraw.Draw(im)

    def put(self, layer: Image.Image, blur: float = 0, at=(0, 0)) -> None:
        if blur:
            layer = soft(layer, blur * self.ss)
        self.im.alpha_composite(layer, at)

    def _draw(self, fn, pts, pad=0.0, blur=0.0):
        """Run fn(draw, translated_points) on a layer the size of the points' bounding box."""
        s = self.ss
        P = [(x * s, y * s) for x, y in pts]
        m = (pad + 3 * blur) * s + 2
        x0 = max(0, math.floor(min(x for x, _ in P) - m))
        y0 = max(0, math.floor(min(y for _, y in P) - m))
        x1 = min(self.im.width, math.ceil(max(x for x, _ in P) + m))
        y1 = min(self.im.height, math.ceil(max(y for _, y in P) + m))
        if x1 <= x0 or y1 <= y0:
            return
        im = Image.new("RGBA", (x1 - x0, y1 - y0), (0, 0, 0, 0))
        fn(ImageDraw.Draw(im), [(x - x0, y - y0) for x, y in P])
        if blur:
            im = soft(im, blur * s)
        self.im.alpha_composite(im, (x0, y0))

    # shapes -----------------------------------------------------------------
    def rect(self, box, fill, radius=0, blur=0):
        r = radius * self.ss
        self._draw(lambda d, p: d.rounded_rectangle([*p[0], *p[1]], r, fill=_c(fill)),
                   [box[:2], box[2:]], blur=blur)

    def ellipse(self, box, fill, blur=0):
        self._draw(lambda d, p: d.ellipse([*p[0], *p[1]], fill=_c(fill)), [box[:2], box[2:]], blur=blur)

    def polygon(self, pts, fill, blur=0):
        self._draw(lambda d, p: d.polygon(p, fill=_c(fill)), pts, blur=blur)

    def circle_at(self, cx, cy, r, fill, blur=0):
        self.ellipse((cx - r, cy - r, cx + r, cy + r), fill, blur)

    def stroke(self, pts, color, width, closed=False):
        """A polyline with round caps and joins."""
        c = _c(color)
        w = width * self.ss

        def fn(d, p):
            if closed:
                p = p + [p[0], p[1]]
            d.line(p, fill=c, width=round(w), joint="curve")
            if not closed:
                for x, y in (p[0], p[-1]):
                    d.ellipse((x - w / 2, y - w / 2, x + w / 2, y + w / 2), fill=c)

        self._draw(fn, pts, pad=width)

    def arc(self, box, start, end, color, width):
        """An elliptical arc with round caps; angles in degrees, clockwise from 3 o'clock."""
        self.stroke(arc_points(box, start, end), color, width)

    def outline_rect(self, box, color, width, radius=0):
        r, w = radius * self.ss, round(width * self.ss)
        self._draw(lambda d, p: d.rounded_rectangle([*p[0], *p[1]], r, outline=_c(color), width=w),
                   [box[:2], box[2:]])

    def outline_ellipse(self, box, color, width):
        self.arc(box, 0, 360, color, width)

    def glyph(self, text, cx, cy, height, color, font=FONT_BOLD):
        """Draw *text* with its ink box centred on (cx, cy) and *height* px tall."""
        s = self.ss
        probe = ImageFont.truetype(str(font), 400)
        l, t, r, b = probe.getbbox(text, anchor="ls")
        f = ImageFont.truetype(str(font), round(400 * height * s / (b - t)))
        l, t, r, b = f.getbbox(text, anchor="ls")
        im, d = self.layer()
        d.text((cx * s - (l + r) / 2, cy * s - (t + b) / 2), text, font=f, fill=_c(color), anchor="ls")
        self.put(im)

    def paste_image(self, im: Image.Image, x: float, y: float) -> None:
        """Composite an RGBA image (already at this surface's scale) at output px (x, y)."""
        s = self.ss
        x0, y0 = round(x * s), round(y * s)
        cx0, cy0 = max(0, -x0), max(0, -y0)
        im = im.crop((cx0, cy0, min(im.width, self.im.width - x0), min(im.height, self.im.height - y0)))
        if im.width > 0 and im.height > 0:
            self.im.alpha_composite(im, (x0 + cx0, y0 + cy0))

    # output -------------------------------------------------------------------
    def image(self) -> Image.Image:
        return self.im.resize((self.w, self.h), Image.Resampling.LANCZOS)

    def save_png(self, path: Path, opaque=False) -> None:
        im = self.image()
        if opaque:
            im = im.convert("RGB")
        save(im, path)


def soft(im: Image.Image, radius: float) -> Image.Image:
    """Gaussian blur in premultiplied alpha (no dark fringes around translucent shapes)."""
    return im.convert("RGBa").filter(ImageFilter.GaussianBlur(radius)).convert("RGBA")


def _c(color):
    if color is None:
        return None
    if isinstance(color, str):
        return rgb(color)
    if len(color) == 2:  # ("#hex", alpha)
        return rgb(color[0], color[1])
    return color


def arc_points(box, start, end, steps=None):
    x0, y0, x1, y1 = box
    cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
    steps = steps or max(8, int(abs(end - start) / 3))
    return [
        (cx + rx * math.cos(math.radians(start + (end - start) * i / steps)),
         cy + ry * math.sin(math.radians(start + (end - start) * i / steps)))
        for i in range(steps + 1)
    ]


def save(im: Image.Image, path: Path, quality: int = 85) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() in (".jpg", ".jpeg"):
        im.convert("RGB").save(path, "JPEG", quality=quality, optimize=True, progressive=True)
    else:
        im.save(path, "PNG", optimize=True)
    kb = path.stat().st_size / 1024
    assert kb < 300, f"{path} is {kb:.0f} KB; keep assets under 300 KB"
    print(f"  {path.relative_to(REPO)}  {im.width}×{im.height}  {kb:.0f} KB")


# --------------------------------------------------------------------------- logos


def logo_tile(path: Path, fill: str, char: str, accent_fn=None, round_=False, char_color="#FFFFFF",
              char_height=232, char_dy=12, char_dx=0, accent_on_top=False):
    """A flat logo: white-outlined tile (rounded square or circle), big white character."""
    a = Art(512, 512)
    if round_:
        a.ellipse((0, 0, 512, 512), "#FFFFFF")
        a.ellipse((22, 22, 490, 490), fill)
    else:
        a.rect((0, 0, 512, 512), "#FFFFFF", radius=128)
        a.rect((22, 22, 490, 490), fill, radius=108)
    if accent_fn and not accent_on_top:
        accent_fn(a)
    a.glyph(char, 256 + char_dx, 256 + char_dy, char_height, char_color)
    if accent_fn and accent_on_top:
        accent_fn(a)
    a.save_png(path)


def leaf(a: Art, cx, cy, length, width, angle, color, vein=None):
    """A vesica-shaped leaf centred on (cx, cy), pointing at *angle* degrees."""
    pts = []
    for i in range(0, 41):
        t = i / 40
        x = (t - 0.5) * length
        y = math.sin(math.pi * t) * width / 2
        pts.append((x, y))
    pts += [(x, -y) for x, y in reversed(pts)]
    ca, sa = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    rot = [(cx + x * ca - y * sa, cy + x * sa + y * ca) for x, y in pts]
    a.polygon(rot, color)
    if vein:
        a.stroke([(cx - length * 0.32 * ca, cy - length * 0.32 * sa), (cx + length * 0.3 * ca, cy + length * 0.3 * sa)],
                 vein, max(2, width * 0.07))


def tea_logo(path: Path):
    def accent(a):
        leaf(a, 392, 122, 128, 64, -40, "#FFB627", vein="#137A5B")

    logo_tile(path, "#137A5B", "茶", accent, char_height=236, char_dy=22)


def course_logo(path: Path):
    def accent(a):
        # a rising arrow in the top-right corner: growth
        a.stroke([(350, 150), (378, 122), (400, 138), (434, 104)], "#FF9F1C", 18)
        a.stroke([(410, 100), (438, 100), (438, 128)], "#FF9F1C", 18)

    logo_tile(path, "#1E3A8A", "增", accent, char_height=220, char_dy=34, char_dx=-14)


def coffee_logo(path: Path):
    def accent(a):
        # a coffee bean tucked under the letter's bowl
        bean = Art(512, 512)
        bean.ellipse((0, 0, 120, 160), "#4A2C21")  # a gap ring in the tile colour
        bean.ellipse((12, 12, 108, 148), "#E0A96D")
        bean.stroke([(x * 0.8 + 12, y * 0.85 + 12) for x, y in _bean_crease(120, 160)], "#4A2C21", 10)
        small = bean.im.crop((0, 0, 120 * SS, 160 * SS)).rotate(-35, resample=Image.Resampling.BICUBIC, expand=True)
        a.paste_image(small, 296, 262)

    logo_tile(path, "#4A2C21", "B", accent, round_=True, char_height=240, char_dy=-10, char_dx=-22,
              accent_on_top=True)


def _bean_crease(w, h):
    """The S-shaped crease of a coffee bean in a w×h box."""
    pts = []
    for i in range(31):
        t = i / 30
        y = h * (0.12 + 0.76 * t)
        x = w / 2 + math.sin((t - 0.5) * 2 * math.pi) * w * 0.12
        pts.append((x, y))
    return pts


def bakery_logo(path: Path):
    def accent(a):
        # a wheat ear: stem with three pairs of grains
        a.stroke([(396, 200), (420, 86)], "#FFD166", 12)
        for i, (x, y) in enumerate([(408, 170), (414, 138), (420, 106)]):
            leaf(a, x - 16, y + 4, 44, 22, -115, "#FFD166")
            leaf(a, x + 14, y - 2, 44, 22, -65, "#FFD166")
        leaf(a, 422, 78, 40, 20, -80, "#FFD166")

    logo_tile(path, "#D9622B", "麦", accent, char_height=236, char_dy=24)


# --------------------------------------------------------------------------- avatars


def avatar(path: Path, bg: str, skin: str, hair: str, shirt: str, style: str, *, glasses=False,
           beard=False, collar="#FFFFFF", ring=None):
    """A friendly flat illustration of a made-up person, 512×512."""
    a = Art(512, 512, bg)
    shade = mix(skin, "#8A4B2A", 0.22)
    a.circle_at(256, 250, 210, mix(bg, "#FFFFFF", 0.35))  # soft halo behind the head
    # hair behind the head
    if style == "bob":
        a.rect((150, 150, 362, 392), hair, radius=96)
    elif style == "long":
        a.rect((148, 150, 364, 470), hair, radius=100)
    elif style == "bun":
        a.circle_at(256, 118, 52, hair)
    # body
    a.ellipse((86, 392, 426, 760), shirt)
    a.rect((222, 318, 290, 410), shade, radius=30)  # neck
    a.polygon([(206, 398), (256, 452), (306, 398)], collar)  # collar / neckline
    a.polygon([(222, 398), (256, 432), (290, 398)], shade)
    # ears
    a.ellipse((156, 232, 188, 282), skin)
    a.ellipse((324, 232, 356, 282), skin)
    # face
    a.ellipse((170, 140, 342, 350), skin)
    # hair in front
    if style in ("bob", "long"):
        a.polygon(arc_points((162, 124, 350, 330), 180, 360) + [(350, 226), (300, 190), (236, 206), (162, 250)], hair)
    elif style == "short":
        a.polygon(arc_points((164, 118, 348, 318), 185, 355) + [(344, 200), (292, 178), (240, 186), (200, 176), (168, 214)], hair)
    elif style == "bun":
        a.polygon(arc_points((166, 128, 346, 320), 180, 360) + [(346, 224), (256, 176), (166, 224)], hair)
    elif style == "curly":
        for cx, cy, r in [(190, 190, 40), (226, 156, 44), (274, 150, 46), (318, 176, 42), (340, 220, 32),
                          (172, 230, 30), (250, 176, 36), (300, 200, 26)]:
            a.circle_at(cx, cy, r, hair)
    # brows
    for x in (222, 290):
        a.arc((x - 20, 218, x + 20, 246), 205, 335, hair, 6)
    # eyes: dark with a small highlight
    for x in (222, 290):
        a.ellipse((x - 10, 244, x + 10, 268), "#2B2B33")
        a.circle_at(x + 3, 250, 3.5, "#FFFFFF")
    if glasses:
        for x in (222, 290):
            a.outline_ellipse((x - 30, 226, x + 30, 284), "#2B2B33", 6)
        a.arc((244, 244, 268, 262), 200, 340, "#2B2B33", 6)
    # cheeks, nose, smile
    for x in (204, 308):
        a.ellipse((x - 18, 276, x + 18, 298), ("#FF7B7B", 70))
    a.stroke([(258, 266), (252, 282), (260, 285)], shade, 5)
    if beard:
        a.polygon(arc_points((186, 210, 326, 352), 10, 170) + [(230, 302), (282, 302)], hair)
        a.arc((236, 294, 276, 318), 20, 160, "#FFFFFF", 5)
    else:
        a.polygon(arc_points((232, 290, 280, 326), 0, 180), "#B9473F")
    # frame the head and shoulders tightly: avatars are shown small, in a circle
    box = [v * SS for v in (52, 60, 460, 468)]
    save(a.im.crop(box).resize((512, 512), Image.Resampling.LANCZOS).convert("RGB"), path)


# --------------------------------------------------------------------------- icons

W = 8  # stroke width of the 128 px icons


def icon(path: Path, draw, color: str, accent: str):
    a = Art(128, 128)
    draw(a, color, accent)
    a.save_png(path)


def ic_bubble_tea(a, c, x):
    a.polygon([(38, 46), (90, 46), (84, 114), (44, 114)], (x, 70))
    for px in (53, 64, 75):
        a.circle_at(px, 101, 6.5, x)
    a.stroke([(36, 46), (44, 116), (84, 116), (92, 46)], c, W)
    a.stroke([(26, 46), (102, 46)], c, W)
    a.arc((36, 20, 92, 72), 180, 360, c, W)
    a.stroke([(66, 30), (82, 6)], c, W)


def ic_friends(a, c, x):
    a.circle_at(86, 46, 15, x)
    a.arc((62, 74, 114, 126), 200, 340, x, W)
    a.outline_ellipse((30, 28, 66, 64), c, W)
    a.arc((14, 76, 82, 144), 195, 345, c, W)


def ic_store(a, c, x):
    a.polygon([(22, 22), (106, 22), (114, 50), (14, 50)], x)
    a.stroke([(22, 22), (106, 22), (114, 50), (14, 50), (22, 22)], c, W)
    for i in range(4):
        x0 = 14 + i * 25
        a.arc((x0, 38, x0 + 25, 64), 0, 180, c, W)
    a.stroke([(24, 62), (24, 110), (104, 110), (104, 62)], c, W)
    a.stroke([(54, 110), (54, 80), (74, 80), (74, 110)], c, W)


def ic_gift(a, c, x):
    a.rect((20, 46, 108, 62), x, radius=4)
    a.outline_rect((24, 60, 104, 114), c, W, radius=8)
    a.outline_rect((16, 42, 112, 62), c, W, radius=6)
    a.stroke([(64, 42), (64, 114)], c, W)
    a.arc((34, 14, 66, 46), 110, 350, c, W)
    a.arc((62, 14, 94, 46), 190, 430, c, W)


def ic_play(a, c, x):
    a.outline_rect((12, 20, 116, 92), c, W, radius=12)
    a.polygon([(54, 40), (54, 72), (82, 56)], x)
    a.stroke([(54, 40), (54, 72), (82, 56), (54, 40)], c, 6)
    a.stroke([(40, 112), (88, 112)], c, W)
    a.stroke([(64, 94), (64, 110)], c, W)


def ic_doc(a, c, x):
    a.rect((42, 78, 76, 92), x, radius=4)
    a.stroke([(78, 12), (30, 12), (26, 16), (26, 112), (30, 116), (98, 116), (102, 112), (102, 36), (78, 12)], c, W)
    a.stroke([(76, 14), (76, 38), (100, 38)], c, W)
    a.stroke([(44, 56), (82, 56)], c, W)
    a.stroke([(44, 76), (82, 76)], c, W)
    a.stroke([(44, 96), (66, 96)], c, W)


def ic_chat(a, c, x):
    for cx in (42, 62, 82):
        a.circle_at(cx, 56, 6.5, x)
    a.stroke([(26, 16), (102, 16), (114, 28), (114, 84), (102, 96), (58, 96), (34, 116), (36, 96),
              (26, 96), (14, 84), (14, 28), (26, 16)], c, W)


def ic_medal(a, c, x):
    a.polygon([(44, 76), (32, 116), (48, 108), (58, 122), (64, 86)], x)
    a.polygon([(84, 76), (96, 116), (80, 108), (70, 122), (64, 86)], x)
    a.outline_ellipse((28, 8, 100, 80), c, W)
    star = []
    for i in range(10):
        r = 20 if i % 2 == 0 else 9
        t = math.radians(-90 + i * 36)
        star.append((64 + r * math.cos(t), 45 + r * math.sin(t)))
    a.polygon(star, c)


def ic_bean(a, c, x):
    big = Art(128, 128)
    big.ellipse((30, 8, 98, 120), (x, 90))
    big.outline_ellipse((30, 8, 98, 120), c, W)
    pts = []
    for i in range(31):
        t = i / 30
        pts.append((64 + math.sin((t - 0.5) * 2 * math.pi) * 10, 20 + 88 * t))
    big.stroke(pts, c, W)
    a.paste_image(big.im.rotate(-30, resample=Image.Resampling.BICUBIC), 0, 0)


def ic_truck(a, c, x):
    a.stroke([(12, 30), (76, 30), (76, 94), (12, 94), (12, 30)], c, W)
    a.stroke([(76, 50), (100, 50), (116, 72), (116, 94), (76, 94)], c, W)
    for cx in (36, 96):
        a.circle_at(cx, 98, 13, "#FFFFFF")
        a.circle_at(cx, 98, 12, x)
        a.outline_ellipse((cx - 13, 85, cx + 13, 111), c, W)


def ic_calendar(a, c, x):
    a.rect((52, 62, 62, 98), x, radius=3)
    a.rect((68, 62, 78, 98), x, radius=3)
    a.outline_rect((16, 22, 112, 114), c, W, radius=14)
    a.stroke([(16, 46), (112, 46)], c, W)
    a.stroke([(40, 10), (40, 30)], c, W)
    a.stroke([(88, 10), (88, 30)], c, W)


def ic_mug(a, c, x):
    a.rect((22, 52, 86, 70), (x, 110))
    a.stroke([(20, 48), (20, 98), (32, 112), (76, 112), (88, 98), (88, 48), (20, 48)], c, W)
    a.arc((74, 56, 114, 96), -90, 90, c, W)
    for sx in (38, 58):
        a.stroke([(sx, 34), (sx - 6, 24), (sx, 14), (sx - 4, 6)], x, 6)


# --------------------------------------------------------------------------- tea hero


def tea_hero(path: Path):
    """A photo-like illustration: a mango-pomelo-sago drink on a table, window light.

    Landscape 6:5, the cup right of centre and quiet out-of-focus space on the left, so
    the 'photo' template's left-aligned headline and every hero crop (0.9 to 1.7 wide)
    keep the drink in view; theme.background.focal points at the cup.
    """
    W_, H_, hs = 1440, 1200, 2  # 2× supersampling is plenty under the blur and grain
    rnd = random.Random(7)
    table_y = 800
    a = Art(W_, H_, "#DDEFE6", ss=hs)
    # wall: soft mint, darker towards the table, warm window light from the upper left
    for y in range(0, table_y, 4):
        a.rect((0, y, W_, y + 4), mix("#E8F5EE", "#B9DCC9", y / table_y))
    a.ellipse((-500, -700, 1000, 700), ("#FFF6DF", 160), blur=90)
    # out-of-focus foliage at the edges
    fol = Art(W_, H_, ss=hs)
    for cx, cy, ang, ln in [(80, 80, 35, 520), (-30, 360, 5, 460), (1380, 120, 150, 560), (1440, 440, 175, 420),
                            (1200, -20, 120, 380), (520, -60, 80, 360)]:
        leaf(fol, cx, cy, ln, ln * 0.42, ang, ("#3E8E63", 160))
    a.put(fol.im, blur=26)
    # bokeh
    for _ in range(30):
        x, y, r = rnd.uniform(0, W_), rnd.uniform(0, 640), rnd.uniform(18, 70)
        a.circle_at(x, y, r, ("#FFFFF0", rnd.randint(40, 95)), blur=6)
    # table: warm light wood with soft grain
    for y in range(table_y, H_, 4):
        a.rect((0, y, W_, y + 4), mix("#EFD7B3", "#D4A97F", (y - table_y) / (H_ - table_y)))
    grain = Art(W_, H_, ss=hs)
    for _ in range(36):
        y = rnd.uniform(table_y + 6, H_)
        grain.rect((0, y, W_, y + rnd.uniform(1, 3)), ("#B98A5E", rnd.randint(18, 40)))
    a.put(grain.im, blur=2)
    a.rect((0, table_y - 2, W_, table_y + 6), ("#FFFFFF", 120), blur=2)  # table edge highlight

    cx = 1060
    top, bottom = 300, 930
    tw, bw = 390, 306
    hh = bottom - top
    # shadow of the cup on the table
    a.ellipse((cx - 230, bottom - 36, cx + 270, bottom + 46), ("#6B4A2B", 90), blur=24)
    # props: a pomelo half, mango cubes and leaves, slightly out of focus
    props = Art(W_, H_, ss=hs)
    pomelo(props, 560, 990, 150)
    for (x, y, sz, ang) in [(720, 900, 64, 12), (780, 1060, 70, -8), (1290, 990, 72, 30), (1360, 900, 58, 22)]:
        mango_cube(props, x, y, sz, ang)
    leaf(props, 660, 905, 150, 60, -20, "#3E9A62", vein="#2E7A4C")
    leaf(props, 1300, 1090, 130, 52, 200, "#4BAA6E", vein="#2E7A4C")
    a.put(props.im, blur=1.2)

    # --- the cup -------------------------------------------------------------
    def x_at(y, inset=0):
        t = (y - top) / (bottom - top)
        half = (tw + (bw - tw) * t) / 2 - inset
        return cx - half, cx + half

    # the drink: layered gradient, clipped to the inside of the cup
    drink_top = top + 40
    body = Art(W_, H_, ss=hs)
    stops = [(drink_top, "#FFF4DA"), (drink_top + 100, "#FFE6A0"), (top + 0.38 * hh, "#FFD36B"),
             (top + 0.58 * hh, "#FDB43A"), (bottom, "#F39A1F")]
    for y in range(drink_top, bottom, 2):
        for (y0, c0), (y1, c1) in zip(stops, stops[1:]):
            if y0 <= y <= y1:
                col = mix(c0, c1, (y - y0) / max(1, y1 - y0))
                break
        body.rect((0, y, W_, y + 2), col)
    for _ in range(70):  # sago pearls
        y = rnd.uniform(drink_top + 140, top + 0.67 * hh)
        l, r = x_at(y, 24)
        x, rr = rnd.uniform(l, r), rnd.uniform(7, 11)
        body.circle_at(x, y, rr, ("#FFFFFF", 150))
        body.circle_at(x - rr * 0.3, y - rr * 0.3, rr * 0.35, ("#FFFFFF", 230))
    for _ in range(38):  # pomelo bits
        y = rnd.uniform(drink_top + 110, top + 0.82 * hh)
        l, r = x_at(y, 30)
        leaf(body, rnd.uniform(l, r), y, rnd.uniform(22, 34), 9, rnd.uniform(0, 180), ("#F7876A", 210))
    for _ in range(16):  # mango cubes at the bottom
        y = rnd.uniform(top + 0.64 * hh, bottom - 40)
        l, r = x_at(y, 60)
        mango_cube(body, rnd.uniform(l, r), y, rnd.uniform(48, 62), rnd.uniform(-30, 30))
    wave = [(x, drink_top + 60 + 10 * math.sin(x / 38)) for x in range(cx - tw // 2 - 10, cx + tw // 2 + 12, 6)]
    body.polygon([(cx - tw / 2 - 10, drink_top - 10), (cx + tw / 2 + 10, drink_top - 10)] + wave[::-1], ("#FFFBF0", 235))
    mask = Image.new("L", body.im.size, 0)
    l0, r0 = x_at(drink_top, 8)
    l1, r1 = x_at(bottom, 8)
    ImageDraw.Draw(mask).polygon([(v * hs) for v in (l0, drink_top, r0, drink_top, r1, bottom - 8, l1, bottom - 8)], fill=255)
    body.im.putalpha(ImageChops.multiply(body.im.getchannel("A"), mask))
    a.put(body.im)

    # the plastic cup: faint walls, reflections, rim
    cup = Art(W_, H_, ss=hs)
    l0, r0 = x_at(top)
    l1, r1 = x_at(bottom)
    cup.polygon([(l0, top), (r0, top), (r1, bottom), (l1, bottom)], ("#FFFFFF", 34))
    cup.stroke([(l0, top), (l1, bottom), (r1, bottom), (r0, top)], ("#FFFFFF", 150), 5)
    cup.polygon([(l0 + 26, top + 30), (l0 + 70, top + 30), (l1 + 58, bottom - 30), (l1 + 24, bottom - 30)], ("#FFFFFF", 95))
    cup.polygon([(r0 - 60, top + 60), (r0 - 44, top + 60), (r1 - 34, bottom - 60), (r1 - 46, bottom - 60)], ("#FFFFFF", 80))
    cup.ellipse((l1 + 6, bottom - 16, r1 - 6, bottom + 12), ("#FFFFFF", 70))
    a.put(cup.im, blur=1.5)
    # straw, in front of the drink and behind the dome
    sb, st = (cx + 40, top + 0.49 * hh), (cx + 180, top - 290)
    rim = (sb[0] + (st[0] - sb[0]) * (sb[1] - drink_top) / (sb[1] - st[1]), drink_top)
    a.stroke([sb, rim], ("#16805F", 190), 42)  # seen through the drink
    a.stroke([rim, st], "#16805F", 42)
    a.stroke([(sb[0] - 8, sb[1]), (st[0] - 8, st[1])], ("#FFFFFF", 90), 10)
    a.ellipse((st[0] - 21, st[1] - 9, st[0] + 21, st[1] + 9), "#0F5E45")
    # dome lid
    lid = Art(W_, H_, ss=hs)
    dome = (cx - tw / 2 - 6, top - 170, cx + tw / 2 + 6, top + 170)
    lid.polygon(arc_points(dome, 180, 360), ("#FFFFFF", 60))
    lid.arc(dome, 185, 355, ("#FFFFFF", 170), 5)
    lid.arc((cx - tw / 2 + 40, top - 140, cx + tw / 2 - 40, top + 130), 200, 250, ("#FFFFFF", 220), 14)
    lid.ellipse((cx - tw / 2 - 14, top - 14, cx + tw / 2 + 14, top + 18), ("#FFFFFF", 150))
    lid.ellipse((cx - tw / 2 - 4, top - 6, cx + tw / 2 + 4, top + 10), ("#F4FBF7", 120))
    a.put(lid.im, blur=1)
    # the round brand sticker on the cup
    sy, R = top + 0.18 * hh, 64
    a.circle_at(cx + 4, sy + 4, R + 4, ("#7A4A10", 50), blur=4)
    a.circle_at(cx, sy, R, "#FFFFFF")
    a.circle_at(cx, sy, R * 0.89, "#137A5B")
    a.glyph("茶", cx - R * 0.05, sy + R * 0.08, R * 0.86, "#FFFFFF")
    leaf(a, cx + R * 0.5, sy - R * 0.57, R * 0.43, R * 0.22, -40, "#FFB627")

    img = a.image().convert("RGB")
    # photo finish: gentle vignette and fine grain
    vig = Image.new("L", (W_, H_), 0)
    ImageDraw.Draw(vig).ellipse((-300, -240, W_ + 300, H_ + 240), fill=255)
    vig = vig.filter(ImageFilter.GaussianBlur(180))
    img = Image.composite(img, Image.blend(img, Image.new("RGB", (W_, H_), (70, 60, 45)), 0.35), vig)
    noise = Image.effect_noise((W_, H_), 3).convert("RGB")
    img = ImageChops.add(img, noise, offset=-128)
    save(img, path, quality=85)


def mango_cube(a: Art, x, y, s, ang):
    cube = Art(s * 1.6, s * 1.6, ss=a.ss)
    o = s * 0.3
    cube.rect((o, o, o + s, o + s), "#F7A21B", radius=s * 0.22)
    cube.rect((o + s * 0.12, o + s * 0.1, o + s * 0.7, o + s * 0.5), ("#FFD35A", 200), radius=s * 0.16)
    cube.rect((o, o + s * 0.62, o + s, o + s), ("#D9780F", 120), radius=s * 0.2)
    a.paste_image(cube.im.rotate(ang, resample=Image.Resampling.BICUBIC), x - s * 0.8, y - s * 0.8)


def pomelo(a: Art, x, y, r):
    a.ellipse((x - r - 10, y - r * 0.45 + 30, x + r + 10, y + r * 0.45 + 50), ("#6B4A2B", 80), blur=14)
    a.ellipse((x - r, y - r * 0.45, x + r, y + r * 0.45 + 34), "#E3C145")  # rind side
    a.ellipse((x - r, y - r * 0.45, x + r, y + r * 0.45), "#FFF2C9")  # pith
    a.ellipse((x - r * 0.9, y - r * 0.4, x + r * 0.9, y + r * 0.4), "#F79A86")
    for i in range(10):
        t0, t1 = i * 36 + 3, i * 36 + 33
        pts = [(x, y)] + [(x + r * 0.84 * math.cos(math.radians(t)), y + r * 0.37 * math.sin(math.radians(t)))
                         for t in range(t0, t1 + 1, 3)]
        a.polygon(pts, "#F26D5B")
    a.ellipse((x - 10, y - 5, x + 10, y + 5), "#FFF2C9")


# --------------------------------------------------------------------------- campaigns

TEA = {"primary": "#137A5B", "accent": "#FFB627"}
COURSE = {"primary": "#1E3A8A", "accent": "#FF9F1C"}
COFFEE = {"primary": "#4A2C21", "accent": "#E0A96D"}
BAKERY = {"primary": "#D9622B", "accent": "#FFB703"}


def make_tea(root: Path):
    assets = root / "assets"
    tea_logo(assets / "logo.png")
    avatar(assets / "avatar.png", bg="#FFE3C2", skin="#F6D2B8", hair="#3B2A25", shirt="#2FA37A", style="bob")
    c, x = TEA["primary"], TEA["accent"]
    icon(assets / "icon-cup.png", ic_bubble_tea, c, x)
    icon(assets / "icon-friends.png", ic_friends, c, x)
    icon(assets / "icon-store.png", ic_store, c, x)
    icon(assets / "icon-gift.png", ic_gift, c, x)
    tea_hero(assets / "hero.jpg")


def make_course(root: Path):
    assets = root / "assets"
    course_logo(assets / "logo.png")
    c, x = COURSE["primary"], COURSE["accent"]
    icon(assets / "icon-live.png", ic_play, c, x)
    icon(assets / "icon-notes.png", ic_doc, c, x)
    icon(assets / "icon-chat.png", ic_chat, c, x)
    icon(assets / "icon-cert.png", ic_medal, c, x)


def make_english(root: Path):
    assets = root / "assets"
    coffee_logo(assets / "logo.png")
    avatar(assets / "avatar.png", bg="#CFE3F5", skin="#C98E66", hair="#2A1F1B", shirt="#E07A3F",
           style="short", glasses=True, beard=True)
    c, x = COFFEE["primary"], COFFEE["accent"]
    icon(assets / "icon-bean.png", ic_bean, c, x)
    icon(assets / "icon-truck.png", ic_truck, c, x)
    icon(assets / "icon-calendar.png", ic_calendar, c, x)
    icon(assets / "icon-mug.png", ic_mug, c, x)


def make_scaffold(root: Path):
    assets = root / "assets"
    bakery_logo(assets / "logo.png")
    avatar(assets / "avatar.png", bg="#D7ECFF", skin="#F3CBAE", hair="#2E2622", shirt="#F2A541", style="short")


def make_coffee_photo(root: Path):
    """english-referral's photo: scikit-image's sample coffee.png (CC0), as JPEG q85.

    Not drawn, so not part of the default run; needs scikit-image installed (or its
    wheel unpacked on PYTHONPATH): `pip install scikit-image`.
    """
    import importlib.util

    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("coffee-photo needs scikit-image: pip install scikit-image")
    src = Path(list(spec.submodule_search_locations)[0]) / "data" / "coffee.png"
    save(Image.open(src).convert("RGB"), root / "assets" / "coffee.jpg", quality=85)


TARGETS = {
    "tea-invite": (make_tea, HERE / "tea-invite"),
    "course-trial": (make_course, HERE / "course-trial"),
    "english-referral": (make_english, HERE / "english-referral"),
    "scaffold": (make_scaffold, SCAFFOLD),
}
EXTRA = {"coffee-photo": (make_coffee_photo, HERE / "english-referral")}  # run only by name


def main(argv: list[str]) -> None:
    names = argv or list(TARGETS)
    for name in names:
        if name not in TARGETS and name not in EXTRA:
            raise SystemExit(f"unknown target '{name}'; choose from {', '.join([*TARGETS, *EXTRA])}")
        fn, root = {**TARGETS, **EXTRA}[name]
        print(name)
        fn(root)


if __name__ == "__main__":
    main(sys.argv[1:])
