"""Signed poster URLs: only URLs the server issued render a poster, and only until they expire.

A personal poster is rendered on request, so its URL must not be forgeable (anyone could
otherwise make the server render posters with any nickname, for any person, as fast as
they can ask).  The way Bannerbear's signed URLs work: the server signs the canonical
parameters plus an expiry with a key only it knows, and checks the signature with a
constant-time comparison before doing any work::

    /poster/<person>.jpg?n=<nickname>&ch=<channel>&v=<variant>&exp=<unix time>&sig=<hex>

``sig = HMAC-SHA256(key, "poster" · person · n · ch · v · format · exp)`` (fields joined
by U+001F, which no field may contain), cut to 32 hex digits (128 bits).  The key is
derived from the campaign secret for this one purpose
(``HMAC(secret, "postergen serve: poster URLs")``), so a signature says nothing about the
tracking codes or phone hashes made with the same secret.  Parameters are bounded (a
nickname of at most 40 characters, ids of the usual form), so a URL can never ask for
unbounded work.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from urllib.parse import quote, urlencode

SEP = "\x1f"
PERSON = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$|^$")
FORMATS = {"jpg": "jpeg", "png": "png", "webp": "webp"}
MAX_NICKNAME = 40
DEFAULT_TTL = 7 * 24 * 3600


def poster_key(secret: bytes) -> bytes:
    """The signing key for poster URLs, derived from the campaign secret."""
    return hmac.new(secret, b"postergen serve: poster URLs", hashlib.sha256).digest()


@dataclass(frozen=True)
class PosterRequest:
    """What a poster URL asks for (everything in it is signed)."""

    person: str
    nickname: str
    channel: str
    variant: str
    ext: str  # jpg, png or webp
    expires: int

    @property
    def format(self) -> str:
        return FORMATS[self.ext]

    def canonical(self) -> str:
        return SEP.join(("poster", self.person, self.nickname, self.channel, self.variant, self.ext, str(self.expires)))

    def content_key(self) -> str:
        """What the poster looks like, without when the URL expires (for the cache)."""
        return SEP.join((self.person, self.nickname, self.channel, self.variant, self.ext))


class BadSignature(Exception):
    """The URL was not issued by this server, was changed, or has expired.

    *reason*: 'malformed', 'signature' or 'expired'."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def _sig(key: bytes, req: PosterRequest) -> str:
    return hmac.new(key, req.canonical().encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def sign(key: bytes, person: str, nickname: str, channel: str, variant: str, *, ext: str = "jpg",
         ttl: int = DEFAULT_TTL, now: float | None = None) -> str:
    """The signed path (with query) of a person's poster, valid for *ttl* seconds."""
    expires = int((time.time() if now is None else now) + ttl)
    req = PosterRequest(person, nickname[:MAX_NICKNAME], channel, variant, ext, expires)
    _check(req)
    query = urlencode(
        {"n": req.nickname, "ch": channel, "v": variant, "exp": str(expires), "sig": _sig(key, req)}, quote_via=quote
    )
    return f"/poster/{quote(person, safe='')}.{ext}?{query}"


def _check(req: PosterRequest) -> None:
    if not PERSON.match(req.person) or req.ext not in FORMATS:
        raise BadSignature("malformed")
    if not NAME.match(req.channel) or not NAME.match(req.variant) or not req.variant:
        raise BadSignature("malformed")
    if len(req.nickname) > MAX_NICKNAME or SEP in req.nickname:
        raise BadSignature("malformed")


def verify(key: bytes, filename: str, query: dict[str, str], now: float | None = None) -> PosterRequest:
    """The request a poster URL makes, or :class:`BadSignature`.

    *filename* is the last path segment (``<person>.<ext>``), *query* its parameters."""
    person, dot, ext = filename.rpartition(".")
    try:
        expires = int(query.get("exp", ""))
    except ValueError:
        raise BadSignature("malformed") from None
    req = PosterRequest(person, query.get("n", ""), query.get("ch", ""), query.get("v", ""), ext.lower(), expires)
    if not dot:
        raise BadSignature("malformed")
    _check(req)
    given = query.get("sig", "")
    if not hmac.compare_digest(given.encode("ascii", "replace"), _sig(key, req).encode("ascii")):
        raise BadSignature("signature")
    if expires < (time.time() if now is None else now):
        raise BadSignature("expired")
    return req
