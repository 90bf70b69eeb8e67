"""Load and check a campaign: YAML → :class:`Campaign`, assets, fonts, glyphs, templates.

:func:`load_campaign` reports **every** problem it can find in one
:class:`~postergen.errors.SpecError`, each with file, line, dotted field path and what to
do.  A campaign that loads renders: nothing later in the pipeline re-checks user input.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from pydantic import BaseModel

from . import spec as specmod
from .errors import Problem, SpecError, display_path
from .fonts import BUNDLED, FontChain, chain_for, resolve_font
from .images import ImageProblem, check_image, resolve_inside
from .spec import Campaign
from .template import Template, find_template, search_path
from .yamlsrc import dotted, line_of, load_yaml, validate


@dataclass(frozen=True)
class Loaded:
    """A checked campaign, ready to plan and render."""

    spec: Campaign
    path: Path  # the spec file
    base: Path  # the campaign folder
    templates: dict[str, Template]
    heading: tuple[str, ...]  # font chain paths
    body: tuple[str, ...]
    warnings: tuple[Problem, ...] = ()
    raw: Any = field(default=None, repr=False, compare=False)

    def asset(self, rel: str) -> Path:
        return resolve_inside(self.base, rel)

    def chain(self, role: str) -> FontChain:
        return chain_for(self.heading if role == "heading" else self.body)


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
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        for arg in args:
            if arg is type(None):
                continue
            yield from _walk_value(arg, (), value, marker_type, loc)
        return
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if isinstance(value, str) and annotation is specmod.Benefit:
            # A benefit written as a plain string is its text.
            if marker_type is specmod._TextMarker:
                yield loc, value
            return
        yield from walk(annotation, value, marker_type, loc)


def load_campaign(path: str | Path, strict: bool = False) -> Loaded:
    """Load, validate and check the campaign at *path* (a YAML file or its folder)."""
    path = Path(path)
    if path.is_dir():
        path = path / "campaign.yaml"
    shown = str(path)
    data, problems = load_yaml(path, shown)
    if data is None:
        raise SpecError(problems)
    base = path.parent
    campaign, problems = validate(Campaign, data, shown)
    if not isinstance(data, dict):
        raise SpecError(problems)

    def at(loc, message, severity="error"):
        problems.append(Problem(message, file=shown, line=line_of(data, loc), path=dotted(loc), severity=severity))

    # Assets: checked on the raw data, so they are reported even when other fields fail.
    for loc, rel in walk(Campaign, data, specmod._AssetMarker):
        try:
            full = resolve_inside(base, rel)
            if loc[-2:-1] == ("fallback",):
                if not full.is_file():
                    raise ImageProblem(f"file not found: {rel}")
                continue
            check_image(full, rel)
        except ImageProblem as exc:
            at(loc, str(exc))

    # Fonts.
    heading = body = None
    fonts_raw = (data.get("theme") or {}).get("fonts") if isinstance(data.get("theme"), dict) else None
    if campaign is not None:
        fonts = campaign.theme.fonts
        chains = {}
        fallback = []
        for i, rel in enumerate(fonts.fallback):
            try:
                fallback.append(str(_font_path(base, rel)))
            except (ImageProblem, OSError, ValueError) as exc:
                at(("theme", "fonts", "fallback", i), str(exc))
        for role in ("heading", "body"):
            ref = getattr(fonts, role)
            try:
                main = _font_path(base, ref)
                chains[role] = (str(main), *fallback, *(str(p) for p in BUNDLED.values() if str(p) != str(main)))
            except (ImageProblem, OSError, ValueError, KeyError) as exc:
                at(("theme", "fonts", role), str(exc).strip("'\""))
        heading, body = chains.get("heading"), chains.get("body")
        del fonts_raw

    # Glyphs: every character drawn must be in some configured font.
    if heading and body:
        try:
            chain = chain_for(body)
            for loc, text in walk(Campaign, data, specmod._TextMarker):
                for ch in chain.missing(text):
                    at(
                        loc,
                        f"character '{ch}' (U+{ord(ch):04X}) is in no configured font; remove it "
                        "or add a font that has it to theme.fonts.fallback",
                    )
        except Exception as exc:  # a font file that fontTools cannot read
            at(("theme", "fonts"), f"cannot read font: {exc}")

    # Templates.
    templates: dict[str, Template] = {}
    if campaign is not None:
        paths = search_path(base, campaign.output.templates_dir)
        for i, name in enumerate(campaign.output.templates):
            found = find_template(name, paths)
            if found is None:
                from .template import builtin_names

                at(
                    ("output", "templates", i),
                    f"no template named '{name}'; built-in: {', '.join(builtin_names())} "
                    f"(or add {campaign.output.templates_dir}/{name}.yaml)",
                )
                continue
            tpl, tpl_problems = load_template(found, base)
            problems.extend(tpl_problems)
            if tpl is not None:
                templates[name] = tpl

    if campaign is not None and campaign.inviter is None and not campaign.brand.logo:
        at(("brand",), "no logo and no inviter: the trust header will show only the brand name", "warning")

    errors = [p for p in problems if p.severity == "error"]
    if errors or (strict and problems):
        raise SpecError(problems)
    return Loaded(
        spec=campaign,
        path=path,
        base=base,
        templates=templates,
        heading=heading,
        body=body,
        warnings=tuple(p for p in problems if p.severity == "warning"),
        raw=data,
    )


def _font_path(base: Path, ref: str) -> Path:
    if ref.startswith("bundled:"):
        return resolve_font(ref)
    full = resolve_inside(base, ref)
    if not full.is_file():
        raise ImageProblem(f"font file not found: {ref}")
    if full.suffix.lower() not in (".ttf", ".otf", ".ttc"):
        raise ImageProblem(f"'{ref}' is not a .ttf, .otf or .ttc font file")
    return full


def load_template(path: Path, base: Path | None = None) -> tuple[Template | None, list[Problem]]:
    """Load and validate one template file."""
    shown = display_path(path, base) if base is not None else str(path)
    data, problems = load_yaml(path, shown)
    if data is None:
        return None, problems
    return validate(Template, data, shown)
