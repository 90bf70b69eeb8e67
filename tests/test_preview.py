"""Previews: contact sheets, the gallery, and the baseline diff with its exit codes.

One campaign, built once per module: templates 'bold' and 'quiet' (a user template: bold
without its headline), two channels, two sizes, PNG + JPEG — 8 posters in 16 files.  A
one-word headline change must then change exactly the 8 'bold' files and no 'quiet' one.
"""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from posters import add_failing_template
from conftest import make_campaign
from PIL import Image, ImageDraw
from typer.testing import CliRunner

from postergen.cli import app
from postergen.preview import preview, score_images
from postergen.preview import sheets as S
from postergen.preview.diff import NOTHING_CHANGED
from postergen.preview.gallery import render_gallery
from postergen.template import BUILTIN_DIR

SIZES = ["540x960", "540x540"]
BASE = {
    "output.templates": ["bold", "quiet"],
    "output.sizes": SIZES,
    "output.formats": ["png", "jpeg"],
    "channels": [{"id": "moments", "name": "朋友圈"}, {"id": "groups", "name": "微信群"}],
}
HEADLINE = "邀3位好友，新品杨枝甘露免费喝！"


def write_campaign(folder: Path, overrides: dict | None = None) -> Path:
    spec = make_campaign(folder, {**BASE, **(overrides or {})})
    bold = (BUILTIN_DIR / "bold.yaml").read_text(encoding="utf-8")
    quiet = "\n".join(line for line in bold.splitlines() if "id: headline" not in line).replace("name: bold", "name: quiet", 1)
    (folder / "templates").mkdir(exist_ok=True)
    (folder / "templates" / "quiet.yaml").write_text(quiet + "\n", encoding="utf-8")
    return spec


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args], terminal_width=100)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """The campaign and its preview (the baseline of the other tests)."""
    root = tmp_path_factory.mktemp("preview")
    spec = write_campaign(root / "campaign")
    result = preview(spec, root / "base")
    assert result.exit_code == 0, [f.message for f in result.build.failures]
    return spec, result


def manifest_rows(result):
    return json.loads((result.out / "build" / "manifest.json").read_text(encoding="utf-8"))["files"]


# --------------------------------------------------------------------------- contact sheets


def runs(image, y: int, min_length: int = 40) -> list[tuple[int, int]]:
    """Stretches of non-background pixels along the row *y* (at least *min_length* long)."""
    px = image.load()
    out, start = [], None
    for x in range(image.width + 1):
        inside = x < image.width and px[x, y] != S.BACKGROUND
        if inside and start is None:
            start = x
        elif not inside and start is not None:
            if x - start >= min_length:
                out.append((start, x))
            start = None
    return out


def test_one_contact_sheet_per_size_with_a_tile_per_poster(base):
    _, result = base
    assert [s.size for s in result.sheets] == SIZES
    for sheet in result.sheets:
        image = Image.open(result.out / sheet.path)
        assert image.size == (sheet.width, sheet.height)
        # 2 templates × 2 channels; PNG and JPEG of one poster are one tile
        assert len(sheet.tiles) == 4
        assert len({t.path for t in sheet.tiles}) == 4 and all(t.path.endswith(".png") for t in sheet.tiles)
        # the pixels agree: one row of four cards, background between and around them
        top = sheet.tiles[0].box[1]
        middle = (top + sheet.tiles[0].box[3]) // 2
        tiles = runs(image, middle)
        assert len(tiles) == 4
        assert [x0 for x0, _ in tiles] == [t.box[0] - 1 for t in sheet.tiles]
        assert image.getpixel((5, middle)) == S.BACKGROUND
        assert all(image.getpixel((x, top - S.GUTTER // 2)) == S.BACKGROUND for x in range(image.width))


def test_contact_sheet_labels_are_drawn(base):
    _, result = base
    sheet = result.sheets[0]
    image = Image.open(result.out / sheet.path).convert("L")
    labels = set()
    for tile in sheet.tiles:
        left, _, right, bottom = tile.box
        label_area = image.crop((left, bottom + 2, right, bottom + S.LABEL_H - 2))
        assert label_area.getextrema()[0] < 80, f"no ink under {tile.path}"  # dark text on the white card
        labels.add((tile.label, label_area.tobytes()))
        template, rest = tile.label
        assert template in ("bold", "quiet")
        assert rest.endswith(("moments · PNG", "groups · PNG"))
    assert len(labels) == 4  # four different labels, four different drawings


# --------------------------------------------------------------------------- gallery


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.imgs, self.hrefs = [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.imgs.append(a)
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])


def parse(path: Path) -> Links:
    parser = Links()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def test_gallery_thumbnails_and_links_resolve(base):
    _, result = base
    page = parse(result.gallery)
    assert len(page.imgs) == 8  # one per poster
    for img in page.imgs:
        assert img["loading"] == "lazy" and img["width"] and img["height"]
        thumb = result.out / unquote(img["src"])
        assert thumb.suffix == ".jpg" and thumb.is_file()
        with Image.open(thumb) as im:
            assert im.format == "JPEG" and im.width == S.THUMB_WIDTH
        assert thumb.stat().st_size < 60_000
    local = [h for h in page.hrefs if "://" not in h]
    for href in local:
        assert (result.out / unquote(href)).exists(), href
    posters = {r["path"] for r in manifest_rows(result) if r["kind"] == "poster"}
    assert len(posters) == 16
    assert {unquote(h)[len("build/"):] for h in local if h.startswith("build/posters/")} == posters
    assert {s.path for s in result.sheets} <= set(local)


def test_gallery_links_landing_pages_and_escapes():
    row = {"path": "posters/a/bold-540x960.png", "kind": "poster", "variant": "b", "channel": "a", "template": "bold", "size": "540x960", "format": "png", "code": "X1", "url": "javascript:alert(1)"}
    landing = {**row, "path": "landing/b/a/index.html", "kind": "landing", "format": "html"}
    manifest = {"campaign": "<script>x</script>", "postergen": "0", "variants": [{"name": "b", "weight": 1, "factors": {"headline": "<b>"}}, {"name": "c", "weight": 2, "factors": {}}], "files": [row, landing]}
    html = render_gallery(manifest, [], {row["path"]: (300, 533)})
    assert "<script>x" not in html and "&lt;script&gt;x" in html
    assert "headline = &lt;b&gt;" in html and "weight 1" in html
    page = Links()
    page.feed(html)
    assert "build/landing/b/a/index.html" in page.hrefs
    assert "javascript:alert(1)" not in page.hrefs


# --------------------------------------------------------------------------- the score


def _card(text: str, size=(540, 300), fill=(24, 24, 27)):
    image = Image.new("RGB", size, (255, 246, 238))
    ImageDraw.Draw(image).text((40, 100), text, font=S.font("bold", 48), fill=fill)
    return image


def test_score_is_zero_for_identical_pixels_and_sees_a_changed_word():
    assert score_images(_card("免费喝新品"), _card("免费喝新品")).score == 0
    changed = score_images(_card("免费喝新品"), _card("半价喝新品"))
    assert changed.score > 1 and changed.mask.histogram()[255] > 0
    assert score_images(_card("免费"), _card("免费", size=(541, 300))).score == 100


def test_score_sees_a_colour_swap_of_equal_lightness():
    # red and green of (nearly) the same grey level: a grey-level comparison would miss it
    red, green = (200, 0, 0), (0, 102, 0)
    assert abs(Image.new("RGB", (1, 1), red).convert("L").getpixel((0, 0)) - Image.new("RGB", (1, 1), green).convert("L").getpixel((0, 0))) <= 2
    assert score_images(_card("免费", fill=red), _card("免费", fill=green)).score > 0


# --------------------------------------------------------------------------- baseline comparison


def test_unchanged_build_exits_0_with_the_empty_summary(base, tmp_path):
    spec, first = base
    result = run("preview", spec, "-o", tmp_path / "again", "--baseline", first.out)
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(f"no poster changed → {tmp_path / 'again' / 'gallery.html'}")
    summary = (tmp_path / "again" / "summary.md").read_text(encoding="utf-8")
    assert NOTHING_CHANGED in summary and "|" not in summary
    data = json.loads((tmp_path / "again" / "preview.json").read_text(encoding="utf-8"))
    assert data["comparison"]["counts"] == {"changed": 0, "added": 0, "removed": 0, "unchanged": 16}
    assert not (tmp_path / "again" / "diff").exists()


def test_one_word_headline_change_is_found_on_exactly_the_posters_that_show_it(base, tmp_path):
    _, first = base
    spec = write_campaign(tmp_path / "c", {"poster.headline": HEADLINE.replace("免费", "半价")})
    result = preview(spec, tmp_path / "p", baseline=first.out)
    assert result.exit_code == 1
    changed = {p.path for p in result.comparison.of("changed")}
    bold = {r["path"] for r in manifest_rows(result) if r["kind"] == "poster" and r["template"] == "bold"}
    assert len(bold) == 8 and changed == bold
    for p in result.comparison.posters:
        if p.path not in bold:
            assert p.status == "unchanged" and p.score == 0
        else:
            assert 0.2 < p.score < 10 and (result.out / p.diff).is_file()
    summary = result.summary_markdown
    assert summary == (result.out / "summary.md").read_text(encoding="utf-8")
    assert "**8 changed**" in summary and "quiet" not in summary
    rows = [line for line in summary.splitlines() if line.startswith("| `posters/")]
    assert len(rows) == 4  # one row per poster, a diff link per format
    for target in (t.split(")")[0] for line in rows for t in line.split("](")[1:]):
        assert (result.out / unquote(target)).is_file()
    # the gallery shows the changes and badges the changed posters
    html = result.gallery.read_text(encoding="utf-8")
    assert html.count('class="badge"') == 4 and "Changes against the baseline" in html
    # a tolerance above every score turns the same change into 'unchanged'
    loose = preview(spec, tmp_path / "p", baseline=first.out, tolerance=50)
    assert loose.exit_code == 0 and NOTHING_CHANGED in loose.summary_markdown
    assert "8 files differ slightly" in loose.summary_markdown


def test_added_and_removed_posters_are_listed_and_exit_1(base, tmp_path):
    spec, first = base
    other = write_campaign(tmp_path / "c", {"output.sizes": ["540x960", "600x600"]})
    result = run("preview", other, "-o", tmp_path / "p", "--baseline", first.out, "--json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["comparison"]["counts"] == {"changed": 0, "added": 8, "removed": 8, "unchanged": 8}
    summary = (tmp_path / "p" / "summary.md").read_text(encoding="utf-8")
    assert "**8 added, 8 removed**" in summary
    added = summary.split("**Added:**")[1].split("**Removed:**")[0]
    removed = summary.split("**Removed:**")[1]
    assert "- `posters/moments/bold-600x600` (png, jpg)" in added and "540x540" not in added
    assert "- `posters/groups/quiet-540x540` (png, jpg)" in removed and "600x600" not in removed
    assert [s["size"] for s in data["sheets"]] == ["540x960", "600x600"]


def test_errors_exit_2(base, tmp_path):
    spec, first = base
    missing = run("preview", spec, "-o", tmp_path / "p", "--baseline", tmp_path / "nothing")
    assert missing.exit_code == 2
    assert f"error: baseline {tmp_path / 'nothing'}: no manifest.json" in missing.output
    assert not (tmp_path / "p").exists()  # checked before building
    same = run("preview", spec, "-o", first.out, "--baseline", first.out)
    assert same.exit_code == 2 and "is the output folder itself" in same.output
    bad = write_campaign(tmp_path / "bad", {"poster.headline": 5})
    invalid = run("preview", bad, "-o", tmp_path / "p")
    assert invalid.exit_code == 2 and "nothing was rendered" in invalid.output
    # a baseline poster that cannot be read is an error, not a silent pass
    broken = tmp_path / "broken"
    shutil.copytree(first.out / "build", broken)
    changed = write_campaign(tmp_path / "c", {"poster.headline": HEADLINE.replace("免费", "半价")})
    (broken / "posters" / "moments" / "bold-540x960.png").write_bytes(b"not a png")
    result = run("preview", changed, "-o", tmp_path / "p2", "--baseline", broken)
    assert result.exit_code == 2 and "cannot compare posters/moments/bold-540x960.png" in result.output


def test_help_and_quiet(base, tmp_path):
    spec, first = base
    helptext = run("preview", "--help").output
    assert "Example: postergen preview" in helptext and "--baseline" in helptext and "--tolerance" in helptext
    quiet = run("preview", spec, "-o", tmp_path / "q", "--quiet")
    assert quiet.exit_code == 0 and quiet.output == ""


def test_a_failing_poster_exits_2_and_print_pdfs_are_linked_not_drawn(tmp_path):
    # A user template whose headline cannot fit (overflow 'error'), and an A5 print PDF.
    spec = make_campaign(tmp_path / "c", {"output.templates": ["bold", "tiny"], "output.sizes": ["540x960"], "output.print": {"sizes": ["A5"]}})
    add_failing_template(spec)
    result = run("preview", spec, "-o", tmp_path / "p")
    assert result.exit_code == 2
    assert "posters/tiny/tiny-540x960.png: template 'tiny' (portrait) layer 'headline'" in result.output
    assert result.output.strip().splitlines()[-1].startswith("1 poster on 1 contact sheet, 2 failed → ")
    page = parse(tmp_path / "p" / "gallery.html")
    assert [unquote(i["src"]) for i in page.imgs] == ["thumbs/posters/bold/bold-540x960.jpg"]
    assert "build/posters/bold/bold-A5.pdf" in page.hrefs  # a card without a thumbnail
    assert (tmp_path / "p" / "build" / "posters/bold/bold-A5.pdf").is_file()
