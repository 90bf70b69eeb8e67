"""Reading the results back: channel funnels, the A/B readout, fission depth and costs.

Owns ``postergen report``.  The pipeline, in :func:`report`::

    source ─sources.read_source─▶ Data (events, leads)         SQLite, PostgreSQL or CSV
    campaign ─jobs.codes_for─▶ code table                     channel × variant codes
    --people, --costs ─sources─▶ personal codes, costs
    all of it ─compute.compute─▶ figures (one JSON-ready dict)  funnels, A/B, daily, fission
    figures ─html / markdown / csv─▶ OUT/report.html, report.md, report.json, *.csv

It imports the core (loader, jobs, codes, tracking, csvsafe, writer, errors); nothing
in the core imports it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ..errors import Problem, SpecError
from .sources import ReportInputError, read_costs, read_people, read_source

DEFAULT_TZ = "Asia/Shanghai"

__all__ = ["report", "ReportResult", "ReportInputError", "resolve_tz", "parse_bound", "DEFAULT_TZ"]


@dataclass
class ReportResult:
    """What :func:`report` wrote and the figures it computed."""

    out: Path
    figures: dict
    written: list[str] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        return self.figures["warnings"]

    def summary(self) -> str:
        t = self.figures["totals"]
        conv = t["conversion"]["rate"]
        return (f"{t['leads']:,} leads from {t['visitors']:,} visitors"
                + (f" ({100 * conv:.1f}%)" if conv is not None else "")
                + f"; {len(self.written)} files")


def resolve_tz(spec, name: str | None):
    """(tzinfo, name, where it came from): --tz, else the campaign's, else Asia/Shanghai."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    where = "--tz"
    if not name:
        name = _campaign_tz(spec)
        where = "campaign"
    if not name:
        name, where = DEFAULT_TZ, "default"
    try:
        return ZoneInfo(name), name, where
    except (ZoneInfoNotFoundError, ValueError):
        raise ReportInputError([Problem(f"unknown time zone '{name}'; use an IANA name such as Asia/Shanghai",
                                        path="--tz" if where == "--tz" else "campaign time zone")]) from None


def _campaign_tz(spec) -> str | None:
    """A time zone the spec declares, if it has one (campaign.timezone, or the
    mechanics deadline's zone once the spec has mechanics)."""
    for holder, attr in ((getattr(spec, "campaign", None), "timezone"), (spec, "timezone")):
        value = getattr(holder, attr, None) if holder is not None else None
        if isinstance(value, str) and value:
            return value
    deadline = getattr(getattr(spec, "mechanics", None), "deadline", None)
    tzinfo = getattr(deadline, "tzinfo", None)
    key = getattr(tzinfo, "key", None)
    return key if isinstance(key, str) else None


def parse_bound(text: str | None, tz, end: bool = False) -> datetime | None:
    """--since/--until: a date (the whole day, in *tz*) or a date-time."""
    from .sources import parse_time

    if not text:
        return None
    text = text.strip()
    if len(text) <= 10 and text.count("-") == 2:
        try:
            day = datetime.strptime(text, "%Y-%m-%d")
        except ValueError:
            day = None
        if day is not None:
            start = day.replace(tzinfo=tz)
            return (start + timedelta(days=1) if end else start).astimezone(timezone.utc)
    value = parse_time(text, tz)
    if value is None:
        raise ReportInputError([Problem(f"{text!r} is not a date (2026-07-01) or a date-time (2026-07-01T08:00)",
                                        path="--until" if end else "--since")])
    return value


def report(loaded, source, out, *, people=None, costs=None, mapping=None, since=None, until=None, tz=None,
           threshold=None, environ=None, now: datetime | None = None) -> ReportResult:
    """Read *source*, compute the report of campaign *loaded*, and write it into *out*.

    *source*: a SQLite file, a ``postgresql://`` URL, a folder with leads.csv/events.csv,
    or a leads CSV.  *people*: the batch's people.csv (personal codes); *costs*: a CSV of
    channel, cost; *mapping*: leads-CSV field → header; *since*/*until*: a date or
    date-time (text) or an aware datetime; *tz*: an IANA zone name; *threshold*: invites
    needed for the reward when the spec has no mechanics.
    """
    from ..jobs import codes_for
    from .compute import compute

    spec = loaded.spec
    tzinfo, tz_name, tz_from = resolve_tz(spec, tz)
    lo = since if isinstance(since, datetime) else parse_bound(since, tzinfo)
    hi = until if isinstance(until, datetime) else parse_bound(until, tzinfo, end=True)
    if lo is not None and hi is not None and hi <= lo:
        raise ReportInputError([Problem("--until is not after --since; nothing would be counted", path="--until")])
    rows, problems = codes_for(loaded, environ)
    if any(p.severity == "error" for p in problems):
        raise SpecError(problems)
    spec_threshold = getattr(getattr(spec, "mechanics", None), "threshold", None)
    if threshold:
        threshold_from = "--threshold"
    elif spec_threshold:
        threshold, threshold_from = int(spec_threshold), "mechanics.threshold"
    else:
        threshold, threshold_from = None, ""
    data = read_source(source, spec.campaign.id, tzinfo, mapping)
    people_rows = read_people(Path(people)) if people else {}
    cost_map = read_costs(Path(costs), [ch.id for ch in spec.channels]) if costs else None
    figures = compute(loaded, rows, data, people=people_rows, costs=cost_map, since=lo, until=hi, tz=tzinfo,
                      tz_name=tz_name, tz_from=tz_from, threshold=threshold, threshold_from=threshold_from)
    now = now or datetime.now(timezone.utc)
    figures["generated"] = now.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    figures["generated_local"] = now.astimezone(tzinfo).strftime("%Y-%m-%d %H:%M")
    figures["secret_warning"] = next((p.message for p in problems if p.severity == "warning"), None)
    return write_report(loaded, figures, Path(out))


def write_report(loaded, figures: dict, out: Path) -> ReportResult:
    """Write report.html, report.md, report.json and the CSV tables into *out*."""
    from ..writer import write_atomic
    from .html import render_html
    from .markdown import render_markdown
    from .tables import csv_files

    files = {
        "report.json": json.dumps(figures, ensure_ascii=False, indent=2, allow_nan=False) + "\n",
        "report.md": render_markdown(figures),
        "report.html": render_html(loaded, figures),
        **csv_files(figures),
    }
    written = []
    for name, text in files.items():
        write_atomic(out / name, text.encode("utf-8"))
        written.append(name)
    return ReportResult(out, figures, written)
