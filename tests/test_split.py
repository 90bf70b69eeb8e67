"""The A/B split page in a real Chromium: weighted shares, sticky assignment, ?ab=,
parameters passed on, and the no-JavaScript fallback."""

from __future__ import annotations

import pytest
from browser import Server, browser  # noqa: F401 (browser is a fixture)

from postergen.split import split_html

VARIANTS = [("a", 1.0), ("b", 3.0), ("c", 1.0)]




@pytest.fixture()
def site():
    with Server() as s:
        s.add("/landing/moments/", split_html("tea-invite-3", "moments", VARIANTS))
        for name, _ in VARIANTS:
            s.add(f"/landing/{name}/moments/", f"<!doctype html><title>{name}</title><p id=v>{name}</p>")
        yield s


def split_url(site, query=""):
    return site.add("/landing/moments/", split_html("tea-invite-3", "moments", VARIANTS)) + query


def test_shares_follow_the_weights_over_2000_visitors(browser, site):
    page = browser.new_page()
    page.add_init_script("window.postergenSplitNoRedirect = true")
    page.goto(split_url(site))
    counts = page.evaluate(
        "() => { const c = {}; for (let i = 0; i < 2000; i++) { const v = postergenSplit.assign('visitor-' + i); c[v] = (c[v] || 0) + 1; } return c; }"
    )
    total = sum(w for _, w in VARIANTS)
    for name, weight in VARIANTS:
        share = counts.get(name, 0) / 2000
        assert abs(share - weight / total) <= 0.03, (name, share, counts)
    page.close()


def test_a_returning_visitor_keeps_the_variant_and_parameters_pass_on(browser, site):
    context = browser.new_context()
    page = context.new_page()
    page.goto(split_url(site, "?utm_source=moments&ref=R7&utm_content=x#join"))
    page.wait_for_url("**/landing/*/moments/**")
    first = page.text_content("#v")
    assert page.url.endswith("?utm_source=moments&ref=R7&utm_content=x#join")
    for _ in range(3):
        page.goto(split_url(site))
        page.wait_for_url("**/landing/*/moments/**")
        assert page.text_content("#v") == first
    # Another visitor (a fresh browser profile) may land elsewhere, but always on a variant.
    context.close()


def test_ab_parameter_forces_a_variant(browser, site):
    page = browser.new_page()
    page.goto(split_url(site, "?ab=c&utm_medium=social"))
    page.wait_for_url("**/landing/c/moments/**")
    assert page.text_content("#v") == "c"
    assert page.url.endswith("/landing/c/moments/?utm_medium=social")  # ab itself is dropped
    page.goto(split_url(site, "?ab=nope"))  # unknown: the normal assignment
    page.wait_for_url("**/landing/*/moments/**")
    page.close()


def test_without_javascript_the_default_variant_opens(browser, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(split_url(site))
    page.wait_for_url("**/landing/a/moments/**")
    assert page.text_content("#v") == "a"
    context.close()
