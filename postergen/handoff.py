"""Export: the A/B hand-off for channel owners, one folder per channel.

::

    DIR/<channel>/posters/<variant>/<template>-<W>x<H>.<ext>
    DIR/<channel>/variants.csv     variant, factors, code, url, short url, weight, share
    DIR/<channel>/README.md        what this folder is, how to use it (print or post), the
                                   campaign's rules; in the campaign's language
    DIR/_web/site/, DIR/_web/short/  the campaign's web site for whoever deploys it: one
                                   folder per host, as the build made them (``_web``: no
                                   channel id starts with ``_``, so none collides with it)
    DIR/_web/README.md             which folder goes to which host; in the campaign's language
    DIR/<campaign id>-handoff.zip  (with zip=True) the same, byte-identical on every run

The posters come from a build into ``DIR/.build`` (kept, so a re-export only renders
what changed).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .csvsafe import csv_text
from .mechanics import spec_language
from .writer import sync_folder, write_atomic

TABLE = ["variant", "factors", "code", "url", "short_url", "weight", "share"]


@dataclass
class ExportResult:
    out: Path
    channels: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    zip_path: Path | None = None
    build: object = None
    web: list[str] = field(default_factory=list)  # the web bundle's files (DIR/_web/…)

    def summary(self) -> str:
        n = len(self.channels)
        text = f"{n} channel folder{'s' if n != 1 else ''}"
        if self.web:
            text += f", the web site ({WEB}/)"
        text += f", {len(self.files)} files"
        return text + (f", {self.zip_path.name}" if self.zip_path else "")


def export(loaded, out: str | Path, zip: bool = False, progress=None, environ=None, jobs: int | None = None) -> ExportResult:
    """Build the campaign (with *jobs* worker processes: see :func:`postergen.pipeline.build`)
    and package one hand-off folder per channel."""
    from .jobs import codes_for
    from .pipeline import build

    from .store import local_folder
    from .writer import ensure_folder

    out = ensure_folder(local_folder(out, "export"))
    result = ExportResult(out=out)
    result.build = built = build(loaded, out / ".build", progress=progress, environ=environ, jobs=jobs)
    rows, _ = codes_for(loaded, environ)
    variants = loaded.variant_list()
    total = sum(w for _, w, _, _ in variants)
    lang = spec_language(loaded.spec)
    channels = [(c.id, c.name, c) for c in loaded.spec.channels] or [("all", "全部渠道" if lang == "zh" else "all channels", None)]
    built_rows = built.rows  # (read back from the build's manifest)
    for channel, channel_name, spec_channel in channels:
        folder = out / channel
        wanted = "" if channel == "all" else channel
        for row in built_rows:
            if row["kind"] != "poster" or row["channel"] != wanted:
                continue
            name = Path(row["path"]).name
            rel = f"posters/{row['variant'] or 'base'}/{name}"
            _copy(out / ".build" / row["path"], folder / rel)
            result.files.append(f"{channel}/{rel}")
        table = []
        for vname, weight, factors, vloaded in variants:
            code = next((r for r in rows if r.variant == vname and r.channel == wanted), None)
            table.append(
                {
                    "variant": vname,
                    "factors": "; ".join(f"{k}={v}" for k, v in factors.items()),
                    "code": code.code if code else "",
                    "url": code.url if code else vloaded.spec.landing_url,
                    "short_url": (code.short_url or "") if code else "",
                    "weight": f"{weight:g}",
                    "share": f"{weight / total:.1%}",
                }
            )
        write_atomic(folder / "variants.csv", csv_text(TABLE, table).encode("utf-8"))
        readme = _readme(loaded, channel, channel_name, variants, total, spec_channel, lang)
        write_atomic(folder / "README.md", readme.encode("utf-8"))
        result.files += [f"{channel}/variants.csv", f"{channel}/README.md"]
        result.channels.append(channel)
    result.web = _web_bundle(loaded, out, built_rows, lang)
    result.files += result.web
    sync_folder(out)  # the copies were written unsynced: one flush for all of them
    if zip:
        result.zip_path = out / f"{loaded.spec.campaign.id}-handoff.zip"
        write_atomic(result.zip_path, _zip(out, result.files))
    return result


WEB = "_web"  # (a channel id starts with a letter or digit: no channel folder is called this)


def _web_bundle(loaded, out: Path, rows: list[dict], lang: str) -> list[str]:
    """Copy the build's web site (``site/`` and ``short/``: the files its manifest lists)
    to ``DIR/_web/`` with a README for whoever deploys it; the paths written, relative to
    *out*.  The folder is made anew each time, so it never holds a file of an earlier
    export (a removed channel's page, an old host's redirect rules).  Nothing for a
    campaign without a site or short links."""
    import shutil

    from .site.urls import origin, site_base

    web = out / WEB
    if web.is_symlink() or web.is_file():  # (rmtree refuses a link: never write through one)
        web.unlink()
    else:
        shutil.rmtree(web, ignore_errors=True)
    files = [r["path"] for r in rows if r["path"].split("/", 1)[0] in ("site", "short")]
    if not files:
        return []
    written = []
    for path in files:
        _copy(out / ".build" / path, out / WEB / path)
        written.append(f"{WEB}/{path}")
    spec = loaded.spec
    t = _WEB_WORDS[lang]
    lines = [f"# {spec.campaign.name} — {t['title']}", "", t["intro"], ""]
    if any(p.startswith("site/") for p in files):  # (a site/ file: the campaign has a site)
        lines.append(t["site"].format(host=origin(site_base(spec))))
        if spec.tracking.short_base and not any(p.startswith("short/") for p in files):
            lines.append(t["same_host"])
    if any(p.startswith("short/") for p in files):
        lines.append(t["short"].format(host=origin(spec.tracking.short_base or "")))
    lines += ["", t["rules"], "", t["check"], ""]
    write_atomic(out / WEB / "README.md", "\n".join(lines).encode("utf-8"))
    return [*written, f"{WEB}/README.md"]


_WEB_WORDS = {
    "zh": {
        "title": "网站",
        "intro": "本文件夹是活动的网站，交给负责上线的同事：每个子文件夹是一个域名的网站根目录，原样上传即可，"
        "文件的位置就是它的网址。",
        "site": "- `site/` → `{host}` 的网站根目录：落地页、A/B 分流页、感谢页和分享图。",
        "short": "- `short/` → `{host}` 的网站根目录：海报二维码里的短链接。",
        "same_host": "- 海报二维码里的短链接也在 `site/` 里（与落地页同一个域名）。",
        "rules": "每个文件夹里的 `_headers` 和 `_redirects`（Netlify、Cloudflare Pages 等静态托管）或 `nginx.conf`"
        "（自己的服务器）是这个域名需要的规则：缓存、安全头和短链接跳转，请一并部署。",
        "check": "上线后用手机扫一张海报的二维码，确认能打开对应渠道的落地页。",
    },
    "en": {
        "title": "web site",
        "intro": "This folder is the campaign's web site, for whoever deploys it: each subfolder is the document "
        "root of one host; upload it as it is — a file's place is its URL.",
        "site": "- `site/` → the document root of `{host}`: landing pages, A/B split pages, the thank-you page, "
        "share images.",
        "short": "- `short/` → the document root of `{host}`: the short links in the posters' QR codes.",
        "same_host": "- The short links in the posters' QR codes are in `site/` too (the same host as the pages).",
        "rules": "Each folder's `_headers` and `_redirects` (Netlify, Cloudflare Pages and other static hosts) or "
        "`nginx.conf` (a server of your own) are the rules its host needs — caching, security headers, short-link "
        "redirects: deploy them too.",
        "check": "Once it is live, scan a poster's QR code with a phone and check that it opens its channel's page.",
    },
}


def _copy(src: Path, dest: Path) -> None:
    write_atomic(dest, src.read_bytes(), sync=False)  # (export syncs its folder once)


def _zip(out: Path, files: list[str]) -> bytes:
    """A zip of *files* (relative to *out*) with fixed timestamps: same input, same bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for rel in sorted(files):
            info = zipfile.ZipInfo(rel, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, (out / rel).read_bytes())
    return buf.getvalue()


def _readme(loaded, channel: str, channel_name: str, variants, total: float, spec_channel=None, lang: str = "en") -> str:
    """The channel owner's README, in the campaign's language (Chinese for a Chinese
    campaign): what the folder holds, what to do with it (print or post), the rules."""
    spec = loaded.spec
    printed = spec_channel is not None and spec_channel.is_printed
    t = _WORDS[lang]
    lines = [
        f"# {spec.campaign.name} — {channel_name}",
        "",
        t["intro"].format(id=spec.campaign.id, channel=channel),
        "",
        t["todo"],
        "",
    ]
    if printed:
        v = loaded.variant(variants[0][0], channel).spec if variants else spec
        from .channels import print_settings

        settings = print_settings(v)
        marks = t["marks"] if settings.crop_marks else ""
        lines.append(t["print"].format(bleed=f"{settings.bleed_mm:g}", marks=marks))
    lines += [t["share"], t["own"], t["qr"], ""]
    rules = _rules(loaded, lang)
    if rules:
        lines += [t["rules"], "", *rules, ""]
    lines += [t["variants"], "", t["table"], "|---|---|---|---|"]
    for vname, weight, factors, _ in variants:
        differs = ", ".join(f"{k}: {v}" for k, v in factors.items()) or "—"
        lines.append(f"| `{vname}` | {differs} | {weight / total:.0%} | `posters/{vname}/` |")
    lines += ["", t["csv"], ""]
    return "\n".join(lines)


def _rules(loaded, lang: str) -> list[str]:
    """The mechanics as a channel owner needs to know them (the base spec's; a note when
    variants change them)."""
    from .mechanics import bindings

    mech = loaded.spec.mechanics
    if mech is None:
        return []
    b = bindings(mech, lang)
    t = _WORDS[lang]
    out = []
    if b["tiers"]:
        steps = "; ".join(f"{s['label']} → {s['reward']}" for s in b["tiers"])
        out.append(t["tiers"].format(steps=steps))
    elif b["threshold"]:
        out.append(t["threshold"].format(n=b["threshold"], reward=b["inviter_reward"] or "—"))
    if b["invitee_reward"]:
        out.append(t["invitee"].format(reward=b["invitee_reward"]))
    if b["stock"]:
        out.append(t["stock"].format(n=b["stock"]))
    if mech.deadline is not None:
        out.append(t["deadline"].format(when=mech.deadline.strftime("%Y-%m-%d %H:%M"), tz=mech.deadline.strftime("%z")[:3] + ":" + mech.deadline.strftime("%z")[3:]))
    base = loaded.spec.mechanics
    if any(v.spec.mechanics != base for _, _, _, v in loaded.variant_list()):
        out.append(t["differ"])
    return out


_WORDS = {
    "zh": {
        "intro": "活动 `{id}`，渠道 `{channel}`。本文件夹是这个渠道要用的全部海报，以及说明哪张是哪个版本的表格 `variants.csv`。",
        "todo": "## 怎么用",
        "print": "- 这些是印刷用的 PDF（含 {bleed} mm 出血{marks}）：直接交给印刷厂按原尺寸印刷，不要缩放、裁切或遮挡二维码。",
        "marks": "和裁切线",
        "share": "- 各版本按 `variants.csv` 里 `share` 一列的比例投放给受众，或按增长团队的安排。",
        "own": "- 本渠道只用本文件夹里的海报：每个二维码都带着本渠道自己的追踪码，扫码和留资都会记到本渠道。",
        "qr": "- 不要修改或重新生成二维码；海报需要改动时，请增长团队重新导出。",
        "rules": "## 活动规则",
        "tiers": "- 阶梯奖励：{steps}",
        "threshold": "- 邀请 {n} 位好友即可获得：{reward}",
        "invitee": "- 被邀请的好友可得：{reward}",
        "stock": "- 奖励限量 {n} 份，先到先得",
        "deadline": "- 截止时间：{when}（UTC{tz}）",
        "differ": "- 各版本的规则不同：见下表“区别”一列",
        "variants": "## 版本",
        "table": "| 版本 | 区别 | 占比 | 海报 |",
        "csv": "`variants.csv` 里还有每个版本的追踪码和完整链接。",
    },
    "en": {
        "intro": "Campaign `{id}`, channel `{channel}`. This folder holds every poster variant for this channel "
        "and the table that says which is which (`variants.csv`).",
        "todo": "## What to do",
        "print": "- These are print-ready PDFs ({bleed} mm bleed{marks}): send them to the printer as they are, at "
        "their size; do not scale, crop or cover the QR codes.",
        "marks": " and crop marks",
        "share": "- Publish the posters of each variant to the share of your audience given in `variants.csv` "
        "(column `share`), or as the growth team tells you.",
        "own": "- Use only the posters in this folder for this channel: each QR code carries this channel's own "
        "tracking code, so scans and leads are attributed here.",
        "qr": "- Do not edit or re-export the QR codes; if a poster needs a change, ask for a new export.",
        "rules": "## Rules of the campaign",
        "tiers": "- Reward tiers: {steps}",
        "threshold": "- Invite {n} friends to get: {reward}",
        "invitee": "- Each invited friend gets: {reward}",
        "stock": "- {n} rewards in all, first come first served",
        "deadline": "- Ends: {when} (UTC{tz})",
        "differ": "- The rules differ between variants: see the column 'what differs' below",
        "variants": "## Variants",
        "table": "| variant | what differs | share | posters |",
        "csv": "`variants.csv` also lists each variant's code and full URL.",
    },
}
