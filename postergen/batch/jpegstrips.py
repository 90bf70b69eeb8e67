"""JPEG-encode a personal poster by re-encoding only the rows its personal layers changed.

A batch's posters of one template and size share their static base; a poster differs from
it only where the avatar, nickname, QR code and the like were painted (a quarter of a
1080×1920 poster).  A baseline JPEG whose scan has a restart marker after every row of
8×8 blocks (MCU row) codes each such row independently: the DC predictions restart and
the row's bits end on a byte boundary.  So the encoded rows of the base are cut apart once
per worker (:meth:`StripEncoder._base`), and a poster is the base's header, the base's
rows where nothing changed and freshly encoded rows where something did, the restart
markers renumbered, and EOI.

Every block is transformed, quantised and Huffman-coded exactly as in a one-piece encode
(the same quality, 4:4:4 sampling and standard tables), so the file decodes to the same
pixels as ``paint.encode`` gives with restart markers, and those are the pixels of a
one-piece encode without them (tests/test_batch.py decodes and compares both).  The
markers cost two bytes per MCU row (~0.2% of a poster).
"""

from __future__ import annotations

import io
import re

_RST = re.compile(rb"\xff[\xd0-\xd7]")  # a restart marker (0xFF in coded data is always stuffed as FF 00)
MCU = 8  # rows of pixels per MCU row at 4:4:4 sampling


def _save(image, quality: int) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality, subsampling=0, optimize=False, progressive=False, restart_marker_rows=1)
    return buf.getvalue()


def _split(data: bytes) -> tuple[bytes, list[bytes]]:
    """(everything up to and including the SOS header, the coded MCU rows) of a baseline
    JPEG encoded with a restart marker after every MCU row."""
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


class StripEncoder:
    """Encodes posters painted over one of a few static bases (kept per base image)."""

    def __init__(self, size: int = 8):
        self.size = size
        self._bases: dict[int, tuple] = {}

    def _base(self, base, quality: int) -> tuple[bytes, list[bytes]]:
        key = id(base)
        hit = self._bases.get(key)
        if hit is None or hit[0] is not base or hit[1] != quality:
            header, rows = _split(_save(base, quality))
            if len(rows) != -(-base.height // MCU):
                raise ValueError("unexpected JPEG layout")
            hit = self._bases[key] = (base, quality, header, rows)
            if len(self._bases) > self.size:
                self._bases.pop(next(iter(self._bases)))
        return hit[2], hit[3]

    def encode(self, image, base, changed: list[tuple[int, int]], quality: int) -> bytes:
        """JPEG bytes of *image*, which equals *base* outside the pixel rows *changed*
        (``(y0, y1)`` ranges, y1 exclusive)."""
        header, rows = self._base(base, quality)
        rows = list(rows)
        for first, last in _bands(changed, image.height):
            y0, y1 = first * MCU, min(image.height, last * MCU)
            _, fresh = _split(_save(image.crop((0, y0, image.width, y1)), quality))
            if len(fresh) != last - first:
                raise ValueError("unexpected JPEG layout")
            rows[first:last] = fresh
        out = [header]
        for r, coded in enumerate(rows[:-1]):
            out.append(coded)
            out.append(b"\xff" + bytes((0xD0 + r % 8,)))
        out.append(rows[-1])
        out.append(b"\xff\xd9")
        return b"".join(out)


def _bands(changed: list[tuple[int, int]], height: int, gap: int = 4) -> list[tuple[int, int]]:
    """MCU-row ranges [first, last) covering the *changed* pixel rows, merged where fewer
    than *gap* unchanged MCU rows separate them (one encode call is cheaper than two)."""
    spans = sorted((max(0, y0) // MCU, -(-min(height, y1) // MCU)) for y0, y1 in changed if y1 > y0)
    merged: list[list[int]] = []
    for first, last in spans:
        if merged and first <= merged[-1][1] + gap:
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last])
    return [(a, b) for a, b in merged]
