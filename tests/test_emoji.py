"""Colour emoji in posters: measured as one glyph per cluster, painted in colour at the
line's size, on the line like the ideographs beside them; nicknames in validate/build."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from postergen.fonts import BUNDLED, COLOR_SCALE, EMOJI, chain_for
from postergen.layout import LayoutTree, Line, TextItem
from postergen.paint import paint

FONTS = (str(BUNDLED["bold"]), str(BUNDLED["regular"]), str(EMOJI))
FAMILY = "👨\u200d👩\u200d👧"
COUPLE = "👩\u200d❤\ufe0f\u200d👨"  # a ZWJ sequence in colour (Noto's families are grey)
FLAG = "🇨🇳"
KEYCAP = "1\ufe0f\u20e3"
THUMB = "👍🏽"
HEART = "❤\ufe0f"
SEQUENCES = {"zwj-family": FAMILY, "zwj-couple": COUPLE, "flag": FLAG, "keycap": KEYCAP, "skin-tone": THUMB, "vs16": HEART}


@pytest.fixture(scope="module")
def chain():
    return chain_for(FONTS)


def _pixels(im, box):
    """The RGB pixels of *box* (x0, y0, x1, y1) of *im*."""
    raw = im.crop(box).convert("RGB").tobytes()
    return [tuple(raw[i : i + 3]) for i in range(0, len(raw), 3)]


def _chroma(pixels, at_least=60) -> int:
    return sum(1 for p in pixels if max(p) - min(p) >= at_least)


def _ink_box(im, box, background=(255, 255, 255)):
    """Bounding box (in *im* coordinates) of the pixels of *box* that differ from *background*."""
    from PIL import Image, ImageChops

    region = im.crop(box).convert("RGB")
    diff = ImageChops.difference(region, Image.new("RGB", region.size, background)).convert("L")
    found = diff.point(lambda v: 255 if v > 40 else 0).getbbox()
    assert found is not None, "nothing painted"
    return (found[0] + box[0], found[1] + box[1], found[2] + box[0], found[3] + box[1])


def _poster_with_line(text: str, size: int = 60, color: str = "#000000", x: float = 20, baseline: float = 100):
    chain = chain_for(FONTS)
    width = chain.width(text) * size
    line = Line(text, x, baseline, round(width, 2))
    item = TextItem("header", "nickname", (int(x), int(baseline - size), int(width) + 1, int(size * 1.3)), FONTS, size, color, (line,))
    return LayoutTree(int(x + width + 40), int(baseline + size), "t", "portrait", 1.0, (item,)), chain


# --------------------------------------------------------------------------- measuring


@pytest.mark.parametrize("seq", SEQUENCES.values(), ids=SEQUENCES.keys())
def test_sequence_is_one_cluster_with_one_glyph_advance(chain, seq):
    [(cluster, idx, advance)] = chain.clusters(seq)
    assert cluster == seq
    assert chain.faces[idx].path.name == "NotoColorEmoji.ttf"
    one_glyph = chain.width("🦌")
    assert advance == pytest.approx(one_glyph)
    assert chain.width(f"小{seq}鹿") == pytest.approx(chain.width("小鹿") + one_glyph)
    if seq != HEART:  # not the sum of its code points (VS16 and ZWJ advance nothing)
        assert advance < 0.7 * sum(chain.lookup(ch)[1] for ch in seq)
    assert chain.missing(seq) == []


def test_emoji_advance_is_the_colour_scale_of_the_font_advance(chain):
    # Noto Color Emoji advances 2550/2048 em; drawn at COLOR_SCALE of the font size.
    assert chain.width("🦌") == pytest.approx(2550 / 2048 * COLOR_SCALE, rel=1e-3)


def test_unknown_zwj_sequence_measures_as_its_parts(chain):
    # No font has a "deer ZWJ deer" glyph: it shapes (and is drawn) as two deer.
    assert chain.width("🦌\u200d🦌") == pytest.approx(2 * chain.width("🦌"), rel=1e-3)


def test_selectors_joiners_and_tags_are_never_missing(chain):
    text = "\ufe0f\ufe0e\u200d\U000e0067\U000e007f\u00ad🏽"
    assert chain.missing(text) == []


def test_text_runs_never_split_a_cluster(chain):
    runs = chain.runs("小鹿" + FAMILY + "茶" + FLAG)
    assert [(r.text, r.face.path.name) for r in runs] == [
        ("小鹿", "NotoSansSC-Bold.otf"),
        (FAMILY, "NotoColorEmoji.ttf"),
        ("茶", "NotoSansSC-Bold.otf"),
        (FLAG, "NotoColorEmoji.ttf"),
    ]


# --------------------------------------------------------------------------- painting


@pytest.mark.parametrize("seq", [COUPLE, FLAG, KEYCAP, THUMB, HEART, "🦌"], ids=["zwj", "flag", "keycap", "skin-tone", "vs16", "deer"])
def test_emoji_is_painted_in_colour(seq):
    tree, chain = _poster_with_line(f"小鹿{seq}")
    im = paint(tree)
    line = tree.items[0].lines[0]
    x0 = line.x + chain.width("小鹿") * 60
    x1 = x0 + chain.width(seq) * 60
    emoji = _pixels(im, (int(x0), 20, int(x1) + 1, 130))
    text = _pixels(im, (int(line.x), 20, int(x0), 130))
    assert _chroma(emoji) > 200, "the emoji has no colour"
    assert _chroma(text) == 0  # the black text next to it stays black


def test_family_is_drawn_as_one_glyph():
    tree, chain = _poster_with_line("小" + FAMILY)
    im = paint(tree)
    x0 = tree.items[0].lines[0].x + chain.width("小") * 60
    ink = _ink_box(im, (int(x0), 0, im.width, im.height))
    assert ink[2] - ink[0] <= chain.width("🦌") * 60 + 2  # not three people side by side
    assert ink[2] - ink[0] >= 0.8 * 60


@pytest.mark.parametrize("size", [12, 33, 60, 109, 200])
def test_emoji_sits_on_the_line_like_an_ideograph(size):
    tree, chain = _poster_with_line("国😀", size=size, baseline=size * 1.5)
    im = paint(tree)
    line = tree.items[0].lines[0]
    split = int(line.x + chain.width("国") * size)
    han = _ink_box(im, (0, 0, split, im.height))
    emo = _ink_box(im, (split, 0, im.width, im.height))
    han_mid, emo_mid = (han[1] + han[3]) / 2, (emo[1] + emo[3]) / 2
    assert abs(han_mid - emo_mid) <= 0.06 * size + 1  # same middle
    han_h, emo_h = han[3] - han[1], emo[3] - emo[1]
    assert 0.85 * han_h <= emo_h <= 1.2 * han_h + 1  # about the same height
    assert emo[0] >= split - 1 and emo[2] <= line.x + line.width + 1  # inside its advance


def test_emoji_is_crisp_not_a_blurred_upscale():
    # At 60 px, the smiley's dark eyes must still be dark (LANCZOS from the 109 px strike).
    tree, chain = _poster_with_line("😀")
    im = paint(tree)
    pixels = _pixels(im, (0, 0, im.width, im.height))
    assert min(sum(p) for p in pixels) < 200


def test_translucent_text_paints_translucent_emoji():
    opaque, _ = _poster_with_line(HEART)
    faded, _ = _poster_with_line(HEART, color="#00000080")
    a, b = paint(opaque), paint(faded)
    red_a = max(p[0] - p[1] for p in _pixels(a, (0, 0, a.width, a.height)))
    red_b = max(p[0] - p[1] for p in _pixels(b, (0, 0, b.width, b.height)))
    assert red_a > 150 and 40 < red_b < red_a * 0.7


def test_emoji_only_chain_never_opens_the_bitmap_font_at_another_size():
    # The colour face as main font: every size is served by the 109 px strike.
    fonts = (str(EMOJI),)
    chain = chain_for(fonts)
    for size in (10, 47, 300):
        width = chain.width("🦌A") * size
        item = TextItem("header", None, (0, 0, int(width) + 1, size * 2), fonts, size, "#000000", (Line("🦌", 0, size, width),))
        paint(LayoutTree(int(width) + 10, size * 2, "t", "p", 1.0, (item,)))
    assert chain.main.pil(47) is chain.main.pil(109)


# --------------------------------------------------------------------------- spec nicknames


def test_validate_accepts_emoji_and_reports_no_selector(campaign):
    from postergen.loader import load_campaign

    spec = campaign({"inviter.nickname": "小鹿" + HEART + FAMILY + KEYCAP + FLAG})
    loaded = load_campaign(spec)
    assert loaded.spec.inviter.nickname == "小鹿" + HEART + FAMILY + KEYCAP + FLAG
    assert loaded.heading[-1] == str(EMOJI) and loaded.body[-1] == str(EMOJI)


def test_control_character_in_spec_text_is_an_error_with_its_path(campaign):
    from conftest import problems

    spec = campaign(text=lambda t: t.replace("slogan: 一杯好茶 慢慢喝", 'slogan: "一杯\\a好茶"'))
    assert problems(spec) == [
        "campaign.yaml:9 brand.slogan: control character U+0007 BELL in the text; remove it (a line break "
        "is written as a new line in a '|' block)"
    ]


def test_invisible_characters_are_removed_with_a_warning(campaign):
    from postergen.loader import load_campaign

    spec = campaign(text=lambda t: t.replace("nickname: 小李", 'nickname: "\\u202e小\\u200b李"'))
    loaded = load_campaign(spec)
    assert loaded.spec.inviter.nickname == "小李"
    assert [str(w) for w in loaded.warnings if "invisible" in str(w)] == [
        "campaign.yaml:11 inviter.nickname: warning: invisible character U+202E RIGHT-TO-LEFT OVERRIDE is removed from the text",
        "campaign.yaml:11 inviter.nickname: warning: invisible character U+200B ZERO WIDTH SPACE is removed from the text",
    ]


def test_soft_hyphen_is_not_drawn_mid_word(campaign):
    from postergen.layout import layout_poster
    from postergen.loader import load_campaign

    spec = campaign({"inviter.line": "Fresh\u00adbeans"})
    loaded = load_campaign(spec)
    tree = layout_poster(loaded, loaded.templates["bold"], 1080, 1920, "https://x.example/q")
    texts = [ln.text for item in tree.items if isinstance(item, TextItem) for ln in item.lines]
    assert "Freshbeans" in texts
    assert not any("\u00ad" in t for t in texts)


def _cut_down_tea_invite(tmp_path: Path, nickname: str) -> Path:
    folder = tmp_path / "tea"
    shutil.copytree(Path(__file__).parent.parent / "examples" / "tea-invite", folder)
    spec = folder / "campaign.yaml"
    text = spec.read_text(encoding="utf-8")
    text = text.replace("  nickname: 小鹿\n", f'  nickname: "{nickname}"\n')
    text = text.replace("templates: [bold, photo, minimal]", "templates: [bold]")
    text = re.sub(r"sizes: \[[^\]]*\]", "sizes: [540x960]", text)
    text = text.replace("formats: [png, jpeg]", "formats: [png]")
    text = re.sub(r"channels:\n(  - .*\n)+", "channels:\n  - {id: moments, name: 朋友圈}\n", text)
    assert f'nickname: "{nickname}"' in text
    spec.write_text(text, encoding="utf-8")
    return spec


def test_campaign_with_emoji_nickname_builds_with_a_colour_header(tmp_path):
    import postergen
    from PIL import Image

    from postergen.layout import layout_poster

    nickname = "小鹿🦌" + FAMILY
    spec = _cut_down_tea_invite(tmp_path, nickname)
    result = postergen.build(spec, tmp_path / "out")
    [png] = sorted((tmp_path / "out" / "posters").rglob("*.png"))
    im = Image.open(png)
    assert im.size == (540, 960)

    loaded = postergen.load_campaign(spec)
    assert loaded.spec.inviter.nickname == nickname
    assert not [w for w in result.warnings if "character" in str(w)]
    tree = layout_poster(loaded, loaded.templates["bold"], 540, 960, "https://t.example.com/c/x")
    [item] = [i for i in tree.items if isinstance(i, TextItem) and i.id == "nickname"]
    [line] = item.lines
    assert line.text == nickname and not item.truncated
    chain = chain_for(item.fonts)
    size = item.size
    top, bottom = int(line.baseline - size), int(line.baseline + 0.3 * size)
    deer_x = line.x + chain.width("小鹿") * size
    family_x = deer_x + chain.width("🦌") * size
    deer = _pixels(im, (int(deer_x), top, int(family_x), bottom))
    family = _pixels(im, (int(family_x), top, int(family_x + chain.width(FAMILY) * size), bottom))
    # The header is brand green with white text: the deer is brown/orange (red over
    # green), the family tile light grey with black silhouettes.
    assert sum(1 for r, g, b in deer if r - g >= 30) > 20
    assert sum(1 for r, g, b in family if max(r, g, b) - min(r, g, b) < 16 and max(r, g, b) < 90) > 20
    name = _pixels(im, (int(line.x), top, int(deer_x), bottom))
    assert sum(1 for r, g, b in name if r - g >= 30) == 0  # the characters stay white on green


def test_long_emoji_nickname_is_cut_between_clusters(tmp_path):
    import postergen

    from postergen.layout import layout_poster
    from postergen.textclean import graphemes

    nickname = "小鹿" + (FAMILY + FLAG + KEYCAP + THUMB) * 12
    loaded = postergen.load_campaign(_cut_down_tea_invite(tmp_path, nickname))
    tree = layout_poster(loaded, loaded.templates["bold"], 540, 960, "https://t.example.com/c/x")
    [item] = [i for i in tree.items if isinstance(i, TextItem) and i.id == "nickname"]
    [line] = item.lines
    assert item.truncated and line.text.endswith("…")
    kept = graphemes(line.text[:-1])
    assert kept == graphemes(nickname)[: len(kept)] and len(kept) > 4


def test_emoji_font_added_by_the_user_does_not_crash(campaign, tmp_path):
    from postergen.layout import layout_poster
    from postergen.loader import load_campaign

    (tmp_path / "fonts").mkdir()
    shutil.copy(EMOJI, tmp_path / "fonts" / "emoji.ttf")
    spec = campaign({"theme.fonts": {"fallback": ["fonts/emoji.ttf"]}, "inviter.nickname": "小李😀"})
    loaded = load_campaign(spec)
    tree = layout_poster(loaded, loaded.templates["bold"], 540, 960, "https://x.example/q")
    im = paint(tree)
    assert im.size == (540, 960)


# --------------------------------------------------------------------------- print PDF


def test_pdf_draws_emoji_as_pictures_where_the_raster_painter_does():
    pdfium = pytest.importorskip("pypdfium2")
    from postergen.pdf import paint_pdf

    text = "小鹿" + COUPLE + FLAG + THUMB
    tree, chain = _poster_with_line(text, size=60, baseline=90)
    w, h = tree.width, tree.height
    data = paint_pdf(tree, trim_mm=(w / 10, h / 10), bleed_mm=0)
    assert b"NotoColorEmoji" not in data and b"Noto Color Emoji" not in data  # no colour font embedded
    page = pdfium.PdfDocument(data)[0]
    images = page.get_objects(filter=(pdfium.raw.FPDF_PAGEOBJ_IMAGE,))
    assert len(list(images)) == 3
    pdf = page.render(scale=w / page.get_width()).to_pil().convert("RGB")
    raster = paint(tree)
    assert pdf.size == raster.size
    x0 = tree.items[0].lines[0].x + chain.width("小鹿") * 60
    for k in range(3):
        box = (int(x0 + k * chain.width("🦌") * 60), 0, int(x0 + (k + 1) * chain.width("🦌") * 60), h)
        assert _chroma(_pixels(pdf, box)) > 200
        a, b = _ink_box(pdf, box), _ink_box(raster, box)
        assert all(abs(p - q) <= 2 for p, q in zip(a, b)), (k, a, b)


def test_pdf_translucent_text_makes_emoji_translucent():
    pdfium = pytest.importorskip("pypdfium2")
    from postergen.pdf import paint_pdf

    tree, _ = _poster_with_line(HEART, color="#00000080")
    data = paint_pdf(tree, trim_mm=(tree.width / 10, tree.height / 10), bleed_mm=0)
    page = pdfium.PdfDocument(data)[0]
    im = page.render(scale=tree.width / page.get_width()).to_pil().convert("RGB")
    red = max(p[0] - p[1] for p in _pixels(im, (0, 0, im.width, im.height)))
    assert 40 < red < 150


# --------------------------------------------------------------------------- shaping


def test_pillow_has_libraqm():
    from PIL import features

    assert features.check("raqm"), (
        "Pillow cannot shape text (no libraqm): its wheels load the system's FriBiDi at run time; "
        "install it (Debian: apt-get install libfribidi0), or emoji sequences are drawn as their parts"
    )


def test_without_shaping_sequences_are_drawn_as_their_parts_never_crash(monkeypatch):
    import postergen.fonts as fonts
    from postergen import emoji

    monkeypatch.setattr(fonts, "shaping", lambda: False)
    face = fonts.Face(EMOJI)  # fresh: nothing cached from the shaping runs
    chain = fonts.FontChain((fonts.Face(BUNDLED["bold"]), face))
    one = chain.width("🦌")
    assert chain.width(FAMILY) == pytest.approx(3 * one, rel=1e-3)  # three people, no ZWJ glyphs
    assert chain.width(HEART) == pytest.approx(one, rel=1e-3)  # the selector draws nothing
    im, _, _ = emoji.glyph(face, FAMILY)
    assert im.width > 2.5 * emoji.glyph(face, "🦌")[0].width
