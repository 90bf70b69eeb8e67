"""Small event/lead fixtures for the report tests, written as the serve helper writes them.

``SCHEMA`` is the data contract (the ``events`` and ``leads`` tables); :func:`write_sqlite`,
:func:`write_postgres` and :func:`write_csv` put the same rows into each kind of source.
"""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

EVENT_COLUMNS = ["time", "campaign", "kind", "code", "channel", "variant", "ref", "visitor",
                 "utm_source", "utm_medium", "utm_campaign", "utm_content"]
LEAD_COLUMNS = ["time", "campaign", "code", "channel", "variant", "ref", "own_code", "phone_hash", "phone",
                "utm_source", "utm_medium", "utm_campaign", "utm_content"]

SCHEMA = """
CREATE TABLE events(id {serial} PRIMARY KEY, time TEXT NOT NULL, campaign TEXT NOT NULL, kind TEXT NOT NULL,
    code TEXT, channel TEXT, variant TEXT, ref TEXT, visitor TEXT,
    utm_source TEXT, utm_medium TEXT, utm_campaign TEXT, utm_content TEXT);
CREATE TABLE leads(id {serial} PRIMARY KEY, time TEXT NOT NULL, campaign TEXT NOT NULL,
    code TEXT, channel TEXT, variant TEXT, ref TEXT, own_code TEXT,
    phone_hash TEXT NOT NULL, phone TEXT,
    utm_source TEXT, utm_medium TEXT, utm_campaign TEXT, utm_content TEXT,
    UNIQUE(campaign, phone_hash));
"""


def event(time, kind, code="", visitor="", ref="", campaign="tea-invite-3", channel="", variant="") -> dict:
    return {"time": time, "campaign": campaign, "kind": kind, "code": code, "channel": channel, "variant": variant,
            "ref": ref, "visitor": visitor}


def lead(time, code="", ref="", own_code="", phone_hash=None, campaign="tea-invite-3", channel="", variant="") -> dict:
    lead.n = getattr(lead, "n", 0) + 1
    return {"time": time, "campaign": campaign, "code": code, "channel": channel, "variant": variant, "ref": ref,
            "own_code": own_code, "phone_hash": phone_hash or f"h{lead.n:06d}"}


def _values(row: dict, columns: list[str]) -> list:
    return [row.get(c, "") for c in columns]


def write_sqlite(path: Path, events: list[dict], leads: list[dict]) -> Path:
    con = sqlite3.connect(path)
    con.executescript(SCHEMA.format(serial="INTEGER"))
    con.executemany(f"INSERT INTO events({','.join(EVENT_COLUMNS)}) VALUES ({','.join('?' * len(EVENT_COLUMNS))})",
                    [_values(e, EVENT_COLUMNS) for e in events])
    con.executemany(f"INSERT INTO leads({','.join(LEAD_COLUMNS)}) VALUES ({','.join('?' * len(LEAD_COLUMNS))})",
                    [_values(x, LEAD_COLUMNS) for x in leads])
    con.commit()
    con.close()
    return path


def write_postgres(url: str, events: list[dict], leads: list[dict]) -> None:
    import psycopg

    with psycopg.connect(url) as con:
        for statement in SCHEMA.format(serial="BIGSERIAL").split(";"):
            if statement.strip():
                con.execute(statement)
        with con.cursor() as cur:
            cur.executemany(f"INSERT INTO events({','.join(EVENT_COLUMNS)}) VALUES ({','.join(['%s'] * len(EVENT_COLUMNS))})",
                            [_values(e, EVENT_COLUMNS) for e in events])
            cur.executemany(f"INSERT INTO leads({','.join(LEAD_COLUMNS)}) VALUES ({','.join(['%s'] * len(LEAD_COLUMNS))})",
                            [_values(x, LEAD_COLUMNS) for x in leads])


def write_csv(folder: Path, events: list[dict], leads: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows, columns in (("events.csv", events, EVENT_COLUMNS), ("leads.csv", leads, LEAD_COLUMNS)):
        with open(folder / name, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(["id", *columns])
            for i, row in enumerate(rows, 1):
                writer.writerow([i, *_values(row, columns)])
    return folder
