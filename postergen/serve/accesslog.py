"""The access log: one line per request, with no phone number or nickname in it.

Uvicorn's own access log writes the raw request line; a phone number sent as a query
parameter (a hand-written link, a misconfigured form using GET) would land in the log
and in every log shipper after it.  This middleware logs instead::

    203.0.113.9 "POST /api/lead" 200 41B 3.2ms
    203.0.113.9 "GET /poster/lead-3f2a….jpg?n=…&ch=moments&v=base&exp=…&sig=…" 200 182311B 1.1ms

Query values are kept only for parameters that are safe and useful (codes, channel,
variant, UTM); every other value is replaced by ``…``.  Whatever survives is scrubbed of
anything that looks like a mobile number, e-mail address or ID number.  Request bodies
(where leads travel) are never logged.
"""

from __future__ import annotations

import logging
import re
import time
from urllib.parse import parse_qsl, quote

from ..tracking import UTM_KEYS
from .ratelimit import client_address

log = logging.getLogger("postergen.serve.access")

SAFE_PARAMS = {"c", "ref", "ch", "v", "ab", "kind", *UTM_KEYS, "utm_term"}
_PERSONAL = re.compile(r"(?<!\d)(?:\+?86)?1[3-9]\d{9}(?!\d)|[\w.+-]+@[\w-]+\.[\w.-]+|(?<!\d)\d{15,18}[\dXx]?(?!\d)")


def scrub(text: str) -> str:
    """*text* with phone numbers, e-mail addresses and ID numbers masked."""
    return _PERSONAL.sub("***", text)


def loggable(path: str, query: str) -> str:
    """The request target as the log shows it."""
    shown = []
    for key, value in parse_qsl(query, keep_blank_values=True)[:40]:
        key = key[:40]
        shown.append(f"{quote(key, safe='')}={quote(value[:80], safe='') if key in SAFE_PARAMS else '…'}")
    target = path[:300] + ("?" + "&".join(shown) if shown else "")
    return scrub(target)


class AccessLog:
    """ASGI middleware writing :func:`loggable` lines to ``postergen.serve.access``."""

    def __init__(self, app, trusted=()):
        self.app = app
        self.trusted = trusted

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        state = {"status": 0, "bytes": 0}

        async def logged_send(message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
            elif message["type"] == "http.response.body":
                state["bytes"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, logged_send)
        finally:
            if log.isEnabledFor(logging.INFO):
                headers = dict(scope.get("headers") or [])
                peer = (scope.get("client") or ("", 0))[0]
                forwarded = headers.get(b"x-forwarded-for", b"").decode("latin-1")
                client = client_address(peer, forwarded, self.trusted)
                target = loggable(scope.get("path", ""), scope.get("query_string", b"").decode("latin-1"))
                ms = (time.perf_counter() - start) * 1000
                log.info('%s "%s %s" %s %sB %.1fms', client, scope.get("method", ""), target, state["status"] or 500, state["bytes"], ms)
