"""The set of ids seen so far in a people file, with the row each was first seen on.

The only state a streamed people file keeps that grows with the number of rows.  A
``dict[str, int]`` costs about 130 bytes per short id; this open-addressing table keeps
16-byte slots (at most 60 % full) and the id's UTF-8 bytes in one arena, about
55 bytes per short id, and compares the real bytes on a hash match, so it is exact.
"""

from __future__ import annotations

import struct
from array import array

_ENTRY = struct.Struct("<IH")  # first row, byte length; the id's bytes follow


class IdIndex:
    """Ids → first row; :meth:`add` reports a duplicate instead of storing it."""

    __slots__ = ("_hashes", "_refs", "_arena", "_mask", "_count")

    def __init__(self, capacity: int = 1024):
        size = 1
        while size < capacity:
            size *= 2
        self._hashes = array("q", bytes(8 * size))  # 0 marks an empty slot
        self._refs = array("Q", bytes(8 * size))  # offset of the entry in the arena
        self._arena = bytearray()
        self._mask = size - 1
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, key: str, row: int) -> int | None:
        """Record *key* as first seen on *row*; if it was seen before, return that row."""
        data = key.encode("utf-8", "surrogatepass")
        h = hash(key) or 1
        hashes, mask, arena = self._hashes, self._mask, self._arena
        i = h & mask
        while True:
            stored = hashes[i]
            if stored == 0:
                break
            if stored == h:
                off = self._refs[i]
                first, length = _ENTRY.unpack_from(arena, off)
                start = off + _ENTRY.size
                if length == len(data) and arena[start : start + length] == data:
                    return first
            i = (i + 1) & mask
        hashes[i] = h
        self._refs[i] = len(arena)
        arena += _ENTRY.pack(row, len(data))
        arena += data
        self._count += 1
        if self._count * 5 > (mask + 1) * 3:
            self._grow()
        return None

    def _grow(self) -> None:
        size = (self._mask + 1) * 2
        mask = size - 1
        hashes, refs = array("q", bytes(8 * size)), array("Q", bytes(8 * size))
        for h, ref in zip(self._hashes, self._refs):
            if h:
                i = h & mask
                while hashes[i]:
                    i = (i + 1) & mask
                hashes[i] = h
                refs[i] = ref
        self._hashes, self._refs, self._mask = hashes, refs, mask

    def nbytes(self) -> int:
        """Memory held by the table and the arena (for tests and docs)."""
        return self._hashes.itemsize * len(self._hashes) * 2 + len(self._arena)
