"""What a batch is asked to do and what it reports: :class:`BatchOptions`,
:class:`RowResult` (one row's outcome) and :class:`BatchSummary`.

Plain data, shared by the driver (:mod:`.run`) and the unit of work that runs on a local
worker process or a Dask worker (:mod:`.partition`); everything here pickles small.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import Problem

CHUNK = 32  # most rows per partition when BatchOptions.partition_rows is not given
POSTERS_PER_PARTITION = 48  # ...and about this many posters, so small files still use every worker
STATE_DIR = ".postergen"
PEOPLE_FIELDS = ["id", "row", "code", "url", "paths", "sha256", "status", "warnings"]
FAILED_FIELDS = ["row", "id", "column", "reason"]
EXTENSIONS = {"png": "png", "jpeg": "jpg", "webp": "webp"}
# Options that change how a batch runs, not what a poster looks like.
_NOT_IN_FINGERPRINT = ("jobs", "encoding", "sheet", "mapping", "scheduler", "partition_rows", "parquet")


@dataclass(frozen=True)
class BatchOptions:
    """Everything but the campaign, the people file and the output folder."""

    channel: str | None = None
    variant: str | None = None
    templates: tuple[str, ...] | None = None
    sizes: tuple[str, ...] | None = None
    formats: tuple[str, ...] | None = None
    jobs: int | None = None  # None: every core
    avatar_required: bool = False
    unknown_glyphs: str = "strip"
    encoding: str | None = None
    sheet: str | None = None
    mapping: tuple[tuple[str, str], ...] = ()
    remote_avatars: bool = True
    scheduler: str | None = None  # a dask.distributed scheduler address (tcp://host:8786); None: local processes
    partition_rows: int | None = None  # rows per unit of work (and per resume-state part); None: see rows_per_partition
    parquet: bool = False  # also write people.parquet (pyarrow)

    def fingerprint(self) -> str:
        """What, besides the row and the spec, every poster depends on."""
        keep = {k: v for k, v in asdict(self).items() if k not in _NOT_IN_FINGERPRINT}
        return json.dumps(keep, sort_keys=True, default=list)


@dataclass
class RowResult:
    """What became of one row."""

    row: int
    id: str
    status: str  # "written", "unchanged" or "failed"
    code: str = ""
    url: str = ""
    paths: list[str] = field(default_factory=list)
    sha256: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    column: str = ""
    reason: str = ""
    file: str = ""  # the people file of the row, when a batch reads several

    def people_row(self) -> dict:
        row = {
            "id": self.id, "row": self.row, "code": self.code, "url": self.url, "paths": ";".join(self.paths),
            "sha256": ";".join(self.sha256), "status": self.status, "warnings": " | ".join(self.warnings),
        }
        if self.file:
            row["file"] = self.file
        return row

    def failed_row(self) -> dict:
        row = {"row": self.row, "id": self.id, "column": self.column, "reason": self.reason}
        if self.file:
            row["file"] = self.file
        return row


@dataclass
class BatchSummary:
    out: Path | str  # a folder, or the URL of the destination
    rows: int = 0
    written: int = 0
    unchanged: int = 0
    failed: int = 0
    posters: int = 0
    warnings: int = 0
    problems: list[Problem] = field(default_factory=list)  # campaign-level warnings
    partitions: int = 0
    cpu_seconds: float = 0.0  # CPU time the workers spent on the partitions (rendering, encoding, writing)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def text(self) -> str:
        s = f"{self.rows} {'person' if self.rows == 1 else 'people'}: {self.written} written, {self.unchanged} unchanged"
        if self.failed:
            failed = self.out / "failed.csv" if isinstance(self.out, Path) else f"{str(self.out).rstrip('/')}/failed.csv"
            s += f", {self.failed} failed (see {failed})"
        return s + f" → {self.out}"

    def to_dict(self) -> dict:
        d = asdict(self)
        d["out"] = str(self.out)
        d["problems"] = [p.to_dict() for p in self.problems]
        d["ok"] = not self.failed
        return d


def rows_per_partition(options, posters_per_row: int) -> int:
    """Rows per partition: as given, else about :data:`POSTERS_PER_PARTITION` posters and
    at most :data:`CHUNK` rows (36 people × 24 posters make 18 partitions, not 2)."""
    if options.partition_rows:
        return options.partition_rows
    return max(1, min(CHUNK, POSTERS_PER_PARTITION // max(1, posters_per_row)))
