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
    posters = {
        channel: sorted(p.relative_to(tmp_path / "out" / channel).as_posix() for p in (tmp_path / "out" / channel / "posters").rglob("*.*"))
        for channel in result.channels
    }
    # A screen channel gets the screen sizes; the store (medium offline: printed) the print size.
    assert posters == {
        "moments": ["posters/a/bold-540x540.png", "posters/a/bold-540x960.png", "posters/b/bold-540x540.png", "posters/b/bold-540x960.png"],
        "store": ["posters/a/bold-A4.pdf", "posters/b/bold-A4.pdf"],
    }
    for channel in result.channels:
        folder = tmp_path / "out" / channel
        with open(folder / "variants.csv", newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert [(r["variant"], r["weight"], r["share"]) for r in rows] == [("a", "1", "25.0%"), ("b", "3", "75.0%")]
        assert all(f"utm_source={channel}" in r["url"] and f"c={r['code']}" in r["url"] for r in rows)
        readme = (folder / "README.md").read_text(encoding="utf-8")
        assert readme.startswith(f"# {loaded.spec.campaign.name} — ")
        assert "| `b` | — | 75% | `posters/b/` |" in readme
        # A Chinese campaign's channel owners read Chinese; the print shop's owner reads how to print.
        assert "## 怎么用" in readme and "| 版本 | 区别 | 占比 | 海报 |" in readme
        assert ("印刷用的 PDF（含 3 mm 出血）" in readme) == (channel == "store")
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
    assert result.output.strip() == f"2 channel folders, 10 files → {out}"


def test_readme_in_english_with_the_rules(tmp_path):
    spec = {
        **SPEC,
        "poster.headline": "Invite {mechanics.threshold} friends, get a month free",
        "poster.subheadline": "Fresh coffee at your door",
        "poster.benefits": ["Roasted this week", "Free shipping"],
        "poster.price": {"now": "0", "original": "12", "currency": "$"},
        "poster.scarcity": "{mechanics.ends}",
        "poster.cta": "Scan to join",
        "inviter": {"nickname": "Sam", "avatar": "assets/avatar.jpg", "line": "invites you"},
        "brand": {"name": "Daily Roast", "logo": "assets/logo.png"},
        "mechanics": {"tiers": [{"invites": 3, "reward": "1 month"}, {"invites": 6, "reward": "3 months"}],
                      "invitee_reward": "$5 off", "deadline": "2031-03-31T23:59:00-05:00"},
    }
    loaded = load_campaign(make_campaign(tmp_path / "c", spec))
    export(loaded, tmp_path / "out")
    readme = (tmp_path / "out" / "store" / "README.md").read_text(encoding="utf-8")
    assert "## What to do" in readme and "print-ready PDFs (3 mm bleed)" in readme
    rules = readme.split("## Rules of the campaign\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert rules == [
        "- Reward tiers: 3 friends → 1 month; 6 friends → 3 months",
        "- Each invited friend gets: $5 off",
        "- Ends: 2031-03-31 23:59 (UTC-05:00)",
    ]
    moments = (tmp_path / "out" / "moments" / "README.md").read_text(encoding="utf-8")
    assert "print-ready" not in moments and "- Reward tiers: " in moments


def test_the_web_site_is_a_bundle_of_its_own_for_whoever_deploys_it(tmp_path):
    """The site was only inside the hidden .build/: export puts it in _web/, one folder
    per host as the build made them, with a README (in the campaign's language) saying
    which goes where; the zip carries it too."""
    import json

    spec = {
        **SPEC,
        "landing": {"form": {"endpoint": "https://api.example.com/leads", "privacy_url": "https://h5.example.com/privacy"}},
        "tracking.short_base": "https://t.example.com",
    }
    loaded = load_campaign(make_campaign(tmp_path / "c", spec))
    out = tmp_path / "out"
    result = export(loaded, out, zip=True)
    built = json.loads((out / ".build" / "manifest.json").read_text(encoding="utf-8"))["files"]
    site = sorted(r["path"] for r in built if r["path"].split("/")[0] in ("site", "short"))
    assert any(p.startswith("site/") for p in site) and any(p.startswith("short/c/") for p in site)
    assert sorted(p.relative_to(out / "_web").as_posix() for p in (out / "_web").rglob("*") if p.is_file()) == sorted([*site, "README.md"])
    for path in site:
        assert (out / "_web" / path).read_bytes() == (out / ".build" / path).read_bytes()
    readme = (out / "_web" / "README.md").read_text(encoding="utf-8")
    assert "`site/` → `https://h5.example.com` 的网站根目录" in readme
    assert "`short/` → `https://t.example.com` 的网站根目录" in readme and "nginx.conf" in readme
    assert sorted(result.web) == sorted([f"_web/{p}" for p in site] + ["_web/README.md"])
    names = zipfile.ZipFile(result.zip_path).namelist()
    assert "_web/README.md" in names and all(f"_web/{p}" in names for p in site)
    assert len(names) == len(set(names))
    assert result.summary().startswith("2 channel folders, the web site (_web/), ")


def test_the_web_bundle_holds_only_this_exports_files_and_no_channel_collides(tmp_path):
    """Re-exported after a channel was renamed and the short links moved to the site's
    host: nothing of the first export stays in _web/ (a stale _redirects would still
    redirect); a channel called 'web' is a channel folder like any other."""
    form = {"endpoint": "https://api.example.com/leads", "privacy_url": "https://h5.example.com/privacy"}
    first = {**SPEC, "landing": {"form": form}, "tracking.short_base": "https://t.example.com"}
    out = tmp_path / "out"
    export(load_campaign(make_campaign(tmp_path / "a", first)), out)
    assert (out / "_web" / "short").is_dir()
    second = {**SPEC, "channels": [{"id": "web", "name": "官网"}], "landing": {"form": form},
              "tracking.short_base": "https://h5.example.com/s"}
    result = export(load_campaign(make_campaign(tmp_path / "b", second)), out, zip=True)
    on_disk = sorted(p.relative_to(out).as_posix() for p in (out / "_web").rglob("*") if p.is_file())
    assert on_disk == sorted(result.web) and not (out / "_web" / "short").exists()
    assert not [p for p in on_disk if "/moments/" in p or "/store/" in p]
    assert (out / "web" / "README.md").read_text(encoding="utf-8").startswith(f"# {load_campaign(tmp_path / 'b' / 'campaign.yaml').spec.campaign.name} — 官网")
    readme = (out / "_web" / "README.md").read_text(encoding="utf-8")
    assert "短链接也在 `site/` 里" in readme
    names = zipfile.ZipFile(result.zip_path).namelist()
    assert len(names) == len(set(names)) and "web/variants.csv" in names


def test_a_link_in_place_of_the_web_bundle_is_replaced_not_written_through(tmp_path):
    form = {"endpoint": "https://api.example.com/leads", "privacy_url": "https://h5.example.com/privacy"}
    loaded = load_campaign(make_campaign(tmp_path / "c", {**SPEC, "landing": {"form": form}}))
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "_web").symlink_to(elsewhere, target_is_directory=True)
    result = export(loaded, out)
    assert result.web and not (out / "_web").is_symlink() and list(elsewhere.iterdir()) == []
