"""One JSON shape for every error the HTTP API gives, and the handlers that produce it.

Every answer that is not a 2xx reads ``{"error": {"type", "message", "suggestions"}}``
(:func:`icdkit.lookup.error_record`): an :class:`~icdkit.errors.IcdkitError` from the library
(400 malformed input, 404 unknown code, term or release), FastAPI's validation errors (422),
unknown routes (404) and methods (405), request limits (400, 413), the time budget (503) and
anything unexpected (500, with no traceback text: the cause stays in the server's log).

>>> status_of(UnknownCode("no such code", code="W21.89A"))
404
>>> error_body("request-too-large", "body over 1 MiB")["error"]["type"]
'request-too-large'
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from icdkit.api.responses import JSONResponse
from icdkit.errors import IcdkitError, UnknownCode, UnknownRelease, UnknownTerm
from icdkit.lookup import error_record

log = logging.getLogger("icdkit.api")

#: The ``type`` of an HTTP status the library does not name itself.
STATUS_TYPES = {400: "invalid-input", 404: "not-found", 405: "method-not-allowed",
                406: "not-acceptable", 413: "request-too-large", 415: "unsupported-media-type",
                422: "invalid-request", 429: "too-many-requests", 500: "internal-error",
                503: "timeout"}


class Stopped(Exception):
    """The request's time budget is spent or its client has gone: its work stops (503)."""


class ErrorDetail(BaseModel):
    type: str = Field(description="stable id of the error, e.g. unknown-code, invalid-input, timeout")
    message: str = Field(description="what went wrong, in a sentence")
    suggestions: list[str] = Field(description="what to try instead (nearest codes, terms), maybe none")


class ErrorBody(BaseModel):
    """The one shape of every error answer."""

    error: ErrorDetail


_WHY = {400: "Malformed input: a bad code, date, option or request (limits included)",
        404: "Unknown code, term, route or release",
        405: "Method not allowed on this route",
        413: "Request too large (body, query string, or too many codes or encounters)",
        422: "Request fails validation (missing or mistyped parameter or body field)",
        429: "Too many requests",
        500: "Unexpected server error (no detail is given away)",
        503: "The request outlived its time budget, or the store is being replaced; retry"}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` for the error statuses an operation can give (always 413, 500, 503)."""
    wanted = sorted({*statuses, 413, 500, 503})
    return {s: {"model": ErrorBody, "description": _WHY[s]} for s in wanted}


MEDIA = "application/fhir+json"
FHIR_PREFIX = "/fhir"
_ISSUES = {400: "invalid", 404: "not-found", 405: "not-supported", 413: "too-costly", 422: "invalid",
           500: "exception", 503: "timeout"}


def outcome(message: str, issue: str = "processing", severity: str = "error") -> dict[str, Any]:
    """A FHIR OperationOutcome: how errors under ``/fhir`` are answered."""
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": severity, "code": issue, "diagnostics": message}]}


def rendered(path: str, status: int, kind: str, message: str, suggestions: Sequence[str] = ()
             ) -> tuple[dict[str, Any], str]:
    """(body, media type) of an error at *path*: an OperationOutcome under /fhir, else the one shape."""
    if path == FHIR_PREFIX or path.startswith(FHIR_PREFIX + "/"):
        return outcome(message, _ISSUES.get(status, "processing")), MEDIA
    return error_body(kind, message, suggestions), "application/json"


def error_body(kind: str, message: str, suggestions: Sequence[str] = ()) -> dict[str, Any]:
    return {"error": {"type": kind, "message": message, "suggestions": list(suggestions)}}


def error_response(status: int, message: str, *, kind: str | None = None,
                   suggestions: Sequence[str] = (), headers: dict[str, str] | None = None,
                   path: str = "") -> JSONResponse:
    body, media = rendered(path, status, kind or STATUS_TYPES.get(status, "error"), message, suggestions)
    return JSONResponse(body, status_code=status, headers=headers, media_type=media)


def status_of(exc: IcdkitError) -> int:
    """404 for something unknown (code, term, release), 400 for anything malformed."""
    return 404 if isinstance(exc, UnknownCode | UnknownRelease | UnknownTerm) else 400


def _field(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "request"


def install(app: FastAPI) -> None:
    """Register the handlers that give every error the one shape."""

    @app.exception_handler(IcdkitError)
    async def _icdkit(request: Request, exc: IcdkitError) -> JSONResponse:
        err = error_record(exc)["error"]
        return error_response(status_of(exc), err["message"], kind=err["type"],
                              suggestions=err["suggestions"], path=request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [f"{_field(e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in exc.errors()[:5]]
        return error_response(422, "invalid request: " + "; ".join(problems), path=request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = exc.status_code
        if status == 404:
            message = f"no route {request.url.path}: see /docs for the API"
        elif status == 405:
            message = f"method {request.method} not allowed on {request.url.path}"
        else:
            message = str(exc.detail)
        return error_response(status, message, headers=getattr(exc, "headers", None), path=request.url.path)

    @app.exception_handler(Stopped)
    async def _stopped(request: Request, exc: Stopped) -> JSONResponse:
        return error_response(503, "the request took longer than its time budget; retry",
                              headers={"Retry-After": "1"}, path=request.url.path)

    @app.exception_handler(sqlite3.Error)
    async def _store(request: Request, exc: sqlite3.Error) -> JSONResponse:
        # a store replaced (overwritten) under a request
        log.warning("store error on %s: %s", request.url.path, exc)
        return error_response(503, "the request was stopped (time budget spent, or the knowledge "
                              "base is being replaced); retry", headers={"Retry-After": "1"},
                              path=request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        return error_response(500, "internal error: the server could not answer this request",
                              path=request.url.path)
