"""The A/B hand-off: per-channel folders, variant tables, READMEs, a reproducible zip."""

from __future__ import annotations

import csv
import zipfile

from conftest import make_campaign
from typer.testing import CliRunner

from postergen.cli import app
from postergen.handoff import export
from postergen.loader import load_campaign

SPEC = {
    "channels": [{"id": "moments", "name": "朋友圈"}, {"id": "store", "name": "门店海报", "medium": "offline"}],
    "output.sizes": ["540x960", "540x540"],
    "variants": [{"name": "a"}, {"name": "b", "weight": 3, "set": {"poster.headline": "邀5位好友，再送一杯"}}],
}


def test_export_folders_tables_and_zip(tmp_path):
    loaded = load_campaign(make_campaign(tmp_path / "c", SPEC))
    result = export(loaded, tmp_path / "out", zip=True)
    assert result.channels == ["moments", "store"]
    for channel in result.channels:
        folder = tmp_path / "out" / channel
        posters = sorted(p.relative_to(folder).as_posix() for p in (folder / "posters").rglob("*.png"))
        assert posters == [
            "posters/a/bold-540x540.png", "posters/a/bold-540x960.png",
            "posters/b/bold-540x540.png", "posters/b/bold-540x960.png",
        ]
        with open(folder / "variants.csv", newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert [(r["variant"], r["weight"], r["share"]) for r in rows] == [("a", "1", "25.0%"), ("b", "3", "75.0%")]
        assert all(f"utm_source={channel}" in r["url"] and f"c={r['code']}" in r["url"] for r in rows)
        readme = (folder / "README.md").read_text(encoding="utf-8")
        assert readme.startswith(f"# {loaded.spec.campaign.name} — ")
        assert "| `b` | — | 75% | `posters/b/` |" in readme
    codes = set()
    for channel in result.channels:
        with open(tmp_path / "out" / channel / "variants.csv", newline="", encoding="utf-8") as fh:
            codes |= {r["code"] for r in csv.DictReader(fh)}
    assert len(codes) == 4  # every channel × variant has its own code
    names = zipfile.ZipFile(result.zip_path).namelist()
    assert names == sorted(result.files) and "store/variants.csv" in names
    first = result.zip_path.read_bytes()
    again = export(loaded, tmp_path / "out", zip=True)
    assert again.zip_path.read_bytes() == first  # reproducible bytes


def test_export_cli(tmp_path):
    spec = make_campaign(tmp_path / "c", SPEC)
    out = tmp_path / "handoff"
    result = CliRunner().invoke(app, ["export", str(spec), "-o", str(out)], terminal_width=100)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"2 channel folders, 12 files → {out}"
