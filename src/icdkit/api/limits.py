"""Request limits, the time budget and security headers: the guard around every request.

:class:`Guard` is pure ASGI middleware, outermost in the app:

* every response carries the security headers (:data:`SECURITY_HEADERS`);
* a query string over :data:`MAX_QUERY_STRING` bytes or a body over :data:`MAX_BODY` bytes
  is answered 413 before any work is done (a body is counted as it streams, so a missing or
  false Content-Length does not help);
* each request gets a :class:`Budget` of :data:`TIME_BUDGET` seconds. SQLite queries made
  for it check the budget (:func:`watch`), so a query that outlives it, or whose client has
  gone away, is aborted; the request is answered 503 in the one error shape;
* an exception no handler caught becomes a 500 in the one shape (no traceback text).

Per-parameter limits (term length, codes per encounter, encounters per request) are checked
where the parameter is read and answered 400: see :data:`MAX_TERM` and friends.

>>> b = Budget(0.5)
>>> b.expired()
False
>>> b.cancel(); b.expired()
True
"""

from __future__ import annotations

import contextvars
import json
import logging
import sqlite3
import time
from typing import Any

import anyio
import anyio.abc
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from icdkit.api.errors import rendered

log = logging.getLogger("icdkit.api")

MAX_BODY = 1 << 20  # bytes of a request body (POST /api/check, FHIR Parameters)
MAX_QUERY_STRING = 8192  # bytes of a URL's query string
MAX_TERM = 200  # characters of an index term, a substance, a site or a FHIR filter
MAX_CODE = 16  # characters of a code (M54.03, S72.001A: 8 at most; some room for spaces)
MAX_ENCOUNTERS = 1000  # encounters in one POST /api/check
MAX_JSON_DEPTH = 8  # nesting of a request body: an encounter list is 4 deep
TIME_BUDGET = 2.0  # seconds of work for one request

SECURITY_HEADERS = (
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "
     b"form-action 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class Budget:
    """The time one request may spend, and whether its client is still there."""

    __slots__ = ("cancelled", "deadline")

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True

    def expired(self) -> bool:
        return self.cancelled or time.monotonic() > self.deadline


#: The running request's budget; worker threads see it (the thread pool copies the context).
BUDGET: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("icdkit_budget", default=None)


def _over_budget() -> int:
    budget = BUDGET.get()
    return 1 if budget is not None and budget.expired() else 0


def watch(con: sqlite3.Connection) -> None:
    """Make *con*'s queries stop (``sqlite3.OperationalError: interrupted``) once the budget of
    the request running them is spent or its client is gone."""
    con.set_progress_handler(_over_budget, 20_000)


def json_depth(value: Any, limit: int = MAX_JSON_DEPTH) -> int:
    """Nesting depth of a parsed JSON value, counting no further than *limit* + 1."""
    depth, level = 0, [value]
    while level and depth <= limit:
        depth += 1
        nxt: list[Any] = []
        for v in level:
            if isinstance(v, dict):
                nxt.extend(v.values())
            elif isinstance(v, list):
                nxt.extend(v)
        level = nxt
    return depth


class Guard:
    """Outermost middleware: security headers, size limits, time budget, the 500 of last resort."""

    def __init__(self, app: ASGIApp, *, seconds: float = TIME_BUDGET, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.seconds = seconds
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        too_large = False  # the body ran over: whatever the app answers, the answer is 413

        async def send_guarded(message: Message) -> None:
            nonlocal started
            if too_large:
                return
            if message["type"] == "http.response.start":
                started = True
                names = {k.lower() for k, _ in message.get("headers", ())}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)

        async def fail(status: int, kind: str, text: str,
                       headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
            if started:
                return
            data, media = rendered(scope.get("path", ""), status, kind, text)
            body = json.dumps(data).encode()
            await send_guarded({"type": "http.response.start", "status": status,
                                "headers": [(b"content-type", media.encode()),
                                            (b"content-length", str(len(body)).encode()), *headers]})
            await send_guarded({"type": "http.response.body", "body": body})

        if len(scope.get("query_string", b"")) > MAX_QUERY_STRING:
            await fail(413, "request-too-large", f"query string over {MAX_QUERY_STRING} bytes")
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body:
            await fail(413, "request-too-large", f"request body over {self.max_body} bytes")
            return

        budget = Budget(self.seconds)
        token = BUDGET.set(budget)
        body_done = anyio.Event()
        gone = anyio.Event()
        size = 0
        if declared in (None, 0) and not _chunked(scope):
            body_done.set()  # nothing to read: watch for the client leaving at once
        handed_empty = False

        async def receive_guarded() -> Message:
            nonlocal size, handed_empty, too_large
            if body_done.is_set():
                if not handed_empty and declared in (None, 0):
                    handed_empty = True
                    return {"type": "http.request", "body": b"", "more_body": False}
                await gone.wait()
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > self.max_body:
                    too_large = True
                    budget.cancel()
                    return {"type": "http.disconnect"}  # the app stops reading; the guard answers
                if not message.get("more_body", False):
                    handed_empty = True
                    body_done.set()
            elif message["type"] == "http.disconnect":
                budget.cancel()
                gone.set()
            return message

        async def watch_client(scope_: anyio.CancelScope) -> None:
            await body_done.wait()
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    budget.cancel()
                    gone.set()
                    scope_.cancel()
                    return

        outcome: list[str] = []

        async def run_app(tg: anyio.abc.TaskGroup) -> None:
            try:
                with anyio.move_on_after(self.seconds + 0.5) as timer:
                    await self.app(scope, receive_guarded, send_guarded)
                if timer.cancelled_caught:
                    outcome.append("timeout")
            except Exception:
                log.exception("unhandled error on %s", scope.get("path"))
                outcome.append("error")
            finally:
                tg.cancel_scope.cancel()

        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(watch_client, tg.cancel_scope)
                tg.start_soon(run_app, tg)
        finally:
            BUDGET.reset(token)
        if too_large:
            too_large = False
            await fail(413, "request-too-large", f"request body over {self.max_body} bytes")
            return
        if outcome:
            budget.cancel()
        if outcome == ["timeout"]:
            await fail(503, "timeout", f"the request took longer than its {self.seconds:g} s budget",
                       ((b"retry-after", b"1"),))
        elif outcome == ["error"]:
            await fail(500, "internal-error", "internal error: the server could not answer this request")


def _header(scope: Scope, name: bytes) -> bytes | None:
    for k, v in scope.get("headers", ()):
        if k.lower() == name:
            return bytes(v)
    return None


def _content_length(scope: Scope) -> int | None:
    raw = _header(scope, b"content-length")
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        return 1 << 62  # unreadable: too large


def _chunked(scope: Scope) -> bool:
    return b"chunked" in (_header(scope, b"transfer-encoding") or b"").lower()
