"""Avatars of a people file that lives at a URL (``s3://bucket/people.csv``): a relative
avatar path is read from the same store, next to the people file.

The rules of :class:`~.avatars.Avatars` for local files hold: the path stays inside the
people file's folder (no ``..`` out of it, no absolute path), the bytes pass the same
image checks, a missing file's message never suggests another file.  Objects read are
cached on the worker's disk by URL, like fetched http(s) avatars, so each worker reads
an avatar once.  http(s) avatar URLs are fetched exactly as for a local people file.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from ..store import filesystem
from .avatars import AvatarError, Avatars, _size

MAX_BYTES = 5 * 1024 * 1024


class StoreAvatars(Avatars):
    """:class:`Avatars` whose relative paths are objects under the URL *base_url*."""

    def __init__(self, base_url: str, cache_dir: Path, *, storage_options: dict | None = None, **kwargs):
        super().__init__(Path("."), cache_dir, **kwargs)
        self.base_url = base_url.rstrip("/")
        self._fs, self._root = filesystem(self.base_url, storage_options)
        self._root = self._root.rstrip("/")

    def _local(self, value: str) -> Path:
        folder = f"the people file's folder ({self.base_url})"
        if "\x00" in value:
            raise AvatarError(f"avatar path {value!r} contains a NUL character; fix the people file")
        rel = value.replace("\\", "/")
        if rel.startswith("/") or (len(rel) > 1 and rel[1] == ":"):
            raise AvatarError(f"avatar path {value} is absolute; give a path relative to {folder}")
        rel = posixpath.normpath(rel)
        if rel == ".." or rel.startswith("../") or rel == ".":
            raise AvatarError(f"avatar path {value} points outside {folder}; copy the file into it")
        url = f"{self.base_url}/{rel}"
        cached = self.cache_path(url)
        if cached is not None:
            return cached
        if url in self._failed:
            raise AvatarError(str(self._failed[url]))
        try:
            data = self._read_object(f"{self._root}/{rel}", value, folder)
            return self._store(url, data)
        except AvatarError as exc:
            self._failed[url] = exc
            raise

    def _read_object(self, path: str, value: str, folder: str) -> bytes:
        try:
            info = self._fs.info(path)
            if info.get("type") == "directory":
                raise AvatarError(f"avatar {value} is a folder, not an image file")
            if (info.get("size") or 0) > MAX_BYTES:
                raise AvatarError(f"avatar {value} is larger than {_size(MAX_BYTES)}; use a smaller image")
            return self._fs.cat_file(path)
        except FileNotFoundError:
            raise AvatarError(f"avatar file not found: {value} (paths are relative to {folder})") from None
        except AvatarError:
            raise
        except Exception as exc:  # the store's own errors (permissions, network): the row fails, not the batch
            raise AvatarError(f"avatar {value} could not be read from {folder} ({type(exc).__name__}: {exc})") from None
