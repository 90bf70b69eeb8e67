"""Line breaking for mixed CJK and Latin text, with kinsoku (避头尾).

Text is cut into *atoms*, the pieces a line may not break inside:

* every CJK ideograph, kana or full-width character is an atom of its own;
* a run of Latin letters, digits and in-word punctuation is one atom ("iPhone", "2026",
  "12,000", "v1.2");
* closing punctuation (，。！？、）》」…) sticks to the atom before it, so it never starts a
  line, even when a space was typed before it ("wait …"); opening brackets and currency
  signs (（《「“ ¥ $) stick to the atom after them, so they never end a line;
* a Chinese unit or measure word stays with the number before it ("10 元", "3位",
  "300 万"), so no line starts with a bare 元 or 杯;
* signs written inside a word stay in it ("US$5", "C#", "a@b.com"); ASCII quotes open
  and close alike, so the first of a pair is taken as opening, the second as closing.

* an emoji (``🦌``, ``👨‍👩‍👧``, ``🇨🇳``) breaks like an ideograph; everything works on grapheme
  clusters (:func:`postergen.textclean.graphemes`), so no break or ellipsis ever falls
  inside one;
* a soft hyphen (U+00AD) is a break opportunity inside a word: invisible (and dropped
  from the lines) unless the line breaks there, where it becomes a hyphen.

Spaces collapse to one and never start or end a line.  Lines are then filled greedily.
An atom wider than a whole line is the only thing ever split, character by character,
still keeping closing punctuation off the line start and opening brackets off the end.
Measurement is a callable ``width(text) -> float`` so the same code serves any unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .textclean import SHY, graphemes, is_emoji

#: Characters that must not start a line (行头禁则).
NO_START = set(
    "、。，．：；！？）］｝〕〉》」』】〙〗〟’”｠»"
    "ヽヾーァィゥェォッャュョヮヵヶぁぃぅぇぉっゃゅょゎゕゖㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ々〻"
    "‐゠–〜～…‥·・"
    ":;,.!?)]}%‰℃°'\"’"
    "”"
)
#: Characters that must not end a line (行尾禁则).
NO_END = set("（［｛〔〈《「『【〘〖〝‘“｟«([{¥￥$£€#@＄")


def is_wide(ch: str) -> bool:
    """True for characters (or grapheme clusters) that break like ideographs (CJK, kana,
    full-width forms, emoji)."""
    if len(ch) > 1 or ord(ch) >= 0x1F000:
        if is_emoji(ch):
            return True
        ch = ch[0]
    cp = ord(ch)
    return (
        0x2E80 <= cp <= 0x9FFF  # radicals, CJK symbols & punctuation, kana, CJK unified
        or 0xAC00 <= cp <= 0xD7AF  # Hangul
        or 0xF900 <= cp <= 0xFAFF  # CJK compatibility ideographs
        or 0xFE30 <= cp <= 0xFE4F  # CJK compatibility forms
        or 0xFF00 <= cp <= 0xFFEF  # half-width and full-width forms
        or 0x20000 <= cp <= 0x3FFFF  # supplementary ideographs
        or 0x2460 <= cp <= 0x24FF  # enclosed alphanumerics ①
        or 0x2600 <= cp <= 0x27BF  # symbols ★ ✓
    )


@dataclass(frozen=True)
class Atom:
    text: str
    space_before: bool


SPACES = " \t\u3000\r"
#: Chinese units and measure words that stay on the line of the number before them, with
#: or without a space typed between ("10 元", "3位", "300 万", "5000 杯"): a line that
#: starts with the unit reads as a broken price or count.
UNITS = set(
    "元块角分厘毛万亿千百十"  # money and magnitudes
    "杯位人个件次天日月年周时秒折倍张份瓶盒包袋斤克米名期单款台家店间套只支条枚颗节课题本页帖场轮级层步项届"
    "％"  # (the ASCII % is closing punctuation: it sticks to the number already)
)
#: Signs that belong to the word they are written in ("US$5", "C#", "a@b.com").
IN_WORD = set("#@$£€¥￥＄")


def atoms(paragraph: str) -> list[Atom]:
    """Cut one paragraph (no newlines) into unbreakable atoms."""
    out: list[list] = []  # [text, space_before, kind, glue_next]
    pending_space = False
    double_quotes = 0
    for ch in graphemes(paragraph):
        if ch == SHY:
            # A break opportunity: the atom so far ends here (keeping the mark, which
            # becomes a hyphen if the line breaks after it).
            if out and not pending_space:
                out[-1][0] += ch
                out[-1][2] = "shy"
                out[-1][3] = False
            continue
        if ch in SPACES:
            pending_space = True
            continue
        prev = out[-1] if out else None
        gap = " " if pending_space else ""
        opening = ch in NO_END
        closing = ch in NO_START
        if ch == '"':  # ASCII quotes open and close alike: alternate
            double_quotes += 1
            opening, closing = double_quotes % 2 == 1, double_quotes % 2 == 0
        elif ch == "'":  # an apostrophe or closing quote after text, opening after a space
            opening = prev is None or pending_space
            closing = not opening
        if prev is not None and prev[3]:
            # Previous atom ends with an opening bracket: glue (keeping a space typed after it).
            prev[0] += gap + ch
            prev[2] = "word" if not is_wide(ch) and not opening else prev[2]
            prev[3] = opening
        elif closing and prev is not None:
            # Closing punctuation sticks to what it closes, even after a space ("wait …").
            prev[0] += gap + ch
            if is_wide(ch) or gap:
                prev[2] = "wide"  # a break may follow full-width closing punctuation
        elif ch in UNITS and prev is not None and prev[2] == "word" and prev[0][-1:].isdigit():
            # A unit stays with its number ("10 元"); a break may follow it, as after any
            # ideograph.
            prev[0] += gap + ch
            prev[2] = "wide"
        elif ch in IN_WORD and not gap and prev is not None and prev[2] == "word":
            prev[0] += ch
            prev[3] = ch in NO_END and ch not in "#@"  # '$' still needs its amount
        elif opening:
            out.append([ch, pending_space, "open", True])
        elif is_wide(ch) or closing:
            out.append([ch, pending_space, "wide", False])
        elif prev is not None and prev[2] == "word-end" and not gap and prev[0][-1] == ch:
            prev[0] += ch  # "//" and "--" stay together
        elif prev is not None and prev[2] == "word" and not gap:
            prev[0] += ch
            # Allow a break after a hyphen or slash inside long words ("A-B", "a/b").
            if ch in "-/":
                prev[2] = "word-end"
        else:
            out.append([ch, pending_space, "word", False])
        pending_space = False
    return [Atom(text, space) for text, space, _, _ in out]


def _split_long(text: str, max_width: float, width: Callable[[str], float]) -> list[str]:
    """Split an atom that cannot fit on one line, by grapheme cluster, with kinsoku."""
    pieces: list[str] = []
    cur: list[str] = []
    for ch in graphemes(text):
        if ch != " " and "".join(cur).strip() and width("".join(cur) + ch) > max_width + 1e-9:
            body = list(cur)
            while body and body[-1] == " ":
                body.pop()
            cut = len(body)
            if ch in NO_START:
                # Push the last character that may start a line down with the closing
                # mark (追い出し), rather than start a line with the mark.
                cut -= 1
                while cut > 0 and (body[cut] in NO_START or body[cut] == " "):
                    cut -= 1
            while cut > 0 and (body[cut - 1] in NO_END or body[cut - 1] == " "):
                cut -= 1  # opening brackets go down too
            if cut <= 0:
                cut = len(body)  # nothing can move: break before ch after all
            pieces.append("".join(body[:cut]).rstrip())
            rest = body[cut:] + cur[len(body) :]
            while rest and rest[0] == " ":
                rest.pop(0)
            cur = rest + [ch]
        else:
            cur.append(ch)
    last = "".join(cur)
    if last.strip():
        pieces.append(last.strip())
    return pieces or [""]


def break_lines(text: str, max_width: float, width: Callable[[str], float]) -> list[str]:
    """Break *text* into lines no wider than *max_width* (where possible).

    Explicit newlines are kept as hard breaks.  Returned lines carry no leading or
    trailing spaces.
    """
    lines: list[str] = []
    space_w = width(" ")
    hyphen_w = width(HYPHEN) if SHY in text else 0.0
    for paragraph in text.replace("\r\n", "\n").split("\n"):
        line, line_w = "", 0.0
        for atom in atoms(paragraph):
            w = width(atom.text)
            gap = space_w if (atom.space_before and line) else 0.0
            # A soft hyphen ending the atom may become a hyphen: keep room for it.
            tail = hyphen_w if atom.text.endswith(SHY) else 0.0
            if line_w + gap + w + tail <= max_width + 1e-9:
                line += (" " if gap else "") + atom.text
                line_w += gap + w
                continue
            if line:
                lines.append(_soft_end(line))
            if w <= max_width + 1e-9:
                line, line_w = atom.text, w
            else:
                pieces = _split_long(atom.text, max_width, width)
                lines.extend(pieces[:-1])
                line, line_w = pieces[-1], width(pieces[-1])
        lines.append(_soft_end(line, last=True))
    return drop_separators(lines)


HYPHEN = "-"


def _soft_end(line: str, last: bool = False) -> str:
    """A line with its soft hyphens resolved: a hyphen where the line breaks at one
    (unless *last*, the paragraph's end), nothing elsewhere."""
    if SHY not in line:
        return line
    if line.endswith(SHY) and not last:
        return line.rstrip(SHY).replace(SHY, "") + HYPHEN
    return line.replace(SHY, "")


#: Separators written between spaces ("助力 · 三人", "June 30 • 4,800 joined"): at a line
#: break they separate nothing, so they are dropped there.
SEPARATORS = set("·•|｜/—–-・")


def drop_separators(lines: list[str]) -> list[str]:
    """Remove a spaced separator left at the end or the start of a line by a break."""
    out = list(lines)
    for i, line in enumerate(out):
        if i < len(out) - 1 and len(line) > 2 and line[-2] == " " and line[-1] in SEPARATORS:
            out[i] = line[:-2].rstrip()
        if i > 0 and len(line) > 2 and line[1] == " " and line[0] in SEPARATORS:
            out[i] = line[2:].lstrip()
    return out


def ellipsize(line: str, max_width: float, width: Callable[[str], float], mark: str = "…") -> str:
    """Shorten *line* so that ``line + mark`` fits in *max_width*.

    Cuts between grapheme clusters (never inside an emoji sequence); the mark never
    follows a space, an opening bracket or phrase punctuation ("好，…").
    """
    kept = graphemes(line.rstrip())
    while kept and width("".join(kept) + mark) > max_width:
        kept.pop()
        while kept and kept[-1] in SPACES:
            kept.pop()
    while kept and (kept[-1] in NO_END or kept[-1] in PHRASE_END or kept[-1] in SPACES):
        kept.pop()
    return "".join(kept) + mark


#: Punctuation after which Chinese text reads best broken (phrase ends).
PHRASE_END = set("，。！？；：、,.!?;:")


def phrase_atoms(paragraph: str) -> list[Atom]:
    """Atoms merged into phrases that end at punctuation or a space."""
    out: list[Atom] = []
    cur: Atom | None = None
    for atom in atoms(paragraph):
        if cur is None:
            cur = atom
        elif atom.space_before:
            out.append(cur)
            cur = atom
        else:
            cur = Atom(cur.text + atom.text, cur.space_before)
        if cur.text[-1] in PHRASE_END:
            out.append(cur)
            cur = None
    if cur is not None:
        out.append(cur)
    return out


def _fill(units: list[Atom], max_width: float, width) -> list[str] | None:
    """Greedy fill of whole units; None when one unit is wider than a line."""
    lines, line, line_w = [], "", 0.0
    space_w = width(" ")
    for unit in units:
        w = width(unit.text)
        if w > max_width + 1e-9:
            return None
        gap = space_w if (unit.space_before and line) else 0.0
        if line and line_w + gap + w > max_width + 1e-9:
            lines.append(line)
            line, line_w = unit.text, w
        else:
            line += (" " if gap else "") + unit.text
            line_w += gap + w
    lines.append(line)
    return drop_separators([_soft_end(line, last=True) for line in lines])


def _narrowest(fn, count: int, lo: float, hi: float) -> float:
    """The smallest width in [lo, hi] at which fn(width) still gives *count* lines."""
    for _ in range(18):
        mid = (lo + hi) / 2
        got = fn(mid)
        if got is not None and len(got) <= count:
            hi = mid
        else:
            lo = mid
    return hi


#: Phrase breaks are kept only while the shortest line is at least this share of the
#: longest; below it ("一二三四五六七八九十，" / "好！") even atom breaks read better.
PHRASE_EVENNESS = 0.5


def phrase_break(text: str, max_width: float, width: Callable[[str], float], max_count: int) -> list[str] | None:
    """Balanced lines broken only between phrases (after punctuation or at spaces).

    None when the text is one phrase, when a phrase is wider than a line, when it takes
    more than *max_count* lines, or when a line would be much shorter than the others.
    """
    units = phrase_atoms(text)
    if len(units) < 2:
        return None
    by_phrase = _fill(units, max_width, width)
    if by_phrase is None or len(by_phrase) > max_count:
        return None
    count = len(by_phrase)
    fn = lambda w: _fill(units, w, width)  # noqa: E731
    lo = max(width(u.text) for u in units)
    found = fn(_narrowest(fn, count, lo, max_width)) or by_phrase
    widths = [width(line) for line in found]
    if len(found) > 1 and min(widths) < PHRASE_EVENNESS * max(widths):
        return None
    return found


def balance_lines(text: str, max_width: float, width: Callable[[str], float]) -> list[str]:
    """Break like :func:`break_lines`, but as evenly as the same line count allows.

    First choice: break only between phrases (after punctuation or at spaces), if that
    takes no more lines and leaves no line much shorter than the others; otherwise between
    atoms.  Either way the narrowest width that keeps the line count is found by bisection
    (as CSS ``text-wrap: balance`` does), so a paragraph never ends on a lone character.
    Each paragraph (hard newline) is balanced on its own.
    """
    text = text.replace("\r\n", "\n")
    if "\n" in text:
        return [line for part in text.split("\n") for line in balance_lines(part, max_width, width)]
    lines = break_lines(text, max_width, width)
    if len(lines) < 2:
        return lines
    count = len(lines)
    found = phrase_break(text, max_width, width, count)
    if found is not None:
        return found
    fn = lambda w: break_lines(text, w, width)  # noqa: E731
    lo = width(text) / count * 0.9
    # Never split an atom that fits at the full width (only the too-long ones are split).
    fitting = [w for w in (width(a.text) for a in atoms(text)) if w <= max_width + 1e-9]
    lo = max([lo, *fitting])
    if lo >= max_width:
        return lines
    return fn(_narrowest(fn, count, lo, max_width))
