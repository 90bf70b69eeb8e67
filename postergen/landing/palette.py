"""Page colours from the theme, made readable: WCAG 2 contrast for every text/background pair.

The poster and the page share the theme, but a page has rules a poster does not: small text
on the brand colour must reach 4.5:1 (WCAG AA, also what axe-core checks).  When a theme
pair falls short, the page nudges the *background* of the pair (the brand band) or the
*text* colour just enough, and says so in a warning, instead of shipping unreadable text.
"""

from __future__ import annotations

import math

from dataclasses import dataclass

from ..colors import parse_hex

AA = 4.55  # 4.5:1 with a little room for rounding in browsers and checkers
AA_LARGE = 3.05  # large text: ≥ 24 px, or ≥ 18.66 px bold
SHAPE_TINT = 0.07  # how much of on_band the band's decorative circles mix in, at most
ERROR_RED = (200.0, 40.0, 30.0)

RGB = tuple[float, float, float]


def _rgb(value: str, under: RGB = (255, 255, 255)) -> RGB:
    r, g, b, a = parse_hex(value)
    t = a / 255
    return tuple(c * t + u * (1 - t) for c, u in zip((r, g, b), under))  # type: ignore[return-value]


def _hex(rgb: RGB) -> str:
    return "#" + "".join(f"{round(min(255, max(0, c))):02X}" for c in rgb)


def luminance(rgb: RGB) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _shown(ratio: float, limit: float) -> str:
    """A ratio for a message: one decimal, or two when one would round it up to the
    limit it falls short of (4.49 reads '4.49', never '4.5:1 (< 4.5:1)')."""
    text = f"{ratio:.1f}"
    if float(text) >= limit > ratio:
        text = f"{math.floor(ratio * 100) / 100:.2f}"
    return text


def contrast(a: RGB, b: RGB) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(x + (y - x) * t for x, y in zip(a, b))  # type: ignore[return-value]


def _towards(c: RGB, fixed: RGB, ratio: float) -> RGB:
    """*c* moved towards black or white (away from *fixed*) until it contrasts *ratio* with it."""
    if contrast(c, fixed) >= ratio:
        return c
    target = (255.0, 255.0, 255.0) if luminance(c) > luminance(fixed) else (0.0, 0.0, 0.0)
    if contrast(target, fixed) < ratio:  # even black/white cannot: go the other way
        target = (255.0, 255.0, 255.0) if target == (0.0, 0.0, 0.0) else (0.0, 0.0, 0.0)
    lo, hi = 0.0, 1.0
    for _ in range(24):
        mid = (lo + hi) / 2
        if contrast(_mix(c, target, mid), fixed) >= ratio:
            hi = mid
        else:
            lo = mid
    return _mix(c, target, hi)


def best_ink(bg: RGB, candidates: list[RGB]) -> RGB:
    return max(candidates, key=lambda c: contrast(c, bg))


@dataclass(frozen=True)
class Palette:
    """Every colour the page uses, as #RRGGBB; all text pairs readable."""

    bg: str
    surface: str
    text: str
    muted: str
    band: str  # the brand band behind the headline; also the button
    on_band: str
    band_muted: str  # secondary text on the band
    accent: str
    on_accent: str
    price: str  # large price on the surface
    link: str  # links and small coloured text on the surface
    line: str  # hairlines and field borders (≥ 3:1 on the surface: a form control's boundary)
    shape: str = "#FFFFFF"  # the band's decorative circles (opaque: what the contrast was checked on)
    error: str = "#B3261E"  # inline form messages
    warnings: tuple[str, ...] = ()


def palette(theme) -> Palette:
    """The page palette of a :class:`~postergen.spec.Theme`."""
    warnings: list[str] = []
    bgv = theme.background
    bg_hex = bgv.color or (bgv.gradient.colors[0] if bgv.gradient else None) or "#FFFFFF"
    bg = _rgb(bg_hex)
    surface = _rgb(theme.surface, bg)
    white, black = (255.0, 255.0, 255.0), (0.0, 0.0, 0.0)

    def readable(name: str, value: str, on: list[tuple[str, RGB]], ratio: float = AA) -> RGB:
        c = _rgb(value, bg)
        for _, back in on:
            c = _towards(c, back, ratio)
        worst = min(on, key=lambda o: contrast(_rgb(value, bg), o[1]))
        if _hex(c) != _hex(_rgb(value, bg)):
            warnings.append(
                f"theme.{name} {value} on {worst[0]} has contrast "
                f"{_shown(contrast(_rgb(value, bg), worst[1]), ratio)}:1 (< {ratio:g}:1); the page uses {_hex(c)}"
            )
        return c

    text = readable("text", theme.text, [("the background", bg), ("the surface", surface)])
    muted = readable("muted", theme.muted, [("the background", bg), ("the surface", surface)])

    # The band: on_primary text on the primary colour.
    primary, on_primary = _rgb(theme.primary, bg), _rgb(theme.on_primary, bg)
    band, on_band = primary, on_primary
    if contrast(primary, on_primary) < AA:
        shaded = _towards(primary, on_primary, AA)
        ink = text if contrast(text, primary) >= AA else best_ink(primary, [white, black])
        if contrast(ink, primary) >= AA and _dist(shaded, primary) > 60:
            on_band = ink  # the brand colour stays; the text colour changes
            warnings.append(
                f"theme.on_primary {theme.on_primary} on theme.primary {theme.primary} has contrast "
                f"{_shown(contrast(primary, on_primary), AA)}:1 (< {AA:g}:1); the page writes {_hex(ink)} on it"
            )
        elif _hex(shaded) != _hex(primary):  # (a shade that rounds back to the same hex: nothing to say)
            band = shaded
            warnings.append(
                f"theme.on_primary {theme.on_primary} on theme.primary {theme.primary} has contrast "
                f"{_shown(contrast(primary, on_primary), AA)}:1 (< {AA:g}:1); the page's brand band uses {_hex(band)}"
            )
    # The band's decorative circles (a tint of on_band over the band) sit under text too:
    # secondary text must read on both, and the tint gets lighter until it does.
    shape, band_muted = _shape_and_muted(band, on_band)

    accent = _rgb(theme.accent, bg)
    on_accent = text if contrast(text, accent) >= AA else best_ink(accent, [black, white])
    price = _towards(primary, surface, AA_LARGE)
    link = _towards(_towards(primary, surface, AA), bg, AA)  # links sit on cards and on the page
    line = _towards(_mix(muted, surface, 0.35), surface, AA_LARGE)
    error = _towards(_towards(ERROR_RED, surface, AA), bg, AA)  # form messages, on cards and the page
    return Palette(
        bg=_hex(bg),
        surface=_hex(surface),
        text=_hex(text),
        muted=_hex(muted),
        band=_hex(band),
        on_band=_hex(on_band),
        band_muted=_hex(band_muted),
        accent=_hex(accent),
        on_accent=_hex(on_accent),
        price=_hex(price),
        link=_hex(link),
        line=_hex(line),
        shape=_hex(shape),
        error=_hex(error),
        warnings=tuple(warnings),
    )


def _shape_and_muted(band: RGB, on_band: RGB) -> tuple[RGB, RGB]:
    """The decorative circles' colour and the band's secondary text colour: both text
    colours of the band reach AA on the band *and* on the circles."""
    lo, hi = 0.0, SHAPE_TINT
    best = None
    for t in [SHAPE_TINT] + [None] * 16:
        if t is None:
            t = (lo + hi) / 2
        shape = _mix(band, on_band, t)
        muted = _towards(_towards(_mix(on_band, band, 0.15), band, AA), shape, AA)
        ok = min(contrast(on_band, shape), contrast(muted, shape), contrast(muted, band)) >= AA
        if ok:
            best = (shape, muted)
            if t == SHAPE_TINT:
                break
            lo = t
        else:
            hi = t
    if best is None:  # even a circle of the band's own colour: no tint at all
        best = (band, _towards(_mix(on_band, band, 0.15), band, AA))
    return best


def _dist(a: RGB, b: RGB) -> float:
    return sum((x - y) ** 2 for x, y in zip(a, b)) ** 0.5
