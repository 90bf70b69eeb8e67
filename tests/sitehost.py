"""A plain static host and a lead endpoint on 127.0.0.1, for the site tests.

``StaticHost(folder)`` serves a built site folder (``OUT/site`` or ``OUT/short``) as its
document root and applies the folder's generated ``_headers`` and ``_redirects`` the way
Netlify and Cloudflare Pages do (through :class:`postergen.site.hostrules.HostConfig`):
redirect rules first (the visitor's query passed on when the target has none), then the
file (``/dir/`` → ``dir/index.html``; ``/dir`` → 301 to ``/dir/``), then every matching
header rule.  ``rules=False`` serves the files only, as object storage or GitHub Pages do.
It answers POST with 405, as static hosts do — except ``/api/lead`` and ``/api/event`` when
given a :class:`LeadEndpoint` to stand in for ``postergen serve`` (same origin).

``LeadEndpoint()`` is a lead-collection endpoint on another origin that follows the
contract in docs/deploy.md and records what arrives; ``mode`` makes it misbehave:
``ok`` (JSON for fetch, 303 to the thank-you page for a plain form post), ``html`` (200 with
a page of its own), ``json-error`` (400 ``{ok: false, error, field}``), ``500``, ``redirect``
(303 for every request, fetch included).  ``close()`` takes it off the network (endpoint down).
"""

from __future__ import annotations

import json
import mimetypes
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from postergen.site.hostrules import HostConfig
from postergen.site.leads import read_lead


def _start(handler_cls, port: int = 0) -> ThreadingHTTPServer:
    httpd = ThreadingHTTPServer(("127.0.0.1", port), handler_cls)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


class LeadEndpoint:
    """Records leads as postergen.site.leads.read_lead reads them (form fields + Referer)."""

    def __init__(self, site_origin: str = "", thanks: str = "", port: int = 0) -> None:
        self.leads: list[dict] = []
        self.raw: list[tuple[dict, dict]] = []  # (form fields, request headers)
        self.mode = "ok"
        self.site_origin = site_origin or "*"
        self.thanks = thanks
        self._event = threading.Event()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_OPTIONS(self):  # (the page's posts are simple requests: never preflighted)
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                endpoint.handle(self, raw)

        self._handler = Handler
        self.poster_url = ""  # answered to fetch, as postergen serve will
        self.httpd = _start(Handler, port)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.url = self.origin + "/leads"

    def restart(self) -> None:
        """Back on the network, on the same port (after close())."""
        self.httpd = _start(self._handler, self.httpd.server_address[1])

    def handle(self, req, raw: str) -> None:
        """Answer one POST on *req* (a BaseHTTPRequestHandler: this endpoint's own, or the
        static host's for /api/lead)."""

        def send(status, body=b"", content_type="text/plain; charset=utf-8", **headers):
            req.send_response(status)
            if self.site_origin:
                req.send_header("Access-Control-Allow-Origin", self.site_origin)
            req.send_header("Content-Type", content_type)
            for k, v in headers.items():
                req.send_header(k, v)
            req.send_header("Content-Length", str(len(body)))
            req.end_headers()
            req.wfile.write(body)

        fields = dict(parse_qsl(raw, keep_blank_values=True))
        headers = {k.lower(): v for k, v in req.headers.items()}
        wants_json = "application/json" in headers.get("accept", "")
        self.raw.append((fields, headers))
        if self.mode == "500":
            self._event.set()
            return send(500, b"boom")
        if self.mode == "json-error":
            self._event.set()
            body = json.dumps({"ok": False, "error": "这个号码已经领过了", "field": "phone"}, ensure_ascii=False).encode()
            return send(400, body, "application/json")
        lead = read_lead(fields, headers.get("referer", ""))
        if lead.get("lead_id") and any(x.get("lead_id") == lead["lead_id"] for x in self.leads):
            pass  # a retry of a lead already kept: idempotent
        else:
            self.leads.append(lead)
        self._event.set()
        if self.mode == "html":
            return send(200, '<!doctype html><title>ok</title><p id="own">收到</p>'.encode(), "text/html; charset=utf-8")
        if wants_json and self.mode != "redirect":
            answer = {"ok": True, "lead_id": lead.get("lead_id", "")}
            if self.poster_url:
                answer["poster_url"] = self.poster_url
            return send(200, json.dumps(answer).encode(), "application/json")
        target = fields.get("thanks") or self.thanks
        return send(303, b"", Location=target)

    def wait(self, timeout: float = 10.0) -> bool:
        ok = self._event.wait(timeout)
        self._event.clear()
        return ok

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class StaticHost:
    """Serve *folder* on 127.0.0.1 as a static host with (or without) its host rules."""

    def __init__(self, folder: str | Path, rules: bool = True, api: LeadEndpoint | None = None, port: int = 0) -> None:
        self.folder = Path(folder)
        self.rules = rules
        self.api = api
        self.requests: list[str] = []
        self.events: list[dict] = []
        host = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _send(self, status, body=b"", headers=None):
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def do_HEAD(self):
                self.do_GET()

            def do_GET(self):
                host.requests.append(f"GET {self.path}")
                status, body, headers = host.respond(urlsplit(self.path))
                self._send(status, body, headers)

            def do_POST(self):
                host.requests.append(f"POST {self.path}")
                path = urlsplit(self.path).path
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                if host.api is not None and path == "/api/lead":
                    return host.api.handle(self, raw)
                if host.api is not None and path == "/api/event":
                    host.events.append(dict(parse_qsl(raw, keep_blank_values=True)))
                    return self._send(204)
                self._send(405, b"method not allowed", {"Content-Type": "text/plain"})

        self.httpd = _start(Handler, port)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def config(self) -> HostConfig:
        return HostConfig.load(self.folder) if self.rules else HostConfig([], [])

    def respond(self, url) -> tuple[int, bytes, dict]:
        config = self.config()
        path = url.path
        if self.rules:
            hit = config.redirect(path, url.query)
            if hit:
                status, location = hit
                if status == 200:  # a rewrite: serve the target's file under this URL
                    path = urlsplit(location).path
                else:
                    return status, b"", {"Location": location, **config.headers(url.path)}
        file = (self.folder / path.lstrip("/")).resolve()
        if not str(file).startswith(str(self.folder.resolve())) or path.split("/")[-1].startswith("_"):
            return 404, b"not found", {"Content-Type": "text/plain"}
        if file.is_dir():
            if not path.endswith("/"):
                return 301, b"", {"Location": path + "/" + (f"?{url.query}" if url.query else "")}
            file = file / "index.html"
        if not file.is_file():
            return 404, b"not found", {"Content-Type": "text/plain"}
        ctype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if ctype.startswith("text/"):
            ctype += "; charset=utf-8"
        return 200, file.read_bytes(), {"Content-Type": ctype, **config.headers(url.path)}

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
