"""Jinja2 for templates postergen does not trust: sandboxed, autoescaped, kept in their folder.

Campaign folders arrive in pull requests from strangers, so a landing template is
untrusted code.  Every Jinja environment postergen makes comes from :func:`environment`:

* **Sandboxed** — :class:`jinja2.sandbox.ImmutableSandboxedEnvironment`: no attribute
  whose name starts with ``_`` (``__class__``, ``__globals__``…), no ``str.format``
  field tricks, no method that changes data (``list.append``, ``dict.update``).
* **Audited before it runs** — each template is checked as it is compiled (so an
  ``{% include %}`` is too): private attributes (``x.__init__``, ``x['_y']``), the
  ``attr`` filter with a private or computed name, ``.format``/``.format_map`` calls,
  ``mro`` and frame/code attributes are refused with the template's file:line and
  ``unsafe template: …``, before a single line of it renders.
* **Confined** — :class:`FolderLoader` reads a template only when its real path (after
  symlinks) is inside its search entry's root (the campaign folder), it is a regular
  file, at most :data:`MAX_TEMPLATE_BYTES`, and UTF-8; ``..`` is not a template name.
* **Bounded** — ``range`` is capped per call and per render, and ``*`` / ``**`` refuse
  results that would eat the machine (``'x' * 10**9``, ``9 ** 9 ** 9``).
* **Data, not objects** — callers pass plain dicts and lists (pydantic dumps); a dict's
  keys win over its methods, so ``page.items`` is the field, never ``dict.items``.

Errors become :class:`TemplateError` (file, line, message) through :func:`describe`,
which never echoes more of a template than a short, escaped excerpt of one line.
"""

from __future__ import annotations

import contextvars
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Callable, Iterable

from jinja2 import BaseLoader, StrictUndefined, nodes
from jinja2.exceptions import (
    SecurityError,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
)
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .errors import PostergenError
from .images import inside

MAX_TEMPLATE_BYTES = 512 * 1024  # a landing template is a few KB; the built-in page is 6 KB
MAX_RANGE = 10_000  # per range() call
RANGE_BUDGET = 100_000  # items all range() calls of one render may produce together
MAX_SEQUENCE = 1_000_000  # characters or items a '*' may produce
MAX_POWER_BITS = 4096  # size of the result a '**' may produce
EXCERPT = 60  # characters of a template line an error message may show

#: Attribute names refused everywhere (besides every name starting with '_'): the
#: sandbox blocks them too, but refusing them at load time means nothing runs at all.
UNSAFE_NAMES = frozenset(
    {
        "format", "format_map", "mro",
        "func_globals", "func_code", "func_closure", "func_defaults",
        "gi_frame", "gi_code", "gi_yieldfrom", "cr_frame", "cr_code", "cr_await",
        "ag_frame", "ag_code", "ag_await",
        "f_globals", "f_locals", "f_builtins", "f_back", "f_code",
        "tb_frame", "tb_next", "co_code", "im_func", "im_self", "im_class",
    }
)
_ATTR_FILTERS = {"map", "sort", "groupby", "unique", "min", "max", "sum", "selectattr", "rejectattr", "dictsort"}

#: The range() budget of the render under way ([items left]); None outside :func:`render`.
_budget: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("postergen_range_budget", default=None)


class TemplateError(PostergenError):
    """A template could not be loaded or rendered: *message*, located at *file*:*line*."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None):
        self.message = message
        self.file = file
        self.line = line
        where = file if line is None else f"{file}:{line}"
        super().__init__(f"{where}: {message}" if file else message)


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """*text* (one line of a template) shortened and escaped so it prints as one safe line."""
    text = text.strip()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def _private(name: str) -> bool:
    return name.startswith("_") or name in UNSAFE_NAMES


def _why(name: str) -> str:
    if name in ("format", "format_map"):
        return f"'{name}' is not available in templates; use the format filter: '%s'|format(value)"
    return f"'{name}' is a Python internal; templates may only read data fields"


def _dotted_private(value) -> bool:
    """An ``attribute=`` argument ('a.b.c') that reaches a private name."""
    return isinstance(value, str) and any(_private(part) for part in value.split("."))


def audit(tree, name: str | None, filename: str | None) -> None:
    """Refuse a parsed template that reaches for Python internals (raises at its line)."""

    found: list[tuple[int, str]] = []

    def refuse(node, why: str) -> None:
        found.append((node.lineno, f"unsafe template: {why}"))

    for node in tree.find_all(nodes.Node):
        if isinstance(node, (nodes.Getattr, nodes.NSRef)) and _private(node.attr):
            refuse(node, _why(node.attr))
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            if _private(node.arg.value):
                refuse(node, _why(node.arg.value))
        elif isinstance(node, nodes.Filter) and node.name == "attr":
            arg = node.args[0] if node.args else None
            if not (isinstance(arg, nodes.Const) and isinstance(arg.value, str)):
                refuse(node, "the 'attr' filter takes a plain attribute name, not an expression; write value.name")
            elif _private(arg.value):
                refuse(node, _why(arg.value))
        if isinstance(node, nodes.Filter) and node.name in _ATTR_FILTERS:
            named = [kw.value for kw in node.kwargs if kw.key == "attribute"]
            if node.name in ("selectattr", "rejectattr") and node.args:
                named.append(node.args[0])
            for arg in named:
                if not isinstance(arg, nodes.Const):
                    refuse(node, f"the '{node.name}' filter takes a plain attribute name, not an expression")
                elif _dotted_private(arg.value):
                    refuse(node, _why(next(p for p in arg.value.split(".") if _private(p))))
    if found:
        # The first line; on it, the innermost node (found last): 'x.__init__' of 'x.__init__.__globals__'.
        first = min(line for line, _ in found)
        message = [m for line, m in found if line == first][-1]
        raise UnsafeTemplate(message, first, name, filename)


class UnsafeTemplate(TemplateSyntaxError):
    """A template refused by :func:`audit` (a syntax error, so Jinja locates it)."""


def _bounded_range(*args):
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise SecurityError(f"range() of {len(rng)} items is too long (at most {MAX_RANGE})")
    budget = _budget.get()
    if budget is None:
        return rng
    budget[0] -= len(rng)
    if budget[0] < 0:
        raise SecurityError(f"the template's loops are too long (more than {RANGE_BUDGET} items from range())")
    return rng


class SafeEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, audited at parse time, bounded, with dict keys before dict methods."""

    intercepted_binops = frozenset({"*", "**"})

    def _parse(self, source, name, filename):
        tree = super()._parse(source, name, filename)
        audit(tree, name, filename)
        return tree

    def getattr(self, obj, attribute):
        if isinstance(obj, Mapping) and isinstance(attribute, str):
            try:
                return obj[attribute]
            except (KeyError, TypeError):
                pass
        return super().getattr(obj, attribute)

    def call_binop(self, context, operator, left, right):
        if operator == "**":
            if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
                if abs(left).bit_length() * right > MAX_POWER_BITS:
                    raise SecurityError(f"a power with {right} as exponent is too large to compute")
        elif operator == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(count, int):
                    if len(seq) * count > MAX_SEQUENCE:
                        raise SecurityError(
                            f"'*' would make {len(seq) * count:,} {'characters' if isinstance(seq, str) else 'items'}; "
                            f"at most {MAX_SEQUENCE:,}"
                        )
        return super().call_binop(context, operator, left, right)


def environment(
    search: Iterable[tuple[Path, Path]],
    *,
    autoescape: bool | Callable[[str | None], bool] = True,
    filters: Mapping[str, Callable] | None = None,
    **options: Any,
):
    """A sandboxed environment over *search*: ``(folder, root)`` pairs, first match wins.

    A template found in *folder* must resolve (symlinks followed) inside *root*.
    ``StrictUndefined`` always; *options* go to Jinja (``trim_blocks``…).
    """
    env = SafeEnvironment(
        loader=FolderLoader(search),
        autoescape=autoescape,
        undefined=StrictUndefined,
        **options,
    )
    env.globals["range"] = _bounded_range
    env.filters.update(filters or {})
    return env


def render(template, *args, **kwargs) -> str:
    """``template.render(...)`` with a fresh range budget; errors come out as they are."""
    token = _budget.set([RANGE_BUDGET])
    try:
        return template.render(*args, **kwargs)
    finally:
        _budget.reset(token)


# --------------------------------------------------------------------------- loading


class FolderLoader(BaseLoader):
    """Finds templates on a search path of ``(folder, root)`` pairs and reads them safely.

    Refuses, with a :class:`TemplateError` naming the file: a template whose real path
    leaves *root* (a symlink out of the campaign folder), one that is not a regular file
    (a FIFO, a device, a folder), one over :data:`MAX_TEMPLATE_BYTES`, and one that is
    not UTF-8.  Template names with ``..`` or absolute paths are not found.
    """

    has_source_access = True

    def __init__(self, search: Iterable[tuple[Path, Path]]):
        self.search = [(Path(folder), Path(root)) for folder, root in search]
        self.served: set[str] = set()

    def get_source(self, environment, template: str):
        pieces = split_template_path(template)
        for index, (folder, root) in enumerate(self.search):
            path = folder.joinpath(*pieces)
            if not os.path.lexists(path):
                continue
            source = read_template(path, root)
            filename = str(path)
            self.served.add(filename)
            try:
                mtime = path.stat().st_mtime_ns
            except OSError:
                mtime = None
            before = [f.joinpath(*pieces) for f, _ in self.search[:index]]  # a file there now replaces it

            def uptodate(p=path, m=mtime, before=before) -> bool:
                return _same_mtime(p, m) and not any(os.path.lexists(b) for b in before)

            return source, filename, uptodate
        raise TemplateNotFound(template)

    def list_templates(self) -> list[str]:
        return sorted({name for folder, _ in self.search for name in _names(folder)})

    def own_templates(self, index: int = 0) -> list[str]:
        """Template names in search entry *index* (the campaign's own folder)."""
        return sorted(_names(self.search[index][0])) if index < len(self.search) else []


def _same_mtime(path: Path, mtime) -> bool:
    try:
        return path.stat().st_mtime_ns == mtime
    except OSError:
        return False


def _names(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for f in filenames:
            if not f.startswith("."):
                out.append(Path(dirpath, f).relative_to(folder).as_posix())
    return out


def read_template(path: Path, root: Path, limit: int = MAX_TEMPLATE_BYTES) -> str:
    """The text of template *path*, checked to be a regular UTF-8 file inside *root*."""
    shown = str(path)
    if not inside(path, root):
        raise TemplateError(
            "is a link to a file outside the campaign folder; templates and the files they "
            "include must be inside it — copy the file in instead of linking it",
            shown,
        )
    try:
        st = os.stat(path)
    except OSError as exc:
        raise TemplateError(f"cannot be read ({exc.strerror})", shown) from None
    if not stat.S_ISREG(st.st_mode):
        raise TemplateError("is not a regular file (a folder, pipe or device); a template must be a file", shown)
    if st.st_size > limit:
        raise TemplateError(f"is {st.st_size:,} bytes; a template may be at most {limit:,} bytes", shown)
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise TemplateError(f"cannot be read ({exc.strerror})", shown) from None
    if len(data) > limit:
        raise TemplateError(f"is over {limit:,} bytes; a template may be at most {limit:,} bytes", shown)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TemplateError("is not UTF-8 text; save it as UTF-8", shown, line) from None


# --------------------------------------------------------------------------- errors


def _template_frame(exc: BaseException, filenames: set[str]) -> tuple[str | None, int | None]:
    """The innermost template file and line in *exc*'s traceback (Jinja rewrites it so
    template frames carry the template's file name and line)."""
    found = (None, None)
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name in filenames:
            found = (name, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _line(source: str | None, lineno: int | None) -> str:
    if not source or not lineno:
        return ""
    lines = source.splitlines()
    if 0 < lineno <= len(lines) and lines[lineno - 1].strip():
        return f' (line: "{excerpt(lines[lineno - 1])}")'
    return ""


def describe(exc: BaseException, env=None) -> TemplateError:
    """Any error from loading or rendering a template, as a located :class:`TemplateError`.

    The message never quotes more of a template than a short escaped excerpt of the
    offending line, and never the contents of a file that was refused.
    """
    if isinstance(exc, TemplateError):
        if exc.file is None and env is not None:
            file, line = _template_frame(exc, getattr(env.loader, "served", set()))
            if file:
                return TemplateError(exc.message, file, line)
        return exc
    if isinstance(exc, UnsafeTemplate):
        return TemplateError(exc.message, exc.filename or exc.name, exc.lineno)
    if isinstance(exc, TemplateSyntaxError):
        text = excerpt(str(exc.message or ""), 160)
        return TemplateError(f"template syntax error: {text}{_line(exc.source, exc.lineno)}", exc.filename or exc.name, exc.lineno)
    if isinstance(exc, TemplateNotFound):
        names = getattr(exc, "templates", None) or [exc.name]
        return TemplateError(f"template {', '.join(repr(n) for n in names)} not found")
    served = getattr(getattr(env, "loader", None), "served", set()) if env is not None else set()
    file, line = _template_frame(exc, served)
    if isinstance(exc, SecurityError):
        return TemplateError(f"unsafe template: {excerpt(str(exc), 200)}", file, line)
    if isinstance(exc, UndefinedError):
        return TemplateError(f"{excerpt(str(exc), 200)} (check the name against the template context)", file, line)
    if isinstance(exc, RecursionError):
        return TemplateError("a template includes or extends itself (endless recursion)", file, line)
    return TemplateError(f"template error: {type(exc).__name__}: {excerpt(str(exc), 200)}", file, line)


# --------------------------------------------------------------------------- data


def plain(value):
    """*value* as template data: dicts, lists, tuples and scalars only.

    pydantic models become their JSON dump; dataclasses become dicts of their fields and
    properties (``page.has_proof``, ``row.qr_url``).  Templates never get the objects
    themselves, so no method of the loaded campaign is within a template's reach.
    """
    import dataclasses

    from markupsafe import Markup
    from pydantic import BaseModel

    if value is None or isinstance(value, (bool, int, float, str, Markup)):
        return value
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        for name in dir(type(value)):
            if not name.startswith("_") and isinstance(getattr(type(value), name, None), property):
                out[name] = plain(getattr(value, name))
        return out
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, (list, set, frozenset)):
        return [plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not template data")
