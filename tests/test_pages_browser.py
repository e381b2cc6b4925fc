"""The web pages in a real browser (Debian's Chromium driven by Playwright) against `icdkit serve`.

Set ``ICDKIT_SCREENSHOTS=docs/screenshots`` to refresh the README's screenshots.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    pg = browser.new_page(viewport=DESKTOP)
    outside: list[str] = []
    pg.on("request", lambda r: None if r.url.startswith((server, "data:")) else outside.append(r.url))
    yield pg
    pg.close()
    assert outside == [], f"a page asked another origin: {outside}"  # every asset is served locally


def test_search_box_suggests_as_you_type_and_links_to_the_code(page: Page, server: str) -> None:
    page.goto(server + "/")
    page.fill("#q", "neck pa")
    first = page.locator("#suggest li").first
    expect(first).to_contain_text("M54.2 Cervicalgia")
    expect(first).to_contain_text("Pain › neck NEC")
    first.locator("a").click()
    page.wait_for_url("**/codes/M54.2")
    expect(page.locator("h1")).to_contain_text("M54.2")
    expect(page.locator("h1")).to_contain_text("Cervicalgia")


def test_keyboard_picks_a_suggestion_escape_closes_enter_opens(page: Page, server: str) -> None:
    page.goto(server + "/browse")  # the header's search box is on every page
    box = page.get_by_role("combobox", name="Search diagnoses and codes")
    box.fill("neck pa")
    listbox = page.get_by_role("listbox", name="Suggestions")
    expect(listbox.get_by_role("option").first).to_contain_text("M54.2")
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press("ArrowDown")  # reopens and selects the first suggestion
    box.press("ArrowDown")
    box.press("ArrowUp")
    first = listbox.get_by_role("option").first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", "suggest-0")
    box.press("Enter")
    page.wait_for_url("**/codes/M54.2")
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


def test_code_box_goes_straight_to_the_code_and_excludes1_references_are_links(page: Page,
                                                                            server: str) -> None:
    page.goto(server + "/")
    box = page.get_by_role("textbox", name=re.compile(r"^Code"))
    box.fill("m5403")
    box.press("Enter")
    page.wait_for_url("**/codes/M54.03")
    excludes1 = page.locator("#excludes1")
    expect(excludes1).to_contain_text("lupus panniculitis (L93.2)")
    excludes1.get_by_role("link", name="L93.2").click()
    page.wait_for_url("**/codes/L93.2")
    expect(page.locator("h1")).to_contain_text("L93.2")
    page.goto(server + "/codes/M54.2")
    expect(page.locator("#index_entries")).to_contain_text("Pain › neck NEC")
    response = page.goto(server + "/codes/W21.89A")
    assert response is not None and response.status == 404
    expect(page.locator(".error")).to_contain_text("placeholder X is missing")
    expect(page.get_by_role("link", name="W21.89XA")).to_be_visible()


def test_checker_runs_and_cites_the_excludes1_note(page: Page, server: str) -> None:
    page.goto(server + "/check")
    page.locator("#codes").fill("M54.2 M50.20")
    page.get_by_label("Age", exact=False).first.fill("54")
    page.get_by_label("Sex").select_option("F")
    page.get_by_role("button", name="Check").click()
    expect(page.locator("#verdict")).to_contain_text("Errors found")
    finding = page.locator("#findings li.error").filter(has_text="excludes1").first
    expect(finding).to_contain_text("Source: note")
    expect(page.locator("#codes")).to_have_value("M54.2 M50.20")  # the form keeps its input


def test_browse_a_chapter_down_to_a_code(page: Page, server: str) -> None:
    page.goto(server + "/")
    page.get_by_role("link", name=re.compile(r"^Chapter 13: Diseases of the musculoskeletal")).click()
    page.wait_for_url("**/browse/13")
    page.get_by_role("link", name="M50-M54").click()
    page.wait_for_url("**/browse/M50-M54")
    page.get_by_role("link", name="M54.03", exact=True).click()
    page.wait_for_url("**/codes/M54.03")
    page.locator("main").get_by_role("link", name="M50-M54", exact=True).first.click()  # the trail up
    page.wait_for_url(re.compile(r".*/(browse|codes)/M50-M54$"))


def test_unknown_page_and_empty_search_are_pages_with_a_way_on(page: Page, server: str) -> None:
    response = page.goto(server + "/no/such/page")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Page not found")
    expect(page.get_by_role("combobox")).to_be_visible()
    expect(page.get_by_role("link", name="icdkit home")).to_be_visible()
    response = page.goto(server + "/search?q=")
    assert response is not None and response.status == 400
    expect(page.locator(".error")).to_contain_text("empty query")


def test_pages_fit_a_phone_print_without_controls_and_screenshots(browser: Browser, server: str,
                                                                   tmp_path: Path) -> None:
    out = Path(os.environ.get("ICDKIT_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    shots = {"home": "/", "code": "/codes/M54.03",
             "checker": "/check?codes=M54.2+M50.20&age=54&sex=F&date=2026-05-01"}
    for device, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        pg = browser.new_page(viewport=viewport, device_scale_factor=1)
        try:
            for name, path in shots.items():
                pg.goto(server + path)
                width = pg.evaluate("document.documentElement.scrollWidth")
                assert width <= viewport["width"], f"{path} scrolls sideways on a {device}: {width}px"
                if name == "home":  # show the suggestions open, the second one chosen
                    pg.fill("#q", "neck pa")
                    expect(pg.locator("#suggest li").nth(1)).to_be_visible()
                    pg.press("#q", "ArrowDown")
                    pg.press("#q", "ArrowDown")
                pg.screenshot(path=str(out / f"{name}-{device}.png"))
            pg.emulate_media(media="print")  # printed: the page's content without the site's controls
            expect(pg.locator("header.site")).to_be_hidden()
            expect(pg.locator("#findings")).to_be_visible()
        finally:
            pg.close()


NOTE = ("HPI: 54 yo F with neck pain for 3 weeks. Denies chest pain. Mother had breast cancer.\n"
        "Assessment:\n1. Cervical radiculopathy.\n2. Type 2 diabetes with diabetic CKD "
        "stage 3a.\n3. Possible pneumonia.\n4. Fracture of femur.")


def test_note_coder_marks_the_evidence_and_links_to_the_guide(browser: Browser, server: str,
                                                              tmp_path: Path) -> None:
    out = Path(os.environ.get("ICDKIT_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    for device, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        pg = browser.new_page(viewport=viewport, device_scale_factor=1)
        try:
            pg.goto(server + "/")
            pg.get_by_role("link", name="Note coder").click()
            pg.wait_for_url("**/notes")
            pg.get_by_role("textbox", name=re.compile(r"^Note")).fill(NOTE)  # by its label
            pg.get_by_label("Age", exact=False).fill("54")
            pg.get_by_label("Sex").select_option("F")
            pg.get_by_role("button", name="Code the note").click()
            pg.wait_for_url("**/notes")  # posted: the note is in no address
            assert "radiculopathy" not in pg.url
            mark = pg.locator("#note mark.ev").filter(has_text="Cervical radiculopathy")
            expect(mark).to_be_visible()
            expect(pg.locator("#note sup.tag").filter(has_text="M54.12")).to_be_visible()
            width = pg.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"/notes scrolls sideways on a {device}: {width}px"
            pg.evaluate("document.getElementById('note-h').scrollIntoView()")  # the note and its codes
            pg.screenshot(path=str(out / f"notes-{device}.png"))
            if device == "desktop":
                mark.get_by_role("link").click()  # the marked words lead to their code in the list
                expect(pg.locator("#code-1")).to_contain_text("Radiculopathy, cervical region")
                pg.locator("#codes").get_by_role("link", name="M54.12", exact=True).click()
                pg.wait_for_url("**/codes/M54.12")  # and on to the code's guide
                expect(pg.locator("h1")).to_contain_text("M54.12")
            else:
                pg.emulate_media(media="print")
                expect(pg.locator("form.check")).to_be_hidden()
                expect(pg.locator("#note mark.ev").first).to_be_visible()
        finally:
            pg.close()
