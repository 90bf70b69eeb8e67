"""Template bindings and colours, checked when a poster template loads.

A template names campaign data in three places: ``{poster.headline}`` in a text layer,
``when: "inviter & !brand.logo"`` on any layer, and ``bind: brand.logo`` on an image
layer.  A typo (``{poster.tiers}``) used to drop the layer without a word, and an image
bound to a text field crashed the render.  :func:`template_problems` checks every name
against the campaign models (with did-you-mean), every image binding against the fields
that hold image files, every colour reference (``$primary@0.2``), radius and frame size,
so a template that loads lays out.

Binding roots are what :class:`postergen.layout.Context` exposes: ``campaign``,
``brand``, ``inviter``, ``poster``, ``background`` (the theme background), ``mechanics``
(the rules as text: threshold, ladder, deadline), ``person`` (a personal poster's row:
``id``, ``nickname``, ``code`` and any column of the people file) and ``url``.
"""

from __future__ import annotations

import difflib
import math
import re
import typing
from typing import Any

from pydantic import BaseModel

from . import spec as specmod
from .colors import THEME_KEYS
from .errors import Problem
from .specerrors import _members, _strip
from .yamlsrc import line_of

ROOTS: dict[str, Any] = {
    "campaign": specmod.CampaignInfo,
    "brand": specmod.Brand,
    "inviter": specmod.Inviter,
    "poster": specmod.Poster,
    "background": specmod.Background,
    "mechanics": dict,  # computed text (postergen.mechanics.bindings): names checked below
    "person": dict,  # a people file's columns: any name
    "url": str,
}
MECHANICS = ("threshold", "tiers", "ladder", "top_invites", "top_reward", "inviter_reward", "invitee_reward",
             "stock", "participants", "deadline", "deadline_date", "ends", "deadline_iso")
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
_BRACES = re.compile(r"\{([^{}]*)\}")


def _model_of(annotation):
    """The model (or scalar type) inside Optional / list / Annotated wrappers."""
    annotation = _strip(annotation)
    members = _members(annotation)
    if members:
        annotation = _strip(next((m for m in members if isinstance(_strip(m), type) and issubclass(_strip(m), BaseModel)), members[0]))
    return annotation


def resolve(path: str) -> tuple[Any, list, str | None]:
    """(annotation, metadata, problem) of the binding *path* ('poster.benefits.2.text')."""
    parts = path.split(".")
    if parts[0] not in ROOTS:
        guess = difflib.get_close_matches(parts[0], list(ROOTS), n=1, cutoff=0.6)
        hint = f" — did you mean '{guess[0]}'?" if guess else ""
        return None, [], f"unknown binding '{path}'{hint}; bindings start with {', '.join(list(ROOTS)[:-1])} or url"
    if parts[0] == "person":
        return str, [], None
    if parts[0] == "mechanics":
        if len(parts) > 1 and parts[1] not in MECHANICS:
            return None, [], _unknown(parts[1], list(MECHANICS), "mechanics.")
        return (list if len(parts) > 1 and parts[1] in ("tiers", "ladder") else str), [], None
    current: Any = ROOTS[parts[0]]
    metadata: list = []
    walked = [parts[0]]
    for part in parts[1:]:
        current = _model_of(current)
        if typing.get_origin(current) is list:
            if not part.isdigit():
                return None, [], f"'{'.'.join(walked)}' is a list: use an item number ('{'.'.join(walked)}.0'), not '{part}'"
            current = typing.get_args(current)[0]
            metadata = []
        elif isinstance(current, type) and issubclass(current, BaseModel):
            if part not in current.model_fields:
                return None, [], _unknown(part, list(current.model_fields), ".".join(walked) + ".")
            info = current.model_fields[part]
            current, metadata = info.annotation, list(info.metadata)
        else:
            return None, [], f"'{'.'.join(walked)}' is a single value; it has no '{part}'"
        walked.append(part)
    return current, metadata, None


def _unknown(name: str, known: list[str], prefix: str) -> str:
    guess = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f" — did you mean '{prefix}{guess[0]}'?" if guess else f"; {prefix.rstrip('.') or 'the roots'} has: {', '.join(known)}"
    return f"unknown binding '{prefix}{name}'{hint}"


def is_asset(annotation, metadata) -> bool:
    """Whether a field holds an image file path (an ``AssetPath``)."""
    if any(isinstance(m, specmod._AssetMarker) for m in metadata):
        return True
    for candidate in (annotation, *(typing.get_args(annotation) or ())):
        if any(isinstance(m, specmod._AssetMarker) for m in getattr(candidate, "__metadata__", ())):
            return True
    return False


def asset_bindings() -> list[str]:
    """Every binding that names an image file, e.g. 'brand.logo', 'inviter.avatar'."""
    out = []
    for root, model in ROOTS.items():
        if isinstance(model, type) and issubclass(model, BaseModel):
            for name, info in model.model_fields.items():
                if is_asset(info.annotation, list(info.metadata)):
                    out.append(f"{root}.{name}")
    return out


def colour_problem(ref: str, allow_background: bool = False) -> str | None:
    """Why *ref* ('$primary', '#E8432E', '$primary@0.2') is not a colour, or None."""
    if allow_background and ref == "background":
        return None
    base, _, alpha = ref.partition("@")
    if _:
        try:
            value = float(alpha)
        except ValueError:
            value = math.nan
        if not (0 <= value <= 1):
            return f"'{ref}': the opacity after '@' must be a number from 0 to 1, e.g. '{base}@0.2'"
    if base.startswith("$"):
        if base[1:] not in THEME_KEYS:
            guess = difflib.get_close_matches(base[1:], THEME_KEYS, n=1, cutoff=0.5)
            hint = f" — did you mean '${guess[0]}'?" if guess else ""
            return f"unknown theme colour '{base}'{hint}; use one of {', '.join('$' + k for k in THEME_KEYS)}"
        return None
    if not _HEX.match(base):
        extra = " or 'background'" if allow_background else ""
        return f"'{ref}' is not a colour; use '#RRGGBB', a theme colour such as '$primary' (with '@0.2' for 20%){extra}"
    return None


def radius_problem(value) -> str | None:
    if isinstance(value, str):
        head, _, factor = value.partition("*")
        try:
            if head == "$radius":
                if _ and not (0 <= float(factor) < 100):
                    raise ValueError
                return None
            number = float(value)
        except ValueError:
            return f"'{value}' is not a radius; use a number of px or '$radius' (optionally '$radius*0.5')"
        value = number
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
        return f"'{value}' is not a radius; use a number of px from 0"
    return None


def template_problems(tpl, data, shown: str) -> list[Problem]:
    """Every binding, image binding, colour and radius problem of the loaded template."""
    from .template import ImageLayer, ListLayer, PriceLayer, QRLayer, ShapeLayer, TextLayer

    problems: list[Problem] = []

    def at(loc: tuple, message: str) -> None:
        path = ".".join(str(k) if not isinstance(k, int) else f"[{k}]" for k in loc).replace(".[", "[")
        problems.append(Problem(message, file=shown, line=line_of(data, loc), path=path))

    assets = asset_bindings()
    for fname, frame in tpl.frames.items():
        for i, layer in enumerate(frame.layers):
            loc = ("frames", fname, "layers", i)
            if layer.when:
                for term in layer.when.split("&"):
                    name = term.strip().lstrip("!").strip()
                    why = resolve(name)[2] if name else "an empty term; write e.g. 'inviter & !brand.logo'"
                    if why:
                        at(loc + ("when",), why)
            colours: list[tuple[str, str | None, bool]] = []
            if isinstance(layer, TextLayer):
                for m in _BRACES.finditer(layer.text):
                    why = resolve(m.group(1).strip())[2]
                    if why:
                        at(loc + ("text",), why)
                if layer.text.count("{") != layer.text.count("}"):
                    at(loc + ("text",), "unbalanced braces; a binding is written {poster.headline}")
                colours += [("color", layer.color, False), ("pill", layer.pill, False)]
            elif isinstance(layer, ImageLayer):
                annotation, metadata, why = resolve(layer.bind)
                if why:
                    at(loc + ("bind",), why)
                elif not is_asset(annotation, metadata):
                    at(loc + ("bind",), f"'{layer.bind}' is not an image; bind one of: {', '.join(assets)}")
                colours.append(("ring", layer.ring, False))
            elif isinstance(layer, ShapeLayer):
                colours += [("fill", layer.fill, True), ("stroke", layer.stroke, False)]
                for j, c in enumerate(layer.gradient or []):
                    colours.append((f"gradient.{j}", c, False))
            elif isinstance(layer, ListLayer):
                colours += [("color", layer.color, False), ("bullet_color", layer.bullet_color, False), ("author_color", layer.author_color, False)]
            elif isinstance(layer, PriceLayer):
                colours += [("color", layer.color, False), ("muted", layer.muted, False)]
            for key, ref, allow_bg in colours:
                if ref is not None:
                    why = colour_problem(ref, allow_bg)
                    if why:
                        keys = tuple(int(k) if k.isdigit() else k for k in key.split("."))
                        at(loc + keys, why)
            if isinstance(layer, (ShapeLayer, ImageLayer, QRLayer)):
                why = radius_problem(layer.radius)
                if why:
                    at(loc + ("radius",), why)
    return problems
