"""Parquet people files (``.parquet``): the columnar exports of data warehouses and Spark.

Read with pyarrow one record batch at a time (:data:`BATCH` rows), so memory stays flat
in the number of rows.  The columns are the file's schema; a column whose type cannot
be a cell (a list, struct or map) is a file-level problem named with its column.  Values
become the text a person would write: numbers as written (``10001``; floats with 15
significant digits), ``true``/``false``, dates and times in ISO 8601, null → ``''``.
Rows are numbered as a spreadsheet of the data shows them below its header row: the
first record is row 2.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import BinaryIO, Iterator

from .sniff import FileProblem
from .xlsxsource import scalar_text

BATCH = 4096
MAGIC = b"PAR1"


def cell_text(value) -> str:
    text = scalar_text(value)
    if text is not None:
        return text
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) and value.tzinfo is None else value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value.hex()
    return str(value)


class ParquetSource:
    """A Parquet people file: the schema's column names at open, then rows on demand."""

    format = "parquet"
    encoding = None
    header_row = 1

    def __init__(self, fh: BinaryIO):
        head = fh.read(4)
        fh.seek(0)
        if head != MAGIC:
            what = "an empty file" if not head else "not a Parquet file (it does not start with PAR1)"
            raise FileProblem(f"is {what}; export the people again as Parquet, or give a CSV file a .csv name")
        try:
            import pyarrow.parquet as pq
            import pyarrow.types as pt
        except ImportError:
            raise FileProblem("is a Parquet file, and reading Parquet needs pyarrow: pip install 'postergen[scale]'") from None
        try:
            self._file = pq.ParquetFile(fh)
        except Exception as exc:  # pyarrow raises ArrowInvalid, OSError … on a damaged file
            raise FileProblem(f"cannot be read as Parquet ({type(exc).__name__}: {exc}); export it again") from None
        schema = self._file.schema_arrow
        nested = [f.name for f in schema if pt.is_nested(f.type) or pt.is_dictionary(f.type) and pt.is_nested(f.type.value_type)]
        if nested:
            listed = ", ".join(f"'{n}' ({schema.field(n).type})" for n in nested)
            raise FileProblem(f"has columns that hold lists or records, not values: {listed}; "
                              "flatten them into one column per value (or drop them) and export again")
        self.headers = [str(name) for name in schema.names]
        self._rows_read = 0

    def rows(self) -> Iterator[tuple[int, list[str] | None, str | None]]:
        """(row, stripped cells, None) for each record with any non-blank cell."""
        row = self.header_row
        try:
            for batch in self._file.iter_batches(batch_size=BATCH):
                columns = [column.to_pylist() for column in batch.columns]
                for values in zip(*columns):
                    row += 1
                    self._rows_read += 1
                    cells = [cell_text(v).strip() for v in values]
                    if any(cells):
                        yield row, cells, None
        except OSError:
            raise
        except Exception as exc:  # a damaged row group
            raise FileProblem(f"cannot be read after row {row} ({type(exc).__name__}: {exc}); export it again",
                              line=row) from None

    def tell(self) -> int | None:
        return None

    @property
    def total_rows(self) -> int:
        return self._file.metadata.num_rows

    def close(self) -> None:
        self._file.close()
