"""YAML with positions: read a file into data that knows the line of every value.

:func:`load_yaml` reads a spec or template safely (a regular UTF-8 file within size
limits, no alias bombs, no runaway nesting) and turns YAML syntax errors into a
:class:`~postergen.errors.Problem` with its line; :func:`line_of` and :func:`dotted` locate
any value for a message.  Validating the data against the models, and the wording of
those messages, is :mod:`postergen.specerrors`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

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


def dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
