"""Layout: a template frame plus campaign data becomes a :class:`LayoutTree`.

Layout decides everything and draws nothing: each item has its final box, fitted font
size, broken lines with their positions, QR module grid, image crop settings.  The tree
is plain data (:meth:`LayoutTree.to_dict` is JSON-able), so tests assert on it and the
raster and PDF painters draw the same thing.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
from pathlib import PurePath
from typing import Any

from . import colors, qr as qrmod
from .errors import LayoutError
from .fit import FLOOR, Fitted, fit_text, largest
from .linebreak import balance_lines, break_lines
from .mechanics import spec_bindings
from .items import (  # noqa: F401 — the tree's types, re-exported for layout's callers
    Box,
    ImageItem,
    Item,
    LayoutTree,
    Line,
    MarkItem,
    QRItem,
    ShapeItem,
    TextItem,
)
from .items import ibox as _ibox, sizes as _sizes
from .template import (
    ImageLayer,
    LadderLayer,
    ListLayer,
    PriceLayer,
    QRLayer,
    ShapeLayer,
    Template,
    TextLayer,
)

# --------------------------------------------------------------------------- bindings


class Context:
    """Campaign data as seen by template bindings ('poster.headline', 'inviter')."""

    def __init__(self, loaded, url: str, extra: dict[str, Any] | None = None, qr_mask: int | None = None):
        spec = loaded.spec
        self.loaded = loaded
        self.qr_mask = qr_mask  # a known-good QR mask: skips segno's mask search
        self.theme = spec.theme
        self.shrunk: tuple[int, int] | None = None  # (size reached, layer minimum) of the last text
        bg = spec.theme.background
        self.data: dict[str, Any] = {
            "campaign": spec.campaign.model_dump(),
            "brand": spec.brand.model_dump(),
            "inviter": spec.inviter.model_dump() if spec.inviter else None,
            "poster": spec.poster.model_dump(),
            "background": bg.model_dump(),
            "mechanics": spec_bindings(spec),
            "url": url,
        }
        mech = self.data["mechanics"]
        if mech and mech["ends"] and not self.data["poster"].get("scarcity"):
            # The scarcity line says when the campaign ends unless the copy says more.
            self.data["poster"]["scarcity"] = mech["ends"]
        if extra:
            # A personal poster: 'inviter' is the participant, 'person' their row.
            self.data.update(extra)

    def get(self, path: str) -> Any:
        node: Any = self.data
        for key in path.split("."):
            if isinstance(node, list) and key.isdigit():
                # 'poster.benefits.3': the fourth item, so 'when' can test list lengths.
                node = node[int(key)] if int(key) < len(node) else None
            elif isinstance(node, dict):
                node = node.get(key)
            else:
                return None
        return node

    def truthy(self, expr: str | None) -> bool:
        if not expr:
            return True
        for term in expr.split("&"):
            term = term.strip()
            neg = term.startswith("!")
            value = self.get(term.lstrip("!"))
            present = value not in (None, "", [], {})
            if present == neg:
                return False
        return True

    def format(self, text: str) -> str | None:
        """Fill '{a.b}' bindings; None when a binding used has no value."""
        out, i = [], 0
        while i < len(text):
            j = text.find("{", i)
            if j < 0:
                out.append(text[i:])
                break
            k = text.find("}", j)
            if k < 0:
                raise LayoutError(f"unclosed '{{' in template text '{text}'")
            out.append(text[i:j])
            value = self.get(text[j + 1 : k])
            if value in (None, ""):
                return None
            out.append(str(value))
            i = k + 1
        return "".join(out)

    def color(self, ref: str) -> str:
        return colors.resolve(ref, self.theme)

    def asset(self, rel) -> str:
        # A participant's avatar arrives already checked, as a Path (people-file folder
        # or avatar cache); spec assets are names resolved inside the campaign folder.
        if isinstance(rel, PurePath):
            return str(rel)
        return str(self.loaded.asset(rel))


# --------------------------------------------------------------------------- layout


def layout_poster(loaded, template: Template, width: int, height: int, url: str, extra: dict | None = None) -> LayoutTree:
    """Lay out *template* at width×height for the campaign *loaded*, QR pointing at *url*.

    *extra* adds binding data for a personal poster (``inviter`` and ``person``)."""
    frame_name, s, placed = layout_layers(loaded, template, width, height, url, extra)
    return LayoutTree(width, height, template.name, frame_name, round(s, 6), tuple(i for _, i in placed))


def layout_for_print(loaded, template: Template, size, url: str) -> LayoutTree:
    """Lay *template* out for the print size *size* (a :class:`postergen.printsizes.PrintSize`):
    its print frame at the print size's pixel size, the tree both painters draw."""
    from .printsizes import for_print, layout_size

    w, h = layout_size(template, size)
    return layout_poster(loaded, for_print(template, size), w, h, url)


def frame_geometry(template: Template, width: int, height: int):
    """(frame name, frame, scale, x offset, y offset) of *template* on a width×height canvas."""
    frame_name, frame = next(
        (n, f) for n, f in template.frames.items() if f is template.frame_for(width, height)
    )
    fw, fh = frame.size
    s = min(width / fw, height / fh)
    return frame_name, frame, s, (width - fw * s) / 2, (height - fh * s) / 2


def layer_box(layer, frame, s: float, ox: float, oy: float, width: int, height: int):
    """Where *layer* goes on the canvas, in (float) pixels."""
    if layer.full:
        return (0.0, 0.0, float(width), float(height))
    x, y, w, h = layer.box
    box = (ox + x * s, oy + y * s, w * s, h * s)
    if (ox or oy) and _stretchable(layer):
        box = _to_edges(box, layer.box, frame.size, (width, height))
    return box


def layout_layers(loaded, template: Template, width: int, height: int, url: str, extra: dict | None = None, select=None, qr_mask: int | None = None):
    """(frame name, scale, [(layer index, item)]) for the layers *select* accepts (all by
    default), in painting order.  The render cache lays out a template's static layers
    once and its personal layers per poster, and merges them by layer index."""
    frame_name, frame, s, ox, oy = frame_geometry(template, width, height)
    ctx = Context(loaded, url, extra, qr_mask)
    placed: list[tuple[int, Item]] = []
    for index, layer in enumerate(frame.layers):
        if select is not None and not select(layer):
            continue
        if not ctx.truthy(layer.when):
            continue
        box = layer_box(layer, frame, s, ox, oy, width, height)
        where = f"template '{template.name}' ({frame_name}) layer '{layer.id or layer.type}'"
        try:
            placed.extend((index, item) for item in _LAYOUT[type(layer)](layer, box, s, ctx))
        except LayoutError as exc:
            at = template.layer_at(frame_name, index)
            raise LayoutError(f"{where}{f' ({at})' if at else ''}: {exc}", _field_of(layer), at) from None
        if ctx.shrunk:
            (size, least), ctx.shrunk = ctx.shrunk, None
            at = template.layer_at(frame_name, index)
            field = _field_of(layer)
            _note(
                f"{where}{f' ({at})' if at else ''}: {field or 'the text'} was shrunk to {size} px, below the "
                f"layer's smallest size {least} px; shorten it"
                + (" (headlines read best under ~14 characters)" if field == "poster.headline" else ""),
                field,
            )
    return frame_name, s, placed


def _field_of(layer) -> str | None:
    """The spec field a layer draws: its first text binding, list or price."""
    if isinstance(layer, TextLayer):
        m = re.search(r"\{([^{}]+)\}", layer.text)
        return m.group(1).strip() if m else None
    if isinstance(layer, ListLayer):
        return layer.bind
    if isinstance(layer, PriceLayer):
        return "poster.price"
    return None


#: Auto-fit may go this far below a layer's smallest size without a warning (a pixel or
#: two of rounding at small poster sizes is not worth a message).
SHRINK_TOLERANCE = 0.9

#: Warnings noted while laying out (auto-fit below a layer's smallest size), collected by
#: :func:`collect_notes` for whoever reports them (validate).
_notes: contextvars.ContextVar[list | None] = contextvars.ContextVar("postergen_layout_notes", default=None)


def _note(message: str, field: str | None) -> None:
    notes = _notes.get()
    if notes is not None:
        notes.append((message, field))


@contextlib.contextmanager
def collect_notes():
    """Collect (message, field) notes from the layouts made inside the block."""
    token = _notes.set([])
    try:
        yield _notes.get()
    finally:
        _notes.reset(token)


def _stretchable(layer) -> bool:
    """Decor rectangles may grow to the canvas edges they touch (photos keep their crop,
    so the raster and the print painter show the same part of them)."""
    return layer.part == "decor" and isinstance(layer, ShapeLayer) and layer.shape == "rect"


def _to_edges(box, design_box, frame_size, canvas):
    """When a frame is centred on a canvas of another aspect (an A4 page for a 3:4
    frame), a colour block or photo that touches an edge of the frame is extended to the
    same edge of the canvas, so no band of background shows between it and the edge."""
    x, y, w, h = box
    dx, dy, dw, dh = design_box
    fw, fh = frame_size
    cw, ch = canvas
    x0, y0, x1, y1 = x, y, x + w, y + h
    if dx <= 0:
        x0 = min(x0, 0.0)
    if dy <= 0:
        y0 = min(y0, 0.0)
    if dx + dw >= fw:
        x1 = max(x1, float(cw))
    if dy + dh >= fh:
        y1 = max(y1, float(ch))
    return (x0, y0, x1 - x0, y1 - y0)




def _radius(value, s: float, ctx: Context) -> float:
    if isinstance(value, str):
        if value.startswith("$radius"):
            factor = float(value.split("*", 1)[1]) if "*" in value else 1.0
            return ctx.theme.radius * factor * s
        return float(value) * s
    return value * s


def _shape(layer: ShapeLayer, box, s, ctx: Context):
    radius = _radius(layer.radius, s, ctx)
    if layer.fill == "background":
        bg = ctx.theme.background
        base = bg.color or ctx.theme.surface
        yield ShapeItem(layer.part, layer.id, _ibox(box), "rect", fill=ctx.color(base), radius=radius)
        if bg.gradient:
            grad = tuple(ctx.color(c) for c in bg.gradient.colors)
            yield ShapeItem(layer.part, layer.id, _ibox(box), "rect", gradient=grad, angle=bg.gradient.angle, radius=radius)
        if bg.image:
            yield ImageItem(layer.part, layer.id, _ibox(box), ctx.asset(bg.image), "cover", tuple(bg.focal), "rounded" if radius else "none", radius)
        return
    yield ShapeItem(
        layer.part,
        layer.id,
        _ibox(box),
        layer.shape,
        fill=ctx.color(layer.fill) if layer.fill else None,
        gradient=tuple(ctx.color(c) for c in layer.gradient) if layer.gradient else None,
        angle=layer.angle,
        radius=radius,
        stroke=ctx.color(layer.stroke) if layer.stroke else None,
        stroke_width=layer.stroke_width * s,
    )


def _image(layer: ImageLayer, box, s, ctx: Context):
    rel = ctx.get(layer.bind)
    if not rel:
        return
    focal = tuple(ctx.theme.background.focal) if layer.bind == "background.image" else (0.5, 0.5)
    yield ImageItem(
        layer.part,
        layer.id,
        _ibox(box),
        ctx.asset(rel),
        layer.fit,
        focal,
        layer.mask,
        _radius(layer.radius, s, ctx),
        layer.align,
        ctx.color(layer.ring) if layer.ring else None,
        layer.ring_width * s,
    )




def _place_lines(fitted: Fitted, chain, box, align: str, valign: str) -> tuple[tuple[Line, ...], Box]:
    x, y, w, h = box
    lh = fitted.line_height
    block = fitted.height
    top = y + {"top": 0, "middle": (h - block) / 2, "bottom": h - block}[valign]
    asc, desc = chain.main.ascent, chain.main.descent
    size = fitted.size
    lines = []
    for i, (text, lw) in enumerate(zip(fitted.lines, fitted.widths)):
        lx = x + {"left": 0, "center": (w - lw) / 2, "right": w - lw}[align]
        baseline = top + i * lh + (lh - size * (asc + desc)) / 2 + size * asc
        lines.append(Line(text, round(lx, 2), round(baseline, 2), round(lw, 2)))
    left = min((ln.x for ln in lines), default=x)
    right = max((ln.x + ln.width for ln in lines), default=x)
    return tuple(lines), _ibox((left, top, right - left, block))


def _text(layer: TextLayer, box, s, ctx: Context):
    text = ctx.format(layer.text)
    if not text:
        return
    chain = ctx.loaded.chain(layer.font)
    fonts = ctx.loaded.heading if layer.font == "heading" else ctx.loaded.body
    lo, hi = _sizes(layer.size, s)
    x, y, w, h = box
    pad_x = pad_y = 0.0
    if layer.pill:
        # The pill's padding is part of the box: fit the text inside it.
        px, py = layer.pill_padding
        pad_x, pad_y = px * hi, py * hi
    fitted = fit_text(
        text, chain.width, w - 2 * pad_x, h - 2 * pad_y, lo, hi, layer.max_lines, layer.leading, layer.overflow, what=f"'{text[:20]}'", balance=layer.balance
    )
    if fitted.size < lo * SHRINK_TOLERANCE and layer.overflow == "shrink":
        ctx.shrunk = (fitted.size, lo)
    if layer.pill:
        px, py = layer.pill_padding
        pad_x, pad_y = px * fitted.size, py * fitted.size
        pw, ph = fitted.width + 2 * pad_x, fitted.height + 2 * pad_y
        pxl = x + {"left": 0, "center": (w - pw) / 2, "right": w - pw}[layer.align]
        pyt = y + {"top": 0, "middle": (h - ph) / 2, "bottom": h - ph}[layer.valign]
        yield ShapeItem(layer.part, layer.id, _ibox((pxl, pyt, pw, ph)), "rect", fill=ctx.color(layer.pill), radius=ph / 2)
        inner = (pxl + pad_x, pyt + pad_y, fitted.width, fitted.height)
        lines, ink = _place_lines(fitted, chain, inner, "left", "top")
    else:
        lines, ink = _place_lines(fitted, chain, box, layer.align, layer.valign)
    yield TextItem(layer.part, layer.id, ink, fonts, fitted.size, ctx.color(layer.color), lines, layer.strike, fitted.truncated)


def _list_entries(layer: ListLayer, ctx: Context) -> list[tuple[str, str | None, str | None]]:
    """(text, author, icon) per list entry."""
    out = []
    for entry in ctx.get(layer.bind) or []:
        if layer.bind == "poster.benefits":
            out.append((entry["text"], None, entry.get("icon")))
        else:
            out.append((entry["text"], entry.get("author"), None))
    return out


def _dash(text: str) -> str:
    """The dash before an author: '——' in Chinese text, an em dash in Latin text."""
    from .linebreak import is_wide

    return " —— " if any(is_wide(ch) for ch in text) else " — "


def _list(layer: ListLayer, box, s, ctx: Context):
    entries = _list_entries(layer, ctx)
    if not entries:
        return
    chain = ctx.loaded.chain(layer.font)
    fonts = ctx.loaded.heading if layer.font == "heading" else ctx.loaded.body
    x, y, w, h = box
    cols = min(layer.columns, len(entries))
    col_gap = 0.06 * w if cols > 1 else 0
    col_w = (w - col_gap * (cols - 1)) / cols
    per_col = -(-len(entries) // cols)
    has_icons = any(icon for _, _, icon in entries)
    slot_em = 0 if layer.bullet == "none" and not has_icons else (1.75 if has_icons else 1.45)
    texts = [t + (f"{_dash(t)}{a}" if a else "") for t, a, _ in entries]

    def attempt(size: int):
        text_w = (col_w - slot_em * size) / size
        if text_w <= 1:
            return None
        broken = [break_lines(t, text_w, chain.width) for t in texts]
        if any(len(b) > layer.max_lines or any(chain.width(ln) > text_w + 1e-9 for ln in b) for b in broken):
            return None
        lh = size * layer.leading
        for c in range(cols):
            col = broken[c * per_col : (c + 1) * per_col]
            total = sum(len(b) * lh for b in col) + layer.gap * size * (len(col) - 1)
            if total > h + 1e-6:
                return None
        return broken

    def search(lo, hi):
        return largest(lo, hi, attempt)

    lo, hi = _sizes(layer.size, s)
    best = search(lo, hi)
    if best is None and layer.overflow != "error":
        best = search(FLOOR, lo - 1)
    if best is None:
        raise LayoutError(
            f"{len(entries)} items do not fit the box ({w:.0f}×{h:.0f} px, {layer.max_lines} line(s) each); "
            "shorten them or use fewer"
        )
    size, broken = best
    if layer.balance:
        text_w = (col_w - slot_em * size) / size
        broken = [balance_lines(t, text_w, chain.width) if len(b) > 1 else b for t, b in zip(texts, broken)]
    lh = size * layer.leading
    asc, desc = chain.main.ascent, chain.main.descent
    for c in range(cols):
        idx = range(c * per_col, min(len(entries), (c + 1) * per_col))
        heights = [len(broken[i]) * lh for i in idx]
        content = sum(heights) + layer.gap * size * (len(heights) - 1)
        gap = layer.gap * size
        top = y
        if layer.valign == "middle":
            top = y + (h - content) / 2
        elif layer.valign == "bottom":
            top = y + h - content
        elif layer.valign == "spread" and len(heights) > 1:
            gap = (h - sum(heights)) / (len(heights) - 1)
            gap = min(gap, 2.2 * size)
            top = y + (h - sum(heights) - gap * (len(heights) - 1)) / 2
        cx = x + c * (col_w + col_gap)
        for n, i in enumerate(idx):
            text, author, icon = entries[i]
            lines = []
            tx = cx + slot_em * size
            for k, ln in enumerate(broken[i]):
                baseline = top + k * lh + (lh - size * (asc + desc)) / 2 + size * asc
                lw = chain.width(ln) * size
                lines.append(Line(ln, round(tx, 2), round(baseline, 2), round(lw, 2)))
            part_id = f"{layer.id or 'list'}[{i}]"
            first_mid = top + lh / 2
            if icon:
                d = 1.3 * size
                yield ImageItem(layer.part, part_id, _ibox((cx, first_mid - d / 2, d, d)), ctx.asset(icon), "contain")
            elif layer.bullet != "none":
                d = 1.0 * size if layer.bullet != "dot" else 0.45 * size
                mx = cx + (slot_em * size - 0.45 * size - d) / 2 if layer.bullet == "dot" else cx
                yield MarkItem(
                    layer.part, part_id, _ibox((mx, first_mid - d / 2, d, d)), layer.bullet,
                    ctx.color(layer.bullet_color), str(i + 1) if layer.bullet == "number" else "", fonts,
                )
            right = max(ln.x + ln.width for ln in lines)
            yield TextItem(
                layer.part, part_id, _ibox((tx, top, right - tx, len(lines) * lh)), fonts, size,
                ctx.color(layer.color), tuple(lines),
            )
            top += heights[n] + gap


def _price(layer: PriceLayer, box, s, ctx: Context):
    price = ctx.get("poster.price")
    if not price:
        return
    chain = ctx.loaded.chain("heading")
    body = ctx.loaded.chain("body")
    x, y, w, h = box
    small = 0.34
    cur = 0.5
    parts = []  # (text, scale, chain, fonts, color, strike, gap_before_em)
    if price.get("label"):
        parts.append((price["label"], small, body, ctx.loaded.body, layer.color, False, 0))
    parts.append((price["currency"], cur, chain, ctx.loaded.heading, layer.color, False, 0.12 if parts else 0))
    parts.append((price["now"], 1.0, chain, ctx.loaded.heading, layer.color, False, 0.02))
    if price.get("original"):
        parts.append((f"{price['currency']}{price['original']}", small, body, ctx.loaded.body, layer.muted, True, 0.18))
    em = sum(c.width(t) * k + g for t, k, c, _, _, _, g in parts)
    lo, hi = _sizes(layer.size, s)
    size = min(hi, int(w / em), int(h / 1.1))
    if size < FLOOR:
        raise LayoutError("the price does not fit its box; shorten it")
    total = em * size
    cx = x + {"left": 0, "center": (w - total) / 2, "right": w - total}[layer.align]
    baseline = y + (h - size * 1.0) / 2 + size * 0.88
    for text, k, c, fonts, color, strike, gap in parts:
        cx += gap * size
        fs = max(FLOOR, round(size * k))
        lw = c.width(text) * fs
        top = baseline - fs * c.main.ascent
        yield TextItem(
            layer.part, layer.id, _ibox((cx, top, lw, fs * (c.main.ascent + c.main.descent))), fonts, fs,
            ctx.color(color), (Line(text, round(cx, 2), round(baseline, 2), round(lw, 2)),), strike,
        )
        cx += c.width(text) * k * size


def _qr(layer: QRLayer, box, s, ctx: Context):
    spec = ctx.loaded.spec.qr
    level = qrmod.resolve_level(spec.error_correction, bool(spec.logo))
    matrix = qrmod.make_matrix(ctx.get("url"), level, ctx.qr_mask)
    n = matrix.size
    x, y, w, h = box
    side = min(w, h)
    total = n + 2 * qrmod.QUIET_ZONE
    module = int(side // total)
    if module < 1:
        raise LayoutError(f"the QR box ({side:.0f} px) is too small for a {n}×{n} code")
    px = module * total
    qx = x + {"left": 0, "center": (w - px) / 2, "right": w - px}[layer.align]
    qy = y + (h - px) / 2
    qx, qy = round(qx), round(qy)
    logo = logo_box = None
    if spec.logo:
        lm = qrmod.logo_modules(n, spec.logo_size)
        if lm > 0:
            off = (qrmod.QUIET_ZONE + (n - lm) // 2) * module
            logo_box = (qx + off, qy + off, lm * module, lm * module)
            logo = ctx.asset(spec.logo)
    yield QRItem(
        layer.part, layer.id, (qx, qy, px, px), matrix.data, level, matrix.version, module, matrix.rows,
        colors.resolve(spec.dark, ctx.theme), colors.resolve(spec.light, ctx.theme), logo, logo_box,
        _radius(layer.radius, s, ctx),
    )


def _ladder(layer, box, s, ctx: Context):
    from .ladder import layout_ladder

    return layout_ladder(layer, box, s, ctx)


_LAYOUT = {
    ShapeLayer: _shape,
    ImageLayer: _image,
    TextLayer: _text,
    ListLayer: _list,
    PriceLayer: _price,
    LadderLayer: _ladder,
    QRLayer: _qr,
}
