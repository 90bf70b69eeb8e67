"""One participant's poster data: cleaned nickname, checked avatar, personal code and URL.

This is what `postergen batch` does per row before rendering, and what `postergen serve`
does for a poster on demand: both call :meth:`PersonalPoster.prepare` and then the one
poster renderer (:mod:`postergen.render`).

A participant's personal referral code is ``HMAC(secret, campaign · channel · variant ·
person id)`` — the channel code with the person id added — two characters longer than
the channel codes, since a campaign has far more people than channels.  It travels in
the QR URL as ``ref``, so the landing page's hidden ``ref`` field receives it and every
lead is attributed to the person who invited it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import PostergenError
from ..tracking import derive_code

PERSONAL_EXTRA_CHARS = 2


class RowProblem(PostergenError):
    """A row that cannot be rendered: which column, why, and what to do."""

    def __init__(self, column: str, message: str):
        self.column = column
        super().__init__(message)


@dataclass(frozen=True)
class Target:
    """What a batch renders for each person: one channel and variant, and the posters."""

    variant: str
    channel: str
    channel_url: str  # what the channel's QR code carries (short link or full URL)
    posters: tuple[tuple[str, int, int, str], ...]  # (template, width, height, format)


@dataclass
class Prepared:
    person_id: str
    code: str
    url: str
    extra: dict
    avatar: Path | None
    warnings: list[str] = field(default_factory=list)


def personal_code(secret: bytes, campaign: str, channel: str, variant: str, person_id: str, length: int) -> str:
    """The personal referral code of *person_id* (see the module docstring)."""
    return derive_code(secret, campaign, channel, variant, inviter=person_id, length=length + PERSONAL_EXTRA_CHARS)


def personal_url(channel_url: str, ref: str) -> str:
    """The channel's QR URL with the person's ``ref`` added: the site's rule
    (:func:`postergen.site.urls.personal_qr_url`, see docs/deploy.md)."""
    from types import SimpleNamespace

    from ..site.urls import personal_qr_url

    return personal_qr_url(SimpleNamespace(qr_url=channel_url), ref)


class PersonalPoster:
    """Prepares binding data (``inviter``, ``person``) for one campaign target."""

    def __init__(self, loaded, target: Target, secret: bytes, avatars, placeholder_dir: Path, *,
                 unknown_glyphs: str = "strip", avatar_required: bool = False, fallback: str | None = None):
        self.loaded = loaded.variant(target.variant, target.channel)  # the channel's own spec
        self.target = target
        self.secret = secret
        self.avatars = avatars
        self.placeholder_dir = placeholder_dir
        self.unknown_glyphs = unknown_glyphs
        self.avatar_required = avatar_required
        spec = self.loaded.spec
        from ..textclean import campaign_fallback, campaign_language

        self.zh = campaign_language(spec).startswith("zh")
        self.fallback = fallback or campaign_fallback(spec)
        self.line = spec.inviter.line if spec.inviter else None
        self.chain = self.loaded.chain("heading")

    def prepare(self, person_id: str, nickname: str, avatar: str, fields: dict) -> Prepared:
        """Everything one person's posters bind to; raises :class:`RowProblem`."""
        from ..textclean import prepare_nickname

        spec = self.loaded.spec
        warnings: list[str] = []
        try:
            name, notes = prepare_nickname(nickname, self.chain, self.unknown_glyphs, self.fallback)
        except PostergenError as exc:
            raise RowProblem("nickname", str(exc)) from None
        warnings.extend(notes)
        path = None
        if avatar:
            try:
                path = self.avatars.resolve(avatar)
            except PostergenError as exc:
                if self.avatar_required:
                    raise RowProblem("avatar", str(exc)) from None
                warnings.append(f"avatar: {exc}; a placeholder was drawn")
        elif self.avatar_required:
            raise RowProblem("avatar", "no avatar; give an image path or URL in the avatar column, or run without --avatar required")
        if path is None:
            from .placeholder import placeholder_avatar

            path = placeholder_avatar(name, spec.theme, self.placeholder_dir)
        code = personal_code(self.secret, spec.campaign.id, self.target.channel, self.target.variant or "base",
                             person_id, spec.tracking.code_length)
        url = personal_url(self.target.channel_url, code) if self.target.channel_url else spec.landing_url
        inviter = {"nickname": name, "avatar": path}
        if self.line is not None:
            inviter["line"] = self.line
        else:
            from ..spec import Inviter

            inviter["line"] = Inviter.model_fields["line"].default if self.zh else "invites you to join"
        person = {**fields, "id": person_id, "nickname": name, "code": code}
        return Prepared(person_id, code, url, {"inviter": inviter, "person": person}, path, warnings)


def file_digest(path: Path | None) -> str:
    if path is None:
        return ""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
