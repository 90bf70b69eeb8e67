"""Images from the campaign folder: safe paths, checks, decoding to sRGB RGBA, fitting.

Everything that touches user image files lives here, so every painter gets the same
pixels: EXIF orientation applied, palette/alpha/CMYK/ICC converted to sRGB, decompression
bombs refused.
"""

from __future__ import annotations

from contextlib import contextmanager

import difflib
import io
import math
import os
import re
import threading
import warnings
from functools import lru_cache
from pathlib import Path

MAX_PIXELS = 50_000_000  # 50 megapixels: far beyond any poster, well below a bomb
MAX_BYTES = 40 * 1024 * 1024
MAX_NAME_BYTES = 255  # one file or folder name (Linux, macOS, Windows)
MAX_PATH_BYTES = 1024  # a whole relative path


def shorten(text: str, limit: int = 60) -> str:
    """*text* cut to *limit* characters for a message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ImageProblem(Exception):
    """An image file cannot be used; the message says why and what to do."""


def resolve_inside(base: Path, rel: str) -> Path:
    """Resolve *rel* against the campaign folder *base*; refuse anything outside it."""
    bad = next((ch for ch in rel if ord(ch) < 32 or 127 <= ord(ch) < 160), None)
    if bad is not None:
        raise ImageProblem(f"{shorten(rel)!r} contains a control character (U+{ord(bad):04X}); no file name has one")
    too_long = next((part for part in re.split(r"[\\/]", rel) if len(part.encode("utf-8")) > MAX_NAME_BYTES), None)
    if too_long is not None or len(rel.encode("utf-8")) > MAX_PATH_BYTES:
        what = f"a name of {len(too_long.encode('utf-8'))} bytes" if too_long else f"{len(rel.encode('utf-8'))} bytes"
        raise ImageProblem(
            f"'{shorten(rel)}' is too long ({what}); file systems allow {MAX_NAME_BYTES} bytes per name — rename the file"
        )
    if "://" in rel or rel.startswith("data:"):
        raise ImageProblem(f"'{rel}' is a URL; postergen only reads local files inside the campaign folder")
    path = Path(rel)
    if path.is_absolute() or rel.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:[\\/]", rel):
        raise ImageProblem(f"'{rel}' is an absolute path; give a path relative to the spec's folder")
    full = (base / path).resolve()
    root = base.resolve()
    if full != root and root not in full.parents:
        raise ImageProblem(f"'{rel}' points outside the campaign folder; copy the file into it")
    return full


def inside(path: Path, root: Path) -> bool:
    """Whether *path*, symlinks resolved, is *root* or inside it."""
    real, top = Path(path).resolve(), Path(root).resolve()
    return real == top or top in real.parents


def near(path: Path, base: Path) -> str | None:
    """A file next to the missing *path* with a similar name, relative to *base*."""
    folder = path.parent
    try:
        names = [p.name for p in folder.iterdir() if p.is_file()] if folder.is_dir() else []
    except OSError:
        return None
    guess = difflib.get_close_matches(path.name, names, n=1, cutoff=0.6)
    if not guess:
        lowered = {n.lower(): n for n in names}
        guess = [lowered[g] for g in difflib.get_close_matches(path.name.lower(), list(lowered), n=1, cutoff=0.6)]
    if not guess:
        return None
    try:
        return (folder / guess[0]).resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return None


def _sniff(path: Path) -> str | None:
    """What a file that is not an image seems to be, from its first bytes."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError:
        return None
    if not head:
        return "an empty file"
    lowered = head.lstrip().lower()
    if lowered.startswith((b"<!doctype html", b"<html")):
        return "an HTML page (saved from a browser?)"
    if lowered.startswith(b"<svg") or (lowered.startswith(b"<?xml") and b"<svg" in lowered):
        return "an SVG drawing"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if all(ch.isprintable() or ch in "\r\n\t" for ch in text):
        return "a text file"
    return None


@contextmanager
def _strict_decoding():
    """Truncated images fail to decode, whatever Pillow's global setting says: importing
    WeasyPrint sets ``ImageFile.LOAD_TRUNCATED_IMAGES = True`` for the whole process, which
    would let a cut-off asset or avatar pass the check and be drawn half grey."""
    from PIL import ImageFile

    with _STRICT:  # threads (avatar prefetch) must not interleave the save and restore
        old = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = old


_STRICT = threading.Lock()


def check_image(path: Path, shown: str, base: Path | None = None) -> tuple[int, int]:
    """Check that *path* is a usable image; return its (width, height) after EXIF rotation.

    *base* (the campaign folder) lets a "file not found" suggest a similarly named file.
    """
    from PIL import Image, UnidentifiedImageError

    if not path.exists():
        guess = near(path, base) if base is not None else None
        hint = f" — did you mean '{guess}'?" if guess else " (paths are relative to the spec's folder)"
        raise ImageProblem(f"file not found: {shown}{hint}")
    if path.is_dir():
        raise ImageProblem(f"{shown or '.'} is a folder, not an image file")
    if not path.is_file():
        raise ImageProblem(f"{shown} is not a regular file (a pipe, socket or device); give an image file")
    st = path.stat()
    size = st.st_size
    if size > MAX_BYTES:
        raise ImageProblem(f"{shown} is {size / 1e6:.0f} MB; images must be under {MAX_BYTES // 2**20} MB")
    key = (str(path.resolve()), st.st_ino, st.st_mtime_ns, size)
    if key in _CHECKED:  # a good image, decoded already (each variant and channel checks it)
        return _CHECKED[key]
    limit = f"over the {MAX_PIXELS // 1_000_000} MP limit (possible decompression bomb); resize it"
    try:
        with warnings.catch_warnings():
            # Pillow warns (or refuses) above its own limit; ours is lower and says more.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                w, h = im.size
                if w * h > MAX_PIXELS:
                    raise ImageProblem(f"{shown} is {w}×{h} px ({w * h / 1e6:.0f} MP), {limit}")
                with _strict_decoding():
                    im.load()  # decode fully: truncated or corrupt files fail here
                orientation = im.getexif().get(0x0112, 1)
    except ImageProblem:
        raise
    except UnidentifiedImageError:
        what = _sniff(path)
        if what:
            raise ImageProblem(f"{shown} is {what}, not an image; use a PNG, JPEG or WebP file") from None
        raise ImageProblem(
            f"{shown} is not an image Pillow can read; export it again as PNG, JPEG or WebP"
        ) from None
    except Image.DecompressionBombError as exc:
        m = re.search(r"\((\d+) pixels\)", str(exc))
        mp = f"{int(m[1]) / 1e6:.0f} MP" if m else "too large"
        raise ImageProblem(f"{shown} is {mp}, {limit}") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageProblem(f"{shown} is truncated or corrupt ({exc}); export it again") from None
    out = (h, w) if orientation in (5, 6, 7, 8) else (w, h)
    if len(_CHECKED) >= 512:
        _CHECKED.pop(next(iter(_CHECKED)))
    _CHECKED[key] = out
    return out


#: Images that decoded well, by (path, inode, mtime, size): a spec with variants and
#: channels checks each asset once per variant and channel; decoding is most of that.
_CHECKED: dict[tuple, tuple[int, int]] = {}


def open_rgba(path: str, cache: bool = True, max_side: int | None = None):
    """Decode an image file to an sRGB RGBA Pillow image (cached per process, by path,
    size and modification time: a file replaced under the same name is decoded again;
    *cache* false for a file read once, such as a poster made into a share image).

    With *max_side*, for a caller that shrinks the image to fit *max_side* px: a JPEG may
    be decoded at 1/2, 1/4 or 1/8 of its size (libjpeg's DCT scaling; several times
    faster), never below the size the caller shrinks it to."""
    if not cache:
        return _open_rgba.__wrapped__(path, None, max_side)
    try:
        st = os.stat(path)
        stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
    except OSError:
        stamp = None  # Image.open says why
    return _open_rgba(path, stamp, max_side)


@lru_cache(maxsize=64)
def _open_rgba(path: str, stamp, max_side: int | None):
    from PIL import Image, ImageCms, ImageOps

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    with Image.open(path) as im:
        if max_side and im.format == "JPEG" and max(im.size) > max_side:
            scale = max_side / max(im.size)  # the same in either orientation (EXIF turns it later)
            im.draft(im.mode, (math.ceil(im.width * scale), math.ceil(im.height * scale)))
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
        # min(): float rounding may make the crop a hair larger than the image.
        cw, ch = min(width / scale, iw), min(height / scale, ih)
        fx, fy = focal
        left = max(0.0, min(fx * iw - cw / 2, iw - cw))
        top = max(0.0, min(fy * ih - ch / 2, ih - ch))
        return im.resize(
            (width, height), Image.Resampling.LANCZOS, box=(left, top, left + cw, top + ch), reducing_gap=3.0
        )
    scale = min(width / iw, height / ih)
    size = (max(1, round(iw * scale)), max(1, round(ih * scale)))
    return im.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
