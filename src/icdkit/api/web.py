"""The web app: server-rendered pages over the same library calls as the JSON API.

Pages (templates in ``api/templates``, assets in ``api/static``, no request to any other origin)::

    /                       search as you type, a code box (m5403 → /codes/M54.03), the chapters
    /browse, /browse/13     the Tabular List as in the printed book: chapters → blocks →
    /browse/M50-M54         categories → codes (a range such as S00-T88 lists its blocks)
    /search?q=neck+pain     ranked codes, each with the Index path or title that matched
    /index?term=Pain,+neck  a term's subtree in the Alphabetic (or External Cause) Index
    /drug?substance=…       rows of the Table of Drugs and Chemicals, every column a link
    /neoplasm?site=…        rows of the Neoplasm Table
    /check?codes=M54.2+M50.20&age=54&sex=F   findings, each citing its rule (GET or POST)
    /notes                  the note coder: a note posted, its evidence marked, codes out
    /codes/M54.03           the code page (the code guide: :mod:`icdkit.api.guide_routes`)

:func:`install` adds these routes and ``/static`` to an app, and answers a browser's errors
(unknown page, bad input, server error) with an HTML page in the same layout; API clients
keep the one JSON error shape.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from icdkit.api.errors import status_of
from icdkit.api.rest import KbDep, ServedDep, code_text, term_text
from icdkit.api.templating import STATIC, code_href, href, render, term_of
from icdkit.errors import IcdkitError, InvalidInput, MalformedCode, UnknownCode
from icdkit.lookup import describe_code
from icdkit.models import Code
from icdkit.rules.check import encounter_codes, patient
from icdkit.rules.findings import Encounter
from icdkit.search.navigate import index_tree, table_rows
from icdkit.search.tables import next_step
from icdkit.vocabulary import TABLE_HEADINGS
from icdkit.workbench import KnowledgeBase

router = APIRouter(include_in_schema=False)

MAX_TREE = 700  # codes a block's page shows in full; a bigger block lists its categories
_API_PATHS = ("/api", "/fhir", "/docs", "/openapi", "/static", "/health")


def page(kb: KnowledgeBase, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """A page in the site's layout (header with search, nav, footer naming the release)."""
    return HTMLResponse(render(template, release=kb.label, label=kb.label, **context), status_code=status)


def error_page(kb: KnowledgeBase | None, exc: IcdkitError, *, heading: str = "Not found") -> HTMLResponse:
    """The page for a user error: its message and its suggestions as links."""
    status = status_of(exc)
    sugg = [(code_href(s) if isinstance(exc, UnknownCode) else href("/index", term=s), s)
            for s in getattr(exc, "suggestions", ())]
    return HTMLResponse(render("error.html", heading=heading if status == 404 else "Cannot do that",
                               message=str(exc), suggestions=sugg,
                               release=kb.label if kb else ""), status_code=status)


# -- home and browse -------------------------------------------------------------------------
def _range(kb: KnowledgeBase, node: Code) -> str:
    first, last = kb.block_range(node.key)
    return f"{first}-{last}" if first != node.key else ""


@router.get("/", response_class=HTMLResponse)
async def home(kb: KbDep) -> HTMLResponse:
    chapters = [{"code": c.code, "title": c.title, "range": _range(kb, c)} for c in kb.chapters()]
    return page(kb, "home.html", here="/", chapters=chapters)


def _bounds(text: str) -> tuple[str, str]:
    lo, _, hi = text.partition("-")
    return lo, hi


def _blocks(kb: KnowledgeBase, blocks: list[Code]) -> list[dict[str, Any]]:
    """Blocks as a tree: a heading block with no categories of its own (M00-M25 Arthropathies)
    holds the blocks inside its range that follow it."""
    out: list[dict[str, Any]] = []
    group: tuple[str, str, list[dict[str, Any]]] | None = None
    for b in blocks:
        kids: list[dict[str, Any]] = []
        item = {"code": b.code, "title": b.title, "href": "/browse/" + quote(b.code), "children": kids}
        lo, hi = _bounds(b.key)
        if group and group[0] <= lo and hi <= group[1]:
            group[2].append(item)
            continue
        out.append(item)
        group = (lo, hi, kids) if not kb.children(b.key) else None
    return out


def _codes(kb: KnowledgeBase, node: Code, budget: list[int]) -> list[dict[str, Any]]:
    """The codes under *node* in tabular order, down to where 7th characters begin."""
    items = []
    for c in kb.children(node.key):
        budget[0] -= 1
        kids, seventh = next_step(kb, c.code) if not c.billable else ((), False)
        items.append({"code": c.code, "title": c.title, "billable": c.billable, "href": code_href(c.code),
                      "seventh": len(kids) if seventh else 0,
                      "children": [] if seventh else _codes(kb, c, budget)})
    return items


def _categories(kb: KnowledgeBase, cats: list[Code]) -> list[dict[str, Any]]:
    budget = [MAX_TREE]
    full = [{"code": c.code, "title": c.title, "billable": c.billable, "href": code_href(c.code),
             "children": _codes(kb, c, budget)} for c in cats]
    if budget[0] >= 0:
        return full
    return [{"code": c.code, "title": c.title, "billable": c.billable, "href": "/browse/" + quote(c.code),
             "children": []} for c in cats]


def _within(kb: KnowledgeBase, lo: str, hi: str) -> tuple[list[dict[str, Any]], str]:
    """What a range that is not one block covers: its blocks, else its categories."""
    blocks = [b for ch in kb.chapters() for b in kb.children(ch.key)
              if lo <= _bounds(b.key)[0] and _bounds(b.key)[1] <= hi]
    if blocks:
        return _blocks(kb, blocks), "blocks"
    cats = [kb.get(k) for k in kb.code_keys() if len(k) == 3 and lo <= k <= hi]
    return _categories(kb, cats), "categories"


@router.get("/browse", response_class=HTMLResponse)
async def browse_top(kb: KbDep) -> HTMLResponse:
    items = [{"code": c.code, "title": f"Chapter {c.code}: {c.title}", "href": "/browse/" + c.code,
              "children": []} for c in kb.chapters()]
    return page(kb, "browse.html", here="/browse", heading="The Tabular List: chapters",
                trail=[("/", "Home"), (None, "Chapters")], items=items, node=None)


@router.get("/browse/{ref}", response_class=HTMLResponse)
def browse(kb: KbDep, ref: str) -> HTMLResponse:
    text = code_text(ref).strip().upper()
    try:
        node = kb.find(text)
    except MalformedCode:
        node = None
    lo, hi = _bounds(text)
    if node is None and not (len(lo) == 3 and len(hi) == 3 and lo <= hi and lo[0].isalpha()):
        if node is None and text.isdigit():
            raise UnknownCode(f"no chapter {text}: chapters are numbered 1-{len(kb.chapters())}", code=text)
        node = kb.get(text)  # UnknownCode with suggestions
    trail: list[tuple[str | None, str]] = [("/", "Home"), ("/browse", "Chapters")]
    note = ""
    if node is None or (node.kind == "block" and not kb.children(node.key)):
        items, what = _within(kb, lo, hi)
        heading = f"{text}{' ' + node.title if node else ''}"
        note = f"The {what} within {text}."
    elif node.kind == "chapter":
        items = _blocks(kb, kb.children(node.key))
        heading = f"Chapter {node.code}: {node.title}"
    elif node.kind == "block":
        items = _categories(kb, kb.children(node.key))
        heading = f"{node.code} {node.title}"
    else:
        items = _codes(kb, node, [10**6])
        heading = f"{node.code} {node.title}"
    if node is not None:
        for a in reversed(kb.ancestors(node.key)):
            trail.append(("/browse/" + quote(a.code), f"Chapter {a.code}" if a.kind == "chapter" else a.code))
    trail.append((None, node.code if node is not None and node.kind != "chapter" else
                  (f"Chapter {node.code}" if node is not None else text)))
    return page(kb, "browse.html", here="/browse", heading=heading, trail=trail, items=items,
                node=node, note=note)


# -- search and the code box -----------------------------------------------------------------
@router.get("/search", response_class=HTMLResponse)
def search_page(kb: KbDep, q: str = "", billable_only: bool = False) -> HTMLResponse:
    try:
        results = kb.search(q, limit=25, billable_only=billable_only)
    except IcdkitError as exc:
        return error_page(kb, exc, heading="Search")
    return page(kb, "search.html", query=q, billable_only=billable_only,
                results=[r.to_json() for r in results], index_release=_index_release(kb))


@router.get("/go", response_model=None)
async def go(kb: KbDep, code: str = "") -> Response:
    """The code box: straight to the code's page (``m5403`` → ``/codes/M54.03``); text that is
    no code at all is searched for instead."""
    text = code.strip()
    if not text:
        return RedirectResponse("/", status_code=303)
    try:
        node = kb.get(code_text(text))
    except MalformedCode:
        return RedirectResponse(href("/search", q=text), status_code=303)
    except IcdkitError as exc:
        return error_page(kb, exc)
    return RedirectResponse("/codes/" + quote(node.code), status_code=303)


def code_page(kb: KnowledgeBase, code: str, date: str | None = None) -> HTMLResponse:
    """The lookup record as a page: what ``/codes/{code}`` shows for a code the release lacks
    (deleted, or not yet added), with its validity and replacements (see guide_routes)."""
    try:
        d = describe_code(kb, code_text(code), on=date)
    except IcdkitError as exc:
        return error_page(kb, exc)
    trail: list[tuple[str | None, str]] = [("/", "Home")]
    for a in reversed(d["ancestors"]):
        is_code = a["kind"] not in ("chapter", "block")
        trail.append((code_href(a["code"]) if is_code else "/browse/" + quote(a["code"]),
                      f"Chapter {a['code']}" if a["kind"] == "chapter" else a["code"]))
    trail.append((None, d["code"]))
    return page(kb, "code_record.html", d=d, trail=trail)


# -- the Index and the Tables ----------------------------------------------------------------
def _index_release(kb: KnowledgeBase) -> str:
    return str(json.loads(kb.meta.get("index_source", "{}")).get("release", "unknown"))


def _hrefs(node: dict[str, Any], path: list[str], external: bool) -> None:
    """Give each Index node its cross-reference links and, when subterms are cut, a zoom link."""
    here = [*path, node["title"]]
    ext = "true" if external else None
    for key, target in (("see", "see_path"), ("see_also", "see_also_path")):
        if key in node:
            node[key + "_href"] = href("/index", term=term_of(node.get(target) or node[key]), external=ext)
    if node.get("more"):
        node["zoom"] = href("/index", term=", ".join(here), external=ext)
    for kid in node.get("children", ()):
        _hrefs(kid, here, external)


@router.get("/index", response_class=HTMLResponse)
def index_page(kb: KbDep, term: str = "", external: bool = False) -> HTMLResponse:
    book_title = "External Cause Index" if external else "Alphabetic Index"
    context: dict[str, Any] = {"here": "/index", "term": term, "external": external,
                               "book_title": book_title, "index_release": _index_release(kb)}
    if not term.strip():
        return page(kb, "index_term.html", **context)
    try:
        tree = index_tree(kb, term_text(term), book="eindex" if external else "index", depth=4)
    except IcdkitError as exc:
        sugg = [(href("/index", term=s, external="true" if external else None), s)
                for s in getattr(exc, "suggestions", ())]
        return page(kb, "index_term.html", status=status_of(exc), error=str(exc), suggestions=sugg, **context)
    for entry in tree["entries"]:
        parents = entry["path"].split(" › ")[:-1]
        _hrefs(entry, parents, external)
    return page(kb, "index_term.html", entries=tree["entries"], **context)


_TABLES = {"drug": ("substance", "acetaminophen", ("Acetaminophen", "Insulin", "Warfarin")),
           "neoplasm": ("site", "lung", ("lung", "breast", "colon"))}


def _table_page(kb: KnowledgeBase, book: str, text: str) -> HTMLResponse:
    param, example, examples = _TABLES[book]
    context: dict[str, Any] = {
        "here": "/" + book, "action": "/" + book, "param": param, "example": example,
        "examples": examples, "text": text, "headings": TABLE_HEADINGS[book],
        "table_title": "Table of Drugs and Chemicals" if book == "drug" else "Neoplasm Table",
        "index_release": _index_release(kb)}
    if not text.strip():
        return page(kb, "table.html", **context)
    try:
        got = table_rows(kb, book, term_text(text, param))
    except IcdkitError as exc:
        sugg = [(href("/" + book, **{param: s}), s) for s in getattr(exc, "suggestions", ())]
        return page(kb, "table.html", status=status_of(exc), error=str(exc), suggestions=sugg, **context)
    rows = [{"path": r["path"], "see": r.get("see"), "cells": list(r["codes"].values())} for r in got["rows"]]
    return page(kb, "table.html", rows=rows, **context)


@router.get("/drug", response_class=HTMLResponse)
def drug_page(kb: KbDep, substance: str = "") -> HTMLResponse:
    return _table_page(kb, "drug", substance)


@router.get("/neoplasm", response_class=HTMLResponse)
def neoplasm_page(kb: KbDep, site: str = "") -> HTMLResponse:
    return _table_page(kb, "neoplasm", site)


# -- the checker -----------------------------------------------------------------------------
_FORM = ("codes", "age", "sex", "date", "setting")


async def form_fields(request: Request, names: tuple[str, ...], *, cut: int = 2000,
                      query: bool = True) -> dict[str, str]:
    """The fields *names* of a form, from a urlencoded body (POST) or, when *query*, the query
    string (GET); each stripped and cut at *cut* characters; other fields are ignored."""
    if request.method == "POST":
        raw = (await request.body()).decode("utf-8", "replace")
        try:
            pairs = {k: v[0] for k, v in parse_qs(raw, max_num_fields=20).items()}
        except ValueError:
            raise InvalidInput("too many form fields: this form takes " + ", ".join(names)) from None
    else:
        pairs = dict(request.query_params) if query else {}
    return {k: pairs.get(k, "").strip()[:cut] for k in names}


@router.api_route("/check", methods=["GET", "POST"], response_class=HTMLResponse)
async def check_page(request: Request, s: ServedDep) -> HTMLResponse:
    kb = s.kb
    try:
        form = await form_fields(request, _FORM)
    except InvalidInput as exc:
        return page(kb, "check.html", status=400, error=str(exc), here="/check",
                    form=dict.fromkeys(_FORM, ""))
    context: dict[str, Any] = {"here": "/check", "form": form}
    if not form["codes"]:
        if request.method == "POST":
            context["error"] = "no codes given: list the encounter's diagnosis codes, principal first"
        return page(kb, "check.html", status=400 if "error" in context else 200, **context)
    try:
        codes = [code_text(c) for c in encounter_codes(form["codes"])]
        enc = Encounter(tuple(codes), *patient(form["age"], form["sex"], form["date"], form["setting"]))
    except InvalidInput as exc:
        return page(kb, "check.html", status=400, error=str(exc), **context)

    def run() -> dict[str, Any]:
        with s.check_lock:
            return s.checker.check_encounter(enc).to_dict()

    try:
        report = await run_in_threadpool(run)
    except IcdkitError as exc:
        return page(kb, "check.html", status=status_of(exc), error=str(exc), **context)
    return page(kb, "check.html", report=report, codes=codes, **context)


# -- errors as pages -------------------------------------------------------------------------
def wants_html(request: Request) -> bool:
    """A browser asking for a page (not the JSON API, the docs or an asset)."""
    return (request.method in ("GET", "HEAD", "POST") and "text/html" in request.headers.get("accept", "")
            and not request.url.path.startswith(_API_PATHS))


Handler = Callable[[Request, Any], Response | Awaitable[Response]]


def _as_page(previous: Handler) -> Handler:
    async def handler(request: Request, exc: Exception) -> Response:
        got = previous(request, exc)
        answer = await got if inspect.isawaitable(got) else got
        if not wants_html(request):
            return answer
        try:
            body = json.loads(bytes(answer.body))["error"]
        except (ValueError, KeyError, TypeError, AttributeError):
            body = {"message": "the server could not answer this request", "suggestions": []}
        status = answer.status_code
        if status == 404 and isinstance(exc, StarletteHTTPException):
            message = f"There is no page at {request.url.path[:200]}."
        else:
            message = str(body.get("message", ""))
        heading = {404: "Page not found", 405: "Not allowed", 500: "Server error",
                   503: "Try again"}.get(status, "Cannot do that")
        sugg = [(code_href(x) if isinstance(exc, UnknownCode) else href("/search", q=x), x)
                for x in body.get("suggestions", [])]
        kept = {k: v for k, v in answer.headers.items() if k in ("retry-after", "allow")}
        return HTMLResponse(render("error.html", heading=heading, message=message, suggestions=sugg),
                            status_code=status, headers=kept)
    return handler


def route_paths(routes: Iterable[Any], prefix: str = "") -> list[str]:
    """The path of every route, those of included routers too (FastAPI keeps an included
    router whole, as one entry of ``app.routes``)."""
    out: list[str] = []
    for r in routes:
        inner = getattr(r, "original_router", None)
        if inner is not None:
            out += route_paths(inner.routes, prefix + str(getattr(r.include_context, "prefix", "")))
        else:
            out.append(prefix + str(getattr(r, "path", "")))
    return out


def install(app: FastAPI) -> None:
    """Add the pages and ``/static`` to *app*, and make its error answers pages for browsers
    (call after the JSON error handlers are installed: each is wrapped, not replaced)."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for kind in (StarletteHTTPException, RequestValidationError, IcdkitError, Exception):
        previous = app.exception_handlers.get(kind)
        if previous is not None:
            app.add_exception_handler(kind, _as_page(previous))
