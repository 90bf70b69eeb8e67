"""The whole way from a poster's QR code to a kept lead, in Chromium (issue 11).

Campaigns are built into tmp_path with their site's URLs on 127.0.0.1; each site folder is
served by a plain static host (tests/sitehost.py) that applies the generated ``_headers``
and ``_redirects`` as Netlify and Cloudflare Pages do, short links from a host of their
own; leads go to a recording endpoint on a third origin that follows the contract in
docs/deploy.md.  Then: decode a poster's QR code (zxing-cpp) → open it (as a person's
poster, with ``ref``) → the right variant × channel page → submit → the recorded lead holds
the right code, channel, variant, ref and UTM values — with JavaScript and without.  And
the ways a lead gets lost: endpoint down, 500, a JSON refusal, a redirect, a bad phone
number, no consent.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser import browser  # noqa: F401 (a fixture)
from conftest import make_campaign
from sitehost import LeadEndpoint, StaticHost
from test_landing import CHANNELS, PRIVACY, _photo

from postergen.codes import CodeRow
from postergen.pipeline import build
from postergen.site import personal_qr_url

SECRET = {"SITE_SECRET": "a-test-secret-of-at-least-16-bytes"}


def _campaign(folder: Path, site: str, short: str, endpoint: str | None, variants=None, server=None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "assets").mkdir(exist_ok=True)
    _photo(folder / "assets" / "hero.jpg", (1200, 800))
    landing = {
        "lang": "zh-CN",
        "bait": "新品 0 元领",
        "hero": "assets/hero.jpg",
        "form": {"privacy_url": PRIVACY, **({"endpoint": endpoint} if endpoint else {})},
        "proof": {"numbers": [{"value": "12,000+", "label": "人已参加"}]},
        "footer": "活动时间 11月1日–11月30日。",
    }
    overrides = {
        "landing_url": site + "/tea/invite",
        "tracking": {"secret_env": "SITE_SECRET", "short_base": short},
        "landing": landing,
        **CHANNELS,
    }
    if variants:
        overrides["variants"] = variants
    if server:
        overrides["site"] = {"server": server}
    return make_campaign(folder, overrides)


@pytest.fixture(scope="module")
def api():
    endpoint = LeadEndpoint()
    yield endpoint
    endpoint.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory, api):
    """Three campaigns, built and served:

    - ``plain``: two channels, short links on a host of their own (like t.example.com);
    - ``ab``: the same with variants 'three' and 'five', short links on the site's host;
    - ``served``: served by postergen serve (the form posts to /api/lead on its own host).
    """
    tmp = tmp_path_factory.mktemp("site")
    hosts = {}
    for name in ("plain", "ab", "served"):
        out = tmp / name / "out"
        site = StaticHost(out / "site", api=api if name == "served" else None)
        short = StaticHost(out / "short")
        api.site_origin = "*"
        short_base = site.origin + "/s" if name == "ab" else short.origin
        variants = [{"name": "three"}, {"name": "five", "weight": 2, "set": {"poster.headline": "邀5位好友，再送一杯！"}}] if name == "ab" else None
        spec = _campaign(tmp / name, site.origin, short_base, None if name == "served" else api.url, variants,
                         "postergen" if name == "served" else None)
        result = build(spec, out, environ=SECRET)
        assert result.ok, [f"{f.path}: {f.message}" for f in result.failures]
        hosts[name] = {"site": site, "short": short, "out": out, "rows": result.rows}
    yield hosts
    for h in hosts.values():
        h["site"].close()
        h["short"].close()


def _poster_qr(world, name: str, variant: str, channel: str) -> tuple[str, dict]:
    """The URL in the QR code of a built poster (decoded with zxing-cpp) and its manifest row."""
    import zxingcpp
    from PIL import Image

    w = world[name]
    row = next(r for r in w["rows"] if r["kind"] == "poster" and r["channel"] == channel and (r["variant"] or "base") == variant)
    (found,) = zxingcpp.read_barcodes(Image.open(w["out"] / row["path"]))
    return found.text, row


def _personal(qr: str, row: dict, ref: str) -> str:
    """A person's QR URL, as the batch makes it from the channel's row."""
    return personal_qr_url(CodeRow(row["channel"], "", row["variant"], row["code"], row["url"], qr), ref)


def _open(browser, url: str, js: bool = True, width: int = 375, height: int = 667):
    ctx = browser.new_context(viewport={"width": width, "height": height}, java_script_enabled=js)
    page = ctx.new_page()
    page.events = []
    page.on("console", lambda m: page.events.append(f"console {m.type}: {m.text}"))
    page.on("pageerror", lambda e: page.events.append(f"pageerror: {e}"))
    page.goto(url)
    return page


def _submit(page, phone: str = "+86 139 1234 5678", consent: bool = True, form: str = "lead") -> None:
    page.fill(f"#{form}-phone", phone)
    if consent:
        page.check(f"#{form}-consent")
    page.click(f"#{form} button[type=submit]")


def _close(page) -> None:
    try:
        page.wait_for_load_state("load", timeout=10_000)
    except Exception:  # noqa: BLE001
        pass
    page.context.close()


def _utm(row_url: str) -> dict[str, str]:
    from urllib.parse import parse_qsl

    return {k: v for k, v in parse_qsl(urlsplit(row_url).query) if k.startswith("utm_")}


# --------------------------------------------------------------------------- the way through


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_from_a_personal_poster_qr_code_to_a_kept_lead(browser, world, api, js):
    qr, row = _poster_qr(world, "plain", "base", "groups")
    short = world["plain"]["short"]
    assert qr == f"{short.origin}/c/{row['code']}/"  # short, with its trailing slash
    url = _personal(qr, row, "U42")
    assert url == qr + "?ref=U42"
    api.mode = "ok"
    before = len(api.leads)
    page = _open(browser, url, js=js)
    # The short host's rule sent the visitor straight to the groups page, ref kept.
    site = world["plain"]["site"]
    assert page.url == f"{site.origin}/tea/invite/landing/base/groups/?ref=U42"
    assert any(r.startswith(f"GET /c/{row['code']}/?ref=U42") for r in short.requests)
    _submit(page)
    assert api.wait(), "no lead arrived"
    page.wait_for_url("**/tea/invite/thanks/")
    title, events = page.text_content("h1"), list(page.events)
    _close(page)
    assert title == "提交成功" and events == []
    assert len(api.leads) == before + 1
    lead = api.leads[-1]
    expected = {"code": row["code"], "channel": "groups", "variant": "base", "ref": "U42", "campaign": "tea-invite-3",
                "phone": "13912345678", "consent": "yes", "visit_code": "", **_utm(row["url"])}
    assert {k: lead[k] for k in expected} == expected
    fields, headers = api.raw[-1]
    if js:  # the script put ref in and normalised the number; the answer was JSON
        assert fields["ref"] == "U42" and fields["phone"] == "13912345678" and len(fields["lead_id"]) == 24
    else:  # the baked values, and the page's URL in the Referer, read by the endpoint
        assert fields["ref"] == "" and fields["phone"] == "+86 139 1234 5678"
        assert headers["referer"].endswith("/tea/invite/landing/base/groups/?ref=U42")


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_a_variant_poster_opens_its_own_variant_page(browser, world, api, js):
    """With variants, the code decides: the 'five' poster promised 'five', so its page opens
    (short links on the site's own host here)."""
    qr, row = _poster_qr(world, "ab", "five", "moments")
    site = world["ab"]["site"]
    assert qr == f"{site.origin}/s/c/{row['code']}/"
    api.mode = "ok"
    page = _open(browser, _personal(qr, row, "R-7"), js=js)
    assert page.url == f"{site.origin}/tea/invite/landing/five/moments/?ref=R-7"
    assert page.text_content("h1") == "邀5位好友，再送一杯！"
    _submit(page)
    assert api.wait()
    page.wait_for_url("**/thanks/")
    _close(page)
    lead = api.leads[-1]
    assert (lead["code"], lead["channel"], lead["variant"], lead["ref"]) == (row["code"], "moments", "five", "R-7")
    assert lead["utm_content"] == "five" and lead["utm_source"] == "朋友圈"


def test_a_channel_link_goes_through_the_split_page_with_its_headers(browser, world, api):
    """A link without a code (a channel's link in a text message) reaches the split page,
    which works under the generated _headers, shows no internal names, and passes ref and
    UTM values on to the variant it picks; the lead says which variant that was."""
    w = world["ab"]
    split = next(r for r in w["rows"] if r["kind"] == "split" and r["channel"] == "groups")
    assert split["url"] == f"{w['site'].origin}/tea/invite/landing/groups/?utm_source=groups&utm_medium=social&utm_campaign=tea-invite-3"
    host = w["site"].config()
    assert "script-src 'sha256-" in host.headers("/tea/invite/landing/groups/")["Content-Security-Policy"]
    html = (w["out"] / "site/tea/invite/landing/groups/index.html").read_text(encoding="utf-8")
    import re

    shown = re.sub(r"<[^>]+>", " ", html.split("<body>")[1])  # what a visitor can read
    assert "three" not in shown and "five" not in shown and "正在打开活动页…" in shown
    assert "<title>邀3位好友，新品杨枝甘露免费喝！</title>" in html  # not the campaign id
    api.mode = "ok"
    page = _open(browser, split["url"] + "&ref=S1&utm_term=sms")
    page.wait_for_url("**/landing/*/groups/**")
    variant = page.url.split("/landing/")[1].split("/")[0]
    assert variant in ("three", "five")
    assert page.url.endswith("/groups/?utm_source=groups&utm_medium=social&utm_campaign=tea-invite-3&ref=S1&utm_term=sms")
    _submit(page)
    assert api.wait()
    page.wait_for_url("**/thanks/")
    events = list(page.events)
    _close(page)
    assert events == []  # no CSP violation on the split page, the landing page or the thank-you page
    lead = api.leads[-1]
    code = next(r["code"] for r in w["rows"] if r["kind"] == "poster" and r["variant"] == variant and r["channel"] == "groups")
    assert (lead["variant"], lead["code"], lead["ref"], lead["utm_term"]) == (variant, code, "S1", "sms")


def test_short_links_without_host_rules_still_carry_ref(browser, world, api):
    """On a host that ignores _redirects (object storage), the short link's own page
    forwards with its script, ref included."""
    w = world["plain"]
    bare = StaticHost(w["out"] / "short", rules=False)
    try:
        qr, row = _poster_qr(world, "plain", "base", "moments")
        url = bare.origin + urlsplit(_personal(qr, row, "Z9")).path + "?ref=Z9"
        page = _open(browser, url)
        page.wait_for_url("**/landing/base/moments/**")
        assert page.url.endswith("/tea/invite/landing/base/moments/?ref=Z9")
        assert page.eval_on_selector("#lead input[name=ref]", "e => e.value") == "Z9"
        _close(page)
    finally:
        bare.close()


def test_a_foreign_code_in_the_url_is_kept_and_flagged(browser, world, api):
    w = world["plain"]
    other = next(r["code"] for r in w["rows"] if r["kind"] == "poster" and r["channel"] == "moments")
    page = _open(browser, f"{w['site'].origin}/tea/invite/landing/base/groups/?c={other.lower()}&ref=bad%20ref")
    fields = page.evaluate("Object.fromEntries(new FormData(document.getElementById('lead')))")
    _close(page)
    assert fields["visit_code"] == other  # format-checked (case forgiven), not this page's: flagged
    assert fields["code"] != other and fields["ref"] == ""  # a malformed ref is not taken


def test_under_postergen_serve_the_page_posts_to_its_own_host_and_reports_its_view(browser, world, api):
    w = world["served"]
    qr, row = _poster_qr(world, "served", "base", "moments")
    api.mode = "ok"
    api.poster_url = "/p/U77/"  # the serve helper's answer: the visitor's own poster
    try:
        page = _open(browser, _personal(qr, row, "U77"))
        assert page.url.startswith(w["site"].origin + "/tea/invite/landing/base/moments/")
        _submit(page)
        assert api.wait()
        page.wait_for_url("**/thanks/?poster=%2Fp%2FU77%2F")
        hook = page.locator("#pg-poster")
        assert hook.is_visible() and page.text_content("#pg-poster-link") == "生成我的专属海报"
        href = page.get_attribute("#pg-poster-link", "href")
        events = list(page.events)
        _close(page)
    finally:
        api.poster_url = ""
    assert href == w["site"].origin + "/p/U77/" and events == []
    assert any(r.startswith("POST /api/lead") for r in w["site"].requests)
    (view,) = [e for e in w["site"].events if e.get("ref") == "U77"]
    assert (view["type"], view["code"], view["channel"], view["variant"], view["path"]) == (
        "view", row["code"], "moments", "base", "/tea/invite/landing/base/moments/")


def test_the_thank_you_page_shows_no_poster_hook_for_a_foreign_url(browser, world):
    w = world["served"]
    page = _open(browser, f"{w['site'].origin}/tea/invite/thanks/?poster=https://evil.example.com/x")
    visible, events = page.locator("#pg-poster").is_visible(), list(page.events)
    _close(page)
    assert not visible and events == []


# --------------------------------------------------------------------------- failure modes


def _page(browser, world, channel="moments", js=True, width=375, height=667):
    w = world["plain"]
    return _open(browser, f"{w['site'].origin}/tea/invite/landing/base/{channel}/?ref=F1", js=js, width=width, height=height)


def _outbox(page) -> list:
    return page.evaluate("JSON.parse(localStorage.getItem('postergen:leads') || '[]')")


def test_endpoint_down_the_lead_is_kept_retried_and_the_visitor_told(browser, world, api):
    api.mode = "ok"
    page = _page(browser, world)
    before = len(api.leads)
    api.close()
    try:
        _submit(page, phone="13700001111")
        page.wait_for_selector(".status.warn")
        told = page.text_content("#lead [data-status]")
        kept = _outbox(page)
        assert page.url.endswith("?ref=F1")  # still on the page, form filled in
        assert page.input_value("#lead-phone") == "13700001111"
    finally:
        api.restart()
    assert told.startswith("网络不太好，没有提交成功。你填写的信息已保存在本机") and "重新提交" in told
    assert len(kept) == 1 and "phone=13700001111" in kept[0]["body"] and "ref=F1" in kept[0]["body"]
    # The network is back: the page sends it by itself, and the visitor is through.
    page.evaluate("window.dispatchEvent(new Event('online'))")
    assert api.wait()
    page.wait_for_url("**/tea/invite/thanks/")
    left = _outbox(page)
    _close(page)
    assert left == []
    assert len(api.leads) == before + 1 and api.leads[-1]["phone"] == "13700001111" and api.leads[-1]["ref"] == "F1"


def test_a_kept_lead_is_sent_on_the_next_visit(browser, world, api):
    """A lead kept in one visit is sent when any page of the site opens again."""
    page = _page(browser, world)
    ctx = page.context
    before = len(api.leads)
    api.close()
    try:
        _submit(page, phone="13700002222")
        page.wait_for_selector(".status.warn")
        page.close()
    finally:
        api.restart()
    again = ctx.new_page()
    again.goto(f"{world['plain']['site'].origin}/tea/invite/landing/base/groups/")
    assert api.wait()
    again.wait_for_selector(".status.ok")
    said, left = again.text_content("#lead [data-status]"), _outbox(again)
    ctx.close()
    assert said == "你之前填写的信息已提交成功。" and left == []
    assert len(api.leads) == before + 1 and api.leads[-1]["phone"] == "13700002222"


def test_a_500_is_retried_and_counted_once(browser, world, api):
    api.mode = "500"
    before = len(api.leads)
    page = _page(browser, world)
    _submit(page, phone="13700003333")
    assert api.wait()
    page.wait_for_selector(".status.warn")
    api.mode = "ok"
    # The visitor taps "重新提交" (unless the page's own retry, a few seconds on, got there first).
    page.evaluate("(b => b && b.click())(document.querySelector('#lead .retry'))")
    assert api.wait()
    page.wait_for_url("**/thanks/")
    _close(page)
    assert len(api.leads) == before + 1
    ids = [f["lead_id"] for f, _ in api.raw[-2:]]
    assert ids[0] == ids[1] != ""  # the same lead, so the endpoint can count it once


def test_a_json_refusal_is_shown_at_its_field_and_not_kept(browser, world, api):
    api.mode = "json-error"
    page = _page(browser, world)
    _submit(page, phone="13700004444")
    assert api.wait()
    page.wait_for_selector("#lead-phone-error:not([hidden])")
    message, invalid, url, kept = (page.text_content("#lead-phone-error"), page.get_attribute("#lead-phone", "aria-invalid"),
                                   page.url, _outbox(page))
    _close(page)
    api.mode = "ok"
    assert message == "这个号码已经领过了" and invalid == "true"  # the endpoint's words, not raw JSON
    assert url.endswith("?ref=F1") and kept == []


@pytest.mark.parametrize("mode", ["redirect", "html"])
def test_an_endpoint_that_redirects_or_answers_with_a_page_still_ends_on_the_thank_you_page(browser, world, api, mode):
    """A 303 to the thank-you page (the no-JavaScript answer) or a page of its own: the lead
    was taken; the visitor sees the site's thank-you page, never a dead button."""
    api.mode = mode
    before = len(api.leads)
    page = _page(browser, world)
    _submit(page, phone="13700005555")
    assert api.wait()
    page.wait_for_url("**/tea/invite/thanks/")
    kept, events = _outbox(page), list(page.events)
    _close(page)
    api.mode = "ok"
    assert len(api.leads) == before + 1 and kept == [] and events == []


def test_without_javascript_the_endpoints_303_lands_on_the_thank_you_page(browser, world, api):
    """The page's policy allows the redirect back to its own site (form-action 'self')."""
    api.mode = "ok"
    page = _page(browser, world, js=False)
    _submit(page, phone="13700006666")
    assert api.wait()
    page.wait_for_url("**/tea/invite/thanks/")
    title = page.text_content("h1")
    _close(page)
    assert title == "提交成功"


@pytest.mark.parametrize("phone", ["12345678901", "138 0013 800", ""])
def test_a_bad_phone_number_gets_an_inline_message_in_the_pages_language(browser, world, api, phone):
    n = len(api.raw)
    page = _page(browser, world)
    _submit(page, phone=phone)
    page.wait_for_selector("#lead-phone-error:not([hidden])")
    message, focused = page.text_content("#lead-phone-error"), page.evaluate("document.activeElement.id")
    described = page.get_attribute("#lead-phone", "aria-describedby")
    _close(page)
    assert message == ("请填写手机号" if not phone else "请输入正确的 11 位手机号")
    assert focused == "lead-phone" and "lead-phone-error" in described
    assert len(api.raw) == n  # nothing was sent


def test_no_consent_no_lead(browser, world, api):
    n = len(api.raw)
    page = _page(browser, world)
    _submit(page, phone="13700007777", consent=False)
    page.wait_for_selector("#lead-consent-error:not([hidden])")
    message = page.text_content("#lead-consent-error")
    page.check("#lead-consent")
    cleared = page.locator("#lead-consent-error").is_hidden()
    _close(page)
    assert message == "请先勾选同意，再提交" and cleared
    assert len(api.raw) == n


@pytest.mark.parametrize("typed", ["+86 138 1234 5678", "138-1234-5678", "0086 13812345678", "(138) 1234 5678"])
def test_the_phone_field_takes_what_autofill_writes_and_sends_eleven_digits(browser, world, api, typed):
    api.mode = "ok"
    page = _page(browser, world)
    _submit(page, phone=typed)
    assert api.wait()
    page.wait_for_url("**/thanks/")
    _close(page)
    assert api.raw[-1][0]["phone"] == "13812345678"


def test_the_site_folder_is_what_the_host_serves(world):
    """Every manifest row of the site is a file of the served folder; host rules exist."""
    w = world["ab"]
    site = [r for r in w["rows"] if r["path"].startswith("site/")]
    kinds = {r["kind"] for r in site}
    assert {"landing", "split", "thanks", "redirect", "headers", "redirects", "nginx", "landing-asset"} <= kinds
    for r in site:
        assert (w["out"] / r["path"]).is_file()
    manifest = json.loads((w["out"] / "manifest.json").read_text(encoding="utf-8"))
    assert {r["path"] for r in manifest["files"]} >= {r["path"] for r in site}
