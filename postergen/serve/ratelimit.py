"""Who is asking, and how often: the client address behind trusted proxies, and rate limits.

**Client address.**  The peer address of the connection, unless that peer is a trusted
proxy (``--trusted-proxy 127.0.0.1``, addresses or networks such as ``10.0.0.0/8``): then
``X-Forwarded-For`` is read from the right, skipping trusted proxies, and the first
address that is not one is the client.  Entries further left were written by the client
itself and could be anything, so they are never used.  Without trusted proxies the header
is ignored: anyone can send it.

**Rate limits.**  A token bucket per client address and purpose: ``rate`` requests per
``per`` seconds on average, bursts of up to ``burst``.  Mobile carriers put many phones
behind one address (CGNAT), so the defaults are generous: they stop a script, not a
busy office.  Buckets live in memory, at most ``max_clients`` of them (the oldest
forgotten first), so memory is bounded whatever the traffic.
"""

from __future__ import annotations

import ipaddress
import re
import time
from collections import OrderedDict
from dataclasses import dataclass

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values) -> tuple[Network, ...]:
    """``["127.0.0.1", "10.0.0.0/8", "::1"]`` → networks; ValueError names a bad entry."""
    out = []
    for value in values or ():
        for part in str(value).split(","):
            part = part.strip()
            if not part:
                continue
            try:
                out.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise ValueError(f"'{part}' is not an IP address or network (e.g. 127.0.0.1 or 10.0.0.0/8)") from None
    return tuple(out)


def _ip(text: str):
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 1.2.3.4:5678
        text = text.split(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def client_address(peer: str | None, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str:
    """The client's address: the peer, or the right-most untrusted X-Forwarded-For entry
    when the peer is a trusted proxy."""
    peer = peer or ""
    ip = _ip(peer)
    if not trusted or ip is None or not any(ip in n for n in trusted) or not forwarded_for:
        return str(ip) if ip is not None else peer
    hops = [h for h in forwarded_for[:2000].split(",") if h.strip()]
    for hop in reversed(hops):
        addr = _ip(hop)
        if addr is None:
            return str(ip)  # garbage where a proxy should have written an address
        if not any(addr in n for n in trusted):
            return str(addr)
    return str(ip)  # every hop is a proxy of ours


_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(s|sec|second|m|min|minute|h|hour)s?\s*$")
_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}


@dataclass(frozen=True)
class Rate:
    count: int  # 0 = unlimited
    per: float  # seconds
    burst: int

    @classmethod
    def parse(cls, text: str, burst: int | None = None) -> "Rate":
        """``"20/min"``, ``"5/10s"``, ``"0"`` (no limit) → Rate; ValueError says the form."""
        text = str(text).strip()
        if text in ("0", "off", "none"):
            return cls(0, 1.0, 0)
        m = _RATE.match(text)
        if not m or int(m.group(1)) < 1:
            raise ValueError(f"'{text}' is not a rate: write e.g. 20/min, 5/10s or 0 for no limit")
        count, n, unit = int(m.group(1)), int(m.group(2) or 1), m.group(3)
        return cls(count, n * _UNITS[unit], burst if burst is not None else max(1, count))

    def __str__(self) -> str:
        return "unlimited" if not self.count else f"{self.count}/{self.per:g}s (burst {self.burst})"


class RateLimiter:
    """Token buckets per key; :meth:`hit` says whether a request may go ahead and, if not,
    after how many seconds it would."""

    def __init__(self, rate: Rate, max_clients: int = 100_000, clock=time.monotonic):
        self.rate = rate
        self.max_clients = max_clients
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def hit(self, key: str) -> float:
        """0 when allowed (a token is taken), else the seconds until a token is free."""
        if not self.rate.count:
            return 0.0
        now = self.clock()
        refill = self.rate.count / self.rate.per  # tokens per second
        tokens, last = self._buckets.pop(key, (float(self.rate.burst), now))
        tokens = min(float(self.rate.burst), tokens + (now - last) * refill)
        if tokens >= 1.0:
            tokens -= 1.0
            wait = 0.0
        else:
            wait = (1.0 - tokens) / refill
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return wait
