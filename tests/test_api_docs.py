"""The OpenAPI description is complete, and /docs works with no network (local assets only)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def client(api_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(api_app) as c:
        yield c


@pytest.fixture(scope="module")
def spec(client: TestClient) -> dict[str, Any]:
    got: dict[str, Any] = client.get("/openapi.json").json()
    return got


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            yield method, path, op


def test_every_operation_is_described_with_every_response_schema(spec: dict[str, Any]) -> None:
    ops = list(operations(spec))
    assert {p for _, p, _ in ops} >= {
        "/api/codes/{code}", "/api/codes/{code}/children", "/api/search", "/api/autocomplete", "/api/check",
        "/api/index", "/api/drug", "/api/neoplasm", "/api/releases", "/api/chapters",
        "/api/chapters/{number}"}
    for method, path, op in ops:
        where = f"{method.upper()} {path}"
        assert op.get("summary") and op.get("description"), where
        for status, answer in op["responses"].items():
            media = "application/fhir+json" if path.startswith("/fhir") else "application/json"
            schema = answer.get("content", {}).get(media, {}).get("schema")
            assert schema, f"{where} {status} has no schema"
            if status != "200":
                error = "OperationOutcome" if path.startswith("/fhir") else "ErrorBody"
                assert schema == {"$ref": f"#/components/schemas/{error}"}, f"{where} {status}"
        assert {"200", "500", "503", "413"} <= set(op["responses"]), where
        if op.get("parameters") or op.get("requestBody"):
            assert {"400", "404", "422"} <= set(op["responses"]) or path.startswith("/fhir"), where


def test_release_parameter_on_every_api_operation(spec: dict[str, Any]) -> None:
    for method, path, op in operations(spec):
        if path.startswith("/api/") and path != "/api/releases":
            names = {p["name"] for p in op.get("parameters", [])}
            assert "release" in names, f"{method} {path}"


def test_docs_page_uses_local_assets_only(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    refs = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert refs and all(not urlparse(u).netloc and u.startswith("/") for u in refs), refs
    for ref in refs:
        r = client.get(ref)
        assert r.status_code == 200 and len(r.content) > 50, ref
    assert client.get("/docs/assets/swagger-ui-bundle.js").headers["content-type"].startswith(
        ("application/javascript", "text/javascript"))
    assert "<script>" not in page.text  # nothing inline: the CSP would refuse it
    assert "cdn" not in page.text.lower()


def test_docs_render_in_a_browser_without_network(server: str) -> None:
    from playwright.sync_api import sync_playwright

    asked: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page()
            page.on("request", lambda req: asked.append(req.url))
            page.goto(server + "/docs")
            page.wait_for_selector(".opblock-summary-path", timeout=20_000)
            paths = page.locator(".opblock-summary-path").all_inner_texts()
        finally:
            browser.close()
    assert any("/api/codes/{code}" in p.replace("\u200b", "") for p in paths)
    assert asked and all(u.startswith(server) for u in asked), [u for u in asked if not u.startswith(server)]
