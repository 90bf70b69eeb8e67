"""Plan: a loaded campaign becomes the list of files to render, one :class:`Job` each.

Jobs are variant × channel × template × size × format, each with the tracking code and
the URL its QR code carries; a channel's medium decides its sizes (printed channels get
the print sizes, screen channels the screen sizes: :mod:`postergen.channels`).  Paths are
stable::

    posters/<template>/<template>-<W>x<H>.<ext>              (no channels)
    posters/<channel>/<template>-<W>x<H>.<ext>               (with channels)
    posters/<channel or template>/<template>-<A4|card|…>.pdf  (print sizes)
    posters/<variant>/<channel or template>/…                 (with variants)
"""

from __future__ import annotations

from dataclasses import dataclass

from .codes import CodeRow, code_table, duplicates, secret_for
from .errors import Problem, SpecError
from .site.urls import entry_url, has_site
from .spec import parse_size

EXTENSIONS = {"png": "png", "jpeg": "jpg", "webp": "webp"}


@dataclass(frozen=True)
class Job:
    """One output poster: which template, at which size, in which format, saying what."""

    template: str
    width: int
    height: int
    format: str
    url: str  # what the QR code carries
    path: str  # relative to the output folder, always with '/' separators
    channel: str = ""
    variant: str = ""
    code: str = ""
    full_url: str = ""  # the landing URL with code and UTM parameters
    print_size: object = None  # a printsizes.PrintSize for PDF jobs

    @property
    def size(self) -> str:
        return self.print_size.name if self.print_size is not None else f"{self.width}x{self.height}"

    @property
    def label(self) -> str:
        """How messages name this job: "channel 'moments', bold 1080x1920"."""
        where = f"channel '{self.channel}', " if self.channel else ""
        return f"{where}{self.template} {self.size}"


def layout_job(loaded, job: Job):
    """The layout tree of *job*: its variant's spec and template, laid out at its pixel
    size, or for its print size."""
    v = loaded.variant(job.variant, job.channel)
    template = v.templates[job.template]
    if job.print_size is not None:
        from .layout import layout_for_print

        return layout_for_print(v, template, job.print_size, job.url)
    from .layout import layout_poster

    return layout_poster(v, template, job.width, job.height, job.url)


def codes_for(loaded, environ=None) -> tuple[list[CodeRow], list[Problem]]:
    """The code table of a campaign, and problems with it (secret, collisions)."""
    spec = loaded.spec
    secret, problem = secret_for(spec, environ)
    problems = [Problem(problem.message, file=str(loaded.path), path=problem.path, severity=problem.severity)] if problem else []
    names = tuple(name for name, _, _, _ in loaded.variant_list())
    rows = code_table(spec, secret, names)
    for a, b in duplicates(rows):
        problems.append(
            Problem(
                f"channels '{a.channel}' and '{b.channel}' got the same code {a.code}; "
                "raise tracking.code_length",
                file=str(loaded.path),
                path="tracking.code_length",
            )
        )
    return rows, problems


def plan(loaded, environ=None) -> list[Job]:
    """Every poster the spec asks for, in a stable order: variant × channel × template ×
    size × format, then the print sizes.  Each channel gets the sizes its medium decides
    (:func:`postergen.channels.outputs`) from its own spec (its ``set`` applied)."""
    from .channels import outputs
    from .printsizes import output_path, parse_print_size

    rows, problems = codes_for(loaded, environ)
    if any(p.severity == "error" for p in problems):
        raise SpecError(problems)
    declared = bool(loaded.variants)
    channels = {c.id: c for c in loaded.spec.channels}
    jobs = []
    for vname, _, _, vloaded in loaded.variant_list():
        targets = [(r.channel, r.code, r.qr_url, r.url) for r in rows if r.variant == vname]
        if not targets:  # no channels: the variant's page on the site, or landing_url as it is
            vspec = vloaded.spec
            url = entry_url(vspec, vname, "") if has_site(vspec) else vspec.landing_url
            targets = [("", "", url, url)]
        variant = vname if (declared or rows) else ""
        for channel, code, qr_url, full in targets:
            spec = loaded.variant(vname, channel).spec
            sizes, prints = outputs(channels.get(channel), spec, bool(channels))
            print_sizes = [parse_print_size(p) for p in prints]
            for name in spec.output.templates:
                folder = "/".join(x for x in (vname if declared else "", channel or name) if x)
                for size in sizes:
                    w, h = parse_size(size)
                    for fmt in spec.output.formats:
                        path = f"posters/{folder}/{name}-{w}x{h}.{EXTENSIONS[fmt]}"
                        jobs.append(Job(name, w, h, fmt, qr_url, path, channel, variant, code, full))
                for ps in print_sizes:
                    w, h = round(ps.width_mm), round(ps.height_mm)
                    jobs.append(Job(name, w, h, "pdf", qr_url, output_path(folder, name, ps), channel, variant, code, full, ps))
    return jobs
