"""Images for a page: resized to the size the page shows them, optimised, inlined.

Every image is cut to its displayed CSS size × 2 (sharp on 2× phones, acceptable on 3×),
never enlarged, and inlined as a ``data:`` URI.  Why inline rather than files next to the
page: on a phone network each extra request costs a full round trip (562 ms under
Chromium's Slow 4G), far more than the bytes of a small photo; one file per page deploys
anywhere (any folder, any host, WeChat's cache) with no broken relative paths; and the CSP
can say ``img-src data:`` — the page loads nothing from anywhere.  Images sit in the
document after the first screen where possible, so they do not delay the first paint.

Photos (no transparency) become progressive JPEG; images with transparency and QR codes
become PNG (QR codes in greyscale, never lossy).
"""

from __future__ import annotations

import base64
import contextlib
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..images import fit_image, open_rgba

SCALE = 2  # device pixels per CSS pixel
_READ: list[list[str]] = []  # the files page_image read, for each open recording()


@contextlib.contextmanager
def recording():
    """Collect the paths of the image files :func:`page_image` reads inside the block
    (a build keeps them as a page's inputs: an edited photo renders the page again)."""
    paths: list[str] = []
    _READ.append(paths)
    try:
        yield paths
    finally:
        _READ.remove(paths)


@dataclass(frozen=True)
class PageImage:
    """An image ready for an ``<img>``: its data URI and CSS size."""

    uri: str
    width: int  # CSS px
    height: int
    nbytes: int  # encoded size, before base64
    mime: str


def _encode(im, kind: str) -> tuple[bytes, str]:
    from PIL import Image

    buf = io.BytesIO()
    alpha = "A" in im.getbands() and im.getchannel("A").getextrema()[0] < 255
    if kind == "qr":
        rgb = Image.new("RGBA", im.size, (255, 255, 255, 255))
        rgb.alpha_composite(im)
        grey = rgb.convert("L")
        grey.save(buf, "PNG", optimize=True)
        return buf.getvalue(), "image/png"
    if alpha:
        full = io.BytesIO()
        im.save(full, "PNG", optimize=True)
        im.quantize(256, method=Image.Quantize.FASTOCTREE).save(buf, "PNG", optimize=True)
        best = min((full.getvalue(), buf.getvalue()), key=len)
        return best, "image/png"
    rgb = im.convert("RGB")
    rgb.save(buf, "JPEG", quality=78, optimize=True, progressive=rgb.width * rgb.height > 40_000, subsampling=2)
    return buf.getvalue(), "image/jpeg"


@lru_cache(maxsize=256)
def _inline(path: str, mtime: int, width: int, height: int, fit: str, focal: tuple[float, float], kind: str) -> PageImage:
    src = open_rgba(path)
    iw, ih = src.size
    if fit == "cover":
        # Never enlarge: the target shrinks with the source, keeping the displayed aspect.
        scale = min(1.0, iw / (width * SCALE), ih / (height * SCALE))
        pw, ph = max(1, round(width * SCALE * scale)), max(1, round(height * SCALE * scale))
        im = fit_image(src, pw, ph, "cover", focal)
        cw, ch = width, height
    else:
        scale = min(width * SCALE / iw, height * SCALE / ih, 1.0)
        pw, ph = max(1, round(iw * scale)), max(1, round(ih * scale))
        im = src if (pw, ph) == (iw, ih) else fit_image(src, pw, ph, "contain")
        ratio = min(width / iw, height / ih)
        cw, ch = max(1, round(iw * ratio)), max(1, round(ih * ratio))
    data, mime = _encode(im, kind)
    uri = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return PageImage(uri, cw, ch, len(data), mime)


def page_image(
    path: Path, width: int, height: int | None = None, fit: str = "cover", focal=(0.5, 0.5), kind: str = "photo"
) -> PageImage:
    """*path* fitted to *width*×*height* CSS px (``contain`` keeps its aspect inside the box).

    Without *height* the image keeps its aspect ratio at *width*.
    """
    if fit not in ("cover", "contain"):
        raise ValueError(f"fit must be 'cover' or 'contain', not {fit!r}")
    for paths in _READ:
        if str(path) not in paths:
            paths.append(str(path))
    if height is None:
        iw, ih = open_rgba(str(path)).size
        height, fit = max(1, round(width * ih / iw)), "contain"
    stat = Path(path).stat()
    return _inline(str(path), stat.st_mtime_ns ^ stat.st_size, int(width), int(height), fit, tuple(focal), kind)


def share_image(path: Path, max_side: int = 800) -> tuple[bytes, str]:
    """A share card file: at most *max_side* px, JPEG (PNG with transparency); (data, ext)."""
    src = open_rgba(str(path), cache=False, max_side=max_side)  # a poster, read once: not kept in the cache
    if src.getchannel("A").getextrema()[0] == 255:
        src = src.convert("RGB")  # opaque: resized as RGB, a third less work, the same pixels
    iw, ih = src.size
    scale = min(1.0, max_side / max(iw, ih))
    im = src if scale == 1.0 else fit_image(src, max(1, round(iw * scale)), max(1, round(ih * scale)), "contain")
    data, mime = _encode(im, "photo")
    return data, "png" if mime == "image/png" else "jpg"
