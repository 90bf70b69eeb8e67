"""Where outputs go: a local folder, or any fsspec URL (``s3://bucket/prefix``, ``gs://``,
``oss://``, ``cosn://`` …) through fsspec's own implementations.

:func:`open_store` turns an ``-o`` value into a :class:`Store`: objects addressed by a
path relative to the root (``posters/3fa/u1-bold-1080x1920.jpg``), written atomically —
a reader, a crash or a retried task never sees half an object:

* a local folder: temporary file + rename (:func:`postergen.writer.write_atomic`);
* an object store (S3 and S3-compatible, GCS, OSS, COS, Azure): the object is uploaded in
  one request, or as a multipart upload that is completed only when the bytes are all
  there and aborted otherwise — the final key appears only when complete;
* any other fsspec file system (SFTP, HDFS, memory …): a temporary name, then a rename.

Credentials come from the store's usual environment and configuration (``AWS_*``
variables, ``~/.aws``, a GCS service account, fsspec's ``FSSPEC_<PROTOCOL>`` settings) or
the library caller's *storage_options*, never from a campaign spec.

Commands that write a local folder only (``build``, ``export``, ``preview``) call
:func:`local_folder`, which refuses a URL with a clear message instead of creating a
local folder named ``s3:/bucket/…``.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from pathlib import Path
from typing import BinaryIO, Iterator

from .errors import PostergenError

# A URL as typed (s3://b/p) or as pathlib mangles it (s3:/b/p); one letter is a Windows drive.
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):/(/?)")
# Stores where an object appears whole or not at all and there is no rename.
OBJECT_STORES = {"s3", "s3a", "gs", "gcs", "oss", "cos", "cosn", "az", "abfs", "abfss", "adl", "r2", "tos", "obs"}
PACKAGES = {"gs": "gcsfs", "gcs": "gcsfs", "oss": "ossfs", "az": "adlfs", "abfs": "adlfs", "abfss": "adlfs"}


class StoreError(PostergenError):
    """A destination or source URL cannot be used; the message says why and what to do."""


def is_url(value) -> bool:
    """True for ``scheme://…`` (and the ``scheme:/…`` pathlib makes of it), except ``file:``."""
    m = _URL.match(str(value))
    return bool(m) and m[1].lower() != "file"


def as_url(value) -> str:
    """*value* as a URL string, mending ``s3:/b/p`` (a URL that went through ``Path``) to ``s3://b/p``."""
    text = str(value)
    m = _URL.match(text)
    if m and not m[2]:
        text = f"{m[1]}://{text[m.end():]}"
    return text


def local_folder(out, command: str) -> Path:
    """*out* as a local folder for *command*; a URL is refused with what to do instead."""
    if is_url(out):
        url = as_url(out)
        raise StoreError(
            f"{command} writes to a local folder, and '{url}' is a URL: nothing was written. Give a folder "
            f"(-o out), then copy it to the store (e.g. `aws s3 sync out {url}` or `gsutil rsync -r out {url}`); "
            "`postergen batch` writes personal posters straight to any fsspec URL"
        )
    text = str(out)
    if text.startswith("file://"):
        return Path(text[len("file://"):])
    return Path(out)


def open_store(target, storage_options: dict | None = None) -> "Store":
    """A :class:`Store` for a local folder (a path or ``file://``) or an fsspec URL."""
    if not is_url(target):
        return LocalStore(local_folder(target, "this command"))
    return FsspecStore(as_url(target), storage_options or {})


def filesystem(url: str, storage_options: dict | None = None):
    """(fsspec file system, path inside it) for *url*, or a :class:`StoreError` saying what is missing."""
    try:
        import fsspec
        from fsspec.core import url_to_fs
    except ImportError:
        raise StoreError(f"{url}: reading and writing URLs needs fsspec; pip install 'postergen[scale]'") from None
    protocol = url.split("://", 1)[0].lower()
    try:
        return url_to_fs(url, **(storage_options or {}))
    except ImportError as exc:
        if protocol in ("s3", "s3a"):
            how = "pip install 'postergen[scale]' (it brings s3fs)"
        elif protocol in PACKAGES:
            how = f"pip install {PACKAGES[protocol]}"
        else:
            how = "install the fsspec implementation for it"
        raise StoreError(f"{url}: {protocol}:// needs a package that is not installed ({exc}); {how}") from None
    except ValueError as exc:
        if protocol not in fsspec.available_protocols():
            raise StoreError(f"{url}: '{protocol}://' is not a storage protocol fsspec knows; use a local folder "
                             "or a URL such as s3://bucket/prefix") from None
        raise StoreError(f"{url}: {exc}") from None


class Store:
    """Objects under a root, by relative path (always with ``/``)."""

    url: str  # the root as shown to the user
    local: Path | None = None  # the folder, for a local store

    def show(self, rel: str = "") -> str:
        return f"{self.url.rstrip('/')}/{rel}" if rel else self.url

    def write(self, rel: str, data: bytes, digest: str | None = None) -> None:
        """Write the object *rel*; *digest*, the sha256 of *data* when the caller has it,
        spares a local store hashing it again (an object store does not use it)."""
        raise NotImplementedError

    def read(self, rel: str) -> bytes | None:
        """The object's bytes, or None when there is none."""
        raise NotImplementedError

    def writer(self, rel: str) -> contextlib.AbstractContextManager[BinaryIO]:
        """A binary file for a large object written as a stream; it appears only when the
        ``with`` block ends without an exception."""
        raise NotImplementedError

    def reader(self, rel: str) -> BinaryIO:
        raise NotImplementedError

    def names(self, rel: str) -> list[str]:
        """Names directly under the folder *rel* (empty when it does not exist)."""
        raise NotImplementedError

    def delete(self, rel: str) -> None:
        raise NotImplementedError


class LocalStore(Store):
    def __init__(self, folder: Path):
        self.local = Path(folder)
        self.url = str(folder)

    def show(self, rel: str = "") -> str:
        return str(self.local / rel) if rel else str(self.local)

    def write(self, rel: str, data: bytes, digest: str | None = None) -> None:
        from .writer import write_atomic

        write_atomic(self.local / rel, data, sync=False, digest=digest)  # a batch syncs once per chunk

    def read(self, rel: str) -> bytes | None:
        try:
            return (self.local / rel).read_bytes()
        except FileNotFoundError:
            return None

    @contextlib.contextmanager
    def writer(self, rel: str) -> Iterator[BinaryIO]:
        import os
        import tempfile

        from .writer import TEMP_INFIX

        path = self.local / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}{TEMP_INFIX}", suffix=".part", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                yield fh
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def reader(self, rel: str) -> BinaryIO:
        return open(self.local / rel, "rb")

    def names(self, rel: str) -> list[str]:
        try:
            return sorted(p.name for p in (self.local / rel).iterdir())
        except (FileNotFoundError, NotADirectoryError):
            return []

    def delete(self, rel: str) -> None:
        (self.local / rel).unlink(missing_ok=True)


class FsspecStore(Store):
    """A root URL in an fsspec file system.  Picklable: a worker re-opens it from the URL."""

    def __init__(self, url: str, storage_options: dict):
        self.url = url.rstrip("/")
        self.storage_options = dict(storage_options)
        self.fs, self.root = filesystem(self.url, self.storage_options)
        self.root = self.root.rstrip("/")
        protocols = self.fs.protocol if isinstance(self.fs.protocol, (tuple, list)) else (self.fs.protocol,)
        self.object_store = any(p in OBJECT_STORES for p in protocols)

    def __getstate__(self):
        return {"url": self.url, "storage_options": self.storage_options}

    def __setstate__(self, state):
        self.__init__(state["url"], state["storage_options"])

    def _full(self, rel: str) -> str:
        return f"{self.root}/{rel}" if rel else self.root

    def write(self, rel: str, data: bytes, digest: str | None = None) -> None:
        full = self._full(rel)
        if self.object_store:
            self.fs.pipe_file(full, data)  # one PUT (or a multipart upload completed at the end)
            return
        parent, _, name = full.rpartition("/")
        tmp = f"{parent}/.{name}.{uuid.uuid4().hex[:12]}.part"
        self.fs.makedirs(parent, exist_ok=True)
        self.fs.pipe_file(tmp, data)
        try:
            self.fs.mv(tmp, full)
        except BaseException:
            with contextlib.suppress(Exception):
                self.fs.rm_file(tmp)
            raise

    def read(self, rel: str) -> bytes | None:
        try:
            return self.fs.cat_file(self._full(rel))
        except FileNotFoundError:
            return None

    @contextlib.contextmanager
    def writer(self, rel: str) -> Iterator[BinaryIO]:
        full = self._full(rel)
        if self.object_store:
            fh = self.fs.open(full, "wb")
            try:
                yield fh
            except BaseException:
                fh.discard()  # aborts the multipart upload: the key never appears
                fh.closed = True  # nothing left to flush
                raise
            fh.close()
            return
        parent, _, name = full.rpartition("/")
        tmp = f"{parent}/.{name}.{uuid.uuid4().hex[:12]}.part"
        self.fs.makedirs(parent, exist_ok=True)
        try:
            with self.fs.open(tmp, "wb") as fh:
                yield fh
            self.fs.mv(tmp, full)
        except BaseException:
            with contextlib.suppress(Exception):
                self.fs.rm_file(tmp)
            raise

    def reader(self, rel: str) -> BinaryIO:
        return self.fs.open(self._full(rel), "rb")

    def names(self, rel: str) -> list[str]:
        try:
            entries = self.fs.ls(self._full(rel), detail=False, refresh=True)
        except FileNotFoundError:
            return []
        return sorted(e.rstrip("/").rsplit("/", 1)[-1] for e in entries)

    def delete(self, rel: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm_file(self._full(rel))
