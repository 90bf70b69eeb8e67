"""Hostile campaign folders: templates that try to run code or read files outside the folder.

A pull-request preview runs campaign files from strangers, so every template is
untrusted.  Each attack below is written into the campaign's own landing templates; it
must fail during ``validate`` with the template's file:line and ``unsafe template: …``,
and nothing may run (the payload would create the file ``pwned``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import make_campaign
from typer.testing import CliRunner

from postergen.cli import app
from postergen.errors import SpecError

ROOT = Path(__file__).resolve().parents[1]
FOOTER = "templates/landing/footer.html.j2"
INTERNAL = "is a Python internal; templates may only read data fields"
LINK_OUT = (
    "is a link to a file outside the campaign folder; templates and the files they include must be "
    "inside it — copy the file in instead of linking it"
)


SITE = {"form": {"endpoint": "https://api.example.com/leads", "privacy_url": "https://h5.example.com/privacy"}}


@pytest.fixture
def site_campaign(campaign):
    """conftest's campaign with a ``landing:`` section: its site (and so its landing page,
    where the templates under attack run) is built and validated."""

    def make(overrides=None, **kwargs):
        return campaign({"landing": SITE, **(overrides or {})}, **kwargs)

    return make


def validate_problems(spec, environ=None) -> list[str]:
    from postergen.validate import validate_campaign

    with pytest.raises(SpecError) as info:
        validate_campaign(spec, environ=environ or {})
    return [str(p) for p in info.value.problems]


def landing_file(folder: Path, name: str, text: str) -> Path:
    own = folder / "templates" / "landing"
    own.mkdir(parents=True, exist_ok=True)
    path = own / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- code execution

ATTACKS = [
    pytest.param("{{ cycler.__init__.__globals__.os.popen('touch pwned').read() }}", f"'__init__' {INTERNAL}", id="cycler"),
    pytest.param("{{ joiner.__init__.__globals__.os.system('touch pwned') }}", f"'__init__' {INTERNAL}", id="joiner"),
    pytest.param("{{ namespace.__init__.__globals__.os.popen('touch pwned').read() }}", f"'__init__' {INTERNAL}", id="namespace"),
    pytest.param("{{ lipsum.__globals__['os'].popen('touch pwned').read() }}", f"'__globals__' {INTERNAL}", id="lipsum"),
    pytest.param("{{ range.__class__.__base__.__subclasses__() }}", f"'__class__' {INTERNAL}", id="range-class"),
    pytest.param("{{ ''.__class__.__mro__[1].__subclasses__() }}", f"'__class__' {INTERNAL}", id="str-mro"),
    pytest.param("{{ self._TemplateReference__context }}", f"'_TemplateReference__context' {INTERNAL}", id="self-context"),
    pytest.param(
        "{{ config.__class__.__init__.__globals__['os'].popen('touch pwned').read() }}", f"'__class__' {INTERNAL}", id="config"
    ),
    pytest.param("{{ cycler|attr('__init__')|attr('__globals__') }}", f"'__init__' {INTERNAL}", id="attr-filter"),
    pytest.param(
        "{{ cycler|attr('_' ~ '_init__') }}",
        "the 'attr' filter takes a plain attribute name, not an expression; write value.name",
        id="attr-computed",
    ),
    pytest.param("{{ cycler['__init__'] }}", f"'__init__' {INTERNAL}", id="getitem"),
    pytest.param(
        "{{ '{0.__class__.__init__.__globals__}'.format(cycler) }}",
        "'format' is not available in templates; use the format filter: '%s'|format(value)",
        id="format-string",
    ),
    pytest.param("{{ ''.mro }}", f"'mro' {INTERNAL}", id="mro"),
    pytest.param("{{ page.benefits|map(attribute='__class__')|list }}", f"'__class__' {INTERNAL}", id="map-attribute"),
    pytest.param("{% set ns = namespace() %}{% set ns.__class__ = 1 %}", f"'__class__' {INTERNAL}", id="namespace-set"),
    # Computed at run time: the static audit cannot see the name, the sandbox stops it.
    pytest.param(
        "{% set n = '_' ~ '_class__' %}{{ page[n] }}",
        "access to attribute '__class__' of 'dict' object is unsafe.",
        id="computed-name",
    ),
    pytest.param(
        "{% set x = [] %}{{ x.append(1) }}", "access to attribute 'append' of 'list' object is unsafe.", id="mutation"
    ),
]


@pytest.mark.parametrize("attack, why", ATTACKS)
def test_template_attacks_fail_in_validate_and_nothing_runs(site_campaign, tmp_path, attack, why):
    spec = site_campaign()
    landing_file(tmp_path, "footer.html.j2", f"<footer>\n{attack}\n</footer>\n")
    assert validate_problems(spec) == [f"{FOOTER}:2: unsafe template: {why}"]
    assert not (tmp_path / "pwned").exists()


def test_an_unused_template_in_the_folder_is_audited_too(campaign, tmp_path):
    spec = campaign()
    landing_file(tmp_path, "unused.html.j2", "{% if false %}\n{{ cycler.__init__.__globals__ }}\n{% endif %}\n")
    assert validate_problems(spec) == [f"templates/landing/unused.html.j2:2: unsafe template: '__init__' {INTERNAL}"]


def test_cli_validate_reports_the_attack_without_a_traceback(campaign, tmp_path):
    spec = campaign()
    landing_file(tmp_path, "footer.html.j2", "{{ cycler.__init__.__globals__.os.popen('touch pwned').read() }}")
    result = CliRunner().invoke(app, ["validate", str(spec)])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"{FOOTER}:1: unsafe template: '__init__' {INTERNAL}",
        "1 problem found; nothing was rendered.",
    ]
    assert not (tmp_path / "pwned").exists()


def test_build_refuses_the_page_and_writes_the_rest(site_campaign, tmp_path):
    spec = site_campaign()
    landing_file(tmp_path, "footer.html.j2", "{{ cycler.__init__.__globals__.os.popen('touch pwned').read() }}")
    result = CliRunner().invoke(app, ["build", str(spec), "-o", "out", "-q"])
    assert result.exit_code == 1
    assert f"landing/base/index.html: {FOOTER}:1: unsafe template: '__init__' {INTERNAL}" in result.output
    assert not (tmp_path / "pwned").exists()
    assert not (tmp_path / "out" / "landing" / "base" / "index.html").exists()
    assert (tmp_path / "out" / "posters").is_dir()


def test_templates_get_plain_data_and_never_the_secret(tmp_path):
    from postergen.jobs import codes_for
    from postergen.landing import render_landing
    from postergen.loader import load_campaign

    secret = "d41d8cd98f00b204e9800998ecf8427e-marker"
    spec = make_campaign(
        tmp_path,
        {"channels": [{"id": "moments", "name": "朋友圈"}], "tracking": {"secret_env": "PG_TEST_SECRET"}, "landing": SITE},
    )
    landing_file(
        tmp_path,
        "footer.html.j2",
        "<footer>{{ spec|tojson }}{{ row|tojson }}{{ page|tojson }}{{ meta|tojson }}{{ config|tojson }}"
        "{{ colors|tojson }}{{ hidden|tojson }}{{ t|tojson }}|{{ spec.campaign.id }}|{{ row.code }}|"
        "{{ page.has_proof }}|{{ page.brand.name }}</footer>",
    )
    loaded = load_campaign(spec)
    environ = {"PG_TEST_SECRET": secret, "PG_OTHER": "env-marker-7"}
    rows, _ = codes_for(loaded, environ)
    page = render_landing(loaded, rows[0])
    assert secret not in page.html and "env-marker-7" not in page.html
    assert f"|tea-invite-3|{rows[0].code}|False|山茶小馆</footer>" in page.html
    assert "PG_TEST_SECRET" in page.html  # the variable's name is spec data; its value is not


@pytest.mark.parametrize(
    "expr, message",
    [
        ("{{ spec.model_dump() }}", "'dict object' has no attribute 'model_dump'"),
        ("{{ row.to_dict() }}", "'dict object' has no attribute 'to_dict'"),
        ("{{ page.brand.model_copy() }}", "'dict object' has no attribute 'model_copy'"),
    ],
)
def test_no_methods_of_the_campaign_objects(site_campaign, tmp_path, expr, message):
    spec = site_campaign()
    landing_file(tmp_path, "footer.html.j2", f"<footer>{expr}</footer>")
    assert validate_problems(spec) == [f"{FOOTER}:1: {message} (check the name against the template context)"]


def test_every_jinja_environment_is_the_sandbox():
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from postergen.landing.render import landing_env
    from postergen.loader import load_campaign
    from postergen.preview.gallery import _env as gallery_env
    from postergen.redirects import _env as pages_env
    from postergen.report.html import _env as report_env

    for path in (ROOT / "postergen").rglob("*.py"):
        if path.name == "sandbox.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\bEnvironment\(|from_string\(|jinja2 import .*Environment", text), path
    loaded = load_campaign(ROOT / "examples" / "tea-invite")
    for env in (landing_env(loaded), gallery_env(), pages_env(), report_env()):
        assert isinstance(env, ImmutableSandboxedEnvironment)
        assert env.autoescape is True or env.autoescape("page.html.j2") is True


# --------------------------------------------------------------------------- links out of the folder


@pytest.fixture
def outside(tmp_path_factory) -> Path:
    """A folder beside the campaign with a file that must never appear anywhere."""
    folder = tmp_path_factory.mktemp("outside")
    (folder / "footer.html.j2").write_text("TOPSECRET {{ 1 + }}\n", encoding="utf-8")
    (folder / "secret.txt").write_text("TOPSECRET-LINE\n", encoding="utf-8")
    return folder


def test_a_template_that_links_out_of_the_folder_is_refused(campaign, tmp_path, outside):
    spec = campaign()
    own = tmp_path / "templates" / "landing"
    own.mkdir(parents=True)
    (own / "footer.html.j2").symlink_to(outside / "footer.html.j2")
    problems = validate_problems(spec)
    assert problems == [f"{FOOTER}: {LINK_OUT}"]
    assert "TOPSECRET" not in "".join(problems)


def test_an_include_that_links_out_of_the_folder_is_refused(site_campaign, tmp_path, outside):
    spec = site_campaign()
    landing_file(tmp_path, "footer.html.j2", '<footer>{% include "extra.txt" %}</footer>')
    (tmp_path / "templates" / "landing" / "extra.txt").symlink_to(outside / "secret.txt")
    result = CliRunner().invoke(app, ["build", str(spec), "-o", "out", "-q"])
    assert result.exit_code == 1
    assert f"landing/base/index.html: templates/landing/extra.txt: {LINK_OUT}" in result.output
    assert "TOPSECRET" not in result.output
    assert not list((tmp_path / "out").rglob("index.html"))


def test_a_landing_folder_that_links_out_is_refused(campaign, tmp_path, outside):
    spec = campaign()
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "landing").symlink_to(outside, target_is_directory=True)
    assert validate_problems(spec) == [f"{FOOTER}: {LINK_OUT}"]


def test_a_poster_template_that_links_out_is_refused(campaign, tmp_path, outside):
    (outside / "mine.yaml").write_text("name: TOPSECRET\n", encoding="utf-8")
    spec = campaign({"output.templates": ["mine"]})
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "mine.yaml").symlink_to(outside / "mine.yaml")
    from conftest import problems

    assert problems(spec) == [
        "campaign.yaml:33 output.templates[0]: templates/mine.yaml is a link to a file outside the campaign "
        "folder; copy the template in instead of linking it"
    ]


def test_links_inside_the_folder_are_fine(campaign, tmp_path):
    spec = campaign()
    landing_file(tmp_path, "mine.html.j2", '<footer class="foot"><p>链接页脚</p></footer>\n')
    (tmp_path / "templates" / "landing" / "footer.html.j2").symlink_to("mine.html.j2")
    from postergen.validate import validate_campaign

    validate_campaign(spec, environ={})


def test_a_fifo_or_a_huge_template_is_refused(campaign, tmp_path):
    spec = campaign()
    own = tmp_path / "templates" / "landing"
    own.mkdir(parents=True)
    os.mkfifo(own / "footer.html.j2")
    assert validate_problems(spec) == [
        f"{FOOTER}: is not a regular file (a folder, pipe or device); a template must be a file"
    ]
    (own / "footer.html.j2").unlink()
    (own / "footer.html.j2").write_text("x" * (512 * 1024 + 1), encoding="utf-8")
    assert validate_problems(spec) == [f"{FOOTER}: is 524,289 bytes; a template may be at most 524,288 bytes"]


def test_syntax_errors_quote_only_a_short_escaped_excerpt(campaign, tmp_path):
    spec = campaign()
    landing_file(tmp_path, "footer.html.j2", "<footer>\n{{ 'A' ~ '\x1b[31m" + "S" * 200 + "' + }}\n</footer>")
    (problem,) = validate_problems(spec)
    assert problem == (
        f"{FOOTER}:2: template syntax error: unexpected 'end of print statement' "
        "(line: \"{{ 'A' ~ '\\x1b[31mSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS…\")"
    )
    assert "\x1b" not in problem


def test_template_loops_and_repetition_are_bounded(site_campaign, tmp_path):
    spec = site_campaign()
    landing_file(tmp_path, "footer.html.j2", "<footer>\n{{ 'x' * 100000000 }}</footer>")
    assert validate_problems(spec) == [
        f"{FOOTER}:2: unsafe template: '*' would make 100,000,000 characters; at most 1,000,000"
    ]
    landing_file(tmp_path, "footer.html.j2", "{% for i in range(9000) %}{% for j in range(9000) %}{% endfor %}{% endfor %}")
    assert validate_problems(spec) == [
        f"{FOOTER}:1: unsafe template: the template's loops are too long (more than 100000 items from range())"
    ]


def test_image_helper_refuses_files_outside_and_absurd_sizes(site_campaign, tmp_path):
    spec = site_campaign()
    landing_file(tmp_path, "footer.html.j2", "<footer>\n{{ image('../secret.png', 40).uri }}</footer>")
    assert validate_problems(spec) == [
        f"{FOOTER}:2: image(): '../secret.png' points outside the campaign folder; copy the file into it"
    ]
    landing_file(tmp_path, "footer.html.j2", "<footer>\n{{ image('assets/logo.png', 100000, 100000).uri }}</footer>")
    assert validate_problems(spec) == [
        f"{FOOTER}:2: image(): width must be a whole number of CSS px from 1 to 1200, not 100000"
    ]


# --------------------------------------------------------------------------- spreadsheet formulas


@pytest.mark.parametrize(
    "value, cell",
    [
        ('=HYPERLINK("http://evil.example","点我")', '\'=HYPERLINK("http://evil.example","点我")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("-12.5", "-12.5"),
        ("+86", "+86"),
        ("1e-3", "1e-3"),
        ("朋友圈", "朋友圈"),
        ("a=b", "a=b"),
        (None, ""),
    ],
)
def test_csv_cells_never_start_a_formula(value, cell):
    from postergen.csvsafe import safe_cell

    assert safe_cell(value) == cell


def _csv(path: Path) -> list[dict]:
    import csv

    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_codes_csv_neutralises_formulas(campaign, tmp_path):
    channels = [
        {"id": "moments", "name": '=HYPERLINK("http://evil.example","x")'},
        {"id": "groups", "name": "@SUM(1+1)"},
        {"id": "store", "name": "门店"},
    ]
    spec = campaign({"channels": channels})
    result = CliRunner().invoke(app, ["codes", str(spec), "--csv", "codes.csv"])
    assert result.exit_code == 0, result.output
    names = [r["channel_name"] for r in _csv(tmp_path / "codes.csv")]
    assert names == ['\'=HYPERLINK("http://evil.example","x")', "'@SUM(1+1)", "门店"]


def test_manifest_and_handoff_csvs_neutralise_formulas(campaign, tmp_path):
    from postergen.handoff import export
    from postergen.loader import load_campaign
    from postergen.pipeline import MANIFEST_FIELDS, write_manifest

    loaded = load_campaign(campaign())
    row = dict.fromkeys(MANIFEST_FIELDS, "")
    row.update(path="posters/x.png", kind="poster", code="=1+1", url="-cmd", sha256="@x")
    write_manifest(tmp_path / "m", loaded, [row], "digest")
    (written,) = _csv(tmp_path / "m" / "manifest.csv")
    assert (written["code"], written["url"], written["sha256"], written["path"]) == ("'=1+1", "'-cmd", "'@x", "posters/x.png")
    result = export(loaded, tmp_path / "handoff", environ={})
    (variant,) = _csv(tmp_path / "handoff" / "all" / "variants.csv")
    assert variant["url"] == "https://h5.example.com/tea/invite" and variant["weight"] == "1"
    assert result.build.ok


# --------------------------------------------------------------------------- weak secrets

HOW = (
    "codes derived from it can be guessed or forged; it needs at least 16 random bytes — export "
    'PG_SECRET=$(openssl rand -hex 16) or make one with python -c "import secrets; print(secrets.token_hex(16))"'
)


@pytest.mark.parametrize(
    "value, why",
    [
        ("x", "one character repeated"),
        ("changeme", "a well-known value"),
        ("Secret!", "a well-known value"),
        ("correct horse battery staple", "a well-known value"),
        ("/usr/local/bin:/usr/bin:/bin", "the same value as $PATH"),
        ("a" * 40, "one character repeated"),
        ("abcabcabcabcabcabcabcabcabcabcabcabc", "a short piece repeated"),
        ("abcdefghijklmnopqrstuvwxyz0123456789", "mostly a run of consecutive characters"),
        ("9z9z4k4k9z9z4k4k7m7m9z9z4k4k7m7m", "only 6 different characters"),
        ("13781bef648ba381", "16 characters, about 64 bits"),
        ("Tr0ub4dor&3", "11 characters, about 72 bits"),
    ],
)
def test_weak_secrets_are_refused(campaign, value, why):
    from postergen.checks import check_tracking
    from postergen.loader import load_campaign

    spec = campaign({"channels": [{"id": "moments", "name": "朋友圈"}], "tracking": {"secret_env": "PG_SECRET"}})
    environ = {"PG_SECRET": value, "PATH": "/usr/local/bin:/usr/bin:/bin"}
    problems = [str(p) for p in check_tracking(load_campaign(spec), environ)]
    assert problems == [f"campaign.yaml:39 tracking.secret_env: environment variable PG_SECRET holds a weak secret ({why}): {HOW}"]


def test_strong_secrets_pass_and_weak_ones_fail_validate_strict(campaign, monkeypatch):
    import base64
    import secrets

    from postergen.codes import weak_secret

    for _ in range(2000):
        assert weak_secret(secrets.token_hex(16)) is None
        assert weak_secret(secrets.token_urlsafe(16)) is None
        assert weak_secret(base64.b64encode(secrets.token_bytes(16)).decode()) is None
    spec = campaign({"channels": [{"id": "moments", "name": "朋友圈"}], "tracking": {"secret_env": "PG_SECRET"}})
    monkeypatch.setenv("PG_SECRET", "changeme")
    result = CliRunner().invoke(app, ["validate", "--strict", str(spec)])
    assert result.exit_code == 2
    assert "holds a weak secret (a well-known value)" in result.output
    monkeypatch.setenv("PG_SECRET", secrets.token_hex(16))
    result = CliRunner().invoke(app, ["validate", str(spec)])
    assert result.exit_code == 0, result.output


# --------------------------------------------------------------------------- code_param


@pytest.mark.parametrize("name", ["utm_source", "utm_content", "utm_term", "ref", "ab"])
def test_code_param_may_not_clash_with_utm_names(campaign, name):
    from conftest import problems

    spec = campaign({"tracking": {"code_param": name}})
    assert problems(spec) == [
        f"campaign.yaml:36 tracking.code_param: '{name}' is a parameter postergen already uses (utm_*, ref, ab): "
        "the code would be dropped from every QR URL; use another name, e.g. 'c' or 'code'"
    ]


def test_a_custom_code_param_carries_the_code(campaign):
    from postergen.jobs import codes_for
    from postergen.loader import load_campaign

    spec = campaign({"tracking": {"code_param": "code"}, "channels": [{"id": "moments", "name": "朋友圈"}]})
    rows, _ = codes_for(load_campaign(spec), {})
    assert f"?code={rows[0].code}&utm_source=moments" in rows[0].url


# --------------------------------------------------------------------------- personal data in URLs

PHONE = "contains a mobile phone number; personal data must never go into a URL or a code"
EMAIL = "contains an e-mail address; personal data must never go into a URL or a code"
FORM = {"endpoint": "https://api.example.com/leads", "privacy_url": "https://h5.example.com/privacy"}


@pytest.mark.parametrize(
    "url",
    [
        "https://h5.example.com/t?phone=8613800138000",
        "https://h5.example.com/t?phone=+8613800138000",
        "https://h5.example.com/t?phone=%2B86%20138%200013%208000",
        "https://h5.example.com/t?phone=0086-138-0013-8000",
        "https://h5.example.com/t?phone=138-0013-8000",
        "https://h5.example.com/13800138000/",
    ],
)
def test_phone_numbers_in_every_form_are_found(campaign, url):
    from postergen.checks import check_tracking
    from postergen.loader import load_campaign

    spec = campaign({"landing_url": url})
    assert [str(p) for p in check_tracking(load_campaign(spec), {})] == [f"campaign.yaml:5 landing_url: {PHONE}"]


@pytest.mark.parametrize(
    "overrides, path, message",
    [
        ({"landing": {"form": {**FORM, "endpoint": "https://api.example.com/leads?to=%2B8613800138000"}}}, "landing.form.endpoint", PHONE),
        ({"landing": {"form": {**FORM, "privacy_url": "https://h5.example.com/p?u=a.b@example.com"}}}, "landing.form.privacy_url", EMAIL),
        ({"landing": {"follow": {"title": "关注", "link": "https://w.example.com/g?m=0086-138-0013-8000"}}}, "landing.follow.link", PHONE),
        ({"landing": {"share": {"base_url": "https://h5.example.com/13800138000/"}}}, "landing.share.base_url", PHONE),
        ({"landing": {"share": {"wechat_sign_url": "https://h5.example.com/sign?u=13800138000"}}}, "landing.share.wechat_sign_url", PHONE),
        ({"tracking": {"short_base": "https://t.example.com/8613800138000"}}, "tracking.short_base", PHONE),
        ({"variants": [{"name": "13800138000"}]}, "variants[0].name", PHONE),
    ],
)
def test_every_url_field_is_checked_for_personal_data(campaign, overrides, path, message):
    from postergen.checks import check_tracking
    from postergen.loader import load_campaign

    loaded = load_campaign(campaign(overrides))
    assert [(p.path, p.message) for p in check_tracking(loaded, {})] == [(path, message)]


def test_a_variant_that_puts_a_phone_number_in_a_url_is_caught(campaign):
    from postergen.checks import check_tracking
    from postergen.loader import load_campaign

    link = "https://h5.example.com/privacy"
    variants = [{"name": "a"}, {"name": "b", "set": {"landing.form.privacy_url": link + "?p=8613800138000"}}]
    loaded = load_campaign(campaign({"variants": variants, "landing": {"form": {"privacy_url": link}}}))
    assert [str(p) for p in check_tracking(loaded, {})] == [
        f"campaign.yaml:37 variant 'b': landing.form.privacy_url: {PHONE}"]


def test_ordinary_numbers_are_not_phone_numbers():
    from postergen.tracking import personal_data

    for text in ("https://h5.example.com/t?id=2024861380013800099", "https://t.example.com/c/7KQ2M9XP", "?n=12345678901"):
        assert personal_data(text) is None
