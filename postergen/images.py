"""Images from the campaign folder: safe paths, checks, decoding to sRGB RGBA, fitting.

Everything that touches user image files lives here, so every painter gets the same
pixels: EXIF orientation applied, palette/alpha/CMYK/ICC converted to sRGB, decompression
bombs refused.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

MAX_PIXELS = 50_000_000  # 50 megapixels: far beyond any poster, well below a bomb
MAX_BYTES = 40 * 1024 * 1024


class ImageProblem(Exception):
    """An image file cannot be used; the message says why and what to do."""


def resolve_inside(base: Path, rel: str) -> Path:
    """Resolve *rel* against the campaign folder *base*; refuse anything outside it."""
    if "://" in rel or rel.startswith("data:"):
        raise ImageProblem(f"'{rel}' is a URL; postergen only reads local files inside the campaign folder")
    path = Path(rel)
    if path.is_absolute():
        raise ImageProblem(f"'{rel}' is an absolute path; give a path relative to the spec's folder")
    full = (base / path).resolve()
    root = base.resolve()
    if full != root and root not in full.parents:
        raise ImageProblem(f"'{rel}' points outside the campaign folder; copy the file into it")
    return full


def check_image(path: Path, shown: str) -> tuple[int, int]:
    """Check that *path* is a usable image; return its (width, height) after EXIF rotation."""
    from PIL import Image, UnidentifiedImageError

    if not path.exists():
        raise ImageProblem(f"file not found: {shown}")
    if not path.is_file():
        raise ImageProblem(f"not a file: {shown}")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ImageProblem(f"{shown} is {size / 1e6:.0f} MB; images must be under {MAX_BYTES // 2**20} MB")
    try:
        with Image.open(path) as im:
            w, h = im.size
            if w * h > MAX_PIXELS:
                raise ImageProblem(
                    f"{shown} is {w}×{h} px ({w * h / 1e6:.0f} MP), over the {MAX_PIXELS // 1_000_000} MP "
                    "limit (possible decompression bomb); resize it"
                )
            im.load()  # decode fully: truncated or corrupt files fail here
            orientation = im.getexif().get(0x0112, 1)
    except ImageProblem:
        raise
    except UnidentifiedImageError:
        raise ImageProblem(f"{shown} is not an image Pillow can read (PNG, JPEG, WebP, GIF…)") from None
    except Image.DecompressionBombError:
        raise ImageProblem(f"{shown} is too large to decode safely (decompression bomb); resize it") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageProblem(f"{shown} is corrupt or truncated ({exc}); export it again") from None
    return (h, w) if orientation in (5, 6, 7, 8) else (w, h)


@lru_cache(maxsize=64)
def open_rgba(path: str):
    """Decode an image file to an sRGB RGBA Pillow image (cached per process)."""
    from PIL import Image, ImageCms, ImageOps

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    with Image.open(path) as im:
        im.load()
        im = ImageOps.exif_transpose(im)
        icc = im.info.get("icc_profile")
        if icc and im.mode in ("RGB", "RGBA", "CMYK"):
            try:
                src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
                dst = ImageCms.createProfile("sRGB")
                out_mode = "RGBA" if im.mode == "RGBA" else "RGB"
                im = ImageCms.profileToProfile(im, src, dst, outputMode=out_mode)
            except (ImageCms.PyCMSError, OSError):
                pass  # a broken profile: fall back to the plain conversion below
        if im.mode == "P" and "transparency" in im.info:
            im = im.convert("RGBA")
        elif im.mode in ("I;16", "I;16B", "I;16L", "I"):
            im = im.point(lambda v: v / 256).convert("L")
        return im.convert("RGBA")


def fit_image(im, width: int, height: int, fit: str = "cover", focal=(0.5, 0.5)):
    """Resize *im* to cover (crop around *focal*) or be contained in width×height."""
    from PIL import Image

    iw, ih = im.size
    if fit == "cover":
        scale = max(width / iw, height / ih)
        cw, ch = width / scale, height / scale
        fx, fy = focal
        left = min(max(fx * iw - cw / 2, 0), iw - cw)
        top = min(max(fy * ih - ch / 2, 0), ih - ch)
        return im.resize(
            (width, height), Image.Resampling.LANCZOS, box=(left, top, left + cw, top + ch), reducing_gap=3.0
        )
    scale = min(width / iw, height / ih)
    size = (max(1, round(iw * scale)), max(1, round(ih * scale)))
    return im.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
