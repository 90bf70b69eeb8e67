"""JPEG-encode a poster by re-encoding only the blocks its personal layers changed (a batch's personal posters, a build's channel posters); PNG: postergen.pngbands.

A batch's posters of one template and size share their static base; a poster differs from
it only where the avatar, nickname, QR code and the like were painted (a fifth of a
1080×1920 poster).  A baseline JPEG with a restart marker every *K* 8×8 blocks codes each
run of *K* blocks independently: the DC predictions restart and the run's bits end on a
byte boundary.  With *K* dividing the blocks of a row, the image is a grid of cells (one
block row high, *K* blocks wide), each coded on its own.  So the base's coded cells are
cut apart once per worker (:meth:`StripEncoder._base`), and a poster is the base's
header, the base's cells where nothing changed and freshly coded cells where something
did (one small encode per changed rectangle), the restart markers renumbered, and EOI.

Every block is transformed, quantised and Huffman-coded exactly as in a one-piece encode
(the same quality, 4:4:4 sampling and standard tables), so the file is byte for byte a
one-piece encode with the same restart interval, and decodes to the same pixels as
``paint.encode`` gives without markers (tests/test_batch.py checks both).  The markers
cost two bytes per cell (~1% of a poster).
"""

from __future__ import annotations

import io
import re

_RST = re.compile(rb"\xff[\xd0-\xd7]")  # a restart marker (0xFF in coded data is always stuffed as FF 00)
MCU = 8  # pixels per block side at 4:4:4 sampling
CELL = 27  # preferred blocks per cell (216 px): small enough to skip most of a QR code's row


def cell_blocks(width: int) -> int:
    """Blocks per cell for an image *width* px wide: a divisor of its blocks per row near
    :data:`CELL` (a whole row when it has none between 12 and 64)."""
    per_row = -(-width // MCU)
    near = [k for k in range(12, 65) if per_row % k == 0]
    return min(near, key=lambda k: abs(k - CELL)) if near else per_row


def _save(image, quality: int, blocks: int) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality, subsampling=0, optimize=False, progressive=False,
               restart_marker_blocks=blocks)
    return buf.getvalue()


def _split(data: bytes) -> tuple[bytes, list[bytes]]:
    """(everything up to and including the SOS header, the coded cells in raster order) of
    a baseline JPEG with restart markers."""
    pos = 2  # after SOI
    while True:
        if data[pos] != 0xFF:
            raise ValueError("not a JPEG segment")
        marker = data[pos + 1]
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        pos += 2 + length
        if marker == 0xDA:  # SOS: the coded data follows its header
            break
    if not data.endswith(b"\xff\xd9"):
        raise ValueError("a JPEG without EOI")
    return data[:pos], _RST.split(data[pos:-2])


def encode_whole(image, quality: int) -> bytes:
    """A one-piece encode with the restart interval :class:`StripEncoder` uses."""
    return _save(image, quality, cell_blocks(image.width))


class StripEncoder:
    """Encodes posters painted over one of a few static bases (kept per base image)."""

    def __init__(self, size: int = 8):
        from .pngbands import BandEncoder

        self.size = size
        self._bases: dict[int, tuple] = {}
        self.png = BandEncoder(size)  # the same for PNG: only the changed row bands compressed

    def _base(self, base, quality: int) -> tuple[list[bytes], int]:
        """The base's file as a list — header, cell 0, RST0, cell 1, RST1, …, last cell,
        EOI — (cell *i* at index 1 + 2i) and the blocks per cell."""
        key = id(base)
        hit = self._bases.get(key)
        if hit is None or hit[0] is not base or hit[1] != quality:
            k = cell_blocks(base.width)
            header, cells = _split(_save(base, quality, k))
            if len(cells) != -(-base.height // MCU) * (-(-base.width // MCU) // k):
                raise ValueError("unexpected JPEG layout")
            parts = [header]
            for n, coded in enumerate(cells):
                parts += (coded, _MARKERS[n % 8])
            parts[-1] = b"\xff\xd9"  # no marker after the last cell: EOI
            hit = self._bases[key] = (base, quality, parts, k)
            if len(self._bases) > self.size:
                self._bases.pop(next(iter(self._bases)))
        return hit[2], hit[3]

    def poster(self, rendered, fmt: str, quality: int, png_level: int) -> bytes:
        """The bytes of a :class:`postergen.render.Rendered` poster in *fmt*: a JPEG painted
        in place over a static base (``in_place`` renderer) re-encodes only the blocks it
        changed, a PNG only the row bands it changed (:mod:`postergen.pngbands`); anything
        else is encoded whole (:func:`postergen.paint.encode`)."""
        if rendered.base is not None:
            if fmt == "jpeg":
                return self.encode(rendered.image, rendered.base, rendered.changed, quality)
            if fmt == "png" and rendered.image.mode == rendered.base.mode:
                from .pngbands import supported

                if supported(rendered.image):
                    return self.png.encode(rendered.image, rendered.base, rendered.changed, png_level)
        from .paint import encode

        return encode(rendered.image, fmt, quality, png_level)

    def encode(self, image, base, changed, quality: int) -> bytes:
        """JPEG bytes of *image*, which equals *base* outside the *changed* boxes
        ``(x0, y0, x1, y1)`` (x1 and y1 exclusive)."""
        parts, k = self._base(base, quality)
        parts = list(parts)
        width, height = image.width, image.height
        span = k * MCU  # pixels per cell
        across = -(-width // span)  # cells per block row
        for r0, r1, c0, c1 in _rects(changed, width, height, span):
            box = (c0 * span, r0 * MCU, min(width, c1 * span), min(height, r1 * MCU))
            _, fresh = _split(_save(image.crop(box), quality, k))
            if len(fresh) != (r1 - r0) * (c1 - c0):
                raise ValueError("unexpected JPEG layout")
            for i, r in enumerate(range(r0, r1)):
                at = 1 + 2 * (r * across + c0)
                parts[at:at + 2 * (c1 - c0):2] = fresh[i * (c1 - c0):(i + 1) * (c1 - c0)]
        return b"".join(parts)


_MARKERS = [bytes((0xFF, 0xD0 + i)) for i in range(8)]


def _rects(changed, width: int, height: int, span: int, gap: int = 4) -> list[tuple[int, int, int, int]]:
    """Cell rectangles (first row, end row, first cell, end cell) covering the *changed*
    boxes: boxes whose block rows are fewer than *gap* apart share one rectangle (one
    encode call is cheaper than two), as wide as the widest of them."""
    boxes = sorted(
        (max(0, y0) // MCU, -(-min(height, y1) // MCU), max(0, x0) // span, -(-min(width, x1) // span))
        for x0, y0, x1, y1 in changed if x1 > x0 and y1 > y0
    )
    merged: list[list[int]] = []
    for r0, r1, c0, c1 in boxes:
        if merged and r0 <= merged[-1][1] + gap:
            last = merged[-1]
            last[1], last[2], last[3] = max(last[1], r1), min(last[2], c0), max(last[3], c1)
        else:
            merged.append([r0, r1, c0, c1])
    return [tuple(m) for m in merged]
