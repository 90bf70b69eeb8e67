"""Time print PDFs: paint_pdf per poster, cold and steady state.

Usage:  python benchmarks/bench_pdf.py [SPEC] [--runs N] [--sizes A4,card]

For each built-in template and print size it prints, in ms:

* cold      the first PDF of the process (WeasyPrint import excluded): font
            configuration, baseline measurement, font subsets, image decoding;
* same      median of N PDFs of one tree (caches warm);
* channels  median of N PDFs whose QR URL changes every time, as a build renders one
            poster per channel: same text (font subsets reused), new QR code;
* new text  median of N PDFs whose nickname gets a new character every time
            (personalised posters): the font subset is made again each time;
* layout    median of layout_for_print alone, for comparison.

The figures in docs/print.md come from one core:
    taskset -c 0 python benchmarks/bench_pdf.py
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from pathlib import Path

from postergen import printsizes as ps
from postergen.layout import TextItem
from postergen.loader import load_campaign
from postergen.pdf import paint_pdf

ROOT = Path(__file__).resolve().parent.parent


def ms(fn) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def median(fn, runs: int) -> float:
    return statistics.median(ms(lambda i=i: fn(i)) for i in range(runs))


def with_new_character(tree, i: int):
    """The tree with one more, never seen character in its first text item."""
    items = list(tree.items)
    n = next(k for k, it in enumerate(items) if isinstance(it, TextItem))
    item = items[n]
    line = item.lines[0]
    items[n] = dataclasses.replace(item, lines=(dataclasses.replace(line, text=line.text + chr(0x4E00 + 37 * i)),) + item.lines[1:])
    return dataclasses.replace(tree, items=tuple(items))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("spec", nargs="?", default=str(ROOT / "examples" / "tea-invite" / "campaign.yaml"))
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--sizes", default="A4,card")
    args = ap.parse_args()

    import weasyprint  # noqa: F401 — import cost is not the painter's

    loaded = load_campaign(args.spec)
    base = loaded.base
    url = loaded.spec.landing_url
    print(f"{Path(args.spec).parent.name}: median of {args.runs} runs, ms")
    print(f"{'template':9} {'size':6} {'px':>10} {'cold':>6} {'same':>6} {'channels':>8} {'new text':>8} {'layout':>6} {'KB':>5}")
    for name, tpl in loaded.templates.items():
        for text in args.sizes.split(","):
            size = ps.parse_print_size(text)
            tree = ps.layout_for_print(loaded, tpl, size, url)
            paint = lambda t: paint_pdf(t, trim_mm=size.trim_mm, base_dir=base)  # noqa: E731
            cold = ms(lambda: paint(tree))
            same = median(lambda i: paint(tree), args.runs)
            trees = [ps.layout_for_print(loaded, tpl, size, f"{url}?c=CH{i:06d}&utm_source=ch{i}") for i in range(args.runs)]
            channels = median(lambda i: paint(trees[i]), args.runs)
            fresh = [with_new_character(tree, i) for i in range(args.runs)]
            new_text = median(lambda i: paint(fresh[i]), args.runs)
            lay = median(lambda i: ps.layout_for_print(loaded, tpl, size, url), args.runs)
            kb = len(paint(tree)) // 1024
            px = f"{tree.width}x{tree.height}"
            print(f"{name:9} {text:6} {px:>10} {cold:6.0f} {same:6.0f} {channels:8.0f} {new_text:8.0f} {lay:6.0f} {kb:5d}")


if __name__ == "__main__":
    main()
