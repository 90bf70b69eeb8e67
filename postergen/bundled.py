"""Where postergen's bundled templates and fonts are.

In the repository they sit at the top level, beside ``postergen/`` (``templates/`` and
``fonts/``: a designer opening the repository finds the templates first).  The wheel maps
them into the package as ``postergen/templates`` and ``postergen/fonts`` (``package-dir``
in ``pyproject.toml``).  This module is the one place that knows both layouts: an
installed package has them inside, a source checkout has them one level up.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name


TEMPLATES_DIR = _bundled("templates")
FONTS_DIR = _bundled("fonts")
# Folders a PDF may load files from besides the campaign's own (fonts, template assets).
ROOTS = (PACKAGE_DIR, TEMPLATES_DIR, FONTS_DIR)
