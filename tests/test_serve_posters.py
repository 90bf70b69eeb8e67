"""Personal posters on demand: signed URLs (valid, tampered, expired, unknown person),
the rendered poster (its QR decodes to the person's own link), the disk cache."""

from __future__ import annotations

import io
import threading
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from serve_kit import ENV, JSON, SECRET_ENV, Served, built

from postergen.serve.signing import BadSignature, poster_key, sign, verify

SECRET = ENV[SECRET_ENV].encode()
KEY = poster_key(SECRET)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return built(tmp_path_factory)


@pytest.fixture
def served(site, tmp_path):
    with Served(site, tmp_path / "db.sqlite") as s:
        yield s


def signup(s, phone="13912345678", name="", channel="moments"):
    code = next(c for c, cv in s.state.codes.items() if cv == (channel, "base"))
    fields = {"phone": phone, "consent": "yes", "code": code, "channel": channel, "variant": "base", "name": name}
    r = s.client.post("/api/lead", data=fields, headers=JSON)
    assert r.status_code == 200, r.text
    return r.json()


def image(data: bytes):
    from PIL import Image

    return Image.open(io.BytesIO(data)).convert("RGB")


def with_query(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(changes)
    return parts.path + "?" + urlencode(query)


def test_a_new_participant_gets_a_poster_with_their_own_code(served):
    from postergen.qrcheck import decode

    answer = signup(served, name="小王")
    r = served.client.get(answer["poster_url"])
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    poster = image(r.content)
    assert poster.size == (1080, 1920)
    # The QR carries their channel's short link with their own code as ref: scans credit them.
    assert decode(poster) == [answer["share_url"]]
    assert answer["share_url"].endswith("?ref=" + answer["own_code"])
    # Another person's poster differs in the QR and the trust header (their nickname), only.
    other = signup(served, phone="13800138000", name="阿杰")
    second = image(served.client.get(other["poster_url"]).content)
    assert decode(second) == [other["share_url"]] and other["own_code"] != answer["own_code"]
    from PIL import ImageChops

    box = ImageChops.difference(poster, second).point(lambda v: 255 if v > 40 else 0).getbbox()
    assert box is not None and box[1] < 300 and box[3] > 1500  # header at the top, QR at the bottom
    middle = ImageChops.difference(poster.crop((0, 400, 1080, 1400)), second.crop((0, 400, 1080, 1400)))
    assert middle.getbbox() is None  # the static body is the same pixels


def test_posters_are_cached_on_disk(served):
    answer = signup(served)
    first = served.client.get(answer["poster_url"])
    assert served.state.posters.rendered == 1
    again = served.client.get(answer["poster_url"])
    resigned = sign(KEY, *_parts(answer["poster_url"]), ttl=3600)  # another expiry: same poster
    third = served.client.get(resigned)
    assert served.state.posters.rendered == 1
    assert first.content == again.content == third.content
    etag = first.headers["etag"]
    assert served.client.get(answer["poster_url"], headers={"if-none-match": etag}).status_code == 304
    files = list(served.settings.cache.rglob("*.jpg"))
    assert len(files) == 1 and files[0].read_bytes() == first.content


def test_concurrent_requests_for_one_poster_render_it_once(served):
    answer = signup(served)
    import httpx

    results = []

    def get():
        with httpx.Client(base_url=served.url, timeout=60) as c:
            results.append(c.get(answer["poster_url"]).content)

    threads = [threading.Thread(target=get) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 6 and len(set(results)) == 1
    assert served.state.posters.rendered == 1


def _parts(url):
    """(person, nickname, channel, variant) of a poster URL."""
    parts = urlsplit(url)
    q = dict(parse_qsl(parts.query, keep_blank_values=True))
    return parts.path.rsplit("/", 1)[1].rsplit(".", 1)[0], q["n"], q["ch"], q["v"]


@pytest.mark.parametrize("change", [
    {"n": "someone else"}, {"ch": "groups"}, {"v": "other"}, {"exp": "4102444800"},
    {"sig": "0" * 32}, {"sig": ""}, "person", "ext",
])
def test_tampered_urls_are_refused(served, change):
    answer = signup(served)
    url = answer["poster_url"]
    if change == "person":
        url = url.replace(_parts(url)[0], "lead-ffffffffffffffff")
    elif change == "ext":
        url = url.replace(".jpg?", ".png?")
    else:
        url = with_query(url, **change)
    r = served.client.get(url)
    assert r.status_code == 403 and r.json() == {"ok": False, "error": "signature"}
    assert served.state.posters.rendered == 0


def test_expired_urls_are_refused(served):
    person = _parts(signup(served)["poster_url"])[0]
    assert served.state.store.person("tea-invite-3", person) is not None
    url = sign(KEY, person, "", "moments", "base", now=1_000_000, ttl=60)
    r = served.client.get(url)
    assert r.status_code == 410 and r.json()["error"] == "expired"


def test_unknown_people_get_no_poster(served):
    signup(served)
    for person in ("lead-0123456789abcdef", "clerk-007"):
        r = served.client.get(sign(KEY, person, "", "moments", "base"))
        assert r.status_code == 404 and r.json()["error"] == "unknown person"
    assert served.client.get("/poster/lead-0123456789abcdef.jpg?n=&ch=moments&v=base").status_code == 404  # no exp
    assert served.client.get("/poster/..%2F..%2Fetc.jpg?exp=1&sig=x").status_code in (403, 404)
    assert served.state.posters.rendered == 0


def test_signing():
    url = sign(KEY, "lead-0123456789abcdef", "小王 🍵", "moments", "base", now=1000, ttl=60)
    path, query = url.split("?")
    assert path == "/poster/lead-0123456789abcdef.jpg"
    q = dict(parse_qsl(query))
    req = verify(KEY, "lead-0123456789abcdef.jpg", q, now=1000)
    assert (req.person, req.nickname, req.channel, req.variant, req.format, req.expires) == (
        "lead-0123456789abcdef", "小王 🍵", "moments", "base", "jpeg", 1060)
    with pytest.raises(BadSignature, match="expired"):
        verify(KEY, "lead-0123456789abcdef.jpg", q, now=1061)
    with pytest.raises(BadSignature, match="signature"):
        verify(poster_key(b"another secret"), "lead-0123456789abcdef.jpg", q, now=1000)
    with pytest.raises(BadSignature, match="malformed"):
        sign(KEY, "../etc/passwd", "", "moments", "base")
    with pytest.raises(BadSignature, match="malformed"):
        verify(KEY, "lead-0123456789abcdef.jpg", {**q, "n": "x" * 41}, now=1000)
    assert len(q["sig"]) == 32


def test_a_participant_poster_is_drawn_from_their_channels_spec(tmp_path_factory, tmp_path):
    """A screen channel's `set` reaches the posters serve draws for its participants (as
    `batch --channel` draws them); a printed channel's participant still gets a phone
    poster from the variant's spec (themselves as the inviter, 长按识别)."""
    site = built(tmp_path_factory, channels=[
        {"id": "moments", "name": "朋友圈", "set": {"theme.primary": "#1F6FEB"}},
        {"id": "groups", "name": "微信群"},
        {"id": "store", "name": "门店", "medium": "offline"},
    ])
    with Served(site, tmp_path / "db.sqlite") as s:
        posters = {}
        for n, channel in enumerate(("moments", "groups", "store")):
            answer = signup(s, phone=f"1391234567{n}", name="小王", channel=channel)
            r = s.client.get(answer["poster_url"])
            assert r.status_code == 200, r.text
            posters[channel] = image(r.content)
    blue, red = (0x1F, 0x6F, 0xEB), (0xC7, 0x3A, 0x27)

    def near(pixel, colour):
        return all(abs(a - b) <= 24 for a, b in zip(pixel, colour))

    # The colour band behind the headline is the primary colour.
    at = (40, 600)
    assert near(posters["moments"].getpixel(at), blue), posters["moments"].getpixel(at)
    assert near(posters["groups"].getpixel(at), red), posters["groups"].getpixel(at)
    assert near(posters["store"].getpixel(at), red), posters["store"].getpixel(at)
    assert posters["store"].size == (1080, 1920)
