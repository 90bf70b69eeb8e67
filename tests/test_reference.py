"""Reference images: each built-in template, rendered from the test campaign, compared
with a stored picture.

Tolerance: mean absolute difference ≤ 1.0 (of 255) per channel and at most 0.05% of
pixels off by more than 48.  That absorbs anti-aliasing differences between FreeType
and Pillow builds, while a moved box, a changed line break, a wrong colour or a missing
layer fails.  On failure the actual image and a difference image are saved in
tests/_actual/ for a person to look at.

After an intended change, regenerate with:
    POSTERGEN_UPDATE_REFERENCES=1 python -m pytest tests/test_reference.py
and look at every picture in tests/reference/ before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import make_campaign
from PIL import Image, ImageChops
from posters import image_difference

from postergen.layout import layout_poster
from postergen.loader import load_campaign
from postergen.paint import paint
from postergen.template import builtin_names

HERE = Path(__file__).parent
REFERENCE = HERE / "reference"
ACTUAL = HERE / "_actual"
MAX_MEAN = 1.0
MAX_SHARE = 0.0005
CASES = [("bold", 1080, 1920, "inviter"), ("photo", 1242, 1660, "inviter"), ("minimal", 1080, 1080, "brand")]


@pytest.mark.parametrize("template,w,h,header", CASES, ids=[f"{c[0]}-{c[1]}x{c[2]}" for c in CASES])
def test_matches_reference(tmp_path, template, w, h, header):
    if template not in builtin_names():
        pytest.fail(f"built-in template {template} is missing")
    overrides = {"output.templates": [template]}
    if header == "brand":
        from conftest import DELETE

        overrides["inviter"] = DELETE
    loaded = load_campaign(make_campaign(tmp_path, overrides))
    image = paint(layout_poster(loaded, loaded.templates[template], w, h, "https://h5.example.com/tea/invite?c=REF"))
    name = f"{template}-{w}x{h}.png"
    ref_path = REFERENCE / name
    if os.environ.get("POSTERGEN_UPDATE_REFERENCES"):
        REFERENCE.mkdir(exist_ok=True)
        image.save(ref_path, optimize=True)
    assert ref_path.is_file(), f"no reference image {ref_path}; see this module's docstring"
    reference = Image.open(ref_path).convert("RGB")
    assert reference.size == image.size
    mean, share = image_difference(image, reference)
    if mean > MAX_MEAN or share > MAX_SHARE:
        ACTUAL.mkdir(exist_ok=True)
        image.save(ACTUAL / name)
        diff = ImageChops.difference(image, reference).point(lambda v: min(255, v * 4))
        diff.save(ACTUAL / name.replace(".png", "-diff.png"))
    assert mean <= MAX_MEAN and share <= MAX_SHARE, (
        f"{name} differs from its reference: mean {mean:.2f} (max {MAX_MEAN}), "
        f"{share:.2%} of pixels off (max {MAX_SHARE:.1%}); see tests/_actual/{name}"
    )


def test_tolerance_catches_a_one_word_change(tmp_path):
    # The tolerance must not be so loose that a changed word passes.
    a = load_campaign(make_campaign(tmp_path / "a"))
    b = load_campaign(make_campaign(tmp_path / "b", {"poster.headline": "邀3位好友，新品杨枝甘露半价喝！"}))
    url = "https://h5.example.com/tea/invite?c=REF"
    img_a = paint(layout_poster(a, a.templates["bold"], 1080, 1920, url))
    img_b = paint(layout_poster(b, b.templates["bold"], 1080, 1920, url))
    mean, share = image_difference(img_a, img_b)
    assert mean > MAX_MEAN or share > MAX_SHARE, (mean, share)
