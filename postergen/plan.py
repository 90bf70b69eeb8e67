"""Plan: a loaded campaign becomes the list of files to render, one :class:`Job` each."""

from __future__ import annotations

from dataclasses import dataclass

from .spec import parse_size

EXTENSIONS = {"png": "png", "jpeg": "jpg", "webp": "webp"}


@dataclass(frozen=True)
class Job:
    """One output poster: which template, at which size, in which format, saying what."""

    template: str
    width: int
    height: int
    format: str
    url: str
    path: str  # relative to the output folder, always with '/' separators

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}"


def plan(loaded) -> list[Job]:
    """Every poster the spec asks for, in a stable order."""
    spec = loaded.spec
    jobs = []
    for name in spec.output.templates:
        for size in spec.output.sizes:
            w, h = parse_size(size)
            for fmt in spec.output.formats:
                path = f"posters/{name}/{name}-{w}x{h}.{EXTENSIONS[fmt]}"
                jobs.append(Job(name, w, h, fmt, spec.landing_url, path))
    return jobs
