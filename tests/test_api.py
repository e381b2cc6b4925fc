"""The HTTP adapter: in-process through ASGI, and a real `icdkit serve` process on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from icdkit import KnowledgeBase
from icdkit.api.app import create_app


@pytest.fixture(scope="module")
def client(kb: KnowledgeBase) -> Iterator[TestClient]:
    with TestClient(create_app(KnowledgeBase(kb.path))) as c:
        yield c


def test_code_json_is_the_lookup_record(client: TestClient, kb: KnowledgeBase) -> None:
    r = client.get("/api/codes/m5403")
    assert r.status_code == 200
    d = r.json()
    assert d["code"] == "M54.03" and d["title"] == kb.get("M54.03").title
    assert d["notes"]["excludes1"][0]["source"] == "M54.0"
    dated = client.get("/api/codes/M54.5", params={"date": "2021-06-01"}).json()
    assert dated["on_date"]["valid"] is True


@pytest.mark.parametrize(
    ("url", "status", "kind"),
    [("/api/codes/W21.89A", 404, "unknown-code"), ("/api/codes/M5$4", 400, "malformed-code"),
     ("/api/codes/M54.03?date=2021-13-01", 400, "invalid-input")],
)
def test_errors_have_one_json_shape(client: TestClient, url: str, status: int, kind: str) -> None:
    r = client.get(url)
    assert r.status_code == status
    err = r.json()["error"]
    assert err["type"] == kind and err["message"]


def test_html_code_page(client: TestClient) -> None:
    r = client.get("/codes/M54.0")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert "Not billable" in r.text and 'href="/codes/M54.03"' in r.text
    assert 'lupus panniculitis (<a href="/codes/L93.2">L93.2</a>)' in r.text  # a note's reference is a link
    missing = client.get("/codes/W21.89A")
    assert missing.status_code == 404 and 'href="/codes/W21.89XA"' in missing.text


def test_real_server_process(server: str) -> None:
    health = httpx.get(f"{server}/health", timeout=5)
    assert health.json()["release"] == "FY2026"
    r = httpx.get(f"{server}/api/codes/S13.4XXA", timeout=5)
    assert r.status_code == 200 and r.json()["billable"] is True
    assert httpx.get(f"{server}/api/codes/Z99.999", timeout=5).status_code == 404
    found = httpx.get(f"{server}/api/search", params={"q": "neck pain"}, timeout=5).json()
    assert found["results"][0]["code"] == "M54.2"
