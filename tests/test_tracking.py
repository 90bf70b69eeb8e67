"""Tracking codes, QR URLs, redirect pages, and the personal-data guard."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from html.parser import HTMLParser
from urllib.parse import parse_qs, parse_qsl, unquote, urlsplit

import pytest
from conftest import make_campaign

from postergen.pipeline import build
from postergen.checks import check_tracking
from postergen.validate import validate_campaign
from postergen.codes import code_table, lookup
from postergen.errors import SpecError
from postergen.loader import load_campaign
from postergen.tracking import ALPHABET, derive_code, normalise_code, tracking_url, utm

SECRET = {"TEA_SECRET": "9f86d081884c7d659a2feaa0c55ad015"}  # 16 random bytes, as `openssl rand -hex 16`
_CHANNELS = {
    "tracking": {"secret_env": "TEA_SECRET"},
    "channels": [
        {"id": "moments", "name": "朋友圈", "source": "朋友圈"},
        {"id": "groups", "name": "微信群"},
        {"id": "store", "name": "门店海报", "medium": "Offline", "printed": True},
    ],
}


def channels(**more):
    """A fresh copy of the channel overrides (make_campaign may change what it is given)."""
    import copy

    return {**copy.deepcopy(_CHANNELS), **more}


# --------------------------------------------------------------------------- codes


def test_codes_are_stable_known_values():
    # Fixed vectors: a change here breaks every code already printed on paper.
    assert derive_code(b"s3cret", "tea-invite-3", "moments") == "0Y7M6CDJ"
    assert derive_code(b"s3cret", "tea-invite-3", "moments", "b") == "T4K1NP7F"
    assert derive_code(b"s3cret", "tea-invite-3", "moments", length=10) == "0Y7M6CDJTT"


def test_codes_are_the_same_in_another_process():
    code = "from postergen.tracking import derive_code; print(derive_code(b's3cret', 'tea-invite-3', 'moments'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == derive_code(b"s3cret", "tea-invite-3", "moments")


@pytest.mark.parametrize("length", [6, 8, 10])
def test_alphabet_and_length(length):
    for i in range(500):
        code = derive_code(b"k", "c", f"ch{i}", length=length)
        assert len(code) == length
        assert set(code) <= set(ALPHABET)
        assert not set(code) & set("ILOU")  # nothing that reads as another character
        assert re.fullmatch(r"[A-Z0-9]+", code)  # URL-safe as is


def test_unique_across_thousands_of_channels_and_variants():
    codes = [derive_code(b"k", "tea", f"channel-{c}", f"variant-{v}") for c, v in itertools.product(range(200), range(25))]
    assert len(set(codes)) == len(codes) == 5000


def test_different_secrets_give_unrelated_codes():
    a = [derive_code(b"secret-a", "tea", f"ch{i}") for i in range(300)]
    b = [derive_code(b"secret-b", "tea", f"ch{i}") for i in range(300)]
    assert not set(a) & set(b)
    # No position agrees more often than chance (1/32) would allow.
    for pos in range(8):
        same = sum(x[pos] == y[pos] for x, y in zip(a, b))
        assert same < 30


def test_one_code_does_not_reveal_its_neighbour():
    # Codes of neighbouring channels share no prefix structure.
    codes = [derive_code(b"k", "tea", f"ch{i}") for i in range(100)]
    prefixes = {c[:3] for c in codes}
    assert len(prefixes) > 95


def test_lookup_forgives_case_and_lookalikes():
    assert normalise_code(" 0y7m-6cdj ") == "0Y7M6CDJ"
    assert normalise_code("OY7M6CDJ") == "0Y7M6CDJ"
    assert normalise_code("lI") == "11"


# --------------------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    "base,expected",
    [
        ("https://h5.example.com/tea", "https://h5.example.com/tea?c=ABC&utm_source=x"),
        ("https://h5.example.com/tea/", "https://h5.example.com/tea/?c=ABC&utm_source=x"),
        ("https://h5.example.com", "https://h5.example.com/?c=ABC&utm_source=x"),
        ("https://h5.example.com/tea?from=menu", "https://h5.example.com/tea?from=menu&c=ABC&utm_source=x"),
        ("https://h5.example.com/tea?utm_source=old&a=1", "https://h5.example.com/tea?a=1&c=ABC&utm_source=x"),
        ("https://h5.example.com/tea#join", "https://h5.example.com/tea?c=ABC&utm_source=x#join"),
        ("https://h5.example.com/tea?x=%E4%B8%AD#/route?a=1", "https://h5.example.com/tea?x=%E4%B8%AD&c=ABC&utm_source=x#/route?a=1"),
    ],
)
def test_odd_base_urls(base, expected):
    assert tracking_url(base, "ABC", {"utm_source": "x"}) == expected


def test_chinese_and_reserved_characters_are_encoded_and_round_trip():
    params = utm("朋友圈 A&B=C", "Social", "Tea-3", "红色/B")
    url = tracking_url("https://h5.example.com/t?q=1", "XS5RX1A6", params)
    query = urlsplit(url).query
    assert "朋友圈" not in url and " " not in url
    assert "utm_source=%E6%9C%8B%E5%8F%8B%E5%9C%88%20a%26b%3Dc" in query
    assert dict(parse_qsl(query)) == {
        "q": "1",
        "c": "XS5RX1A6",
        "utm_source": "朋友圈 a&b=c",
        "utm_medium": "social",
        "utm_campaign": "tea-3",
        "utm_content": "红色/b",
    }


def test_code_table_rows(tmp_path):
    loaded = load_campaign(make_campaign(tmp_path, channels()))
    rows = code_table(loaded.spec, SECRET["TEA_SECRET"].encode())
    assert [(r.channel, r.variant) for r in rows] == [("moments", "base"), ("groups", "base"), ("store", "base")]
    store = parse_qs(urlsplit(rows[2].url).query)
    assert store == {
        "c": [rows[2].code],
        "utm_source": ["store"],
        "utm_medium": ["offline"],
        "utm_campaign": ["tea-invite-3"],
        "utm_content": ["base"],
    }
    assert unquote(urlsplit(rows[0].url).query).count("utm_source=朋友圈") == 1
    assert lookup(rows, rows[1].code.lower()) == rows[1]
    assert lookup(rows, "ZZZZZZZZ") is None


# --------------------------------------------------------------------------- secret and personal data


def test_missing_secret_variable_is_an_error(tmp_path):
    loaded = load_campaign(make_campaign(tmp_path, channels()))
    [problem] = check_tracking(loaded, environ={})
    assert str(problem) == (
        f"{loaded.path}:36 tracking.secret_env: environment variable TEA_SECRET is not set or empty; export it "
        "with the campaign secret (e.g. export TEA_SECRET=$(openssl rand -hex 16)) or remove tracking.secret_env"
    )


def test_no_secret_warns_that_codes_are_guessable(tmp_path):
    loaded = load_campaign(make_campaign(tmp_path, {"channels": channels()["channels"]}))
    [problem] = check_tracking(loaded, environ={})
    assert problem.severity == "warning"
    assert problem.message.startswith("no secret: codes are derived from the campaign id alone and can be guessed")


@pytest.mark.parametrize(
    "overrides,path,message",
    [
        ({"landing_url": "https://h5.example.com/t?phone=13812345678"}, "landing_url", "contains a mobile phone number; personal data must never go into a URL or a code"),
        ({"landing_url": "https://h5.example.com/t?u=a.b@example.com"}, "landing_url", "contains an e-mail address; personal data must never go into a URL or a code"),
        ({"landing_url": "https://h5.example.com/t?who={inviter.nickname}"}, "landing_url", "the placeholder '{inviter.nickname}' would put personal data into the URL; identify inviters by their code, never by name, phone or user id"),
        ({"channels.0.source": "13912345678"}, "channels[0].source", "contains a mobile phone number; personal data must never go into a URL or a code"),
    ],
)
def test_personal_data_in_urls_is_rejected(tmp_path, overrides, path, message):
    loaded = load_campaign(make_campaign(tmp_path, channels(**overrides)))
    problems = [p for p in check_tracking(loaded, environ=SECRET) if p.severity == "error"]
    assert [(p.path, p.message) for p in problems] == [(path, message)]


# --------------------------------------------------------------------------- build with channels


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refresh = self.canonical = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and a.get("http-equiv") == "refresh":
            self.refresh = a["content"]
        if tag == "link" and a.get("rel") == "canonical":
            self.canonical = a["href"]


def test_build_per_channel_with_short_form(tmp_path):
    import zxingcpp
    from PIL import Image

    spec = make_campaign(tmp_path / "c", channels(**{"tracking.short_base": "https://t.example.com/"}))
    result = build(spec, tmp_path / "out", environ=SECRET)
    assert result.ok, result.failures
    posters = [r for r in result.rows if r["kind"] == "poster"]
    redirects = [r for r in result.rows if r["kind"] == "redirect"]
    assert [r["path"] for r in posters] == [
        "posters/moments/bold-1080x1920.png",
        "posters/groups/bold-1080x1920.png",
        "posters/store/bold-A4.pdf",  # a printed channel: the print size (docs/channels.md)
    ]
    assert len({r["code"] for r in posters}) == 3
    for row in posters:
        if row["format"] == "pdf":
            import pypdfium2 as pdfium

            image = pdfium.PdfDocument(tmp_path / "out" / row["path"])[0].render(scale=2).to_pil()
        else:
            image = Image.open(tmp_path / "out" / row["path"])
        found = zxingcpp.read_barcodes(image)
        assert [f.text for f in found] == [f"https://t.example.com/c/{row['code']}/"]  # trailing slash: no redirect first
        assert f"c={row['code']}" in row["url"] and "utm_campaign=tea-invite-3" in row["url"]
    # No landing: section, so no site: the short links forward to your own landing page.
    assert [r["path"] for r in redirects] == [f"short/c/{r['code']}/index.html" for r in posters]
    for row, poster in zip(redirects, posters):
        assert row["url"] == f"https://t.example.com/c/{row['code']}/"
        page = _Links()
        page.feed((tmp_path / "out" / row["path"]).read_text(encoding="utf-8"))
        assert page.canonical == poster["url"]
        assert page.refresh == f"0; url={poster['url']}"
    assert result.summary() == "3 posters, 3 redirect pages and host rules: 8 written, 0 unchanged"
    assert {r["kind"] for r in result.rows} == {"poster", "redirect", "headers", "nginx"}


def test_interrupted_build_leaves_no_partial_file_and_rerun_finishes(tmp_path):
    spec = make_campaign(tmp_path / "c", channels(**{"output.sizes": ["1080x1920", "750x1334", "1080x1080"], "output.formats": ["png", "jpeg"]}))
    out = tmp_path / "out"
    env = {**__import__("os").environ, **SECRET}
    proc = subprocess.Popen([sys.executable, "-m", "postergen", "build", str(spec), "-o", str(out), "--quiet"], env=env)
    # Kill it as soon as the first poster is on disk.
    import time

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(out.rglob("*.png")):
        time.sleep(0.01)
    proc.kill()
    proc.wait()
    from PIL import Image

    finished = [p for p in out.rglob("*") if p.is_file() and not p.name.endswith(".part")]
    assert not (out / "manifest.json").exists()
    for path in finished:
        Image.open(path).load()  # every file under its final name is complete
    result = build(spec, out, environ=SECRET)
    # two screen channels × 3 sizes × 2 formats, and the printed store's A4 PDF
    assert result.ok and len([r for r in result.rows if r["kind"] == "poster"]) == 13
    assert not list(out.rglob("*.part"))
    assert len(result.unchanged) == len({p.relative_to(out).as_posix() for p in finished})


def test_validate_decodes_every_qr_and_lints_small_modules(tmp_path):
    long_url = "https://h5.example.com/" + "campaign/" * 12 + "invite"
    spec = make_campaign(tmp_path, channels(**{"landing_url": long_url, "output.sizes": ["750x1334"]}))
    loaded, problems = validate_campaign(spec, environ=SECRET)
    lints = [str(p) for p in problems if p.severity == "warning" and "landing page" not in str(p)]
    assert lints and all("QR modules are" in m and "use the short form (tracking.short_base)" in m for m in lints)
    assert any("channel 'moments', bold 750x1334: " in m for m in lints)


def test_low_contrast_qr_is_linted(tmp_path):
    spec = make_campaign(tmp_path, {"qr.dark": "#999999"})
    _, problems = validate_campaign(spec)
    assert [p.message for p in problems if "QR" in p.message] == [
        "bold 1080x1920: QR contrast is 2.8:1 (qr.dark on qr.light); use at least 4.5:1, e.g. a darker qr.dark"
    ]


def test_build_refuses_missing_secret(tmp_path):
    spec = make_campaign(tmp_path / "c", channels())
    with pytest.raises(SpecError) as err:
        build(spec, tmp_path / "out", environ={})
    assert "environment variable TEA_SECRET is not set" in str(err.value)
    assert not (tmp_path / "out").exists()
