"""Render one landing page: campaign + tracking row → self-contained HTML.

::

    content = page_content(spec)                      # landing: over poster defaults
    html₁   = template(content, css="")               # pass 1: what text does it show?
    fonts   = subset(theme fonts, text of html₁)      # WOFF2, exactly those glyphs: the first
                                                      # screen's in the head, the rest after
    css     = style.css.j2(palette, fonts)
    html    = template(content, css, csp(hashes))     # pass 2: the page

Templates are Jinja2 in postergen's sandbox (:mod:`postergen.sandbox`: autoescape on,
undefined variables as errors, no Python internals, files confined to the campaign
folder), found on a search path: ``<campaign>/<output.templates_dir>/landing/`` first,
then the built-in ones, so a campaign replaces one template (``top.html.j2``,
``style.css.j2``…) by giving a file the same name.  Templates get plain data (dicts,
lists, text), never the campaign objects.  The page loads nothing: CSS, font and images
are inline, the only script is inline and allowed by its hash in the
Content-Security-Policy (its settings are a JSON block beside it).  The form posts to
``landing.form.endpoint`` — or, under ``postergen serve``, to ``/api/lead`` — and the
thank-you page (:func:`render_thanks`) is part of the same site (postergen.site).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import posixpath
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from markupsafe import Markup

from ..bundled import TEMPLATES_DIR
from .. import sandbox
from ..codes import CodeRow
from ..images import ImageProblem, resolve_inside
from ..site import urls
from ..site.checks import page_problems
from ..tracking import UTM_KEYS
from . import fontsubset
from .content import CN_MOBILE, Content, page_content, strings
from .images import PageImage, page_image, share_image
from .palette import palette
from .rules import page_rules, script_config

BUILTIN_DIR = TEMPLATES_DIR / "landing"
FOLD = "<!--fold-->"
CARRY = (*UTM_KEYS, "utm_term", "ref")  # kept from the visited URL by the inline script
WECHAT_SDK = "https://res.wx.qq.com/open/js/jweixin-1.6.0.js"
MAX_IMAGE_CSS_PX = 1200  # image() sizes in CSS px (the page is at most 480 px wide)
_WEB = re.compile(r"^https?://[^\s/?#\x00-\x1f\x7f]+[^\s\x00-\x1f\x7f]*$", re.IGNORECASE)


class LandingError(sandbox.TemplateError):
    """A landing page cannot be rendered (a template problem); the message says which,
    and ``file``/``line`` say where when it is in a template."""


class PageSizes:
    """Bytes of one page: all of it, and what the first screen needs (head + top section).

    The gzip figures are worked out when first asked for (a size report, a test), not for
    every page a build writes (~5 ms a page).  Give them as numbers, or give the page's
    *html* (the same string the page holds: no second copy) to have them measured."""

    __slots__ = ("total", "first_screen", "font", "images", "_gz", "_html")

    def __init__(self, total: int, first_screen: int, font: int, images: int,
                 total_gzip: int | None = None, first_screen_gzip: int | None = None, *, html: str | None = None):
        if html is None and (total_gzip is None or first_screen_gzip is None):
            raise ValueError("PageSizes needs both gzip figures or the page's html to measure them")
        self.total, self.first_screen, self.font, self.images = total, first_screen, font, images
        self._gz = (total_gzip, first_screen_gzip)
        self._html = html if None in self._gz else None

    def _measure(self) -> tuple[int, int]:
        if None in self._gz:
            data = self._html.encode("utf-8")
            total, first = self._gz
            self._gz = (total if total is not None else _gz(data),
                        first if first is not None else _gz(data[: self.first_screen]))
            self._html = None
        return self._gz

    @property
    def total_gzip(self) -> int:
        return self._measure()[0]

    @property
    def first_screen_gzip(self) -> int:
        return self._measure()[1]

    def to_dict(self) -> dict:
        return {"total": self.total, "first_screen": self.first_screen, "font": self.font, "images": self.images,
                "total_gzip": self.total_gzip, "first_screen_gzip": self.first_screen_gzip}

    def __eq__(self, other):
        if not isinstance(other, PageSizes):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(tuple(self.to_dict().values()))

    def __repr__(self) -> str:
        return "PageSizes(" + ", ".join(f"{k}={v}" for k, v in self.to_dict().items()) + ")"


@dataclass(frozen=True)
class LandingPage:
    """A rendered landing page and what a host needs to serve it."""

    path: str  # relative to the output folder, e.g. 'landing/base/moments/index.html'
    html: str
    row: CodeRow
    csp: str  # the policy in the page's meta tag
    script_hashes: tuple[str, ...]
    style_hashes: tuple[str, ...]
    form_origins: tuple[str, ...]
    connect_origins: tuple[str, ...]
    sizes: PageSizes
    files: tuple[tuple[str, bytes], ...] = ()  # extra files to write (share card), by output path
    warnings: tuple[str, ...] = ()

    @property
    def data(self) -> bytes:
        return self.html.encode("utf-8")


# --------------------------------------------------------------------------- paths and rows


def landing_path(row: CodeRow) -> str:
    """Where *row*'s page goes in the output folder."""
    if row.channel:
        return f"landing/{row.variant}/{row.channel}/index.html"
    return f"landing/{row.variant or 'base'}/index.html"


def default_row(loaded, variant: str = "base") -> CodeRow:
    """The row of a campaign without channels: no code; the variant's page on the site (or
    the landing URL as it is, for a campaign without a site)."""
    spec = loaded.spec
    url = urls.entry_url(spec, variant, "") if urls.has_site(spec) else spec.landing_url
    return CodeRow("", "", variant, "", url, None)


def hidden_fields(spec, row: CodeRow) -> list[tuple[str, str]]:
    """The form's hidden fields (the lead contract, docs/deploy.md): campaign, code, channel,
    variant, UTM values and ref, visit_code (a different code the visitor came with), lead_id
    (made by the script; empty without it) and thanks (the thank-you page's URL)."""
    query = dict(parse_qsl(urlsplit(row.url).query, keep_blank_values=True))
    fields = [("campaign", spec.campaign.id), ("code", row.code), ("channel", row.channel), ("variant", row.variant)]
    fields += [(key, query.get(key, "")) for key in CARRY]
    fields += [("visit_code", ""), ("lead_id", ""), ("thanks", urls.thanks_url(spec) if urls.has_site(spec) else "")]
    return fields


# --------------------------------------------------------------------------- templates


def template_dirs(loaded) -> list[Path]:
    """The landing template search path: the campaign's own folder, then the built-in one."""
    own = resolve_inside(loaded.base, loaded.spec.output.templates_dir) / "landing"
    return [own, BUILTIN_DIR]


def template_search(loaded) -> tuple[tuple[str, str], ...]:
    """(folder, root) pairs: campaign templates must stay inside the campaign folder."""
    own, builtin = template_dirs(loaded)
    return ((str(own), str(loaded.base.resolve())), (str(builtin), str(builtin)))


def _autoescape(name: str | None) -> bool:
    return not (name or "").endswith((".css.j2", ".js"))


@lru_cache(maxsize=16)
def _env(search: tuple[tuple[str, str], ...]):
    return sandbox.environment(
        [(Path(folder), Path(root)) for folder, root in search],
        autoescape=_autoescape,
        filters={"link": _link, "br": _br, "phrases": _phrases},
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def landing_env(loaded):
    """The sandboxed Jinja environment of *loaded*'s landing templates."""
    return _env(template_search(loaded))


def template_error(loaded, exc: BaseException, env=None) -> LandingError:
    """*exc* from a landing template as a :class:`LandingError` located in the template
    file (shown next to the spec, as the user wrote its path), never quoting more than
    a short excerpt of it."""
    err = sandbox.describe(exc, env)
    file = err.file
    if file:
        path = Path(file)  # as the loader found it (not resolved: it may be a refused link)
        if path.is_relative_to(loaded.base.resolve()):
            file = str(loaded.path.parent / path.relative_to(loaded.base.resolve()))
        elif path.is_relative_to(BUILTIN_DIR):
            file = "postergen/templates/landing/" + path.relative_to(BUILTIN_DIR).as_posix()
    return LandingError(err.message, file, err.line)


def check_templates(loaded) -> None:
    """Compile every template in the campaign's own landing folder (each is audited as it
    compiles), so an unsafe template is refused even when no page includes it."""
    env = landing_env(loaded)
    for name in env.loader.own_templates():
        if name.endswith(".j2"):
            try:
                env.get_template(name)
            except Exception as exc:  # noqa: BLE001 — every template error, located
                raise template_error(loaded, exc, env) from None


def _br(value) -> Markup:
    """Template filter: escape, and turn the spec's hard line breaks into <br>."""
    from markupsafe import escape

    return Markup("<br>").join(escape(line) for line in str(value).split("\n"))


def _phrases(value) -> Markup:
    """Template filter: like ``br``, with Chinese text cut into phrases that each keep to
    one line where they fit (``<span class="ph">``, an inline block): a headline breaks
    after its comma ("邀3位好友，/ 领杨枝甘露 1 杯"), not inside a word ("…，领 / 杨枝甘露").
    Phrases end at punctuation and spaces (:func:`postergen.linebreak.phrase_atoms`);
    text without CJK characters is left to the browser."""
    from markupsafe import escape

    from ..linebreak import is_wide, phrase_atoms

    def line(text: str) -> Markup:
        if not any(is_wide(ch) for ch in text):
            return escape(text)
        parts = []
        for atom in phrase_atoms(text):
            if parts and atom.space_before:
                parts.append(" ")
            parts.append(Markup('<span class="ph">{}</span>').format(atom.text))
        return Markup("").join(parts)

    return Markup("<br>").join(line(part) for part in str(value).split("\n"))


def _link(value) -> str:
    """Template filter: pass an http(s) URL, refuse anything else (defence in depth)."""
    if value is None or not _WEB.match(str(value)):
        raise LandingError(f"refusing to link to {value!r}: only http:// and https:// links are allowed")
    return str(value)


def compact_script(source: str) -> str:
    """*source* without its comment lines and indentation (a third of the bytes): only
    whole lines that start with ``//`` go, so strings and regular expressions are safe."""
    lines = (line.strip() for line in source.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//")) + "\n"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def build_csp(scripts, styles, form_origins, connect_origins, script_hosts=(), frame_ancestors: bool = False) -> str:
    """A Content-Security-Policy that lets the page load nothing but its inline parts."""
    parts = [
        "default-src 'none'",
        "base-uri 'none'",
        "object-src 'none'",
        "img-src data:",
        "font-src data:",
        "style-src " + " ".join(styles),
        "script-src " + " ".join([*scripts, *script_hosts]),
        "form-action " + (" ".join(form_origins) or "'none'"),
    ]
    if connect_origins:
        parts.append("connect-src " + " ".join(connect_origins))
    if frame_ancestors:  # only in a header: browsers ignore it (with a console error) in a meta tag
        parts.append("frame-ancestors 'none'")
    return "; ".join(parts)


# --------------------------------------------------------------------------- render


def _share_file(loaded, poster) -> tuple[str, bytes] | None:
    """The share image (``landing.share.image``, else the channel's poster file) as a site file."""
    land = loaded.spec.landing
    source = None
    if land is not None and land.share.image:
        source = loaded.asset(land.share.image)
    elif poster is not None and Path(poster).is_file():
        source = Path(poster)
    if source is None:
        return None
    data, ext = share_image(source)
    return f"share/{hashlib.sha256(data).hexdigest()[:12]}.{ext}", data


def code_pattern(spec) -> str:
    """A regular expression for a well-formed code of this campaign (Crockford base32)."""
    return f"^[0-9A-HJKMNP-TV-Z]{{{spec.tracking.code_length}}}$"


def render_landing(loaded, row: CodeRow, *, poster=None, poster_path=None, now=None) -> LandingPage:
    """Render the landing page of one variant × channel (*row*) of the campaign *loaded*.

    *poster* is the channel's poster file on disk: the page's share image (og:image) is
    made from it and returned in ``page.files``; ``landing.share.image`` takes its place
    when the spec gives one.  (*poster_path* is the old name of *poster*.)  *now* (an
    aware datetime; default :func:`~postergen.landing.rules.build_time`) decides only
    whether a page with a passed ``mechanics.deadline`` is built in its ended state.
    """
    spec = loaded.spec
    content = page_content(spec)
    rules = page_rules(spec, content.lang, content.scarcity, now)
    for _, problem in page_problems(spec):  # no way to act, or nowhere for leads to go
        raise LandingError(problem)
    land = spec.landing
    share = land.share if land else None
    path = landing_path(row)
    own_dir = posixpath.dirname(path) + "/"
    files: list[tuple[str, bytes]] = []
    warnings = list(content.warnings)
    shared = _share_file(loaded, poster if poster is not None else poster_path)
    if shared:
        files.append(shared)
    if share is not None and share.base_url:
        warnings.append(
            "landing.share.base_url is no longer needed and is ignored: share links are made from landing_url, "
            "where the site is served"
        )
    base = urls.site_base(spec)
    meta = {
        "title": (share.title if share and share.title else " ".join(content.headline.split())),
        "description": (share.description if share and share.description else _description(content)),
        "image": base + shared[0] if shared else None,
        "url": base + own_dir,
        "site": spec.brand.name,
    }
    served = urls.served_by_postergen(spec)
    action = urls.lead_url(spec) if content.form is not None else ""
    config = _config(spec, content, row, meta, landing=True)
    config["deadline"] = script_config(rules)
    if rules and rules["ended"] and (content.form is not None):
        warnings.append(
            f"mechanics.deadline {rules['deadline']['iso']} had passed when the page was built: it shows "
            f"'{rules['w']['ended']}' and no form"
        )
    form_origins: list[str] = []
    connect: list[str] = []
    if content.form is not None:
        if action.startswith(("http://", "https://")):
            form_origins.append(_origin(action))
            connect.append(_origin(action))
        # 'self': the endpoint's redirect to the thank-you page (no-JS post) and the fetch that
        # follows it (JS); under postergen serve the endpoint itself.
        form_origins.append("'self'")
        connect.append("'self'")
    elif served:
        connect.append("'self'")  # view events
    script_hosts: tuple[str, ...] = ()
    if config["wechat"]:
        script_hosts = (_origin(WECHAT_SDK),)
        connect.append(_origin(share.wechat_sign_url))
    ctx = {
        "page": content,
        "t": strings(content.lang),
        "spec": spec,
        "row": row,
        "meta": meta,
        "hidden": hidden_fields(spec, row),
        "config": config,
        "action": action,
        "rules": rules,
    }
    doc = _render_document(loaded, f"{land.template if land else 'page'}.html.j2", ctx,
                           tuple(dict.fromkeys(form_origins)), tuple(dict.fromkeys(connect)), script_hosts,
                           late_text=_script_text(config))
    return LandingPage(
        path=path,
        html=doc.html,
        row=row,
        csp=doc.csp,
        script_hashes=doc.scripts,
        style_hashes=doc.styles,
        form_origins=tuple(dict.fromkeys(form_origins)),
        connect_origins=tuple(dict.fromkeys(connect)),
        sizes=doc.sizes,
        files=tuple(files),
        warnings=tuple(warnings) + doc.palette.warnings,
    )


def render_thanks(loaded) -> LandingPage:
    """The thank-you page (``thanks/index.html``, relative to the site base), in the page's
    language: what the visitor sees after sending the form.  Under postergen serve it holds
    a hidden block, revealed when the lead's answer names a ``poster_url``: "生成我的专属海报"."""
    spec = loaded.spec
    content = page_content(spec)
    t = strings(content.lang)
    thanks = spec.landing.thanks if spec.landing else None
    text = {
        "title": (thanks.title if thanks and thanks.title else t["thanks_title"]),
        "text": (thanks.text if thanks and thanks.text else t["thanks_text"]),
    }
    row = CodeRow("", "", "", "", urls.thanks_url(spec), None)
    config = _config(spec, content, row, {}, landing=False)
    connect = ("'self'",) + ((_origin(urls.lead_url(spec)),) if urls.lead_url(spec).startswith("http") else ())
    ctx = {
        "page": content,
        "t": t,
        "spec": spec,
        "row": row,
        "meta": {"title": text["title"], "description": text["text"], "image": None, "url": None, "site": spec.brand.name},
        "thanks": text,
        "hidden": [],
        "config": config,
        "action": "",
        "rules": None,
    }
    doc = _render_document(loaded, "thanks.html.j2", ctx, (), connect, (), late_text=_script_text(config))
    return LandingPage(
        path=urls.THANKS + "index.html",
        html=doc.html,
        row=row,
        csp=doc.csp,
        script_hashes=doc.scripts,
        style_hashes=doc.styles,
        form_origins=(),
        connect_origins=connect,
        sizes=doc.sizes,
        warnings=(),
    )


def _config(spec, content, row: CodeRow, meta: dict, landing: bool) -> dict:
    """What the inline script needs to know (a JSON block next to it, not part of it, so
    every page has the same script and hash)."""
    t = strings(content.lang)
    form = content.form
    config = {
        "carry": list(CARRY),
        "codeParam": spec.tracking.code_param,
        "code": row.code,
        "codeRe": code_pattern(spec),
        "refRe": urls.REF_PATTERN,
        "phoneCN": content.lang.lower().startswith("zh") and (form is None or form.phone_pattern == CN_MOBILE),
        "lead": {"url": urls.lead_url(spec), "thanks": urlsplit(urls.thanks_url(spec)).path} if form is not None else None,
        "events": urls.EVENT_API if landing and urls.served_by_postergen(spec) else None,
        "track": {"campaign": spec.campaign.id, "code": row.code, "channel": row.channel, "variant": row.variant},
        "msg": {
            "phoneMissing": t["phone_missing"],
            "phoneBad": form.phone_hint if form is not None else "",
            "consentMissing": t["consent_missing"],
            "sending": t["sending"],
            "done": t["done"],
            "saved": t["saved"],
            "failed": t["failed"],
            "rejected": t["rejected"],
            "retry": t["retry"],
            "sentLater": t["sent_later"],
        },
        "wechat": None,
        "deadline": None,
    }
    share = spec.landing.share if spec.landing else None
    if landing and share is not None and share.wechat_sign_url:
        config["wechat"] = {
            "sign": share.wechat_sign_url,
            "sdk": WECHAT_SDK,
            "title": meta["title"],
            "desc": meta["description"],
            "image": meta["image"],
        }
    return config


def _script_text(config: dict) -> str:
    """Text the script may write into the page (its messages, the countdown): drawn with
    the page's fonts."""
    clock = config.get("deadline")
    countdown = clock["left"] + clock["days"] + "0123456789: " if clock else ""
    return "".join(config["msg"].values()) + countdown


@dataclass(frozen=True)
class _Document:
    html: str
    csp: str
    scripts: tuple[str, ...]
    styles: tuple[str, ...]
    sizes: PageSizes
    palette: object


def _render_document(loaded, name: str, ctx: dict, form_origins, connect, script_hosts, late_text: str = "") -> _Document:
    """Render a page template twice: once to learn its text, then with its fonts, CSS and CSP."""
    spec = loaded.spec
    pal = palette(spec.theme)
    used_images: list[PageImage] = []

    def image(rel: str, width: int, height: int | None = None, fit: str = "cover", kind: str = "photo", focal=(0.5, 0.5)):
        for what, value in (("width", width), ("height", height if height is not None else 1)):
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_IMAGE_CSS_PX:
                raise LandingError(f"image(): {what} must be a whole number of CSS px from 1 to {MAX_IMAGE_CSS_PX}, not {value!r}")
        if fit not in ("cover", "contain") or kind not in ("photo", "qr"):
            raise LandingError("image(): fit is 'cover' or 'contain', kind is 'photo' or 'qr'")
        try:
            focal = (float(focal[0]), float(focal[1]))
        except (TypeError, ValueError, IndexError):
            raise LandingError(f"image(): focal must be (x, y) between 0 and 1, not {focal!r}") from None
        try:
            full = loaded.asset(str(rel))
        except ImageProblem as exc:
            raise LandingError(f"image(): {exc}") from None
        if not full.is_file():
            raise LandingError(f"image(): '{rel}' is not a file in the campaign folder")
        img = page_image(full, width, height, fit=fit, focal=focal, kind=kind)
        used_images.append(img)
        return img

    env = landing_env(loaded)
    try:
        tpl = env.get_template(name)
        script = compact_script(env.loader.get_source(env, "script.js")[0])
    except Exception as exc:  # noqa: BLE001 — not found, refused, unsafe, syntax: located
        raise template_error(loaded, exc, env) from None
    if "</script" in script.lower():
        raise LandingError("script.js may not contain '</script'")
    # plain data only: the sandbox never sees the campaign objects
    ctx = {**{k: sandbox.plain(v) for k, v in ctx.items()}, "colors": sandbox.plain(pal), "image": image, "script": Markup(script)}

    def render(css: str, late: str, csp: str) -> str:
        used_images.clear()
        try:
            return sandbox.render(tpl, ctx, css=Markup(css), late=Markup(late), csp=csp)
        except Exception as exc:  # noqa: BLE001 — unsafe, undefined, a refused link: located
            raise template_error(loaded, exc, env) from None

    draft_html = render("", "", "")
    fonts = fontsubset.split_fonts(loaded, draft_html, FOLD, late_text)
    try:
        css = sandbox.render(
            env.get_template("style.css.j2"),
            colors=ctx["colors"],
            fonts=[*fonts.heading, *fonts.body],
            heading=fontsubset.font_stack([*fonts.heading, *fonts.late_heading]),
            body=fontsubset.font_stack([*fonts.body, *fonts.late_body]),
            radius=max(0, min(24, round(spec.theme.radius * 375 / 1080))),
            thanks_page=name == "thanks.html.j2",
            mechanics=ctx.get("rules") is not None,  # the ladder, countdown and ended state
        )
    except Exception as exc:  # noqa: BLE001
        raise template_error(loaded, exc, env) from None
    if "</style" in css.lower():
        raise LandingError("style.css.j2 may not produce '</style'")
    late_css = "".join(f.css(ranged=True) for f in (*fonts.late_heading, *fonts.late_body))
    # (a <style> inside inline SVG: valid HTML in the body, and a stylesheet of the document)
    late = f'<svg class="late" aria-hidden="true" focusable="false" width="0" height="0"><style>{late_css}</style></svg>' if late_css else ""
    styles = [_sha256(css)] + ([_sha256(late_css)] if late_css else [])
    scripts = (_sha256(script),)
    csp = build_csp(scripts, styles, form_origins, connect, script_hosts)
    html = render(css, late, csp)
    if f"<style>{css}</style>" not in html or f"<script>{script}</script>" not in html:
        raise LandingError(
            f"{name} must include <style>{{{{ css }}}}</style> and <script>{{{{ script }}}}</script> "
            "exactly: the Content-Security-Policy allows them by hash"
        )
    if late and late not in html:
        # A template without {{ late }}: every font goes into the head instead.
        css = css + late_css
        styles = [_sha256(css)]
        csp = build_csp(scripts, styles, form_origins, connect, script_hosts)
        html = render(css, "", csp)
        late_css = ""
    fonts_b64 = sum(len(f.css()) for f in (*fonts.heading, *fonts.body, *fonts.late_heading, *fonts.late_body))
    images_b64 = sum(len(i.uri) for i in {i.uri: i for i in used_images}.values())
    return _Document(html, csp, scripts, tuple(styles), _sizes(html, fonts_b64, images_b64), pal)


def _description(content: Content) -> str:
    text = content.subheadline or (content.benefits[0].text if content.benefits else content.headline)
    return " ".join(text.split())


def _gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def _sizes(html: str, font: int, images: int) -> PageSizes:
    total = len(html.encode("utf-8"))
    cut = html.find(FOLD)
    first = len(html[:cut].encode("utf-8")) if cut >= 0 else total
    return PageSizes(total, first, font, images, html=html)


# --------------------------------------------------------------------------- sizes


def size_table(pages) -> str:
    """A Markdown table of page sizes in KB (raw / gzip)."""
    rows = ["| page | total KB | gzip | first screen KB | gzip | font KB | images KB |", "|---|---:|---:|---:|---:|---:|---:|"]
    for p in pages:
        s = p.sizes
        rows.append(
            f"| {p.path} | {s.total / 1024:.1f} | {s.total_gzip / 1024:.1f} | {s.first_screen / 1024:.1f} | "
            f"{s.first_screen_gzip / 1024:.1f} | {s.font / 1024:.1f} | {s.images / 1024:.1f} |"
        )
    return "\n".join(rows) + "\n"
