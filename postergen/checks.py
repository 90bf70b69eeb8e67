"""Checks that need more than the schema: tracking (secret, code collisions, personal
data in URLs) and QR codes (decode what we would render; lint size and contrast).

``postergen validate`` runs them all; ``build`` runs the tracking checks before it
starts and verifies each QR code as it renders.
"""

from __future__ import annotations

import re

from .errors import Problem
from .tracking import PERSONAL_BINDINGS, personal_data
from .yamlsrc import line_of

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}|%7B([^%]*)%7D", re.IGNORECASE)


def _at(loaded, loc: tuple, message: str, severity: str = "error") -> Problem:
    path = ".".join(str(k) if not isinstance(k, int) else f"[{k}]" for k in loc).replace(".[", "[")
    return Problem(message, file=str(loaded.path), line=line_of(loaded.raw, loc), path=path, severity=severity)


def check_tracking(loaded, environ=None) -> list[Problem]:
    """Secret, code collisions and personal data in anything that goes into a URL."""
    from .jobs import codes_for

    spec = loaded.spec
    _, problems = codes_for(loaded, environ)
    problems = [_at(loaded, ("tracking", "secret_env"), p.message, p.severity) if p.path == "tracking.secret_env" else p for p in problems]
    fields: list[tuple[tuple, str]] = [(("landing_url",), spec.landing_url), (("campaign", "id"), spec.campaign.id)]
    if spec.tracking.short_base:
        fields.append((("tracking", "short_base"), spec.tracking.short_base))
    for i, ch in enumerate(spec.channels):
        fields += [(("channels", i, "id"), ch.id), (("channels", i, "medium"), ch.medium)]
        if ch.source:
            fields.append((("channels", i, "source"), ch.source))
    for loc, value in fields:
        what = personal_data(value)
        if what:
            problems.append(_at(loaded, loc, f"contains {what}; personal data must never go into a URL or a code"))
        for m in _PLACEHOLDER.finditer(value):
            name = (m.group(1) or m.group(2) or "").strip().lower()
            if any(word in name for word in PERSONAL_BINDINGS):
                problems.append(
                    _at(loaded, loc, f"the placeholder '{m.group(0)}' would put personal data into the URL; "
                        "identify inviters by their code, never by name, phone or user id")
                )
    return problems


def check_qr(loaded, jobs) -> list[Problem]:
    """Lay out every distinct QR code the jobs would draw; decode it and lint it."""
    from .jobs import layout_job
    from .layout import QRItem
    from .qrcheck import lints, render_alone, verify

    problems = []
    seen_render: dict[tuple, str | None] = {}
    seen_lint = set()
    for job in jobs:
        key = (job.variant, job.template, job.width, job.height, job.url)
        if key in seen_render:
            continue
        tree = layout_job(loaded, job)
        qr = next((i for i in tree.items if isinstance(i, QRItem)), None)
        if qr is None:
            seen_render[key] = None
            continue
        look = (qr.data, qr.module, qr.logo_box and qr.logo_box[2], qr.dark, qr.light)
        where = job.label
        if look not in seen_render:
            seen_render[look] = verify(render_alone(qr), job.url)
        seen_render[key] = seen_render[look]
        if seen_render[look]:
            problems.append(Problem(f"{where}: {seen_render[look]}", file=str(loaded.path)))
        lint_key = (job.channel, job.template, job.size)
        if lint_key not in seen_lint and job.print_size is None:  # print: see pdf.print_warnings
            seen_lint.add(lint_key)
            for message in lints(qr, job.width):
                problems.append(Problem(f"{where}: {message}", file=str(loaded.path), severity="warning"))
    return problems


def check_landing(loaded, environ=None) -> list[Problem]:
    """The site's problems (postergen.site.checks), then each variant's landing page
    rendered once (its first channel): template errors become problems, the page's own
    warnings (colour fixes, an http:// endpoint) warnings."""
    from .jobs import codes_for
    from .landing import LandingError, default_row, render_landing
    from .site.checks import site_problems
    from .site.urls import has_site

    problems = site_problems(loaded)  # no endpoint, unusable URLs, name clashes
    if not has_site(loaded.spec) or any(p.severity == "error" for p in problems):
        return problems
    rows, _ = codes_for(loaded, environ)
    seen = set()
    for vname, _, _, vloaded in loaded.variant_list():
        row = next((r for r in rows if r.variant == vname), None) or default_row(vloaded, vname)
        where = f"variant '{vname}' landing page" if loaded.variants else "landing page"
        try:
            page = render_landing(vloaded, row)
        except LandingError as exc:
            problems.append(Problem(f"{where}: {exc}", file=str(loaded.path)))
            continue
        for message in page.warnings:
            if message not in seen:
                seen.add(message)
                problems.append(Problem(f"{where}: {message}", file=str(loaded.path), severity="warning"))
    return problems


def validate_campaign(path, strict: bool = False, environ=None):
    """Everything ``postergen validate`` checks; returns (loaded, warnings).

    Raises :class:`~postergen.errors.SpecError` with every error (and, with *strict*,
    every warning) found.
    """
    from .errors import SpecError
    from .loader import load_campaign
    from .jobs import plan

    loaded = load_campaign(path, strict=strict)
    problems = list(loaded.warnings) + check_tracking(loaded, environ)
    if not any(p.severity == "error" for p in problems):
        problems += check_qr(loaded, plan(loaded, environ))
        problems += check_landing(loaded, environ)
    if any(p.severity == "error" for p in problems) or (strict and problems):
        raise SpecError(problems)
    return loaded, problems
