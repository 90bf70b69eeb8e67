"""Auto-fit: the largest font size that fits, limits, max lines and overflow policies.

Sizes are checked against an independent definition of "fits" (:func:`fits`), so every
found size is shown to fit and to be maximal: one pixel larger does not fit.
"""

from __future__ import annotations

import random
import unicodedata

import pytest

from postergen.errors import LayoutError
from postergen.fit import NATURAL_SHRINK, FLOOR, fit_text
from postergen.fonts import BUNDLED, chain_for
from postergen.linebreak import break_lines


def fake(text: str) -> float:
    return sum(
        0.3 if ch == " " else 1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.55 for ch in text
    )


bold = chain_for((str(BUNDLED["bold"]),)).width

HEADLINE = "新品杨枝甘露免费喝"  # 9 em with the fake measure


def fits(text, width, size, box_w, box_h, max_lines, leading) -> bool:
    lines = break_lines(text, box_w / size, width)
    return (
        len(lines) <= max_lines
        and len(lines) * size * leading <= box_h + 1e-6
        and all(width(line) * size <= box_w + 1e-6 for line in lines)
    )


FIT_CASES = [
    # text, box_w, box_h, min, max, max_lines, leading, expected size
    pytest.param(HEADLINE, 900, 200, 20, 200, 1, 1.3, 100, id="width-limited"),
    pytest.param(HEADLINE, 900, 200, 20, 60, 1, 1.3, 60, id="max-size"),
    pytest.param(HEADLINE, 2000, 100, 20, 200, 1, 1.3, 76, id="height-limited"),
    pytest.param(HEADLINE, 500, 400, 20, 200, 2, 1.25, 100, id="two-lines"),
    pytest.param(HEADLINE, 500, 400, 20, 200, 1, 1.25, 55, id="one-line-only"),
    pytest.param(HEADLINE, 300, 100, 40, 100, 1, 1.3, 33, id="shrinks-below-min"),
    pytest.param("Invite three friends and drink free", 600, 400, 20, 120, 3, 1.3, 94, id="latin-three-lines"),
    pytest.param("一二三四五六七八九十一", 500, 300, 20, 200, 2, 1.3, 83, id="balanced-two-lines"),
    pytest.param("第一行\n第二行", 600, 600, 20, 400, 3, 1.2, 200, id="hard-newline"),
    pytest.param(HEADLINE, 900, 200, 120, 100, 1, 1.3, 100, id="min-above-max-is-clamped"),
]


@pytest.mark.parametrize("text,box_w,box_h,lo,hi,max_lines,leading,size", FIT_CASES)
def test_largest_size_that_fits(text, box_w, box_h, lo, hi, max_lines, leading, size):
    fitted = fit_text(text, fake, box_w, box_h, lo, hi, max_lines, leading)
    assert fitted.size == size
    assert fits(text, fake, size, box_w, box_h, max_lines, leading)
    if size < max(min(lo, hi), hi):
        assert not fits(text, fake, size + 1, box_w, box_h, max_lines, leading)  # maximal
    assert fitted.size <= hi
    assert len(fitted.lines) <= max_lines
    assert fitted.height <= box_h + 1e-6
    assert fitted.width <= box_w + 1e-6
    assert fitted.line_height == pytest.approx(size * leading)
    assert fitted.widths == tuple(pytest.approx(fake(line) * size) for line in fitted.lines)
    assert not fitted.truncated


def test_fitted_lines_are_balanced():
    fitted = fit_text("一二三四五六七八九十一", fake, 500, 300, 20, 200, max_lines=2)
    assert fitted.lines == ("一二三四五六", "七八九十一")
    greedy = fit_text("一二三四五六七八九十一", fake, 500, 300, 20, 200, max_lines=2, balance=False)
    assert greedy.lines == ("一二三四五六", "七八九十一")  # 83 px: six per line either way
    lopsided = fit_text("一二三四五六七八九十一", fake, 1000, 300, 20, 100, max_lines=2, balance=False)
    assert lopsided.lines == ("一二三四五六七八九十", "一")
    assert fit_text("一二三四五六七八九十一", fake, 1000, 300, 20, 100, max_lines=2).lines == (
        "一二三四五六",
        "七八九十一",
    )


def test_max_lines_is_respected():
    text = "邀请三位好友一起来喝新品杨枝甘露，每杯都有满满果肉"
    for max_lines in (1, 2, 3, 4):
        fitted = fit_text(text, fake, 600, 2000, 8, 400, max_lines)
        assert len(fitted.lines) <= max_lines
        assert not fits(text, fake, fitted.size + 1, 600, 2000, max_lines, 1.3)


def test_shrink_goes_below_min_but_not_below_the_floor():
    fitted = fit_text(HEADLINE, fake, 100, 100, 40, 100, overflow="shrink")
    assert fitted.size == 11  # 11 × 9 = 99 px
    assert fitted.size >= FLOOR
    with pytest.raises(LayoutError) as err:
        fit_text(HEADLINE, fake, 50, 20, 40, 100, overflow="shrink", what=f"'{HEADLINE}'")
    assert str(err.value) == (
        "'新品杨枝甘露免费喝' does not fit its box (50×20 px, 1 line) even at 8 px: shorten the text or "
        "make the box larger"
    )


def test_ellipsis_keeps_min_size_and_cuts_to_max_lines():
    fitted = fit_text(HEADLINE, fake, 300, 60, 40, 100, overflow="ellipsis")
    assert fitted.size == 40
    assert fitted.lines == ("新品杨枝甘露…",)
    assert fitted.truncated
    assert fitted.width <= 300

    text = "邀请三位好友一起来喝新品杨枝甘露，每杯都有满满果肉"
    fitted = fit_text(text, fake, 300, 1000, 40, 100, max_lines=2, overflow="ellipsis")
    assert fitted.size == 40
    assert fitted.lines == ("邀请三位好友一", "起来喝新品杨…")
    assert fitted.truncated


def test_ellipsis_cuts_to_the_lines_the_height_allows():
    text = "邀请三位好友一起来喝新品杨枝甘露，每杯都有满满果肉"
    fitted = fit_text(text, fake, 300, 110, 40, 100, max_lines=5, overflow="ellipsis")
    assert len(fitted.lines) == 2  # 110 px holds two 52 px lines
    assert fitted.lines[-1].endswith("…")


def test_ellipsis_is_not_used_when_the_text_fits():
    fitted = fit_text(HEADLINE, fake, 900, 200, 20, 60, overflow="ellipsis")
    assert fitted.size == 60 and not fitted.truncated


def test_overflow_error_says_what_and_how_to_fix_it():
    with pytest.raises(LayoutError) as err:
        fit_text(HEADLINE, fake, 300, 60, 40, 100, overflow="error", what="'新品杨枝甘露免费喝'")
    assert str(err.value) == (
        "'新品杨枝甘露免费喝' does not fit its box (300×60 px, 1 line, font size 40-100 px): shorten the "
        "text, or set overflow to 'shrink' or 'ellipsis'"
    )
    with pytest.raises(LayoutError) as err:
        fit_text(HEADLINE * 3, fake, 300, 600, 40, 100, max_lines=3, overflow="error")
    assert str(err.value) == (
        "text does not fit its box (300×600 px, 3 lines, font size 40-100 px): shorten the text, or set "
        "overflow to 'shrink' or 'ellipsis'"
    )


def test_real_font_headline_is_maximal():
    text = "邀3位好友，新品杨枝甘露免费喝！"
    fitted = fit_text(text, bold, 920, 400, 72, 132, max_lines=3, leading=1.16)
    assert fits(text, bold, fitted.size, 920, 400, 3, 1.16)
    assert not fits(text, bold, fitted.size + 1, 920, 400, 3, 1.16)
    assert fitted.size == 115
    assert fitted.lines == ("邀3位好友，新品", "杨枝甘露免费喝！")  # 8 em per line at 115 px


def test_binary_search_matches_brute_force():
    rng = random.Random(99)
    words = ["新品", "杨枝甘露", "免费喝", "邀请", "好友，", "Invite", "friends", "12,000", "！", " "]
    for _ in range(150):
        text = "".join(rng.choice(words) for _ in range(rng.randint(1, 12)))
        box_w, box_h = rng.choice([200, 400, 700]), rng.choice([60, 150, 400])
        max_lines, lo = rng.choice([1, 2, 3]), rng.choice([10, 20, 40])
        hi = lo + rng.choice([0, 10, 60])
        ok = [s for s in range(lo, hi + 1) if fits(text, fake, s, box_w, box_h, max_lines, 1.3)]
        try:
            got = fit_text(text, fake, box_w, box_h, lo, hi, max_lines, overflow="error", balance=False).size
        except LayoutError:
            got = None
        assert got == (max(ok) if ok else None), (text, box_w, box_h, max_lines, lo, hi)


def test_a_slightly_smaller_size_is_taken_to_break_between_phrases():
    from postergen.fonts import BUNDLED, chain_for

    width = chain_for((str(BUNDLED["bold"]),)).width
    # At the largest size that fits, "私域" would be split; a size a little smaller keeps the phrase whole.
    got = fit_text("5天搞懂 私域裂变增长", width, 700, 400, 40, 132, 3, 1.16)
    plain = fit_text("5天搞懂 私域裂变增长", width, 700, 400, 40, 132, 3, 1.16, balance=False)
    assert got.lines == ("5天搞懂", "私域裂变增长")
    assert int(plain.size * NATURAL_SHRINK) <= got.size < plain.size
    # Never below the layer's minimum size.
    tight = fit_text("5天搞懂 私域裂变增长", width, 700, 400, plain.size, 132, 3, 1.16)
    assert tight.size == plain.size
