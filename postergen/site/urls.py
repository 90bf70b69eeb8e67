"""The site's URL scheme: where every page lives and what every QR code and link carries.

A campaign with a ``landing:`` section is one web site, served at ``landing_url`` (its
*base*; query and fragment aside, always with a trailing slash)::

    <base>landing/<variant>/<channel>/   the landing page of one variant × channel
    <base>landing/<variant>/             … of a campaign without channels
    <base>landing/<channel>/             the A/B split page of a channel (campaigns with variants)
    <base>landing/                       … of a campaign with variants and no channels
    <base>thanks/                        the thank-you page
    <base>share/<hash>.<ext>             share images (og:image)
    <short_base>/c/<CODE>/               short links (with tracking.short_base)

Every URL postergen prints ends in ``/``, so static hosts answer it with the page itself
instead of a redirect to the slash form (one hop less: ~0.6 s on a slow phone network).

What a QR code carries (:attr:`~postergen.codes.CodeRow.qr_url`): the short link when
``tracking.short_base`` is set, else the page's full URL with the code and UTM values
(:func:`entry_url`).  A person's poster carries the same plus ``ref`` (:func:`personal_qr_url`).
The code decides the variant: a poster of variant ``b`` opens variant ``b``'s page, because
that is what the poster promised.  The split page is the entry for links without a code
(:func:`split_url`): it assigns the visitor a variant by weight.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from ..tracking import tracking_url

LEAD_API = "/api/lead"  # postergen serve: where the form posts (same origin)
EVENT_API = "/api/event"  # postergen serve: where pages send view events
THANKS = "thanks/"
#: A personal referral code as it may appear in a URL (the batch makes them; the page and
#: the lead endpoint check them with the same rule).
REF = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
REF_PATTERN = REF.pattern  # the same rule for JavaScript


def has_site(spec) -> bool:
    """Whether build writes a web site for *spec* (it has a ``landing:`` section)."""
    return spec.landing is not None


def site_base(spec) -> str:
    """The absolute URL the site folder is served at: ``landing_url`` as a folder."""
    parts = urlsplit(spec.landing_url)
    path = parts.path or "/"
    if path.endswith("/index.html"):
        path = path[: -len("index.html")]
    if not path.endswith("/"):
        path += "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, "", ""))


def base_path(spec) -> str:
    """The site's path on its host, e.g. ``/chayu/mango-invite/``."""
    return urlsplit(site_base(spec)).path


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def page_dir(variant: str, channel: str) -> str:
    """A landing page's folder relative to the base: ``landing/<variant>/<channel>/``."""
    return f"landing/{variant or 'base'}/{channel}/" if channel else f"landing/{variant or 'base'}/"


def split_dir(channel: str) -> str:
    """A split page's folder relative to the base: ``landing/<channel>/`` (``landing/``)."""
    return f"landing/{channel}/" if channel else "landing/"


def page_url(spec, variant: str, channel: str) -> str:
    """The absolute URL of a landing page (no query)."""
    return site_base(spec) + page_dir(variant, channel)


def _own_query(spec) -> list[tuple[str, str]]:
    """The query parameters of ``landing_url`` itself, kept on every entry link."""
    return parse_qsl(urlsplit(spec.landing_url).query, keep_blank_values=True)


def _with_query(url: str, query: list[tuple[str, str]]) -> str:
    if not query:
        return url
    return url + "?" + urlencode(query, quote_via=quote, safe="")


def entry_url(spec, variant: str, channel: str, code: str = "", params: dict[str, str] | None = None) -> str:
    """The full URL that leads to a page: the page's URL with ``landing_url``'s own query
    and fragment, the code (``tracking.code_param``) and the UTM values."""
    url = _with_query(page_url(spec, variant, channel), _own_query(spec)) + _fragment(spec)
    return tracking_url(url, code, params or {}, spec.tracking.code_param) if code else url


def _fragment(spec) -> str:
    frag = urlsplit(spec.landing_url).fragment
    return f"#{frag}" if frag else ""


def split_url(spec, channel: str, params: dict[str, str] | None = None) -> str:
    """The link of a channel that lets the split page choose the variant (no code)."""
    query = _own_query(spec) + [(k, v) for k, v in (params or {}).items() if k not in dict(_own_query(spec))]
    return _with_query(site_base(spec) + split_dir(channel), query)


def thanks_url(spec) -> str:
    return site_base(spec) + THANKS


def short_link(spec, code: str) -> str:
    """``<tracking.short_base>/c/<CODE>/`` (with its trailing slash)."""
    return f"{spec.tracking.short_base.rstrip('/')}/c/{code}/"


def short_dir(spec, code: str) -> tuple[str, str]:
    """(origin, path) where a short link is served."""
    url = short_link(spec, code)
    return origin(url), urlsplit(url).path


def lead_url(spec) -> str:
    """Where the form posts: ``landing.form.endpoint``, or ``/api/lead`` under postergen serve."""
    form = spec.landing.form if spec.landing else None
    if form is not None and form.endpoint:
        return form.endpoint
    return LEAD_API


def served_by_postergen(spec) -> bool:
    return spec.site.server == "postergen"


def personal_qr_url(row, ref: str) -> str:
    """What a person's poster QR code carries: the row's QR URL plus ``ref=<ref>``.

    *row* is a :class:`~postergen.codes.CodeRow` (one channel × variant); *ref* is the
    person's referral code (letters, digits, ``-`` and ``_``, at most 40 characters —
    never a phone number or a name).  With a short base this is
    ``https://t.example.com/c/0Y7M6CDJ/?ref=U42``: the short link's host rule (or its
    redirect page) forwards ``ref`` to the landing page, whose script puts it into the
    form's hidden ``ref`` field.  Raises ``ValueError`` for a malformed *ref*.
    """
    if not REF.match(ref or ""):
        raise ValueError(f"ref {ref!r} must be 1-40 letters, digits, '-' or '_'")
    url = row.qr_url
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "ref"] + [("ref", ref)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(query, quote_via=quote, safe=""), parts.fragment))


def relative(from_dir: str, to: str) -> str:
    """*to* (relative to the base) as a link from the page folder *from_dir*."""
    rel = posixpath.relpath(to, from_dir.rstrip("/") or ".")
    return rel + ("/" if to.endswith("/") and not rel.endswith("/") else "")
