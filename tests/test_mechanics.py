"""Fission mechanics as data: validation messages, copy bindings, deadline warnings, the
ladder on posters, and threshold 3 vs 5 as matrix levels read back from the layout tree.

Line numbers: :data:`MECH` is appended to :data:`conftest.BASE_YAML` (34 lines), so it
starts at line 35 (``threshold`` 36, tiers 38-40, ``deadline`` 41).
"""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import make_campaign, problems
from typer.testing import CliRunner

from postergen.validate import validate_campaign
from postergen.layout import TextItem, layout_poster
from postergen.loader import load_campaign

MECH = """\
mechanics:
  threshold: 3
  tiers:
    - {invites: 3, reward: 杨枝甘露 1 杯}
    - {invites: 6, reward: 3 杯 + 杯套}
    - {invites: 10, reward: 全年免费喝}
  deadline: 2031-07-14T23:59:00+08:00
"""
URL = "https://h5.example.com/tea/invite?c=REF"


def with_mech(old: str = "", new: str = "", headline: str | None = None):
    """A ``text=`` edit: :data:`MECH` appended (with *old* replaced by *new*)."""

    def edit(text: str) -> str:
        if headline is not None:
            text = text.replace("headline: 邀3位好友，新品杨枝甘露免费喝！", f"headline: {headline}")
        mech = MECH
        if old:
            assert mech.count(old) == 1, old
            mech = mech.replace(old, new)
        return text + mech

    return edit


def texts(tree, prefix: str) -> list[str]:
    return ["".join(line.text for line in item.lines) for item in tree.items if isinstance(item, TextItem) and (item.id or "").startswith(prefix)]


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "old,new,expected",
    [
        ("threshold: 3", "threshold: 5",
         "campaign.yaml:38 mechanics.tiers[0].invites: the first tier must be the threshold (5 invites), not 3; "
         "change one of them, or leave threshold out (it is then the first tier's invites)"),
        ("invites: 10", "invites: 6",
         "campaign.yaml:40 mechanics.tiers[2].invites: the tiers must go up: step 3 asks for 6 invites, step 2 "
         "already for 6; list the steps from the fewest invites to the most"),
        ("2031-07-14T23:59:00+08:00", "2031-07-14 23:59",
         "campaign.yaml:41 mechanics.deadline: '2031-07-14 23:59' is not a date and time with a time zone; write it "
         "as '2025-07-14T23:59:00+08:00' (date, 'T', time, offset from UTC)"),
        ("2031-07-14T23:59:00+08:00", "2031-07-14",
         "campaign.yaml:41 mechanics.deadline: '2031-07-14' is not a date and time with a time zone; write it "
         "as '2025-07-14T23:59:00+08:00' (date, 'T', time, offset from UTC)"),
        ("threshold: 3", "threshold: 0", "campaign.yaml:36 mechanics.threshold: must be at least 1 (got 0)"),
        ("    - {invites: 10, reward: 全年免费喝}\n",
         "    - {invites: 10, reward: a}\n    - {invites: 11, reward: b}\n    - {invites: 12, reward: c}\n    - {invites: 13, reward: d}\n",
         "campaign.yaml:37 mechanics.tiers: has 6 items; at most 5 are allowed"),
    ],
    ids=["first-tier", "tiers-go-up", "no-time-zone", "date-only", "zero", "six-tiers"],
)
def test_mechanics_problems(campaign, old, new, expected):
    assert problems(campaign(text=with_mech(old, new))) == [expected]


@pytest.mark.parametrize(
    "headline,expected",
    [
        ("限量{mechanics.stock}份，邀3位好友",
         "campaign.yaml:14 poster.headline: '{mechanics.stock}' has no value: set mechanics.stock"),
        ("邀{mechanics.treshold}位好友",
         "campaign.yaml:14 poster.headline: unknown binding '{mechanics.treshold}'; mechanics bindings: threshold, "
         "top_invites, top_reward, inviter_reward, invitee_reward, stock, participants, deadline, deadline_date, "
         "ends, deadline_iso (and tiers.N.invites, tiers.N.reward)"),
        ("邀{mechanics.tiers.3.invites}位好友",
         "campaign.yaml:14 poster.headline: '{mechanics.tiers.3.invites}' has no value: mechanics.tiers has 3 "
         "step(s), numbered from 0"),
    ],
    ids=["no-value", "unknown", "no-such-tier"],
)
def test_binding_problems(campaign, headline, expected):
    assert problems(campaign(text=with_mech(headline=headline))) == [expected]


def test_a_binding_needs_a_mechanics_section(campaign):
    spec = campaign({"poster.headline": "邀{mechanics.threshold}位好友"})
    assert problems(spec) == [
        "campaign.yaml:14 poster.headline: '{mechanics.threshold}' needs a mechanics section, e.g. mechanics: {threshold: 3}"
    ]


def test_a_high_threshold_is_a_warning(campaign):
    spec = campaign(text=with_mech("threshold: 3\n  tiers:\n    - {invites: 3, reward: 杨枝甘露 1 杯}\n    - {invites: 6, reward: 3 杯 + 杯套}\n    - {invites: 10,",
                                   "threshold: 20\n  tiers:\n    - {invites: 20, reward: 杨枝甘露 1 杯}\n    - {invites: 26, reward: 3 杯 + 杯套}\n    - {invites: 30,"))
    warnings = [str(p) for p in load_campaign(spec).warnings]
    assert warnings == [
        "campaign.yaml:36 mechanics.threshold: warning: a threshold of 20 invites is rarely reached; keep it at 15 or less "
        "(reward more invites with higher tiers)"
    ]


# --------------------------------------------------------------------------- copy bindings


def test_copy_is_written_once(campaign):
    spec = campaign(
        {
            "poster.headline": "邀{mechanics.threshold}位好友，最高{mechanics.top_reward}",
            "poster.scarcity": "限量 {mechanics.stock} 杯 · {mechanics.ends}",
            "poster.benefits.2": "第 {mechanics.tiers.1.invites} 位起送{mechanics.tiers.1.reward}",
            "mechanics": {
                "tiers": [{"invites": 3, "reward": "1 杯"}, {"invites": 6, "reward": "3 杯"}, {"invites": 10, "reward": "全年免费喝"}],
                "stock": 5000, "participants": 12000, "invitee_reward": "新人券 10 元",
                "deadline": "2031-07-14T23:59:00+08:00",
            },
            "landing": {"bait": "好友得{mechanics.invitee_reward}", "footer": "已有 {mechanics.participants} 人参与"},
        }
    )
    spec_ = load_campaign(spec).spec
    assert spec_.poster.headline == "邀3位好友，最高全年免费喝"  # threshold: the first tier's invites
    assert spec_.poster.scarcity == "限量 5000 杯 · 7月14日 23:59 截止"
    assert spec_.poster.benefits[2].text == "第 6 位起送3 杯"
    assert (spec_.landing.bait, spec_.landing.footer) == ("好友得新人券 10 元", "已有 12,000 人参与")


def test_bindings_in_english_and_in_the_deadlines_own_time_zone():
    from postergen.mechanics import bindings
    from postergen.spec import Mechanics

    mech = Mechanics.model_validate({"threshold": 1, "inviter_reward": "a free latte", "deadline": "2031-03-31T18:30:00-05:00"})
    b = bindings(mech, "en")
    assert (b["deadline"], b["deadline_date"], b["ends"]) == ("Mar 31, 18:30", "Mar 31", "Ends Mar 31, 18:30")
    assert b["ladder"] == [{"invites": "1", "reward": "a free latte", "label": "1 friend"}] and b["tiers"] == []
    assert bindings(mech, "zh")["ends"] == "3月31日 18:30 截止"
    assert b["deadline_iso"] == "2031-03-31T18:30:00-05:00"


# --------------------------------------------------------------------------- deadline


@pytest.mark.parametrize(
    "now,expected",
    [
        (dt.datetime(2031, 7, 1, tzinfo=dt.timezone.utc), []),
        (dt.datetime(2031, 7, 14, 6, 0, tzinfo=dt.timezone.utc),
         ["campaign.yaml:41 mechanics.deadline: warning: the deadline 2031-07-14T23:59:00+08:00 is less than a day away (10 h); "
          "check it before printing or sharing"]),
        (dt.datetime(2031, 7, 20, tzinfo=dt.timezone.utc),
         ["campaign.yaml:41 mechanics.deadline: warning: the deadline 2031-07-14T23:59:00+08:00 has passed; posters and pages "
          "would announce an ended campaign"]),
    ],
    ids=["weeks-away", "hours-away", "passed"],
)
def test_validate_warns_about_the_deadline(campaign, now, expected):
    _, warnings = validate_campaign(campaign(text=with_mech()), now=now)
    assert [str(p) for p in warnings if "deadline" in p.message] == expected


def test_validate_cli_warns_about_a_passed_deadline(campaign):
    from postergen.cli import app

    spec = campaign(text=with_mech("2031-07-14T23:59:00+08:00", "2020-07-14T23:59:00+08:00"))
    result = CliRunner().invoke(app, ["validate", str(spec)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "campaign.yaml:41 mechanics.deadline: warning: the deadline 2020-07-14T23:59:00+08:00 has passed" in result.output


# --------------------------------------------------------------------------- posters


@pytest.mark.parametrize("template", ["bold", "photo", "minimal"])
def test_every_template_shows_the_ladder_and_the_deadline(campaign, template):
    loaded = load_campaign(campaign({"output.templates": [template]}, text=with_mech()))
    from postergen.layout import layout_for_print
    from postergen.printsizes import parse_print_size

    tpl = loaded.templates[template]
    for w, h in ((1080, 1920), (1242, 1660), (1080, 1080)):
        tree = layout_poster(loaded, tpl, w, h, URL)
        badges = texts(tree, "ladder")
        assert badges[0::2] == ["邀3人", "邀6人", "邀10人"], (w, h)
        assert badges[1::2] == ["杨枝甘露 1 杯", "3 杯 + 杯套", "全年免费喝"], (w, h)
        assert texts(tree, "scarcity") == ["仅限前 500 名 · 11月30日截止"]  # the copy's own line wins
    for size in ("A4", "card"):
        tree = layout_for_print(loaded, tpl, parse_print_size(size), URL)
        assert texts(tree, "ladder")[0::2] == ["邀3人", "邀6人", "邀10人"], size
    card = layout_for_print(loaded, tpl, parse_print_size("card"), URL)
    assert texts(card, "deadline") == ["7月14日 23:59 截止"]  # the card keeps the deadline


def test_the_deadline_fills_an_empty_scarcity_line(campaign):
    from conftest import DELETE

    loaded = load_campaign(campaign({"poster.scarcity": DELETE}, text=with_mech()))
    tree = layout_poster(loaded, loaded.templates["bold"], 1080, 1920, URL)
    assert texts(tree, "scarcity") == ["7月14日 23:59 截止"]


def test_without_mechanics_nothing_changes(campaign):
    loaded = load_campaign(campaign())
    tree = layout_poster(loaded, loaded.templates["bold"], 1080, 1920, URL)
    assert texts(tree, "ladder") == [] and texts(tree, "benefits")


def test_threshold_3_and_5_as_matrix_levels(campaign):
    from postergen.jobs import layout_job, plan

    spec = campaign(
        {
            "poster.headline": "邀{mechanics.threshold}位好友，{mechanics.inviter_reward}",
            "poster.benefits.2": "{mechanics.threshold} 位好友助力成功即可领取",
            "mechanics": {"threshold": 3, "inviter_reward": "杨枝甘露 1 杯"},
            "matrix": {"factors": [
                {"name": "threshold", "field": "mechanics.threshold", "levels": {"t3": 3, "t5": 5}},
                {"name": "reward", "field": "mechanics.inviter_reward", "levels": {"cup": "杨枝甘露 1 杯", "half": "新品半价"}},
            ]},
        }
    )
    loaded = load_campaign(spec)
    seen = {}
    for job in plan(loaded):
        tree = layout_job(loaded, job)
        seen[job.variant] = (texts(tree, "headline"), texts(tree, "ladder"), texts(tree, "benefits")[-1])
    assert seen == {
        "t3-cup": (["邀3位好友，杨枝甘露 1 杯"], ["邀3人", "杨枝甘露 1 杯"], "3 位好友助力成功即可领取"),
        "t3-half": (["邀3位好友，新品半价"], ["邀3人", "新品半价"], "3 位好友助力成功即可领取"),
        "t5-cup": (["邀5位好友，杨枝甘露 1 杯"], ["邀5人", "杨枝甘露 1 杯"], "5 位好友助力成功即可领取"),
        "t5-half": (["邀5位好友，新品半价"], ["邀5人", "新品半价"], "5 位好友助力成功即可领取"),
    }


def test_a_ladder_as_a_factor(campaign):
    spec = campaign(
        {
            "poster.headline": "邀{mechanics.threshold}位好友，最高{mechanics.top_reward}",
            "mechanics": {"tiers": [{"invites": 3, "reward": "1 杯"}]},
            "matrix": {"factors": [{"name": "ladder", "field": "mechanics.tiers", "levels": {
                "low": [{"invites": 3, "reward": "1 杯"}, {"invites": 6, "reward": "3 杯"}],
                "high": [{"invites": 5, "reward": "2 杯"}, {"invites": 10, "reward": "全年免费喝"}],
            }}]},
        }
    )
    loaded = load_campaign(spec)
    got = {}
    for name, _, _, v in loaded.variant_list():
        tree = layout_poster(v, v.templates["bold"], 1080, 1920, URL)
        got[name] = (texts(tree, "headline"), texts(tree, "ladder"))
    assert got == {
        "low": (["邀3位好友，最高3 杯"], ["邀3人", "1 杯", "邀6人", "3 杯"]),
        "high": (["邀5位好友，最高全年免费喝"], ["邀5人", "2 杯", "邀10人", "全年免费喝"]),
    }


def test_a_variant_whose_threshold_misses_the_first_tier(campaign):
    spec = campaign(
        {"variants": [{"name": "a"}, {"name": "b", "set": {"mechanics.threshold": 5}}]},
        text=with_mech(),
    )
    assert problems(spec) == [
        "campaign.yaml:37 variant 'b': mechanics.tiers[0].invites: the first tier must be the threshold (5 invites), "
        "not 3; change one of them, or leave threshold out (it is then the first tier's invites)"
    ]


LADDER_VARIANTS = ["ladder", "ladder-minimal", "ladder-full"]


@pytest.fixture(scope="module")
def ladder_campaigns(tmp_path_factory):
    from posters import variant_campaign

    from postergen.template import builtin_names

    return {(t, v): load_campaign(variant_campaign(tmp_path_factory.mktemp(t), v, t)) for t in builtin_names() for v in LADDER_VARIANTS}


@pytest.mark.parametrize("variant", LADDER_VARIANTS)
@pytest.mark.parametrize("size", ["A4", "parcel", "card"])
def test_print_frames_with_a_ladder_are_sound(ladder_campaigns, variant, size):
    from test_layout import overlaps

    from postergen.layout import QRItem
    from postergen.layout import layout_for_print
    from postergen.printsizes import parse_print_size

    for (template, v), loaded in ladder_campaigns.items():
        if v != variant:
            continue
        tree = layout_for_print(loaded, loaded.templates[template], parse_print_size(size), URL)
        where = f"{template} {size}"
        for item in tree.items:
            if item.part == "decor":
                continue
            x, y, w, h = item.box
            assert x >= 0 and y >= 0 and x + w <= tree.width and y + h <= tree.height, f"{where}: {item.id} {item.box}"
            assert not getattr(item, "truncated", False), f"{where}: {item.id} cut"
        parts = tree.parts()
        names = list(parts)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                assert not overlaps(parts[a], parts[b]), f"{where}: {a} {parts[a]} overlaps {b} {parts[b]}"
        assert len([i for i in tree.items if isinstance(i, QRItem)]) == 1
        assert texts(tree, "ladder"), where
