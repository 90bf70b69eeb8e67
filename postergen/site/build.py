"""Build the campaign's web site: every file of ``OUT/site/`` (and ``OUT/short/``).

``OUT/site/`` is the document root of ``landing_url``'s host: files sit where their URL
says (``OUT/site/chayu/mango-invite/landing/base/moments/index.html`` is served at
``https://h5.example.com/chayu/mango-invite/landing/base/moments/``), so the folder deploys
as it is — to a static host, to nginx, or behind ``postergen serve``::

    site/<base>/landing/<variant>/<channel>/index.html   landing pages
    site/<base>/landing/<channel>/index.html             split pages (with variants)
    site/<base>/thanks/index.html                        the thank-you page
    site/<base>/share/<hash>.jpg                         share images
    site/<base>/index.html                               without channels: forwards to the page
    site/<short>/c/<CODE>/index.html                     short links, when short_base is on this host
    site/_headers, site/_redirects, site/nginx.conf      host rules (see hostrules.py)
    short/…                                              the same for a short_base on another host

:func:`site_files` and :func:`short_files` return the files; ``pipeline.build`` writes them.
The pages themselves are made by :mod:`postergen.site.pages`: in a build, those unchanged
since the last one are kept and the others rendered on the ``--jobs`` workers.
"""

from __future__ import annotations

import contextlib
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from . import urls
from .hostrules import HostRules, Page, Redirect

SITE_DIR = "site"
SHORT_DIR = "short"


@dataclass(frozen=True)
class SiteFile:
    """One file of the site, by its path in the output folder, with its manifest columns."""

    path: str
    data: bytes | None  # None: kept from the last build, the file already has *sha256*
    kind: str  # landing | landing-asset | split | thanks | redirect | entry | headers | redirects | nginx
    variant: str = ""
    channel: str = ""
    code: str = ""
    url: str = ""
    sha256: str = ""  # of data (pages and their assets)
    extra: dict = field(default_factory=dict)  # a page's manifest fields: inputs_sha256, csp, assets…


@dataclass
class SiteBuild:
    """The site's files (or, given a *sink*, each file handed to it as it is made and not
    kept: a build writes a page and lets its HTML go), failures and warnings."""

    files: list[SiteFile] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (path, message)
    warnings: list[str] = field(default_factory=list)
    pages: list = field(default_factory=list)  # the LandingPages, for size reports (not with a sink)
    sink: Callable[[SiteFile], None] | None = None
    made: int = 0  # landing pages made (rendered or kept)
    rendered: int = 0  # pages rendered (landing and thank-you), not kept from the last build
    kinds: set = field(default_factory=set)
    _paths: set = field(default_factory=set)

    def add(self, f: SiteFile) -> None:
        if f.path in self._paths:
            return
        self._paths.add(f.path)
        self.kinds.add(f.kind)
        if self.sink is not None:
            self.sink(f)
        else:
            self.files.append(f)


def _page_extra(made) -> dict:
    return {"inputs_sha256": made.inputs, **made.row_extra()} if made.inputs else {}


def _common_prefix(paths: list[str]) -> str:
    parts = [p.strip("/").split("/") for p in paths]
    common = []
    for segs in zip(*parts):
        if len(set(segs)) != 1 or not segs[0]:
            break
        common.append(segs[0])
    return "/" + "/".join(common) + ("/" if common else "")


def _dir(path: str) -> str:
    """``landing/base/moments/index.html`` → ``landing/base/moments/``."""
    d = posixpath.dirname(path)
    return d + "/" if d else ""


def _page_words(loaded) -> tuple[str, str]:
    from ..landing.content import page_content

    content = page_content(loaded.spec)
    return content.lang, " ".join(content.headline.split())


def site_files(loaded, rows, posters: dict[tuple[str, str], Path] | None = None, sink=None, *,
               folder: Path | None = None, previous: dict | None = None, workers: int = 1) -> SiteBuild:
    """The site of the campaign *loaded*: pages for every variant × channel of *rows* (the
    code table), split pages, the thank-you page, short links on this host and host rules.

    *posters* maps (variant, channel) to the poster file the page's share image is made of.
    Given *sink*, every file is handed to ``sink(file)`` as soon as it is made instead of
    being kept in the result (only its path is remembered).  Given the output folder
    *folder* and the rows of its last manifest (*previous*), pages whose inputs are unchanged are
    not rendered again: their files are handed on with ``data`` None (see
    postergen.site.pages); *workers* processes render the others.
    """
    from ..landing import default_row
    from ..redirects import page_csp, redirect_html, source
    from ..split import CSS as SPLIT_CSS
    from ..split import split_html, split_path
    from .pages import PageMaker, PageTask

    spec = loaded.spec
    posters = posters or {}
    out = SiteBuild(sink=sink)
    prefix = urls.base_path(spec)
    root = SITE_DIR + prefix  # site/chayu/mango-invite/
    pages: list[Page] = []
    redirects: list[Redirect] = []
    lang, title = _page_words(loaded)
    variant_list = loaded.variant_list()
    tasks = []
    for vname, _, _, vloaded in variant_list:
        for row in [r for r in rows if r.variant == vname] or [default_row(vloaded, vname)]:
            path = root + urls.page_dir(vname, row.channel) + "index.html"
            tasks.append(PageTask("landing", path, vname, row, posters.get((vname, row.channel))))
    tasks.append(PageTask("thanks", root + urls.THANKS + "index.html"))
    maker = PageMaker(loaded, root, out=folder, previous=previous, workers=workers, keep_pages=sink is None)
    with contextlib.closing(maker.make(tasks)) as made_pages:  # closed: its workers stop on any error
        for task, made in zip(tasks[:-1], made_pages):
            if made.failure:
                out.failures.append((task.path, made.failure))
                continue
            out.made += 1
            if sink is None:
                out.pages.append(made.page)
            row = task.row
            meta = {"variant": row.variant, "channel": row.channel, "code": row.code, "url": row.url}
            out.add(SiteFile(made.path, made.data, "landing", **meta, sha256=made.sha256, extra=_page_extra(made)))
            for path, data, sha in made.assets:
                out.add(SiteFile(path, data, "landing-asset", **meta, sha256=sha))
            pages.append(Page(_dir(made.path[len(SITE_DIR):]), made.csp))
            for message in made.warnings:
                text = f"{made.path}: {message}"
                if text not in out.warnings:
                    out.warnings.append(text)
        thanks = next(made_pages)  # rendered (or kept) with the others: on the workers too
    out.rendered = maker.rendered
    if not out.made:
        return out

    channels = [c.id for c in spec.channels] or [""]
    if loaded.variants:
        from ..variants import shares

        weights = shares([(name, weight) for name, weight, _, _ in variant_list])  # finite, normalised
        split_csp = page_csp(source("split.js"), SPLIT_CSS)
        for channel in channels:
            codes = {r.code: r.variant for r in rows if r.channel == channel and r.code}
            html = split_html(spec.campaign.id, channel, weights, lang=lang, title=title, codes=codes,
                              code_param=spec.tracking.code_param)
            utm = {k: v for k, v in _utm_of(rows, channel).items() if k != "utm_content"}
            out.add(SiteFile(root + split_path(channel), html.encode("utf-8"), "split", channel=channel,
                             url=urls.split_url(spec, channel, utm)))
            pages.append(Page(prefix + urls.split_dir(channel), split_csp))

    if thanks.failure:
        out.failures.append((tasks[-1].path, thanks.failure))
    else:
        out.add(SiteFile(thanks.path, thanks.data, "thanks", url=urls.thanks_url(spec), sha256=thanks.sha256,
                         extra=_page_extra(thanks)))
        pages.append(Page(prefix + urls.THANKS, thanks.csp))

    redirect_csp = page_csp(source("redirect.js"))
    if not spec.channels:  # the bare landing_url: forward to the page (or the split page)
        first = variant_list[0][0]
        target = urls.site_base(spec) + (urls.split_dir("") if loaded.variants else urls.page_dir(first, ""))
        out.add(SiteFile(root + "index.html", redirect_html(target, title, lang).encode("utf-8"), "entry", url=target))
        pages.append(Page(prefix, redirect_csp))
        redirects.append(Redirect(prefix, target))

    short = spec.tracking.short_base
    if short and urls.origin(short) == urls.origin(urls.site_base(spec)):
        for f, redirect in _short_links(spec, rows, lang, title, SITE_DIR):
            out.add(f)
            redirects.append(redirect)
            pages.append(Page(urlsplit(redirect.source).path, redirect_csp))

    assets = [prefix + "share/"] if "landing-asset" in out.kinds else []
    rules = HostRules(_common_prefix([prefix, *(p.path for p in pages)]), pages, redirects, assets)
    _host_files(out, SITE_DIR, rules, urls.origin(urls.site_base(spec)))
    return out


def short_files(loaded, rows) -> SiteBuild:
    """``OUT/short/``: the short links of a ``tracking.short_base`` on a host of its own (or
    of a campaign without a site), with their host rules."""
    spec = loaded.spec
    out = SiteBuild()
    short = spec.tracking.short_base
    if not short or not [r for r in rows if r.code]:
        return out
    has_site = urls.has_site(spec)
    if has_site and urls.origin(short) == urls.origin(urls.site_base(spec)):
        return out  # on the site's own host: written with the site
    lang, title = _page_words(loaded)
    from ..redirects import page_csp, source

    csp = page_csp(source("redirect.js"))
    pages, redirects = [], []
    for f, redirect in _short_links(spec, rows, lang, title, SHORT_DIR):
        out.add(f)
        pages.append(Page(urlsplit(redirect.source).path, csp))
        if has_site:  # a target without a query: the hosts pass the visitor's query on
            redirects.append(redirect)
    rules = HostRules(_common_prefix([p.path for p in pages]), pages, redirects)
    _host_files(out, SHORT_DIR, rules, urls.origin(short))
    return out


def _short_links(spec, rows, lang: str, title: str, folder: str):
    """(redirect page file, host rule) per code: to the code's landing page on the site, or
    (without a site) to its full URL on your own landing page."""
    from ..redirects import redirect_html

    seen = set()
    for row in rows:
        if not row.code or row.code in seen:
            continue
        seen.add(row.code)
        origin, path = urls.short_dir(spec, row.code)
        target = urls.page_url(spec, row.variant, row.channel) if urls.has_site(spec) else row.url
        html = redirect_html(target, title, lang)
        meta = {"variant": row.variant, "channel": row.channel, "code": row.code, "url": urls.short_link(spec, row.code)}
        yield SiteFile(folder + path + "index.html", html.encode("utf-8"), "redirect", **meta), Redirect(path, target)


def _host_files(out: SiteBuild, folder: str, rules: HostRules, host: str) -> None:
    out.add(SiteFile(f"{folder}/_headers", rules.headers_text().encode("utf-8"), "headers"))
    if rules.redirects:
        out.add(SiteFile(f"{folder}/_redirects", rules.redirects_text().encode("utf-8"), "redirects"))
    out.add(SiteFile(f"{folder}/nginx.conf", rules.nginx_text(f"OUT/{folder}", host).encode("utf-8"), "nginx"))


def _utm_of(rows, channel: str) -> dict[str, str]:
    """The UTM values of *channel* (from its first row's URL)."""
    from urllib.parse import parse_qsl

    row = next((r for r in rows if r.channel == channel), None)
    if row is None:
        return {}
    return {k: v for k, v in parse_qsl(urlsplit(row.url).query) if k.startswith("utm_")}
