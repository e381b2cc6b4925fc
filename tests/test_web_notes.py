"""The note coder's page (``/notes``) in-process: the library's result shown with its evidence
marked in the note, the note never in an address, a log or a cache, limits answered clearly."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from icdkit.api.app import create_app
from icdkit.notes import code_note
from icdkit.workbench import KnowledgeBase

HTML = {"accept": "text/html,application/xhtml+xml"}
FORM = {"content-type": "application/x-www-form-urlencoded"}
NOTE = ("HPI: 54 yo F with neck pain for 3 weeks. Denies chest pain. Mother had breast cancer.\r\n"
        "Assessment: 1. Cervical radiculopathy. 2. Type 2 diabetes with diabetic chronic kidney disease "
        "stage 3a. 3. Possible pneumonia. 4. Fracture of femur.")


@pytest.fixture(scope="module")
def client(kb: KnowledgeBase) -> Iterator[TestClient]:
    with TestClient(create_app(KnowledgeBase(kb.path)), headers=HTML) as c:
        yield c


def _note_div(page: str) -> str:
    m = re.search(r'<div class="note" id="note">(.*?)</div>', page, re.S)
    assert m, "the note is shown"
    return m.group(1)


def test_form_is_labelled_posted_and_never_reads_a_note_from_the_address(client: TestClient) -> None:
    r = client.get("/notes", params={"text": "secret-patient-words"})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    assert "secret-patient-words" not in r.text  # a note in a URL is ignored, not coded or echoed
    form = re.search(r"<form action=\"/notes\" method=\"post\"", r.text)
    assert form and '<label for="text"' in r.text and '<textarea id="text" name="text"' in r.text
    assert 'href="/notes" aria-current="page"' in r.text  # in the site navigation


def test_result_marks_the_evidence_in_place_and_links_each_code(client: TestClient,
                                                                 kb: KnowledgeBase) -> None:
    expected = code_note(NOTE, age=54, sex="F", kb=kb).to_json()
    r = client.post("/notes", data={"text": NOTE, "age": "54", "sex": "F", "setting": "outpatient"})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    page = r.text
    note = _note_div(page)
    # the note itself, unchanged, once the marks and the codes named after the words are taken out
    plain = html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<sup.*?</sup>", "", note)))
    assert plain == NOTE
    marked = re.findall(r'<mark class="ev"><a href="#code-\d+"[^>]*>(.*?)</a>', note)
    marks = [html.unescape(t) for t in marked]
    codes = [c["code"] for c in expected["codes"]]
    assert len(codes) >= 3
    for k, c in enumerate(expected["codes"], 1):
        for e in c["evidence"]:  # each evidence span is marked where it is, linking to its code
            assert NOTE[e["start"]:e["end"]] == e["text"]
            assert any(e["text"].startswith(m) or m in e["text"] for m in marks), e
        assert f'<sup class="tag ev"><a href="#code-{k}">{c["code"]}</a></sup>' in note
        assert f'<li id="code-{k}"><a class="code" href="/codes/{c["code"]}">{c["code"]}</a>' in page
        assert html.escape(c["why"], quote=False) in page or c["why"] in html.unescape(page)
    order = [page.index(f'href="/codes/{c}">{c}</a> ') for c in codes]
    assert order == sorted(order)  # in the library's reporting order
    for n in expected["not_coded"]:  # left out, with the guideline's reason, and marked grey
        assert html.unescape(n["reason"]) in html.unescape(page)
        assert '<mark class="nc"><a href="#nc-1"' in note
    for g in expected["gaps"]:
        for choice in g["choices"]:
            assert f'href="/codes/{choice["code"]}"' in page
    for f in expected["findings"]:
        assert f["rule"] in page and html.unescape(f["message"]) in html.unescape(page)


def test_note_is_never_logged(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    secret = "Assessment: zebra-7731 hypertension"
    with caplog.at_level(logging.DEBUG):
        assert client.post("/notes", data={"text": secret}).status_code == 200
        assert client.post("/api/code", json={"text": secret}).headers["cache-control"] == "no-store"
    assert all("zebra-7731" not in rec.getMessage() for rec in caplog.records)


def test_limits_and_bad_fields_are_clear_answers(client: TestClient) -> None:
    empty = client.post("/notes", data={"text": "  "})
    assert empty.status_code == 400 and "empty note" in empty.text and 'role="alert"' in empty.text
    long = client.post("/notes", data={"text": "pain " * 20_001})
    assert long.status_code == 400 and "note too long" in long.text
    age = client.post("/notes", data={"text": "Assessment: hypertension", "age": "abc"})
    assert age.status_code == 400 and "malformed age" in age.text
    assert 'Assessment: hypertension</textarea>' in age.text  # the form keeps what was typed
    huge = client.post("/notes", content=b"text=" + b"a" * (1 << 20), headers=FORM)
    assert huge.status_code == 413 and huge.json()["error"]["type"] == "request-too-large"
    fields = client.post("/notes", content="&".join(f"f{i}=1" for i in range(40)), headers=FORM)
    assert fields.status_code == 400 and "too many form fields" in fields.text


def test_release_is_kept_and_used(client: TestClient) -> None:
    form = client.get("/notes", params={"release": "FY2025"}).text
    assert 'action="/notes?release=FY2025"' in form
    r = client.post("/notes", params={"release": "FY2025"}, data={"text": "Assessment: hypertension"})
    assert r.status_code == 200 and "coded against FY2025" in r.text and 'href="/codes/I10"' in r.text
