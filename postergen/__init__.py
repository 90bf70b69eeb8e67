"""postergen: referral campaign share posters (and their tracking codes) from one spec.

The library exposes each pipeline stage; the ``postergen`` command is a thin shell over
them::

    from postergen import load_campaign, plan, layout_poster, paint_png, encode, build

    loaded = load_campaign("examples/tea-invite/campaign.yaml")
    result = build(loaded, "out")
"""

from __future__ import annotations

from importlib import import_module

__version__ = "0.1.0"

# Public name → (module, attribute).  Imported on first use, so 'import postergen' and
# the CLI's --help stay fast.
_EXPORTS = {
    "load_campaign": ("loader", "load_campaign"),
    "plan": ("jobs", "plan"),
    "layout_poster": ("layout", "layout_poster"),
    "paint_png": ("paint", "paint"),
    "encode": ("paint", "encode"),
    "paint_pdf": ("pdf", "paint_pdf"),
    "build": ("pipeline", "build"),
    "validate_campaign": ("validate", "validate_campaign"),
    "export": ("handoff", "export"),
    "render_landing": ("landing", "render_landing"),
}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'postergen' has no attribute {name!r}")
    module, attr = _EXPORTS[name]
    return getattr(import_module(f"postergen.{module}"), attr)
