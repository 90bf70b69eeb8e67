"""Landing pages under a slow phone network: first contentful paint and first-screen bytes.

Usage:  python benchmarks/bench_landing.py [SPEC ...] [--runs N] [--cpu 4]

Renders the landing page of each campaign (default: every examples/*/campaign.yaml, first
channel or no channel), serves it from a loopback HTTP server, plain and gzip-encoded,
and loads it in Debian's headless Chromium (/usr/bin/chromium, via Playwright) at
375×667 @2x with Chromium's "Slow 4G" network preset applied through the DevTools
protocol (Network.emulateNetworkConditions: 562.5 ms latency, 1.44 Mbit/s down,
675 kbit/s up — DevTools' own figures) and the cache disabled.  --cpu 4 also slows the
CPU four times, as Lighthouse's mobile profile does.  Prints the median of N runs.

Targets (issue 4): first screen, font included, ≤ 100 KB; FCP ≤ 1 s under Slow 4G.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from postergen.landing import default_row, render_landing
from postergen.loader import load_campaign
from postergen.jobs import codes_for

ROOT = Path(__file__).resolve().parent.parent
SLOW_4G = {"offline": False, "latency": 562.5, "downloadThroughput": 1.6e6 / 8 * 0.9, "uploadThroughput": 750e3 / 8 * 0.9}
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PAINT = """() => new Promise(resolve => {
  const lcp = [];
  new PerformanceObserver(list => lcp.push(...list.getEntries())).observe({type: 'largest-contentful-paint', buffered: true});
  setTimeout(() => {
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    const nav = performance.getEntriesByType('navigation')[0];
    resolve({fcp: fcp ? fcp.startTime : null, lcp: lcp.length ? lcp[lcp.length - 1].startTime : null,
             ttfb: nav.responseStart, done: nav.responseEnd, bytes: nav.transferSize});
  }, 300);
})"""


def serve(pages: dict[str, bytes]):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            path = self.path.split("?")[0]
            zipped = path.endswith(".gz/")
            body = pages.get(path.removesuffix(".gz/") + "/" if zipped else path)
            if body is None:
                self.send_response(404)
                self.end_headers()
                return
            if zipped:
                body = gzip.compress(body, 6, mtime=0)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            if zipped:
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def measure(browser, url: str, runs: int, cpu: float) -> dict[str, float]:
    samples: dict[str, list[float]] = {}
    for _ in range(runs):
        ctx = browser.new_context(viewport={"width": 375, "height": 667}, device_scale_factor=2)
        page = ctx.new_page()
        cdp = ctx.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", SLOW_4G)
        if cpu > 1:
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu})
        page.goto(url, wait_until="load", timeout=60_000)
        for key, value in page.evaluate(PAINT).items():
            if value is not None:
                samples.setdefault(key, []).append(value)
        ctx.close()
    return {k: statistics.median(v) for k, v in samples.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("specs", nargs="*", default=[str(p) for p in sorted((ROOT / "examples").glob("*/campaign.yaml"))])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--cpu", type=float, default=1, help="CPU slowdown factor (Lighthouse mobile: 4)")
    args = ap.parse_args()

    rendered = {}
    for spec in args.specs:
        loaded = load_campaign(spec)
        rows, _ = codes_for(loaded, environ={})
        page = render_landing(loaded, rows[0] if rows else default_row(loaded))
        rendered[f"/{Path(spec).resolve().parent.name}/"] = page
    httpd = serve({k: p.data for k, p in rendered.items()})
    origin = f"http://127.0.0.1:{httpd.server_address[1]}"

    from playwright.sync_api import sync_playwright

    print(f"Slow 4G (562.5 ms, 1.44 Mbit/s down), 375×667 @2x, CPU ×{args.cpu:g}, median of {args.runs} runs")
    print()
    print("| page | total KB | gzip KB | first screen KB | gzip KB | font KB | FCP ms (gzip) | FCP ms (plain) | LCP ms (gzip) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for path, page in rendered.items():
            zipped = measure(browser, origin + path.rstrip("/") + ".gz/", args.runs, args.cpu)
            plain = measure(browser, origin + path, args.runs, args.cpu)
            s = page.sizes
            print(
                f"| {path.strip('/')} | {s.total / 1024:.1f} | {s.total_gzip / 1024:.1f} | {s.first_screen / 1024:.1f} | "
                f"{s.first_screen_gzip / 1024:.1f} | {s.font / 1024:.1f} | {zipped.get('fcp', float('nan')):.0f} | "
                f"{plain.get('fcp', float('nan')):.0f} | {zipped.get('lcp', float('nan')):.0f} |",
                flush=True,
            )
        browser.close()
    httpd.shutdown()


if __name__ == "__main__":
    sys.exit(main())
