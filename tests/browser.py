"""Headless Chromium for tests: Debian's /usr/bin/chromium driven by Playwright, plus a
local HTTP server that serves pages and records form posts.

Usage::

    from browser import chromium_or_skip, Server

    browser = chromium_or_skip()            # pytest.skip with the reason when unavailable
    with Server() as site:
        url = site.add("/landing/", html)   # serve a page
        page = browser.new_page(viewport={"width": 375, "height": 667})
        page.goto(url)
        ...
        site.posts                          # [(path, {field: value})] received (JSON answer to
                                            # the page script's fetch, a page to a plain post)

Only loopback addresses are used; Chromium runs with background networking off, so a
test sees every request the page makes (``Recorder``).
"""

from __future__ import annotations

import os
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: npm packages (axe-core, vnu-jar) installed by .ci/run with
#: npm install --prefix .ci --no-save --no-package-lock axe-core@4.11 vnu-jar@26.9.27
NODE_MODULES = Path(os.environ.get("POSTERGEN_NODE_MODULES", ROOT / ".ci" / "node_modules"))
INSTALL = "npm install --prefix .ci --no-save --no-package-lock axe-core@4.11 vnu-jar@26.9.27"


def missing(what: str) -> None:
    """Skip a test that needs *what*; under CI (CI=true) fail instead: CI installs it all."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{what} (CI installs it in .ci/run)")
    pytest.skip(what)


def chromium_available() -> str | None:
    """Why Chromium cannot be used here, or None."""
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing: apt-get install -y chromium"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright for Python is missing: pip install playwright (no 'playwright install' needed)"
    return None


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium for the module (import this fixture into a test module)."""
    reason = chromium_available()
    if reason:
        missing(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = launch(pw)
        yield b
        b.close()


def axe_source() -> str:
    path = NODE_MODULES / "axe-core" / "axe.min.js"
    if not path.exists():
        missing(f"axe-core is missing at {path}: {INSTALL}")
    return path.read_text(encoding="utf-8")


def vnu_jar() -> Path:
    path = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
    if not path.exists():
        missing(f"vnu-jar is missing at {path}: {INSTALL}")
    if shutil.which("java") is None:
        missing("java is missing: apt-get install -y default-jre-headless")
    return path


class Server:
    """A loopback HTTP server in a thread: serves added pages, records POSTed forms."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[bytes, dict[str, str]]] = {}
        self.posts: list[tuple[str, dict[str, str]]] = []
        self.headers: list[dict[str, str]] = []  # the request headers of each post
        self.requests: list[str] = []
        self._posted = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                path = urlsplit(self.path).path
                server.requests.append(f"GET {path}")
                if path in server.pages:
                    body, headers = server.pages[path]
                    self.send_response(200)
                    for k, v in headers.items():
                        self.send_header(k, v)
                else:
                    body = b"not found"
                    self.send_response(404)
                    self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                path = urlsplit(self.path).path
                server.requests.append(f"POST {path}")
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                server.posts.append((path, dict(parse_qsl(raw, keep_blank_values=True))))
                server.headers.append({k.lower(): v for k, v in self.headers.items()})
                server._posted.set()
                if "application/json" in (self.headers.get("Accept") or ""):  # the page script's fetch
                    body, ctype = b'{"ok": true}', "application/json"
                else:  # a plain form post: answer with a page
                    body = '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>ok</title><p id="thanks">已收到'.encode()
                    ctype = "text/html; charset=utf-8"
                self.send_response(200)
                self.send_header("Access-Control-Allow-Origin", "*")  # the lead contract: CORS for the page's origin
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def add(self, path: str, body: str | bytes, content_type: str = "text/html; charset=utf-8", **headers) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.pages[path] = (data, {"Content-Type": content_type, **headers})
        return self.origin + path

    def wait_post(self, timeout: float = 5.0) -> bool:
        ok = self._posted.wait(timeout)
        self._posted.clear()
        return ok

    def __enter__(self) -> "Server":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
