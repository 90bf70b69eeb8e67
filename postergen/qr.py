"""QR codes: the module matrix (segno) and where a centre logo may go."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

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
    penalty rules) — most of a code's cost.  An ASCII byte-mode code (any URL with a
    lower-case letter) is built from cached tables instead of module by module
    (:func:`_fast_matrix`: the same matrix, ~30× faster), and its mask chosen by the same
    penalty rules scored with string and integer operations (:func:`_fast_best`: the mask
    and matrix segno chooses); with *mask*, the search is skipped."""
    if _byte_mode(data):
        fast = _fast_matrix(data, error, mask) if mask is not None else _fast_best(data, error)
        if fast is not None:
            return fast
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


# --------------------------------------------------------------------------- fast path
#
# A batch makes thousands of codes that differ only in a few bytes of their URL, with the
# mask already chosen (see render.PosterRenderer._mask_for).  segno builds each matrix
# module by module in Python (~3 ms); for an ASCII byte-mode code with a given mask the
# same matrix is built here from per-(version, level, mask) tables with a handful of C-level
# bytes operations (~0.1 ms).  The tables come from segno itself, and the result is the
# module matrix segno makes for the same input (tests/test_qr.py compares them).

_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
_BITS = [bytes((b >> (7 - i)) & 1 for i in range(8)) for b in range(256)]  # a byte → 8 bytes of 0/1
_TO_CHARS = bytes.maketrans(b"\x00\x01", b"01")


def _byte_mode(data: str) -> bool:
    """Whether segno encodes *data* as one byte-mode segment without ECI: ASCII that is
    neither all digits nor all alphanumeric-mode characters."""
    return data.isascii() and not all(c in _ALNUM for c in data)


@dataclass(frozen=True)
class _Layout:
    """What every code of one version, level and mask shares."""

    version: int
    size: int
    data_words: int  # data codewords (without error correction)
    blocks: tuple[int, ...]  # data codewords of each block, in order
    ec_words: int  # error correction codewords per block
    ec_table: tuple[int, ...]  # factor → the generator times it, as one big-endian int
    interleave: Any  # itemgetter: data blocks then EC blocks, concatenated → interleaved
    mask: int  # the mask's bits over the data modules, in placement order, as bytes → int
    nbits: int  # data modules (codeword bits plus remainder bits)
    place: Any  # itemgetter: stream bits + b"\0\1" → the n×n matrix, row by row


@lru_cache(maxsize=64)
def _layout(version: int, error: str, mask: int) -> _Layout:
    from operator import itemgetter

    import segno
    from segno import consts
    from segno import encoder as enc

    n = enc.calc_matrix_size(version)
    # The function patterns, format and version information, from a real symbol.
    ref = segno.make_qr("a", version=version, error=error.lower(), mask=mask, boost_error=False).matrix
    # Which modules carry data, in placement order: let segno place numbered markers.
    grid = enc.make_matrix(n, n)
    enc.add_finder_patterns(grid, n, n)
    enc.add_alignment_patterns(grid, n, n)
    grid = [list(row) for row in grid]
    nbits = sum(row.count(0x2) for row in grid)
    enc.add_codewords(grid, [1000 + k for k in range(nbits)], version)
    order = [0] * nbits
    src = []
    pattern = enc.get_data_mask_functions(False)[mask]
    maskbits = bytearray(nbits)
    for i in range(n):
        for j in range(n):
            v = grid[i][j]
            if v >= 1000:
                order[v - 1000] = i * n + j
                maskbits[v - 1000] = 1 if pattern(i, j) else 0
                src.append(v - 1000)
            else:
                src.append(nbits + (1 if ref[i][j] else 0))
    infos = consts.ECC[version][consts.ERROR_MAPPING[error]]
    blocks = tuple(info.num_data for info in infos for _ in range(info.num_blocks))
    ec_words = infos[0].num_total - infos[0].num_data
    # Interleave: the i-th codeword of every block in turn, data first, then EC.
    starts = [sum(blocks[:k]) for k in range(len(blocks))]
    perm = [s + i for i in range(max(blocks)) for s, b in zip(starts, blocks) if i < b]
    total = sum(blocks)
    perm += [total + k * ec_words + i for i in range(ec_words) for k in range(len(blocks))]
    gen, exp, log = consts.GEN_POLY[ec_words], consts.GALIOS_EXP, consts.GALIOS_LOG
    table = [0] + [int.from_bytes(bytes(exp[log[f] + g] for g in gen), "big") for f in range(1, 256)]
    return _Layout(version, n, total, blocks, ec_words, tuple(table), itemgetter(*perm),
                   int.from_bytes(bytes(maskbits), "big"), nbits, itemgetter(*src))


@lru_cache(maxsize=8)
def _byte_version(nbytes: int, error: str) -> int | None:
    """The smallest version a byte-mode code of *nbytes* fits at *error* (None: none)."""
    from segno import consts

    level = consts.ERROR_MAPPING[error]
    for version in range(1, 41):
        words = sum(i.num_blocks * i.num_data for i in consts.ECC[version][level])
        if 4 + (8 if version < 10 else 16) + 8 * nbytes <= 8 * words:
            return version
    return None


def _fast_matrix(data: str, error: str, mask: int) -> Matrix | None:
    bits = _data_bits(data, error)
    return None if bits is None else _placed(data, error, bits[0], bits[1], mask)


def _data_bits(data: str, error: str) -> tuple[int, bytes] | None:
    """(version, the codeword stream as bytes of 0/1 with its remainder bits) of an ASCII
    byte-mode code: the same for every mask."""
    raw = data.encode("ascii")
    version = _byte_version(len(raw), error)
    if version is None:
        return None
    lay = _layout(version, error, 0)
    # Mode indicator 0100, character count, the bytes, a terminator of up to 4 zero bits,
    # zero bits up to the next byte boundary (segno adds a whole zero byte when the
    # stream is already aligned), then the pad codewords 0xEC 0x11 alternately.
    count = 8 if version < 10 else 16
    bits = 4 + count + 8 * len(raw)
    value = (((4 << count) | len(raw)) << (8 * len(raw))) | int.from_bytes(raw, "big")
    bits += min(4, 8 * lay.data_words - bits)
    pad = 8 - bits % 8
    head = (value << (bits - (4 + count + 8 * len(raw)) + pad)).to_bytes((bits + pad) // 8, "big")
    words = (head + b"\xec\x11" * lay.data_words)[: lay.data_words]
    # Reed-Solomon per block: the remainder as one int, a table row per data codeword.
    k, table = lay.ec_words, lay.ec_table
    top, full = 8 * (k - 1), (1 << (8 * k)) - 1
    ecs, at = [], 0
    for size in lay.blocks:
        rem = 0
        for b in words[at:at + size]:
            rem = ((rem << 8) & full) ^ table[(rem >> top) ^ b]
        ecs.append(rem.to_bytes(k, "big"))
        at += size
    stream = bytes(lay.interleave(words + b"".join(ecs)))
    bits01 = b"".join([_BITS[b] for b in stream])
    return version, bits01 + bytes(lay.nbits - len(bits01))  # remainder bits


def _placed(data: str, error: str, version: int, bits01: bytes, mask: int) -> Matrix:
    lay = _layout(version, error, mask)
    masked = (int.from_bytes(bits01, "big") ^ lay.mask).to_bytes(lay.nbits, "big")
    flat = bytes(lay.place(masked + b"\x00\x01")).translate(_TO_CHARS).decode("ascii")
    n = lay.size
    return Matrix(data=data, error=error, version=version, rows=tuple(flat[i:i + n] for i in range(0, n * n, n)), mask=mask)


# --------------------------------------------------------------------------- mask search
#
# segno scores each of the eight masks module by module in Python (~10 ms a code, most of
# a channel poster's QR cost).  The same scores (segno.encoder.mask_scores, on the matrix as
# segno has it then: function patterns, format and version areas still zero, data masked)
# are computed here on the rows and columns as strings (runs and the 1:1:3:1:1 pattern)
# and as integers (2×2 blocks); ties go to the lower mask number, as in segno.


@lru_cache(maxsize=64)
def _eval_base(version: int) -> tuple[int, int, int]:
    """(n, data cells as bits, the function cells' values as bits) at mask evaluation."""
    from segno import encoder as enc

    n = enc.calc_matrix_size(version)
    grid = enc.make_matrix(n, n)
    enc.add_finder_patterns(grid, n, n)
    enc.add_alignment_patterns(grid, n, n)
    flat = b"".join(bytes(row) for row in grid)
    data = int(flat.translate(bytes.maketrans(b"\x00\x01\x02", b"001")).decode("ascii"), 2)
    fixed = int(flat.translate(bytes.maketrans(b"\x00\x01\x02", b"010")).decode("ascii"), 2)
    return n, data, fixed


_RUN = re.compile(r"0{5,}|1{5,}")


def _n3(seq: str, n: int) -> int:
    """segno's N3 for one row or column (its scan, edge cases included)."""
    count = 0
    idx = seq.find("1011101")
    while idx != -1:
        offset = idx + 7
        if idx in (0, n - 7) or "1" not in seq[max(idx - 4, 0):min(idx, n)] or "1" not in seq[offset:min(offset + 4, n)]:
            count += 40
        else:
            offset = idx + 4
        idx = seq.find("1011101", offset)
    return count


def penalty(rows: tuple[str, ...], version: int) -> int:
    """segno's penalty score (N1 + N2 + N3 + N4) of a final matrix's *rows*, evaluated as
    segno does before the format and version information are written."""
    n, data, fixed = _eval_base(version)
    flat = format((int("".join(rows), 2) & data) | fixed, f"0{n * n}b")
    lines = [flat[i:i + n] for i in range(0, n * n, n)]
    cols = [flat[j::n] for j in range(n)]
    both = (*lines, *cols)
    n1 = sum(len(m) - 2 for m in _RUN.findall("|".join(both)))  # runs end at the '|'s
    full, n2 = (1 << n) - 1, 0
    prev = None
    for line in lines:
        a = int(line, 2)
        if prev is not None:
            same = ~(a ^ prev) & full
            n2 += (same & (same >> 1) & ~(a ^ (a >> 1)) & (full >> 1)).bit_count()
        prev = a
    n3 = sum(_n3(line, n) for line in both if "1011101" in line)
    n4 = 10 * int(abs(flat.count("1") / (n * n) * 100 - 50) / 5)
    return n1 + 3 * n2 + n3 + n4


def _fast_best(data: str, error: str) -> Matrix | None:
    bits = _data_bits(data, error)
    if bits is None:
        return None
    best = None
    for mask in range(8):
        m = _placed(data, error, bits[0], bits[1], mask)
        score = penalty(m.rows, m.version)
        if best is None or score < best[0]:
            best = (score, m)
    return best[1]
