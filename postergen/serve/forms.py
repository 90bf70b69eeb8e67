"""Request bodies, bounded: at most ``limit`` bytes, read within ``timeout`` seconds.

A form post or beacon is a few hundred bytes.  A body that says (or turns out) to be
larger is refused with 413 before it is read to the end; a client that sends its body
too slowly gets 408 and the connection is closed, so it cannot hold a worker.  Bodies
are form-encoded (what a browser sends, also without JavaScript), JSON objects, or either
as ``text/plain`` (``navigator.sendBeacon`` with a string); multipart is refused (415).
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qsl

from .leads import MAX_FIELDS, Refusal

DEFAULT_LIMIT = 16 * 1024
DEFAULT_TIMEOUT = 10.0


async def read_body(request, limit: int = DEFAULT_LIMIT, timeout: float = DEFAULT_TIMEOUT, lang: str = "zh") -> bytes:
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        raise Refusal("body", "", lang, status=413)
    chunks, size = [], 0
    try:
        async with asyncio.timeout(timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise Refusal("body", "", lang, status=413)
                chunks.append(chunk)
    except TimeoutError:
        raise Refusal("slow", "", lang, status=408) from None
    return b"".join(chunks)


def _from_json(text: str, lang: str) -> dict[str, str]:
    try:
        data = json.loads(text)
    except ValueError:
        raise Refusal("media", "", lang, status=400) from None
    if not isinstance(data, dict) or len(data) > MAX_FIELDS:
        raise Refusal("media", "", lang, status=400)
    out = {}
    for key, value in data.items():
        if isinstance(value, bool):
            value = "yes" if value else ""
        elif isinstance(value, (int, float)):
            value = str(value)
        elif value is None:
            value = ""
        elif not isinstance(value, str):
            raise Refusal("field", str(key)[:40], lang)
        out[str(key)] = value
    return out


def _from_form(text: str, lang: str) -> dict[str, str]:
    try:
        return dict(parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS))
    except ValueError:
        raise Refusal("body", "", lang, status=413) from None


def parse_fields(body: bytes, content_type: str, lang: str = "zh") -> dict[str, str]:
    """The fields of a form-encoded, JSON or text body."""
    kind = (content_type or "").split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refusal("media", "", lang, status=400) from None
    if kind == "application/json":
        return _from_json(text, lang)
    if kind in ("application/x-www-form-urlencoded", ""):
        return _from_form(text, lang)
    if kind == "text/plain":
        return _from_json(text, lang) if text.lstrip().startswith("{") else _from_form(text, lang)
    raise Refusal("media", "", lang, status=415)
