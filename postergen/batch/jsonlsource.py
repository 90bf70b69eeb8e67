"""JSON Lines people files (``.jsonl``, ``.ndjson``): one JSON object per line, UTF-8.

Read one line at a time (capped at 1 MiB).  Blank lines are skipped; a line that is not
a JSON object fails alone.  Values become text: strings as written, numbers as written
(``10001``; floats with 15 significant digits), ``true``/``false``, ``null`` → ``''``.
A nested list or object cannot be a column: it is reported for its key.  The keys of
the first object serve as the file's columns for the up-front checks (``id`` present,
``--map`` names); later objects may add keys.
"""

from __future__ import annotations

import json
from typing import BinaryIO, Iterator

from .sniff import FileProblem, binary_kind
from .xlsxsource import scalar_text

MAX_LINE = 1 << 20
EXAMPLE = '{"id": "u1", "nickname": "小王", "avatar": "avatars/u1.jpg"}'


class Nested(str):
    """A value that is a JSON list or object (its text is the kind)."""


class _Pairs(list):
    """An object's (key, value) pairs in order, duplicates kept."""


def _reject_constant(name: str):
    raise ValueError(f"{name} is not allowed in JSON")


def value_text(value) -> str:
    text = scalar_text(value)
    if text is not None:
        return text
    return Nested("an object" if isinstance(value, _Pairs) else "a list")


def parse(line: str) -> tuple[list[tuple[str, str]] | None, str | None]:
    """The (key, text) pairs of one JSON object line, or why it is not one."""
    try:
        obj = json.loads(line, object_pairs_hook=_Pairs, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        return None, f"this line is not valid JSON ({exc.msg} at column {exc.colno}); each line must be one object like {EXAMPLE}"
    except ValueError as exc:
        return None, f"this line is not valid JSON ({exc}); each line must be one object like {EXAMPLE}"
    if not isinstance(obj, _Pairs):
        kind = {list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(type(obj), "a number")
        return None, f"this line is {kind}, not a JSON object; each line must be one object like {EXAMPLE}"
    return [(k, value_text(v)) for k, v in obj], None


class JsonlSource:
    """A JSON Lines people file: the first object's keys at open, then raw rows on demand."""

    format = "jsonl"
    encoding = None

    def __init__(self, fh: BinaryIO):
        self._fh = fh
        head = fh.read(4096)
        fh.seek(0)
        if not head:
            raise FileProblem(f"is empty; a JSON Lines people file has one object per line, like {EXAMPLE}")
        kind = binary_kind(head)
        if kind:
            raise FileProblem(f"is {kind}, not JSON Lines text; save it as UTF-8 text with one object per line")
        self.headers: list[str] | None = None
        self.header_row = 0
        found = False
        for row, text, why in self._lines():
            found = True
            pairs, _ = parse(text) if text is not None else (None, why)
            if pairs is not None:
                self.headers, self.header_row = [k.strip() for k, _ in pairs], row
            break
        if not found:
            raise FileProblem(f"has no JSON objects (only blank lines); write one object per line, like {EXAMPLE}")

    def _lines(self) -> Iterator[tuple[int, str | None, str | None]]:
        """(line number, text, None) for each non-blank line, or (line number, None, why)."""
        fh = self._fh
        fh.seek(0)
        number = 0
        while True:
            raw = fh.readline(MAX_LINE + 1)
            if not raw:
                return
            number += 1
            if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
                while raw and not raw.endswith(b"\n"):
                    raw = fh.readline(MAX_LINE + 1)
                yield number, None, f"this line is over {MAX_LINE >> 20} MiB long; shorten it"
                continue
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                yield number, None, "this line is not valid UTF-8 text; JSON Lines files must be UTF-8: save the file as UTF-8"
                continue
            if text.strip():
                yield number, text, None

    def rows(self) -> Iterator[tuple[int, list[tuple[str, str]] | None, str | None]]:
        """(line, pairs, None) for each non-blank line, or (line, None, why)."""
        for number, text, why in self._lines():
            if text is None:
                yield number, None, why
                continue
            pairs, why = parse(text)
            yield number, pairs, why

    def tell(self) -> int | None:
        return self._fh.tell()
