"""Bad specs and the exact problems they produce: error messages are part of the interface.

Every test writes a campaign with :func:`conftest.make_campaign` into ``tmp_path`` (the
working directory, so the spec reads as ``campaign.yaml``), breaks one thing and asserts
the full ``file:line dotted.path: message`` strings of ``SpecError.problems``.  Line
numbers refer to :data:`conftest.BASE_YAML`.
"""

from __future__ import annotations

import datetime
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from conftest import DELETE, jpeg_bytes, problems
from typer.testing import CliRunner

from postergen.cli import app
from postergen.template import builtin_names

ROOT = Path(__file__).resolve().parents[1]
BUILTIN = ", ".join(builtin_names())  # other engineers add built-in templates


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width×height pixels (a decompression bomb's header)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + png_chunk(b"IEND", b"")
    )


def swap(old: str, new: str):
    """A ``text=`` edit that replaces exactly one occurrence of *old*."""

    def edit(text: str) -> str:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        return text.replace(old, new)

    return edit


def test_the_base_campaign_is_valid(campaign):
    from postergen.loader import load_campaign

    loaded = load_campaign(campaign())
    assert loaded.warnings == ()
    assert loaded.spec.poster.benefits[0].text == "新鲜芒果现切，每杯都有满满果肉"


# --------------------------------------------------------------------------- YAML itself

YAML_CASES = [
    pytest.param(
        swap("  name: 山茶小馆", "  name: [山茶小馆"),
        ["campaign.yaml:8: YAML syntax error: expected ',' or ']', but got ':'"],
        id="unclosed-flow-list",
    ),
    pytest.param(
        swap("poster:\n", "poster:\n bad\n"),
        [
            "campaign.yaml:15: YAML syntax error: unexpected ':'; check the indentation, and quote "
            "text that contains ': '"
        ],
        id="bad-indentation",
    ),
    pytest.param(
        swap("  name: 山茶小馆", "\tname: 山茶小馆"),
        ["campaign.yaml:7: YAML syntax error: a tab character; indent with spaces only"],
        id="tab",
    ),
    pytest.param(
        "",
        ["campaign.yaml: the file is empty; run 'postergen init' for a starting point"],
        id="empty",
    ),
    pytest.param(
        "# only a comment\n\n",
        ["campaign.yaml: the file is empty; run 'postergen init' for a starting point"],
        id="only-comments",
    ),
    pytest.param(
        "- campaign\n- poster\n",
        ["campaign.yaml:1 (top level): expected a mapping (campaign, landing_url, brand, poster, …), got a list"],
        id="top-level-list",
    ),
    pytest.param(
        "just some words\n",
        [
            "campaign.yaml:1 (top level): expected a mapping (campaign, landing_url, brand, poster, …), "
            "got 'just some words'"
        ],
        id="top-level-scalar",
    ),
    pytest.param(
        swap("  slogan:", "  name: 又一个名字\n  slogan:"),
        [
            "campaign.yaml:9: duplicate key 'name' (first at line 7); each key may appear once in a "
            "mapping, remove one"
        ],
        id="duplicate-key",
    ),
]


@pytest.mark.parametrize("text,expected", YAML_CASES)
def test_yaml_problems(campaign, text, expected):
    assert problems(campaign(text=text)) == expected


def test_not_utf8(campaign):
    spec = campaign()
    spec.write_bytes("poster:\n  headline: 邀请\n".encode("gb18030"))
    assert problems("campaign.yaml") == ["campaign.yaml:2: not UTF-8 text (byte 20); save the file as UTF-8"]


def test_spec_folder_without_campaign_yaml(campaign, tmp_path):
    (tmp_path / "empty").mkdir()
    assert problems("empty") == ["empty/campaign.yaml: file not found: empty/campaign.yaml"]


# --------------------------------------------------------------------------- fields

FIELD_CASES = [
    pytest.param(
        swap("  headline:", "  headlne:"),
        ["campaign.yaml:14 poster.headlne: unknown field — did you mean 'headline'?"],
        id="unknown-key-did-you-mean",
    ),
    pytest.param(
        swap("  name: 新品奶茶邀请", "  name: 新品奶茶邀请\n  owner: 市场部"),
        ["campaign.yaml:5 campaign.owner: unknown field; allowed here: id, name"],
        id="unknown-key-no-close-match",
    ),
    pytest.param(
        {"poster.benefits.0": {"txt": "买一送一"}},
        ["campaign.yaml:17 poster.benefits[0].txt: unknown field — did you mean 'text'?"],
        id="misspelt-required-key-in-list-item",
    ),
    pytest.param(
        {"poster.benefits": "买一送一"},
        [
            "campaign.yaml:16 poster.benefits: expected a list, got '买一送一'; write each item on its "
            "own line, starting with '- '"
        ],
        id="string-where-list",
    ),
    pytest.param(
        {"brand": ["山茶小馆", "assets/logo.png"]},
        ["campaign.yaml:6 brand: expected a mapping (name, logo, slogan), got a list"],
        id="list-where-mapping",
    ),
    pytest.param(
        {"poster.headline": 42},
        ['campaign.yaml:14 poster.headline: expected text, got the number 42; put it in quotes: "42"'],
        id="number-where-string",
    ),
    pytest.param(
        {"poster.price.now": 9.9},
        ['campaign.yaml:21 poster.price.now: expected text, got the number 9.9; put it in quotes: "9.9"'],
        id="price-as-number",
    ),
    pytest.param(
        {"poster": None},
        [
            "campaign.yaml:13 poster: expected a mapping (headline, benefits, …), got an empty value",
        ],
        id="empty-section",
    ),
    pytest.param(
        {"poster.headline": None},
        ["campaign.yaml:14 poster.headline: expected text, got an empty value; write the text after the ':'"],
        id="empty-text",
    ),
    pytest.param(
        {"poster.scarcity": datetime.date(2024, 11, 30)},
        [
            'campaign.yaml:24 poster.scarcity: expected text, got the date 2024-11-30; put it in quotes: '
            '"2024-11-30"'
        ],
        id="date-where-string",
    ),
    pytest.param(
        {"qr.error_correction": ["H"]},
        ["campaign.yaml:30 qr.error_correction: expected one of 'L', 'M', 'Q', 'H' or 'auto', got a list"],
        id="list-where-choice",
    ),
    pytest.param(
        {"output.templates": []},
        ["campaign.yaml:32 output.templates: has 0 items; at least 1 is required"],
        id="empty-list",
    ),
    pytest.param(
        {"output.quality": "high"},
        ["campaign.yaml:35 output.quality: expected a whole number, got 'high'"],
        id="text-where-integer",
    ),
    pytest.param(
        {"output.quality": 0},
        ["campaign.yaml:35 output.quality: must be at least 1 (got 0)"],
        id="integer-out-of-range",
    ),
    pytest.param(
        {"poster.headline": DELETE},
        [
            "campaign.yaml:13 poster.headline: required field is missing — The attention point: "
            "large, short (≤ 14 CJK characters reads best)"
        ],
        id="missing-required-field",
    ),
    pytest.param(
        {"campaign": DELETE},
        ["campaign.yaml:1 campaign: required field is missing — Campaign id and name"],
        id="missing-required-section",
    ),
    pytest.param(
        {"theme.primary": "red"},
        ["campaign.yaml:26 theme.primary: 'red' is not a colour; write it as #RRGGBB, e.g. '#E8432E'"],
        id="invalid-colour",
    ),
    pytest.param(
        {"output.sizes": ["1080x1920", "1080*1920"]},
        ["campaign.yaml:35 output.sizes[1]: '1080*1920' is not a size; write WIDTHxHEIGHT, e.g. '1080x1920'"],
        id="bad-size-string",
    ),
    pytest.param(
        {"output.sizes.0": "100x100"},
        ["campaign.yaml:33 output.sizes[0]: '100x100' is out of range: width 200-4000 px, height 200-6000 px"],
        id="size-out-of-range",
    ),
    pytest.param(
        {"poster.benefits": ["只有一条"]},
        ["campaign.yaml:16 poster.benefits: has 1 item; at least 2 are required"],
        id="too-few-benefits",
    ),
    pytest.param(
        {"poster.benefits": [f"好处{i}" for i in range(7)]},
        ["campaign.yaml:16 poster.benefits: has 7 items; at most 6 are allowed"],
        id="too-many-benefits",
    ),
    pytest.param(
        {"output.formats.0": "gif"},
        ["campaign.yaml:34 output.formats[0]: 'gif' is not allowed; use one of 'png', 'jpeg' or 'webp'"],
        id="format-gif",
    ),
    pytest.param(
        {"output.formats.0": "jpg"},
        [
            "campaign.yaml:34 output.formats[0]: 'jpg' is not allowed; use one of 'png', 'jpeg' or "
            "'webp' — did you mean 'jpeg'?"
        ],
        id="format-jpg-did-you-mean",
    ),
    pytest.param(
        {"qr.error_correction": "X"},
        ["campaign.yaml:30 qr.error_correction: 'X' is not allowed; use one of 'L', 'M', 'Q', 'H' or 'auto'"],
        id="qr-error-correction",
    ),
    pytest.param(
        {"version": 2},
        ["campaign.yaml:1 version: 2 is not allowed; use 1"],
        id="version",
    ),
    pytest.param(
        {"landing_url": "h5.example.com/tea"},
        [
            "campaign.yaml:5 landing_url: 'h5.example.com/tea' is not a full URL; start it with "
            "https://, e.g. 'https://h5.example.com/tea'"
        ],
        id="landing-url-without-scheme",
    ),
    pytest.param(
        {"landing_url": "ftp://example.com/tea"},
        [
            "campaign.yaml:5 landing_url: 'ftp://example.com/tea' is not an http(s) URL, e.g. "
            "'https://h5.example.com/invite'"
        ],
        id="landing-url-wrong-scheme",
    ),
    pytest.param(
        {"campaign.id": "Tea Invite"},
        [
            "campaign.yaml:3 campaign.id: 'Tea Invite' is not valid here — Short campaign id used in "
            "file names and utm_campaign: lowercase letters, digits and dashes, e.g. 'tea-invite-3'"
        ],
        id="campaign-id-pattern",
    ),
    pytest.param(
        {"poster.endorsements": [{"kind": "celebrity", "text": "好喝"}]},
        [
            "campaign.yaml:26 poster.endorsements[0].kind: 'celebrity' is not allowed; use one of "
            "'certification', 'expert' or 'review'"
        ],
        id="endorsement-kind",
    ),
]


@pytest.mark.parametrize("change,expected", FIELD_CASES)
def test_field_problems(campaign, change, expected):
    spec = campaign(text=change) if callable(change) else campaign(change)
    assert problems(spec) == expected


# theme.background is a colour string or a mapping: one clear message, never one per member.
BACKGROUND_CASES = [
    pytest.param(
        "red",
        ["campaign.yaml:27 theme.background: 'red' is not a colour; write it as #RRGGBB, e.g. '#E8432E'"],
        id="bad-colour-string",
    ),
    pytest.param(
        {"color": "red"},
        ["campaign.yaml:28 theme.background.color: 'red' is not a colour; write it as #RRGGBB, e.g. '#E8432E'"],
        id="bad-colour-in-mapping",
    ),
    pytest.param(
        {"colour": "#FFFFFF"},
        ["campaign.yaml:28 theme.background.colour: unknown field — did you mean 'color'?"],
        id="misspelt-key",
    ),
    pytest.param(
        {"gradient": {"colors": ["#FFFFFF", "blue"]}},
        [
            "campaign.yaml:31 theme.background.gradient.colors[1]: 'blue' is not a colour; write it as "
            "#RRGGBB, e.g. '#E8432E'"
        ],
        id="bad-gradient-colour",
    ),
    pytest.param(
        {"color": "#FFFFFF", "focal": [2, 0.5]},
        ["campaign.yaml:29 theme.background.focal: focal point coordinates must be between 0 and 1"],
        id="focal-out-of-range",
    ),
    pytest.param(
        12,
        [
            "campaign.yaml:27 theme.background: expected a mapping (color, gradient, image, focal) or "
            "text, got the number 12"
        ],
        id="number",
    ),
]


@pytest.mark.parametrize("value,expected", BACKGROUND_CASES)
def test_background_union_gives_one_message(campaign, value, expected):
    assert problems(campaign({"theme.background": value})) == expected


# --------------------------------------------------------------------------- assets


def test_missing_asset_suggests_a_near_name(campaign):
    assert problems(campaign({"brand.logo": "assets/logo.jpg"})) == [
        "campaign.yaml:8 brand.logo: file not found: assets/logo.jpg — did you mean 'assets/logo.png'?"
    ]


def test_missing_asset_without_a_near_name(campaign):
    assert problems(campaign({"brand.logo": "img/brand.png"})) == [
        "campaign.yaml:8 brand.logo: file not found: img/brand.png (paths are relative to the spec's folder)"
    ]


@pytest.mark.parametrize(
    "rel,message",
    [
        ("", "the path is empty; give a file relative to the spec's folder, or remove the field"),
        ("assets", "assets is a folder, not an image file"),
    ],
    ids=["empty", "folder"],
)
def test_asset_path_that_names_no_file(campaign, rel, message):
    assert problems(campaign({"brand.logo": rel})) == [f"campaign.yaml:8 brand.logo: {message}"]


def test_corrupt_image(campaign, tmp_path):
    spec = campaign()
    (tmp_path / "assets" / "avatar.jpg").write_bytes(bytes(range(7, 256)) * 8)
    assert problems(spec) == [
        "campaign.yaml:12 inviter.avatar: assets/avatar.jpg is not an image Pillow can read; export it "
        "again as PNG, JPEG or WebP"
    ]


def test_truncated_jpeg(campaign, tmp_path):
    spec = campaign()
    (tmp_path / "assets" / "avatar.jpg").write_bytes(jpeg_bytes((256, 256))[:400])
    assert problems(spec) == [
        "campaign.yaml:12 inviter.avatar: assets/avatar.jpg is truncated or corrupt (Truncated File "
        "Read); export it again"
    ]


def test_text_file_named_png_is_reported_for_every_field_using_it(campaign, tmp_path):
    spec = campaign()
    (tmp_path / "assets" / "logo.png").write_text("logo goes here\n", encoding="utf-8")
    message = "assets/logo.png is a text file, not an image; use a PNG, JPEG or WebP file"
    assert problems(spec) == [
        f"campaign.yaml:8 brand.logo: {message}",
        f"campaign.yaml:29 qr.logo: {message}",
    ]


def test_html_page_saved_as_image(campaign, tmp_path):
    spec = campaign()
    (tmp_path / "assets" / "avatar.jpg").write_text("<!DOCTYPE html><html><body>403</body></html>")
    assert problems(spec) == [
        "campaign.yaml:12 inviter.avatar: assets/avatar.jpg is an HTML page (saved from a browser?), "
        "not an image; use a PNG, JPEG or WebP file"
    ]


@pytest.mark.parametrize(
    "size,message",
    [
        ((20000, 20000), "assets/avatar.png is 400 MP, over the 50 MP limit (possible decompression bomb); resize it"),
        (
            (9000, 6000),
            "assets/avatar.png is 9000×6000 px (54 MP), over the 50 MP limit (possible decompression bomb); "
            "resize it",
        ),
    ],
    ids=["past-pillow-limit", "past-our-limit"],
)
def test_decompression_bomb(campaign, tmp_path, size, message):
    spec = campaign({"inviter.avatar": "assets/avatar.png"})
    (tmp_path / "assets" / "avatar.png").write_bytes(png_declaring(*size))
    assert problems(spec) == [f"campaign.yaml:12 inviter.avatar: {message}"]


@pytest.mark.parametrize(
    "rel,message",
    [
        ("../secret.png", "'../secret.png' points outside the campaign folder; copy the file into it"),
        ("assets/../../secret.png", "'assets/../../secret.png' points outside the campaign folder; copy the file into it"),
        ("/etc/passwd", "'/etc/passwd' is an absolute path; give a path relative to the spec's folder"),
        (
            "https://cdn.example.com/logo.png",
            "'https://cdn.example.com/logo.png' is a URL; postergen only reads local files inside the campaign folder",
        ),
    ],
    ids=["dot-dot", "dot-dot-inside", "absolute", "url"],
)
def test_asset_paths_stay_inside_the_campaign(campaign, tmp_path, rel, message):
    (tmp_path.parent / "secret.png").write_bytes(b"not for you")
    assert problems(campaign({"brand.logo": rel})) == [f"campaign.yaml:8 brand.logo: {message}"]


# --------------------------------------------------------------------------- fonts and glyphs


@pytest.mark.parametrize(
    "field,line,text,char,code",
    [
        ("poster.headline", 14, "邀好友\U00013000免费喝", "\U00013000", "U+13000"),
        ("poster.benefits[1]", 18, "全国门店通用\U0002A6D6", "\U0002A6D6", "U+2A6D6"),
        ("brand.slogan", 9, "一杯好茶\u0e01", "\u0e01", "U+0E01"),
    ],
    ids=["hieroglyph", "rare-ideograph", "thai"],
)
def test_missing_glyph_names_field_character_and_code_point(campaign, field, line, text, char, code):
    key = field.replace("[1]", ".1")
    assert problems(campaign({key: text})) == [
        f"campaign.yaml:{line} {field}: character '{char}' ({code}) is in no configured font; remove it "
        "or add a font that has it to theme.fonts.fallback"
    ]


def test_unknown_bundled_font(campaign):
    assert problems(campaign({"theme.fonts": {"heading": "bundled:italic"}})) == [
        "campaign.yaml:29 theme.fonts.heading: unknown bundled font 'italic'; use one of: regular, bold"
    ]


def test_font_that_is_not_a_font(campaign, tmp_path):
    spec = campaign({"theme.fonts": {"body": "fonts/brand.ttf"}})
    (tmp_path / "fonts").mkdir()
    (tmp_path / "fonts" / "brand.ttf").write_bytes(b"\0\1\0\0garbage")
    [problem] = problems(spec)
    assert problem.startswith("campaign.yaml:29 theme.fonts.body: fonts/brand.ttf is not a font fontTools can read (")
    assert problem.endswith("); export it again")


def test_missing_fallback_font(campaign):
    assert problems(campaign({"theme.fonts": {"fallback": ["fonts/emoji.ttf"]}})) == [
        "campaign.yaml:30 theme.fonts.fallback[0]: font file not found: fonts/emoji.ttf (paths are relative "
        "to the spec's folder)"
    ]


def test_misspelt_font_file(campaign, tmp_path):
    spec = campaign({"theme.fonts": {"heading": "fonts/Brand-Bold.otf"}})
    (tmp_path / "fonts").mkdir()
    (tmp_path / "fonts" / "brand-bold.otf").write_bytes(b"only its name matters here")
    assert problems(spec) == [
        "campaign.yaml:29 theme.fonts.heading: font file not found: fonts/Brand-Bold.otf — did you mean "
        "'fonts/brand-bold.otf'?"
    ]


def test_svg_saved_as_png(campaign, tmp_path):
    spec = campaign({"qr.logo": "assets/mark.png"})
    (tmp_path / "assets" / "mark.png").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    assert problems(spec) == [
        "campaign.yaml:29 qr.logo: assets/mark.png is an SVG drawing, not an image; use a PNG, JPEG or WebP file"
    ]


# --------------------------------------------------------------------------- templates


def test_unknown_template_name(campaign):
    assert problems(campaign({"output.templates": ["bold", "fancy"]})) == [
        f"campaign.yaml:34 output.templates[1]: no template named 'fancy' (built-in: {BUILTIN}; or add "
        "templates/fancy.yaml)"
    ]


def test_misspelt_template_name(campaign):
    assert problems(campaign({"output.templates.0": "bodl"})) == [
        "campaign.yaml:32 output.templates[0]: no template named 'bodl' — did you mean 'bold'? (built-in: "
        f"{BUILTIN}; or add templates/bodl.yaml)"
    ]


def test_template_name_cannot_be_a_path(campaign):
    assert problems(campaign({"output.templates.0": "../bold"})) == [
        f"campaign.yaml:32 output.templates[0]: '../bold' is not a template name; use a built-in one "
        f"({BUILTIN}) or the name of a file in templates/ without '.yaml'"
    ]


TEMPLATE = """\
name: x
description: a user template
frames:
  portrait:
    size: [1080, 1920]
    layers:
      - {type: shape, box: [0, 0, 1080, 1920], fill: background}
      - {type: circle, box: [0, 0, 100, 100]}
      - box: [0, 0, 10, 10]
      - type: text
        text: "{poster.headline}"
        box: [80, 300, 920]
        sise: [72, 132]
"""


def test_broken_user_template_is_reported_with_its_own_file_and_line(campaign, tmp_path):
    spec = campaign({"output.templates.0": "x"})
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "x.yaml").write_text(TEMPLATE, encoding="utf-8")
    assert problems(spec) == [
        "templates/x.yaml:8 frames.portrait.layers[1].type: 'circle' is not allowed; use one of 'shape', "
        "'image', 'text', 'list', 'price', 'ladder' or 'qr'",
        "templates/x.yaml:9 frames.portrait.layers[2].type: required field is missing; use one of 'shape', "
        "'image', 'text', 'list', 'price', 'ladder' or 'qr'",
        "templates/x.yaml:12 frames.portrait.layers[3].box: expected 4 values (x, y, width, height in "
        "frame pixels), got 3",
        "templates/x.yaml:13 frames.portrait.layers[3].sise: unknown field — did you mean 'size'?",
    ]


def test_user_template_with_a_yaml_error(campaign, tmp_path):
    spec = campaign({"output.templates.0": "x"})
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "x.yaml").write_text("name: x\nframes: [\n", encoding="utf-8")
    assert problems(spec) == [
        "templates/x.yaml:3: YAML syntax error: expected the node content, but found '<stream end>'"
    ]


def test_empty_user_template(campaign, tmp_path):
    spec = campaign({"output.templates.0": "x"})
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "x.yaml").write_text("", encoding="utf-8")
    assert problems(spec) == ["templates/x.yaml: the file is empty; a template needs 'name:' and 'frames:'"]


def test_templates_dir_outside_the_campaign(campaign):
    assert problems(campaign({"output.templates_dir": "../shared"})) == [
        "campaign.yaml:35 output.templates_dir: '../shared' points outside the campaign folder; copy the "
        "file into it"
    ]


# --------------------------------------------------------------------------- all at once


def test_every_problem_is_reported_at_once_in_file_order(campaign, tmp_path):
    spec = campaign(
        {
            "brand.logo": "assets/nope.png",
            "brand.slogan": "一杯好茶\U00013000",
            "theme.primary": "red",
            "output.formats.0": "gif",
            "output.templates": ["bold", "x"],
        },
        text=swap("  headline:", "  headlne:"),
    )
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "x.yaml").write_text(TEMPLATE.replace("type: circle", "type: shape"), encoding="utf-8")
    assert problems(spec) == [
        "campaign.yaml:8 brand.logo: file not found: assets/nope.png — did you mean 'assets/logo.png'?",
        "campaign.yaml:9 brand.slogan: character '\U00013000' (U+13000) is in no configured font; remove it or add "
        "a font that has it to theme.fonts.fallback",
        "campaign.yaml:14 poster.headlne: unknown field — did you mean 'headline'?",
        "campaign.yaml:26 theme.primary: 'red' is not a colour; write it as #RRGGBB, e.g. '#E8432E'",
        "campaign.yaml:36 output.formats[0]: 'gif' is not allowed; use one of 'png', 'jpeg' or 'webp'",
        "templates/x.yaml:9 frames.portrait.layers[2].type: required field is missing; use one of 'shape', "
        "'image', 'text', 'list', 'price', 'ladder' or 'qr'",
        "templates/x.yaml:12 frames.portrait.layers[3].box: expected 4 values (x, y, width, height in "
        "frame pixels), got 3",
        "templates/x.yaml:13 frames.portrait.layers[3].sise: unknown field — did you mean 'size'?",
    ]


def test_spec_error_message_lists_every_problem(campaign):
    from postergen.errors import SpecError
    from postergen.loader import load_campaign

    spec = campaign({"theme.primary": "red", "qr.error_correction": "X"})
    with pytest.raises(SpecError) as err:
        load_campaign(spec)
    assert str(err.value) == (
        "campaign.yaml:26 theme.primary: 'red' is not a colour; write it as #RRGGBB, e.g. '#E8432E'\n"
        "campaign.yaml:30 qr.error_correction: 'X' is not allowed; use one of 'L', 'M', 'Q', 'H' or 'auto'"
    )
    assert [p.line for p in err.value.problems] == [26, 30]
    assert [p.path for p in err.value.problems] == ["theme.primary", "qr.error_correction"]


# --------------------------------------------------------------------------- the CLI


def validate(*args: str):
    return CliRunner().invoke(app, ["validate", *args], terminal_width=200)


def test_cli_validate_bad_spec_exits_2_with_messages_on_stderr(campaign):
    campaign({"theme.primary": "red", "output.sizes.0": "1080*1920"})
    result = validate("campaign.yaml")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "campaign.yaml:26 theme.primary: 'red' is not a colour; write it as #RRGGBB, e.g. '#E8432E'",
        "campaign.yaml:33 output.sizes[0]: '1080*1920' is not a size; write WIDTHxHEIGHT, e.g. '1080x1920'",
        "2 problems found; nothing was rendered.",
    ]


def test_cli_validate_yaml_error(campaign):
    campaign(text=swap("  slogan:", "  name: again\n  slogan:"))
    result = validate(".")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "campaign.yaml:9: duplicate key 'name' (first at line 7); each key may appear once in a mapping, "
        "remove one",
        "1 problem found; nothing was rendered.",
    ]


def test_cli_validate_in_a_subprocess(campaign, tmp_path):
    campaign({"brand.logo": "../secret.png"})
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    run = subprocess.run(
        [sys.executable, "-m", "postergen", "validate", "campaign.yaml"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=tmp_path,
        env=env,
    )
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr.splitlines() == [
        "campaign.yaml:8 brand.logo: '../secret.png' points outside the campaign folder; copy the file into it",
        "1 problem found; nothing was rendered.",
    ]


def test_unquoted_comma_in_flow_mapping_suggests_quotes(campaign):
    spec = campaign(text=lambda t: t.replace("    - 新鲜芒果现切，每杯都有满满果肉", "    - {text: Roasted to order, shipped in 48 hours}"))
    assert problems(spec) == [
        "campaign.yaml:17 poster.benefits[0].shipped in 48 hours: unknown field; allowed here: text, icon; "
        "if this is part of a text, put the whole text in quotes (a comma inside {…} starts a new field)"
    ]
