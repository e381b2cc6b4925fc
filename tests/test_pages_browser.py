"""The web pages in a real browser (Debian's Chromium driven by Playwright) against `icdkit serve`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    pg = browser.new_page()
    yield pg
    pg.close()


def test_search_box_suggests_as_you_type_and_links_to_the_code(page: Page, server: str) -> None:
    page.goto(server + "/")
    page.fill("#q", "neck pa")
    first = page.locator("#suggest li").first
    expect(first).to_contain_text("M54.2 Cervicalgia")
    expect(first).to_contain_text("Pain › neck NEC")
    first.locator("a").click()
    expect(page.locator("h1")).to_have_text("M54.2 Cervicalgia")
    expect(page.locator("#status")).to_contain_text("Billable")


def test_search_results_page_says_why_each_code_matched(page: Page, server: str) -> None:
    page.goto(server + "/")
    page.fill("#q", "acetaminophen overdose")
    page.press("#q", "Enter")
    page.wait_for_url("**/search?q=acetaminophen+overdose")
    first = page.locator("#results li").first
    expect(first).to_contain_text("T39.1X1A")
    expect(first).to_contain_text("7th character A of T39.1X1")
    expect(first).to_contain_text("drug: Acetaminophen › Poisoning, accidental (unintentional)")


def test_code_page_and_unknown_code(page: Page, server: str) -> None:
    page.goto(server + "/codes/M54.03")
    expect(page.locator("#excludes1")).to_contain_text("lupus panniculitis (L93.2)")
    page.goto(server + "/codes/M54.2")
    expect(page.locator("#index_entries")).to_contain_text("Pain › neck NEC")
    response = page.goto(server + "/codes/W21.89A")
    assert response is not None and response.status == 404
    expect(page.locator(".error")).to_contain_text("placeholder X is missing")


def test_empty_search_is_a_clear_error(page: Page, server: str) -> None:
    response = page.goto(server + "/search?q=")
    assert response is not None and response.status == 400
    expect(page.locator(".error")).to_contain_text("empty query")
