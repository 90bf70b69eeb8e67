"""The A/B split page: one static page per channel that sends each visitor to a variant.

``OUT/landing/<channel>/index.html`` hashes a visitor id kept in localStorage (FNV-1a
with MurmurHash3's finaliser, salted with the campaign id) into weighted buckets, so the shares follow the spec's
weights and a returning visitor lands on the same variant.  ``?ab=<variant>`` forces
one; every other parameter (UTM values, ``ref``) and the fragment are passed on.
Without JavaScript, the page refreshes to the default variant (the first).
"""

from __future__ import annotations


def split_path(channel: str) -> str:
    """``landing/<channel>/index.html``, or ``landing/index.html`` without channels."""
    return f"landing/{channel}/index.html" if channel else "landing/index.html"


def variant_href(variant: str, channel: str) -> str:
    """The landing page of *variant* for *channel*, relative to the split page."""
    return f"../{variant}/{channel}/" if channel else f"{variant}/"


def split_html(campaign_id: str, channel: str, variants: list[tuple[str, float]], lang: str = "zh-CN") -> str:
    """The split page of *channel* for ``[(variant, weight), …]`` (first = default)."""
    from .redirects import _env

    entries = [[name, variant_href(name, channel), weight] for name, weight in variants]
    return _env().get_template("split.html.j2").render(
        lang=lang,
        title=campaign_id,
        variants=entries,
        default_href=entries[0][1],
        storage_key=f"postergen:{campaign_id}:visitor",
        salt=campaign_id,
        message="正在打开活动页…" if lang.startswith("zh") else "Opening the campaign page…",
    )
