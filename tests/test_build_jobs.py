"""Builds that use the machine: posters on every core (the same bytes as one process),
unchanged posters not rendered again, static bases shared by content, the PNG level."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import make_campaign
from posters import add_failing_template

from postergen.loader import load_campaign
from postergen.pipeline import build
from postergen.render import PosterRenderer

CHANNELS = [
    {"id": "moments", "name": "朋友圈", "set": {"poster.headline": "朋友圈专享：邀3位好友免费喝"}},
    {"id": "groups", "name": "微信群"},
    {"id": "store", "name": "门店"},
]


def campaign(folder: Path, **overrides) -> Path:
    base = {"channels": CHANNELS, "output.sizes": ["1080x1920", "750x1334"], "output.formats": ["png", "jpeg"]}
    return make_campaign(folder, {**base, **overrides})


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture
def renders(monkeypatch):
    """The posters PosterRenderer.render paints in this process, as (channel, width)."""
    seen: list[tuple[str, int]] = []
    real = PosterRenderer.render

    def spy(self, variant, template, width, height, url, extra=None, **kw):
        seen.append((kw.get("channel", ""), width))
        return real(self, variant, template, width, height, url, extra, **kw)

    monkeypatch.setattr(PosterRenderer, "render", spy)
    return seen


def test_two_workers_write_the_same_files_manifest_warnings_and_failures_as_one(tmp_path):
    spec = campaign(tmp_path / "c", **{"output.templates": ["bold", "tiny"]})
    add_failing_template(spec)
    loaded = load_campaign(spec)
    steps = {1: [], 2: []}
    one = build(loaded, tmp_path / "one", jobs=1, progress=steps[1].append)
    two = build(loaded, tmp_path / "two", jobs=2, progress=steps[2].append)
    assert files(tmp_path / "one") == files(tmp_path / "two")
    assert manifest(tmp_path / "one") == manifest(tmp_path / "two")
    assert [(f.path, f.message) for f in one.failures] == [(f.path, f.message) for f in two.failures]
    assert len(one.failures) == 12 and all("/tiny-" in f.path for f in one.failures)  # 3 channels × 2 sizes × 2 formats
    assert [str(w) for w in one.warnings] == [str(w) for w in two.warnings]
    assert one.written == two.written and len(one.written) == 12
    assert sorted(j.path for j in steps[1]) == sorted(j.path for j in steps[2])  # progress: once a job
    assert len(steps[1]) == 24


def test_an_unchanged_rebuild_renders_nothing(tmp_path, renders):
    spec = campaign(tmp_path / "c")
    first = build(spec, tmp_path / "out", jobs=1)
    assert len(renders) == 6  # 3 channels × 2 sizes; the JPEG is encoded from the PNG's image
    before = manifest(tmp_path / "out")
    renders.clear()
    again = build(spec, tmp_path / "out", jobs=1)
    assert renders == []
    posters = [r["path"] for r in before["files"] if r["kind"] == "poster"]
    assert sorted(again.skipped) == sorted(posters) and again.written == []
    assert manifest(tmp_path / "out") == before  # the same manifest, input hashes and all
    assert [str(w) for w in again.warnings] == [str(w) for w in first.warnings]


def test_a_channel_field_re_renders_only_that_channels_posters(tmp_path, renders):
    spec = campaign(tmp_path / "c")
    build(spec, tmp_path / "out", jobs=1)
    changed = [dict(c) for c in CHANNELS]
    changed[0]["set"] = {"poster.headline": "朋友圈专享：邀5位好友免费喝"}
    spec = campaign(tmp_path / "c", channels=changed)
    renders.clear()
    result = build(spec, tmp_path / "out", jobs=1)
    assert sorted(renders) == [("moments", 750), ("moments", 1080)]
    assert all(p.startswith("posters/moments/") for p in result.written if p.startswith("posters/"))
    assert len([p for p in result.written if p.startswith("posters/")]) == 4
    assert not any(p.startswith("posters/moments/") for p in result.skipped)
    assert len(result.skipped) == 8


def test_a_headline_re_renders_the_channels_that_show_it(tmp_path, renders):
    spec = campaign(tmp_path / "c")
    build(spec, tmp_path / "out", jobs=1)
    spec = campaign(tmp_path / "c", **{"poster.headline": "邀3位好友，新品芒果冰免费喝！"})
    renders.clear()
    result = build(spec, tmp_path / "out", jobs=1)
    assert sorted(c for c, _ in renders) == ["groups", "groups", "store", "store"]  # moments has its own headline
    assert sorted(p.split("/")[1] for p in result.skipped) == ["moments"] * 4


def test_a_missing_or_edited_poster_is_rendered_again(tmp_path, renders):
    spec = campaign(tmp_path / "c")
    out = tmp_path / "out"
    build(spec, out, jobs=1)
    rows = {r["path"]: r for r in manifest(out)["files"]}
    gone, edited = "posters/groups/bold-750x1334.png", "posters/store/bold-1080x1920.jpg"
    (out / gone).unlink()
    (out / edited).write_bytes(b"not a poster")
    renders.clear()
    result = build(spec, out, jobs=1)
    assert sorted(renders) == [("groups", 750), ("store", 1080)]
    assert sorted(result.written) == sorted([gone, edited])
    from postergen.writer import file_sha256

    for path in (gone, edited):
        assert file_sha256(out / path) == rows[path]["sha256"]  # the same bytes as the first build


def test_a_code_or_library_change_renders_everything_again(tmp_path, renders, monkeypatch):
    from postergen import incremental

    spec = campaign(tmp_path / "c")
    build(spec, tmp_path / "out", jobs=1)
    monkeypatch.setattr(incremental, "code_fingerprint", lambda: "another postergen")
    renders.clear()
    result = build(spec, tmp_path / "out", jobs=1)
    assert len(renders) == 6 and result.skipped == []
    assert result.written == []  # rendered again, and the bytes were the same


def test_channels_with_the_same_spec_share_one_static_base(tmp_path, monkeypatch):
    loaded = load_campaign(campaign(tmp_path / "c"))
    painted = []
    real = PosterRenderer._paint_static

    def spy(self, v, template, width, height):
        painted.append(width)
        return real(self, v, template, width, height)

    monkeypatch.setattr(PosterRenderer, "_paint_static", spy)
    renderer = PosterRenderer(loaded)
    shared = {}
    for channel in ("moments", "groups", "store"):
        rendered = renderer.render("", "bold", 1080, 1920, f"https://h5.example.com/tea/invite?c={channel}", channel=channel)
        shared[channel] = rendered.image
    assert painted == [1080, 1080]  # moments has its own headline; groups and store share a base
    fresh = PosterRenderer(loaded).render("", "bold", 1080, 1920, "https://h5.example.com/tea/invite?c=store", channel="store")
    assert fresh.image.tobytes() == shared["store"].tobytes()  # sharing changes no pixel


def test_png_level_changes_bytes_not_pixels(tmp_path):
    from PIL import Image

    out = {}
    for level in (1, 9):
        spec = make_campaign(tmp_path / f"c{level}", {"output.png_level": level})
        build(spec, tmp_path / f"o{level}", jobs=1)
        out[level] = tmp_path / f"o{level}" / "posters" / "bold" / "bold-1080x1920.png"
    assert out[1].read_bytes() != out[9].read_bytes()
    assert out[9].stat().st_size < out[1].stat().st_size
    with Image.open(out[1]) as a, Image.open(out[9]) as b:
        assert a.tobytes() == b.tobytes()


def test_png_level_out_of_range_names_the_field(tmp_path):
    from postergen.errors import SpecError

    with pytest.raises(SpecError) as info:
        load_campaign(make_campaign(tmp_path, {"output.png_level": 10}))
    assert "output.png_level" in str(info.value)


def test_site_files_go_to_the_sink_as_they_are_made_and_are_not_kept():
    from postergen.jobs import codes_for
    from postergen.site.build import site_files

    loaded = load_campaign(Path(__file__).resolve().parent.parent / "examples" / "tea-invite")
    rows, _ = codes_for(loaded, {})
    kept = site_files(loaded, rows)
    streamed: list = []
    built = site_files(loaded, rows, sink=streamed.append)
    assert built.files == [] and built.pages == [] and built.made == len(kept.pages) == 3
    assert [(f.path, f.data) for f in streamed] == [(f.path, f.data) for f in kept.files]


def test_the_fast_cmap_reader_gives_fonttools_advances():
    """Face reads code point → advance from the raw cmap/hmtx (start-up: a CJK face's
    glyph names are never decoded); the mapping is exactly fontTools'."""
    import glob

    from fontTools.ttLib import TTFont

    from postergen.fonts import FONT_DIR, _raw_advances

    paths = sorted(glob.glob(str(FONT_DIR / "*.[ot]tf"))) + sorted(glob.glob("/usr/share/fonts/**/*.ttf", recursive=True))[:12]
    for path in paths:
        with TTFont(path, lazy=True) as fast, TTFont(path, lazy=True) as font:
            metrics = font["hmtx"].metrics
            assert _raw_advances(fast) == {cp: metrics[g][0] for cp, g in (font.getBestCmap() or {}).items()}, path


def test_the_strike_size_read_from_the_raw_table_is_fonttools_own():
    """Start-up reads a colour face's bitmap strike size from the raw CBLC table."""
    import struct

    from fontTools.ttLib import TTFont

    from postergen.fonts import EMOJI, _cblc_ppem, load_face

    with TTFont(str(EMOJI), lazy=True) as font:
        assert _cblc_ppem(font.reader["CBLC"]) == max(s.bitmapSizeTable.ppemY for s in font["CBLC"].strikes) == 109
    assert load_face(str(EMOJI)).strike == 109
    strikes = [bytes(45) + bytes([ppem]) + bytes(2) for ppem in (32, 136, 64)]
    assert _cblc_ppem(struct.pack(">II", 0x30000, 3) + b"".join(strikes)) == 136


def test_workers_die_with_a_killed_build_and_leave_the_folder_free(tmp_path):
    """kill -9 of a build: its forked workers go too (they share the output lock and would
    otherwise keep writing), so a re-run can take the folder at once."""
    import os
    import signal
    import subprocess
    import sys
    import time

    import psutil

    spec = campaign(tmp_path / "c", **{"output.sizes": ["1080x1920", "750x1334", "1080x1080"]})
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    proc = subprocess.Popen([sys.executable, "-m", "postergen", "build", str(spec), "-o", str(out), "-j", "2", "-q"], env=env)
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 60
    workers: list = []
    while time.monotonic() < deadline and proc.poll() is None and len(workers) < 2:
        try:
            workers = [c for c in parent.children() if c.name().startswith("python")]
        except psutil.NoSuchProcess:
            break
        time.sleep(0.01)
    if proc.poll() is not None:
        pytest.skip("the build finished before its workers were seen")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    gone, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive, f"workers outlived the killed build: {[p.pid for p in alive]}"
    result = build(spec, out, jobs=1)  # not OutputBusy
    assert result.ok


def test_pdf_workers_make_their_own_weasyprint_font_configuration(tmp_path):
    """A forked worker must not go on with the WeasyPrint font configuration it inherited
    (its fontconfig state and font folder are this process's): with it, new text in a
    worker's PDF came out as .notdef boxes (seen in the full suite's order: any print
    build in this process, then a -j2 print build)."""
    print_channels = [{"id": f"store{i}", "name": f"门店{i}", "medium": "offline"} for i in range(4)]
    first = make_campaign(tmp_path / "a", {"channels": print_channels, "output.print": {"sizes": ["card"]}})
    other = make_campaign(tmp_path / "b", {"channels": print_channels, "output.print": {"sizes": ["card"]},
                                           "poster.headline": "到店扫码，新品第二杯半价"})
    assert build(first, tmp_path / "out1", jobs=1).ok  # this process now has a font configuration
    result = build(other, tmp_path / "out2", jobs=2)  # new text, in forked workers
    assert result.ok, result.failures
    assert build(first, tmp_path / "out3", jobs=1).ok


def test_libyaml_reads_every_built_in_template_as_the_position_keeping_parser_does():
    """Start-up parses our own templates with libyaml (YAML 1.1); the spec's parser is
    ruamel (YAML 1.2): the two must read them the same, or a template would change
    meaning with the parser."""
    import json

    from postergen.loader import parse_builtin
    from postergen.template import BUILTIN_DIR
    from postergen.yamlsrc import load_yaml

    paths = sorted(BUILTIN_DIR.glob("*.yaml"))
    assert len(paths) >= 3
    for path in paths:
        data, problems = load_yaml(path, path.name, empty_hint="", kind="template")
        fast = parse_builtin(path.read_text(encoding="utf-8"))
        # (as JSON: == alone cannot tell 1 from True or 1.0, which YAML 1.1 and 1.2 may)
        assert problems == [] and json.dumps(fast, sort_keys=True) == json.dumps(data, sort_keys=True), path.name
