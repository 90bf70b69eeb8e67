"""Colour references used by templates: '$primary', '#RRGGBB', '$primary@0.2'."""

from __future__ import annotations

THEME_KEYS = ("primary", "accent", "text", "muted", "on_primary", "surface")


def parse_hex(value: str) -> tuple[int, int, int, int]:
    h = value.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    if len(h) == 6:
        h += "ff"
    if len(h) != 8:
        raise ValueError(f"bad colour '{value}'")
    return tuple(int(h[i : i + 2], 16) for i in range(0, 8, 2))  # type: ignore[return-value]


def to_hex(rgba: tuple[int, int, int, int]) -> str:
    return "#" + "".join(f"{c:02x}" for c in rgba)


def resolve(ref: str, theme) -> str:
    """Resolve a colour reference against a theme; returns '#rrggbbaa'."""
    alpha = 1.0
    if "@" in ref:
        ref, a = ref.split("@", 1)
        alpha = float(a)
    if ref.startswith("$"):
        key = ref[1:]
        if key not in THEME_KEYS:
            raise ValueError(f"unknown theme colour '{ref}'; use one of {', '.join('$' + k for k in THEME_KEYS)}")
        ref = getattr(theme, key)
    r, g, b, a0 = parse_hex(ref)
    return to_hex((r, g, b, round(a0 * alpha)))
