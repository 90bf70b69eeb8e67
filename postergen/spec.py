"""The campaign spec: pydantic models, one per section of ``campaign.yaml``.

Fields that name files are typed :data:`AssetPath`; fields whose text ends up on a poster
are typed :data:`DisplayText`.  The loader finds both kinds by walking these models, so a
new field only needs the right type to be checked for missing files and missing glyphs.

The building blocks (the markers, :class:`Model`, :class:`Benefit`, :class:`Price`) are
in :mod:`postergen.specbase`, the landing page section in :mod:`postergen.landingspec`;
both are re-exported here, so every model can be imported from this module.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, ConfigDict, Field, field_validator

from .landingspec import (  # noqa: F401 — re-exported: the landing section
    Certification,
    Expert,
    Follow,
    Landing,
    LeadForm,
    Proof,
    Share,
    Stat,
    Testimonial,
    Thanks,
    WebLink,
)
from .specbase import (  # noqa: F401 — re-exported: the building blocks
    SIZE_RE,
    AssetPath,
    Benefit,
    DisplayText,
    Model,
    Price,
    UrlText,
    _AssetMarker,
    _check_colour,
    _check_size,
    _TextMarker,
    _UrlMarker,
    benefit_strings,
)


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


class Endorsement(Model):
    """A trust endorsement: certification, expert or customer review."""

    kind: Literal["certification", "expert", "review"] = Field(
        description="What kind of endorsement this is."
    )
    text: DisplayText = Field(description="The certification, the expert's line or the quote.")
    author: DisplayText | None = Field(
        default=None, description="Who said it (expert or reviewer name), drawn after the text."
    )


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
        default=None,
        description="Optional scarcity line: deadline or people joined. Empty, the built-in templates show "
        "mechanics.deadline there ('{mechanics.ends}').",
    )

    @field_validator("benefits", mode="before")
    @classmethod
    def _benefit_strings(cls, value):
        return benefit_strings(value)


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


def _check_print_size(size: str) -> str:
    from .printsizes import parse_print_size

    parse_print_size(size)  # ValueError says what is accepted
    return size


class PrintOutput(Model):
    """Print-ready PDFs (WeasyPrint), laid out once with the raster posters' templates."""

    sizes: list[Annotated[str, AfterValidator(_check_print_size)]] = Field(
        min_length=1,
        description="Print sizes: 'A3', 'A4', 'A5', 'card' (90×54 mm), 'parcel' (100×150 mm), "
        "'rollup' (800×2000 mm), any of them with '-landscape', or 'WIDTHxHEIGHTmm', e.g. '120x180mm'.",
    )
    bleed_mm: float = Field(default=3, ge=0, le=20, description="Bleed beyond the trim on each side, in mm.")
    crop_marks: bool = Field(default=False, description="Draw crop marks outside the bleed.")
    min_dpi: int = Field(
        default=300, ge=72, le=1200, description="Warn when a photo prints below this resolution (dots per inch)."
    )


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
    png_level: int = Field(
        default=1, ge=0, le=9,
        description="PNG (zlib) compression level, 0–9: the pixels are the same at every level; 1 (the default) is "
        "fast, 9 makes files ~12–16% smaller and the build slower (6 took a third of a PNG build).",
    )
    templates_dir: str = Field(
        default="templates",
        description="Folder (relative to the spec) searched for templates before the built-in ones.",
    )
    print: PrintOutput | None = Field(
        default=None, description="Print PDFs of every template in these print sizes (see docs/print.md)."
    )


class Tier(Model):
    """One step of a reward ladder (阶梯奖励): invite this many friends, get this."""

    invites: int = Field(ge=1, le=1000, description="Friends the inviter must bring for this step, e.g. 3.")
    reward: DisplayText = Field(description="What this step gives, e.g. '杨枝甘露 1 杯' (≤ 10 CJK characters reads best).")


def _check_deadline(value):
    # A deadline without a time zone means a different moment on every machine.
    import datetime as dt

    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = value.isoformat()
    elif isinstance(value, dt.datetime):
        info = getattr(value, "_yaml", None)  # ruamel's TimeStamp: a deep copy drops tzinfo, not this
        if value.tzinfo is None and isinstance(info, dict) and info.get("tz"):
            delta = info.get("delta") or dt.timedelta(0)
            value = value.replace(tzinfo=dt.timezone(delta if isinstance(delta, dt.timedelta) else dt.timedelta(0)))
        if value.tzinfo is None:
            value = value.isoformat(sep=" ")
        else:  # ruamel's TimeStamp as a plain datetime
            value = dt.datetime(*value.timetuple()[:6], value.microsecond, tzinfo=value.tzinfo)
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            raise ValueError(
                f"'{value}' is not a date and time with a time zone; write it as "
                "'2025-07-14T23:59:00+08:00' (date, 'T', time, offset from UTC)"
            )
        return parsed
    return value


class Mechanics(Model):
    """The fission mechanics as data: threshold, reward ladder, rewards, stock, deadline.

    Poster and page copy uses them as bindings (``邀{mechanics.threshold}位好友``), the
    built-in templates draw the ladder and the deadline, and variants can vary them.
    """

    threshold: int | None = Field(
        default=None,
        ge=1,
        le=1000,
        description="Friends an inviter must bring to unlock the reward (助力/任务宝), e.g. 3; keep it at 15 or "
        "less (validate warns above). Default: the first tier's invites.",
    )
    tiers: list[Tier] = Field(
        default_factory=list,
        max_length=5,
        description="Reward ladder (阶梯奖励), lowest step first, up to 5 steps, e.g. [{invites: 3, reward: 1 杯}, "
        "{invites: 6, reward: 3 杯}]; the first step is the threshold.",
    )
    inviter_reward: DisplayText | None = Field(
        default=None, description="What the inviter gets at the threshold; default: the first tier's reward."
    )
    invitee_reward: DisplayText | None = Field(
        default=None, description="What each invited friend gets (互惠式: both sides win), e.g. '新人券 10 元'."
    )
    stock: int | None = Field(
        default=None, ge=1, description="Rewards available in all (the reward pool), e.g. 5000: '限量{mechanics.stock}杯'."
    )
    deadline: Annotated[AwareDatetime, BeforeValidator(_check_deadline)] | None = Field(
        default=None,
        description="When the campaign ends: a date and time with its time zone, e.g. '2025-07-14T23:59:00+08:00'; "
        "validate warns when it has passed or is less than a day away.",
    )
    participants: int | None = Field(
        default=None, ge=0, description="People who joined so far, for a crowd line: '{mechanics.participants} 人已参与'."
    )


#: Media (utm_medium) of printed channels when ``printed`` is not given.
PRINT_MEDIA = ("offline", "print")


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
    printed: bool | None = Field(
        default=None,
        description="A print channel (store poster, 包裹卡): it gets the print sizes (output.print, A4 without it) "
        "and no screen sizes, a 扫码 call to action and the brand header. Default: true when medium is "
        "'offline' or 'print'.",
    )
    set: dict[str, Any] = Field(
        default_factory=dict,
        description="Overrides for this channel only, as dotted field paths like a variant's, e.g. "
        "{poster.cta: 到店扫码领取, output.templates: [minimal], inviter: null}.",
    )

    @property
    def is_printed(self) -> bool:
        """Whether this channel is printed: ``printed``, else its medium says so."""
        if self.printed is not None:
            return self.printed
        return self.medium.strip().lower() in PRINT_MEDIA


#: Query parameters with a meaning of their own: the inviter ('ref', carried by the landing
#: page's script) and a forced A/B variant ('ab', read by the split page).
RESERVED_PARAMS = ("ref", "ab")


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
    short_base: UrlText | None = Field(
        default=None,
        description="Base of the short form '<short_base>/c/<code>'; when set, QR codes carry the short "
        "form and build writes a redirect page per code.",
        pattern=r"^https?://[^\s?#]+$",
    )

    @field_validator("code_param")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        # The QR URL's UTM values (and the landing script's 'ref', the split page's 'ab')
        # would overwrite the code: every QR code would lose it while the manifest lists it.
        if value.startswith("utm_") or value in RESERVED_PARAMS:
            raise ValueError(
                f"'{value}' is a parameter postergen already uses ({', '.join(('utm_*',) + RESERVED_PARAMS)}): "
                "the code would be dropped from every QR URL; use another name, e.g. 'c' or 'code'"
            )
        return value


# --------------------------------------------------------------------------- variants

_SLUG = r"^[a-z0-9][a-z0-9_-]{0,39}$"


class Variant(Model):
    """A named A/B variant: overrides of the base campaign."""

    name: str = Field(description="Variant name used in paths, codes and utm_content, e.g. 'a' or 'cash-5'.", pattern=_SLUG)
    weight: float = Field(
        default=1,
        ge=0.001,
        le=1000,
        allow_inf_nan=False,
        description="Share of visitors the split page sends here (relative, 0.001 to 1000).",
    )
    set: dict[str, Any] = Field(
        default_factory=dict,
        description="Overrides as dotted field paths, e.g. {poster.headline: 邀5位好友, theme.primary: '#137A5B', "
        "output.templates: [photo]}. Empty for the control.",
    )


class Factor(Model):
    """One factor of a variant matrix and its levels."""

    name: str = Field(description="Factor name, e.g. 'headline', 'reward', 'colour'.", pattern=_SLUG)
    field: str | None = Field(
        default=None,
        description="The dotted field each level sets, e.g. 'poster.headline'. Without it, each level is a "
        "mapping of dotted fields to values (a factor that changes several fields).",
    )
    levels: dict[str, Any] = Field(
        min_length=1, description="Level name → value (or → {dotted.field: value} without `field`)."
    )

    @field_validator("levels")
    @classmethod
    def _level_names(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name in value:
            if not re.match(_SLUG, str(name)):
                raise ValueError(f"level name '{name}' must be lowercase letters, digits, '-' or '_'")
        return value


class Matrix(Model):
    """Variants as every combination of factor levels (headline × reward × colour)."""

    factors: list[Factor] = Field(min_length=1, description="The factors, in the order their levels appear in names.")
    exclude: list[dict[str, str]] = Field(
        default_factory=list,
        description="Combinations to leave out, e.g. [{reward: cash, colour: green}] (every given factor must match).",
    )
    cap: int | None = Field(
        default=None,
        ge=1,
        le=1000,
        description="Keep at most this many variants (in expansion order; at most 1000). Without it, a matrix "
        "of more than 50 combinations is an error.",
    )


class Site(Model):
    """How the campaign's web site (landing pages, short links, thank-you page) is served."""

    server: Literal["static", "postergen"] = Field(
        default="static",
        description="'static': any static host (Netlify, Cloudflare Pages, nginx, object storage); the lead "
        "form posts to landing.form.endpoint. 'postergen': served by postergen serve, which keeps leads "
        "itself: the form posts to /api/lead on the same host and pages send view events to /api/event "
        "(see docs/deploy.md).",
    )


class Campaign(Model):
    """A referral campaign: the root of ``campaign.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="postergen campaign spec")

    version: Literal[1] = Field(default=1, description="Spec format version; always 1 for now.")
    campaign: CampaignInfo = Field(description="Campaign id and name.")
    landing_url: UrlText = Field(
        description="Where the campaign's landing page lives: an http(s) URL. With a landing: section it is "
        "where the built site (OUT/site/) is served, e.g. 'https://h5.example.com/tea/invite' → pages at "
        "https://h5.example.com/tea/invite/landing/<variant>/<channel>/; without one, the URL of your own page.",
        pattern=r"^https?://[^\s/$.?#][^\s]*$",
    )
    brand: Brand = Field(description="Brand shown in the trust header.")
    inviter: Inviter | None = Field(
        default=None, description="Inviter shown in the trust header instead of the brand."
    )
    poster: Poster = Field(description="Poster copy.")
    mechanics: Mechanics | None = Field(
        default=None,
        description="Fission mechanics as data: threshold, reward tiers, rewards, stock, deadline (see "
        "docs/mechanics.md); copy uses them as '{mechanics.threshold}'.",
    )
    theme: Theme = Field(default_factory=Theme, description="Colours, background, fonts.")
    qr: QR = Field(default_factory=QR, description="QR code settings.")
    output: Output = Field(default_factory=Output, description="What to render.")
    channels: list[Channel] = Field(
        default_factory=list,
        description="Distribution channels; one poster set per channel, each with its own code. "
        "Without channels the QR code carries landing_url as it is.",
    )
    tracking: Tracking = Field(default_factory=Tracking, description="Tracking codes and URLs.")
    variants: list[Variant] = Field(
        default_factory=list,
        description="Named A/B variants (overrides of this base campaign). With variants or a matrix, only "
        "the variants are rendered; a variant with no overrides is the control.",
    )
    matrix: Matrix | None = Field(default=None, description="Variants as a matrix of factors.")
    landing: Landing | None = Field(
        default=None,
        description="The H5 landing pages; with this section build writes the campaign's web site "
        "(OUT/site/, see docs/deploy.md) and QR codes lead to its pages. Without it posters carry "
        "landing_url with the code and UTM parameters, for a landing page of your own.",
    )
    site: Site = Field(default_factory=Site, description="How the web site is served.")

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
