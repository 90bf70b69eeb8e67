"""How many rows a people file has, roughly and quickly, for a progress bar's ETA."""

from __future__ import annotations

from pathlib import Path


def estimate_rows(path: Path) -> int | None:
    """Data rows in *path* (lines minus the header for CSV; lines for JSON Lines; the
    sheet's dimension for XLSX), or None when it cannot be told cheaply."""
    try:
        suffix = path.suffix.lower()
        if suffix in (".csv", ".jsonl", ".ndjson"):
            lines = 0
            with open(path, "rb") as fh:
                while block := fh.read(1 << 20):
                    lines += block.count(b"\n")
            return max(0, lines - (suffix == ".csv"))
        if suffix == ".xlsx":
            from openpyxl import load_workbook

            wb = load_workbook(path, read_only=True)
            try:
                return max(0, (wb.worksheets[0].max_row or 1) - 1)
            finally:
                wb.close()
    except (OSError, ValueError, KeyError):
        return None
    return None
