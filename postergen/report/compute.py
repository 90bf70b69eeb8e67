"""From rows to figures: funnels, the A/B readout, the daily trend, fission and costs.

:func:`compute` takes the campaign, its code table, the rows read by :mod:`.sources` and
the options, and returns one plain, JSON-ready dict: ``report.json`` is exactly this, and
the HTML and Markdown are views of it.  Every figure is counted from the rows:

* **scans** — ``scan`` events (short-link hits);
* **visitors** — distinct visitor ids of ``view`` events (an event without a visitor id
  counts as one visitor); a visitor who came through two channels counts once in each;
* **leads** — lead rows (one per phone number and campaign);
* **claims** — distinct visitors with a ``claim`` event.

A row is attributed through its code: a channel × variant code from the code table, or a
personal code (its people row, or the row's own channel and variant).  A code that is
neither is counted apart (``unknown``), as are rows without any code; both stay in the
totals.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone

from . import stats
from .fission import fission, norm

NO_CODE = "(no code)"
UNKNOWN = "(unknown code)"
PERSONAL = "(personal)"
MIN_VISITORS = 100  # below this per arm, a difference is never called
MIN_LEADS = 10


def _rate(x: int, n: int) -> dict:
    ci = stats.wilson(x, n)
    if ci is None:
        return {"x": x, "n": n, "rate": None, "lo": None, "hi": None}
    return {"x": x, "n": n, "rate": x / n, "lo": ci[0], "hi": ci[1]}


def _iso(t: datetime | None) -> str | None:
    return t.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z") if t else None


class _Cell:
    __slots__ = ("scans", "visitors", "leads", "claimers", "personal_leads")

    def __init__(self):
        self.scans = 0
        self.visitors: set = set()
        self.leads = 0
        self.claimers: set = set()
        self.personal_leads = 0

    def add(self, other: "_Cell") -> None:
        self.scans += other.scans
        self.visitors |= other.visitors
        self.leads += other.leads
        self.claimers |= other.claimers
        self.personal_leads += other.personal_leads

    def figures(self) -> dict:
        v = len(self.visitors)
        return {
            "scans": self.scans,
            "visitors": v,
            "leads": self.leads,
            "claims": len(self.claimers),
            "invited_leads": self.personal_leads,
            "visit_rate": _rate(v, self.scans) if v <= self.scans else {"x": v, "n": self.scans, "rate": None, "lo": None, "hi": None},
            "conversion": _rate(self.leads, v),
            "claim_rate": _rate(len(self.claimers), self.leads),
        }


def compute(loaded, rows, data, *, people=None, costs=None, since=None, until=None, tz=None, tz_name="",
            tz_from="", threshold=None, threshold_from="") -> dict:
    """The report of campaign *loaded* over *data* (see the module docstring)."""
    spec = loaded.spec
    people = {norm(c): row for c, row in (people or {}).items()}
    code_index = {r.code: r for r in rows}
    channel_names = {ch.id: ch.name for ch in spec.channels}
    variants = loaded.variant_list()
    variant_names = [v[0] for v in variants]
    channel_ids = [ch.id for ch in spec.channels]
    owner_cells: dict[str, tuple[str, str]] = {}

    def in_window(item) -> bool:
        return (since is None or item.time >= since) and (until is None or item.time < until)

    def valid(channel: str, variant: str) -> tuple[str, str]:
        return (channel if channel in channel_names else "", variant if variant in variant_names else "")

    def resolve(code: str, channel: str, variant: str) -> tuple[str, tuple[str, str] | None]:
        """(how, (channel, variant)): how is 'code', 'personal', 'unknown' or 'none'."""
        c = norm(code)
        if not c:
            return "none", None
        row = code_index.get(c)
        if row is not None:
            return "code", (row.channel, row.variant)
        if c in people or c in owners:
            p = people.get(c) or {}
            ch, var = valid(p.get("channel", ""), p.get("variant", ""))
            own_ch, own_var = valid(channel, variant)
            inv_ch, inv_var = owner_cells.get(c, ("", ""))
            return "personal", (ch or own_ch or inv_ch, var or own_var or inv_var)
        return "unknown", None

    owners = {norm(lead.own_code) for lead in data.leads if lead.own_code}
    # First the cells of the leads that own personal codes: a row whose code is such a
    # personal code (a personal short link) and names no channel inherits its owner's.
    for lead in data.leads:
        if lead.own_code:
            how, cell = resolve(lead.code, lead.channel, lead.variant)
            if cell:
                owner_cells.setdefault(norm(lead.own_code), cell)
    lead_cells = [resolve(lead.code, lead.channel, lead.variant) for lead in data.leads]

    cells: dict[tuple[str, str], _Cell] = {(r.channel, r.variant): _Cell() for r in rows}
    unknown: dict[str, dict] = {}
    apart = {"none": _Cell(), "unknown": _Cell()}
    total = _Cell()
    days: dict[date, _Cell] = defaultdict(_Cell)
    kinds = Counter()
    mismatched = 0
    first = last = None

    def bucket(how, cell, code):
        if how in ("code", "personal"):
            return cells.setdefault(cell, _Cell())
        if how == "unknown":
            entry = unknown.setdefault(norm(code), {"code": norm(code), "as_written": code, "scans": 0, "views": 0,
                                                    "leads": 0, "first": None, "last": None})
            return apart["unknown"], entry
        return apart["none"]

    def seen(entry, t):
        entry["first"] = min(entry["first"], t) if entry["first"] else t
        entry["last"] = max(entry["last"], t) if entry["last"] else t

    views_in = []
    for e in data.events:
        if not in_window(e):
            continue
        if e.kind not in ("scan", "view", "claim", "submit"):
            kinds[e.kind] += 1
            continue
        first = min(first, e.time) if first else e.time
        last = max(last, e.time) if last else e.time
        how, cell = resolve(e.code, e.channel, e.variant)
        target = bucket(how, cell, e.code)
        entry = None
        if isinstance(target, tuple):
            target, entry = target
            seen(entry, e.time)
        day = days[e.time.astimezone(tz).date()]
        who = e.visitor or e.key
        for c in (target, total, day):
            if e.kind == "scan":
                c.scans += 1
            elif e.kind == "view":
                c.visitors.add(who)
            elif e.kind == "claim":
                c.claimers.add(who)
        if entry is not None:
            entry["scans" if e.kind == "scan" else "views"] += e.kind in ("scan", "view")
        if e.kind == "view":
            views_in.append(e)

    for lead, (how, cell) in zip(data.leads, lead_cells):
        if not in_window(lead):
            continue
        first = min(first, lead.time) if first else lead.time
        last = max(last, lead.time) if last else lead.time
        target = bucket(how, cell, lead.code)
        entry = None
        if isinstance(target, tuple):
            target, entry = target
            seen(entry, lead.time)
            entry["leads"] += 1
        day = days[lead.time.astimezone(tz).date()]
        invited = bool(lead.ref) or how == "personal"
        for c in (target, total, day):
            c.leads += 1
            c.personal_leads += invited
        if how == "code" and lead.channel and lead.variant and (lead.channel, lead.variant) != cell:
            mismatched += 1

    notes = list(data.notes)
    warnings = []
    if kinds:
        notes.append("events of unknown kind left out: " + ", ".join(f"{k or '(empty)'} × {n}" for k, n in kinds.most_common()))
    if mismatched:
        notes.append(f"{mismatched} leads name a channel or variant other than their code's; the code decides")

    # ---- funnel tables
    funnel = []
    for (ch, var), cell in cells.items():
        code = next((r.code for r in rows if r.channel == ch and r.variant == var), "")
        funnel.append({"channel": ch or PERSONAL, "channel_name": channel_names.get(ch, ""), "variant": var,
                       "code": code, **cell.figures()})
    for key, label in (("unknown", UNKNOWN), ("none", NO_CODE)):
        f = apart[key].figures()
        if f["scans"] or f["visitors"] or f["leads"] or f["claims"]:
            funnel.append({"channel": label, "channel_name": "", "variant": "", "code": "", **f})
    by_channel = []
    for ch in [*channel_ids, ""]:
        agg = _Cell()
        found = False
        for (c, v), cell in cells.items():
            if c == ch:
                agg.add(cell)
                found = True
        if found and (ch or agg.leads or agg.visitors or agg.scans):
            by_channel.append({"channel": ch or PERSONAL, "channel_name": channel_names.get(ch, ""), **agg.figures()})
    by_variant = {}
    for v in variant_names:
        agg = _Cell()
        for (c, var), cell in cells.items():
            if var == v:
                agg.add(cell)
        by_variant[v] = agg
    for problem in _leads_over_visitors(funnel):
        warnings.append(problem)

    daily = []
    if days:
        d0, d1 = min(days), max(days)
        d = d0
        while d <= d1:
            c = days.get(d) or _Cell()
            daily.append({"date": d.isoformat(), "scans": c.scans, "visitors": len(c.visitors), "leads": c.leads,
                          "claims": len(c.claimers)})
            d += timedelta(days=1)

    ab = _ab(loaded, variants, by_variant, warnings) if total.visitors else None
    if len(variants) > 1 and not total.visitors:
        notes.append("no page views: the A/B readout needs visitors (events), so there is none")

    # ---- fission
    def cell_of(lead):
        how, cell = resolve(lead.code, lead.channel, lead.variant)
        return cell or ("", "")

    tree = fission(data.leads, in_window, views_in, people, threshold, cell_of)
    tree["threshold_from"] = threshold_from if threshold else ""
    if tree["unknown_refs"]:
        warnings.append(f"{sum(r['leads'] for r in tree['unknown_refs'])} leads carry a ref that is no known personal "
                        "code (give the batch's people.csv with --people); they count under unknown inviters")
    if tree["looped"]:
        warnings.append(f"{tree['looped']} leads are in an invite loop (A invited B who invited A); they have no level")

    # ---- costs
    cost_rows = None
    if costs:
        cost_rows = []
        for row in by_channel:
            ch = row["channel"]
            if ch not in costs:
                continue
            cost = costs[ch]
            cost_rows.append({
                "channel": ch, "channel_name": row["channel_name"], "cost": cost, "leads": row["leads"],
                "claims": row["claims"],
                "cost_per_lead": cost / row["leads"] if row["leads"] else None,
                "cost_per_claim": cost / row["claims"] if row["claims"] else None,
            })
        spent = sum(costs.values())
        cost_rows.append({"channel": "total", "channel_name": "", "cost": spent, "leads": sum(r["leads"] for r in cost_rows),
                          "claims": sum(r["claims"] for r in cost_rows)})
        t = cost_rows[-1]
        t["cost_per_lead"] = spent / t["leads"] if t["leads"] else None
        t["cost_per_claim"] = spent / t["claims"] if t["claims"] else None

    totals = total.figures()
    unknown_list = sorted(unknown.values(), key=lambda u: (-u["leads"], -u["views"], u["code"]))
    for u in unknown_list:
        u["first"], u["last"] = _iso(u["first"]), _iso(u["last"])
    if unknown_list:
        warnings.append(f"{len(unknown_list)} unknown code{'s' if len(unknown_list) != 1 else ''} "
                        f"({apart['unknown'].leads} leads) belong{'s' if len(unknown_list) == 1 else ''} to no channel, variant or person of this campaign; "
                        "they are counted apart")
    if apart["none"].leads:
        warnings.append(f"{apart['none'].leads} leads have no code; they are counted apart")
    if not data.has_events:
        notes.append("no events in the source: scans, visitors and conversion rates are not available, leads are")

    return {
        "campaign": {"id": spec.campaign.id, "name": spec.campaign.name},
        "source": {"name": data.source, "kind": data.kind, "events": len(data.events), "leads": len(data.leads),
                   "has_events": data.has_events},
        "timezone": {"name": tz_name, "from": tz_from},
        "period": {"since": _iso(since), "until": _iso(until), "first": _iso(first), "last": _iso(last),
                   "first_local": first.astimezone(tz).isoformat(timespec="minutes") if first else None,
                   "last_local": last.astimezone(tz).isoformat(timespec="minutes") if last else None},
        "totals": totals,
        "funnel": funnel,
        "channels": by_channel,
        "variants": [{"variant": v, **by_variant[v].figures()} for v in variant_names],
        "unknown_codes": unknown_list,
        "no_code": apart["none"].figures(),
        "daily": daily,
        "ab": ab,
        "fission": tree,
        "costs": cost_rows,
        "warnings": warnings,
        "notes": notes,
        "methods": METHODS,
    }


METHODS = {
    "Rate interval": "Wilson score interval, 95%",
    "Difference interval": "Newcombe hybrid score interval (method 10), 95%",
    "Probability of being best": "Beta–Binomial: uniform Beta(1,1) prior, posterior Beta(1+leads, 1+visitors−leads); "
                        "P(best) = ∫ f_i(p) ∏_{j≠i} F_j(p) dp by numerical integration",
    "Sample-ratio mismatch (SRM)": f"Pearson χ² goodness of fit of visitors per variant against the split weights; mismatch when p < {stats.SRM_ALPHA}",
    "Sample size": "visitors per arm to detect the observed difference, two-sided α = 0.05, power 0.8 (normal approximation)",
    "Decision": f"a variant is called better or worse only when the 95% interval of its difference excludes 0 and both "
                f"arms have at least {MIN_VISITORS} visitors and {MIN_LEADS} leads; otherwise 'too small to decide' "
                "while the arms are smaller than the sample size the observed difference needs, else 'no clear difference'",
    "K-factor": "K = referred leads / sharers (= invites per sharer × invite conversion)",
}


def _leads_over_visitors(funnel) -> list[str]:
    out = []
    for row in funnel:
        if row["visitors"] and row["leads"] > row["visitors"]:
            out.append(f"{row['channel']} {row['variant']}: more leads ({row['leads']}) than visitors "
                       f"({row['visitors']}); page views are missing, so its conversion rate is not shown")
    return out


def verdict(x: int, n: int, xc: int, nc: int) -> dict:
    """Difference of (x, n) against the control (xc, nc) and what it allows to say."""
    diff = stats.newcombe(x, n, xc, nc)
    out = {"diff": None, "diff_lo": None, "diff_hi": None, "lift": None, "needed": None, "status": "no data"}
    if diff is None:
        return out
    d, lo, hi = diff
    pc, pv = xc / nc, x / n
    out.update(diff=d, diff_lo=lo, diff_hi=hi, lift=(pv / pc - 1) if pc else None)
    needed = stats.sample_size(pv, pc) if not (pv in (0, 1) and pc in (0, 1)) else None
    out["needed"] = needed
    enough = min(n, nc) >= MIN_VISITORS and min(x, xc) >= MIN_LEADS
    if enough and (lo > 0 or hi < 0):
        out["status"] = "better" if lo > 0 else "worse"
    elif not enough or (needed is not None and min(n, nc) < needed):
        out["status"] = "too small to decide"
    else:
        out["status"] = "no clear difference"
    return out


def _arms(names, counts, weights, control, extra=None) -> dict:
    """A readout over arms *names* with (leads, visitors) *counts*, against *control*."""
    valid = [i for i, (x, n) in enumerate(counts) if x <= n]  # more leads than visitors: views missing
    pb: list = [None] * len(counts)
    for i, p in zip(valid, stats.prob_best([counts[i] for i in valid])):
        pb[i] = p
    xc, nc = counts[names.index(control)]
    out = []
    for i, name in enumerate(names):
        x, n = counts[i]
        row = {"name": name, "weight": weights[i], "visitors": n, "leads": x, "conversion": _rate(x, n) if x <= n else _rate(0, 0),
               "p_best": pb[i], "control": name == control}
        if extra:
            row.update(extra[i])
        if name != control and x <= n and xc <= nc:
            row.update(verdict(x, n, xc, nc))
        out.append(row)
    return {"control": control, "arms": out}


def _ab(loaded, variants, by_variant, warnings) -> dict | None:
    if len(variants) < 2:
        return None
    names = [v[0] for v in variants]
    weights = [v[1] for v in variants]
    defs = {d.name: d for d, _ in loaded.variants}
    control = next((n for n in names if n in defs and not defs[n].overrides), names[0])
    counts = [(by_variant[n].leads, len(by_variant[n].visitors)) for n in names]
    readout = _arms(names, counts, weights, control, [{"factors": v[2]} for v in variants])
    readout["control_rule"] = "the first variant without overrides" if control in defs and not defs[control].overrides else "the first variant"
    small = [a["name"] for a in readout["arms"] if a["visitors"] < MIN_VISITORS or a["leads"] < MIN_LEADS]
    if small:
        warnings.append(f"samples too small to decide for {len(small)} variant{'s' if len(small) != 1 else ''} "
                        f"(under {MIN_VISITORS} visitors or {MIN_LEADS} leads): {', '.join(small[:8])}"
                        + ("…" if len(small) > 8 else ""))
    test = stats.srm([n for _, n in counts], weights)
    readout["srm"] = test
    if test and test["mismatch"]:
        shares = ", ".join(f"{name} {n / max(1, sum(c for _, c in counts)):.1%} (expected {w / sum(weights):.1%})"
                           for name, (_, n), w in zip(names, counts, weights))
        warnings.append(f"sample ratio mismatch: visitors per variant do not follow the split weights "
                        f"(χ² = {test['chi2']:.1f}, p = {test['p']:.2g}): {shares}. Check the split page and the "
                        "tracking before trusting the A/B readout")
    factors = []
    matrix = loaded.spec.matrix
    if matrix is not None:
        for f in matrix.factors:
            levels = list(f.levels)
            agg_counts, agg_weights = [], []
            for level in levels:
                members = [v for v in variants if v[2].get(f.name) == level]
                visitors, leads = set(), 0
                for v in members:
                    visitors |= by_variant[v[0]].visitors
                    leads += by_variant[v[0]].leads
                agg_counts.append((leads, len(visitors)))
                agg_weights.append(sum(v[1] for v in members))
            if sum(1 for w in agg_weights if w) < 2:
                continue
            r = _arms(levels, agg_counts, agg_weights, levels[0])
            r["factor"] = f.name
            factors.append(r)
    readout["factors"] = factors
    return readout
