"""Generate the spec reference (docs/spec-reference.md) from the pydantic models.

Run ``python -m postergen.reference > docs/spec-reference.md``; a test fails when the
committed file differs from what this prints, so the reference can never go stale.
"""

from __future__ import annotations

import json
import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from . import spec


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is tuple:
        return "(" + ", ".join(_type_name(a) for a in args) + ")"
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        names = [_type_name(a) for a in args if a is not type(None)]
        text = " or ".join(names)
        return text + (" (optional)" if type(None) in args else "")
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    if getattr(annotation, "__name__", "") == "AwareDatetime":
        return "date-time with time zone"
    return getattr(annotation, "__name__", str(annotation))


def _default(field) -> str:
    if field.is_required():
        return "**required**"
    if field.default_factory is not None:
        value = field.default_factory()
        if isinstance(value, BaseModel):
            return "see section"
        return f"`{json.dumps(value, ensure_ascii=False)}`"
    if field.default is None:
        return "none"
    if field.default is PydanticUndefined:
        return ""
    return f"`{json.dumps(field.default, ensure_ascii=False, default=str)}`"


def _models(root: type[BaseModel]) -> list[type[BaseModel]]:
    seen: list[type[BaseModel]] = []

    def visit(model):
        if model in seen:
            return
        seen.append(model)
        for field in model.model_fields.values():
            for sub in _submodels(field.annotation):
                visit(sub)

    visit(root)
    return seen


def _submodels(annotation) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    out = []
    for arg in typing.get_args(annotation):
        out.extend(_submodels(arg))
    return out


SPEC_INTRO = [
    "# Spec reference",
    "",
    "Every field of `campaign.yaml`, generated from the models in `postergen/spec.py`",
    "by `python -m postergen.reference spec` (a test keeps this file in step with the code).",
    "Paths are relative to the spec's folder and must stay inside it. Run",
    "`postergen schema` for the same information as JSON Schema.",
    "",
]
TEMPLATE_INTRO = [
    "# Template reference",
    "",
    "Every field of a poster template file (`templates/NAME.yaml`), generated from the",
    "models in `postergen/template.py` by `python -m postergen.reference template`.",
    "See [templates.md](templates.md) for how templates work.",
    "",
]


def _roots():
    from . import template

    return {"spec": (spec.Campaign, SPEC_INTRO), "template": (template.Template, TEMPLATE_INTRO)}


def render(which: str = "spec") -> str:
    root, intro = _roots()[which]
    lines = list(intro)
    for model in _models(root):
        lines.append(f"## {model.__name__}")
        lines.append("")
        doc = (model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else ""
        if doc:
            lines += [doc, ""]
        lines.append("| field | type | default | description |")
        lines.append("|---|---|---|---|")
        for name, field in model.model_fields.items():
            desc = (field.description or "").replace("|", "\\|").replace("\n", " ")
            lines.append(f"| `{name}` | {_type_name(field.annotation)} | {_default(field)} | {desc} |")
        lines.append("")
    return "\n".join(lines)


def fields(root: type[BaseModel] = spec.Campaign) -> list[tuple[str, str]]:
    """(model name, field name) for every field reachable from *root*."""
    return [(m.__name__, n) for m in _models(root) for n in m.model_fields]


def render_cli() -> str:
    """The CLI reference: every command's --help, as the terminal shows it."""
    import typer.main

    from .cli import app

    group = typer.main.get_command(app)
    lines = [
        "# Command reference",
        "",
        "Generated from `--help` by `python -m postergen.reference cli`.",
        "",
    ]
    # Typer may vendor Click, so contexts come from the command's own context class.
    with group.context_class(group, info_name="postergen", terminal_width=88) as ctx:
        lines += ["```text", group.get_help(ctx), "```", ""]
        for name in group.list_commands(ctx):
            cmd = group.get_command(ctx, name)
            with cmd.context_class(cmd, parent=ctx, info_name=name, terminal_width=88) as sub:
                lines += [f"## postergen {name}", "", "```text", cmd.get_help(sub), "```", ""]
                for sub_name in getattr(cmd, "list_commands", lambda _: [])(sub):  # command groups
                    sub_cmd = cmd.get_command(sub, sub_name)
                    with sub_cmd.context_class(sub_cmd, parent=sub, info_name=sub_name, terminal_width=88) as leaf:
                        lines += [f"### postergen {name} {sub_name}", "", "```text", sub_cmd.get_help(leaf), "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    which = sys.argv[1] if len(sys.argv) > 1 else "spec"
    print(render_cli() if which == "cli" else render(which))
