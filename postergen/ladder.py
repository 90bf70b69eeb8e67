"""Layout of the reward ladder (阶梯奖励): ``type: ladder`` layers over ``mechanics.tiers``.

One step per tier.  ``direction: row`` sets the steps side by side — a pill badge
('邀3人') over the reward, centred in equal columns, the badges joined by a thin rail —
for wide boxes; ``column`` sets them one under another, the badges in a column on the
left and each reward beside its badge, for narrow or tall boxes.  A single step (a
threshold and its reward, no tiers) is set as one line, badge then reward, centred.  The last step's badge
takes the accent colour: the top of the ladder is what the poster sells.

One text size serves every step (the largest at which every badge and every reward fits,
found by bisection like the other layers), so the ladder reads as one object.  The
result is ordinary shape and text items: the raster and PDF painters need nothing new.
"""

from __future__ import annotations

from .errors import LayoutError
from .fit import FLOOR, largest
from .linebreak import balance_lines, break_lines, phrase_break

_BADGE_H = 1.75  # badge height, in em of its text
_BADGE_PAD = 0.7  # badge side padding, in em
_GAP = 0.45  # badge to reward, in em


def _label(pattern: str, tier: dict) -> str:
    out = pattern
    for key in ("label", "invites", "reward"):
        out = out.replace("{" + key + "}", tier[key])
    return out


def layout_ladder(layer, box, s: float, ctx):
    from .items import Line, ShapeItem, TextItem, ibox as _ibox, sizes as _sizes

    tiers = ctx.get(layer.bind) or []
    if not tiers:
        return
    head = ctx.loaded.chain("heading")
    body = ctx.loaded.chain(layer.font)
    head_fonts = ctx.loaded.heading
    fonts = ctx.loaded.heading if layer.font == "heading" else ctx.loaded.body
    labels = [_label(layer.label, t) for t in tiers]
    rewards = [t["reward"] for t in tiers]
    x, y, w, h = box
    n = len(tiers)
    row = layer.direction == "row" and n > 1  # one step: badge and reward side by side, centred
    centred = layer.align == "center" if layer.align else n == 1 and layer.direction == "row"
    badge_em = max(head.width(lb) for lb in labels) + 2 * _BADGE_PAD

    def lines_of(r: str, em: float, strict: bool):
        if not strict:
            return break_lines(r, em, body.width)
        if body.width(r) <= em + 1e-9:
            return [r]
        return phrase_break(r, em, body.width, layer.max_lines) or [r, "", "", "", ""]  # (too many: refused)

    def attempt(size: int, strict: bool):
        """(reward lines per step, text width, content height) at reward size *size*;
        *strict*: a reward breaks only between phrases ('杨枝甘露 / 1 杯', never '杨枝甘 / 露')."""
        bs = size  # badge text size
        if row:
            col = w / n
            text_w = col * 0.94
            if badge_em * bs > text_w:
                return None
        else:
            text_w = w - badge_em * bs - _GAP * 2 * size
        if text_w / size <= 1:
            return None
        broken = [lines_of(r, text_w / size, strict) for r in rewards]
        if any(len(b) > layer.max_lines or any(body.width(ln) * size > text_w + 1e-6 for ln in b) for b in broken):
            return None
        lh = size * layer.leading
        if row:
            height = bs * _BADGE_H + _GAP * size + max(len(b) for b in broken) * lh
        else:
            rows = [max(bs * _BADGE_H, len(b) * lh) for b in broken]
            height = sum(rows) + 0.5 * size * (n - 1)
        if height > h + 1e-6:
            return None
        return broken, text_w, height

    def search(lo, hi, strict=False):
        return largest(lo, hi, lambda size: attempt(size, strict))

    lo, hi = _sizes(layer.size, s)
    if n == 1:
        hi = round(hi * 1.3)  # one line instead of a ladder: it may be larger
    strict = search(lo, hi, strict=True)
    best = strict or search(lo, hi) or search(FLOOR, lo - 1)
    if best is None:
        raise LayoutError(f"{n} reward steps do not fit the box ({w:.0f}×{h:.0f} px); shorten the rewards")
    size, (broken, text_w, height) = best
    if strict is None:
        broken = [balance_lines(r, text_w / size, body.width) if len(b) > 1 else b for r, b in zip(rewards, broken)]
    lh = size * layer.leading
    bh = size * _BADGE_H
    top = y + {"top": 0, "middle": (h - height) / 2, "bottom": h - height}[layer.valign]
    asc, desc = body.main.ascent, body.main.descent
    hasc, hdesc = head.main.ascent, head.main.descent

    def badge(i: int, cx: float, cy: float, left: float | None = None):
        """The pill of step *i* centred on (cx, cy) (or starting at *left*)."""
        last = i == n - 1 and layer.top_badge is not None
        fill = ctx.color(layer.top_badge if last else layer.badge)
        ink = ctx.color(layer.top_badge_text if last else layer.badge_text)
        tw = head.width(labels[i]) * size
        bw = tw + 2 * _BADGE_PAD * size
        bx = cx - bw / 2 if left is None else left
        yield ShapeItem(layer.part, f"{layer.id or 'ladder'}[{i}]", _ibox((bx, cy - bh / 2, bw, bh)), "rect", fill=fill, radius=bh / 2)
        baseline = cy - size * (hasc + hdesc) / 2 + size * hasc
        tx = bx + (bw - tw) / 2
        yield TextItem(layer.part, f"{layer.id or 'ladder'}[{i}]", _ibox((tx, cy - size * (hasc + hdesc) / 2, tw, size * (hasc + hdesc))),
                       head_fonts, size, ink, (Line(labels[i], round(tx, 2), round(baseline, 2), round(tw, 2)),))

    def reward(i: int, left: float, top_y: float, width: float, align: str):
        lines = []
        for k, ln in enumerate(broken[i]):
            lw = body.width(ln) * size
            lx = left + ((width - lw) / 2 if align == "center" else 0)
            baseline = top_y + k * lh + (lh - size * (asc + desc)) / 2 + size * asc
            lines.append(Line(ln, round(lx, 2), round(baseline, 2), round(lw, 2)))
        l0 = min(ln.x for ln in lines)
        r0 = max(ln.x + ln.width for ln in lines)
        yield TextItem(layer.part, f"{layer.id or 'ladder'}[{i}]", _ibox((l0, top_y, r0 - l0, len(lines) * lh)), fonts, size,
                       ctx.color(layer.color), tuple(lines))

    items = []
    if row:
        col = w / n
        cy = top + bh / 2
        centres = [x + col * (i + 0.5) for i in range(n)]
        if layer.rail and n > 1:
            t = max(2.0, 0.1 * size)
            items.append(ShapeItem(layer.part, layer.id, _ibox((centres[0], cy - t / 2, centres[-1] - centres[0], t)), "rect",
                                   fill=ctx.color(layer.rail), radius=t / 2))
        for i in range(n):
            items += badge(i, centres[i], cy)
            items += reward(i, centres[i] - text_w / 2, top + bh + _GAP * size, text_w, "center")
    else:
        badge_w = badge_em * size
        rows = [max(bh, len(b) * lh) for b in broken]
        gap = 0.5 * size
        content_w = badge_w + _GAP * 2 * size + max(body.width(ln) * size for b in broken for ln in b)
        left = x + ((w - content_w) / 2 if centred else 0)
        ys, cur = [], top
        for r in rows:
            ys.append(cur)
            cur += r + gap
        if layer.rail and n > 1:
            t = max(2.0, 0.1 * size)
            cx = left + badge_w / 2
            first, last = ys[0] + rows[0] / 2, ys[-1] + rows[-1] / 2
            items.append(ShapeItem(layer.part, layer.id, _ibox((cx - t / 2, first, t, last - first)), "rect",
                                   fill=ctx.color(layer.rail), radius=t / 2))
        for i in range(n):
            cy = ys[i] + rows[i] / 2
            items += badge(i, left + badge_w / 2, cy)
            block = len(broken[i]) * lh
            items += reward(i, left + badge_w + _GAP * 2 * size, cy - block / 2, text_w, "left")
    yield from items
