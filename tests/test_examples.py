"""The bundled examples and the starter campaign stay valid and build."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from postergen.validate import validate_campaign
from postergen.pipeline import build

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p.parent.name for p in (ROOT / "examples").glob("*/campaign.yaml"))


def test_the_bundled_examples():
    assert EXAMPLES == ["ab-report", "course-trial", "english-referral", "ladder-ab", "print-channels", "tea-invite"]


#: When the examples are validated: their deadlines lie after it (validate warns about a
#: deadline that has passed or is less than a day away).
NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_validates_without_errors(name):
    # validate renders and decodes every QR code a build would draw.
    loaded, problems = validate_campaign(ROOT / "examples" / name, now=NOW)
    assert [p for p in problems if p.severity == "error"] == []
    # The only warning allowed: the demo campaign has no secret for its codes.
    assert all("no secret" in p.message for p in problems), [str(p) for p in problems]


def test_english_example_builds(tmp_path):
    result = build(ROOT / "examples" / "english-referral", tmp_path / "out")
    assert result.ok and len(result.rows) >= 3
    posters = [r for r in result.rows if r["kind"] == "poster"]
    assert posters and all((tmp_path / "out" / r["path"]).stat().st_size > 10_000 for r in posters)
    assert [r["path"] for r in result.rows if r["kind"] == "landing"] == ["site/r/sam-k/landing/base/index.html"]


def test_starter_campaign_validates():
    loaded, problems = validate_campaign(ROOT / "postergen" / "scaffold")
    assert problems == []


def test_ladder_example_varies_the_mechanics_not_the_copy():
    from postergen.jobs import layout_job, plan
    from postergen.layout import TextItem
    from postergen.loader import load_campaign

    loaded = load_campaign(ROOT / "examples" / "ladder-ab")
    assert len(loaded.variants) == 8
    job = next(j for j in plan(loaded) if (j.variant, j.channel) == ("t5-half-photo", "moments"))
    tree = layout_job(loaded, job)
    seen = {}
    for item in tree.items:
        if isinstance(item, TextItem):
            seen.setdefault((item.id or "").split("[")[0], []).append("".join(line.text for line in item.lines))
    assert seen["headline"] == ["邀5位好友，领全场半价券"]
    assert seen["ladder"] == ["邀5人", "全场半价券", "邀6人", "3 杯 + 杯套", "邀10人", "全年免费喝"]
    assert seen["scarcity"] == ["限量 5000 杯 · 7月14日 23:59 截止"]


def test_print_example_gives_each_channel_its_medium():
    from postergen.jobs import plan
    from postergen.loader import load_campaign

    loaded = load_campaign(ROOT / "examples" / "print-channels")
    assert [(j.channel, j.path.rsplit("/", 1)[1]) for j in plan(loaded)] == [
        ("moments", "bold-1080x1920.jpg"),
        ("xhs", "bold-1242x1660.jpg"),
        ("parcel", "bold-card.pdf"),
        ("store", "bold-A4.pdf"),
    ]
    assert loaded.variant("base", "store").spec.poster.cta == "扫码，邀好友领挂耳"
    assert loaded.variant("base", "parcel").spec.inviter is None
    assert loaded.variant("base", "moments").spec.inviter.nickname == "阿山"
