"""Print sizes in millimetres, and how a print size becomes a layout size in pixels.

A print size is a named preset (``A4``, ``card``…), optionally turned with
``-landscape``, or a custom ``WxHmm`` (``120x180mm``).  Layout works in pixels, so a
print poster is laid out once at a pixel size with the trim's aspect ratio and then
painted twice — PNG (proof) and PDF (print) — from the same :class:`LayoutTree`.

Which pixel size?  The *design size of the frame the template uses for that aspect*:
the frame with the nearest aspect ratio is scaled by exactly 1 on its limiting side.
Text sizes, QR module sizes (whole pixels) and auto-fit then behave exactly as the
designer laid them out; the PDF scales the result to millimetres as vectors, so the
pixel size sets no print resolution (only photos have one: see
:func:`postergen.pdf.print_warnings`).

A template may add frames meant only for print (``print: true`` on a frame, e.g. a
frame designed at A4's 1:√2).  For a print size, :func:`for_print` keeps only those
frames when the template has any; :func:`for_raster` drops them for raster sizes.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass

MM_PER_INCH = 25.4

#: Named print sizes: name → (width mm, height mm, what it is for).
PRESETS: dict[str, tuple[float, float, str]] = {
    "A3": (297, 420, "ISO A3 store poster"),
    "A4": (210, 297, "ISO A4 flyer or counter poster"),
    "A5": (148, 210, "ISO A5 flyer"),
    "card": (90, 54, "parcel insert card (包裹卡), business-card size"),
    "parcel": (100, 150, "parcel insert card (包裹卡), 100×150 (4×6 in label size)"),
    "rollup": (800, 2000, "roll-up banner (易拉宝)"),
}
_CUSTOM = re.compile(r"^(\d{1,4}(?:\.\d{1,2})?)x(\d{1,4}(?:\.\d{1,2})?)mm$")
MIN_MM, MAX_MM = 20.0, 5000.0


@dataclass(frozen=True)
class PrintSize:
    """A trim size: the size of the printed piece after cutting (bleed excluded)."""

    name: str  # as normalised: 'A4', 'A4-landscape', 'card', '120x180mm'
    width_mm: float
    height_mm: float

    @property
    def trim_mm(self) -> tuple[float, float]:
        return (self.width_mm, self.height_mm)

    @property
    def slug(self) -> str:
        """For file names: 'A4', 'A4-landscape', 'card', '120x180mm'."""
        return self.name

    @property
    def aspect(self) -> float:
        return self.width_mm / self.height_mm


def _mm(value: float) -> str:
    return f"{value:g}"


def parse_print_size(text: str) -> PrintSize:
    """'A4', 'a4', 'A4-landscape', 'card', 'parcel', 'rollup' or 'WxHmm' → :class:`PrintSize`.

    Raises ``ValueError`` with a message that says what is accepted.
    """
    raw = str(text).strip()
    landscape = False
    base = raw
    if raw.lower().endswith("-landscape"):
        landscape, base = True, raw[: -len("-landscape")]
    preset = {k.lower(): k for k in PRESETS}.get(base.lower())
    if preset is not None:
        w, h, _ = PRESETS[preset]
        if landscape:
            w, h = max(w, h), min(w, h)
        return PrintSize(f"{preset}-landscape" if landscape else preset, float(w), float(h))
    m = _CUSTOM.match(raw.lower())
    if m:
        w, h = float(m[1]), float(m[2])
        if not (MIN_MM <= w <= MAX_MM and MIN_MM <= h <= MAX_MM):
            raise ValueError(
                f"'{raw}' is out of range: each side must be {MIN_MM:g}-{MAX_MM:g} mm"
            )
        return PrintSize(f"{_mm(w)}x{_mm(h)}mm", w, h)
    names = list(PRESETS)
    guess = difflib.get_close_matches(base, names + [n.lower() for n in names], n=1, cutoff=0.5)
    hint = f" — did you mean '{guess[0]}'?" if guess else ""
    raise ValueError(
        f"'{raw}' is not a print size{hint} (use {', '.join(names)}, any of them with "
        "'-landscape', or WIDTHxHEIGHTmm, e.g. '120x180mm')"
    )


def check_print_size(text: str) -> str:
    """Validator for spec fields: the text when it parses, else ``ValueError``."""
    parse_print_size(text)
    return text


# --------------------------------------------------------------------------- frames


def _is_print(frame) -> bool:
    return bool(getattr(frame, "print", False))


#: How much closer (in log aspect ratio) a screen frame must be than every print frame
#: for a print size to use it: a roll-up banner (1:2.5) is nearer the 9:16 portrait than
#: the 1:√2 print frame, an A5 flyer or a parcel card is not.
SCREEN_FRAME_MARGIN = 0.2


def for_print(template, size: "PrintSize | None" = None):
    """The template as seen by print sizes: only its print frames, when it has any —
    unless a screen frame fits *size*'s aspect ratio much better."""
    frames = {k: f for k, f in template.frames.items() if _is_print(f)}
    if not frames or len(frames) == len(template.frames):
        return template
    if size is not None:
        target = math.log(size.aspect)

        def gap(fs):
            return min(abs(math.log(f.size[0] / f.size[1]) - target) for f in fs)

        screens = [f for f in template.frames.values() if not _is_print(f)]
        if gap(frames.values()) - gap(screens) > SCREEN_FRAME_MARGIN:
            return for_raster(template)
    return template.model_copy(update={"frames": frames})


def for_raster(template):
    """The template as seen by raster sizes: without its print-only frames."""
    frames = {k: f for k, f in template.frames.items() if not _is_print(f)}
    if not frames or len(frames) == len(template.frames):
        return template
    return template.model_copy(update={"frames": frames})


def layout_size(template, size: PrintSize) -> tuple[int, int]:
    """The pixel size to lay *template* out at for the print size *size*.

    The trim's aspect ratio, at the design scale of the frame that aspect selects (the
    print frames when the template has any): the frame fits with scale 1 on its limiting
    side and the canvas extends on the other (full-canvas layers stretch, as for raster
    sizes whose aspect differs from the frame's).
    """
    a = size.aspect
    fw, fh = for_print(template, size).frame_for(size.width_mm, size.height_mm).size
    if fw / fh <= a:  # frame narrower than the trim: height is the limiting side
        h = fh
        w = round(fh * a)
    else:
        w = fw
        h = round(fw / a)
    return int(w), int(h)




def dpi_of(pixels: float, printed_mm: float) -> float:
    """Pixels per inch of *pixels* printed across *printed_mm*."""
    return pixels / (printed_mm / MM_PER_INCH) if printed_mm > 0 else math.inf


def output_path(folder: str, template: str, size: PrintSize) -> str:
    """Stable output path: ``posters/<folder>/<template>-<size>.pdf``."""
    return f"posters/{folder}/{template}-{size.slug}.pdf"
