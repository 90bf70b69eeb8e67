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
    if not value.strip():
        return public, Problem(
            f"environment variable {name} is not set or empty; export it with the campaign secret "
            "(e.g. export {name}=$(openssl rand -hex 16)) or remove tracking.secret_env".replace("{name}", name),
            path="tracking.secret_env",
        )
    why = weak_secret(value, name, environ)
    if why:
        return public, Problem(
            f"environment variable {name} holds a weak secret ({why}): codes derived from it can be guessed "
            f"or forged; it needs at least {SECRET_BITS // 8} random bytes — export {name}=$(openssl rand -hex 16) "
            "or make one with python -c \"import secrets; print(secrets.token_hex(16))\"",
            path="tracking.secret_env",
        )
    return value.encode("utf-8"), None


# --------------------------------------------------------------------------- secret strength

SECRET_BITS = 128  # 16 random bytes: `openssl rand -hex 16`, `secrets.token_hex(16)`

#: Values people paste from docs and tutorials (compared lowercased, without punctuation).
WELL_KNOWN = frozenset(
    {
        "changeme", "changeit", "secret", "secrets", "password", "passw0rd", "default", "example", "test",
        "testing", "admin", "root", "postergen", "yoursecret", "mysecret", "supersecret", "topsecret",
        "secretkey", "yoursecretkey", "campaignsecret", "teasecret", "letmein", "qwerty", "abc123", "123456",
        "12345678", "1234567890", "xxxxxxxx", "todo", "fixme", "none", "null", "undefined",
        "correcthorsebatterystaple", "thequickbrownfoxjumpsoverthelazydog",
    }
)
#: Environment variables whose values are public (never a secret): a secret equal to one
#: of them was set by mistake (``export SECRET=$PATH``).
PUBLIC_ENV = (
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "PWD", "OLDPWD", "HOSTNAME", "LANG", "LC_ALL", "TERM", "TMPDIR",
    "PYTHONPATH", "VIRTUAL_ENV", "EDITOR", "DISPLAY", "MAIL",
)
_PUBLIC_PREFIXES = ("GITHUB_", "RUNNER_", "CI_", "XDG_", "LC_")


def _alphabet(value: str) -> int:
    """Size of the smallest usual alphabet *value* is drawn from (hex, digits, base64…)."""
    if all(c in "0123456789abcdef" for c in value) or all(c in "0123456789ABCDEF" for c in value):
        return 10 if value.isdigit() else 16
    base64 = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_")
    if set(value) <= base64 and any(c.islower() for c in value) and any(c.isupper() for c in value):
        return 64  # base64 / token_urlsafe: a short token need not show every symbol
    size = 0
    size += 10 if any(c.isdigit() for c in value) else 0
    size += 26 if any("a" <= c <= "z" for c in value) else 0
    size += 26 if any("A" <= c <= "Z" for c in value) else 0
    size += 33 if any(not c.isalnum() and c.isascii() for c in value) else 0
    size += 1000 if any(not c.isascii() for c in value) else 0
    return max(size, 2)


def _periodic(value: str) -> bool:
    """*value* is one short piece repeated ('abcabcabc…')."""
    n = len(value)
    return any((value[:p] * (n // p + 1))[:n] == value for p in range(1, n // 2 + 1))


def _longest_run(value: str) -> int:
    """The longest stretch of equal or consecutive characters ('aaaa', 'abcd', '9876')."""
    best = run = 1
    for a, b in zip(value, value[1:]):
        run = run + 1 if abs(ord(b) - ord(a)) <= 1 else 1
        best = max(best, run)
    return best


def weak_secret(value: str, name: str = "", environ=None) -> str | None:
    """Why *value* is too weak to derive tracking codes from, or None.

    Refused: a well-known value, the value of a public environment variable (``PATH``),
    one character or one short piece repeated, mostly a keyboard run, few distinct
    characters, or fewer than :data:`SECRET_BITS` bits when each character is counted
    at the size of its alphabet (32 hex digits = 128 bits).
    """
    import math

    environ = {} if environ is None else environ
    folded = "".join(c for c in value.lower() if c.isalnum())
    if folded in WELL_KNOWN or value.strip().lower() in WELL_KNOWN:
        return "a well-known value"
    for other, text in environ.items():
        if other != name and text == value and (other in PUBLIC_ENV or other.startswith(_PUBLIC_PREFIXES)):
            return f"the same value as ${other}"
    if len(set(value)) == 1:
        return "one character repeated"
    if _periodic(value):
        return "a short piece repeated"
    if _longest_run(value) * 2 >= len(value):
        return "mostly a run of consecutive characters"
    if len(set(value)) < 8:
        return f"only {len(set(value))} different characters"
    bits = len(value) * math.log2(_alphabet(value))
    if bits < SECRET_BITS:
        return f"{len(value)} characters, about {int(bits)} bits"
    return None


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
    """Write the code table as CSV (spreadsheet-safe cells) or JSON, atomically."""
    import json
    from pathlib import Path

    from .csvsafe import csv_text
    from .writer import write_atomic

    if fmt == "json":
        data = json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=2) + "\n"
    else:
        data = csv_text(TABLE_FIELDS, (r.to_dict() for r in rows))
    write_atomic(Path(path), data.encode("utf-8"))
