"""How figures read in the HTML and Markdown views: thousands, percentages, money."""

from __future__ import annotations


def num(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def pct(value, digits: int = 1) -> str:
    return "—" if value is None else f"{100 * value:.{digits}f}%"


def pp(value, digits: int = 1) -> str:
    """A difference of rates in percentage points, signed."""
    return "—" if value is None else f"{100 * value:+.{digits}f} pp"


def interval(lo, hi, digits: int = 1) -> str:
    return "—" if lo is None else f"{100 * lo:.{digits}f}–{100 * hi:.{digits}f}%"


def pp_interval(lo, hi, digits: int = 1) -> str:
    return "—" if lo is None else f"{100 * lo:+.{digits}f} to {100 * hi:+.{digits}f} pp"


def money(value) -> str:
    return "—" if value is None else f"¥{value:,.2f}"


def ratio(value, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def prob(value) -> str:
    if value is None:
        return "—"
    if value > 0.999:
        return ">99.9%"
    if value < 0.001:
        return "<0.1%"
    return f"{100 * value:.1f}%"
