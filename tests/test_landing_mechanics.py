"""The campaign's mechanics on its landing page: the reward ladder, the deadline as text,
the live countdown, and the ended state ("活动已结束", no form).

Parsed HTML for what the build decides (before / after the deadline, SOURCE_DATE_EPOCH,
threshold 3 vs 5 as matrix levels); real Chromium with a mocked clock (Playwright's
``page.clock``) for what the script does, with JavaScript on and off.
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

import pytest
from browser import Server, axe_source, browser  # noqa: F401 (browser is a fixture)
from conftest import make_campaign
from test_landing import ENDPOINT, PRIVACY, first_row

from postergen.landing import render_landing
from postergen.landing.rules import ClockError, build_time
from postergen.loader import load_campaign

ROOT = Path(__file__).resolve().parent.parent
LADDER_AB = ROOT / "examples" / "ladder-ab" / "campaign.yaml"
ACTUAL = ROOT / "tests" / "_actual" / "landing"
TZ = dt.timezone(dt.timedelta(hours=8))
DEADLINE = dt.datetime(2030, 7, 14, 23, 59, tzinfo=TZ)  # ladder-ab's
BEFORE = DEADLINE - dt.timedelta(days=3, hours=4, minutes=5, seconds=6)
AFTER = DEADLINE + dt.timedelta(hours=1)


# --------------------------------------------------------------------------- a small DOM


class Node:
    def __init__(self, tag: str, attrs: dict, parent: "Node | None") -> None:
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def walk(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.walk()

    def all(self, tag: str | None = None, cls: str | None = None) -> list["Node"]:
        return [n for n in self.walk() if (tag is None or n.tag == tag) and (cls is None or cls in n.classes)]

    def one(self, tag: str | None = None, cls: str | None = None) -> "Node":
        found = self.all(tag, cls)
        assert len(found) == 1, (tag, cls, len(found))
        return found[0]

    def by_id(self, id_: str) -> "Node | None":
        return next((n for n in self.walk() if n.attrs.get("id") == id_), None)

    def hidden(self) -> bool:
        """Hidden by its own or an ancestor's ``hidden`` attribute."""
        node = self
        while node is not None:
            if "hidden" in node.attrs:
                return True
            node = node.parent
        return False


class _Builder(HTMLParser):
    VOID = {"meta", "link", "img", "input", "br", "hr", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.at = Node("#document", {}, None)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, self.at)
        self.at.children.append(node)
        if tag not in self.VOID:
            self.at = node

    def handle_endtag(self, tag):
        node = self.at
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.at = node.parent

    def handle_data(self, data):
        self.at.children.append(data)


def dom(html: str) -> Node:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


# --------------------------------------------------------------------------- campaigns


def ladder_ab(variant: str = "t3-cup-bold"):
    loaded = load_campaign(LADDER_AB)
    row = next(r for r in first_rows(loaded) if r.variant == variant)
    return loaded.variant(variant, row.channel), row


def first_rows(loaded):
    from postergen.jobs import codes_for

    rows, _ = codes_for(loaded, environ={})
    return rows


def page_of(variant="t3-cup-bold", now=BEFORE):
    loaded, row = ladder_ab(variant)
    return render_landing(loaded, row, now=now)


def mech_campaign(folder: Path, mechanics: dict, **landing) -> Path:
    spec = {"form": {"endpoint": ENDPOINT, "privacy_url": PRIVACY}, **landing}
    return make_campaign(folder, {"landing": spec, "mechanics": mechanics})


def render(spec: Path, now=BEFORE):
    loaded = load_campaign(spec)
    return render_landing(loaded, first_row(loaded), now=now)


# --------------------------------------------------------------------------- the build


def test_the_ladder_is_a_list_with_the_rewards_for_both_sides():
    doc = dom(page_of().html)
    rules = doc.one("section", "rules")
    assert rules.one("h2").text() == "邀请好友 领取奖励"
    assert rules.one("p", "intro").text() == "邀请 3 位好友即可领取，邀得越多奖励越多"
    steps = rules.one("ol", "ladder").all("li")
    assert [li.text() for li in steps] == ["邀3人：杨枝甘露 1 杯", "邀6人：3 杯 + 杯套", "邀10人：全年免费喝"]
    assert [li.classes for li in steps] == [[], [], ["top"]]  # the top step stands out
    assert rules.one("p", "invitee").text() == "好友得：新人立减 10 元"
    assert [s.text() for s in rules.one("p", "facts").all("span")] == ["限量 5000 份"]
    # after the first screen: the ladder does not push the form down
    html = page_of().html
    assert html.index("<!--fold-->") < html.index('class="card rules"')


def test_a_threshold_with_a_reward_participants_and_english(tmp_path):
    spec = mech_campaign(
        tmp_path / "en",
        {"threshold": 5, "inviter_reward": "1 free cup", "invitee_reward": "$2 off", "stock": 800, "participants": 12000,
         "deadline": "2030-07-14T23:59:00+08:00"},
        lang="en",
    )
    doc = dom(render(spec).html)
    rules = doc.one("section", "rules")
    assert rules.one("h2").text() == "Invite friends, earn rewards"
    assert rules.one("p", "intro").text() == "Invite 5 friends to get your reward."
    assert [li.text() for li in rules.all("li")] == ["5 friends: 1 free cup"]
    assert rules.one("p", "invitee").text() == "Friends get: $2 off"
    assert [s.text() for s in rules.one("p", "facts").all("span")] == ["Only 800 rewards", "12,000 people have joined"]
    timer = doc.by_id("pg-countdown")
    assert timer.one("time").text() == "Ends Jul 14, 23:59" and not timer.hidden()


def test_before_the_deadline_the_page_shows_it_as_text_and_the_forms():
    page = page_of(now=BEFORE)
    doc = dom(page.html)
    timer = doc.by_id("pg-countdown")
    # the scarcity line says the deadline: the timer is that part of it, not a second line
    scarcity = timer.parent
    assert scarcity.tag == "p" and scarcity.text() == "限量 5000 杯 · 7月14日 23:59 截止"
    assert timer.attrs["role"] == "timer"
    time = timer.one("time")
    assert time.attrs["datetime"] == "2030-07-14T23:59:00+08:00" and time.text() == "7月14日 23:59 截止"
    assert not time.hidden() and timer.one("span", "cd-live").hidden()
    assert doc.by_id("pg-ended").hidden()
    forms = doc.all("form")
    assert len(forms) == 2 and not any(f.hidden() for f in forms)
    assert doc.by_id("pg-cta") is not None and not doc.by_id("join").hidden()
    assert not any("had passed" in w for w in page.warnings)


def test_after_the_deadline_the_build_makes_the_ended_state():
    page = page_of(now=AFTER)
    doc = dom(page.html)
    ended = doc.by_id("pg-ended")
    assert not ended.hidden()
    assert ended.one("h2").text() == "活动已结束"
    assert ended.one("p").text() == "本次活动已于 7月14日 23:59 结束，感谢你的关注。"
    assert all(f.hidden() for f in doc.all("form")) and len(doc.all("form")) == 2
    assert doc.by_id("pg-cta") is None  # no sticky call to action to a hidden form
    assert doc.by_id("join").hidden()  # the bottom section held only the form
    assert doc.by_id("pg-countdown").one("time").text() == "7月14日 23:59 截止"
    assert any("had passed when the page was built" in w and "活动已结束" in w for w in page.warnings)
    # the ladder is still there: what the campaign was
    assert len(doc.one("ol", "ladder").all("li")) == 3


@pytest.mark.parametrize("bottom", ["follow", "both"])
def test_after_the_deadline_a_follow_qr_stays_without_the_scarcity_heading(tmp_path, bottom):
    """'名额有限，先到先得' above a follow QR after the campaign has ended says the wrong
    thing: the heading and the scarcity line go with the form, the QR and its own title stay."""
    follow = {"title": "关注「茶屿」公众号", "text": "下次活动第一时间通知你", "link": "https://h5.example.com/follow"}
    spec = mech_campaign(tmp_path / bottom, {"threshold": 3, "deadline": "2030-07-14T23:59:00+08:00"},
                         follow=follow, bottom=bottom, scarcity="限量 5000 杯")
    for now, ended in ((BEFORE, False), (AFTER, True)):
        join = dom(render(spec, now=now).html).by_id("join")
        assert not join.hidden()
        assert join.one("h2").hidden() is ended and join.one("h2").text() == "名额有限，先到先得"
        assert join.one("p", "scarcity").hidden() is ended
        card = join.one("div", "follow")
        assert not card.hidden() and card.one("h3").text() == "关注「茶屿」公众号"
        # the section is named by what it shows (the script renames it at the deadline)
        assert join.attrs["aria-labelledby"] == ("follow-bottom-title" if ended else "cta-title")
        assert join.attrs["data-label-ended"] == card.one("h3").attrs["id"] == "follow-bottom-title"
        forms = join.all("form")
        assert len(forms) == (1 if bottom == "both" else 0) and all(f.hidden() is ended for f in forms)


def test_a_deadline_on_a_line_of_its_own(tmp_path):
    from conftest import DELETE

    spec = mech_campaign(tmp_path / "c", {"threshold": 3, "deadline": "2030-07-14T23:59:00+08:00"})
    loaded = load_campaign(spec)
    assert loaded.spec.poster.scarcity and "7月14日" not in loaded.spec.poster.scarcity
    doc = dom(render(spec).html)
    timer = doc.by_id("pg-countdown")
    assert timer.parent.classes == ["scarcity", "deadline"] and timer.text() == "7月14日 23:59 截止"
    # no price and no scarcity: the offer card still holds the deadline
    bare = make_campaign(tmp_path / "bare", {"poster.scarcity": DELETE, "poster.price": DELETE,
                                             "landing": {"form": {"endpoint": ENDPOINT, "privacy_url": PRIVACY}},
                                             "mechanics": {"deadline": "2030-07-14T23:59:00+08:00"}})
    doc = dom(render(bare).html)
    assert doc.by_id("pg-countdown").parent.parent.classes == ["card", "offer"]
    assert not doc.all("section", "rules")  # a deadline alone: no rules card


def test_without_mechanics_the_page_has_none_of_it(tmp_path):
    spec = make_campaign(tmp_path / "plain", {"landing": {"form": {"endpoint": ENDPOINT, "privacy_url": PRIVACY}}})
    page = render(spec, now=None)
    doc = dom(page.html)
    assert doc.by_id("pg-countdown") is None and doc.by_id("pg-ended") is None and not doc.all("section", "rules")
    assert '"deadline": null' in page.html


def test_threshold_3_and_5_as_matrix_levels_give_pages_with_their_numbers():
    for level, n in (("t3", 3), ("t5", 5)):
        for reward, first in (("cup", "杨枝甘露 1 杯"), ("half", "全场半价券")):
            doc = dom(page_of(f"{level}-{reward}-bold").html)
            assert doc.one("h1").text() == f"邀{n}位好友，领{first}"
            assert doc.one("p", "intro").text() == f"邀请 {n} 位好友即可领取，邀得越多奖励越多"
            steps = [li.text() for li in doc.one("ol", "ladder").all("li")]
            assert steps == [f"邀{n}人：{first}", "邀6人：3 杯 + 杯套", "邀10人：全年免费喝"]
            assert doc.one("p", "bait").text() == f"邀{n}位好友 领{first}"


def test_the_build_clock_is_source_date_epoch_when_set(monkeypatch):
    loaded, row = ladder_ab()
    after = str(int(AFTER.timestamp()))
    assert build_time({"SOURCE_DATE_EPOCH": after}) == AFTER
    monkeypatch.setenv("SOURCE_DATE_EPOCH", after)
    one = render_landing(loaded, row)
    two = render_landing(loaded, row)
    assert one.html == two.html and not dom(one.html).by_id("pg-ended").hidden()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(BEFORE.timestamp())))
    assert dom(render_landing(loaded, row).html).by_id("pg-ended").hidden()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(ClockError, match="SOURCE_DATE_EPOCH is 'yesterday': it must be whole seconds since 1970"):
        render_landing(loaded, row)


def test_the_script_and_its_hash_do_not_depend_on_the_state():
    before, after = page_of(now=BEFORE), page_of(now=AFTER)
    assert before.script_hashes == after.script_hashes
    assert f"script-src {before.script_hashes[0]}" in before.csp and f"script-src {after.script_hashes[0]}" in after.csp


# --------------------------------------------------------------------------- in Chromium


@pytest.fixture(scope="module")
def site(browser):
    """ladder-ab's page built before and after the deadline, and an English one."""
    with Server() as server:
        server.urls = {
            "before": server.add("/before/", page_of(now=BEFORE).html),
            "after": server.add("/after/", page_of(now=AFTER).html),
        }
        yield server


def open_at(browser, url: str, at: dt.datetime | None, js: bool = True, width: int = 320, height: int = 568):
    """*url* in a fresh context at *width*, its clock installed and stopped at *at*."""
    context = browser.new_context(viewport={"width": width, "height": height}, java_script_enabled=js)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    if at is not None:
        page.clock.install(time=at - dt.timedelta(seconds=30))
        page.clock.pause_at(at)
    page.goto(url)
    page.errors = errors
    return page


STATE = """() => {
  const shown = el => !!el && !el.closest('[hidden]') && el.getClientRects().length > 0;
  const timer = document.getElementById('pg-countdown');
  return {
    timer: timer ? timer.innerText : null,
    live: shown(document.querySelector('#pg-countdown .cd-live')),
    ended: shown(document.getElementById('pg-ended')),
    forms: [...document.querySelectorAll('form')].map(shown),
    submits: [...document.querySelectorAll('button[type=submit]')].map(shown),
    cta: shown(document.querySelector('#pg-cta a')),
    bottom: shown(document.getElementById('join')),
  };
}"""


def test_before_the_deadline_the_countdown_shows_and_ticks(browser, site):
    page = open_at(browser, site.urls["before"], BEFORE)
    state = page.evaluate(STATE)
    assert state["timer"] == "还剩 3天 04:05:06" and state["live"]
    assert state["forms"] == [True, True] and not state["ended"]
    page.clock.run_for(1000)
    assert page.evaluate(STATE)["timer"] == "还剩 3天 04:05:05"
    page.clock.run_for(6000)
    assert page.evaluate(STATE)["timer"] == "还剩 3天 04:04:59"
    # the scarcity line reads on: only its deadline part became the countdown
    assert page.evaluate("document.getElementById('pg-countdown').parentNode.innerText") == "限量 5000 杯 · 还剩 3天 04:04:59"
    assert page.errors == []
    page.context.close()


def test_the_last_day_has_no_day_count(browser, site):
    page = open_at(browser, site.urls["before"], DEADLINE - dt.timedelta(days=1, seconds=-1))
    assert page.evaluate(STATE)["timer"] == "还剩 23:59:59"
    page.context.close()


def test_at_the_deadline_the_page_ends_and_hides_the_forms(browser, site):
    page = open_at(browser, site.urls["before"], DEADLINE - dt.timedelta(seconds=2))
    assert page.evaluate(STATE)["timer"] == "还剩 00:00:02"
    page.clock.run_for(1000)
    assert page.evaluate(STATE)["timer"] == "还剩 00:00:01"
    page.clock.run_for(1000)
    state = page.evaluate(STATE)
    assert state["ended"] and state["forms"] == [False, False] and state["submits"] == [False, False]
    assert not state["cta"] and not state["bottom"]
    assert state["timer"] == "7月14日 23:59 截止" and not state["live"]  # the deadline as text again
    assert page.evaluate("document.querySelector('#pg-ended h2').textContent") == "活动已结束"
    assert page.errors == []
    page.context.close()


@pytest.mark.parametrize("built", ["before", "after"])
def test_opened_after_the_deadline_the_page_has_ended(browser, site, built):
    page = open_at(browser, site.urls[built], AFTER)
    state = page.evaluate(STATE)
    assert state["ended"] and not any(state["forms"]) and not state["cta"]
    assert state["timer"] == "7月14日 23:59 截止"
    page.context.close()


@pytest.mark.parametrize("built,ended", [("before", False), ("after", True)])
def test_without_javascript_the_build_decides(browser, site, built, ended):
    page = open_at(browser, site.urls[built], None, js=False)
    visible = lambda sel: page.locator(sel).first.is_visible()  # noqa: E731
    assert page.locator(".offer .scarcity").first.inner_text() == "限量 5000 杯 · 7月14日 23:59 截止"
    assert not visible(".cd-live")
    assert visible("#pg-ended") is ended
    assert visible("#lead") is not ended and visible("#lead button[type=submit]") is not ended
    assert visible("#lead-bottom") is not ended
    page.context.close()


@pytest.mark.parametrize("built,at", [("before", BEFORE), ("after", AFTER), ("before", AFTER)])
def test_axe_core_finds_no_violations_in_either_state(browser, site, built, at):
    context = browser.new_context(viewport={"width": 320, "height": 568}, bypass_csp=True)  # to inject axe
    page = context.new_page()
    page.clock.install(time=at - dt.timedelta(seconds=30))
    page.clock.pause_at(at)
    page.goto(site.urls[built])
    page.add_script_tag(content=axe_source())
    page.clock.resume()  # (axe waits on timers)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    context.close()
    assert [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]] == []


def test_screenshots_before_and_after_the_deadline(browser, site):
    """320 px wide, saved under tests/_actual/landing/ for a person to look at."""
    ACTUAL.mkdir(parents=True, exist_ok=True)
    for name, built, at in (("live", "before", BEFORE), ("ended", "before", AFTER)):
        context = browser.new_context(viewport={"width": 320, "height": 568}, device_scale_factor=2)
        page = context.new_page()
        page.clock.install(time=at - dt.timedelta(seconds=30))
        page.clock.pause_at(at)
        page.goto(site.urls[built])
        page.screenshot(path=str(ACTUAL / f"ladder-ab-{name}-320.png"))
        page.locator("section.rules").screenshot(path=str(ACTUAL / f"ladder-ab-{name}-rules-320.png"))
        context.close()
    assert (ACTUAL / "ladder-ab-ended-320.png").stat().st_size > 10_000
