"""Fonts: the bundled CJK faces, user fonts, fallback chains and text measurement.

Measurement uses the fonts' own advance widths (``hmtx``), so it is exact, linear in the
font size and independent of the rasteriser: layout can search sizes cheaply, and the
raster and PDF painters place the very same lines.  Faces are loaded once per process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

FONT_DIR = Path(__file__).parent / "fonts"
BUNDLED = {
    "regular": FONT_DIR / "NotoSansSC-Regular.otf",
    "bold": FONT_DIR / "NotoSansSC-Bold.otf",
}


class Face:
    """One font face: coverage, metrics (in em units) and Pillow fonts by size."""

    def __init__(self, path: Path, index: int = 0):
        self.path = Path(path)
        self.index = index
        from fontTools.ttLib import TTFont

        font = TTFont(str(self.path), fontNumber=index, lazy=True)
        upm = font["head"].unitsPerEm
        cmap = font.getBestCmap() or {}
        hmtx = font["hmtx"].metrics
        self.advances: dict[int, float] = {cp: hmtx[g][0] / upm for cp, g in cmap.items()}
        os2 = font["OS/2"] if "OS/2" in font else None
        if os2 is not None and os2.sTypoAscender:
            self.ascent = os2.sTypoAscender / upm
            self.descent = -os2.sTypoDescender / upm
        else:
            self.ascent = font["hhea"].ascent / upm
            self.descent = -font["hhea"].descent / upm
        self.family = font["name"].getDebugName(4) or self.path.stem
        font.close()
        self._pil: dict[int, object] = {}

    def covers(self, ch: str) -> bool:
        return ord(ch) in self.advances

    def pil(self, size: int):
        """A Pillow font of this face at *size* px (cached)."""
        font = self._pil.get(size)
        if font is None:
            from PIL import ImageFont

            font = ImageFont.truetype(
                str(self.path), size, index=self.index, layout_engine=ImageFont.Layout.BASIC
            )
            self._pil[size] = font
        return font

    def __repr__(self) -> str:
        return f"Face({self.path.name})"


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
    """A main face and its fallbacks; picks a face per character."""

    faces: tuple[Face, ...]
    _memo: dict[str, tuple[int, float]] = field(default_factory=dict, repr=False)

    @property
    def main(self) -> Face:
        return self.faces[0]

    def lookup(self, ch: str) -> tuple[int, float]:
        """(face index, advance in em) for *ch*; face index -1 when no face has it."""
        hit = self._memo.get(ch)
        if hit is None:
            hit = (-1, 0.0)
            cp = ord(ch)
            for i, face in enumerate(self.faces):
                adv = face.advances.get(cp)
                if adv is not None:
                    hit = (i, adv)
                    break
            self._memo[ch] = hit
        return hit

    def missing(self, text: str) -> list[str]:
        """Characters of *text* that no face in the chain has (control characters aside)."""
        out = []
        for ch in dict.fromkeys(text):
            if ch in "\n\t\r" or ord(ch) < 32:
                continue
            if self.lookup(ch)[0] < 0 and ch not in out:
                out.append(ch)
        return out

    def width(self, text: str) -> float:
        """Width of *text* in em units."""
        lookup = self.lookup
        return sum(lookup(ch)[1] for ch in text)

    def runs(self, text: str) -> list[Run]:
        """Split *text* into runs of one face each (missing characters use the main face)."""
        runs: list[Run] = []
        cur_face, cur_text, cur_adv = -2, [], 0.0
        for ch in text:
            idx, adv = self.lookup(ch)
            idx = max(idx, 0)
            if idx != cur_face and cur_text:
                runs.append(Run("".join(cur_text), self.faces[cur_face], cur_adv))
                cur_text, cur_adv = [], 0.0
            cur_face = idx
            cur_text.append(ch)
            cur_adv += adv
        if cur_text:
            runs.append(Run("".join(cur_text), self.faces[cur_face], cur_adv))
        return runs


@lru_cache(maxsize=None)
def chain_for(paths: tuple[str, ...]) -> FontChain:
    return FontChain(tuple(load_face(p) for p in paths))
