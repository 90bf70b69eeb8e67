"""Per-channel specs: what a channel's medium decides, and its own overrides.

A channel is *printed* (``printed: true``, or medium ``offline``/``print``) or a screen
channel.  The medium decides defaults:

* printed: the print sizes (``output.print``, A4 when it is not given) and no screen
  sizes; the brand header instead of a personal inviter (a shop-window poster has no
  inviter); a 扫码 call to action (``长按识别`` works only on a phone's screen: '长按识别，
  立即参与' becomes '扫码，立即参与');
* screen: the screen sizes (``output.sizes``) and no print PDFs; the copy as written.

``channels[].set`` then overrides any field for that channel, as dotted paths, checked
like a variant's overrides (it wins over the medium's defaults and over a variant's
value for the same field).  Each (variant, channel) whose spec differs from its
variant's is loaded and checked as a spec of its own: :func:`with_channels`.

A campaign without channels gets every size it asks for (screen and print), as before.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

#: What the call to action says on paper instead of a long-press (first match wins).
_SCAN = [
    (re.compile(r"长按识别二维码"), "扫描二维码"),
    (re.compile(r"长按(?:识别|扫码|扫描)?"), "扫码"),
    (re.compile(r"(?i)(?:long[- ]?press|press and hold)(?: (?:to scan|on))?"), "Scan"),
]
#: The spec's default call to action (poster.cta when not written).
_DEFAULT_CTA = "长按识别二维码"
#: Print size of a printed channel when the spec gives no output.print.
DEFAULT_PRINT = ["A4"]


def scan_cta(cta: str) -> str:
    """*cta* for paper: a long-press becomes a scan ('长按识别，立即参与' → '扫码，立即参与')."""
    for pattern, scan in _SCAN:
        if pattern.search(cta):
            out = pattern.sub(scan, cta, count=1)
            return out[0].upper() + out[1:] if out[:1].islower() and scan == "Scan" else out
    return cta


def _sets(overrides: dict, field: str) -> bool:
    """Whether *overrides* set *field* or a part of it (or a section that holds it)."""
    return any(k == field or k.startswith(field + ".") or field.startswith(k + ".") for k in overrides)


def medium_defaults(channel, data: dict) -> dict[str, Any]:
    """The overrides a channel's medium implies for the raw spec *data* (one variant's)."""
    if not channel.is_printed:
        return {}
    out: dict[str, Any] = {}
    if isinstance(data, dict):
        if data.get("inviter") is not None and not _sets(channel.set, "inviter"):
            out["inviter"] = None
        poster = data.get("poster") if isinstance(data.get("poster"), dict) else {}
        cta = poster.get("cta", _DEFAULT_CTA)
        if isinstance(cta, str) and not _sets(channel.set, "poster.cta") and scan_cta(cta) != cta:
            out["poster.cta"] = scan_cta(cta)
    return out


def overrides_for(channel, data: dict) -> dict[str, Any]:
    """Everything channel *channel* changes in the raw spec *data*: its medium's defaults,
    then its own ``set``."""
    return {**medium_defaults(channel, data), **channel.set}


def outputs(channel, spec, any_channels: bool = True) -> tuple[list[str], list[str]]:
    """(screen sizes, print sizes) to render for *channel* (None: no channels) of the
    channel's own *spec*."""
    prints = list(spec.output.print.sizes) if spec.output.print is not None else []
    if channel is None or not any_channels:
        return list(spec.output.sizes), prints
    if channel.is_printed:
        screens = list(spec.output.sizes) if _sets(channel.set, "output.sizes") else []
        return screens, prints or list(DEFAULT_PRINT)
    return list(spec.output.sizes), prints if _sets(channel.set, "output.print") else []


def print_settings(spec):
    """The print settings of a channel's *spec*: ``output.print``, or the defaults with
    :data:`DEFAULT_PRINT` for a printed channel of a spec without them."""
    from .spec import PrintOutput

    return spec.output.print or PrintOutput(sizes=list(DEFAULT_PRINT))


def with_channels(loaded, data, shown: str, check, reported=()):
    """*loaded* with a spec of its own for every (variant, channel) that differs from its
    variant: ``loaded.channel_specs``.  *check* is the loader's one-spec check (raw data
    → (Loaded | None, problems)); *reported* the problems already found (not repeated).

    Returns (loaded, problems)."""
    from .errors import Problem
    from .spec import Campaign
    from .variants import apply, path_problem
    from .yamlsrc import dotted, line_of

    spec = loaded.spec
    problems: list[Problem] = []
    seen = {(p.path, p.message) for p in reported}
    good = []
    for i, ch in enumerate(spec.channels):
        bad = False
        for key in ch.set:
            why = path_problem(Campaign, key, what="channels")
            if why:
                loc = ("channels", i, "set", key)
                problems.append(Problem(why, file=shown, line=line_of(data, loc), path=dotted(loc)))
                bad = True
        if not bad:
            good.append((i, ch))
    if not good:
        return loaded, problems
    if loaded.variants:
        variants = [(d.name, apply(data, d.overrides), d.overrides) for d, _ in loaded.variants]
    else:
        variants = [("base", data, {})]
    specs = []
    for vname, vdata, voverrides in variants:
        for i, ch in good:
            for key in ch.set:
                if voverrides and _sets(voverrides, key):
                    message = (f"channel '{ch.id}' sets {key}, which variant '{vname}' also sets; on this channel "
                               "the channel's value is used, so the variants do not differ there")
                    problems.append(Problem(message, file=shown, line=line_of(data, ("channels", i, "set", key)),
                                            path=dotted(("channels", i, "set", key)), severity="warning"))
            overrides = overrides_for(ch, vdata)
            if not overrides:
                continue
            cloaded, cproblems = check(apply(vdata, overrides), loaded.path, shown)
            where = f"channel '{ch.id}'" + (f" of variant '{vname}'" if loaded.variants else "")
            for p in cproblems:
                key = (p.path, p.message)
                if key in seen:
                    continue
                seen.add(key)
                problems.append(
                    Problem(f"{p.path}: {p.message}" if p.path else p.message, file=shown,
                            line=line_of(data, ("channels", i)), path=where, severity=p.severity)
                )
            if cloaded is not None:
                specs.append(((vname, ch.id), cloaded))
    return replace(loaded, channel_specs=tuple(specs)), problems
