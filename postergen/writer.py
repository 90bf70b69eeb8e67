"""Writing outputs: atomic (temp file + rename), and only when the bytes changed."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str | None:
    try:
        return sha256(path.read_bytes())
    except FileNotFoundError:
        return None


def write_atomic(path: Path, data: bytes, sync: bool = True) -> bool:
    """Write *data* to *path* atomically; return False when the file already had it.

    The bytes go to a temporary file in the same folder, are flushed to disk, and the
    file is renamed over the target, so a reader (or a crash) never sees half a file.
    With *sync* false the flush to disk is left to the caller (a batch syncs once per
    chunk of rows, before it journals them, instead of once per file).
    """
    if file_sha256(path) == sha256(data):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if sync:
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
