"""CSV cells that spreadsheet software will not run as formulas.

Every CSV postergen writes (code tables, manifests, people and failed rows, leads,
reports) may be opened in Excel, WPS or Google Sheets, which treat a cell starting with
``=``, ``+``, ``-`` or ``@`` (and, in some versions, a tab or carriage return) as a
formula: a nickname such as ``=HYPERLINK("http://evil",…)`` would run.  The OWASP advice
is followed: such a cell is prefixed with a single quote, which the spreadsheet shows as
text and hides.  Numbers that merely start with ``-`` or ``+`` (``-12.5``) are left as
they are, so figures stay numeric.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Iterable, Mapping

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value) -> str:
    """*value* as text that a spreadsheet shows literally."""
    text = "" if value is None else str(value)
    if text.startswith(_TRIGGERS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def safe_row(row: Mapping[str, object]) -> dict[str, str]:
    return {k: safe_cell(v) for k, v in row.items()}


def csv_text(fieldnames: list[str], rows: Iterable[Mapping[str, object]]) -> str:
    """A whole CSV document (header + rows) with every cell made safe."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fieldnames, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(safe_row(row))
    return buf.getvalue()


class SafeWriter:
    """A streaming ``csv.DictWriter`` over an open text file whose cells are made safe."""

    def __init__(self, fh, fieldnames: list[str]):
        self._writer = csv.DictWriter(fh, fieldnames=fieldnames, lineterminator="\n", extrasaction="ignore")
        self.fh = fh

    def writeheader(self) -> None:
        self._writer.writeheader()

    def writerow(self, row: Mapping[str, object]) -> None:
        self._writer.writerow(safe_row(row))
