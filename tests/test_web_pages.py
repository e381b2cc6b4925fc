"""The web pages in-process (ASGI): each page renders in the one layout, errors are pages, links resolve."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient

from icdkit.api.app import create_app
from icdkit.api.templating import NAV
from icdkit.lookup import describe_code
from icdkit.rules.check import Checker
from icdkit.workbench import KnowledgeBase

HTML = {"accept": "text/html,application/xhtml+xml"}


class Links(HTMLParser):
    """The hrefs, form controls, labels and landmarks of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.controls: list[str] = []  # ids of inputs and selects that a person fills in
        self.labelled: set[str] = set()
        self.tags: set[str] = set()
        self.inline = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.add(tag)
        if tag == "a" and a.get("href"):
            self.hrefs.append(str(a["href"]))
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "checkbox"):
            self.controls.append(str(a.get("id")))
        if tag == "label" and a.get("for"):
            self.labelled.add(str(a["for"]))
        if tag == "style" or "style" in a or (tag == "script" and not a.get("src")):
            self.inline = True


def parse(text: str) -> Links:
    p = Links()
    p.feed(text)
    return p


@pytest.fixture(scope="module")
def client(kb: KnowledgeBase) -> Iterator[TestClient]:
    with TestClient(create_app(KnowledgeBase(kb.path)), headers=HTML) as c:
        yield c


PAGES = ["/", "/browse", "/browse/13", "/browse/M50-M54", "/browse/M54", "/browse/S00-T88",
         "/search?q=neck+pain", "/index", "/index?term=Pain,+neck", "/index?term=Fall&external=true",
         "/drug", "/drug?substance=acetaminophen", "/neoplasm", "/neoplasm?site=lung", "/check",
         "/check?codes=M54.2+M50.20&age=54&sex=F", "/codes/M54.03", "/notes"]


@pytest.mark.parametrize("path", PAGES)
def test_each_page_renders_in_the_layout_and_is_accessible(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = parse(r.text)
    assert {"header", "main", "nav", "footer"} <= page.tags  # landmarks
    assert 'role="combobox"' in r.text and 'href="/"' in r.text  # search and a way home everywhere
    assert all(path in page.hrefs for path, _ in NAV)
    assert set(page.controls) <= page.labelled, "every form control has a label"
    assert not page.inline, "no inline script or style (the Content-Security-Policy forbids them)"
    assert "FY2026" in r.text  # the footer names the release


def test_code_box_goes_to_the_code_and_text_is_searched(client: TestClient) -> None:
    r = client.get("/go", params={"code": "m5403"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/codes/M54.03"
    r = client.get("/go", params={"code": "neck pain"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/search?q=neck+pain"
    r = client.get("/go", params={"code": "W21.89A"})
    assert r.status_code == 404 and "placeholder X is missing" in r.text
    assert 'href="/codes/W21.89XA"' in r.text  # the suggestion is a link


def test_unknown_pages_are_html_for_browsers_and_json_for_the_api(client: TestClient) -> None:
    r = client.get("/no/such/page")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "Page not found" in r.text and 'role="combobox"' in r.text
    api = client.get("/api/no/such")
    assert api.status_code == 404 and api.json()["error"]["type"] == "not-found"
    plain = client.get("/no/such/page", headers={"accept": "application/json"})
    assert plain.json()["error"]["type"] == "not-found"
    bad = client.get("/search", params={"billable_only": "maybe"})  # FastAPI's validation: a page too
    assert bad.status_code == 422 and "Cannot do that" in bad.text
    unknown = client.get("/browse/Q99-Q99")
    assert unknown.status_code == 200  # a range no block has: the categories within it
    assert client.get("/browse/99").status_code == 404


def test_browse_walks_chapter_block_category_code(client: TestClient, kb: KnowledgeBase) -> None:
    chapter = parse(client.get("/browse/13").text).hrefs
    assert "/browse/M50-M54" in chapter and "/browse/M00-M02" in chapter
    text = client.get("/browse/13").text  # a heading block holds the blocks in its range
    assert text.index("M00-M25") < text.index("M00-M02") < text.index("M05-M14")
    block = parse(client.get("/browse/M50-M54").text).hrefs
    assert {f"/codes/{c.code}" for c in kb.descendants("M50-M54")} <= set(block)
    big = client.get("/browse/S70-S79").text  # 7th-character codes stay on the code's page
    assert "/codes/S72.001A" not in big and 'href="/codes/S72.001"' in big
    assert "7th-character codes on its page" in big


def test_index_and_table_pages_link_every_code_and_cross_reference(client: TestClient) -> None:
    page = client.get("/index", params={"term": "Cholecystitis"}).text
    assert re.search(r'<span class="cross">see</span> <a href="/index\?term=Cholecystitis%2C\+acute">', page)
    cross = [h for h in parse(page).hrefs if h.startswith("/index?term=")]
    assert cross and all(client.get(h.replace("&amp;", "&")).status_code == 200 for h in cross)
    drug = client.get("/drug", params={"substance": "Acetaminophen"}).text
    row = re.search(r"<tr><th scope=\"row\">Acetaminophen.*?</tr>", drug, re.S)
    assert row and len(re.findall(r'href="/codes/T39\.1X', row.group(0))) == 6  # every column
    neo = client.get("/neoplasm", params={"site": "lung"}).text
    assert 'href="/codes/C34.9' in neo or 'href="/codes/C34.90' in neo
    missing = client.get("/drug", params={"substance": "notasubstance"})
    assert missing.status_code == 404 and "notasubstance" in missing.text


def test_checker_page_shows_the_library_findings_with_citations(client: TestClient,
                                                               kb: KnowledgeBase) -> None:
    expected = Checker(kb).check(["M54.2", "M50.20"], age=54, sex="F").to_dict()
    via_get = client.get("/check", params={"codes": "M54.2 M50.20", "age": "54", "sex": "F"}).text
    via_post = client.post("/check", content="codes=M54.2+M50.20&age=54&sex=F",
                           headers={"content-type": "application/x-www-form-urlencoded"}).text
    for text in (via_get, via_post):
        assert "Errors found" in text
        for f in expected["findings"]:
            assert f["rule"] in text and f["source"]["kind"] in text
    bad = client.post("/check", content="codes=M54.2&sex=X",
                      headers={"content-type": "application/x-www-form-urlencoded"})
    assert bad.status_code == 400 and "malformed sex" in bad.text


def test_links_resolve_crawling_from_home(client: TestClient) -> None:
    seeds = ["/", "/codes/M54.03", "/codes/E11.9", "/browse/13", "/index?term=Pain",
             "/drug?substance=Acetaminophen", "/neoplasm?site=breast",
             "/check?codes=M54.2+M50.20+N40.0&age=54&sex=F"]
    seen: dict[str, int] = {}
    frontier = list(seeds)
    for depth in range(2):
        nxt: list[str] = []
        for url in frontier:
            if url in seen or len(seen) >= 400:
                continue
            r = client.get(url)
            seen[url] = r.status_code
            if depth == 0:
                for h in parse(r.text).hrefs:
                    target = urljoin(url, h)
                    if urlsplit(target).path.startswith(("/static", "/api", "/docs")):
                        continue
                    nxt.append(target.split("#")[0])
        frontier = nxt
    broken = {u: s for u, s in seen.items() if s >= 400}
    assert len(seen) > 150 and not broken, broken


RANGE = re.compile(r"[A-Z][0-9][0-9A-Z]-[A-Z][0-9][0-9A-Z]")  # a range (O00-O9A) is linked to /browse


def test_note_references_on_the_code_page_are_links(client: TestClient, kb: KnowledgeBase) -> None:
    for code in ("M54.03", "E11.9", "S72.001A", "I10"):
        text = client.get(f"/codes/{code}").text
        refs = {r.split()[0] for notes in describe_code(kb, code)["notes"].values()
                for n in notes for r in n["refs"] if not RANGE.fullmatch(r.split()[0])}
        assert refs, code
        for ref in refs:
            assert f">{ref}</a>" in text, (code, ref)


HOSTILE = [("GET", "/browse/%00"), ("GET", "/browse/" + "A" * 300), ("GET", "/browse/Z99-A00"),
           ("GET", "/index?term=%25%5F*" + "x" * 300), ("GET", "/index?term=%00"),
           ("GET", "/drug?substance=" + "%2C" * 50), ("GET", "/search?q=" + "neck+" * 200),
           ("GET", "/go?code=%3Cscript%3E"), ("GET", "/codes/%3Cscript%3E"),
           ("GET", "/check?codes=" + "+".join(["M54.2"] * 150)),
           ("GET", "/check?codes=M54.2&date=2021-02-30"),
           ("POST", "/check")]


@pytest.mark.parametrize(("method", "url"), HOSTILE)
def test_hostile_input_is_a_clear_page_never_a_server_error(client: TestClient, method: str,
                                                            url: str) -> None:
    body = "&".join(f"f{i}=1" for i in range(100)) + "&codes=M54.2" if method == "POST" else None
    r = client.request(method, url, content=body,
                       headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code < 500 and r.headers["content-type"].startswith("text/html"), (url, r.status_code)
    assert "<script>" not in r.text  # user text is escaped


def test_one_code_page_route_guides_a_code_and_gives_a_deleted_one_its_record(
        client: TestClient, kb: KnowledgeBase) -> None:
    from icdkit.api import web

    assert web.route_paths(client.app.routes).count("/codes/{code}") == 1  # type: ignore[attr-defined]
    guide = client.get("/codes/M54.03")
    assert guide.status_code == 200 and 'id="summary"' in guide.text  # the code guide
    deleted = client.get("/codes/T78.1XXA")  # in FY2025, deleted in FY2026: its lookup record
    assert deleted.status_code == 200 and "T78.1XXA" in deleted.text and 'id="summary"' not in deleted.text
    assert client.get("/codes/T78.1XXA", params={"release": "FY2025"}).text.count('id="summary"') == 1
