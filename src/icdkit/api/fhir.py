"""FHIR R4 terminology service for ICD-10-CM under ``/fhir``.

The CodeSystem is ``http://hl7.org/fhir/sid/icd-10-cm``; its ``version`` is the release
(``FY2026``; ``version=FY2025`` answers from that release). Unlike peers that load ICD-10-CM
as a flat list, every concept keeps its billable flag (``notSelectable`` for headers), its
instructional notes with their text and source, and its 7th-character codes.

    GET  /fhir/metadata                       CapabilityStatement (?mode=terminology: TerminologyCapabilities)
    GET  /fhir/CodeSystem/$lookup?code=M54.03  Parameters: display, parent, child, notes, validity…
    GET  /fhir/CodeSystem/$validate-code?code=S72.001A&date=2024-01-01
    GET  /fhir/ValueSet/$expand?url=http://hl7.org/fhir/sid/icd-10-cm?fhir_vs=isa/M54&filter=neck
    GET  /fhir/CodeSystem/$subsumes?codeA=M54&codeB=M54.03

Each operation also takes POST with a ``Parameters`` body. Errors are ``OperationOutcome``.

>>> implicit_value_set("http://hl7.org/fhir/sid/icd-10-cm?fhir_vs=isa/M54")
('M54', False)
"""

from __future__ import annotations

import datetime as dt
import json
import weakref
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from icdkit import __version__
from icdkit.api.errors import MEDIA, outcome
from icdkit.api.limits import BUDGET, MAX_BODY, MAX_CODE, MAX_JSON_DEPTH, MAX_TERM, json_depth, spend
from icdkit.api.releases import Releases, Served
from icdkit.api.responses import JSONResponse
from icdkit.errors import IcdkitError, InvalidInput, UnknownCode
from icdkit.kb import parse_date
from icdkit.models import Code
from icdkit.workbench import KnowledgeBase

SYSTEM = "http://hl7.org/fhir/sid/icd-10-cm"
FHIR_VERSION = "4.0.1"
MAX_COUNT = 1000  # concepts in one $expand page

#: Properties of a concept in $lookup (and the CodeSystem's property definitions).
PROPERTIES = {
    "parent": ("code", "the concept one step above (category, block or chapter)"),
    "child": ("code", "a concept one step below"),
    "billable": ("boolean", "valid for reporting on a claim (the CMS valid-code table)"),
    "notSelectable": ("boolean", "a header: not billable, choose a code beneath it"),
    "inactive": ("boolean", "not valid for reporting on the release's effective date"),
    "kind": ("code", "chapter, block, category, subcategory or code"),
    "validFrom": ("dateTime", "first day the code is valid for reporting"),
    "validTo": ("dateTime", "last day the code is valid for reporting, when it ends"),
    "seventhCharacter": ("string", "a 7th character and its meaning (e.g. 'A: initial encounter')"),
    "includes": ("string", "Includes note"), "inclusion_term": ("string", "inclusion term"),
    "excludes1": ("string", "Excludes1 note"), "excludes2": ("string", "Excludes2 note"),
    "code_first": ("string", "Code first note"), "use_additional": ("string", "Use additional code note"),
    "code_also": ("string", "Code also note"), "note": ("string", "Note"),
    "seventh_note": ("string", "7th character note"),
}


class FhirError(Exception):
    """An error answered as an OperationOutcome: *issue* is a FHIR issue-type code."""

    def __init__(self, status: int, issue: str, message: str) -> None:
        super().__init__(message)
        self.status, self.issue = status, issue


class FhirJSONResponse(JSONResponse):
    media_type = MEDIA


def fhir_response(resource: dict[str, Any], status: int = 200) -> JSONResponse:
    return FhirJSONResponse(resource, status_code=status)


class Resource(BaseModel):
    """A FHIR R4 resource (validated against the R4 models in the test suite)."""

    model_config = ConfigDict(extra="allow")
    resourceType: str


class Issue(BaseModel):
    model_config = ConfigDict(extra="allow")
    severity: str
    code: str
    diagnostics: str


class OperationOutcome(BaseModel):
    model_config = ConfigDict(extra="allow")
    resourceType: str = Field(examples=["OperationOutcome"])
    issue: list[Issue]


_WHY = {400: "Malformed request (code, date, parameter, body)", 404: "Unknown code or release",
        413: "Request too large", 422: "Parameter of the wrong type", 500: "Unexpected error",
        503: "Time budget spent, or the store being replaced; retry"}


def _responses() -> dict[int | str, dict[str, Any]]:
    return {s: {"model": OperationOutcome, "description": w} for s, w in _WHY.items()}


router = APIRouter(prefix="/fhir", tags=["fhir"], default_response_class=FhirJSONResponse)


def _releases(request: Request) -> Releases:
    return request.app.state.releases  # type: ignore[no-any-return]


# -- parameters: from the query string (GET) or a Parameters resource (POST) -------------------------

class Params:
    """An operation's input parameters, by name (repeatable ones keep each value)."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = pairs

    def one(self, name: str) -> Any | None:
        got = [v for k, v in self.pairs if k == name]
        if len(got) > 1:
            raise FhirError(400, "invalid", f"parameter {name} given {len(got)} times")
        return got[0] if got else None

    def text(self, name: str, limit: int = MAX_TERM) -> str | None:
        value = self.one(name)
        if value is None:
            return None
        if not isinstance(value, str | bool | int):
            raise FhirError(400, "invalid", f"parameter {name} must be a simple value")
        text = str(value)
        if len(text) > limit or "\x00" in text:
            raise FhirError(400, "too-long" if len(text) > limit else "invalid",
                            f"parameter {name} too long or malformed (at most {limit} characters)")
        return text

    def all(self, name: str) -> list[str]:
        return [str(v)[:64] for k, v in self.pairs if k == name and isinstance(v, str)][:50]

    def flag(self, name: str) -> bool | None:
        value = self.one(name)
        if value is None or isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "false"):
            return str(value).lower() == "true"
        raise FhirError(400, "invalid", f"parameter {name} must be true or false")

    def integer(self, name: str, default: int, high: int) -> int:
        value = self.one(name)
        if value is None:
            return default
        try:
            got = int(str(value))
        except ValueError:
            raise FhirError(400, "invalid", f"parameter {name} must be a whole number") from None
        if not 0 <= got <= high:
            raise FhirError(400, "invalid", f"parameter {name} must be between 0 and {high}")
        return got


def _query_params(request: Request) -> Params:
    return Params(list(request.query_params.multi_items()))


async def _body_params(request: Request) -> Params:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise FhirError(413, "too-costly", f"body over {MAX_BODY} bytes")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise FhirError(400, "structure", "the body is not JSON: send a Parameters resource") from None
    if json_depth(body) > MAX_JSON_DEPTH:
        raise FhirError(400, "structure", f"the body is nested deeper than {MAX_JSON_DEPTH} levels")
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        raise FhirError(400, "structure", "the body must be a Parameters resource")
    pairs: list[tuple[str, Any]] = []
    for p in body.get("parameter") or []:
        if not isinstance(p, dict) or not isinstance(p.get("name"), str):
            raise FhirError(400, "structure", "each parameter needs a name")
        values = [v for k, v in p.items() if k.startswith("value")]
        if p["name"] == "coding" and isinstance(p.get("valueCoding"), dict):
            coding = p["valueCoding"]
            pairs += [("code", coding.get("code")), ("system", coding.get("system")),
                      ("version", coding.get("version"))]
            pairs = [(k, v) for k, v in pairs if v is not None]
            continue
        if len(values) != 1:
            raise FhirError(400, "structure", f"parameter {p['name']} needs exactly one value[x]")
        pairs.append((p["name"], values[0]))
    return Params(pairs)


def _served(request: Request, params: Params) -> Served:
    system = params.text("system") or params.text("url")
    if system is not None and system.split("?")[0] != SYSTEM:
        raise FhirError(404, "not-found", f"unknown code system {system[:80]!r}: this server has {SYSTEM}")
    version = params.text("version", 16)
    try:
        return _releases(request).served(version)
    except IcdkitError as exc:
        raise FhirError(404, "not-found", str(exc)) from None


def _node(kb: KnowledgeBase, params: Params, name: str = "code") -> Code:
    code = params.text(name, MAX_CODE)
    if not code:
        raise FhirError(400, "required", f"parameter {name} is required")
    try:
        return kb.get(code)
    except UnknownCode as exc:
        hint = f" (did you mean {', '.join(exc.suggestions)}?)" if exc.suggestions else ""
        raise FhirError(404, "not-found", f"{exc}{hint}") from None
    except IcdkitError as exc:
        raise FhirError(400, "invalid", str(exc)) from None


def _day(params: Params) -> dt.date | None:
    text = params.text("date", 32)
    if not text:
        return None
    try:
        return parse_date(text[:10])
    except InvalidInput as exc:
        raise FhirError(400, "invalid", str(exc)) from None


async def _answer(run: Callable[[Request, Params], dict[str, Any]], request: Request, params: Params
                  ) -> JSONResponse:
    try:  # in the thread pool: an expansion walks tens of thousands of concepts
        return fhir_response(await run_in_threadpool(run, request, params))
    except FhirError as exc:
        return fhir_response(outcome(str(exc), exc.issue), exc.status)
    except IcdkitError as exc:
        return fhir_response(outcome(str(exc), "invalid"), 400)


def _operation(path: str, summary: str, run: Callable[[Request, Params], dict[str, Any]],
               doc: str) -> None:
    async def by_get(request: Request, params: Annotated[Params, Depends(_query_params)]) -> JSONResponse:
        return await _answer(run, request, params)

    async def by_post(request: Request) -> JSONResponse:
        try:
            params = await _body_params(request)
        except FhirError as exc:
            return fhir_response(outcome(str(exc), exc.issue), exc.status)
        return await _answer(run, request, params)

    by_get.__doc__ = by_post.__doc__ = doc
    router.add_api_route(path, by_get, methods=["GET"], summary=summary, response_model=Resource,
                         responses=_responses(), name=f"{path} (GET)",
                         openapi_extra={"parameters": _QUERY_DOCS[path]})
    router.add_api_route(path, by_post, methods=["POST"], summary=summary + " (Parameters body)",
                         response_model=Resource, responses=_responses(), name=f"{path} (POST)",
                         openapi_extra={"requestBody": {"required": True, "content": {
                             m: {"schema": _PARAMETERS} for m in (MEDIA, "application/json")}}})


_PARAMETERS = {"type": "object", "required": ["resourceType"], "properties": {
    "resourceType": {"const": "Parameters"},
    "parameter": {"type": "array", "items": {"type": "object", "required": ["name"],
                                             "properties": {"name": {"type": "string"}}}}}}


def _q(name: str, description: str, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": {"type": "string"}}


_SYSTEM_Q = _q("system", f"the code system: {SYSTEM}")
_VERSION_Q = _q("version", "the release, e.g. FY2026 (default: the server's)")
_QUERY_DOCS: dict[str, list[dict[str, Any]]] = {
    "/CodeSystem/$lookup": [_q("code", "an ICD-10-CM code, any spelling", True), _SYSTEM_Q, _VERSION_Q,
                            _q("property", "properties wanted (repeatable; default all)")],
    "/CodeSystem/$validate-code": [_q("code", "the code to validate", True), _SYSTEM_Q,
                                   _q("url", "alias of system"), _VERSION_Q,
                                   _q("display", "a display to check against the title"),
                                   _q("date", "date of service YYYY-MM-DD: valid for reporting then?"),
                                   _q("abstract", "true (default): headers are valid concepts; false: "
                                                  "only billable codes are")],
    "/CodeSystem/$subsumes": [_q("codeA", "first code", True), _q("codeB", "second code", True),
                              _SYSTEM_Q, _VERSION_Q],
    "/ValueSet/$expand": [_q("url", f"an implicit value set: {SYSTEM}?fhir_vs (all), ?fhir_vs=isa/CODE "
                                    "(CODE and its descendants), ?fhir_vs=billable", True),
                          _VERSION_Q, _q("filter", "words or a code prefix to match"),
                          _q("count", f"concepts per page, 0-{MAX_COUNT} (default 100)"),
                          _q("offset", "concepts to skip (paging)"),
                          _q("excludeNotForUI", "true: billable codes only"),
                          _q("date", "with activeOnly: valid for reporting on this date"),
                          _q("activeOnly", "true: only codes valid for reporting (on date, else the "
                                           "release's effective date)")],
}


# -- the operations ------------------------------------------------------------------------------------

def _prop(code: str, value: Any, kind: str, description: str | None = None) -> dict[str, Any]:
    key = {"code": "valueCode", "boolean": "valueBoolean", "dateTime": "valueDateTime",
           "string": "valueString"}[kind]
    part = [{"name": "code", "valueCode": code}, {"name": "value", key: value}]
    if description:
        part.append({"name": "description", "valueString": description})
    return {"name": "property", "part": part}


def _inactive(kb: KnowledgeBase, node: Code, day: dt.date | str) -> bool:
    return node.billable and kb.period_on(node.key, day) is None


def lookup(request: Request, params: Params) -> dict[str, Any]:
    served = _served(request, params)
    kb = served.kb
    node = _node(kb, params)
    wanted = set(params.all("property")) or set(PROPERTIES)
    out: list[dict[str, Any]] = [
        {"name": "name", "valueString": "ICD-10-CM"},
        {"name": "version", "valueString": kb.release},
        {"name": "display", "valueString": node.title},
    ]
    props: list[dict[str, Any]] = []
    ancestors = kb.ancestors(node.key)
    if ancestors and "parent" in wanted:
        props.append(_prop("parent", ancestors[0].code, "code", ancestors[0].title))
    if "child" in wanted:
        props += [_prop("child", c.code, "code", c.title) for c in kb.children(node.key)]
    if "kind" in wanted:
        props.append(_prop("kind", node.kind, "code"))
    if "billable" in wanted:
        props.append(_prop("billable", node.billable, "boolean"))
    if "notSelectable" in wanted:
        props.append(_prop("notSelectable", not node.billable, "boolean"))
    if "inactive" in wanted:
        props.append(_prop("inactive", _inactive(kb, node, kb.effective), "boolean",
                           f"on {kb.effective}, the release's effective date"))
    periods = kb.periods(node.key)
    if periods and "validFrom" in wanted:
        props.append(_prop("validFrom", periods[0].start, "dateTime"))
    if periods and periods[-1].end < kb.horizon()[1] and "validTo" in wanted:
        props.append(_prop("validTo", periods[-1].end, "dateTime"))
    if "seventhCharacter" in wanted:
        props += [_prop("seventhCharacter", f"{ch}: {meaning}", "string")
                  for ch, meaning in kb.seventh_characters(node.key).items()]
    for note in kb.effective_notes(node.key):
        if note.kind in wanted:
            inherited = "" if note.source == node.code else " (inherited)"
            props.append(_prop(note.kind, note.text, "string", f"at {note.source}{inherited}, {kb.label}"))
    if node.short_title:
        out.append({"name": "designation", "part": [
            {"name": "use", "valueCoding": {"system": "http://terminology.hl7.org/CodeSystem/designation-usage",
                                            "code": "display"}},
            {"name": "value", "valueString": node.short_title}]})
    return {"resourceType": "Parameters", "parameter": out + props}


def validate_code(request: Request, params: Params) -> dict[str, Any]:
    served = _served(request, params)
    kb = served.kb
    code = params.text("code", MAX_CODE)
    if not code:
        raise FhirError(400, "required", "parameter code is required")
    day = _day(params)
    abstract_ok = params.flag("abstract")
    node = None
    try:
        node = kb.get(code)
    except UnknownCode as exc:
        hint = f"; did you mean {', '.join(exc.suggestions)}?" if exc.suggestions else ""
        return _result(False, f"{exc}{hint}")
    except IcdkitError as exc:
        return _result(False, str(exc))
    if node.kind in ("chapter", "block"):
        return _result(False, f"{node.code} is a {node.kind}, not a code", node.title)
    display = params.text("display", 1000)
    if not node.billable and abstract_ok is False:
        return _result(False, f"{node.code} is a header (notSelectable): not billable, choose a code "
                       "beneath it", node.title)
    if day is not None and kb.period_on(node.key, day) is None:
        why = ("is a header, never valid for reporting" if not node.billable
               else "is not valid for reporting on that date")
        return _result(False, f"{node.code} {why} ({day.isoformat()})", node.title)
    if display is not None and display.strip().lower() != node.title.lower():
        return _result(False, f"display {display[:80]!r} is not the title of {node.code}: {node.title!r}",
                       node.title)
    message = None if node.billable or day else f"{node.code} is a header (notSelectable): not billable"
    return _result(True, message, node.title)


def _result(ok: bool, message: str | None, display: str | None = None) -> dict[str, Any]:
    out: list[dict[str, Any]] = [{"name": "result", "valueBoolean": ok}]
    if message:
        out.append({"name": "message", "valueString": message})
    if display:
        out.append({"name": "display", "valueString": display})
    return {"resourceType": "Parameters", "parameter": out}


def subsumes(request: Request, params: Params) -> dict[str, Any]:
    kb = _served(request, params).kb
    a, b = _node(kb, params, "codeA"), _node(kb, params, "codeB")
    if a.key == b.key:
        result = "equivalent"
    elif a.key in {x.key for x in kb.ancestors(b.key)}:
        result = "subsumes"
    elif b.key in {x.key for x in kb.ancestors(a.key)}:
        result = "subsumed-by"
    else:
        result = "not-subsumed"
    return {"resourceType": "Parameters", "parameter": [{"name": "outcome", "valueCode": result}]}


def implicit_value_set(url: str) -> tuple[str | None, bool]:
    """(root code or None for all, billable only) of an implicit value set URL."""
    base, _, query = url.partition("?")
    if base != SYSTEM or not query.startswith("fhir_vs"):
        raise FhirError(404, "not-found", f"unknown value set {url[:100]!r}: use {SYSTEM}?fhir_vs, "
                        "?fhir_vs=isa/CODE or ?fhir_vs=billable")
    rest = query[len("fhir_vs"):]
    if rest in ("", "="):
        return None, False
    if rest == "=billable":
        return None, True
    if rest.startswith("=isa/") and 0 < len(rest) - 5 <= MAX_CODE:
        return rest[5:], False
    raise FhirError(404, "not-found", f"unknown implicit value set {query[:60]!r}")


_CONCEPTS: weakref.WeakKeyDictionary[KnowledgeBase, list[tuple[Code, str]]] = weakref.WeakKeyDictionary()


def concepts(kb: KnowledgeBase) -> list[tuple[Code, str]]:
    """Every category, subcategory and code with its folded code and title, read once per release
    (create_app passes it to the releases as a warmer, so it is built when a release opens)."""
    got = _CONCEPTS.get(kb)
    if got is None:
        token = BUDGET.set(None)  # built once for every later request: not cut short by this one's budget
        try:
            got = [(c, f"{c.code.lower()} {c.key.lower()} {c.title.lower()}") for c in kb.iter_codes()]
        finally:
            BUDGET.reset(token)
        _CONCEPTS[kb] = got
    return got



def expand(request: Request, params: Params) -> dict[str, Any]:
    url = params.text("url", 300)
    if not url:
        raise FhirError(400, "required", f"parameter url is required, e.g. {SYSTEM}?fhir_vs")
    root, billable_only = implicit_value_set(url)
    kb = _served(request, params).kb
    if params.flag("excludeNotForUI"):
        billable_only = True
    active = params.flag("activeOnly")
    day = _day(params) or (dt.date.fromisoformat(kb.effective) if active else None)
    count = params.integer("count", 100, MAX_COUNT)
    offset = params.integer("offset", 0, 10_000_000)
    text = params.text("filter")
    if text is not None and text.strip() and not any(ch.isalnum() for ch in text):
        raise FhirError(400, "invalid", "filter has no letter or digit: give words or a code prefix")
    words = (text or "").lower().split()
    if root is not None:
        try:
            top = kb.get(root)
        except UnknownCode as exc:
            raise FhirError(404, "not-found", str(exc)) from None
        except IcdkitError as exc:
            raise FhirError(400, "invalid", str(exc)) from None
        pool = [(c, f"{c.code.lower()} {c.key.lower()} {c.title.lower()}")
                for c in [top, *kb.descendants(top.key)] if c.kind not in ("chapter", "block")]
    else:
        pool = concepts(kb)
    matches = []
    for n, (c, text) in enumerate(pool):
        if n % 8192 == 0:
            spend()  # a request whose budget is spent, or whose client left, stops here
        if ((c.billable or not billable_only) and all(w in text for w in words)
                and (day is None or not active or kb.period_on(c.key, day) is not None)):
            matches.append(c)
    page = matches[offset:offset + count]
    contains = []
    for c in page:
        item: dict[str, Any] = {"system": SYSTEM, "version": kb.release, "code": c.code, "display": c.title}
        if not c.billable:
            item["abstract"] = True
        contains.append(item)
    parameters: list[dict[str, Any]] = [{"name": "offset", "valueInteger": offset},
                                        {"name": "count", "valueInteger": count}]
    if words:
        parameters.append({"name": "filter", "valueString": " ".join(words)})
    expansion: dict[str, Any] = {
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "total": len(matches), "offset": offset, "parameter": parameters}
    if contains:
        expansion["contains"] = contains
    return {"resourceType": "ValueSet", "url": url, "version": kb.release, "status": "active",
            "expansion": expansion}


_operation("/CodeSystem/$lookup", "Look up a code: display and properties", lookup,
           "Display, parent, children, billable / notSelectable, inactive, validity dates, 7th "
           "characters, and each instructional note (Includes, Excludes1, Excludes2, Code first, Use "
           "additional code, Code also, 7th character note) with its text and the code it stands on.")
_operation("/CodeSystem/$validate-code", "Validate a code (optionally on a date of service)", validate_code,
           "result true when the code is a concept of the release (a header too, unless abstract=false); "
           "with date, only when it is valid for reporting on that date. 7th-character codes and "
           "placeholder X are understood (S72.001A, W21.89XA).")
_operation("/CodeSystem/$subsumes", "Is one code beneath the other?", subsumes,
           "outcome equivalent, subsumes (A is above B), subsumed-by or not-subsumed.")
_operation("/ValueSet/$expand", "Expand an implicit value set", expand,
           "All codes, a code and its descendants (isa/CODE), or billable codes only, filtered by words "
           "or a code prefix and paged with count and offset; headers are marked abstract.")


# -- metadata --------------------------------------------------------------------------------------------

def _capability(kb: KnowledgeBase) -> dict[str, Any]:
    ops = [{"name": n, "definition": f"http://hl7.org/fhir/OperationDefinition/{d}"}
           for n, d in (("lookup", "CodeSystem-lookup"), ("validate-code", "CodeSystem-validate-code"),
                        ("subsumes", "CodeSystem-subsumes"))]
    return {
        "resourceType": "CapabilityStatement", "status": "active", "date": kb.effective,
        "publisher": "icdkit", "kind": "instance", "fhirVersion": FHIR_VERSION,
        "format": ["json"], "instantiates": ["http://hl7.org/fhir/CapabilityStatement/terminology-server"],
        "software": {"name": "icdkit", "version": __version__},
        "implementation": {"description": f"ICD-10-CM terminology, {kb.label}"},
        "rest": [{"mode": "server", "resource": [
            {"type": "CodeSystem", "operation": ops},
            {"type": "ValueSet", "operation": [
                {"name": "expand", "definition": "http://hl7.org/fhir/OperationDefinition/ValueSet-expand"}]}],
        }],
    }


def _terminology(kb: KnowledgeBase, releases: list[dict[str, Any]]) -> dict[str, Any]:
    versions = [{"code": r["id"], "isDefault": r["id"] == kb.release, "property": list(PROPERTIES)}
                for r in releases if r["built"]]
    return {
        "resourceType": "TerminologyCapabilities", "status": "active", "date": kb.effective,
        "publisher": "icdkit", "kind": "instance",
        "software": {"name": "icdkit", "version": __version__},
        "implementation": {"description": f"ICD-10-CM terminology, {kb.label}"},
        "codeSystem": [{"uri": SYSTEM, "version": versions}],
        "expansion": {"hierarchical": False, "paging": True, "incomplete": False,
                      "parameter": [{"name": n} for n in ("filter", "count", "offset", "excludeNotForUI",
                                                            "activeOnly", "date")],
                      "textFilter": "Every word must appear in the code or its title."},
        "codeSearch": "all",
        "validateCode": {"translations": False},
    }


@router.get("/metadata", response_model=Resource, responses=_responses(),
            summary="CapabilityStatement (or TerminologyCapabilities with mode=terminology)")
async def metadata(request: Request,
                   mode: Annotated[str | None, Query(description="'terminology' for TerminologyCapabilities")]
                   = None) -> JSONResponse:
    """What this server can do: the operations, the code system and its versions (releases)."""
    reg = _releases(request)
    kb = reg.get(None)
    if mode is None or mode == "full":
        return fhir_response(_capability(kb))
    if mode == "terminology":
        return fhir_response(_terminology(kb, reg.listing()))
    return fhir_response(outcome(f"unknown mode {mode[:40]!r}: use terminology", "invalid"), 400)
