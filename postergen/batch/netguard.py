"""Fetching from untrusted URLs without reaching private networks (SSRF guard).

Owns the address policy (which IP addresses a URL from a people file may reach) and
an httpx transport that enforces it where it cannot be bypassed: at connect time.

How a connection is made (:class:`GuardedBackend`, an httpcore network backend):

1. the host name is resolved once, by us (:func:`system_resolver` or an injected one);
2. EVERY address it resolves to must pass the policy, or nothing is connected at all
   (a name with one public and one private address is refused);
3. the socket connects to a vetted address itself, never to the name, so there is no
   second lookup for a rebinding DNS server to answer differently;
4. httpcore then runs TLS on that socket with the *name* as SNI and certificate
   hostname, and sends the name in the Host header, as for any other request.

Redirects are not followed here (the caller re-checks every hop); each new connection
goes through the same steps.  A per-thread deadline (:func:`deadline`) caps the whole
fetch, name lookup, connect, TLS, headers and body included, so a server that drips one
byte at a time cannot hold a caller past its total timeout.  Environment proxies are
ignored on purpose: a proxy would resolve names itself.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator

import httpcore
import httpx

Resolver = Callable[[str], list[str]]
AddressPolicy = Callable[[str], bool]

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

# IANA special-purpose IPv4 registry, most specific first.  Everything listed is refused.
_IPV4_BLOCKED: list[tuple[ipaddress.IPv4Network, str]] = [
    (_V4("0.0.0.0/8"), "an unspecified address"),
    (_V4("10.0.0.0/8"), "a private address"),
    (_V4("100.64.0.0/10"), "a shared (carrier-grade NAT) address"),
    (_V4("127.0.0.0/8"), "a loopback address"),
    (_V4("169.254.169.254/32"), "a link-local address (the cloud metadata service)"),
    (_V4("169.254.0.0/16"), "a link-local address"),
    (_V4("172.16.0.0/12"), "a private address"),
    (_V4("192.0.0.0/24"), "a reserved address"),
    (_V4("192.0.2.0/24"), "a documentation address"),
    (_V4("192.31.196.0/24"), "a reserved address"),
    (_V4("192.52.193.0/24"), "a reserved address"),
    (_V4("192.88.99.0/24"), "a reserved address"),
    (_V4("192.168.0.0/16"), "a private address"),
    (_V4("192.175.48.0/24"), "a reserved address"),
    (_V4("198.18.0.0/15"), "a benchmarking address"),
    (_V4("198.51.100.0/24"), "a documentation address"),
    (_V4("203.0.113.0/24"), "a documentation address"),
    (_V4("224.0.0.0/4"), "a multicast address"),
    (_V4("255.255.255.255/32"), "a broadcast address"),
    (_V4("240.0.0.0/4"), "a reserved address"),
]

# IPv6: only global unicast (2000::/3) may be reached, minus these.  Forms that embed an
# IPv4 address (mapped, NAT64, 6to4) are judged by the embedded address.
_IPV6_GLOBAL = _V6("2000::/3")
_IPV6_BLOCKED: list[tuple[ipaddress.IPv6Network, str]] = [
    (_V6("::/128"), "an unspecified address"),
    (_V6("::1/128"), "a loopback address"),
    (_V6("2001::/32"), "a Teredo tunnel address"),
    (_V6("2001:db8::/32"), "a documentation address"),
    (_V6("2001::/23"), "a reserved address"),
    (_V6("3fff::/20"), "a documentation address"),
    (_V6("fc00::/7"), "a private (unique local) address"),
    (_V6("fe80::/10"), "a link-local address"),
    (_V6("fec0::/10"), "a site-local address"),
    (_V6("ff00::/8"), "a multicast address"),
]
_NAT64 = _V6("64:ff9b::/96")


def address_problem(ip: str) -> str | None:
    """Why *ip* must not be reached (e.g. ``"a private address"``), or None when public."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return "not an IP address"
    if isinstance(addr, ipaddress.IPv4Address):
        for net, why in _IPV4_BLOCKED:
            if addr in net:
                return why
        # Belt and braces: whatever the standard library knows to be special.
        if not addr.is_global or addr.is_multicast or addr.is_reserved:
            return "a reserved address"
        return None
    addr = ipaddress.IPv6Address(addr.compressed.split("%")[0])  # drop a zone id
    embedded = None
    if addr.ipv4_mapped is not None:
        embedded, form = addr.ipv4_mapped, "an IPv4-mapped form of"
    elif addr in _NAT64:
        embedded, form = ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF), "a NAT64 form of"
    elif addr.sixtofour is not None:
        embedded, form = addr.sixtofour, "a 6to4 form of"
    if embedded is not None:
        inner = address_problem(str(embedded))
        return f"{form} {embedded}, {inner}" if inner else None
    for net, why in _IPV6_BLOCKED:
        if addr in net:
            return why
    if addr not in _IPV6_GLOBAL or addr.is_multicast or addr.is_reserved:
        return "a reserved address"
    return None


def public_address(ip: str) -> bool:
    """The strict default policy: only public unicast addresses."""
    return address_problem(ip) is None


def system_resolver(host: str) -> list[str]:
    """Every address the system resolver gives for *host*, in its order, without repeats."""
    infos = socket.getaddrinfo(host, None, 0, socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


class AddressRefused(Exception):
    """A host resolves to (or is) an address the policy refuses; nothing was connected."""

    def __init__(self, host: str, ip: str, reason: str, literal: bool):
        self.host, self.ip, self.reason, self.literal = host, ip, reason, literal
        super().__init__(f"{host} {'is' if literal else 'resolves to'} {ip}, {reason}")


class LookupFailed(Exception):
    """A host name could not be resolved (or gave no addresses)."""

    def __init__(self, host: str, reason: str):
        self.host, self.reason = host, reason
        super().__init__(f"{host}: {reason}")


# --- the per-thread deadline --------------------------------------------------------

_local = threading.local()


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Within this block, every network step in this thread ends by now + *seconds*."""
    previous = getattr(_local, "deadline", None)
    _local.deadline = time.monotonic() + seconds
    try:
        yield
    finally:
        _local.deadline = previous


def _remaining(timeout: float | None, exc: type[Exception]) -> float | None:
    """*timeout* shortened to what is left of this thread's deadline; raise *exc* at 0."""
    end = getattr(_local, "deadline", None)
    if end is None:
        return timeout
    left = end - time.monotonic()
    if left <= 0:
        raise exc("the total time limit was reached")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every read and write respects the thread's deadline."""

    def __init__(self, inner: httpcore.NetworkStream):
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _remaining(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _remaining(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None) -> httpcore.NetworkStream:
        tls = self._inner.start_tls(ssl_context, server_hostname, _remaining(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(tls)

    def get_extra_info(self, info: str):
        return self._inner.get_extra_info(info)


# --- resolving, vetting and connecting ------------------------------------------------


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore network backend: resolve once, vet every address, connect to a vetted one."""

    def __init__(self, resolver: Resolver | None = None, address_allowed: AddressPolicy | None = None):
        self._resolver = resolver or system_resolver
        self._allowed = address_allowed or public_address
        self._plain = httpcore.SyncBackend()

    def vet(self, host: str) -> list[str]:
        """The addresses *host* may be reached at; raise unless every one of them is allowed."""
        host = host.strip("[]")
        try:
            ipaddress.ip_address(host)
            addresses, literal = [host], True
        except ValueError:
            addresses, literal = self._lookup(host), False
        for ip in addresses:
            if not self._allowed(ip):
                raise AddressRefused(host, ip, address_problem(ip) or "not an allowed address", literal)
        return addresses

    def _lookup(self, host: str) -> list[str]:
        # getaddrinfo cannot be interrupted; wait for it only as long as the deadline allows.
        wait = _remaining(None, httpcore.ConnectTimeout)
        box: dict = {}

        def run() -> None:
            try:
                box["ips"] = list(self._resolver(host))
            except Exception as exc:  # reported below, in the caller's thread
                box["error"] = exc

        worker = threading.Thread(target=run, name=f"resolve {host}", daemon=True)
        worker.start()
        worker.join(wait)
        if worker.is_alive():
            raise httpcore.ConnectTimeout(f"looking up {host} took too long")
        if "error" in box:
            exc = box["error"]
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
            raise LookupFailed(host, reason) from exc
        if not box["ips"]:
            raise LookupFailed(host, "the name has no addresses")
        return box["ips"]

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        addresses = self.vet(host)
        last: Exception | None = None
        for ip in addresses:
            try:
                stream = self._plain.connect_tcp(
                    ip,  # the vetted address itself: no second lookup
                    port,
                    timeout=_remaining(timeout, httpcore.ConnectTimeout),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
                continue
            return _DeadlineStream(stream)
        assert last is not None
        raise last

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise httpcore.ConnectError("unix sockets are not used for fetching URLs")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


# --- the httpx transport ----------------------------------------------------------------


@contextlib.contextmanager
def _httpx_errors() -> Iterator[None]:
    """httpcore's exceptions as httpx's (same names), as httpx's own transport does."""
    try:
        yield
    except httpcore.TimeoutException as exc:
        raise getattr(httpx, type(exc).__name__, httpx.TimeoutException)(str(exc)) from exc
    except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol) as exc:
        raise getattr(httpx, type(exc).__name__, httpx.TransportError)(str(exc)) from exc


class _Body(httpx.SyncByteStream):
    def __init__(self, stream):
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        with _httpx_errors():
            yield from self._stream

    def close(self) -> None:
        if hasattr(self._stream, "close"):
            self._stream.close()


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport over an httpcore pool that connects through :class:`GuardedBackend`.

    httpx's own ``HTTPTransport`` does not take a network backend, so this is the small
    documented alternative: a ``BaseTransport`` around ``httpcore.ConnectionPool``.
    """

    def __init__(self, backend: GuardedBackend, ssl_context: ssl.SSLContext | None = None, max_connections: int = 8):
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=30.0,
            http1=True,
            http2=False,
            network_backend=backend,
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        req = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _httpx_errors():
            resp = self._pool.handle_request(req)
        return httpx.Response(
            status_code=resp.status, headers=resp.headers, stream=_Body(resp.stream), extensions=resp.extensions
        )

    def close(self) -> None:
        self._pool.close()


def guarded_client(
    *,
    resolver: Resolver | None = None,
    address_allowed: AddressPolicy | None = None,
    connect_timeout: float = 3.0,
    timeout: float = 10.0,
    max_connections: int = 8,
    ssl_context: ssl.SSLContext | None = None,
    user_agent: str = "postergen",
) -> httpx.Client:
    """An httpx client that can only reach allowed addresses and never follows redirects."""
    transport = GuardedTransport(GuardedBackend(resolver, address_allowed), ssl_context, max_connections)
    return httpx.Client(
        transport=transport,
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(timeout, connect=connect_timeout),
        headers={"User-Agent": user_agent, "Accept-Encoding": "identity"},
    )


def ssl_error(exc: BaseException) -> ssl.SSLError | None:
    """The TLS error at the root of *exc*, if any (a failed certificate check, say)."""
    seen = 0
    cur: BaseException | None = exc
    while cur is not None and seen < 10:
        if isinstance(cur, ssl.SSLError):
            return cur
        cur, seen = cur.__cause__ or cur.__context__, seen + 1
    return None


__all__ = [
    "AddressRefused",
    "LookupFailed",
    "GuardedBackend",
    "GuardedTransport",
    "address_problem",
    "public_address",
    "system_resolver",
    "guarded_client",
    "deadline",
    "ssl_error",
]
