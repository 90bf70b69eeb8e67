"""People files: who gets a personal poster, read as a stream of checked rows.

:func:`open_people` opens a CSV, XLSX, JSON Lines or Parquet file, checks everything that concerns
the file as a whole (type, size, encoding, header, the ``id`` column, ``--map`` names) and
raises one :class:`PeopleFileError` listing every such problem.  Iterating the returned
:class:`PeopleFile` then yields, in file order, one :class:`Person` or one
:class:`RowError` per non-blank row: a bad row never stops the others.  Memory stays flat
in the number of rows; only the compact index of ids seen so far grows.

Columns are renamed by a *mapping* (canonical name → header, ``--map nickname=微信昵称``);
every other column keeps its header as its name, and templates bind it as
``{person.<name>}``.  Values are stripped of surrounding white space, nothing else: the
nickname's emoji, bidi controls and invisible characters are cleaned where it is drawn.
The format readers live in :mod:`.csvsource`, :mod:`.xlsxsource`, :mod:`.jsonlsource` and
:mod:`.parquetsource`.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import json.encoder
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ..errors import PostergenError, Problem
from .idindex import IdIndex
from .sniff import FileProblem

MAX_FILE_BYTES = 2 << 30
MAX_ID = 128  # characters
MAX_CELL = 4096  # characters
FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
REQUIRED = "id"
STANDARD = ("id", "nickname", "avatar")
# Headers that exporters (WeChat tools, CRMs, HR sheets) use for the standard columns.
ALIASES = {
    "id": ("用户id", "用户编号", "编号", "会员id", "会员编号", "工号", "员工编号", "userid", "user_id", "uid", "openid", "unionid"),
    "nickname": ("昵称", "微信昵称", "用户昵称", "姓名", "名字", "name", "nick", "nick_name", "nickname"),
    "avatar": ("头像", "微信头像", "头像链接", "头像地址", "headimgurl", "avatar_url", "avatarurl", "photo"),
}
_SCIENTIFIC = re.compile(r"[+-]?\d(\.\d+)?[eE]\+?\d+")
_BROKEN = re.compile("[\x00\ud800-\udfff]")  # NUL; a lone surrogate (only a JSON escape can make one)
_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Zl", "Zp", "Zs"}
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
# The same encoder made once: JSONEncoder.encode builds it anew on every call, which is
# most of the cost of a row (json.encoder's C helper; absent on some Pythons).
_C_ENCODER = json.encoder.c_make_encoder and json.encoder.c_make_encoder(
    None, _CANONICAL.default, json.encoder.encode_basestring, None, ":", ",", True, False, True)


@dataclass(frozen=True, slots=True)
class Person:
    """One readable row of a people file."""

    row: int  # as the user sees it: the spreadsheet row (header = 1) or the JSON Lines line
    id: str
    nickname: str  # '' when missing or blank
    avatar: str  # '' when missing; a URL or a path exactly as written
    fields: dict[str, str]  # every column by canonical name (id, nickname and avatar always present)
    digest: str  # sha256 of the canonical JSON of fields: the row's content hash for resume


@dataclass(frozen=True, slots=True)
class RowError:
    """One row that cannot be used, with the reason and what to do."""

    row: int
    id: str  # '' when unknown
    column: str  # canonical name; '' when the problem concerns the whole row
    message: str


class PeopleFileError(PostergenError):
    """The people file as a whole cannot be read; ``problems`` says why (each with ``file=``)."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        self.warnings: list[Problem] = []
        super().__init__("\n".join(str(p) for p in self.problems))


def digest_of(fields: dict[str, str]) -> str:
    """sha256 hex of ``json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(',', ':'))`` in UTF-8."""
    text = "".join(_C_ENCODER(fields, 0)) if _C_ENCODER else _CANONICAL.encode(fields)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_mapping(items: list[str]) -> dict[str, str]:
    """``["nickname=微信昵称", "avatar=头像"]`` → ``{"nickname": "微信昵称", "avatar": "头像"}``."""
    mapping: dict[str, str] = {}
    for item in items:
        sep = "=" if "=" in item else "＝"  # a Chinese keyboard's full-width '=' works too
        name, found, header = item.partition(sep)
        name, header = name.strip(), header.strip()
        if not found or not name or not header:
            raise PostergenError(
                f"--map '{item}': write NAME=HEADER, the name templates bind and the column's header in the file, "
                "e.g. --map nickname=微信昵称"
            )
        if not name.isidentifier():
            raise PostergenError(
                f"--map '{item}': '{name}' cannot be a column name; templates bind it as {{person.{name}}}, "
                "so use letters, digits and _ (not starting with a digit)"
            )
        if name in mapping:
            raise PostergenError(f"--map {name}= is given twice ('{mapping[name]}' and '{header}'); keep one")
        mapping[name] = header
    return mapping


def open_people(path, *, encoding: str | None = None, sheet: str | None = None,
                mapping: dict[str, str] | None = None) -> "PeopleFile":
    """Open and check a people file; raise :class:`PeopleFileError` with every file-level problem."""
    path = Path(path)
    shown = str(path)

    def fail(message: str, line: int | None = None):
        return PeopleFileError([Problem(message, file=shown, line=line)])

    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise fail(_unsupported(path.suffix))
    if encoding is not None and fmt != "csv":
        raise fail("--encoding applies to CSV files only; XLSX and JSON Lines files are always read as they are stored")
    if sheet is not None and fmt != "xlsx":
        raise fail("--sheet applies to XLSX workbooks only")
    fh = _open_regular(path, shown)
    try:
        if fmt == "csv":
            from .csvsource import CsvSource

            source = CsvSource(fh, encoding)
        elif fmt == "xlsx":
            from .xlsxsource import XlsxSource

            source = XlsxSource(fh, sheet)
        elif fmt == "parquet":
            from .parquetsource import ParquetSource

            source = ParquetSource(fh)
        else:
            from .jsonlsource import JsonlSource

            source = JsonlSource(fh)
        try:
            names, warnings = _columns(source, dict(mapping or {}), shown)
        except BaseException:
            getattr(source, "close", lambda: None)()
            raise
    except FileProblem as exc:
        fh.close()
        raise fail(exc.message, exc.line) from None
    except BaseException:
        fh.close()
        raise
    return PeopleFile(path, source, fh, names, dict(mapping or {}), warnings)


class PeopleFile:
    """An open people file.  A context manager; iterating yields Person | RowError, streaming.

    Attributes: ``path``, ``format`` ('csv', 'xlsx', 'jsonl' or 'parquet'), ``encoding`` (CSV only),
    ``sheet`` (the XLSX sheet read),
    ``columns`` (canonical names in file order; for JSON Lines, the first object's keys),
    ``warnings`` (Problems about the columns, e.g. no nickname column), ``size`` (bytes).
    Iteration starts from the first row each time; do not run two iterations at once.
    It raises :class:`PeopleFileError` only if the file becomes unreadable mid-way.
    """

    def __init__(self, path: Path, source, fh, columns: list[str], mapping: dict[str, str], warnings: list[Problem]):
        self.path = path
        self.format: str = source.format
        self.encoding: str | None = source.encoding
        self.sheet: str | None = getattr(source, "sheet", None)
        self.columns = columns
        self.warnings = warnings
        self.size = os.fstat(fh.fileno()).st_size
        self._source, self._fh = source, fh
        self._inverse = {header: name for name, header in mapping.items()}
        self._closed = False

    def __enter__(self) -> "PeopleFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            getattr(self._source, "close", lambda: None)()
            self._fh.close()

    def tell(self) -> int | None:
        """Bytes read so far (for a progress estimate against ``size``); None for XLSX."""
        return None if self._closed else self._source.tell()

    def __iter__(self) -> Iterator[Person | RowError]:
        if self._closed:
            raise ValueError("the people file is closed")
        seen = IdIndex()
        try:
            if self.format == "jsonl":
                for row, pairs, why in self._source.rows():
                    yield RowError(row, "", "", why) if pairs is None else self._object(row, pairs, seen)
            else:
                for row, cells, why in self._source.rows():
                    yield RowError(row, "", "", why) if cells is None else self._tabular(row, cells, seen)
        except FileProblem as exc:
            raise PeopleFileError([Problem(exc.message, file=str(self.path), line=exc.line)]) from None
        except OSError as exc:
            raise PeopleFileError([Problem(f"cannot be read any further: {exc.strerror or exc}", file=str(self.path))]) from None

    # ----------------------------------------------------------------------- rows

    def _tabular(self, row: int, cells: list[str], seen: IdIndex) -> Person | RowError:
        """*cells* are stripped already."""
        names = self.columns
        problems: list[tuple[str, str]] = []
        if len(cells) > len(names):
            extra = [(i, c) for i, c in enumerate(cells[len(names):], start=len(names)) if c]
            if extra:
                i, text = extra[0]
                problems.append(("", (
                    f"this row has text in column {i + 1} ({_letter(i)}), past the last headed column "
                    f"({len(names)}, {_letter(len(names) - 1)}): '{_preview(text)}'; remove it or give that column a header"
                )))
        elif len(cells) < len(names):
            cells = cells + [""] * (len(names) - len(cells))
        return _person(row, dict(zip(names, cells)), problems, seen)

    def _object(self, row: int, pairs: list[tuple[str, str]], seen: IdIndex) -> Person | RowError:
        problems: list[tuple[str, str]] = []
        fields: dict[str, str] = {}
        origin: dict[str, str] = {}
        for key, value in pairs:
            key = key.strip()
            if not key:
                problems.append(("", 'this object has an empty key ""; name it or remove it'))
                continue
            name = self._inverse.get(key, key)
            if name in fields:
                if origin[name] == key:
                    why = f"the key '{key}' appears twice in this object; keep one"
                else:
                    why = (f"this object has both '{origin[name]}' and '{key}', which both become '{name}' "
                           f"(--map {name}={_header_for(self._inverse, name)}); keep one")
                problems.append((name, why))
                continue
            origin[name] = key
            if isinstance(value, _nested()):
                problems.append((name, f"'{key}' is {value}; values must be text, numbers, true/false or null: "
                                       "flatten it into separate keys"))
                continue
            fields[name] = value.strip()
        if REQUIRED not in fields and not any(c == REQUIRED for c, _ in problems):
            problems.insert(0, (REQUIRED, f"this object has no '{REQUIRED}' key; every person needs a unique id: add one"))
        return _person(row, fields, problems, seen)


def _nested():
    from .jsonlsource import Nested

    return Nested


def _header_for(inverse: dict[str, str], name: str) -> str:
    return next((h for h, n in inverse.items() if n == name), name)


def _person(row: int, fields: dict[str, str], problems: list[tuple[str, str]], seen: IdIndex) -> Person | RowError:
    """Check one row's values; a Person, or a RowError listing every problem of the row."""
    ident = fields.get(REQUIRED, "")
    id_problem = _id_problem(ident) if REQUIRED in fields else None
    if id_problem:
        problems.insert(0, (REQUIRED, id_problem))
    elif REQUIRED in fields:
        first = seen.add(ident, row)
        if first is not None:
            problems.insert(0, (REQUIRED, (
                f"duplicate id '{ident}' (first on row {first}); ids must be unique: fix or remove one of the rows"
            )))
    values = fields.values()
    if values and (max(map(len, values)) > MAX_CELL or _BROKEN.search("".join(values))):
        for name, value in fields.items():
            if name == REQUIRED:
                continue
            if len(value) > MAX_CELL:
                problems.append((name, (
                    f"the '{name}' cell is {len(value)} characters long; cells are at most {MAX_CELL} characters: shorten it"
                )))
            elif _BROKEN.search(value):
                problems.append((name, f"the '{name}' cell {_broken(value)}"))
    if problems:
        shown_id = ident if ident and not id_problem else ""
        column, message = problems[0]
        if len(problems) > 1:
            message += "".join(f". Also: {m}" for _, m in problems[1:])
        return RowError(row, shown_id, column, message)
    for name in STANDARD:
        fields.setdefault(name, "")
    return Person(row, ident, fields["nickname"], fields["avatar"], fields, digest_of(fields))


def _id_problem(ident: str) -> str | None:
    if not ident:
        return "the id is blank; every person needs a unique id: fill it in or delete the row"
    if len(ident) > MAX_ID:
        return f"the id is {len(ident)} characters long; ids are at most {MAX_ID} characters: shorten it"
    if not ident.isprintable():
        for ch in ident:
            if ch != " " and unicodedata.category(ch) in _INVISIBLE:
                what = "an unpaired UTF-16 surrogate" if unicodedata.category(ch) == "Cs" else unicodedata.name(ch, "unnamed")
                return (f"the id contains the control or invisible character U+{ord(ch):04X} ({what}); "
                        "ids must be visible text: remove it")
    if "+" in ident and _SCIENTIFIC.fullmatch(ident):
        return (f"the id '{ident}' is a number in scientific notation: the spreadsheet stored a long id as a "
                "number and rounded it; format the id column as Text, enter the ids again and save")
    return None


def _broken(value: str) -> str:
    ch = _BROKEN.search(value).group()
    if ch == "\x00":
        return "contains a NUL character; remove it (the file may be damaged)"
    return (f"contains a broken character (an unpaired UTF-16 surrogate \\u{ord(ch):04x}, half an emoji?); "
            "fix the JSON escape")


# --------------------------------------------------------------------------- file checks


def _unsupported(suffix: str) -> str:
    kinds = ".csv, .xlsx, .jsonl, .ndjson or .parquet"
    if suffix.lower() == ".xls":
        return "old Excel .xls workbooks are not read; in Excel use Save As › Excel Workbook (.xlsx) or 'CSV UTF-8'"
    what = f"'{suffix}' files are" if suffix else "a file without an extension is"
    return f"{what} not people files postergen reads; use {kinds} (the extension decides how it is read)"


def _open_regular(path: Path, shown: str):
    """Open *path* for binary reading if it is a regular file of sane size."""
    def fail(message: str):
        return PeopleFileError([Problem(message, file=shown)])

    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise fail(f"file not found{_near(path)}") from None
    except OSError as exc:
        raise fail(f"cannot be read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise fail("is a folder, not a people file; pass the CSV, XLSX or JSON Lines file inside it")
    if not stat.S_ISREG(st.st_mode):
        raise fail("is not a regular file (a pipe, socket or device); save the people to a file and pass its path")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise fail(f"cannot be read: {exc.strerror or exc}") from None
    st = os.fstat(fd)  # the file opened, not the one stat'ed a moment ago
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise fail("is not a regular file (a pipe, socket or device); save the people to a file and pass its path")
    if st.st_size > MAX_FILE_BYTES:
        os.close(fd)
        raise fail(f"is {_size(st.st_size)}; people files are at most {_size(MAX_FILE_BYTES)}: "
                   "split it into several files and run the batch once per file")
    return os.fdopen(fd, "rb")


def _size(n: int) -> str:
    if n >= 2**30:
        return f"{n / 2**30:.1f} GB"
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n} bytes"


def _near(path: Path) -> str:
    folder = path.parent
    try:
        files = {p.stem: p.name for p in folder.iterdir() if p.is_file() and p.suffix.lower() in FORMATS}
    except OSError:
        return ""
    guess = difflib.get_close_matches(path.stem, list(files), n=1, cutoff=0.6)
    return f" — did you mean '{folder / files[guess[0]]}'?" if guess else ""


# --------------------------------------------------------------------------- columns


def _columns(source, mapping: dict[str, str], shown: str) -> tuple[list[str], list[Problem]]:
    """The canonical column names and warnings about them; a PeopleFileError with every header problem."""
    headers = source.headers
    line = source.header_row or None
    jsonl = source.format == "jsonl"
    problems: list[Problem] = []
    warnings: list[Problem] = []

    def problem(message: str) -> None:
        problems.append(Problem(message, file=shown, line=line))

    if headers is None:  # JSON Lines whose first line is not an object: its row error will say why
        return [], warnings
    headers = [h.strip().lstrip("\ufeff").strip() for h in headers]
    if jsonl:  # keys, not cells: a duplicate or empty key is that row's error
        headers = [h for h in dict.fromkeys(headers) if h]
    while headers and not headers[-1] and not jsonl:
        headers.pop()  # empty columns after the last header (a spreadsheet's formatted cells): not columns
    what = "key" if jsonl else "column"
    if not jsonl:
        for i, h in enumerate(headers):
            if not h:
                problem(f"column {i + 1} ({_letter(i)}) has no header; name it (templates bind columns by "
                        "their header) or delete the column")
        firsts: dict[str, int] = {}
        for i, h in enumerate(headers):
            if h and h in firsts:
                j = firsts[h]
                problem(f"columns {j + 1} ({_letter(j)}) and {i + 1} ({_letter(i)}) are both headed '{h}'; "
                        "headers must be unique: rename one")
            firsts.setdefault(h, i)
    listed = ", ".join(f"'{h}'" for h in headers if h)
    inverse: dict[str, str] = {}
    for name, header in mapping.items():
        if header not in headers:
            guess = _guess(header, [h for h in headers if h])
            hint = f" — did you mean '{guess}'?" if guess else ""
            message = f"--map {name}={header}: there is no {what} '{header}' ({what}s: {listed}){hint}"
            if jsonl and name != REQUIRED:
                warnings.append(Problem(message + " (only the first object was checked)", file=shown, line=line,
                                        severity="warning"))
            else:
                problem(message)
        elif header in inverse:
            problem(f"--map {inverse[header]}={header} and --map {name}={header} both take the {what} "
                    f"'{header}'; map each {what} once")
        else:
            inverse[header] = name
    names = [inverse.get(h, h) for h in headers]
    firsts = {}
    for i, (header, name) in enumerate(zip(headers, names)):
        j = firsts.setdefault(name, i)
        if j == i or not header or headers[j] == header:
            continue  # first of its name, or an empty or duplicate header reported above
        plain, mapped = (j, i) if headers[j] == name else (i, j)
        where = f"the first object has a '{name}' key" if jsonl else f"column {plain + 1} ({_letter(plain)}) is already headed '{name}'"
        problem(f"--map {name}={headers[mapped]} makes a second '{name}' {what} ({where}); drop the --map, "
                f"or rename or map that {what}")
    if REQUIRED not in names and REQUIRED not in mapping:
        problem(_missing_id(headers, listed, what, mapping, jsonl))
    for name in STANDARD[1:]:
        if name not in names:
            guess = _alias(name, [h for h, n in zip(headers, names) if n == h])
            if guess:
                warnings.append(Problem(
                    f"no '{name}' {what}, but '{guess}' looks like one: pass --map {name}={guess} to use it",
                    file=shown, line=line, severity="warning"))
    if problems:
        raise PeopleFileError(problems)
    return names, warnings


def _missing_id(headers: list[str], listed: str, what: str, mapping: dict[str, str], jsonl: bool) -> str:
    where = f"the first object has no '{REQUIRED}' key (keys: {listed})" if jsonl else f"no '{REQUIRED}' column (columns: {listed})"
    guess = _alias(REQUIRED, [h for h in headers if h and h not in mapping.values()])
    if guess:
        return where + f" — did you mean '{guess}'? Pass --map {REQUIRED}={guess}, or rename that {what} to '{REQUIRED}'"
    if not jsonl and len(headers) == 1:
        for sep, called in ((";", "semicolons"), ("\t", "tabs")):
            if sep in headers[0]:
                return where + f"; the header is separated by {called}, not commas: save the file as comma-separated CSV"
    return where + f"; add an '{REQUIRED}' {what} with a unique id per person, or name yours with --map {REQUIRED}=HEADER"


def _alias(name: str, headers: list[str]) -> str | None:
    lowered = {h.lower().replace(" ", ""): h for h in headers}
    for alias in (name, *ALIASES[name]):
        if alias in lowered:
            return lowered[alias]
    return _guess(name, headers)


def _guess(word: str, names: list[str]) -> str | None:
    # 0.5: two-character Chinese headers differing in one character ('头象' for '头像') still match
    found = difflib.get_close_matches(word, names, n=1, cutoff=0.5)
    if not found:
        lowered = {n.lower(): n for n in names}
        found = [lowered[f] for f in difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.5)]
    return found[0] if found else None


def _letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _preview(text: str, limit: int = 30) -> str:
    text = text.strip().replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"
