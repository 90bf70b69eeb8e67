"""The campaign spec: pydantic models, one per section of ``campaign.yaml``.

Fields that name files are typed :data:`AssetPath`; fields whose text ends up on a poster
are typed :data:`DisplayText`.  The loader finds both kinds by walking these models, so a
new field only needs the right type to be checked for missing files and missing glyphs.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator


class _AssetMarker:
    """Marks a string field as a path to a local file, relative to the spec."""


class _TextMarker:
    """Marks a string field as text drawn on a poster (checked for glyph coverage)."""


AssetPath = Annotated[str, _AssetMarker()]
DisplayText = Annotated[str, _TextMarker()]

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
SIZE_RE = re.compile(r"^(\d{2,5})x(\d{2,5})$")


def _check_colour(value: str) -> str:
    if not _HEX.match(value):
        raise ValueError(f"'{value}' is not a colour; write it as #RRGGBB, e.g. '#E8432E'")
    return value


def _check_size(size: str) -> str:
    # Checked per item, so a problem points at the very size that is wrong.
    m = SIZE_RE.match(size)
    if not m:
        raise ValueError(f"'{size}' is not a size; write WIDTHxHEIGHT, e.g. '1080x1920'")
    w, h = int(m[1]), int(m[2])
    if not (200 <= w <= 4000 and 200 <= h <= 6000):
        raise ValueError(f"'{size}' is out of range: width 200-4000 px, height 200-6000 px")
    return size


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CampaignInfo(Model):
    """Who runs the campaign and what it is called."""

    id: str = Field(
        description="Short campaign id used in file names and utm_campaign: lowercase "
        "letters, digits and dashes, e.g. 'tea-invite-3'.",
        pattern=r"^[a-z0-9][a-z0-9-]{0,62}$",
    )
    name: str = Field(description="Human name of the campaign (not drawn on posters).")


class Brand(Model):
    """The brand shown in the trust header when no inviter is given."""

    name: DisplayText = Field(description="Brand name, drawn next to the logo.")
    logo: AssetPath | None = Field(
        default=None, description="Logo image (PNG with transparency works best)."
    )
    slogan: DisplayText | None = Field(default=None, description="Short line under the brand name.")


class Inviter(Model):
    """The sharing friend: a face beats a logo for trust."""

    nickname: DisplayText = Field(description="Inviter's nickname, e.g. '小李'.")
    avatar: AssetPath | None = Field(default=None, description="Avatar image, cropped to a circle.")
    line: DisplayText = Field(
        default="推荐你一起来", description="Line under the nickname, e.g. '推荐你一起来'."
    )


class Benefit(Model):
    """One short benefit point of the body."""

    text: DisplayText = Field(description="The benefit, ideally under 16 characters.")
    icon: AssetPath | None = Field(default=None, description="Optional square icon image.")


class Endorsement(Model):
    """A trust endorsement: certification, expert or customer review."""

    kind: Literal["certification", "expert", "review"] = Field(
        description="What kind of endorsement this is."
    )
    text: DisplayText = Field(description="The certification, the expert's line or the quote.")
    author: DisplayText | None = Field(
        default=None, description="Who said it (expert or reviewer name), drawn after the text."
    )


class Price(Model):
    """A price anchor: original price struck through against the price now."""

    now: DisplayText = Field(description="Price now, e.g. '0' or '9.9' (drawn large).")
    original: DisplayText | None = Field(default=None, description="Original price, struck through.")
    currency: DisplayText = Field(default="¥", description="Currency sign drawn before prices.")
    label: DisplayText | None = Field(default=None, description="Label before the price, e.g. '限时价'.")


class Poster(Model):
    """What the poster says, part by part."""

    headline: DisplayText = Field(description="The attention point: large, short (≤ 14 CJK characters reads best).")
    subheadline: DisplayText | None = Field(default=None, description="One line that supports the headline.")
    benefits: list[Benefit] = Field(
        min_length=2, max_length=6, description="2 to 6 short benefit points."
    )
    endorsements: list[Endorsement] = Field(
        default_factory=list, max_length=3, description="Up to 3 trust endorsements."
    )
    cta: DisplayText = Field(default="长按识别二维码", description="Call to action next to the QR code.")
    price: Price | None = Field(default=None, description="Optional price anchor.")
    scarcity: DisplayText | None = Field(
        default=None, description="Optional scarcity line: deadline or people joined."
    )

    @field_validator("benefits", mode="before")
    @classmethod
    def _benefit_strings(cls, value):
        # A benefit may be written as a plain string.
        if isinstance(value, list):
            return [{"text": v} if isinstance(v, str) else v for v in value]
        return value


class Gradient(Model):
    """A linear gradient."""

    colors: list[Annotated[str, AfterValidator(_check_colour)]] = Field(
        min_length=2, max_length=4, description="2 to 4 colours, #RRGGBB."
    )
    angle: float = Field(default=180, description="Degrees: 180 runs top to bottom, 90 left to right.")


class Background(Model):
    """The poster background: a colour, a gradient or an image (cover-fitted)."""

    color: str | None = Field(default=None, description="Solid colour, #RRGGBB.")
    gradient: Gradient | None = Field(default=None, description="Linear gradient.")
    image: AssetPath | None = Field(default=None, description="Background or hero photo.")
    focal: tuple[float, float] = Field(
        default=(0.5, 0.5), description="Focal point (x, y) in 0..1 kept in view when cropping."
    )

    @field_validator("color")
    @classmethod
    def _colour(cls, value: str | None) -> str | None:
        return value if value is None else _check_colour(value)

    @field_validator("focal")
    @classmethod
    def _focal(cls, value):
        if not all(0 <= v <= 1 for v in value):
            raise ValueError("focal point coordinates must be between 0 and 1")
        return value


class Fonts(Model):
    """Fonts: bundled families by default; your own font files otherwise."""

    heading: str = Field(
        default="bundled:bold",
        description="Font for headlines: 'bundled:bold', 'bundled:regular' or a path to a .ttf/.otf.",
    )
    body: str = Field(default="bundled:regular", description="Font for the other text, same forms.")
    fallback: list[AssetPath] = Field(
        default_factory=list,
        description="Extra font files tried, in order, for characters the main fonts lack.",
    )


class Theme(Model):
    """Colours, background, fonts and corner radius shared by posters and pages."""

    primary: str = Field(default="#E8432E", description="Main brand colour (blocks, buttons).")
    accent: str = Field(default="#FFC53D", description="Highlight colour (price, badges).")
    text: str = Field(default="#1F1F1F", description="Main text colour on light surfaces.")
    muted: str = Field(default="#6B6B6B", description="Secondary text colour.")
    on_primary: str = Field(default="#FFFFFF", description="Text colour on the primary colour.")
    surface: str = Field(default="#FFFFFF", description="Card colour.")
    background: Background | str = Field(
        default_factory=lambda: Background(color="#FFF6EE"),
        description="Background: a colour string or a background object.",
    )
    radius: int = Field(default=28, ge=0, le=200, description="Corner radius of cards, in px at 1080 wide.")
    fonts: Fonts = Field(default_factory=Fonts, description="Fonts.")

    @field_validator("primary", "accent", "text", "muted", "on_primary", "surface")
    @classmethod
    def _colours(cls, value: str) -> str:
        return _check_colour(value)

    @field_validator("background", mode="before")
    @classmethod
    def _background(cls, value):
        if isinstance(value, str):
            return {"color": value}
        return value


class QR(Model):
    """The QR code of the conversion entry."""

    error_correction: Literal["L", "M", "Q", "H", "auto"] = Field(
        default="auto",
        description="Error correction level; 'auto' is H with a centre logo (it survives the "
        "covered modules) and M without.",
    )
    logo: AssetPath | None = Field(default=None, description="Optional centre logo.")
    logo_size: float = Field(
        default=0.22,
        gt=0,
        le=0.44,
        description="Logo width as a share of the QR width (0.44 at most: 20% of the area).",
    )
    dark: str = Field(default="#111111", description="Module colour.")
    light: str = Field(default="#FFFFFF", description="Background colour behind the code.")

    @field_validator("dark", "light")
    @classmethod
    def _colours(cls, value: str) -> str:
        return _check_colour(value)


Format = Literal["png", "jpeg", "webp"]


class Output(Model):
    """What to render."""

    templates: list[str] = Field(
        default_factory=lambda: ["bold"],
        min_length=1,
        description="Template names: built-in ('bold', 'photo', 'minimal') or your own in templates_dir.",
    )
    sizes: list[Annotated[str, AfterValidator(_check_size)]] = Field(
        default_factory=lambda: ["1080x1920"],
        min_length=1,
        description="Sizes as WIDTHxHEIGHT in px, e.g. '1080x1920', '750x1334', '1080x1080', '1242x1660'.",
    )
    formats: list[Format] = Field(default_factory=lambda: ["png"], min_length=1, description="png, jpeg and/or webp.")
    quality: int = Field(default=90, ge=1, le=100, description="JPEG/WebP quality.")
    templates_dir: str = Field(
        default="templates",
        description="Folder (relative to the spec) searched for templates before the built-in ones.",
    )


class Channel(Model):
    """One distribution channel; each gets its own tracking code and posters."""

    id: str = Field(
        description="Channel id used in file names and as utm_source: lowercase letters, digits, "
        "'-' and '_', e.g. 'moments'.",
        pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$",
    )
    name: str = Field(description="Display name, e.g. '朋友圈' (for tables and hand-offs).")
    medium: str = Field(default="social", description="utm_medium, e.g. 'social', 'offline', 'sms'.")
    source: str | None = Field(
        default=None, description="utm_source when it should differ from the id (may be Chinese)."
    )
    printed: bool = Field(default=False, description="True for print channels (store posters, 包裹卡).")


class Tracking(Model):
    """How tracking codes and QR URLs are made."""

    secret_env: str | None = Field(
        default=None,
        description="Name of the environment variable holding the campaign secret that codes are "
        "derived from. Without it codes are guessable (validate warns).",
        pattern=r"^[A-Z_][A-Z0-9_]*$",
    )
    code_length: int = Field(default=8, ge=6, le=10, description="Characters per code (6-10).")
    code_param: str = Field(default="c", pattern=r"^[a-z_][a-z0-9_]{0,15}$", description="Query parameter carrying the code.")
    short_base: str | None = Field(
        default=None,
        description="Base of the short form '<short_base>/c/<code>'; when set, QR codes carry the short "
        "form and build writes a redirect page per code.",
        pattern=r"^https?://[^\s?#]+$",
    )


class Campaign(Model):
    """A referral campaign: the root of ``campaign.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="postergen campaign spec")

    version: Literal[1] = Field(default=1, description="Spec format version; always 1 for now.")
    campaign: CampaignInfo = Field(description="Campaign id and name.")
    landing_url: str = Field(
        description="Where the QR code leads: an http(s) URL of the landing page.",
        pattern=r"^https?://[^\s/$.?#][^\s]*$",
    )
    brand: Brand = Field(description="Brand shown in the trust header.")
    inviter: Inviter | None = Field(
        default=None, description="Inviter shown in the trust header instead of the brand."
    )
    poster: Poster = Field(description="Poster copy.")
    theme: Theme = Field(default_factory=Theme, description="Colours, background, fonts.")
    qr: QR = Field(default_factory=QR, description="QR code settings.")
    output: Output = Field(default_factory=Output, description="What to render.")
    channels: list[Channel] = Field(
        default_factory=list,
        description="Distribution channels; one poster set per channel, each with its own code. "
        "Without channels the QR code carries landing_url as it is.",
    )
    tracking: Tracking = Field(default_factory=Tracking, description="Tracking codes and URLs.")

    @field_validator("channels")
    @classmethod
    def _unique_channels(cls, value: list[Channel]) -> list[Channel]:
        seen = set()
        for ch in value:
            if ch.id in seen:
                raise ValueError(f"channel id '{ch.id}' is used twice; channel ids must be unique")
            seen.add(ch.id)
        return value


def parse_size(size: str) -> tuple[int, int]:
    m = SIZE_RE.match(size)
    if not m:
        raise ValueError(size)
    return int(m[1]), int(m[2])
