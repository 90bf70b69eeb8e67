"""Text as people write it (postergen/textclean.py): clusters, cleaning, glyph policies,
nicknames, and the soft hyphen in line breaking."""

from __future__ import annotations

import pytest

from postergen.fonts import BUNDLED, EMOJI, chain_for
from postergen.linebreak import break_lines, balance_lines, ellipsize
from postergen.textclean import (
    REPLACEMENT,
    GlyphError,
    apply_glyph_policy,
    campaign_fallback,
    clean,
    control_characters,
    fallback_nickname,
    graphemes,
    invisible_characters,
    is_blank,
    is_emoji,
    prepare_nickname,
)

FAMILY = "👨\u200d👩\u200d👧"
FLAG = "🇨🇳"
KEYCAP = "1\ufe0f\u20e3"
THUMB = "👍🏽"
HEART = "❤\ufe0f"
SCOTLAND = "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
ASTRONAUT = "👩🏽\u200d🚀"
EMOJI_CLUSTERS = [FAMILY, FLAG, KEYCAP, THUMB, HEART, SCOTLAND, ASTRONAUT, "🦌"]


@pytest.fixture(scope="module")
def chain():
    return chain_for((str(BUNDLED["bold"]), str(BUNDLED["regular"]), str(EMOJI)))


# --------------------------------------------------------------------------- clusters


@pytest.mark.parametrize("cluster", EMOJI_CLUSTERS)
def test_each_emoji_sequence_is_one_grapheme_and_an_emoji(cluster):
    assert graphemes(f"小{cluster}鹿") == ["小", cluster, "鹿"]
    assert is_emoji(cluster)


@pytest.mark.parametrize("text", ["小鹿", "A", "1", "©", "❤", "\u263a\ufe0e", "e\u0301"])
def test_text_presentation_is_not_emoji(text):
    assert not is_emoji(text)


def test_plain_text_clusters_are_its_code_points():
    text = "邀请3位好友，新品免费喝 Give a month!"
    assert graphemes(text) == list(text)
    assert graphemes("e\u0301x") == ["e\u0301", "x"]


# --------------------------------------------------------------------------- clean


@pytest.mark.parametrize("ch", list("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c"))
def test_clean_removes_bidi_controls(ch):
    assert clean(f"小{ch}鹿") == "小鹿"
    assert invisible_characters(f"小{ch}鹿") == [ch]


@pytest.mark.parametrize("ch", ["\u200b", "\u2060", "\ufeff", "\u180e", "\u200c", "\u3164", "\u2061", "\u034f"])
def test_clean_removes_invisible_characters(ch):
    assert clean(f"a{ch}b") == "ab"


def test_clean_keeps_what_emoji_need_and_drops_stray_joiners():
    for cluster in EMOJI_CLUSTERS:
        assert clean(f"小鹿{cluster}") == f"小鹿{cluster}"
    assert clean("a\u200db") == "ab"  # a joiner between letters joins nothing
    assert clean("\ufe0f小鹿") == "小鹿"  # a selector with no base
    assert clean("\U000e0067小") == "小"  # a tag outside a flag sequence


def test_clean_controls_and_line_breaks():
    assert clean("小\a鹿\x00\x1b[31m\x85") == "小鹿[31m"
    assert clean("  小鹿\n\t的\r\n茶  ") == "小鹿 的 茶"  # a nickname is one line
    assert clean("第一行\r\n第二行\r第三行\u2028第四", multiline=True) == "第一行\n第二行\n第三行\n第四"
    assert clean("a\tb", multiline=True) == "a b"
    assert control_characters("a\ab\n\tc\x9b") == ["\a", "\x9b"]
    assert control_characters("a\nb", multiline=False) == ["\n"]


def test_clean_normalises_to_nfc_and_caps_stacked_marks():
    assert clean("Cafe\u0301") == "Café"
    zalgo = "Z" + "\u0336\u0337\u0338\u0339\u033a\u033b\u033c"
    assert clean(zalgo) == "Z\u0336\u0337\u0338\u0339"


def test_clean_keeps_soft_hyphen_and_is_identity_on_plain_text():
    assert clean("inter\u00adnational") == "inter\u00adnational"
    text = "邀3位好友，新品免费喝！Give a month, get a month"
    assert clean(text) == text and clean(text, multiline=True) == text


@pytest.mark.parametrize("text", ["", "   ", "\u3000\u3000", "\u3164\u3164", "\u2800", "\u200b\n\t"])
def test_blank(text):
    assert is_blank(clean(text))


# --------------------------------------------------------------------------- glyph policy


def test_nothing_to_do_when_every_character_has_a_font(chain):
    text = "小鹿" + "".join(EMOJI_CLUSTERS)
    assert chain.missing(text) == []
    for policy in ("strip", "replace", "fail"):
        assert apply_glyph_policy(text, chain, policy) == (text, [])


def test_strip_removes_the_character_and_names_it(chain):
    text, warnings = apply_glyph_policy("小\U00013000鹿\u0e01\u0e34", chain, "strip", what="nickname")
    assert text == "小鹿"  # the Thai mark goes with its base
    assert warnings == [
        "nickname: character '\U00013000' (U+13000) is in no font; removed",
        "nickname: character '\u0e01' (U+0E01) is in no font; removed",
        "nickname: character '\u0e34' (U+0E34) is in no font; removed",
    ]


def test_replace_uses_a_visible_substitute_the_bundled_font_has(chain):
    assert REPLACEMENT == "\u3013" and chain.missing(REPLACEMENT) == []
    assert chain.lookup(REPLACEMENT)[0] == 0  # drawn by the CJK face, not a tofu box
    text, warnings = apply_glyph_policy("吉\U00013000祥", chain, "replace", what="nickname")
    assert text == "吉〓祥"
    assert warnings == ["nickname: character '\U00013000' (U+13000) is in no font; replaced with '〓'"]


def test_fail_names_character_code_point_and_what_to_do(chain):
    with pytest.raises(GlyphError) as err:
        apply_glyph_policy("小\U00013000鹿\u0e01", chain, "fail", what="nickname")
    message = str(err.value)
    assert message.startswith("nickname: character '\U00013000' (U+13000) (and 1 more) is in no font; ")
    assert "theme.fonts.fallback" in message and "strip or replace" in message


def test_private_use_character_is_named_by_code_point(chain):
    _, warnings = apply_glyph_policy("小\ue000", chain, "strip", what="nickname")
    assert warnings == ["nickname: character U+E000 is in no font; removed"]


def test_unknown_policy(chain):
    with pytest.raises(ValueError, match="strip, replace, fail"):
        apply_glyph_policy("x", chain, "drop")


# --------------------------------------------------------------------------- nicknames


def test_fallback_by_language():
    assert fallback_nickname("zh-CN") == "你的好友"
    assert fallback_nickname("zh_TW") == "你的好友"
    assert fallback_nickname("en") == "A friend"
    assert fallback_nickname("fr-FR") == "A friend"
    assert fallback_nickname(None) == "你的好友"


def test_campaign_fallback_follows_the_campaign_language():
    from postergen.loader import load_campaign

    assert campaign_fallback(load_campaign("examples/tea-invite").spec) == "你的好友"
    assert campaign_fallback(load_campaign("examples/english-referral").spec) == "A friend"


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3164\u3164", "\u3000\u3000", "\u2800", "\u202e\u200b"])
def test_blank_nickname_takes_the_fallback(chain, raw):
    name, warnings = prepare_nickname(raw, chain, fallback="你的好友")
    assert name == "你的好友"
    assert warnings[-1] == "nickname: blank; using '你的好友'"


def test_nickname_of_only_unknown_characters_takes_the_fallback(chain):
    name, warnings = prepare_nickname("\U00013000\u0e01", chain, "strip", fallback="A friend")
    assert name == "A friend"
    assert len(warnings) == 3 and warnings[-1] == "nickname: blank; using 'A friend'"


def test_prepare_nickname_cleans_and_reports(chain):
    name, warnings = prepare_nickname("\u202e小鹿\u200b🦌 \n" + FAMILY, chain)
    assert name == "小鹿🦌 " + FAMILY
    assert warnings == ["nickname: removed invisible or control characters (U+202E RIGHT-TO-LEFT OVERRIDE, U+200B ZERO WIDTH SPACE)"]
    assert prepare_nickname("小鹿" + HEART + KEYCAP, chain) == ("小鹿" + HEART + KEYCAP, [])


def test_prepare_nickname_caps_length_at_a_cluster_boundary(chain):
    name, warnings = prepare_nickname(FAMILY * 100, chain)
    assert name == FAMILY * 64
    assert warnings == ["nickname: longer than 64 characters; shortened"]


def test_prepare_nickname_fail_policy(chain):
    with pytest.raises(GlyphError, match="U\\+13000"):
        prepare_nickname("\U00013000", chain, "fail")


# --------------------------------------------------------------------------- soft hyphen


def _w(text: str) -> float:
    """One unit per visible character; the soft hyphen has no width."""
    return sum(0 if ch == "\u00ad" else 1 for ch in text)


def test_soft_hyphen_is_invisible_when_the_line_does_not_break_there():
    assert break_lines("inter\u00adnational", 20, _w) == ["international"]


def test_soft_hyphen_breaks_with_a_hyphen():
    assert break_lines("inter\u00adnational", 9, _w) == ["inter-", "national"]
    # Room for the hyphen is kept: "ab cd-" would be 6 wide.
    assert break_lines("ab cd\u00adef", 5, _w) == ["ab", "cdef"]
    assert break_lines("ab cd\u00adef", 6, _w) == ["ab cd-", "ef"]
    assert break_lines("super\u00adcali\u00adfragi\u00adlistic", 11, _w) == ["supercali-", "fragilistic"]


def test_soft_hyphen_in_chinese_and_balanced_text():
    assert break_lines("粤港澳\u00ad大湾区", 20, _w) == ["粤港澳大湾区"]
    lines = balance_lines("Inter\u00adnational stu\u00addents wel\u00adcome", 14, _w)
    assert "".join(lines).count("\u00ad") == 0
    assert all(_w(line) <= 14 for line in lines)


# --------------------------------------------------------------------------- clusters in breaking


def test_line_breaking_never_splits_an_emoji_cluster(chain):
    text = "小鹿" + "".join(EMOJI_CLUSTERS) * 3
    for width in (1.2, 2.5, 3.3, 5.0):
        lines = break_lines(text, width, chain.width)
        assert "".join(lines) == text
        for line in lines:
            for g in graphemes(line):
                assert g in EMOJI_CLUSTERS or g in "小鹿", (width, line)
            assert chain.width(line) <= width + 1e-9


def test_ellipsis_cuts_between_clusters(chain):
    text = "小鹿" + FAMILY + FLAG + KEYCAP + THUMB + SCOTLAND
    for tenths in range(15, 70, 3):
        short = ellipsize(text, tenths / 10, chain.width)
        assert short.endswith("…")
        kept = short[:-1]
        assert text.startswith(kept)
        assert graphemes(kept) == graphemes(text)[: len(graphemes(kept))]
        assert chain.width(short) <= tenths / 10 + 1e-9


def test_rare_name_characters_are_in_the_bundled_font(chain):
    """CJK Extension B and later: 生僻字 that people have in their names (𠮷野家)."""
    assert chain.missing("\U00020bb7野家\U0002000b") == []
    assert chain.lookup("\U00020bb7")[0] == 0  # the CJK face, not the emoji one
