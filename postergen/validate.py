"""``postergen validate``: load the campaign, then every check a build would make.

The top of the checking path: :func:`postergen.loader.load_campaign` (the spec, its
files and fonts), then the deadline, tracking, every QR code of every job and the landing
pages (:mod:`postergen.checks`), each problem with file, line and field path.
"""

from __future__ import annotations

from .checks import check_landing, check_qr, check_tracking
from .errors import SpecError
from .jobs import plan
from .loader import load_campaign
from .mechanics import deadline_problems


def validate_campaign(path, strict: bool = False, environ=None, now=None):
    """Everything ``postergen validate`` checks; returns (loaded, warnings).

    *now* (an aware datetime, default the current time) is when a deadline is judged.

    Raises :class:`~postergen.errors.SpecError` with every error (and, with *strict*,
    every warning) found.
    """
    loaded = load_campaign(path, strict=strict)
    problems = list(loaded.warnings) + deadline_problems(loaded, now) + check_tracking(loaded, environ)
    if not any(p.severity == "error" for p in problems):
        problems += check_qr(loaded, plan(loaded, environ))
        problems += check_landing(loaded, environ)
    if any(p.severity == "error" for p in problems) or (strict and problems):
        raise SpecError(problems)
    return loaded, problems
