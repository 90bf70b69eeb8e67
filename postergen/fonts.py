"""Fonts: the bundled CJK and colour emoji faces, user fonts, fallback chains and text
measurement.

Measurement uses the fonts' own advance widths (``hmtx``), so it is exact, linear in the
font size and independent of the rasteriser: layout can search sizes cheaply, and the
raster and PDF painters place the very same lines.  Faces are loaded once per process.

Text is measured by grapheme cluster (:mod:`postergen.textclean`): an emoji sequence
(``👨‍👩‍👧``, ``🇨🇳``, ``1️⃣``, ``👍🏽``) is one glyph of a colour face with its *shaped* advance
(HarfBuzz through Pillow's libraqm), not the sum of its code points.  Every chain ends with
the bundled colour emoji face (:data:`EMOJI`, Noto Color Emoji).  A colour bitmap face
has one fixed size (109 px for Noto Color Emoji): it is only ever opened at that size and
its glyphs are scaled to the text (see :mod:`postergen.paint`).  Colour glyphs are drawn
:data:`COLOR_SCALE` times the font size, so an emoji's box matches an ideograph's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .bundled import FONTS_DIR
from .textclean import graphemes, is_emoji, is_ignorable, needs_clusters

FONT_DIR = FONTS_DIR
BUNDLED = {
    "regular": FONT_DIR / "NotoSansSC-Regular.otf",
    "bold": FONT_DIR / "NotoSansSC-Bold.otf",
}
#: The colour emoji face every chain falls back to last.
EMOJI = FONT_DIR / "NotoColorEmoji.ttf"

#: Colour glyphs are drawn at this share of the font size: Noto Color Emoji's glyph box
#: is 1.17 em tall at its natural size (the size browsers draw it), which looks a size
#: larger than the ideographs next to it; at 0.85 its box is one em tall, like theirs.
COLOR_SCALE = 0.85


class Face:
    """One font face: coverage, metrics (in em units) and Pillow fonts by size."""

    def __init__(self, path: Path, index: int = 0):
        self.path = Path(path)
        self.index = index
        from fontTools.ttLib import TTFont

        font = TTFont(str(self.path), fontNumber=index, lazy=True)
        upm = font["head"].unitsPerEm
        advances = _raw_advances(font)
        if advances is None:  # a cmap format the fast path does not read
            cmap = font.getBestCmap() or {}
            hmtx = font["hmtx"].metrics
            advances = {cp: hmtx[g][0] for cp, g in cmap.items()}
        self.advances: dict[int, float] = {cp: adv / upm for cp, adv in advances.items()}
        os2 = font["OS/2"] if "OS/2" in font else None
        if os2 is not None and os2.sTypoAscender:
            self.ascent = os2.sTypoAscender / upm
            self.descent = -os2.sTypoDescender / upm
        else:
            self.ascent = font["hhea"].ascent / upm
            self.descent = -font["hhea"].descent / upm
        #: A colour face (bitmap CBDT/sbix or vector COLR): its glyphs are painted as
        #: images in their own colours, COLOR_SCALE times the font size.
        self.color = any(tag in font for tag in ("CBDT", "sbix", "COLR"))
        #: The one size a bitmap colour face can be opened at (None: any size).
        self.strike: int | None = _strike(font)
        #: Centre of the face's em box above the baseline, in em (unscaled).
        self.middle = (self.ascent - self.descent) / 2
        if self.color:
            k = COLOR_SCALE
            self.advances = {cp: adv * k for cp, adv in self.advances.items()}
            self.ascent, self.descent = self.ascent * k, self.descent * k
        font.close()
        self._pil: dict[int, object] = {}
        self._shaped: dict[str, float] = {}

    def covers(self, ch: str) -> bool:
        return ord(ch) in self.advances

    def pil(self, size: int):
        """A Pillow font of this face at *size* px (cached); a bitmap colour face opens at
        its one strike size whatever *size* is (any other size is an OSError in Pillow)."""
        size = self.strike or size
        font = self._pil.get(size)
        if font is None:
            from PIL import ImageFont

            engine = ImageFont.Layout.RAQM if self.color and shaping() else ImageFont.Layout.BASIC
            font = ImageFont.truetype(str(self.path), size, index=self.index, layout_engine=engine)
            self._pil[size] = font
        return font

    @property
    def render_size(self) -> int:
        """The size colour glyphs are rasterised at before scaling."""
        return self.strike or 128

    def shaped_advance(self, cluster: str) -> float:
        """The advance of *cluster* in em as this (colour) face draws it: one glyph for an
        emoji sequence the font has, the glyphs of its parts for one it has not."""
        adv = self._shaped.get(cluster)
        if adv is None:
            size = self.render_size
            adv = self.pil(size).getlength(shaping_text(cluster)) / size
            if self.color:
                adv *= COLOR_SCALE
            self._shaped[cluster] = adv
        return adv

    def __repr__(self) -> str:
        return f"Face({self.path.name})"


# getBestCmap's order of preference: (platform, encoding) of the subtable to read.
_CMAP_ORDER = ((3, 10), (0, 6), (0, 4), (3, 1), (0, 3), (0, 2), (0, 1), (0, 0))


def _raw_advances(font) -> dict[int, int] | None:
    """{code point: advance in font units} read straight from the raw ``cmap`` (format 4
    or 12) and ``hmtx`` tables by glyph index — the same mapping as fontTools'
    ``getBestCmap`` and ``hmtx``, without decoding the glyph names (a CFF font's charset:
    most of a CJK face's load time).  None for any other cmap format."""
    import struct

    try:
        cmap, hmtx = font.reader["cmap"], font.reader["hmtx"]
        n_metrics = font["hhea"].numberOfHMetrics
    except KeyError:
        return None
    tables = {}
    for i in range(struct.unpack_from(">H", cmap, 2)[0]):
        platform, encoding, offset = struct.unpack_from(">HHI", cmap, 4 + 8 * i)
        tables.setdefault((platform, encoding), offset)
    offset = next((tables[k] for k in _CMAP_ORDER if k in tables), None)
    if offset is None:
        return None
    widths = struct.unpack_from(f">{n_metrics}H", b"".join(hmtx[i:i + 2] for i in range(0, 4 * n_metrics, 4)))
    last = widths[-1]
    glyphs: dict[int, int] = {}
    fmt = struct.unpack_from(">H", cmap, offset)[0]
    if fmt == 12:
        (groups,) = struct.unpack_from(">I", cmap, offset + 12)
        for g in range(groups):
            start, end, first = struct.unpack_from(">III", cmap, offset + 16 + 12 * g)
            for cp in range(start, end + 1):
                glyphs[cp] = first + cp - start
    elif fmt == 4:
        segs = struct.unpack_from(">H", cmap, offset + 6)[0] // 2
        ends = struct.unpack_from(f">{segs}H", cmap, offset + 14)
        starts = struct.unpack_from(f">{segs}H", cmap, offset + 16 + 2 * segs)
        deltas = struct.unpack_from(f">{segs}h", cmap, offset + 16 + 4 * segs)
        ranges_at = offset + 16 + 6 * segs
        ranges = struct.unpack_from(f">{segs}H", cmap, ranges_at)
        for s, (start, end, delta, rng) in enumerate(zip(starts, ends, deltas, ranges)):
            if s == segs - 1:  # the closing segment (0xFFFF), as fontTools reads it
                break
            for cp in range(start, end + 1):
                if rng == 0:
                    g = (cp + delta) & 0xFFFF
                else:
                    g = struct.unpack_from(">H", cmap, ranges_at + 2 * s + rng + 2 * (cp - start))[0]
                    g = (g + delta) & 0xFFFF if g else 0
                if g:  # glyph 0 is .notdef: the character is not in the face
                    glyphs[cp] = g
    else:
        return None
    return {cp: widths[g] if g < n_metrics else last for cp, g in glyphs.items()}


def _strike(font) -> int | None:
    """The largest bitmap strike of a CBDT/sbix face (None for a scalable face)."""
    try:
        if "CBLC" in font:
            return _cblc_ppem(font.reader["CBLC"])
        if "sbix" in font and "glyf" not in font and "CFF " not in font:
            return max(font["sbix"].strikes)
    except (KeyError, ValueError, AttributeError):
        return None
    return None


def _cblc_ppem(raw: bytes) -> int:
    """The largest ppemY of a raw CBLC (or EBLC) table: a 4-byte version, the number of
    strikes, then a 48-byte BitmapSize record per strike with ppemY at byte 45 — what
    fontTools reads, without decompiling every strike's glyph index (~40 ms for Noto
    Color Emoji, a share of every build's start-up)."""
    import struct

    (count,) = struct.unpack_from(">I", raw, 4)
    if not count:
        raise ValueError("no strikes")
    return max(raw[8 + 48 * i + 45] for i in range(count))


@lru_cache(maxsize=1)
def shaping() -> bool:
    """True when Pillow has libraqm, so emoji sequences shape into single glyphs."""
    from PIL import features

    return bool(features.check("raqm"))


def shaping_text(cluster: str) -> str:
    """What is drawn for *cluster*: itself with libraqm; without it (no shaping, so no
    ZWJ ligatures), its visible parts only — never a joiner's or selector's empty glyph."""
    if shaping():
        return cluster
    from .textclean import is_ignorable

    return "".join(ch for ch in cluster if not is_ignorable(ch)) or cluster


@lru_cache(maxsize=None)
def load_face(path: str, index: int = 0) -> Face:
    return Face(Path(path), index)


def resolve_font(ref: str, base: Path | None = None) -> Path:
    """Turn a font reference ('bundled:bold' or a path relative to *base*) into a path."""
    if ref.startswith("bundled:"):
        key = ref.split(":", 1)[1]
        if key not in BUNDLED:
            raise KeyError(f"unknown bundled font '{key}'; use one of: {', '.join(BUNDLED)}")
        return BUNDLED[key]
    path = Path(ref)
    return path if path.is_absolute() or base is None else base / path


@dataclass(frozen=True)
class Run:
    """A stretch of text drawn with one face."""

    text: str
    face: Face
    advance: float  # in em units


@dataclass
class FontChain:
    """A main face and its fallbacks; picks a face per character and per grapheme cluster."""

    faces: tuple[Face, ...]
    _memo: dict[str, tuple[int, float]] = field(default_factory=dict, repr=False)
    _cmemo: dict[str, tuple[int, float]] = field(default_factory=dict, repr=False)

    @property
    def main(self) -> Face:
        return self.faces[0]

    def lookup(self, ch: str) -> tuple[int, float]:
        """(face index, advance in em) for the code point *ch*; face index -1 when no face
        has it.  Default-ignorable code points (joiners, selectors, soft hyphen) advance 0."""
        hit = self._memo.get(ch)
        if hit is None:
            hit = (-1, 0.0)
            cp = ord(ch)
            for i, face in enumerate(self.faces):
                adv = face.advances.get(cp)
                if adv is not None:
                    hit = (i, adv)
                    break
            if is_ignorable(ch):
                hit = (max(hit[0], 0), 0.0)
            self._memo[ch] = hit
        return hit

    def cluster(self, g: str) -> tuple[int, float]:
        """(face index, advance in em) for the grapheme cluster *g*.

        An emoji cluster goes to the first colour face that has its base character, with
        the advance that face's shaping gives; any other cluster to the face of its first
        character, with the sum of its code points' advances (marks add nothing)."""
        if len(g) == 1 and not self._emoji_first(g):
            return self.lookup(g)
        hit = self._cmemo.get(g)
        if hit is None:
            hit = None
            if is_emoji(g):
                cp = ord(g[0])
                for i, face in enumerate(self.faces):
                    if face.color and cp in face.advances:
                        hit = (i, face.shaped_advance(g))
                        break
            if hit is None:
                idx = self.lookup(g[0])[0]
                if idx >= 0 and self.faces[idx].color:
                    hit = (idx, self.faces[idx].shaped_advance(g))
                else:
                    hit = (idx, sum(self.lookup(ch)[1] for ch in g))
            self._cmemo[g] = hit
        return hit

    def _emoji_first(self, ch: str) -> bool:
        """A single emoji-presentation character that a text face before the colour face
        also has (e.g. a symbol font): it still goes to the colour face."""
        return not ch.isascii() and is_emoji(ch)

    def is_color(self, idx: int) -> bool:
        return idx >= 0 and self.faces[idx].color

    def clusters(self, text: str) -> list[tuple[str, int, float]]:
        """(cluster, face index, advance in em) for each grapheme cluster of *text*."""
        cluster = self.cluster
        return [(g, *cluster(g)) for g in graphemes(text)]

    def missing(self, text: str) -> list[str]:
        """Characters of *text* that no face in the chain has (control characters and
        default-ignorable ones — U+FE0F, ZWJ, tags, soft hyphen — aside)."""
        out = []
        for ch in dict.fromkeys(text):
            if ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F:
                continue
            if self.lookup(ch)[0] < 0 and not is_ignorable(ch):
                out.append(ch)
        return out

    def width(self, text: str) -> float:
        """Width of *text* in em units."""
        if needs_clusters(text):
            cluster = self.cluster
            return sum(cluster(g)[1] for g in graphemes(text))
        lookup = self.lookup
        return sum(lookup(ch)[1] for ch in text)

    def runs(self, text: str) -> list[Run]:
        """Split *text* into runs of one face each (missing characters use the main face);
        a grapheme cluster is never split."""
        runs: list[Run] = []
        cur_face, cur_text, cur_adv = -2, [], 0.0
        for g in graphemes(text):
            idx, adv = self.cluster(g)
            idx = max(idx, 0)
            if idx != cur_face and cur_text:
                runs.append(Run("".join(cur_text), self.faces[cur_face], cur_adv))
                cur_text, cur_adv = [], 0.0
            cur_face = idx
            cur_text.append(g)
            cur_adv += adv
        if cur_text:
            runs.append(Run("".join(cur_text), self.faces[cur_face], cur_adv))
        return runs


@lru_cache(maxsize=None)
def chain_for(paths: tuple[str, ...]) -> FontChain:
    return FontChain(tuple(load_face(p) for p in paths))
