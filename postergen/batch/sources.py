"""Where a batch's people come from: one file, a folder or a glob of parts, local or any
fsspec URL (``s3://bucket/people/part-*.parquet``).

:func:`find_parts` lists the parts, sorted by name; :func:`read_people` reads them one
after another as one stream of :class:`~.people.Person` / :class:`~.people.RowError`,
each tagged with its part.  Each part is a people file of its own (CSV, XLSX, JSON Lines
or Parquet, checked by :func:`~.people.open_people`); an id must be unique across all
parts (a repeated one is that row's error).  A part at a URL is copied to a temporary
local file while it is read (so memory stays flat) and removed afterwards; messages name
the URL.  Avatar paths in a part are relative to the part's own folder (or URL prefix).
"""

from __future__ import annotations

import glob as globmod
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

from ..errors import Problem
from ..store import as_url, filesystem, is_url
from .people import FORMATS, MAX_FILE_BYTES, PeopleFileError, RowError, open_people

_GLOB = set("*?[")


@dataclass(frozen=True)
class PeoplePart:
    name: str  # as shown in messages: the path or URL
    location: str  # the local path or the URL
    base: str  # the folder or URL prefix avatar paths are relative to
    key: str  # a short stable key for partition ids ('' for a single file)


def find_parts(people, storage_options: dict | None = None) -> list[PeoplePart]:
    """The people files that *people* names; a :class:`PeopleFileError` when it names none."""
    text = as_url(people) if is_url(people) else str(people)
    if text.startswith("file://"):
        text = text[len("file://"):]
    if is_url(text):
        found, many = _remote(text, storage_options)
    else:
        found, many = _local(text)
    if not found:
        raise PeopleFileError([Problem(
            f"no people files here (looked for {', '.join(sorted(FORMATS))} files, not in sub-folders); "
            "give a people file, a folder of them or a pattern such as 'people/part-*.csv'", file=text)])
    if not many:
        location, base = found[0]
        return [PeoplePart(location, location, base, "")]
    return [PeoplePart(loc, loc, base, hashlib.sha256(loc.rsplit("/", 1)[-1].encode()).hexdigest()[:8])
            for loc, base in found]


def _local(text: str) -> tuple[list[tuple[str, str]], bool]:
    path = Path(text)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if _wanted(p.name) and p.is_file())
        return [(str(p), str(p.resolve().parent)) for p in files], True
    if _GLOB & set(text) and not path.exists():
        files = sorted(Path(p) for p in globmod.glob(text) if _wanted(Path(p).name) and Path(p).is_file())
        return [(str(p), str(p.resolve().parent)) for p in files], True
    # one file: open_people says what is wrong with it, if anything
    return [(text, str(path.resolve().parent))], False


def _remote(url: str, storage_options: dict | None) -> tuple[list[tuple[str, str]], bool]:
    fs, path = filesystem(url, storage_options)
    try:
        if _GLOB & set(path):
            names, many = sorted(fs.glob(path)), True
        elif fs.isdir(path):
            names, many = sorted(fs.ls(path, detail=False)), True
        else:
            names, many = [path], False
    except (PermissionError, OSError) as exc:
        raise PeopleFileError([Problem(f"cannot be listed ({type(exc).__name__}: {exc}); check the URL and the "
                                       "store's credentials (its usual environment variables or config)", file=url)]) from None
    if many:
        names = [n for n in names if _wanted(n.rsplit("/", 1)[-1]) and not fs.isdir(n)]
    urls = [fs.unstrip_protocol(n) for n in names] if many else [url]
    return [(u, u.rsplit("/", 1)[0]) for u in urls], many


def _wanted(name: str) -> bool:
    return not name.startswith((".", "_")) and Path(name).suffix.lower() in FORMATS


def read_people(parts: list[PeoplePart], options, storage_options: dict | None = None,
                warnings: list | None = None) -> Iterator[tuple[PeoplePart, object]]:
    """Every row of every part in order, as (part, Person | RowError).

    The first part is opened (and checked) before the first row is yielded, so a bad
    people file fails before anything is rendered; *warnings* receives each part's
    column warnings as it is opened."""
    from .idindex import IdIndex

    seen = IdIndex() if len(parts) > 1 else None
    first_part: list[str] = []  # part index → name, for a repeated id's message
    for index, part in enumerate(parts):
        with opened(part, options, storage_options) as reader:
            if warnings is not None:
                warnings.extend(reader.warnings)
            first_part.append(part.name)
            for entry in reader:
                if seen is not None and not isinstance(entry, RowError):
                    earlier = seen.add(entry.id, index)
                    if earlier is not None:
                        entry = RowError(entry.row, entry.id, "id", (
                            f"duplicate id '{entry.id}' (also in {first_part[earlier]}); ids must be unique across all the people "
                            "files of a batch: fix or remove one of the rows"))
                yield part, entry


class opened:
    """``with opened(part, options) as reader``: the part's PeopleFile (copied locally first if remote)."""

    def __init__(self, part: PeoplePart, options, storage_options: dict | None = None):
        self.part, self.options, self.storage_options = part, options, storage_options
        self.tmp: str | None = None
        self.reader = None

    def __enter__(self):
        part = self.part
        path = part.location
        if is_url(path):
            self.tmp = _download(part, self.storage_options)
            path = self.tmp
        try:
            self.reader = open_people(path, encoding=self.options.encoding, sheet=self.options.sheet,
                                      mapping=dict(self.options.mapping) or None)
        except PeopleFileError as exc:
            self._cleanup()
            if self.tmp is not None:
                exc.problems = [replace(p, file=part.name) if p.file == path else p for p in exc.problems]
                raise PeopleFileError(exc.problems) from None
            raise
        if self.tmp is not None:
            self.reader.path = part.name  # messages name the URL, not the temporary copy
            self.reader.warnings = [replace(p, file=part.name) if p.file == path else p for p in self.reader.warnings]
        return self.reader

    def __exit__(self, *exc) -> None:
        if self.reader is not None:
            self.reader.close()
        self._cleanup()

    def _cleanup(self) -> None:
        if self.tmp is not None:
            shutil.rmtree(os.path.dirname(self.tmp), ignore_errors=True)
            self.tmp = None


def _download(part: PeoplePart, storage_options: dict | None) -> str:
    """Copy the part at a URL into a private temporary folder, keeping its name's extension."""
    fs, path = filesystem(part.location, storage_options)

    def fail(message: str):
        return PeopleFileError([Problem(message, file=part.name)])

    try:
        info = fs.info(path)
    except FileNotFoundError:
        raise fail("file not found; check the URL (listing the folder shows what is there)") from None
    except (PermissionError, OSError) as exc:
        raise fail(f"cannot be read ({type(exc).__name__}: {exc}); check the store's credentials") from None
    if info.get("type") == "directory":
        raise fail("is a folder, not a people file; pass the folder itself as a set of parts, or a file inside it")
    if (info.get("size") or 0) > MAX_FILE_BYTES:
        raise fail(f"is {info['size'] / 2**30:.1f} GB; people files are at most {MAX_FILE_BYTES / 2**30:.0f} GB: "
                   "split it into parts (a folder of files) and pass the folder")
    folder = tempfile.mkdtemp(prefix="postergen-people-")
    local = os.path.join(folder, "people" + Path(path).suffix.lower())
    try:
        with fs.open(path, "rb") as src, open(local, "wb") as dst:
            copied = 0
            while block := src.read(1 << 20):
                copied += len(block)
                if copied > MAX_FILE_BYTES:
                    raise fail(f"is over {MAX_FILE_BYTES / 2**30:.0f} GB; split it into parts")
                dst.write(block)
    except PeopleFileError:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    except (PermissionError, OSError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise fail(f"cannot be read ({type(exc).__name__}: {exc}); check the URL and the store's credentials") from None
    return local
