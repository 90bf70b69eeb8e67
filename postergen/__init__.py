"""postergen: referral campaign share posters (and, soon, landing pages) from one spec.

The library exposes each pipeline stage; the ``postergen`` command is a thin shell over
them::

    from postergen import load_campaign, plan, layout_poster, paint, encode, build

    loaded = load_campaign("examples/tea-invite/campaign.yaml")
    result = build(loaded, "out")
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["build", "encode", "layout_poster", "load_campaign", "paint", "plan", "__version__"]


def __getattr__(name: str):
    # Import lazily so 'import postergen' (and the CLI's --help) stays fast.
    if name == "load_campaign":
        from .loader import load_campaign

        return load_campaign
    if name == "plan":
        from .plan import plan

        return plan
    if name == "layout_poster":
        from .layout import layout_poster

        return layout_poster
    if name in ("paint", "encode"):
        from . import paint

        return getattr(paint, name)
    if name == "build":
        from .build import build

        return build
    raise AttributeError(name)
