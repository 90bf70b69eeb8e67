"""Simulate two weeks of the ab-report campaign: events, leads and personal codes with a
known ground truth, so `postergen report` can be checked against it and shown in the docs.

    python examples/make_events.py            # rewrites examples/ab-report/events/

Writes, into examples/ab-report/events/ (the shape `postergen leads export` writes):

* ``events.csv`` — scan (short-link hit), view (landing page view), submit, claim;
* ``leads.csv`` — one row per phone number, with ``ref`` (the inviter's personal code)
  and ``own_code`` (the lead's own code once it asked for its own poster);
* ``people.csv`` — the batch's personal codes of 30 members who seed the invites;
* ``costs.csv`` — what each channel cost.

The ground truth (what a correct report must find):

* **The reward works, the headline does not.**  A visitor converts with the channel's
  base rate (朋友圈 10%, 微信群 12%, 门店海报 8%) × 1.4 when the variant's reward is
  ``free`` (新品 0 元领); the headline factor has no effect.  So ``invite-free`` and
  ``taste-free`` truly convert better than the control ``invite-half``; ``taste-half``
  truly does not differ from it.
* **The split is even** (four variants, equal weights): no sample-ratio mismatch.
* **A three-level invite tree.**  Seeds (level 0) and channel leads invite friends
  (level 1); a third of leads ask for their own poster; level-1 and level-2 inviters
  invite again; level 3 is the last one (nobody there invites).
* **Counted apart:** 7 leads carry the code of an old poster (``Q3RZW8NA``) and 3 carry
  no code at all.
* Each visitor views 1-3 times (views count distinct visitors); about 65% of leads claim.

Everything is drawn from ``random.Random(20260701)``: the files are the same on every run.
"""

from __future__ import annotations

import hashlib
import random
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from postergen.codes import secret_for  # noqa: E402
from postergen.csvsafe import csv_text  # noqa: E402
from postergen.jobs import codes_for  # noqa: E402
from postergen.loader import load_campaign  # noqa: E402
from postergen.batch.person import personal_code  # noqa: E402

FOLDER = ROOT / "examples" / "ab-report"
OUT = FOLDER / "events"
START = datetime(2026, 6, 30, 16, 0, tzinfo=timezone.utc)  # 2026-07-01 00:00 in Shanghai
DAYS = 14
SCANS = {"moments": 1700, "groups": 1300, "store": 900}
VISIT = {"moments": 0.85, "groups": 0.88, "store": 0.7}  # a scan that opens the page
BASE = {"moments": 0.10, "groups": 0.12, "store": 0.08}
REWARD_LIFT = {"half": 1.0, "free": 1.4}
SEEDS = 30
OWN_POSTER = 1 / 3  # a lead that asks for its own poster (becomes an inviter)
INVITE_VISITS = {0: 3.2, 1: 2.6, 2: 2.2}  # friends who open an inviter's link, by inviter level
INVITE_CONVERSION = 0.35  # a friend who opens the link and signs up (before the reward lift)
STRAY_CODE, STRAY_LEADS, NO_CODE_LEADS = "Q3RZW8NA", 7, 3
COSTS = {"moments": 1200, "groups": 600, "store": 2400}


def main() -> None:
    rng = random.Random(20260701)
    loaded = load_campaign(FOLDER)
    spec = loaded.spec
    rows, _ = codes_for(loaded, {})
    secret, _ = secret_for(spec, {})
    code = {(r.channel, r.variant): r.code for r in rows}
    variants = [(name, factors) for name, _, factors, _ in loaded.variant_list()]
    medium = {ch.id: ch.medium for ch in spec.channels}
    events, leads, people = [], [], []
    visitor_n = [0]

    def stamp(t: datetime) -> str:
        return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"

    def new_visitor() -> str:
        visitor_n[0] += 1
        return hashlib.sha256(f"visitor-{visitor_n[0]}".encode()).hexdigest()[:16]

    def event(t, kind, channel, variant, ref="", visitor=""):
        events.append({"time": t, "kind": kind, "code": code[(channel, variant)], "channel": channel,
                       "variant": variant, "ref": ref, "visitor": visitor, "utm_source": channel,
                       "utm_medium": medium[channel], "utm_campaign": spec.campaign.id, "utm_content": variant})

    def personal(channel: str, variant: str, person: str) -> str:
        """The code `postergen batch` (and serve, on demand) gives this person."""
        return personal_code(secret, spec.campaign.id, channel, variant, person, spec.tracking.code_length)

    def visit(t, channel, rate, ref=""):
        """One visitor: the split assigns a variant; views; maybe a lead; maybe a claim."""
        name, factors = variants[rng.randrange(len(variants))]
        who = new_visitor()
        event(t, "scan", channel, name, ref, who)
        for k in range(rng.choice((1, 1, 1, 2, 3))):
            event(t + timedelta(seconds=3 + 90 * k), "view", channel, name, ref, who)
        if rng.random() >= rate * REWARD_LIFT[factors["reward"]]:
            return None
        when = t + timedelta(seconds=rng.randint(20, 600))
        event(when, "submit", channel, name, ref, who)
        lead = {"time": when, "code": code[(channel, name)], "channel": channel, "variant": name, "ref": ref,
                "own_code": "", "phone_hash": hashlib.sha256(f"phone-{len(leads)}".encode()).hexdigest(),
                "visitor": who}
        leads.append(lead)
        if rng.random() < 0.65:
            event(when + timedelta(hours=rng.uniform(1, 72)), "claim", channel, name, ref, who)
        return lead

    def invites(t, channel, ref, level):
        """The friends an inviter at *level* brings (nobody at level 3 invites)."""
        if level >= 3:
            return
        mean = INVITE_VISITS[level]
        for _ in range(_poisson(rng, mean)):
            friend_t = t + timedelta(hours=rng.uniform(2, 60))
            if friend_t >= START + timedelta(days=DAYS):
                continue
            lead = visit(friend_t, channel, INVITE_CONVERSION, ref)
            if lead is not None:
                become_inviter(lead, level + 1)

    def become_inviter(lead, level):
        if level < 3 and rng.random() < OWN_POSTER:
            lead["own_code"] = personal(lead["channel"], lead["variant"], f"lead-{lead['phone_hash'][:12]}")
            invites(lead["time"], lead["channel"], lead["own_code"], level)

    # Seeds: 30 members with personal posters for 朋友圈, the control variant.
    for i in range(1, SEEDS + 1):
        pid = f"m{i:03d}"
        pcode = personal("moments", variants[0][0], pid)
        people.append({"id": pid, "row": i + 1, "nickname": f"会员{i:02d}", "code": pcode, "channel": "moments",
                       "variant": variants[0][0], "status": "ok"})
        invites(START + timedelta(hours=rng.uniform(0, 24 * 5)), "moments", pcode, 0)

    # Channel traffic, heavier in the first week.
    for channel, n in SCANS.items():
        for _ in range(n):
            t = START + timedelta(days=DAYS * rng.betavariate(1.2, 1.8), seconds=rng.randint(0, 59))
            if rng.random() > VISIT[channel]:  # a scan that never opens the page
                name = variants[rng.randrange(len(variants))][0]
                event(t, "scan", channel, name, "", new_visitor())
                continue
            lead = visit(t, channel, BASE[channel])
            if lead is not None:
                become_inviter(lead, 0)

    # Counted apart: an old poster's code, and leads without a code.
    for i in range(STRAY_LEADS + NO_CODE_LEADS):
        t = START + timedelta(days=rng.uniform(0, DAYS))
        leads.append({"time": t, "code": STRAY_CODE if i < STRAY_LEADS else "", "channel": "", "variant": "", "ref": "",
                      "own_code": "", "phone_hash": hashlib.sha256(f"stray-{i}".encode()).hexdigest(), "visitor": ""})

    events.sort(key=lambda e: e["time"])
    leads.sort(key=lambda e: e["time"])
    OUT.mkdir(parents=True, exist_ok=True)
    ev_fields = ["id", "time", "kind", "code", "channel", "variant", "ref", "visitor",
                 "utm_source", "utm_medium", "utm_campaign", "utm_content"]
    _write(OUT / "events.csv", ev_fields, [{**e, "id": i + 1, "time": stamp(e["time"])} for i, e in enumerate(events)])
    lead_fields = ["id", "time", "campaign", "code", "channel", "variant", "ref", "own_code", "phone_hash"]
    _write(OUT / "leads.csv", lead_fields,
           [{**e, "id": i + 1, "time": stamp(e["time"]), "campaign": spec.campaign.id} for i, e in enumerate(leads)])
    _write(OUT / "people.csv", ["id", "row", "nickname", "code", "channel", "variant", "status"], people)
    _write(OUT / "costs.csv", ["channel", "cost"], [{"channel": k, "cost": v} for k, v in COSTS.items()])
    print(f"{len(events)} events, {len(leads)} leads, {len(people)} people → {OUT.relative_to(ROOT)}")


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _write(path: Path, fields: list[str], rows: list[dict]) -> None:
    path.write_text(csv_text(fields, rows), encoding="utf-8")


if __name__ == "__main__":
    main()
