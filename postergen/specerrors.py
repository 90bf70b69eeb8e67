"""Validation with located, plain-language messages: pydantic errors → problems.

pydantic's errors are written for programmers (``Input should be a valid dictionary or
instance of Brand``, union member tags in the location, one error per union member).  This
module rewrites them for the person editing the YAML: one message per mistake, located at
the key they wrote, saying what was expected, what was found and, where we can guess, what
to write instead.  :func:`validate` is the entry point; it reads positions from the data
:func:`postergen.yamlsrc.load_yaml` returned.
"""

from __future__ import annotations

import datetime
import difflib
import re
import types
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import Problem
from .yamlsrc import dotted, line_of


# --------------------------------------------------------------------------- validation


def validate(model: type[BaseModel], data: Any, shown: str, prefix: tuple = ()) -> tuple[Any, list[Problem]]:
    """Validate *data*; return (instance or None, problems with file:line and path).

    One problem per mistake: for a union field (a colour string *or* a mapping), only the
    member the user evidently meant is reported; an unknown key that looks like a misspelt
    required field is reported once, as a did-you-mean, not also as "missing".
    """
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    located = [(err, _locate(model, tuple(err["loc"]))) for err in errors]
    located = _one_union_member(located)
    located = _drop_misspelt_missing(located)

    problems: list[Problem] = []
    seen: set = set()
    for err, where in located:
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            # Point at the discriminating key itself (a layer's 'type').
            key = str((err.get("ctx") or {}).get("discriminator", "type")).strip("'\"")
            where = _Located(where.loc + (key,), (), None, where.annotation, None)
        elif err["type"] == "missing" and where.loc and isinstance(where.loc[-1], int):
            # A fixed-length list (a box, a size range) with too few values: report the list.
            where = _locate(model, tuple(err["loc"])[:-1])
        loc = _written(data, where.loc)
        if loc != where.loc:
            where = _Located(loc, where.unions, where.holder, where.annotation, where.field)
        raw = value_at(data, loc)
        message = _message(err, where, raw)
        key = (loc, message)
        if key in seen:
            continue
        seen.add(key)
        line = line_of(data, loc)
        if line is None and not loc:
            line = 1
        problems.append(Problem(message, file=shown, line=line, path=dotted(prefix + loc) or "(top level)"))
    return None, problems


def _one_union_member(located: list) -> list:
    """Keep, for each union, the errors of the member the input was meant for."""
    by_union: dict[tuple, dict[str, list]] = {}
    for i, (err, where) in enumerate(located):
        for union_loc, tag, _ in where.unions:
            by_union.setdefault(union_loc, {}).setdefault(tag, []).append(i)
    drop: set[int] = set()
    merged: dict[tuple, int] = {}
    for union_loc, tags in by_union.items():
        deep = {
            tag
            for tag, idx in tags.items()
            if any(
                len(located[i][1].loc) > len(union_loc) or located[i][0]["type"] not in _TYPE_ERRORS for i in idx
            )
        }
        if deep:
            keep = deep
            for tag, idx in tags.items():
                if tag not in keep:
                    drop.update(idx)
        else:  # every member rejected the value's kind: one "expected A or B" message
            idx = sorted(i for ids in tags.values() for i in ids)
            drop.update(idx[1:])
            merged[union_loc] = idx[0]
    out = []
    for i, (err, where) in enumerate(located):
        if i in drop:
            continue
        for union_loc, _, union_annotation in where.unions:
            if merged.get(union_loc) == i:
                # Reported as one plain type mismatch against the whole union.
                err = {**err, "type": "model_type"}
                where = _Located(union_loc, (), where.holder, union_annotation, None)
                break
        out.append((err, where))
    return out


def _drop_misspelt_missing(located: list) -> list:
    """Drop "x is missing" when a sibling unknown key is reported as "did you mean 'x'"."""
    guessed = set()
    for err, where in located:
        if err["type"] == "extra_forbidden" and where.holder is not None:
            guess = _guess(where.loc[-1], list(where.holder.model_fields))
            if guess:
                guessed.add(where.loc[:-1] + (guess,))
    return [(e, w) for e, w in located if not (e["type"] == "missing" and w.loc in guessed)]


# --------------------------------------------------------------------------- raw values


_MISSING = object()


def value_at(data: Any, loc: tuple) -> Any:
    """The raw value at *loc*, or a sentinel when the path does not exist."""
    node = data
    for key in loc:
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
        else:
            return _MISSING
    return node


def _written(data: Any, loc: tuple) -> tuple:
    """*loc* cut where the raw YAML stops nesting (a colour string validated as a mapping)."""
    node = data
    for i, key in enumerate(loc):
        if not isinstance(node, (dict, list)):
            return loc[:i]
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
        else:
            return loc  # a missing key: point at it by name
    return loc


# --------------------------------------------------------------------------- annotations

_UNION_TYPES = (typing.Union, types.UnionType)


def _strip(annotation):
    """*annotation* without ``Annotated`` and ``Optional`` wrappers."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        if origin in _UNION_TYPES:
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) == 1:
                annotation = args[0]
                continue
        return annotation


def _is_model(annotation) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _members(annotation) -> list | None:
    """The members of a real union (not Optional), else None."""
    if typing.get_origin(annotation) in _UNION_TYPES:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) > 1:
            return args
    return None


def _member_for_tag(members: list, tag: str):
    """The union member pydantic names *tag* (class name, type name or discriminator value)."""
    for member in members:
        m = _strip(member)
        if _is_model(m):
            if m.__name__ == tag:
                return member
            for field in m.model_fields.values():
                if typing.get_origin(field.annotation) is typing.Literal and tag in typing.get_args(field.annotation):
                    return member
        elif isinstance(m, type) and m.__name__ == tag:
            return member
        elif typing.get_origin(m) is not None and tag.split("[")[0] == getattr(typing.get_origin(m), "__name__", ""):
            return member
    return None


@dataclass
class _Located:
    loc: tuple  # without union tags
    unions: tuple  # ((loc of the union, member tag, union annotation), ...)
    holder: type[BaseModel] | None  # model that holds the last key of loc
    annotation: Any  # annotation of the value at loc (stripped), None when unknown
    field: Any  # FieldInfo of the last key, when it is a model field


def _locate(model: type[BaseModel], raw_loc: tuple) -> _Located:
    """Follow pydantic's error location through *model*'s annotations, dropping union tags."""
    loc: list = []
    unions: list = []
    annotation: Any = model
    holder = None
    field = None
    for key in raw_loc:
        annotation = _strip(annotation) if annotation is not None else None
        members = _members(annotation) if annotation is not None else None
        if members is not None and isinstance(key, str):
            unions.append((tuple(loc), key, annotation))
            annotation = _member_for_tag(members, key)
            continue
        loc.append(key)
        field = None
        holder = None
        if _is_model(annotation):
            holder = annotation
            field = annotation.model_fields.get(key) if isinstance(key, str) else None
            annotation = field.annotation if field is not None else None
            continue
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        if origin in (list, set, frozenset) and args:
            annotation = args[0]
        elif origin is tuple and args:
            if len(args) == 2 and args[1] is Ellipsis:
                annotation = args[0]
            else:
                annotation = args[key] if isinstance(key, int) and 0 <= key < len(args) else None
        elif origin is dict and len(args) == 2:
            annotation = args[1]
        else:
            annotation = None
    return _Located(tuple(loc), tuple(unions), holder, _strip(annotation) if annotation is not None else None, field)


# --------------------------------------------------------------------------- messages


def _show(value: Any) -> str:
    """A raw YAML value as the user wrote it, for 'got …' in messages."""
    if value is _MISSING:
        return "nothing"
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {value!r}" if type(value) in (int, float) else f"the number {value}"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return f"the date {value.isoformat()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        text = repr(str(value))
        return text if len(text) <= 40 else text[:37] + "...'"
    return repr(value)


def _source(value: Any) -> str:
    """A scalar as it was probably written in the YAML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)


def _quoted(value: Any) -> str:
    text = repr(str(value)) if isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "...'"


def _expected(annotation) -> str:
    """What a value of *annotation* looks like, in words."""
    a = _strip(annotation)
    members = _members(a)
    if members is not None:
        words = list(dict.fromkeys(_expected(m) for m in members))
        return " or ".join(words)
    if _is_model(a):
        names = list(a.model_fields)
        if len(names) > 6:  # the required ones (or the first few), so the message stays short
            names = [n for n, f in a.model_fields.items() if f.is_required()] or names[:4]
            names.append("…")
        return f"a mapping ({', '.join(names)})"
    if a is str:
        return "text"
    if a is bool:
        return "true or false"
    if a is int:
        return "a whole number"
    if a is float:
        return "a number"
    origin = typing.get_origin(a)
    if origin is typing.Literal:
        return "one of " + _or(typing.get_args(a))
    if origin is list:
        return "a list"
    if origin is tuple:
        args = typing.get_args(a)
        if len(args) == 2 and args[1] is Ellipsis:
            return "a list"
        return f"a list of {len(args)} values"
    if origin is dict:
        return "a mapping"
    return "a different kind of value"


def _or(values) -> str:
    shown = [repr(v) for v in values]
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " or " + shown[-1]


_TYPE_ERRORS = {
    "string_type",
    "int_type",
    "int_parsing",
    "int_from_float",
    "float_type",
    "float_parsing",
    "bool_type",
    "bool_parsing",
    "list_type",
    "tuple_type",
    "dict_type",
    "model_type",
    "model_attributes_type",
    "literal_error",
    "none_required",
}


def _message(err: dict, where: _Located, raw: Any) -> str:
    kind = err["type"]
    loc = where.loc
    ctx = err.get("ctx") or {}
    got = raw if raw is not _MISSING else err.get("input")
    if kind == "extra_forbidden":
        names = list(where.holder.model_fields) if where.holder else []
        guess = _guess(loc[-1], names)
        if guess:
            return f"unknown field — did you mean '{guess}'?"
        hint = ""
        if " " in str(loc[-1]) or not str(loc[-1]).isascii():
            # '{text: Roasted, shipped in 48 hours}': the comma split the text in two.
            hint = "; if this is part of a text, put the whole text in quotes (a comma inside {…} starts a new field)"
        if names:
            return f"unknown field; allowed here: {', '.join(names)}{hint}"
        return f"unknown field{hint}"
    if kind == "missing":
        if typing.get_origin(where.annotation) is tuple:  # a fixed-length list with too few values
            return f"expected {_expected_tuple(where)}, got {len(got) if isinstance(got, list) else 0}"
        desc = (where.field.description or "").rstrip(".") if where.field is not None else ""
        return f"required field is missing — {desc}" if desc else "required field is missing"
    if kind == "literal_error":
        expected = typing.get_args(where.annotation) if typing.get_origin(where.annotation) is typing.Literal else ()
        choices = _or(expected) if expected else ctx.get("expected", "")
        one = choices if len(expected) == 1 else f"one of {choices}"
        if got is None or isinstance(got, (bool, dict, list)):
            return f"expected {one}, got {_show(got)}"
        guess = _guess(got, [str(e) for e in expected]) if isinstance(got, str) else None
        hint = f" — did you mean '{guess}'?" if guess else ""
        return f"{_quoted(got)} is not allowed; use {one}{hint}"
    if kind == "union_tag_invalid":
        tags = re.findall(r"'([^']*)'", ctx.get("expected_tags", ""))
        guess = _guess(ctx.get("tag"), tags)
        hint = f" — did you mean '{guess}'?" if guess else ""
        return f"'{ctx.get('tag')}' is not allowed; use one of {_or(tags)}{hint}"
    if kind == "union_tag_not_found":
        tags = _discriminator_values(where.annotation, str(loc[-1]))
        return "required field is missing; use one of " + _or(tags) if tags else "required field is missing"
    if kind == "string_pattern_mismatch":
        pattern = ctx.get("pattern", "")
        if pattern.startswith("^https?://"):
            if isinstance(got, str) and re.match(r"^[\w-]+(\.[\w-]+)+(/\S*)?$", got.strip()):
                return f"{_quoted(got)} is not a full URL; start it with https://, e.g. 'https://{got.strip()}'"
            return f"{_quoted(got)} is not an http(s) URL, e.g. 'https://h5.example.com/invite'"
        desc = (where.field.description or "").rstrip(".") if where.field is not None else ""
        return f"{_quoted(got)} is not valid here — {desc}" if desc else f"{_quoted(got)} does not match {pattern}"
    if kind in ("too_short", "too_long"):
        n = ctx.get("actual_length")
        if typing.get_origin(where.annotation) is tuple:
            return f"expected {_expected_tuple(where)}, got {n}"
        items = "item" if n == 1 else "items"
        if kind == "too_short":
            least = ctx.get("min_length")
            return f"has {n} {items}; at least {least} {'is' if least == 1 else 'are'} required"
        most = ctx.get("max_length")
        return f"has {n} {items}; at most {most} {'is' if most == 1 else 'are'} allowed"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        words = {
            "greater_than_equal": ("at least", "ge"),
            "greater_than": ("more than", "gt"),
            "less_than_equal": ("at most", "le"),
            "less_than": ("less than", "lt"),
        }[kind]
        return f"must be {words[0]} {ctx.get(words[1])} (got {got!r})"
    if kind == "string_type" and got is not None and not isinstance(got, (str, dict, list)):
        # A number, true/false or a date that YAML read as such: quoting makes it text.
        return f"expected text, got {_show(got)}; put it in quotes: \"{_source(got)}\""
    if kind == "string_type" and got is None:
        return "expected text, got an empty value; write the text after the ':'"
    if kind == "list_type":
        return f"expected a list, got {_show(got)}; write each item on its own line, starting with '- '"
    if kind in _TYPE_ERRORS:
        return f"expected {_expected(where.annotation) if where.annotation is not None else _pydantic(err)}, got {_show(got)}"
    return _pydantic(err)


def _pydantic(err: dict) -> str:
    msg = err["msg"]
    if msg.startswith("Value error, "):
        return msg[len("Value error, ") :]
    return msg[0].lower() + msg[1:]


def _expected_tuple(where: _Located) -> str:
    ann = where.annotation
    if ann is None:  # the location is an index past the end of the tuple
        return "more values"
    args = typing.get_args(ann)
    desc = (where.field.description or "").rstrip(".") if where.field is not None else ""
    return f"{len(args)} values" + (f" ({desc})" if desc else "")


def _discriminator_values(annotation, key: str) -> list[str]:
    members = _members(_strip(annotation)) if annotation is not None else None
    out = []
    for m in members or ():
        m = _strip(m)
        if _is_model(m) and key in m.model_fields:
            out.extend(typing.get_args(m.model_fields[key].annotation))
    return out


def _guess(word: Any, names: list[str]) -> str | None:
    if not isinstance(word, str):
        return None
    found = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    if not found:
        lowered = {n.lower(): n for n in names}
        found = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
        found = [lowered[f] for f in found]
    return found[0] if found else None
