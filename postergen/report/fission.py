"""The invite tree (裂变): who invited whom, how deep it went, and who reached the threshold.

Nodes are participants with a personal code: the *seed* inviters from the batch's
``people.csv`` (level 0), and every lead whose ``own_code`` is set (it became an inviter).
A lead's inviter is its ``ref`` (or its ``code`` when that is a personal code).  Levels:

* level 0 — seed inviters, and leads that came in through a channel code without a ref;
* level n + 1 — leads invited by a level-n participant.

A ``ref`` that is no known personal code is an unknown inviter: its leads count at level 1
under an unknown root and the ref is listed apart.  A chain that loops (A invited B who
invited A — only corrupt data does this) is reported, and its leads get no level.

Figures (all over the leads inside the report's period):

* participants per level; depth distribution of the trees (how deep each root's tree goes);
* sharers — participants with a personal code; referred leads — leads with an inviter;
* invite visitors — distinct visitors of page views carrying a personal ``ref``;
* invites per sharer i = invite visitors / sharers, invite conversion c = referred leads /
  invite visitors, K-factor K = i × c = referred leads / sharers;
* average invites per participant = referred leads / participants.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from ..tracking import normalise_code


def norm(code: str) -> str:
    return normalise_code(code) if code else ""


def fission(leads, in_window, views, people: dict[str, dict], threshold: int | None, cell_of) -> dict:
    """The tree figures.

    *leads*: every lead read (for codes and levels), *in_window*: a predicate on a lead,
    *views*: page-view events inside the period, *people*: normalised personal code →
    people row, *threshold*: invites needed for the reward (or None), *cell_of(lead)*:
    the lead's (channel, variant).
    """
    owner: dict[str, int] = {}  # personal code → index of the lead that owns it
    for i, lead in enumerate(leads):
        c = norm(lead.own_code)
        if c and c not in owner:
            owner[c] = i
    seeds = {c: row for c, row in people.items() if c not in owner}
    known = set(owner) | set(seeds)

    def inviter_of(lead) -> str:
        r = norm(lead.ref)
        if r:
            return r
        c = norm(lead.code)  # a personal short link: the code is the inviter's
        if c in seeds or (c in owner and leads[owner[c]] is not lead):
            return c
        return ""

    inviter = [inviter_of(lead) for lead in leads]
    level: list[int | None] = [None] * len(leads)
    looped: set[int] = set()
    for start in range(len(leads)):
        if level[start] is not None or start in looped:
            continue
        chain, seen, i = [], set(), start
        base = None
        while True:
            if level[i] is not None:
                base = level[i]
                break
            if i in seen:
                looped.update(chain)
                break
            seen.add(i)
            chain.append(i)
            parent = inviter[i]
            if not parent:
                base = -1
                break
            j = owner.get(parent)
            if j is None:  # a seed or an unknown inviter: level 0 above
                base = 0
                break
            i = j
        if base is None:
            continue
        for k in reversed(chain):
            base += 1
            level[k] = base
    # Leads with no inviter got level 0 (base -1 + 1); invited ones 1 + their inviter's.

    window = [i for i, lead in enumerate(leads) if in_window(lead)]
    win = set(window)
    unknown_refs = Counter(inviter[i] for i in window if inviter[i] and inviter[i] not in known)

    per_level: Counter = Counter()
    for i in window:
        if level[i] is not None:
            per_level[level[i]] += 1
    participants_by_level = dict(per_level)
    participants_by_level[0] = participants_by_level.get(0, 0) + len(seeds)
    max_level = max(participants_by_level) if participants_by_level else 0
    invitees: dict[str, list[int]] = defaultdict(list)
    for i in window:
        if inviter[i]:
            invitees[inviter[i]].append(i)

    invite_visitors: dict[str, set] = defaultdict(set)
    for e in views:
        r = norm(e.ref)
        if r:
            invite_visitors[r].add(e.visitor or e.key)

    memo: dict[str, tuple[int, int]] = {}

    def subtree(root: str) -> tuple[int, int]:
        """(descendant leads, depth of the tree below *root*), over in-window leads;
        iterative, so a long (or hostile) chain cannot exhaust the stack."""
        stack, on_path = [(root, False)], set()
        while stack:
            code, finished = stack.pop()
            if finished:
                total = depth = 0
                for i in invitees.get(code, ()):
                    total, depth = total + 1, max(depth, 1)
                    own = norm(leads[i].own_code)
                    if own and own != code and own in memo:
                        t, d = memo[own]
                        total, depth = total + t, max(depth, d + 1)
                memo[code] = (total, depth)
                on_path.discard(code)
                continue
            if code in memo or code in on_path:
                continue
            on_path.add(code)
            stack.append((code, True))
            for i in invitees.get(code, ()):
                own = norm(leads[i].own_code)
                if own and own not in memo and own not in on_path:
                    stack.append((own, False))
        return memo[root]

    sharer_codes = set(seeds) | {norm(leads[i].own_code) for i in window if leads[i].own_code}
    sharer_codes |= {c for c in owner if invitees.get(c)}

    def node_level(code: str):
        return 0 if code in seeds else level[owner[code]]

    levels = []
    for n in range(0, max_level + 1):
        count = participants_by_level.get(n, 0)
        nodes_here = [c for c in sharer_codes if node_level(c) == n]
        inviters_here = sum(1 for c in nodes_here if invitees.get(c))
        brought = sum(len(invitees.get(c, ())) for c in nodes_here)
        levels.append({
            "level": n,
            "participants": count,
            "leads": per_level.get(n, 0),
            "seeds": len(seeds) if n == 0 else 0,
            "sharers": len(nodes_here),
            "inviters": inviters_here,
            "invited_next": brought,
            "k": brought / count if count else None,
        })

    inviters = []
    roots_depth: Counter = Counter()
    nodes = [(c, "seed", None) for c in seeds] + [(c, "lead", owner[c]) for c in sorted(sharer_codes) if c in owner]
    nodes += [(c, "unknown", None) for c in unknown_refs]
    for code, kind, i in nodes:
        got = invitees.get(code, [])
        desc, depth = subtree(code)
        lvl = level[i] if kind == "lead" else 0
        if kind != "lead" or lvl == 0:
            roots_depth[depth] += 1
        if kind == "unknown":
            continue
        row = people.get(code, {})
        reached_at = None
        if threshold and len(got) >= threshold:
            times = sorted(leads[j].time for j in got)
            reached_at = times[threshold - 1].isoformat(timespec="seconds").replace("+00:00", "Z")
        ch, var = cell_of(leads[i]) if kind == "lead" else (row.get("channel", ""), row.get("variant", ""))
        inviters.append({
            "code": code,
            "person": row.get("id") or (leads[i].key if kind == "lead" else ""),
            "nickname": row.get("nickname", ""),
            "kind": kind,
            "level": lvl,
            "channel": ch,
            "variant": var,
            "invite_visitors": len(invite_visitors.get(code, ())),
            "invited": len(got),
            "descendants": desc,
            "depth": depth,
            "reached_threshold": bool(threshold) and len(got) >= threshold,
            "reached_at": reached_at,
        })
    inviters.sort(key=lambda r: (-r["invited"], -r["descendants"], r["level"] if r["level"] is not None else 99, r["code"]))

    participants = sum(participants_by_level.values())
    referred = sum(1 for i in window if inviter[i])
    sharers = len(sharer_codes)
    visitors_total = len(set().union(*[v for c, v in invite_visitors.items() if c in known])) if invite_visitors else 0
    return {
        "seeds": len(seeds),
        "participants": participants,
        "referred": referred,
        "sharers": sharers,
        "invite_visitors": visitors_total,
        "invites_per_sharer": visitors_total / sharers if sharers and visitors_total else None,
        "invite_conversion": referred / visitors_total if visitors_total else None,
        "k_factor": referred / sharers if sharers else None,
        "invites_per_participant": referred / participants if participants else None,
        "max_level": max((lv["level"] for lv in levels if lv["participants"]), default=0),
        "levels": levels,
        "tree_depths": [{"depth": d, "trees": roots_depth[d]} for d in sorted(roots_depth)],
        "threshold": threshold,
        "reached": sum(1 for r in inviters if r["reached_threshold"]),
        "inviters": inviters,
        "unknown_refs": [{"ref": r, "leads": n} for r, n in unknown_refs.most_common()],
        "looped": len([i for i in looped if i in win]),
    }
