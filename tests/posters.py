"""Helpers for tests that render posters: campaign variants and image comparison."""

from __future__ import annotations

from pathlib import Path

from conftest import DELETE, make_campaign

SIZES = [(1080, 1920), (750, 1334), (1080, 1080), (1242, 1660)]

#: Campaign variants every built-in template must handle.
VARIANTS = {
    "inviter": {},
    "brand-only": {"inviter": DELETE},
    "minimal-content": {
        "inviter": DELETE,
        "poster.subheadline": DELETE,
        "poster.price": DELETE,
        "poster.scarcity": DELETE,
        "poster.benefits": ["到店免费领一杯", "邀请好友再送一杯"],
    },
    "full-content": {
        "poster.headline": "邀请3位好友助力，新品杨枝甘露整杯免费喝，再送限定周边帆布袋",
        "poster.benefits": [
            "新鲜芒果现切，每杯都有满满果肉",
            "全国 200 家门店通用，到店出示即可兑换",
            "邀请越多奖励越多，最高可得 10 杯",
            "会员积分双倍，可兑换限定周边",
            "支持外卖配送，30 分钟送达",
            "不满意可退，零风险尝鲜",
        ],
        "poster.endorsements": [
            {"kind": "certification", "text": "食品安全 A 级认证门店"},
            {"kind": "review", "text": "喝过最清爽的杨枝甘露", "author": "大众点评用户"},
        ],
    },
    "ladder": {
        "mechanics": {
            "tiers": [{"invites": 3, "reward": "杨枝甘露 1 杯"}, {"invites": 6, "reward": "3 杯 + 杯套"}, {"invites": 10, "reward": "全年免费喝"}],
            "stock": 500, "deadline": "2031-11-30T23:59:00+08:00",
        },
        "poster.scarcity": "限量 {mechanics.stock} 杯 · {mechanics.ends}",
    },
    "ladder-minimal": {
        "inviter": DELETE,
        "poster.subheadline": DELETE,
        "poster.price": DELETE,
        "poster.scarcity": DELETE,
        "poster.benefits": ["到店免费领一杯", "邀请好友再送一杯"],
        "mechanics": {"threshold": 5, "inviter_reward": "新品一杯", "deadline": "2031-11-30T23:59:00+08:00"},
    },
    "ladder-full": {
        "poster.headline": "邀请3位好友助力，新品杨枝甘露整杯免费喝，再送限定周边帆布袋",
        "poster.benefits": [
            "新鲜芒果现切，每杯都有满满果肉",
            "全国 200 家门店通用，到店出示即可兑换",
            "邀请越多奖励越多，最高可得 10 杯",
            "会员积分双倍，可兑换限定周边",
        ],
        "poster.endorsements": [{"kind": "certification", "text": "食品安全 A 级认证门店"}],
        "mechanics": {
            "tiers": [{"invites": 1, "reward": "满 10 减 5 券"}, {"invites": 3, "reward": "杨枝甘露 1 杯"},
                      {"invites": 5, "reward": "任意饮品 3 杯"}, {"invites": 10, "reward": "定制保温杯"},
                      {"invites": 15, "reward": "全年免费喝"}],
            "deadline": "2031-11-30T23:59:00+08:00",
        },
    },
    "english": {
        "brand.name": "Brewline Coffee",
        "brand.slogan": "Fresh beans, every week",
        "inviter.nickname": "Alex",
        "inviter.line": "invited you to join",
        "poster.headline": "Give a month, get a month of fresh coffee",
        "poster.subheadline": "Your first bag is on us",
        "poster.benefits": ["Roasted to order, shipped in 48 hours", "Pause or cancel any time", "Free shipping on every bag"],
        "poster.cta": "Scan to claim your free bag",
        "poster.price": {"now": "0", "original": "18", "currency": "$", "label": "First month"},
        "poster.scarcity": "Offer ends November 30",
    },
}


def variant_campaign(tmp_path: Path, variant: str, template: str) -> Path:
    overrides = dict(VARIANTS[variant])
    overrides["output.templates"] = [template]
    return make_campaign(tmp_path / variant, overrides)


def image_difference(a, b) -> tuple[float, float]:
    """(mean absolute difference per channel in 0..255, share of pixels off by > 48)."""
    from PIL import ImageChops, ImageStat

    diff = ImageChops.difference(a.convert("RGB"), b.convert("RGB"))
    mean = sum(ImageStat.Stat(diff).mean) / 3
    big = diff.convert("L").point(lambda v: 255 if v > 48 else 0)
    share = ImageStat.Stat(big).mean[0] / 255
    return mean, share


def add_failing_template(spec: Path) -> None:
    """Add templates/tiny.yaml next to *spec*: a headline box far too small for the test
    campaign's headline, with overflow 'error', so every 'tiny' poster fails to render."""
    (spec.parent / "templates").mkdir()
    (spec.parent / "templates" / "tiny.yaml").write_text(
        "name: tiny\nframes:\n  portrait:\n    size: [1080, 1920]\n    layers:\n"
        "      - {id: headline, type: text, part: headline, text: '{poster.headline}', box: [80, 80, 200, 40],"
        " size: [30, 40], overflow: error}\n"
        "      - {type: qr, part: cta, box: [80, 1500, 320, 320]}\n",
        encoding="utf-8",
    )
