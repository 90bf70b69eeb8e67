"""``report.html``: one self-contained page (inline CSS, inline SVG charts, the campaign's
own fonts subset and inlined) that reads well on a laptop and on a phone.

No script, no external request: the page is safe to mail or attach to a ticket.  The
template is ``templates/report/report.html.j2`` (Jinja2 in postergen's sandbox, autoescape on); the charts come
from :mod:`.charts`; every number is formatted by :mod:`.format`.
"""

from __future__ import annotations

from ..bundled import TEMPLATES_DIR
from ..sandbox import render as sandbox_render

import re
from functools import lru_cache

from markupsafe import Markup

from . import charts
from .format import interval, money, num, pct, pp, pp_interval, prob, ratio

TEMPLATES = TEMPLATES_DIR / "report"

STATUS = {
    "better": ("better", "good"),
    "worse": ("worse", "bad"),
    "too small to decide": ("too small to decide", "wait"),
    "no clear difference": ("no clear difference", "flat"),
    "no data": ("no data", "flat"),
}


@lru_cache(maxsize=1)
def _env():
    """The report page's environment: postergen's sandbox, autoescape on (codes, channel
    names and inviter ids in the page come from untrusted events)."""
    from ..sandbox import environment

    env = environment([(TEMPLATES, TEMPLATES)], autoescape=True, keep_trailing_newline=True)
    env.filters.update(num=num, pct=pct, pp=pp, money=money, ratio=ratio, prob=prob)
    env.globals.update(interval=interval, pp_interval=pp_interval, status=lambda s: STATUS.get(s or "no data", STATUS["no data"]))
    return env


def colours(theme) -> dict:
    """The report's palette from the campaign theme: brand bars, and a readable brand ink."""
    from ..landing.palette import AA, _hex, _mix, _rgb, _towards

    white = (255.0, 255.0, 255.0)
    brand = _rgb(theme.primary)
    ink = _towards(brand, white, AA)  # brand-coloured text on white, ≥ 4.5:1
    accent = _rgb(theme.accent)
    return {
        "brand": _hex(brand),
        "brand_ink": _hex(ink),
        "brand_mid": _hex(_mix(brand, white, 0.45)),
        "brand_light": _hex(_mix(brand, white, 0.78)),
        "brand_wash": _hex(_mix(brand, white, 0.93)),
        "accent": _hex(_towards(accent, white, 3.05)),
    }


def render_html(loaded, f: dict, fonts: bool = True) -> str:
    """The report page for figures *f* of campaign *loaded* (with its fonts inlined)."""
    pal = colours(loaded.spec.theme)
    ctx = _context(f, pal)
    html = sandbox_render(_env().get_template("report.html.j2"), f=f, c=ctx, pal=pal, font_css=Markup(""), font_stack=_SYSTEM)
    html = label_cells(html)
    if not fonts:
        return html
    from ..landing.fontsubset import collect_text, web_fonts

    # Tables and figures are set in many weights: both faces get every glyph the page
    # shows, under one family name per chain position (400 from the body chain, 700 from
    # the heading chain), so each weight is drawn by its own face, never synthesised.
    text = "".join(collect_text(html)) + "0123456789"
    faces = web_fonts(loaded.chain("body"), text, "rp", 400) + web_fonts(loaded.chain("heading"), text, "rp", 700)
    css = "".join(w.css() for w in faces)
    stack = ",".join([*dict.fromkeys(f'"{w.family}"' for w in faces), _SYSTEM])
    html = sandbox_render(_env().get_template("report.html.j2"), f=f, c=ctx, pal=pal, font_css=Markup(css), font_stack=Markup(stack))
    return label_cells(html)


_TABLE = re.compile(r"<table\b[^>]*>.*?</table>", re.S)
_HEAD_CELL = re.compile(r"<th\b[^>]*>(.*?)</th>", re.S)
_ROW = re.compile(r"<tr\b[^>]*>.*?</tr>", re.S)
_CELL = re.compile(r"<(td|th)\b", re.S)
_TAGS = re.compile(r"<[^>]+>")


def label_cells(html: str) -> str:
    """Give every body cell a ``data-label`` with its column's heading, so that on a
    phone each row can be shown as a small card of labelled figures (pure CSS)."""

    def table(m: re.Match) -> str:
        text = m.group(0)
        head, sep, body = text.partition("</thead>")
        if not sep:
            return text
        labels = [" ".join(_TAGS.sub(" ", h).split()) for h in _HEAD_CELL.findall(head)]

        def row(r: re.Match) -> str:
            i = [0]

            def cell(c: re.Match) -> str:
                k = i[0]
                i[0] += 1
                if c.group(1) == "th" or k >= len(labels) or not labels[k]:
                    return c.group(0)
                return f'<td data-label="{labels[k]}"'

            return _CELL.sub(cell, r.group(0))

        return head + sep + _ROW.sub(row, body)

    return _TABLE.sub(table, html)


_SYSTEM = Markup('"PingFang SC","Hiragino Sans GB","Noto Sans SC","Microsoft YaHei",system-ui,sans-serif')


def _context(f: dict, pal: dict) -> dict:
    ab = f["ab"]
    channel_rows = [{"label": (r["channel_name"] or r["channel"]), **r} for r in f["channels"]]
    out = {
        "funnel_chart": Markup(charts.funnel_bars("ch-funnel", channel_rows, (pal["brand_light"], pal["brand_mid"], pal["brand"])))
        if channel_rows and f["source"]["has_events"] else "",
        "daily_chart": Markup(charts.daily("ch-daily", f["daily"], (pal["brand_mid"], pal["brand"]))),
        "depth_chart": Markup(charts.depth_histogram("ch-depth", f["fission"]["levels"], pal["brand"], pal["brand_mid"])),
        "ab_chart": "",
        "factor_charts": [],
    }
    if ab:
        out["ab_chart"] = Markup(charts.interval_bars("ch-ab", ab["arms"], pal["brand"], "#5b6472"))
        out["factor_charts"] = [Markup(charts.interval_bars(f"ch-f{i}", fac["arms"], pal["brand"], "#5b6472"))
                                for i, fac in enumerate(ab["factors"])]
    return out
