"""Careless and hostile input that must end in a clear, located message — never a hang,
a memory blow-up, a traceback or a folder that lies about what it holds.

Exact messages, in the style of test_bad_specs.py: the campaign is written into
``tmp_path`` (the working directory) with :func:`conftest.make_campaign`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import BASE_YAML, problems
from typer.testing import CliRunner

from postergen.cli import app

DEEP = "the YAML nests more than 40 levels deep; a campaign needs about 10 — check for a runaway indentation or unclosed brackets"
BOMB = (
    "expands to more than 100,000 values through YAML aliases (*name repeats what &name marks); "
    "write the values out, or repeat less"
)


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


# --------------------------------------------------------------------------- YAML bombs and depth


def _bomb(indent: str) -> str:
    """Nine-fold aliases, seven levels: 9**7 ≈ 4.8 million strings once expanded (l5 is the
    first over the bound: 9**6 = 531,441)."""
    lines = [f'{indent}l0: &l0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 7):
        lines.append(f"{indent}l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_in_variant_overrides_is_refused_before_anything_runs(campaign):
    spec = campaign(text=BASE_YAML + "variants:\n  - name: a\n    set:\n" + _bomb("      "))
    assert problems(spec) == [f"campaign.yaml:43 variants[0].set.l5: {BOMB}"]


def test_an_alias_bomb_in_matrix_levels_is_refused(campaign):
    text = BASE_YAML + (
        "matrix:\n  factors:\n    - name: f\n      levels:\n        a:\n" + _bomb("          ") + "        b: {}\n"
    )
    assert problems(campaign(text=text)) == [f"campaign.yaml:45 matrix.factors[0].levels.a.l5: {BOMB}"]


def test_deep_nesting_is_a_located_message(campaign):
    assert problems(campaign(text=BASE_YAML + "x: " + "[" * 500 + "]" * 500 + "\n")) == [f"campaign.yaml:35: {DEEP}"]
    block = "".join("  " * i + "a:\n" for i in range(60)) + "  " * 60 + "b: 1\n"
    assert problems(campaign(text=BASE_YAML + block)) == [f"campaign.yaml:75: {DEEP}"]  # the 41st level
    block = "".join("  " * i + "a:\n" for i in range(400)) + "  " * 400 + "b: 1\n"
    assert problems(campaign(text=BASE_YAML + block)) == [f"campaign.yaml: {DEEP}"]


def test_brackets_in_text_are_not_nesting(campaign):
    text = BASE_YAML.replace("  name: 新品奶茶邀请", "  name: \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"  # [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[")
    from postergen.loader import load_campaign

    assert load_campaign(campaign(text=text)).spec.campaign.name == "[" * 50


# --------------------------------------------------------------------------- files that hang or are huge


def test_a_fifo_named_campaign_yaml_does_not_hang(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.mkfifo("campaign.yaml")
    assert problems("campaign.yaml") == ["campaign.yaml: is not a regular file (a pipe, socket or device); give a file"]


def test_a_huge_spec_is_refused_unread(campaign):
    spec = campaign()
    with open(spec, "a", encoding="utf-8") as fh:
        fh.write("# " + "x" * (2 * 1024 * 1024) + "\n")
    assert problems(spec) == ["campaign.yaml: is 2 MB; a spec file may be at most 1 MB"]


def test_a_fifo_as_template_or_image_does_not_hang(campaign, tmp_path):
    spec = campaign({"output.templates": ["mine"], "brand.logo": "assets/pipe.png"})
    (tmp_path / "templates").mkdir()
    os.mkfifo(tmp_path / "templates" / "mine.yaml")
    os.mkfifo(tmp_path / "assets" / "pipe.png")
    assert problems(spec) == [
        "campaign.yaml:8 brand.logo: assets/pipe.png is not a regular file (a pipe, socket or device); give an image file",
        "templates/mine.yaml: is not a regular file (a pipe, socket or device); give a file",
    ]


# --------------------------------------------------------------------------- matrix size and weights


def _matrix(factors: int, levels: int) -> str:
    out = "matrix:\n  factors:\n"
    for i in range(factors):
        names = ", ".join(f"l{j}: 邀{j}位好友" for j in range(levels))
        out += f"    - name: f{i}\n      field: poster.headline\n      levels: {{{names}}}\n"
    return out


def test_a_matrix_without_cap_states_its_size(campaign):
    assert problems(campaign(text=BASE_YAML + _matrix(6, 10))) == [
        "campaign.yaml:35 matrix: makes 1,000,000 variants (10 × 10 × 10 × 10 × 10 × 10 levels), more than the 50 "
        "a matrix may make without a cap; set matrix.cap to how many to keep (at most 1000, in expansion order), "
        "exclude combinations, or drop levels"
    ]


def test_a_matrix_with_a_cap_keeps_that_many(campaign):
    from postergen.loader import load_campaign

    loaded = load_campaign(campaign(text=BASE_YAML + _matrix(3, 4) + "  cap: 5\n"))
    assert [name for name, *_ in loaded.variant_list()] == ["l0-l0-l0", "l0-l0-l1", "l0-l0-l2", "l0-l0-l3", "l0-l1-l0"]
    assert problems(campaign(text=BASE_YAML + _matrix(7, 10) + "  cap: 5\n")) == [
        "campaign.yaml:36 matrix.factors: makes 10,000,000 combinations (10 × 10 × 10 × 10 × 10 × 10 × 10 levels); "
        "at most 1,000,000 can be considered — drop factors or levels"
    ]


@pytest.mark.parametrize(
    "weight, message",
    [
        (".inf", "input should be a finite number"),
        (".nan", "input should be a finite number"),
        ("-1", "must be at least 0.001 (got -1)"),
        ("0", "must be at least 0.001 (got 0)"),
        ("1e300", "must be at most 1000.0 (got 1e+300)"),
        ("1e-300", "must be at least 0.001 (got 1e-300)"),
    ],
)
def test_weights_are_finite_and_in_a_sane_range(campaign, weight, message):
    text = BASE_YAML + f"variants:\n  - name: a\n    weight: {weight}\n  - name: b\n"
    assert problems(campaign(text=text)) == [f"campaign.yaml:37 variants[0].weight: {message}"]


def test_split_page_weights_are_normalised_shares():
    from postergen.variants import shares

    assert shares([("a", 1000), ("b", 0.001)]) == [("a", 0.999999), ("b", 1e-06)]
    assert shares([("a", 1), ("b", 3)]) == [("a", 0.25), ("b", 0.75)]


# --------------------------------------------------------------------------- preview baselines


@pytest.mark.parametrize(
    "manifest, message",
    [
        ("{}", "not a postergen manifest (no 'files' list); use the folder of a build or preview"),
        ("[]", "not a postergen manifest (no 'files' list); use the folder of a build or preview"),
        ('{"files": [1]}', "files[0] is not a file entry (an object of path, kind, format, sha256…)"),
        (
            '{"files": [{"path": "../../etc/passwd", "kind": "poster", "format": "png"}]}',
            "files[0].path '../../etc/passwd' is not a path inside the baseline folder",
        ),
        ("{not json", "not JSON (Expecting property name enclosed in double quotes: line 1 column 2 (char 1)); use the manifest.json a postergen build wrote"),
    ],
)
def test_a_bad_baseline_manifest_is_a_message(campaign, tmp_path, manifest, message):
    spec = campaign()
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "manifest.json").write_text(manifest, encoding="utf-8")
    result = run("preview", spec, "-o", "prev", "--baseline", "base")
    assert result.exit_code == 2
    assert result.output == f"error: baseline base/manifest.json: {message}\n"
    assert not (tmp_path / "prev").exists()  # refused before building


def test_a_decompression_bomb_in_the_baseline_is_a_message(campaign, tmp_path):
    from test_bad_specs import png_declaring

    spec = campaign()
    assert run("preview", spec, "-o", "first", "-q").exit_code == 0
    manifest = json.loads((tmp_path / "first" / "build" / "manifest.json").read_text(encoding="utf-8"))
    poster = next(r for r in manifest["files"] if r["kind"] == "poster")
    (tmp_path / "first" / "build" / poster["path"]).write_bytes(png_declaring(30000, 30000))
    poster["sha256"] = "0" * 64
    (tmp_path / "first" / "build" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = run("preview", spec, "-o", "second", "--baseline", "first")
    assert result.exit_code == 2
    assert result.output == (
        f"error: cannot compare {poster['path']}: 900 MP is over the 50 MP limit (a decompression bomb?)\n"
    )
