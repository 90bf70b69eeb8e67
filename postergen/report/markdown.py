"""``report.md``: the figures as Markdown, for a pull request, an issue or a chat."""

from __future__ import annotations

from .format import interval, money, num, pct, pp, pp_interval, prob, ratio

STATUS = {"better": "✅ better", "worse": "❌ worse", "too small to decide": "⏳ too small to decide",
          "no clear difference": "➖ no clear difference", "no data": "—"}


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list], align: str = "") -> list[str]:
    align = align or "l" + "r" * (len(header) - 1)
    sep = ["---:" if a == "r" else "---" for a in align]
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join(sep) + " |"]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out


def _conv(rate: dict) -> str:
    return "—" if rate["rate"] is None else f"{pct(rate['rate'])} ({interval(rate['lo'], rate['hi'])})"


def render_markdown(f: dict) -> str:
    t = f["totals"]
    period = f["period"]
    lines = [
        f"# Report: {f['campaign']['name']} (`{f['campaign']['id']}`)",
        "",
        f"Source: {f['source']['name']} ({f['source']['kind']}) · period {period['first_local'] or '—'} to "
        f"{period['last_local'] or '—'} · time zone {f['timezone']['name']} ({f['timezone']['from']}) · "
        f"generated {f.get('generated', '')}",
        "",
        f"**{num(t['leads'])} leads** from {num(t['visitors'])} visitors and {num(t['scans'])} scans — conversion "
        f"{_conv(t['conversion'])}; {num(t['claims'])} claims; {num(t['invited_leads'])} leads came by invitation.",
        "",
    ]
    if f["warnings"]:
        lines += ["## Warnings", ""] + [f"- ⚠️ {w}" for w in f["warnings"]] + [""]

    lines += ["## Funnel by channel", ""]
    lines += _table(["channel", "scans", "visitors", "leads", "conversion (95% CI)", "claims"],
                    [[_name(r), num(r["scans"]), num(r["visitors"]), num(r["leads"]), _conv(r["conversion"]), num(r["claims"])]
                     for r in f["channels"]] + [["**total**", num(t["scans"]), num(t["visitors"]), num(t["leads"]),
                                                _conv(t["conversion"]), num(t["claims"])]])
    lines += ["", "<details><summary>Channel × variant</summary>", ""]
    lines += _table(["channel", "variant", "code", "scans", "visitors", "leads", "conversion (95% CI)", "claims"],
                    [[_name(r), r["variant"], f"`{r['code']}`" if r["code"] else "", num(r["scans"]), num(r["visitors"]),
                      num(r["leads"]), _conv(r["conversion"]), num(r["claims"])] for r in f["funnel"]], "lllrrrrr")
    lines += ["", "</details>", ""]

    ab = f["ab"]
    if ab:
        lines += ["## A/B readout", "", f"Control: **{ab['control']}** ({ab['control_rule']}). Conversion = leads / visitors.", ""]
        lines += _arm_table(ab["arms"])
        for fac in ab["factors"]:
            lines += ["", f"### Factor `{fac['factor']}` (levels pooled over the other factors; control level "
                          f"**{fac['control']}**)", ""]
            lines += _arm_table(fac["arms"])
        srm = ab["srm"]
        if srm:
            verdict = "⚠️ **mismatch**" if srm["mismatch"] else "no mismatch"
            lines += ["", f"Sample ratio check: χ² = {srm['chi2']:.2f}, df = {srm['df']}, p = {srm['p']:.3g} — {verdict} "
                          "(visitors per variant against the split weights)."]
        lines.append("")

    if f["daily"]:
        lines += ["## Daily trend", ""]
        lines += _table(["date", "scans", "visitors", "leads", "claims"],
                        [[d["date"], num(d["scans"]), num(d["visitors"]), num(d["leads"]), num(d["claims"])] for d in f["daily"]])
        lines.append("")

    fi = f["fission"]
    lines += ["## Fission (裂变)", ""]
    lines += [f"- participants: {num(fi['participants'])} ({num(fi['seeds'])} seed inviters); referred leads: "
              f"{num(fi['referred'])}; sharers (with a personal code): {num(fi['sharers'])}",
              f"- K-factor: **{ratio(fi['k_factor'])}** = invites per sharer {ratio(fi['invites_per_sharer'])} × invite "
              f"conversion {pct(fi['invite_conversion'])}; average invites per participant "
              f"{ratio(fi['invites_per_participant'])}",
              f"- deepest level: **{fi['max_level']}**"]
    if fi["threshold"]:
        lines.append(f"- reward threshold {fi['threshold']} invites ({fi['threshold_from']}): "
                     f"**{num(fi['reached'])}** inviters reached it")
    lines += [""]
    lines += _table(["level", "participants", "leads", "sharers", "inviters", "brought to next level", "K at this level"],
                    [[f"L{lv['level']}", num(lv["participants"]), num(lv["leads"]), num(lv["sharers"]),
                      num(lv["inviters"]), num(lv["invited_next"]), ratio(lv["k"])] for lv in fi["levels"]])
    if fi["tree_depths"]:
        lines += ["", "Trees by depth: " + ", ".join(f"depth {d['depth']}: {num(d['trees'])}" for d in fi["tree_depths"])]
    top = fi["inviters"][:10]
    if top:
        lines += ["", "Top inviters:", ""]
        lines += _table(["code", "who", "level", "invite visitors", "invited", "all below", "threshold"],
                        [[f"`{r['code']}`", r["nickname"] or r["person"], f"L{r['level']}" if r["level"] is not None else "—",
                          num(r["invite_visitors"]), num(r["invited"]), num(r["descendants"]),
                          "✅ " + (r["reached_at"] or "") if r["reached_threshold"] else ""] for r in top], "llrrrrl")
    if fi["unknown_refs"]:
        lines += ["", "Unknown inviters (refs that are no known personal code): "
                  + ", ".join(f"`{r['ref']}` × {r['leads']}" for r in fi["unknown_refs"][:20])]
    lines.append("")

    if f["costs"]:
        lines += ["## Costs", ""]
        lines += _table(["channel", "cost", "leads", "cost per lead", "claims", "cost per claim"],
                        [[_name(r) if r["channel"] != "total" else "**total**", money(r["cost"]), num(r["leads"]),
                          money(r["cost_per_lead"]), num(r["claims"]), money(r["cost_per_claim"])] for r in f["costs"]])
        lines.append("")

    if f["unknown_codes"] or f["no_code"]["leads"]:
        lines += ["## Counted apart", ""]
        rows = [[f"`{u['as_written']}`", num(u["scans"]), num(u["views"]), num(u["leads"]), u["first"] or "", u["last"] or ""]
                for u in f["unknown_codes"]]
        nc = f["no_code"]
        if nc["leads"] or nc["scans"] or nc["visitors"]:
            rows.append(["(no code)", num(nc["scans"]), num(nc["visitors"]), num(nc["leads"]), "", ""])
        lines += _table(["code", "scans", "views", "leads", "first", "last"], rows, "lrrrll")
        lines.append("")

    lines += ["## Methods", ""] + [f"- **{k}**: {v}" for k, v in f["methods"].items()]
    if f["notes"]:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in f["notes"]]
    return "\n".join(lines) + "\n"


def _name(r: dict) -> str:
    return f"{r['channel_name']} ({r['channel']})" if r.get("channel_name") else r["channel"]


def _arm_table(arms: list[dict]) -> list[str]:
    return _table(
        ["arm", "visitors", "leads", "conversion (95% CI)", "vs control (95% CI)", "P(best)", "verdict"],
        [[a["name"] + (" (control)" if a["control"] else ""), num(a["visitors"]), num(a["leads"]), _conv(a["conversion"]),
          "" if a["control"] else f"{pp(a.get('diff'))} ({pp_interval(a.get('diff_lo'), a.get('diff_hi'))})",
          prob(a["p_best"]), "" if a["control"] else STATUS.get(a.get("status", "no data"), "")
          + (f" — ~{num(a['needed'])} visitors per arm needed" if a.get("status") == "too small to decide" and a.get("needed") else "")]
         for a in arms], "lrrrrrl")
