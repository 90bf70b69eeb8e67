"""The built site as ``serve`` serves it: static files plus the host rules built with them.

``postergen build`` writes ``OUT/site/`` as the document root of the landing pages' host,
with ``_headers`` (each page's Content-Security-Policy and security headers) and
``_redirects`` (short links to their pages) in the Netlify / Cloudflare Pages syntax.
``serve`` applies them exactly as those hosts do, with the site's own reader
(:class:`postergen.site.hostrules.HostConfig`): a redirect rule first (302 with the
visitor's query carried, or a 200 rewrite), then the file, with every matching header
rule — so the same folder behaves the same on every host (docs/deploy.md).

Never served: host rule files and anything else whose name starts with ``_`` or ``.``
(temporary files of an interrupted build, ``.git``), and ``nginx.conf``.  The database
and the poster cache live outside the site folder (the server refuses them inside it).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.staticfiles import StaticFiles

from ..site.hostrules import HostConfig

BASE_HEADERS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "strict-origin-when-cross-origin"))


def hidden(path: str) -> bool:
    """Whether *path* names something that is not part of the site."""
    parts = [p for p in path.split("/") if p]
    return any(p.startswith((".", "_")) for p in parts) or parts == ["nginx.conf"]


class Site:
    """An ASGI app serving the site folder with its ``_headers`` and ``_redirects``."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.files = StaticFiles(directory=str(self.root), html=True, follow_symlink=False)
        self.host = HostConfig.load(self.root)

    def exists(self, rel: str) -> bool:
        return not hidden(rel) and (self.root / rel).is_file()

    def headers(self, path: str) -> dict[str, str]:
        """Every header the host rules give *path*, over the two every answer gets."""
        out = dict(BASE_HEADERS)
        out.update(self.host.headers(path))
        return out

    def redirect(self, path: str, query: str = "") -> tuple[int, str] | None:
        """(status, location) of the redirect rule for *path*, or None."""
        return self.host.redirect(path, query)

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path", "/")
        if hidden(path):
            await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
            return
        headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in self.headers(path).items()]
        hit = self.redirect(path, scope.get("query_string", b"").decode("latin-1"))
        if hit is not None:
            status, location = hit
            if status != 200:
                response = RedirectResponse(location, status_code=status, headers=self.headers(path))
                await response(scope, receive, send)
                return
            scope = {**scope, "path": urlsplit(location).path}  # a rewrite: the target's file at this URL

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                message = dict(message)
                names = {k for k, _ in headers}
                message["headers"] = [(k, v) for k, v in message.get("headers", []) if k not in names] + headers
            await send(message)

        await self.files(scope, receive, send_with_headers)
