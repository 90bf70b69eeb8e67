"""Skip what is unchanged: the input hash of every poster, kept in the build's manifest.

A poster is made of its effective spec (its variant's, as its channel sees it, without the
parts no poster draws: the channel list, variants, tracking, the site), its template, the
bytes of its fonts and images, what its QR code carries, its size, format and encoder
settings, and the code that renders it (postergen's source and the versions of Pillow,
segno and, for PDFs, WeasyPrint).  :class:`InputHasher` hashes all of that into one
``inputs_sha256`` per poster; ``pipeline.build`` keeps it in the manifest row and, next
time, does not render a poster whose hash is the same **and** whose file is still there
with the bytes the manifest says (:func:`reusable`).  Any doubt renders it again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path

from .writer import file_sha256, sha256

# Spec sections no poster is drawn from (channels reach a poster through their own spec
# and the job: code, URL, sizes).  landing.lang is kept: it picks the mechanics' language.
_NOT_DRAWN = {"channels", "variants", "matrix", "tracking", "site", "landing"}
_NOT_DRAWN_OUTPUT = {"templates", "sizes", "formats"}  # the job says which one


@functools.cache
def code_fingerprint() -> str:
    """postergen's version and source, and the versions of the libraries that draw and
    encode: a new release or a local change of either renders everything again."""
    from importlib import metadata

    from . import __version__

    h = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for dist in ("pillow", "segno", "weasyprint", "pydyf", "fonttools"):
        try:
            h.update(f"{dist}={metadata.version(dist)}\0".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{dist}=-\0".encode())
    return h.hexdigest()


class InputHasher:
    """``of(job)``: the input hash of one poster of the campaign *loaded*.  Files are
    hashed once per process (by path, size and modification time)."""

    def __init__(self, loaded, quality: int, png_level: int):
        self.loaded = loaded
        self.settings = {"quality": quality, "png_level": png_level}
        self._specs: dict[int, tuple[object, str]] = {}  # id(variant) → (the variant, its spec part)

    def of(self, job) -> str:
        from .template import content_digest

        v = self.loaded.variant(job.variant, job.channel)
        # Channels that change nothing share their variant's (cached) object; it is kept
        # with its part, so its id cannot be reused while this hasher lives.
        if id(v) not in self._specs:
            self._specs[id(v)] = (v, self._spec_part(v))
        own = {
            "template": job.template, "width": job.width, "height": job.height, "format": job.format, "url": job.url,
            "print": job.print_size.name if job.print_size is not None else "",
        }
        text = json.dumps([code_fingerprint(), self._specs[id(v)][1], content_digest(v.templates[job.template]), own, self.settings],
                          sort_keys=True)
        return sha256(text.encode())

    def _spec_part(self, v) -> str:
        from . import spec as specmod
        from .specbase import walk

        data = v.spec.model_dump(mode="json", exclude=_NOT_DRAWN)
        data["output"] = {k: val for k, val in data["output"].items() if k not in _NOT_DRAWN_OUTPUT}
        data["landing_lang"] = v.spec.landing.lang if v.spec.landing else None
        files = {}
        for _, rel in walk(specmod.Campaign, data, specmod._AssetMarker):
            try:
                files[rel] = file_hash(str(v.asset(rel)))
            except Exception:  # noqa: BLE001 — the loader reported it; the render will fail
                files[rel] = "?"
        fonts = [(p, file_hash(p)) for p in (*v.heading, *v.body)]
        return sha256(json.dumps([data, files, fonts, str(v.base)], sort_keys=True, default=str).encode())


_FILES: dict[tuple, str] = {}


def file_hash(path: str) -> str:
    """The sha256 of the file at *path* ("-" when it cannot be read), hashed once per
    process for each (path, size, modification time)."""
    try:
        st = os.stat(path)
    except OSError:
        return "-"
    key = (path, st.st_size, st.st_mtime_ns)
    if key not in _FILES:
        _FILES[key] = file_sha256(Path(path)) or "-"
    return _FILES[key]


def previous_rows(out: Path) -> dict[str, dict]:
    """The rows with an input hash (posters and pages) of the manifest a previous build
    left in *out*, by path ({} when there is none or it cannot be read: everything is
    rendered)."""
    try:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        rows = manifest["files"]
        return {r["path"]: r for r in rows if isinstance(r, dict) and isinstance(r.get("path"), str) and r.get("inputs_sha256")}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def reusable(out: Path, row: dict | None, inputs: str) -> bool:
    """Whether the poster of the previous manifest *row* can stay as it is: the same
    inputs, and its file still has the bytes the manifest says."""
    return bool(row) and row.get("kind") == "poster" and row.get("inputs_sha256") == inputs and file_sha256(out / row["path"]) == row.get("sha256")
