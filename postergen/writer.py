"""Writing outputs: atomic (temp file + rename), only when the bytes changed, into an
output folder one build at a time.

* :func:`write_atomic` writes ``.<name>.pgtmp-XXXXXXXX.part`` next to the target and
  renames it over the target, so a reader (or a crash) never sees half a file.
* :func:`clean_temp_files` removes the temporary files an interrupted build left — only
  postergen's own (the ``.pgtmp-`` infix), never a user's ``.video.mp4.part``.
* :func:`output_lock` holds an exclusive lock on the output folder for the length of a
  build, so a second build into the same folder stops with a clear message instead of
  interleaving files and manifests.  The lock is ``fcntl.flock`` on the folder itself:
  the kernel releases it when the process dies, so a killed build never leaves a stale
  lock, and no lock file appears among the outputs.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

from .errors import PostergenError

TEMP_INFIX = ".pgtmp-"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str | None:
    try:
        return sha256(path.read_bytes())
    except FileNotFoundError:
        return None


def write_atomic(path: Path, data: bytes) -> bool:
    """Write *data* to *path* atomically; return False when the file already had it.

    The bytes go to a temporary file in the same folder, are flushed to disk, and the
    file is renamed over the target, so a reader (or a crash) never sees half a file.
    """
    if file_sha256(path) == sha256(data):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}{TEMP_INFIX}", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return True


def is_temp_file(path: Path) -> bool:
    """Whether *path* is one of :func:`write_atomic`'s temporary files."""
    name = path.name
    return name.startswith(".") and name.endswith(".part") and TEMP_INFIX in name


def clean_temp_files(out: Path) -> list[Path]:
    """Remove the temporary files an interrupted build left under *out*; those removed.

    Only files named like :func:`write_atomic`'s (``.<name>.pgtmp-XXXXXXXX.part``) and
    only regular files; links are not followed.  Call it holding :func:`output_lock`, or
    a running build's files would go.
    """
    removed = []
    if not out.is_dir():
        return removed
    for dirpath, dirnames, filenames in os.walk(out):
        for name in filenames:
            path = Path(dirpath) / name
            if is_temp_file(path) and path.is_file() and not path.is_symlink():
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


class OutputBusy(PostergenError):
    """Another build holds the output folder."""


@contextlib.contextmanager
def output_lock(out: Path):
    """Hold an exclusive lock on the output folder *out* (created if missing).

    The lock is ``flock`` on the folder itself: nothing is added to the folder, and the
    kernel releases it when the process ends, however it ends.
    """
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise PostergenError(f"{out} is a file, not a folder; give -o a folder") from None
    except OSError as exc:
        raise PostergenError(f"cannot create the output folder {out}: {exc.strerror or exc}") from None
    if not out.is_dir():
        raise PostergenError(f"{out} is a file, not a folder; give -o a folder")
    if not os.access(out, os.W_OK | os.X_OK):
        raise PostergenError(f"cannot write into {out}: permission denied; choose another -o")
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    fd = os.open(out, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise OutputBusy(
                f"{out} is in use by another postergen build; wait for it to finish, or build into another folder"
            ) from None
        yield
    finally:
        os.close(fd)  # closing releases the lock
