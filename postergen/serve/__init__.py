"""``postergen serve``: keep every lead and event of a campaign, render personal posters.

One small server runs a campaign without a backend: it serves the built site, records
short-link scans, page views and form submits, keeps leads (SQLite next to the site, or
PostgreSQL), and renders a new participant's own poster from a signed URL — today's
invitee becomes tomorrow's inviter.

::

    state = open_serve(load_campaign(spec), Settings.for_site("out/site"))
    app = create_app(state)          # Starlette; the routes table is in app.py
    run(app, host, port)             # uvicorn with slow-client timeouts (server.py)

Modules: ``app`` (routes and handlers), ``leads`` (validation, phone normalising and
hashing, person ids), ``forms`` (bounded bodies), ``store`` (SQLite/PostgreSQL, group
commit), ``ratelimit`` (client address, token buckets), ``signing`` (poster URLs),
``posters`` (render and cache), ``site`` (static files and ``_headers``), ``accesslog``
(no personal data in logs), ``server`` (uvicorn), ``export`` (``postergen leads
export``).  It may import the core modules; nothing in the core imports it.
"""

from __future__ import annotations

import os
import time
from collections import OrderedDict
from urllib.parse import urlsplit
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import PostergenError
from .ratelimit import Network, Rate, RateLimiter

DEFAULT_LEAD_RATE = Rate(20, 60.0, 20)  # per client address: 20 a minute on average, bursts of 20
DEFAULT_EVENT_RATE = Rate(240, 60.0, 240)
PERSON_TTL = 60.0  # seconds a looked-up person is remembered


class ServeError(PostergenError):
    """The server cannot start with these settings; the message says what to change."""


@dataclass(frozen=True)
class Settings:
    """How one server runs (the CLI's options)."""

    site: Path
    db: str
    cache: Path
    trusted: tuple[Network, ...] = ()
    lead_rate: Rate = DEFAULT_LEAD_RATE
    event_rate: Rate = DEFAULT_EVENT_RATE
    max_body: int = 16 * 1024  # bytes of a form post or beacon
    body_timeout: float = 10.0  # seconds to send a body
    header_timeout: float = 10.0  # seconds to send the request line and headers
    poster_ttl: int = 7 * 24 * 3600  # seconds a signed poster URL stays valid

    @classmethod
    def for_site(cls, site: str | Path, db: str | Path | None = None, cache: str | Path | None = None, **kw) -> "Settings":
        """Settings with the defaults next to the site folder: ``<parent>/leads.sqlite`` and
        ``<parent>/poster-cache/``."""
        site = Path(site)
        parent = site.resolve().parent
        return cls(site=site, db=str(db) if db else str(parent / "leads.sqlite"), cache=Path(cache) if cache else parent / "poster-cache", **kw)

    def but(self, **changes) -> "Settings":
        return replace(self, **changes)


@dataclass
class ServeState:
    """Everything the handlers share: campaign, database, posters, site and limits."""

    settings: Settings
    loaded: object
    campaign: object  # leads.Campaign
    key: bytes  # poster URL signing key
    store: object  # store.Store
    site: object  # site.Site
    posters: object  # posters.Posters
    lead_limiter: RateLimiter
    event_limiter: RateLimiter
    codes: dict = field(default_factory=dict)  # channel code -> (channel, variant)
    thanks: str = ""  # URL path of the site's thank-you page, '' when it has none
    short_prefix: str = ""  # the path of tracking.short_base ('' at the host's root)
    code_urls: dict = field(default_factory=dict)  # channel code -> its full landing URL
    host: str = ""  # landing_url's host (a page's absolute 'thanks' URL on it is ours)
    _people: OrderedDict = field(default_factory=OrderedDict, repr=False)

    async def person(self, person_id: str):
        """The lead behind a person id (or None), remembered for a minute: a poster served
        from the cache then costs no database read, and an erased lead stops getting its
        poster within ``PERSON_TTL`` seconds."""
        from starlette.concurrency import run_in_threadpool

        now = time.monotonic()
        hit = self._people.get(person_id)
        if hit is not None and now - hit[0] < PERSON_TTL:
            return hit[1]
        row = await run_in_threadpool(self.store.person, self.campaign.id, person_id)
        self._people.pop(person_id, None)
        if row is not None:
            self._people[person_id] = (now, row)
            while len(self._people) > 10_000:
                self._people.popitem(last=False)
        return row

    def code_owner(self, code: str) -> tuple[str, str]:
        return self.codes.get(code, ("", ""))

    def close(self) -> None:
        self.posters.close()
        self.store.close()


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def _thanks_page(spec, site: Path) -> str:
    """The site's thank-you page (``<landing_url path>/thanks/``, or ``/thanks/``), if built."""
    base = urlsplit(spec.landing_url).path.rstrip("/") + "/"
    for path in dict.fromkeys((base + "thanks/", "/thanks/")):
        if (site / path.lstrip("/") / "index.html").is_file():
            return path
    return ""


def open_serve(loaded, settings: Settings, environ=None) -> ServeState:
    """Check *settings* against the campaign *loaded*, open the database; ServeError says
    what is wrong (no secret, no site, a database inside the site)."""
    from ..codes import code_table, secret_for
    from ..landing.content import language
    from ..pipeline import spec_hash
    from .leads import Campaign
    from .posters import Posters
    from .signing import poster_key
    from .site import Site
    from .store import Store, is_postgres

    spec = loaded.spec
    environ = os.environ if environ is None else environ
    secret, problem = secret_for(spec, environ)
    if spec.tracking.secret_env is None or problem is not None:
        detail = problem.message if problem and spec.tracking.secret_env else "tracking.secret_env is not set"
        raise ServeError(
            f"{loaded.path}: serve needs the campaign secret ({detail}): phone numbers are hashed and poster "
            "URLs signed with it; set tracking.secret_env in the spec and export that variable"
        )
    site = Path(settings.site)
    if not site.is_dir():
        raise ServeError(f"{site}: no such folder; build the campaign first (postergen build SPEC -o OUT) and serve its site")
    if not is_postgres(settings.db) and _inside(Path(settings.db.removeprefix("sqlite://")), site):
        raise ServeError(f"{settings.db}: the database may not be inside the site folder {site} (it would be downloadable)")
    if _inside(settings.cache, site):
        raise ServeError(f"{settings.cache}: the poster cache may not be inside the site folder {site}")
    names = tuple(name for name, _, _, _ in loaded.variant_list())
    lang = "zh" if language(spec).lower().startswith("zh") else "en"
    form = spec.landing.form if spec.landing else None
    campaign = Campaign(spec.campaign.id, secret, tuple(c.id for c in spec.channels), names, spec.tracking.code_length,
                        lang, language(spec), form.phone_pattern if form else None, spec.tracking.code_param,
                        spec.mechanics.deadline if spec.mechanics else None)
    table = code_table(spec, secret, names)
    codes = {r.code: (r.channel, r.variant) for r in table}
    short_prefix = urlsplit(spec.tracking.short_base or "").path.rstrip("/")
    store = Store(settings.db)
    try:
        posters = Posters(loaded, secret, settings.cache, spec_hash(loaded), lang)
        return ServeState(settings, loaded, campaign, poster_key(secret), store, Site(site), posters,
                          RateLimiter(settings.lead_rate), RateLimiter(settings.event_rate), codes, _thanks_page(spec, site),
                          short_prefix, {r.code: r.url for r in table}, urlsplit(spec.landing_url).netloc.lower())
    except Exception:
        store.close()
        raise


def create_app(state: ServeState):
    from .app import create_app as make

    return make(state)
