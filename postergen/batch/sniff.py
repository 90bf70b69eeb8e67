"""What a people file really is, from its first bytes, and the file-level problem type.

A people file arrives from anywhere: an ``.xlsx`` renamed ``.csv``, Excel's UTF-16
"Unicode Text", an old ``.xls``.  The readers ask :func:`binary_kind` before parsing so
the message says what the file is and how to save it instead of a decoding error.
"""

from __future__ import annotations

import codecs


class FileProblem(Exception):
    """The people file as a whole cannot be read (turned into a PeopleFileError by the caller)."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


def binary_kind(head: bytes) -> str | None:
    """A description of *head* when it is not plain text in an ASCII-compatible encoding."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "UTF-16 text (Excel's 'Unicode Text')"
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive (an XLSX workbook?)"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "an old Excel .xls workbook"
    if b"\x00" in head:
        sample = head[:512]
        if max(sample[0::2].count(0), sample[1::2].count(0)) * 3 > len(sample) // 2:
            return "UTF-16 text (Excel's 'Unicode Text')"  # ASCII in UTF-16 without a BOM: every other byte is 0
        return "binary data (it contains NUL bytes)"
    return None
