"""Personal posters on demand: a new participant's own poster, rendered once and cached.

A signed URL (:mod:`.signing`) names a person, a nickname, a channel and a variant; the
poster is that campaign's first template at its first size, with the person as the
inviter in the trust header and their own personal code (``ref``) in the QR URL — the
loop that turns today's invitee into tomorrow's inviter.

A poster is made exactly as ``postergen batch`` makes a row's:
:class:`postergen.batch.person.PersonalPoster` prepares the person (cleaned nickname with
its fallback, a placeholder avatar drawn from the nickname, personal code and QR URL) and
:class:`postergen.render.PosterRenderer` draws it (static layers painted once per template
and size, QR mask reuse), in one worker thread off the event loop: the renderer
keeps per-process caches and posters are CPU-bound, so one thread per server is right on
small machines.  Two requests for the same poster while it renders share one render.

The cache is on disk under ``cache_dir/<2 hex>/<key>.<ext>`` with
``key = sha256(spec hash · person · nickname · channel · variant · format)``: the expiry is
left out, so a re-signed URL for the same poster is a cache hit, and a changed campaign
spec makes new keys (old files are simply no longer read).  Files are written to a
temporary name and renamed, without a disk sync: a cache entry can always be made again,
and one cut short by a crash is recognised (:func:`complete`) and rendered again.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..codes import code_table
from ..spec import parse_size
from .signing import PosterRequest


def complete(data: bytes, ext: str) -> bool:
    """Whether *data* is a whole image file of its format (not cut short)."""
    if ext == "jpg":
        return data[:2] == b"\xff\xd8" and data.rstrip(b"\x00")[-2:] == b"\xff\xd9"
    if ext == "png":
        return data[:8] == b"\x89PNG\r\n\x1a\n" and data[-12:-4] == b"\x00\x00\x00\x00IEND"
    if ext == "webp":
        return data[:4] == b"RIFF" and int.from_bytes(data[4:8], "little") + 8 == len(data)
    return False


class Posters:
    """Renders and caches personal posters of one loaded campaign."""

    def __init__(self, loaded, secret: bytes, cache_dir: Path, spec_digest: str, lang: str = "zh"):
        from ..render import PosterRenderer

        self.loaded = loaded
        self.cache_dir = Path(cache_dir)
        self.spec_digest = spec_digest
        self.lang = lang
        self.renderer = PosterRenderer(loaded, reuse_mask=True)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="postergen-poster")
        self._inflight: dict[str, asyncio.Future] = {}
        self._preparers: dict = {}
        self.secret = secret
        names = tuple(name for name, _, _, _ in loaded.variant_list())
        self._rows = {(r.channel, r.variant): r for r in code_table(loaded.spec, secret, names)}
        self.rendered = 0  # cache misses served (for health and benchmarks)

    # ------------------------------------------------------------------ what a poster says

    def share_url(self, channel: str, variant: str, own_code: str) -> str:
        """What a person's poster QR carries: their channel's QR URL (the short link when
        there is one) with their own code as ``ref``."""
        from ..batch.person import personal_url

        row = self._rows.get((channel, variant))
        return personal_url(row.qr_url, own_code) if row is not None else self.loaded.variant(variant).spec.landing_url

    def _preparer(self, channel: str, variant: str):
        """``postergen batch``'s per-person preparation for one channel × variant."""
        from ..batch.person import PersonalPoster, Target

        key = (channel, variant)
        hit = self._preparers.get(key)
        if hit is None:
            spec = self.loaded.variant(variant, self._spec_channel(channel)).spec
            width, height = parse_size(spec.output.sizes[0])
            row = self._rows.get(key)
            target = Target(variant, channel, row.qr_url if row else "", ((spec.output.templates[0], width, height, "jpeg"),))
            hit = self._preparers[key] = PersonalPoster(self.loaded, target, self.secret, None, self.cache_dir / "avatars")
        return hit

    def _render(self, req: PosterRequest, own_code: str | None) -> bytes:
        """The poster, prepared the way ``postergen batch`` prepares a row (cleaned nickname,
        placeholder avatar, personal code and QR URL) and drawn by the one renderer."""
        prepared = self._preparer(req.channel, req.variant).prepare(req.person, req.nickname, "", {})
        url, extra = prepared.url, prepared.extra
        if own_code and prepared.code != own_code:  # the code kept with the lead wins (e.g. code_length changed since)
            url = self.share_url(req.channel, req.variant, own_code)
            extra = {**extra, "person": {**extra["person"], "code": own_code}}
        own = self._spec_channel(req.channel)
        spec = self.loaded.variant(req.variant, own).spec
        width, height = parse_size(spec.output.sizes[0])
        rendered = self.renderer.render(req.variant, spec.output.templates[0], width, height, url, extra,
                                        fmt=req.format, quality=spec.output.quality, channel=own)
        return rendered.data

    def _spec_channel(self, channel: str) -> str:
        """Whose spec draws a person's poster: their channel's own (its ``set``), as
        ``postergen batch --channel`` draws it — unless the channel is printed: a lead who
        scanned a shop-window poster still shares a phone poster with themselves as the
        inviter, drawn from the variant's spec."""
        found = next((c for c in self.loaded.spec.channels if c.id == channel), None)
        return channel if found is not None and not found.is_printed else ""

    # ------------------------------------------------------------------ cache

    def key(self, req: PosterRequest) -> str:
        return hashlib.sha256(f"{self.spec_digest}\x1f{req.content_key()}".encode("utf-8")).hexdigest()

    def path(self, key: str, ext: str) -> Path:
        return self.cache_dir / key[:2] / f"{key}.{ext}"

    def cached(self, key: str, ext: str) -> bytes | None:
        try:
            data = self.path(key, ext).read_bytes()
        except FileNotFoundError:
            return None
        return data if complete(data, ext) else None

    def _store(self, key: str, ext: str, data: bytes) -> None:
        # Temp file + rename, without fsync: a cache entry can always be made again, and
        # one cut short by a power failure is recognised by complete() and re-rendered.
        path = self.path(key, ext)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _make(self, req: PosterRequest, own_code: str, key: str) -> bytes:
        data = self.cached(key, req.ext)  # another request may have made it meanwhile
        if data is None:
            data = self._render(req, own_code)
            self._store(key, req.ext, data)
            self.rendered += 1
        return data

    async def get(self, req: PosterRequest, own_code: str) -> tuple[bytes, str]:
        """The poster's bytes and its cache key (an ETag), rendering it on a miss."""
        key = self.key(req)
        data = self.cached(key, req.ext)
        if data is not None:
            return data, key
        pending = self._inflight.get(key)
        if pending is None:
            loop = asyncio.get_running_loop()
            pending = self._inflight[key] = asyncio.ensure_future(loop.run_in_executor(self._pool, self._make, req, own_code, key))
            pending.add_done_callback(lambda _: self._inflight.pop(key, None))
        return await asyncio.shield(pending), key

    def warm(self) -> None:
        """Render one throwaway poster per variant in the worker now, so the first visitor
        does not wait for the static layers to be painted."""
        seen = set()
        for channel, variant in list(self._rows) or [("", name) for name, _, _, _ in self.loaded.variant_list()]:
            if variant not in seen:
                seen.add(variant)
                req = PosterRequest("warm-up", "", channel, variant, "jpg", 0)
                self._pool.submit(self._render, req, None)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
