"""The note coder over HTTP: ``POST /api/code`` (JSON) and the page ``/notes`` (HTML), both thin
adapters over :func:`icdkit.notes.code_note`. The note is neither logged nor kept: it lives for
the request; answers say ``Cache-Control: no-store``, and the page posts the note in the body,
never in an address (addresses end up in logs and browser history).

Body: ``{"text": "...", "setting": "outpatient" | "inpatient", "date"?, "age"?, "sex"?}``;
answer: the JSON of :class:`icdkit.notes.CodingResult` (``icdkit code --json``); a bad body is a
400/422 in the API's one error shape; ``?release=`` picks the release as on every API route.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise
from typing import Any, Literal, NamedTuple

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape
from pydantic import BaseModel, ConfigDict, Field

from icdkit.api import web
from icdkit.api.errors import responses, status_of
from icdkit.api.responses import JSONResponse
from icdkit.api.rest import KbDep
from icdkit.api.templating import href
from icdkit.errors import IcdkitError
from icdkit.notes import code_note
from icdkit.workbench import KnowledgeBase

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
    return JSONResponse(result.to_json(), headers=NO_STORE)


NO_STORE = {"cache-control": "no-store"}  # a browser or proxy keeps no copy of a note's answer
_FIELDS = ("text", "setting", "date", "age", "sex")

pages = APIRouter(include_in_schema=False)


@pages.get("/notes", response_class=HTMLResponse)
async def note_form(request: Request, kb: KbDep) -> HTMLResponse:
    """The empty form. A note is never read from the address (``?text=`` is ignored)."""
    return _page(request, kb, dict.fromkeys(_FIELDS, ""))


@pages.post("/notes", response_class=HTMLResponse)
async def note_page(request: Request, kb: KbDep) -> HTMLResponse:
    """The note coded: the note with its evidence marked, the codes in order (each a link to its
    guide), the mentions not coded and why, the gaps with their choices, the findings."""
    try:
        form = await web.form_fields(request, _FIELDS, cut=MAX_NOTE + 1, query=False)
    except IcdkitError as exc:
        return _page(request, kb, dict.fromkeys(_FIELDS, ""), error=str(exc), status=400)
    form["setting"] = form["setting"] or "outpatient"
    try:
        result = (await run_in_threadpool(
            lambda: code_note(form["text"], setting=form["setting"], date=form["date"] or None,
                              age=form["age"] or None, sex=form["sex"] or None, kb=kb))).to_json()
    except IcdkitError as exc:
        return _page(request, kb, form, error=str(exc), status=status_of(exc))
    return _page(request, kb, form, result=result, marked=marked(form["text"], result))


def _page(request: Request, kb: KnowledgeBase, form: dict[str, str], *, status: int = 200,
          **context: Any) -> HTMLResponse:
    action = href("/notes", release=request.query_params.get("release"))
    answer = web.page(kb, "notes.html", status=status, here="/notes", form=form, action=action, **context)
    answer.headers.update(NO_STORE)
    return answer


def marked(text: str, result: dict[str, Any]) -> Markup:
    """*text*, escaped, with the evidence of each suggested code and each mention not coded
    marked in place: ``<mark>`` linking to its entry below, and after the words the code they
    support (spans may overlap or share words: the text is cut at every span's edge).

    >>> r = {"codes": [{"code": "I10", "evidence": [{"start": 4, "end": 16}]}],
    ...      "not_coded": [{"start": 25, "end": 34}]}
    >>> str(marked("Dx: hypertension; denies pneumonia", r)).count("<mark")
    2
    """
    spans: list[_Span] = []
    for k, c in enumerate(result.get("codes", ()), 1):
        evidence = [e for e in c.get("evidence", ()) if 0 <= e["start"] < e["end"] <= len(text)]
        last = max(range(len(evidence)), key=lambda j: evidence[j]["end"], default=-1)
        spans += [_Span(e["start"], e["end"], f"code-{k}", f"ev-{k}-{j + 1}", c["code"], "ev", j == last)
                  for j, e in enumerate(evidence)]  # the code is named once, after its last words
    spans += [_Span(n["start"], n["end"], f"nc-{j}", f"nc-ev-{j}", "not coded", "nc", True)
              for j, n in enumerate(result.get("not_coded", ()), 1)
              if 0 <= n["start"] < n["end"] <= len(text)]
    starts: dict[int, list[_Span]] = defaultdict(list)
    ends: dict[int, list[_Span]] = defaultdict(list)
    for sp in spans:
        starts[sp.start].append(sp)
        ends[sp.end].append(sp)
    active: list[_Span] = []
    out: list[str] = []
    cuts = sorted({0, len(text), *starts, *ends})
    for a, b in pairwise(cuts):
        active = [sp for sp in active if sp.end > a] + starts.get(a, [])
        out += [f'<span id="{sp.anchor}"></span>' for sp in starts.get(a, ())]
        piece = str(escape(text[a:b]))
        if active:
            first = min(active, key=lambda sp: sp.kind != "ev")  # a code's words before a mention's
            label = escape(", ".join(dict.fromkeys(sp.label for sp in active)))
            piece = f'<mark class="{first.kind}"><a href="#{first.entry}" title="{label}">{piece}</a></mark>'
        out.append(piece)
        out += [f'<sup class="tag {sp.kind}"><a href="#{sp.entry}">{escape(sp.label)}</a></sup>'
                for sp in ends.get(b, ()) if sp.tag]
    return Markup("".join(out))


class _Span(NamedTuple):
    """Words of the note marked: a code's evidence (``ev``) or a mention not coded (``nc``)."""

    start: int
    end: int
    entry: str  # the id of its entry in the lists below the note
    anchor: str  # its own id (the entry links back here)
    label: str  # the code, or "not coded"
    kind: str
    tag: bool  # name the label after the words
