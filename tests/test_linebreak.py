"""Line breaking: CJK and Latin, kinsoku (避头尾), hard breaks, balance and ellipsis.

Most cases use a deterministic fake measure (:func:`fake`): wide characters (East Asian
Wide or Full-width, per ``unicodedata``) are 1.0 em, a space 0.3, anything else 0.55, so
every expected line can be checked by hand.  A few cases use the bundled Noto Sans SC
advances, and a seeded random test checks the invariants on thousands of strings.
"""

from __future__ import annotations

import random
import unicodedata

import pytest

from postergen.fonts import BUNDLED, chain_for
from postergen.linebreak import NO_END, NO_START, SPACES, atoms, balance_lines, break_lines, ellipsize


def fake(text: str) -> float:
    return sum(
        0.3 if ch == " " else 1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.55 for ch in text
    )


real = chain_for((str(BUNDLED["regular"]),)).width

# ASCII quotes open and close alike; they are checked in their own cases.
NEVER_STARTS = NO_START - set("'\"")
NEVER_ENDS = NO_END - set("'\"")


BREAK_CASES = [
    # CJK only: one ideograph per em.
    ("新品杨枝甘露免费喝", 4, ["新品杨枝", "甘露免费", "喝"]),
    ("新品杨枝", 4, ["新品杨枝"]),
    # Closing punctuation never starts a line: it stays with the character before it.
    ("邀好友，免费喝", 3, ["邀好", "友，免", "费喝"]),
    ("一二三。四五", 3, ["一二", "三。四", "五"]),
    ("一二三四」五", 4, ["一二三", "四」五"]),
    ("一二三四。」五", 4, ["一二三", "四。」五"]),
    ("真的吗？好！", 2, ["真的", "吗？", "好！"]),
    ("等一下……好吗", 3, ["等一", "下……", "好吗"]),
    ("三人成团、立享", 3, ["三人成", "团、立", "享"]),
    # Opening brackets never end a line: they stay with the character after them.
    ("一二《三四》五", 3, ["一二", "《三", "四》五"]),
    ("（限时）新品上市", 3, ["（限", "时）新", "品上市"]),
    ("立即扫码（长按识别）", 5, ["立即扫码", "（长按识", "别）"]),
    ("好友说：“一起来喝吧！”然后", 5, ["好友说：", "“一起来喝", "吧！”然后"]),
    ("看「三体」吧", 3.5, ["看「三", "体」吧"]),
    # Latin only: words stay whole and spaces break.
    ("Invite three friends and drink free", 10, ["Invite three", "friends and drink", "free"]),
    ("Hello, world!", 3.5, ["Hello,", "world!"]),
    # Mixed CJK and Latin.
    # A unit or measure word stays with its number: no line starts with 家 or 杯.
    ("全国 200 家门店通用", 5, ["全国", "200 家门店", "通用"]),
    ("最高可得10杯", 3, ["最高可", "得", "10杯"]),
    ("iPhone 15 Pro Max 限时 8 折", 6, ["iPhone 15", "Pro Max 限时", "8 折"]),
    # Long numbers, prices, addresses and signs stay whole when they fit.
    ("价格 12,000,000 元", 6, ["价格", "12,000,000", "元"]),
    ("版本 v1.2.3 发布", 3.5, ["版本", "v1.2.3", "发布"]),
    ("送你 ¥ 9.9 优惠券", 4, ["送你", "¥ 9.9 优", "惠券"]),
    ("C# and US$5", 2.5, ["C#", "and", "US$5"]),
    ("US$5", 2, ["US", "$5"]),  # too long: split, but not after the "$"
    ("满 50% 减", 2, ["满", "50%", "减"]),
    # A word longer than a line is the only thing split; a break after a hyphen is fine.
    ("Supercalifragilistic", 5, ["Supercali", "fragilist", "ic"]),
    ("well-known brand", 3, ["well-", "known", "brand"]),
    ("abcdefghij《klm》", 3, ["abcde", "fghij", "《kl", "m》"]),
    ("wait …", 2.5, ["wai", "t …"]),
    # Hard newlines are kept, empty lines too.
    ("第一行\n第二行", 10, ["第一行", "第二行"]),
    ("a\n\nb", 10, ["a", "", "b"]),
    ("第一行\r\n第二行", 10, ["第一行", "第二行"]),
    # Spaces collapse and never start or end a line.
    ("  Hello    world  ", 20, ["Hello world"]),
    ("aaaa bbbb", 2.5, ["aaaa", "bbbb"]),
    ("好友助力 · 三人成团立享", 5, ["好友助力", "三人成团立", "享"]),
    ("满\u3000100\u3000减", 10, ["满 100 减"]),
    ("", 5, [""]),
    ("   ", 5, [""]),
    # ASCII quotes: the first of a pair opens, the second closes.
    ('他说"你好"然后', 2, ["他说", '"你', '好"', "然后"]),
    ("don't 'quote' me", 4, ["don't", "'quote'", "me"]),
]


@pytest.mark.parametrize("text,max_width,expected", BREAK_CASES)
def test_break_lines(text, max_width, expected):
    assert break_lines(text, max_width, fake) == expected


def test_atoms_glue_punctuation_and_keep_words_whole():
    assert [a.text for a in atoms("《三体》好看！iPhone 12,000 a/b")] == [
        "《三",
        "体》",
        "好",
        "看！",
        "iPhone",
        "12,000",
        "a/",
        "b",
    ]
    assert [a.space_before for a in atoms("a b  c")] == [False, True, True]


BALANCE_CASES = [
    # A lone last character is never left behind.
    ("一二三四五六七八九十一", 10, ["一二三四五六", "七八九十一"]),
    # Breaking after punctuation is preferred when it keeps the line count.
    ("邀3位好友，新品杨枝甘露免费喝！", 12, ["邀3位好友，", "新品杨枝甘露免费喝！"]),
    ("新鲜芒果现切，每杯都有满满果肉", 10, ["新鲜芒果现切，", "每杯都有满满果肉"]),
    ("好友助力 · 三人成团立享", 8, ["好友助力", "三人成团立享"]),
    # A price keeps its unit ("10 / 元" was the break before).
    ("好友得新人立减 10 元 · 邀得越多送得越多", 12, ["好友得新人立减 10 元", "邀得越多送得越多"]),
    # ... but not when it would leave a short last line ("好！").
    ("一二三四五六七八九十，好！", 11, ["一二三四五六七", "八九十，好！"]),
    # Latin: balanced at spaces.
    ("Invite three friends and drink free", 12, ["Invite three friends", "and drink free"]),
    # One line stays one line; paragraphs are balanced one by one.
    ("一二三四五六七八九", 9, ["一二三四五六七八九"]),
    ("第一段文字很长很长很长\n第二段", 8, ["第一段文字很", "长很长很长", "第二段"]),
]


@pytest.mark.parametrize("text,max_width,expected", BALANCE_CASES)
def test_balance_lines(text, max_width, expected):
    assert balance_lines(text, max_width, fake) == expected
    assert len(expected) == len(break_lines(text, max_width, fake))


def test_balance_never_splits_a_word_that_fits():
    text = "Supercalifragilistic and then some more words"
    lines = balance_lines(text, 8, fake)
    assert "and" in lines[1].split() or "and" in lines[0].split()
    for word in ("then", "some", "more", "words"):
        assert any(word in line.split() for line in lines)


ELLIPSIS_CASES = [
    ("新品杨枝甘露免费喝", 4, "新品杨…"),
    ("邀好友，免费喝", 4.6, "邀好友…"),  # no "，…"
    ("立即扫码（长按", 5.6, "立即扫码…"),  # no dangling "（"
    ("Hello world", 3.5, "Hello…"),  # no "Hello …"
    ("Hello world", 4.5, "Hello w…"),
    ("好", 0.5, "…"),
]


@pytest.mark.parametrize("line,max_width,expected", ELLIPSIS_CASES)
def test_ellipsize(line, max_width, expected):
    out = ellipsize(line, max_width, fake)
    assert out == expected
    assert fake(out) <= max_width or out == "…"


REAL_CASES = [
    ("邀3位好友，新品杨枝甘露免费喝！", 7, ["邀3位好友，新", "品杨枝甘露免费", "喝！"]),
    ("Invite three friends and drink for free", 10, ["Invite three friends", "and drink for free"]),
    ("全国 200 家门店通用，到店出示即可兑换", 8, ["全国 200 家门店", "通用，到店出示即", "可兑换"]),
    ("好友说：“一起来喝吧！”", 5, ["好友说：", "“一起来喝", "吧！”"]),
    ("仅限前 500 名 · 11月30日截止", 8, ["仅限前 500 名", "11月30日截止"]),
]


@pytest.mark.parametrize("text,max_width,expected", REAL_CASES)
def test_break_lines_with_the_bundled_font(text, max_width, expected):
    lines = break_lines(text, max_width, real)
    assert lines == expected
    assert all(real(line) <= max_width for line in lines)


def test_balance_with_the_bundled_font():
    lines = balance_lines("邀3位好友，新品杨枝甘露免费喝！", 7, real)
    assert lines == ["邀3位好友，", "新品杨枝甘", "露免费喝！"]
    assert all(real(line) <= 7 for line in lines)


# --------------------------------------------------------------------------- properties

CJK = "新品杨枝甘露免费喝好友邀请门店"
CLOSING = "，。！？、）》」』…%"
OPENING = "（《「『“"


def random_text(rng: random.Random) -> str:
    """Text shaped like poster copy: ideographs, words, numbers, spaces, punctuation."""
    out: list[str] = []
    for _ in range(rng.randint(0, 25)):
        r = rng.random()
        if r < 0.45:
            out.append(rng.choice(CJK))
        elif r < 0.6:
            out.append("".join(rng.choice("abcdefXYZ") for _ in range(rng.randint(1, 9))))
        elif r < 0.67:
            out.append(str(rng.randint(0, 10 ** rng.randint(1, 7))))
        elif r < 0.8:
            out.append(" " * rng.randint(1, 3))
        elif r < 0.9:
            if out and out[-1][-1] not in CLOSING + OPENING + " \n":
                out.append(rng.choice(CLOSING) * rng.choice((1, 1, 1, 2)))
        elif r < 0.97:
            out.append(rng.choice(OPENING) + rng.choice(CJK))
        else:
            out.append("\n")
    return "".join(out)


def check_invariants(text: str, max_width: float, width) -> None:
    for fn in (break_lines, balance_lines):
        lines = fn(text, max_width, width)
        where = f"{fn.__name__}({text!r}, {max_width}) = {lines}"
        # Nothing but spaces is lost, and nothing is added.
        assert "".join(lines).replace(" ", "") == "".join(c for c in text if c not in SPACES + "\n"), where
        assert len(lines) >= text.count("\n") + 1, where
        for line in lines:
            assert line == line.strip(), where
            assert width(line) <= max_width + 1e-9, where
        for paragraph in text.split("\n"):
            plines = fn(paragraph, max_width, width)
            for i, line in enumerate(plines):
                if i > 0 and line:
                    assert line[0] not in NEVER_STARTS, where
                if i < len(plines) - 1 and line:
                    assert line[-1] not in NEVER_ENDS, where
    assert len(balance_lines(text, max_width, width)) == len(break_lines(text, max_width, width))


def test_random_text_keeps_the_invariants():
    rng = random.Random(20241123)
    for _ in range(500):
        check_invariants(random_text(rng), rng.choice([4, 5.5, 8, 12]), fake)


def test_random_text_keeps_the_invariants_with_the_bundled_font():
    rng = random.Random(7)
    for _ in range(100):
        check_invariants(random_text(rng), rng.choice([4, 6, 9]), real)


@pytest.mark.parametrize(
    "text,max_width,expected",
    [
        ("Ends June 30 • 4,800 friends joined", 8, ["Ends June 30", "4,800 friends", "joined"]),
        ("好友助力 | 三人成团", 5, ["好友助力", "三人成团"]),
        ("A - B", 20, ["A - B"]),  # kept when there is no break
    ],
)
def test_spaced_separators_are_dropped_at_a_break(text, max_width, expected):
    assert break_lines(text, max_width, fake) == expected
