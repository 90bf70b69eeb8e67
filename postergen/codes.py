"""The code table: every channel × variant with its code, full URL and short URL."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass

from .errors import Problem
from .site.urls import entry_url, has_site
from .tracking import derive_code, normalise_code, short_url, tracking_url, utm

PUBLIC_PREFIX = b"postergen-public:"


@dataclass(frozen=True)
class CodeRow:
    channel: str
    channel_name: str
    variant: str
    code: str
    url: str  # the full landing URL with code and UTM parameters
    short_url: str | None

    @property
    def qr_url(self) -> str:
        """What the QR code carries: the short form when there is one."""
        return self.short_url or self.url

    def to_dict(self) -> dict:
        return asdict(self)


def secret_for(spec, environ=None) -> tuple[bytes, Problem | None]:
    """The HMAC secret and, when the codes will be guessable or it is missing, a problem."""
    environ = os.environ if environ is None else environ
    name = spec.tracking.secret_env
    public = PUBLIC_PREFIX + spec.campaign.id.encode()
    if name is None:
        if not spec.channels:
            return public, None
        return public, Problem(
            "no secret: codes are derived from the campaign id alone and can be guessed; "
            "set tracking.secret_env to the name of an environment variable holding a secret",
            path="tracking.secret_env",
            severity="warning",
        )
    value = environ.get(name, "")
    if not value:
        return public, Problem(
            f"environment variable {name} is not set or empty; export it with the campaign secret "
            "(e.g. export {name}=$(openssl rand -hex 16)) or remove tracking.secret_env".replace("{name}", name),
            path="tracking.secret_env",
        )
    return value.encode("utf-8"), None


def code_table(spec, secret: bytes, variants: tuple[str, ...] = ("base",)) -> list[CodeRow]:
    """One row per channel × variant, in spec order."""
    rows = []
    tr = spec.tracking
    for variant in variants:
        for ch in spec.channels:
            code = derive_code(secret, spec.campaign.id, ch.id, variant, length=tr.code_length)
            params = utm(ch.source or ch.id, ch.medium, spec.campaign.id, variant)
            if has_site(spec):  # the page of this variant × channel on the campaign's site
                url = entry_url(spec, variant, ch.id, code, params)
            else:  # the campaign's own landing page
                url = tracking_url(spec.landing_url, code, params, tr.code_param)
            short = short_url(tr.short_base, code) if tr.short_base else None
            rows.append(CodeRow(ch.id, ch.name, variant, code, url, short))
    return rows


def duplicates(rows: list[CodeRow]) -> list[tuple[CodeRow, CodeRow]]:
    seen: dict[str, CodeRow] = {}
    out = []
    for row in rows:
        if row.code in seen:
            out.append((seen[row.code], row))
        seen[row.code] = row
    return out


def lookup(rows: list[CodeRow], text: str) -> CodeRow | None:
    """Find the row of a code as a person typed it (case and look-alikes forgiven)."""
    wanted = normalise_code(text)
    return next((r for r in rows if r.code == wanted), None)


TABLE_FIELDS = ["channel", "channel_name", "variant", "code", "url", "short_url"]


def write_table(rows: list[CodeRow], path, fmt: str) -> None:
    """Write the code table as CSV or JSON (atomically)."""
    import csv
    import io
    import json
    from pathlib import Path

    from .writer import write_atomic

    if fmt == "json":
        data = json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=2) + "\n"
    else:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=TABLE_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(r.to_dict() for r in rows)
        data = buf.getvalue()
    write_atomic(Path(path), data.encode("utf-8"))
