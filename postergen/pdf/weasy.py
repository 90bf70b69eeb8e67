"""WeasyPrint support for the PDF painter: what a PDF may load, its fonts and images,
and WeasyPrint's warnings as errors.

* **Only local files**: :class:`Resources` are the roots one PDF may read (the campaign
  folder and the postergen package) and the in-memory images and font subsets it
  generated; the restrictive URL fetcher serves those and refuses any other URL.
* **Warnings are errors**: :class:`capture` runs WeasyPrint with that fetcher and turns
  every WeasyPrint warning (a missing font, an image that did not load, a glyph no font
  has) and every refusal into a :class:`PdfError`.
* **Fonts**: the process-wide ``FontConfiguration`` and image cache (used under
  :data:`FONT_LOCK`), font subsets cut by HarfBuzz (our own small cffi binding) as
  ``@font-face`` rules, and each face's baseline as Pango places it
  (:func:`baseline_em`).
* **Images** as the PDF embeds them: the file itself when WeasyPrint can embed it as it
  is (JPEG, PNG without EXIF rotation or ICC profile), else the decoded sRGB pixels of
  :func:`postergen.images.open_rgba`; their encoded PDF streams are kept per process.

Fonts, measured baselines and images are cached per process, so the steady state costs
about one WeasyPrint render per poster (see docs/print.md).

May import: the standard library; WeasyPrint, pydyf, cffi and Pillow inside functions
(``postergen --help`` must not load them); :mod:`postergen.errors`,
:mod:`postergen.fonts` and :mod:`postergen.images`.  Never :mod:`postergen.pdf.page` or
:mod:`postergen.pdf`: they build on this module.
"""

from __future__ import annotations

import hashlib
import html
import io
import logging
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..bundled import ROOTS as BUNDLED_ROOTS
from ..errors import PostergenError
from ..fonts import Face

MEM_SCHEME = "postergen-mem"


class PdfError(PostergenError):
    """The PDF could not be made: a refused or missing resource, a missing glyph…"""


# --------------------------------------------------------------------------- resources


class Resources:
    """What one PDF may load: roots for files, and in-memory images it generated."""

    def __init__(self, base_dir: Path | str | None):
        roots = list(BUNDLED_ROOTS)
        if base_dir is not None:
            roots.insert(0, Path(base_dir).resolve())
        self.roots = tuple(roots)
        self.memory: dict[str, tuple[bytes, str]] = {}

    def inside(self, path: Path) -> bool:
        full = path.resolve()
        return any(full == r or r in full.parents for r in self.roots)

    def check(self, path: str | Path, what: str) -> Path:
        full = Path(path)
        if not full.is_absolute() or not self.inside(full):
            raise PdfError(
                f"{what} '{path}' is outside the campaign folder; the PDF may only use files "
                "inside the campaign folder or postergen's own"
            )
        if not full.is_file():
            raise PdfError(f"{what} '{path}' does not exist")
        return full.resolve()

    def add(self, data: bytes, mime: str) -> str:
        key = hashlib.sha256(data).hexdigest()[:32]
        url = f"{MEM_SCHEME}:{key}"
        self.memory[url] = (data, mime)
        return url


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class RestrictedFetcher(URLFetcher):
        """Serves local files under the allowed roots and this PDF's own images; refuses
        every other URL (http, https, data, file:// elsewhere) with a clear error."""

        def __init__(self, resources: Resources):
            super().__init__(fail_on_errors=True, allow_redirects=False)
            self.resources = resources
            self.refused: list[str] = []

        def refuse(self, url: str, why: str):
            shown = url if len(url) < 120 else url[:117] + "..."
            message = f"refused to load '{shown}': {why}"
            self.refused.append(message)
            raise PdfError(message)

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower() if ":" in url else ""
            if scheme == MEM_SCHEME:
                hit = self.resources.memory.get(url)
                if hit is None:
                    self.refuse(url, "not a resource this PDF generated")
                data, mime = hit
                return URLFetcherResponse(url, data, {"Content-Type": mime})
            if scheme != "file":
                self.refuse(
                    url,
                    "the PDF may only use local files inside the campaign folder or postergen's own "
                    f"(no {scheme or 'relative'} URLs)",
                )
            parts = urlsplit(url)
            if parts.netloc not in ("", "localhost"):
                self.refuse(url, "a file on another host")
            path = Path(unquote(parts.path))
            if not self.resources.inside(path):
                self.refuse(url, "outside the campaign folder and postergen's own files")
            try:
                data = path.resolve().read_bytes()
            except OSError as exc:
                self.refuse(url, f"cannot read it ({exc.strerror or exc})")
            return URLFetcherResponse(path.resolve().as_uri(), data, {"Content-Type": _mime(path)})

    return RestrictedFetcher


_MIMES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".otf": "font/otf", ".ttf": "font/ttf"}


def _mime(path: Path) -> str:
    return _MIMES.get(path.suffix.lower(), "application/octet-stream")


def make_fetcher(base_dir: Path | str | None):
    """The restrictive WeasyPrint URL fetcher for a campaign folder (for tests and tools)."""
    return _fetcher_class()(Resources(base_dir))


# --------------------------------------------------------------------------- images


@dataclass(frozen=True)
class _ImageInfo:
    width: int  # after EXIF orientation
    height: int
    passthrough: bool  # WeasyPrint can embed the file as it is
    jpeg: bool


_IMAGE_INFO: dict[tuple, _ImageInfo] = {}
_IMAGE_DATA: OrderedDict[tuple, tuple[bytes, str]] = OrderedDict()
_IMAGE_DATA_MAX = 24


def _file_key(path: Path) -> tuple:
    st = path.stat()
    return (str(path), st.st_mtime_ns, st.st_size)


def image_info(path: Path) -> _ImageInfo:
    key = _file_key(path)
    info = _IMAGE_INFO.get(key)
    if info is None:
        from PIL import Image

        with Image.open(path) as im:
            orientation = im.getexif().get(0x0112, 1)
            w, h = im.size
            if orientation in (5, 6, 7, 8):
                w, h = h, w
            fmt = im.format
            ok_modes = {"JPEG": ("RGB", "L"), "PNG": ("RGB", "RGBA", "L")}.get(fmt, ())
            passthrough = (
                im.mode in ok_modes
                and orientation == 1
                and "icc_profile" not in im.info
                and not (fmt == "PNG" and "transparency" in im.info)
            )
        info = _ImageInfo(w, h, passthrough, fmt == "JPEG")
        _IMAGE_INFO[key] = info
    return info


def image_bytes(path: Path) -> tuple[bytes, str]:
    """The bytes WeasyPrint embeds for *path*: the file itself, or its sRGB pixels."""
    key = _file_key(path)
    hit = _IMAGE_DATA.get(key)
    if hit is not None:
        _IMAGE_DATA.move_to_end(key)
        return hit
    info = image_info(path)
    if info.passthrough:
        hit = (path.read_bytes(), "image/jpeg" if info.jpeg else "image/png")
    else:
        from ..images import open_rgba

        im = open_rgba(str(path))
        buf = io.BytesIO()
        opaque = im.getchannel("A").getextrema()[0] == 255
        if opaque and info.jpeg:
            # A rotated or ICC-tagged photo: a fine JPEG, not a slow, huge PNG.
            im.convert("RGB").save(buf, "JPEG", quality=95, subsampling=0)
            hit = (buf.getvalue(), "image/jpeg")
        else:
            (im.convert("RGB") if opaque else im).save(buf, "PNG", compress_level=3)
            hit = (buf.getvalue(), "image/png")
    _IMAGE_DATA[key] = hit
    if len(_IMAGE_DATA) > _IMAGE_DATA_MAX:
        _IMAGE_DATA.popitem(last=False)
    return hit


_MEMO_IMAGE = None


def prepare_image(url: str, data: bytes) -> None:
    """Put a WeasyPrint image for *url* in WeasyPrint's image cache, one that encodes its
    PDF streams once per process.

    WeasyPrint keeps decoded images in the ``cache`` it is given, but decodes and
    re-encodes PNG data (and splits the alpha channel) for every document: ~25 ms a
    poster for a logo, an avatar and a few icons.  Our subclass remembers the encoded
    bytes.  Anything unexpected (another WeasyPrint version): WeasyPrint loads the image
    itself, only slower.
    """
    global _MEMO_IMAGE
    if url in WP_CACHE or _MEMO_IMAGE is False:
        return
    try:
        if _MEMO_IMAGE is None:
            _MEMO_IMAGE = _memo_image_class()
        from PIL import Image
        from weasyprint import DEFAULT_OPTIONS

        image_id = hashlib.md5(url.encode(), usedforsecurity=False).hexdigest()
        WP_CACHE[url] = _MEMO_IMAGE(
            Image.open(io.BytesIO(data)), image_id, data, cache=WP_CACHE, orientation="none", options=DEFAULT_OPTIONS
        )
    except Exception:  # noqa: BLE001 — fall back to WeasyPrint's own loading
        _MEMO_IMAGE = False
        WP_CACHE.pop(url, None)


def _memo_image_class():
    import pydyf
    from weasyprint.images import RasterImage

    class MemoRasterImage(RasterImage):
        def get_x_object(self, interpolate, dpi_ratio):
            memo = self.__dict__.setdefault("_postergen_memo", {})
            key = (interpolate, dpi_ratio)
            hit = memo.get(key)
            if hit is None:
                x_object = super().get_x_object(interpolate, dpi_ratio)
                smask = x_object.extra.get("SMask")
                extra = {k: v for k, v in x_object.extra.items() if k != "SMask"}
                hit = (list(x_object.stream), extra, None if smask is None else (list(smask.stream), dict(smask.extra)))
                memo[key] = hit
            stream, extra, smask = hit
            extra = pydyf.Dictionary(extra)
            if smask is not None:
                extra["SMask"] = pydyf.Stream(list(smask[0]), pydyf.Dictionary(smask[1]))
            return pydyf.Stream(list(stream), extra)

    return MemoRasterImage


# --------------------------------------------------------------------------- fonts


FONT_LOCK = threading.RLock()
_FONT_CONFIG = None
_FONT_CONFIG_PID = 0  # the process that made _FONT_CONFIG
_FONT_CONFIG_FACES: set[str] = set()
_FONT_CONFIG_MAX = 256  # @font-face rules one FontConfiguration collects before a fresh one
WP_CACHE: dict = {}
_BASELINES: dict[str, float] = {}


def font_config(families: list[str]):
    """The process-wide WeasyPrint font configuration.

    It keeps every @font-face it has loaded (keyed by the rule), so a font — or a
    subset seen before — is loaded once per process, not once per poster.
    """
    global _FONT_CONFIG, _FONT_CONFIG_PID
    if _FONT_CONFIG is not None and _FONT_CONFIG_PID != os.getpid():
        # Inherited through fork (a build's worker): with the parent's fontconfig and Pango
        # state, faces added in the child came out as .notdef boxes.  Make a fresh one,
        # and let the inherited one go without its __del__ deleting the parent's folder.
        _FONT_CONFIG._folder = None
        _FONT_CONFIG = None
    _FONT_CONFIG_FACES.update(families)
    if _FONT_CONFIG is None or len(_FONT_CONFIG_FACES) > _FONT_CONFIG_MAX:
        from weasyprint.text.fonts import FontConfiguration

        _FONT_CONFIG = FontConfiguration()
        _FONT_CONFIG_PID = os.getpid()
        _FONT_CONFIG_FACES.clear()
        _FONT_CONFIG_FACES.update(families)
    return _FONT_CONFIG


# ---- subsetting: HarfBuzz, through our own small cffi binding


_HB = None
_HB_FACES: dict[str, object] = {}
_SUBSETS: OrderedDict[tuple, bytes] = OrderedDict()
_SUBSETS_MAX = 128

_HB_CDEF = """
    typedef struct hb_blob_t hb_blob_t;
    typedef struct hb_face_t hb_face_t;
    typedef struct hb_set_t hb_set_t;
    typedef struct hb_subset_input_t hb_subset_input_t;
    typedef uint32_t hb_codepoint_t;
    hb_blob_t *hb_blob_create_from_file_or_fail (const char *file_name);
    void hb_blob_destroy (hb_blob_t *blob);
    const char *hb_blob_get_data (hb_blob_t *blob, unsigned int *length);
    hb_face_t *hb_face_create (hb_blob_t *blob, unsigned int index);
    void hb_face_destroy (hb_face_t *face);
    hb_blob_t *hb_face_reference_blob (hb_face_t *face);
    void hb_set_add (hb_set_t *set, hb_codepoint_t codepoint);
    hb_subset_input_t *hb_subset_input_create_or_fail (void);
    void hb_subset_input_destroy (hb_subset_input_t *input);
    hb_set_t *hb_subset_input_unicode_set (hb_subset_input_t *input);
    hb_face_t *hb_subset_or_fail (hb_face_t *source, const hb_subset_input_t *input);
"""


def _harfbuzz():
    """(ffi, harfbuzz, harfbuzz-subset), or None when the libraries are not there."""
    global _HB
    if _HB is None:
        try:
            import cffi

            ffi = cffi.FFI()
            ffi.cdef(_HB_CDEF)
            hb = _dlopen(ffi, "libharfbuzz.so.0", "libharfbuzz.0.dylib", "libharfbuzz-0.dll", "harfbuzz")
            sub = _dlopen(
                ffi, "libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib", "libharfbuzz-subset-0.dll", "harfbuzz-subset"
            )
            _HB = (ffi, hb, sub)
        except (ImportError, OSError, AttributeError):
            _HB = False
    return _HB or None


def _dlopen(ffi, *names):
    """The first of *names* that loads (the names differ per platform)."""
    import ctypes.util

    for name in names:
        try:
            return ffi.dlopen(name)
        except OSError:
            found = ctypes.util.find_library(name)
            if found:
                try:
                    return ffi.dlopen(found)
                except OSError:
                    pass
    raise OSError(f"cannot load {names[0]}")


def _subset(face: Face, codepoints: frozenset[int]) -> bytes | None:
    """*face* cut down to *codepoints* (an OpenType font), cached; None without HarfBuzz.

    WeasyPrint subsets every font of every PDF again; from the full 5 MB CJK face that
    costs ~15 ms a face and poster.  From this subset it costs nearly nothing, and the
    subset is made once per face and character set (channels share their text).
    """
    key = (str(face.path), face.index, codepoints)
    hit = _SUBSETS.get(key)
    if hit is not None:
        _SUBSETS.move_to_end(key)
        return hit
    lib = _harfbuzz()
    if lib is None:
        return None
    ffi, hb, sub = lib
    fkey = f"{face.path}#{face.index}"
    hb_face = _HB_FACES.get(fkey)
    if hb_face is None:
        blob = hb.hb_blob_create_from_file_or_fail(str(face.path).encode())
        if blob == ffi.NULL:
            raise PdfError(f"cannot read font {face.path}")
        hb_face = hb.hb_face_create(blob, face.index)
        hb.hb_blob_destroy(blob)
        _HB_FACES[fkey] = hb_face
    data = None
    subset_input = sub.hb_subset_input_create_or_fail()
    if subset_input != ffi.NULL:
        try:
            unicodes = sub.hb_subset_input_unicode_set(subset_input)
            for cp in sorted(codepoints):
                hb.hb_set_add(unicodes, cp)
            result = sub.hb_subset_or_fail(hb_face, subset_input)
            if result != ffi.NULL:
                out = hb.hb_face_reference_blob(result)
                length = ffi.new("unsigned int *")
                ptr = hb.hb_blob_get_data(out, length)
                data = ffi.unpack(ptr, length[0]) if ptr != ffi.NULL and length[0] else None
                hb.hb_blob_destroy(out)
                hb.hb_face_destroy(result)
        finally:
            sub.hb_subset_input_destroy(subset_input)
    if data is None:
        return None
    _SUBSETS[key] = data
    if len(_SUBSETS) > _SUBSETS_MAX:
        _SUBSETS.popitem(last=False)
    return data


def font_face(face: Face, codepoints: frozenset[int], resources: Resources) -> tuple[str, str]:
    """(family name, @font-face rule) for *face* with at least *codepoints*."""
    data = _subset(face, codepoints)
    if data is None:  # no HarfBuzz: the whole font file (WeasyPrint still subsets it)
        resources.check(face.path, "font")
        family = "pg" + hashlib.md5(f"{face.path}#{face.index}".encode()).hexdigest()[:12]
        url = face.path.resolve().as_uri()
    else:
        resources.check(face.path, "font")
        family = "pg" + hashlib.sha256(data).hexdigest()[:16]
        url = resources.add(data, "font/otf")
    return family, f"@font-face{{font-family:{family};src:url({url})}}"


TEXT_CSS = (
    "white-space:pre;line-height:1;font-weight:normal;font-style:normal;"
    "font-kerning:none;font-variant-ligatures:none;font-feature-settings:'kern' 0,'liga' 0,'palt' 0"
)


def baseline_em(face: Face, resources: Resources) -> float:
    """Distance from the top of a text element (line-height 1) to its baseline, in em.

    CSS puts the baseline at half-leading + ascent, with the ascent and descent Pango
    reads from the font (hhea or OS/2, depending on the font's flags) — not always the
    ones layout uses.  Measured once per face with WeasyPrint itself, at 1000 px, on a
    subset made the same way as the posters' (subsetting keeps the vertical metrics).
    """
    key = f"{face.path}#{face.index}"
    hit = _BASELINES.get(key)
    if hit is not None:
        return hit
    from weasyprint import HTML

    probe = next((c for c in "H0一" if ord(c) in face.advances), None) or chr(next(iter(face.advances)))
    family, rule = font_face(face, frozenset([ord(probe)]), resources)
    page = (
        f"<html><head><style>{rule}@page{{size:1200px 1200px;margin:0}}"
        f"body{{margin:0}}div{{position:absolute;left:0;top:100px;font-family:{family};"
        f"font-size:1000px;{TEXT_CSS}}}</style></head><body><div>{html.escape(probe)}</div></body></html>"
    )
    with capture(resources) as fetcher:
        doc = HTML(string=page, url_fetcher=fetcher).render(font_config=font_config([family]), cache=WP_CACHE)
    line = _find_box(doc.pages[0]._page_box, "LineBox")
    if line is None or getattr(line, "baseline", None) is None:
        raise PdfError(f"cannot measure the baseline of font {face.path.name}")
    value = (line.position_y + line.baseline - 100) / 1000
    _BASELINES[key] = value
    return value


def _find_box(box, kind: str):
    if type(box).__name__ == kind:
        return box
    for child in getattr(box, "children", ()):
        found = _find_box(child, kind)
        if found is not None:
            return found
    return None


# --------------------------------------------------------------------------- warnings → errors


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record):
        if record.thread == self.thread:
            try:
                self.messages.append(record.getMessage())
            except Exception:  # noqa: BLE001 — a badly formatted log record
                self.messages.append(str(record.msg))


class capture:
    """Run WeasyPrint with the restrictive fetcher; fail on any warning or refusal."""

    def __init__(self, resources: Resources):
        self.fetcher = _fetcher_class()(resources)
        self.handler = _Collect()
        self.logger = logging.getLogger("weasyprint")

    def __enter__(self):
        self.logger.addHandler(self.handler)
        return self.fetcher

    def __exit__(self, exc_type, exc, tb):
        from weasyprint.urls import FatalURLFetchingError

        self.logger.removeHandler(self.handler)
        if self.fetcher.refused:
            raise PdfError(self.fetcher.refused[0]) from None
        if exc_type is not None and issubclass(exc_type, FatalURLFetchingError):
            cause = exc.__cause__
            raise PdfError(str(cause) if cause else str(exc)) from None
        if exc_type is None and self.handler.messages:
            raise PdfError("WeasyPrint: " + "; ".join(dict.fromkeys(self.handler.messages)))
        return False
