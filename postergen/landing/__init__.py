"""H5 landing pages: one static, self-contained page per variant × channel.

Public API::

    page = render_landing(loaded, row, poster_path="posters/moments/bold-1080x1920.jpg")
    page.path, page.data, page.sizes, page.files, page.warnings
    headers_file([page, ...])          # content of OUT/_headers
    landing_path(row), default_row(loaded), size_table(pages)
"""

from .render import (
    LandingError,
    LandingPage,
    PageSizes,
    default_row,
    headers_file,
    hidden_fields,
    landing_path,
    render_landing,
    size_table,
)

__all__ = [
    "LandingError",
    "LandingPage",
    "PageSizes",
    "default_row",
    "headers_file",
    "hidden_fields",
    "landing_path",
    "render_landing",
    "size_table",
]
