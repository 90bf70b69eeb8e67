"""Every QR code in a rendered poster decodes, with an independent decoder, to its URL."""

from __future__ import annotations

import pytest
import zxingcpp
from conftest import make_campaign
from posters import SIZES

from postergen import qr as qrmod
from postergen.layout import QRItem, layout_poster
from postergen.loader import load_campaign
from postergen.paint import paint
from postergen.template import builtin_names

URL = "https://h5.example.com/tea/invite?c=7KQ2M9XP&utm_source=moments&utm_medium=social"


def decode(image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    spec = make_campaign(tmp_path_factory.mktemp("qr"), {"output.templates": builtin_names()})
    return load_campaign(spec)


CASES = [(t, s) for t in builtin_names() for s in SIZES]


@pytest.mark.parametrize("template,size", CASES, ids=[f"{t}-{s[0]}x{s[1]}" for t, s in CASES])
def test_poster_qr_decodes_to_its_url(loaded, template, size):
    w, h = size
    tree = layout_poster(loaded, loaded.templates[template], w, h, URL)
    image = paint(tree)
    assert decode(image) == [URL]
    # As a phone at a distance sees it: half the rendered size, wherever a module is
    # still 2 px or more there (smaller codes are a lint for the short URL form).
    item = next(i for i in tree.items if isinstance(i, QRItem))
    if item.module >= 4:
        half = image.resize((w // 2, h // 2), resample=3)
        assert decode(half) == [URL]


def test_qr_without_logo_decodes(tmp_path):
    spec = make_campaign(tmp_path, {"qr.logo": None, "qr.error_correction": "L"})
    ld = load_campaign(spec)
    tree = layout_poster(ld, ld.templates["bold"], 1080, 1920, URL)
    item = next(i for i in tree.items if isinstance(i, QRItem))
    assert item.logo is None and item.error == "L"
    assert decode(paint(tree)) == [URL]


def test_quiet_zone_and_module_grid(loaded):
    tree = layout_poster(loaded, loaded.templates["bold"], 1080, 1920, URL)
    item = next(i for i in tree.items if isinstance(i, QRItem))
    image = paint(tree)
    x, y, side, _ = item.box
    n = len(item.rows)
    assert side == (n + 8) * item.module
    # The 4-module quiet zone is light all round.
    q = 4 * item.module
    ring = [image.getpixel((x + q // 2, y + k)) for k in range(q, side - q, 7)]
    ring += [image.getpixel((x + k, y + side - q // 2 - 1)) for k in range(q, side - q, 7)]
    assert all(min(px) > 200 for px in ring)
    # The top-left finder pattern's corner module is dark, and sits exactly on the grid.
    assert max(image.getpixel((x + q, y + q))) < 60
    assert max(image.getpixel((x + q + item.module - 1, y + q + item.module - 1))) < 60


def test_logo_is_small_and_off_the_finder_patterns(loaded):
    tree = layout_poster(loaded, loaded.templates["bold"], 1080, 1920, URL)
    item = next(i for i in tree.items if isinstance(i, QRItem))
    assert item.error == "H"  # 'auto' with a centre logo
    lx, ly, lw, lh = item.logo_box
    n = len(item.rows)
    code_area = (n * item.module) ** 2
    assert lw * lh <= 0.2 * code_area
    q = 4 * item.module
    finder = 8 * item.module  # 7 modules plus separator
    x0, y0 = item.box[0] + q, item.box[1] + q
    for fx, fy in [(x0, y0), (x0 + (n - 8) * item.module, y0), (x0, y0 + (n - 8) * item.module)]:
        assert lx >= fx + finder or lx + lw <= fx or ly >= fy + finder or ly + lh <= fy


@pytest.mark.parametrize("n", [21, 25, 33, 45, 57, 77, 101])
@pytest.mark.parametrize("share", [0.1, 0.22, 0.44])
def test_logo_modules_limits(n, share):
    side = qrmod.logo_modules(n, share)
    assert side <= n * share
    assert side * side <= 0.2 * n * n
    assert side <= n - 18
    assert side == 0 or side % 2 == n % 2  # centred on the grid


def _segno_rows(data: str, error: str, mask: int) -> tuple[int, tuple[str, ...]]:
    import segno

    code = segno.make_qr(data, error=error.lower(), boost_error=False, mask=mask)
    return code.version, tuple("".join("1" if v else "0" for v in row) for row in code.matrix)


def test_fast_matrix_is_segnos_matrix():
    """With a mask given, a byte-mode code is built from cached tables; module for module
    it is the code segno makes, at every level, mask and length (versions 1 to 40)."""
    import random
    import string

    rnd = random.Random(9)
    alphabet = string.ascii_letters + string.digits + "/:?=&.-_%~ "
    lengths = [1, 7, 17, 32, 45, 61, 62, 84, 106, 150, 213, 271, 321, 367, 500, 900, 1273, 1663, 2331, 2953]
    checked = 0
    for n in lengths:
        for error in "LMQH":
            if n > qrmod.CAPACITY[error]:
                continue
            for _ in range(3):
                data = "h" + "".join(rnd.choice(alphabet) for _ in range(n - 1))
                mask = rnd.randrange(8)
                matrix = qrmod.make_matrix(data, error, mask)
                assert (matrix.version, matrix.rows) == _segno_rows(data, error, mask), (n, error, mask)
                assert matrix.mask == mask
                checked += 1
    assert checked > 150
    # The personal URLs of a batch: one shape, different codes — and they decode.
    url = "https://h5.example.com/tea/invite?c=7KQ2M9XP&utm_source=moments&ref="
    for code in ("AAAAAAAAAA", "K7x9Qm2Pz1", "0000000000", "zzzzzzzzzz"):
        matrix = qrmod.make_matrix(url + code, "H", 5)
        assert (matrix.version, matrix.rows) == _segno_rows(url + code, "H", 5)


def test_fast_matrix_leaves_other_modes_to_segno():
    """Digits only, upper-case alphanumerics and non-ASCII text take segno's own path."""
    for data in ("0123456789", "HTTPS://EXAMPLE.COM/TEA/7KQ2", "https://例子.com/?ref=1"):
        assert not qrmod._byte_mode(data)
        matrix = qrmod.make_matrix(data, "M", 3)
        assert (matrix.version, matrix.rows) == _segno_rows(data, "M", 3)


def test_fast_mask_search_chooses_segnos_mask():
    """Without a mask, a byte-mode code's mask is chosen here by segno's own penalty rules
    (scored on strings and integers): the mask and the matrix are segno's, at every level
    and at lengths across versions 1 to 40 — so build's posters are what they were."""
    import random
    import string

    import segno

    rnd = random.Random(11)
    alphabet = string.ascii_letters + string.digits + "/:?=&.-_%~ "
    lengths = [1, 5, 12, 17, 24, 32, 40, 45, 53, 61, 70, 84, 96, 106, 134, 150, 213, 271, 367, 500, 900, 1663, 2953]
    masks = set()
    for n in lengths:
        for error in "LMQH":
            if n > qrmod.CAPACITY[error]:
                continue
            for _ in range(4 if n < 400 else 1):
                data = "h" + "".join(rnd.choice(alphabet) for _ in range(n - 1))
                ours = qrmod.make_matrix(data, error)
                code = segno.make_qr(data, error=error.lower(), boost_error=False)
                rows = tuple("".join("1" if v else "0" for v in row) for row in code.matrix)
                assert (ours.mask, ours.version, ours.rows) == (code.mask, code.version, rows), (n, error)
                masks.add(ours.mask)
    assert masks == set(range(8))  # every mask was the best one somewhere: the scores matter


def test_penalty_is_segnos_score():
    import segno
    from segno import encoder as enc

    for data, error in (("https://t.example.com/c/A79J1SQB/", "M"), ("https://h5.example.com/" + "x" * 300, "H")):
        for mask in range(8):
            ours = qrmod.make_matrix(data, error, mask)
            # segno's matrix before format and version information, scored by segno.
            code = segno.make_qr(data, error=error.lower(), boost_error=False, mask=mask)
            n = len(code.matrix)
            grid = enc.make_matrix(n, n)
            enc.add_finder_patterns(grid, n, n)
            enc.add_alignment_patterns(grid, n, n)
            evaluated = [bytearray(v if grid[i][j] == 2 else grid[i][j] for j, v in enumerate(row))
                         for i, row in enumerate(code.matrix)]
            assert qrmod.penalty(ours.rows, ours.version) == enc.evaluate_mask(evaluated, n, n), (data, mask)
