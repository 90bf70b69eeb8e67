"""A batch's manifests: ``people.csv``, ``failed.csv`` and, optionally, ``people.parquet``.

Each partition writes its rows to its own state part (:mod:`.partition`) and returns them;
the driver merges the partitions' rows here in row order as they arrive, streaming, into
objects that replace the old ones only when the run ends (a temporary file and a rename
in a folder; on an object store a multipart upload completed at the end, or aborted) — an
interrupted run leaves the previous manifests whole, and a partition run twice (a retry)
still gives each row once.  Cells are made spreadsheet-safe (a nickname such as
``=HYPERLINK(…)`` stays text).  CSV files are UTF-8 with a byte-order mark, so Excel
(also in China) opens them as UTF-8.  With several people files, a ``file`` column says
which one a row came from.
"""

from __future__ import annotations

import io

from ..csvsafe import SafeWriter
from .model import FAILED_FIELDS, PEOPLE_FIELDS, RowResult

PARQUET_ROWS = 10_000  # rows per Parquet row group (memory: one group at a time, a few MB)


class CsvOut:
    """Rows streamed into one CSV object of *store*; committed or discarded at :meth:`close`."""

    def __init__(self, store, rel: str, fields: list[str]):
        self._cm = store.writer(rel)
        self._raw = self._cm.__enter__()
        self.fh = io.TextIOWrapper(self._raw, encoding="utf-8-sig", newline="", write_through=False)
        self.writer = SafeWriter(self.fh, fields)
        self.writer.writeheader()
        self.count = 0

    def write(self, row: dict) -> None:
        self.writer.writerow(row)
        self.count += 1

    def close(self, commit: bool) -> None:
        if self._cm is None:
            return
        cm, self._cm = self._cm, None
        self.fh.flush()
        self.fh.detach()  # the store's writer closes the underlying file
        if commit:
            cm.__exit__(None, None, None)
        else:
            error = RuntimeError("batch interrupted")
            cm.__exit__(RuntimeError, error, None)


class ParquetOut:
    """``people.parquet``: the people.csv columns, typed (row as an integer), in row groups."""

    def __init__(self, store, rel: str, with_file: bool):
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.pa = pa
        fields = [pa.field(name, pa.int64() if name == "row" else pa.string()) for name in PEOPLE_FIELDS]
        if with_file:
            fields.append(pa.field("file", pa.string()))
        self.schema = pa.schema(fields)
        self._cm = store.writer(rel)
        self._raw = self._cm.__enter__()
        self.writer = pq.ParquetWriter(self._raw, self.schema, compression="zstd")
        self.rows: list[dict] = []

    def write(self, row: dict) -> None:
        self.rows.append(row)
        if len(self.rows) >= PARQUET_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self.rows:
            self.writer.write_table(self.pa.Table.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def close(self, commit: bool) -> None:
        if self._cm is None:
            return
        cm, self._cm = self._cm, None
        if commit:
            self._flush()
            self.writer.close()
            cm.__exit__(None, None, None)
        else:
            self.rows = []
            error = RuntimeError("batch interrupted")
            cm.__exit__(RuntimeError, error, None)


class Manifest:
    """people.csv + failed.csv (+ people.parquet) of one run."""

    def __init__(self, store, with_file: bool = False, parquet: bool = False):
        extra = ["file"] if with_file else []
        self.people = CsvOut(store, "people.csv", PEOPLE_FIELDS + extra)
        self.failed = CsvOut(store, "failed.csv", FAILED_FIELDS + extra)
        self.parquet = ParquetOut(store, "people.parquet", with_file) if parquet else None

    def write(self, result: RowResult) -> None:
        row = result.people_row()
        self.people.write(row)
        if self.parquet is not None:
            self.parquet.write(row)
        if result.status == "failed":
            self.failed.write(result.failed_row())

    def close(self, commit: bool) -> None:
        for out in (self.people, self.failed, self.parquet):
            if out is not None:
                out.close(commit)
