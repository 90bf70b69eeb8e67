"""Auto-fit: the largest font size at which text fits a box, found by binary search.

Widths are linear in the font size, so a candidate size is tested by breaking the text
at ``box_width / size`` em.  A size *fits* when every line is within the box width, the
line count is within ``max_lines`` and the lines' total height is within the box height.
When even ``min_size`` does not fit, the layer's overflow policy decides:

* ``shrink``  — keep searching below ``min_size`` (down to :data:`FLOOR`);
* ``ellipsis`` — keep ``min_size``, cut to ``max_lines`` lines and end with "…";
* ``error``   — raise :class:`~postergen.errors.LayoutError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal

from .errors import LayoutError
from .linebreak import balance_lines, break_lines, ellipsize, phrase_break

FLOOR = 8
Overflow = Literal["shrink", "ellipsis", "error"]


@dataclass(frozen=True)
class Fitted:
    size: int
    lines: tuple[str, ...]
    widths: tuple[float, ...]  # in px
    line_height: float  # in px
    truncated: bool = False

    @property
    def height(self) -> float:
        return len(self.lines) * self.line_height

    @property
    def width(self) -> float:
        return max(self.widths, default=0.0)


def largest(lo: int, hi: int, attempt: Callable[[int], object]):
    """(size, what ``attempt(size)`` returned) for the largest size in lo..hi at which
    *attempt* gives something other than None (fits are monotonic: a binary search), or
    None when nothing fits."""
    best = None
    while lo <= hi:
        mid = (lo + hi) // 2
        got = attempt(mid)
        if got is not None:
            best, lo = (mid, got), mid + 1
        else:
            hi = mid - 1
    return best


def _attempt(text, size, box_w, box_h, max_lines, leading, width):
    em_w = box_w / size
    lines = break_lines(text, em_w, width)
    widths = [width(line) for line in lines]
    ok = (
        len(lines) <= max_lines
        and len(lines) * size * leading <= box_h + 1e-6
        and all(w <= em_w + 1e-9 for w in widths)
    )
    return ok, lines, widths


def fit_text(
    text: str,
    width: Callable[[str], float],
    box_w: float,
    box_h: float,
    min_size: int,
    max_size: int,
    max_lines: int = 1,
    leading: float = 1.3,
    overflow: Overflow = "shrink",
    what: str = "text",
    balance: bool = True,
) -> Fitted:
    """Fit *text* (measured in em by *width*) into a box; see the module docstring."""
    if min_size > max_size:
        min_size = max_size

    def search(lo: int, hi: int):
        best = None
        while lo <= hi:
            mid = (lo + hi) // 2
            ok, lines, widths = _attempt(text, mid, box_w, box_h, max_lines, leading, width)
            if ok:
                best = (mid, lines, widths)
                lo = mid + 1
            else:
                hi = mid - 1
        return best

    best = search(min_size, max_size)
    if best is None:
        if overflow == "shrink":
            best = search(FLOOR, min_size - 1)
        elif overflow == "ellipsis":
            size = min_size
            lines = break_lines(text, box_w / size, width)
            fit_lines = max(1, min(max_lines, int((box_h + 1e-6) // (size * leading))))
            kept = lines[:fit_lines]
            if len(lines) > fit_lines:
                kept[-1] = ellipsize(kept[-1], box_w / size, width)
            return _fitted(size, kept, width, leading, truncated=len(lines) > fit_lines)
        if best is None:
            lines_word = f"{max_lines} line" + ("s" if max_lines != 1 else "")
            box = f"{box_w:.0f}×{box_h:.0f} px, {lines_word}"
            if overflow == "shrink":
                raise LayoutError(
                    f"{what} does not fit its box ({box}) even at {FLOOR} px: shorten the text "
                    "or make the box larger"
                )
            raise LayoutError(
                f"{what} does not fit its box ({box}, font size {min_size}-{max_size} px): "
                "shorten the text, or set overflow to 'shrink' or 'ellipsis'"
            )
    size, lines, _ = best
    if balance and len(lines) > 1:
        natural = _natural_size(text, width, size, min(size, min_size), box_w, box_h, max_lines, leading)
        if natural is not None:
            return _fitted(natural[0], natural[1], width, leading)
        lines = balance_lines(text, box_w / size, width)
    return _fitted(size, lines, width, leading)


#: How much smaller than the largest fitting size a headline may get so that its lines
#: break between phrases the writer marked (spaces, punctuation) instead of mid-word.
NATURAL_SHRINK = 0.88


def _natural_size(text, width, size, min_size, box_w, box_h, max_lines, leading):
    """(size, lines) of the largest size ≥ NATURAL_SHRINK·size breaking at phrase ends."""
    if "\n" in text:
        return None
    floor = max(FLOOR, min_size, int(size * NATURAL_SHRINK))
    for s in range(size, floor - 1, -1):
        lines = phrase_break(text, box_w / s, width, max_lines)
        if lines is not None and len(lines) * s * leading <= box_h + 1e-6:
            if len(lines) > 1:
                return s, lines
            return None  # one line at this size: plain fitting already did better
    return None


def _fitted(size, lines, width, leading, truncated=False) -> Fitted:
    return Fitted(
        size=size,
        lines=tuple(lines),
        widths=tuple(width(line) * size for line in lines),
        line_height=size * leading,
        truncated=truncated,
    )
