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


# --------------------------------------------------------------------------- honest outputs


def test_an_interrupted_rebuild_leaves_no_manifest(campaign, tmp_path):
    from postergen.pipeline import build

    spec = campaign({"output.sizes": ["1080x1920", "1080x1080"]})
    build(spec, tmp_path / "out", environ={})
    assert (tmp_path / "out" / "manifest.json").is_file()
    spec = campaign({"output.sizes": ["1080x1920", "1080x1080"], "poster.headline": "邀5位好友，新品免费喝！"})

    def stop(job):
        raise KeyboardInterrupt  # the user presses Ctrl-C after the first poster

    with pytest.raises(KeyboardInterrupt):
        build(spec, tmp_path / "out", progress=stop, environ={})
    names = {p.name for p in (tmp_path / "out").rglob("*")}
    assert "manifest.json" not in names and "manifest.csv" not in names
    assert not [n for n in names if n.endswith(".part")]
    result = build(spec, tmp_path / "out", environ={})  # the next build is whole again
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert [r["path"] for r in manifest["files"]] == [r["path"] for r in result.rows]


def test_a_concurrent_build_into_the_same_folder_stops(campaign, tmp_path):
    from postergen.writer import output_lock

    spec = campaign()
    with output_lock(tmp_path / "out"):
        result = run("build", spec, "-o", "out")
    assert result.exit_code == 2
    assert result.output == "error: out is in use by another postergen build; wait for it to finish, or build into another folder\n"
    assert run("build", spec, "-o", "out", "-q").exit_code == 0  # released


def test_only_postergens_own_temporary_files_are_removed(campaign, tmp_path):
    spec = campaign()
    (tmp_path / "out" / "sub").mkdir(parents=True)
    mine = tmp_path / "out" / "posters" / ".bold-1080x1920.png.pgtmp-k2j3h4g5.part"
    mine.parent.mkdir(parents=True)
    mine.write_bytes(b"half a poster")
    theirs = [tmp_path / "out" / "sub" / ".video.mp4.part", tmp_path / "out" / ".notes.part"]
    for path in theirs:
        path.write_bytes(b"someone else's")
    assert run("build", spec, "-o", "out", "-q").exit_code == 0
    assert not mine.exists()
    assert all(p.read_bytes() == b"someone else's" for p in theirs)


def test_duplicate_entries_are_refused(campaign):
    spec = campaign({"output.sizes": ["540x960", "1080x1920", "540x960"], "output.formats": ["png", "jpeg", "png"]})
    assert problems(spec) == [
        "campaign.yaml:36 output.sizes[2]: '540x960' is listed twice (also at output.sizes[0]); remove one",
        "campaign.yaml:40 output.formats[2]: 'png' is listed twice (also at output.formats[0]); remove one",
    ]


BLANK = "is blank (only spaces or invisible characters)"


def test_blank_required_text_is_an_error_and_optional_text_a_warning(campaign):
    from postergen.errors import SpecError
    from postergen.loader import load_campaign

    spec = campaign(
        {"poster.headline": "\u3000\u3000", "inviter.nickname": " ", "poster.benefits.1": "\u3000 ", "brand.slogan": "\u3000"}
    )
    with pytest.raises(SpecError) as info:
        load_campaign(spec)
    assert [str(p) for p in info.value.problems + info.value.warnings] == [
        f"campaign.yaml:11 inviter.nickname: {BLANK}, so this part of the poster would be empty; write the text",
        f"campaign.yaml:14 poster.headline: {BLANK}, so this part of the poster would be empty; write the text",
        f"campaign.yaml:18 poster.benefits[1]: {BLANK}, so this part of the poster would be empty; write the text, or remove the item",
        f"campaign.yaml:9 brand.slogan: warning: {BLANK} and shows nothing; write the text or remove the field",
    ]
    loaded = load_campaign(campaign({"poster.subheadline": "  "}))
    assert [str(p) for p in loaded.warnings] == [
        f"campaign.yaml:15 poster.subheadline: warning: {BLANK} and shows nothing; write the text or remove the field"
    ]


NO_QR_TEMPLATE = """\
name: teaser
frames:
  portrait:
    size: [1080, 1920]
    layers:
      - {type: shape, box: [0, 0, 1080, 1920], fill: background}
      - {type: text, text: "{poster.headline}", box: [80, 300, 920, 400], size: [60, 120], max_lines: 3}
"""


def test_a_template_without_a_qr_layer_must_say_so(campaign, tmp_path):
    spec = campaign({"output.templates.0": "teaser"})
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "teaser.yaml").write_text(NO_QR_TEMPLATE, encoding="utf-8")
    assert problems(spec) == [
        "templates/teaser.yaml:3 frames.portrait: frame 'portrait' has no qr layer: a share poster without a QR code "
        "leads nowhere; add a layer with type: qr, or set no_qr: true at the top of the template if that is deliberate"
    ]
    (tmp_path / "templates" / "teaser.yaml").write_text("no_qr: true\n" + NO_QR_TEMPLATE, encoding="utf-8")
    from postergen.loader import load_campaign

    assert load_campaign(spec).templates["teaser"].no_qr


# --------------------------------------------------------------------------- no tracebacks, ever

USER_TEMPLATE = """\
name: x
frames:
  p:
    size: SIZE
    layers:
      - {type: shape, box: [0, 0, 1080, 1920], fill: "FILL"}
      - {type: image, bind: BIND, box: [0, 0, 100, 100]}
      - {type: text, text: "TEXT", box: [80, 300, 920, 400], size: [60, 120]}
      - {type: qr, box: [80, 1500, 320, 320]}
"""


def _template(size="[1080, 1920]", fill="$primary", bind="brand.logo", text="{poster.headline}"):
    def setup(folder: Path) -> None:
        (folder / "templates").mkdir(exist_ok=True)
        body = USER_TEMPLATE.replace("SIZE", size).replace("FILL", fill).replace("BIND", bind).replace("TEXT", text)
        (folder / "templates" / "x.yaml").write_text(body, encoding="utf-8")

    return setup


def _file(folder: Path) -> None:
    (folder / "afile").write_text("not a folder", encoding="utf-8")


CHANNEL = {"channels": [{"id": "moments", "name": "朋友圈"}]}
LONG = "a" * 300
X = {"output.templates": ["x"]}
FOLDER_IN_THE_WAY = "error: afile is a file, not a folder; give -o a folder"
UNREACHABLE = "error: cannot create the output folder /proc/postergen-test: the folder does not exist and cannot be created; choose another -o"
TOO_LONG = f"is too long (a name of 304 bytes); file systems allow 255 bytes per name — rename the file"

#: (id, spec overrides, setup(folder), command line, a line the output must contain)
CORPUS = [
    ("build -o file", None, _file, ["build", "SPEC", "-o", "afile"], FOLDER_IN_THE_WAY),
    ("export -o file", None, _file, ["export", "SPEC", "-o", "afile"], FOLDER_IN_THE_WAY),
    ("preview -o file", None, _file, ["preview", "SPEC", "-o", "afile"], FOLDER_IN_THE_WAY),
    ("build -o unreachable", None, None, ["build", "SPEC", "-o", "/proc/postergen-test"], UNREACHABLE),
    ("export -o unreachable", None, None, ["export", "SPEC", "-o", "/proc/postergen-test"], UNREACHABLE),
    ("preview -o unreachable", None, None, ["preview", "SPEC", "-o", "/proc/postergen-test"], UNREACHABLE),
    ("build -o NUL", None, None, ["build", "SPEC", "-o", "o\x00ut"], "Error: Invalid value for '--out' / '-o': Value error, embedded null byte"),
    ("codes --csv folder", CHANNEL, None, ["codes", "SPEC", "--csv", "."], "error: cannot write .: a folder of that name is in the way"),
    ("codes --csv unreachable", CHANNEL, None, ["codes", "SPEC", "--csv", "/proc/postergen-test/c.csv"], "error: cannot write /proc/postergen-test/c.csv: the folder does not exist and cannot be created"),
    ("long image name", {"brand.logo": f"assets/{LONG}.png"}, None, ["validate", "SPEC"], f"campaign.yaml:8 brand.logo: 'assets/{'a' * 52}…' {TOO_LONG}"),
    ("long font name", {"theme.fonts": {"heading": f"f/{LONG}.ttf"}}, None, ["validate", "SPEC"], f"campaign.yaml:29 theme.fonts.heading: 'f/{'a' * 57}…' {TOO_LONG}"),
    ("long template name", {"output.templates": [LONG]}, None, ["validate", "SPEC"], f"campaign.yaml:33 output.templates[0]: '{'a' * 59}…' is not a template name"),
    ("long templates_dir", {"output.templates_dir": LONG}, None, ["validate", "SPEC"], f"campaign.yaml:35 output.templates_dir: '{'a' * 59}…' is too long (a name of 300 bytes)"),
    ("NUL in an image path", {"brand.logo": "assets/lo\x00go.png"}, None, ["validate", "SPEC"], "campaign.yaml:8 brand.logo: 'assets/lo\\x00go.png' contains a control character (U+0000); no file name has one"),
    ("NUL in landing_url", {"landing_url": "https://h5.example.com/a\x00b"}, None, ["build", "SPEC", "-o", "out"], "campaign.yaml:5 landing_url: contains a control character (U+0000); a URL may not — percent-encode it or remove it"),
    ("NUL in a template name", {"output.templates": ["bo\x00ld"]}, None, ["validate", "SPEC"], "campaign.yaml:33 output.templates[0]: 'bo\\x00ld' is not a template name"),
    (
        "override past the end of a list",
        {"variants": [{"name": "a", "set": {"poster.benefits.9.text": "x"}}]},
        None,
        ["validate", "SPEC"],
        "campaign.yaml:38 variants[0].set.poster.benefits.9.text: poster.benefits has 3 items (0 to 2): there is no item 9 to change; set the whole list instead (poster.benefits: [...])",
    ),
    (
        "5000-character landing_url",
        {"landing_url": "https://h5.example.com/" + "a" * 5000},
        None,
        ["build", "SPEC", "-o", "out"],
        "campaign.yaml:5 landing_url: the QR code would carry 5,023 bytes, more than a QR code holds at error correction H (1,273); set tracking.short_base so QR codes carry the short form <short_base>/c/<code>, or shorten landing_url",
    ),
    ("frame size 0", X, _template(size="[0, 1920]"), ["build", "SPEC", "-o", "out"], "templates/x.yaml:4 frames.p.size[0]: must be at least 16 (got 0)"),
    ("fill $primary@abc", X, _template(fill="$primary@abc"), ["build", "SPEC", "-o", "out"], "templates/x.yaml:6 frames.p.layers[0].fill: '$primary@abc': the opacity after '@' must be a number from 0 to 1, e.g. '$primary@0.2'"),
    ("image bound to a URL", X, _template(bind="url"), ["build", "SPEC", "-o", "out"], "templates/x.yaml:7 frames.p.layers[1].bind: 'url' is not an image; bind one of: brand.logo, inviter.avatar, background.image"),
    ("image bound to text", X, _template(bind="poster.headline"), ["validate", "SPEC"], "templates/x.yaml:7 frames.p.layers[1].bind: 'poster.headline' is not an image; bind one of: brand.logo, inviter.avatar, background.image"),
    ("binding typo", X, _template(text="{poster.tiers}"), ["validate", "SPEC"], "templates/x.yaml:8 frames.p.layers[2].text: unknown binding 'poster.tiers'; poster has: headline, subheadline, benefits, endorsements, cta, price, scarcity"),
    ("baseline {}", None, lambda f: (f / "base").mkdir() or (f / "base" / "manifest.json").write_text("{}"), ["preview", "SPEC", "-o", "p", "--baseline", "base"], "error: baseline base/manifest.json: not a postergen manifest"),
    ("baseline []", None, lambda f: (f / "base").mkdir() or (f / "base" / "manifest.json").write_text("[]"), ["preview", "SPEC", "-o", "p", "--baseline", "base"], "error: baseline base/manifest.json: not a postergen manifest"),
    ("baseline manifest is a FIFO", None, lambda f: (f / "base").mkdir() or os.mkfifo(f / "base" / "manifest.json"), ["preview", "SPEC", "-o", "p", "--baseline", "base"], "error: baseline base/manifest.json: is not a regular file"),
    ("spec is a FIFO", None, lambda f: (f / "campaign.yaml").unlink() or os.mkfifo(f / "campaign.yaml"), ["validate", "SPEC"], "campaign.yaml: is not a regular file (a pipe, socket or device); give a file"),
    ("spec is missing", None, lambda f: (f / "campaign.yaml").unlink(), ["build", "SPEC"], "campaign.yaml: file not found: campaign.yaml"),
]


@pytest.mark.parametrize("overrides, setup, argv, expected", [c[1:] for c in CORPUS], ids=[c[0] for c in CORPUS])
def test_the_cli_never_shows_a_traceback(campaign, tmp_path, overrides, setup, argv, expected):
    spec = campaign(overrides)
    if setup:
        setup(tmp_path)
    result = CliRunner().invoke(app, [str(spec) if a == "SPEC" else a for a in argv])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert result.exit_code in (1, 2)
    assert expected in result.output.splitlines() or any(line.startswith(expected) for line in result.output.splitlines()), result.output


def test_a_string_benefit_takes_a_text_override(campaign):
    from postergen.loader import load_campaign

    loaded = load_campaign(campaign({"variants": [{"name": "a", "set": {"poster.benefits.1.text": "改过的第二条"}}]}))
    benefits = loaded.variant("a").spec.poster.benefits
    assert [b.text for b in benefits] == ["新鲜芒果现切，每杯都有满满果肉", "改过的第二条", "邀请越多奖励越多，最高可得 10 杯"]


def test_the_installed_command_ends_a_bug_in_two_lines(tmp_path):
    import subprocess
    import sys

    code = (
        "import postergen.cli as c\n"
        "def boom(*a, **k): raise RuntimeError('simulated bug')\n"
        "c.app = boom\n"
        "c.main()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert proc.returncode == 70
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines()[0] == "error: unexpected RuntimeError: simulated bug"


def test_template_bindings_are_checked_with_did_you_mean(campaign, tmp_path):
    spec = campaign(X)
    _template(text="{poster.headlin} {brand.nmae}")(tmp_path)
    text = (tmp_path / "templates" / "x.yaml").read_text(encoding="utf-8")
    (tmp_path / "templates" / "x.yaml").write_text(text.replace("{type: qr,", '{type: qr, when: "!inviter.avatr",'), encoding="utf-8")
    assert problems(spec) == [
        "templates/x.yaml:8 frames.p.layers[2].text: unknown binding 'poster.headlin' — did you mean 'poster.headline'?",
        "templates/x.yaml:8 frames.p.layers[2].text: unknown binding 'brand.nmae' — did you mean 'brand.name'?",
        "templates/x.yaml:9 frames.p.layers[3].when: unknown binding 'inviter.avatr' — did you mean 'inviter.avatar'?",
    ]


# --------------------------------------------------------------------------- rough edges


def test_every_problem_in_one_run(campaign):
    spec = campaign(
        {
            "theme.primary": "red",
            "landing_url": "https://h5.example.com/t?phone=+8613800138000",
            "channels": [{"id": "moments", "name": "朋友圈", "source": "a.b@example.com"}],
        }
    )
    assert problems(spec) == [
        "campaign.yaml:5 landing_url: contains a mobile phone number; personal data must never go into a URL or a code",
        "campaign.yaml:26 theme.primary: 'red' is not a colour; write it as #RRGGBB, e.g. '#E8432E'",
        "campaign.yaml:38 channels[0].source: contains an e-mail address; personal data must never go into a URL or a code",
    ]


TIGHT = """\
name: tight
frames:
  portrait:
    size: [1080, 1920]
    layers:
      - {id: headline, type: text, text: "{poster.headline}", box: [80, 300, 920, 200], size: [100, 120], overflow: error}
      - {id: sub, type: text, text: "{poster.subheadline}", box: [80, 600, 920, 60], size: [50, 60]}
      - {type: qr, box: [80, 1500, 320, 320]}
"""


def test_overflow_names_the_template_line_and_the_spec_field_for_every_poster(campaign, tmp_path):
    from postergen.validate import validate_campaign
    from postergen.errors import SpecError

    spec = campaign({"output.templates": ["tight"], "output.sizes": ["1080x1920", "1080x1080"]})
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "tight.yaml").write_text(TIGHT, encoding="utf-8")
    with pytest.raises(SpecError) as info:
        validate_campaign(spec, environ={})
    fit = "does not fit its box ({}, 1 line, font size {} px): shorten the text, or set overflow to 'shrink' or 'ellipsis'"
    head = "campaign.yaml:14 poster.headline: tight {}: template 'tight' (portrait) layer 'headline' (templates/tight.yaml:6): '邀3位好友，新品杨枝甘露免费喝！' "
    assert [str(p) for p in info.value.problems] == [
        head.format("1080x1920") + fit.format("920×200 px", "100-120"),
        head.format("1080x1080") + fit.format("518×112 px", "56-68"),
    ]


def test_auto_fit_below_the_minimum_warns(campaign, tmp_path):
    from postergen.validate import validate_campaign

    spec = campaign({"output.templates": ["tight"], "poster.subheadline": "好友助力三人成团立享，好友助力三人成团立享，好友助力"})
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "tight.yaml").write_text(TIGHT.replace("size: [100, 120], overflow: error", "size: [40, 120]"), encoding="utf-8")
    _, warnings = validate_campaign(spec, environ={})
    assert [str(p) for p in warnings if "shrunk" in p.message] == [
        "campaign.yaml:15 poster.subheadline: warning: tight 1080x1920: template 'tight' (portrait) layer 'sub' "
        "(templates/tight.yaml:7): poster.subheadline was shrunk to 35 px, below the layer's smallest size 50 px; shorten it"
    ]


def test_validate_quiet_prints_only_errors(campaign):
    spec = campaign({"channels": [{"id": "moments", "name": "朋友圈"}]})  # valid; warns: no secret
    loud = run("validate", spec)
    assert loud.exit_code == 0 and "warning:" in loud.output
    quiet = run("validate", "-q", spec)
    assert quiet.exit_code == 0 and quiet.output == ""
    bad = run("validate", "-q", campaign({"theme.primary": "red"}))
    assert bad.exit_code == 2
    assert bad.output.splitlines() == [
        "campaign.yaml:26 theme.primary: 'red' is not a colour; write it as #RRGGBB, e.g. '#E8432E'",
        "1 problem found; nothing was rendered.",
    ]


def test_repeated_warnings_are_grouped_with_a_count(campaign):
    channels = [{"id": c, "name": c} for c in ("moments", "groups", "store", "parcel")]
    landing = {"form": {"endpoint": "http://api.example.com/leads", "privacy_url": "https://h5.example.com/privacy"}}
    result = run("build", campaign({"channels": channels, "landing": landing}), "-o", "out")
    assert result.exit_code == 0, result.output
    form = [line for line in result.output.splitlines() if "is http://" in line]
    assert form == [
        "campaign.yaml: warning: landing.form.endpoint is http://: phone numbers would travel unencrypted; use https:// "
        "(4×: site/tea/invite/landing/base/moments/index.html, site/tea/invite/landing/base/groups/index.html, "
        "site/tea/invite/landing/base/store/index.html and 1 more)"
    ]
    assert result.output.splitlines()[-1] == "4 posters, 4 landing pages, 4 share images and host rules: 15 written, 0 unchanged → out"
