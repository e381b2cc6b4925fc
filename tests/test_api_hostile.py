"""Hostile input: each request is answered within 200 ms with a 4xx in the one error shape.

In-process through httpx's ASGI transport (a 100 KB URL, which httpx itself refuses to build,
goes through a raw ASGI call). The clock includes the app's whole work for the request.
"""

from __future__ import annotations

import asyncio
import gc
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI

BUDGET_MS = 200
KB100 = 100 * 1024


@pytest.fixture(scope="module")
def app(api_app: FastAPI) -> Iterator[FastAPI]:
    made = api_app
    for warm in ({"q": "warm up"}, {"q": "pain"}):  # first-request costs (caches, thread pool)
        asyncio.run(_call(made, "GET", "/api/search", params=warm))
    asyncio.run(_call(made, "POST", "/api/check", json={"codes": ["M54.2", "M50.20", "Z99.999"]}))
    for url, params in (("/api/drug", {"substance": "aspirin"}), ("/api/neoplasm", {"site": "lung"}),
                        ("/api/index", {"term": "Pain"}), ("/api/codes/M54.03", {})):
        asyncio.run(_call(made, "GET", url, params=params))  # the Tables' and Index's first-use work
    for url in ("/api/autocomplete", "/api/search"):
        asyncio.run(_call(made, "GET", url, params={"q": "neck pa"}))
    # As `icdkit serve` does (it preloads with freeze_gc=True): the long-lived tables leave the
    # collector's scans, so a full collection over this test process's many knowledge bases
    # is not timed as the request's own work.
    gc.collect()
    gc.freeze()
    try:
        yield made
    finally:
        gc.unfreeze()


async def _call(app: FastAPI, method: str, url: str, **kw: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        return await c.request(method, url, **kw)


def hostile(app: FastAPI, method: str, url: str, **kw: Any) -> tuple[httpx.Response, float]:
    t0 = time.perf_counter()
    r = asyncio.run(_call(app, method, url, **kw))
    return r, (time.perf_counter() - t0) * 1000


def assert_refused(r: httpx.Response, ms: float, statuses: tuple[int, ...] = (400, 404, 413, 422)) -> str:
    assert r.status_code in statuses, (r.status_code, r.text[:300])
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"type", "message", "suggestions"}, body
    assert ms < BUDGET_MS, f"took {ms:.0f} ms"
    assert "Traceback" not in r.text
    return str(body["error"]["type"])


TERMS = [("/api/search", "q"), ("/api/autocomplete", "q"), ("/api/index", "term"),
         ("/api/drug", "substance"), ("/api/neoplasm", "site")]


@pytest.mark.parametrize(("url", "name"), TERMS)
@pytest.mark.parametrize("text", ["%", "_", "*", "%%%%%%%%", "%_%_%_%_", "[]^$.*+?", "   ", "''\"\"",
                                  "neck\x00pain", "\x00", "pain\x1b[31m", "a" * 61 + " pain",
                                  "x" * 600, ",,,,,,,,,,,,,,,,,,,"])
def test_wildcard_control_and_overlong_terms(app: FastAPI, url: str, name: str, text: str) -> None:
    r, ms = hostile(app, "GET", url, params={name: text})
    assert_refused(r, ms, (400, 404))


@pytest.mark.parametrize(("url", "name"), TERMS)
def test_wildcards_inside_words_are_literal(app: FastAPI, url: str, name: str) -> None:
    # a LIKE pattern that would match (and backtrack over) every term if it reached SQL unescaped
    r, ms = hostile(app, "GET", url, params={name: "%a%e%i%o%u%a%e%i%o%u%"})
    if url in ("/api/search", "/api/autocomplete"):  # words of one letter, searched as words
        assert r.status_code == 200 and ms < BUDGET_MS
    else:
        assert assert_refused(r, ms, (404,)) == "unknown-term"


@pytest.mark.parametrize(("url", "name"), [*TERMS, ("/api/codes/M54.2", "date"),
                                           ("/fhir/CodeSystem/$lookup", "code")])
def test_100_kb_terms_are_413(app: FastAPI, url: str, name: str) -> None:
    t0 = time.perf_counter()
    status, headers, body = asyncio.run(raw(app, "GET", url, f"{name}={'a' * KB100}".encode()))
    ms = (time.perf_counter() - t0) * 1000
    assert status == 413 and ms < BUDGET_MS, (status, ms)
    data = json.loads(body)
    if url.startswith("/fhir"):
        assert data["resourceType"] == "OperationOutcome"
        assert headers[b"content-type"] == b"application/fhir+json"
    else:
        assert data["error"]["type"] == "request-too-large"


def test_100_kb_code_in_the_path(app: FastAPI) -> None:
    t0 = time.perf_counter()
    status, _, body = asyncio.run(raw(app, "GET", "/api/codes/" + "M" * KB100, b""))
    assert status == 400 and (time.perf_counter() - t0) * 1000 < BUDGET_MS
    assert json.loads(body)["error"]["type"] == "malformed-code"


@pytest.mark.parametrize("code", ["M54.2\x00", "М54.2", "M54.２", "M54.03🙂", "%", "M5_", "M54.03;DROP",
                                  "../../etc/passwd", "%ff%fe", "M" * 17])
def test_codes_that_cannot_be_codes(app: FastAPI, code: str) -> None:
    r, ms = hostile(app, "GET", "/api/codes/" + quote(code, safe=""))
    assert_refused(r, ms, (400, 404))
    r, ms = hostile(app, "POST", "/api/check", json={"codes": [code, "I10"]})
    assert r.status_code in (200, 400) and ms < BUDGET_MS  # a finding (invalid-code) or a refusal
    if r.status_code == 200:
        report = r.json()
        assert report["ok"] is False and report["findings"][0]["rule"] in ("invalid-code", "malformed-code")


def test_non_ascii_text_is_searched_not_feared(app: FastAPI) -> None:
    r, ms = hostile(app, "GET", "/api/search", params={"q": "Sjögren syndrome"})
    assert r.status_code == 200 and ms < BUDGET_MS
    assert r.json()["results"][0]["code"].startswith("M35.0")
    r, ms = hostile(app, "GET", "/api/search", params={"q": "疼痛 ☃ 😀 ∑"})
    assert r.status_code == 200 and r.json()["results"] == [] and ms < BUDGET_MS


@pytest.mark.parametrize("date", ["2021-02-30", "2021-13-01", "0000-01-01", "99999-01-01", "2021-1-1",
                                  "yesterday", "2021-06-01T00:00:00", "2100-01-01",
                                  "2021-06-01\x00", "-1"])
def test_bad_dates(app: FastAPI, date: str) -> None:
    r, ms = hostile(app, "GET", "/api/codes/M54.2", params={"date": date})
    assert_refused(r, ms, (400,))
    r, ms = hostile(app, "POST", "/api/check", json={"codes": ["M54.2"], "date": date})
    assert_refused(r, ms, (400,))


def test_huge_bodies(app: FastAPI) -> None:
    big = json.dumps({"codes": ["M54.2"] * 300_000})  # ~2.7 MB
    r, ms = hostile(app, "POST", "/api/check", content=big, headers={"content-type": "application/json"})
    assert assert_refused(r, ms, (413,)) == "request-too-large"

    async def stream() -> AsyncIterator[bytes]:  # no Content-Length
        for _ in range(40):
            yield b" " * 65536

    r, ms = hostile(app, "POST", "/api/check", content=stream(), headers={"content-type": "application/json"})
    assert_refused(r, ms, (413,))
    r, ms = hostile(app, "POST", "/api/check", json=[{"codes": ["I10"]}] * 1001)
    assert_refused(r, ms, (413,))
    r, ms = hostile(app, "POST", "/api/check", json={"codes": ["I10"] * 101})
    assert_refused(r, ms, (400,))
    r, ms = hostile(app, "POST", "/api/check", content=b"x" * 10, headers={"content-length": "99999999999"})
    assert_refused(r, ms, (413,))


@pytest.mark.parametrize("body", [
    b"[" * 100_000, b'{"codes": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    b'{"codes": ["I10"], "age": ' + b'{"a":' * 2000 + b"1" + b"}" * 2000 + b"}",
    b'{"codes": ["I10"], "age": 1e999999}', b'{"codes": ["I10"], "age": ' + b"9" * 5000 + b"}",
    b"\xff\xfe\x00{", b"null", b'"I10"', b"{}", b'{"codes": "I10", "extra": 1}',
])
def test_deep_or_malformed_json(app: FastAPI, body: bytes) -> None:
    r, ms = hostile(app, "POST", "/api/check", content=body, headers={"content-type": "application/json"})
    assert_refused(r, ms, (400, 413, 422))


def test_deep_fhir_parameters_are_an_operation_outcome(app: FastAPI) -> None:
    body = b'{"resourceType": "Parameters", "parameter": ' + b"[" * 3000 + b"]" * 3000 + b"}"
    r, ms = hostile(app, "POST", "/fhir/CodeSystem/$lookup", content=body,
                    headers={"content-type": "application/fhir+json"})
    assert r.status_code == 400 and ms < BUDGET_MS
    assert r.json()["resourceType"] == "OperationOutcome"


def test_fhir_expand_with_hostile_filters(app: FastAPI) -> None:
    for text in ("%", "a" * 5000, "\x00"):
        r, ms = hostile(app, "GET", "/fhir/ValueSet/$expand",
                        params={"url": "http://hl7.org/fhir/sid/icd-10-cm?fhir_vs", "filter": text,
                                "count": "1000"})
        assert r.status_code in (200, 400) and ms < BUDGET_MS, (r.status_code, ms)
        assert r.headers["content-type"].startswith("application/fhir+json")


async def raw(app: FastAPI, method: str, path: str, query: bytes) -> tuple[int, dict[bytes, bytes], bytes]:
    """One request straight through ASGI (for URLs longer than httpx builds)."""
    out: dict[str, Any] = {"body": b""}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            out["status"], out["headers"] = message["status"], dict(message["headers"])
        elif message["type"] == "http.response.body":
            out["body"] += message.get("body", b"")

    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "query_string": query,
             "headers": [(b"host", b"test")], "http_version": "1.1", "scheme": "http", "server": ("test", 80),
             "client": ("c", 1), "root_path": "", "asgi": {"version": "3.0"}}
    await app(scope, receive, send)  # type: ignore[arg-type]
    return out["status"], out["headers"], out["body"]


