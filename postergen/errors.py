"""Errors and problems: the one place that decides how a failure reads.

A *problem* is one thing wrong with the user's input, located as precisely as we can
(file, line, dotted field path or CSV row) and carrying what to do about it.  Loaders
collect every problem before failing, so a user fixes a spec in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One located problem with user input."""

    message: str
    file: str | None = None
    line: int | None = None
    path: str | None = None
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.path:
            where = f"{where} {self.path}" if where else self.path
        prefix = "warning: " if self.severity == "warning" else ""
        text = f"{where}: {prefix}{self.message}" if where else f"{prefix}{self.message}"
        return printable(text)

    def to_dict(self) -> dict:
        return {
            "severity": self.severity,
            "file": self.file,
            "line": self.line,
            "path": self.path,
            "message": self.message,
        }


def group_warnings(problems: list[Problem]) -> list[Problem]:
    """*problems* with repeated warnings merged: warnings that say the same thing about
    different pages, variants or posters ("<subject>: <message>", same file, line and
    field) become one, with the count and the first few subjects.  Errors are kept as
    they are; the order is that of each group's first member."""
    groups: dict[tuple, list[tuple[str, Problem]]] = {}
    order: list[tuple] = []
    for i, p in enumerate(problems):
        if p.severity == "warning" and ": " in p.message:
            subject, rest = p.message.split(": ", 1)
            key = (p.file, p.line, p.path, rest)
        else:
            subject, key = "", ("single", i)
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append((subject, p))
    out = []
    for key in order:
        members = groups[key]
        first = members[0][1]
        subjects = list(dict.fromkeys(s for s, _ in members))
        if len(subjects) < 2:  # the same warning twice: once is enough
            out.append(first)
            continue
        shown = ", ".join(subjects[:3]) + (f" and {len(subjects) - 3} more" if len(subjects) > 3 else "")
        out.append(Problem(f"{key[3]} ({len(subjects)}×: {shown})", first.file, first.line, first.path, "warning"))
    return out


class PostergenError(Exception):
    """Base class for every error postergen raises on purpose."""


class SpecError(PostergenError):
    """The campaign spec (or a template) has one or more problems."""

    def __init__(self, problems: list[Problem]):
        self.problems = [p for p in problems if p.severity == "error"] or list(problems)
        self.warnings = [p for p in problems if p.severity == "warning"]
        super().__init__("\n".join(str(p) for p in self.problems))


class LayoutError(PostergenError):
    """Content does not fit a template and the layer's overflow policy is 'error'.

    ``field`` is the spec field whose text did not fit ('poster.headline') and
    ``template_at`` where the layer is written ('templates/x.yaml:12'), when known.
    """

    def __init__(self, message: str, field: str | None = None, template_at: str | None = None):
        self.field = field
        self.template_at = template_at
        super().__init__(message)


class AssetError(PostergenError):
    """An image or font could not be used."""


def printable(text: str) -> str:
    """*text* with control characters (a NUL, an escape sequence) written as ``\\xNN``, so
    a message never carries them to a terminal or a log; line breaks are kept."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == "\n" else repr(ch)[1:-1] for ch in text)


def display_path(path: Path, base: Path | None = None) -> str:
    """A path as the user should read it: relative to *base* when inside it."""
    try:
        if base is not None:
            return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        pass
    return str(path)
