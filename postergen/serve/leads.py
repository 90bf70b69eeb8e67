"""Leads and events as the server receives them: bounded, normalised and checked.

Everything a visitor's browser sends is untrusted.  A lead is a phone number with consent
and the page's attribution (code, channel, variant, the inviter's ``ref`` and UTM values);
an event is a page view (beacons).  Both are parsed from form fields into frozen records,
or refused with a :class:`Refusal` naming the field and saying, in the page's language,
what to do.

Phone numbers: China mainland mobile numbers ``^1[3-9]\\d{9}$`` after normalising what
people type and what phones autofill — full-width digits, spaces, dashes, dots, brackets
and a ``+86`` / ``0086`` / ``86`` prefix (``+86 139 1234 5678`` → ``13912345678``).  The
stored key is ``phone_hash = HMAC-SHA256(campaign secret, normalised phone)`` (hex), so a
number is deduplicated per campaign without the hash being reversible by anyone who lacks
the secret.  A lead's own person id is ``"lead-" + phone_hash[:16]`` (64 bits: stable,
and it does not reveal the number); its own personal code is the batch's
:func:`postergen.batch.person.personal_code` of that id for the lead's channel and
variant (the channel code's HMAC with the person id, two characters longer).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from ..tracking import ALPHABET, UTM_KEYS

PHONE = re.compile(r"^1[3-9]\d{9}$")
_PHONE_JUNK = re.compile(r"[\s\-().\u00a0\u2000-\u200b\u3000]")
CODE = re.compile(f"^[{ALPHABET}]{{6,16}}$")
REF = re.compile(r"^[A-Za-z0-9_-]{1,40}$")  # a personal referral code, as the site's pages check it
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")  # channel and variant ids
VISITOR = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_VALUE = 200  # characters of any one field (UTM values, names)
MAX_FIELDS = 40
CONSENT_YES = {"yes", "on", "true", "1", "agree", "同意"}
PUBLIC_EVENTS = ("view",)  # kinds a browser may report; 'scan' and 'submit' are the server's own
EVENT_KINDS = ("scan", "view", "submit", "claim")

MESSAGES = {
    "zh": {
        "phone": "请输入正确的 11 位手机号",
        "consent": "请先阅读并勾选同意个人信息保护说明",
        "field": "页面信息有误，请刷新页面后重试",
        "campaign": "活动信息有误，请刷新页面后重试",
        "rate": "提交太频繁了，请稍后再试",
        "body": "提交的内容太长了",
        "media": "无法识别的提交格式",
        "slow": "网络太慢，请稍后再试",
        "server": "服务暂时不可用，请稍后再试",
        "thanks": "提交成功！奖励和活动通知会发到你的手机",
    },
    "en": {
        "phone": "Please enter a valid 11-digit mobile number",
        "consent": "Please read and accept the privacy notice first",
        "field": "This page's details are wrong; please reload the page and try again",
        "campaign": "This page belongs to another campaign; please reload it",
        "rate": "Too many submissions; please try again in a moment",
        "body": "The submission is too large",
        "media": "Unsupported submission format",
        "slow": "The connection is too slow; please try again",
        "server": "The service is unavailable; please try again later",
        "thanks": "Thank you! Your reward and news will come to your phone",
    },
}


class Refusal(Exception):
    """Input the server will not keep: *error* is a stable key, *field* the form field."""

    def __init__(self, error: str, field: str = "", lang: str = "zh", status: int = 400):
        self.error = error
        self.field = field
        self.status = status
        self.message = message(error, lang)
        super().__init__(f"{error}: {field}" if field else error)


def message(error: str, lang: str = "zh") -> str:
    table = MESSAGES["en" if lang.startswith("en") else "zh"]
    return table.get(error, table["field"])


@dataclass(frozen=True)
class Attribution:
    """Where a visitor came from: the page's code, channel and variant, the inviter's
    personal code and the UTM values (each '' when absent)."""

    code: str = ""
    channel: str = ""
    variant: str = ""
    ref: str = ""
    utm: dict = field(default_factory=dict)  # the four UTM_KEYS, each a str


@dataclass(frozen=True)
class Lead:
    phone: str  # normalised, 11 digits
    phone_hash: str
    person_id: str
    own_code: str
    name: str
    at: Attribution


@dataclass(frozen=True)
class Event:
    kind: str
    visitor: str
    at: Attribution


# --------------------------------------------------------------------------- pieces


def normalise_phone(text: str) -> str | None:
    """The 11-digit mobile number in *text*, or None when it is not one."""
    if not text or len(text) > 40:
        return None
    s = unicodedata.normalize("NFKC", text)  # full-width digits and plus sign
    s = _PHONE_JUNK.sub("", s)
    if s.startswith("+86"):
        s = s[3:]
    elif s.startswith("0086"):
        s = s[4:]
    elif s.startswith("86") and len(s) == 13:
        s = s[2:]
    return s if PHONE.match(s) else None


def phone_hash(secret: bytes, phone: str) -> str:
    return hmac.new(secret, phone.encode("ascii"), hashlib.sha256).hexdigest()


def person_id(phone_hash_hex: str) -> str:
    """A lead's person id: stable per campaign and phone, and it does not reveal the phone."""
    return "lead-" + phone_hash_hex[:16]


def clean_text(value: str, limit: int = MAX_VALUE) -> str:
    """A free-text field (UTM value, name): NFC, no control or format characters, one line,
    at most *limit* characters."""
    value = unicodedata.normalize("NFC", value or "")
    value = "".join(ch for ch in value if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"))
    return " ".join(value.split())[:limit]


def _code(value: str, name: str, lang: str) -> str:
    value = (value or "").strip().upper()
    if value and not CODE.match(value):
        raise Refusal("field", name, lang)
    return value


def _ref(value: str, lang: str) -> str:
    value = (value or "").strip()
    if value and not REF.match(value):
        raise Refusal("field", "ref", lang)
    return value


def from_referer(fields: dict[str, str], referer: str) -> dict[str, str]:
    """*fields* completed from the page's URL (the ``Referer``), as the page script would
    have done: without JavaScript the form posts the values baked into the page, so the
    ``ref`` and UTM values the visitor arrived with are only in the page's address."""
    query = dict(parse_qsl(urlsplit(referer).query, keep_blank_values=True)) if referer else {}
    if not query:
        return fields
    out = dict(fields)
    if not out.get("ref") and REF.match(query.get("ref", "")):
        out["ref"] = query["ref"]
    for key in UTM_KEYS:
        if query.get(key):
            out[key] = query[key]
    return out


# --------------------------------------------------------------------------- campaign


@dataclass(frozen=True)
class Campaign:
    """What validation needs to know about the one campaign a server runs."""

    id: str
    secret: bytes
    channels: tuple[str, ...]  # ids; () when the campaign has none
    variants: tuple[str, ...]  # names; ('base',) without variants
    code_length: int = 8
    lang: str = "zh"

    def own_code(self, person: str, channel: str, variant: str) -> str:
        """The person's own referral code, as ``postergen batch`` makes it."""
        from ..batch.person import personal_code

        return personal_code(self.secret, self.id, channel, variant, person, self.code_length)


def _attribution(fields: dict[str, str], campaign: Campaign, lang: str) -> Attribution:
    channel = (fields.get("channel") or "").strip()
    variant = (fields.get("variant") or "").strip() or ("base" if len(campaign.variants) == 1 else "")
    if channel not in (campaign.channels or ("",)):
        raise Refusal("field", "channel", lang)
    if variant not in campaign.variants:
        raise Refusal("field", "variant", lang)
    utm = {key: clean_text(fields.get(key, "")) for key in UTM_KEYS}
    return Attribution(_code(fields.get("code", ""), "code", lang), channel, variant, _ref(fields.get("ref", ""), lang), utm)


def _check_campaign(fields: dict[str, str], campaign: Campaign, lang: str) -> None:
    given = (fields.get("campaign") or "").strip()
    if given and given != campaign.id:
        raise Refusal("campaign", "campaign", lang)


def parse_lead(fields: dict[str, str], campaign: Campaign) -> Lead:
    """A lead from the form's fields, or :class:`Refusal` (phone first, then consent)."""
    lang = campaign.lang
    phone = normalise_phone(fields.get("phone", ""))
    if phone is None:
        raise Refusal("phone", "phone", lang)
    if (fields.get("consent") or "").strip().lower() not in CONSENT_YES:
        raise Refusal("consent", "consent", lang)
    _check_campaign(fields, campaign, lang)
    at = _attribution(fields, campaign, lang)
    digest = phone_hash(campaign.secret, phone)
    person = person_id(digest)
    return Lead(phone, digest, person, campaign.own_code(person, at.channel, at.variant), clean_text(fields.get("name", ""), 40), at)


def parse_event(fields: dict[str, str], campaign: Campaign, kinds=PUBLIC_EVENTS) -> Event:
    """An event from a beacon's fields, or :class:`Refusal`."""
    lang = campaign.lang
    kind = (fields.get("kind") or fields.get("type") or "view").strip()
    if kind not in kinds:
        raise Refusal("field", "kind", lang)
    _check_campaign(fields, campaign, lang)
    visitor = (fields.get("visitor") or "").strip()
    if visitor and not VISITOR.match(visitor):
        raise Refusal("field", "visitor", lang)
    return Event(kind, visitor, _attribution(fields, campaign, lang))


def scan_event(code: str, query: dict[str, str], channel: str, variant: str) -> Event:
    """The scan of a short link: its code (known to the server), the query's ref and UTM."""
    ref = (query.get("ref") or "").strip()
    if not REF.match(ref):
        ref = ""
    utm = {key: clean_text(query.get(key, "")) for key in UTM_KEYS}
    return Event("scan", "", Attribution(code, channel, variant, ref, utm))
