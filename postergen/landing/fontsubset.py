"""Fonts for a page: the theme's fonts cut down to exactly the glyphs the page shows.

The page text is read back from the rendered HTML (:func:`collect_text`), split by weight:
text inside ``h1``–``h6``, ``strong``, ``b``, ``button`` or an element with class ``bold``
uses the heading font, the rest the body font (the built-in stylesheet follows the same
rule).  Each role's font chain (main font, fallbacks, bundled fonts) decides which file
draws each character, exactly as on the posters; every file that draws something becomes
one WOFF2 ``@font-face``, inlined as base64.

Subsetting (HarfBuzz) and WOFF2 compression cost ~20 ms per face; results are cached
by (file, glyphs): pages of one variant share their text and pay once.
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

    def css(self, ranged: bool = False) -> str:
        """The ``@font-face`` rule; *ranged* adds the ``unicode-range`` of its characters
        (the faces for text after the first screen: the browser takes each character from
        the face whose range holds it, so the two faces of one family never compete)."""
        data = base64.b64encode(self.woff2).decode("ascii")
        rng = f"unicode-range:{unicode_range(self.chars)};" if ranged else ""
        return (
            f'@font-face{{font-family:"{self.family}";font-weight:{self.weight};font-style:normal;'
            f"font-display:swap;{rng}src:url(data:font/woff2;base64,{data}) format(\"woff2\")}}"
        )


def unicode_range(chars: str) -> str:
    """``U+20,U+4E00-4E01,…``: *chars* as CSS unicode-range, consecutive code points merged."""
    points = sorted({ord(c) for c in chars})
    parts, i = [], 0
    while i < len(points):
        j = i
        while j + 1 < len(points) and points[j + 1] == points[j] + 1:
            j += 1
        parts.append(f"U+{points[i]:X}" if i == j else f"U+{points[i]:X}-{points[j]:X}")
        i = j + 1
    return ",".join(parts)


def _chars(text: str, space: bool = True) -> str:
    chars = {ch for ch in text if ch.isprintable() and not ch.isspace()}
    return "".join(sorted(chars | {" "} if space else chars))


#: Vertical writing: not on these pages.
_VERTICAL = ("VORG", "vhea", "vmtx")
#: Tables no page needs: vertical writing, and what fontTools' subsetter drops by default.
_DROP_TABLES = (*_VERTICAL, "JSTF", "DSIG", "EBDT", "EBLC", "EBSC", "PCLT", "LTSH", "Feat", "Glat", "Gloc",
                "Silf", "Sill")
_NAME_IDS = (0, 1, 2, 3, 4, 5, 6, 13, 14)  # keep the copyright and OFL licence


def _tag(name: str) -> int:
    return int.from_bytes(name.encode("ascii"), "big")


@lru_cache(maxsize=16)
def _hb_face(path: str):
    import uharfbuzz as hb

    return hb.Face(hb.Blob.from_file_path(path))


@lru_cache(maxsize=128)
def subset_woff2(path: str, chars: str) -> bytes:
    """The font at *path* cut to *chars*, as WOFF2 bytes (cached; deterministic).

    HarfBuzz's subsetter (uharfbuzz) cuts the font: ~1 ms for a CJK face, where
    fontTools' took 120–200 ms, most of a landing page's start-up (WeasyPrint subsets
    its PDF fonts with HarfBuzz too).  The options are the ones fontTools was given —
    only the ``kern`` feature, no hinting, desubroutinised CFF, an outlined .notdef, the
    licence names — and the result has the same tables and glyphs; fontTools then writes
    it as WOFF2."""
    import uharfbuzz as hb
    from fontTools.ttLib import TTFont

    face = _hb_face(path)
    tables = set(face.table_tags)
    if "kern" in tables and "GPOS" not in tables:
        # HarfBuzz cannot subset a legacy 'kern' table (it drops it): a font that kerns
        # only through it is cut by fontTools, which keeps its kerning.
        return _fonttools_subset(path, chars)
    request = hb.SubsetInput()
    request.unicode_set.update(ord(ch) for ch in chars)
    request.layout_feature_tag_set.clear()
    request.layout_feature_tag_set.add(_tag("kern"))
    request.name_id_set.clear()
    request.name_id_set.update(_NAME_IDS)
    request.drop_table_tag_set.update(_tag(t) for t in _DROP_TABLES)
    request.drop_table_tag_set.discard(_tag("SVG "))  # (HarfBuzz drops it by default; fontTools kept it)
    request.flags = hb.SubsetFlags.DESUBROUTINIZE | hb.SubsetFlags.NO_HINTING | hb.SubsetFlags.NOTDEF_OUTLINE
    sfnt = hb.subset(face, request)
    if sfnt is None:
        raise ValueError(f"{path}: HarfBuzz could not subset this font")
    return _woff2(TTFont(io.BytesIO(sfnt.blob.data), recalcTimestamp=False))


def _fonttools_subset(path: str, chars: str) -> bytes:
    """fontTools' subsetter with the same options (slower: 120–200 ms for a CJK face)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = ["kern"]
    options.name_IDs = list(_NAME_IDS)
    options.hinting = False
    options.desubroutinize = True
    options.notdef_outline = True
    options.recalc_timestamp = False
    options.drop_tables += list(_VERTICAL)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(ch) for ch in chars])
    return _woff2(TTFont(path, fontNumber=0, recalcTimestamp=False, lazy=True), cut=subsetter.subset)


def _woff2(font, cut=None) -> bytes:
    """*font*, cut by ``cut(font)`` first when given, as WOFF2 bytes; the font is closed."""
    try:
        if cut is not None:
            cut(font)
        font.flavor = "woff2"
        buf = io.BytesIO()
        font.save(buf)
    finally:
        font.close()
    return buf.getvalue()


def web_fonts(chain, text: str, prefix: str, weight: int, space: bool = True) -> list[WebFont]:
    """One :class:`WebFont` per file of *chain* that draws some character of *text*.

    Colour (emoji) faces are left out: the phone's own emoji font draws emoji, with the
    ZWJ sequences and skin tones its users know, at no cost in page bytes."""
    per_face: dict[int, set[str]] = {}
    for ch in _chars(text, space):
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
    own = list(dict.fromkeys(f'"{f.family}"' for f in sorted(fonts, key=lambda f: int(f.family[3:]))))
    system = ['"PingFang SC"', '"Hiragino Sans GB"', '"Noto Sans SC"', '"Microsoft YaHei"', "sans-serif"]
    return ",".join(own + system)


def page_fonts(loaded, html: str) -> tuple[list[WebFont], list[WebFont]]:
    """(heading faces, body faces) for the page *html* of the campaign *loaded*."""
    bold, regular = collect_text(html)
    heading = web_fonts(loaded.chain("heading"), bold, "pgh", 700)
    body = web_fonts(loaded.chain("body"), regular + TYPED, "pgb", 400)
    return heading, body


@dataclass(frozen=True)
class PageFonts:
    """A page's faces: those for the first screen (in the head) and those for characters
    that only appear after it (in a ``<style>`` at the end of the body)."""

    heading: list[WebFont]
    body: list[WebFont]
    late_heading: list[WebFont]
    late_body: list[WebFont]


def split_fonts(loaded, html: str, fold: str, late_text: str = "") -> PageFonts:
    """Fonts for *html* cut at the *fold* marker: the first screen's characters go into the
    head, the rest (with *late_text*, what the script may show) after the content, so the
    first paint waits for the fewest bytes.  Without the marker everything is first screen."""
    cut = html.find(fold)
    first, rest = (html[:cut], html[cut:]) if cut >= 0 else (html, "")
    bold1, regular1 = collect_text(first)
    bold2, regular2 = collect_text(rest)
    regular1 += TYPED
    regular2 += late_text
    early_bold, early_regular = set(_chars(bold1)), set(_chars(regular1))
    late_bold = "".join(ch for ch in _chars(bold2) if ch not in early_bold)
    late_regular = "".join(ch for ch in _chars(regular2) if ch not in early_regular)
    return PageFonts(
        heading=web_fonts(loaded.chain("heading"), bold1, "pgh", 700),
        body=web_fonts(loaded.chain("body"), regular1, "pgb", 400),
        late_heading=web_fonts(loaded.chain("heading"), late_bold, "pgh", 700, space=False),
        late_body=web_fonts(loaded.chain("body"), late_regular, "pgb", 400, space=False),
    )
