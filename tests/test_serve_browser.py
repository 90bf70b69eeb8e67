"""The fission loop in Chromium, against ``postergen serve`` (issue 12).

A campaign whose site is served by ``postergen serve`` is built with its URLs on a
loopback port, and served there.  Then, as people do it:

1. decode a channel poster's QR code (zxing-cpp) → open it → the server counts the scan
   and sends the visitor to the channel's page → submit → the thank-you page offers
   "生成我的专属海报" → that poster is rendered for them, its QR code carries their own code;
2. decode *that* poster's QR code → a friend opens it → same channel's page, their number
   typed as ``+86 139 1234 5678`` → the lead row holds the right code, channel, variant,
   ``ref`` (the first participant's own code) and UTM values — with JavaScript and without;
3. ``postergen leads export`` writes it.
"""

from __future__ import annotations

import csv
import io

import pytest
import uuid

from browser import browser  # noqa: F401 (a fixture)
from pg import fresh_database, postgres  # noqa: F401 (postgres is a fixture)
from serve_kit import ENV, SECRET_ENV, Served, built, free_port

from postergen.codes import code_table
from postergen.loader import load_campaign

PORT = free_port()
ORIGIN = f"http://127.0.0.1:{PORT}"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tracking = {"secret_env": SECRET_ENV, "short_base": ORIGIN}
    return built(tmp_path_factory, landing_url=ORIGIN + "/tea/invite", tracking=tracking)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "leads.sqlite")
    return fresh_database(request.getfixturevalue("postgres"), "browser_" + uuid.uuid4().hex[:12])


def decode(data_or_path) -> str:
    import zxingcpp
    from PIL import Image

    image = Image.open(io.BytesIO(data_or_path) if isinstance(data_or_path, bytes) else data_or_path)
    (found,) = zxingcpp.read_barcodes(image)
    return found.text


def open_page(browser, url: str, js: bool = True):
    ctx = browser.new_context(viewport={"width": 375, "height": 667}, java_script_enabled=js)
    page = ctx.new_page()
    page.problems = []
    page.on("pageerror", lambda e: page.problems.append(f"pageerror: {e}"))
    page.on("console", lambda m: m.type == "error" and page.problems.append(f"console: {m.text}"))
    page.goto(url)
    return page


def submit(page, phone: str) -> None:
    page.fill("#lead-phone", phone)
    page.check("#lead-consent")
    page.click("#lead button[type=submit]")


def leads(served) -> list[dict]:
    from postergen.serve.store import LEAD_FIELDS

    return list(served.state.store.rows("leads", LEAD_FIELDS))


def channel_row(site, channel: str):
    return next(r for r in code_table(load_campaign(site.spec).spec, ENV[SECRET_ENV].encode()) if r.channel == channel)


def test_the_fission_loop_with_javascript(browser, site, db):
    row = channel_row(site, "moments")
    poster = next(r for r in site.rows if r["kind"] == "poster" and r["channel"] == "moments")
    qr = decode(site.out / poster["path"])
    assert qr == f"{ORIGIN}/c/{row.code}/"
    with Served(site, db, port=PORT) as s:
        # The first participant scans the channel poster.
        page = open_page(browser, qr)
        assert page.url == f"{ORIGIN}/tea/invite/landing/base/moments/"
        submit(page, "13800138000")
        page.wait_for_url("**/tea/invite/thanks/?poster=*")
        link = page.locator("#pg-poster-link")
        link.wait_for(state="visible")
        assert link.text_content().strip() == "生成我的专属海报"
        problems = list(page.problems)  # none on the landing and thank-you pages (policy, script)
        with page.expect_response(lambda r: "/poster/" in r.url) as answer:
            link.click()  # the participant asks for their poster
        own = answer.value
        assert own.status == 200 and own.headers["content-type"] == "image/jpeg"
        image = own.body()
        page.context.close()
        assert problems == []
        [first] = leads(s)
        # Their poster's QR code carries their own code: a friend scans it.
        personal = decode(image)
        assert personal == f"{ORIGIN}/c/{row.code}/?ref={first['own_code']}"
        page = open_page(browser, personal)
        assert page.url == f"{ORIGIN}/tea/invite/landing/base/moments/?ref={first['own_code']}"
        submit(page, "+86 139 1234 5678")
        page.wait_for_url("**/tea/invite/thanks/?poster=*")
        page.context.close()
        second = leads(s)[1]
        scans = [e for e in s.state.store.rows("events", ("kind", "code", "ref")) if e["kind"] == "scan"]
        views = [e for e in s.state.store.rows("events", ("kind", "channel")) if e["kind"] == "view"]
    expected = {"code": row.code, "channel": "moments", "variant": "base", "ref": first["own_code"], "phone": "13912345678",
                "utm_source": "moments", "utm_medium": "social", "utm_campaign": "tea-invite-3", "utm_content": "base"}
    assert {k: second[k] for k in expected} == expected
    assert first["ref"] == "" and second["own_code"] not in ("", first["own_code"])
    assert scans == [{"kind": "scan", "code": row.code, "ref": ""}, {"kind": "scan", "code": row.code, "ref": first["own_code"]}]
    assert len(views) == 2  # each landing page reported its view


def test_the_same_without_javascript_and_the_export(browser, site, db, tmp_path):
    from typer.testing import CliRunner

    from postergen.cli import app

    row = channel_row(site, "groups")
    poster = next(r for r in site.rows if r["kind"] == "poster" and r["channel"] == "groups")
    personal = decode(site.out / poster["path"]) + "?ref=INVITER-7"  # as a person's poster carries it
    with Served(site, db, port=PORT) as s:
        page = open_page(browser, personal, js=False)
        assert page.url == f"{ORIGIN}/tea/invite/landing/base/groups/?ref=INVITER-7"  # the server's 302, no script
        submit(page, "+86 139 1234 5678")
        page.wait_for_url("**/tea/invite/thanks/?poster=*")
        assert page.text_content("h1") == "提交成功"
        page.context.close()
        [lead] = leads(s)
    expected = {"code": row.code, "channel": "groups", "variant": "base", "ref": "INVITER-7", "phone": "13912345678",
                "utm_source": "groups", "utm_medium": "social", "utm_campaign": "tea-invite-3", "utm_content": "base"}
    assert {k: lead[k] for k in expected} == expected
    result = CliRunner().invoke(app, ["leads", "export", "--db", str(db), "-o", str(tmp_path / "crm")])
    assert result.exit_code == 0, result.output
    [exported] = list(csv.DictReader(io.StringIO((tmp_path / "crm" / "leads.csv").read_text("utf-8-sig"))))
    assert {k: exported[k] for k in expected} == expected
