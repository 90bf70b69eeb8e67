"""The ``serve`` ASGI app: the routes table, and one small handler per route.

::

    POST /api/lead              a lead from the landing form → committed → JSON, or 303 to thanks
    POST /api/event             a page-view beacon → committed → 204
    GET  /api/thanks            the built-in thank-you page (when the site has none)
    GET  /c/<CODE>/             a short link: record the scan, serve the site's redirect page
                                (under tracking.short_base's path, when it has one)
    GET  /poster/<person>.jpg   a signed personal poster, rendered on a cache miss
    GET  /healthz               200 when the database answers
    GET  /…                     the built site, with its _headers rules (site.py)

Handlers are short: parse (:mod:`.forms`, :mod:`.leads`), check (:mod:`.ratelimit`,
:mod:`.signing`), keep (:mod:`.store`), answer.  Every answer to a browser's fetch is JSON
``{ok, error, field, reason, …}`` (``error``: the message for the visitor, in the page's
language; ``reason``: a stable key such as ``phone``); a form posted without JavaScript gets a 303 to the
thank-you page, or a short page saying what went wrong, in the page's language.
"""

from __future__ import annotations

import contextlib
import html
import logging
from urllib.parse import quote, urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route

from ..errors import PostergenError
from .accesslog import AccessLog
from .forms import parse_fields, read_body
from .leads import CODE, Event, Refusal, message, parse_event, parse_lead, scan_event
from .ratelimit import client_address
from .signing import BadSignature, sign, verify
from .store import now_iso

log = logging.getLogger("postergen.serve")

# Paths the landing pages and host rules refer to (docs/serve.md, docs/deploy.md).
LEAD_PATH = "/api/lead"
EVENT_PATH = "/api/event"
THANKS_PATH = "/api/thanks"  # the built-in thank-you page, for a site without its own


def create_app(state) -> Starlette:
    """The app for a :class:`~postergen.serve.ServeState` (campaign, store, posters, site)."""

    routes = [
        Route(LEAD_PATH, lead, methods=["POST"]),
        Route(EVENT_PATH, event, methods=["POST"]),
        Route(THANKS_PATH, thanks, methods=["GET", "HEAD"]),
        Route(state.short_prefix + "/c/{code}/", scan, methods=["GET", "HEAD"]),
        Route(state.short_prefix + "/c/{code}", scan, methods=["GET", "HEAD"]),
        Route("/poster/{filename}", poster, methods=["GET", "HEAD"]),
        Route("/healthz", health, methods=["GET", "HEAD"]),
        Mount("/", app=state.site),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app):
        state.posters.warm()
        yield
        state.close()

    app = Starlette(routes=routes, middleware=[Middleware(AccessLog, trusted=state.settings.trusted)], lifespan=lifespan)
    app.state.serve = state
    return app


# --------------------------------------------------------------------------- helpers


def _state(request: Request):
    return request.app.state.serve


def _client(request: Request) -> str:
    state = _state(request)
    peer = request.client.host if request.client else ""
    return client_address(peer, request.headers.get("x-forwarded-for"), state.settings.trusted)


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _refused(request: Request, refusal: Refusal, retry_after: float = 0) -> Response:
    headers = {}
    if retry_after:
        headers["Retry-After"] = str(max(1, round(retry_after)))
    if refusal.status in (408, 413):
        headers["Connection"] = "close"  # the rest of the body is never read
    if _wants_json(request) or request.url.path != LEAD_PATH:
        # 'error' is what the page shows the visitor (the site's script puts it next to 'field').
        body = {"ok": False, "error": refusal.message, "field": refusal.field, "reason": refusal.error}
        return JSONResponse(body, status_code=refusal.status, headers=headers)
    return HTMLResponse(_page(_state(request).campaign.lang, refusal.message, _back(request)), refusal.status, headers)


def _back(request: Request) -> str:
    """Where 'back' goes: the page the form was on (same origin only), else the site root."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc and referer.netloc == request.headers.get("host") and referer.path.startswith("/"):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return "/"


def _page(lang: str, text: str, link: str = "", link_text: str = "", back: bool = True) -> str:
    """A minimal page in the landing pages' language (no script, no external resources)."""
    en = lang.startswith("en")
    if not link_text:
        link_text = "Back" if en else "返回"
    parts = [
        f'<!doctype html><html lang="{"en" if en else "zh-CN"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">',
        f"<title>{html.escape(text)}</title>",
        "<style>body{font:17px/1.6 system-ui,sans-serif;margin:0;padding:48px 24px;text-align:center;color:#222}"
        "a{display:inline-block;margin-top:24px;padding:12px 28px;border-radius:24px;background:#222;color:#fff;"
        "text-decoration:none}</style></head><body>",
        f'<p id="message">{html.escape(text)}</p>',
    ]
    if link:
        parts.append(f'<p><a href="{html.escape(link, quote=True)}">{html.escape(link_text)}</a></p>')
    parts.append("</body></html>")
    return "".join(parts)


def _thanks(state, asked: str, host: str) -> str:
    """Where a form posted without JavaScript goes: the page's own thank-you page (its
    ``thanks`` field, when it is on this site), the site's, or the built-in one."""
    parts = urlsplit(asked)
    on_site = (not parts.netloc and asked.startswith("/") and not asked.startswith("//")) or (
        parts.scheme in ("http", "https") and parts.netloc.lower() in (host.lower(), state.host))
    if on_site and parts.path.startswith("/") and "\\" not in asked and len(asked) < 300:
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return state.thanks or THANKS_PATH


async def _fields(request: Request) -> dict[str, str]:
    state = _state(request)
    s = state.settings
    body = await read_body(request, s.max_body, s.body_timeout, state.campaign.lang)
    return parse_fields(body, request.headers.get("content-type", ""), state.campaign.lang)


def _event_row(state, ev, time: str) -> dict:
    at = ev.at
    return {"time": time, "campaign": state.campaign.id, "kind": ev.kind, "code": at.code, "channel": at.channel,
            "variant": at.variant, "ref": at.ref, "visitor": ev.visitor, **at.utm}


# --------------------------------------------------------------------------- handlers


async def lead(request: Request) -> Response:
    """A lead: checked, kept (once per phone and campaign), answered with the person's poster."""
    state = _state(request)
    wait = state.lead_limiter.hit(_client(request))
    if wait:
        return _refused(request, Refusal("rate", "", state.campaign.lang, status=429), wait)
    try:
        fields = await _fields(request)
        new = parse_lead(fields, state.campaign, request.headers.get("referer", ""))
    except Refusal as refusal:
        return _refused(request, refusal)
    at, time = new.at, now_iso()
    submitted = Event("submit", "", at)
    row = {"time": time, "campaign": state.campaign.id, "code": at.code, "channel": at.channel, "variant": at.variant,
           "ref": at.ref, "own_code": new.own_code, "phone_hash": new.phone_hash, "phone": new.phone, "name": new.name, **at.utm}
    try:
        kept = await state.store.alead(row, event=_event_row(state, submitted, time))
    except Exception:  # noqa: BLE001 — the database is down: the page keeps the lead and retries
        log.exception("could not keep a lead")
        return _refused(request, Refusal("server", "", state.campaign.lang, status=503))
    poster_url = sign(state.key, new.person_id, kept.name, kept.channel, kept.variant, ttl=state.settings.poster_ttl)
    if not _wants_json(request):
        target = _thanks(state, new.thanks, request.headers.get("host", ""))
        return RedirectResponse(f"{target}{'&' if '?' in target else '?'}poster=" + quote(poster_url, safe=""), status_code=303)
    return JSONResponse({
        "ok": True,
        "lead_id": fields.get("lead_id", "")[:64],  # the page's id for this lead, echoed
        "duplicate": not kept.created,
        "own_code": kept.own_code,
        "poster_url": poster_url,
        "share_url": state.posters.share_url(kept.channel, kept.variant, kept.own_code),
        "message": message("thanks", state.campaign.lang),
    })


async def event(request: Request) -> Response:
    """A page-view beacon from a landing or split page."""
    state = _state(request)
    wait = state.event_limiter.hit(_client(request))
    if wait:
        return _refused(request, Refusal("rate", "", state.campaign.lang, status=429), wait)
    try:
        ev = parse_event(await _fields(request), state.campaign)
    except Refusal as refusal:
        return _refused(request, refusal)
    try:
        await state.store.aevent(_event_row(state, ev, now_iso()))
    except Exception:  # noqa: BLE001
        log.exception("could not keep an event")
        return _refused(request, Refusal("server", "", state.campaign.lang, status=503))
    return Response(status_code=204)


async def scan(request: Request) -> Response:
    """A short link opened: keep the scan (with the query's ref and UTM), then answer as
    the site's host rules say (a 302 to the page), or with the short link's own page, or —
    for a code the site has no rule or page for — a 302 to the code's page."""
    state = _state(request)
    code = request.path_params["code"].upper()
    path = request.url.path
    rel = f"{state.short_prefix.lstrip('/')}/c/{code}/".lstrip("/")
    rule = state.site.redirect(path, request.url.query)
    page = state.site.exists(rel + "index.html")
    if not CODE.match(code) or not (rule or page or code in state.codes):
        return Response("Not Found", status_code=404, media_type="text/plain")
    if request.method == "GET" and not state.event_limiter.hit(_client(request)):
        channel, variant = state.code_owner(code)
        ev = scan_event(code, dict(request.query_params), channel, variant)
        try:
            await state.store.aevent(_event_row(state, ev, now_iso()))
        except Exception:  # noqa: BLE001 — counting must never stop a visitor
            log.exception("could not keep a scan")
    headers = {**state.site.headers(path), "Cache-Control": "no-store"}  # every scan reaches the server
    if rule is not None and rule[0] != 200:
        return RedirectResponse(rule[1], status_code=rule[0], headers=headers)
    if page:
        return FileResponse(state.site.root / rel / "index.html", media_type="text/html; charset=utf-8", headers=headers)
    return RedirectResponse(merge_query(state.code_urls[code], request.url.query), status_code=302, headers=headers)


def merge_query(url: str, query: str) -> str:
    """*url* with the parameters of *query* it does not already have (``ref``, UTM…)."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    own = parse_qsl(parts.query, keep_blank_values=True)
    have = {k for k, _ in own}
    extra = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True)[:20] if k not in have]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(own + extra), parts.fragment))


async def poster(request: Request) -> Response:
    """A person's poster from a signed URL: 403 tampered, 410 expired, 404 unknown person."""
    state = _state(request)
    try:
        req = verify(state.key, request.path_params["filename"], dict(request.query_params))
    except BadSignature as bad:
        status = {"expired": 410, "signature": 403}.get(bad.reason, 404)
        return JSONResponse({"ok": False, "error": bad.reason}, status_code=status)
    person = await state.person(req.person)
    if person is None:
        return JSONResponse({"ok": False, "error": "unknown person"}, status_code=404)
    headers = {"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"}
    key = state.posters.key(req)
    if request.headers.get("if-none-match", "").strip('" ') == key:
        return Response(status_code=304, headers={**headers, "ETag": f'"{key}"'})
    try:
        data, key = await state.posters.get(req, person.own_code)
    except PostergenError as exc:
        log.error("poster %s could not be rendered: %s", req.person, exc)
        return JSONResponse({"ok": False, "error": "render"}, status_code=500)
    headers["ETag"] = f'"{key}"'
    return Response(data if request.method == "GET" else b"", media_type=f"image/{req.format}", headers=headers)


async def thanks(request: Request) -> Response:
    """The built-in thank-you page, with a link to the visitor's own poster."""
    state = _state(request)
    en = state.campaign.lang.startswith("en")
    target = request.query_params.get("poster", "")
    link = target if target.startswith("/poster/") and len(target) < 600 else ""
    return HTMLResponse(_page(state.campaign.lang, message("thanks", state.campaign.lang), link,
                              "Make my own poster" if en else "生成我的专属海报"),
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


async def health(request: Request) -> Response:
    state = _state(request)
    try:
        await run_in_threadpool(state.store.ping)
    except Exception as exc:  # noqa: BLE001
        return JSONResponse({"ok": False, "error": f"database: {type(exc).__name__}"}, status_code=503)
    return JSONResponse({"ok": True, "campaign": state.campaign.id, "db": "postgresql" if state.store.pg else "sqlite"},
                        headers={"Cache-Control": "no-store"})
