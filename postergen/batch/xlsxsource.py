"""XLSX people files: one worksheet streamed with openpyxl's read-only mode.

Cells become the text a person sees in Excel: whole numbers without ``.0`` (``10001``),
other numbers with Excel's 15 significant digits, dates as ISO 8601, ``TRUE``/``FALSE``.
Formulas give their last computed value (``data_only``).  The sheet's recorded size is
ignored (some exporters write a wrong one and rows would be lost), rows are counted as
Excel numbers them, and the archive's unpacked size is checked before anything is parsed.

Memory: the worksheet is streamed, but an XLSX keeps its text in one shared-strings
table that openpyxl loads whole, so memory grows with the number of *distinct* texts
(about 20 MB more than CSV per 100,000 rows of ids, nicknames and avatar URLs).  CSV and JSON Lines stay flat.
"""

from __future__ import annotations

import datetime as dt
import difflib
import struct
import warnings
import zipfile
from typing import BinaryIO, Iterator

from .sniff import FileProblem, binary_kind

MAX_UNPACKED = 4 << 30  # bytes of XML a workbook may unpack to
MAX_SHARED_STRINGS = 256 << 20  # bytes of the shared-strings XML (loaded whole)
MAX_ENTRIES = 10_000  # files in the archive (a workbook has a few dozen)
_EOCD = struct.Struct("<4s4H2LH")  # ZIP end-of-central-directory record


def _entries(fh: BinaryIO) -> int | None:
    """The number of files a ZIP archive declares, read before ``zipfile`` builds its list
    (a forged directory of millions of entries would otherwise fill memory first)."""
    size = fh.seek(0, 2)
    fh.seek(max(0, size - (1 << 16) - _EOCD.size))
    tail = fh.read()
    fh.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + _EOCD.size > len(tail):
        return None  # not a ZIP: zipfile says so
    _, _, _, _, total, directory, _, _ = _EOCD.unpack_from(tail, at)
    if total == 0xFFFF or directory == 0xFFFFFFFF:
        return 1 << 32  # ZIP64: far more than a workbook needs
    # zipfile reads the directory by its byte size, whatever the count says (≥ 46 bytes an entry)
    return max(total, directory // 46)


def scalar_text(value, true: str = "true", false: str = "false") -> str | None:
    """None, text, a boolean or a number as a people file's cell text (None → ''); None
    for any other value, which each format renders its own way."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return true if value else false
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return number_text(value)
    return None


def excel_text(value) -> str:
    """A cell value as the text Excel shows (None → '')."""
    text = scalar_text(value, "TRUE", "FALSE")
    if text is not None:
        return text
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(timespec="seconds")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def number_text(value: float) -> str:
    """A float with at most 15 significant digits, as Excel keeps them; 10001.0 → '10001'."""
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    return f"{value:.15g}"


class XlsxSource:
    """An XLSX people file: the header at open, then raw rows on demand."""

    format = "xlsx"
    encoding = None

    def __init__(self, fh: BinaryIO, sheet: str | None):
        head = fh.read(8)
        fh.seek(0)
        if (_entries(fh) or 0) > MAX_ENTRIES:
            raise FileProblem(f"is a ZIP archive of more than {MAX_ENTRIES} files, not a workbook postergen reads; "
                              "save the people from Excel as .xlsx or CSV")
        try:
            archive = zipfile.ZipFile(fh)
        except zipfile.BadZipFile:
            kind = binary_kind(head) or ("an empty file" if not head else "not a ZIP archive (CSV text renamed .xlsx?)")
            raise FileProblem(f"is not an XLSX workbook: it is {kind}; save it from Excel as .xlsx, or give a CSV file a .csv name") from None
        with archive:
            infos = archive.infolist()
        unpacked = sum(i.file_size for i in infos)
        shared = sum(i.file_size for i in infos if i.filename.lower().endswith("sharedstrings.xml"))
        if unpacked > MAX_UNPACKED or shared > MAX_SHARED_STRINGS:
            raise FileProblem(
                f"unpacks to {unpacked / 2**30:.1f} GB of XML ({shared / 2**20:.0f} MB of text); that is more than a "
                "people file may hold (4 GB, 256 MB of text): split it or save it as CSV"
            )
        fh.seek(0)
        try:
            import openpyxl

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # style and extension notices about the workbook, not the people
                self._book = openpyxl.load_workbook(fh, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
            raise FileProblem(
                f"cannot be read as an XLSX workbook ({type(exc).__name__}: {exc}); open it in Excel and save it again as .xlsx"
            ) from None
        try:
            self._open_sheet(sheet)
        except BaseException:
            self.close()
            raise

    def _open_sheet(self, sheet: str | None) -> None:
        sheets = self._book.worksheets
        names = [ws.title for ws in sheets]
        if not sheets:
            raise FileProblem("has no worksheets; put the people on the first sheet")
        if sheet is None:
            ws = sheets[0]
        elif sheet in names:
            ws = sheets[names.index(sheet)]
        else:
            guess = difflib.get_close_matches(sheet, names, n=1, cutoff=0.5)
            hint = f" — did you mean '{guess[0]}'?" if guess else ""
            listed = ", ".join(f"'{n}'" for n in names)
            raise FileProblem(f"has no sheet '{sheet}' (sheets: {listed}){hint}; pass one of them as --sheet")
        ws.reset_dimensions()  # a wrong recorded size would cut rows off
        self.sheet = ws.title
        self._ws = ws
        for row, cells in self._numbered():
            if any(c.strip() for c in cells):
                self.header_row, self.headers = row, cells
                return
        raise FileProblem(
            f"sheet '{ws.title}' is empty; its first row must name the columns (at least 'id'), then one row per person"
        )

    def _numbered(self) -> Iterator[tuple[int, list[str]]]:
        rows = self._ws.iter_rows(min_row=1, values_only=True)
        number = 0
        while True:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    values = next(rows)
                except StopIteration:
                    return
                except Exception as exc:
                    raise FileProblem(f"sheet '{self._ws.title}' cannot be read after row {number} ({exc}); save it again from Excel", line=number + 1) from None
            number += 1
            cells = [excel_text(v).strip() for v in values]
            while cells and cells[-1] == "":
                cells.pop()
            yield number, cells

    def rows(self) -> Iterator[tuple[int, list[str] | None, str | None]]:
        """(row, stripped cells, None) for each non-blank row after the header."""
        for row, cells in self._numbered():
            if row > self.header_row and any(cells):
                yield row, cells, None

    def tell(self) -> int | None:
        return None

    def close(self) -> None:
        self._book.close()
