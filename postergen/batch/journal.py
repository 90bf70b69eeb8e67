"""The batch journal: what each row last produced, so a re-run renders only what changed.

An SQLite file in the output folder (``.postergen/batch.sqlite``) maps a person id to the
hash of everything its posters depend on (the row's content, the avatar's bytes, the
campaign spec, the options and the postergen version) and to the row's last result.  A
row is committed only after its posters are written, so after Ctrl-C or ``kill -9`` a
re-run skips exactly the rows that were finished.  Look-ups are by key: memory stays flat
however many rows the journal holds.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS rows (
    id TEXT PRIMARY KEY,
    input TEXT NOT NULL,
    result TEXT NOT NULL
)
"""


class Journal:
    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute(SCHEMA)

    def get(self, person_id: str) -> tuple[str, dict] | None:
        row = self.db.execute("SELECT input, result FROM rows WHERE id = ?", (person_id,)).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def put_many(self, items: list[tuple[str, str, dict]]) -> None:
        """Record (id, input hash, result) for finished rows, in one transaction."""
        if not items:
            return
        self.db.execute("BEGIN")
        self.db.executemany(
            "INSERT OR REPLACE INTO rows (id, input, result) VALUES (?, ?, ?)",
            [(i, h, json.dumps(r, ensure_ascii=False)) for i, h, r in items],
        )
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()
