"""`postergen report`: figures checked against values computed by hand on small fixtures.

Statistics (Wilson, Newcombe, Beta–Binomial P(best), χ² SRM), funnel counts with unknown
codes counted apart, the invite tree (levels, K-factor, threshold), CSV mapping errors
with row and column, SQLite as a source, and the CLI on the bundled ab-report example
against the ground truth its generator put in.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import make_campaign
from reportdata import event, lead, write_csv, write_sqlite

from postergen.jobs import codes_for
from postergen.loader import load_campaign
from postergen.report import ReportInputError, report
from postergen.report import stats
from postergen.report.compute import compute
from postergen.report.sources import parse_time, read_source

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "ab-report"
UTC = timezone.utc


# --------------------------------------------------------------------------- statistics


def test_wilson_interval_by_hand():
    # p = 0.1, n = 100, z = 1.96: centre (0.1 + z²/200) / (1 + z²/100) = 0.11479, half-width 0.05957
    lo, hi = stats.wilson(10, 100)
    assert (round(lo, 4), round(hi, 4)) == (0.0552, 0.1744)
    # the ends: 0 of 10 and 10 of 10 (upper bound z²/(n+z²) = 3.8415/13.8415)
    assert stats.wilson(0, 10) == (0.0, pytest.approx(3.841459 / 13.841459, abs=1e-6))
    assert stats.wilson(10, 10) == (pytest.approx(10 / 13.841459, abs=1e-6), 1.0)
    assert stats.wilson(1, 0) is None and stats.wilson(3, 2) is None


def test_newcombe_difference_matches_the_published_example():
    # Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 − 48/80, method 10: 0.0524 to 0.3339
    d, lo, hi = stats.newcombe(56, 70, 48, 80)
    assert (round(d, 4), round(lo, 4), round(hi, 4)) == (0.2, 0.0524, 0.3339)


def _miller(x1, n1, x2, n2) -> float:
    """P(rate 2 > rate 1) in closed form (Evan Miller's formula, integer Beta parameters)."""
    a1, b1, a2, b2 = 1 + x1, 1 + n1 - x1, 1 + x2, 1 + n2 - x2

    def lbeta(a, b):
        return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)

    return sum(math.exp(lbeta(a1 + i, b1 + b2) - math.log(b2 + i) - lbeta(1 + i, b2) - lbeta(a1, b1)) for i in range(a2))


def test_probability_of_being_best_exact_cases():
    # Beta(2,1) against Beta(1,1): ∫ 2p · p dp = 2/3
    assert stats.prob_best([(1, 1), (0, 0)]) == pytest.approx([2 / 3, 1 / 3], abs=1e-6)
    # identical arms split evenly
    assert stats.prob_best([(5, 50), (5, 50), (5, 50)]) == pytest.approx([1 / 3] * 3, abs=1e-6)
    for arms in [((120, 1000), (150, 1000)), ((3, 40), (9, 41)), ((900, 10000), (960, 10100))]:
        exact = _miller(*arms[0], *arms[1])
        assert stats.prob_best(list(arms))[1] == pytest.approx(exact, abs=1e-4)


def test_probability_of_being_best_agrees_with_monte_carlo():
    arms = [(120, 1000), (150, 1000), (130, 1000), (40, 300)]
    exact = stats.prob_best(arms)
    drawn = stats.prob_best_mc(arms, draws=40_000, seed=7)
    assert sum(exact) == pytest.approx(1.0)
    # 40,000 draws: standard error ≤ 0.0025, so 0.012 is about five of them
    assert max(abs(a - b) for a, b in zip(exact, drawn)) < 0.012


def test_chi_square_tail_and_srm():
    assert stats.chi2_sf(3.841458820694124, 1) == pytest.approx(0.05, abs=1e-9)
    assert stats.chi2_sf(5.991464547107979, 2) == pytest.approx(0.05, abs=1e-9)
    assert stats.chi2_sf(11.070497693516351, 5) == pytest.approx(0.05, abs=1e-9)
    even = stats.srm([500, 500], [1, 1])
    assert even["chi2"] == 0 and even["p"] == pytest.approx(1.0) and not even["mismatch"]
    # 600/400 against 50/50: χ² = 2 × 100²/500 = 40, p = erfc(√20) ≈ 2.5e-10
    skew = stats.srm([600, 400], [1, 1])
    assert skew["chi2"] == pytest.approx(40.0) and skew["p"] == pytest.approx(math.erfc(math.sqrt(20)), rel=1e-6)
    assert skew["mismatch"]
    # weights count: 600/400 is exactly right for a 3:2 split
    assert stats.srm([600, 400], [3, 2])["chi2"] == pytest.approx(0.0)


def test_sample_size_formula():
    # 10% vs 12%: (1.95996·√(2·0.11·0.89) + 0.84162·√(0.09 + 0.1056))² / 0.02²
    #   = (0.86727 + 0.37222)² / 0.0004 = 3840.85 → 3,841 per arm
    assert stats.sample_size(0.10, 0.12) == 3841
    assert stats.sample_size(0.1, 0.1) is None


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def ab_campaign(tmp_path):
    spec = make_campaign(tmp_path / "campaign", {
        "channels": [{"id": "moments", "name": "朋友圈"}, {"id": "groups", "name": "微信群"}],
        "variants": [{"name": "a"}, {"name": "b", "set": {"poster.subheadline": "好友助力立享"}}],
    })
    loaded = load_campaign(spec)
    rows, _ = codes_for(loaded, {})
    return loaded, {(r.channel, r.variant): r.code for r in rows}


T0 = "2026-07-03T01:00:00.000Z"  # 09:00 in Shanghai


def small_rows(code):
    """A funnel to count by hand (see test_funnel_counts_by_hand)."""
    ma, gb = code[("moments", "a")], code[("groups", "b")]
    events = [
        event(T0, "scan", ma, "v1"), event(T0, "scan", ma, "v2"), event(T0, "scan", ma, ""),
        event("2026-07-03T01:00:05Z", "view", ma, "v1"), event("2026-07-03T01:10:00Z", "view", ma, "v1"),
        event("2026-07-03T01:00:09Z", "view", ma, "v2"),
        event("2026-07-03T20:00:00Z", "scan", gb, "v3"), event("2026-07-03T20:00:01Z", "view", gb, "v3"),
        event("2026-07-03T21:00:00Z", "view", "ZZZZ9999", "v9"),
        event("2026-07-04T02:00:00Z", "claim", ma, "v1"),
        event("2026-07-04T02:00:00Z", "beacon", ma, "v1"),
    ]
    leads = [
        lead("2026-07-03T01:02:00Z", ma),
        lead("2026-07-03T20:05:00Z", gb),
        lead("2026-07-03T21:05:00Z", "zzzz-9999"),  # the unknown code, as a person typed it
        lead("2026-07-03T22:00:00Z", ""),
    ]
    return events, leads


def figures(loaded, source, **options):
    from postergen.report import resolve_tz

    tz, name, where = resolve_tz(loaded.spec, options.pop("tz", None))
    rows, _ = codes_for(loaded, {})
    data = read_source(source, loaded.spec.campaign.id, tz, options.pop("mapping", None))
    return compute(loaded, rows, data, tz=tz, tz_name=name, tz_from=where, **options)


def test_funnel_counts_by_hand(ab_campaign, tmp_path):
    loaded, code = ab_campaign
    events, leads = small_rows(code)
    f = figures(loaded, write_csv(tmp_path / "csv", events, leads))
    cells = {(r["channel"], r["variant"]): r for r in f["funnel"]}
    ma = cells[("moments", "a")]
    assert (ma["scans"], ma["visitors"], ma["leads"], ma["claims"]) == (3, 2, 1, 1)
    assert ma["conversion"]["rate"] == 0.5
    assert (ma["conversion"]["lo"], ma["conversion"]["hi"]) == pytest.approx(stats.wilson(1, 2))
    gb = cells[("groups", "b")]
    assert (gb["scans"], gb["visitors"], gb["leads"], gb["claims"]) == (1, 1, 1, 0)
    assert (cells[("groups", "a")]["scans"], cells[("groups", "a")]["leads"]) == (0, 0)
    # counted apart, never dropped: the unknown code (both spellings are one code) and the lead with none
    assert f["unknown_codes"] == [{"code": "ZZZZ9999", "as_written": "ZZZZ9999", "scans": 0, "views": 1, "leads": 1,
                                   "first": "2026-07-03T21:00:00Z", "last": "2026-07-03T21:05:00Z"}]
    assert cells[("(unknown code)", "")]["leads"] == 1 and cells[("(no code)", "")]["leads"] == 1
    t = f["totals"]
    assert (t["scans"], t["visitors"], t["leads"], t["claims"]) == (4, 4, 4, 1)
    assert any("unknown code" in w and "counted apart" in w for w in f["warnings"])
    assert any("beacon × 1" in n for n in f["notes"])
    # days in Asia/Shanghai (the default): 20:00Z on the 3rd is already the 4th there
    assert [(d["date"], d["visitors"], d["leads"]) for d in f["daily"]] == [("2026-07-03", 2, 1), ("2026-07-04", 2, 3)]
    assert f["timezone"] == {"name": "Asia/Shanghai", "from": "default"}
    by_channel = {r["channel"]: r for r in f["channels"]}
    assert (by_channel["moments"]["visitors"], by_channel["groups"]["leads"]) == (2, 1)


def test_same_figures_from_sqlite_and_csv(ab_campaign, tmp_path):
    loaded, code = ab_campaign
    events, leads = small_rows(code)
    other = [event(T0, "view", code[("moments", "a")], "x", campaign="another-campaign")]
    a = figures(loaded, write_csv(tmp_path / "csv", events, leads))
    b = figures(loaded, write_sqlite(tmp_path / "events.db", events + other, leads))
    for key in ("totals", "funnel", "daily", "unknown_codes", "ab", "fission"):
        assert a[key] == b[key], key
    assert b["source"]["kind"] == "sqlite"
    assert "1 events rows of other campaigns were left out" in b["notes"]


def test_since_until_and_time_zone(ab_campaign, tmp_path):
    loaded, code = ab_campaign
    events, leads = small_rows(code)
    src = write_csv(tmp_path / "csv", events, leads)
    f = figures(loaded, src, since=datetime(2026, 7, 3, 20, tzinfo=UTC))
    assert f["totals"]["leads"] == 3 and f["totals"]["scans"] == 1
    utc = figures(loaded, src, tz="UTC")
    assert [d["date"] for d in utc["daily"]] == ["2026-07-03", "2026-07-04"]
    assert [d["leads"] for d in utc["daily"]] == [4, 0]
    with pytest.raises(ReportInputError, match="unknown time zone 'Mars/Olympus'"):
        figures(loaded, src, tz="Mars/Olympus")


def test_srm_warning_fires_on_a_skewed_split(ab_campaign, tmp_path):
    loaded, code = ab_campaign
    events = [event(T0, "view", code[("moments", "a")], f"a{i}") for i in range(600)]
    events += [event(T0, "view", code[("moments", "b")], f"b{i}") for i in range(400)]
    leads = [lead(T0, code[("moments", "a")]) for _ in range(60)] + [lead(T0, code[("moments", "b")]) for _ in range(40)]
    f = figures(loaded, write_csv(tmp_path / "csv", events, leads))
    assert f["ab"]["srm"]["mismatch"] and f["ab"]["srm"]["chi2"] == pytest.approx(40.0)
    assert any(w.startswith("sample ratio mismatch") and "a 60.0% (expected 50.0%)" in w for w in f["warnings"])
    # an even split does not warn
    events = [event(T0, "view", code[("moments", v)], f"{v}{i}") for v in "ab" for i in range(500)]
    f = figures(loaded, write_csv(tmp_path / "even", events, leads))
    assert not f["ab"]["srm"]["mismatch"] and not any("sample ratio" in w for w in f["warnings"])


def test_ab_readout_against_the_control(ab_campaign, tmp_path):
    loaded, code = ab_campaign
    events = [event(T0, "view", code[("moments", v)], f"{v}{i}") for v in "ab" for i in range(1000)]
    leads = [lead(T0, code[("moments", "a")]) for _ in range(100)] + [lead(T0, code[("moments", "b")]) for _ in range(150)]
    f = figures(loaded, write_csv(tmp_path / "csv", events, leads))
    ab = f["ab"]
    assert ab["control"] == "a" and ab["control_rule"] == "the first variant without overrides"
    a, b = ab["arms"]
    assert (a["visitors"], a["leads"], b["visitors"], b["leads"]) == (1000, 100, 1000, 150)
    d, lo, hi = stats.newcombe(150, 1000, 100, 1000)
    assert (b["diff"], b["diff_lo"], b["diff_hi"]) == pytest.approx((d, lo, hi)) and lo > 0
    assert b["status"] == "better"
    assert b["p_best"] == pytest.approx(_miller(100, 1000, 150, 1000), abs=1e-4)
    # small samples are never called
    events = [event(T0, "view", code[("moments", v)], f"{v}{i}") for v in "ab" for i in range(40)]
    leads = [lead(T0, code[("moments", "a")]) for _ in range(2)] + [lead(T0, code[("moments", "b")]) for _ in range(12)]
    f = figures(loaded, write_csv(tmp_path / "small", events, leads))
    assert f["ab"]["arms"][1]["status"] == "too small to decide"
    assert any(w.startswith("samples too small to decide for 2 variants") for w in f["warnings"])


# --------------------------------------------------------------------------- the invite tree


def tree_rows():
    """Seeds S1, S2; S1 → L1(A), L2, L3(B); A → L4(C), L5; C → L6; channel lead L7(D) → L8;
    L9 invited by an unknown code."""
    t = iter(f"2026-07-0{d}T0{h}:00:00Z" for d in range(3, 9) for h in range(1, 10))
    return [
        lead(next(t), ref="S1S1S1S1", own_code="AAAA1111"),
        lead(next(t), ref="S1S1S1S1"),
        lead(next(t), ref="S1S1S1S1", own_code="BBBB2222"),
        lead(next(t), ref="AAAA1111", own_code="CCCC3333"),
        lead(next(t), ref="AAAA1111"),
        lead(next(t), ref="CCCC3333"),
        lead(next(t), own_code="DDDD4444"),
        lead(next(t), ref="DDDD4444"),
        lead(next(t), ref="ZZZZ9999"),
    ]


def _tree(ab_campaign, tmp_path, leads, threshold=3):
    loaded, code = ab_campaign
    for x in leads:
        x["code"] = code[("moments", "a")]
    people = tmp_path / "people.csv"
    people.write_text("id,code,nickname\nm1,S1S1S1S1,小李\nm2,S2S2S2S2,小王\n", encoding="utf-8")
    from postergen.report.sources import read_people

    return figures(loaded, write_csv(tmp_path / "csv", [], leads), people=read_people(people), threshold=threshold,
                   threshold_from="--threshold")["fission"]


def test_invite_tree_levels_and_k_factor_by_hand(ab_campaign, tmp_path):
    fi = _tree(ab_campaign, tmp_path, tree_rows())
    assert [(lv["level"], lv["participants"]) for lv in fi["levels"]] == [(0, 3), (1, 5), (2, 2), (3, 1)]
    assert fi["max_level"] == 3
    assert (fi["seeds"], fi["participants"], fi["referred"], fi["sharers"]) == (2, 11, 8, 6)
    assert fi["k_factor"] == pytest.approx(8 / 6)
    assert fi["invites_per_participant"] == pytest.approx(8 / 11)
    # per level: L0 sharers S1, S2, D bring 3 + 0 + 1; L1 sharers A, B bring 2; L2 sharer C brings 1
    assert [(lv["sharers"], lv["inviters"], lv["invited_next"]) for lv in fi["levels"]] == [(3, 2, 4), (2, 1, 2), (1, 1, 1), (0, 0, 0)]
    assert fi["tree_depths"] == [{"depth": 0, "trees": 1}, {"depth": 1, "trees": 2}, {"depth": 3, "trees": 1}]
    assert fi["unknown_refs"] == [{"ref": "ZZZZ9999", "leads": 1}]
    by_code = {r["code"]: r for r in fi["inviters"]}
    s1 = by_code["S1S1S1S1"]
    assert (s1["person"], s1["nickname"], s1["invited"], s1["descendants"], s1["depth"]) == ("m1", "小李", 3, 6, 3)
    assert s1["reached_threshold"] and s1["reached_at"] == "2026-07-03T03:00:00Z"  # its third invitee's time
    assert (by_code["AAAA1111"]["level"], by_code["AAAA1111"]["invited"], by_code["AAAA1111"]["reached_threshold"]) == (1, 2, False)
    assert by_code["CCCC3333"]["level"] == 2 and by_code["DDDD4444"]["level"] == 0
    assert fi["reached"] == 1 and fi["threshold"] == 3 and fi["threshold_from"] == "--threshold"
    assert fi["inviters"][0]["code"] == "S1S1S1S1"


def test_invite_loop_is_reported_not_followed(ab_campaign, tmp_path):
    rows = [lead("2026-07-03T01:00:00Z", ref="EEEE5555", own_code="FFFF6666"),
            lead("2026-07-03T02:00:00Z", ref="FFFF6666", own_code="EEEE5555")]
    fi = _tree(ab_campaign, tmp_path, rows)
    assert fi["looped"] == 2


def test_a_long_chain_does_not_exhaust_the_stack(ab_campaign, tmp_path):
    rows = [lead("2026-07-03T01:00:00Z", ref="S1S1S1S1", own_code="C0000000")]
    for i in range(1, 3000):
        rows.append(lead("2026-07-03T01:00:00Z", ref=f"C{i - 1:07d}", own_code=f"C{i:07d}"))
    fi = _tree(ab_campaign, tmp_path, rows)
    assert fi["max_level"] == 3000 and fi["inviters"][0]["descendants"] == 3000


# --------------------------------------------------------------------------- input errors


def test_crm_export_is_read_with_a_mapping(ab_campaign, tmp_path):
    loaded, code = ab_campaign
    path = tmp_path / "crm.csv"
    path.write_text("提交时间,渠道码,邀请人\n2026-07-03 09:15:00,%s,\n2026/7/3 10:00,%s,S1S1S1S1\n" %
                    (code[("moments", "a")], code[("groups", "b")]), encoding="gb18030")
    f = figures(loaded, path, mapping={"time": "提交时间", "code": "渠道码", "ref": "邀请人"})
    assert f["totals"]["leads"] == 2 and f["totals"]["invited_leads"] == 1
    assert f["period"]["first"] == "2026-07-03T01:15:00Z"  # a time without an offset is read in Asia/Shanghai
    assert not f["source"]["has_events"]


def test_csv_mapping_errors_name_row_and_column(ab_campaign, tmp_path):
    loaded, _ = ab_campaign
    path = tmp_path / "crm.csv"
    path.write_text("提交时间,渠道码\n2026-07-03 09:15,AAAA\n2026-13-45 10:00,BBBB\n\nyesterday,CCCC\n", encoding="utf-8")
    with pytest.raises(ReportInputError) as exc:
        figures(loaded, path, mapping={"time": "提交时间", "code": "渠道码"})
    lines = [str(p) for p in exc.value.problems]
    assert lines == [
        f"{path}:3: column '提交时间' (time): '2026-13-45 10:00' is not a date-time; write ISO 8601 such as "
        "2026-07-03T08:15:02Z or 2026-07-03 16:15:02 (read in --tz)",
        f"{path}:5: column '提交时间' (time): 'yesterday' is not a date-time; write ISO 8601 such as "
        "2026-07-03T08:15:02Z or 2026-07-03 16:15:02 (read in --tz)",
    ]
    with pytest.raises(ReportInputError) as exc:
        figures(loaded, path, mapping={"time": "时间", "code": "渠道码"})
    assert str(exc.value) == f"{path}:1: --map time=时间: there is no column '时间'; the header has: 提交时间, 渠道码"
    with pytest.raises(ReportInputError, match=r"--map: --map tiem=…: 'tiem' is not a field; fields: id, time, code"):
        figures(loaded, path, mapping={"tiem": "提交时间"})
    with pytest.raises(ReportInputError, match=r"crm.csv:1: no column 'time'; the header has: 提交时间, 渠道码 — rename the "
                                               r"column or map it with --map time=<header>"):
        figures(loaded, path)


def test_bad_sources_are_explained(ab_campaign, tmp_path):
    loaded, _ = ab_campaign
    with pytest.raises(ReportInputError, match="no such file or folder"):
        figures(loaded, tmp_path / "missing.db")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReportInputError, match="neither leads.csv nor events.csv"):
        figures(loaded, tmp_path / "empty")
    import sqlite3

    sqlite3.connect(tmp_path / "other.db").executescript("CREATE TABLE x(a); INSERT INTO x VALUES (1);")
    with pytest.raises(ReportInputError, match=r"no 'events' or 'leads' table \(found: x\)"):
        figures(loaded, tmp_path / "other.db")
    db = write_sqlite(tmp_path / "bad.db", [], [lead("last tuesday", "X")])
    with pytest.raises(ReportInputError, match=r"table leads, id 1, column time: time 'last tuesday' is not an ISO 8601"):
        figures(loaded, db)


def test_parse_time_forms():
    from zoneinfo import ZoneInfo

    sh = ZoneInfo("Asia/Shanghai")
    assert parse_time("2026-07-03T08:15:02.123Z", sh) == datetime(2026, 7, 3, 8, 15, 2, 123000, tzinfo=UTC)
    assert parse_time("2026-07-03 16:15:02", sh) == datetime(2026, 7, 3, 8, 15, 2, tzinfo=UTC)
    assert parse_time("2026/7/3 16:15", sh) == datetime(2026, 7, 3, 8, 15, tzinfo=UTC)
    assert parse_time("2026-07-03T16:15:02+08:00", sh) == datetime(2026, 7, 3, 8, 15, 2, tzinfo=UTC)
    assert parse_time("2026-02-30 10:00", sh) is None and parse_time("", sh) is None


def test_costs_per_lead_and_claim(ab_campaign, tmp_path):
    loaded, code = ab_campaign
    events, leads = small_rows(code)
    costs = tmp_path / "costs.csv"
    costs.write_text('channel,cost\nmoments,120\ngroups,"¥1,000.50"\n', encoding="utf-8")
    from postergen.report.sources import read_costs

    f = figures(loaded, write_csv(tmp_path / "csv", events, leads), costs=read_costs(costs, ["moments", "groups"]))
    by = {r["channel"]: r for r in f["costs"]}
    assert (by["moments"]["cost_per_lead"], by["moments"]["cost_per_claim"]) == (120.0, 120.0)
    assert by["groups"]["cost"] == 1000.5 and by["groups"]["cost_per_claim"] is None
    assert by["total"]["cost"] == 1120.5 and by["total"]["cost_per_lead"] == pytest.approx(1120.5 / 2)
    costs.write_text("channel,cost\nmoment,12\ngroups,lots\n", encoding="utf-8")
    with pytest.raises(ReportInputError) as exc:
        read_costs(costs, ["moments", "groups"])
    assert [str(p) for p in exc.value.problems] == [
        f"{costs}:2: column 'channel': 'moment' is no channel of the campaign; channels: moments, groups",
        f"{costs}:3: column 'cost': 'lots' is not an amount (write 1200 or 1200.50)",
    ]


# --------------------------------------------------------------------------- the whole command


@pytest.fixture(scope="module")
def example_report(tmp_path_factory):
    from typer.testing import CliRunner

    from postergen.cli import app

    out = tmp_path_factory.mktemp("report")
    ev = EXAMPLE / "events"
    result = CliRunner().invoke(app, ["report", str(EXAMPLE), "--events", str(ev), "--people", str(ev / "people.csv"),
                                      "--costs", str(ev / "costs.csv"), "--threshold", "3", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out, result


def test_example_report_finds_the_ground_truth(example_report):
    out, result = example_report
    assert sorted(p.name for p in out.iterdir()) == ["funnel.csv", "inviters.csv", "report.html", "report.json",
                                                     "report.md", "unknown_codes.csv"]
    f = json.loads((out / "report.json").read_text(encoding="utf-8"))
    arms = {a["name"]: a for a in f["ab"]["arms"]}
    assert f["ab"]["control"] == "invite-half"
    assert arms["invite-free"]["status"] == arms["taste-free"]["status"] == "better"
    assert arms["taste-half"]["status"] in ("no clear difference", "too small to decide")
    factors = {fac["factor"]: {a["name"]: a for a in fac["arms"]} for fac in f["ab"]["factors"]}
    assert factors["reward"]["free"]["status"] == "better" and factors["reward"]["free"]["p_best"] > 0.99
    assert factors["headline"]["taste"]["status"] != "better"
    assert not f["ab"]["srm"]["mismatch"]
    assert f["fission"]["max_level"] == 3 and f["fission"]["seeds"] == 30
    assert f["unknown_codes"][0]["code"] == "Q3RZW8NA" and f["unknown_codes"][0]["leads"] == 7
    assert f["no_code"]["leads"] == 3
    # every lead is counted somewhere
    leads_csv = (EXAMPLE / "events" / "leads.csv").read_text(encoding="utf-8").strip().splitlines()
    assert f["totals"]["leads"] == len(leads_csv) - 1 == sum(r["leads"] for r in f["funnel"])
    assert "warning: 1 unknown code (7 leads) belongs to no channel" in result.output


def test_markdown_and_csv_carry_the_figures(example_report):
    out, _ = example_report
    f = json.loads((out / "report.json").read_text(encoding="utf-8"))
    md = (out / "report.md").read_text(encoding="utf-8")
    assert f"**{f['totals']['leads']:,} leads** from {f['totals']['visitors']:,} visitors" in md
    for name in ("Wilson score interval", "Newcombe hybrid score interval", "Beta–Binomial", "Pearson χ²"):
        assert name in md
    assert "| invite-free | " in md and "✅ better" in md
    import csv

    funnel = list(csv.DictReader((out / "funnel.csv").read_text(encoding="utf-8").splitlines()))
    assert sum(int(r["leads"]) for r in funnel) == f["totals"]["leads"]
    inviters = list(csv.DictReader((out / "inviters.csv").read_text(encoding="utf-8").splitlines()))
    assert len(inviters) == len(f["fission"]["inviters"]) and inviters[0]["code"] == f["fission"]["inviters"][0]["code"]


def test_cli_errors_exit_2_with_the_problems(tmp_path):
    from typer.testing import CliRunner

    from postergen.cli import app

    bad = tmp_path / "leads.csv"
    bad.write_text("time,code\nnot a time,X\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["report", str(EXAMPLE), "--events", str(bad), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert f"{bad}:2: column 'time': 'not a time' is not a date-time" in result.output
    assert not (tmp_path / "out").exists()
    result = CliRunner().invoke(app, ["report", str(EXAMPLE), "--events", str(bad), "--map", "time"])
    assert result.exit_code == 2 and "write it as field=header" in result.output


def test_spreadsheet_formulas_in_codes_are_neutralised(ab_campaign, tmp_path):
    loaded, _ = ab_campaign
    leads = [lead(T0, '=HYPERLINK("http://evil")')]
    out = tmp_path / "out"
    report(loaded, write_csv(tmp_path / "csv", [], leads), out)
    text = (out / "unknown_codes.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text


def test_hostile_codes_and_names_are_text_in_the_page(ab_campaign, tmp_path):
    from html.parser import HTMLParser

    loaded, code = ab_campaign
    hostile = '"><script>window.pwned=1</script><img src=x onerror=alert(1)>'
    leads = [lead(T0, hostile), lead(T0, code[("moments", "a")], ref="S1S1S1S1"), lead(T0, "X" * 5000)]
    events = [event(T0, "view", code[("moments", "a")], "v1")]
    people = tmp_path / "people.csv"
    people.write_text(f'id,code,nickname\n"{hostile}",S1S1S1S1,"{hostile.replace(chr(34), chr(34) * 2)}"\n', encoding="utf-8")
    out = tmp_path / "out"
    report(loaded, write_csv(tmp_path / "csv", events, leads), out, people=people)
    html = (out / "report.html").read_text(encoding="utf-8")

    class Tags(HTMLParser):
        seen: list = []

        def handle_starttag(self, tag, attrs):
            self.seen.append((tag, dict(attrs)))

    parser = Tags()
    parser.feed(html)
    assert not [t for t, _ in parser.seen if t in ("script", "img", "iframe", "link") and t != "link"]
    assert not any(k.startswith("on") for _, attrs in parser.seen for k in attrs)
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in html
    assert "X" * 41 not in html  # a 5,000-character code is cut for the page (report.json keeps it)
    f = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert any(u["as_written"] == "X" * 5000 for u in f["unknown_codes"])


def test_leads_only_source_renders_without_an_ab_readout(ab_campaign, tmp_path):
    loaded, code = ab_campaign
    path = tmp_path / "leads.csv"
    path.write_text("time,code,ref\n2026-07-03 09:00,%s,\n2026-07-03 10:00,%s,\n" % (code[("moments", "a")], code[("groups", "b")]),
                    encoding="utf-8")
    out = tmp_path / "out"
    result = report(loaded, path, out)
    f = result.figures
    assert f["ab"] is None and any("A/B readout needs visitors" in n for n in f["notes"])
    assert f["totals"]["leads"] == 2 and f["totals"]["conversion"]["rate"] is None
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="ab"' not in html and "Funnel by channel" in html
    with pytest.raises(ReportInputError, match=r"missing.csv: no such file \(--people"):
        report(loaded, path, out, people=tmp_path / "missing.csv")
