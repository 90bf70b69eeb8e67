"""CSV people files read as a stream of byte records, each decoded on its own.

Why bytes first: a row that is not valid text in the file's encoding must fail alone,
and a quoted cell may hold line breaks, so lines cannot simply be decoded one by one
nor the file opened as text.  In UTF-8 and GB18030 (and the other ASCII-compatible
encodings accepted here) the bytes ``"``, ``,``, CR and LF never occur inside a
multi-byte character, so records are found in the raw bytes with the same quoting rules
Python's ``csv`` module (Excel dialect) applies, then decoded and split.  Memory is one
record at a time; a record is capped at :data:`MAX_RECORD` bytes.

Encoding: a UTF-8 byte-order mark means UTF-8; otherwise the first 64 KiB decide between
UTF-8 and GB18030 (what Excel in China saves as "CSV"), or the caller names one.
"""

from __future__ import annotations

import codecs
import csv
from typing import BinaryIO, Iterator

from .sniff import FileProblem, binary_kind

CHUNK = 64 * 1024
MAX_RECORD = 1 << 20  # bytes in one row, line breaks inside quotes included
_UNSAFE = ("utf-16", "utf-32", "utf-7", "iso2022", "hz")  # '"' ',' or LF may sit inside a character

# Quote states while scanning a record (the Excel dialect, as Python's csv reads it).
_START, _FIELD, _QUOTED, _QUOTE = range(4)


def _scan(data: bytes, state: int) -> int:
    """The quote state after *data*, starting in *state*."""
    i, n = 0, len(data)
    find = data.find
    while i < n:
        if state == _QUOTED:
            j = find(b'"', i)
            if j < 0:
                return _QUOTED
            state, i = _QUOTE, j + 1
        elif state == _QUOTE:  # a quote inside quotes: doubled ("") or the closing one
            if data[i] == 0x22:
                state, i = _QUOTED, i + 1
            else:
                state = _FIELD
        elif state == _START:
            if data[i] == 0x22:
                state, i = _QUOTED, i + 1
            else:
                state = _FIELD
        else:  # in an unquoted field (a quote here is literal): on to the next comma
            j = find(b",", i)
            if j < 0:
                return _FIELD
            state, i = _START, j + 1
    return state


def records(fh: BinaryIO) -> Iterator[tuple[bytes | None, str | None]]:
    """Each record from the current position: (bytes, None), or (None, why it was dropped)."""
    readline = fh.readline
    while True:
        line = readline(MAX_RECORD + 1)
        if not line:
            return
        if line.endswith(b"\n") and b'"' not in line:
            yield line, None  # the common case: one physical line, no quotes
            continue
        parts, size, state = [line], len(line), _scan(line, _START)
        while state == _QUOTED or not line.endswith(b"\n"):
            line = readline(MAX_RECORD + 1)
            if not line:
                break
            state = _scan(line, state)
            size += len(line)
            if size <= MAX_RECORD:
                parts.append(line)
        if size > MAX_RECORD:
            limit = f"{MAX_RECORD >> 20} MiB" if MAX_RECORD >= 1 << 20 else f"{MAX_RECORD} bytes"
            yield None, (
                f"this row is over {limit} long; check for a '\"' that opens a quoted cell "
                "and is never closed, or shorten the row"
            )
        elif state == _QUOTED and not line:
            yield None, (
                "a quoted cell that starts on this row is never closed (a '\"' is missing), so everything "
                "to the end of the file was read into it: add the closing '\"'"
            )
        else:
            yield b"".join(parts), None


def split(text: str) -> tuple[list[str] | None, str | None]:
    """The cells of one decoded record, or why it cannot be split."""
    body = text.rstrip("\r\n") if text.endswith("\n") else text
    if '"' not in body and "\r" not in body:
        return body.split(","), None
    try:
        return next(csv.reader((text,)), []), None
    except csv.Error as exc:
        if "field larger" in str(exc):
            return None, f"a cell is over {csv.field_size_limit()} characters long; cells are at most 4096 characters: shorten it"
        if "new-line" in str(exc):
            return None, "this row has a line break (CR) outside quotes; remove it or put the cell in quotes"
        return None, f"this row cannot be read as CSV ({exc}); check its quotes"


def detect(head: bytes, complete: bool, given: str | None) -> tuple[str, str, int]:
    """(encoding to report, codec to decode records with, bytes to skip) for a file starting with *head*."""
    bom = head.startswith(codecs.BOM_UTF8)
    kind = binary_kind(head)
    if kind:
        raise FileProblem(f"is {kind}, not CSV text; {_resave(kind)}")
    if given is not None:
        try:
            name = codecs.lookup(given).name
        except LookupError:
            raise FileProblem(f"unknown encoding '{given}'; use utf-8, or gb18030 for what Excel in China saves") from None
        if name.startswith(_UNSAFE) or '",\r\n'.encode(name, "replace") != b'",\r\n':
            raise FileProblem(
                f"encoding '{given}' cannot be read as CSV here; save the file as 'CSV UTF-8' (or pass utf-8 or gb18030)"
            )
        if name in ("utf-8", "utf-8-sig"):
            return ("utf-8-sig", "utf-8", 3) if bom else ("utf-8", "utf-8", 0)
        if bom:
            raise FileProblem(f"starts with a UTF-8 byte-order mark, so it is UTF-8, not {given}: drop --encoding")
        return name, name, 0
    if bom:
        return "utf-8-sig", "utf-8", 3
    if _decodes(head, "utf-8", complete):
        return "utf-8", "utf-8", 0
    # Not all UTF-8.  Chinese in UTF-8 is often valid GB18030 by chance, while GB18030 text is
    # rarely valid UTF-8, so UTF-8 wins if it reads at least half of the non-ASCII lines (a
    # few damaged or pasted rows then fail alone instead of the whole file being mis-read).
    lines = head.split(b"\n")
    if not complete:
        lines.pop()  # may end mid-character
    foreign = [line for line in lines if not line.isascii()]
    readable = sum(_decodes(line, "utf-8") for line in foreign)
    if readable and readable * 2 >= len(foreign):
        return "utf-8", "utf-8", 0
    readable = sum(_decodes(line, "gb18030") for line in foreign)
    if _decodes(head, "gb18030", complete) or (readable and readable * 2 >= len(foreign)):
        return "gb18030", "gb18030", 0
    raise FileProblem("is neither UTF-8 nor GB18030 text; save it as 'CSV UTF-8' or pass --encoding with its encoding")


def _decodes(data: bytes, codec: str, final: bool = True) -> bool:
    try:
        codecs.getincrementaldecoder(codec)().decode(data, final=final)
        return True
    except UnicodeDecodeError:
        return False


def _resave(kind: str) -> str:
    if "XLSX" in kind:
        return "name it .xlsx"
    if ".xls" in kind:
        return "in Excel use Save As › Excel Workbook (.xlsx) or 'CSV UTF-8'"
    return "export the people as 'CSV UTF-8'"


class CsvSource:
    """A CSV people file: the header at open, then raw rows on demand."""

    format = "csv"

    def __init__(self, fh: BinaryIO, encoding: str | None):
        head = fh.read(CHUNK)
        if not head:
            raise FileProblem("is empty; a people file starts with a header row naming the columns (at least 'id'), then one row per person")
        self.encoding, self._codec, start = detect(head, len(head) < CHUNK, encoding)
        self._detected = encoding is None
        self._ascii_head = head.isascii()
        if b"\n" not in head and b"\r" in head:
            raise FileProblem("ends its lines with a bare carriage return (old Mac format); save it as 'CSV UTF-8'")
        self._fh = fh
        fh.seek(start)
        row = 0
        for raw, why in records(fh):
            row += 1
            cells, why = self._cells(raw, why)
            if cells is None:
                raise FileProblem(f"the header row cannot be read: {why}", line=row)
            if any(c.strip() for c in cells):
                self.header_row, self.headers = row, cells
                break
        else:
            raise FileProblem("has no header row (only blank lines); the first row must name the columns, at least 'id'")
        self._data = fh.tell()

    def _cells(self, raw: bytes | None, why: str | None) -> tuple[list[str] | None, str | None]:
        if raw is None:
            return None, why
        try:
            text = raw.decode(self._codec)
        except UnicodeDecodeError:
            return None, self._undecodable(raw)
        return split(text)

    def _undecodable(self, raw: bytes) -> str:
        shown = {"utf-8": "UTF-8", "gb18030": "GB18030"}.get(self._codec, self._codec)
        if self._detected and self._codec == "utf-8" and self.encoding == "utf-8":
            try:
                raw.decode("gb18030")
            except UnicodeDecodeError:
                pass
            else:
                if self._ascii_head:
                    return (
                        "this row is not valid UTF-8 text but reads as GB18030 (the start of the file is plain "
                        "ASCII, so the file was taken as UTF-8); pass --encoding gb18030, or save the file as 'CSV UTF-8'"
                    )
                return (
                    "this row is not valid UTF-8 text but reads as GB18030, while the start of the file is UTF-8: "
                    "the file mixes two encodings; retype the row or save the file again as 'CSV UTF-8'"
                )
        return f"this row is not valid {shown} text; save the file as 'CSV UTF-8' or pass --encoding"

    def rows(self) -> Iterator[tuple[int, list[str] | None, str | None]]:
        """(row, stripped cells, None) for each non-blank row after the header, or (row, None, why)."""
        self._fh.seek(self._data)
        row = self.header_row
        for raw, why in records(self._fh):
            row += 1
            cells, why = self._cells(raw, why)
            if cells is None:
                yield row, None, why
                continue
            cells = [c.strip() for c in cells]
            if any(cells):
                yield row, cells, None

    def tell(self) -> int | None:
        return self._fh.tell()
