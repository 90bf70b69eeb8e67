"""What stops a campaign's site from working, found before anything is written.

``validate`` reports these with the rest; ``build`` writes no site while one of the
errors stands (the posters are still written):

- a lead form with nowhere to send leads (no ``landing.form.endpoint``) on a site that
  ``postergen serve`` does not serve, or a page with no call to action at all;
- ``landing_url`` (or ``tracking.short_base``) whose path cannot be a folder of the site;
- a variant named like a channel (their pages would share a folder);
- a ``landing:`` section only in a variant (the site's URLs are the base campaign's).
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from ..errors import Problem
from ..yamlsrc import line_of
from . import urls

_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]{0,79}$")


def _at(loaded, loc: tuple, message: str, severity: str = "error") -> Problem:
    path = ".".join(str(k) if not isinstance(k, int) else f"[{k}]" for k in loc).replace(".[", "[")
    return Problem(message, file=str(loaded.path), line=line_of(loaded.raw, loc), path=path, severity=severity)


def path_problem(url: str) -> str | None:
    """Why the path of *url* cannot be a folder on disk and on a host, or None."""
    path = urlsplit(url).path
    for seg in [s for s in path.split("/") if s]:
        if unquote(seg) != seg or not _SEGMENT.match(seg) or seg in (".", ".."):
            return (
                f"the path segment '{seg}' cannot be a folder of the site: use letters, digits, "
                "'-', '_', '.' and '~' (no encoded characters, no '..')"
            )
    return None


def site_problems(loaded) -> list[Problem]:
    """Every problem with the campaign's site (see the module docstring)."""
    spec = loaded.spec
    problems: list[Problem] = []
    if not urls.has_site(spec):
        for name, _, _, vloaded in loaded.variant_list():
            if vloaded.spec.landing is not None:
                problems.append(_at(loaded, ("variants",), f"variant '{name}' sets landing fields but the campaign has "
                                    "no landing: section; add landing: to the base campaign (variants then change its fields)"))
                break
        if spec.tracking.short_base:
            why = path_problem(spec.tracking.short_base)
            if why:
                problems.append(_at(loaded, ("tracking", "short_base"), why))
        return problems
    why = path_problem(spec.landing_url)
    if why:
        problems.append(_at(loaded, ("landing_url",), why))
    if spec.tracking.short_base:
        why = path_problem(spec.tracking.short_base)
        if why:
            problems.append(_at(loaded, ("tracking", "short_base"), why))
    if loaded.variants and spec.channels:
        ids = {c.id for c in spec.channels}
        for name, _, _, _ in loaded.variant_list():
            if name in ids:
                problems.append(_at(loaded, ("variants",), f"variant '{name}' has the name of a channel: its pages and "
                                    f"the channel's split page would share the folder landing/{name}/; rename one"))
    seen: set[str] = set()
    for name, _, _, vloaded in loaded.variant_list():
        for loc, message in page_problems(vloaded.spec):
            key = f"{loc}:{message}"
            if key in seen:
                continue
            seen.add(key)
            where = f"variant '{name}': " if loaded.variants and vloaded.spec.landing != spec.landing else ""
            problems.append(_at(loaded, loc, where + message))
    return problems


def page_problems(spec) -> list[tuple[tuple, str]]:
    """(field path, message) for a landing page that cannot work: no call to action, or a
    form whose leads have nowhere to go."""
    land = spec.landing
    if land is None:
        return []
    if land.form is None and land.follow is None:
        return [(("landing",), "the page needs a call to action: add landing.form (endpoint and privacy_url) "
                 "for a lead form, or landing.follow for a QR code to follow or join")]
    if land.form is not None and not land.form.endpoint and not urls.served_by_postergen(spec):
        return [(("landing", "form"), "landing.form.endpoint is not set: leads would have nowhere to go; set it to "
                 "your lead-collection URL (see docs/deploy.md), or say the site is served by postergen serve "
                 "(site.server: postergen), which keeps leads itself")]
    return []
