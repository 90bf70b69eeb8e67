"""PNG-encode a poster by compressing only the row bands its personal layers changed.

A PNG's pixels are one zlib stream of filtered rows.  Here every row is filtered with
*Up* (each byte minus the byte above it; for poster graphics within ~2 % of Pillow's
adaptive choice) and the rows are compressed in bands of :data:`BAND` rows, each band a
deflate segment of its own that ends with a full flush (byte-aligned, with an empty
history), so segments can be cut apart and put together: a poster is the base's
compressed bands where nothing changed and fresh bands where something did.  A changed
row also changes the next row's *Up* filter, so the band after a change is redone when
the change reaches its first row.  The stream's Adler-32 is combined from the bands'
own (:func:`adler32_combine`, zlib's arithmetic), so the unchanged bands are never
touched again.

Every file is byte for byte :func:`encode_whole` of the same image (every band fresh),
and decodes to exactly the image's pixels (tests/test_batch.py).  Compared with Pillow's
encoder at level 1: ~1–2 % larger, and for a personal poster — a fifth of its rows
changed — about 5× faster.
"""

from __future__ import annotations

import struct
import zlib

BAND = 32  # rows per band: small enough to skip most rows a QR code or avatar does not touch
_MODES = {"RGB": (2, 3), "RGBA": (6, 4), "L": (0, 1)}  # Pillow mode → (PNG colour type, bytes per pixel)
_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ADLER_MOD = 65521


def supported(image) -> bool:
    return image.mode in _MODES


def adler32_combine(adler1: int, adler2: int, len2: int) -> int:
    """The Adler-32 of A + B from that of A, that of B and B's length (zlib's adler32_combine)."""
    rem = len2 % _ADLER_MOD
    sum1 = adler1 & 0xFFFF
    sum2 = (rem * sum1) % _ADLER_MOD
    sum1 += (adler2 & 0xFFFF) + _ADLER_MOD - 1
    sum2 += ((adler1 >> 16) & 0xFFFF) + ((adler2 >> 16) & 0xFFFF) + _ADLER_MOD - rem
    sum1 %= _ADLER_MOD
    sum2 %= _ADLER_MOD
    return sum1 | (sum2 << 16)


def _band(image, index: int, level: int) -> tuple[bytes, int, int]:
    """(deflate segment ending with a full flush, Adler-32, length) of band *index*'s
    filtered rows."""
    from PIL import ImageChops

    width, height = image.size
    top, bottom = index * BAND, min(height, (index + 1) * BAND)
    rows = image.crop((0, top, width, bottom))
    above = image.crop((0, top - 1, width, bottom - 1)) if top else _shift_down(rows)
    filtered = ImageChops.subtract_modulo(rows, above).tobytes()
    stride = len(filtered) // (bottom - top)
    data = b"".join(b"\x02" + filtered[i:i + stride] for i in range(0, len(filtered), stride))
    packer = zlib.compressobj(level, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(zlib.Z_FULL_FLUSH), zlib.adler32(data), len(data)


def _shift_down(rows):
    """*rows* moved down by one row, a zero row on top: what the first image row is
    filtered against (PNG's row above the image is all zeros)."""
    from PIL import Image

    out = Image.new(rows.mode, rows.size, 0)
    out.paste(rows.crop((0, 0, rows.width, rows.height - 1)), (0, 1))
    return out


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(data, zlib.crc32(kind)))


def _file(image, bands: list[tuple[bytes, int, int]], level: int) -> bytes:
    colour, _ = _MODES[image.mode]
    ihdr = struct.pack(">IIBBBBB", image.width, image.height, 8, colour, 0, 0, 0)
    adler = 1
    for _, a, n in bands:
        adler = adler32_combine(adler, a, n)
    # zlib header: deflate, 32 K window, the level's hint; FCHECK makes it a multiple of 31.
    cmf, flevel = 0x78, (0 if level <= 1 else 1 if level <= 5 else 2 if level == 6 else 3)
    flg = flevel << 6
    flg += 31 - ((cmf << 8) + flg) % 31
    tail = zlib.compressobj(level, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)  # the last, empty block
    idat = b"".join([bytes((cmf, flg)), *(seg for seg, _, _ in bands), tail, struct.pack(">I", adler)])
    return _SIGNATURE + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def encode_whole(image, level: int = 1) -> bytes:
    """The PNG of *image* with every band compressed afresh."""
    count = -(-image.height // BAND)
    return _file(image, [_band(image, i, level) for i in range(count)], level)


class BandEncoder:
    """Encodes posters painted over one of a few static bases (their bands kept per base)."""

    def __init__(self, size: int = 8):
        self.size = size
        self._bases: dict[int, tuple] = {}

    def _base(self, base, level: int) -> list[tuple[bytes, int, int]]:
        key = id(base)
        hit = self._bases.get(key)
        if hit is None or hit[0] is not base or hit[1] != level:
            bands = [_band(base, i, level) for i in range(-(-base.height // BAND))]
            hit = self._bases[key] = (base, level, bands)
            if len(self._bases) > self.size:
                self._bases.pop(next(iter(self._bases)))
        return hit[2]

    def encode(self, image, base, changed, level: int) -> bytes:
        """PNG bytes of *image*, which equals *base* outside the *changed* boxes
        ``(x0, y0, x1, y1)`` (x1 and y1 exclusive)."""
        bands = list(self._base(base, level))
        redo: set[int] = set()
        for x0, y0, x1, y1 in changed:
            if x1 <= x0 or y1 <= y0:
                continue
            first, last = max(0, y0), min(image.height, y1 + 1)  # (+1: the row below is filtered against the last changed row)
            redo.update(range(first // BAND, -(-last // BAND)))
        for i in sorted(redo):
            if i < len(bands):
                bands[i] = _band(image, i, level)
        return _file(image, bands, level)
