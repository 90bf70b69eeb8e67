"""The bundled examples and the starter campaign stay valid and build."""

from __future__ import annotations

from pathlib import Path

import pytest

from postergen.checks import validate_campaign
from postergen.pipeline import build

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p.parent.name for p in (ROOT / "examples").glob("*/campaign.yaml"))


def test_the_bundled_examples():
    assert EXAMPLES == ["ab-report", "course-trial", "english-referral", "tea-invite"]


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_validates_without_errors(name):
    # validate renders and decodes every QR code a build would draw.
    loaded, problems = validate_campaign(ROOT / "examples" / name)
    assert [p for p in problems if p.severity == "error"] == []
    # The only warning allowed: the demo campaign has no secret for its codes.
    assert all("no secret" in p.message for p in problems), [str(p) for p in problems]


def test_english_example_builds(tmp_path):
    result = build(ROOT / "examples" / "english-referral", tmp_path / "out")
    assert result.ok and len(result.rows) >= 3
    posters = [r for r in result.rows if r["kind"] == "poster"]
    assert posters and all((tmp_path / "out" / r["path"]).stat().st_size > 10_000 for r in posters)
    assert [r["path"] for r in result.rows if r["kind"] == "landing"] == ["site/r/sam-k/landing/base/index.html"]


def test_starter_campaign_validates():
    loaded, problems = validate_campaign(ROOT / "postergen" / "scaffold")
    assert problems == []
