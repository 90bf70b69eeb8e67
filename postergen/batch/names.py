"""Where a participant's posters go: safe, collision-free file names in sharded folders.

A person id is untrusted text (``../../etc``, ``CON``, ``小鹿🦌``, 300 characters).  An id
that is already a plain lower-case name (``u1024``, ``clerk-07``) is used as it is; any
other id becomes ``_<readable part>-<hash>``: the leading underscore keeps the two
kinds apart (a plain name never starts with one), and the hash of the full id keeps
``Alice`` and ``alice`` apart on case-insensitive file systems.

Posters go into ``posters/<shard>/`` where the shard is the first three hex digits of the
id's SHA-256: 4,096 folders, so a million posters make about 250 files a folder.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_PLAIN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def id_hash(person_id: str) -> str:
    return hashlib.sha256(person_id.encode("utf-8")).hexdigest()


def safe_name(person_id: str) -> str:
    """A file-name stem for *person_id*, unique per id and safe on every file system."""
    if _PLAIN.fullmatch(person_id) and person_id not in _RESERVED:
        return person_id
    ascii_ = unicodedata.normalize("NFKD", person_id).encode("ascii", "ignore").decode()
    readable = re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")[:40]
    return f"_{readable}-{id_hash(person_id)[:12]}" if readable else f"_{id_hash(person_id)[:16]}"


def shard(person_id: str) -> str:
    return id_hash(person_id)[:3]


def poster_path(person_id: str, template: str, size: str, ext: str) -> str:
    """``posters/<shard>/<safe id>-<template>-<size>.<ext>``, relative to the output folder."""
    return f"posters/{shard(person_id)}/{safe_name(person_id)}-{template}-{size}.{ext}"
