"""Static redirect pages for short links (``<short_base>/c/<CODE>/``).

A host that applies the site's ``_redirects`` answers a short link with a 302 to the
landing page and never serves these pages; elsewhere (object storage, GitHub Pages) this
page forwards with one line of script, keeping the parameters the link was opened with
(``ref``, UTM values), and without JavaScript with a meta refresh (which cannot keep them).
Its only script is allowed by hash in its own Content-Security-Policy.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from .bundled import TEMPLATES_DIR

PAGES_DIR = TEMPLATES_DIR / "pages"


@lru_cache(maxsize=1)
def _env():
    """The sandboxed environment of the built-in pages (redirect, split)."""
    from .sandbox import environment

    return environment([(PAGES_DIR, PAGES_DIR)], autoescape=True, keep_trailing_newline=True)


def source(name: str) -> str:
    """A built-in script or stylesheet of these pages, as it goes into the page."""
    return (PAGES_DIR / name).read_text(encoding="utf-8")


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def page_csp(script: str, css: str | None = None) -> str:
    """The policy of a small page: its own inline script (and style) and nothing else."""
    style = sha256_source(css) if css else "'none'"
    return (
        f"default-src 'none'; base-uri 'none'; object-src 'none'; form-action 'none'; "
        f"style-src {style}; script-src {sha256_source(script)}"
    )


def redirect_path(code: str) -> str:
    """Where the page for *code* goes, relative to the short links' base (served as c/<code>/)."""
    return f"c/{code}/index.html"


def redirect_html(target: str, title: str, lang: str = "zh-CN", link: str | None = None) -> str:
    """A page that forwards to *target* at once, merging the query it was opened with."""
    if not target.startswith(("http://", "https://")):
        raise ValueError(f"redirect target must be http(s): {target!r}")
    script = source("redirect.js")
    zh = lang.lower().startswith("zh")
    return _env().get_template("redirect.html.j2").render(
        target=target,
        title=title,
        lang=lang,
        link=link or ("打开活动页" if zh else "Open the campaign page"),
        script=_markup(script),
        csp=page_csp(script),
    )


def _markup(text: str):
    from markupsafe import Markup

    return Markup(text)
