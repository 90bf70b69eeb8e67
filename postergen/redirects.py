"""Static redirect pages for the short QR form ``<short_base>/c/<code>``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

PAGES_DIR = Path(__file__).parent / "templates" / "pages"


@lru_cache(maxsize=1)
def _env():
    """The sandboxed environment of the built-in pages (redirect, split)."""
    from .sandbox import environment

    return environment([(PAGES_DIR, PAGES_DIR)], autoescape=True, keep_trailing_newline=True)


def redirect_path(code: str) -> str:
    """Where the page for *code* goes in the output folder (served as /c/<code>)."""
    return f"c/{code}/index.html"


def redirect_html(target: str, title: str) -> str:
    """A page that forwards to *target* at once, merging the query it was opened with."""
    if not target.startswith(("http://", "https://")):
        raise ValueError(f"redirect target must be http(s): {target!r}")
    return _env().get_template("redirect.html.j2").render(target=target, title=title)
