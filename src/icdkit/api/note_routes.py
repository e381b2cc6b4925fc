"""``POST /api/code``: a clinical note in, the suggested codes out (a thin adapter over
:func:`icdkit.notes.code_note`). The note is neither logged nor kept: it lives for the request.

Body: ``{"text": "...", "setting": "outpatient" | "inpatient", "date"?, "age"?, "sex"?}``;
answer: the JSON of :class:`icdkit.notes.CodingResult`; a bad body is a 400 in the API's one
error shape.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body

from icdkit.errors import InvalidInput
from icdkit.kb import KnowledgeBase
from icdkit.notes import code_note

_FIELDS = ("setting", "date", "age", "sex")


def note_router(kb: KnowledgeBase) -> APIRouter:
    """The note-coding routes answering from *kb*."""
    router = APIRouter()

    @router.post("/api/code")
    def code(payload: Any = Body(...)) -> dict[str, Any]:  # noqa: B008 (FastAPI's idiom)
        if not isinstance(payload, dict):
            raise InvalidInput('expected a JSON object: {"text": "the note", "setting": "outpatient"}')
        unknown = set(payload) - {"text", *_FIELDS}
        if unknown:
            raise InvalidInput(f"unknown field(s): {', '.join(sorted(unknown))}")
        text = payload.get("text")
        if not isinstance(text, str):
            raise InvalidInput("'text' must be the note as a string")
        kw = {k: payload[k] for k in _FIELDS if payload.get(k) is not None}
        return code_note(text, kb=kb, **kw).to_json()

    return router
