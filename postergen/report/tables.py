"""The report's CSV tables (spreadsheet-safe, through :mod:`postergen.csvsafe`)."""

from __future__ import annotations

from ..csvsafe import csv_text

FUNNEL = ["channel", "channel_name", "variant", "code", "scans", "visitors", "leads", "claims", "invited_leads",
          "conversion", "conversion_lo", "conversion_hi"]
INVITERS = ["code", "person", "nickname", "kind", "level", "channel", "variant", "invite_visitors", "invited",
            "descendants", "depth", "reached_threshold", "reached_at"]
UNKNOWN = ["as_written", "code", "scans", "views", "leads", "first", "last"]


def _r(value) -> str:
    return "" if value is None else f"{value:.6f}"


def csv_files(f: dict) -> dict[str, str]:
    """File name → CSV text: funnel.csv, inviters.csv, unknown_codes.csv."""
    funnel = [{**r, "conversion": _r(r["conversion"]["rate"]), "conversion_lo": _r(r["conversion"]["lo"]),
               "conversion_hi": _r(r["conversion"]["hi"])} for r in f["funnel"]]
    return {
        "funnel.csv": csv_text(FUNNEL, funnel),
        "inviters.csv": csv_text(INVITERS, f["fission"]["inviters"]),
        "unknown_codes.csv": csv_text(UNKNOWN, f["unknown_codes"]),
    }
