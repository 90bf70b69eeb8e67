"""YAML with positions: load a file, validate it with a pydantic model, and turn every
validation error into a :class:`~postergen.errors.Problem` with its line and field path.

pydantic's errors are written for programmers (``Input should be a valid dictionary or
instance of Brand``, union member tags in the location, one error per union member).  This
module rewrites them for the person editing the YAML: one message per mistake, located at
the key they wrote, saying what was expected, what was found and, where we can guess, what
to write instead.
"""

from __future__ import annotations

import datetime
import difflib
import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import Problem

INIT_HINT = "run 'postergen init' for a starting point"


# --------------------------------------------------------------------------- YAML


#: Bounds on a YAML document, checked before anything reads it: an alias bomb
#: (``&a [*b, *b, …]``) expands to billions of values; hundreds of nesting levels
#: exhaust the parser's recursion.  A campaign spec has a few hundred values, ~10 levels.
MAX_NODES = 100_000
MAX_DEPTH = 40


def load_yaml(path: Path, shown: str, empty_hint: str = INIT_HINT, kind: str = "spec") -> tuple[Any, list[Problem]]:
    """Parse *path*; return (data, problems).  Data keeps line info (ruamel round-trip).

    The file must be a regular UTF-8 file within :data:`postergen.safeio.LIMITS` for
    *kind*; the document may not nest deeper than :data:`MAX_DEPTH` or expand (through
    aliases) to more than :data:`MAX_NODES` values.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    from .safeio import FileProblem, read_text

    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        text = read_text(path, shown, kind=kind)
    except FileProblem as exc:
        reason = {"file not found": f"file not found: {path}", "is a folder, not a file": "is a folder, not a YAML file"}
        return None, [Problem(reason.get(exc.reason, exc.reason), file=shown, line=exc.line)]
    deep = _flow_depth(text)
    if deep is not None:
        return None, [Problem(_too_deep(), file=shown, line=deep)]
    try:
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        return None, [Problem(_yaml_message(exc, text), file=shown, line=line)]
    except YAMLError as exc:
        return None, [Problem(f"YAML syntax error: {exc}", file=shown)]
    except RecursionError:
        return None, [Problem(_too_deep(), file=shown)]
    if data is None:
        return None, [Problem(f"the file is empty; {empty_hint}", file=shown)]
    problem = bound(data, shown)
    if problem is not None:
        return None, [problem]
    return data, []


def _too_deep() -> str:
    return (
        f"the YAML nests more than {MAX_DEPTH} levels deep; a campaign needs about 10 — "
        "check for a runaway indentation or unclosed brackets"
    )


def _flow_depth(text: str) -> int | None:
    """The line where ``[``/``{`` brackets nest beyond :data:`MAX_DEPTH` (None when they
    do not): a scan, before the parser (whose recursion a deep bracket nest exhausts
    slowly), that skips comments and quoted text and, outside brackets, counts a bracket
    only where a value starts (``key: [``, ``- [``), not inside plain text."""
    depth, line, quote, comment = 0, 1, "", False
    prev = last = "\n"  # previous character; last non-blank character of the line
    for ch in text:
        if ch == "\n":
            line += 1
            comment = False
            prev = last = "\n"
            continue
        if comment:
            pass
        elif quote:
            if ch == quote and not (quote == '"' and prev == "\\"):
                quote = ""
        elif ch == "#" and prev in " \t\n":
            comment = True
        elif ch in " \t":
            pass
        else:
            starts_value = depth > 0 or (last in "\n:-?" and prev in " \t\n")
            if ch in "'\"" and (starts_value or depth):
                quote = ch
            elif ch in "[{" and starts_value:
                depth += 1
                if depth > MAX_DEPTH:
                    return line
            elif ch in "]}" and depth:
                depth -= 1
            last = ch
        prev = ch
    return None


def bound(data: Any, shown: str) -> Problem | None:
    """A problem when *data* nests deeper than :data:`MAX_DEPTH` or expands, counting
    every alias as the copy it stands for, to more than :data:`MAX_NODES` values.

    Iterative and memoised per node, so a billion-value alias bomb is measured in
    microseconds without being expanded; a self-referencing alias is refused too.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_ids: set[int] = set()
    stack: list[tuple[Any, bool]] = [(data, False)]
    culprit = what = None
    while stack:
        node, done = stack.pop()
        key = id(node)
        if not isinstance(node, (dict, list)):
            continue
        if done:
            children = [c for c in (node.values() if isinstance(node, dict) else node) if isinstance(c, (dict, list))]
            size[key] = 1 + len(node) - len(children) + sum(size[id(c)] for c in children)
            depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
            open_ids.discard(key)
            if size[key] > MAX_NODES or depth[key] > MAX_DEPTH:
                culprit, what = node, "size" if size[key] > MAX_NODES else "depth"
                break
            continue
        if key in size:
            continue
        if key in open_ids:
            where = _path_to(data, node)
            return Problem(
                "a YAML alias refers to the mapping or list it is in (endless nesting); remove it",
                file=shown, line=line_of(data, where), path=dotted(where) or None,
            )
        open_ids.add(key)
        stack.append((node, True))
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, (dict, list)) and id(child) not in size:
                stack.append((child, False))
    if culprit is None:
        return None
    if what == "depth":
        where = _first_too_deep(data)
        return Problem(_too_deep(), file=shown, line=line_of(data, where))  # the line; the path is just long
    where = _path_to(data, culprit)
    line, path = line_of(data, where), dotted(where) or None
    return Problem(
        f"expands to more than {MAX_NODES:,} values through YAML aliases (*name repeats what &name marks); "
        "write the values out, or repeat less",
        file=shown, line=line, path=path,
    )


def _first_too_deep(data: Any) -> tuple:
    """The location of the first value nested deeper than :data:`MAX_DEPTH` (the key that
    opens level MAX_DEPTH + 1), by a depth-first walk that stops there."""
    stack: list[tuple[Any, tuple]] = [(data, ())]
    seen: set[int] = set()
    while stack:
        node, loc = stack.pop()
        if len(loc) > MAX_DEPTH:
            return loc
        if not isinstance(node, (dict, list)) or id(node) in seen:
            continue
        seen.add(id(node))
        items = node.items() if isinstance(node, dict) else enumerate(node)
        stack.extend((child, loc + (k,)) for k, child in reversed(list(items)) if isinstance(child, (dict, list)))
    return ()


def _path_to(data: Any, target: Any) -> tuple:
    """The location of the node *target* in *data* (each shared node visited once)."""
    seen: set[int] = set()
    stack: list[tuple[Any, tuple]] = [(data, ())]
    while stack:
        node, loc = stack.pop()
        if node is target:
            return loc
        if id(node) in seen or not isinstance(node, (dict, list)):
            continue
        seen.add(id(node))
        items = node.items() if isinstance(node, dict) else enumerate(node)
        stack.extend((child, loc + (k,)) for k, child in reversed(list(items)) if isinstance(child, (dict, list)))
    return ()


def _yaml_message(exc, text: str) -> str:
    what = (exc.problem or exc.context or "invalid YAML").strip()
    dup = re.match(r'found duplicate key "(.*?)"', what)
    if dup:
        key = dup[1]
        first = _first_occurrence(text, key, exc.context_mark, exc.problem_mark)
        also = f" (first at line {first})" if first else ""
        return f"duplicate key '{key}'{also}; each key may appear once in a mapping, remove one"
    if "'\\t'" in what:
        return "YAML syntax error: a tab character; indent with spaces only"
    if what == "mapping values are not allowed here":
        return (
            "YAML syntax error: unexpected ':'; check the indentation, and quote text that "
            "contains ': '"
        )
    return f"YAML syntax error: {what}"


def _first_occurrence(text: str, key: str, start_mark, dup_mark) -> int | None:
    """The line of the first *key* of the mapping a duplicate was found in."""
    if start_mark is None or dup_mark is None:
        return None
    lines = text.splitlines()
    col = dup_mark.column
    pattern = re.compile(rf"""^(["']?){re.escape(key)}\1\s*:""")
    for i in range(start_mark.line, dup_mark.line):
        if i < len(lines) and lines[i][:col].strip(" -") == "" and pattern.match(lines[i][col:]):
            return i + 1
    return None


# --------------------------------------------------------------------------- positions


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


def dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


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
