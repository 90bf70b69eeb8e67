"""The campaign's site without a browser: URL scheme, personal QR URLs, the folder build
writes, host rules (written, parsed, applied), the lead contract and the site checks.

The way through in a real browser is in test_site_browser.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import make_campaign
from test_landing import CHANNELS, ENDPOINT, PRIVACY

from postergen.validate import validate_campaign
from postergen.codes import CodeRow
from postergen.errors import SpecError
from postergen.jobs import codes_for
from postergen.loader import load_campaign
from postergen.pipeline import build
from postergen.site import personal_qr_url, site_base
from postergen.site.hostrules import HostConfig, HostRules, Page, Redirect, parse_headers
from postergen.site.leads import LEAD_FIELDS, check_lead, normalise_phone, read_lead
from postergen.site.urls import entry_url, page_url, split_url

FORM = {"form": {"endpoint": ENDPOINT, "privacy_url": PRIVACY}}
SECRET = {"T": "9f2c7e41b0d8a36e5c1f4b7a2d9e0c83"}


def _loaded(tmp_path, **overrides):
    return load_campaign(make_campaign(tmp_path, {"landing": FORM, **CHANNELS, **overrides}))


# --------------------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    "landing_url,base",
    [
        ("https://h5.example.com/tea/invite", "https://h5.example.com/tea/invite/"),
        ("https://H5.Example.com/tea/invite/", "https://h5.example.com/tea/invite/"),
        ("https://h5.example.com/tea/index.html?from=poster#join", "https://h5.example.com/tea/"),
        ("https://h5.example.com", "https://h5.example.com/"),
    ],
)
def test_the_site_is_served_at_landing_url_as_a_folder(tmp_path, landing_url, base):
    assert site_base(_loaded(tmp_path, landing_url=landing_url).spec) == base


def test_every_link_ends_in_a_slash_and_keeps_landing_urls_own_query(tmp_path):
    spec = _loaded(tmp_path, landing_url="https://h5.example.com/tea/invite?from=poster#join").spec
    assert page_url(spec, "base", "moments") == "https://h5.example.com/tea/invite/landing/base/moments/"
    url = entry_url(spec, "b", "groups", "ABCDEFGH", {"utm_source": "groups"})
    assert url == "https://h5.example.com/tea/invite/landing/b/groups/?from=poster&c=ABCDEFGH&utm_source=groups#join"
    assert split_url(spec, "groups", {"utm_source": "groups"}) == "https://h5.example.com/tea/invite/landing/groups/?from=poster&utm_source=groups"


def test_code_rows_lead_to_their_own_page_and_short_links_have_a_slash(tmp_path):
    loaded = _loaded(tmp_path, **{"tracking.short_base": "https://t.example.com"})
    rows, _ = codes_for(loaded, environ={})
    for row in rows:
        assert row.url.startswith(f"https://h5.example.com/tea/invite/landing/base/{row.channel}/?c={row.code}&utm_source=")
        assert row.qr_url == row.short_url == f"https://t.example.com/c/{row.code}/"


def test_personal_qr_url():
    short = CodeRow("moments", "朋友圈", "base", "0Y7M6CDJ", "https://h5.example.com/t/landing/base/moments/?c=0Y7M6CDJ", "https://t.example.com/c/0Y7M6CDJ/")
    assert personal_qr_url(short, "U42") == "https://t.example.com/c/0Y7M6CDJ/?ref=U42"
    long = CodeRow("moments", "朋友圈", "base", "0Y7M6CDJ", "https://h5.example.com/t/landing/base/moments/?c=0Y7M6CDJ&utm_source=x", None)
    assert personal_qr_url(long, "a_b-9") == "https://h5.example.com/t/landing/base/moments/?c=0Y7M6CDJ&utm_source=x&ref=a_b-9"
    for bad in ("", "13800138000 ", "小李", "x" * 41, "a&b=c", "../x"):
        with pytest.raises(ValueError, match="ref"):
            personal_qr_url(short, bad)


# --------------------------------------------------------------------------- the folder build writes


def test_build_writes_one_site_folder_that_mirrors_the_urls(tmp_path):
    spec = make_campaign(tmp_path / "c", {"landing": FORM, **CHANNELS, "tracking.secret_env": "T",
                                          "tracking.short_base": "https://h5.example.com/s",
                                          "variants": [{"name": "a"}, {"name": "b"}]})
    result = build(spec, tmp_path / "out", environ=SECRET)
    assert result.ok, result.failures
    site = {r["path"]: r for r in result.rows if r["path"].startswith("site/")}
    posters = [r for r in result.rows if r["kind"] == "poster"]
    for p in posters:  # every poster's page, at the path its URL names
        page = f"site/tea/invite/landing/{p['variant']}/{p['channel']}/index.html"
        assert site[page]["code"] == p["code"] and site[page]["url"] == p["url"]
        short = f"site/s/c/{p['code']}/index.html"  # short base on the same host: same folder
        assert site[short]["kind"] == "redirect"
        assert f"/s/c/{p['code']}/ https://h5.example.com/tea/invite/landing/{p['variant']}/{p['channel']}/ 302" in (tmp_path / "out/site/_redirects").read_text()
    assert {"site/tea/invite/landing/moments/index.html", "site/tea/invite/landing/groups/index.html",
            "site/tea/invite/thanks/index.html", "site/_headers", "site/_redirects", "site/nginx.conf"} <= set(site)
    assert not (tmp_path / "out" / "short").exists()
    assert not any(r["path"].startswith(("landing/", "c/", "_headers")) for r in result.rows)


def test_a_short_base_on_its_own_host_gets_its_own_folder(tmp_path):
    spec = make_campaign(tmp_path / "c", {"landing": FORM, **CHANNELS, "tracking.short_base": "https://t.example.com"})
    result = build(spec, tmp_path / "out", environ={})
    short = sorted(r["path"] for r in result.rows if r["path"].startswith("short/"))
    codes = sorted(r["code"] for r in result.rows if r["kind"] == "poster")
    assert short == sorted(["short/_headers", "short/_redirects", "short/nginx.conf", *(f"short/c/{c}/index.html" for c in codes)])
    text = (tmp_path / "out/short/_redirects").read_text()
    for code in codes:
        assert re.search(rf"^/c/{code}/ https://h5\.example\.com/tea/invite/landing/base/\w+/ 302$", text, re.M)
        assert re.search(rf"^/c/{code} https://", text, re.M)  # without the slash too


def test_a_campaign_without_channels_gets_an_entry_at_landing_url(tmp_path):
    spec = make_campaign(tmp_path / "c", {"landing": FORM})
    result = build(spec, tmp_path / "out")
    (poster,) = [r for r in result.rows if r["kind"] == "poster"]
    assert poster["url"] == "https://h5.example.com/tea/invite/landing/base/"  # what its QR code carries
    entry = next(r for r in result.rows if r["kind"] == "entry")
    assert entry["path"] == "site/tea/invite/index.html" and entry["url"] == poster["url"]
    assert "/tea/invite/ https://h5.example.com/tea/invite/landing/base/ 302" in (tmp_path / "out/site/_redirects").read_text()


def test_no_site_is_written_while_a_site_problem_stands(tmp_path):
    spec = make_campaign(tmp_path / "c", {"landing": {"form": {"privacy_url": PRIVACY}}})
    result = build(spec, tmp_path / "out")
    assert not result.ok and not (tmp_path / "out" / "site").exists()
    (failure,) = result.failures
    assert failure.path == "site/" and "landing.form.endpoint is not set" in failure.message
    assert [r["kind"] for r in result.rows] == ["poster"]  # the posters are still written


# --------------------------------------------------------------------------- site checks


@pytest.mark.parametrize(
    "overrides,where,says",
    [
        ({"landing": {"form": {"privacy_url": PRIVACY}}}, "landing.form", "landing.form.endpoint is not set"),
        ({"landing": {"bait": "新品"}}, "landing", "the page needs a call to action"),
        ({"landing": FORM, "landing_url": "https://h5.example.com/a/%2e%2e/b"}, "landing_url", "cannot be a folder of the site"),
        ({"landing": FORM, "landing_url": "https://h5.example.com/活动/"}, "landing_url", "cannot be a folder of the site"),
        ({"landing": FORM, **CHANNELS, "variants": [{"name": "moments"}, {"name": "b"}]}, "variants", "has the name of a channel"),
        ({"variants": [{"name": "a", "set": {"landing.bait": "x"}}]}, "variants", "no landing: section"),
    ],
)
def test_validate_reports_what_stops_a_site(tmp_path, overrides, where, says):
    spec = make_campaign(tmp_path, overrides)
    with pytest.raises(SpecError) as info:
        validate_campaign(spec, environ={})
    found = [str(p) for p in info.value.problems]
    assert any(f" {where}: " in p and says in p for p in found), found


def test_a_site_served_by_postergen_needs_no_endpoint(tmp_path):
    spec = make_campaign(tmp_path, {"landing": {"form": {"privacy_url": PRIVACY}}, "site": {"server": "postergen"}})
    loaded, problems = validate_campaign(spec, environ={})
    assert [p for p in problems if p.severity == "error"] == []


def test_the_site_section_cannot_differ_between_variants(tmp_path):
    from conftest import problems

    found = problems(make_campaign(tmp_path, {"landing": FORM, "variants": [{"name": "a", "set": {"site.server": "postergen"}}]}))
    assert any("'site' cannot differ between variants" in p for p in found), found


# --------------------------------------------------------------------------- host rules


def _rules():
    pages = [
        Page("/t/landing/a/moments/", "P-a"), Page("/t/landing/a/groups/", "P-a"),
        Page("/t/landing/b/moments/", "P-b"), Page("/t/landing/b/groups/", "P-b"),
        Page("/t/landing/moments/", "P-split"), Page("/t/landing/groups/", "P-split"),
        Page("/t/thanks/", "P-thanks"), Page("/t/", "P-entry"),
    ]
    redirects = [Redirect("/t/c/AAAAAAAA/", "https://h5.example.com/t/landing/a/moments/"), Redirect("/t/", "https://h5.example.com/t/landing/")]
    return HostRules("/t/", pages, redirects, ["/t/share/"])


def test_policy_rules_never_overlap_and_each_page_gets_its_own():
    rules = _rules()
    config = HostConfig(parse_headers(rules.headers_text()), [])
    for page in rules.pages:
        for path in (page.path, page.path + "index.html"):
            csp = config.headers(path).get("Content-Security-Policy", "")
            assert csp == f"{page.csp}; frame-ancestors 'none'", (path, csp)  # exactly one policy
    assert config.headers("/t/share/x.jpg")["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Content-Security-Policy" not in config.headers("/t/share/x.jpg")
    assert config.headers("/t/landing/a/moments/")["X-Content-Type-Options"] == "nosniff"
    assert len(rules.csp_rules()) <= 8  # one per variant, split page, thank-you page, entry


def test_redirect_rules_pass_the_visitors_query_on_as_the_hosts_do():
    rules = _rules()
    text = rules.redirects_text()
    config = HostConfig([], [tuple(x) for x in __import__("postergen.site.hostrules", fromlist=["x"]).parse_redirects(text)])
    assert config.redirect("/t/c/AAAAAAAA/", "ref=U1&utm_term=x") == (302, "https://h5.example.com/t/landing/a/moments/?ref=U1&utm_term=x")
    assert config.redirect("/t/c/AAAAAAAA", "") == (302, "https://h5.example.com/t/landing/a/moments/")
    assert config.redirect("/t/c/BBBBBBBB/", "") is None
    # (Cloudflare Pages: a target with its own query drops the visitor's; so targets never have one)
    cf = HostConfig([], [("/x/", "/y/?a=1", 302)])
    assert cf.redirect("/x/", "ref=U1") == (302, "/y/?a=1")
    with pytest.raises(ValueError, match="query"):
        HostRules("/t/", [], [Redirect("/t/c/X/", "https://h5.example.com/?c=X")])


@pytest.mark.parametrize("path", ["/t/../etc/", "t/", "/t//x/", '/t/"x/', "/t/x y/"])
def test_host_rules_refuse_unsafe_paths(path):
    with pytest.raises(ValueError, match="unsafe"):
        HostRules("/t/", [Page(path, "P")])


def test_nginx_snippet_does_what_the_host_files_do():
    text = _rules().nginx_text("OUT/site", "https://h5.example.com")
    assert "location = /t/c/AAAAAAAA/ {\n    rewrite ^ https://h5.example.com/t/landing/a/moments/ redirect;\n}" in text
    assert "location = /t/c/AAAAAAAA {" in text
    assert "location ^~ /t/landing/a/ {" in text and 'add_header Content-Security-Policy "P-a; frame-ancestors \'none\'" always;' in text
    assert "location = /t/thanks/" not in text and "location ^~ /t/thanks/ {" in text
    # every location that adds headers adds them all (nginx does not inherit add_header)
    for block in re.findall(r"location [^{]+\{([^}]*)\}", text):
        if "add_header" in block:
            assert "X-Content-Type-Options" in block and "X-Frame-Options" in block
    assert text.count("{") == text.count("}")


# --------------------------------------------------------------------------- the lead contract


@pytest.mark.parametrize(
    "typed,sent",
    [("13812345678", "13812345678"), ("+86 138 1234 5678", "13812345678"), ("138-1234-5678", "13812345678"),
     ("0086 13812345678", "13812345678"), ("86 138 1234 5678", "13812345678"), ("（138）1234 5678", "13812345678"),
     ("+44 20 7946 0958", "+442079460958"), ("12345", "12345")],
)
def test_normalise_phone(typed, sent):
    assert normalise_phone(typed) == sent


def test_read_lead_completes_a_no_javascript_post_from_the_referer():
    posted = {"phone": "+86 139 1234 5678", "consent": "yes", "code": "AAAAAAAA", "channel": "groups", "variant": "base",
              "utm_source": "groups", "utm_medium": "social", "ref": "", "visit_code": "", "evil": "x" * 500, "name": " 王 " * 100}
    lead = read_lead(posted, "https://h5.example.com/t/landing/base/groups/?ref=U42&utm_source=kol&c=bbbbbbbb")
    assert lead["phone"] == "13912345678" and lead["ref"] == "U42"
    assert lead["utm_source"] == "kol" and lead["utm_medium"] == "social"  # the visited value wins, as the script does
    assert lead["visit_code"] == "BBBBBBBB"
    assert set(lead) == set(LEAD_FIELDS) and len(lead["name"]) <= 200
    # what the script already put in wins; a malformed ref or lead id is dropped
    lead = read_lead({**posted, "ref": "S1", "lead_id": "not-hex"}, "https://h5.example.com/?ref=U42")
    assert lead["ref"] == "S1" and lead["lead_id"] == ""
    assert read_lead(posted, "https://h5.example.com/?ref=%3Cscript%3E")["ref"] == ""


def test_check_lead_speaks_the_pages_language():
    assert check_lead({"phone": "", "consent": "yes"}) == ("phone", "请填写手机号")
    assert check_lead({"phone": "12345678901", "consent": "yes"}) == ("phone", "请输入正确的 11 位手机号")
    assert check_lead({"phone": "13812345678", "consent": ""}) == ("consent", "请先勾选同意，再提交")
    assert check_lead({"phone": "13812345678", "consent": "yes"}) is None
    assert check_lead({"phone": "", "consent": "yes"}, lang="en") == ("phone", "Please enter your mobile number")
    assert check_lead({"phone": "+442079460958", "consent": "yes"}, lang="en") is None


def test_the_page_script_and_read_lead_normalise_alike():
    """The script's rule (JavaScript) and normalise_phone (Python) are one rule: compare
    the JavaScript source's patterns with the Python ones."""
    from postergen.landing.render import BUILTIN_DIR

    script = (BUILTIN_DIR / "script.js").read_text(encoding="utf-8")
    assert r"/[\s\u00a0\u3000\-().\uff08\uff09]/g" in script
    assert r"/^(?:\+|00)?86(1[3-9]\d{9})$/" in script
    from postergen.site import leads

    assert leads._SEPARATORS.pattern == r"[\s\u00a0\u3000\-().\uff08\uff09]"
    assert leads._CN.pattern == r"^(?:\+|00)?86(1[3-9]\d{9})$"


def test_every_page_of_the_site_works_under_its_host_headers(tmp_path):
    """For every HTML file of the folder, the policy the host sends for its URL allows each
    of its inline scripts and styles (by hash) — the split pages' too (issue 11: they were
    blocked, leaving visitors on "正在打开活动页…")."""
    import base64
    import hashlib

    from postergen.site.hostrules import parse_redirects

    spec = make_campaign(tmp_path / "c", {"landing": FORM, **CHANNELS, "tracking.short_base": "https://h5.example.com/s",
                                          "variants": [{"name": "a"}, {"name": "b", "set": {"poster.headline": "另一个标题"}}]})
    build(spec, tmp_path / "out", environ={})
    folder = tmp_path / "out" / "site"
    host = HostConfig.load(folder)
    assert parse_redirects((folder / "_redirects").read_text())
    pages = sorted(folder.rglob("index.html"))
    assert len(pages) >= 4 + 2 + 1 + 4  # pages, split pages, thank-you page, short links
    digest = lambda text: "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"  # noqa: E731
    for page in pages:
        html = page.read_text(encoding="utf-8")
        url = "/" + page.relative_to(folder).parent.as_posix() + "/"
        policy = host.headers(url).get("Content-Security-Policy", "")
        assert policy.count("default-src") == 1, (url, policy)
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        for body in re.findall(r"<script>(.*?)</script>", html, re.S):
            assert digest(body) in directives["script-src"].split(), url
        for body in re.findall(r"<style>(.*?)</style>", html, re.S):
            assert digest(body) in directives["style-src"].split(), url
        assert directives["frame-ancestors"] == "'none'"
