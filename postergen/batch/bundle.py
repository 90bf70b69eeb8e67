"""A campaign folder packed for workers on other machines (``postergen batch --scheduler``).

Workers of a Dask cluster do not see the client's disk, so the client packs the campaign
folder (the spec, its assets, templates and fonts) into one deterministic ZIP, sends it
to every worker once, and each worker unpacks it into its temporary folder under the
archive's hash (a second batch of the same campaign reuses it).  Left out: hidden files
and folders, people files (``.csv``, ``.xlsx``, ``.jsonl``, ``.ndjson``, ``.parquet``),
the batch's own output folder and anything over :data:`MAX_BYTES` in total (a clear error
says which files are largest).
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from ..errors import PostergenError

MAX_BYTES = 256 << 20
SKIP_SUFFIXES = {".csv", ".xlsx", ".jsonl", ".ndjson", ".parquet", ".part", ".pyc"}
_STAMP = (2020, 1, 1, 0, 0, 0)


def pack(base: Path, exclude: tuple[Path, ...] = ()) -> tuple[bytes, str]:
    """(ZIP bytes, sha256 hex) of the campaign folder *base*, deterministic for equal contents."""
    base = base.resolve()
    skip = {p.resolve() for p in exclude}
    files: list[tuple[str, Path, int]] = []
    for folder, dirs, names in os.walk(base):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__" and (here / d).resolve() not in skip)
        for name in sorted(names):
            path = here / name
            if name.startswith(".") or path.suffix.lower() in SKIP_SUFFIXES or not path.is_file():
                continue
            real = path.resolve()
            if real != base and base not in real.parents:
                continue  # a link out of the folder: the loader refuses those anyway
            files.append((path.relative_to(base).as_posix(), path, path.stat().st_size))
    total = sum(size for _, _, size in files)
    if total > MAX_BYTES:
        largest = ", ".join(f"{rel} ({size / 2**20:.0f} MB)" for rel, _, size in sorted(files, key=lambda f: -f[2])[:3])
        raise PostergenError(
            f"the campaign folder {base} holds {total / 2**20:.0f} MB, more than the {MAX_BYTES >> 20} MB sent to every "
            f"worker of a cluster (largest: {largest}); move outputs and other large files out of it"
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for rel, path, _ in files:
            info = zipfile.ZipInfo(rel, _STAMP)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    data = buffer.getvalue()
    return data, hashlib.sha256(data).hexdigest()


def unpack(data: bytes, digest: str) -> Path:
    """The folder *data* unpacks to on this machine (unpacked once per digest)."""
    root = Path(tempfile.gettempdir()) / "postergen-campaigns"
    final = root / digest[:24]
    if (final / ".complete").is_file():
        return final
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".unpack-", dir=root))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                target = (work / info.filename).resolve()
                if work.resolve() not in target.parents:
                    raise PostergenError(f"campaign archive entry {info.filename!r} is outside its folder")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(info))
        (work / ".complete").write_text(digest)
        try:
            os.replace(work, final)
        except OSError:  # another worker process on this machine unpacked it first
            shutil.rmtree(work, ignore_errors=True)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final
