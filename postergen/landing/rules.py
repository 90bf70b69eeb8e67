"""The campaign's rules on its landing page: the reward ladder, the countdown, the end.

:func:`page_rules` turns the ``mechanics`` section (through
:func:`postergen.mechanics.spec_bindings`, the data the poster templates see) into plain
template data, ``rules`` in the landing templates::

    rules.ladder        [{label: '邀3人', invites: '3', reward: '杨枝甘露 1 杯', top: False}, …]
    rules.intro         ['邀请 3 位好友即可领取，', '邀得越多奖励越多']   (phrases: lines break between them)
    rules.invitee       '新人立减 10 元'          (None without invitee_reward)
    rules.facts         ['限量 5000 份', '12,000 人已参与']   (stock, participants)
    rules.deadline      {iso, ms, ends, text, scarcity, ended_text} or None
                        (ends: '7月14日 23:59 截止', as the page shows it; text: '7月14日 23:59';
                        scarcity: [before, after] ends in the scarcity line, or None)
    rules.ended         the deadline had passed when the page was built
    rules.w             the wording (titles, labels) in the page's language

**Which state a page is built in.**  A visitor's phone decides, when it runs the script:
the countdown ticks until the deadline, then the page turns to its "活动已结束" state
(forms hidden).  Without JavaScript only the build can decide, so a page built after the
deadline is built in the ended state, and a page built before it shows the deadline as
text.  The build's clock decides nothing else, and it is :func:`build_time`: the
``SOURCE_DATE_EPOCH`` environment variable when it is set (the reproducible-builds
convention), else the current time — two builds on the same side of the deadline are
byte-identical.
"""

from __future__ import annotations

import datetime as dt
import os

from ..errors import PostergenError
from ..mechanics import spec_bindings

#: The rules' wording, per language ('zh' for every zh-*, 'en' otherwise).
WORDS = {
    "zh": {
        "title": "邀请好友 领取奖励",
        "intro_one": ["邀请 {n} 位好友即可领取"],
        "intro_more": ["邀请 {n} 位好友即可领取，", "邀得越多奖励越多"],
        "sep": "：",
        "join": "",  # between phrases (each phrase keeps to one line where it can)
        "invitee": "好友得",
        "stock": "限量 {n} 份",
        "participants": "{n} 人已参与",
        "left": "还剩",
        "days": "天",
        "ended": "活动已结束",
        "ended_text": ["本次活动已于 {deadline} 结束，", "感谢你的关注。"],
    },
    "en": {
        "title": "Invite friends, earn rewards",
        "intro_one": ["Invite {n} friends to get your reward."],
        "intro_more": ["Invite {n} friends to get your reward;", "the more you invite, the more you get."],
        "sep": ": ",
        "join": " ",
        "invitee": "Friends get",
        "stock": "Only {n} rewards",
        "participants": "{n} people have joined",
        "left": "Ends in",
        "days": "d",
        "ended": "This campaign has ended",
        "ended_text": ["It ended on {deadline}.", "Thank you for your interest."],
    },
}


class ClockError(PostergenError):
    """``SOURCE_DATE_EPOCH`` is set but is not a number of seconds."""


def build_time(environ=None) -> dt.datetime:
    """The time a page is built at: ``SOURCE_DATE_EPOCH`` (seconds since 1970, UTC) when
    set, else now.  It decides only whether a page is built in its ended state."""
    raw = (os.environ if environ is None else environ).get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        return dt.datetime.now(dt.timezone.utc)
    try:
        return dt.datetime.fromtimestamp(int(raw), dt.timezone.utc)
    except (ValueError, OverflowError, OSError):
        raise ClockError(
            f"SOURCE_DATE_EPOCH is {raw!r}: it must be whole seconds since 1970-01-01 UTC, e.g. "
            "$(git log -1 --format=%ct); unset it to build with the current time"
        ) from None


def page_rules(spec, lang: str, scarcity: str | None, now: dt.datetime | None = None) -> dict | None:
    """The ``rules`` template data of *spec* (None without a ``mechanics`` section), in
    the page language *lang*, for a page built at *now* (default :func:`build_time`,
    read only when there is a deadline); *scarcity* is the offer's
    scarcity line (when it already names the deadline, the page does not repeat it)."""
    values = spec_bindings(spec)
    if values is None:
        return None
    words = WORDS["zh" if lang.lower().startswith("zh") else "en"]
    ladder = [dict(step, top=len(values["ladder"]) > 1 and i == len(values["ladder"]) - 1)
              for i, step in enumerate(values["ladder"])]
    intro = None
    if values["threshold"] is not None:
        intro = [phrase.format(n=values["threshold"]) for phrase in words["intro_more" if len(ladder) > 1 else "intro_one"]]
    facts = [words[name].format(n=values[name]) for name in ("stock", "participants") if values[name] is not None]
    deadline = None
    ended = False
    mech = spec.mechanics
    if mech.deadline is not None:
        ended = mech.deadline <= (now if now is not None else build_time())
        deadline = {
            "iso": values["deadline_iso"],
            "ms": int(mech.deadline.timestamp() * 1000),
            "ends": values["ends"],
            "text": values["deadline"],
            "scarcity": None,
            "ended_text": [phrase.format(deadline=values["deadline"]) for phrase in words["ended_text"]],
        }
        # A scarcity line that already says the deadline ('限量 5000 杯 · {mechanics.ends}') is
        # where the countdown goes: [text before, text after]; the page does not repeat it.
        # (Only the whole phrase: '7月14日截止' written by hand is not cut into.)
        if scarcity and values["ends"] in scarcity:
            before, _, after = scarcity.partition(values["ends"])
            deadline["scarcity"] = [before, after]
    return {
        "ladder": ladder,
        "intro": intro,
        "invitee": values["invitee_reward"],
        "facts": facts,
        "deadline": deadline,
        "ended": ended,
        "card": bool(ladder or intro or values["invitee_reward"] or facts),
        "w": words,
    }


def script_config(rules: dict | None) -> dict | None:
    """What the page script needs for the countdown (None without a deadline)."""
    if not rules or not rules["deadline"]:
        return None
    w = rules["w"]
    return {"at": rules["deadline"]["ms"], "ended": rules["ended"], "left": w["left"], "days": w["days"]}
