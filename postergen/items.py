"""The layout tree: what layout decides and both painters draw (plain, JSON-able data).

:class:`LayoutTree` and its items (text lines, shapes, images, marks, the QR code), and the
two rounding rules every layout step shares (:func:`ibox`: whole pixels; :func:`sizes`: a
font size range at a scale).  Layout (``layout.py``) and the layers laid out on their own
(``ladder.py``) make them; ``paint.py`` and ``pdf/`` draw them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .fit import FLOOR

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Line:
    text: str
    x: float  # left edge of the line
    baseline: float
    width: float


@dataclass(frozen=True)
class ShapeItem:
    part: str
    id: str | None
    box: Box
    shape: str = "rect"
    fill: str | None = None
    gradient: tuple[str, ...] | None = None
    angle: float = 180
    radius: float = 0
    stroke: str | None = None
    stroke_width: float = 0
    kind: str = "shape"


@dataclass(frozen=True)
class ImageItem:
    part: str
    id: str | None
    box: Box
    src: str
    fit: str = "cover"
    focal: tuple[float, float] = (0.5, 0.5)
    mask: str = "none"
    radius: float = 0
    align: str = "center"
    ring: str | None = None
    ring_width: float = 0
    kind: str = "image"


@dataclass(frozen=True)
class TextItem:
    part: str
    id: str | None
    box: Box  # the ink box: where the lines are
    fonts: tuple[str, ...]
    size: int
    color: str
    lines: tuple[Line, ...]
    strike: bool = False
    truncated: bool = False
    kind: str = "text"


@dataclass(frozen=True)
class MarkItem:
    """A bullet: a check mark, dot or number in a circle."""

    part: str
    id: str | None
    box: Box
    mark: str
    color: str
    label: str = ""
    fonts: tuple[str, ...] = ()
    kind: str = "mark"


@dataclass(frozen=True)
class QRItem:
    part: str
    id: str | None
    box: Box  # the symbol including its quiet zone
    data: str
    error: str
    version: int
    module: int
    rows: tuple[str, ...]
    dark: str
    light: str
    logo: str | None = None
    logo_box: Box | None = None
    radius: float = 0
    kind: str = "qr"


Item = ShapeItem | ImageItem | TextItem | MarkItem | QRItem


@dataclass(frozen=True)
class LayoutTree:
    width: int
    height: int
    template: str
    frame: str
    scale: float
    items: tuple[Item, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return asdict(self)

    def parts(self) -> dict[str, Box]:
        """The bounding box of each of the four parts (decor excluded)."""
        out: dict[str, list[int]] = {}
        for item in self.items:
            if item.part == "decor":
                continue
            x, y, w, h = item.box
            b = out.setdefault(item.part, [x, y, x + w, y + h])
            b[0], b[1], b[2], b[3] = min(b[0], x), min(b[1], y), max(b[2], x + w), max(b[3], y + h)
        return {k: (v[0], v[1], v[2] - v[0], v[3] - v[1]) for k, v in out.items()}


def ibox(box) -> Box:
    """Whole pixels: the position and the size are rounded each on their own, so a
    square box (an avatar, a bullet) stays square at every scale."""
    x, y, w, h = box
    return (round(x), round(y), round(w), round(h))


def sizes(size: tuple[float, float], s: float) -> tuple[int, int]:
    lo, hi = max(FLOOR, round(size[0] * s)), max(FLOOR, round(size[1] * s))
    return min(lo, hi), hi
