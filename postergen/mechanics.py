"""Fission mechanics as data: the bindings copy and templates use, and their checks.

The ``mechanics`` section of a spec (threshold, reward tiers, rewards, stock, deadline,
participants; models in :mod:`postergen.spec`) becomes binding data::

    mechanics.threshold        '3'              (the first tier's invites without one)
    mechanics.tiers            [{invites: '3', reward: '1 杯', label: '邀3人'}, …]
    mechanics.tiers.0.reward   '1 杯'
    mechanics.ladder           the tiers, or one step (threshold → inviter_reward) without them
    mechanics.top_invites      '10'             (the last tier; the threshold without tiers)
    mechanics.top_reward       '10 杯'
    mechanics.inviter_reward   the inviter's reward (default: the first tier's)
    mechanics.invitee_reward   the invited friend's reward
    mechanics.stock            '5000'
    mechanics.participants     '12,000'
    mechanics.deadline         '7月14日 23:59'  / 'Jul 14, 23:59'  (in the deadline's own time zone)
    mechanics.deadline_date    '7月14日'        / 'Jul 14'
    mechanics.ends             '7月14日 23:59 截止' / 'Ends Jul 14, 23:59'
    mechanics.deadline_iso     '2025-07-14T23:59:00+08:00'

Copy is written once: every text drawn on a poster or page may say
``邀{mechanics.threshold}位好友``; :func:`fill_copy` fills those bindings when the spec is
loaded (each variant and channel with its own mechanics), so every consumer sees the
final text.  Templates bind the same data (``{mechanics.ends}``, ``type: ladder``).

Formatting depends only on the spec (never on today's date), so builds stay
reproducible; :func:`deadline_problems` is the one place that looks at the clock.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any

_BINDING = re.compile(r"\{mechanics\.([A-Za-z0-9_.]*)\}")

#: Above this many invites a threshold is rarely reached (the seeds' rule: ≤ 15).
MAX_THRESHOLD = 15

#: Binding names and what each needs, for messages.
NAMES = {
    "threshold": "mechanics.threshold or mechanics.tiers",
    "tiers": "mechanics.tiers",
    "ladder": "mechanics.tiers",
    "top_invites": "mechanics.threshold or mechanics.tiers",
    "top_reward": "mechanics.tiers or mechanics.inviter_reward",
    "inviter_reward": "mechanics.inviter_reward or mechanics.tiers",
    "invitee_reward": "mechanics.invitee_reward",
    "stock": "mechanics.stock",
    "participants": "mechanics.participants",
    "deadline": "mechanics.deadline",
    "deadline_date": "mechanics.deadline",
    "ends": "mechanics.deadline",
    "deadline_iso": "mechanics.deadline",
}

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# --------------------------------------------------------------------------- language


def language_of(lang: str | None, headline: str | None) -> str:
    """'zh' or 'en': the campaign's language by the landing page's rule
    (:func:`postergen.textclean.page_language`)."""
    from .textclean import page_language

    return "zh" if page_language(lang, headline).lower().startswith("zh") else "en"


def spec_language(spec) -> str:
    """:func:`language_of` a validated spec."""
    return language_of(spec.landing.lang if spec.landing else None, spec.poster.headline)


def _raw_language(data: dict) -> str:
    landing = data.get("landing") if isinstance(data.get("landing"), dict) else {}
    poster = data.get("poster") if isinstance(data.get("poster"), dict) else {}
    lang, headline = landing.get("lang"), poster.get("headline")
    return language_of(lang if isinstance(lang, str) else None, headline if isinstance(headline, str) else None)


# --------------------------------------------------------------------------- formatting


def number(n: int) -> str:
    """'500', '5000', '12,000': separators from five digits on."""
    return f"{n:,}" if n >= 10_000 else str(n)


def deadline_text(when: dt.datetime, lang: str, date_only: bool = False) -> str:
    """The deadline as posters print it, in its own time zone: '7月14日 23:59' or
    'Jul 14, 23:59' (no year: a campaign runs for weeks)."""
    if lang == "zh":
        day = f"{when.month}月{when.day}日"
        return day if date_only else f"{day} {when:%H:%M}"
    day = f"{_MONTHS[when.month - 1]} {when.day}"
    return day if date_only else f"{day}, {when:%H:%M}"


def tier_label(invites: int, lang: str) -> str:
    """The step label of a ladder: '邀3人' or '3 friends'."""
    if lang == "zh":
        return f"邀{invites}人"
    return f"{invites} friend" + ("" if invites == 1 else "s")


def threshold_of(mech) -> int | None:
    """The threshold: as given, else the first tier's invites."""
    if mech.threshold is not None:
        return mech.threshold
    return mech.tiers[0].invites if mech.tiers else None


def bindings(mech, lang: str) -> dict[str, Any]:
    """The ``mechanics.*`` binding data of a :class:`~postergen.spec.Mechanics` (values
    are text; a binding with no value is None)."""
    threshold = threshold_of(mech)
    tiers = [
        {"invites": str(t.invites), "reward": t.reward, "label": tier_label(t.invites, lang)}
        for t in mech.tiers
    ]
    inviter = mech.inviter_reward or (mech.tiers[0].reward if mech.tiers else None)
    top = mech.tiers[-1] if mech.tiers else None
    ladder = tiers
    if not tiers and threshold is not None and mech.inviter_reward:
        ladder = [{"invites": str(threshold), "reward": mech.inviter_reward, "label": tier_label(threshold, lang)}]
    out: dict[str, Any] = {
        "threshold": str(threshold) if threshold is not None else None,
        "tiers": tiers,
        "ladder": ladder,
        "top_invites": str(top.invites) if top else (str(threshold) if threshold is not None else None),
        "top_reward": top.reward if top else inviter,
        "inviter_reward": inviter,
        "invitee_reward": mech.invitee_reward,
        "stock": number(mech.stock) if mech.stock is not None else None,
        "participants": number(mech.participants) if mech.participants is not None else None,
        "deadline": None,
        "deadline_date": None,
        "ends": None,
        "deadline_iso": None,
    }
    if mech.deadline is not None:
        d = mech.deadline
        out["deadline"] = deadline_text(d, lang)
        out["deadline_date"] = deadline_text(d, lang, date_only=True)
        out["ends"] = f"{out['deadline']} 截止" if lang == "zh" else f"Ends {out['deadline']}"
        out["deadline_iso"] = d.isoformat()
    return out


def spec_bindings(spec) -> dict[str, Any] | None:
    """The ``mechanics`` binding data of a validated campaign (None without mechanics)."""
    if spec.mechanics is None:
        return None
    return bindings(spec.mechanics, spec_language(spec))


# --------------------------------------------------------------------------- copy


def uses_bindings(text: str) -> bool:
    return "{mechanics." in text


def fill_copy(data: dict, text_fields) -> tuple[dict, list[tuple[tuple, str, str]]]:
    """Raw spec *data* with every ``{mechanics.…}`` in its display texts filled in.

    *text_fields* is ``[(loc, text)]`` of the display texts (the loader's walk).  *data*
    itself is not changed (a variant applies its overrides to the unfilled copy); a copy
    is made only when some text uses a binding.  Returns (data, [(loc, message,
    severity)]) — a binding with no value or an unknown name is an error at its text.
    """
    from pydantic import ValidationError

    from .spec import Mechanics

    used = [(loc, text) for loc, text in text_fields if uses_bindings(text)]
    if not used:
        return data, []
    raw = data.get("mechanics")
    values = None
    if isinstance(raw, dict):
        try:
            values = bindings(Mechanics.model_validate(raw), _raw_language(data))
        except ValidationError:
            return data, []  # reported by the spec's validation; nothing is drawn
    problems = []
    filled = copy.deepcopy(data)
    for loc, text in used:
        out, bad = _fill(text, values)
        problems += [(loc, message, "error") for message in bad]
        if not bad:
            node = filled
            for key in loc[:-1]:
                node = node[key]
            node[loc[-1]] = out
    return filled, problems


def _fill(text: str, values: dict | None) -> tuple[str, list[str]]:
    bad: list[str] = []

    def one(m: re.Match) -> str:
        name = m.group(1)
        if values is None:
            bad.append(f"'{m.group(0)}' needs a mechanics section, e.g. mechanics: {{threshold: 3}}")
            return m.group(0)
        if name not in NAMES or name in ("tiers", "ladder"):
            known = ", ".join(n for n in NAMES if n not in ("tiers", "ladder"))
            bad.append(f"unknown binding '{m.group(0)}'; mechanics bindings: {known} (and tiers.N.invites, tiers.N.reward)")
            return m.group(0)
        value = values.get(name)
        if value is None:
            bad.append(f"'{m.group(0)}' has no value: set {NAMES[name]}")
            return m.group(0)
        return value

    def tier(m: re.Match) -> str | None:
        parts = m.group(1).split(".")
        if len(parts) == 3 and parts[0] == "tiers" and parts[1].isdigit() and parts[2] in ("invites", "reward", "label"):
            tiers = (values or {}).get("tiers") or []
            i = int(parts[1])
            if values is not None and i >= len(tiers):
                bad.append(f"'{m.group(0)}' has no value: mechanics.tiers has {len(tiers)} step(s), numbered from 0")
                return m.group(0)
            if values is not None:
                return tiers[i][parts[2]]
        return None

    def sub(m: re.Match) -> str:
        got = tier(m)
        return got if got is not None else one(m)

    return _BINDING.sub(sub, text), bad


# --------------------------------------------------------------------------- checks


def problems(data: dict) -> list[tuple[tuple, str, str]]:
    """Checks of raw *data*'s mechanics that need more than one field: (loc, message,
    severity).  The tiers go up, the first tier is the threshold, the threshold is low."""
    raw = data.get("mechanics") if isinstance(data, dict) else None
    if not isinstance(raw, dict):
        return []
    from pydantic import ValidationError

    from .spec import Mechanics

    try:
        mech = Mechanics.model_validate(raw)
    except ValidationError:
        return []  # the spec's validation reports it
    out = []
    for i, (lower, tier) in enumerate(zip(mech.tiers, mech.tiers[1:]), start=1):
        if tier.invites <= lower.invites:
            out.append(
                (("mechanics", "tiers", i, "invites"),
                 f"the tiers must go up: step {i + 1} asks for {tier.invites} invites, step {i} already for "
                 f"{lower.invites}; list the steps from the fewest invites to the most", "error")
            )
    if mech.threshold is not None and mech.tiers and mech.tiers[0].invites != mech.threshold:
        out.append(
            (("mechanics", "tiers", 0, "invites"),
             f"the first tier must be the threshold ({mech.threshold} invites), not {mech.tiers[0].invites}; "
             "change one of them, or leave threshold out (it is then the first tier's invites)", "error")
        )
    threshold = threshold_of(mech)
    if threshold is not None and threshold > MAX_THRESHOLD:
        where = ("mechanics", "threshold") if mech.threshold is not None else ("mechanics", "tiers", 0, "invites")
        out.append(
            (where,
             f"a threshold of {threshold} invites is rarely reached; keep it at {MAX_THRESHOLD} or less "
             "(reward more invites with higher tiers)", "warning")
        )
    return out


def deadline_problems(loaded, now: dt.datetime | None = None) -> list:
    """Warnings for a deadline that has passed or is less than a day away (at *now*,
    default the current time), in the base spec and in each variant and channel."""
    from .errors import Problem
    from .yamlsrc import line_of

    now = now or dt.datetime.now(dt.timezone.utc)
    out, seen = [], set()
    specs = [("", loaded)] + [(f"variant '{name}'", v) for name, _, _, v in (loaded.variant_list() if loaded.variants else ())]
    specs += [(f"channel '{ch}'" + (f" of variant '{vn}'" if loaded.variants else ""), v) for (vn, ch), v in loaded.channel_specs]
    for where, v in specs:
        mech = v.spec.mechanics
        if mech is None or mech.deadline is None or mech.deadline in seen:
            continue
        seen.add(mech.deadline)
        left = mech.deadline - now
        shown = mech.deadline.isoformat()
        if left <= dt.timedelta(0):
            message = f"the deadline {shown} has passed; posters and pages would announce an ended campaign"
        elif left < dt.timedelta(days=1):
            hours = left.total_seconds() / 3600
            message = f"the deadline {shown} is less than a day away ({hours:.0f} h); check it before printing or sharing"
        else:
            continue
        path = "mechanics.deadline" if not where else where
        if where:
            message = f"mechanics.deadline: {message}"
        out.append(Problem(message, file=str(loaded.path), line=line_of(loaded.raw, ("mechanics", "deadline")), path=path, severity="warning"))
    return out
