"""Render one landing page: campaign + tracking row → self-contained HTML.

::

    content = page_content(spec)                      # landing: over poster defaults
    html₁   = template(content, css="")               # pass 1: what text does it show?
    fonts   = subset(theme fonts, text of html₁)      # WOFF2, exactly those glyphs
    css     = style.css.j2(palette, fonts)
    html    = template(content, css, csp(hashes))     # pass 2: the page

Templates are Jinja2 in postergen's sandbox (:mod:`postergen.sandbox`: autoescape on,
undefined variables as errors, no Python internals, files confined to the campaign
folder), found on a search path: ``<campaign>/<output.templates_dir>/landing/`` first,
then the built-in ones, so a campaign replaces one template (``top.html.j2``,
``style.css.j2``…) by giving a file the same name.  Templates get plain data (dicts,
lists, text), never the campaign objects.  The page loads nothing: CSS, font and images are inline, the only
script is inline and allowed by its hash in the Content-Security-Policy.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import posixpath
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from markupsafe import Markup

from .. import sandbox
from ..codes import CodeRow
from ..errors import PostergenError
from ..images import ImageProblem, resolve_inside
from ..tracking import UTM_KEYS
from . import fontsubset
from .content import Content, page_content, strings
from .images import PageImage, page_image, share_image
from .palette import palette

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "templates" / "landing"
FOLD = "<!--fold-->"
CARRY = (*UTM_KEYS, "utm_term", "ref")  # kept from the visited URL by the inline script
WECHAT_SDK = "https://res.wx.qq.com/open/js/jweixin-1.6.0.js"
MAX_IMAGE_CSS_PX = 1200  # image() sizes in CSS px (the page is at most 480 px wide)
_WEB = re.compile(r"^https?://[^\s/?#\x00-\x1f\x7f]+[^\s\x00-\x1f\x7f]*$", re.IGNORECASE)


class LandingError(sandbox.TemplateError):
    """A landing page cannot be rendered (a template problem); the message says which,
    and ``file``/``line`` say where when it is in a template."""


@dataclass(frozen=True)
class PageSizes:
    """Bytes of one page: all of it, and what the first screen needs (head + top section)."""

    total: int
    first_screen: int
    font: int  # the inline fonts, base64 as in the page
    images: int  # the inline images, base64 as in the page
    total_gzip: int
    first_screen_gzip: int

    def to_dict(self) -> dict:
        return dict(self.__dict__)


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
    """The row of a campaign without channels: no code, the landing URL as it is."""
    url = loaded.spec.landing_url
    return CodeRow("", "", variant, "", url, None)


def hidden_fields(spec, row: CodeRow) -> list[tuple[str, str]]:
    """The form's hidden fields: campaign, code, channel, variant, UTM values and ref."""
    query = dict(parse_qsl(urlsplit(row.url).query, keep_blank_values=True))
    fields = [("campaign", spec.campaign.id), ("code", row.code), ("channel", row.channel), ("variant", row.variant)]
    fields += [(key, query.get(key, "")) for key in CARRY]
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
        filters={"link": _link, "br": _br},
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


def _link(value) -> str:
    """Template filter: pass an http(s) URL, refuse anything else (defence in depth)."""
    if value is None or not _WEB.match(str(value)):
        raise LandingError(f"refusing to link to {value!r}: only http:// and https:// links are allowed")
    return str(value)


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


def render_landing(loaded, row: CodeRow, *, poster_path: str | None = None) -> LandingPage:
    """Render the landing page of one variant × channel (*row*) of the campaign *loaded*.

    *poster_path* is the channel's poster, relative to the output folder (for the share
    image); ``landing.share.image`` takes its place when the spec gives one.
    """
    spec = loaded.spec
    content = page_content(spec)
    pal = palette(spec.theme)
    land = spec.landing
    share = land.share if land else None
    path = landing_path(row)
    page_dir = posixpath.dirname(path)
    files: list[tuple[str, bytes]] = []

    image_path = None
    if share is not None and share.image:
        data, ext = share_image(loaded.asset(share.image))
        image_path = f"landing/share/{hashlib.sha256(data).hexdigest()[:12]}.{ext}"
        files.append((image_path, data))
    elif poster_path:
        image_path = poster_path
    base_url = share.base_url if share is not None else None

    def public(rel: str) -> str:
        if base_url:
            return base_url.rstrip("/") + "/" + rel
        return posixpath.relpath(rel, page_dir)

    meta = {
        "title": (share.title if share and share.title else " ".join(content.headline.split())),
        "description": (share.description if share and share.description else _description(content)),
        "image": public(image_path) if image_path else None,
        "url": public(page_dir + "/") if base_url else None,
        "site": spec.brand.name,
    }
    config = {"carry": list(CARRY), "wechat": None}
    script_hosts: tuple[str, ...] = ()
    connect: tuple[str, ...] = ()
    if share is not None and share.wechat_sign_url:
        config["wechat"] = {
            "sign": share.wechat_sign_url,
            "sdk": WECHAT_SDK,
            "title": meta["title"],
            "desc": meta["description"],
            "image": meta["image"],
        }
        script_hosts = (_origin(WECHAT_SDK),)
        connect = (_origin(share.wechat_sign_url),)

    form_origins: list[str] = []
    if content.form is not None:
        form_origins.append(_origin(content.form.endpoint) if content.form.endpoint else "'self'")
    form_origins = list(dict.fromkeys(form_origins))

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
    name = f"{land.template if land else 'page'}.html.j2"
    try:
        tpl = env.get_template(name)
        script = env.loader.get_source(env, "script.js")[0]
    except Exception as exc:  # noqa: BLE001 — not found, refused, unsafe, syntax: located
        raise template_error(loaded, exc, env) from None
    if "</script" in script.lower():
        raise LandingError("script.js may not contain '</script'")
    ctx = {  # plain data only: the sandbox never sees the campaign objects
        "page": sandbox.plain(content),
        "t": dict(strings(content.lang)),
        "spec": sandbox.plain(spec),
        "row": sandbox.plain(row),
        "colors": sandbox.plain(pal),
        "meta": sandbox.plain(meta),
        "hidden": sandbox.plain(hidden_fields(spec, row)),
        "config": sandbox.plain(config),
        "image": image,
        "script": Markup(script),
    }

    def render(css: str, csp: str) -> str:
        used_images.clear()
        try:
            return sandbox.render(tpl, ctx, css=Markup(css), csp=csp)
        except Exception as exc:  # noqa: BLE001 — unsafe, undefined, a refused link: located
            raise template_error(loaded, exc, env) from None

    draft_html = render("", "")
    heading, body = fontsubset.page_fonts(loaded, draft_html)
    try:
        css = sandbox.render(
            env.get_template("style.css.j2"),
            colors=ctx["colors"],
            fonts=[*heading, *body],
            heading=fontsubset.font_stack(heading),
            body=fontsubset.font_stack(body),
            radius=max(0, min(24, round(spec.theme.radius * 375 / 1080))),
        )
    except Exception as exc:  # noqa: BLE001
        raise template_error(loaded, exc, env) from None
    if "</style" in css.lower():
        raise LandingError("style.css.j2 may not produce '</style'")
    scripts, styles = (_sha256(script),), (_sha256(css),)
    csp = build_csp(scripts, styles, form_origins, connect, script_hosts)
    html = render(css, csp)
    if f"<style>{css}</style>" not in html or f"<script>{script}</script>" not in html:
        raise LandingError(
            f"{name} must include <style>{{{{ css }}}}</style> and <script>{{{{ script }}}}</script> "
            "exactly: the Content-Security-Policy allows them by hash"
        )
    fonts_b64 = sum(len(f.css()) for f in (*heading, *body))
    images_b64 = sum(len(i.uri) for i in {i.uri: i for i in used_images}.values())
    return LandingPage(
        path=path,
        html=html,
        row=row,
        csp=csp,
        script_hashes=scripts,
        style_hashes=styles,
        form_origins=tuple(form_origins),
        connect_origins=connect,
        sizes=_sizes(html, fonts_b64, images_b64),
        files=tuple(files),
        warnings=tuple(content.warnings) + pal.warnings,
    )


def _description(content: Content) -> str:
    text = content.subheadline or (content.benefits[0].text if content.benefits else content.headline)
    return " ".join(text.split())


def _gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def _sizes(html: str, font: int, images: int) -> PageSizes:
    data = html.encode("utf-8")
    cut = html.find(FOLD)
    first = html[:cut].encode("utf-8") if cut >= 0 else data
    return PageSizes(len(data), len(first), font, images, _gz(data), _gz(first))


# --------------------------------------------------------------------------- for hosts

SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
)


def headers_file(pages) -> str:
    """Content of a ``_headers`` file (Netlify / Cloudflare Pages format) for *pages*.

    One rule for ``/landing/*``: the union of every page's policy (each page's own meta tag
    narrows it to its own hashes), plus ``frame-ancestors``, which only works as a header.
    """
    pages = list(pages)
    union = lambda attr: list(dict.fromkeys(x for p in pages for x in getattr(p, attr)))  # noqa: E731
    hosts = (_origin(WECHAT_SDK),) if any(p.connect_origins for p in pages) else ()
    csp = build_csp(
        union("script_hashes"), union("style_hashes"), union("form_origins"), union("connect_origins"), hosts, True
    )
    lines = [
        "# Security headers for the landing pages (Netlify / Cloudflare Pages `_headers` format).",
        "# Written by postergen; serve the output folder as the site root. Other hosts: copy these",
        "# headers into the server configuration (nginx add_header, an S3/CDN response policy).",
        "/landing/*",
        f"  Content-Security-Policy: {csp}",
    ]
    lines += [f"  {k}: {v}" for k, v in SECURITY_HEADERS]
    return "\n".join(lines) + "\n"


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
