"""A/B variants: named overrides of the base campaign, or a matrix of factors.

A variant is a name, a weight and a set of overrides (dotted field path → value).  A
matrix expands to one variant per combination of factor levels, named by its levels
("short-cash-red"), minus the excluded combinations, up to the cap.  Each variant is
the base spec with its overrides applied, validated and checked like the base, so a
variant that names an unknown field, a missing image or a character no font has is
reported like any other mistake: :func:`with_variants`, the loader's last stage.
"""

from __future__ import annotations

import copy
import difflib
import itertools
import typing
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import BaseModel

from .specerrors import _is_model, _members, _strip

BASE = "base"


@dataclass(frozen=True)
class VariantDef:
    """One variant before loading: what it overrides and where the spec says so."""

    name: str
    weight: float
    overrides: dict[str, Any]
    factors: dict[str, str] = field(default_factory=dict)
    loc: tuple = ()  # where in the spec it was declared (for error lines)


#: A matrix without ``cap`` may make at most this many variants (each is validated and
#: rendered in every size and channel); ``cap`` raises it up to the schema's 1000.
DEFAULT_CAP = 50
#: Combinations scanned at most (exclusions can skip many): beyond, drop levels.
MAX_COMBINATIONS = 1_000_000


def combinations(matrix) -> int:
    """How many level combinations *matrix* has before exclusions."""
    n = 1
    for f in matrix.factors:
        n *= max(1, len(f.levels))
    return n


def expand(spec) -> list[VariantDef]:
    """The variants a spec declares (explicit ones first, then the matrix), in order.

    A matrix yields at most ``cap`` variants (:data:`DEFAULT_CAP` without one) and scans
    at most :data:`MAX_COMBINATIONS` combinations; :func:`matrix_problems` says when a
    matrix is larger than that.
    """
    out = [VariantDef(v.name, v.weight, dict(v.set), {}, ("variants", i)) for i, v in enumerate(spec.variants)]
    if spec.matrix is not None:
        m = spec.matrix
        count = 0
        cap = m.cap or DEFAULT_CAP
        combos = itertools.islice(itertools.product(*(list(f.levels.items()) for f in m.factors)), MAX_COMBINATIONS)
        for levels in combos:
            chosen = {f.name: name for f, (name, _) in zip(m.factors, levels)}
            if any(all(chosen.get(k) == v for k, v in ex.items()) for ex in m.exclude):
                continue
            overrides: dict[str, Any] = {}
            for f, (_, value) in zip(m.factors, levels):
                if f.field:
                    overrides[f.field] = value
                elif isinstance(value, dict):
                    overrides.update(value)
            out.append(VariantDef("-".join(chosen.values()), 1.0, overrides, chosen, ("matrix",)))
            count += 1
            if count >= cap:
                break
    return out


def matrix_problems(spec) -> list[tuple[tuple, str]]:
    """(loc, message) for exclusions naming unknown factors or levels, and level values
    that are not mappings where a factor has no `field`."""
    out: list[tuple[tuple, str]] = []
    if spec.matrix is None:
        return out
    total = combinations(spec.matrix)
    counts = " × ".join(str(len(f.levels)) for f in spec.matrix.factors)
    some = "up to " if spec.matrix.exclude else ""
    if total > MAX_COMBINATIONS:
        out.append(
            (("matrix", "factors"), f"makes {total:,} combinations ({counts} levels); at most {MAX_COMBINATIONS:,} "
             "can be considered — drop factors or levels")
        )
    elif spec.matrix.cap is None and total > DEFAULT_CAP:
        out.append(
            (("matrix",), f"makes {some}{total:,} variants ({counts} levels), more than the {DEFAULT_CAP} a matrix "
             "may make without a cap; set matrix.cap to how many to keep (at most 1000, in expansion order), "
             "exclude combinations, or drop levels")
        )
    factors = {f.name: f for f in spec.matrix.factors}
    for i, ex in enumerate(spec.matrix.exclude):
        for key, level in ex.items():
            if key not in factors:
                out.append((("matrix", "exclude", i, key), f"no factor named '{key}'; factors: {', '.join(factors)}"))
            elif level not in factors[key].levels:
                out.append(
                    (("matrix", "exclude", i, key), f"factor '{key}' has no level '{level}'; levels: {', '.join(factors[key].levels)}")
                )
    for i, f in enumerate(spec.matrix.factors):
        if f.field is None:
            for name, value in f.levels.items():
                if not isinstance(value, dict):
                    out.append(
                        (("matrix", "factors", i, "levels", name),
                         "without `field`, each level must be a mapping of dotted fields to values; "
                         "or set `field` to the one field this factor changes")
                    )
    return out


def shares(variants: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """``[(name, weight)]`` normalised to shares that add up to 1 (rounded to 1e-9), so
    the split page's arithmetic never sees an extreme number."""
    total = sum(w for _, w in variants) or 1.0
    return [(name, round(w / total, 9)) for name, w in variants]


def duplicate_names(defs: list[VariantDef]) -> list[str]:
    seen, dup = set(), []
    for d in defs:
        if d.name in seen and d.name not in dup:
            dup.append(d.name)
        seen.add(d.name)
    return dup


# --------------------------------------------------------------------------- loading


def with_variants(loaded, data, shown: str, check):
    """*loaded* with every variant it declares loaded too: ``loaded.variants``, each the
    base *data* with the variant's overrides applied and checked by *check* (the loader's
    one-spec check: raw data → (Loaded | None, problems)).  A variant's problems are
    reported at the entry that declares it, each once.

    Returns (loaded, problems)."""
    from .errors import Problem, relocate
    from .spec import Campaign
    from .yamlsrc import dotted, line_of

    problems: list[Problem] = []
    spec = loaded.spec
    for loc, message in matrix_problems(spec):
        problems.append(Problem(message, file=shown, line=line_of(data, loc), path=dotted(loc)))
    defs = expand(spec)
    for name in duplicate_names(defs):
        problems.append(Problem(f"two variants are named '{name}'; variant names must be unique", file=shown,
                                line=line_of(data, ("variants",)), path="variants"))
    base_messages: set = set()
    out = []
    for d in defs:
        bad = False
        for key in d.overrides:
            why = path_problem(Campaign, key)
            if why:
                loc = d.loc + ("set", key) if d.loc[0] == "variants" else d.loc
                problems.append(Problem(why, file=shown, line=line_of(data, loc), path=dotted(loc)))
                bad = True
        if bad:
            continue
        try:
            vdata = apply(data, d.overrides)
        except OverrideError as exc:
            loc = d.loc + ("set", exc.key) if d.loc[0] == "variants" else d.loc
            problems.append(Problem(str(exc), file=shown, line=line_of(data, loc), path=dotted(loc)))
            continue
        vloaded, vproblems = check(vdata, loaded.path, shown)
        problems.extend(relocate(vproblems, base_messages, shown, line_of(data, d.loc), f"variant '{d.name}'"))
        if vloaded is not None:
            out.append((d, vloaded))
    return replace(loaded, variants=tuple(out)), problems


# --------------------------------------------------------------------------- overrides

NOT_OVERRIDABLE = ("variants", "matrix", "version", "campaign", "channels", "tracking", "site")


def path_problem(model: type[BaseModel], dotted: str, what: str = "variants") -> str | None:
    """Why *dotted* does not name a field of *model* that may differ between *what*
    ('variants' or 'channels'); None when it does."""
    parts = dotted.split(".")
    if parts[0] in NOT_OVERRIDABLE:
        return f"'{parts[0]}' cannot differ between {what}"
    if what == "channels" and parts[0] == "landing_url":
        return "'landing_url' cannot differ between channels: each channel's QR code carries its own code to it"
    if parts[0] == "landing_url":
        # It was taken and then ignored: every variant's page is on the one site, at
        # landing/<variant>/<channel>/ under landing_url.
        return ("'landing_url' cannot differ between variants: every variant's page is on the campaign's site, "
                "at landing/<variant>/<channel>/ under landing_url; vary the page with landing.* instead")
    current: Any = model
    walked = []
    for part in parts:
        if isinstance(current, type) and issubclass(current, BaseModel):
            if part not in current.model_fields:
                names = list(current.model_fields)
                guess = difflib.get_close_matches(part, names, n=1, cutoff=0.6)
                where = ".".join(walked) or "the spec"
                hint = f" — did you mean '{'.'.join([*walked, guess[0]])}'?" if guess else f"; {where} has: {', '.join(names)}"
                return f"unknown field '{dotted}'{hint}"
            current = current.model_fields[part].annotation
        elif part.isdigit() and _list_item(current) is not None:
            current = _list_item(current)
        else:
            return f"'{'.'.join(walked)}' has no field '{part}'"
        current = _unwrap(current)
        walked.append(part)
    return None


def _unwrap(annotation):
    """Optional[X] / Annotated[X, …] → X; in a real union, its first model (or member)."""
    annotation = _strip(annotation)
    members = _members(annotation)
    if members:
        annotation = _strip(next((m for m in members if _is_model(_strip(m))), members[0]))
    return annotation


def _list_item(annotation):
    if typing.get_origin(annotation) is list:
        return typing.get_args(annotation)[0]
    return None


class OverrideError(ValueError):
    """An override that cannot be applied to this spec's data: ``key`` and why."""

    def __init__(self, key: str, message: str):
        self.key = key
        super().__init__(message)


def apply(data: dict, overrides: dict[str, Any]) -> dict:
    """A deep copy of raw spec *data* with *overrides* (dotted path → value) set.

    A list item written as plain text (a benefit) takes a sub-field override as its
    mapping form: ``poster.benefits.1.text`` on ``- 新鲜芒果`` changes the text.  An index
    past the end of a list raises :class:`OverrideError`.
    """
    out = copy.deepcopy(_plain(data))
    for dotted, value in overrides.items():
        keys = [int(k) if k.isdigit() else k for k in dotted.split(".")]
        node = out
        for depth, key in enumerate(keys):
            last = depth == len(keys) - 1
            where = ".".join(str(k) for k in keys[:depth])
            if isinstance(node, list):
                if not isinstance(key, int) or not 0 <= key < len(node):
                    raise OverrideError(
                        dotted,
                        f"{where} has {len(node)} item{'s' if len(node) != 1 else ''}"
                        + (f" (0 to {len(node) - 1})" if node else "")
                        + f": there is no item {key} to change; set the whole list instead ({where}: [...])",
                    )
                if not last and isinstance(node[key], str):
                    node[key] = {"text": node[key]}  # the plain-text form of an item
            elif isinstance(node, dict):
                if not last and not isinstance(node.get(key), (dict, list)):
                    node[key] = {}
            else:
                raise OverrideError(dotted, f"{where} is a single value, so '{key}' cannot be set inside it")
            if last:
                node[key] = copy.deepcopy(_plain(value))
            else:
                node = node[key]
    out.pop("variants", None)
    out.pop("matrix", None)
    return out


def _plain(value):
    """ruamel's commented maps and sequences as plain dicts and lists."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
