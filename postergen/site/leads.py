"""The lead contract: what a landing page posts, and how an endpoint reads it.

docs/deploy.md states the HTTP side (``POST``, form-encoded, JSON or 303 answers); this
module is the part an endpoint can share — ``postergen serve`` uses it, and so do the
tests' recording endpoint:

- :data:`LEAD_FIELDS`, the fields a page posts;
- :func:`normalise_phone`, the same reduction the page script makes (``+86 138 1234 5678``
  → ``13812345678``), for posts made without JavaScript;
- :func:`read_lead`, a posted lead as a plain dict: fields trimmed and bounded, the phone
  normalised, and — for a post made without JavaScript — ``ref``, the visited UTM values and
  ``visit_code`` taken from the ``Referer`` (the page's own URL, sent by the browser), as the
  page script would have put them into the form;
- :func:`check_lead`, the server-side check (phone, consent) with the page's wording.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from .urls import REF

#: Every field a landing page posts, in order (see docs/deploy.md for each one's meaning).
LEAD_FIELDS = (
    "phone", "name", "consent",
    "campaign", "code", "channel", "variant",
    "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term", "ref",
    "visit_code", "lead_id", "thanks",
)
CARRIED = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
MAX = 200
_SEPARATORS = re.compile(r"[\s\u00a0\u3000\-().\uff08\uff09]")
_CN = re.compile(r"^(?:\+|00)?86(1[3-9]\d{9})$")
CN_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{6,10}$")
_LEAD_ID = re.compile(r"^[0-9a-f]{8,64}$")


def normalise_phone(value: str) -> str:
    """A phone number as typed or autofilled, reduced: separators dropped, and a China
    mainland mobile number with a country code (``+86``, ``0086``, ``86``) to its 11 digits."""
    v = _SEPARATORS.sub("", value or "")
    m = _CN.match(v)
    return m.group(1) if m else v


def read_lead(fields: dict[str, str], referer: str = "", code_param: str = "c") -> dict[str, str]:
    """The lead in a form post (*fields*, decoded), completed from the *referer*.

    Without JavaScript the page posts the values baked into it: its code, channel,
    variant and UTM values, and an empty ``ref``.  The browser sends the page's URL as the
    ``Referer`` (the page's policy is ``no-referrer-when-downgrade``), so its ``ref``, the
    UTM values it was opened with and a foreign code (``visit_code``) are read from there,
    exactly as the script would have.  Values the script already put in win.
    """
    lead = {k: str(fields.get(k, "")).strip()[:MAX] for k in LEAD_FIELDS}
    lead["phone"] = normalise_phone(lead["phone"])
    query = dict(parse_qsl(urlsplit(referer).query, keep_blank_values=True)) if referer else {}
    if not lead["ref"] and REF.match(query.get("ref", "")):
        lead["ref"] = query["ref"][:MAX]
    for key in CARRIED:
        if query.get(key) and lead[key] != query[key]:
            lead[key] = query[key][:MAX]
    if not lead["visit_code"]:
        c = query.get(code_param, "").strip().upper()
        if _CODE.match(c) and c != lead["code"]:
            lead["visit_code"] = c
    if not REF.match(lead["ref"]):
        lead["ref"] = ""
    if not _LEAD_ID.match(lead["lead_id"]):
        lead["lead_id"] = ""
    return lead


def check_lead(lead: dict[str, str], phone_pattern: str | None = None, lang: str = "zh-CN") -> tuple[str, str] | None:
    """``(field, message)`` for the first thing wrong with *lead* (in the page's language),
    or None.  *phone_pattern* is ``landing.form.phone_pattern`` (None: a China mainland
    mobile number for Chinese pages, else 6 to 20 digits with an optional ``+``)."""
    from ..landing.content import strings

    t = strings(lang)
    zh = lang.lower().startswith("zh")
    phone = lead.get("phone", "")
    if not phone:
        return "phone", t["phone_missing"]
    if phone_pattern:
        ok = re.fullmatch(phone_pattern.removeprefix("^").removesuffix("$"), phone) is not None
    else:
        ok = bool(CN_MOBILE.match(phone)) if zh else bool(re.fullmatch(r"\+?[0-9]{6,20}", phone))
    if not ok:
        return "phone", t["phone_hint"]
    if lead.get("consent") != "yes":
        return "consent", t["consent_missing"]
    return None
