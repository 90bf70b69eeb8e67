"""Text as people really write it: grapheme clusters, emoji, invisible characters, and
what to do with a character no font has.

Pure functions, no I/O.  Everything that measures, breaks or paints text works on
*grapheme clusters* (what a reader sees as one character: ``👨‍👩‍👧``, ``🇨🇳``, ``1️⃣``,
``👍🏽``, ``é``), never on the code points inside one, so a line break or an ellipsis never
lands inside an emoji sequence.

* :func:`graphemes` — extended grapheme clusters (UAX #29, the ``regex`` module's ``\\X``),
  with a fast path for text where every code point is its own cluster.
* :func:`is_emoji` — whether a cluster is shown as a colour emoji.
* :func:`clean` — bidi controls, invisible format characters, C0/C1 controls and stray
  joiners out; NFC; line breaks kept only where the field allows them.
* :func:`apply_glyph_policy` — characters no font of a chain has: ``strip`` (default),
  ``replace`` (with :data:`REPLACEMENT`, ``〓``) or ``fail``.  Never a tofu box.
* :func:`prepare_nickname` — all of it for one nickname, with the fallback for a blank one.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

import regex

from .errors import PostergenError

Policy = Literal["strip", "replace", "fail"]
POLICIES = ("strip", "replace", "fail")

#: The visible substitute of ``replace``: U+3013 GETA MARK, the typesetters' sign for a
#: character the typeface lacks (缺字 / ゲタ).  It is in the bundled CJK fonts (GBK A1FE),
#: so it is never itself a tofu box, and it is not U+FFFD (which reads as broken data).
REPLACEMENT = "\u3013"

#: Combining marks kept on one base character; more are dropped ("Zalgo" text would
#: otherwise pile marks far above and below the line).
MAX_MARKS = 4

#: Longest nickname kept, in grapheme clusters (the layer's ellipsis shortens it further).
MAX_NICKNAME = 64

#: Fallback nicknames by campaign language (the part before '-' of the language tag).
FALLBACKS = {"zh": "你的好友", "en": "A friend"}

SHY = "\u00ad"  # soft hyphen: a break opportunity, invisible unless the line breaks there
ZWJ = "\u200d"
VS15, VS16 = "\ufe0e", "\ufe0f"
KEYCAP = "\u20e3"

_GRAPHEME = regex.compile(r"\X")
# Code points that can join a multi-code-point cluster (or make an emoji): text without
# any of them is one cluster per code point, and is measured and broken the fast way.
_COMPLEX = regex.compile(
    r"[\p{GCB=Extend}\p{GCB=ZWJ}\p{GCB=SpacingMark}\p{GCB=Prepend}\p{GCB=L}\p{GCB=V}\p{GCB=T}"
    r"\p{GCB=Regional_Indicator}\p{Emoji_Presentation}\r]"
)
_EMOJI_PRESENTATION = regex.compile(r"\p{Emoji_Presentation}")
_EMOJI = regex.compile(r"[\p{Emoji}\p{Extended_Pictographic}]")
# What makes a sequence an emoji one: VS16, keycap, ZWJ, skin tone, flag letter, tag.
_EMOJI_JOINERS = regex.compile(r"[\ufe0f\u20e3\u200d\p{Emoji_Modifier}\p{GCB=Regional_Indicator}\U000E0020-\U000E007F]")
_IGNORABLE = regex.compile(r"\p{Default_Ignorable_Code_Point}")
_BIDI = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c")
_LINE_SEPARATORS = frozenset("\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
#: Characters that look like nothing at all: a nickname made only of them is blank.
_BLANK_LOOKING = "\u2800"  # BRAILLE PATTERN BLANK, a favourite for "empty" nicknames

_CONTROL_NAMES = {
    0x00: "NULL", 0x07: "BELL", 0x08: "BACKSPACE", 0x09: "TAB", 0x0A: "LINE FEED",
    0x0B: "LINE TABULATION", 0x0C: "FORM FEED", 0x0D: "CARRIAGE RETURN", 0x1B: "ESCAPE",
    0x7F: "DELETE", 0x85: "NEXT LINE",
}


class GlyphError(PostergenError):
    """A character no font has, under the ``fail`` policy."""


# --------------------------------------------------------------------------- clusters


def needs_clusters(text: str) -> bool:
    """True when some grapheme cluster of *text* has more than one code point, or is an
    emoji (so measuring it code point by code point would be wrong)."""
    return _COMPLEX.search(text) is not None


def graphemes(text: str) -> list[str]:
    """The extended grapheme clusters of *text* (UAX #29)."""
    if not needs_clusters(text):
        return list(text)
    return _GRAPHEME.findall(text)


def is_ignorable(ch: str) -> bool:
    """Default-ignorable code points (joiners, selectors, tags, soft hyphen, bidi marks):
    drawn as nothing, never reported as missing from a font."""
    return _IGNORABLE.match(ch) is not None


def is_emoji(cluster: str) -> bool:
    """True when *cluster* is shown as a colour emoji: a character whose default is emoji
    presentation (🦌), or an emoji sequence — with VS16 (❤️), keycap (1️⃣), ZWJ (👨‍👩‍👧),
    skin tone (👍🏽), flag letters (🇨🇳) or tags (🏴󠁧󠁢󠁳󠁣󠁴󠁿).  VS15 (U+FE0E) asks for text presentation."""
    if not cluster or VS15 in cluster:
        return False
    if _EMOJI_PRESENTATION.match(cluster):
        return True
    return len(cluster) > 1 and _EMOJI.match(cluster) is not None and _EMOJI_JOINERS.search(cluster, 1) is not None


def is_blank(text: str) -> bool:
    """True when *text* shows nothing: empty, whitespace, or blank-looking characters."""
    return not text.strip().strip(_BLANK_LOOKING + " \u3000")


# --------------------------------------------------------------------------- names


def codepoint(ch: str) -> str:
    """'U+200B ZERO WIDTH SPACE' (the name when Unicode has one)."""
    cp = ord(ch)
    name = unicodedata.name(ch, "") or _CONTROL_NAMES.get(cp, "")
    return f"U+{cp:04X} {name}".rstrip()


def describe(ch: str) -> str:
    """How a message names a character: "'𠮷' (U+20BB7)", or the code point and its name
    for a character that does not show (controls, format characters)."""
    if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp", "Co", "Cn") or is_ignorable(ch):
        return codepoint(ch)
    return f"'{ch}' (U+{ord(ch):04X})"


# --------------------------------------------------------------------------- clean


def control_characters(text: str, multiline: bool = True) -> list[str]:
    """The C0/C1 control characters of *text* that a field should not contain (each once).

    Tab and, when *multiline*, newline (and CR before it) are allowed."""
    allowed = "\t\n\r" if multiline else "\t"
    return [
        ch
        for ch in dict.fromkeys(text)
        if unicodedata.category(ch) == "Cc" and ch not in allowed
    ]


def invisible_characters(text: str) -> list[str]:
    """The characters :func:`clean` removes from *text* besides controls and whitespace:
    bidi controls, invisible format characters, stray joiners and selectors, and combining
    marks past :data:`MAX_MARKS` (each once)."""
    return list(dict.fromkeys(_clean(text, True)[1]))


def clean(text: str, multiline: bool = False) -> str:
    """*text* without what should never be drawn, NFC-normalised.

    Removed: bidi controls (U+200E/200F, 202A–202E, 2066–2069, 061C), invisible format
    characters (U+200B, 2060, FEFF, 180E, Hangul fillers … every default-ignorable or Cf
    code point) — except what emoji need inside an emoji sequence (ZWJ, the variation
    selectors after a base, tag characters) and the soft hyphen (a break opportunity);
    C0/C1 control characters; combining marks past :data:`MAX_MARKS` on one base.

    Line breaks: with *multiline*, CR LF / CR / U+2028 / U+2029 become ``\\n`` and tabs
    spaces; without (a nickname), every run of whitespace — newlines included — becomes
    one space and the ends are trimmed.
    """
    return _clean(text, multiline)[0]


def _clean(text: str, multiline: bool) -> tuple[str, list[str]]:
    """(:func:`clean` of *text*, the invisible characters and marks it removed)."""
    if not text:
        return "", []
    out: list[str] = []
    removed: list[str] = []
    for g in graphemes(text):
        if is_emoji(g):
            out.append(g)
            continue
        marks = 0
        for i, ch in enumerate(g):
            cat = unicodedata.category(ch)
            if ch == "\r":
                if not g.startswith("\r\n"):  # a lone CR is a line break; CR LF is one
                    out.append("\n" if multiline else " ")
            elif ch in _LINE_SEPARATORS:
                out.append("\n" if multiline and ch in "\n\u2028\u2029\x85" else " ")
            elif ch == "\t":
                out.append(" ")
            elif cat in ("Cc", "Cs"):
                continue
            elif ch in _BIDI:
                removed.append(ch)
            elif ch == SHY:
                out.append(ch)
            elif ch in (VS15, VS16) or "\ufe00" <= ch <= "\ufe0d" or "\U000e0100" <= ch <= "\U000e01ef":
                if i > 0:  # a selector on a base character; a stray one goes
                    out.append(ch)
                else:
                    removed.append(ch)
            elif cat == "Cf" or is_ignorable(ch):
                removed.append(ch)
            elif cat in ("Mn", "Me"):
                marks += 1
                (out if marks <= MAX_MARKS else removed).append(ch)
            else:
                out.append(ch)
    text = unicodedata.normalize("NFC", "".join(out))
    if not multiline:
        text = " ".join(text.split())
    return text, removed


# --------------------------------------------------------------------------- glyph policy


def apply_glyph_policy(
    text: str, chain, policy: Policy = "strip", *, replacement: str = REPLACEMENT, what: str = "text"
) -> tuple[str, list[str]]:
    """(*text* with every character no font of *chain* has dealt with, warnings).

    * ``strip``: the cluster holding the character is removed, with a warning naming it;
    * ``replace``: the cluster becomes *replacement* (default ``〓``, U+3013 GETA MARK,
      which the bundled fonts have), with a warning;
    * ``fail``: :class:`GlyphError` naming the character, its code point and what to do.

    *what* names the text in messages ("nickname").  *chain* is a
    :class:`postergen.fonts.FontChain` (its ``missing`` decides).
    """
    if policy not in POLICIES:
        raise ValueError(f"unknown glyph policy '{policy}'; use one of: {', '.join(POLICIES)}")
    missing = chain.missing(text)
    if not missing:
        return text, []
    if policy == "fail":
        ch = missing[0]
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise GlyphError(
            f"{what}: character {describe(ch)}{more} is in no font; remove it, add a font that has "
            "it to theme.fonts.fallback, or choose to strip or replace unknown characters"
        )
    if policy == "replace" and chain.missing(replacement):
        raise ValueError(f"the replacement {describe(replacement[0])} is itself in no font of the chain")
    gone = set(missing)
    out = []
    for g in graphemes(text):
        if gone.isdisjoint(g):
            out.append(g)
        elif policy == "replace":
            out.append(replacement)
    done = "removed" if policy == "strip" else f"replaced with '{replacement}'"
    warnings = [f"{what}: character {describe(ch)} is in no font; {done}" for ch in missing]
    return "".join(out), warnings


# --------------------------------------------------------------------------- nicknames


def fallback_nickname(lang: str | None) -> str:
    """The nickname shown for a blank one: '你的好友' for Chinese, 'A friend' otherwise."""
    key = (lang or "zh").split("-")[0].split("_")[0].lower()
    return FALLBACKS.get(key, FALLBACKS["en"])


_CJK_TEXT = regex.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def page_language(lang: str | None, headline: str | None) -> str:
    """The one language rule: *lang* (``landing.lang``) when given, else zh-CN for a
    headline with Chinese characters, else en.  Pages, fallback nicknames, mechanics text
    and hand-off READMEs all follow it."""
    if lang:
        return lang
    return "zh-CN" if headline and _CJK_TEXT.search(headline) else "en"


def campaign_language(spec) -> str:
    """:func:`page_language` of a validated campaign."""
    landing = getattr(spec, "landing", None)
    return page_language(getattr(landing, "lang", None) if landing is not None else None, spec.poster.headline)


def campaign_fallback(spec) -> str:
    """:func:`fallback_nickname` in the campaign's language (the landing page's rule:
    ``landing.lang``, else Chinese for a Chinese headline)."""
    return fallback_nickname(campaign_language(spec))


def prepare_nickname(
    text: str | None, chain, policy: Policy = "strip", fallback: str = FALLBACKS["zh"]
) -> tuple[str, list[str]]:
    """(the nickname to draw, warnings): :func:`clean` (one line), at most
    :data:`MAX_NICKNAME` clusters, :func:`apply_glyph_policy`, and *fallback* when nothing
    visible is left.  Raises :class:`GlyphError` under ``policy='fail'``."""
    raw = text or ""
    warnings = []
    hidden = [ch for ch in invisible_characters(raw) if ch not in (ZWJ, VS15, VS16)]
    hidden += control_characters(raw)  # line breaks and tabs just become spaces
    cleaned = clean(raw)
    if hidden:
        names = ", ".join(codepoint(ch) for ch in hidden[:3]) + (" …" if len(hidden) > 3 else "")
        warnings.append(f"nickname: removed invisible or control characters ({names})")
    clusters = graphemes(cleaned)
    if len(clusters) > MAX_NICKNAME:
        cleaned = "".join(clusters[:MAX_NICKNAME]).rstrip()
        warnings.append(f"nickname: longer than {MAX_NICKNAME} characters; shortened")
    if not is_blank(cleaned):
        cleaned, glyph_warnings = apply_glyph_policy(cleaned, chain, policy, what="nickname")
        warnings += glyph_warnings
        cleaned = " ".join(cleaned.split())
    if is_blank(cleaned):
        warnings.append(f"nickname: blank; using '{fallback}'")
        return fallback, warnings
    return cleaned, warnings
