"""Paint a :class:`~postergen.layout.LayoutTree` as a print-ready PDF, through WeasyPrint.

Layout once, paint twice: the PDF shows exactly what :mod:`postergen.paint` draws, from
the same tree, with vector text (embedded font subsets) and vector QR codes, images at
their own resolution, bleed, crop marks, and TrimBox/BleedBox set on the page (MediaBox
is trim + bleed (+ the mark area)).  A PDF may only use local files under the campaign
folder and the postergen package; any other URL, and any WeasyPrint warning, fails it.

Public API::

    paint_pdf(tree, trim_mm=(210, 297), bleed_mm=3, crop_marks=False, base_dir=...) -> bytes
    print_warnings(tree, trim_mm=..., min_dpi=300, fields=asset_fields(loaded)) -> [str]
    poster_html(tree, trim_mm=...)           # the page paint_pdf renders
    html_to_pdf(page_html, base_dir=...)     # any page, under the same rules
    PdfError, make_fetcher(base_dir)

The package, bottom up (each module imports only the ones above it):

* :mod:`postergen.pdf.weasy`: WeasyPrint support: the local-files-only URL fetcher,
  warnings as errors, font subsets and baselines, images as embedded, per-process caches.
* :mod:`postergen.pdf.page`: the layout tree as an absolutely positioned HTML/CSS page
  (text runs, shapes, images, bleed, crop marks, QR placeholders).
* this module: the public functions: render the page with WeasyPrint, write the QR
  modules and the page boxes into the PDF (:func:`_inject_qr_codes`), and the print
  checks (image resolution, QR module size).

May import: :mod:`.weasy`, :mod:`.page`, :mod:`postergen.layout`,
:mod:`postergen.printsizes`, and inside functions WeasyPrint, pydyf and the spec/loader
modules (for :func:`asset_fields`).
"""

from __future__ import annotations

import math
from pathlib import Path

from ..colors import parse_hex
from ..layout import ImageItem, LayoutTree, QRItem
from ..printsizes import dpi_of
from .page import (
    CSS_PX_PER_MM,
    MARK_GAP_MM,
    MARK_LENGTH_MM,
    MARK_MARGIN_MM,
    MARK_WIDTH_PT,
    PT_PER_MM,
    Page,
    PageGeometry,
    _n,
    place_image,
)
from .weasy import (
    FONT_LOCK,
    MEM_SCHEME,
    WP_CACHE,
    PdfError,
    Resources,
    capture,
    font_config,
    image_info,
    make_fetcher,
)

__all__ = [
    "ASPECT_TOLERANCE",
    "CSS_PX_PER_MM",
    "MARK_GAP_MM",
    "MARK_LENGTH_MM",
    "MARK_MARGIN_MM",
    "MARK_WIDTH_PT",
    "MEM_SCHEME",
    "MIN_DPI",
    "MIN_QR_MODULE_MM",
    "PT_PER_MM",
    "PageGeometry",
    "PdfError",
    "Resources",
    "asset_fields",
    "html_to_pdf",
    "image_info",
    "make_fetcher",
    "paint_pdf",
    "place_image",
    "poster_html",
    "print_warnings",
    "qr_runs",
]

#: Largest tolerated difference between the trim's and the layout's aspect ratios.
ASPECT_TOLERANCE = 0.01
MIN_DPI = 300
#: Smallest QR module that prints and scans reliably (a rule of thumb, see docs/print.md).
MIN_QR_MODULE_MM = 0.5


# --------------------------------------------------------------------------- QR codes in the PDF


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


def _page(tree, trim_mm, bleed_mm, crop_marks, base_dir) -> "Page":
    _check_aspect(tree, trim_mm)
    if len(WP_CACHE) > 256:
        WP_CACHE.clear()
    if not 0 <= bleed_mm <= 20:
        raise ValueError(f"bleed must be 0-20 mm, got {bleed_mm}")
    geometry = PageGeometry((float(trim_mm[0]), float(trim_mm[1])), float(bleed_mm), bool(crop_marks))
    page = Page(tree, geometry, Resources(base_dir))
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
    with FONT_LOCK:
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

    with FONT_LOCK:
        page = _page(tree, trim_mm, bleed_mm, crop_marks, base_dir)
        boxes = page.geometry.boxes_pt()

        def finisher(document, pdf):
            import pydyf

            _inject_qr_codes(pdf, page.qr_codes)
            for obj in pdf.objects:
                if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/Page":
                    for name in ("BleedBox", "TrimBox"):
                        obj[name] = pydyf.Array([round(v, 4) for v in boxes[name]])

        with capture(page.resources) as fetcher:
            return HTML(string=page.document, url_fetcher=fetcher).write_pdf(
                font_config=font_config(page.families), cache=WP_CACHE, finisher=finisher
            )


def html_to_pdf(page_html: str, *, base_dir: Path | str | None = None) -> bytes:
    """Render an HTML page to PDF under the same rules as :func:`paint_pdf`: only files
    under *base_dir* and the postergen package, and any WeasyPrint warning fails."""
    from weasyprint import HTML

    resources = Resources(base_dir)
    with FONT_LOCK, capture(resources) as fetcher:
        return HTML(string=page_html, url_fetcher=fetcher).write_pdf(font_config=font_config([]), cache=WP_CACHE)


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
    from .. import spec as specmod
    from ..specbase import walk
    from ..yamlsrc import dotted

    out: dict[str, str] = {}
    for loc, rel in walk(specmod.Campaign, loaded.raw, specmod._AssetMarker):
        try:
            out.setdefault(str(loaded.asset(rel)), dotted(loc))
        except Exception:  # noqa: BLE001 — the loader reported it already
            continue
    return out
