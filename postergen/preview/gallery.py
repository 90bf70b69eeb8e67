"""gallery.html: every poster as a lazy-loaded thumbnail, grouped by variant and channel.

The page is static and self-contained (inline CSS, no script), so it opens from a CI
artifact or a file:// URL.  Thumbnails are small JPEGs with their width and height set,
loaded lazily, so a gallery of thousands of posters opens at once.  Each poster links to
its full-size files (every format, print PDFs too) and each variant × channel to its
landing page (manifest rows of kind 'landing') and its tracking URL.  With a baseline,
changed and added posters carry a badge and the page opens with the list of changes.

The template is Jinja2 in postergen's sandbox, autoescape on: ``templates/preview/gallery.html.j2``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from ..bundled import TEMPLATES_DIR
from .sheets import THUMB_WIDTH, poster_key, shown_rows, thumb_path

TEMPLATE_DIR = TEMPLATES_DIR / "preview"
FORMAT_ORDER = {"png": 0, "jpeg": 1, "webp": 2, "pdf": 3}


@lru_cache(maxsize=1)
def _env():
    """The sandboxed environment of the gallery (its data comes from a baseline manifest)."""
    from ..sandbox import environment

    return environment([(TEMPLATE_DIR, TEMPLATE_DIR)], autoescape=True, trim_blocks=True, lstrip_blocks=True)


def href(path: str) -> str:
    """A relative link to *path* (a '/'-separated path), percent-encoded."""
    return quote(path)


def variant_facts(manifest: dict) -> dict[str, str]:
    """Variant name → its factor values as text, from the manifest's 'variants' table.

    Accepts a mapping (name → factor mapping) or a list of records with a 'name' (or
    'variant') key and either a 'factors' mapping or the factors as other keys.
    """
    table = manifest.get("variants") or {}
    if isinstance(table, dict):
        items = [(name, value) for name, value in table.items()]
    elif isinstance(table, list):
        items = [(r.get("name", r.get("variant", "")), r) for r in table if isinstance(r, dict)]
    else:
        items = []
    facts = {}
    for name, record in items:
        if not isinstance(record, dict):
            continue
        factors = record.get("factors") if isinstance(record.get("factors"), dict) else {
            k: v for k, v in record.items() if k not in ("name", "variant", "weight", "code", "codes", "set", "factors")
        }
        text = " · ".join(f"{k} = {v}" for k, v in factors.items() if not isinstance(v, (dict, list)))
        weight = record.get("weight")
        if isinstance(weight, (int, float)) and len(items) > 1:
            text = (text + " · " if text else "") + f"weight {weight:g}"
        facts[str(name)] = text
    return facts


def _links(group, kind: str, build_dir: str = "build") -> list[tuple[str, str]]:
    """(extension, link) per format of one poster: to its diff image or its file."""
    out = []
    for p in group:
        target = p.diff if kind == "diff" else f"{build_dir}/{p.path}"
        out.append((Path(p.path).suffix.lstrip("."), href(target) if target else None))
    return out


def _external(url: str) -> str | None:
    return url if url.startswith(("https://", "http://")) else None


def render_gallery(manifest: dict, sheets: list, thumbs: dict[str, tuple[int, int]], comparison=None, build_dir: str = "build") -> str:
    """The gallery page for the build *manifest* (paths in it are under *build_dir*)."""
    rows = manifest.get("files", [])
    posters = [r for r in rows if r.get("kind") == "poster"]
    shown = {poster_key(r): r for r in shown_rows(rows)}
    status = {p.path: p for p in comparison.posters} if comparison is not None else {}
    landings = {(r.get("variant", ""), r.get("channel", "")): r for r in rows if r.get("kind") == "landing"}
    facts = variant_facts(manifest)

    groups: dict[str, dict] = {}
    for row in posters:
        variant, channel = row.get("variant", ""), row.get("channel", "")
        group = groups.setdefault(variant, {"variant": variant, "facts": facts.get(variant, ""), "channels": {}, "hide_heading": False})
        ch = group["channels"].get(channel)
        if ch is None:
            landing = landings.get((variant, channel)) or landings.get((variant, ""))
            ch = group["channels"][channel] = {
                "channel": channel,
                "code": row.get("code", ""),
                "url": _external(row.get("url", "")),
                "landing": href(f"{build_dir}/{landing['path']}") if landing else None,
                "cards": {},
            }
        key = poster_key(row)
        card = ch["cards"].get(key[2:])
        if card is None:
            card = ch["cards"][key[2:]] = {"template": key[2], "size": key[3], "files": [], "thumb": None, "badge": None}
        card["files"].append(row)
    for group in groups.values():
        for ch in group["channels"].values():
            for key, card in ch["cards"].items():
                card["files"].sort(key=lambda r: FORMAT_ORDER.get(r.get("format"), 9))
                main = shown.get((group["variant"], ch["channel"], *key))
                if main is not None:
                    w, h = thumbs[main["path"]]
                    card.update(thumb=href(thumb_path(main)), tw=w // 2, th=h // 2, full=href(f"{build_dir}/{main['path']}"))
                    change = status.get(main["path"])
                    if change is not None and change.status in ("changed", "added"):
                        card["badge"] = change.status
                        card["score"] = change.score
                        card["diff"] = href(change.diff) if change.diff else None
                else:
                    card["full"] = href(f"{build_dir}/{card['files'][0]['path']}")
                card["links"] = [(r["format"].upper(), href(f"{build_dir}/{r['path']}")) for r in card["files"]]
            by_size: dict[str, list] = {}
            for card in ch["cards"].values():
                by_size.setdefault(card["size"], []).append(card)
            ch["sizes"] = [{"size": size, "cards": cards} for size, cards in by_size.items()]
        group["channels"] = list(group["channels"].values())
    if len(groups) == 1 and not facts.get(next(iter(groups)), ""):
        next(iter(groups.values()))["hide_heading"] = True

    changes = None
    if comparison is not None:
        from .diff import _by_poster

        def pick(group):  # the PNG's diff when there is one
            return next((p for p in group if p.path.endswith(".png")), group[0])

        changed = sorted(_by_poster(comparison.of("changed")), key=lambda g: (-max(p.score or 0 for p in g[1]), g[0]))
        changes = {
            "counts": comparison.counts(),
            "tolerance": f"{comparison.tolerance:g}",
            "changed": [
                {"path": pick(g).path, "score": pick(g).score, "diff": href(pick(g).diff), "formats": _links(g, "diff")}
                for _, g in changed
            ],
            "added": [{"stem": stem, "formats": _links(g, "build", build_dir)} for stem, g in _by_poster(comparison.of("added"))],
            "removed": [{"stem": stem, "formats": [(Path(p.path).suffix.lstrip("."), None) for p in g]} for stem, g in _by_poster(comparison.of("removed"))],
        }
    return _env().get_template("gallery.html.j2").render(
        campaign=manifest.get("campaign", ""),
        version=manifest.get("postergen", ""),
        poster_count=len({poster_key(r) for r in posters}),
        file_count=len(posters),
        sheets=[{"size": s.size, "href": href(s.path), "count": len(s.tiles)} for s in sheets],
        groups=list(groups.values()),
        changes=changes,
        thumb_width=THUMB_WIDTH // 2,
    )
