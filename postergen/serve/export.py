"""``postergen leads export``: the leads and events of a database as CSV for the CRM.

Writes ``leads.csv`` and ``events.csv`` (UTF-8 with a BOM, so Excel opens Chinese text
correctly) with these columns, every cell spreadsheet-safe (:mod:`postergen.csvsafe`)::

    leads.csv   time, code, channel, variant, ref, own_code, phone_hash, phone,
                utm_source, utm_medium, utm_campaign, utm_content, name
    events.csv  time, kind, code, channel, variant, ref, visitor,
                utm_source, utm_medium, utm_campaign, utm_content

Rows are streamed from the database into a temporary file that replaces the target only
when complete (memory stays flat however many leads there are; a reader never sees half
a file).  The server may keep running meanwhile.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..csvsafe import SafeWriter
from ..tracking import UTM_KEYS

LEAD_COLUMNS = ["time", "code", "channel", "variant", "ref", "own_code", "phone_hash", "phone", *UTM_KEYS, "name"]
EVENT_COLUMNS = ["time", "kind", "code", "channel", "variant", "ref", "visitor", *UTM_KEYS]


@dataclass(frozen=True)
class ExportResult:
    leads: int
    events: int
    paths: tuple[Path, Path]

    def summary(self) -> str:
        return f"{self.leads} lead{'s' if self.leads != 1 else ''} and {self.events} event{'s' if self.events != 1 else ''}"


def _write(path: Path, columns: list[str], rows) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    n = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh:
            writer = SafeWriter(fh, columns)
            writer.writeheader()
            for row in rows:
                writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
                n += 1
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)  # phone numbers: readable by the owner only
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return n


def export_leads(db: str, out: str | Path, campaign: str | None = None) -> ExportResult:
    """Write ``leads.csv`` and ``events.csv`` of *db* (of one *campaign*, or all) to *out*."""
    from .store import Store, StoreError, is_postgres

    out = Path(out)
    if not is_postgres(db) and not Path(str(db).removeprefix("sqlite://")).is_file():
        raise StoreError(f"{db}: no such database file; postergen serve writes one (default: leads.sqlite next to the site folder)")
    with Store(db) as store:
        leads = _write(out / "leads.csv", LEAD_COLUMNS, store.rows("leads", LEAD_COLUMNS, campaign))
        events = _write(out / "events.csv", EVENT_COLUMNS, store.rows("events", EVENT_COLUMNS, campaign))
    return ExportResult(leads, events, (out / "leads.csv", out / "events.csv"))
