"""The A/B split page: one static page per channel that sends each visitor to a variant.

``<site>/landing/<channel>/`` hashes a visitor id kept in localStorage (FNV-1a with
MurmurHash3's finaliser, salted with the campaign id) into weighted buckets, so the
shares follow the spec's weights and a returning visitor lands on the same variant.
``?ab=<variant>`` forces one, and a URL carrying one of the channel's codes opens that
code's variant; every other parameter (UTM values, ``ref``) and the fragment are passed
on.  Without JavaScript, the page refreshes to the default variant (the first).

It is the entry for links without a code (a channel's link in a text message or a menu);
QR codes carry a variant's code and open that variant's page directly.  The page shows
visitors only "opening the campaign page…" and a link — never the variant names — and
allows its one script and style by hash in its own Content-Security-Policy.
"""

from __future__ import annotations

from .redirects import _env, _markup, page_csp, source

CSS = "body{font:16px/1.5 system-ui,sans-serif;margin:2rem;color:#333}a{color:#0b57d0}"


def split_path(channel: str) -> str:
    """``landing/<channel>/index.html``, or ``landing/index.html`` without channels."""
    return f"landing/{channel}/index.html" if channel else "landing/index.html"


def variant_href(variant: str, channel: str) -> str:
    """The landing page of *variant* for *channel*, relative to the split page."""
    return f"../{variant}/{channel}/" if channel else f"{variant}/"


def split_html(
    campaign_id: str,
    channel: str,
    variants: list[tuple[str, float]],
    lang: str = "zh-CN",
    *,
    title: str | None = None,
    codes: dict[str, str] | None = None,
    code_param: str = "c",
) -> str:
    """The split page of *channel* for ``[(variant, weight), …]`` (first = default).

    *title* is what the browser tab shows (the campaign's page title, not its id); *codes*
    maps this channel's codes to their variants.
    """
    entries = [[name, variant_href(name, channel), weight] for name, weight in variants]
    script = source("split.js")
    zh = lang.lower().startswith("zh")
    data = {
        "variants": entries,
        "key": f"postergen:{campaign_id}:visitor",
        "salt": campaign_id,
        "codes": codes or {},
        "codeParam": code_param,
    }
    return _env().get_template("split.html.j2").render(
        lang=lang,
        title=title or ("活动页" if zh else "Campaign"),
        data=data,
        default_href=entries[0][1],
        message="正在打开活动页…" if zh else "Opening the campaign page…",
        link="打开活动页" if zh else "Open the campaign page",
        css=_markup(CSS),
        script=_markup(script),
        csp=page_csp(script, CSS),
    )
