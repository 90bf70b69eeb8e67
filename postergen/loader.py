"""Load and check a campaign: YAML → :class:`Campaign`, assets, fonts, glyphs, templates.

:func:`load_campaign` runs one pass down four stages, each in its own part of this
module, in this order:

1. **read** the YAML, keeping the position of every value (:func:`.yamlsrc.load_yaml`);
2. **validate** one spec's data (:func:`_validate`): display text cleaned, mechanics
   filled into the copy, the pydantic models (:func:`.specerrors.validate`), then the
   checks on the data itself (repeated list entries, blank texts, personal data);
3. **resolve** what the spec names (:func:`_resolve`): assets decoded, font chains and
   glyph coverage, templates loaded (:func:`load_template`);
4. **expand** the variants (:func:`.variants.with_variants`) and the channels that change
   the spec (:func:`.channels.with_channels`), each through stages 2 and 3 again
   (:func:`check_spec`).

It reports **every** problem it can find in one :class:`~postergen.errors.SpecError`,
each with file, line, dotted field path and what to do.  A campaign that loads renders:
nothing later in the pipeline re-checks user input.
"""

from __future__ import annotations

import difflib
import typing
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from . import spec as specmod
from .errors import Problem, SpecError, display_path
from .fonts import BUNDLED, EMOJI, FontChain, chain_for, resolve_font
from .images import ImageProblem, check_image, inside, near as _near_name, resolve_inside, shorten
from .spec import Campaign
from .specbase import walk  # noqa: F401 — marked fields of raw data (loader.walk for older callers)
from .specerrors import _members, _strip, validate
from .textclean import clean, codepoint, control_characters, describe, invisible_characters
from .template import BUILTIN_DIR, Template, find_template, search_path
from .yamlsrc import dotted, line_of, load_yaml


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
    variants: tuple = ()  # ((VariantDef, Loaded), …) when the spec declares variants
    channel_specs: tuple = ()  # (((variant, channel), Loaded), …): channels that change the spec

    def variant_list(self) -> list[tuple[str, float, dict, "Loaded"]]:
        """(name, weight, factor values, loaded spec) of every variant to render.

        Without declared variants, the campaign itself is the one variant 'base'.
        """
        if not self.variants:
            return [("base", 1.0, {}, self)]
        return [(d.name, d.weight, d.factors, v) for d, v in self.variants]

    def variant(self, name: str, channel: str = "") -> "Loaded":
        """The loaded spec of variant *name* (the campaign itself without variants), as
        channel *channel* sees it (its medium's defaults and ``set``: :mod:`.channels`)."""
        if channel:
            for (vname, cname), loaded in self.channel_specs:
                if cname == channel and vname == (name or "base"):
                    return loaded
        if not self.variants:
            return self
        for vname, _, _, loaded in self.variant_list():
            if vname == name:
                return loaded
        raise KeyError(name)

    def asset(self, rel: str) -> Path:
        return resolve_inside(self.base, rel)

    def chain(self, role: str) -> FontChain:
        return chain_for(self.heading if role == "heading" else self.body)


def load_campaign(path: str | Path, strict: bool = False) -> Loaded:
    """Load, validate and check the campaign at *path* (a YAML file or its folder), and
    each of its variants and channels; raise one :class:`SpecError` with every problem.

    The stages (see the module docstring), each adding to the problems found so far:

    1. read: ``load_yaml`` — YAML with the line of every value; stop if it cannot be read;
    2. validate and 3. resolve: ``check_spec`` — the models, the text, assets, fonts,
       glyphs and templates of the base spec;
    4. expand: ``with_variants``, then ``with_channels`` — each variant's and channel's
       spec through ``check_spec`` again, its problems reported where it is declared.

    With *strict*, warnings fail the load too; otherwise they are kept in
    :attr:`Loaded.warnings`.
    """
    # 1. read
    path = Path(path)
    if not str(path).isprintable():
        raise SpecError([Problem("the spec path has a control character; give the path of a campaign.yaml", file=repr(str(path)))])
    if path.is_dir():
        path = path / "campaign.yaml"
    shown = str(path)
    data, problems = load_yaml(path, shown)
    if data is None:
        raise SpecError(problems)

    # 2. validate, 3. resolve
    loaded, problems = check_spec(data, path, shown)

    # 4. expand
    if loaded is not None and (loaded.spec.variants or loaded.spec.matrix):
        from .variants import with_variants

        loaded, more = with_variants(loaded, data, shown, check_spec)
        problems += more
    if loaded is not None and loaded.spec.channels:
        from .channels import with_channels

        loaded, more = with_channels(loaded, data, shown, check_spec, problems)
        problems += more

    errors = [p for p in problems if p.severity == "error"]
    if errors or (strict and problems) or loaded is None:
        raise SpecError(problems)
    return replace(loaded, warnings=tuple(p for p in problems if p.severity == "warning"))


def check_spec(data: Any, path: Path, shown: str) -> tuple[Loaded | None, list[Problem]]:
    """Stages 2 and 3 for one spec's raw *data* (the base spec's, a variant's or a
    channel's): (its :class:`Loaded`, or None when it has an error; every problem).

    The problems are in file order: the spec's by line — on one line, the models' and the
    text's, then the assets', fonts' and template names', then the repeated entries' and
    blank texts' — followed by those inside each template file.
    """
    valid = _validate(data, shown)
    if not isinstance(valid.data, dict):
        return None, valid.problems
    found = _resolve(valid, path.parent, shown)
    problems = sorted(valid.problems + found.problems + valid.entries, key=lambda p: p.line or 0)
    problems += found.template_problems
    if valid.campaign is None or any(p.severity == "error" for p in problems):
        return None, problems
    loaded = Loaded(spec=valid.campaign, path=path, base=path.parent, templates=found.templates,
                    heading=found.heading, body=found.body, raw=valid.data)
    return loaded, problems


def _locator(data: Any, shown: str):
    """``at(loc, message, severity)`` → a :class:`Problem` at *loc*'s line in *data*."""

    def at(loc: tuple, message: str, severity: str = "error") -> Problem:
        return Problem(message, file=shown, line=line_of(data, loc), path=dotted(loc), severity=severity)

    return at


# --------------------------------------------------------------------------- 2. validate


@dataclass
class _Validated:
    """What stage 2 found in one spec's data."""

    data: Any  # the raw data: display text cleaned, mechanics filled into the copy
    campaign: Campaign | None  # None when the models refuse the data
    problems: list[Problem]  # the models' and the display text's
    entries: list[Problem]  # repeated list entries, blank texts, hints, personal data


def _validate(data: Any, shown: str) -> _Validated:
    """Stage 2: clean the display text, fill in the mechanics, validate with the models,
    check the data itself.  The data-level checks run even when the models refuse the
    spec, so every problem is reported at once."""
    if not isinstance(data, dict):
        campaign, problems = validate(Campaign, data, shown)
        return _Validated(data, campaign, problems, [])
    text_problems = _clean_text(data)
    # '{mechanics.threshold}' in copy: filled in a copy (variants apply to the original).
    from .mechanics import fill_copy, problems as mechanics_problems

    data, filled = fill_copy(data, list(walk(Campaign, data, specmod._TextMarker)))
    text_problems += filled + mechanics_problems(data)
    campaign, problems = validate(Campaign, data, shown)
    at = _locator(data, shown)
    problems += [at(loc, message, severity) for loc, message, severity in text_problems]

    entries = [at(loc, message) for loc, message in duplicate_entries(data)]
    for loc, required in blank_texts(data):
        if required:
            entries.append(at(loc, "is blank (only spaces or invisible characters), so this part of the poster "
                              "would be empty; write the text" + (", or remove the item" if isinstance(loc[-1], int) else "")))
        else:
            entries.append(at(loc, "is blank (only spaces or invisible characters) and shows nothing; write the "
                              "text or remove the field", "warning"))
    if campaign is not None and campaign.inviter is None and not campaign.brand.logo:
        entries.append(at(("brand",), "no logo and no inviter: the trust header will show only the brand name", "warning"))
    if campaign is None:  # checks that otherwise wait for a valid spec: every problem at once
        from .checks import personal_data_problems

        entries += personal_data_problems(data, shown)
    return _Validated(data, campaign, problems, entries)


def _clean_text(data) -> list[tuple[tuple, str, str]]:
    """Clean every display text of the raw spec in place (:func:`textclean.clean`, line
    breaks kept); (loc, message, severity) for each control character (an error) and each
    invisible character removed (a warning)."""
    out = []
    for loc, text in list(walk(Campaign, data, specmod._TextMarker)):
        for ch in control_characters(text):
            out.append((loc, f"control character {codepoint(ch)} in the text; remove it (a line "
                        "break is written as a new line in a '|' block)", "error"))
        for ch in invisible_characters(text):
            out.append((loc, f"invisible character {codepoint(ch)} is removed from the text", "warning"))
        cleaned = clean(text, multiline=True)
        if cleaned != text:
            node = data
            for key in loc[:-1]:
                node = node[key]
            node[loc[-1]] = cleaned
    return out


_INVISIBLE = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e"}


def is_blank(text: str) -> bool:
    """Nothing would be drawn: only whitespace (U+3000 too) and zero-width characters."""
    return all(ch.isspace() or ch in _INVISIBLE for ch in text)


def blank_texts(data: Any) -> list[tuple[tuple, bool]]:
    """(loc, required) of every drawn text field (or list item) in raw *data* that is blank."""
    return [(loc, _required(loc)) for loc, text in walk(Campaign, data, specmod._TextMarker) if is_blank(text)]


def _required(loc: tuple) -> bool:
    """Whether the field at *loc* is required (a list item counts as required)."""
    if isinstance(loc[-1], int):
        return True
    model: Any = Campaign
    info = None
    for key in loc:
        if isinstance(key, int):
            continue
        while True:  # to the model that holds *key*: through lists, Optional, unions
            model = _strip(model)
            if typing.get_origin(model) is list:
                model = typing.get_args(model)[0]
                continue
            members = _members(model)
            if members:
                model = next((m for m in members if isinstance(_strip(m), type) and issubclass(_strip(m), BaseModel)), model)
                model = _strip(model)
            break
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or key not in model.model_fields:
            return False
        info = model.model_fields[key]
        model = info.annotation
    return bool(info is not None and info.is_required())


#: Lists whose entries must differ: a repeated size or format would render (and count)
#: the same poster twice under one name.
UNIQUE_LISTS = (
    ("output", "templates"),
    ("output", "sizes"),
    ("output", "formats"),
    ("output", "print", "sizes"),
    ("theme", "fonts", "fallback"),
)


def duplicate_entries(data: Any) -> list[tuple[tuple, str]]:
    """(loc, message) for each entry of a :data:`UNIQUE_LISTS` list that repeats an
    earlier one (compared as written, ignoring surrounding spaces)."""
    out = []
    for loc in UNIQUE_LISTS:
        node = data
        for key in loc:
            node = node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, list):
            continue
        first: dict[str, int] = {}
        for i, item in enumerate(node):
            if not isinstance(item, (str, int, float)):
                continue
            key = str(item).strip()
            if key in first:
                out.append((loc + (i,), f"'{item}' is listed twice (also at {dotted(loc + (first[key],))}); remove one"))
            else:
                first[key] = i
    return out


# --------------------------------------------------------------------------- 3. resolve


@dataclass
class _Resolved:
    """What stage 3 found for one spec."""

    heading: tuple[str, ...] | None  # font chain paths, None when a font failed
    body: tuple[str, ...] | None
    templates: dict[str, Template]
    problems: list[Problem]  # assets, fonts, glyphs, template names: at the spec's lines
    template_problems: list[Problem]  # inside the template files


def _resolve(valid: _Validated, base: Path, shown: str) -> _Resolved:
    """Stage 3: decode every asset, build the font chains and check every drawn character
    against them, load every template.  From the validated spec, or from the raw
    sections alone when another part of the spec failed (so their problems are reported
    in the same pass)."""
    data, campaign = valid.data, valid.campaign
    at = _locator(data, shown)
    problems = [at(loc, message) for loc, message in _asset_problems(data, base)]

    fonts = campaign.theme.fonts if campaign is not None else _section(specmod.Fonts, data, ("theme", "fonts"))
    heading = body = None
    if fonts is not None:
        heading, body, font_problems = _font_chains(fonts, base)
        problems += [at(loc, message) for loc, message in font_problems]
    if heading and body:
        problems += [at(loc, message) for loc, message in _glyph_problems(data, body)]

    output = (
        campaign.output
        if campaign is not None
        else _section(specmod.Output, data, ("output",), only=("templates", "templates_dir"))
    )
    templates, named, template_problems = _templates(output, base) if output is not None else ({}, [], [])
    problems += [at(loc, message) for loc, message in named]
    return _Resolved(heading, body, templates, problems, template_problems)


def _asset_problems(data: Any, base: Path) -> list[tuple[tuple, str]]:
    """(loc, message) for each asset path that is empty, leaves the campaign folder or
    names a missing or unreadable image (fonts are checked by :func:`_font_chains`).
    Checked on the raw data, so they are reported even when other fields fail."""
    out = []
    for loc, rel in walk(Campaign, data, specmod._AssetMarker):
        if not rel.strip():
            out.append((loc, "the path is empty; give a file relative to the spec's folder, or remove the field"))
            continue
        try:
            full = resolve_inside(base, rel)
            if loc[-2:-1] == ("fallback",):
                continue  # a font, checked with the fonts
            check_image(full, rel, base)
        except ImageProblem as exc:
            out.append((loc, str(exc)))
    return out


def _font_chains(fonts: specmod.Fonts, base: Path) -> tuple[tuple | None, tuple | None, list[tuple[tuple, str]]]:
    """(heading chain, body chain, problems): each role's font, then the fallbacks, then
    the bundled faces and the emoji font; a chain is None when its font is unusable."""
    problems = []
    chains = {}
    fallback = []
    for i, rel in enumerate(fonts.fallback):
        try:
            fallback.append(str(_font_path(base, rel)))
        except ImageProblem as exc:
            problems.append((("theme", "fonts", "fallback", i), str(exc)))
    for role in ("heading", "body"):
        ref = getattr(fonts, role)
        try:
            main = _font_path(base, ref)
            bundled = (str(p) for p in (*BUNDLED.values(), EMOJI) if str(p) != str(main))
            chains[role] = (str(main), *dict.fromkeys(f for f in fallback if f != str(main)), *bundled)
        except ImageProblem as exc:
            problems.append((("theme", "fonts", role), str(exc)))
    return chains.get("heading"), chains.get("body"), problems


def _glyph_problems(data: Any, body: tuple) -> list[tuple[tuple, str]]:
    """(loc, message) for every drawn character that is in no font of the *body* chain."""
    out = []
    try:
        chain = chain_for(body)
        for loc, text in walk(Campaign, data, specmod._TextMarker):
            for ch in chain.missing(text):
                out.append((loc, f"character {describe(ch)} is in no configured font; remove it "
                            "or add a font that has it to theme.fonts.fallback"))
    except Exception as exc:  # noqa: BLE001 — a font _font_path could open but not measure
        out.append((("theme", "fonts"), f"cannot read font: {exc}"))
    return out


def _templates(output: specmod.Output, base: Path) -> tuple[dict[str, Template], list[tuple[tuple, str]], list[Problem]]:
    """(templates by name, (loc, message) for names that do not resolve, problems inside
    the template files)."""
    templates: dict[str, Template] = {}
    named: list[tuple[tuple, str]] = []
    inside_files: list[Problem] = []
    try:
        resolve_inside(base, output.templates_dir)
    except ImageProblem as exc:
        return templates, [(("output", "templates_dir"), str(exc))], inside_files
    paths = search_path(base, output.templates_dir)
    for i, name in enumerate(output.templates):
        found = find_template(name, paths) if _plain_name(name) else None
        if found is None:
            named.append((("output", "templates", i), _no_template(name, paths, output.templates_dir)))
            continue
        if found.parent == paths[0] and not inside(found, base):
            named.append((("output", "templates", i), f"{output.templates_dir}/{name}.yaml is a link to a file "
                          "outside the campaign folder; copy the template in instead of linking it"))
            continue
        tpl, tpl_problems = load_template(found, base)
        inside_files.extend(tpl_problems)
        if tpl is not None:
            templates[name] = tpl
    return templates, named, inside_files


def _section(model: type[BaseModel], data: Any, loc: tuple, only: tuple = ()):
    """One section of the raw spec validated on its own (None when absent or invalid).

    With *only*, just those fields are taken from the section (the rest default), so a
    problem elsewhere in the section does not hide these fields' own checks.
    """
    node = data
    for key in loc:
        node = node.get(key) if isinstance(node, dict) else None
    if node is None:
        node = {}
    if only and isinstance(node, dict):
        node = {k: v for k, v in node.items() if k in only}
    try:
        return model.model_validate(node)
    except ValueError:
        return None


def _font_path(base: Path, ref: str) -> Path:
    """The font file *ref* names, checked to be one fontTools can read."""
    if ref.startswith("bundled:"):
        try:
            return resolve_font(ref)
        except KeyError as exc:
            raise ImageProblem(str(exc.args[0])) from None
    full = resolve_inside(base, ref)
    if not full.exists():
        raise ImageProblem(f"font file not found: {ref}" + _near(full, base))
    from .safeio import FileProblem, check_file

    try:
        check_file(full, ref, kind="font")
    except FileProblem as exc:
        raise ImageProblem(str(exc)) from None
    if full.suffix.lower() not in (".ttf", ".otf", ".ttc"):
        raise ImageProblem(f"'{ref}' is not a .ttf, .otf or .ttc font file")
    try:
        from fontTools.ttLib import TTFont

        with open(full, "rb") as fh:  # read what Face reads, closing the file on failure
            font = TTFont(fh, fontNumber=0, lazy=True)
            font["head"], font["hmtx"], font.getBestCmap()
    except Exception as exc:  # noqa: BLE001 — fontTools raises many kinds
        raise ImageProblem(f"{ref} is not a font fontTools can read ({exc}); export it again") from None
    return full


def _near(full: Path, base: Path) -> str:
    guess = _near_name(full, base)
    return f" — did you mean '{guess}'?" if guess else " (paths are relative to the spec's folder)"


def _plain_name(name: str) -> bool:
    """A template name is a file stem: no folders, no '..'."""
    return (
        bool(name) and "/" not in name and "\\" not in name and not name.startswith(".")
        and name.isprintable() and len(name.encode("utf-8")) <= 200
    )


def _no_template(name: str, paths: list[Path], templates_dir: str) -> str:
    from .template import builtin_names

    if not _plain_name(name):
        return (
            f"'{shorten(name)}' is not a template name; use a built-in one ({', '.join(builtin_names())}) or the "
            f"name of a file in {templates_dir}/ without '.yaml'"
        )
    own = sorted(p.stem for p in paths[0].glob("*.yaml")) if paths and paths[0].is_dir() else []
    known = list(dict.fromkeys(own + builtin_names()))
    guess = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f" — did you mean '{guess[0]}'?" if guess else ""
    mine = f"; yours: {', '.join(own)}" if own else ""
    return (
        f"no template named '{name}'{hint} (built-in: {', '.join(builtin_names())}{mine}; "
        f"or add {templates_dir}/{name}.yaml)"
    )


# --------------------------------------------------------------------------- templates


def load_template(path: Path, base: Path | None = None) -> tuple[Template | None, list[Problem]]:
    """Load and validate one template file (cached while the file is unchanged)."""
    from .template import BUILTIN_DIR

    if path.parent == BUILTIN_DIR:
        shown = f"postergen/templates/posters/{path.name}"
    else:
        shown = display_path(path, base) if base is not None else str(path)
    try:
        st = path.stat()
        key = (str(path.resolve()), st.st_mtime_ns, st.st_size, shown)
    except OSError:
        key = None
    hit = _TEMPLATES.get(key) if key is not None else None
    if hit is None:
        hit = _load_template(path, shown)
        if key is not None:
            if len(_TEMPLATES) >= 64:
                _TEMPLATES.pop(next(iter(_TEMPLATES)))
            _TEMPLATES[key] = hit
    tpl, problems = hit
    return tpl, list(problems)


def parse_builtin(text: str):
    """The data of one of our own template files, by the fastest C parser at hand:
    PyYAML's libyaml loader (about 2× ruamel's C loader, which still constructs in
    Python), else ruamel's.  Our templates use nothing on which YAML 1.1 (PyYAML) and
    1.2 (ruamel) differ; a test checks that both read every built-in template the same."""
    try:
        import yaml

        if yaml.__with_libyaml__:
            return yaml.load(text, Loader=yaml.CSafeLoader)  # noqa: S506 - the C *safe* loader
    except ImportError:
        pass
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=False).load(text)


def _fast_builtin(path: Path) -> Template | None:
    from pydantic import ValidationError

    try:
        return Template.model_validate(parse_builtin(path.read_text(encoding="utf-8")))
    except (ValidationError, Exception):  # noqa: BLE001 - the slow path reports it
        return None


#: Parsed templates by (path, mtime, size, shown name): round-trip YAML parsing of the
#: built-in templates is most of the time a load takes.
_TEMPLATES: dict[tuple, tuple[Template | None, tuple[Problem, ...]]] = {}


def _load_template(path: Path, shown: str) -> tuple[Template | None, tuple[Problem, ...]]:
    if path.resolve().parent == BUILTIN_DIR.resolve():
        # Our own templates: parsed by the C loader (5-10× faster than the position-keeping
        # one, most of a build's start-up); a problem, which a test would have caught,
        # still gets the located message below.
        tpl = _fast_builtin(path)
        if tpl is not None:
            return tpl, ()
    data, problems = load_yaml(path, shown, empty_hint="a template needs 'name:' and 'frames:'", kind="template")
    if data is None:
        return None, tuple(problems)
    tpl, problems = validate(Template, data, shown)
    if tpl is not None:
        from .bindings import template_problems

        problems += template_problems(tpl, data, shown)
        tpl._source = (
            shown,
            {(f, i): line_of(data, ("frames", f, "layers", i)) for f, frame in tpl.frames.items() for i in range(len(frame.layers))},
        )
    if tpl is not None and not tpl.no_qr:
        for name in tpl.frames_without_qr():
            problems.append(
                Problem(
                    f"frame '{name}' has no qr layer: a share poster without a QR code leads nowhere; add a "
                    "layer with type: qr, or set no_qr: true at the top of the template if that is deliberate",
                    file=shown, line=line_of(data, ("frames", name)), path=f"frames.{name}",
                )
            )
    return tpl, tuple(problems)
