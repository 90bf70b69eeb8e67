"""H5 landing pages: one static, self-contained page per variant × channel.

Public API::

    page = render_landing(loaded, row, poster=Path("out/posters/moments/bold-1080x1920.jpg"))
    page.path, page.data, page.sizes, page.files, page.warnings, page.csp
    thanks = render_thanks(loaded)     # the thank-you page
    landing_path(row), default_row(loaded), size_table(pages)

The pages are parts of the campaign's site: postergen.site.build puts them, with the
split pages, short links and host rules, into OUT/site/.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .render import (
        LandingError,
        LandingPage,
        PageSizes,
        default_row,
        hidden_fields,
        landing_path,
        render_landing,
        render_thanks,
        size_table,
    )

__all__ = [
    "LandingError",
    "LandingPage",
    "PageSizes",
    "default_row",
    "hidden_fields",
    "landing_path",
    "render_landing",
    "render_thanks",
    "size_table",
]


def __getattr__(name: str):
    # Loaded on first use: landing.content (the page's words, which every build's short
    # links need) comes without the renderer's Jinja2, font subsetting and palette.
    if name in __all__:
        from . import render

        return getattr(render, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
