"""A/B variants: matrix expansion, exclusions, caps, names, override validation, build."""

from __future__ import annotations

import json

import pytest
from conftest import make_campaign, problems

from postergen.loader import load_campaign
from postergen.pipeline import build
from postergen.variants import expand

CHANNELS = [{"id": "moments", "name": "朋友圈"}, {"id": "groups", "name": "微信群"}]
MATRIX = {
    "factors": [
        {"name": "headline", "field": "poster.headline", "levels": {"short": "邀3人免费喝", "long": "邀3位好友，新品杨枝甘露免费喝"}},
        {"name": "reward", "levels": {"free": {"poster.price.now": "0"}, "half": {"poster.price.now": "14", "poster.price.label": "半价"}}},
        {"name": "colour", "field": "theme.primary", "levels": {"red": "#E8432E", "green": "#137A5B"}},
    ],
}


def names(spec_path):
    return [name for name, _, _, _ in load_campaign(spec_path).variant_list()]


def test_without_variants_the_campaign_is_the_one_variant(tmp_path):
    assert names(make_campaign(tmp_path)) == ["base"]


def test_matrix_expands_in_order_with_level_names(tmp_path):
    spec = make_campaign(tmp_path, {"matrix": MATRIX})
    assert names(spec) == [
        "short-free-red", "short-free-green", "short-half-red", "short-half-green",
        "long-free-red", "long-free-green", "long-half-red", "long-half-green",
    ]
    loaded = load_campaign(spec)
    v = loaded.variant("long-half-green")
    assert v.spec.poster.headline == "邀3位好友，新品杨枝甘露免费喝"
    assert (v.spec.poster.price.now, v.spec.poster.price.label) == ("14", "半价")
    assert v.spec.theme.primary == "#137A5B"
    assert loaded.spec.poster.headline == "邀3位好友，新品杨枝甘露免费喝！"  # the base is untouched
    assert dict(loaded.variant_list()[0][2]) == {"headline": "short", "reward": "free", "colour": "red"}


def test_exclusions_and_cap(tmp_path):
    matrix = {**MATRIX, "exclude": [{"reward": "half", "colour": "red"}, {"headline": "long", "reward": "free", "colour": "green"}], "cap": 4}
    spec = make_campaign(tmp_path, {"matrix": matrix})
    assert names(spec) == ["short-free-red", "short-free-green", "short-half-green", "long-free-red"]


def test_named_variants_and_matrix_together(tmp_path):
    spec = make_campaign(
        tmp_path,
        {
            "variants": [{"name": "control"}, {"name": "photo", "weight": 2, "set": {"output.templates": ["photo"]}}],
            "matrix": {"factors": [MATRIX["factors"][2]]},
        },
    )
    loaded = load_campaign(spec)
    assert [(n, w) for n, w, _, _ in loaded.variant_list()] == [("control", 1), ("photo", 2), ("red", 1), ("green", 1)]
    assert loaded.variant("photo").spec.output.templates == ["photo"]
    assert expand(loaded.spec)[1].overrides == {"output.templates": ["photo"]}


@pytest.mark.parametrize(
    "variants,expected",
    [
        (
            [{"name": "a", "set": {"poster.headlne": "x"}}],
            ["campaign.yaml:38 variants[0].set.poster.headlne: unknown field 'poster.headlne' — did you mean 'poster.headline'?"],
        ),
        (
            [{"name": "a", "set": {"theme.primry": "#000000"}}],
            ["campaign.yaml:38 variants[0].set.theme.primry: unknown field 'theme.primry' — did you mean 'theme.primary'?"],
        ),
        (
            [{"name": "a", "set": {"channels": []}}],
            ["campaign.yaml:38 variants[0].set.channels: 'channels' cannot differ between variants"],
        ),
        (
            [{"name": "a", "set": {"landing_url": "https://h5.example.com/other"}}],
            ["campaign.yaml:38 variants[0].set.landing_url: 'landing_url' cannot differ between variants: every "
             "variant's page is on the campaign's site, at landing/<variant>/<channel>/ under landing_url; vary the "
             "page with landing.* instead"],
        ),
        (
            [{"name": "a", "set": {"theme.primary": "red"}}],
            ["campaign.yaml:36 variant 'a': theme.primary: 'red' is not a colour; write it as #RRGGBB, e.g. '#E8432E'"],
        ),
        (
            [{"name": "a"}, {"name": "a"}],
            ["campaign.yaml:35 variants: two variants are named 'a'; variant names must be unique"],
        ),
    ],
)
def test_override_problems_are_reported_with_their_place(campaign, variants, expected):
    assert problems(campaign({"variants": variants})) == expected


def test_matrix_exclusion_naming_unknown_factor(campaign):
    matrix = {**MATRIX, "exclude": [{"colur": "red"}, {"colour": "blue"}]}
    got = problems(campaign({"matrix": matrix}))
    assert got[0].endswith("matrix.exclude[0].colur: no factor named 'colur'; factors: headline, reward, colour")
    assert got[1].endswith("matrix.exclude[1].colour: factor 'colour' has no level 'blue'; levels: red, green")


def test_variant_with_missing_image_or_glyph(campaign):
    variants = [{"name": "a", "set": {"brand.logo": "assets/nope.png", "poster.headline": "邀请\U00013000"}}]
    got = problems(campaign({"variants": variants}))
    assert any("variant 'a': brand.logo: file not found: assets/nope.png" in p for p in got)
    assert any("variant 'a': poster.headline: character '\U00013000' (U+13000) is in no configured font" in p for p in got)


def test_build_per_variant_with_own_codes_and_manifest(tmp_path):
    spec = make_campaign(
        tmp_path / "c",
        {"channels": CHANNELS, "output.sizes": ["540x960"], "variants": [{"name": "a"}, {"name": "b", "weight": 3, "set": {"poster.headline": "邀5位好友，再送一杯"}}]},
    )
    result = build(spec, tmp_path / "out")
    assert result.ok
    paths = [r["path"] for r in result.rows if r["kind"] == "poster"]
    assert paths == [
        "posters/a/moments/bold-540x960.png", "posters/a/groups/bold-540x960.png",
        "posters/b/moments/bold-540x960.png", "posters/b/groups/bold-540x960.png",
    ]
    codes = {(r["variant"], r["channel"]): r["code"] for r in result.rows if r["kind"] == "poster"}
    assert len(set(codes.values())) == 4
    assert all(f"utm_content={r['variant']}" in r["url"] for r in result.rows if r["kind"] == "poster")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["variants"] == [{"name": "a", "weight": 1.0, "factors": {}}, {"name": "b", "weight": 3.0, "factors": {}}]
    # The two variants really differ where the override says.
    from PIL import Image, ImageChops

    a = Image.open(tmp_path / "out" / paths[0]).convert("RGB")
    b = Image.open(tmp_path / "out" / paths[2]).convert("RGB")
    assert ImageChops.difference(a, b).getbbox() is not None
