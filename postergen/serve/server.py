"""Running the app: uvicorn, with the timeouts a public server needs.

Uvicorn closes idle keep-alive connections, but a connection that sends its request line
and headers slowly (or never) stays open for ever — a handful of such clients can use up
the connection limit (slowloris).  :class:`TimedH11Protocol` closes a connection that has
not sent a complete request head within ``header_timeout`` seconds of connecting (or of
its previous response).  Slow bodies are cut off in the app (``forms.read_body``).
Behind nginx, nginx's own ``client_header_timeout`` / ``client_body_timeout`` do the same
before a request reaches us (docs/serve.md).

Uvicorn's access log is off: :mod:`.accesslog` writes one without personal data.
"""

from __future__ import annotations

import logging
import sys

from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT = 10.0


class TimedH11Protocol(H11Protocol):
    """Uvicorn's h11 protocol plus a deadline for each request head."""

    header_timeout = HEADER_TIMEOUT

    def connection_made(self, transport) -> None:  # type: ignore[override]
        self._head_timer = None
        super().connection_made(transport)
        self._arm()

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self.header_timeout, self._too_slow)

    def _disarm(self) -> None:
        timer = getattr(self, "_head_timer", None)
        if timer is not None:
            timer.cancel()
            self._head_timer = None

    def data_received(self, data: bytes) -> None:
        cycle = self.cycle
        super().data_received(data)
        if self.cycle is not cycle:  # a complete request head arrived
            self._disarm()

    def on_response_complete(self) -> None:
        cycle = self.cycle
        super().on_response_complete()
        if self.cycle is cycle and not self.transport.is_closing():
            self._arm()  # waiting for the next request's head

    def connection_lost(self, exc) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _too_slow(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self.transport.close()


def protocol(header_timeout: float):
    return type("TimedH11Protocol", (TimedH11Protocol,), {"header_timeout": header_timeout})


def configure_logging(level: int = logging.INFO) -> None:
    """Access lines and errors to stderr, plainly (one line each)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in ("postergen.serve", "postergen.serve.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler] if name == "postergen.serve" else []
        logger.setLevel(level)
    logging.getLogger("postergen.serve.access").propagate = True


def config(app, host: str = "127.0.0.1", port: int = 8000, header_timeout: float = HEADER_TIMEOUT, **kw):
    """The uvicorn configuration ``serve`` runs with."""
    import uvicorn

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol(header_timeout),
        loop="asyncio",
        lifespan="on",
        access_log=False,
        proxy_headers=False,  # the app reads X-Forwarded-For itself, from trusted proxies only
        server_header=False,
        timeout_keep_alive=5,
        limit_concurrency=kw.pop("limit_concurrency", 1000),
        log_config=None,
        **kw,
    )


def run(app, host: str = "127.0.0.1", port: int = 8000, header_timeout: float = HEADER_TIMEOUT, **kw) -> None:
    import uvicorn

    configure_logging()
    uvicorn.Server(config(app, host, port, header_timeout, **kw)).run()
