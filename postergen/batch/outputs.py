"""``people.csv`` and ``failed.csv``: written row by row as a batch goes, in file order,
into a temporary file that replaces the old one only when the run ends — an interrupted
run leaves the previous files whole.  Cells are made spreadsheet-safe (a nickname such as
``=HYPERLINK(…)`` stays text)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..csvsafe import SafeWriter


class CsvOut:
    def __init__(self, path: Path, fields: list[str]):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, self.tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        # utf-8-sig: Excel (also in China) then opens the file as UTF-8, not GBK.
        self.fh = os.fdopen(fd, "w", encoding="utf-8-sig", newline="")
        self.writer = SafeWriter(self.fh, fields)
        self.writer.writeheader()
        self.count = 0

    def write(self, row: dict) -> None:
        self.writer.writerow(row)
        self.count += 1

    def close(self, commit: bool) -> None:
        if self.fh.closed:
            return
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        if commit:
            os.chmod(self.tmp, 0o644)
            os.replace(self.tmp, self.path)
        else:
            Path(self.tmp).unlink(missing_ok=True)
