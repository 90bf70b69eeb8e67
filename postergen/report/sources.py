"""Reading events and leads: a SQLite file, a PostgreSQL URL, a folder of CSVs, or one CSV.

The tables are the ones ``postergen serve`` writes (``events`` and ``leads``, see
docs/report.md); the CSVs are what ``postergen leads export`` writes (``leads.csv`` and
``events.csv`` with the same column names), or another CRM's leads export whose headers
are mapped with ``mapping`` (field → header, from ``--map time=提交时间``).

Every row becomes an :class:`Event` or a :class:`Lead` with an aware UTC time.  A time
without an offset is read in the report's time zone.  Bad input is collected, not
stopped at: a :class:`ReportInputError` lists every problem (file, row, column, value and
what to do), up to :data:`MAX_PROBLEMS`.
"""

from __future__ import annotations

import csv
import io
import math
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from pathlib import Path

from ..errors import PostergenError, Problem

KINDS = ("scan", "view", "submit", "claim")
UTM = ("utm_source", "utm_medium", "utm_campaign", "utm_content")
EVENT_FIELDS = ("id", "time", "kind", "code", "channel", "variant", "ref", "visitor", *UTM)
LEAD_FIELDS = ("id", "time", "code", "channel", "variant", "ref", "own_code", "phone_hash", *UTM)
LEAD_REQUIRED = ("time", "code")
EVENT_REQUIRED = ("time", "kind")
MAX_PROBLEMS = 20


class ReportInputError(PostergenError):
    """The events or leads could not be read; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True, slots=True)
class Event:
    time: datetime
    kind: str
    code: str = ""
    channel: str = ""
    variant: str = ""
    ref: str = ""
    visitor: str = ""
    key: str = ""  # where it came from (table:id or file:line), for messages and as an id


@dataclass(frozen=True, slots=True)
class Lead:
    time: datetime
    code: str = ""
    channel: str = ""
    variant: str = ""
    ref: str = ""
    own_code: str = ""
    phone_hash: str = ""
    key: str = ""


@dataclass
class Data:
    """Everything read from one source, for one campaign."""

    source: str  # how the report names the source
    kind: str  # sqlite | postgresql | csv
    events: list[Event] = field(default_factory=list)
    leads: list[Lead] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was read apart (other campaigns, duplicates, unknown kinds)
    has_events: bool = True


# --------------------------------------------------------------------------- times

_TIME = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")


def parse_time(text: str, tz: tzinfo) -> datetime | None:
    """An ISO 8601 time (``2026-07-03T08:15:02.123Z``, ``2026-07-03 16:15``, ``2026/7/3 16:15``)
    as an aware UTC datetime; a time without an offset is in *tz*.  None when unreadable."""
    text = (text or "").strip()
    if len(text) >= 19 and text[4] == "-" and text[10] in "T ":  # the common, exact form: fast path
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            value = None
        if value is not None:
            return (value if value.tzinfo else value.replace(tzinfo=tz)).astimezone(timezone.utc)
    text = text.replace("/", "-")
    if not _TIME.match(text):
        return None
    date, _, rest = text.replace("T", " ").partition(" ")
    y, m, d = date.split("-")
    text = f"{int(y):04d}-{int(m):02d}-{int(d):02d}" + (" " + rest if rest else "")
    if rest and len(rest.split(":")[0]) == 1:
        text = text.replace(" " + rest, " 0" + rest)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(timezone.utc)


# --------------------------------------------------------------------------- entry point


def read_source(source: str | Path, campaign_id: str, tz: tzinfo, mapping: dict[str, str] | None = None) -> Data:
    """Read *source* (SQLite file, PostgreSQL URL, folder of CSVs or one leads CSV)."""
    text = str(source)
    if text.startswith(("postgresql://", "postgres://")):
        if mapping:
            raise ReportInputError([Problem("--map applies to CSV files only; a database has fixed column names", path="--map")])
        return _read_postgres(text, campaign_id, tz)
    path = Path(text)
    if path.is_dir():
        return _read_folder(path, campaign_id, tz, mapping or {})
    if not path.exists():
        raise ReportInputError([Problem(
            "no such file or folder; give a SQLite file, a postgresql:// URL, a folder holding leads.csv "
            "(and events.csv), or a leads CSV", file=text, path="--events")])
    with open(path, "rb") as fh:
        head = fh.read(16)
    if head.startswith(b"SQLite format 3\x00"):
        if mapping:
            raise ReportInputError([Problem("--map applies to CSV files only; a database has fixed column names", path="--map")])
        return _read_sqlite(path, campaign_id, tz)
    data = Data(source=text, kind="csv", has_events=False)
    data.leads = _read_csv_leads(path, campaign_id, tz, mapping or {}, data)
    return data


# --------------------------------------------------------------------------- databases


def _rows_to_data(data: Data, table: str, columns: list[str], rows, tz: tzinfo, problems: list[Problem]) -> None:
    idx = {name: i for i, name in enumerate(columns)}

    def get(row, name):
        i = idx.get(name)
        v = row[i] if i is not None else None
        return "" if v is None else str(v)

    for row in rows:
        key = f"{table[:-1]} {get(row, 'id')}"
        raw = row[idx["time"]]
        when = raw.astimezone(timezone.utc) if isinstance(raw, datetime) and raw.tzinfo else parse_time(get(row, "time"), tz)
        if when is None:
            if len(problems) < MAX_PROBLEMS:
                problems.append(Problem(f"time {get(row, 'time')!r} is not an ISO 8601 time (e.g. 2026-07-03T08:15:02Z)",
                                        file=data.source, path=f"table {table}, id {get(row, 'id')}, column time"))
            continue
        if table == "events":
            data.events.append(Event(when, get(row, "kind"), get(row, "code"), get(row, "channel"), get(row, "variant"),
                                     get(row, "ref"), get(row, "visitor"), key))
        else:
            data.leads.append(Lead(when, get(row, "code"), get(row, "channel"), get(row, "variant"), get(row, "ref"),
                                   get(row, "own_code"), get(row, "phone_hash"), key))


def _read_sqlite(path: Path, campaign_id: str, tz: tzinfo) -> Data:
    data = Data(source=str(path), kind="sqlite")
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise ReportInputError([Problem(f"cannot open the SQLite database: {exc}", file=str(path))]) from None
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        _need_tables(data, tables)
        problems: list[Problem] = []
        for table in ("events", "leads"):
            if table not in tables:
                continue
            cur = con.execute(f"SELECT * FROM {table} WHERE campaign = ? ORDER BY id", (campaign_id,))  # noqa: S608 — fixed names
            columns = [d[0] for d in cur.description]
            _rows_to_data(data, table, columns, cur, tz, problems)
            other = con.execute(f"SELECT COUNT(*) FROM {table} WHERE campaign <> ?", (campaign_id,)).fetchone()[0]  # noqa: S608
            if other:
                data.notes.append(f"{other} {table} rows of other campaigns were left out")
    except sqlite3.Error as exc:
        raise ReportInputError([Problem(f"cannot read the SQLite database: {exc}", file=str(path))]) from None
    finally:
        con.close()
    if problems:
        raise ReportInputError(problems)
    data.has_events = "events" in tables
    return data


def _need_tables(data: Data, tables: set[str]) -> None:
    if "leads" not in tables and "events" not in tables:
        raise ReportInputError([Problem(
            f"no 'events' or 'leads' table (found: {', '.join(sorted(tables)) or 'none'}); "
            "is this the database postergen serve writes?", file=data.source)])


def _read_postgres(url: str, campaign_id: str, tz: tzinfo) -> Data:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    shown = f"postgresql://{parts.hostname or ''}{':' + str(parts.port) if parts.port else ''}{parts.path}"  # no password
    data = Data(source=shown, kind="postgresql")
    try:
        import psycopg
    except ImportError:
        raise ReportInputError([Problem("reading PostgreSQL needs psycopg 3: pip install 'psycopg[binary]'", file=shown)]) from None
    try:
        with psycopg.connect(url, connect_timeout=10) as con:
            tables = {r[0] for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")}
            _need_tables(data, tables)
            problems: list[Problem] = []
            for table in ("events", "leads"):
                if table not in tables:
                    continue
                cur = con.execute(f"SELECT * FROM {table} WHERE campaign = %s ORDER BY id", (campaign_id,))  # noqa: S608
                columns = [d.name for d in cur.description]
                _rows_to_data(data, table, columns, cur.fetchall(), tz, problems)
                other = con.execute(f"SELECT COUNT(*) FROM {table} WHERE campaign <> %s", (campaign_id,)).fetchone()[0]  # noqa: S608
                if other:
                    data.notes.append(f"{other} {table} rows of other campaigns were left out")
    except psycopg.Error as exc:
        raise ReportInputError([Problem(f"cannot read PostgreSQL: {str(exc).strip()}", file=shown)]) from None
    if problems:
        raise ReportInputError(problems)
    data.has_events = "events" in tables
    return data


# --------------------------------------------------------------------------- CSV


def _read_folder(path: Path, campaign_id: str, tz: tzinfo, mapping: dict[str, str]) -> Data:
    leads, events = path / "leads.csv", path / "events.csv"
    if not leads.is_file() and not events.is_file():
        raise ReportInputError([Problem("the folder holds neither leads.csv nor events.csv "
                                        "(write them with postergen leads export)", file=str(path))])
    data = Data(source=str(path), kind="csv", has_events=events.is_file())
    problems: list[Problem] = []
    if leads.is_file():
        try:
            data.leads = _read_csv_leads(leads, campaign_id, tz, mapping, data)
        except ReportInputError as exc:
            problems += exc.problems
    if events.is_file():
        try:
            data.events = _read_csv_events(events, campaign_id, tz, data)
        except ReportInputError as exc:
            problems += exc.problems
    if problems:
        raise ReportInputError(problems)
    return data


def _open_text(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves GB18030
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReportInputError([Problem("is neither UTF-8 nor GB18030 text; save it as CSV UTF-8", file=str(path))])


def _csv_rows(path: Path, fields: tuple[str, ...], required: tuple[str, ...], mapping: dict[str, str]):
    """(header → field lookup, iterator of (line, {field: value})) for a CSV file."""
    problems: list[Problem] = []
    for name in mapping:
        if name not in fields:
            problems.append(Problem(f"--map {name}=…: '{name}' is not a field; fields: {', '.join(fields)}", path="--map"))
    if problems:
        raise ReportInputError(problems)
    reader = csv.reader(io.StringIO(_open_text(path), newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ReportInputError([Problem("the file is empty; it needs a header row", file=str(path))]) from None
    columns: dict[str, tuple[int, str]] = {}  # field → (index, header as written)
    for name in fields:
        wanted = mapping.get(name, name)
        if wanted in header:
            columns[name] = (header.index(wanted), wanted)
        elif name in mapping:
            problems.append(Problem(f"--map {name}={wanted}: there is no column '{wanted}'; the header has: "
                                    f"{', '.join(header)}", file=str(path), line=1))
    for name in required:
        if name not in columns and name not in mapping:
            problems.append(Problem(f"no column '{name}'; the header has: {', '.join(header)} — rename the column "
                                    f"or map it with --map {name}=<header>", file=str(path), line=1))
    if problems:
        raise ReportInputError(problems)

    picks = [(name, i) for name, (i, _) in columns.items()]
    if "campaign" in header and "campaign" not in columns:
        picks.append(("campaign", header.index("campaign")))
    width = max(i for _, i in picks) + 1

    def rows():
        for values in reader:
            if len(values) < width:
                if not any(v.strip() for v in values):
                    continue
                values = values + [""] * (width - len(values))
            yield reader.line_num, {name: values[i].strip() for name, i in picks}

    return columns, rows()


def _time_problem(path: Path, line: int, columns, value: str) -> Problem:
    header = columns["time"][1]
    col = f"column '{header}'" + (" (time)" if header != "time" else "")
    return Problem(f"{col}: {value!r} is not a date-time; write ISO 8601 such as 2026-07-03T08:15:02Z or "
                   "2026-07-03 16:15:02 (read in --tz)", file=str(path), line=line)


def _read_csv_leads(path: Path, campaign_id: str, tz: tzinfo, mapping: dict[str, str], data: Data) -> list[Lead]:
    columns, rows = _csv_rows(path, LEAD_FIELDS, LEAD_REQUIRED, mapping)
    return _csv_records(path, columns, rows, campaign_id, tz, data, lambda when, row, where: Lead(
        when, row.get("code", ""), row.get("channel", ""), row.get("variant", ""), row.get("ref", ""),
        row.get("own_code", ""), row.get("phone_hash", ""), f"lead {row['id']}" if row.get("id") else where))


def _read_csv_events(path: Path, campaign_id: str, tz: tzinfo, data: Data) -> list[Event]:
    columns, rows = _csv_rows(path, EVENT_FIELDS, EVENT_REQUIRED, {})
    return _csv_records(path, columns, rows, campaign_id, tz, data, lambda when, row, where: Event(
        when, row["kind"], row.get("code", ""), row.get("channel", ""), row.get("variant", ""),
        row.get("ref", ""), row.get("visitor", ""), f"event {row['id']}" if row.get("id") else where))


def _csv_records(path: Path, columns, rows, campaign_id: str, tz: tzinfo, data: Data, make) -> list:
    """The rows of this campaign as records (``make(time, row, 'file:line')``); rows of
    other campaigns are counted in a note, bad times reported with row and column."""
    out: list = []
    problems: list[Problem] = []
    other = 0
    for line, row in rows:
        if row.get("campaign") and row["campaign"] != campaign_id:
            other += 1
            continue
        when = parse_time(row["time"], tz)
        if when is None:
            problems.append(_time_problem(path, line, columns, row["time"]))
            if len(problems) >= MAX_PROBLEMS:
                break
            continue
        out.append(make(when, row, f"{path.name}:{line}"))
    if problems:
        raise ReportInputError(problems)
    if other:
        data.notes.append(f"{other} rows of {path.name} belong to other campaigns and were left out")
    return out


# --------------------------------------------------------------------------- side files


def _side_file(path: Path, what: str) -> Path:
    path = Path(path)
    if not path.is_file():
        raise ReportInputError([Problem(f"no such file ({what})", file=str(path))])
    return path


def read_people(path: Path) -> dict[str, dict[str, str]]:
    """Personal code → the people row (``id``, ``code`` and whatever else it has).

    Every row with a code counts, whatever its status: a code that went out must resolve.
    """
    path = _side_file(path, "--people: the batch's people.csv")
    reader = csv.DictReader(io.StringIO(_open_text(path), newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in ("id", "code") if c not in header]
    if missing:
        raise ReportInputError([Problem(f"no column {', '.join(repr(m) for m in missing)}; the people file is the "
                                        f"batch's people.csv (id, code, …); header: {', '.join(header)}",
                                        file=str(path), line=1)])
    out: dict[str, dict[str, str]] = {}
    for row in reader:
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items() if isinstance(v, str)}
        if row.get("code"):
            out.setdefault(row["code"], row)
    return out


def read_costs(path: Path, channels: list[str]) -> dict[str, float]:
    """Channel id → cost, from a CSV with columns ``channel, cost``."""
    path = _side_file(path, "--costs: a CSV of channel, cost")
    reader = csv.reader(io.StringIO(_open_text(path), newline=""))
    header = [h.strip() for h in next(reader, [])]
    problems: list[Problem] = []
    if "channel" not in header or "cost" not in header:
        raise ReportInputError([Problem(f"needs the columns channel, cost; the header has: {', '.join(header)}",
                                        file=str(path), line=1)])
    ci, vi = header.index("channel"), header.index("cost")
    out: dict[str, float] = {}
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        line = reader.line_num
        channel = values[ci].strip() if ci < len(values) else ""
        raw = values[vi].strip() if vi < len(values) else ""
        if channel not in channels:
            problems.append(Problem(f"column 'channel': '{channel}' is no channel of the campaign; channels: "
                                    f"{', '.join(channels)}", file=str(path), line=line))
            continue
        try:
            value = float(raw.replace(",", "").lstrip("¥$"))
            if not math.isfinite(value) or value < 0:
                raise ValueError
        except ValueError:
            problems.append(Problem(f"column 'cost': {raw!r} is not an amount (write 1200 or 1200.50)",
                                    file=str(path), line=line))
            continue
        out[channel] = out.get(channel, 0.0) + value
    if problems:
        raise ReportInputError(problems[:MAX_PROBLEMS])
    return out
