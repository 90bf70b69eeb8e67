"""QR checks: decode what we drew with an independent decoder (zxing-cpp), and lint sizes
and contrast before a poster reaches a phone that cannot scan it."""

from __future__ import annotations

from dataclasses import replace

from .colors import parse_hex
from .layout import QRItem

MIN_MODULE_PX_AT_1080 = 3.0
MIN_CONTRAST = 4.5


def decode(image, pure: bool = False) -> list[str]:
    """Texts of the QR codes zxing-cpp finds in a Pillow image.

    Only QR codes are looked for (a sixth of the time of trying every format).  *pure*
    says the image is one symbol and its quiet zone, nothing else (a crop of a poster's
    QR box): zxing-cpp then reads the module grid directly, several times faster."""
    import zxingcpp

    fmt = zxingcpp.BarcodeFormat.QRCode
    if pure:
        image = image.convert("L")
        return [r.text for r in zxingcpp.read_barcodes(image, formats=fmt, is_pure=True, try_rotate=False)]
    return [r.text for r in zxingcpp.read_barcodes(image, formats=fmt) if r.format == fmt]


def crop(image, item: QRItem):
    """The QR code with its quiet zone, cut from a painted poster."""
    x, y, side, _ = item.box
    return image.crop((x, y, x + side, y + side))


def render_alone(item: QRItem):
    """Paint just the QR code of *item* (with logo and quiet zone) on its own canvas."""
    from PIL import Image

    from .paint import _paint_qr

    x, y, side, _ = item.box
    logo_box = None
    if item.logo_box:
        lx, ly, lw, lh = item.logo_box
        logo_box = (lx - x, ly - y, lw, lh)
    canvas = Image.new("RGB", (side, side), (255, 255, 255))
    _paint_qr(canvas, replace(item, box=(0, 0, side, side), logo_box=logo_box))
    return canvas


def verify(image, expected: str, half: bool = True) -> str | None:
    """None when *image* (a QR with quiet zone) decodes to *expected*, at full and (unless
    *half* is false) half size."""
    from PIL import Image

    got = decode(image, pure=True)
    if got != [expected]:
        got = decode(image)  # the full detector, as a phone camera would
    if got != [expected]:
        return _wrong(got, expected, "")
    if not half:
        return None
    half = image.resize((max(1, image.width // 2), max(1, image.height // 2)), Image.Resampling.BICUBIC)
    got = decode(half)
    if got != [expected]:
        return _wrong(got, expected, " at half size (as a phone at a distance sees it)")
    return None


def _wrong(got: list[str], expected: str, where: str) -> str:
    if not got:
        return f"the QR code does not decode{where}; use the short form (tracking.short_base), a shorter URL or a bigger QR box"
    return f"the QR code decodes{where} to {got[0]!r}, not {expected!r}"


def contrast(dark: str, light: str) -> float:
    """WCAG contrast ratio of two colours."""

    def lum(hex_: str) -> float:
        r, g, b, _ = parse_hex(hex_)
        chans = []
        for c in (r, g, b):
            c = c / 255
            chans.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
        return 0.2126 * chans[0] + 0.7152 * chans[1] + 0.0722 * chans[2]

    a, b = sorted((lum(dark), lum(light)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def lints(item: QRItem, poster_width: int) -> list[str]:
    """Warnings about a laid-out QR code (module size, contrast)."""
    out = []
    at_1080 = item.module * 1080 / poster_width
    if at_1080 < MIN_MODULE_PX_AT_1080:
        out.append(
            f"QR modules are {item.module} px ({at_1080:.1f} px at 1080 wide, version {item.version}); "
            f"below {MIN_MODULE_PX_AT_1080:.0f} px phones struggle: use the short form "
            "(tracking.short_base), a shorter URL or a bigger QR box"
        )
    ratio = contrast(item.dark, item.light)
    if ratio < MIN_CONTRAST:
        out.append(
            f"QR contrast is {ratio:.1f}:1 (qr.dark on qr.light); use at least {MIN_CONTRAST}:1, "
            "e.g. a darker qr.dark"
        )
    return out
