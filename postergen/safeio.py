"""Reading files postergen does not trust: regular files only, of a bounded size.

A campaign folder or a preview baseline may hold a FIFO named
``campaign.yaml`` (reading it hangs), a device, or a 50 MB "spec".  Every file postergen
reads as input goes through :func:`read_bytes` / :func:`read_text` (or :func:`check_file`
before a library opens it), which refuse, with a message naming the file:

* anything that is not a regular file (a folder, a pipe, a socket, a device);
* a file larger than the limit for its kind (:data:`LIMITS`);
* for text, bytes that are not UTF-8 (with the line of the first bad byte).

The size is checked before reading and again while reading (a file that grows is cut
off), so memory stays bounded whatever the file claims.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import PostergenError

MB = 1024 * 1024

#: Largest file postergen reads, by kind.
LIMITS = {
    "spec": 1 * MB,  # campaign.yaml: a few KB in practice
    "template": 1 * MB,  # a poster template (YAML)
    "manifest": 64 * MB,  # a baseline's manifest.json (≈ 400 bytes per file)
    "image": 40 * MB,
    "font": 64 * MB,
}


class FileProblem(PostergenError):
    """A file cannot be read as input: ``str()`` is "<file>: <reason>"; ``reason`` and
    ``line`` (of a bad byte) let a caller build its own located problem."""

    def __init__(self, shown: str, reason: str, line: int | None = None):
        self.shown, self.reason, self.line = shown, reason, line
        super().__init__(f"{shown}: {reason}")


def check_file(path: Path, shown: str | None = None, limit: int | None = None, kind: str = "spec") -> int:
    """Raise :class:`FileProblem` unless *path* is a regular file within the limit; its size."""
    shown = shown or str(path)
    limit = LIMITS[kind] if limit is None else limit
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise FileProblem(shown, "file not found") from None
    except OSError as exc:
        raise FileProblem(shown, f"cannot read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise FileProblem(shown, "is a folder, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise FileProblem(shown, "is not a regular file (a pipe, socket or device); give a file")
    if st.st_size > limit:
        raise FileProblem(shown, f"is {_size(st.st_size)}; a {kind} file may be at most {_size(limit)}")
    return st.st_size


def read_bytes(path: Path, shown: str | None = None, limit: int | None = None, kind: str = "spec") -> bytes:
    """The bytes of *path*, checked by :func:`check_file` and never more than the limit."""
    shown = shown or str(path)
    limit = LIMITS[kind] if limit is None else limit
    check_file(path, shown, limit, kind)
    try:
        # O_NONBLOCK: a file swapped for a FIFO after the check still cannot block us.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise FileProblem(shown, "is not a regular file (a pipe, socket or device); give a file")
            data = fh.read(limit + 1)
    except OSError as exc:
        raise FileProblem(shown, f"cannot read ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise FileProblem(shown, f"is over {_size(limit)}; a {kind} file may be at most {_size(limit)}")
    return data


def read_text(path: Path, shown: str | None = None, limit: int | None = None, kind: str = "spec") -> str:
    """The UTF-8 text of *path* (a BOM is dropped), checked like :func:`read_bytes`."""
    shown = shown or str(path)
    data = read_bytes(path, shown, limit, kind)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileProblem(shown, f"not UTF-8 text (byte {exc.start}); save the file as UTF-8", line) from None


def _size(n: int) -> str:
    if n >= MB:
        return f"{n / MB:,.1f} MB".replace(".0 MB", " MB")
    if n >= 1024:
        return f"{n / 1024:,.0f} KB"
    return f"{n:,} bytes"
