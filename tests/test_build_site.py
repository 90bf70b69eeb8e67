"""The site in a build: landing pages unchanged since the last build are not rendered
again, a change renders only the pages that depend on it, and pages rendered on worker
processes are the same files, manifest, warnings and failures as in one process."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import jpeg_bytes, make_campaign
from test_build_jobs import files, manifest
from test_landing import ENDPOINT, PRIVACY

import postergen.landing as landing
from postergen.loader import load_campaign
from postergen.pipeline import build
from postergen.render import PosterRenderer

FORM = {"form": {"endpoint": ENDPOINT, "privacy_url": PRIVACY}}
SITE = "site/tea/invite/"


def channels(n: int, **sets) -> list[dict]:
    return [{"id": f"ch{i}", "name": f"渠道{i}", **({"set": sets[f"ch{i}"]} if f"ch{i}" in sets else {})}
            for i in range(n)]


def campaign(folder: Path, n: int = 3, sets: dict | None = None, **overrides) -> Path:
    base = {"landing": FORM, "channels": channels(n, **(sets or {})), "output.formats": ["jpeg"]}
    return make_campaign(folder, {**base, **overrides})


@pytest.fixture
def pages(monkeypatch):
    """The pages rendered in this process: the landing pages' channels, 'thanks'."""
    seen: list[str] = []
    real_landing, real_thanks = landing.render_landing, landing.render.render_thanks

    def spy_landing(loaded, row, **kw):
        seen.append(row.channel)
        return real_landing(loaded, row, **kw)

    def spy_thanks(loaded):
        seen.append("thanks")
        return real_thanks(loaded)

    monkeypatch.setattr(landing, "render_landing", spy_landing)
    monkeypatch.setattr(landing.render, "render_thanks", spy_thanks)
    return seen


@pytest.fixture
def posters(monkeypatch):
    seen: list[str] = []
    real = PosterRenderer.render

    def spy(self, variant, template, width, height, url, extra=None, **kw):
        seen.append(kw.get("channel", ""))
        return real(self, variant, template, width, height, url, extra, **kw)

    monkeypatch.setattr(PosterRenderer, "render", spy)
    return seen


def test_an_unchanged_rebuild_renders_no_page(tmp_path, pages):
    spec = campaign(tmp_path / "c")
    out = tmp_path / "out"
    first = build(spec, out, jobs=1)
    assert first.ok, first.failures
    assert sorted(pages) == ["ch0", "ch1", "ch2", "thanks"]
    before, written = manifest(out), files(out)
    pages.clear()
    again = build(spec, out, jobs=1)
    assert pages == []
    assert manifest(out) == before and files(out) == written  # rows, input hashes, CSPs and bytes as they were
    kept = {f"{SITE}landing/base/ch{i}/index.html" for i in range(3)} | {f"{SITE}thanks/index.html"}
    shares = {r["path"] for r in before["files"] if r["kind"] == "landing-asset"}
    assert len(shares) == 3 and kept | shares <= set(again.skipped)
    assert again.written == []
    assert [str(w) for w in again.warnings] == [str(w) for w in first.warnings]
    page = next(r for r in before["files"] if r["path"] == f"{SITE}landing/base/ch1/index.html")
    assert page["inputs_sha256"] and page["csp"].startswith("default-src 'none'")
    assert [p for p, _ in page["assets"]] == [r["path"] for r in before["files"]
                                              if r["kind"] == "landing-asset" and r["channel"] == "ch1"]


def test_a_channels_landing_field_renders_only_its_page(tmp_path, pages, posters):
    out = tmp_path / "out"
    build(campaign(tmp_path / "c"), out, jobs=1)
    pages.clear(), posters.clear()
    spec = campaign(tmp_path / "c", sets={"ch1": {"landing.headline": "渠道一专享：邀3位好友免费喝"}})
    result = build(spec, out, jobs=1)
    assert pages == ["ch1"] and posters == []
    html = (out / f"{SITE}landing/base/ch1/index.html").read_text(encoding="utf-8")
    assert "渠道一专享" in html
    assert f"{SITE}landing/base/ch1/index.html" in result.written
    assert f"{SITE}landing/base/ch0/index.html" in result.skipped


def test_a_poster_change_renders_its_page_again_for_its_share_image(tmp_path, pages):
    out = tmp_path / "out"
    build(campaign(tmp_path / "c"), out, jobs=1)
    pages.clear()
    before = {r["channel"]: r["path"] for r in manifest(out)["files"] if r["kind"] == "landing-asset"}
    spec = campaign(tmp_path / "c", sets={"ch2": {"poster.headline": "第三渠道：邀3位好友免费喝"}})
    build(spec, out, jobs=1)
    assert pages == ["ch2"]  # its share image is made of its poster
    after = {r["channel"]: r["path"] for r in manifest(out)["files"] if r["kind"] == "landing-asset"}
    assert after["ch0"] == before["ch0"] and after["ch2"] != before["ch2"]  # this build's poster, not a cached one
    html = (out / f"{SITE}landing/base/ch2/index.html").read_text(encoding="utf-8")
    assert after["ch2"].rsplit("/", 1)[1] in html


def test_an_image_the_page_reads_is_an_input(tmp_path, pages, posters):
    folder = tmp_path / "c"
    spec = campaign(folder, landing={**FORM, "hero": "assets/hero.jpg"})
    (folder / "assets" / "hero.jpg").write_bytes(jpeg_bytes((400, 300), (200, 120, 40)))
    out = tmp_path / "out"
    build(spec, out, jobs=1)
    row = next(r for r in manifest(out)["files"] if r["path"] == f"{SITE}landing/base/ch0/index.html")
    assert "assets/hero.jpg" in row["depends"]
    pages.clear(), posters.clear()
    (folder / "assets" / "hero.jpg").write_bytes(jpeg_bytes((400, 300), (20, 160, 90)))  # same name, new photo
    build(spec, out, jobs=1)
    assert sorted(pages) == ["ch0", "ch1", "ch2"] and posters == []  # the posters do not show it


def test_a_deleted_or_edited_page_or_share_image_is_made_again(tmp_path, pages):
    spec = campaign(tmp_path / "c")
    out = tmp_path / "out"
    build(spec, out, jobs=1)
    written = files(out)
    rows = {r["path"]: r for r in manifest(out)["files"]}
    share = next(p for p, r in rows.items() if r["kind"] == "landing-asset" and r["channel"] == "ch2")
    (out / f"{SITE}landing/base/ch0/index.html").unlink()
    (out / f"{SITE}landing/base/ch1/index.html").write_text("<p>edited</p>", encoding="utf-8")
    (out / share).unlink()
    (out / f"{SITE}thanks/index.html").write_bytes(b"")
    pages.clear()
    result = build(spec, out, jobs=1)
    assert sorted(pages) == ["ch0", "ch1", "ch2", "thanks"]
    assert files(out) == written
    assert sorted(result.written) == sorted([f"{SITE}landing/base/ch{i}/index.html" for i in (0, 1)]
                                            + [share, f"{SITE}thanks/index.html"])


def test_a_share_image_of_every_page_stays_recorded_when_the_pages_are_kept(tmp_path, pages):
    folder = tmp_path / "c"
    spec = campaign(folder, landing={**FORM, "share": {"image": "assets/share.jpg"}})
    (folder / "assets" / "share.jpg").write_bytes(jpeg_bytes((500, 400), (200, 60, 60)))
    out = tmp_path / "out"
    build(spec, out, jobs=1)
    before = manifest(out)
    shared = [r for r in before["files"] if r["kind"] == "landing-asset"]
    assert len(shared) == 1 and shared[0]["channel"] == "ch0"  # one file, recorded once
    pages.clear()
    again = build(spec, out, jobs=1)
    assert pages == [] and manifest(out) == before
    assert shared[0]["path"] in again.skipped
    (folder / "assets" / "share.jpg").write_bytes(jpeg_bytes((500, 400), (60, 60, 200)))
    build(spec, out, jobs=1)
    assert sorted(pages) == ["ch0", "ch1", "ch2"]
    after = [r for r in manifest(out)["files"] if r["kind"] == "landing-asset"]
    assert len(after) == 1 and after[0]["path"] != shared[0]["path"] and (out / after[0]["path"]).is_file()
    for r in manifest(out)["files"]:
        if r["kind"] == "landing":  # every page names the file of this build
            html = (out / r["path"]).read_text(encoding="utf-8")
            assert after[0]["path"].rsplit("/", 1)[1] in html and r["assets"] == [[after[0]["path"], after[0]["sha256"]]]


def test_two_workers_make_the_same_site_as_one(tmp_path, monkeypatch):
    import postergen.procpool as procpool

    pools = []
    real = procpool.fork_pool
    monkeypatch.setattr(procpool, "fork_pool", lambda jobs, *a: pools.append(jobs) or real(jobs, *a))
    folder = tmp_path / "c"
    spec = campaign(folder, 7, sets={"ch3": {"landing.template": "broken"}})
    (folder / "templates" / "landing").mkdir(parents=True)
    (folder / "templates" / "landing" / "broken.html.j2").write_text("{{ no_such_value.x }}\n", encoding="utf-8")
    loaded = load_campaign(spec)
    one = build(loaded, tmp_path / "one", jobs=1)
    assert pools == []
    two = build(loaded, tmp_path / "two", jobs=2)
    assert pools == [2, 2]  # the posters' pool, then the pages'
    assert files(tmp_path / "one") == files(tmp_path / "two")
    assert manifest(tmp_path / "one") == manifest(tmp_path / "two")
    assert [(f.path, f.message) for f in one.failures] == [(f.path, f.message) for f in two.failures]
    assert [f.path for f in one.failures] == [f"{SITE}landing/base/ch3/index.html"]
    assert "broken.html.j2" in one.failures[0].message
    assert [str(w) for w in one.warnings] == [str(w) for w in two.warnings]
    assert one.written == two.written
    pages = [r for r in manifest(tmp_path / "two")["files"] if r["kind"] == "landing"]
    assert len(pages) == 6
    again = build(loaded, tmp_path / "two", jobs=2)  # kept, on any number of workers
    assert manifest(tmp_path / "two") == manifest(tmp_path / "one")
    assert all(r["path"] in again.skipped for r in pages)


def test_a_landing_template_of_the_campaign_is_an_input(tmp_path, pages, posters):
    from postergen.landing.render import BUILTIN_DIR

    folder = tmp_path / "c"
    spec = campaign(folder)
    out = tmp_path / "out"
    build(spec, out, jobs=1)
    pages.clear(), posters.clear()
    own = folder / "templates" / "landing"
    own.mkdir(parents=True)
    text = (BUILTIN_DIR / "thanks.html.j2").read_text(encoding="utf-8")
    (own / "thanks.html.j2").write_text(text.replace("<h1 id=\"headline\">", "<h1 id=\"headline\">✓ "), encoding="utf-8")
    build(spec, out, jobs=1)
    assert sorted(pages) == ["ch0", "ch1", "ch2", "thanks"] and posters == []  # any template may be included
    assert "✓ " in (out / f"{SITE}thanks/index.html").read_text(encoding="utf-8")
    pages.clear()
    build(spec, out, jobs=1)
    assert pages == []
