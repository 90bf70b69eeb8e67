"""Export: the A/B hand-off for channel owners, one folder per channel.

::

    DIR/<channel>/posters/<variant>/<template>-<W>x<H>.<ext>
    DIR/<channel>/variants.csv     variant, factors, code, url, short url, weight, share
    DIR/<channel>/README.md        what this folder is and how to use it
    DIR/<campaign id>-handoff.zip  (with zip=True) the same, byte-identical on every run

The posters come from a build into ``DIR/.build`` (kept, so a re-export only renders
what changed).
"""

from __future__ import annotations

import io
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .csvsafe import csv_text
from .writer import write_atomic

TABLE = ["variant", "factors", "code", "url", "short_url", "weight", "share"]


@dataclass
class ExportResult:
    out: Path
    channels: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    zip_path: Path | None = None
    build: object = None

    def summary(self) -> str:
        n = len(self.channels)
        text = f"{n} channel folder{'s' if n != 1 else ''}, {len(self.files)} files"
        return text + (f", {self.zip_path.name}" if self.zip_path else "")


def export(loaded, out: str | Path, zip: bool = False, progress=None, environ=None) -> ExportResult:
    """Build the campaign and package one hand-off folder per channel."""
    from .jobs import codes_for
    from .pipeline import build

    from .store import local_folder

    out = local_folder(out, "export")
    result = ExportResult(out=out)
    result.build = built = build(loaded, out / ".build", progress=progress, environ=environ)
    rows, _ = codes_for(loaded, environ)
    variants = loaded.variant_list()
    total = sum(w for _, w, _, _ in variants)
    channels = [(c.id, c.name) for c in loaded.spec.channels] or [("all", "all channels")]
    for channel, channel_name in channels:
        folder = out / channel
        wanted = "" if channel == "all" else channel
        for row in built.rows:
            if row["kind"] != "poster" or row["channel"] != wanted:
                continue
            name = Path(row["path"]).name
            rel = f"posters/{row['variant'] or 'base'}/{name}"
            _copy(out / ".build" / row["path"], folder / rel)
            result.files.append(f"{channel}/{rel}")
        table = []
        for vname, weight, factors, vloaded in variants:
            code = next((r for r in rows if r.variant == vname and r.channel == wanted), None)
            table.append(
                {
                    "variant": vname,
                    "factors": "; ".join(f"{k}={v}" for k, v in factors.items()),
                    "code": code.code if code else "",
                    "url": code.url if code else vloaded.spec.landing_url,
                    "short_url": (code.short_url or "") if code else "",
                    "weight": f"{weight:g}",
                    "share": f"{weight / total:.1%}",
                }
            )
        write_atomic(folder / "variants.csv", csv_text(TABLE, table).encode("utf-8"))
        write_atomic(folder / "README.md", _readme(loaded, channel, channel_name, variants, total).encode("utf-8"))
        result.files += [f"{channel}/variants.csv", f"{channel}/README.md"]
        result.channels.append(channel)
    if zip:
        result.zip_path = out / f"{loaded.spec.campaign.id}-handoff.zip"
        write_atomic(result.zip_path, _zip(out, result.files))
    return result


def _copy(src: Path, dest: Path) -> None:
    data = src.read_bytes()
    write_atomic(dest, data)


def _zip(out: Path, files: list[str]) -> bytes:
    """A zip of *files* (relative to *out*) with fixed timestamps: same input, same bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for rel in sorted(files):
            info = zipfile.ZipInfo(rel, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, (out / rel).read_bytes())
    return buf.getvalue()


def _readme(loaded, channel: str, channel_name: str, variants, total: float) -> str:
    spec = loaded.spec
    lines = [
        f"# {spec.campaign.name} — {channel_name}",
        "",
        f"Campaign `{spec.campaign.id}`, channel `{channel}`. This folder holds every poster "
        "variant for this channel and the table that says which is which.",
        "",
        "## What to do",
        "",
        "- Publish the posters of each variant to the share of your audience given in "
        "`variants.csv` (column `share`), or as the growth team tells you.",
        "- Use only the posters in this folder for this channel: each QR code carries this "
        "channel's own tracking code, so scans and leads are attributed here.",
        "- Do not edit or re-export the QR codes; if a poster needs a change, ask for a new export.",
        "",
        "## Variants",
        "",
        "| variant | what differs | share | posters |",
        "|---|---|---|---|",
    ]
    for vname, weight, factors, _ in variants:
        differs = ", ".join(f"{k}: {v}" for k, v in factors.items()) or "—"
        lines.append(f"| `{vname}` | {differs} | {weight / total:.0%} | `posters/{vname}/` |")
    lines += ["", "`variants.csv` also lists each variant's code and full URL.", ""]
    return "\n".join(lines)
