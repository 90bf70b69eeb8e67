"""The report's charts as inline SVG: funnel bars, conversion with interval bars, the
daily trend and the fission depth histogram.

Every chart is responsive without scaling its text: horizontal positions are percentages
of the chart's width and vertical ones are pixels, so labels stay 12-13 px on a 375 px
phone and on a 1280 px laptop alike.  Each SVG has ``role="img"`` and a ``<title>``; the
same figures are in the tables beside it.  All text is XML-escaped here.
"""

from __future__ import annotations

from html import escape

from .format import num, pct

INK = "#1c2330"
MUTED = "#5b6472"
GRID = "#e3e6eb"
TRACK = "#f1f3f6"


def _t(x: str, y: float, text: str, anchor: str = "start", size: int = 12, fill: str = INK, weight: int = 400,
       extra: str = "") -> str:
    return (f'<text x="{x}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}"'
            f'{f" font-weight={chr(34)}{weight}{chr(34)}" if weight != 400 else ""}{extra}>{escape(text)}</text>')


def _svg(uid: str, title: str, height: float, body: list[str]) -> str:
    return (f'<svg class="chart" width="100%" height="{height:.0f}" role="img" aria-labelledby="{uid}-t" '
            f'xmlns="http://www.w3.org/2000/svg"><title id="{uid}-t">{escape(title)}</title>{"".join(body)}</svg>')


def _p(value: float) -> str:
    return f"{max(0.0, min(100.0, value)):.3f}%"


def funnel_bars(uid: str, rows: list[dict], colours: tuple[str, str, str]) -> str:
    """Per row (channel): scans, visitors and leads as overlaid bars on one track."""
    top = max([max(r["scans"], r["visitors"], r["leads"]) for r in rows] + [1])
    body, y = [], 0.0
    light, mid, dark = colours
    for r in rows:
        y += 16
        body.append(_t("0", y, r["label"], weight=600))
        body.append(_t("100%", y, f"{num(r['scans'])} → {num(r['visitors'])} → {num(r['leads'])}", "end", fill=MUTED))
        y += 6
        body.append(f'<rect x="0" y="{y:.1f}" width="100%" height="18" rx="4" fill="{TRACK}"/>')
        for value, colour in ((r["scans"], light), (r["visitors"], mid), (r["leads"], dark)):
            if value:
                body.append(f'<rect x="0" y="{y:.1f}" width="{_p(100 * value / top)}" height="18" rx="4" fill="{colour}"/>')
        y += 18 + 12
    legend = [("scans", light), ("visitors", mid), ("leads", dark)]
    y += 4
    x = 0
    for name, colour in legend:
        body.append(f'<rect x="{x}%" y="{y - 9:.1f}" width="10" height="10" rx="2" fill="{colour}"/>')
        body.append(_t(f"{x + 4}%", y, name, fill=MUTED, extra=' dx="0"'))
        x += 24
    return _svg(uid, "Scans, visitors and leads per channel", y + 6, body)


def interval_bars(uid: str, arms: list[dict], colour: str, control_colour: str) -> str:
    """Per arm: conversion rate as a dot with its 95% interval; the control's rate as a line."""
    his = [a["conversion"]["hi"] for a in arms if a["conversion"]["hi"] is not None]
    if not his:
        return ""
    top, steps = _axis(max(his) * 1.04)
    body, y = [], 0.0
    control = next((a for a in arms if a.get("control")), None)
    ys = []
    for a in arms:
        c = a["conversion"]
        y += 16
        label = a["name"] + (" · control" if a.get("control") else "")
        body.append(_t("0", y, label, weight=600))
        value = "—" if c["rate"] is None else f"{pct(c['rate'])}  ({pct(c['lo'])}–{pct(c['hi'])})"
        body.append(_t("100%", y, value, "end", fill=MUTED))
        y += 14
        ys.append(y)
        body.append(f'<line x1="0" x2="100%" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>')
        if c["rate"] is not None:
            fill = control_colour if a.get("control") else colour
            lo, hi, r = (100 * c[k] / top for k in ("lo", "hi", "rate"))
            body.append(f'<rect x="{_p(lo)}" y="{y - 4:.1f}" width="{_p(hi - lo)}" height="8" rx="4" fill="{fill}" opacity="0.28"/>')
            body.append(f'<line x1="{_p(lo)}" x2="{_p(hi)}" y1="{y:.1f}" y2="{y:.1f}" stroke="{fill}" stroke-width="2"/>')
            body.append(f'<circle cx="{_p(r)}" cy="{y:.1f}" r="5" fill="{fill}" stroke="#fff" stroke-width="1.5"/>')
        y += 14
    if control is not None and control["conversion"]["rate"] is not None:
        x = _p(100 * control["conversion"]["rate"] / top)
        for ry in ys:  # through each row's track only, never across the labels
            body.insert(0, f'<line x1="{x}" x2="{x}" y1="{ry - 9:.1f}" y2="{ry + 9:.1f}" stroke="{control_colour}" '
                           'stroke-width="1.5" stroke-dasharray="2 2"/>')
    y += 4
    for i in range(steps + 1):
        v = top * i / steps
        anchor = "start" if i == 0 else ("end" if i == steps else "middle")
        digits = 0 if abs(v * 100 - round(v * 100)) < 1e-9 else 1
        body.append(_t(_p(100 * i / steps), y + 12, pct(v, digits), anchor, size=11, fill=MUTED))
    return _svg(uid, "Conversion rate (leads / visitors) per arm with 95% Wilson intervals", y + 18, body)


AXES = [(0.02, 4), (0.04, 4), (0.05, 5), (0.08, 4), (0.1, 5), (0.15, 3), (0.2, 4), (0.25, 5), (0.3, 3),
        (0.4, 4), (0.5, 5), (0.6, 3), (0.8, 4), (1.0, 5)]


def _axis(value: float) -> tuple[float, int]:
    """A round axis end at or above *value* (a fraction), and its number of steps."""
    return next(((end, n) for end, n in AXES if value <= end), AXES[-1])


def daily(uid: str, days: list[dict], colours: tuple[str, str]) -> str:
    """Two panels over the days: visitors (or scans) per day, and leads per day."""
    if not days:
        return ""
    n = len(days)
    series = [("visitors", "Visitors per day", colours[0]), ("leads", "Leads per day", colours[1])]
    if not any(d["visitors"] for d in days):
        series = [("leads", "Leads per day", colours[1])]
    body, y = [], 0.0
    h = 84
    for key, title, colour in series:
        top = max([d[key] for d in days] + [1])
        y += 14
        body.append(_t("0", y, title, weight=600))
        body.append(_t("100%", y, f"peak {num(top)} a day", "end", fill=MUTED))
        y += 8
        base = y + h
        body.append(f'<line x1="0" x2="100%" y1="{base:.1f}" y2="{base:.1f}" stroke="{GRID}"/>')
        w = 100 / n
        for i, d in enumerate(days):
            bh = h * d[key] / top
            if bh:
                body.append(f'<rect x="{_p(i * w + w * 0.12)}" y="{base - bh:.1f}" width="{_p(w * 0.76)}" '
                            f'height="{bh:.1f}" rx="{min(2, bh / 2):.1f}" fill="{colour}"/>')
        y = base + 10
    picks = sorted({0, n // 2, n - 1})
    for i in picks:
        d = days[i]["date"][5:].replace("-", "/")
        x = (i + 0.5) * 100 / n
        anchor = "start" if i == 0 and n > 1 else ("end" if i == n - 1 and n > 1 else "middle")
        x = 0 if anchor == "start" else (100 if anchor == "end" else x)
        body.append(_t(_p(x), y + 6, d, anchor, size=11, fill=MUTED))
    return _svg(uid, "Visitors and leads per day", y + 12, body)


def depth_histogram(uid: str, levels: list[dict], colour: str, seed_colour: str) -> str:
    """Participants per fission level (level 0: seeds and channel leads)."""
    if not levels:
        return ""
    top = max([lv["participants"] for lv in levels] + [1])
    n = len(levels)
    h = 120
    body = []
    base = 20 + h
    body.append(f'<line x1="0" x2="100%" y1="{base}" y2="{base}" stroke="{GRID}"/>')
    w = 100 / n
    for i, lv in enumerate(levels):
        bh = h * lv["participants"] / top
        x = i * w + w * 0.18
        fill = seed_colour if lv["level"] == 0 else colour
        if bh:
            body.append(f'<rect x="{_p(x)}" y="{base - bh:.1f}" width="{_p(w * 0.64)}" height="{bh:.1f}" rx="3" fill="{fill}"/>')
        body.append(_t(_p((i + 0.5) * w), base - bh - 6, num(lv["participants"]), "middle", weight=600))
        body.append(_t(_p((i + 0.5) * w), base + 16, f"L{lv['level']}", "middle", size=12, fill=MUTED))
    return _svg(uid, "Participants per fission level", base + 24, body)
