"""Avatars: local files, and URL fetching that cannot reach private networks (SSRF).

Every test runs under :func:`network_guard`: a connect to anything but 127.0.0.1/::1
raises (and is recorded, and fails the test at teardown), and the system resolver is
stubbed, so a bug cannot send a packet anywhere else.  A threaded HTTP server on
127.0.0.1 plays the internet.  Positive fetches map test names (``avatar.test``) to
127.0.0.1 with a policy allowing exactly 127.0.0.1; refusals use the real policy.
"""

from __future__ import annotations

import functools
import gzip
import io
import os
import socket
import ssl
import struct
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from postergen.batch import netguard
from postergen.batch.avatars import AvatarError, Avatars
from postergen.batch.netguard import address_problem, public_address

LOOPBACK = {"127.0.0.1", "::1"}


# --- the network guard ------------------------------------------------------------------


class NetworkBlocked(BaseException):
    """A test tried to reach a non-loopback address (BaseException: no except clause eats it)."""


@dataclass
class GuardLog:
    connects: list = field(default_factory=list)  # (host, port) actually connected to
    blocked: list = field(default_factory=list)  # attempts refused by the guard
    lookups: list = field(default_factory=list)  # names given to the (stubbed) system resolver


@pytest.fixture(autouse=True)
def network_guard(monkeypatch):
    log = GuardLog()
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_create, real_getaddrinfo = socket.create_connection, socket.getaddrinfo

    def check(address, record=True):
        host = address[0] if isinstance(address, tuple) else address
        if host not in LOOPBACK:
            log.blocked.append(address)
            raise NetworkBlocked(f"test tried to connect to {address!r}")
        if record:
            log.connects.append((host, address[1]))

    def connect(self, address):
        check(address)
        return real_connect(self, address)

    def connect_ex(self, address):
        check(address)
        return real_connect_ex(self, address)

    def create_connection(address, *args, **kwargs):
        check(address, record=False)  # its sock.connect() records it
        return real_create(address, *args, **kwargs)

    def getaddrinfo(host, *args, **kwargs):
        try:
            import ipaddress

            ipaddress.ip_address(host)
        except ValueError:
            log.lookups.append(host)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known (no DNS in tests)") from None
        return real_getaddrinfo(host, *args, **kwargs)

    def no_dns(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "no DNS in tests")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    for name in ("gethostbyname", "gethostbyname_ex", "gethostbyaddr"):
        monkeypatch.setattr(socket, name, no_dns)
    yield log
    assert log.blocked == [], f"connections outside loopback were attempted: {log.blocked}"


# --- images --------------------------------------------------------------------------------


def png(color=(232, 67, 46), size=(132, 132)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


def jpeg(color=(30, 120, 200), size=(132, 132)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG claiming width×height pixels: a decompression bomb as far as a reader knows."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


@functools.lru_cache(maxsize=1)
def gzip_bomb() -> bytes:
    """30 MB once inflated, about 30 KB on the wire."""
    return gzip.compress(png()[:16] + b"\0" * 30_000_000, 9)


def color_for(n: int) -> tuple[int, int, int]:
    return (n * 23 % 256, 80, 255 - n * 19 % 256)


# --- the local server ------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status: int, body: bytes = b"", ctype: str = "image/png", headers=None, length=True):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if length:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def drip(self, data: bytes, every: float = 0.05, limit: float = 20.0):
        end = time.monotonic() + limit
        self.close_connection = True  # then hang up: an idle connection would time out on its own
        try:
            for i in range(len(data)):
                self.wfile.write(data[i : i + 1])
                self.wfile.flush()
                if time.monotonic() > end:
                    return
                time.sleep(every)
        except OSError:
            pass  # the client gave up: that is the point

    def do_GET(self):
        server = self.server
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        route = url.path
        with server.lock:
            server.requests.append(self.path)
            server.hosts.append(self.headers.get("Host"))
            server.inflight += 1
            server.max_inflight = max(server.max_inflight, server.inflight)
        try:
            self.route(route, query)
        finally:
            with server.lock:
                server.inflight -= 1

    def route(self, route: str, query: dict):
        n = int(query.get("n", 0))
        if route == "/a.png":
            self.send(200, png(color_for(n)))
        elif route == "/a.jpg":
            self.send(200, jpeg(), "image/jpeg")
        elif route == "/webp":
            buf = io.BytesIO()
            Image.new("RGB", (64, 64), (10, 200, 30)).save(buf, "WEBP")
            self.send(200, buf.getvalue(), "application/octet-stream")  # the type is not trusted
        elif route == "/redirect":
            self.send(302, b"", "text/plain", {"Location": query["to"]})
        elif route.startswith("/chain/"):
            left = int(route.rsplit("/", 1)[1])
            if left:
                self.send(302, b"", "text/plain", {"Location": f"/chain/{left - 1}"})
            else:
                self.send(200, png((0, 128, 0)))
        elif route == "/huge":  # no Content-Length: 3 MB, however the client counts
            self.send(200, png()[:16] + b"\0" * 3_000_000, length=False)
        elif route == "/huge-declared":
            self.send_response(200)
            self.send_header("Content-Length", "50000000")
            self.end_headers()
            try:
                self.wfile.write(png()[:16] + b"\0" * 65536)
            except OSError:
                pass
            self.close_connection = True
        elif route == "/gzip-bomb":
            self.send(200, gzip_bomb(), headers={"Content-Encoding": "gzip"})
        elif route == "/page":  # an HTML page that claims to be a PNG
            self.send(200, b"<!DOCTYPE html><html><body>Log in</body></html>", "image/png")
        elif route == "/truncated.png":
            self.send(200, png()[:60])
        elif route == "/bomb.png":
            self.send(200, png_header_only(20_000, 20_000))
        elif route == "/missing":
            self.send(404, b"not here", "text/plain")
        elif route == "/slow-body":
            body = png()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.flush()
            self.drip(body)
        elif route == "/slow-headers":
            self.drip(b"HTTP/1.1 200 OK\r\nX-Drip: " + b"a" * 1000 + b"\r\n\r\n")
        elif route == "/barrier":
            try:
                self.server.barrier.wait(timeout=10)
            except threading.BrokenBarrierError:
                self.send(500, b"requests were not concurrent", "text/plain")
                return
            self.send(200, png(color_for(n)))
        else:
            self.send(404, b"no route", "text/plain")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, tls: ssl.SSLContext | None = None):
        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.requests: list[str] = []
        self.hosts: list[str | None] = []
        self.inflight = self.max_inflight = 0
        self.barrier = threading.Barrier(4)
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
        self.port = self.server_address[1]
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def server_bind(self):  # skip HTTPServer's getfqdn(): no DNS here
        self.socket.bind(self.server_address)
        self.server_address = self.socket.getsockname()
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]

    def handle_error(self, request, client_address):
        pass  # clients that give up mid-response are expected

    def count(self, route: str) -> int:
        with self.lock:
            return sum(1 for r in self.requests if urlsplit(r).path == route)

    def stop(self):
        self.shutdown()
        self.server_close()


@pytest.fixture(scope="module")
def server():
    srv = Server()
    yield srv
    srv.stop()


class Resolver:
    """A stub resolver: name → addresses, recording every lookup."""

    def __init__(self, table: dict[str, list[str]]):
        self.table, self.calls = table, []

    def __call__(self, host: str) -> list[str]:
        self.calls.append(host)
        answer = self.table[host]
        return answer.pop(0) if answer and isinstance(answer[0], list) else answer


def only_loopback(ip: str) -> bool:
    return ip == "127.0.0.1"


def loopback_or_public(ip: str) -> bool:
    """The real policy, plus the test server: for redirects from it to private addresses."""
    return ip == "127.0.0.1" or public_address(ip)


@pytest.fixture
def make(tmp_path):
    made = []

    def factory(**kw) -> Avatars:
        kw.setdefault("resolver", Resolver({"avatar.test": ["127.0.0.1"]}))
        kw.setdefault("address_allowed", only_loopback)
        kw.setdefault("connect_timeout", 2.0)
        kw.setdefault("timeout", 5.0)
        av = Avatars(tmp_path / "people", tmp_path / "cache", **kw)
        made.append(av)
        return av

    (tmp_path / "people").mkdir(exist_ok=True)
    yield factory
    for av in made:
        av.close()


def pixel(path: Path) -> tuple:
    with Image.open(path) as im:
        return im.convert("RGB").getpixel((5, 5))


def near(a, b, tol=12):
    return all(abs(x - y) <= tol for x, y in zip(a, b))


# --- the address policy ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "ip,why",
    [
        ("127.0.0.1", "a loopback address"),
        ("127.255.1.2", "a loopback address"),
        ("10.0.0.1", "a private address"),
        ("172.16.5.4", "a private address"),
        ("192.168.1.1", "a private address"),
        ("169.254.169.254", "a link-local address (the cloud metadata service)"),
        ("169.254.10.1", "a link-local address"),
        ("100.64.0.1", "a shared (carrier-grade NAT) address"),
        ("0.0.0.0", "an unspecified address"),
        ("224.0.0.1", "a multicast address"),
        ("239.255.255.250", "a multicast address"),
        ("255.255.255.255", "a broadcast address"),
        ("240.0.0.1", "a reserved address"),
        ("192.0.2.10", "a documentation address"),
        ("198.18.0.1", "a benchmarking address"),
        ("::1", "a loopback address"),
        ("::", "an unspecified address"),
        ("fc00::1", "a private (unique local) address"),
        ("fd12:3456::1", "a private (unique local) address"),
        ("fe80::1", "a link-local address"),
        ("fe80::1%eth0", "a link-local address"),
        ("ff02::1", "a multicast address"),
        ("::ffff:10.0.0.1", "an IPv4-mapped form of 10.0.0.1, a private address"),
        ("::ffff:127.0.0.1", "an IPv4-mapped form of 127.0.0.1, a loopback address"),
        ("::ffff:169.254.169.254", "an IPv4-mapped form of 169.254.169.254, a link-local address (the cloud metadata service)"),
        ("2002:a00:1::1", "a 6to4 form of 10.0.0.1, a private address"),
        ("2002:7f00:1::", "a 6to4 form of 127.0.0.1, a loopback address"),
        ("64:ff9b::a9fe:a9fe", "a NAT64 form of 169.254.169.254, a link-local address (the cloud metadata service)"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "a Teredo tunnel address"),
        ("2001:db8::1", "a documentation address"),
        ("::10.0.0.1", "a reserved address"),  # IPv4-compatible (deprecated)
        ("100::1", "a reserved address"),
        ("fec0::1", "a site-local address"),
        ("not-an-ip", "not an IP address"),
    ],
)
def test_policy_refuses_non_public_addresses(ip, why):
    assert address_problem(ip) == why
    assert not public_address(ip)


@pytest.mark.parametrize(
    "ip", ["8.8.8.8", "93.184.216.34", "101.226.4.6", "2606:4700:4700::1111", "240e::1", "::ffff:8.8.8.8", "2002:808:808::1"]
)
def test_policy_allows_public_addresses(ip):
    assert address_problem(ip) is None and public_address(ip)


# --- local files -------------------------------------------------------------------------------


def test_local_png_and_jpeg_resolve_to_the_checked_file(make, tmp_path):
    people = tmp_path / "people"
    (people / "avatars").mkdir()
    (people / "avatars" / "alice.png").write_bytes(png((200, 10, 10)))
    (people / "avatars" / "bob.jpg").write_bytes(jpeg((10, 10, 200)))
    av = make()
    a = av.resolve("avatars/alice.png")
    b = av.resolve(" avatars/bob.jpg ")
    assert a == (people / "avatars" / "alice.png").resolve() and near(pixel(a), (200, 10, 10))
    assert b == (people / "avatars" / "bob.jpg").resolve() and near(pixel(b), (10, 10, 200))
    # An absolute path inside the folder is fine too.
    assert av.resolve(str(people / "avatars" / "alice.png")) == a


def test_missing_local_file_never_suggests_another_file(make, tmp_path):
    people = tmp_path / "people"
    (people / "avatars").mkdir()
    (people / "avatars" / "alice.png").write_bytes(png())
    with pytest.raises(AvatarError) as exc:
        make().resolve("avatars/alicee.png")
    message = str(exc.value)
    assert message == (
        f"avatar file not found: avatars/alicee.png (paths are relative to the people file's folder, {people.resolve()})"
    )
    assert "alice.png" not in message.replace("alicee.png", "") and "did you mean" not in message


def test_local_path_traversal_is_refused(make, tmp_path):
    (tmp_path / "secret.png").write_bytes(png())
    av = make()
    with pytest.raises(AvatarError) as exc:
        av.resolve("../secret.png")
    assert str(exc.value) == "avatar path ../secret.png points outside the people file's folder; copy the file into it"
    with pytest.raises(AvatarError) as exc:
        av.resolve("avatars/../../secret.png")
    assert "points outside the people file's folder" in str(exc.value)


def test_absolute_path_outside_is_refused(make, tmp_path):
    outside = tmp_path / "secret.png"
    outside.write_bytes(png())
    with pytest.raises(AvatarError) as exc:
        make().resolve(str(outside))
    assert str(exc.value) == (
        f"avatar path {outside} is outside the people file's folder ({(tmp_path / 'people').resolve()}); "
        "copy the file into that folder and give a path relative to it"
    )
    with pytest.raises(AvatarError, match="is a Windows absolute path"):
        make().resolve("C:\\Users\\me\\a.png")


def test_symlink_out_of_the_folder_is_refused(make, tmp_path):
    people = tmp_path / "people"
    (tmp_path / "secret.png").write_bytes(png())
    (people / "link.png").symlink_to(tmp_path / "secret.png")
    (people / "inside.png").write_bytes(png((1, 2, 3)))
    (people / "ok-link.png").symlink_to(people / "inside.png")
    av = make()
    with pytest.raises(AvatarError) as exc:
        av.resolve("link.png")
    assert str(exc.value) == (
        "avatar link.png is a symbolic link to a file outside the people file's folder; copy the file into the folder instead"
    )
    assert av.resolve("ok-link.png") == (people / "inside.png").resolve()  # links inside are fine
    (people / "loop.png").symlink_to(people / "loop.png")
    with pytest.raises(AvatarError, match=r"^avatar path loop.png cannot be followed \(.*\); fix the people file$"):
        av.resolve("loop.png")


def test_local_folder_fifo_and_non_images_are_refused(make, tmp_path):
    people = tmp_path / "people"
    (people / "dir.png").mkdir()
    os.mkfifo(people / "pipe.png")
    (people / "page.png").write_text("<!DOCTYPE html><html>nope</html>")
    (people / "cut.png").write_bytes(png()[:70])
    av = make()
    cases = {
        "dir.png": "avatar dir.png is a folder, not an image file",
        "pipe.png": "avatar pipe.png is not a regular file; use a PNG, JPEG or WebP file",
        "page.png": "avatar page.png is an HTML page (saved from a browser?), not an image; use a PNG, JPEG or WebP file",
    }
    for value, message in cases.items():
        with pytest.raises(AvatarError) as exc:
            av.resolve(value)
        assert str(exc.value) == message
    with pytest.raises(AvatarError, match=r"^avatar cut.png is truncated or corrupt \(.*\); export it again$"):
        av.resolve("cut.png")


def test_local_decompression_bombs_are_refused(make, tmp_path):
    people = tmp_path / "people"
    (people / "big.png").write_bytes(png_header_only(6000, 5000))
    (people / "bomb.png").write_bytes(png_header_only(100_000, 100_000))
    av = make()
    with pytest.raises(AvatarError) as exc:
        av.resolve("big.png")
    assert str(exc.value) == (
        "avatar big.png is 6000×5000 px (30 MP), over the 25 MP avatar limit (possible decompression bomb); resize it"
    )
    with pytest.raises(AvatarError) as exc:
        av.resolve("bomb.png")
    assert "over the 25 MP avatar limit (possible decompression bomb)" in str(exc.value)


@pytest.mark.parametrize(
    "value,message",
    [
        ("ftp://avatar.test/a.png", "avatar URL ftp://avatar.test/a.png uses ftp:; only http and https avatars are fetched (or use a local file)"),
        ("file:///etc/passwd", "avatar URL file:///etc/passwd uses file:; only http and https avatars are fetched (or use a local file)"),
        ("data:image/png;base64,iVBORw0KGgo=", "avatar URL data:image/png;base64,iVBORw0KGgo= uses data:; only http and https avatars are fetched (or use a local file)"),
        ("https://user:secret@avatar.test/a.png", "avatar URL https://user:secret@avatar.test/a.png contains a user name or password (user:pass@); use a link without them"),
        ("http:///a.png", "avatar URL http:///a.png has no host name; fix the link"),
    ],
)
def test_bad_urls_are_refused_before_any_connection(make, network_guard, value, message):
    resolver = Resolver({})
    with pytest.raises(AvatarError) as exc:
        make(resolver=resolver, address_allowed=None).resolve(value)
    assert str(exc.value) == message
    assert network_guard.connects == [] and resolver.calls == []


# --- fetching ------------------------------------------------------------------------------------


def test_png_jpeg_and_webp_urls_are_fetched_and_sniffed(make, server, network_guard, tmp_path):
    av = make()
    base = f"http://avatar.test:{server.port}"
    p = av.resolve(f"{base}/a.png?n=3")
    j = av.resolve(f"{base}/a.jpg")
    w = av.resolve(f"{base}/webp")
    assert p.suffix == ".png" and near(pixel(p), color_for(3))
    assert j.suffix == ".jpg" and near(pixel(j), (30, 120, 200))
    assert w.suffix == ".webp" and near(pixel(w), (10, 200, 30))
    assert all((tmp_path / "cache") in f.parents for f in (p, j, w))
    # Connected to the vetted address, sent the name as Host.
    assert {c for c in network_guard.connects} == {("127.0.0.1", server.port)}
    assert server.hosts[-1] == f"avatar.test:{server.port}"


def test_the_checked_address_is_the_one_connected_no_second_lookup(make, server, network_guard):
    # A rebinding DNS server: first answer loopback (allowed here), then a private address.
    resolver = Resolver({"rebind.test": [["127.0.0.1"], ["10.0.0.1"]]})
    av = make(resolver=resolver)
    path = av.resolve(f"http://rebind.test:{server.port}/a.png?n=7")
    assert near(pixel(path), color_for(7))
    assert resolver.calls == ["rebind.test"]  # one lookup…
    assert network_guard.connects == [("127.0.0.1", server.port)]  # …and its answer was used
    assert network_guard.lookups == []  # the system resolver was never asked


def test_cache_is_reused_and_a_rerun_fetches_nothing(make, server):
    url = f"http://avatar.test:{server.port}/a.png?n=11"
    before = server.count("/a.png")
    first = make().resolve(url)
    assert server.count("/a.png") == before + 1
    again = make().resolve(url)  # a new run: same cache folder
    offline = make(allow_remote=False).resolve(url)
    assert again == first == offline
    assert server.count("/a.png") == before + 1
    assert first.parent.parent.name == "cache" and len(first.stem) == 64


def test_remote_avatars_can_be_turned_off(make, server):
    url = f"http://avatar.test:{server.port}/a.png?n=12"
    with pytest.raises(AvatarError) as exc:
        make(allow_remote=False).resolve(url)
    assert str(exc.value) == (
        f"avatar URL {url} is not in the avatar cache and fetching is turned off; allow remote avatars or use a local file"
    )
    assert server.count("/a.png?n=12") == 0 and not any("n=12" in r for r in server.requests)


def test_failed_fetches_are_not_cached_as_success(make, server, tmp_path):
    url = f"http://avatar.test:{server.port}/missing"
    av = make()
    for _ in range(2):  # the second try in the same run is answered from memory
        with pytest.raises(AvatarError) as exc:
            av.resolve(url)
        assert str(exc.value) == f"avatar URL {url} answered HTTP 404 Not Found; check the link or use a local file"
    assert server.count("/missing") == 1
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    with pytest.raises(AvatarError):
        make().resolve(url)  # a new run tries again
    assert server.count("/missing") == 2


def test_concurrent_prefetch_fills_the_cache(make, server, tmp_path):
    server.barrier = threading.Barrier(4)  # each request waits until 4 are in flight
    server.max_inflight = 0
    urls = [f"http://avatar.test:{server.port}/barrier?n={n}" for n in range(8)]
    (tmp_path / "people" / "me.png").write_bytes(png((9, 9, 9)))
    av = make(concurrency=4)
    results = av.prefetch(urls + ["me.png", "", "  ", urls[0], "../x.png"])
    assert list(results) == urls + ["me.png", "../x.png"]
    for n, url in enumerate(urls):
        assert isinstance(results[url], Path), results[url]
        assert near(pixel(results[url]), color_for(n))
    assert results["me.png"] == (tmp_path / "people" / "me.png").resolve()
    assert isinstance(results["../x.png"], AvatarError)
    assert server.max_inflight == 4  # concurrent (the barrier) and bounded
    fetched = server.count("/barrier")
    assert [av.resolve(u) for u in urls] == [results[u] for u in urls]
    assert server.count("/barrier") == fetched  # resolve() after prefetch reads the cache


def test_redirects_are_followed_up_to_the_limit(make, server):
    av = make()
    path = av.resolve(f"http://avatar.test:{server.port}/chain/3")
    assert near(pixel(path), (0, 128, 0))
    url = f"http://avatar.test:{server.port}/chain/4"
    with pytest.raises(AvatarError) as exc:
        av.resolve(url)
    assert str(exc.value) == f"avatar URL {url} redirects more than 3 times; use the final image URL"
    assert "/chain/0" not in server.requests[-4:]  # stopped before the last hop


def test_size_cap_stops_the_download(make, server, tmp_path):
    av = make(max_bytes=2**20)
    for route in ("/huge", "/huge-declared", "/gzip-bomb"):
        url = f"http://avatar.test:{server.port}{route}"
        with pytest.raises(AvatarError) as exc:
            av.resolve(url)
        assert str(exc.value) == f"avatar URL {url} is larger than 1 MB; use a smaller image"
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]


def test_content_is_sniffed_whatever_the_content_type(make, server):
    av = make()
    base = f"http://avatar.test:{server.port}"
    with pytest.raises(AvatarError) as exc:
        av.resolve(f"{base}/page")
    assert str(exc.value) == (
        f"avatar URL {base}/page returned an HTML page, not an image; use a direct link to a PNG, JPEG, WebP or GIF picture"
    )
    with pytest.raises(AvatarError) as exc:
        av.resolve(f"{base}/bomb.png")
    assert str(exc.value).startswith(f"avatar URL {base}/bomb.png is far over the 25 MP avatar limit")
    with pytest.raises(AvatarError) as exc:
        av.resolve(f"{base}/truncated.png")
    assert str(exc.value).startswith(f"avatar URL {base}/truncated.png is truncated or corrupt")
    assert str(exc.value).endswith("; use another image URL or a local file")


@pytest.mark.parametrize("route", ["/slow-body", "/slow-headers"])
def test_a_slow_drip_server_is_cut_off_at_the_total_time(make, server, route):
    # One byte every 50 ms: no single read times out, only the total limit can stop it.
    url = f"http://avatar.test:{server.port}{route}"
    with pytest.raises(AvatarError) as exc:
        make(timeout=0.8).resolve(url)
    assert str(exc.value) == f"avatar URL {url} did not finish within 0.8 s; try again later or use a local file"


def test_connection_refused_and_unknown_names(make, network_guard):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens here now
    url = f"http://avatar.test:{port}/a.png"
    with pytest.raises(AvatarError, match=r"^avatar URL .* could not be fetched \(.*\); check the link or use a local file$"):
        make().resolve(url)
    # The default resolver is the system's (stubbed here): its failure names the host.
    with pytest.raises(AvatarError) as exc:
        make(resolver=None, address_allowed=None).resolve("https://nowhere.test/a.png")
    assert str(exc.value).startswith(
        "avatar URL https://nowhere.test/a.png names a host that could not be found (nowhere.test: "
    )
    assert network_guard.lookups == ["nowhere.test"]


# --- SSRF refusals with the real policy --------------------------------------------------------


@pytest.mark.parametrize(
    "host,shown,why",
    [
        ("127.0.0.1", "127.0.0.1", "a loopback address"),
        ("10.0.0.1", "10.0.0.1", "a private address"),
        ("169.254.169.254", "169.254.169.254", "a link-local address (the cloud metadata service)"),
        ("[::1]", "::1", "a loopback address"),
        ("[::ffff:10.0.0.1]", "::ffff:10.0.0.1", "an IPv4-mapped form of 10.0.0.1, a private address"),
    ],
)
def test_ip_literals_that_are_not_public_are_refused(make, server, network_guard, host, shown, why):
    url = f"http://{host}:{server.port}/a.png"
    before = len(server.requests)
    with pytest.raises(AvatarError) as exc:
        make(resolver=None, address_allowed=None).resolve(url)
    assert str(exc.value) == f"avatar URL {url} points to {shown}, {why}; use a public URL"
    assert network_guard.connects == [] and len(server.requests) == before


@pytest.mark.parametrize(
    "answer,bad,why",
    [
        (["10.0.0.1"], "10.0.0.1", "a private address"),
        (["127.0.0.1"], "127.0.0.1", "a loopback address"),
        (["169.254.169.254"], "169.254.169.254", "a link-local address (the cloud metadata service)"),
        (["93.184.216.34", "10.0.0.1"], "10.0.0.1", "a private address"),  # every address must pass
        (["2606:4700::1111", "fd00::5"], "fd00::5", "a private (unique local) address"),
    ],
)
def test_names_resolving_to_private_addresses_are_refused(make, server, network_guard, answer, bad, why):
    resolver = Resolver({"cdn.example": answer})
    url = f"https://cdn.example:{server.port}/avatar/132"
    with pytest.raises(AvatarError) as exc:
        make(resolver=resolver, address_allowed=None).resolve(url)
    assert str(exc.value) == f"avatar URL {url} resolves to {bad}, {why}; use a public URL"
    assert network_guard.connects == [] and resolver.calls == ["cdn.example"]


@pytest.mark.parametrize(
    "target,shown,why",
    [
        ("http://10.0.0.1/a.png", "10.0.0.1", "a private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254", "a link-local address (the cloud metadata service)"),
        ("http://[::1]:9/a.png", "::1", "a loopback address"),
    ],
)
def test_a_redirect_to_a_private_address_is_refused(make, server, network_guard, target, shown, why):
    url = f"http://avatar.test:{server.port}/redirect?to={target}"
    with pytest.raises(AvatarError) as exc:
        make(address_allowed=loopback_or_public).resolve(url)
    assert str(exc.value) == f"avatar URL {url} redirects to {target}, which points to {shown}, {why}; use a public URL"
    assert set(network_guard.connects) == {("127.0.0.1", server.port)}  # only the first hop


def test_a_redirect_to_a_name_resolving_privately_is_refused(make, server, network_guard):
    resolver = Resolver({"avatar.test": ["127.0.0.1"], "internal.corp": ["192.168.0.10"]})
    url = f"http://avatar.test:{server.port}/redirect?to=http://internal.corp/admin.png"
    with pytest.raises(AvatarError) as exc:
        make(resolver=resolver, address_allowed=loopback_or_public).resolve(url)
    assert str(exc.value) == (
        f"avatar URL {url} redirects to http://internal.corp/admin.png, which resolves to 192.168.0.10, "
        "a private address; use a public URL"
    )
    assert resolver.calls[-1] == "internal.corp"
    assert set(network_guard.connects) == {("127.0.0.1", server.port)}


def test_a_redirect_to_another_scheme_is_refused(make, server):
    url = f"http://avatar.test:{server.port}/redirect?to=file:///etc/passwd"
    with pytest.raises(AvatarError) as exc:
        make().resolve(url)
    assert str(exc.value) == (
        f"avatar URL {url} redirects to file:///etc/passwd, which uses file:; only http and https avatars are fetched "
        "(or use a local file)"
    )


# --- HTTPS: connect to the vetted address, check the certificate against the name -------------


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    pytest.importorskip("cryptography")
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "postergen test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "avatar.test")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("avatar.test")]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    names: list[str | None] = []
    server_ctx.sni_callback = lambda sock, name, ctx: names.append(name)
    client_ctx = ssl.create_default_context(cadata=ca.public_bytes(serialization.Encoding.PEM).decode())
    srv = Server(tls=server_ctx)
    srv.sni = names
    yield srv, client_ctx
    srv.stop()


def test_https_uses_the_name_for_sni_host_and_certificate(make, tls_server, network_guard):
    srv, client_ctx = tls_server
    av = make(ssl_context=client_ctx)
    path = av.resolve(f"https://avatar.test:{srv.port}/a.png?n=5")
    assert near(pixel(path), color_for(5))
    assert network_guard.connects == [("127.0.0.1", srv.port)]  # the vetted address…
    assert srv.sni[-1] == "avatar.test"  # …with the name in SNI…
    assert srv.hosts[-1] == f"avatar.test:{srv.port}"  # …and in the Host header


def test_https_certificate_for_another_name_is_refused(make, tls_server):
    srv, client_ctx = tls_server
    resolver = Resolver({"other.test": ["127.0.0.1"]})
    url = f"https://other.test:{srv.port}/a.png"
    with pytest.raises(AvatarError) as exc:
        make(ssl_context=client_ctx, resolver=resolver).resolve(url)
    assert str(exc.value).startswith(f"avatar URL {url} failed the HTTPS check (")
    assert "other.test" in str(exc.value) and str(exc.value).endswith("is not valid for its name, use another link")


def test_proxy_settings_are_ignored(make, server, network_guard, monkeypatch):
    # A proxy would resolve names itself, past the policy: fetches always go direct.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy"):
        monkeypatch.setenv(name, "http://10.0.0.1:3128")
    path = make().resolve(f"http://avatar.test:{server.port}/a.png?n=21")
    assert near(pixel(path), color_for(21))
    assert network_guard.connects == [("127.0.0.1", server.port)]
