"""Host rules for a site folder: ``_headers``, ``_redirects`` and an nginx snippet, and a
reader that applies the first two the way Netlify and Cloudflare Pages do.

Writing::

    rules = HostRules(pages=[Page(path, csp), …], redirects=[Redirect(source, target), …],
                      prefix="/chayu/mango-invite/")
    rules.headers_text(), rules.redirects_text(), rules.nginx_text(root_hint)

Reading (the test suite's static host, and ``postergen serve``)::

    host = HostConfig.load(folder)               # parses _headers and _redirects
    host.redirect("/c/0Y7M6CDJ/", "ref=U42")     # → (302, "/…/landing/base/moments/?ref=U42") or None
    host.headers("/…/landing/base/moments/")     # → {"Content-Security-Policy": …, …}

Rules are written so that the two hosts agree and nothing depends on their differences:

- **Redirect targets carry no query string.**  Cloudflare keeps the visitor's query (``ref``,
  UTM values) only when the target has none (``destination.search || request.search``);
  Netlify passes it on too.  The landing page has its code, channel, variant and UTM values
  baked in, so nothing is lost.  Each short link gets a rule with and without its
  trailing slash; redirects are 302 (browsers and WeChat cache a 301 for ever).
- **At most one Content-Security-Policy per path.**  Both hosts send every matching rule's
  headers and join repeated names with a comma — two policies, both enforced.  So the
  policy rules never overlap: pages that share a policy share a folder rule (the pages of
  one variant), and a page whose folder holds pages with other policies gets an exact rule.
  Cloudflare allows 100 rules; a campaign needs about one per variant and channel split.
- Headers that are the same everywhere (``nosniff``, frame and permission policies) are one
  rule for the whole site; ``share/`` images are cached for a year (their names are hashes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

COMMON = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer-when-downgrade"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
)
PAGE_CACHE = ("Cache-Control", "no-cache")  # pages change with each build: always revalidate
ASSET_CACHE = ("Cache-Control", "public, max-age=31536000, immutable")
_SAFE = re.compile(r"^[A-Za-z0-9/._~%:+=,;@!$&'()*-]*$")


@dataclass(frozen=True)
class Page:
    """An HTML page of the site, served at *path* (a folder URL path ending in ``/``)."""

    path: str
    csp: str  # the page's own policy; the header adds frame-ancestors


@dataclass(frozen=True)
class Redirect:
    source: str  # a URL path, e.g. /chayu/mango-invite/c/0Y7M6CDJ/
    target: str  # an absolute URL or a path, without a query string
    status: int = 302


@dataclass
class HostRules:
    """Everything a host must do for one site folder, as data; the three texts from it."""

    prefix: str  # the URL path every file of the folder is under, e.g. /chayu/mango-invite/
    pages: list[Page] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)
    assets: list[str] = field(default_factory=list)  # folder paths of immutable files (share/)

    def __post_init__(self) -> None:
        for value in [self.prefix, *(p.path for p in self.pages), *(r.source for r in self.redirects)]:
            if not value.startswith("/") or not _SAFE.match(value) or "//" in value or "/../" in value:
                raise ValueError(f"unsafe URL path for a host rule: {value!r}")
        for r in self.redirects:
            if "?" in r.target or any(ch.isspace() for ch in r.target):
                raise ValueError(f"a redirect target may not have a query string or spaces: {r.target!r}")

    # ------------------------------------------------------------------ policy groups

    def csp_rules(self) -> list[tuple[str, str]]:
        """``[(pattern, policy), …]``: non-overlapping path patterns (``/dir/*`` or exact)."""
        policies = {p.path: p.csp for p in self.pages}
        rules: list[tuple[str, str]] = []

        def under(folder: str) -> set[str]:
            return {policies[p] for p in policies if p.startswith(folder)}

        def visit(folder: str) -> None:
            found = under(folder)
            if not found:
                return
            if len(found) == 1:
                rules.append((folder + "*", found.pop()))
                return
            if folder in policies:
                rules.append((folder, policies[folder]))
                rules.append((folder + "index.html", policies[folder]))
            children = sorted({folder + p[len(folder):].split("/", 1)[0] + "/" for p in policies if p.startswith(folder) and p != folder})
            for child in children:
                visit(child)

        visit(self.prefix)
        return rules

    # ------------------------------------------------------------------ the three texts

    def headers_text(self) -> str:
        lines = [
            "# Response headers for this folder (Netlify / Cloudflare Pages `_headers` format).",
            "# Written by postergen; publish the folder as the root of its host. For nginx, see nginx.conf.",
            f"{self.prefix}*",
        ]
        lines += [f"  {k}: {v}" for k, v in COMMON]
        for pattern, csp in self.csp_rules():
            lines += ["", pattern, f"  Content-Security-Policy: {csp}; frame-ancestors 'none'", f"  {PAGE_CACHE[0]}: {PAGE_CACHE[1]}"]
        for folder in self.assets:
            lines += ["", folder + "*", f"  {ASSET_CACHE[0]}: {ASSET_CACHE[1]}"]
        return "\n".join(lines) + "\n"

    def redirects_text(self) -> str:
        lines = [
            "# Redirects for this folder (Netlify / Cloudflare Pages `_redirects` format): short links",
            "# to their landing pages. The visitor's query (ref, UTM values) is passed on.",
        ]
        for r in self.redirects:
            for source in dict.fromkeys((r.source, r.source.rstrip("/") or "/")):
                lines.append(f"{source} {r.target} {r.status}")
        return "\n".join(lines) + "\n"

    def nginx_text(self, folder_name: str, host: str) -> str:
        """A snippet to include in the ``server {}`` block of *host*, whose ``root`` is the
        folder (*folder_name*, e.g. ``OUT/site``)."""

        def quoted(value: str) -> str:
            if any(ch in value for ch in '"\\$'):  # (CSP hashes are base64: never these)
                raise ValueError(f"unsafe header value for nginx: {value!r}")
            return '"' + value + '"'

        def headers(extra=()) -> list[str]:
            return [f"    add_header {k} {quoted(v)} always;" for k, v in (*COMMON, *extra)]

        out = [
            f"# nginx: include this file inside the server {{ }} block of {host}, e.g.",
            "#     server {",
            f"#         server_name {urlsplit(host).netloc or host};",
            f"#         root /srv/postergen/{folder_name};   # this folder",
            "#         gzip on; gzip_types text/css application/javascript;   # text/html is always on",
            f"#         include /srv/postergen/{folder_name}/nginx.conf;",
            "#     }",
            "# Written by postergen with _headers and _redirects; it does the same as they do.",
            "# (add_header is not inherited by a location that has its own, so each repeats them all.)",
            "",
        ]
        for r in self.redirects:
            for source in dict.fromkeys((r.source, r.source.rstrip("/") or "/")):
                # rewrite appends the visitor's query to the target (which has none).
                out += [f"location = {source} {{", f"    rewrite ^ {r.target} {'redirect' if r.status == 302 else 'permanent'};", "}"]
        for pattern, csp in self.csp_rules():
            extra = (("Content-Security-Policy", f"{csp}; frame-ancestors 'none'"), PAGE_CACHE)
            if pattern.endswith("*"):
                out.append(f"location ^~ {pattern[:-1]} {{")
            else:
                out.append(f"location = {pattern} {{")
            out += headers(extra) + ["}"]
        for folder in self.assets:
            out += [f"location ^~ {folder} {{"] + headers((ASSET_CACHE,)) + ["}"]
        out += [f"location ^~ {self.prefix} {{"] + headers() + ["}"]
        return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- reading


@dataclass
class HostConfig:
    """``_headers`` and ``_redirects`` of a folder, parsed, applied as the hosts do."""

    header_rules: list[tuple[str, list[tuple[str, str]]]]
    redirect_rules: list[tuple[str, str, int]]

    @classmethod
    def load(cls, folder: str | Path) -> "HostConfig":
        folder = Path(folder)
        headers = (folder / "_headers").read_text(encoding="utf-8") if (folder / "_headers").is_file() else ""
        redirects = (folder / "_redirects").read_text(encoding="utf-8") if (folder / "_redirects").is_file() else ""
        return cls(parse_headers(headers), parse_redirects(redirects))

    def redirect(self, path: str, query: str = "") -> tuple[int, str] | None:
        """(status, location) for a request to *path*?*query*, or None: the first matching
        rule; the target's own query, else the request's, as Cloudflare Pages does."""
        for source, target, status in self.redirect_rules:
            splat = _match(source, path)
            if splat is None:
                continue
            target = target.replace(":splat", splat)
            parts = urlsplit(target)
            if parts.query:
                return status, target
            return status, target + (f"?{query}" if query else "")
        return None

    def headers(self, path: str) -> dict[str, str]:
        """Every matching rule's headers; a name set twice is joined with ', ' (as the hosts do)."""
        out: dict[str, str] = {}
        for pattern, headers in self.header_rules:
            if _match(pattern, path) is None:
                continue
            for name, value in headers:
                out[name] = f"{out[name]}, {value}" if name in out else value
        return out


def _match(pattern: str, path: str) -> str | None:
    """The splat when *path* matches *pattern* (``/a/*`` or exact), else None."""
    if pattern.endswith("*"):
        return path[len(pattern) - 1 :] if path.startswith(pattern[:-1]) else None
    return "" if path == pattern else None


def parse_headers(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    rules: list[tuple[str, list[tuple[str, str]]]] = []
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if raw[0] not in " \t":
            rules.append((raw.strip(), []))
        elif rules and ":" in raw:
            name, value = raw.strip().split(":", 1)
            rules[-1][1].append((name.strip(), value.strip()))
    return rules


def parse_redirects(text: str) -> list[tuple[str, str, int]]:
    rules = []
    for raw in text.splitlines():
        parts = raw.split()
        if not parts or parts[0].startswith("#") or len(parts) < 2:
            continue
        status = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 302
        rules.append((parts[0], parts[1], status))
    return rules
