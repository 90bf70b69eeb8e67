"""Make the pictures in README.md and docs/ from the bundled examples.

Usage:  python tools/readme_images.py        (writes docs/images/*.jpg)
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from postergen.layout import layout_poster
from postergen.loader import load_campaign
from postergen.paint import paint
from postergen.jobs import plan

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "images"


def strip(spec: str, cells: list[tuple[str, int, int]], height: int = 720, gap: int = 24) -> Image.Image:
    loaded = load_campaign(ROOT / "examples" / spec)
    url = plan(loaded)[0].url
    images = []
    for template, w, h in cells:
        im = paint(layout_poster(loaded, loaded.templates[template], w, h, url))
        images.append(im.resize((round(w * height / h), height), Image.Resampling.LANCZOS))
    width = sum(i.width for i in images) + gap * (len(images) + 1)
    sheet = Image.new("RGB", (width, height + 2 * gap), (236, 238, 241))
    x = gap
    for im in images:
        sheet.paste(im, (x, gap))
        x += im.width + gap
    return sheet


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    portrait = [("bold", 1080, 1920), ("photo", 1080, 1920), ("minimal", 1080, 1920)]
    strip("tea-invite", portrait + [("bold", 1080, 1080)]).save(OUT / "tea-invite.jpg", quality=84)
    strip("course-trial", portrait).save(OUT / "course-trial.jpg", quality=84)
    strip("english-referral", [("photo", 1242, 1660), ("minimal", 1080, 1080), ("bold", 1080, 1920)]).save(
        OUT / "english-referral.jpg", quality=84
    )


if __name__ == "__main__":
    main()
