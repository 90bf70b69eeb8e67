"""Rendering and writing: formats, metadata, determinism, the manifest."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys

import pytest
from conftest import make_campaign
from PIL import Image
from posters import add_failing_template

from postergen.pipeline import build
from postergen.loader import load_campaign


@pytest.fixture()
def spec(tmp_path):
    return make_campaign(
        tmp_path / "c", {"output.formats": ["png", "jpeg", "webp"], "output.sizes": ["1080x1920", "750x1334"]}
    )


def digest_tree(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_formats_and_no_metadata(spec, tmp_path):
    result = build(spec, tmp_path / "out")
    posters = [r for r in result.rows if r["kind"] == "poster"]
    assert result.ok and len(posters) == 6
    for row in posters:
        data = (tmp_path / "out" / row["path"]).read_bytes()
        im = Image.open(io.BytesIO(data))
        assert im.format == {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}[row["format"]]
        assert f"{im.width}x{im.height}" == row["size"]
        assert im.mode == "RGB"
        assert not im.getexif(), "EXIF must be stripped"
        assert "icc_profile" not in im.info and "exif" not in im.info and "xmp" not in im.info
        if im.format == "PNG":
            assert not getattr(im, "text", {}), "PNG text chunks must be stripped"
            assert b"tEXt" not in data and b"iTXt" not in data and b"tIME" not in data


def test_rebuild_is_byte_identical_and_rewrites_nothing(spec, tmp_path):
    first = build(spec, tmp_path / "out")
    before = digest_tree(tmp_path / "out")
    second = build(spec, tmp_path / "out")
    assert second.written == [] and len(second.unchanged) == len(first.rows)
    assert digest_tree(tmp_path / "out") == before
    assert second.summary() == "6 posters: 0 written, 6 unchanged"


def test_identical_bytes_across_processes(spec, tmp_path):
    for name in ("a", "b"):
        subprocess.run(
            [sys.executable, "-m", "postergen", "build", str(spec), "-o", str(tmp_path / name), "--quiet"],
            check=True,
        )
    assert digest_tree(tmp_path / "a") == digest_tree(tmp_path / "b")


def test_manifest_matches_files(spec, tmp_path):
    out = tmp_path / "out"
    build(spec, out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["campaign"] == "tea-invite-3"
    rows = manifest["files"]
    with open(out / "manifest.csv", newline="") as fh:
        assert list(csv.DictReader(fh)) == rows
    for row in rows:
        assert hashlib.sha256((out / row["path"]).read_bytes()).hexdigest() == row["sha256"]
        assert row["spec_sha256"] == manifest["spec_sha256"]
    assert [r["kind"] for r in rows] == ["poster"] * 6  # no landing: section, no site
    assert all(r["url"] == "https://h5.example.com/tea/invite" for r in rows)
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} - {"manifest.json", "manifest.csv"}
    assert on_disk == {r["path"] for r in rows}


def test_spec_hash_follows_content_not_formatting(tmp_path):
    a = load_campaign(make_campaign(tmp_path / "a"))
    b = load_campaign(make_campaign(tmp_path / "b", text=lambda t: "# a comment\n" + t.replace("id: tea", "id:    tea")))
    c = load_campaign(make_campaign(tmp_path / "c", {"poster.headline": "邀2位好友"}))
    from postergen.pipeline import spec_hash

    assert spec_hash(a) == spec_hash(b) != spec_hash(c)


def test_one_failing_poster_keeps_the_others(tmp_path):
    # A user template whose headline box is far too small, with overflow 'error'.
    spec = make_campaign(tmp_path / "c", {"output.templates": ["bold", "tiny"]})
    add_failing_template(spec)
    result = build(spec, tmp_path / "out")
    assert not result.ok
    assert [f.path for f in result.failures] == ["posters/tiny/tiny-1080x1920.png"]
    assert result.failures[0].message.startswith("template 'tiny' (portrait) layer 'headline' (templates/tiny.yaml:6): '邀3位好友，新品杨枝甘露免费喝！' does not fit its box")
    assert (tmp_path / "out" / "posters/bold/bold-1080x1920.png").is_file()
    assert not (tmp_path / "out" / "posters/tiny").exists()
    assert [p.name for p in (tmp_path / "out").rglob("*.part")] == []


def test_campaign_template_overrides_the_builtin_one_by_name(tmp_path):
    # templates/bold.yaml next to the spec wins over the built-in 'bold'.
    spec = make_campaign(tmp_path / "c")
    (spec.parent / "templates").mkdir()
    (spec.parent / "templates" / "bold.yaml").write_text(
        "name: bold\nframes:\n  portrait:\n    size: [1080, 1920]\n    layers:\n"
        "      - {type: shape, full: true, box: [0, 0, 1080, 1920], fill: '#102030'}\n"
        "      - {type: qr, part: cta, box: [380, 1400, 320, 320]}\n",
        encoding="utf-8",
    )
    loaded = load_campaign(spec)
    assert len(loaded.templates["bold"].frames["portrait"].layers) == 2
    assert build(loaded, tmp_path / "out").ok
    image = Image.open(tmp_path / "out" / "posters/bold/bold-1080x1920.png").convert("RGB")
    assert image.getpixel((10, 10)) == (16, 32, 48)
