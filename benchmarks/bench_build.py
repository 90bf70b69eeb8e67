"""Campaign builds: posters per second with --jobs 1 and --jobs N, against the JPEG encode
floor measured in the same run, and an unchanged rebuild against a fresh one.

Usage:  python benchmarks/bench_build.py [--channels 50] [--jobs 2] [--repeat 3] [--site] [--full]

Makes a copy of examples/tea-invite with CHANNELS screen channels, one template and size
(bold 1080x1920) and JPEG only — one poster per channel — and, unless --site is given,
without its landing: section (so the figure is the posters'; with --site every channel
also gets its landing page).  With --full the campaign keeps the example's own templates
and sizes (3 × 4: twelve JPEG posters per channel), as a campaign would ship them.  Then, REPEAT times, the median quoted:

1. ``python -m postergen build … -j 1 -q`` into a fresh folder, as a whole process
   (start-up, campaign loading, every poster, the manifest);
2. the same with ``-j JOBS``;
3. the same command again into the folder of 2: every poster unchanged, none rendered;
4. the encode floor: JOBS processes doing nothing but JPEG-encoding a finished poster of
   the same size and quality, CHANNELS times in all (see bench_batch.py).

This machine is shared and noisy: the ratios, measured side by side, are the figures.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_batch import encode_floor  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TEA = ROOT / "examples" / "tea-invite"


def make_campaign(folder: Path, channels: int, site: bool, full: bool = False) -> Path:
    from ruamel.yaml import YAML

    shutil.copytree(TEA, folder, ignore=shutil.ignore_patterns("people.csv", "avatars"))
    yaml = YAML(typ="rt")
    data = yaml.load((folder / "campaign.yaml").read_text(encoding="utf-8"))
    if not full:
        data["output"]["templates"] = ["bold"]
        data["output"]["sizes"] = ["1080x1920"]
    data["output"]["formats"] = ["jpeg"]
    data["tracking"]["secret_env"] = "BENCH_SECRET"
    data["channels"] = [{"id": f"ch{i:03d}", "name": f"渠道{i:03d}"} for i in range(channels)]
    if not site:
        del data["landing"]
    with open(folder / "campaign.yaml", "w", encoding="utf-8") as fh:
        yaml.dump(data, fh)
    return folder


def run_build(campaign: Path, out: Path, jobs: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the command and its workers)."""
    env = {**os.environ, "BENCH_SECRET": "bench-secret-0123456789abcdef", "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "postergen", "build", str(campaign), "-o", str(out), "-j", str(jobs), "-q"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, env=env, check=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--channels", type=int, default=50)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--site", action="store_true", help="keep the landing: section (a page per channel)")
    ap.add_argument("--full", action="store_true", help="the example's templates and sizes (12 posters a channel)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        campaign = make_campaign(tmp / "tea", args.channels, args.site, args.full)
        one, many, again, floor = [], [], [], []
        for i in range(args.repeat):
            one.append(run_build(campaign, tmp / f"one-{i}", 1))
            many.append(run_build(campaign, tmp / f"many-{i}", args.jobs))
            again.append(run_build(campaign, tmp / f"many-{i}", args.jobs))
            # The floor encodes a poster of every template and size once per channel.
            kinds: dict[str, Path] = {}
            for poster in sorted((tmp / f"many-{i}" / "posters").rglob("*.jpg")):
                kinds.setdefault(poster.name, poster)
            floor.append(sum(encode_floor(p, args.channels, args.jobs, 88) for p in kinds.values()))
            n = args.channels * len(kinds)
            shutil.rmtree(tmp / f"one-{i}")
        (one_s, one_cpu), (many_s, many_cpu), (again_s, again_cpu) = (
            (statistics.median(w for w, _ in x), statistics.median(c for _, c in x)) for x in (one, many, again))
        floor_s = statistics.median(floor)
        what = "the example's 3 templates × 4 sizes" if args.full else "bold 1080x1920"
        print(f"{args.channels} channels, {what} JPEG q88 ({n} posters){' with landing pages' if args.site else ''}, "
              f"median of {args.repeat}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"  build -j1 (whole command)  {one_s:7.2f} s  {n / one_s:7.1f} posters/s   cpu {one_cpu:5.2f} s")
        print(f"  build -j{args.jobs} (whole command)  {many_s:7.2f} s  {n / many_s:7.1f} posters/s   cpu {many_cpu:5.2f} s")
        print(f"  speed-up -j{args.jobs} / -j1         {one_s / many_s:7.2f}x     (target ≥ 1.8)")
        print(f"  JPEG encode floor (-j{args.jobs})    {floor_s:7.2f} s  {n / floor_s:7.1f} posters/s")
        print(f"  ratio build -j{args.jobs} / floor     {floor_s / many_s:7.2f}      (≥ 0.30 meets 60/s against a 200/s floor)")
        print(f"  unchanged rebuild -j{args.jobs}      {again_s:7.2f} s  ({again_s / many_s:.2f} of a fresh build)   cpu {again_cpu:5.2f} s")

if __name__ == "__main__":
    main()
