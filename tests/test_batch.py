"""postergen batch: a personal poster per row, attributable, resumable, one bad row never
stopping the others."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from postergen.batch.names import poster_path, safe_name
from postergen.batch.run import BatchOptions, run_batch
from postergen.cli import app
from postergen.loader import load_campaign
from postergen.qrcheck import decode

ROOT = Path(__file__).resolve().parent.parent
TEA = ROOT / "examples" / "tea-invite"
SECRET = {"TEA_SECRET": "k3Jx9-long-enough-test-secret-0123456789"}


def small_campaign(tmp_path: Path, sizes=("540x960",), formats=("jpeg",), templates=("bold",)) -> Path:
    """The tea example, cut down to one small poster per person (fast)."""
    folder = tmp_path / "tea"
    shutil.copytree(TEA, folder, ignore=shutil.ignore_patterns("people.csv", "avatars"))
    text = (folder / "campaign.yaml").read_text(encoding="utf-8")
    text = text.replace("templates: [bold, photo, minimal]", f"templates: [{', '.join(templates)}]")
    text = text.replace("sizes: [1080x1920, 750x1334, 1080x1080, 1242x1660]", f"sizes: [{', '.join(sizes)}]")
    text = text.replace("formats: [png, jpeg]", f"formats: [{', '.join(formats)}]")
    text = text.replace("tracking:\n", "tracking:\n  secret_env: TEA_SECRET\n")
    (folder / "campaign.yaml").write_text(text, encoding="utf-8")
    return folder


def people_file(folder: Path, rows: list[tuple], name="people.csv") -> Path:
    (folder / "avatars").mkdir(exist_ok=True)
    for src in (TEA / "avatars").glob("*.jpg"):
        shutil.copy(src, folder / "avatars" / src.name)
    path = folder / name
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "nickname", "avatar"])
        w.writerows(rows)
    return path


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def campaign(tmp_path, monkeypatch):
    for k, v in SECRET.items():
        monkeypatch.setenv(k, v)
    return small_campaign(tmp_path)


def test_every_poster_carries_its_persons_code(campaign, tmp_path):
    people = people_file(campaign, [("u1", "小鹿", "avatars/a00.jpg"), ("u2", "阿杰🏀", "avatars/a01.jpg"), ("u3", "Lily", "")])
    out = tmp_path / "out"
    summary = run_batch(load_campaign(campaign), people, out, BatchOptions(jobs=1))
    assert (summary.rows, summary.written, summary.failed) == (3, 3, 0)
    rows = read_csv(out / "people.csv")
    assert [r["id"] for r in rows] == ["u1", "u2", "u3"]
    codes = {r["code"] for r in rows}
    assert len(codes) == 3
    for r in rows:
        assert f"ref={r['code']}" in r["url"]
        image = Image.open(out / r["paths"])
        assert image.size == (540, 960)
        assert decode(image) == [r["url"]]
        assert r["status"] == "written"
    # the placeholder row says so
    assert rows[2]["warnings"] == "" or "placeholder" not in rows[0]["warnings"]


def test_codes_differ_from_channel_codes_and_lookup(campaign, tmp_path):
    from postergen.jobs import codes_for

    people = people_file(campaign, [("u1", "小鹿", "")])
    out = tmp_path / "out"
    run_batch(load_campaign(campaign), people, out, BatchOptions(jobs=1))
    code = read_csv(out / "people.csv")[0]["code"]
    channel_codes = {r.code for r in codes_for(load_campaign(campaign))[0]}
    assert code not in channel_codes and len(code) == 10


def test_bad_rows_never_stop_the_others(campaign, tmp_path):
    people = people_file(campaign, [
        ("u1", "小鹿", "avatars/a00.jpg"),
        ("u1", "duplicate", "avatars/a00.jpg"),
        ("", "no id", ""),
        ("u3", "ok", "avatars/nope.jpg"),
    ])
    out = tmp_path / "out"
    summary = run_batch(load_campaign(campaign), people, out, BatchOptions(jobs=1))
    assert summary.written == 2 and summary.failed == 2
    failed = read_csv(out / "failed.csv")
    assert [f["row"] for f in failed] == ["3", "4"]
    assert "duplicate id 'u1'" in failed[0]["reason"]
    ok = {r["id"]: r for r in read_csv(out / "people.csv") if r["status"] == "written"}
    assert "placeholder" in ok["u3"]["warnings"]


def test_avatar_required_fails_the_row(campaign, tmp_path):
    people = people_file(campaign, [("u1", "小鹿", ""), ("u2", "阿杰", "avatars/a01.jpg")])
    out = tmp_path / "out"
    summary = run_batch(load_campaign(campaign), people, out, BatchOptions(jobs=1, avatar_required=True))
    assert (summary.written, summary.failed) == (1, 1)
    assert read_csv(out / "failed.csv")[0]["column"] == "avatar"


def test_rerun_renders_nothing_and_one_changed_row_only(campaign, tmp_path):
    rows = [(f"u{i}", f"朋友{i}", f"avatars/a0{i % 10}.jpg") for i in range(6)]
    people = people_file(campaign, rows)
    out = tmp_path / "out"
    loaded = load_campaign(campaign)
    first = run_batch(loaded, people, out, BatchOptions(jobs=1))
    assert first.written == 6
    mtimes = {p: p.stat().st_mtime_ns for p in (out / "posters").rglob("*.jpg")}
    again = run_batch(loaded, people, out, BatchOptions(jobs=1))
    assert (again.written, again.unchanged) == (0, 6)
    assert {p: p.stat().st_mtime_ns for p in (out / "posters").rglob("*.jpg")} == mtimes
    rows[2] = ("u2", "改了名字", rows[2][2])
    people_file(campaign, rows)
    third = run_batch(loaded, people, out, BatchOptions(jobs=1))
    assert (third.written, third.unchanged) == (1, 5)
    changed = [r for r in read_csv(out / "people.csv") if r["status"] == "written"]
    assert [r["id"] for r in changed] == ["u2"]


def test_worker_processes_give_the_same_bytes(campaign, tmp_path):
    rows = [(f"p{i}", f"同学{i}", f"avatars/a0{i % 10}.jpg") for i in range(40)]
    people = people_file(campaign, rows)
    loaded = load_campaign(campaign)
    one = run_batch(loaded, people, tmp_path / "one", BatchOptions(jobs=1))
    two = run_batch(loaded, people, tmp_path / "two", BatchOptions(jobs=2))
    assert one.written == two.written == 40
    a = {r["id"]: r["sha256"] for r in read_csv(tmp_path / "one" / "people.csv")}
    b = {r["id"]: r["sha256"] for r in read_csv(tmp_path / "two" / "people.csv")}
    assert a == b


def test_sigkill_midway_then_rerun_gives_each_good_row_once(campaign, tmp_path):
    rows = [(f"k{i}", f"用户{i}", f"avatars/a0{i % 10}.jpg") for i in range(120)]
    rows.append(("k5", "dup", ""))
    people = people_file(campaign, rows)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "postergen", "batch", str(campaign), "--people", str(people), "-o", str(out), "-j", "2", "-q"]
    env = {**os.environ, **SECRET, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, env=env, start_new_session=True)
    journal = out / ".postergen" / "batch.sqlite"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list((out / "posters").rglob("*.jpg"))) >= 20:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert journal.exists()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr  # the duplicate row
    people_rows = read_csv(out / "people.csv")
    good = [r for r in people_rows if r["status"] != "failed"]
    assert sorted(r["id"] for r in good) == sorted(f"k{i}" for i in range(120))
    assert len(list((out / "posters").rglob("*.jpg"))) == 120
    assert not list(out.rglob("*.part"))
    for r in good[::17]:
        assert decode(Image.open(out / r["paths"])) == [r["url"]]


def test_safe_names_are_unique_and_plain():
    ids = ["u1", "U1", "../../etc/passwd", "小鹿", "a" * 300, "con", "_x", "x y"]
    names = [safe_name(i) for i in ids]
    assert len(set(names)) == len(ids)
    assert names[0] == "u1"
    for n in names:
        assert "/" not in n and ".." not in n and len(n) <= 64
    assert poster_path("u1", "bold", "540x960", "jpg").startswith("posters/")


def test_cli_exit_codes_and_json(campaign, tmp_path):
    runner = CliRunner()
    people = people_file(campaign, [("u1", "小鹿", ""), ("u1", "dup", "")])
    out = tmp_path / "out"
    res = runner.invoke(app, ["batch", str(campaign), "--people", str(people), "-o", str(out), "-j", "1", "--json"])
    assert res.exit_code == 1, res.output
    data = json.loads(res.stdout)
    assert data["written"] == 1 and data["failed"] == 1
    res = runner.invoke(app, ["batch", str(campaign), "--people", str(tmp_path / "none.csv"), "-o", str(out)])
    assert res.exit_code == 2
    res = runner.invoke(app, ["batch", str(campaign), "--people", str(people), "-o", str(out), "--channel", "moment"])
    assert res.exit_code == 2 and "did you mean 'moments'" in res.output


def test_codes_lists_and_looks_up_personal_codes(campaign, tmp_path):
    people = people_file(campaign, [("u1", "小鹿", ""), ("u2", "阿杰", "")])
    out = tmp_path / "out"
    run_batch(load_campaign(campaign), people, out, BatchOptions(jobs=1))
    made = {r["id"]: r["code"] for r in read_csv(out / "people.csv")}
    runner = CliRunner()
    res = runner.invoke(app, ["codes", str(campaign), "--people", str(people)])
    assert res.exit_code == 0, res.output
    listed = dict(line.split("\t")[:2] for line in res.stdout.splitlines())
    assert listed == made
    res = runner.invoke(app, ["codes", str(campaign), "--people", str(people), "--lookup", made["u2"].lower()])
    assert res.exit_code == 0 and f"person u2 (row 3" in res.stdout
    res = runner.invoke(app, ["codes", str(campaign), "--people", str(people), "--lookup", "ZZZZZZZZZZ"])
    assert res.exit_code == 1


def test_in_place_canvas_and_strip_jpeg_give_the_pixels_of_a_full_paint(tmp_path, monkeypatch):
    """A batch worker paints posters on one canvas per template and size and restores what
    the last poster covered; every poster in a sequence (long and short, emoji, ZWJ and
    fallback nicknames, alternating) is pixel for pixel the poster painted from scratch,
    and its JPEG, encoded only where it differs from the static base, decodes to exactly
    the pixels of a one-piece encode."""
    import io

    from PIL import ImageChops

    from postergen import jpegstrips, pngbands
    from postergen.layout import layout_poster
    from postergen.paint import encode, paint
    from postergen.render import PosterRenderer
    from postergen.textclean import prepare_nickname

    for k, v in SECRET.items():
        monkeypatch.setenv(k, v)
    folder = small_campaign(tmp_path, templates=("bold", "photo", "minimal"))
    loaded = load_campaign(folder / "campaign.yaml")
    chain = loaded.chain("heading")
    avatars = sorted((TEA / "avatars").glob("*.jpg"))
    nicks = ["奶茶续命中☕️ 的超长超长超长超长的昵称啊啊啊", "小鹿", "👨‍👩‍👧 幸福一家人", "", "Lily🌸", "点赞狂魔👍🏽🇨🇳", "W"]
    in_place = PosterRenderer(loaded, in_place=True)
    strips = jpegstrips.StripEncoder()
    for template in ("bold", "photo", "minimal"):
        for i, nick in enumerate(nicks + nicks[::-1]):
            name, _ = prepare_nickname(nick, chain, "strip", "你的好友")
            extra = {"inviter": {"nickname": name, "avatar": avatars[i % len(avatars)], "line": "邀请你一起喝"},
                     "person": {"id": f"p{i}", "nickname": name, "code": f"C{i:05d}"}}
            url = f"https://h5.example.com/tea?ref=K{i:04d}x{'y' * (i % 3)}"
            rendered = in_place.render("", template, 540, 960, url, extra)
            want = paint(layout_poster(loaded, loaded.templates[template], 540, 960, url, extra))
            assert ImageChops.difference(rendered.image, want).getbbox() is None, (template, nick)
            # The batch's JPEG: only the changed rows encoded, the rest the base's own rows.
            data = strips.encode(rendered.image, rendered.base, rendered.changed, 88)
            assert data == jpegstrips.encode_whole(want, 88)  # a one-piece encode with the same restart markers
            decoded = Image.open(io.BytesIO(data)).convert("RGB")
            plain = Image.open(io.BytesIO(encode(want, "jpeg", 88))).convert("RGB")
            assert ImageChops.difference(decoded, plain).getbbox() is None  # the pixels postergen build gives
            # The PNG: only the changed row bands compressed, the rest the base's own.
            png = strips.poster(rendered, "png", 88, 1)
            assert png == pngbands.encode_whole(want, 1)
            decoded = Image.open(io.BytesIO(png))
            assert decoded.mode == want.mode and ImageChops.difference(decoded, want).getbbox() is None


@pytest.mark.parametrize("size", [(1080, 1920), (1081, 1003), (333, 201), (750, 1334)])
def test_strip_jpeg_at_odd_sizes_and_edges(size):
    """Changed boxes at the corners and edges of images whose sides are not multiples of
    8 (partial blocks) or of a cell: the file is byte for byte a one-piece encode with
    the same restart interval, and decodes to the pixels of one without markers."""
    import io

    from PIL import ImageChops, ImageDraw

    from postergen import jpegstrips
    from postergen.paint import encode

    w, h = size
    base = Image.merge("RGB", [Image.effect_noise((w, h), 40 + 10 * i).point(lambda v: v // 2 + 60) for i in range(3)])
    image = base.copy()
    draw = ImageDraw.Draw(image)
    boxes = [(0, 0, 37, 19), (w - 23, h - 9, w, h), (w // 3, h // 2, w // 3 + 90, h // 2 + 41), (w - 5, 3, w, 11)]
    for i, box in enumerate(boxes):
        draw.rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=(40 * i, 255 - 40 * i, 128))
    strips = jpegstrips.StripEncoder()
    data = strips.encode(image, base, boxes, 88)
    assert data == jpegstrips.encode_whole(image, 88)
    assert strips.encode(base, base, [], 88) == jpegstrips.encode_whole(base, 88)  # nothing changed
    decoded = Image.open(io.BytesIO(data)).convert("RGB")
    plain = Image.open(io.BytesIO(encode(image, "jpeg", 88))).convert("RGB")
    assert ImageChops.difference(decoded, plain).getbbox() is None


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L"])
@pytest.mark.parametrize("size", [(1080, 1920), (333, 201), (750, 31)])
def test_band_png_at_odd_sizes_and_edges(size, mode):
    """Changed boxes at the corners and edges, on the first and last rows and across band
    boundaries: the file is byte for byte an encode of every band afresh, decodes to the
    image's exact pixels, and Pillow and zlib read it without complaint."""
    import io
    import zlib

    from PIL import ImageChops, ImageDraw

    from postergen import pngbands

    w, h = size
    base = Image.merge("RGB", [Image.effect_noise((w, h), 40 + 10 * i).point(lambda v: v // 2 + 60) for i in range(3)]).convert(mode)
    image = base.copy()
    draw = ImageDraw.Draw(image)
    boxes = [(0, 0, 37, 19), (w - 23, h - 9, w, h), (w // 3, 31, w // 3 + 90, 33), (w - 5, 63, w, 65)]
    for i, box in enumerate(boxes):
        draw.rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=(40 * i, 255 - 40 * i, 128, 200)[: len(mode)] if mode != "L" else 40 * i)
    bands = pngbands.BandEncoder()
    for level in (0, 1, 6):
        data = bands.encode(image, base, boxes, level)
        assert data == pngbands.encode_whole(image, level)
        decoded = Image.open(io.BytesIO(data))
        decoded.load()
        assert decoded.mode == mode and ImageChops.difference(decoded, image).getbbox() is None
        assert bands.encode(base, base, [], level) == pngbands.encode_whole(base, level)  # nothing changed
    # The zlib stream is whole and its checksum right: zlib itself inflates it.
    idat = data[data.index(b"IDAT") + 4:data.index(b"IEND") - 8]
    assert len(zlib.decompress(idat)) == h * (1 + w * len(image.getbands()))


def test_adler32_combine_is_zlibs():
    import random
    import zlib

    from postergen.pngbands import adler32_combine

    rng = random.Random(7)
    for n in (0, 1, 65520, 65521, 200_003):
        a, b = rng.randbytes(rng.randrange(0, 70_000)), rng.randbytes(n)
        assert adler32_combine(zlib.adler32(a), zlib.adler32(b), len(b)) == zlib.adler32(a + b)


def test_a_batch_paints_each_base_once_however_many_templates_and_sizes(tmp_path, monkeypatch):
    """Every row goes through every template × size in turn: with more of them than a
    small cache holds, each base was painted and encoded again for every poster."""
    from postergen.render import PosterRenderer

    for k, v in SECRET.items():
        monkeypatch.setenv(k, v)
    sizes = ("540x960", "600x800", "500x500", "480x640")
    campaign = small_campaign(tmp_path, sizes=sizes, formats=("png", "jpeg"), templates=("bold", "photo", "minimal"))
    people = people_file(campaign, [(f"u{i}", f"用户{i}", "avatars/a00.jpg") for i in range(3)])
    painted = []
    original = PosterRenderer._paint_static

    def counting(self, *args, **kwargs):
        painted.append(args[:1])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(PosterRenderer, "_paint_static", counting)
    summary = run_batch(load_campaign(campaign), people, tmp_path / "out", BatchOptions(jobs=1))
    assert summary.written == 3 and summary.posters == 3 * 12 * 2
    assert len(painted) == 12  # one static base per template and size, for all three rows


def test_threads_of_one_worker_paint_on_their_own_canvases(campaign, tmp_path):
    """A Dask worker may run partitions on several threads of one process: each thread
    gets its own renderer (the in-place canvas) and encoder; the posters made on two
    threads at once are the bytes one thread makes."""
    from concurrent.futures import ThreadPoolExecutor

    from postergen.batch import partition as unit
    from postergen.batch.people import Person

    rows = [(f"p{i}", f"小鹿{'长' * (i % 7)}{i}", "avatars/a01.jpg") for i in range(12)]
    serial = run_batch(campaign / "campaign.yaml", people_file(campaign, rows), tmp_path / "one", BatchOptions(jobs=1))
    assert serial.written == 12
    want = {r["id"]: r["sha256"] for r in read_csv(tmp_path / "one" / "people.csv")}

    from postergen.batch.run import _config, resolve_target
    from postergen.store import open_store

    loaded = load_campaign(campaign / "campaign.yaml")
    options = BatchOptions()
    target, secret, _ = resolve_target(loaded, options)
    store = open_store(tmp_path / "two")
    config = _config(loaded, target, secret, options, store, None, [])
    rows = [Person(i + 2, f"p{i}", f"小鹿{'长' * (i % 7)}{i}", "avatars/a01.jpg", {}, f"d{i}") for i in range(12)]
    worker = unit.Worker(config)
    person = worker.person_for(str(campaign))

    def one(i):
        result, _ = worker.one(person, rows[i], None)
        return result

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(one, list(range(12)) * 3))
    assert len(results) == 36 and all(r.status == "written" for r in results)
    assert {r.id: r.sha256[0] for r in results} == want
    worker.close()
