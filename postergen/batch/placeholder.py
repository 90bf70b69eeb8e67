"""The avatar drawn for a person without one: their nickname's first character on a disc
in the brand's accent colour, so a missing photo still looks designed, not broken.

Placeholders are PNG files (256 px, drawn at 4× and reduced) cached by character and
colours, so a batch of 100,000 people draws each distinct one once.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

SIZE = 256


def _luminance(rgb) -> float:
    def ch(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (ch(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _ink(disc, candidates):
    """The candidate colour with the best contrast on *disc*."""
    ld = _luminance(disc)

    def contrast(c):
        a, b = sorted((ld, _luminance(c)), reverse=True)
        return (a + 0.05) / (b + 0.05)

    return max(candidates, key=contrast)


def placeholder_avatar(nickname: str, theme, folder: Path) -> Path:
    """The path of a placeholder avatar for *nickname* (created on first use)."""
    from ..colors import parse_hex
    from ..textclean import graphemes

    first = next(iter(graphemes(nickname.strip())), "?")
    first = first.upper() if first.isascii() else first
    disc = parse_hex(theme.accent)
    ink = _ink(disc, [parse_hex(theme.text), (255, 255, 255, 255), parse_hex(theme.primary)])
    key = hashlib.sha256(f"{first}\x1f{theme.accent}\x1f{ink}".encode()).hexdigest()[:20]
    path = folder / f"placeholder-{key}.png"
    if path.is_file():
        return path
    from ..writer import write_atomic

    write_atomic(path, _draw(first, disc, ink))
    return path


def _draw(char: str, disc, ink) -> bytes:
    import io

    from PIL import Image, ImageDraw

    from ..fonts import BUNDLED, chain_for
    from ..paint import draw_line

    big = SIZE * 4
    mask = Image.new("L", (big, big), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, big - 1, big - 1), fill=255)
    mask = mask.resize((SIZE, SIZE), Image.Resampling.BOX)
    image = Image.new("RGBA", (SIZE, SIZE), tuple(disc[:3]) + (255,))
    chain = chain_for((str(BUNDLED["bold"]),))
    size = round(SIZE * 0.46)
    width = chain.width(char) * size
    face = chain.main
    baseline = SIZE / 2 + size * (face.ascent - face.descent) / 2
    draw_line(ImageDraw.Draw(image), chain, char, (SIZE - width) / 2, baseline, size, tuple(ink[:3]))
    image.putalpha(mask)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()
