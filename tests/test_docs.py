"""Generated references stay in step with the code; docs and README links resolve."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from postergen import reference

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
REGENERATE = "python -m postergen.reference {which} > docs/{file}"


@pytest.mark.parametrize(
    "which,file", [("spec", "spec-reference.md"), ("template", "template-reference.md"), ("cli", "cli.md")]
)
def test_generated_reference_is_current(which, file):
    expected = reference.render_cli() if which == "cli" else reference.render(which)
    actual = (DOCS / file).read_text(encoding="utf-8")
    assert actual.strip() == expected.strip(), f"stale: run {REGENERATE.format(which=which, file=file)}"


def test_spec_reference_covers_every_field():
    text = (DOCS / "spec-reference.md").read_text(encoding="utf-8")
    for model, field in reference.fields():
        section = text.split(f"## {model}\n", 1)
        assert len(section) == 2, f"no section for {model}"
        body = section[1].split("\n## ", 1)[0]
        assert f"| `{field}` |" in body, f"{model}.{field} is not documented"


def test_every_spec_field_has_a_description():
    from postergen.spec import Campaign

    for model in reference._models(Campaign):
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"


@pytest.mark.parametrize("doc", sorted(p.relative_to(ROOT).as_posix() for p in [ROOT / "README.md", *DOCS.glob("*.md")]))
def test_relative_links_resolve(doc):
    path = ROOT / doc
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text(encoding="utf-8")):
        if "://" in target or target.startswith("mailto:"):
            continue
        assert (path.parent / target).exists(), f"{doc}: broken link {target}"
