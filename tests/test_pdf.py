"""Print PDFs: the same poster as the PNG, vector text and QR, bleed, crop marks, and
WeasyPrint kept to local files.

The PDF is rasterised with PDFium (pypdfium2) and compared with the Pillow painter's PNG
of the very same layout tree.  Text positions are checked exactly from the PDF's own
character origins; the pixel comparison is a sanity check on everything else (shapes,
gradients, images, QR) with this tolerance, measured on the built-in templates:

* mean absolute difference per channel ≤ 4 (of 255), and
* at most 3% of pixels off by more than 48.

Both painters anti-alias differently, PDFium and Pillow resample photos differently, and
Pillow rounds each glyph advance to a whole pixel (the PDF places glyphs exactly where
layout measured them), so a perfect match is not expected; a line moved by 2 px or a
changed colour is well outside the tolerance.  On failure both images and their
difference are saved under tests/_actual/.
"""

from __future__ import annotations

import dataclasses
import re
import zlib
from pathlib import Path

import pytest
from conftest import make_campaign
from posters import image_difference

pdfium = pytest.importorskip("pypdfium2")
zxingcpp = pytest.importorskip("zxingcpp")
pytest.importorskip("weasyprint")

from postergen import printsizes as ps  # noqa: E402
from postergen.fonts import chain_for  # noqa: E402
from postergen.layout import ImageItem, MarkItem, QRItem, TextItem, layout_for_print  # noqa: E402
from postergen.loader import load_campaign  # noqa: E402
from postergen.paint import paint  # noqa: E402
from postergen.pdf import (  # noqa: E402
    PdfError,
    asset_fields,
    html_to_pdf,
    make_fetcher,
    paint_pdf,
    print_warnings,
)
from postergen.template import Frame, Template, builtin_names  # noqa: E402

ACTUAL = Path(__file__).parent / "_actual"
URL = "https://h5.example.com/tea/invite?c=7KQ2M9XP&utm_source=moments&utm_medium=social"
MEAN_MAX, SHARE_MAX = 4.0, 0.03
PT_PER_MM = 72 / 25.4


def hero_jpeg(path: Path, size=(1600, 1200)) -> None:
    """A photo-like picture: smooth gradients and a few soft shapes."""
    from PIL import Image, ImageDraw, ImageFilter

    w, h = size
    r = Image.linear_gradient("L").resize((w, h))
    g = Image.radial_gradient("L").resize((w, h))
    b = Image.linear_gradient("L").rotate(90).resize((w, h))
    im = Image.merge("RGB", (r, g, b))
    d = ImageDraw.Draw(im)
    d.ellipse((w * 0.55, h * 0.2, w * 0.85, h * 0.8), fill=(240, 180, 40))
    d.rectangle((w * 0.1, h * 0.6, w * 0.4, h * 0.9), fill=(20, 120, 90))
    im.filter(ImageFilter.GaussianBlur(6)).save(path, "JPEG", quality=92)


@pytest.fixture(scope="module")
def campaigns(tmp_path_factory):
    """'plain': the test campaign; 'photo': the same with a 1600×1200 hero photo."""
    plain = make_campaign(tmp_path_factory.mktemp("plain"), {"output.templates": builtin_names()})
    folder = tmp_path_factory.mktemp("photo")
    (folder / "assets").mkdir()
    hero_jpeg(folder / "assets" / "hero.jpg")
    photo = make_campaign(
        folder,
        {
            "output.templates": builtin_names(),
            "theme.background": {"color": "#FFF6EE", "image": "assets/hero.jpg", "focal": [0.6, 0.5]},
        },
    )
    return {"plain": load_campaign(plain), "photo": load_campaign(photo)}


def tree_for(loaded, template: str, size: str, url: str = URL):
    return layout_for_print(loaded, loaded.templates[template], ps.parse_print_size(size), url)


def pdf_for(loaded, tree, size: str, **kw) -> bytes:
    return paint_pdf(tree, trim_mm=ps.parse_print_size(size).trim_mm, base_dir=loaded.base, **kw)


def trim_raster(data: bytes, size: tuple[int, int]):
    """The trim area of the PDF's page, rasterised at *size* (poster pixels)."""
    page = pdfium.PdfDocument(data)[0]
    trim = page.get_trimbox()
    page.set_cropbox(*trim)
    image = page.render(scale=size[0] / (trim[2] - trim[0])).to_pil().convert("RGB")
    assert abs(image.width - size[0]) <= 1 and abs(image.height - size[1]) <= 1, image.size
    return image.crop((0, 0, *size))  # PDFium rounds a fractional page size up


def save_actual(name: str, **images) -> str:
    from PIL import ImageChops

    ACTUAL.mkdir(exist_ok=True)
    a, b = images["png"], images["pdf"]
    for key, im in images.items():
        im.save(ACTUAL / f"{name}-{key}.png")
    ImageChops.difference(a, b).point(lambda v: min(255, v * 4)).save(ACTUAL / f"{name}-diff.png")
    return f"images saved as {ACTUAL}/{name}-{{png,pdf,diff}}.png"


def inflated(data: bytes) -> bytes:
    """The PDF with every Flate stream inflated (object streams included)."""
    out = [data]
    for m in re.finditer(rb"stream\r?\n", data):
        end = data.find(b"endstream", m.end())
        try:
            out.append(zlib.decompress(data[m.end() : end]))
        except zlib.error:
            pass
    return b"\n".join(out)


# --------------------------------------------------------------------------- same picture

CASES = [(c, t, s) for c in ("plain", "photo") for t in builtin_names() for s in ("A4", "card")]


@pytest.mark.parametrize("campaign,template,size", CASES, ids=["-".join(c) for c in CASES])
def test_pdf_matches_png(campaigns, campaign, template, size):
    loaded = campaigns[campaign]
    tree = tree_for(loaded, template, size)
    png = paint(tree)
    data = pdf_for(loaded, tree, size, bleed_mm=3, crop_marks=True)
    pdf = trim_raster(data, png.size)
    mean, share = image_difference(png, pdf)
    if mean > MEAN_MAX or share > SHARE_MAX:
        where = save_actual(f"pdf-{campaign}-{template}-{size}", png=png, pdf=pdf)
        pytest.fail(f"PDF differs from PNG: mean {mean:.2f} (max {MEAN_MAX}), {share:.2%} of pixels (max {SHARE_MAX:.1%}); {where}")


def _char_origins(data: bytes):
    """(character, x, y) of every character PDFium finds, in PDF points, in stream order."""
    import ctypes

    raw = pdfium.raw
    page = pdfium.PdfDocument(data)[0]
    text = page.get_textpage()
    out = []
    x, y = ctypes.c_double(), ctypes.c_double()
    for i in range(raw.FPDFText_CountChars(text.raw)):
        if raw.FPDFText_IsGenerated(text.raw, i):
            continue
        ch = chr(raw.FPDFText_GetUnicode(text.raw, i))
        if ch.isspace():
            continue
        raw.FPDFText_GetCharOrigin(text.raw, i, ctypes.byref(x), ctypes.byref(y))
        out.append((ch, x.value, y.value))
    return out, page.get_trimbox()


@pytest.mark.parametrize("template", builtin_names())
def test_every_glyph_sits_where_layout_put_it(campaigns, template):
    """Same text, same line breaks, same positions: each character's origin in the PDF is
    the layout's pen position on the layout's baseline (to 0.05 poster px)."""
    loaded = campaigns["plain"]
    tree = tree_for(loaded, template, "A4")
    got, trim = _char_origins(pdf_for(loaded, tree, "A4"))
    kx, ky = (trim[2] - trim[0]) / tree.width, (trim[3] - trim[1]) / tree.height
    expected = []

    def place(chain, text, x, baseline, size):
        for ch in text:
            if not ch.isspace():
                expected.append((ch, trim[0] + x * kx, trim[3] - baseline * ky))
            x += chain.lookup(ch)[1] * size

    for item in tree.items:
        if isinstance(item, TextItem):
            for line in item.lines:
                place(chain_for(item.fonts), line.text, line.x, line.baseline, item.size)
        elif isinstance(item, MarkItem) and item.label:  # numbered bullets, as paint.py
            chain = chain_for(item.fonts)
            x, y, w, h = item.box
            size = max(8, round(h * 0.62))
            face = chain.main
            baseline = y + h / 2 + size * (face.ascent - face.descent) / 2 - size * 0.06
            place(chain, item.label, x + (w - chain.width(item.label) * size) / 2, baseline, size)
    assert "".join(c for c, _, _ in got) == "".join(c for c, _, _ in expected)
    worst = max(max(abs(a[1] - b[1]) / kx, abs(a[2] - b[2]) / ky) for a, b in zip(got, expected))
    assert worst < 0.05, f"a glyph is {worst:.3f} px from where layout put it"


def test_text_reads_in_order(campaigns):
    loaded = campaigns["plain"]
    tree = tree_for(loaded, "bold", "A4")
    page = pdfium.PdfDocument(pdf_for(loaded, tree, "A4"))[0]
    text = re.sub(r"\s+", "", page.get_textpage().get_text_range())
    poster = loaded.spec.poster
    wanted = [poster.headline] + [b.text for b in poster.benefits]
    positions = [text.find(re.sub(r"\s+", "", w)) for w in wanted]
    assert all(p >= 0 for p in positions), (wanted, text)
    assert positions == sorted(positions), "headline first, then the benefits in order"


# --------------------------------------------------------------------------- QR


@pytest.mark.parametrize("dpi", [300, 150])
@pytest.mark.parametrize("template", builtin_names())
def test_qr_decodes_at_print_resolutions(campaigns, template, dpi):
    loaded = campaigns["photo"]
    tree = tree_for(loaded, template, "A5")
    data = pdf_for(loaded, tree, "A5", crop_marks=True)
    image = pdfium.PdfDocument(data)[0].render(scale=dpi / 72).to_pil().convert("RGB")
    found = [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]
    assert found == [URL]


def test_qr_and_text_are_vector(campaigns):
    """Images in the PDF are exactly the tree's images (no rasterised QR or text), each
    embedded at its own resolution, not resampled to poster pixels."""
    loaded = campaigns["photo"]
    tree = tree_for(loaded, "photo", "A4")
    page = pdfium.PdfDocument(pdf_for(loaded, tree, "A4"))[0]
    images = [obj.get_px_size() for obj in page.get_objects(filter=(pdfium.raw.FPDF_PAGEOBJ_IMAGE,))]
    wanted = [i for i in tree.items if isinstance(i, ImageItem)] + [
        i for i in tree.items if isinstance(i, QRItem) and i.logo
    ]
    assert len(images) == len(wanted)
    assert (1600, 1200) in images  # the hero photo, not its 1242-px-wide crop
    assert sorted(images).count((64, 64)) == len(images) - 1  # avatar and logos


# --------------------------------------------------------------------------- page, bleed, marks


@pytest.mark.parametrize("size,bleed,marks", [("A4", 3, False), ("card", 0, False), ("parcel", 5, True)])
def test_page_is_trim_plus_bleed(campaigns, size, bleed, marks):
    loaded = campaigns["plain"]
    tree = tree_for(loaded, "bold", size)
    page = pdfium.PdfDocument(pdf_for(loaded, tree, size, bleed_mm=bleed, crop_marks=marks))[0]
    w, h = ps.parse_print_size(size).trim_mm
    slug = (max(bleed, 3) + 5 + 1 - bleed) if marks else 0  # crop marks sit outside the bleed
    approx = lambda box: pytest.approx(tuple(box), abs=0.01)  # noqa: E731
    o = (bleed + slug) * PT_PER_MM
    media = ((w + 2 * (bleed + slug)) * PT_PER_MM, (h + 2 * (bleed + slug)) * PT_PER_MM)
    assert approx(page.get_mediabox()) == (0, 0, *media)
    assert approx(page.get_trimbox()) == (o, o, media[0] - o, media[1] - o)
    b = slug * PT_PER_MM
    assert approx(page.get_bleedbox()) == (b, b, media[0] - b, media[1] - b)


def test_background_extends_into_the_bleed(campaigns):
    loaded = campaigns["plain"]
    tree = tree_for(loaded, "bold", "A4")
    png = paint(tree)
    page = pdfium.PdfDocument(pdf_for(loaded, tree, "A4", bleed_mm=3))[0]
    scale = tree.width / (210 * PT_PER_MM)
    full = page.render(scale=scale).to_pil().convert("RGB")
    b = round(3 * PT_PER_MM * scale)  # the bleed, in these pixels
    W, H = png.size
    for (px, py), (fx, fy) in [
        ((W // 2, 0), (b + W // 2, 1)),  # top
        ((W // 2, H - 1), (b + W // 2, full.height - 2)),  # bottom
        ((0, H // 3), (1, b + H // 3)),  # left: the colour block reaches the edge
        ((W - 1, H // 3), (full.width - 2, b + H // 3)),  # right
    ]:
        want, got = png.getpixel((px, py)), full.getpixel((fx, fy))
        assert max(abs(x - y) for x, y in zip(want, got)) <= 12, (px, py, want, got)


def test_crop_marks_outside_the_bleed(campaigns):
    loaded = campaigns["plain"]
    tree = tree_for(loaded, "bold", "A5")
    page = pdfium.PdfDocument(pdf_for(loaded, tree, "A5", bleed_mm=3, crop_marks=True))[0]
    mm = 150 / 25.4
    im = page.render(scale=150 / 72).to_pil().convert("L")
    o = 9 * mm  # page edge → trim: gap 3 mm (= bleed) + mark 5 mm + 1 mm margin
    # Horizontal mark on the top trim line, left of the bleed; vertical one above it.
    assert min(im.getpixel((round(o - 5.5 * mm + dx), round(o))) for dx in (-2, 0, 2)) < 110
    assert min(im.getpixel((round(o), round(o - 5.5 * mm + dy))) for dy in (-2, 0, 2)) < 110
    # The mark stops where the bleed starts; the slug is otherwise blank.
    assert im.getpixel((round(o - 1.5 * mm), round(o - 1.5 * mm))) != 255  # bleed: artwork
    assert im.getpixel((round(o - 7 * mm), round(o - 7 * mm))) == 255
    assert im.getpixel((round(im.width / 2), round(2 * mm))) == 255


# --------------------------------------------------------------------------- fonts


def test_fonts_embedded_as_subsets_without_missing_glyphs(campaigns):
    loaded = campaigns["plain"]
    tree = tree_for(loaded, "bold", "A4")
    data = inflated(pdf_for(loaded, tree, "A4"))
    descriptors = data.count(b"/Type /FontDescriptor")
    assert descriptors >= 2  # regular and bold
    assert len(re.findall(rb"/FontFile[23]? \d+ 0 R", data)) == descriptors
    assert len(re.findall(rb"/FontName /[A-Z]{6}\+", data)) == descriptors  # subset tags
    glyphs = []
    for block in re.findall(rb"\bBT\b(.*?)\bET\b", data, re.S):
        for hexes in re.findall(rb"<([0-9a-fA-F]+)>", block):
            glyphs += [hexes[i : i + 4] for i in range(0, len(hexes), 4)]
    assert glyphs and b"0000" not in glyphs, "a .notdef glyph was drawn"
    assert len(data) < 400_000  # subset fonts, not the 5 MB faces


def test_missing_glyph_fails(campaigns):
    loaded = campaigns["plain"]
    tree = tree_for(loaded, "bold", "A4")
    items = list(tree.items)
    i = next(n for n, it in enumerate(items) if isinstance(it, TextItem) and it.id == "headline")
    line = items[i].lines[0]
    items[i] = dataclasses.replace(items[i], lines=(dataclasses.replace(line, text=line.text + "\ue000"),))
    with pytest.raises(PdfError, match=r"layer 'headline': character '.' \(U\+E000\) is in no configured font"):
        pdf_for(loaded, dataclasses.replace(tree, items=tuple(items)), "A4")


def test_same_tree_same_bytes(campaigns):
    loaded = campaigns["photo"]
    tree = tree_for(loaded, "photo", "card")
    assert pdf_for(loaded, tree, "card") == pdf_for(loaded, tree, "card")


# --------------------------------------------------------------------------- only local files


@pytest.mark.parametrize(
    "page,message",
    [
        ('<img src="file:///etc/passwd">', "refused to load 'file:///etc/passwd': outside the campaign folder"),
        ('<img src="https://example.com/logo.png">', "refused to load 'https://example.com/logo.png': the PDF may only use local files"),
        ('<link rel="stylesheet" href="http://example.com/x.css"><p>x</p>', "refused to load 'http://example.com/x.css'"),
        ('<img src="data:image/png;base64,iVBORw0KGgo=">', "(no data URLs)"),
        ("<style>@font-face{font-family:x;src:url(file:///etc/passwd)}p{font-family:x}</style><p>x</p>", "outside the campaign folder"),
    ],
    ids=["file-outside", "https", "stylesheet", "data", "font-face"],
)
def test_html_may_only_reach_local_files(campaigns, page, message):
    with pytest.raises(PdfError) as err:
        html_to_pdf(page, base_dir=campaigns["plain"].base)
    assert message in str(err.value)


def test_weasyprint_warnings_fail(campaigns):
    base = campaigns["plain"].base
    with pytest.raises(PdfError, match=r"cannot read it"):
        html_to_pdf(f'<img src="{(base / "assets" / "missing.png").as_uri()}">', base_dir=base)
    with pytest.raises(PdfError, match=r"WeasyPrint: Ignored `colr: red`"):
        html_to_pdf('<p style="colr: red">x</p>', base_dir=base)
    assert html_to_pdf(f'<img src="{(base / "assets" / "logo.png").as_uri()}">', base_dir=base).startswith(b"%PDF")


def test_fetcher_serves_only_the_allowed_roots(campaigns):
    from postergen.bundled import FONTS_DIR

    fetch = make_fetcher(campaigns["plain"].base)
    assert fetch((campaigns["plain"].base / "assets" / "logo.png").as_uri()).read()[:4] == b"\x89PNG"
    assert fetch((FONTS_DIR / "OFL.txt").as_uri()).read()
    for url in ("file:///etc/passwd", "http://localhost/", "ftp://example.com/x", "file://otherhost/etc/passwd"):
        with pytest.raises(PdfError, match="refused to load"):
            fetch(url)


def test_tree_pointing_outside_the_campaign_fails(campaigns, tmp_path):
    """A layout tree (from a template or code) cannot make the PDF read other files:
    not by absolute path, nor through a symlink inside the campaign folder."""
    loaded = campaigns["plain"]
    tree = tree_for(loaded, "bold", "A4")
    image = next(i for i in tree.items if isinstance(i, ImageItem))
    link = loaded.base / "assets" / "sneaky.png"
    outside = tmp_path / "secret.png"
    outside.write_bytes((loaded.base / "assets" / "logo.png").read_bytes())
    link.symlink_to(outside)
    try:
        for src in ("/etc/passwd", str(link)):
            items = tuple(dataclasses.replace(i, src=src) if i is image else i for i in tree.items)
            with pytest.raises(PdfError, match=r"image of layer 'avatar' '.*' is outside the campaign folder"):
                pdf_for(loaded, dataclasses.replace(tree, items=items), "A4")
    finally:
        link.unlink()


@pytest.mark.parametrize(
    "value,message",
    [
        ("file:///etc/passwd", "'file:///etc/passwd' is a URL"),
        ("https://example.com/logo.png", "is a URL"),
        ("../outside.png", "points outside the campaign folder"),
        ("/etc/passwd", "is an absolute path"),
    ],
)
def test_spec_cannot_reach_outside(tmp_path, value, message):
    from conftest import problems

    spec = make_campaign(tmp_path, {"brand.logo": value})
    assert any(message in p for p in problems(spec)), problems(spec)


# --------------------------------------------------------------------------- resolution warnings


def test_low_dpi_warning_names_the_field_and_dpi(campaigns):
    loaded = campaigns["plain"]  # a 64×64 px avatar
    tree = tree_for(loaded, "bold", "A4")
    messages = print_warnings(tree, trim_mm=(210, 297), fields=asset_fields(loaded))
    avatar = next(i for i in tree.items if isinstance(i, ImageItem) and i.id == "avatar")
    printed_in = avatar.box[2] * 210 / tree.width / 25.4
    dpi = round(64 / printed_in)
    assert f"inviter.avatar (layer 'avatar'): avatar.jpg prints at {dpi} dpi" in "\n".join(messages)
    assert all("300 dpi needs about" in m for m in messages)


def test_small_qr_modules_warn(campaigns):
    loaded = campaigns["plain"]
    tree = tree_for(loaded, "bold", "card")  # a 90×54 mm card: the code is ~15 mm wide
    qr = next(i for i in tree.items if isinstance(i, QRItem))
    module_mm = qr.module * 90 / tree.width
    assert module_mm < 0.5
    assert f"layer 'qr': QR modules print at {module_mm:.2f} mm" in "\n".join(print_warnings(tree, trim_mm=(90, 54)))
    a4 = tree_for(loaded, "bold", "A4")
    assert not [m for m in print_warnings(a4, trim_mm=(210, 297)) if "QR modules" in m]


def test_sharp_enough_images_do_not_warn(tmp_path):
    from PIL import Image

    spec = make_campaign(tmp_path, {"qr.logo": None, "brand.logo": None})
    Image.new("RGB", (1200, 1200), (30, 120, 200)).save(tmp_path / "assets" / "avatar.jpg", quality=90)
    loaded = load_campaign(spec)
    tree = tree_for(loaded, "bold", "A4")
    assert print_warnings(tree, trim_mm=(210, 297), fields=asset_fields(loaded)) == []


# --------------------------------------------------------------------------- print sizes


@pytest.mark.parametrize(
    "text,name,mm",
    [
        ("A4", "A4", (210, 297)),
        ("a3", "A3", (297, 420)),
        ("A5-landscape", "A5-landscape", (210, 148)),
        ("card", "card", (90, 54)),
        ("parcel", "parcel", (100, 150)),
        ("rollup", "rollup", (800, 2000)),
        ("120x180mm", "120x180mm", (120, 180)),
        ("85.6x53.98mm", "85.6x53.98mm", (85.6, 53.98)),
    ],
)
def test_print_sizes(text, name, mm):
    size = ps.parse_print_size(text)
    assert (size.name, size.trim_mm) == (name, mm)


@pytest.mark.parametrize(
    "text,message",
    [
        ("A6", "'A6' is not a print size — did you mean 'A5'? (use A3, A4, A5, card, parcel, rollup"),
        ("10x10mm", "'10x10mm' is out of range: each side must be 20-5000 mm"),
        ("1080x1920", "'1080x1920' is not a print size"),
    ],
)
def test_bad_print_sizes(text, message):
    with pytest.raises(ValueError) as err:
        ps.parse_print_size(text)
    assert message in str(err.value)


@pytest.mark.parametrize("size", ["A4", "card", "rollup", "A3-landscape", "parcel"])
def test_layout_size_keeps_the_trim_aspect_at_design_scale(campaigns, size):
    loaded = campaigns["plain"]
    ps_size = ps.parse_print_size(size)
    for name, tpl in loaded.templates.items():
        w, h = ps.layout_size(tpl, ps_size)
        assert abs(w / h - ps_size.aspect) < 0.002
        tree = layout_for_print(loaded, tpl, ps_size, URL)
        assert tree.scale == pytest.approx(1.0)  # the frame at its design size


def test_print_frames_are_for_print_only():
    def frame(w, h, print_=False):
        return Frame(size=(w, h), layers=[], print=print_)

    tpl = Template(name="t", frames={"portrait": frame(1080, 1920), "a-series": frame(1480, 2100, True)})
    assert list(ps.for_print(tpl).frames) == ["a-series"]
    assert list(ps.for_raster(tpl).frames) == ["portrait"]
    assert ps.layout_size(tpl, ps.parse_print_size("A5")) == (1480, 2100)
    assert ps.layout_size(tpl, ps.parse_print_size("A4")) == (1485, 2100)
    plain = Template(name="p", frames={"portrait": frame(1080, 1920)})
    assert ps.for_print(plain) is plain and ps.for_raster(plain) is plain
    assert ps.output_path("moments", "bold", ps.parse_print_size("A4")) == "posters/moments/bold-A4.pdf"


def test_aspect_mismatch_is_refused(campaigns):
    loaded = campaigns["plain"]
    tree = tree_for(loaded, "bold", "A4")
    with pytest.raises(ValueError, match=r"does not have the aspect ratio of the trim \(90×54 mm\)"):
        paint_pdf(tree, trim_mm=(90, 54), base_dir=loaded.base)


def test_spec_print_section(tmp_path):
    from conftest import problems

    spec = make_campaign(tmp_path, {"output.print": {"sizes": ["A4", "card-landscape", "A7"], "bleed_mm": 30}})
    found = problems(spec)
    assert any("output.print.sizes[2]: 'A7' is not a print size" in p for p in found), found
    assert any("output.print.bleed_mm: must be at most 20" in p for p in found), found
    spec = make_campaign(tmp_path, {"output.print": {"sizes": ["A4", "120x180mm"], "crop_marks": True}})
    out = load_campaign(spec).spec.output.print
    assert (out.sizes, out.bleed_mm, out.crop_marks, out.min_dpi) == (["A4", "120x180mm"], 3, True, 300)
