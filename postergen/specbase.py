"""The spec's building blocks: field markers, checked string types, the base model, and
the small models both the poster and the landing page use (:class:`Benefit`, :class:`Price`).

Fields that name files are typed :data:`AssetPath`, fields drawn on a poster
:data:`DisplayText`, URLs :data:`UrlText`; the loader finds each kind by walking the models
for these markers.  Everything here is re-exported by :mod:`postergen.spec`.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Annotated, Any, Iterator

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


class _AssetMarker:
    """Marks a string field as a path to a local file, relative to the spec."""


class _TextMarker:
    """Marks a string field as text drawn on a poster (checked for glyph coverage)."""


class _UrlMarker:
    """Marks a string field as a URL (checked for personal data)."""


def _no_controls(value: str) -> str:
    # A NUL or an escape in a URL ends up raw in QR codes, redirect pages and manifests.
    bad = next((ch for ch in value if ord(ch) < 32 or 127 <= ord(ch) < 160), None)
    if bad is not None:
        raise ValueError(f"contains a control character (U+{ord(bad):04X}); a URL may not — percent-encode it or remove it")
    return value


AssetPath = Annotated[str, _AssetMarker()]
DisplayText = Annotated[str, _TextMarker()]
UrlText = Annotated[str, AfterValidator(_no_controls), _UrlMarker()]

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
SIZE_RE = re.compile(r"^(\d{2,5})x(\d{2,5})$")


def _check_colour(value: str) -> str:
    if not _HEX.match(value):
        raise ValueError(f"'{value}' is not a colour; write it as #RRGGBB, e.g. '#E8432E'")
    return value


def _check_size(size: str) -> str:
    # Checked per item, so a problem points at the very size that is wrong.
    m = SIZE_RE.match(size)
    if not m:
        raise ValueError(f"'{size}' is not a size; write WIDTHxHEIGHT, e.g. '1080x1920'")
    w, h = int(m[1]), int(m[2])
    if not (200 <= w <= 4000 and 200 <= h <= 6000):
        raise ValueError(f"'{size}' is out of range: width 200-4000 px, height 200-6000 px")
    return size


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Benefit(Model):
    """One short benefit point of the body."""

    text: DisplayText = Field(description="The benefit, ideally under 16 characters.")
    icon: AssetPath | None = Field(default=None, description="Optional square icon image.")


def benefit_strings(value):
    """A list of benefits as the models take it: an item written as a plain string is
    the mapping ``{text: …}``."""
    if isinstance(value, list):
        return [{"text": v} if isinstance(v, str) else v for v in value]
    return value


class Price(Model):
    """A price anchor: original price struck through against the price now."""

    now: DisplayText = Field(description="Price now, e.g. '0' or '9.9' (drawn large).")
    original: DisplayText | None = Field(default=None, description="Original price, struck through.")
    currency: DisplayText = Field(default="¥", description="Currency sign drawn before prices.")
    label: DisplayText | None = Field(default=None, description="Label before the price, e.g. '限时价'.")


# --------------------------------------------------------------------------- marked fields


def _marker(annotation, marker_type) -> bool:
    for meta in getattr(annotation, "__metadata__", ()):
        if isinstance(meta, marker_type):
            return True
    return False


def walk(model: type[BaseModel], data: Any, marker_type, loc: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """Yield (loc, value) for every value in raw *data* whose field carries *marker_type*."""
    if not isinstance(data, dict):
        return
    for name, info in model.model_fields.items():
        if name not in data:
            continue
        yield from _walk_value(info.annotation, info.metadata, data[name], marker_type, loc + (name,))


def _walk_value(annotation, metadata, value, marker_type, loc):
    if any(isinstance(m, marker_type) for m in metadata) or _marker(annotation, marker_type):
        if isinstance(value, str):
            yield loc, value
        return
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is list and args and isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk_value(args[0], (), item, marker_type, loc + (i,))
        return
    if origin in (typing.Union, types.UnionType):
        for arg in args:
            if arg is type(None):
                continue
            yield from _walk_value(arg, (), value, marker_type, loc)
        return
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if isinstance(value, str) and annotation is Benefit:
            # A benefit written as a plain string is its text.
            if marker_type is _TextMarker:
                yield loc, value
            return
        yield from walk(annotation, value, marker_type, loc)
