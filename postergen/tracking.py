"""Tracking codes and QR URLs: one short, stable, unguessable code per channel × variant.

A code is ``HMAC-SHA256(secret, campaign · channel · variant [· inviter])`` written in
Crockford's base32 (no I, L, O or U, so nothing reads as another character) and cut to
``length`` characters.  The same inputs give the same code on every run and machine;
without the secret, knowing one code tells nothing about another.

The QR URL is the landing URL plus the code and UTM parameters::

    https://h5.example.com/tea?c=7KQ2M9XP&utm_source=moments&utm_medium=social
        &utm_campaign=tea-invite-3&utm_content=base

Existing query parameters and the fragment of the landing URL are kept; values are
lowercased (UTM) and percent-encoded as UTF-8, so Chinese channel names survive.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
SEP = "\x1f"
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content")


def derive_code(secret: bytes, campaign: str, channel: str, variant: str = "base", inviter: str = "", length: int = 8) -> str:
    """The tracking code for one (campaign, channel, variant[, inviter])."""
    message = SEP.join((campaign, channel, variant, inviter)).encode("utf-8")
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    number = int.from_bytes(digest[:10], "big")  # 80 bits, enough for 16 characters
    out = []
    for _ in range(length):
        number, r = divmod(number, 32)
        out.append(ALPHABET[r])
    return "".join(out)


def normalise_code(text: str) -> str:
    """Read a code as a person typed it: case-insensitive, O→0, I/L→1, dashes ignored."""
    return text.strip().upper().replace("-", "").replace("O", "0").replace("I", "1").replace("L", "1")


def tracking_url(base: str, code: str, params: dict[str, str], code_param: str = "c") -> str:
    """*base* with the code and *params* added (replacing same-named ones), fragment kept."""
    parts = urlsplit(base)
    new = {code_param: code, **params}
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in new]
    query += list(new.items())
    encoded = urlencode(query, quote_via=quote, safe="")
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", encoded, parts.fragment))


def utm(channel: str, medium: str, campaign: str, variant: str) -> dict[str, str]:
    return {
        "utm_source": channel.lower(),
        "utm_medium": medium.lower(),
        "utm_campaign": campaign.lower(),
        "utm_content": variant.lower(),
    }


def short_url(short_base: str, code: str) -> str:
    """``<short_base>/c/<code>/``: with the trailing slash a static host serves the page at
    once instead of redirecting to the slash form first."""
    return f"{short_base.rstrip('/')}/c/{code}/"


# --------------------------------------------------------------------------- personal data

_SEP = r"[\s\-.]?"  # what people (and autofill) put between digit groups
_PII = [
    # 13812345678, 138 1234 5678, 138-1234-5678, +86 138…, 0086138…, 86138… (country code).
    (
        "a mobile phone number",
        re.compile(rf"(?<![\d+])(?:(?:\+|00)?\s*86{_SEP})?1[3-9]\d(?:{_SEP}\d){{8}}(?!\d)"),
    ),
    ("an e-mail address", re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")),
    ("an ID card number", re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")),
]
PERSONAL_BINDINGS = ("inviter.", "nickname", "phone", "mobile", "openid", "unionid", "user_id", "userid", "name")


def personal_data(text: str) -> str | None:
    """What kind of personal data *text* (a URL or a part of one) contains, or None.

    The text is read percent-decoded too (``%2B86`` is ``+86``, ``+`` in a query is a
    space), so an encoded number is found like a plain one.
    """
    from urllib.parse import unquote, unquote_plus

    for candidate in dict.fromkeys((text, unquote(text), unquote_plus(text))):
        for what, pattern in _PII:
            if pattern.search(candidate):
                return what
    return None
