"""Render one raster poster: layout → paint → verify the QR code → encode.

This is the one poster-rendering path: ``build`` (channel posters), ``batch`` (a poster
per participant) and ``serve`` (a participant's poster on demand) all call
:class:`PosterRenderer`.  It is also the only place that knows which parts of a poster are
*static* (the same on every poster of a template and size: background, photo, headline,
benefits, price) and which are *personal* (the trust header's inviter, the QR code and
anything bound to ``person.*``).

Static layers are laid out and painted once per content (the effective spec of the
variant or channel, the template, fonts and size) into a base image, so channels and
variants whose spec is the same share one.  A later static layer can go into the base only when no personal layer painted
before it overlaps it — otherwise it is painted again per poster, in layer order, so the
result is pixel for pixel what painting the whole tree would give.  Per poster, the base
is copied (or, in a batch, painted on in place and the covered regions restored) and
only the personal layers (and those few static ones) are painted.

QR codes: every poster's code is decoded back (zxing-cpp) from the painted pixels.  The
half-size check (a phone at a distance) depends on the module size and version, not on
the data, so it runs once per template, size and QR version.  For personal posters the
costly mask search is skipped: the mask chosen for a stand-in URL of the same shape is
reused (the same in every process), and a code that then fails to decode is made again
with the full search.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from .errors import PostergenError
from .layout import Item, LayoutTree, QRItem, TextItem, frame_geometry, layer_box, layout_layers
from .paint import encode, paint_items
from .qrcheck import crop, lints, verify

# Bindings that differ from poster to poster of one template and size.
_PERSONAL = re.compile(r"(?<![\w.])(inviter|person|url|code)(?![\w])")
_PAD = 8  # px of slack around a personal layer's box (glyph overhang, rings)


def is_personal(layer) -> bool:
    """Whether *layer* can look different on two posters of the same template and size."""
    if getattr(layer, "type", "") == "qr":
        return True
    texts = (layer.when or "", getattr(layer, "text", "") or "", getattr(layer, "bind", "") or "")
    return any(_PERSONAL.search(t) for t in texts)


@dataclass
class Rendered:
    """A painted poster, its layout tree and (when asked) its encoded bytes."""

    tree: LayoutTree
    image: Any
    data: bytes | None = None
    warnings: tuple[str, ...] = ()
    #: With ``in_place``: the static base the image was painted over, and the boxes
    #: ``(x0, y0, x1, y1)`` outside which the image equals it (for postergen.jpegstrips).
    base: Any = None
    changed: tuple[tuple[int, int, int, int], ...] = ()


@dataclass
class _Static:
    frame: str
    scale: float
    base: Any  # the painted static layers (Pillow image)
    static_items: list[tuple[int, Item]]
    overlay: list[tuple[int, Item]]  # static items painted per poster, in layer order
    half_checked: dict  # (version, module, logo) -> problem or None


def _content_key(v, template, width: int, height: int) -> str:
    """What a static part is made of: the effective spec (a channel's or variant's own),
    the template, the font chains, the campaign folder (assets) and the size."""
    import hashlib

    from .template import content_digest

    h = hashlib.sha256()
    for part in (v.spec.model_dump_json(), content_digest(template), repr((v.heading, v.body, str(v.base), width, height))):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


class _Canvas:
    """A copy of a static base that posters are painted on in place.

    Copying the whole base per poster (6 MB at 1080×1920) costs more than painting the
    personal layers; instead, what the last poster painted over is put back from the
    base before the next one is painted."""

    def __init__(self, static: _Static):
        self.static = static
        self.image = static.base.copy()
        self.dirty: list[tuple[int, int, int, int]] = []

    def take(self, dirty: list) -> Any:
        """The canvas, clean again, for a poster that will paint within *dirty* boxes."""
        base, image = self.static.base, self.image
        for box in self.dirty:
            image.paste(base.crop(box), box[:2])
        self.dirty = [b for b in dirty if b[0] < b[2] and b[1] < b[3]]
        return image


def _reach(item, width: int, height: int) -> tuple[int, int, int, int]:
    """The pixels painting *item* may change (x0, y0, x1, y1): its box, with the slack a
    text's glyphs may overhang it by (a translucent text is composited over its box
    plus its size, paint._paint_text) or _PAD px for anything else."""
    x, y, w, h = item.box
    pad = max(_PAD, item.size) if isinstance(item, TextItem) else _PAD
    return max(0, x - pad), max(0, y - pad), min(width, x + w + pad), min(height, y + h + pad)


def _overlaps(a, b) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


class PosterRenderer:
    """Renders raster posters of one loaded campaign, caching the static layers.

    ``render(variant, template, width, height, url, extra)`` gives a :class:`Rendered`
    whose QR code has been checked; *extra* is the binding data of a personal poster
    (``{"inviter": {...}, "person": {...}}``); ``channel=`` renders a channel's own spec
    (its medium's defaults and ``set``).  Keep one renderer per process: its caches
    are what make a batch fast.

    ``in_place=True`` (a batch worker) paints every poster of a template and size on one
    canvas and restores what the last poster covered instead of copying the static base:
    a :class:`Rendered` image is then valid only until the next ``render`` call, and the
    renderer must not be shared between threads.
    """

    def __init__(self, loaded, *, cache_size: int = 8, reuse_mask: bool = False, in_place: bool = False):
        self.loaded = loaded
        self.cache_size = cache_size
        self.reuse_mask = reuse_mask
        self.in_place = in_place
        self._static: dict[str, _Static] = {}  # content key -> painted static part
        self._named: dict[tuple, tuple[str, dict]] = {}  # (variant, channel, template, w, h) -> (key, half_checked)
        self._masks: dict[tuple, int] = {}
        self._canvases: dict[int, _Canvas] = {}
        self._personal: dict[int, tuple[Any, bool]] = {}  # id(layer) -> (layer, is_personal(layer))

    def _is_personal(self, layer) -> bool:
        """:func:`is_personal`, remembered per layer object (a poster asks it of every layer)."""
        hit = self._personal.get(id(layer))
        if hit is None or hit[0] is not layer:
            hit = self._personal[id(layer)] = (layer, is_personal(layer))
        return hit[1]

    def _canvas_for(self, static: _Static) -> "_Canvas":
        # One canvas per painted base (channels with the same content share a base; their
        # _Static records differ only in the half-size checks).
        canvas = self._canvases.get(id(static.base))
        if canvas is None or canvas.static.base is not static.base:
            canvas = self._canvases[id(static.base)] = _Canvas(static)
            if len(self._canvases) > self.cache_size:
                self._canvases.pop(next(iter(self._canvases)))
        return canvas

    # ------------------------------------------------------------------ static part

    def _static_for(self, variant: str, template_name: str, width: int, height: int, channel: str = "") -> _Static:
        """The static part for (variant, channel, template, size).  The painted base is
        cached by *content* (the effective spec, template, fonts and size), so channels and
        variants whose spec is the same share one; the QR half-size check and its warnings
        stay per (variant, channel, template, size), as if nothing were shared."""
        name = (variant, channel, template_name, width, height)
        known = self._named.get(name)
        if known is None:
            v = self.loaded.variant(variant, channel)
            known = self._named[name] = (_content_key(v, v.templates[template_name], width, height), {})
            if len(self._named) > 64 * self.cache_size:
                self._named.pop(next(iter(self._named)))
        key, half_checked = known
        shared = self._static.get(key)
        if shared is None:
            v = self.loaded.variant(variant, channel)
            shared = self._static[key] = self._paint_static(v, v.templates[template_name], width, height)
            if len(self._static) > self.cache_size:
                self._static.pop(next(iter(self._static)))
        return replace(shared, half_checked=half_checked)

    def _paint_static(self, v, template, width: int, height: int) -> _Static:
        from PIL import Image

        frame_name, frame, s, ox, oy = frame_geometry(template, width, height)
        # Where personal layers may paint (layer index, box): whatever their 'when' says.
        below = []
        for index, layer in enumerate(frame.layers):
            if is_personal(layer):
                x, y, w, h = layer_box(layer, frame, s, ox, oy, width, height)
                below.append((index, (x - _PAD, y - _PAD, w + 2 * _PAD, h + 2 * _PAD)))
        _, _, placed = layout_layers(v, template, width, height, "", select=lambda layer: not is_personal(layer))
        base_items, overlay = [], []
        for index, item in placed:
            # Painted into the base only when no personal (or per-poster) layer below
            # it could overlap it; otherwise it is painted per poster, in order.
            if any(i < index and _overlaps(item.box, box) for i, box in below):
                overlay.append((index, item))
                below.append((index, item.box))
            else:
                base_items.append((index, item))
        base = Image.new("RGB", (width, height), (255, 255, 255))
        paint_items(base, [i for _, i in base_items])
        return _Static(frame_name, round(s, 6), base, placed, overlay, {})

    # ------------------------------------------------------------------ one poster

    def render(self, variant: str, template: str, width: int, height: int, url: str, extra: dict | None = None,
               fmt: str | None = None, quality: int = 90, channel: str = "") -> Rendered:
        """Lay out, paint and check one poster; encode it when *fmt* is given.

        Raises :class:`~postergen.errors.PostergenError` (layout overflow under an
        'error' policy, a QR code that does not decode)."""
        static = self._static_for(variant, template, width, height, channel)
        v = self.loaded.variant(variant, channel)
        tmpl = v.templates[template]
        mask = self._mask_for(url, v) if self.reuse_mask else None
        image, tree, personal = self._paint(static, v, tmpl, width, height, url, extra, mask)
        warnings: list[str] = []
        qr = next((i for i in tree.items if isinstance(i, QRItem)), None)
        if qr is not None:
            problem = verify(crop(image, qr), url, half=False)
            if problem and mask is not None:
                # The reused mask made a code that does not scan: make it with the search.
                image, tree, personal = self._paint(static, v, tmpl, width, height, url, extra, None)
                qr = next(i for i in tree.items if isinstance(i, QRItem))
                problem = verify(crop(image, qr), url, half=False)
            if problem:
                raise PostergenError(problem)
            key = (qr.version, qr.module, bool(qr.logo))
            if key not in static.half_checked:
                static.half_checked[key] = verify(crop(image, qr), url)
                warnings.extend(lints(qr, width))
            if static.half_checked[key]:
                raise PostergenError(static.half_checked[key])
        data = encode(image, fmt, quality) if fmt else None
        rendered = Rendered(tree, image, data, tuple(warnings))
        if self.in_place:
            rendered.base = static.base
            rendered.changed = tuple(self._canvas_for(static).dirty)
        return rendered

    def _mask_for(self, url: str, v) -> int:
        """The mask segno chooses for a stand-in of *url*: the same length, its query's
        letters and digits replaced by '0'.  Personal URLs differ only there, so one
        search serves every poster, and the choice is the same in every process (a
        retried batch partition gives the same bytes)."""
        from .qr import make_matrix, resolve_level

        level = resolve_level(v.spec.qr.error_correction, bool(v.spec.qr.logo))
        cut = url.find("?")
        stand_in = url if cut < 0 else url[:cut] + re.sub(r"[A-Za-z0-9]", "0", url[cut:])
        key = (stand_in, level)
        if key not in self._masks:
            self._masks[key] = make_matrix(stand_in, level).mask
        return self._masks[key]

    def _paint(self, static: _Static, v, tmpl, width: int, height: int, url: str, extra, mask):
        _, _, personal = layout_layers(v, tmpl, width, height, url, extra, select=self._is_personal, qr_mask=mask)
        paint = [i for _, i in sorted(personal + static.overlay, key=lambda p: p[0])]
        if self.in_place:
            image = self._canvas_for(static).take([_reach(i, width, height) for i in paint])
        else:
            image = static.base.copy()
        paint_items(image, paint)
        items = tuple(i for _, i in sorted(static.static_items + personal, key=lambda p: p[0]))
        return image, LayoutTree(width, height, tmpl.name, static.frame, static.scale, items), personal
