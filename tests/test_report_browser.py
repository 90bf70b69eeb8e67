"""The HTML report in a real headless Chromium: at 375 px and 1280 px no horizontal
overflow, no console errors, no requests beyond the page itself, axe-core clean, and every
glyph from the page's own fonts.  Screenshots go to tests/_actual/report/ for a person to
look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import Server, axe_source, browser  # noqa: F401 (browser is a fixture)

from postergen.loader import load_campaign
from postergen.report import report

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "ab-report"
ACTUAL = ROOT / "tests" / "_actual" / "report"
SIZES = [(375, 740), (1280, 900)]

OVERFLOW = """() => {
  const W = window.innerWidth, bad = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    // inside a focusable scroll region, content may be wider than the region (it scrolls)
    const region = el.closest('.scroll');
    if (region && region !== el) continue;
    if (r.right > W + 0.5 || r.left < -0.5) bad.push(`${el.tagName}.${el.className.baseVal ?? el.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
  }
  const regions = [...document.querySelectorAll('.scroll')].filter(s => s.getBoundingClientRect().height > 0 && s.scrollWidth > s.clientWidth + 1)
    .map(s => s.getAttribute('aria-label'));
  return {scroll: document.documentElement.scrollWidth, inner: W, bad, regions};
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory, browser):
    out = tmp_path_factory.mktemp("report")
    ev = EXAMPLE / "events"
    report(load_campaign(EXAMPLE), ev, out, people=ev / "people.csv", costs=ev / "costs.csv", threshold=3)
    html = (out / "report.html").read_text(encoding="utf-8")
    with Server() as server:
        server.url = server.add("/report.html", html)
        yield server


def open_page(browser, site, width, height, **context):
    ctx = browser.new_context(viewport={"width": width, "height": height}, **context)
    page = ctx.new_page()
    page.events, page.requests = [], []
    page.on("console", lambda m: page.events.append(f"console {m.type}: {m.text}"))
    page.on("pageerror", lambda e: page.events.append(f"pageerror: {e}"))
    page.on("request", lambda r: page.requests.append(r.url))
    page.goto(site.url)
    return page


@pytest.mark.parametrize("width,height", SIZES)
def test_no_overflow_no_errors_no_requests(browser, site, width, height):
    page = open_page(browser, site, width, height)
    page.wait_for_load_state("load")
    # open every <details>, so the tables inside are laid out and checked too
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    layout = page.evaluate(OVERFLOW)
    ACTUAL.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = false)")
    page.screenshot(path=str(ACTUAL / f"report-{width}.png"), full_page=True)
    events, requests = page.events, page.requests
    page.context.close()
    assert layout["scroll"] <= layout["inner"] and layout["bad"] == [], layout
    if width <= 600:  # on a phone every table is a column of small cards: nothing to scroll sideways
        assert layout["regions"] == [], layout
    assert events == []
    assert requests == [site.url]


def test_charts_are_inline_svg_with_titles(browser, site):
    page = open_page(browser, site, 1280, 900)
    charts = page.evaluate("""() => [...document.querySelectorAll('svg.chart')].map(s => [s.getAttribute('role'),
        s.querySelector('title')?.textContent, s.getBoundingClientRect().width > 200, s.querySelectorAll('rect,circle').length])""")
    page.context.close()
    titles = [c[1] for c in charts]
    assert "Scans, visitors and leads per channel" in titles
    assert "Visitors and leads per day" in titles and "Participants per fission level" in titles
    assert sum("95% Wilson intervals" in t for t in titles) == 3  # variants and the two factors
    assert all(role == "img" and wide and shapes > 2 for role, _, wide, shapes in charts)


def test_phone_cards_label_every_figure(browser, site):
    page = open_page(browser, site, 375, 740)
    labels = page.evaluate("""() => [...document.querySelectorAll('table.arms tbody tr')].slice(0, 2).map(tr =>
        [...tr.querySelectorAll('td')].map(td => getComputedStyle(td, '::before').content))""")
    page.context.close()
    assert labels[1] == ['"Leads of visitors"', '"Conversion 95% CI"', '"vs control 95% CI"', '"P(best)"']


@pytest.mark.parametrize("width,height", SIZES)
def test_axe_core_finds_no_violations(browser, site, width, height):
    page = open_page(browser, site, width, height, bypass_csp=True)
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    page.add_script_tag(content=axe_source())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    page.context.close()
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in result["violations"]
    ]
    assert violations == []


def test_every_glyph_comes_from_the_pages_own_fonts(browser, site):
    page = open_page(browser, site, 1280, 900)
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]
    body = cdp.send("DOM.querySelector", {"nodeId": root["nodeId"], "selector": "main"})["nodeId"]
    ids = cdp.send("DOM.querySelectorAll", {"nodeId": body, "selector": "h1, h2, th, td, p, .value, dd"})["nodeIds"]
    families = set()
    for node in ids[:400]:
        for font in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]:
            families.add((font["familyName"], font["isCustomFont"]))
    page.context.close()
    system = sorted(name for name, custom in families if not custom)
    assert system == [], f"text drawn with system fonts: {system}"
