"""Fonts for a page: the theme's fonts cut down to exactly the glyphs the page shows.

The page text is read back from the rendered HTML (:func:`collect_text`), split by weight:
text inside ``h1``–``h6``, ``strong``, ``b``, ``button`` or an element with class ``bold``
uses the heading font, the rest the body font (the built-in stylesheet follows the same
rule).  Each role's font chain (main font, fallbacks, bundled fonts) decides which file
draws each character, exactly as on the posters; every file that draws something becomes
one WOFF2 ``@font-face``, inlined as base64.

Subsetting costs about half a second per face, so results are cached by (file, glyphs):
pages of one variant share their text and pay once.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser

BOLD_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "button"})
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
SKIP = frozenset({"script", "style", "title", "template"})
TYPED = "0123456789"  # what visitors type into the phone field, drawn in the body font


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, bold, skipped)
        self.bold: list[str] = []
        self.regular: list[str] = []

    def _state(self) -> tuple[bool, bool]:
        return (self.stack[-1][1], self.stack[-1][2]) if self.stack else (False, False)

    def handle_starttag(self, tag, attrs):
        bold, skipped = self._state()
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        bold = bold or tag in BOLD_TAGS or "bold" in classes
        if tag == "input" and (attrs.get("type") or "text") in ("submit", "button", "reset"):
            if attrs.get("value"):
                self.bold.append(attrs["value"])
        elif attrs.get("placeholder"):
            (self.bold if bold else self.regular).append(attrs["placeholder"])
        if tag not in VOID:
            self.stack.append((tag, bold, skipped or tag in SKIP))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        bold, skipped = self._state()
        if not skipped and data.strip():
            (self.bold if bold else self.regular).append(data)


def collect_text(html: str) -> tuple[str, str]:
    """(bold text, regular text) shown by *html*: text nodes, placeholders, button values."""
    parser = _TextCollector()
    parser.feed(html)
    parser.close()
    return "".join(parser.bold), "".join(parser.regular)


@dataclass(frozen=True)
class WebFont:
    """One ``@font-face``: a font file cut to *chars*, as WOFF2."""

    family: str
    weight: int
    chars: str
    woff2: bytes

    def css(self) -> str:
        data = base64.b64encode(self.woff2).decode("ascii")
        return (
            f'@font-face{{font-family:"{self.family}";font-weight:{self.weight};font-style:normal;'
            f"font-display:swap;src:url(data:font/woff2;base64,{data}) format(\"woff2\")}}"
        )


def _chars(text: str) -> str:
    return "".join(sorted({ch for ch in text if ch.isprintable() and not ch.isspace()} | {" "}))


@lru_cache(maxsize=128)
def subset_woff2(path: str, chars: str) -> bytes:
    """The font at *path* cut to *chars*, as WOFF2 bytes (cached; deterministic)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["kern"]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # keep the copyright and OFL licence
    options.hinting = False
    options.desubroutinize = True
    options.notdef_outline = True
    options.recalc_timestamp = False
    options.drop_tables += ["VORG", "vhea", "vmtx"]  # vertical writing: not on these pages
    # lazy=True: only the subset's glyphs are parsed (about twice as fast, same bytes).
    font = TTFont(path, fontNumber=0, recalcTimestamp=False, lazy=True)
    try:
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[ord(ch) for ch in chars])
        subsetter.subset(font)
        font.flavor = "woff2"
        buf = io.BytesIO()
        font.save(buf)
    finally:
        font.close()
    return buf.getvalue()


def web_fonts(chain, text: str, prefix: str, weight: int) -> list[WebFont]:
    """One :class:`WebFont` per file of *chain* that draws some character of *text*.

    Colour (emoji) faces are left out: the phone's own emoji font draws emoji, with the
    ZWJ sequences and skin tones its users know, at no cost in page bytes."""
    per_face: dict[int, set[str]] = {}
    for ch in _chars(text):
        idx = chain.lookup(ch)[0]
        if idx >= 0 and not chain.faces[idx].color:
            per_face.setdefault(idx, set()).add(ch)
    fonts = []
    for idx in sorted(per_face):
        chars = "".join(sorted(per_face[idx]))
        face = chain.faces[idx]
        fonts.append(WebFont(f"{prefix}{idx}", weight, chars, subset_woff2(str(face.path), chars)))
    return fonts


def font_stack(fonts: list[WebFont]) -> str:
    """A CSS font-family list: the page's own faces, then the phone's CJK system fonts."""
    own = [f'"{f.family}"' for f in fonts]
    system = ['"PingFang SC"', '"Hiragino Sans GB"', '"Noto Sans SC"', '"Microsoft YaHei"', "sans-serif"]
    return ",".join(own + system)


def page_fonts(loaded, html: str) -> tuple[list[WebFont], list[WebFont]]:
    """(heading faces, body faces) for the page *html* of the campaign *loaded*."""
    bold, regular = collect_text(html)
    heading = web_fonts(loaded.chain("heading"), bold, "pgh", 700)
    body = web_fonts(loaded.chain("body"), regular + TYPED, "pgb", 400)
    return heading, body
