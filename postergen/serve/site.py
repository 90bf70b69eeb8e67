"""The built site as ``serve`` serves it: static files plus the host rules built with them.

``postergen build`` writes host rules next to the pages: ``_headers`` (Netlify /
Cloudflare Pages syntax: a path pattern, then indented ``Name: value`` lines) gives the
landing pages their Content-Security-Policy and security headers.  ``serve`` applies them
exactly as a static host would, so the same folder behaves the same everywhere.

Never served: the host rule files themselves and anything whose name starts with a dot
(temporary files of an interrupted build, ``.git``).  The database and the poster cache
live outside the site folder (the server refuses a database inside it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from starlette.responses import PlainTextResponse
from starlette.staticfiles import StaticFiles

HIDDEN = {"_headers", "_redirects"}
BASE_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"strict-origin-when-cross-origin")]


@dataclass(frozen=True)
class HeaderRule:
    pattern: re.Pattern
    headers: tuple[tuple[str, str], ...]


def _compile(path: str) -> re.Pattern:
    """A Netlify path pattern: ``*`` matches anything (also '/'), ``:name`` one segment."""
    out = []
    for token in re.split(r"(\*|:[A-Za-z_][A-Za-z0-9_]*)", path):
        if token == "*":
            out.append(".*")
        elif token.startswith(":") and len(token) > 1:
            out.append("[^/]+")
        else:
            out.append(re.escape(token))
    return re.compile("^" + "".join(out) + "$")


def parse_headers(text: str) -> list[HeaderRule]:
    """The rules of a ``_headers`` file, in order."""
    rules: list[HeaderRule] = []
    path, headers = None, []
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not raw[:1].isspace():
            if path is not None:
                rules.append(HeaderRule(_compile(path), tuple(headers)))
            path, headers = line.strip(), []
        elif path is not None and ":" in line:
            name, value = line.strip().split(":", 1)
            headers.append((name.strip(), value.strip()))
    if path is not None:
        rules.append(HeaderRule(_compile(path), tuple(headers)))
    return rules


def headers_for(rules: list[HeaderRule], path: str) -> list[tuple[str, str]]:
    """Every header the rules give *path* (all matching rules, in file order)."""
    out: list[tuple[str, str]] = []
    for rule in rules:
        if rule.pattern.match(path):
            out.extend(rule.headers)
    return out


class Site:
    """An ASGI app serving the site folder with its ``_headers`` rules applied."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.files = StaticFiles(directory=str(self.root), html=True, follow_symlink=False)
        rules_file = self.root / "_headers"
        self.rules = parse_headers(rules_file.read_text(encoding="utf-8")) if rules_file.is_file() else []

    def exists(self, rel: str) -> bool:
        return (self.root / rel).is_file()

    def extra_headers(self, path: str) -> list[tuple[bytes, bytes]]:
        own = headers_for(self.rules, path)
        names = {n.lower() for n, _ in own}
        base = [(k, v) for k, v in BASE_HEADERS if k.decode() not in names]
        return base + [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in own]

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path", "/")
        parts = [p for p in path.split("/") if p]
        if any(p.startswith(".") or p in HIDDEN for p in parts):
            await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
            return
        extra = self.extra_headers(path)

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.files(scope, receive, send_with_headers)
