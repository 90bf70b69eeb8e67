"""Personal codes without rendering: list them for a people file, or find whose a code is.

A personal code is derived (HMAC), not stored, so looking one up means deriving the codes
of the people file's rows until one matches — streamed, so a file of any size works.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ..tracking import normalise_code
from .person import personal_code, personal_url


@dataclass(frozen=True)
class PersonalCode:
    row: int
    id: str
    code: str
    url: str


def personal_codes(loaded, people: Path, *, channel: str | None = None, variant: str | None = None,
                   mapping: dict[str, str] | None = None, encoding: str | None = None, sheet: str | None = None,
                   environ=None) -> Iterator[PersonalCode]:
    """The personal code and QR URL of every valid row of *people*, in file order."""
    from .people import RowError, open_people
    from .run import BatchOptions, resolve_target

    target, secret, _ = resolve_target(loaded, BatchOptions(channel=channel, variant=variant), environ)
    spec = loaded.variant(target.variant).spec if target.variant else loaded.spec
    with open_people(people, encoding=encoding, sheet=sheet, mapping=mapping) as reader:
        for entry in reader:
            if isinstance(entry, RowError):
                continue
            code = personal_code(secret, spec.campaign.id, target.channel, target.variant or "base", entry.id, spec.tracking.code_length)
            url = personal_url(target.channel_url, code) if target.channel_url else spec.landing_url
            yield PersonalCode(entry.row, entry.id, code, url)


def lookup_personal(loaded, people: Path, text: str, **kwargs) -> PersonalCode | None:
    """The row whose personal code is *text* (as a person typed it), or None."""
    wanted = normalise_code(text)
    return next((p for p in personal_codes(loaded, people, **kwargs) if p.code == wanted), None)
