"""Request limits, the time budget and security headers: the guard around every request.

:class:`Guard` is pure ASGI middleware, outermost in the app:

* every response carries the security headers (:data:`SECURITY_HEADERS`);
* a query string over :data:`MAX_QUERY_STRING` bytes or a body over :data:`MAX_BODY` bytes
  is answered 413 before any work is done (a body is counted as it streams, so a missing or
  false Content-Length does not help);
* each request gets a :class:`Budget` of :data:`TIME_BUDGET` seconds: a request that outlives
  it is answered 503 in the one error shape at once and its work is cancelled (async work at
  once; work in a thread at its next :func:`spend` check — its other steps are short by the
  input limits); a client that goes away cancels its request the same way;
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

import asyncio
import contextvars
import json
import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from icdkit.api.errors import Stopped, rendered

log = logging.getLogger("icdkit.api")

MAX_BODY = 1 << 20  # bytes of a request body (POST /api/check, FHIR Parameters)
MAX_QUERY_STRING = 8192  # bytes of a URL's query string
MAX_TERM = 200  # characters of an index term, a substance, a site or a FHIR filter
MAX_CODE = 16  # characters of a code (M54.03, S72.001A: 8 at most; some room for spaces)
MAX_ENCOUNTERS = 1000  # encounters in one POST /api/check
MAX_JSON_DEPTH = 8  # nesting of a request body: an encounter list is 4 deep
TIME_BUDGET = 5.0  # seconds of work for one request (a lookup takes ~1 ms, a search ~20 ms)
WATCH_AFTER = 0.05  # seconds a request runs before the guard watches for its client leaving

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


def spend() -> None:
    """Raise :class:`Stopped` when the running request's budget is spent or its client gone.

    Long loops of the API's own call this now and then. (SQLite's progress handler cannot do
    it for the library's queries: a Python callback run under the connection's mutex deadlocks
    against another thread holding the GIL and waiting for that mutex — the connection is
    shared. The library's queries are kept short by the input limits instead.)"""
    budget = BUDGET.get()
    if budget is not None and budget.expired():
        raise Stopped


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
        taken = False  # the guard answered (timeout): whatever the app sends later is dropped
        # a request without a body has read it all from the start; the client leaving is then
        # watched for by a task started only once the request has run WATCH_AFTER seconds
        body_done = declared in (None, 0) and not _chunked(scope)
        handed_empty = not body_done
        gone = asyncio.Event()
        size = 0

        async def send_app(message: Message) -> None:
            if not taken:
                await send_guarded(message)

        async def receive_guarded() -> Message:
            nonlocal size, handed_empty, too_large, body_done
            if body_done:
                if not handed_empty:
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
                    body_done = True
            elif message["type"] == "http.disconnect":
                budget.cancel()
                gone.set()
            return message

        loop = asyncio.get_running_loop()
        async def run_app() -> None:
            await self.app(scope, receive_guarded, send_app)

        app_task = loop.create_task(run_app())
        BUDGET.reset(token)
        watcher: list[asyncio.Task[None]] = []

        async def watch_client() -> None:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    budget.cancel()  # the API's loops stop at their next look (spend)
                    gone.set()
                    app_task.cancel()
                    return

        def start_watching() -> None:
            if body_done and not gone.is_set():
                watcher.append(loop.create_task(watch_client()))
            else:  # still reading the body (which sees a disconnect itself): look again later
                alarm[0] = loop.call_later(WATCH_AFTER, start_watching)

        alarm = [loop.call_later(WATCH_AFTER, start_watching)]
        try:
            done, _ = await asyncio.wait((app_task,), timeout=self.seconds)
        except asyncio.CancelledError:  # the server is stopping
            app_task.cancel()
            raise
        finally:
            alarm[0].cancel()
            for task in watcher:
                task.cancel()
        if not done and started:  # its answer is on its way: let it finish rather than cut it
            done, _ = await asyncio.wait((app_task,), timeout=1.0)
        if not done:  # over budget: answer now; the app's work stops at its next look
            budget.cancel()
            app_task.cancel()
            app_task.add_done_callback(_forget)
            if not started:
                taken = True
                await fail(503, "timeout", f"the request took longer than its {self.seconds:g} s budget",
                           ((b"retry-after", b"1"),))
            return
        error = None if app_task.cancelled() else app_task.exception()
        if too_large:
            too_large = False
            await fail(413, "request-too-large", f"request body over {self.max_body} bytes")
        elif isinstance(error, Stopped):
            await fail(503, "timeout", f"the request took longer than its {self.seconds:g} s budget",
                       ((b"retry-after", b"1"),))
        elif error is not None:
            log.error("unhandled error on %s", scope.get("path"), exc_info=error)
            await fail(500, "internal-error", "internal error: the server could not answer this request")


def _forget(task: asyncio.Task[None]) -> None:
    """Collect the outcome of an abandoned request's task (so asyncio does not warn about it)."""
    if not task.cancelled() and task.exception() is not None:
        log.info("abandoned request ended with %r", task.exception())


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
