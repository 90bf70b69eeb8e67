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

    _, problems = codes_for(loaded, environ)
    problems = [_at(loaded, ("tracking", "secret_env"), p.message, p.severity) if p.path == "tracking.secret_env" else p for p in problems]
    problems += _qr_capacity(loaded, environ)
    seen: dict[tuple, str] = {}
    for loc, value in url_fields(loaded):
        seen[loc] = value
        for message in _personal(value):
            problems.append(_at(loaded, loc, message))
    for vname, _, _, vloaded in (loaded.variant_list() if loaded.variants else ()):
        line = _variant_line(loaded, vname)
        for loc, value in url_fields(vloaded):
            if seen.get(loc) == value:
                continue
            for message in _personal(value):
                path = ".".join(str(k) if not isinstance(k, int) else f"[{k}]" for k in loc).replace(".[", "[")
                problems.append(Problem(f"{path}: {message}", file=str(loaded.path), line=line, path=f"variant '{vname}'"))
    for (vname, cname), cloaded in loaded.channel_specs:
        for loc, value in url_fields(cloaded):
            if seen.get(loc) == value:
                continue
            seen[loc] = value
            for message in _personal(value):
                path = ".".join(str(k) if not isinstance(k, int) else f"[{k}]" for k in loc).replace(".[", "[")
                problems.append(Problem(f"{path}: {message}", file=str(loaded.path), path=f"channel '{cname}'"))
    return problems


def _qr_capacity(loaded, environ) -> list[Problem]:
    """The longest URL a QR code would carry must fit one (located at the field to fix)."""
    from .jobs import codes_for
    from .qr import resolve_level, too_long

    spec = loaded.spec
    rows, _ = codes_for(loaded, environ)
    urls = [r.qr_url for r in rows] or [spec.landing_url]
    level = resolve_level(spec.qr.error_correction, bool(spec.qr.logo))
    why = too_long(max(urls, key=lambda u: len(u.encode("utf-8"))), level)
    if why is None:
        return []
    loc = ("tracking", "short_base") if spec.tracking.short_base else ("landing_url",)
    return [_at(loaded, loc, why)]


def url_fields(loaded) -> list[tuple[tuple, str]]:
    """(location, value) of everything in *loaded*'s spec that goes into a URL."""
    return raw_url_fields(loaded.raw)


def raw_url_fields(data) -> list[tuple[tuple, str]]:
    """(location, value) of everything that goes into a URL, from raw spec *data* (so it
    works on a spec that failed validation): every URL field (landing_url, short_base,
    the form's endpoint and privacy link, follow link, share base URL…), and the ids and
    names that become path segments or UTM values."""
    from . import spec as specmod
    from .specbase import walk

    if not isinstance(data, dict):
        return []
    fields = list(walk(specmod.Campaign, data, specmod._UrlMarker))

    def add(loc, value):
        if isinstance(value, str):
            fields.append((loc, value))

    campaign = data.get("campaign")
    if isinstance(campaign, dict):
        add(("campaign", "id"), campaign.get("id"))
    for i, ch in enumerate(data.get("channels") or [] if isinstance(data.get("channels"), list) else []):
        if isinstance(ch, dict):
            for key in ("id", "medium", "source"):
                add(("channels", i, key), ch.get(key))
    for i, variant in enumerate(data.get("variants") or [] if isinstance(data.get("variants"), list) else []):
        if isinstance(variant, dict):
            add(("variants", i, "name"), variant.get("name"))
    matrix = data.get("matrix")
    factors = matrix.get("factors") if isinstance(matrix, dict) else None
    for i, factor in enumerate(factors if isinstance(factors, list) else []):
        levels = factor.get("levels") if isinstance(factor, dict) else None
        for level in levels if isinstance(levels, dict) else ():
            add(("matrix", "factors", i, "levels", str(level)), str(level))
    return fields


def personal_data_problems(data, shown: str) -> list[Problem]:
    """Personal data in the URL fields of raw spec *data* (for a spec that failed
    validation, so these errors come in the same run as the others)."""
    return [
        Problem(message, file=shown, line=line_of(data, loc), path=_dotted(loc))
        for loc, value in raw_url_fields(data)
        for message in _personal(value)
    ]


def _dotted(loc: tuple) -> str:
    return ".".join(str(k) if not isinstance(k, int) else f"[{k}]" for k in loc).replace(".[", "[")


def _personal(value: str) -> list[str]:
    out = []
    what = personal_data(value)
    if what:
        out.append(f"contains {what}; personal data must never go into a URL or a code")
    for m in _PLACEHOLDER.finditer(value):
        name = (m.group(1) or m.group(2) or "").strip().lower()
        if any(word in name for word in PERSONAL_BINDINGS):
            out.append(
                f"the placeholder '{m.group(0)}' would put personal data into the URL; "
                "identify inviters by their code, never by name, phone or user id"
            )
    return out


def _variant_line(loaded, name: str) -> int | None:
    for i, variant in enumerate(loaded.spec.variants):
        if variant.name == name:
            return line_of(loaded.raw, ("variants", i))
    return line_of(loaded.raw, ("matrix",))


def check_qr(loaded, jobs) -> list[Problem]:
    """Lay out every distinct QR code the jobs would draw; decode it and lint it."""
    from .errors import LayoutError
    from .jobs import layout_job
    from .layout import QRItem, collect_notes
    from .qrcheck import lints, render_alone, verify

    problems = []
    seen_render: dict[tuple, str | None] = {}
    seen_lint = set()
    seen_text: set[str] = set()
    for job in jobs:
        key = (job.variant, job.template, job.width, job.height, job.url)
        if key in seen_render:
            continue
        variant = f"variant '{job.variant}', " if loaded.variants else ""
        try:
            with collect_notes() as notes:
                tree = layout_job(loaded, job)
        except LayoutError as exc:  # every poster that does not fit, not just the first
            seen_render[key] = None
            problem = _field_problem(loaded, exc.field, f"{variant}{job.label}: {exc}")
            if str(problem) not in seen_text:
                seen_text.add(str(problem))
                problems.append(problem)
            continue
        for message, field in notes:
            problem = _field_problem(loaded, field, f"{variant}{job.label}: {message}", "warning")
            if str(problem) not in seen_text:
                seen_text.add(str(problem))
                problems.append(problem)
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


def _field_problem(loaded, field: str | None, message: str, severity: str = "error") -> Problem:
    """A problem located at the spec field *field* ('poster.headline'), else at the spec."""
    if not field:
        return Problem(message, file=str(loaded.path), severity=severity)
    loc = tuple(int(k) if k.isdigit() else k for k in field.split("."))
    return _at(loaded, loc, message, severity)


def check_landing(loaded, environ=None) -> list[Problem]:
    """The site's problems (postergen.site.checks), then each variant's landing page
    rendered once (its first channel): template errors become problems, the page's own
    warnings (colour fixes, an http:// endpoint) warnings."""
    from .jobs import codes_for
    from .landing import LandingError, default_row, render_landing
    from .landing.render import check_templates
    from .site.checks import site_problems
    from .site.urls import has_site

    try:
        check_templates(loaded)  # every template in the campaign's folder, used or not, site or not
    except LandingError as exc:
        return [_template_problem(loaded, exc, "landing template")]
    problems = site_problems(loaded)  # no endpoint, unusable URLs, name clashes
    if not has_site(loaded.spec) or any(p.severity == "error" for p in problems):
        return problems
    rows, _ = codes_for(loaded, environ)
    seen = set()
    for vname, _, _, vloaded in loaded.variant_list():
        row = next((r for r in rows if r.variant == vname), None) or default_row(vloaded, vname)
        where = f"variant '{vname}' landing page" if loaded.variants else "landing page"
        try:
            page = render_landing(loaded.variant(vname, row.channel), row)
        except LandingError as exc:
            problem = _template_problem(loaded, exc, where)
            if str(problem) not in {str(p) for p in problems}:
                problems.append(problem)
            continue
        for message in page.warnings:
            if message not in seen:
                seen.add(message)
                problems.append(Problem(f"{where}: {message}", file=str(loaded.path), severity="warning"))
    return problems


def _template_problem(loaded, exc, where: str) -> Problem:
    """A landing error as a problem: at the template's file:line when it is in one."""
    if exc.file:
        return Problem(exc.message, file=exc.file, line=exc.line)
    return Problem(f"{where}: {exc}", file=str(loaded.path))
