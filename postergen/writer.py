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
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def write_atomic(path: Path, data: bytes, sync: bool = True, digest: str | None = None) -> bool:
    """Write *data* to *path* atomically; return False when the file already had it.

    The bytes go to a temporary file in the same folder, are flushed to disk, and the
    file is renamed over the target, so a reader (or a crash) never sees half a file.
    With *sync* false the flush to disk is left to the caller (:func:`sync_folder` once
    for many files: a batch before it journals a chunk of rows, a build before its
    manifest).  *digest* is the sha256 of *data* when the caller has it already.
    """
    try:
        if file_sha256(path) == (digest or sha256(data)):
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            raise IsADirectoryError(21, "is a folder")
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}{TEMP_INFIX}", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise WriteError(f"cannot write {path}: {_reason(exc)}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if sync:
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise WriteError(f"cannot write {path}: {_reason(exc)}") from None
        raise
    return True


def _syncfs(fd: int) -> None:
    """``syncfs`` on the file system of the open *fd* (Linux); ``sync`` where there is none.
    A write-back error since *fd* was opened (EIO, ENOSPC, EDQUOT: a file written
    without its own fsync did not reach the disk) raises OSError."""
    import ctypes
    import errno

    try:
        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):  # not Linux
        os.sync()
        return
    if syncfs(fd) != 0:
        code = ctypes.get_errno()
        if code in (errno.ENOSYS, errno.EBADF):
            os.sync()
            return
        raise OSError(code, os.strerror(code))


def sync_folder(path: Path) -> None:
    """Flush everything written under *path* to disk (:func:`_syncfs` on its file system).
    One call after many unsynced writes costs far less than a ``fsync`` per file, which
    also makes parallel writers wait on each other.  Raises :class:`WriteError` when the
    system reports that something did not reach the disk."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        os.sync()
        return
    try:
        _syncfs(fd)
    except OSError as exc:
        raise WriteError(_flush_failed(path, exc)) from None
    finally:
        os.close(fd)


def _flush_failed(path: Path, exc: OSError) -> str:
    # syncfs reports write-back errors of the whole file system, not of one folder.
    return (f"the disk holding {path} reported a write error while the output was flushed to it "
            f"({_reason(exc)}): files written since the build began may not be on disk; check the disk "
            "(space, quota, health) and run the command again")


class BackgroundSync:
    """A build's write-back: ``kick()`` flushes *path*'s file system in a thread, again and
    again while files are being written (at most every *every* seconds), so that
    ``finish()``, the one sync before the manifest, finds little left to write back.

    The folder is opened when this object is made, before the first file is written, so
    ``finish()`` reports any write-back error since then (as :class:`WriteError`), also
    one a background flush met.  ``join()`` before this process forks again; ``close()``
    in any case."""

    def __init__(self, path: Path, every: float = 0.25):
        self.path, self.every = path, every
        self._thread = None
        self._last = 0.0
        self._error: OSError | None = None
        try:
            self._fd: int | None = os.open(path, os.O_RDONLY)
        except OSError:
            self._fd = None

    def _flush(self) -> None:
        try:
            if self._fd is not None:
                _syncfs(self._fd)
        except OSError as exc:
            self._error = self._error or exc

    def kick(self) -> None:
        import threading
        import time

        now = time.monotonic()
        if self._fd is None or (self._thread is not None and self._thread.is_alive()) or now - self._last < self.every:
            return
        self._last = now
        self._thread = threading.Thread(target=self._flush, name="postergen-sync", daemon=True)
        self._thread.start()

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join()

    def finish(self) -> None:
        """Wait for the background flush, flush once more, and raise what either met."""
        self.join()
        if self._fd is None:
            sync_folder(self.path)
            return
        self._flush()
        if self._error is not None:
            raise WriteError(_flush_failed(self.path, self._error))

    def close(self) -> None:
        self.join()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class WriteError(PostergenError):
    """An output file could not be written (a folder in the way, no permission, disk full)."""


def _reason(exc: OSError) -> str:
    import errno

    return {
        errno.EISDIR: "a folder of that name is in the way",
        errno.ENOTDIR: "a file is in the way of the folder",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "the file system is read-only",
        errno.ENOSPC: "the disk is full",
        errno.ENAMETOOLONG: "the name is too long",
        errno.ENOENT: "the folder does not exist and cannot be created",
    }.get(exc.errno, exc.strerror or str(exc))


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


def ensure_folder(out: Path) -> Path:
    """Create the output folder *out* if needed; a message (not a traceback) when a file
    is in the way, the place is read-only or out of reach."""
    out = Path(out)
    if not str(out).isprintable():
        raise WriteError(f"{str(out)!r} has a control character; give -o a plain folder name")
    for parent in (out, *out.parents):
        if parent.exists() and not parent.is_dir():
            raise WriteError(f"{parent} is a file, not a folder; give -o a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except (OSError, ValueError) as exc:
        reason = _reason(exc) if isinstance(exc, OSError) else "the name has a NUL character"
        raise WriteError(f"cannot create the output folder {out}: {reason}; choose another -o") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise WriteError(f"cannot write into {out}: permission denied; choose another -o")
    return out


class OutputBusy(PostergenError):
    """Another build holds the output folder."""


@contextlib.contextmanager
def output_lock(out: Path):
    """Hold an exclusive lock on the output folder *out* (created if missing).

    The lock is ``flock`` on the folder itself: nothing is added to the folder, and the
    kernel releases it when the process ends, however it ends.
    """
    out = ensure_folder(out)
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
