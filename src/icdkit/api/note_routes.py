"""``POST /api/code``: a clinical note in, the suggested codes out (a thin adapter over
:func:`icdkit.notes.code_note`). The note is neither logged nor kept: it lives for the request.

Body: ``{"text": "...", "setting": "outpatient" | "inpatient", "date"?, "age"?, "sex"?}``;
answer: the JSON of :class:`icdkit.notes.CodingResult` (``icdkit code --json``); a bad body is a
400/422 in the API's one error shape; ``?release=`` picks the release as on every API route.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from icdkit.api.errors import responses
from icdkit.api.rest import KbDep
from icdkit.notes import code_note

MAX_NOTE = 100_000  # characters of one note (a long discharge summary is ~20,000)


class NoteIn(BaseModel):
    """One clinical note and the encounter it documents."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=MAX_NOTE, description="the note (or its assessment and plan)",
                      examples=["Assessment: type 2 diabetes with CKD stage 3a. Denies chest pain."])
    setting: Literal["outpatient", "inpatient"] = Field(
        default="outpatient", description="decides how uncertain diagnoses are coded (Guidelines IV.H, II.H)")
    date: str | None = Field(default=None, description="date of service, YYYY-MM-DD")
    age: int | None = Field(default=None, ge=0, le=124, description="age in whole years")
    sex: Literal["F", "M"] | None = Field(default=None, description="F or M")


class CodingOut(BaseModel):
    """The ``icdkit code --json`` contract (codes, not_coded, gaps, findings, and more)."""

    model_config = ConfigDict(extra="allow")

    codes: list[dict[str, Any]]
    not_coded: list[dict[str, Any]]
    gaps: list[dict[str, Any]]
    findings: list[dict[str, Any]]


router = APIRouter(prefix="/api", tags=["api"])


@router.post("/code", response_model=CodingOut, responses=responses(400, 404, 422),
             summary="Suggest ICD-10-CM codes for a clinical note",
             description="The codes a coder would assign, in guideline order, each with its evidence "
                         "spans, assertion and the Index path or rule behind it; the mentions not coded "
                         "and why; the documentation gaps with their choices; the validator's findings. "
                         "The note is never logged or stored.")
def code(kb: KbDep, body: NoteIn) -> JSONResponse:
    result = code_note(body.text, setting=body.setting, date=body.date, age=body.age, sex=body.sex, kb=kb)
    return JSONResponse(result.to_json())
