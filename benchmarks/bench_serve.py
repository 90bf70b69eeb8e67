"""Load-test ``postergen serve`` with SQLite: leads/s, latency, no lost lead, posters.

Usage:  python benchmarks/bench_serve.py [--leads 4000] [--clients 32] [--posters 20]

Builds examples/tea-invite (bold 1080x1920 JPEG only) into a temporary folder, starts
``python -m postergen serve`` on 127.0.0.1 as a subprocess, and measures from this process
(the load generator shares the machine's cores with the server):

1. **Leads**: ``--clients`` concurrent submitters on keep-alive connections post
   ``--leads`` leads (each from its own client address, through ``--trusted-proxy``, as
   behind nginx); leads/s, latency p50/p95/p99.  Every acknowledged lead (200, ok) is then
   looked up in the database.
2. **SIGKILL**: the same load; the server is killed with SIGKILL mid-load and restarted;
   submitters whose request failed retry it (as the landing page does).  Counts the
   acknowledged leads missing from the database afterwards — the target is 0.
3. **Posters**: ``--posters`` new participants' posters on a cache miss (median and p95,
   one at a time), then cache hits per second with 16 concurrent connections.

The HTTP client is a few lines over asyncio streams, so the generator's own cost stays
small.  Targets (issue #12): ≥ 200 leads/s with p95 ≤ 100 ms, 0 lost; poster miss ≤ 50 ms
median; cache hits ≥ 500/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
SECRET_ENV = "BENCH_SERVE_SECRET"


# --------------------------------------------------------------------------- setup


def prepare(tmp: Path) -> tuple[Path, Path]:
    """examples/tea-invite with a secret, one template and size, JPEG; built. (spec, site)"""
    import shutil

    from postergen.pipeline import build

    src = ROOT / "examples" / "tea-invite"
    camp = tmp / "campaign"
    shutil.copytree(src, camp)
    spec = camp / "campaign.yaml"
    text = spec.read_text(encoding="utf-8")
    text = text.replace("templates: [bold, photo, minimal]", "templates: [bold]")
    text = text.replace("sizes: [1080x1920, 750x1334, 1080x1080, 1242x1660]", "sizes: [1080x1920]")
    text = text.replace("formats: [png, jpeg]", "formats: [jpeg]")
    text = text.replace("tracking:\n", f"tracking:\n  secret_env: {SECRET_ENV}\n")
    spec.write_text(text, encoding="utf-8")
    result = build(spec, tmp / "out", environ={SECRET_ENV: os.environ[SECRET_ENV]})
    assert result.ok, result.failures
    site = tmp / "out" / "site" if (tmp / "out" / "site").is_dir() else tmp / "out"
    return spec, site


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, spec: Path, site: Path, db: Path, cache: Path, port: int):
        self.args = [sys.executable, "-m", "postergen", "serve", str(spec), "--site", str(site), "--db", str(db),
                     "--cache", str(cache), "--port", str(port), "--trusted-proxy", "127.0.0.1"]
        self.port = port
        self.proc = None

    def start(self) -> None:
        self.proc = subprocess.Popen(self.args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n")
                    if s.recv(100).startswith(b"HTTP/1.1 200"):
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def cpu(self) -> float:
        """CPU seconds the server process has used (user + system, all its threads)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


# --------------------------------------------------------------------------- a small HTTP client


class Conn:
    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None

    async def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        head = f"{method} {path} HTTP/1.1\r\nHost: bench\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items()) + "\r\n"
        try:
            self.writer.write(head.encode("latin-1") + body)
            await self.writer.drain()
            status = int((await self.reader.readline()).split()[1])
            length, close = 0, False
            while True:
                line = await self.reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
                elif name.lower() == "connection" and value.strip().lower() == "close":
                    close = True
            data = await self.reader.readexactly(length) if length else b""
            if close:
                self.close()
            return status, data
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def lead_body(phone: str, code: str) -> bytes:
    return urlencode({"phone": phone, "consent": "yes", "campaign": "tea-invite-3", "code": code, "channel": "moments",
                      "variant": "base", "ref": "", "utm_source": "朋友圈", "utm_medium": "social",
                      "utm_campaign": "tea-invite-3", "utm_content": "base"}).encode()


HEADERS = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}


async def submit_all(port: int, phones: list[str], code: str, clients: int, acked: set, latencies: list, on_error=None):
    """Post every phone; a failed request is retried (after 50 ms) until acknowledged."""
    queue = list(reversed(phones))

    async def worker(n: int) -> None:
        conn = Conn(port)
        while queue:
            phone = queue.pop()
            ip = f"10.{n}.{random.randrange(256)}.{random.randrange(1, 255)}"
            while True:
                t = time.perf_counter()
                try:
                    status, data = await conn.request("POST", "/api/lead", lead_body(phone, code),
                                                      {**HEADERS, "X-Forwarded-For": ip})
                except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                    status, data = 0, b""
                if status == 200 and json.loads(data)["ok"]:
                    latencies.append((time.perf_counter() - t) * 1000)
                    acked.add(phone)
                    break
                if on_error:
                    on_error(status)
                await asyncio.sleep(0.05)
        conn.close()

    await asyncio.gather(*(worker(i) for i in range(clients)))


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def stored_phones(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute("SELECT phone FROM leads")]


# --------------------------------------------------------------------------- phases


def phase_leads(server: Server, db: Path, code: str, n: int, clients: int, start: int) -> dict:
    phones = [f"139{start + i:08d}" for i in range(n)]
    acked: set[str] = set()
    latencies: list[float] = []
    t, cpu = time.perf_counter(), server.cpu()
    asyncio.run(submit_all(server.port, phones, code, clients, acked, latencies))
    elapsed, cpu = time.perf_counter() - t, server.cpu() - cpu
    stored = set(stored_phones(db))
    return {"leads": n, "clients": clients, "seconds": round(elapsed, 2), "leads_per_s": round(n / elapsed),
            "server_cpu_ms_per_lead": round(cpu / n * 1000, 2),
            "p50_ms": round(pct(latencies, 50), 1), "p95_ms": round(pct(latencies, 95), 1),
            "p99_ms": round(pct(latencies, 99), 1), "lost": len(acked - stored)}


def phase_kill(server: Server, db: Path, code: str, n: int, clients: int, start: int) -> dict:
    phones = [f"138{start + i:08d}" for i in range(n)]
    acked: set[str] = set()
    latencies: list[float] = []
    errors = {"count": 0}

    def on_error(status):
        errors["count"] += 1

    async def run() -> None:
        async def killer() -> None:
            while len(acked) < n // 3:
                await asyncio.sleep(0.01)
            server.kill()  # mid-load
            await asyncio.sleep(0.2)
            await asyncio.to_thread(server.start)

        await asyncio.gather(submit_all(server.port, phones, code, clients, acked, latencies, on_error), killer())

    asyncio.run(run())
    stored = stored_phones(db)
    mine = [p for p in stored if p.startswith("138")]
    return {"leads": n, "acknowledged": len(acked), "failed_requests_retried": errors["count"],
            "stored": len(mine), "duplicates": len(mine) - len(set(mine)), "lost": len(acked - set(mine))}


def phase_posters(server: Server, code: str, n: int) -> dict:
    async def run() -> dict:
        conn = Conn(server.port)
        urls = []
        for i in range(n):
            status, data = await conn.request("POST", "/api/lead", lead_body(f"137{i:08d}", code),
                                              {**HEADERS, "X-Forwarded-For": f"192.0.2.{i % 250 + 1}"})
            urls.append(json.loads(data)["poster_url"])
        misses = []
        cpu = server.cpu()
        for url in urls:
            t = time.perf_counter()
            status, data = await conn.request("GET", url)
            assert status == 200 and data[:2] == b"\xff\xd8", status
            misses.append((time.perf_counter() - t) * 1000)
        miss_cpu = (server.cpu() - cpu) / n * 1000
        conn.close()
        done = 0
        stop = time.perf_counter() + 5

        async def hitter() -> None:
            nonlocal done
            c = Conn(server.port)
            while time.perf_counter() < stop:
                status, _ = await c.request("GET", random.choice(urls))
                assert status == 200
                done += 1
            c.close()

        t, cpu = time.perf_counter(), server.cpu()
        await asyncio.gather(*(hitter() for _ in range(16)))
        hits = done / (time.perf_counter() - t)
        cpu = server.cpu() - cpu
        return {"posters": n, "miss_median_ms": round(statistics.median(misses), 1), "miss_p95_ms": round(pct(misses, 95), 1),
                "server_cpu_ms_per_hit": round(cpu / done * 1000, 2),
                "miss_first_ms": round(misses[0], 1), "server_cpu_ms_per_miss": round(miss_cpu, 1), "hits_per_s": round(hits), "poster_kb": round(len(data) / 1024)}

    return asyncio.run(run())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--leads", type=int, default=4000)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--posters", type=int, default=20)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON only")
    args = ap.parse_args()
    os.environ.setdefault(SECRET_ENV, "bench-secret-" + os.urandom(8).hex())

    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        tmp = Path(tmp)
        spec, site = prepare(tmp)
        db = tmp / "leads.sqlite"
        server = Server(spec, site, db, tmp / "cache", free_port())
        from postergen.codes import code_table
        from postergen.loader import load_campaign

        loaded = load_campaign(spec)
        code = next(r.code for r in code_table(loaded.spec, os.environ[SECRET_ENV].encode()) if r.channel == "moments")
        server.start()
        try:
            results = {
                "load_average": os.getloadavg()[0],
                "leads": phase_leads(server, db, code, args.leads, args.clients, 0),
                "sigkill": phase_kill(server, db, code, args.leads, args.clients, 0),
                "posters": phase_posters(server, code, args.posters),
            }
        finally:
            server.stop()
    if args.json:
        print(json.dumps(results, indent=2))
        return
    L, K, P = results["leads"], results["sigkill"], results["posters"]
    print(f"load average at start: {results['load_average']:.2f}")
    print(f"\nleads: {L['leads']} by {L['clients']} clients in {L['seconds']} s = {L['leads_per_s']} leads/s; "
          f"p50 {L['p50_ms']} ms, p95 {L['p95_ms']} ms, p99 {L['p99_ms']} ms; lost {L['lost']}; "
          f"server CPU {L['server_cpu_ms_per_lead']} ms/lead")
    print(f"SIGKILL mid-load: {K['acknowledged']}/{K['leads']} acknowledged, {K['failed_requests_retried']} failed requests "
          f"retried, {K['stored']} stored, {K['duplicates']} duplicates, lost {K['lost']}")
    print(f"posters: miss median {P['miss_median_ms']} ms (p95 {P['miss_p95_ms']}, first {P['miss_first_ms']}; "
          f"server CPU {P['server_cpu_ms_per_miss']} ms), cache hits {P['hits_per_s']}/s ({P['poster_kb']} KB each; "
          f"server CPU {P['server_cpu_ms_per_hit']} ms/hit)")


if __name__ == "__main__":
    main()
