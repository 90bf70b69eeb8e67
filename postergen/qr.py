"""QR codes: the module matrix (segno) and where a centre logo may go."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

QUIET_ZONE = 4  # modules of light margin on every side, as ISO/IEC 18004 asks
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

    code = segno.make_qr(data, error=error.lower(), boost_error=False, mask=mask)
    rows = tuple("".join("1" if v else "0" for v in row) for row in code.matrix)
    return Matrix(data=data, error=error, version=int(code.version), rows=rows, mask=int(code.mask))


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
