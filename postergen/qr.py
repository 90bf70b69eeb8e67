"""QR codes: the module matrix (segno) and where a centre logo may go."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

QUIET_ZONE = 4  # modules of light margin on every side, as ISO/IEC 18004 asks
#: Bytes a QR code (version 40, byte mode) holds at each error correction level.
CAPACITY = {"L": 2953, "M": 2331, "Q": 1663, "H": 1273}
MAX_LOGO_AREA = 0.20  # share of the symbol's area a logo (with its backing) may cover


@dataclass(frozen=True)
class Matrix:
    """A QR symbol: rows of '1' (dark) and '0' (light), without quiet zone."""

    data: str
    error: str
    version: int
    rows: tuple[str, ...]
    mask: int = -1

    @property
    def size(self) -> int:
        return len(self.rows)


def resolve_level(level: str, has_logo: bool) -> str:
    if level == "auto":
        return "H" if has_logo else "M"
    return level


@lru_cache(maxsize=4096)
def make_matrix(data: str, error: str, mask: int | None = None) -> Matrix:
    """Encode *data* at error level *error* (L/M/Q/H); cached per process.

    Without *mask*, segno evaluates all eight masks and keeps the best (ISO/IEC 18004's
    penalty rules) — most of a code's cost.  With *mask*, that search is skipped."""
    import segno

    from .errors import LayoutError

    try:
        code = segno.make_qr(data, error=error.lower(), boost_error=False, mask=mask)
    except segno.DataOverflowError:
        raise LayoutError(too_long(data, error)) from None
    rows = tuple("".join("1" if v else "0" for v in row) for row in code.matrix)
    return Matrix(data=data, error=error, version=int(code.version), rows=rows, mask=int(code.mask))


def too_long(data: str, error: str) -> str | None:
    """Why *data* does not fit a QR code at level *error* (None when it fits)."""
    n = len(data.encode("utf-8"))
    if n <= CAPACITY[error]:
        return None
    return (
        f"the QR code would carry {n:,} bytes, more than a QR code holds at error correction {error} "
        f"({CAPACITY[error]:,}); set tracking.short_base so QR codes carry the short form "
        "<short_base>/c/<code>, or shorten landing_url"
    )


def logo_modules(n: int, logo_size: float) -> int:
    """Side, in modules, of the square a centre logo (with its white backing) covers.

    The square is centred, odd-sized (so it sits on the module grid symmetrically), at
    most ``logo_size`` of the width, within 20% of the area and clear of the three finder
    patterns (7 modules plus separator in each corner).
    """
    side = int(n * logo_size)
    limit_area = int((MAX_LOGO_AREA * n * n) ** 0.5)
    limit_finder = n - 2 * 8 - 2
    side = min(side, limit_area, limit_finder)
    if side % 2 != n % 2:
        side -= 1
    return max(side, 0)
