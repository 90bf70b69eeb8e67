"""Images: orientation, colour modes, fitting, masks, and where the pixels land."""

from __future__ import annotations

import pytest
from conftest import make_campaign
from PIL import Image

from postergen.images import ImageProblem, check_image, fit_image, open_rgba, resolve_inside
from postergen.layout import ImageItem, layout_poster
from postergen.loader import load_campaign
from postergen.paint import paint


def two_tone(size=(60, 40)):
    """Left half red, right half blue: orientation is visible in the pixels."""
    im = Image.new("RGB", size, (255, 0, 0))
    im.paste((0, 0, 255), (size[0] // 2, 0, size[0], size[1]))
    return im


def test_exif_orientation_is_applied(tmp_path):
    path = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # stored rotated: display needs 90° clockwise
    two_tone().save(path, "JPEG", exif=exif, quality=95)
    assert check_image(path, "rotated.jpg") == (40, 60)
    im = open_rgba(str(path))
    assert im.size == (40, 60)
    # After a 90° clockwise turn, the stored left (red) half is on top.
    assert im.getpixel((20, 5))[0] > 200 and im.getpixel((20, 55))[2] > 200


def test_cmyk_is_converted_to_rgb(tmp_path):
    path = tmp_path / "cmyk.jpg"
    Image.new("CMYK", (20, 20), (0, 255, 255, 0)).save(path, "JPEG", quality=95)  # pure red ink
    r, g, b, a = open_rgba(str(path)).getpixel((10, 10))
    assert r > 200 and g < 60 and b < 60 and a == 255


def test_palette_transparency_is_kept(tmp_path):
    path = tmp_path / "pal.png"
    im = Image.new("P", (10, 10), 0)
    im.putpalette([255, 255, 255, 200, 0, 0] + [0] * 762)
    im.paste(1, (5, 0, 10, 10))
    im.info["transparency"] = 0
    im.save(path, transparency=0)
    out = open_rgba(str(path))
    assert out.getpixel((1, 1))[3] == 0 and out.getpixel((8, 1)) == (200, 0, 0, 255)


@pytest.mark.parametrize("mode", ["L", "LA", "I;16", "RGBA", "1"])
def test_other_modes_decode_to_rgba(tmp_path, mode):
    path = tmp_path / f"img-{mode.replace(';', '')}.png"
    Image.new(mode, (8, 8)).save(path)
    assert open_rgba(str(path)).mode == "RGBA"


def test_cover_fit_keeps_the_focal_point():
    im = two_tone((200, 100)).convert("RGBA")
    left = fit_image(im, 50, 100, "cover", (0.0, 0.5))
    right = fit_image(im, 50, 100, "cover", (1.0, 0.5))
    assert left.size == right.size == (50, 100)
    assert left.getpixel((25, 50))[0] > 200 and right.getpixel((25, 50))[2] > 200


def test_contain_fit_keeps_aspect():
    assert fit_image(two_tone((200, 100)).convert("RGBA"), 100, 100, "contain").size == (100, 50)


@pytest.mark.parametrize(
    "rel,message",
    [
        ("../x.png", "'../x.png' points outside the campaign folder; copy the file into it"),
        ("/etc/passwd", "'/etc/passwd' is an absolute path; give a path relative to the spec's folder"),
        ("file:///etc/passwd", "'file:///etc/passwd' is a URL; postergen only reads local files inside the campaign folder"),
        ("https://example.com/a.png", "'https://example.com/a.png' is a URL; postergen only reads local files inside the campaign folder"),
    ],
)
def test_paths_outside_the_campaign_are_refused(tmp_path, rel, message):
    with pytest.raises(ImageProblem) as err:
        resolve_inside(tmp_path, rel)
    assert str(err.value) == message


def test_avatar_is_a_circle_with_a_ring(tmp_path):
    spec = make_campaign(tmp_path)
    (tmp_path / "assets" / "avatar.jpg").unlink()
    Image.new("RGB", (200, 200), (0, 160, 0)).save(tmp_path / "assets" / "avatar.png")
    spec.write_text(spec.read_text(encoding="utf-8").replace("avatar.jpg", "avatar.png"), encoding="utf-8")
    loaded = load_campaign(spec)
    tree = layout_poster(loaded, loaded.templates["bold"], 1080, 1920, loaded.spec.landing_url)
    avatar = next(i for i in tree.items if isinstance(i, ImageItem) and i.src.endswith("avatar.png"))
    assert avatar.mask == "circle"
    image = paint(tree)
    x, y, w, h = avatar.box
    cx, cy = x + w // 2, y + h // 2
    assert image.getpixel((cx, cy)) == (0, 160, 0)  # the photo in the middle
    corner = image.getpixel((x + 2, y + 2))
    assert corner != (0, 160, 0) and abs(corner[1] - 160) > 40  # the corner is cut away


@pytest.mark.parametrize("box", [69, 85, 86, 127])
@pytest.mark.parametrize("src", [100, 200, 400, 480, 500, 800])
def test_cover_fit_never_crops_outside_the_image(box, src):
    im = Image.new("RGBA", (src, src), (1, 2, 3, 255))
    assert fit_image(im, box, box, "cover", (0.5, 0.5)).size == (box, box)
    assert fit_image(im, box, box + 1, "cover", (1.0, 1.0)).size == (box, box + 1)


def test_truncated_image_fails_even_after_weasyprint_is_imported(tmp_path):
    """WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES for the whole process on import."""
    import io

    import weasyprint  # noqa: F401
    from PIL import Image, ImageFile

    from postergen.images import ImageProblem, check_image

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(buf, "PNG")
    cut = tmp_path / "cut.png"
    cut.write_bytes(buf.getvalue()[:70])
    with pytest.raises(ImageProblem, match="truncated or corrupt"):
        check_image(cut, "cut.png")
