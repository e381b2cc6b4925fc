"""Every error in one shape, security headers on every answer, request limits, the time budget."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from icdkit.api.errors import Stopped
from icdkit.api.limits import BUDGET, MAX_BODY, MAX_QUERY_STRING, Guard, spend


@pytest.fixture(scope="module")
def app(api_app: FastAPI) -> FastAPI:
    made = api_app
    if not any(getattr(r, "path", "") == "/test/boom" for r in made.routes):
        made.add_api_route("/test/boom", boom, include_in_schema=False)
    return made


def boom() -> None:  # a bug in a route: must give the one shape, no traceback text
    raise RuntimeError("secret traceback detail /etc/passwd")


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def shape(r: httpx.Response, status: int, kind: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"type", "message", "suggestions"}
    err: dict[str, Any] = body["error"]
    assert isinstance(err["message"], str) and err["message"]
    assert isinstance(err["suggestions"], list)
    if kind is not None:
        assert err["type"] == kind
    return err


@pytest.mark.parametrize(("method", "url", "status", "kind"), [
    ("GET", "/no/such/route", 404, "not-found"),
    ("GET", "/api/codes/Z99.999", 404, "unknown-code"),
    ("GET", "/api/codes/M54.2?release=FY1999", 404, "unknown-release"),
    ("GET", "/api/codes/M54.2?release=banana", 404, "unknown-release"),
    ("GET", "/api/index?term=Zzyzx", 404, "unknown-term"),
    ("DELETE", "/api/codes/M54.2", 405, "method-not-allowed"),
    ("POST", "/api/search?q=neck", 405, "method-not-allowed"),
    ("GET", "/api/search", 422, "invalid-request"),
    ("GET", "/api/search?q=neck&limit=many", 422, "invalid-request"),
    ("GET", "/api/codes/M5$4", 400, "malformed-code"),
    ("GET", "/api/codes/M54.2?date=2021-02-30", 400, "invalid-input"),
    ("GET", "/api/search?q=" + "pain+" * 120, 400, "invalid-input"),
])
def test_every_error_has_the_one_shape(client: TestClient, method: str, url: str, status: int,
                                       kind: str) -> None:
    shape(client.request(method, url), status, kind)


def test_unknown_code_suggests_the_code_meant(client: TestClient) -> None:
    err = shape(client.get("/api/codes/W21.89A"), 404, "unknown-code")
    assert "W21.89XA" in err["suggestions"]


def test_a_bug_is_a_500_in_the_shape_without_traceback(client: TestClient) -> None:
    r = client.get("/test/boom")
    shape(r, 500, "internal-error")
    assert "secret" not in r.text and "Traceback" not in r.text and "passwd" not in r.text
    assert r.headers["x-content-type-options"] == "nosniff"


def test_validation_errors_of_a_body_are_422_in_the_shape(client: TestClient) -> None:
    err = shape(client.post("/api/check", json={"codez": ["M54.2"]}), 422, "invalid-request")
    assert "codes" in err["message"]
    shape(client.post("/api/check", content=b"{not json", headers={"content-type": "application/json"}),
          422, "invalid-request")


@pytest.mark.parametrize("url", ["/api/codes/M54.2", "/no/such/route", "/", "/docs", "/openapi.json",
                                 "/api/codes/Z99.999", "/codes/M54.2"])
def test_security_headers_on_every_answer(client: TestClient, url: str) -> None:
    h = client.get(url).headers
    assert "default-src 'self'" in h["content-security-policy"]
    assert "frame-ancestors 'none'" in h["content-security-policy"]
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "no-referrer"


def test_body_and_query_limits_are_413(client: TestClient) -> None:
    big = b'{"codes": ["' + b"A" * MAX_BODY + b'"]}'
    shape(client.post("/api/check", content=big, headers={"content-type": "application/json"}),
          413, "request-too-large")

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        for _ in range(MAX_BODY // 65536 + 2):
            yield b" " * 65536

    shape(client.post("/api/check", content=chunks(), headers={"content-type": "application/json"}),
          413, "request-too-large")
    shape(client.get("/api/search", params={"q": "x" * (MAX_QUERY_STRING + 10)}), 413, "request-too-large")


def test_too_many_codes_and_encounters(client: TestClient) -> None:
    err = shape(client.post("/api/check", json={"codes": ["M54.2"] * 101}), 400, "invalid-input")
    assert "too many codes" in err["message"]
    shape(client.post("/api/check", json=[{"codes": ["I10"]}] * 1001), 413, "request-too-large")
    shape(client.post("/api/check", json={"codes": ["M54.2" + "X" * 40]}), 400, "malformed-code")


# -- the time budget and cancelled clients, on a small app whose route works until told to stop --


def slow_app(stopped: list[str], seconds: float) -> Guard:
    inner = FastAPI()

    @inner.get("/slow")
    def slow() -> dict[str, int]:
        assert BUDGET.get() is not None  # the budget reaches the worker thread
        n = 0
        try:
            while True:  # never ends by itself
                n += 1
                spend()
                time.sleep(0.005)
        except Stopped:
            stopped.append(f"stopped after {n}")
            raise

    from icdkit.api import errors

    errors.install(inner)
    return Guard(inner, seconds=seconds)


def wait_for(stopped: list[str], seconds: float = 3) -> None:
    deadline = time.monotonic() + seconds
    while not stopped and time.monotonic() < deadline:
        time.sleep(0.02)


def test_a_request_that_outlives_its_budget_is_stopped() -> None:
    stopped: list[str] = []

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=slow_app(stopped, 0.3))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            return await c.get("/slow")

    t0 = time.monotonic()
    r = asyncio.run(go())
    assert time.monotonic() - t0 < 1.5  # answered at the deadline, not when the work ends
    assert r.status_code == 503 and r.json()["error"]["type"] == "timeout"
    assert "default-src 'self'" in r.headers["content-security-policy"]
    wait_for(stopped)
    assert len(stopped) == 1 and stopped[0].startswith("stopped after"), "the work went on"


def test_a_client_that_goes_away_stops_its_work() -> None:
    stopped: list[str] = []
    app = slow_app(stopped, 30)
    sent: list[dict[str, Any]] = []

    async def go() -> None:
        asked = False

        async def receive() -> dict[str, Any]:
            nonlocal asked
            if not asked:
                asked = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.sleep(0.3)  # the client hangs up while the work runs
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": "/slow", "raw_path": b"/slow", "query_string": b"",
                 "headers": [], "http_version": "1.1", "scheme": "http", "server": ("t", 80),
                 "client": ("c", 1), "root_path": "", "asgi": {"version": "3.0"}}
        await app(scope, receive, send)  # type: ignore[arg-type]

    t0 = time.monotonic()
    asyncio.run(go())
    assert time.monotonic() - t0 < 3
    wait_for(stopped)
    assert len(stopped) == 1, "the work went on after the client left"
    assert not any(m["type"] == "http.response.start" and m["status"] == 200 for m in sent)
    assert threading.active_count() < 50


def test_openapi_documents_the_error_shape(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    op = spec["paths"]["/api/codes/{code}"]["get"]
    for status in ("400", "404", "413", "422", "500", "503"):
        ref = op["responses"][status]["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith("/ErrorBody")
    assert json.dumps(spec["components"]["schemas"]["ErrorDetail"]["required"]) == \
        '["type", "message", "suggestions"]'
