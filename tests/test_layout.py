"""Layout results as data, for every built-in template × size × content variant."""

from __future__ import annotations

import json

import pytest
from posters import SIZES, VARIANTS, variant_campaign

from postergen.layout import LayoutTree, QRItem, TextItem, layout_poster
from postergen.loader import load_campaign
from postergen.template import builtin_names

PART_ORDER = ["header", "headline", "body", "cta"]


def overlaps(a, b) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


@pytest.fixture(scope="module")
def loaded_variants(tmp_path_factory):
    out = {}
    for template in builtin_names():
        for variant in VARIANTS:
            spec = variant_campaign(tmp_path_factory.mktemp(template), variant, template)
            out[template, variant] = load_campaign(spec)
    return out


CASES = [(t, v, s) for t in builtin_names() for v in VARIANTS for s in SIZES]


@pytest.mark.parametrize("template,variant,size", CASES, ids=[f"{t}-{v}-{s[0]}x{s[1]}" for t, v, s in CASES])
def test_layout_is_sound(loaded_variants, template, variant, size):
    loaded = loaded_variants[template, variant]
    w, h = size
    tree = layout_poster(loaded, loaded.templates[template], w, h, loaded.spec.landing_url)
    assert isinstance(tree, LayoutTree)
    json.loads(json.dumps(tree.to_dict(), ensure_ascii=False))  # plain data

    for item in tree.items:
        if item.part == "decor":
            continue
        x, y, bw, bh = item.box
        assert x >= 0 and y >= 0 and x + bw <= w and y + bh <= h, f"{item.id or item.kind} {item.box} outside {w}x{h}"
        if isinstance(item, TextItem):
            assert not item.truncated, f"{item.id}: text was cut with an ellipsis"
            assert item.size >= 8

    parts = tree.parts()
    assert set(parts) >= {"header", "headline", "body", "cta"}
    names = list(parts)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not overlaps(parts[a], parts[b]), f"part {a} {parts[a]} overlaps {b} {parts[b]}"
    # Reading order: each part starts no higher than the one before it, or sits to its right.
    for a, b in zip(PART_ORDER, PART_ORDER[1:]):
        ax, ay, aw, ah = parts[a]
        bx, by, bw, bh = parts[b]
        assert by >= ay or bx >= ax + aw, f"part {b} reads before {a}"

    qrs = [i for i in tree.items if isinstance(i, QRItem)]
    assert len(qrs) == 1
    qr = qrs[0]
    assert qr.box[2] >= 240 * w / 1080, f"QR is {qr.box[2]} px wide"
    assert qr.box[2] == qr.module * (len(qr.rows) + 8)  # whole pixels per module, 4-module quiet zone


def test_text_fills_the_largest_size_that_fits(loaded_variants):
    loaded = loaded_variants["bold", "inviter"]
    tree = layout_poster(loaded, loaded.templates["bold"], 1080, 1920, loaded.spec.landing_url)
    headline = next(i for i in tree.items if i.id == "headline")
    text = "".join(line.text for line in headline.lines)
    assert text == loaded.spec.poster.headline.replace(" ", "")
    # Lines are balanced: the last line is not a lone character.
    assert len(headline.lines[-1].text) >= 3
