"""Time poster rendering: layout + paint (no encode), then encode per format.

Usage:  python benchmarks/bench_render.py [SPEC] [--runs N] [--size WxH]

Prints the median of N warm runs per built-in template (the first run, which loads
fonts and decodes images, is reported separately as 'cold').  Pin to one core for the
figures in docs/performance.md:  taskset -c 0 python benchmarks/bench_render.py
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from postergen.layout import layout_poster
from postergen.loader import load_campaign, load_template
from postergen.paint import encode, paint
from postergen.spec import parse_size
from postergen.template import BUILTIN_DIR, builtin_names

ROOT = Path(__file__).resolve().parent.parent


def timed(fn, runs: int) -> tuple[float, list[float]]:
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples), samples


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("spec", nargs="?", default=str(ROOT / "examples" / "tea-invite" / "campaign.yaml"))
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--size", default="1080x1920")
    args = ap.parse_args()
    w, h = parse_size(args.size)

    t = time.perf_counter()
    loaded = load_campaign(args.spec)
    print(f"load_campaign (fonts, assets, glyph check): {(time.perf_counter() - t) * 1000:.0f} ms")
    print(f"\n{args.size}, median of {args.runs} warm runs, ms")
    print(f"{'template':10} {'cold':>7} {'layout':>7} {'paint':>7} {'l+p':>7} {'l+p/QR':>7} {'png':>7} {'jpeg':>7} {'webp':>7}")
    url = loaded.spec.landing_url
    for name in builtin_names():
        tpl, problems = load_template(BUILTIN_DIR / f"{name}.yaml")
        assert tpl is not None, problems
        t = time.perf_counter()
        image = paint(layout_poster(loaded, tpl, w, h, url))
        cold = (time.perf_counter() - t) * 1000
        lay, _ = timed(lambda: layout_poster(loaded, tpl, w, h, url), args.runs)
        tree = layout_poster(loaded, tpl, w, h, url)
        pnt, _ = timed(lambda: paint(tree), args.runs)
        both, _ = timed(lambda: paint(layout_poster(loaded, tpl, w, h, url)), args.runs)
        # As in a channel or inviter build: every poster has a new QR code to encode.
        fresh = iter(range(10**6))
        new_qr, _ = timed(lambda: paint(layout_poster(loaded, tpl, w, h, f"{url}?n={next(fresh)}")), args.runs)
        enc = {fmt: timed(lambda: encode(image, fmt), max(3, args.runs // 3))[0] for fmt in ("png", "jpeg", "webp")}
        print(
            f"{name:10} {cold:7.1f} {lay:7.1f} {pnt:7.1f} {both:7.1f} {new_qr:7.1f} {enc['png']:7.1f} {enc['jpeg']:7.1f} {enc['webp']:7.1f}"
        )


if __name__ == "__main__":
    main()
