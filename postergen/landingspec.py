"""The landing page section of the spec (``landing:``): the page, its lead form, follow
block, proof, share metadata and thank-you page.

Re-exported by :mod:`postergen.spec` (``from postergen.spec import Landing``); the
campaign model there holds :class:`Landing`.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from .specbase import AssetPath, Benefit, DisplayText, Model, Price, _UrlMarker, benefit_strings

_LINK = re.compile(r"^https?://[^\s/?#\x00-\x1f\x7f]+[^\s\x00-\x1f\x7f]*$", re.IGNORECASE)


def _check_link(value: str) -> str:
    # Only web links: a 'javascript:' or 'data:' link in a page is a script injection.
    if not _LINK.match(value):
        raise ValueError(
            f"'{value}' is not a web link: only http:// and https:// links are allowed "
            "(javascript:, data:, relative and other links are refused)"
        )
    return value


WebLink = Annotated[str, AfterValidator(_check_link), _UrlMarker()]


def _check_pattern(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"'{value}' is not a regular expression ({exc})") from None
    if "\n" in value:
        raise ValueError(f"'{value}': a phone pattern may not contain line breaks")
    # Browsers compile the pattern attribute with the 'v' flag, which is stricter inside
    # [...] than Python: these characters must be escaped there (else the check is skipped).
    in_class, escaped = False, False
    for i, ch in enumerate(value):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif not in_class and ch == "[":
            in_class, start = True, i
        elif in_class and ch == "]":
            in_class = False
        elif in_class and (ch in "()[{}/|" or (ch == "-" and (i == start + 1 or value[i + 1 : i + 2] == "]"))):
            raise ValueError(f"'{value}': escape '{ch}' inside [...] as '\\{ch}' (browsers read patterns with the 'v' flag)")
    return value


class LeadForm(Model):
    """The lead form: mobile number (and an optional name) with consent, posted to your endpoint."""

    endpoint: WebLink | None = Field(
        default=None,
        description="Where the form is sent (HTTP POST, form-encoded; the contract is in docs/deploy.md): "
        "your lead-collection URL, e.g. 'https://api.example.com/leads'. Required unless the site is "
        "served by postergen serve (site.server: postergen), which takes leads at /api/lead itself.",
    )
    privacy_url: WebLink = Field(
        description="Link to your privacy notice (个人信息保护说明), shown next to the consent box (PIPL)."
    )
    title: DisplayText | None = Field(
        default=None, description="Heading of the form; default '填写手机号，立即领取' (en: 'Claim your offer')."
    )
    ask_name: bool = Field(default=True, description="Show an optional name field.")
    name_label: DisplayText | None = Field(default=None, description="Label of the name field; default '称呼' (en: 'Name').")
    name_placeholder: DisplayText | None = Field(
        default=None, description="Grey hint inside the empty name field; default '选填' (en: 'optional')."
    )
    phone_label: DisplayText | None = Field(default=None, description="Label of the phone field; default '手机号' (en: 'Mobile').")
    phone_placeholder: DisplayText | None = Field(
        default=None, description="Grey hint inside the empty phone field; default '请输入 11 位手机号'."
    )
    phone_pattern: Annotated[str, AfterValidator(_check_pattern)] | None = Field(
        default=None,
        description="Regular expression the number must match, checked by the browser (also without "
        "JavaScript); default: a China mainland mobile number, written as autofill inserts it or not "
        "('13812345678', '+86 138 1234 5678', '138-1234-5678'; the page sends it as 13812345678), "
        "other languages: 6 to 20 digits, spaces, dashes, brackets and a leading '+'.",
    )
    phone_hint: DisplayText | None = Field(
        default=None,
        description="Shown by the browser when the number does not match; default '请输入正确的 11 位手机号'.",
    )
    consent: DisplayText | None = Field(
        default=None,
        description="Text of the (unchecked, required) consent box, before the privacy link; default '我已阅读并同意'.",
    )
    privacy_label: DisplayText | None = Field(
        default=None, description="Text of the privacy link; default '《个人信息保护说明》' (en: 'privacy notice')."
    )
    purpose: DisplayText | None = Field(
        default=None,
        description="Why the number is collected, shown under the consent box; default "
        "'<brand> 仅将你的手机号用于发放本次活动奖励和活动通知。'",
    )
    submit: DisplayText | None = Field(default=None, description="Text of the submit button; default '立即领取' (en: 'Claim now').")


class Follow(Model):
    """Follow the official account or join a group: a QR image to long-press, or a link."""

    kind: Literal["follow", "group"] = Field(
        default="follow", description="'follow' an official account or join a 'group'."
    )
    title: DisplayText = Field(description="What to do and why, e.g. '关注「茶屿」公众号，回复「芒果」领券'.")
    text: DisplayText | None = Field(default=None, description="One more line under the title.")
    qr: AssetPath | None = Field(
        default=None, description="QR code image of the account or group (shown about 160 px wide)."
    )
    link: WebLink | None = Field(
        default=None,
        validate_default=True,
        description="Link for visitors who cannot long-press a QR code, e.g. a group invite page.",
    )
    link_text: DisplayText | None = Field(default=None, description="Text of the link button; default '点击加入' (en: 'Join').")

    @field_validator("link")
    @classmethod
    def _qr_or_link(cls, value, info):
        if value is None and "qr" in info.data and not info.data["qr"]:
            raise ValueError("give a qr image, a link, or both")
        return value


class Stat(Model):
    """A number that proves popularity, e.g. '12,000+' '人已参加'."""

    value: DisplayText = Field(description="The number, drawn large, e.g. '12,000+' or '4.9'.")
    label: DisplayText = Field(description="What it counts, e.g. '人已参加'.")


class Certification(Model):
    """An authority certification or qualification."""

    text: DisplayText = Field(description="The certification, e.g. 'SGS 食品安全检测'.")
    image: AssetPath | None = Field(default=None, description="Optional badge image (shown 40 px).")


class Expert(Model):
    """An expert statement."""

    name: DisplayText = Field(description="The expert's name.")
    title: DisplayText | None = Field(default=None, description="Who they are, e.g. '国家一级茶艺师'.")
    quote: DisplayText = Field(description="What they say.")
    photo: AssetPath | None = Field(default=None, description="Optional portrait (cropped to a circle).")


class Testimonial(Model):
    """A customer testimonial."""

    name: DisplayText = Field(description="Customer name or nickname.")
    quote: DisplayText = Field(description="What they say.")
    meta: DisplayText | None = Field(default=None, description="A detail, e.g. '上海 · 会员 2 年'.")
    photo: AssetPath | None = Field(default=None, description="Optional photo (cropped to a circle).")


class Proof(Model):
    """The middle section: proof that removes doubt."""

    title: DisplayText | None = Field(default=None, description="Section heading; default '为什么选择<brand>'.")
    numbers: list[Stat] = Field(default_factory=list, max_length=4, description="Up to 4 numbers.")
    certifications: list[Certification] = Field(
        default_factory=list, max_length=6, description="Up to 6 certifications."
    )
    experts: list[Expert] = Field(default_factory=list, max_length=4, description="Up to 4 expert statements.")
    testimonials: list[Testimonial] = Field(
        default_factory=list, max_length=6, description="Up to 6 customer testimonials."
    )


class Share(Model):
    """How the page looks when shared (WeChat, link previews)."""

    title: str | None = Field(default=None, description="Share title; default: the headline.")
    description: str | None = Field(
        default=None, description="Share description; default: the subheadline or the first benefit."
    )
    image: AssetPath | None = Field(
        default=None, description="Share card image (written next to the pages); default: the channel's poster."
    )
    base_url: WebLink | None = Field(
        default=None,
        description="Public URL where the build output folder is served, e.g. 'https://h5.example.com/tea/'; "
        "makes the share image and page URLs absolute.",
    )
    wechat_sign_url: WebLink | None = Field(
        default=None,
        description="Your WeChat JS-SDK signing endpoint; when set, pages opened in WeChat ask it for a "
        "signature (GET ?url=<page>) and set the share card through the JS-SDK.",
    )


class Thanks(Model):
    """The thank-you page a visitor sees after sending the form."""

    title: DisplayText | None = Field(default=None, description="Heading; default '提交成功' (en: 'Thank you!').")
    text: DisplayText | None = Field(
        default=None,
        description="One or two lines under the heading; default '我们已收到你的信息，活动奖励将发送到你填写的手机号。'",
    )


class Landing(Model):
    """The H5 landing page; every field is optional and defaults to the poster's copy."""

    lang: str | None = Field(
        default=None,
        pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
        description="Page language, e.g. 'zh-CN' or 'en'; picks the built-in wording. Default: 'zh-CN' when "
        "the headline has Chinese characters, else 'en'.",
    )
    template: str = Field(
        default="page",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$",
        description="Page template: built-in 'page', or your own <templates_dir>/landing/<name>.html.j2.",
    )
    headline: DisplayText | None = Field(default=None, description="Page headline; default: poster.headline.")
    subheadline: DisplayText | None = Field(default=None, description="Default: poster.subheadline.")
    bait: DisplayText | None = Field(
        default=None, description="The reward in one short line, shown as a badge above the headline."
    )
    benefits: list[Benefit] | None = Field(default=None, description="Default: poster.benefits.")
    price: Price | None = Field(default=None, description="Price anchor; default: poster.price.")
    scarcity: DisplayText | None = Field(default=None, description="Default: poster.scarcity.")
    hero: AssetPath | None = Field(
        default=None, description="Product photo shown after the first screen; default: theme.background.image."
    )
    form: LeadForm | None = Field(
        default=None,
        description="The lead form. Without it (and without follow) the page shows a draft form that "
        "posts to itself, and build warns.",
    )
    follow: Follow | None = Field(default=None, description="Follow the official account or join a group.")
    bottom: Literal["form", "follow", "both"] | None = Field(
        default=None,
        description="Call to action repeated at the bottom; default 'form' when there is a form, else 'follow'.",
    )
    proof: Proof | None = Field(
        default=None, description="The proof section; default: built from poster.endorsements."
    )
    cta_title: DisplayText | None = Field(
        default=None, description="Heading of the bottom call to action; default '名额有限，先到先得' (en: 'Limited places')."
    )
    footer: DisplayText | None = Field(default=None, description="Small print at the very bottom, e.g. rules.")
    thanks: Thanks = Field(default_factory=Thanks, description="The thank-you page after the form is sent.")
    share: Share = Field(default_factory=Share, description="Share metadata.")

    @field_validator("bottom")
    @classmethod
    def _bottom_needs_follow(cls, value, info):
        # (when follow itself failed, it is missing from info.data and reported on its own)
        if value in ("follow", "both") and "follow" in info.data and info.data["follow"] is None:
            raise ValueError(f"bottom '{value}' needs a landing.follow section (a QR image or a link)")
        return value

    @field_validator("benefits", mode="before")
    @classmethod
    def _benefit_strings(cls, value):
        return benefit_strings(value)
