"""``postergen serve``: the lead path, events, limits, logs, signed posters and export,
against a real server on 127.0.0.1 with SQLite and with a real PostgreSQL."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import socket
import time
import uuid

import pytest
from pg import fresh_database, postgres  # noqa: F401 — postgres is the session fixture
from serve_kit import ENV, JSON, SECRET_ENV, Served, built

from postergen.landing.content import strings
from postergen.serve.leads import normalise_phone, person_id
from postergen.tracking import derive_code

SECRET = ENV[SECRET_ENV].encode()
WORDS = strings("zh-CN")  # the landing pages' wording, which the server's answers use too


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return built(tmp_path_factory)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    """A fresh database of each kind."""
    if request.param == "sqlite":
        return str(tmp_path / "leads.sqlite")
    return fresh_database(request.getfixturevalue("postgres"), "serve_" + uuid.uuid4().hex[:12])


def codes(served):
    return {cv: code for code, cv in served.state.codes.items()}


def form(served, channel="moments", **fields):
    code = codes(served).get((channel, "base"), "A" * 8)
    base = {"phone": "+86 139 1234 5678", "consent": "yes", "campaign": "tea-invite-3", "code": code,
            "channel": channel, "variant": "base", "ref": "", "utm_source": channel, "utm_medium": "social",
            "utm_campaign": "tea-invite-3", "utm_content": "base"}
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def rows(served, table):
    from postergen.serve.store import EVENT_FIELDS, LEAD_FIELDS

    return list(served.state.store.rows(table, LEAD_FIELDS if table == "leads" else EVENT_FIELDS))


# --------------------------------------------------------------------------- the lead path


def test_lead_is_kept_with_its_attribution_and_own_code(site, db):
    inviter = derive_code(SECRET, "tea-invite-3", "moments", "base", inviter="lead-0123456789abcdef")
    with Served(site, db) as s:
        r = s.client.post("/api/lead", data=form(s, ref=inviter, name="小王"), headers=JSON)
        assert r.status_code == 200, r.text
        answer = r.json()
        [lead] = rows(s, "leads")
        [submit] = rows(s, "events")
        poster = s.client.get(answer["poster_url"])  # the person is found in this database
        assert poster.status_code == 200 and poster.headers["content-type"] == "image/jpeg"
    phone_hash = hmac.new(SECRET, b"13912345678", hashlib.sha256).hexdigest()
    own = derive_code(SECRET, "tea-invite-3", "moments", "base", inviter="lead-" + phone_hash[:16], length=10)
    assert lead["phone"] == "13912345678"  # '+86 139 1234 5678' normalised
    assert lead["phone_hash"] == phone_hash
    assert (lead["code"], lead["channel"], lead["variant"], lead["ref"]) == (codes(s)[("moments", "base")], "moments", "base", inviter)
    assert (lead["utm_source"], lead["utm_medium"], lead["utm_campaign"], lead["utm_content"]) == ("moments", "social", "tea-invite-3", "base")
    assert lead["own_code"] == own and lead["name"] == "小王" and lead["campaign"] == "tea-invite-3"
    assert lead["time"].endswith("Z") and lead["time"][10] == "T" and len(lead["time"]) == 24
    assert submit["kind"] == "submit" and submit["ref"] == inviter and submit["code"] == lead["code"]
    assert answer["ok"] is True and answer["duplicate"] is False and answer["own_code"] == own
    assert answer["poster_url"].startswith(f"/poster/lead-{phone_hash[:16]}.jpg?")
    assert answer["share_url"] == f"https://h5.example.com/c/{codes(s)[('moments', 'base')]}/?ref={own}"


def test_duplicate_phone_keeps_the_first_lead(site, db):
    with Served(site, db) as s:
        first = s.client.post("/api/lead", data=form(s), headers=JSON).json()
        again = s.client.post("/api/lead", data=form(s, "groups", phone="139-1234-5678"), headers=JSON)
        assert again.status_code == 200
        leads = rows(s, "leads")
        events = rows(s, "events")
    assert len(leads) == 1 and leads[0]["channel"] == "moments"  # first touch kept
    assert again.json()["duplicate"] is True and again.json()["own_code"] == first["own_code"]
    assert [e["kind"] for e in events] == ["submit", "submit"]  # both submits counted


def test_no_consent_is_refused(site, db):
    with Served(site, db) as s:
        for consent in (None, "", "no"):
            r = s.client.post("/api/lead", data=form(s, consent=consent), headers=JSON)
            assert r.status_code == 400
            assert r.json() == {"ok": False, "error": WORDS["consent_missing"], "field": "consent", "reason": "consent"}
        assert rows(s, "leads") == []


@pytest.mark.parametrize("phone", ["1391234567", "139123456789", "12912345678", "+1 139 1234 5678", "1391234567a", "", "1" * 50])
def test_bad_phone_is_refused(site, tmp_path, phone):
    with Served(site, tmp_path / "db.sqlite") as s:
        r = s.client.post("/api/lead", data=form(s, phone=phone), headers=JSON)
        assert r.status_code == 400
        wording = WORDS["phone_missing"] if not phone else WORDS["phone_hint"]  # the page's own words
        assert (r.json()["reason"], r.json()["field"], r.json()["error"]) == ("phone", "phone", wording)
        assert rows(s, "leads") == [] and rows(s, "events") == []


def test_bad_phone_is_refused_in_postgresql(site, db):
    with Served(site, db) as s:
        assert s.client.post("/api/lead", data=form(s, phone="12345"), headers=JSON).status_code == 400
        assert rows(s, "leads") == []


@pytest.mark.parametrize("typed", ["+86 139 1234 5678", "13912345678", "+86-139-1234-5678", "0086 13912345678",
                                   "86 139 1234 5678", "(139) 1234-5678", "１３９ １２３４ ５６７８", "+86\u00a0139.1234.5678"])
def test_phone_numbers_are_normalised(typed):
    assert normalise_phone(typed) == "13912345678"


@pytest.mark.parametrize("field,value", [("channel", "tiktok"), ("variant", "b"), ("code", "not-a-code!"),
                                         ("campaign", "other-campaign")])
def test_attribution_fields_are_checked(site, tmp_path, field, value):
    with Served(site, tmp_path / "db.sqlite") as s:
        r = s.client.post("/api/lead", data=form(s, **{field: value}), headers=JSON)
        assert r.status_code == 400 and r.json()["field"] == field
        assert rows(s, "leads") == []


def test_a_malformed_ref_does_not_cost_the_lead(site, tmp_path):
    with Served(site, tmp_path / "db.sqlite") as s:
        r = s.client.post("/api/lead", data=form(s, ref="<script>"), headers=JSON)
        assert r.status_code == 200
        assert rows(s, "leads")[0]["ref"] == ""


def test_json_and_beacon_bodies_are_read(site, tmp_path):
    with Served(site, tmp_path / "db.sqlite") as s:
        r = s.client.post("/api/lead", json={**form(s), "consent": True}, headers=JSON)
        assert r.status_code == 200 and r.json()["ok"]
        r = s.client.post("/api/lead", content=b"--x\r\n", headers={**JSON, "content-type": "multipart/form-data; boundary=x"})
        assert r.status_code == 415


def test_without_javascript_the_form_gets_a_303_to_the_thank_you_page(site, tmp_path):
    from urllib.parse import parse_qs, urlsplit

    with Served(site, tmp_path / "db.sqlite") as s:
        r = s.client.post("/api/lead", data=form(s), headers={"accept": "text/html"})
        assert r.status_code == 303
        where = urlsplit(r.headers["location"])
        assert where.path == "/tea/invite/thanks/"  # the site's own thank-you page
        assert s.client.get(where.path).status_code == 200
        [poster] = parse_qs(where.query)["poster"]
        assert poster.startswith("/poster/lead-")
        r = s.client.get(poster)
        assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
        bad = s.client.post("/api/lead", data=form(s, phone="123"), headers={"accept": "text/html", "referer": s.url + "/tea/invite/landing/base/moments/?c=X"})
        assert bad.status_code == 400 and WORDS["phone_hint"] in bad.text
        assert 'href="/tea/invite/landing/base/moments/?c=X"' in bad.text  # back to the form
        assert rows(s, "leads")[0]["phone"] == "13912345678"
        # The ref and UTM values the visitor arrived with are in the page's URL only.
        page = s.url + "/tea/invite/landing/base/groups/?ref=U42-friend&utm_source=wechat&utm_content=base"
        r = s.client.post("/api/lead", data=form(s, "groups", phone="13800138000", thanks="https://h5.example.com/tea/invite/thanks/"),
                          headers={"accept": "text/html", "referer": page})
        assert r.status_code == 303 and r.headers["location"].startswith("/tea/invite/thanks/?poster=%2Fposter%2Flead-")
        for thanks, where in (("https://h5.example.com/tea/invite/thanks/", "/tea/invite/thanks/?poster="),
                              ("https://evil.example.net/phish/", "/tea/invite/thanks/?poster="),
                              ("//evil.example.net/", "/tea/invite/thanks/?poster=")):
            r = s.client.post("/api/lead", data=form(s, phone="13800138000", thanks=thanks), headers={"accept": "text/html"})
            assert r.status_code == 303 and r.headers["location"].startswith(where), thanks
        lead = rows(s, "leads")[1]
        assert (lead["ref"], lead["utm_source"], lead["utm_content"], lead["channel"]) == ("U42-friend", "wechat", "base", "groups")


def test_the_built_in_thank_you_page(site, tmp_path):
    with Served(site, tmp_path / "db.sqlite") as s:
        poster = s.client.post("/api/lead", data=form(s), headers=JSON).json()["poster_url"]
        page = s.client.get("/api/thanks", params={"poster": poster})
        assert page.status_code == 200 and "生成我的专属海报" in page.text
        link = page.text.split('<a href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
        assert link == poster and s.client.get(link).status_code == 200
        page = s.client.get("/api/thanks", params={"poster": "https://evil.example.net/x.jpg"})
        assert "<a " not in page.text  # only this server's poster URLs are linked


# --------------------------------------------------------------------------- limits


def test_rate_limit_per_client_address(site, tmp_path):
    from postergen.serve.ratelimit import Rate

    with Served(site, tmp_path / "db.sqlite", lead_rate=Rate.parse("3/min")) as s:
        phones = iter(f"1391234{n:04d}" for n in range(100))
        for _ in range(3):
            assert s.client.post("/api/lead", data=form(s, phone=next(phones)), headers=JSON).status_code == 200
        r = s.client.post("/api/lead", data=form(s, phone=next(phones)), headers=JSON)
        assert r.status_code == 429 and r.json()["reason"] == "rate" and int(r.headers["retry-after"]) >= 1
        # Without a trusted proxy, X-Forwarded-For is anyone's to write: it changes nothing.
        r = s.client.post("/api/lead", data=form(s, phone=next(phones)), headers={**JSON, "x-forwarded-for": "203.0.113.7"})
        assert r.status_code == 429
        assert len(rows(s, "leads")) == 3


def test_rate_limit_behind_a_trusted_proxy(site, tmp_path):
    from postergen.serve.ratelimit import Rate, parse_networks

    with Served(site, tmp_path / "db.sqlite", lead_rate=Rate.parse("2/min"), trusted=parse_networks(["127.0.0.1"])) as s:
        phones = iter(f"1391234{n:04d}" for n in range(100))

        def post(xff):
            return s.client.post("/api/lead", data=form(s, phone=next(phones)), headers={**JSON, "x-forwarded-for": xff}).status_code

        assert [post("203.0.113.7"), post("203.0.113.7"), post("203.0.113.7")] == [200, 200, 429]
        assert post("198.51.100.2") == 200  # another visitor behind the same proxy
        # A client cannot escape by writing its own X-Forwarded-For: the proxy appends the real one.
        assert post("10.9.9.9, 203.0.113.7") == 429


def test_client_address():
    from postergen.serve.ratelimit import client_address, parse_networks

    trusted = parse_networks(["127.0.0.1", "10.0.0.0/8"])
    assert client_address("127.0.0.1", "1.2.3.4", ()) == "127.0.0.1"
    assert client_address("127.0.0.1", "1.2.3.4", trusted) == "1.2.3.4"
    assert client_address("127.0.0.1", "9.9.9.9, 1.2.3.4, 10.0.0.5", trusted) == "1.2.3.4"
    assert client_address("198.51.100.1", "1.2.3.4", trusted) == "198.51.100.1"  # not our proxy
    assert client_address("127.0.0.1", "garbage", trusted) == "127.0.0.1"
    assert client_address("127.0.0.1", "[2001:db8::1]:443", trusted) == "2001:db8::1"
    with pytest.raises(ValueError, match="'nope' is not an IP address or network"):
        parse_networks(["nope"])


def test_too_large_body_is_refused(site, tmp_path):
    with Served(site, tmp_path / "db.sqlite", max_body=2048) as s:
        r = s.client.post("/api/lead", data=form(s, name="x" * 5000), headers=JSON)
        assert r.status_code == 413 and r.json()["reason"] == "body"
        assert r.headers["connection"] == "close"

        def chunks():  # no Content-Length: counted while read
            yield b"phone=13912345678&consent=yes&"
            for _ in range(100):
                yield b"utm_source=" + b"a" * 100 + b"&"

        r = s.client.post("/api/lead", content=chunks(), headers={**JSON, "content-type": "application/x-www-form-urlencoded"})
        assert r.status_code == 413
        r = s.client.post("/api/lead", content="&".join(f"f{i}=1" for i in range(100)).encode(),
                          headers={**JSON, "content-type": "application/x-www-form-urlencoded"})
        assert r.status_code == 413  # too many fields
        assert rows(s, "leads") == []


def _connect(url):
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=30)


def _closed_within(sock, seconds) -> bytes | None:
    """What the server sent before closing *sock*, or None when it is still open."""
    sock.settimeout(seconds)
    got = b""
    try:
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                return got
            got += chunk
    except (TimeoutError, socket.timeout):
        return None


def test_slow_clients_cannot_hold_the_server(site, tmp_path):
    with Served(site, tmp_path / "db.sqlite", header_timeout=1.0, body_timeout=1.0) as s:
        # Many connections that send part of a request head and then nothing (slowloris).
        idle = [_connect(s.url) for _ in range(30)]
        for sock in idle:
            sock.sendall(b"POST /api/lead HTTP/1.1\r\nHost: x\r\n")
        # The server still answers everyone else meanwhile...
        r = s.client.post("/api/lead", data=form(s), headers=JSON)
        assert r.status_code == 200
        # ...and closes the slow connections once their head is overdue.
        assert all(_closed_within(sock, 20) == b"" for sock in idle)
        # A body sent too slowly gets 408 and the connection is closed.
        slow = _connect(s.url)
        slow.sendall(b"POST /api/lead HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nphone=139")
        answer = _closed_within(slow, 20)
        assert answer is not None and answer.startswith(b"HTTP/1.1 408 ")
        assert b'"reason":"slow"' in answer
        for sock in [*idle, slow]:
            sock.close()


def test_phone_numbers_never_reach_the_access_log(site, tmp_path):
    with Served(site, tmp_path / "db.sqlite") as s:
        s.client.post("/api/lead", data=form(s), headers=JSON)
        s.client.post("/api/lead?phone=13912345678", data=form(s, phone="13800138000"), headers=JSON)
        s.client.get("/tea/invite/landing/base/moments/?phone=%2B86%20139%201234%205678&utm_source=moments")
        s.client.get("/c/13912345678/")
        r = s.client.post("/api/lead", data=form(s, phone="+86 137 0000 1111", name="13700001111"), headers=JSON)
        poster = s.client.get(r.json()["poster_url"].replace("n=", "n=13912345678"))  # tampered: 403
        assert poster.status_code == 403
        text = s.log_text()
    assert text.count('"POST /api/lead') == 3 and '"GET /tea/invite/landing/base/moments/?phone=…&utm_source=moments" 200' in text
    digits = "".join(ch for ch in text if ch.isdigit() or ch == "\n")
    for phone in ("13912345678", "13800138000", "13700001111"):
        assert phone not in digits.replace("\n", " ") and phone not in text


# --------------------------------------------------------------------------- events


def test_scans_are_recorded_with_ref_and_utm(site, db):
    with Served(site, db) as s:
        code = codes(s)[("groups", "base")]
        ref = derive_code(SECRET, "tea-invite-3", "moments", "base", inviter="lead-aaaaaaaaaaaaaaaa", length=10)
        r = s.client.get(f"/c/{code}/?ref={ref}&utm_source=groups&utm_medium=social")
        # As the site's _redirects says, with the visitor's query carried:
        assert r.status_code == 302 and r.headers["cache-control"] == "no-store"
        assert r.headers["location"] == f"https://h5.example.com/tea/invite/landing/base/groups/?ref={ref}&utm_source=groups&utm_medium=social"
        assert s.client.get(f"/c/{code}").status_code == 302  # the same without the slash
        assert s.client.head(f"/c/{code}/").status_code == 302  # not a scan
        assert s.client.get("/c/ZZZZZZZZ/").status_code == 404
        events = rows(s, "events")
    assert [(e["kind"], e["code"], e["channel"], e["variant"]) for e in events] == [("scan", code, "groups", "base")] * 2
    assert events[0]["ref"] == ref and events[0]["utm_source"] == "groups" and events[1]["ref"] == ""


def test_short_links_on_a_site_without_rules(site, tmp_path):
    """Without _redirects the short link's own page answers (it forwards with a script);
    without that page either, a known code gets a 302 to its page."""
    import shutil

    from serve_kit import Built

    copy = Built(site.spec, tmp_path / "site")
    shutil.copytree(site.site, copy.site)
    (copy.site / "_redirects").unlink()
    with Served(site, tmp_path / "probe.sqlite") as probe:
        moments, groups = codes(probe)[("moments", "base")], codes(probe)[("groups", "base")]
    shutil.rmtree(copy.site / "c" / groups)
    with Served(copy, tmp_path / "db.sqlite") as s:
        r = s.client.get(f"/c/{moments}/?ref=U42")
        assert r.status_code == 200 and "https://h5.example.com/tea/invite/landing/base/moments/" in r.text
        assert r.headers["content-security-policy"].startswith("default-src 'none'")  # the /c/* rule
        r = s.client.get(f"/c/{groups}/?ref=U42&utm_source=wechat")
        assert r.status_code == 302 and r.headers["cache-control"] == "no-store"
        assert r.headers["location"] == (f"https://h5.example.com/tea/invite/landing/base/groups/?c={groups}&utm_source=groups"
                                         "&utm_medium=social&utm_campaign=tea-invite-3&utm_content=base&ref=U42")
        scans = rows(s, "events")
    assert [(e["kind"], e["code"], e["channel"], e["ref"]) for e in scans] == [("scan", moments, "moments", "U42"), ("scan", groups, "groups", "U42")]


def test_view_beacons(site, db):
    with Served(site, db) as s:
        fields = {**form(s, phone=None, consent=None), "kind": "view", "visitor": "v_123-abc"}
        assert s.client.post("/api/event", data=fields).status_code == 204
        assert s.client.post("/api/event", content=b'{"kind":"view","channel":"groups","variant":"base"}',
                             headers={"content-type": "text/plain"}).status_code == 204
        assert s.client.post("/api/event", data={**fields, "kind": "submit"}).status_code == 400  # the server's own
        assert s.client.post("/api/event", data={**fields, "visitor": "x" * 65}).status_code == 400
        events = rows(s, "events")
    assert [(e["kind"], e["channel"], e["visitor"]) for e in events] == [("view", "moments", "v_123-abc"), ("view", "groups", "")]


# --------------------------------------------------------------------------- site, health


def test_site_is_served_with_its_headers(site, tmp_path):
    with Served(site, tmp_path / "db.sqlite") as s:
        r = s.client.get("/tea/invite/landing/base/moments/")
        assert r.status_code == 200 and 'name="code"' in r.text and 'action="/api/lead"' in r.text
        assert r.headers["content-security-policy"].startswith("default-src 'none'")
        assert "form-action 'self'" in r.headers["content-security-policy"]
        assert r.headers["x-frame-options"] == "DENY" and r.headers["cache-control"] == "no-cache"
        assert s.client.get("/tea/invite/landing/base/moments").status_code in (301, 307)  # to the folder
        for hidden in ("/_headers", "/_redirects", "/nginx.conf", "/.postergen-lock"):
            assert s.client.get(hidden).status_code == 404, hidden


def test_health(site, db):
    with Served(site, db) as s:
        r = s.client.get("/healthz")
        assert r.status_code == 200
        assert r.json() == {"ok": True, "campaign": "tea-invite-3", "db": "postgresql" if db.startswith("postgresql") else "sqlite"}


def test_health_says_when_the_database_is_gone(site, tmp_path):
    with Served(site, tmp_path / "db.sqlite") as s:
        s.state.store.close()
        import sqlite3

        def broken():
            raise sqlite3.OperationalError("disk I/O error")

        s.state.store.ping = broken
        r = s.client.get("/healthz")
        assert r.status_code == 503 and r.json() == {"ok": False, "error": "database: OperationalError"}
        r = s.client.post("/api/lead", data=form(s), headers=JSON)
        assert r.status_code == 503 and r.json()["reason"] == "server"


# --------------------------------------------------------------------------- refusing to start


def test_serve_needs_the_secret_and_a_safe_database_path(site, tmp_path):
    from postergen.loader import load_campaign
    from postergen.serve import ServeError, Settings, open_serve

    loaded = load_campaign(site.spec)
    with pytest.raises(ServeError, match=f"environment variable {SECRET_ENV} is not set or empty"):
        open_serve(loaded, Settings.for_site(site.site, tmp_path / "a.sqlite"), environ={})
    with pytest.raises(ServeError, match="the database may not be inside the site folder"):
        open_serve(loaded, Settings.for_site(site.site, site.site / "leads.sqlite"), environ=ENV)
    with pytest.raises(ServeError, match="no such folder; build the campaign first"):
        open_serve(loaded, Settings.for_site(tmp_path / "nothing", tmp_path / "a.sqlite"), environ=ENV)
    assert not (site.site / "leads.sqlite").exists()


# --------------------------------------------------------------------------- export


def test_leads_export(site, db, tmp_path):
    from typer.testing import CliRunner

    from postergen.cli import app

    with Served(site, db) as s:
        s.client.post("/api/lead", data=form(s, utm_source="=HYPERLINK(\"http://x\")", name="@admin"), headers=JSON)
        s.client.get(f"/c/{codes(s)[('moments', 'base')]}/?ref=ABCDEFGH")
    result = CliRunner().invoke(app, ["leads", "export", "--db", db, "-o", str(tmp_path / "crm")])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"1 lead and 2 events → {tmp_path / 'crm'}"
    raw = (tmp_path / "crm" / "leads.csv").read_bytes()
    assert raw.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    [lead] = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(lead) == ["time", "code", "channel", "variant", "ref", "own_code", "phone_hash", "phone",
                          "utm_source", "utm_medium", "utm_campaign", "utm_content", "name"]
    assert lead["phone"] == "13912345678" and lead["channel"] == "moments"
    assert lead["utm_source"] == "'=HYPERLINK(\"http://x\")" and lead["name"] == "'@admin"  # never a formula
    events = list(csv.DictReader(io.StringIO((tmp_path / "crm" / "events.csv").read_text("utf-8-sig"))))
    assert list(events[0]) == ["time", "kind", "code", "channel", "variant", "ref", "visitor",
                               "utm_source", "utm_medium", "utm_campaign", "utm_content"]
    assert [e["kind"] for e in events] == ["submit", "scan"] and events[1]["ref"] == "ABCDEFGH"


def test_leads_export_of_a_missing_database(tmp_path):
    from typer.testing import CliRunner

    from postergen.cli import app

    result = CliRunner().invoke(app, ["leads", "export", "--db", str(tmp_path / "nope.sqlite"), "-o", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert f"{tmp_path / 'nope.sqlite'}: no such database file" in result.output
    assert not (tmp_path / "nope.sqlite").exists()


# --------------------------------------------------------------------------- the report reads it


def test_postergen_report_reads_what_serve_keeps(site, db, tmp_path):
    """The contract with ``postergen report``: a lead invited by another lead's own code is
    its second fission level, from the database and from the export alike."""
    from postergen.loader import load_campaign
    from postergen.report import report
    from postergen.serve.export import export_leads

    with Served(site, db) as s:
        moments, groups = codes(s)[("moments", "base")], codes(s)[("groups", "base")]
        s.client.get(f"/c/{moments}/")
        s.client.post("/api/event", data={"type": "view", "code": moments, "channel": "moments", "variant": "base"})
        first = s.client.post("/api/lead", data=form(s), headers=JSON).json()
        s.client.get(f"/c/{groups}/?ref={first['own_code']}")
        second = s.client.post("/api/lead", data=form(s, "groups", phone="13800138000", ref=first["own_code"]), headers=JSON).json()
    export_leads(db, tmp_path / "crm")
    loaded = load_campaign(site.spec)
    for source in (db, str(tmp_path / "crm")):
        f = report(loaded, source, tmp_path / "report", environ=ENV).figures
        assert (f["totals"]["scans"], f["totals"]["leads"], f["totals"]["invited_leads"]) == (2, 2, 1), source
        assert f["unknown_codes"] == [] and f["fission"]["max_level"] == 1
        inviters = {i["code"]: (i["level"], i["invited"], i["channel"]) for i in f["fission"]["inviters"]}
        assert inviters == {first["own_code"]: (0, 1, "moments"), second["own_code"]: (1, 0, "groups")}


def test_after_the_deadline_no_lead_is_kept(site, tmp_path):
    """mechanics.deadline passed: the page shows its ended state, and the server agrees —
    410 with the ended message, nothing kept; before it, the same lead is kept."""
    from dataclasses import replace
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    with Served(site, tmp_path / "db.sqlite") as s:
        s.state.campaign = replace(s.state.campaign, deadline=now - timedelta(seconds=1))
        r = s.client.post("/api/lead", data=form(s), headers=JSON)
        assert r.status_code == 410
        assert r.json() == {"ok": False, "error": "活动已结束，感谢你的关注", "field": "", "reason": "ended"}
        page = s.client.post("/api/lead", data=form(s))  # a form posted without JavaScript
        assert page.status_code == 410 and "活动已结束" in page.text
        assert rows(s, "leads") == []
        s.state.campaign = replace(s.state.campaign, deadline=now + timedelta(days=1))
        assert s.client.post("/api/lead", data=form(s), headers=JSON).status_code == 200
        assert len(rows(s, "leads")) == 1


def test_a_lead_is_refused_from_the_deadline_on():
    from datetime import datetime, timezone

    from postergen.serve.leads import Campaign, Refusal, parse_lead

    deadline = datetime(2030, 7, 14, 15, 59, tzinfo=timezone.utc)
    campaign = Campaign("c", b"s" * 32, ("moments",), ("base",), deadline=deadline)
    fields = {"phone": "13912345678", "consent": "yes", "channel": "moments", "variant": "base"}
    assert parse_lead(fields, campaign, now=datetime(2030, 7, 14, 15, 58, tzinfo=timezone.utc)).phone == "13912345678"
    with pytest.raises(Refusal) as refused:
        parse_lead(fields, campaign, now=deadline)
    assert refused.value.status == 410 and refused.value.error == "ended"
