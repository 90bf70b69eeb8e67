"""Paint a :class:`~postergen.layout.LayoutTree` as a print-ready PDF, through WeasyPrint.

Layout once, paint twice: this painter draws exactly what :mod:`postergen.paint` draws,
from the same tree, as an absolutely positioned HTML page that WeasyPrint turns into a
PDF.  Nothing is re-laid out: every text run sits at the layout's x and baseline.

* **Text** is vector, in the fonts the layout measured with, embedded as subsets (cut
  by HarfBuzz here, cached per font and character set).  Each run (a stretch of one face, as the raster painter draws it) is its
  own element, placed at its pen position; kerning and ligatures are off because layout
  measured with plain advance widths (as Pillow's basic layout draws).  The element's
  top is computed from the baseline with the face's ascent *as Pango sees it*, measured
  once per face (:func:`_baseline_em`).
* **QR codes** are one vector path of the dark modules (rows merged into runs), no
  raster, written into the page in place of a placeholder (:func:`_inject_qr_codes`).
* **Images** are embedded at their own resolution (never resampled to poster pixels):
  the file itself when WeasyPrint can embed it as it is (JPEG, PNG without EXIF rotation
  or ICC profile), else the decoded sRGB pixels of :func:`postergen.images.open_rgba`.
* **Bleed**: rectangles and cover images that reach an edge of the poster extend past
  the trim into the bleed (a gradient keeps its colours where they were); everything is
  clipped to the bleed box.  **Crop marks**, when asked, sit outside the bleed.
  TrimBox and BleedBox are set on the page; MediaBox is trim + bleed (+ the mark area).
* **Only local files**: a restrictive URL fetcher serves files under the campaign folder
  and the postergen package, and the in-memory images this module generates; any other
  URL fails the PDF.  Every WeasyPrint warning or error (a missing font, an image that
  did not load, a glyph no font has) fails it too.

Fonts, measured baselines and decoded images are cached per process, so the steady
state costs about one WeasyPrint render per poster (see docs/print.md).
"""

from __future__ import annotations

import hashlib
import html
import io
import logging
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .colors import parse_hex
from .errors import PostergenError
from .fonts import Face, chain_for
from .layout import ImageItem, LayoutTree, MarkItem, QRItem, ShapeItem, TextItem
from .printsizes import MM_PER_INCH, dpi_of

PACKAGE_DIR = Path(__file__).resolve().parent
CSS_PX_PER_MM = 96 / MM_PER_INCH
PT_PER_MM = 72 / MM_PER_INCH
MEM_SCHEME = "postergen-mem"

#: Crop marks: distance from the trim (at least the bleed), length and line width.
MARK_GAP_MM = 3.0
MARK_LENGTH_MM = 5.0
MARK_MARGIN_MM = 1.0
MARK_WIDTH_PT = 0.25
#: Largest tolerated difference between the trim's and the layout's aspect ratios.
ASPECT_TOLERANCE = 0.01
MIN_DPI = 300
#: Smallest QR module that prints and scans reliably (a rule of thumb, see docs/print.md).
MIN_QR_MODULE_MM = 0.5


class PdfError(PostergenError):
    """The PDF could not be made: a refused or missing resource, a missing glyph…"""


# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class PageGeometry:
    """Where the trim sits on the PDF page, in millimetres."""

    trim_mm: tuple[float, float]
    bleed_mm: float
    crop_marks: bool

    @property
    def margin_mm(self) -> float:
        """From the page edge to the trim."""
        if not self.crop_marks:
            return self.bleed_mm
        return self.mark_gap_mm + MARK_LENGTH_MM + MARK_MARGIN_MM

    @property
    def mark_gap_mm(self) -> float:
        return max(self.bleed_mm, MARK_GAP_MM)

    @property
    def media_mm(self) -> tuple[float, float]:
        m = 2 * self.margin_mm
        return (self.trim_mm[0] + m, self.trim_mm[1] + m)

    def boxes_pt(self) -> dict[str, tuple[float, float, float, float]]:
        """MediaBox, BleedBox and TrimBox in PDF points ([x0, y0, x1, y1])."""
        mw, mh = (v * PT_PER_MM for v in self.media_mm)
        o = self.margin_mm * PT_PER_MM
        b = (self.margin_mm - self.bleed_mm) * PT_PER_MM
        return {
            "MediaBox": (0.0, 0.0, mw, mh),
            "BleedBox": (b, b, mw - b, mh - b),
            "TrimBox": (o, o, mw - o, mh - o),
        }


class _Frame:
    """Maps poster pixels to CSS px inside the bleed box (the clipping container)."""

    def __init__(self, tree: LayoutTree, page: PageGeometry):
        tw, th = page.trim_mm
        self.kx = tw * CSS_PX_PER_MM / tree.width
        self.ky = th * CSS_PX_PER_MM / tree.height
        self.k = self.kx  # for lengths that are not along one axis (font sizes, radii)
        self.bleed = page.bleed_mm * CSS_PX_PER_MM
        self.width, self.height = tree.width, tree.height

    def x(self, v: float) -> float:
        return self.bleed + v * self.kx

    def y(self, v: float) -> float:
        return self.bleed + v * self.ky

    def rect(self, x, y, w, h) -> tuple[float, float, float, float]:
        return (self.x(x), self.y(y), w * self.kx, h * self.ky)

    def extend(self, box, sides: str) -> tuple[float, float, float, float]:
        """*box* (poster px) in CSS px, pushed into the bleed on the sides it touches."""
        x, y, w, h = box
        left, top = self.x(x), self.y(y)
        right, bottom = self.x(x + w), self.y(y + h)
        if "l" in sides:
            left = min(left, 0.0)
        if "t" in sides:
            top = min(top, 0.0)
        if "r" in sides:
            right = max(right, self.x(self.width) + self.bleed)
        if "b" in sides:
            bottom = max(bottom, self.y(self.height) + self.bleed)
        return (left, top, right - left, bottom - top)

    def touching(self, box) -> str:
        """Which edges of the poster *box* reaches: a subset of 'ltrb'."""
        x, y, w, h = box
        sides = ""
        if x <= 0:
            sides += "l"
        if y <= 0:
            sides += "t"
        if x + w >= self.width:
            sides += "r"
        if y + h >= self.height:
            sides += "b"
        return sides


def _n(v: float) -> str:
    """A CSS number: 3 decimals, no trailing zeros."""
    text = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _px(v: float) -> str:
    return _n(v) + "px"


def _pos(rect) -> str:
    x, y, w, h = rect
    return f"left:{_px(x)};top:{_px(y)};width:{_px(w)};height:{_px(h)}"


def _rgba(value: str | tuple, *, opaque: bool = False) -> str:
    r, g, b, a = parse_hex(value) if isinstance(value, str) else value
    if opaque or a >= 255:
        return f"#{r:02x}{g:02x}{b:02x}"
    return f"rgba({r},{g},{b},{_n(a / 255)})"


# --------------------------------------------------------------------------- resources


class Resources:
    """What one PDF may load: roots for files, and in-memory images it generated."""

    def __init__(self, base_dir: Path | str | None):
        roots = [PACKAGE_DIR]
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


def _image_bytes(path: Path) -> tuple[bytes, str]:
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
        from .images import open_rgba

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


def _prepare_image(url: str, data: bytes) -> None:
    """Put a WeasyPrint image for *url* in WeasyPrint's image cache, one that encodes its
    PDF streams once per process.

    WeasyPrint keeps decoded images in the ``cache`` it is given, but decodes and
    re-encodes PNG data (and splits the alpha channel) for every document: ~25 ms a
    poster for a logo, an avatar and a few icons.  Our subclass remembers the encoded
    bytes.  Anything unexpected (another WeasyPrint version): WeasyPrint loads the image
    itself, only slower.
    """
    global _MEMO_IMAGE
    if url in _WP_CACHE or _MEMO_IMAGE is False:
        return
    try:
        if _MEMO_IMAGE is None:
            _MEMO_IMAGE = _memo_image_class()
        from PIL import Image
        from weasyprint import DEFAULT_OPTIONS

        image_id = hashlib.md5(url.encode(), usedforsecurity=False).hexdigest()
        _WP_CACHE[url] = _MEMO_IMAGE(
            Image.open(io.BytesIO(data)), image_id, data, cache=_WP_CACHE, orientation="none", options=DEFAULT_OPTIONS
        )
    except Exception:  # noqa: BLE001 — fall back to WeasyPrint's own loading
        _MEMO_IMAGE = False
        _WP_CACHE.pop(url, None)


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


@dataclass(frozen=True)
class _Placement:
    """An image as the raster painter places it, in poster px."""

    shown: tuple[float, float, float, float]  # the visible rectangle (clip)
    drawn: tuple[float, float, float, float]  # the whole source image, scaled
    source_px: tuple[float, float]  # source pixels across the visible rectangle


def place_image(item: ImageItem, iw: int, ih: int) -> _Placement:
    """Where the raster painter puts *item* (see images.fit_image and paint._paint_image)."""
    x, y, w, h = item.box
    if item.fit == "cover":
        scale = max(w / iw, h / ih)
        cw, ch = w / scale, h / scale
        fx, fy = item.focal
        left = min(max(fx * iw - cw / 2, 0), iw - cw)
        top = min(max(fy * ih - ch / 2, 0), ih - ch)
        drawn = (x - left * scale, y - top * scale, iw * scale, ih * scale)
        return _Placement((x, y, w, h), drawn, (cw, ch))
    scale = min(w / iw, h / ih)
    dw, dh = max(1, round(iw * scale)), max(1, round(ih * scale))
    px = x + {"left": 0, "center": (w - dw) // 2, "right": w - dw}[item.align]
    py = y + (h - dh) // 2
    return _Placement((px, py, dw, dh), (px, py, dw, dh), (iw, ih))


# --------------------------------------------------------------------------- fonts


_FONT_LOCK = threading.RLock()
_FONT_CONFIG = None
_FONT_CONFIG_FACES: set[str] = set()
_FONT_CONFIG_MAX = 256  # @font-face rules one FontConfiguration collects before a fresh one
_WP_CACHE: dict = {}
_BASELINES: dict[str, float] = {}


def _font_config(families: list[str]):
    """The process-wide WeasyPrint font configuration.

    It keeps every @font-face it has loaded (keyed by the rule), so a font — or a
    subset seen before — is loaded once per process, not once per poster.
    """
    global _FONT_CONFIG
    _FONT_CONFIG_FACES.update(families)
    if _FONT_CONFIG is None or len(_FONT_CONFIG_FACES) > _FONT_CONFIG_MAX:
        from weasyprint.text.fonts import FontConfiguration

        _FONT_CONFIG = FontConfiguration()
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


def _font_face(face: Face, codepoints: frozenset[int], resources: Resources) -> tuple[str, str]:
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


_TEXT_CSS = (
    "white-space:pre;line-height:1;font-weight:normal;font-style:normal;"
    "font-kerning:none;font-variant-ligatures:none;font-feature-settings:'kern' 0,'liga' 0,'palt' 0"
)


def _baseline_em(face: Face, resources: Resources) -> float:
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
    family, rule = _font_face(face, frozenset([ord(probe)]), resources)
    page = (
        f"<html><head><style>{rule}@page{{size:1200px 1200px;margin:0}}"
        f"body{{margin:0}}div{{position:absolute;left:0;top:100px;font-family:{family};"
        f"font-size:1000px;{_TEXT_CSS}}}</style></head><body><div>{html.escape(probe)}</div></body></html>"
    )
    with _capture(resources) as fetcher:
        doc = HTML(string=page, url_fetcher=fetcher).render(font_config=_font_config([family]), cache=_WP_CACHE)
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


class _capture:
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


# --------------------------------------------------------------------------- painting


class _Page:
    """Collects the HTML elements of one poster."""

    def __init__(self, tree: LayoutTree, geometry: PageGeometry, resources: Resources):
        self.tree = tree
        self.geometry = geometry
        self.f = _Frame(tree, geometry)
        self.resources = resources
        self.faces: dict[str, tuple[Face, set[int]]] = {}
        self.families: list[str] = []
        self.out: list[str] = []
        self.qr_codes: dict[tuple[int, int, int], QRItem] = {}
        self._marker = 0
        self._used: set | None = None

    # ---- primitives

    def div(self, rect, style: str = "", body: str = "") -> None:
        self.out.append(f'<div style="{_pos(rect)};{style}">{body}</div>')

    def text_run(self, face: Face, text: str, x: float, baseline: float, size: float, color: str) -> None:
        """One run of one face, its baseline at (x, baseline) in poster px."""
        key = f"{face.path}#{face.index}"
        if key not in self.faces:
            self.faces[key] = (face, set())
        self.faces[key][1].update(ord(c) for c in text)
        k = self.f.k
        top = self.f.y(baseline) - _baseline_em(face, self.resources) * size * k
        # The family is known once every run is in (it names the subset): a placeholder.
        self.out.append(
            f'<div class="t" style="left:{_px(self.f.x(x))};top:{_px(top)};font-family:{_MARK}{key}{_MARK};'
            f'font-size:{_px(size * k)};color:{color}">{html.escape(text, quote=False)}</div>'
        )

    def line(self, fonts, text: str, x: float, baseline: float, size: float, color: str, what: str) -> None:
        chain = chain_for(tuple(fonts))
        missing = chain.missing(text)
        if missing:
            ch = missing[0]
            raise PdfError(f"{what}: character '{ch}' (U+{ord(ch):04X}) is in no configured font")
        for run in chain.runs(text):
            if run.text.strip():
                self.text_run(run.face, run.text, x, baseline, size, color)
            x += run.advance * size

    # ---- items

    def shape(self, item: ShapeItem) -> None:
        x, y, w, h = item.box
        if w <= 0 or h <= 0:
            return
        style = []
        radius = int(min(item.radius, w / 2, h / 2)) if item.radius >= 1 else 0
        rect = self.f.rect(x, y, w, h)
        sides = self.f.touching(item.box)
        if item.shape == "ellipse":
            style.append("border-radius:50%")
        elif radius:
            style.append(f"border-radius:{_px(radius * self.f.k)}")
        elif sides and not item.stroke:
            rect = self.f.extend(item.box, sides)
        if item.gradient:
            style.append(f"background-image:{self._gradient(item, rect)};background-repeat:no-repeat")
        elif item.fill:
            style.append(f"background-color:{_rgba(item.fill)}")
        if item.stroke and item.stroke_width > 0:
            sw = round(item.stroke_width * 4) / 4
            style.append(f"box-sizing:border-box;border:{_px(sw * self.f.k)} solid {_rgba(item.stroke)}")
        if len(style) > (1 if item.shape == "ellipse" or radius else 0):
            self.div(rect, ";".join(style))

    def _gradient(self, item: ShapeItem, rect) -> str:
        """A CSS gradient over *rect* (CSS px) with the colours the raster painter puts at
        each point of the item's own box, also when *rect* was extended into the bleed."""
        x, y, w, h = self.f.rect(*item.box)
        X, Y, W, H = rect
        rad = math.radians(item.angle)
        dx, dy = math.sin(rad), -math.cos(rad)
        length = abs(w * dx) + abs(h * dy) or 1.0
        length2 = abs(W * dx) + abs(H * dy) or 1.0
        shift = ((X + W / 2) - (x + w / 2)) * dx + ((Y + H / 2) - (y + h / 2)) * dy
        n = len(item.gradient) - 1
        stops, previous = [], None
        for i, colour in enumerate(item.gradient):
            t = 0.5 + ((i / n - 0.5) * length - shift) / length2
            if previous is not None:
                # An explicit hint half-way: WeasyPrint 70 puts the default hint at 50%
                # of the whole line, which bends the ramps between uneven stops.
                stops.append(f"{_n((previous + t) / 2 * 100)}%")
            stops.append(f"{_rgba(colour)} {_n(t * 100)}%")
            previous = t
        return f"linear-gradient({_n(item.angle)}deg,{','.join(stops)})"

    def image(self, item: ImageItem, *, bleed: bool = True) -> None:
        x, y, w, h = item.box
        if w <= 0 or h <= 0:
            return
        path = self.resources.check(item.src, f"image of layer '{item.id or 'image'}'")
        info = image_info(path)
        data, mime = _image_bytes(path)
        url = self.resources.add(data, mime)
        _prepare_image(url, data)
        p = place_image(item, info.width, info.height)
        sw, sh = p.shown[2], p.shown[3]
        rounded = item.mask == "circle" or item.mask == "rounded" or item.radius >= 1
        shown = self.f.rect(*p.shown)
        drawn = self.f.rect(*p.drawn)
        sides = self.f.touching(p.shown) if bleed and item.fit == "cover" and not rounded else ""
        if sides:
            shown = self.f.extend(p.shown, sides)
            if not _covers(drawn, shown):
                # The photo has no pixels beyond the crop: cover the extended box instead.
                drawn = _cover(info.width, info.height, shown, item.focal)
        style = "overflow:hidden"
        if item.mask == "circle":
            style += ";border-radius:50%"
        elif rounded:
            style += f";border-radius:{_px(int(min(item.radius, sw / 2, sh / 2)) * self.f.k)}"
        dx, dy, dw, dh = drawn
        img = (
            f'<img src="{html.escape(url)}" style="position:absolute;left:{_px(dx - shown[0])};'
            f'top:{_px(dy - shown[1])};width:{_px(dw)};height:{_px(dh)}">'
        )
        self.div(shown, style, img)
        if item.ring and item.ring_width > 0 and item.mask == "circle":
            rw = round(item.ring_width * 4) / 4
            self.div(
                self.f.rect(*p.shown),
                f"box-sizing:border-box;border-radius:50%;border:{_px(rw * self.f.k)} solid {_rgba(item.ring)}",
            )

    def text(self, item: TextItem) -> None:
        color = _rgba(item.color)
        what = f"layer '{item.id or 'text'}'"
        for ln in item.lines:
            self.line(item.fonts, ln.text, ln.x, ln.baseline, item.size, color, what)
            if item.strike:
                t = max(1.0, item.size * 0.06)
                yy = ln.baseline - item.size * 0.3
                x0 = ln.x - item.size * 0.05
                self.div(self.f.rect(x0, yy - t / 2, ln.width + item.size * 0.1, t), f"background-color:{color}")

    def mark(self, item: MarkItem) -> None:
        x, y, w, h = item.box
        if w <= 0 or h <= 0:
            return
        self.div(self.f.rect(x, y, w, h), f"border-radius:50%;background-color:{_rgba(item.color)}")
        if item.mark == "check":
            W = w * 4
            width = max(1, round(0.11 * W)) / 4
            pts = " ".join(f"{_n(a * w)},{_n(b * w)}" for a, b in ((0.27, 0.52), (0.44, 0.68), (0.74, 0.35)))
            rect = self.f.rect(x, y, w, h)
            self.out.append(
                f'<svg xmlns="http://www.w3.org/2000/svg" style="{_pos(rect)}" width="{_px(rect[2])}" '
                f'height="{_px(rect[3])}" viewBox="0 0 {w} {h}" preserveAspectRatio="none">'
                f'<polyline points="{pts}" fill="none" stroke="#ffffff" stroke-width="{_n(width)}" '
                'stroke-linejoin="round" stroke-linecap="butt"/></svg>'
            )
        elif item.mark == "number" and item.label:
            chain = chain_for(tuple(item.fonts))
            size = max(8, round(h * 0.62))
            lw = chain.width(item.label) * size
            face = chain.main
            baseline = y + h / 2 + size * (face.ascent - face.descent) / 2 - size * 0.06
            self.line(item.fonts, item.label, x + (w - lw) / 2, baseline, size, "#ffffff", f"layer '{item.id}'")

    def qr(self, item: QRItem) -> None:
        x, y, side, _ = item.box
        light = _rgba(item.light)
        radius = int(min(item.radius, side / 2)) if item.radius >= 1 else 0
        style = f"background-color:{light}"
        if radius:
            style += f";border-radius:{_px(radius * self.f.k)}"
        self.div(self.f.rect(x, y, side, side), style)
        n = len(item.rows)
        q = 4 * item.module
        # A placeholder in a colour nothing else uses; the finisher swaps its rectangle
        # for the modules (see _inject_qr_codes).
        marker = self.marker()
        self.qr_codes[marker] = item
        self.div(self.f.rect(x + q, y + q, n * item.module, n * item.module), f"background-color:rgb{marker}")
        if item.logo and item.logo_box:
            lx, ly, lw, lh = item.logo_box
            r = int(min(lw * 0.18, lw / 2, lh / 2))
            back = f"background-color:{light}" + (f";border-radius:{_px(r * self.f.k)}" if r >= 1 else "")
            self.div(self.f.rect(lx, ly, lw, lh), back)
            pad = max(item.module, round(lw * 0.08))
            inner = (lx + pad, ly + pad, lw - 2 * pad, lh - 2 * pad)
            self.image(ImageItem(item.part, item.id, inner, item.logo, "contain", radius=(lw - 2 * pad) * 0.16), bleed=False)

    def marker(self) -> tuple[int, int, int]:
        if self._used is None:
            self._used = _colours_of(self.tree)
        while True:
            self._marker += 1
            rgb = (1, 254, (self._marker * 37) % 256)
            if rgb not in self._used and rgb not in self.qr_codes:
                return rgb

    # ---- the page

    def crop_marks(self) -> str:
        g = self.geometry
        k = CSS_PX_PER_MM
        mw, mh = (v * k for v in g.media_mm)
        o, gap, ln = g.margin_mm * k, g.mark_gap_mm * k, MARK_LENGTH_MM * k
        tw, th = (v * k for v in g.trim_mm)
        x0, y0, x1, y1 = o, o, o + tw, o + th
        d = []
        for xe, sx in ((x0, -1), (x1, 1)):
            for ye, sy in ((y0, -1), (y1, 1)):
                d.append(f"M{_n(xe + sx * gap)},{_n(ye)}h{_n(sx * ln)}")  # horizontal, on the trim line
                d.append(f"M{_n(xe)},{_n(ye + sy * gap)}v{_n(sy * ln)}")  # vertical
        width = MARK_WIDTH_PT * 96 / 72
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" style="left:0;top:0;width:{_px(mw)};height:{_px(mh)}" '
            f'width="{_px(mw)}" height="{_px(mh)}" viewBox="0 0 {_n(mw)} {_n(mh)}">'
            f'<path d="{"".join(d)}" fill="none" stroke="#000000" stroke-width="{_n(width)}"/></svg>'
        )

    def html(self) -> str:
        g = self.geometry
        for item in self.tree.items:
            _PAINT[type(item)](self, item)
        mw, mh = g.media_mm
        k = CSS_PX_PER_MM
        o = (g.margin_mm - g.bleed_mm) * k
        bw, bh = (v * k + 2 * g.bleed_mm * k for v in g.trim_mm)
        rules, names = [], {}
        for key, (face, cps) in self.faces.items():
            family, rule = _font_face(face, frozenset(cps), self.resources)
            names[key] = family
            rules.append(rule)
            self.families.append(family)
        faces = "".join(rules)
        css = (
            f"{faces}@page{{size:{_n(mw)}mm {_n(mh)}mm;margin:0}}"
            "html,body{margin:0;padding:0}"
            "div,svg{position:absolute;margin:0;padding:0;display:block}"
            f"div.t{{{_TEXT_CSS}}}"
            "#bleed{overflow:hidden}"
        )
        marks = self.crop_marks() if g.crop_marks else ""
        return (
            '<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8">'
            f"<style>{css}</style></head><body>{marks}"
            f'<div id="bleed" style="left:{_px(o)};top:{_px(o)};width:{_px(bw)};height:{_px(bh)}">'
            + _fill_families("".join(self.out), names)
            + "</div></body></html>"
        )


_MARK = "\ufdd0"  # a noncharacter: never in drawn text (no font has it)


def _fill_families(text: str, names: dict[str, str]) -> str:
    parts = text.split(_MARK)
    for i in range(1, len(parts), 2):
        parts[i] = names[parts[i]]
    return "".join(parts)


_PAINT = {
    ShapeItem: _Page.shape,
    ImageItem: _Page.image,
    TextItem: _Page.text,
    MarkItem: _Page.mark,
    QRItem: _Page.qr,
}


def _covers(outer, inner) -> bool:
    ox, oy, ow, oh = outer
    ix, iy, iw, ih = inner
    e = 1e-6
    return ox <= ix + e and oy <= iy + e and ox + ow >= ix + iw - e and oy + oh >= iy + ih - e


def _cover(iw: int, ih: int, rect, focal) -> tuple[float, float, float, float]:
    x, y, w, h = rect
    scale = max(w / iw, h / ih)
    cw, ch = w / scale, h / scale
    fx, fy = focal
    left = min(max(fx * iw - cw / 2, 0), iw - cw)
    top = min(max(fy * ih - ch / 2, 0), ih - ch)
    return (x - left * scale, y - top * scale, iw * scale, ih * scale)


def qr_runs(rows: tuple[str, ...]) -> list[tuple[int, int, int]]:
    """The dark modules as horizontal runs: (row, first column, length)."""
    out = []
    for j, row in enumerate(rows):
        i, n = 0, len(row)
        while i < n:
            if row[i] != "1":
                i += 1
                continue
            start = i
            while i < n and row[i] == "1":
                i += 1
            out.append((j, start, i - start))
    return out


def _colours_of(tree: LayoutTree) -> set[tuple[int, int, int]]:
    out = set()
    for item in tree.items:
        for name in ("fill", "stroke", "color", "ring", "dark", "light"):
            value = getattr(item, name, None)
            if isinstance(value, str) and value.startswith("#"):
                out.add(parse_hex(value)[:3])
        for value in getattr(item, "gradient", None) or ():
            out.add(parse_hex(value)[:3])
    return out


def _inject_qr_codes(pdf, codes: dict[tuple[int, int, int], QRItem]) -> None:
    """Replace each QR placeholder rectangle by the code's dark modules: one path of
    rectangles filled once (no seams between modules, no raster), in the placeholder's
    place in the drawing order, so what is drawn later (a centre logo) stays on top.

    WeasyPrint's SVG path parser costs ~15 µs a command (a tracking URL's 57×57 code has
    ~800 runs: ~60 ms); writing the rectangles here costs well under a millisecond.
    """
    import pydyf

    left = dict(codes)
    for obj in pdf.objects:
        chunks = getattr(obj, "stream", None)
        if not left or not isinstance(obj, pydyf.Stream) or not isinstance(chunks, list):
            continue
        for i, chunk in enumerate(chunks):
            if not (isinstance(chunk, bytes) and chunk.endswith(b" rg")):
                continue
            try:
                rgb = tuple(round(float(v) * 255) for v in chunk.split()[:3])
            except ValueError:
                continue
            item = left.get(rgb)
            if item is None:
                continue
            for j in range(i + 1, min(i + 16, len(chunks) - 1)):
                rect, after = chunks[j], chunks[j + 1]
                if isinstance(rect, bytes) and rect.endswith(b" re") and after == b"f":
                    x, y, w, h = (float(v) for v in rect.split()[:4])
                    n = len(item.rows)
                    mw, mh = w / n, h / n
                    r, g, b, _ = parse_hex(item.dark)
                    chunks[i] = f"{_n(r / 255)} {_n(g / 255)} {_n(b / 255)} rg".encode()
                    chunks[j] = "\n".join(
                        f"{x + c * mw:.4f} {y + row * mh:.4f} {length * mw:.4f} {mh:.4f} re"
                        for row, c, length in qr_runs(item.rows)
                    ).encode()
                    del left[rgb]
                    break
    if left:
        raise PdfError("internal error: could not place the QR code in the PDF (WeasyPrint changed?)")


# --------------------------------------------------------------------------- public


def _check_aspect(tree: LayoutTree, trim_mm) -> None:
    tw, th = trim_mm
    if tw <= 0 or th <= 0:
        raise ValueError(f"trim size must be positive, got {tw}×{th} mm")
    a, b = tree.width / tree.height, tw / th
    if abs(math.log(a / b)) > ASPECT_TOLERANCE:
        raise ValueError(
            f"the layout ({tree.width}×{tree.height} px) does not have the aspect ratio of the trim "
            f"({tw:g}×{th:g} mm); lay it out at postergen.printsizes.layout_size()"
        )


def _page(tree, trim_mm, bleed_mm, crop_marks, base_dir) -> "_Page":
    _check_aspect(tree, trim_mm)
    if len(_WP_CACHE) > 256:
        _WP_CACHE.clear()
    if not 0 <= bleed_mm <= 20:
        raise ValueError(f"bleed must be 0-20 mm, got {bleed_mm}")
    geometry = PageGeometry((float(trim_mm[0]), float(trim_mm[1])), float(bleed_mm), bool(crop_marks))
    page = _Page(tree, geometry, Resources(base_dir))
    page.document = page.html()
    return page


def poster_html(
    tree: LayoutTree,
    *,
    trim_mm: tuple[float, float],
    bleed_mm: float = 3,
    crop_marks: bool = False,
    base_dir: Path | str | None = None,
) -> str:
    """The HTML page :func:`paint_pdf` renders (QR codes are placeholders there)."""
    with _FONT_LOCK:
        return _page(tree, trim_mm, bleed_mm, crop_marks, base_dir).document


def paint_pdf(
    tree: LayoutTree,
    *,
    trim_mm: tuple[float, float],
    bleed_mm: float = 3,
    crop_marks: bool = False,
    base_dir: Path | str | None = None,
) -> bytes:
    """Draw *tree* as a one-page PDF of trim *trim_mm* (mm) plus *bleed_mm* on each side.

    *base_dir* is the campaign folder: images and fonts must be inside it or inside the
    postergen package.  Raises :class:`PdfError` when a resource is refused or missing,
    or WeasyPrint warns about anything; ``ValueError`` when the tree's aspect ratio is
    not the trim's.  The same tree gives the same bytes.
    """
    from weasyprint import HTML

    with _FONT_LOCK:
        page = _page(tree, trim_mm, bleed_mm, crop_marks, base_dir)
        boxes = page.geometry.boxes_pt()

        def finisher(document, pdf):
            import pydyf

            _inject_qr_codes(pdf, page.qr_codes)
            for obj in pdf.objects:
                if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/Page":
                    for name in ("BleedBox", "TrimBox"):
                        obj[name] = pydyf.Array([round(v, 4) for v in boxes[name]])

        with _capture(page.resources) as fetcher:
            return HTML(string=page.document, url_fetcher=fetcher).write_pdf(
                font_config=_font_config(page.families), cache=_WP_CACHE, finisher=finisher
            )


def html_to_pdf(page_html: str, *, base_dir: Path | str | None = None) -> bytes:
    """Render an HTML page to PDF under the same rules as :func:`paint_pdf`: only files
    under *base_dir* and the postergen package, and any WeasyPrint warning fails."""
    from weasyprint import HTML

    resources = Resources(base_dir)
    with _FONT_LOCK, _capture(resources) as fetcher:
        return HTML(string=page_html, url_fetcher=fetcher).write_pdf(font_config=_font_config([]), cache=_WP_CACHE)


def print_warnings(
    tree: LayoutTree,
    *,
    trim_mm: tuple[float, float],
    min_dpi: float = MIN_DPI,
    fields: dict[str, str] | None = None,
) -> list[str]:
    """What may print badly at this trim size, one message each: images below *min_dpi*
    (naming the spec field and the effective dpi) and QR modules under 0.5 mm.

    *fields* maps an image's resolved path to the spec field that names it (see
    :func:`asset_fields`), so a message says which field to fix.
    """
    tw, th = trim_mm
    mm_x, mm_y = tw / tree.width, th / tree.height
    out, seen = [], set()
    images: list[tuple[ImageItem, str | None]] = [
        (i, (fields or {}).get(str(Path(i.src).resolve()))) for i in tree.items if isinstance(i, ImageItem)
    ]
    for qr in (i for i in tree.items if isinstance(i, QRItem)):
        module_mm = qr.module * mm_x
        if module_mm < MIN_QR_MODULE_MM:
            out.append(
                f"layer '{qr.id or 'qr'}': QR modules print at {module_mm:.2f} mm ({len(qr.rows)}×{len(qr.rows)} "
                f"modules); phones read {MIN_QR_MODULE_MM} mm and up reliably — give the code a bigger box "
                "or a shorter URL (tracking.short_base)"
            )
        if qr.logo and qr.logo_box:
            lx, ly, lw, lh = qr.logo_box
            pad = max(qr.module, round(lw * 0.08))
            inner = (lx + pad, ly + pad, lw - 2 * pad, lh - 2 * pad)
            images.append((ImageItem(qr.part, qr.id, inner, qr.logo, "contain"), "qr.logo"))
    for item, field in images:
        if item.box[2] <= 0 or item.box[3] <= 0:
            continue
        path = Path(item.src)
        info = image_info(path)
        p = place_image(item, info.width, info.height)
        wmm, hmm = p.shown[2] * mm_x, p.shown[3] * mm_y
        dpi = min(dpi_of(p.source_px[0], wmm), dpi_of(p.source_px[1], hmm))
        if dpi >= min_dpi:
            continue
        name = f"{field} (layer '{item.id}')" if field and item.id else field or f"layer '{item.id or 'image'}'"
        if (name, round(dpi)) in seen:
            continue
        seen.add((name, round(dpi)))
        need = (math.ceil(p.source_px[0] * min_dpi / dpi), math.ceil(p.source_px[1] * min_dpi / dpi))
        out.append(
            f"{name}: {path.name} prints at {dpi:.0f} dpi ({wmm:.0f}×{hmm:.0f} mm from "
            f"{p.source_px[0]:.0f}×{p.source_px[1]:.0f} px); {min_dpi:g} dpi needs about "
            f"{need[0]}×{need[1]} px there"
        )
    return out


def asset_fields(loaded) -> dict[str, str]:
    """Resolved path → dotted spec field ('inviter.avatar') for every image of a campaign."""
    from . import spec as specmod
    from .loader import walk
    from .yamlsrc import dotted

    out: dict[str, str] = {}
    for loc, rel in walk(specmod.Campaign, loaded.raw, specmod._AssetMarker):
        try:
            out.setdefault(str(loaded.asset(rel)), dotted(loc))
        except Exception:  # noqa: BLE001 — the loader reported it already
            continue
    return out
