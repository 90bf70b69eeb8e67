"""Print PDFs through the build: jobs, paths, manifest rows, warnings."""

from __future__ import annotations

import hashlib

import pypdfium2 as pdfium
from conftest import make_campaign

from postergen.pipeline import build

MM = 72 / 25.4


def test_build_writes_print_pdfs_next_to_the_raster_posters(tmp_path):
    spec = make_campaign(tmp_path / "c", {"output.print": {"sizes": ["A5", "card"], "bleed_mm": 3}})
    result = build(spec, tmp_path / "out")
    assert result.ok, result.failures
    rows = {r["path"]: r for r in result.rows if r["kind"] == "poster"}
    assert set(rows) == {"posters/bold/bold-1080x1920.png", "posters/bold/bold-A5.pdf", "posters/bold/bold-card.pdf"}
    a5 = rows["posters/bold/bold-A5.pdf"]
    assert (a5["format"], a5["size"], a5["kind"]) == ("pdf", "A5", "poster")
    data = (tmp_path / "out" / a5["path"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == a5["sha256"]
    w, h = pdfium.PdfDocument(data)[0].get_size()
    assert round(w / MM, 1) == 148 + 6 and round(h / MM, 1) == 210 + 6
    assert not any("QR modules print at" in str(p) for p in result.warnings)


def test_small_printed_qr_modules_are_warned_about(tmp_path):
    # A long URL needs many modules: on a 90×54 mm card they print too small to scan well.
    url = "https://h5.example.com/" + "campaign/" * 14 + "invite?from=parcel-card"
    spec = make_campaign(tmp_path / "c", {"landing_url": url, "output.print": {"sizes": ["card"]}})
    result = build(spec, tmp_path / "out")
    assert result.ok
    assert any("bold card: layer 'qr': QR modules print at" in str(p) for p in result.warnings)
    again = build(spec, tmp_path / "out")
    assert again.written == []


def test_colour_block_reaches_the_page_edge_on_a4(tmp_path):
    # The portrait frame is centred on the A4 page; the colour block, which touches the
    # frame's top edge, must still run to the top of the page (into the bleed).
    spec = make_campaign(tmp_path / "c", {"output.print": {"sizes": ["A4"], "bleed_mm": 3}})
    build(spec, tmp_path / "out")
    page = pdfium.PdfDocument(tmp_path / "out" / "posters/bold/bold-A4.pdf")[0]
    image = page.render(scale=1).to_pil().convert("RGB")
    r, g, b = image.getpixel((image.width // 2, 2))
    assert r > 180 and g < 120 and b < 100, (r, g, b)  # the primary red, not the page colour


def test_print_sizes_choose_print_frames_unless_a_screen_frame_fits_much_better(tmp_path):
    from postergen.loader import load_campaign
    from postergen.layout import layout_for_print
    from postergen.printsizes import parse_print_size

    loaded = load_campaign(make_campaign(tmp_path / "c"))
    chosen = {
        name: layout_for_print(loaded, loaded.templates["bold"], parse_print_size(name), "https://h5.example.com/t").frame
        for name in ("A4", "A5", "parcel", "card", "rollup")
    }
    assert chosen == {"A4": "print-a", "A5": "print-a", "parcel": "print-a", "card": "print-card", "rollup": "portrait"}
