"""Leads and events as the server receives them: bounded, normalised and checked.

Everything a visitor's browser sends is untrusted.  A lead is a phone number with consent
and the page's attribution (code, channel, variant, the inviter's ``ref`` and UTM values);
an event is a page view (beacons).  Both are parsed from form fields into frozen records,
or refused with a :class:`Refusal` naming the field and saying, in the page's language,
what to do.

A lead is read with the site's lead contract (:mod:`postergen.site.leads`, docs/deploy.md):
``read_lead`` bounds the fields, normalises the phone and, for a form posted without
JavaScript, takes ``ref`` and the visited UTM values from the page's URL (the
``Referer``); ``check_lead`` checks the phone (a China mainland mobile number
``^1[3-9]\\d{9}$``, or the form's own ``phone_pattern``) and consent, with the page's
own wording.  Full-width digits are folded first (``１３９…``), so ``+86 139 1234 5678``,
``139-1234-5678`` and ``１３９１２３４５６７８`` are all ``13912345678``.  The server then
checks what only it knows: the campaign, channel and variant are this campaign's, the
code has a code's form.  The stored key is ``phone_hash = HMAC-SHA256(campaign secret, normalised phone)`` (hex), so a
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
from datetime import datetime, timezone

from ..site.urls import REF  # a personal referral code, as the site's pages check it
from ..tracking import ALPHABET, UTM_KEYS

CODE = re.compile(f"^[{ALPHABET}]{{6,16}}$")
VISITOR = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_VALUE = 200  # characters of any one field (UTM values, names)
MAX_FIELDS = 40
PUBLIC_EVENTS = ("view",)  # kinds a browser may report; 'scan' and 'submit' are the server's own

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
        "ended": "活动已结束，感谢你的关注",
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
        "ended": "This campaign has ended; thank you for your interest",
    },
}


class Refusal(Exception):
    """Input the server will not keep: *error* is a stable key, *field* the form field."""

    def __init__(self, error: str, field: str = "", lang: str = "zh", status: int = 400, text: str = ""):
        self.error = error
        self.field = field
        self.status = status
        self.message = text or message(error, lang)
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
    phone: str  # normalised
    phone_hash: str
    person_id: str
    own_code: str
    name: str
    at: Attribution
    thanks: str = ""  # the page's thank-you page (for a post without JavaScript)


@dataclass(frozen=True)
class Event:
    kind: str
    visitor: str
    at: Attribution


# --------------------------------------------------------------------------- pieces


def normalise_phone(text: str) -> str | None:
    """The 11-digit mobile number in *text*, or None when it is not one."""
    from ..site.leads import CN_MOBILE, normalise_phone as reduce

    phone = reduce(unicodedata.normalize("NFKC", text or "")[:60])
    return phone if CN_MOBILE.match(phone) else None


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


def _ref(value: str) -> str:
    """A referral code, or '' for anything else (a bad ref never costs a lead or a count)."""
    value = (value or "").strip()
    return value if REF.match(value) else ""


# --------------------------------------------------------------------------- campaign


@dataclass(frozen=True)
class Campaign:
    """What validation needs to know about the one campaign a server runs."""

    id: str
    secret: bytes
    channels: tuple[str, ...]  # ids; () when the campaign has none
    variants: tuple[str, ...]  # names; ('base',) without variants
    code_length: int = 8
    lang: str = "zh"  # 'zh' or 'en': the server's own messages
    page_lang: str = "zh-CN"  # the landing pages' language: their wording for phone and consent
    phone_pattern: str | None = None  # landing.form.phone_pattern
    code_param: str = "c"
    deadline: datetime | None = None  # mechanics.deadline (aware): no lead is kept from then on

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
    return Attribution(_code(fields.get("code", ""), "code", lang), channel, variant, _ref(fields.get("ref", "")), utm)


def _check_campaign(fields: dict[str, str], campaign: Campaign, lang: str) -> None:
    given = (fields.get("campaign") or "").strip()
    if given and given != campaign.id:
        raise Refusal("campaign", "campaign", lang)


def parse_lead(fields: dict[str, str], campaign: Campaign, referer: str = "", now: datetime | None = None) -> Lead:
    """A lead from the form's fields (and the page's URL, *referer*), or :class:`Refusal`
    (the campaign's deadline first — 410 once it has passed, as the page's own ended state
    says — then phone, consent and the page's details)."""
    from ..site.leads import check_lead, read_lead

    lang = campaign.lang
    if campaign.deadline is not None and (now or datetime.now(timezone.utc)) >= campaign.deadline:
        raise Refusal("ended", "", lang, status=410)
    fields = {**fields, "phone": unicodedata.normalize("NFKC", fields.get("phone") or "")[:60]}
    lead = read_lead(fields, referer, campaign.code_param)
    problem = check_lead(lead, campaign.phone_pattern, campaign.page_lang)
    if problem is not None:
        raise Refusal(problem[0], problem[0], lang, text=problem[1])
    _check_campaign(lead, campaign, lang)
    at = _attribution(lead, campaign, lang)
    digest = phone_hash(campaign.secret, lead["phone"])
    person = person_id(digest)
    own = campaign.own_code(person, at.channel, at.variant)
    return Lead(lead["phone"], digest, person, own, clean_text(lead.get("name", ""), 40), at, lead.get("thanks", ""))


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
    utm = {key: clean_text(query.get(key, "")) for key in UTM_KEYS}
    return Event("scan", "", Attribution(code, channel, variant, _ref(query.get("ref", "")), utm))
