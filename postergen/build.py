"""Build: the whole pipeline, load → plan → layout → paint → write, in one function.

::

    loaded = load_campaign(spec)            # every problem reported at once
    for job in plan(loaded):                # template × size × format
        tree = layout_poster(...)           # pure data
        image = paint(tree)                 # Pillow
        write_atomic(out / job.path, encode(image, job.format))
    write manifest.json / manifest.csv

One poster that fails (text that cannot fit under an 'error' overflow policy) is
reported and the others are still written.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import __version__
from .errors import PostergenError
from .layout import layout_poster
from .loader import Loaded, load_campaign
from .paint import encode, paint
from .plan import Job, plan
from .writer import sha256, write_atomic

MANIFEST_FIELDS = ["path", "kind", "template", "size", "format", "url", "sha256", "spec_sha256"]


@dataclass
class Failure:
    job: Job
    message: str


@dataclass
class BuildResult:
    out: Path
    rows: list[dict] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    warnings: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        n = len(self.rows)
        text = f"{n} poster{'s' if n != 1 else ''}: {len(self.written)} written, {len(self.unchanged)} unchanged"
        if self.failures:
            text += f", {len(self.failures)} failed"
        return text


def spec_hash(loaded: Loaded) -> str:
    """A hash of the validated spec's content (not its formatting)."""
    return sha256(loaded.spec.model_dump_json().encode())


def build(
    spec: str | Path | Loaded,
    out: str | Path,
    progress: Callable[[Job], None] | None = None,
) -> BuildResult:
    """Render every poster of the campaign *spec* into the folder *out*."""
    loaded = spec if isinstance(spec, Loaded) else load_campaign(spec)
    out = Path(out)
    result = BuildResult(out=out, warnings=list(loaded.warnings))
    digest = spec_hash(loaded)
    quality = loaded.spec.output.quality
    painted: dict[tuple, object] = {}
    for job in plan(loaded):
        key = (job.template, job.width, job.height, job.url)
        try:
            image = painted.get(key)
            if image is None:
                tree = layout_poster(loaded, loaded.templates[job.template], job.width, job.height, job.url)
                image = painted[key] = paint(tree)
            data = encode(image, job.format, quality)
        except PostergenError as exc:
            result.failures.append(Failure(job, str(exc)))
            if progress:
                progress(job)
            continue
        changed = write_atomic(out / job.path, data)
        (result.written if changed else result.unchanged).append(job.path)
        result.rows.append(
            {
                "path": job.path,
                "kind": "poster",
                "template": job.template,
                "size": job.size,
                "format": job.format,
                "url": job.url,
                "sha256": sha256(data),
                "spec_sha256": digest,
            }
        )
        if len(painted) > 4:
            painted.pop(next(iter(painted)))
        if progress:
            progress(job)
    write_manifest(out, loaded, result.rows, digest)
    return result


def write_manifest(out: Path, loaded: Loaded, rows: list[dict], digest: str) -> None:
    manifest = {
        "postergen": __version__,
        "campaign": loaded.spec.campaign.id,
        "spec_sha256": digest,
        "files": rows,
    }
    write_atomic(out / "manifest.json", (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode())
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=MANIFEST_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_atomic(out / "manifest.csv", buf.getvalue().encode())
