"""Helpers for the ``serve`` tests: a built campaign and a real server on 127.0.0.1.

Usage::

    from serve_kit import built, Served, SECRET_ENV

    site = built(tmp_path_factory)                     # spec + built site, once per module
    with Served(site, db=tmp_path / "leads.sqlite") as s:
        r = s.client.post("/api/lead", data={...}, headers=s.JSON)
        s.state.store.count("leads"); s.log_text()     # what the access log wrote

The server is uvicorn with the protocol and settings ``postergen serve`` uses
(``postergen.serve.server.config``), in a thread, on a free loopback port.
"""

from __future__ import annotations

import logging
import socket
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from conftest import make_campaign

SECRET_ENV = "POSTERGEN_SERVE_TEST_SECRET"
ENV = {SECRET_ENV: "serve-tests-secret-0123456789"}
JSON = {"accept": "application/json"}


@dataclass(frozen=True)
class Built:
    spec: Path
    site: Path
    rows: tuple = ()  # the build's manifest rows

    @property
    def out(self) -> Path:
        return self.site.parent


def campaign_spec(folder: Path, **overrides) -> Path:
    """The test campaign: two channels, short links on the site's host, a lead form, JPEG
    posters, its site served by postergen serve."""
    values = {
        "tracking": {"secret_env": SECRET_ENV, "short_base": "https://h5.example.com"},
        "channels": [{"id": "moments", "name": "朋友圈"}, {"id": "groups", "name": "微信群"}],
        "output.formats": ["jpeg"],
        "theme.primary": "#C73A27",
        "site": {"server": "postergen"},
        "landing": {"form": {"privacy_url": "https://h5.example.com/privacy"}},
    }
    values.update(overrides)
    return make_campaign(folder, values)


def built(factory, **overrides) -> Built:
    """The test campaign built into a new folder; its site (``out/site``) and manifest rows."""
    from postergen.pipeline import build

    root = factory.mktemp("served")
    spec = campaign_spec(root / "campaign", **overrides)
    result = build(spec, root / "out", environ=ENV)
    assert result.ok, result.failures
    return Built(spec, root / "out" / "site", tuple(result.rows))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


class Served:
    """``postergen serve`` for *site*, in a thread; ``client`` talks to it over loopback."""

    JSON = JSON

    def __init__(self, site: Built, db=None, environ=None, header_timeout: float = 10.0, port: int | None = None, **settings):
        from postergen.loader import load_campaign
        from postergen.serve import Settings, create_app, open_serve

        self.site = site
        cache = settings.pop("cache", None) or Path(tempfile.mkdtemp(prefix="poster-cache-"))
        self.settings = Settings.for_site(site.site, db, cache, header_timeout=header_timeout, **settings)
        self.state = open_serve(load_campaign(site.spec), self.settings, environ=environ or ENV)
        self.app = create_app(self.state)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.header_timeout = header_timeout

    def __enter__(self) -> "Served":
        import httpx
        import uvicorn

        from postergen.serve.server import config

        self.logs = _Lines()
        logger = logging.getLogger("postergen.serve")
        logger.addHandler(self.logs)
        logger.setLevel(logging.INFO)
        self.server = uvicorn.Server(config(self.app, "127.0.0.1", self.port, header_timeout=self.header_timeout))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        self.client = httpx.Client(base_url=self.url, timeout=60, follow_redirects=False)
        return self

    def log_text(self) -> str:
        return "\n".join(self.logs.lines)

    def __exit__(self, *exc) -> None:
        self.client.close()
        self.server.should_exit = True
        self.thread.join(timeout=30)
        logging.getLogger("postergen.serve").removeHandler(self.logs)
