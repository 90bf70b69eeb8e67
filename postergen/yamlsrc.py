"""YAML with positions: load a file, validate it with a pydantic model, and turn every
validation error into a :class:`~postergen.errors.Problem` with its line and field path.
"""

from __future__ import annotations

import difflib
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import Problem


def load_yaml(path: Path, shown: str) -> tuple[Any, list[Problem]]:
    """Parse *path*; return (data, problems).  Data keeps line info (ruamel round-trip)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [Problem(f"file not found: {path}", file=shown)]
    except UnicodeDecodeError as exc:
        return None, [Problem(f"not UTF-8 text (byte {exc.start}); save the file as UTF-8", file=shown)]
    except OSError as exc:
        return None, [Problem(f"cannot read: {exc.strerror}", file=shown)]
    try:
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = (exc.problem or exc.context or "invalid YAML").strip()
        if "duplicate key" in what or "found duplicate key" in str(exc):
            what = "duplicate key; each key may appear once in a mapping"
        return None, [Problem(f"YAML syntax error: {what}", file=shown, line=line)]
    except YAMLError as exc:
        return None, [Problem(f"YAML syntax error: {exc}", file=shown)]
    if data is None:
        return None, [Problem("the file is empty; run 'postergen init' for a starting point", file=shown)]
    return data, []


def line_of(data: Any, loc: tuple) -> int | None:
    """The 1-based line of the node at *loc* (the deepest existing ancestor otherwise)."""
    line = None
    node = data
    for key in loc:
        lc = getattr(node, "lc", None)
        try:
            if isinstance(node, dict) and key in node:
                if lc is not None:
                    line = lc.key(key)[0] + 1
                node = node[key]
            elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
                if lc is not None:
                    line = lc.item(key)[0] + 1
                node = node[key]
            else:
                break
        except (KeyError, IndexError, TypeError, AttributeError):
            break
    if line is None and getattr(data, "lc", None) is not None:
        line = data.lc.line + 1
    return line


def dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _unwrap(annotation):
    """The pydantic model class inside an annotation (Optional, list, Annotated, Union)."""
    origin = typing.get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if origin is None:
        return None
    for arg in typing.get_args(annotation):
        found = _unwrap(arg)
        if found is not None:
            return found
    return None


def model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The model class that holds the field at *loc* (loc without the last key)."""
    current: type[BaseModel] | None = model
    for key in loc:
        if current is None:
            return None
        if isinstance(key, int):
            continue
        field = current.model_fields.get(key)
        if field is None:
            # Discriminated unions name the chosen member in loc (e.g. 'text').
            return current
        current = _unwrap(field.annotation)
    return current


def _message(err: dict, model: type[BaseModel]) -> str:
    kind = err["type"]
    loc = err["loc"]
    if kind == "extra_forbidden":
        holder = model_at(model, loc[:-1])
        names = list(holder.model_fields) if holder else []
        guess = difflib.get_close_matches(str(loc[-1]), names, n=1, cutoff=0.6)
        if guess:
            return f"unknown field — did you mean '{guess[0]}'?"
        if names:
            return f"unknown field; allowed here: {', '.join(names)}"
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"{_show(err.get('input'))} is not allowed; use one of {expected}"
    if kind == "string_pattern_mismatch":
        return f"{_show(err.get('input'))} does not match the pattern {err['ctx']['pattern']}"
    if kind in ("too_short", "too_long"):
        ctx = err.get("ctx", {})
        return (
            f"has {ctx.get('actual_length')} items; "
            + (f"at least {ctx.get('min_length')}" if kind == "too_short" else f"at most {ctx.get('max_length')}")
            + " are allowed"
        )
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if kind in ("string_type", "int_type", "float_type", "int_parsing", "float_parsing", "list_type", "model_type", "dict_type", "bool_type", "bool_parsing"):
        msg = f"{msg[0].lower()}{msg[1:]} (got {_show(err.get('input'))})"
    return msg


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _clean_loc(loc: tuple, model: type[BaseModel]) -> tuple:
    """Drop pydantic's union-member tags (e.g. 'Background', 'str') from a location."""
    out = []
    current: Any = model
    for key in loc:
        if isinstance(key, int):
            out.append(key)
            continue
        if current is not None and isinstance(current, type) and issubclass(current, BaseModel):
            if key in current.model_fields:
                out.append(key)
                current = _unwrap(current.model_fields[key].annotation)
                continue
            if key in ("str", "function-after[_check()]") or "[" in key or key[:1].isupper():
                continue
        out.append(key)
    return tuple(out)


def validate(model: type[BaseModel], data: Any, shown: str, prefix: tuple = ()) -> tuple[Any, list[Problem]]:
    """Validate *data*; return (instance or None, problems with file:line and path)."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        problems = []
        seen = set()
        for err in exc.errors(include_url=False):
            loc = _clean_loc(tuple(err["loc"]), model)
            key = (loc, err["type"])
            if key in seen:
                continue
            seen.add(key)
            problems.append(
                Problem(
                    _message({**err, "loc": loc}, model),
                    file=shown,
                    line=line_of(data, loc),
                    path=dotted(prefix + loc) or "(top level)",
                )
            )
        return None, _prefer_specific(problems)


def _prefer_specific(problems: list[Problem]) -> list[Problem]:
    """For union fields pydantic reports each alternative; keep the most useful one."""
    by_path: dict[str, list[Problem]] = {}
    for p in problems:
        by_path.setdefault(p.path or "", []).append(p)
    out = []
    for p in problems:
        group = by_path[p.path or ""]
        if len(group) > 1 and p.message.startswith("input should be a valid string"):
            continue
        out.append(p)
    return out
