"""Make a build's pages (landing pages and the thank-you page): keep the unchanged ones,
render the others — in this process or on every core.

A page is made of its effective spec (its variant's, as its channel sees it: templates
are given the whole spec, but not the other channels' ``set``), its row of the code table (code, URLs), the bytes of the
share image's source (the channel's poster, or ``landing.share.image``), the landing
templates (the campaign's own folder and the built-in one), the theme's fonts, the image
files its templates read (recorded as it renders: ``depends`` in its manifest row) and
the code (:func:`postergen.incremental.code_fingerprint`, Jinja2's version).
:class:`PageHasher` hashes all of that into the ``inputs_sha256`` of the page's manifest
row.  A page whose hash is the same as in the last build's manifest, whose file still has
the manifest's bytes and whose share image (``assets``) is still there with its bytes is
not rendered again: its row is written as it was (with its ``csp`` for the host rules
and its ``warnings``).  Any doubt renders it again.

With ``workers`` > 1 and enough pages to render, the first is rendered here (it warms the
font-subset and template caches the workers inherit) and the rest on forked workers
(:func:`postergen.procpool.fork_pool`), which hand the pages back; the results are taken
in the pages' order, so files, manifest, warnings and failures are the same for any
number of workers.
"""

from __future__ import annotations

import functools
import json
import math
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Iterator

from ..writer import file_sha256, sha256

SMALL = 4  # fewer pages than this to render: no pool


@dataclass(frozen=True)
class PageTask:
    """One page to make: a variant × channel landing page (*row*), or the thank-you page."""

    kind: str  # landing | thanks
    path: str  # where it goes in the output folder (failures are reported there)
    variant: str = ""
    row: object = None  # CodeRow
    poster: Path | None = None  # the share image's source poster


@dataclass(frozen=True)
class Made:
    """A page made for the site: rendered (*data*, *page*) or kept (*data* None: the file is
    already there with *sha256*); or the reason it could not be made (*failure*)."""

    path: str = ""
    data: bytes | None = None
    sha256: str = ""
    assets: tuple[tuple[str, bytes | None, str], ...] = ()  # (output path, data or None when kept, sha256)
    csp: str = ""
    warnings: tuple[str, ...] = ()
    inputs: str = ""
    depends: tuple[str, ...] = ()
    failure: str = ""
    page: object = None  # the LandingPage, when rendered

    @property
    def kept(self) -> bool:
        return self.data is None and not self.failure

    def row_extra(self) -> dict:
        """The page's manifest.json fields beyond the common columns."""
        extra = {"csp": self.csp, "assets": [[p, sha] for p, _, sha in self.assets], "depends": list(self.depends)}
        if self.warnings:
            extra["warnings"] = list(self.warnings)
        return extra


class PageHasher:
    """``of(task, depends)``: the input hash of one page of the campaign *loaded*."""

    def __init__(self, loaded):
        self.loaded = loaded
        self._parts: dict[tuple[str, str], str] = {}

    def of(self, task: PageTask, depends) -> str:
        from ..incremental import code_fingerprint, file_hash

        v = self._variant(task)
        key = (task.variant, task.row.channel if task.row is not None else "")
        if key not in self._parts:
            self._parts[key] = sha256(json.dumps(_static(v, key[1]), sort_keys=True, default=str).encode())
        share = None
        if task.kind == "landing":
            land = v.spec.landing
            if land is not None and land.share.image:
                share = file_hash(str(_asset(v, land.share.image)))
            elif task.poster is not None:
                share = file_hash(str(task.poster))
        row = asdict(task.row) if task.row is not None else None
        base = v.base.resolve()
        reads = [(rel, file_hash(str(base / rel))) for rel in depends]
        return sha256(json.dumps([task.kind, code_fingerprint(), _libraries(), self._parts[key], row, share, reads]).encode())

    def _variant(self, task: PageTask):
        if task.kind == "thanks":
            return self.loaded.variant_list()[0][3]
        return self.loaded.variant(task.variant, task.row.channel)


def _static(v, channel: str) -> list:
    """What the pages of *v* (a variant as *channel* sees it) are made of: its spec (the
    templates get all of it) without the other channels' ``set`` — a channel's overrides
    render its own page again, not every page — its fonts and the landing templates."""
    from ..incremental import file_hash
    from ..landing.render import template_dirs

    spec = v.spec.model_dump(mode="json")
    for entry in spec.get("channels") or ():
        if entry.get("id") != channel:
            entry.pop("set", None)

    fonts = [(p, file_hash(p)) for p in (*v.heading, *v.body)]
    templates = []
    for folder in template_dirs(v):
        if folder.is_dir():
            for dirpath, dirnames, filenames in os.walk(folder):
                dirnames.sort()
                for name in sorted(filenames):
                    path = os.path.join(dirpath, name)
                    templates.append((os.path.relpath(path, folder), file_hash(path)))
        templates.append(str(folder))
    return [spec, str(v.base), fonts, templates]


def _asset(v, rel: str) -> Path:
    try:
        return v.asset(rel)
    except Exception:  # noqa: BLE001 — the loader reported it; the render fails
        return Path("-")


@functools.cache
def _libraries() -> str:
    from importlib import metadata

    return ",".join(f"{d}={metadata.version(d)}" for d in ("jinja2", "markupsafe"))


# --------------------------------------------------------------------------- making


_STATE: dict = {}  # in a worker: the loaded campaign and the site's folder prefix


def _init(loaded, root: str, keep_pages: bool) -> None:
    _STATE.update(loaded=loaded, root=root, keep_pages=keep_pages)


def _render_in_worker(task: PageTask) -> Made:
    made = render_page(_STATE["loaded"], _STATE["root"], task)
    return made if _STATE["keep_pages"] else replace(made, page=None)  # the bytes are in data


def render_page(loaded, root: str, task: PageTask) -> Made:
    """Render the page of *task* (files under *root*, e.g. ``site/chayu/mango-invite/``)."""
    from ..landing import LandingError, render_landing
    from ..landing.images import recording
    from ..landing.render import render_thanks

    with recording() as read:
        try:
            if task.kind == "thanks":
                page = render_thanks(loaded.variant_list()[0][3])
            else:
                page = render_landing(loaded.variant(task.variant, task.row.channel), task.row, poster=task.poster)
        except LandingError as exc:
            return Made(path=task.path, failure=str(exc))
    base = loaded.base.resolve()  # image paths are resolved inside it (loaded.asset)
    depends = tuple(Path(os.path.relpath(p, base)).as_posix() for p in read)
    data = page.data
    assets = tuple((root + p, d, sha256(d)) for p, d in page.files)
    return Made(root + page.path, data, sha256(data), assets, page.csp, tuple(page.warnings),
                depends=depends, page=page)


class PageMaker:
    """Make the pages of the campaign *loaded* whose files go under *root*.

    Given the output folder *out* and the rows of its last manifest (*previous*, by path),
    pages whose inputs are unchanged are kept (see the module docstring); *workers*
    processes render the others when there are enough of them."""

    def __init__(self, loaded, root: str, out: Path | None = None, previous: dict | None = None, workers: int = 1,
                 keep_pages: bool = True):
        self.loaded = loaded
        self.keep_pages = keep_pages  # Made.page from the workers too (else only data)
        self.root = root
        self.out = out
        self.previous = previous or {}
        self.workers = workers
        self.hasher = PageHasher(loaded) if out is not None else None
        self.rendered = 0  # pages rendered by this maker (kept ones are not)

    def make(self, tasks: list[PageTask]) -> Iterator[Made]:
        """A :class:`Made` for each of *tasks*, in their order."""
        kept: dict[int, Made] = {}
        todo: list[int] = []
        for i, task in enumerate(tasks):
            made = self._kept(task)
            if made is not None:
                kept[i] = made
            else:
                todo.append(i)
        self.rendered += len(todo)
        rendered = self._render([tasks[i] for i in todo])
        try:
            for i, task in enumerate(tasks):
                made = kept.get(i) or next(rendered)
                if self.hasher is not None and not made.failure and not made.kept:
                    made = replace(made, inputs=self.hasher.of(task, made.depends))
                yield made
        finally:
            rendered.close()  # stops the workers, also when the caller stops early (a write error)

    def _kept(self, task: PageTask) -> Made | None:
        """The page as the last build left it, if its inputs and files are unchanged."""

        if self.hasher is None:
            return None
        row = self.previous.get(task.path)
        if not row or row.get("kind") != task.kind or not row.get("inputs_sha256"):
            return None
        try:
            depends = tuple(str(d) for d in row.get("depends") or ())
            assets = tuple((str(p), None, str(sha)) for p, sha in row.get("assets") or ())
            csp, warnings = str(row.get("csp") or ""), tuple(str(w) for w in row.get("warnings") or ())
        except (TypeError, ValueError):
            return None
        if any(Path(d).is_absolute() or ".." in Path(d).parts for d in depends):
            return None  # not a file this build would read
        if any(not p.startswith(self.root) or ".." in p.split("/") for p, _, _ in assets):
            return None  # not a file of this site
        if not csp or row["inputs_sha256"] != self.hasher.of(task, depends):
            return None
        for path, _, sha in ((task.path, None, row.get("sha256")), *assets):
            if file_sha256(self.out / path) != sha:
                return None
        return Made(task.path, None, row["sha256"], assets, csp, warnings, row["inputs_sha256"], depends)

    def _render(self, tasks: list[PageTask]) -> Iterator[Made]:
        if not tasks:
            return
        first = render_page(self.loaded, self.root, tasks[0])  # warms the caches the workers inherit
        yield first
        rest = tasks[1:]
        if self.workers <= 1 or len(rest) < SMALL:
            for task in rest:
                yield render_page(self.loaded, self.root, task)
            return
        from ..procpool import fork_pool

        workers = min(self.workers, len(rest))
        pool = fork_pool(workers, _init, (self.loaded, self.root, self.keep_pages))
        try:
            yield from pool.map(_render_in_worker, rest, chunksize=max(1, math.ceil(len(rest) / (4 * workers))))
        finally:
            pool.shutdown(cancel_futures=True)

