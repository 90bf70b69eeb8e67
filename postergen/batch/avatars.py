"""Participants' avatars: local files and http(s) URLs, checked, fetched safely, cached.

A people file's ``avatar`` column holds either a path relative to the people file's folder
or an http(s) URL (WeChat avatars are URLs).  :class:`Avatars` turns either into the path
of an image file that passed the same checks as campaign assets (:mod:`postergen.images`:
format, decompression-bomb pixel limits, corrupt files), plus a lower pixel limit for
avatars, or raises :class:`AvatarError` saying why and what to do.

Local paths must stay inside the people file's folder after symlinks are resolved.  A
missing file's message never suggests another file: in a people file a "similar name"
is another person's avatar.

URLs are fetched through :mod:`.netguard` (public addresses only, every redirect hop
re-checked, connect to the checked address), with a connect timeout, a total time limit,
a size cap and content sniffing (magic bytes, then Pillow) whatever the Content-Type says.
Fetched images are cached under ``cache_dir`` by the SHA-256 of the URL, written
atomically, so a re-run fetches nothing; failures are never cached on disk (within one
:class:`Avatars` they are remembered, so a URL shared by many rows is tried once).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
import warnings
import zlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from postergen.errors import PostergenError
from postergen.images import ImageProblem, check_image
from postergen.writer import write_atomic

if TYPE_CHECKING:
    import httpx  # (for annotations: loaded at run time only when a URL is fetched)


#: Avatars are shown at a few hundred pixels; anything over 25 MP is refused before decoding.
AVATAR_MAX_PIXELS = 25_000_000

_REDIRECTS = {301, 302, 303, 307, 308}
_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", ".png"),
    (b"\xff\xd8\xff", ".jpg"),
    (b"GIF87a", ".gif"),
    (b"GIF89a", ".gif"),
]
_EXTS = (".png", ".jpg", ".gif", ".webp")
_URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")
_OTHER_SCHEMES = {"data", "file", "javascript", "blob", "about", "mailto", "ftp", "ftps", "gopher"}
_WINDOWS_ABS = re.compile(r"^(?:[A-Za-z]:[\\/]|\\\\)")
_FORMATS = "PNG, JPEG, WebP or GIF"


class AvatarError(PostergenError):
    """An avatar cannot be used; ``str(exc)`` says why and what to do."""


def looks_like_url(value: str) -> bool:
    """True for ``scheme://…`` and the schemes that never are file names (``data:`` …)."""
    m = _URL_SCHEME.match(value)
    return bool(m) and (value[m.end() :].startswith("//") or m[1].lower() in _OTHER_SCHEMES)


def _size(n: int) -> str:
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n / 1024:.0f} KB"


def _short(url: str, limit: int = 200) -> str:
    return url if len(url) <= limit else url[: limit - 1] + "…"


def check_avatar_image(path: Path, shown: str, advice: str | None = None) -> None:
    """Run the campaign-asset image checks on *path*, plus the avatar pixel limit.

    *shown* names the file in messages; *advice* replaces the what-to-do part of the
    asset checks' messages (a URL cannot be "exported again").
    """
    from PIL import Image

    w = h = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(path) as im:  # reads the header only
                w, h = im.size
        except Image.DecompressionBombError:
            raise AvatarError(
                f"avatar {shown} is far over the {AVATAR_MAX_PIXELS // 1_000_000} MP avatar limit "
                f"(possible decompression bomb); {advice or 'use a smaller image'}"
            ) from None
        except Exception:
            pass  # not readable: check_image below says what it is
    if w * h > AVATAR_MAX_PIXELS:
        raise AvatarError(
            f"avatar {shown} is {w}×{h} px ({w * h / 1e6:.0f} MP), over the "
            f"{AVATAR_MAX_PIXELS // 1_000_000} MP avatar limit (possible decompression bomb); "
            f"{advice or 'resize it'}"
        )
    try:
        check_image(path, shown)
    except ImageProblem as exc:
        message = str(exc)
        if advice and "; " in message:
            message = message.rsplit("; ", 1)[0] + "; " + advice
        raise AvatarError(f"avatar {message}") from None


def _sniff(data: bytes) -> str | None:
    """The file extension for *data* from its magic bytes, or None when not an avatar format."""
    for magic, ext in _MAGIC:
        if data.startswith(magic):
            return ext
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return None


def _what(data: bytes) -> str:
    """What a response that is not an image seems to be."""
    if not data.strip():
        return "an empty response"
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<body" in head:
        return "an HTML page"
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head):
        return "an SVG drawing"
    if head.startswith((b"{", b"[")):
        return "JSON"
    try:
        text = data[:512].decode("utf-8")
    except UnicodeDecodeError:
        return f"data that is not a {_FORMATS} image"
    if all(ch.isprintable() or ch in "\r\n\t" for ch in text):
        return "text"
    return f"data that is not a {_FORMATS} image"


class Avatars:
    """Resolve avatar values (relative paths or http(s) URLs) to checked image files.

    *base_dir* is the people file's folder; *cache_dir* holds fetched images.  With
    ``allow_remote=False`` nothing is fetched (cached images are still used).  *resolver*
    (host → list of IP strings) and *address_allowed* (IP string → bool) replace the
    system resolver and the public-addresses-only policy (tests); *ssl_context* replaces
    the default certificate store.  Use as a context manager, or call :meth:`close`.
    """

    def __init__(
        self,
        base_dir: Path,
        cache_dir: Path,
        *,
        allow_remote: bool = True,
        connect_timeout: float = 3.0,
        timeout: float = 10.0,
        max_bytes: int = 5 * 1024 * 1024,
        max_redirects: int = 3,
        concurrency: int = 8,
        resolver=None,
        address_allowed=None,
        ssl_context=None,
    ):
        self.base_dir = Path(base_dir)
        self.cache_dir = Path(cache_dir)
        self.allow_remote = allow_remote
        self.connect_timeout = connect_timeout
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.concurrency = max(1, concurrency)
        self._resolver = resolver
        self._address_allowed = address_allowed
        self._ssl_context = ssl_context
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()
        self._failed: dict[str, AvatarError] = {}

    # --- public API --------------------------------------------------------------------

    def resolve(self, value: str) -> Path:
        """The checked image file for *value*; raise :class:`AvatarError`."""
        value = value.strip()
        if not value:
            raise AvatarError("avatar is empty; give a file path or an http(s) URL")
        if looks_like_url(value):
            return self._remote(value)
        return self._local(value)

    def prefetch(self, values: Iterable[str]) -> dict[str, Path | AvatarError]:
        """Resolve every distinct non-blank value, fetching URLs concurrently.

        Returns value → path or the :class:`AvatarError`; the cache is filled, so a later
        :meth:`resolve` of a fetched URL reads the disk only.
        """
        unique = list(dict.fromkeys(v for v in values if v and v.strip()))
        if not unique:
            return {}
        results: dict[str, Path | AvatarError] = {}
        pool = ThreadPoolExecutor(max_workers=min(self.concurrency, len(unique)), thread_name_prefix="avatar")
        try:
            futures = [(value, pool.submit(self._attempt, value)) for value in unique]
            for value, future in futures:
                results[value] = future.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return results

    def cache_path(self, url: str) -> Path | None:
        """The cached image for *url*, if it was fetched before."""
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()
        for ext in _EXTS:
            path = self.cache_dir / key[:2] / f"{key}{ext}"
            if path.is_file():
                return path
        return None

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def __enter__(self) -> Avatars:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- local files -------------------------------------------------------------------

    def _local(self, value: str) -> Path:
        folder = "the people file's folder"
        if "\x00" in value:
            raise AvatarError(f"avatar path {value!r} contains a NUL character; fix the people file")
        if _WINDOWS_ABS.match(value):
            raise AvatarError(f"avatar path {value} is a Windows absolute path; give a path relative to {folder}")
        root = self.base_dir.resolve()
        given = Path(value)
        candidate = given if given.is_absolute() else root / given
        try:
            full = candidate.resolve()
        except (OSError, RuntimeError) as exc:  # a symlink loop, a name too long
            raise AvatarError(f"avatar path {value} cannot be followed ({exc}); fix the people file") from None
        if full != root and root not in full.parents:
            lexical = Path(os.path.normpath(candidate))
            if given.is_absolute() and root not in lexical.parents:
                raise AvatarError(
                    f"avatar path {value} is outside {folder} ({root}); copy the file into that folder "
                    "and give a path relative to it"
                )
            if lexical == root or root in lexical.parents:
                raise AvatarError(
                    f"avatar {value} is a symbolic link to a file outside {folder}; "
                    "copy the file into the folder instead"
                )
            raise AvatarError(f"avatar path {value} points outside {folder}; copy the file into it")
        # No did-you-mean: a similar file name is another person's avatar.
        if not full.exists():
            raise AvatarError(f"avatar file not found: {value} (paths are relative to {folder}, {root})")
        if full.is_dir():
            raise AvatarError(f"avatar {value} is a folder, not an image file")
        if not full.is_file():
            raise AvatarError(f"avatar {value} is not a regular file; use a PNG, JPEG or WebP file")
        check_avatar_image(full, value)
        return full

    # --- URLs ----------------------------------------------------------------------------

    def _attempt(self, value: str) -> Path | AvatarError:
        try:
            return self.resolve(value)
        except AvatarError as exc:
            return exc

    def _remote(self, url: str) -> Path:
        self._check_url(url, url)
        cached = self.cache_path(url)
        if cached is not None:
            return cached
        if url in self._failed:
            raise AvatarError(str(self._failed[url]))  # a fresh exception: rows do not share tracebacks
        if not self.allow_remote:
            raise AvatarError(
                f"avatar URL {_short(url)} is not in the avatar cache and fetching is turned off; "
                "allow remote avatars or use a local file"
            )
        try:
            data = self._fetch(url)
            return self._store(url, data)
        except AvatarError as exc:
            self._failed[url] = exc
            raise
        except Exception as exc:  # an untrusted URL must fail its row, never the batch
            err = AvatarError(
                f"avatar URL {_short(url)} could not be fetched ({type(exc).__name__}: {exc}); use a local file"
            )
            self._failed[url] = err
            raise err from exc

    def _where(self, url: str, current: str) -> str:
        if current == url:
            return f"avatar URL {_short(url)}"
        return f"avatar URL {_short(url)} redirects to {_short(current)}, which"

    def _check_url(self, current: str, url: str) -> httpx.URL:
        """Refuse anything but a plain http(s) URL with a host and no credentials."""
        import httpx  # here, not at import: a batch of local avatars never loads the HTTP stack
        where = self._where(url, current)
        m = _URL_SCHEME.match(current)
        scheme = m[1].lower() if m else ""
        if scheme not in ("http", "https"):
            shown = f"{scheme}:" if scheme else "no scheme"
            raise AvatarError(f"{where} uses {shown}; only http and https avatars are fetched (or use a local file)")
        try:
            parsed = httpx.URL(current)
        except (httpx.InvalidURL, ValueError, UnicodeError) as exc:
            raise AvatarError(f"{where} is not a valid URL ({exc}); fix the link") from None
        if parsed.userinfo:
            raise AvatarError(f"{where} contains a user name or password (user:pass@); use a link without them")
        if not parsed.host:
            raise AvatarError(f"{where} has no host name; fix the link")
        return parsed

    def _client_for_fetch(self) -> httpx.Client:
        from . import netguard

        with self._lock:
            if self._client is None:
                self._client = netguard.guarded_client(
                    resolver=self._resolver,
                    address_allowed=self._address_allowed,
                    connect_timeout=self.connect_timeout,
                    timeout=self.timeout,
                    max_connections=self.concurrency,
                    ssl_context=self._ssl_context,
                    user_agent="postergen (avatar fetch)",
                )
            return self._client

    def _fetch(self, url: str) -> bytes:
        """The body of *url* after at most ``max_redirects`` checked redirects."""
        import httpx

        from . import netguard

        client = self._client_for_fetch()
        current, hops = url, 0
        with netguard.deadline(self.timeout):
            while True:
                target = self._check_url(current, url)
                try:
                    response = client.send(client.build_request("GET", target), stream=True)
                    try:
                        if response.status_code in _REDIRECTS and "location" in response.headers:
                            hops += 1
                            if hops > self.max_redirects:
                                raise AvatarError(
                                    f"avatar URL {_short(url)} redirects more than {self.max_redirects} times; "
                                    "use the final image URL"
                                )
                            location = response.headers["location"].strip()
                            # An absolute Location is kept as written (messages show it as sent).
                            current = location if _URL_SCHEME.match(location) else str(response.url.join(location))
                            continue
                        if response.status_code != 200:
                            reason = f" {response.reason_phrase}" if response.reason_phrase else ""
                            raise AvatarError(
                                f"{self._where(url, current)} answered HTTP {response.status_code}{reason}; "
                                "check the link or use a local file"
                            )
                        return self._read(response, url)
                    finally:
                        response.close()
                except AvatarError:
                    raise
                except netguard.AddressRefused as exc:
                    verb = "points to" if exc.literal else "resolves to"
                    raise AvatarError(
                        f"{self._where(url, current)} {verb} {exc.ip}, {exc.reason}; use a public URL"
                    ) from None
                except netguard.LookupFailed as exc:
                    raise AvatarError(
                        f"{self._where(url, current)} names a host that could not be found ({exc.host}: {exc.reason}); "
                        "check the link"
                    ) from None
                except httpx.ConnectTimeout:
                    raise AvatarError(
                        f"{self._where(url, current)} did not connect within "
                        f"{min(self.connect_timeout, self.timeout):g} s; try again later or use a local file"
                    ) from None
                except httpx.TimeoutException:
                    raise AvatarError(
                        f"avatar URL {_short(url)} did not finish within {self.timeout:g} s; "
                        "try again later or use a local file"
                    ) from None
                except httpx.HTTPError as exc:
                    tls = netguard.ssl_error(exc)
                    if tls is not None:
                        detail = getattr(tls, "verify_message", None) or tls.reason or str(tls)
                        raise AvatarError(
                            f"{self._where(url, current)} failed the HTTPS check ({detail}); "
                            "the server's certificate is not valid for its name, use another link"
                        ) from None
                    raise AvatarError(
                        f"{self._where(url, current)} could not be fetched ({exc or type(exc).__name__}); "
                        "check the link or use a local file"
                    ) from None

    def _read(self, response: httpx.Response, url: str) -> bytes:
        """The body, at most ``max_bytes`` (decoded), stopping as soon as it is over."""
        too_big = AvatarError(f"avatar URL {_short(url)} is larger than {_size(self.max_bytes)}; use a smaller image")
        length = response.headers.get("content-length", "").strip()
        if length.isdigit() and int(length) > self.max_bytes:
            raise too_big
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding in ("gzip", "x-gzip", "deflate"):
            decoder = zlib.decompressobj(wbits=47)  # gzip or zlib header, detected
        elif encoding in ("identity", ""):
            decoder = None
        else:
            raise AvatarError(f"avatar URL {_short(url)} was sent compressed as {encoding}; use a direct image link")
        body = bytearray()
        for chunk in response.iter_raw(65536):
            if decoder is not None:
                try:
                    # Never inflate more than the cap allows: gzip bombs stop here.
                    chunk = decoder.decompress(chunk, self.max_bytes + 1 - len(body))
                except zlib.error as exc:
                    raise AvatarError(f"avatar URL {_short(url)} sent a corrupt compressed body ({exc})") from None
            body += chunk
            if len(body) > self.max_bytes:
                raise too_big
        return bytes(body)

    def _store(self, url: str, data: bytes) -> Path:
        """Check *data* as an image and write it to the cache; return the cached path."""
        ext = _sniff(data)
        if ext is None:
            raise AvatarError(
                f"avatar URL {_short(url)} returned {_what(data)}, not an image; "
                f"use a direct link to a {_FORMATS} picture"
            )
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()
        final = self.cache_dir / key[:2] / f"{key}{ext}"
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".check-", suffix=ext, dir=final.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            check_avatar_image(Path(tmp), f"URL {_short(url)}", advice="use another image URL or a local file")
            write_atomic(final, data)
        finally:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
        return final
