"""Poster templates: layers with boxes and bindings, stored as YAML files.

A template has one or more *frames*, each designed at a pixel size (a 9:16 portrait,
a 3:4, a square…).  A poster size uses the frame whose aspect ratio is closest and scales
it uniformly; layers marked ``full`` stretch to the whole canvas.  Templates are found on
a search path: the campaign's own ``templates/`` folder first, then the built-in ones, so
a campaign overrides a built-in template by giving its file the same name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from .bundled import TEMPLATES_DIR

BUILTIN_DIR = TEMPLATES_DIR / "posters"

Part = Literal["header", "headline", "body", "cta", "decor"]
Box = tuple[float, float, float, float]


class _Layer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str | None = Field(default=None, description="Name used in error messages.")
    part: Part = Field(default="decor", description="Which of the four poster parts this layer belongs to.")
    box: Box = Field(description="x, y, width, height in frame pixels.")
    when: str | None = Field(
        default=None,
        description="Draw only when this binding has a value, e.g. 'inviter' or '!inviter'.",
    )
    full: bool = Field(default=False, description="Stretch to the whole canvas (backgrounds).")


class ShapeLayer(_Layer):
    type: Literal["shape"]
    shape: Literal["rect", "ellipse"] = "rect"
    fill: str | None = Field(
        default=None,
        description="Colour ('$primary', '#RRGGBB', '$primary@0.2' for 20% opacity), "
        "'background' for the theme background, or null.",
    )
    gradient: list[str] | None = Field(default=None, description="Colours of a linear gradient.")
    angle: float = 180
    radius: float | str = Field(default=0, description="Corner radius in px, or '$radius'.")
    stroke: str | None = None
    stroke_width: float = 0


class ImageLayer(_Layer):
    type: Literal["image"]
    bind: str = Field(description="Asset binding: 'brand.logo', 'inviter.avatar', 'background.image'.")
    fit: Literal["cover", "contain"] = "cover"
    mask: Literal["none", "circle", "rounded"] = "none"
    radius: float | str = 0
    align: Literal["left", "center", "right"] = "center"
    ring: str | None = Field(default=None, description="Colour of a ring drawn around a circle mask.")
    ring_width: float = 0


class TextLayer(_Layer):
    type: Literal["text"]
    text: str = Field(description="Text with bindings in braces, e.g. '{poster.headline}'.")
    font: Literal["heading", "body"] = "body"
    color: str = "$text"
    size: tuple[float, float] = Field(description="Smallest and largest font size in px.")
    max_lines: int = Field(default=1, ge=1, le=20)
    leading: float = Field(default=1.3, ge=0.8, le=3)
    align: Literal["left", "center", "right"] = "left"
    valign: Literal["top", "middle", "bottom"] = "top"
    overflow: Literal["shrink", "ellipsis", "error"] = "shrink"
    strike: bool = False
    balance: bool = Field(default=True, description="Even out line lengths (no lone last character).")
    pill: str | None = Field(default=None, description="Fill colour of a pill drawn behind the text.")
    pill_padding: tuple[float, float] = (0.6, 0.25)


class ListLayer(_Layer):
    type: Literal["list"]
    bind: Literal["poster.benefits", "poster.endorsements"]
    font: Literal["heading", "body"] = "body"
    color: str = "$text"
    size: tuple[float, float]
    max_lines: int = Field(default=2, ge=1, le=6, description="Lines per item.")
    leading: float = 1.3
    gap: float = Field(default=0.6, description="Space between items, in em.")
    bullet: Literal["check", "dot", "number", "none"] = "check"
    bullet_color: str = "$primary"
    author_color: str = "$muted"
    valign: Literal["top", "middle", "bottom", "spread"] = "top"
    columns: int = Field(default=1, ge=1, le=3)
    balance: bool = True
    overflow: Literal["shrink", "ellipsis", "error"] = "shrink"


class PriceLayer(_Layer):
    type: Literal["price"]
    size: tuple[float, float] = Field(description="Size range of the price now; the rest is relative.")
    color: str = "$primary"
    muted: str = "$muted"
    align: Literal["left", "center", "right"] = "left"


class LadderLayer(_Layer):
    """The reward ladder (阶梯奖励) of ``mechanics.tiers``: one step per tier, a badge
    ('邀3人') over (row) or beside (column) its reward, the badges joined by a rail."""

    type: Literal["ladder"]
    bind: Literal["mechanics.ladder", "mechanics.tiers"] = Field(
        default="mechanics.ladder",
        description="'mechanics.ladder': the tiers, or one step (threshold → inviter reward) without them.",
    )
    direction: Literal["row", "column"] = Field(
        default="row", description="'row': steps side by side, badge over reward; 'column': steps one under another."
    )
    size: tuple[float, float] = Field(description="Smallest and largest size of the reward text, in px.")
    font: Literal["heading", "body"] = Field(default="heading", description="Font of the reward text.")
    color: str = Field(default="$text", description="Reward text colour.")
    label: str = Field(default="{label}", description="Badge text: '{label}' ('邀3人' / '3 friends') or '{invites}'.")
    badge: str = Field(default="$primary", description="Badge fill.")
    badge_text: str = Field(default="$on_primary", description="Badge text colour.")
    top_badge: str | None = Field(default="$accent", description="The last (highest) step's badge fill; null: as the others.")
    top_badge_text: str = Field(default="$text", description="The last step's badge text colour.")
    rail: str | None = Field(default="$primary@0.3", description="Colour of the rail joining the badges; null: none.")
    max_lines: int = Field(default=2, ge=1, le=4, description="Lines per reward.")
    leading: float = Field(default=1.25, ge=0.8, le=3)
    valign: Literal["top", "middle", "bottom"] = "middle"
    align: Literal["left", "center"] | None = Field(
        default=None,
        description="Steps set one under another (and a single step): at the left or centred; default: a "
        "column at the left, a row's single step centred.",
    )


class QRLayer(_Layer):
    type: Literal["qr"]
    align: Literal["left", "center", "right"] = "center"
    radius: float | str = 0
    padding: bool = Field(default=True, description="Draw the 4-module quiet zone in the light colour.")


Layer = Annotated[
    Union[ShapeLayer, ImageLayer, TextLayer, ListLayer, PriceLayer, LadderLayer, QRLayer],
    Field(discriminator="type"),
]


class Frame(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    size: tuple[Annotated[int, Field(ge=16, le=20000)], Annotated[int, Field(ge=16, le=20000)]] = Field(
        description="Design size in px (16 to 20000 each)."
    )
    layers: list[Layer]
    print: bool = Field(
        default=False,
        description="A print-only variant (e.g. designed at A4's 1:√2): print sizes choose among a "
        "template's print frames when it has any, raster sizes never use them.",
    )


class Template(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    frames: dict[str, Frame] = Field(min_length=1)
    no_qr: bool = Field(
        default=False,
        description="The template deliberately has no QR layer (e.g. a teaser); without it, a frame "
        "with no qr layer is an error, since a share poster without a QR code leads nowhere.",
    )

    #: (file as shown, {(frame, layer index): line}), set by the loader: where a layer is
    #: written, for layout errors.
    _source: tuple = PrivateAttr(default=("", {}))

    def layer_at(self, frame: str, index: int) -> str | None:
        """'templates/x.yaml:12': where layer *index* of *frame* is written (None unknown)."""
        file, lines = self._source
        line = lines.get((frame, index))
        return f"{file}:{line}" if file and line else (file or None)

    def frames_without_qr(self) -> list[str]:
        """Names of the frames that draw no QR code."""
        return [name for name, f in self.frames.items() if not any(layer.type == "qr" for layer in f.layers)]

    def frame_for(self, width: int, height: int, for_print: bool = False) -> Frame:
        """The frame whose aspect ratio is closest to width:height.

        Frames marked ``print: true`` are used only for print output (and screen frames
        only for screens), unless the template has no frame of the other kind.
        """
        import math

        target = math.log(width / height)
        frames = [f for f in self.frames.values() if f.print == for_print] or list(self.frames.values())
        return min(frames, key=lambda f: (abs(math.log(f.size[0] / f.size[1]) - target), f.size))


def search_path(campaign_dir: Path | None, templates_dir: str = "templates") -> list[Path]:
    paths = []
    if campaign_dir is not None:
        paths.append(campaign_dir / templates_dir)
    paths.append(BUILTIN_DIR)
    return paths


_DIGESTS: dict[int, tuple["Template", str]] = {}


def content_digest(template: "Template") -> str:
    """The sha256 (hex) of *template*'s content, worked out once per template object
    (templates are frozen): what a static base and a poster's input hash are keyed by."""
    hit = _DIGESTS.get(id(template))
    if hit is None or hit[0] is not template:
        import hashlib

        hit = _DIGESTS[id(template)] = (template, hashlib.sha256(template.model_dump_json().encode()).hexdigest())
        if len(_DIGESTS) > 256:
            _DIGESTS.pop(next(iter(_DIGESTS)))
    return hit[1]


def builtin_names() -> list[str]:
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.yaml"))


def find_template(name: str, paths: list[Path]) -> Path | None:
    for folder in paths:
        candidate = folder / f"{name}.yaml"
        try:
            if candidate.exists():  # a folder or a pipe is then reported by the loader
                return candidate
        except (OSError, ValueError):  # a name too long, or with a NUL
            return None
    return None
