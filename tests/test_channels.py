"""Channel-aware outputs: a channel's medium decides its sizes, header and call to action;
``channels[].set`` overrides fields per channel, checked like a variant's overrides."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
from conftest import make_campaign, problems

from postergen.channels import scan_cta
from postergen.jobs import layout_job, plan
from postergen.layout import TextItem
from postergen.loader import load_campaign

CHANNELS = [
    {"id": "moments", "name": "朋友圈"},
    {"id": "store", "name": "门店海报", "medium": "offline"},
    {"id": "parcel", "name": "包裹卡", "printed": True, "set": {"output.templates": ["minimal"]}},
]


def texts(tree) -> dict[str, str]:
    out = {}
    for item in tree.items:
        if isinstance(item, TextItem) and item.id:
            out.setdefault(item.id, "".join(line.text for line in item.lines))
    return out


def pdf_text(path) -> str:
    page = pdfium.PdfDocument(path)[0]
    return "".join(page.get_textpage().get_text_range().split())


def test_printed_channels_get_print_pdfs_with_a_scan_cta_and_the_brand(tmp_path):
    from postergen.pipeline import build

    spec = make_campaign(tmp_path / "c", {
        "channels": CHANNELS,
        "poster.cta": "长按识别，立即参与",
        "output.print": {"sizes": ["A4", "card"]},
    })
    result = build(spec, tmp_path / "out")
    assert result.ok, result.failures
    posters = sorted((r["channel"], r["path"].split("/", 2)[2]) for r in result.rows if r["kind"] == "poster")
    assert posters == [
        ("moments", "bold-1080x1920.png"),
        ("parcel", "minimal-A4.pdf"), ("parcel", "minimal-card.pdf"),
        ("store", "bold-A4.pdf"), ("store", "bold-card.pdf"),
    ]
    for path in ("posters/store/bold-A4.pdf", "posters/parcel/minimal-card.pdf"):
        text = pdf_text(tmp_path / "out" / path)
        assert "扫码，立即参与" in text and "长按" not in text, path
        assert "山茶小馆" in text and "小李" not in text, path  # the brand header, not the inviter
    loaded = load_campaign(spec)
    moments = next(j for j in plan(loaded) if j.channel == "moments")
    seen = texts(layout_job(loaded, moments))
    assert seen["cta"] == "长按识别，立即参与" and seen["nickname"] == "小李"  # a phone screen: long-press, the friend


def test_a_printed_channel_without_print_sizes_gets_a4(tmp_path):
    loaded = load_campaign(make_campaign(tmp_path / "c", {"channels": CHANNELS[:2]}))
    jobs = [(j.channel, j.format, j.size) for j in plan(loaded)]
    assert jobs == [("moments", "png", "1080x1920"), ("store", "pdf", "A4")]
    store = next(j for j in plan(loaded) if j.channel == "store")
    assert texts(layout_job(loaded, store))["cta"] == "扫描二维码"  # the default 长按识别二维码, for paper


def test_printed_false_and_explicit_sizes_win_over_the_medium(tmp_path):
    channels = [
        {"id": "store", "name": "门店屏幕", "medium": "offline", "printed": False},
        {"id": "parcel", "name": "包裹卡", "printed": True, "set": {"output.sizes": ["750x1334"], "output.print": {"sizes": ["card"]}}},
    ]
    loaded = load_campaign(make_campaign(tmp_path / "c", {"channels": channels, "output.print": {"sizes": ["A4"]}}))
    jobs = [(j.channel, j.format, j.size) for j in plan(loaded)]
    assert jobs == [("store", "png", "1080x1920"), ("parcel", "png", "750x1334"), ("parcel", "pdf", "card")]


def test_without_channels_every_size_is_made(tmp_path):
    loaded = load_campaign(make_campaign(tmp_path / "c", {"output.print": {"sizes": ["A5"]}}))
    assert [(j.format, j.size) for j in plan(loaded)] == [("png", "1080x1920"), ("pdf", "A5")]


def test_channel_set_overrides_a_field_for_that_channel_only(tmp_path):
    channels = [
        {"id": "moments", "name": "朋友圈", "set": {"poster.headline": "朋友圈专享：邀3位好友免费喝"}},
        {"id": "groups", "name": "微信群"},
        {"id": "store", "name": "门店海报", "printed": True, "set": {"inviter": {"nickname": "店长小王"}, "theme.primary": "#137A5B"}},
    ]
    loaded = load_campaign(make_campaign(tmp_path / "c", {"channels": channels, "variants": [{"name": "a"}, {"name": "b", "set": {"poster.subheadline": "B 版副标题"}}]}))
    seen = {(j.variant, j.channel): texts(layout_job(loaded, j)) for j in plan(loaded)}
    assert seen[("a", "moments")]["headline"] == "朋友圈专享：邀3位好友免费喝"
    assert seen[("a", "groups")]["headline"] == "邀3位好友，新品杨枝甘露免费喝！"
    assert seen[("b", "moments")]["subheadline"] == "B 版副标题"  # the variant still applies on the channel
    assert seen[("b", "store")]["nickname"] == "店长小王"  # set wins over the medium's brand header
    assert loaded.variant("a", "store").spec.theme.primary == "#137A5B"
    assert loaded.variant("a", "groups").spec.theme.primary == "#E8432E"


@pytest.mark.parametrize(
    "set_,expected",
    [
        ({"channels": []}, "campaign.yaml:39 channels[0].set.channels: 'channels' cannot differ between channels"),
        ({"tracking.code_length": 10}, "campaign.yaml:39 channels[0].set.tracking.code_length: 'tracking' cannot differ between channels"),
        ({"landing_url": "https://x.example.com"},
         "campaign.yaml:39 channels[0].set.landing_url: 'landing_url' cannot differ between channels: each channel's "
         "QR code carries its own code to it"),
        ({"poster.headlin": "x"}, "campaign.yaml:39 channels[0].set.poster.headlin: unknown field 'poster.headlin' — did you mean 'poster.headline'?"),
        ({"theme.primary": "red"},
         "campaign.yaml:36 channel 'store': theme.primary: 'red' is not a colour; write it as #RRGGBB, e.g. '#E8432E'"),
    ],
    ids=["channels", "tracking", "landing-url", "unknown", "bad-value"],
)
def test_channel_set_is_checked_like_a_variant(tmp_path, monkeypatch, set_, expected):
    monkeypatch.chdir(tmp_path)
    spec = make_campaign(tmp_path, {"channels": [{"id": "store", "name": "门店海报", "set": set_}]})
    assert problems(spec.name) == [expected]


def test_a_channel_and_a_variant_setting_one_field_is_a_warning(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = make_campaign(tmp_path, {
        "channels": [{"id": "moments", "name": "朋友圈", "set": {"poster.headline": "朋友圈专享"}}],
        "variants": [{"name": "a"}, {"name": "b", "set": {"poster.headline": "B 版"}}],
    })
    assert [str(p) for p in load_campaign(spec.name).warnings] == [
        "campaign.yaml:39 channels[0].set.poster.headline: warning: channel 'moments' sets poster.headline, which "
        "variant 'b' also sets; on this channel the channel's value is used, so the variants do not differ there"
    ]


@pytest.mark.parametrize(
    "cta,expected",
    [
        ("长按识别二维码", "扫描二维码"),
        ("长按识别，立即参与", "扫码，立即参与"),
        ("长按扫码，立即占座", "扫码，立即占座"),
        ("扫码领取", "扫码领取"),
        ("Long-press to scan and join", "Scan and join"),
        ("Scan to claim your free month", "Scan to claim your free month"),
    ],
)
def test_scan_cta(cta, expected):
    assert scan_cta(cta) == expected
