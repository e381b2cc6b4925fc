"""The REST JSON API: one route per capability, each a thin call into the library.

Every route takes ``?release=`` (default: the release the server was started with) and
answers errors in the one shape (:mod:`icdkit.api.errors`). Quick lookups run on the event
loop; searches, Index walks and checks run in the thread pool under the request's budget.

    GET  /api/codes/M54.03?date=2021-06-01     the lookup record (``icdkit lookup --json``)
    GET  /api/codes/M50-M54/children           browse: chapter → blocks → categories → codes
    GET  /api/search?q=neck+pain               ranked codes with the index path that led there
    POST /api/check  {"codes": ["M54.2", "M50.20"]}   cited findings (``icdkit check --json``)
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool

from icdkit.api import models
from icdkit.api.errors import error_response, responses
from icdkit.api.limits import MAX_CODE, MAX_ENCOUNTERS, MAX_TERM, spend
from icdkit.api.releases import Releases, Served
from icdkit.api.responses import JSONResponse
from icdkit.errors import IcdkitError, InvalidInput, MalformedCode, UnknownCode
from icdkit.lookup import describe_code
from icdkit.rules.check import encounter
from icdkit.search.engine import MAX_LIMIT, MAX_QUERY
from icdkit.search.navigate import index_tree, table_rows
from icdkit.vocabulary import TABLE_COLUMNS
from icdkit.workbench import KnowledgeBase

router = APIRouter(prefix="/api", tags=["api"])

MAX_PARTS = 12  # comma-separated parts of an Index path ('Pain, neck')

ReleaseParam = Annotated[str | None, Query(
    description="release to answer from, e.g. FY2025 or 2025 (default: the server's); "
                "an unknown or unbuilt release is a 404", examples=["FY2026"])]


def releases_of(request: Request) -> Releases:
    return request.app.state.releases  # type: ignore[no-any-return]


async def served(request: Request, release: ReleaseParam = None) -> Served:
    """The release a request asks for (``?release=``), as served now; a release not open yet
    is opened in the thread pool, so its first request does not stall everyone else's."""
    reg = releases_of(request)
    got = reg.opened(release)
    return got if got is not None else await run_in_threadpool(reg.served, release)


async def release_kb(request: Request, release: ReleaseParam = None) -> KnowledgeBase:
    """Dependency for routers: the KnowledgeBase of the release a request asks for."""
    return (await served(request, release)).kb


async def answer(s: Served, work: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """``work(*args, **kw)`` on the event loop when the release is warmed (a lookup in memory
    takes ~0.1 ms: a thread hop would cost more), else in the thread pool (its tables are being
    read into memory: point queries, and nothing may wait on the loop meanwhile)."""
    if s.ready.is_set():
        return work(*args, **kw)
    return await run_in_threadpool(work, *args, **kw)


#: Searches run one at a time in each process, in the order they came. A search is ~4 ms of
#: Python under the GIL: two at once take twice as long each (and trade the GIL every 5 ms),
#: and the threads waiting for one of the pooled searchers were woken in no order, so a search
#: could wait behind many later ones (p99 372 ms at 313 searches/s with two workers). In one
#: lane, a search waits at most for those queued before it, and every search of the process
#: runs on one searcher, whose memos see all its traffic. (Processes, ``serve --workers``, are
#: what add cores.)
SEARCH_LANE = ThreadPoolExecutor(max_workers=1, thread_name_prefix="icdkit-search")


async def in_lane(work: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """``work(*args, **kw)`` in :data:`SEARCH_LANE`, under the request's budget: a request
    whose budget ran out (or whose client left) while it queued does no work."""
    context = contextvars.copy_context()  # the request's budget goes with it

    def run() -> Any:
        spend()
        return work(*args, **kw)

    return await asyncio.get_running_loop().run_in_executor(SEARCH_LANE, context.run, run)


def _in_memory(kb: KnowledgeBase, code: str) -> bool:
    """Whether *code* is a node of *kb*: its lookup then reads no other release."""
    try:
        return kb.find(code) is not None
    except IcdkitError:
        return False


ServedDep = Annotated[Served, Depends(served)]
KbDep = Annotated[KnowledgeBase, Depends(release_kb)]


def code_text(code: str) -> str:
    """A code as typed, bounded before it reaches the knowledge base."""
    if len(code) > MAX_CODE or "\x00" in code:
        raise MalformedCode(f"malformed code {code[:24]!r}: an ICD-10-CM code has at most 7 characters")
    return code


def term_text(text: str, what: str = "term") -> str:
    """A term, substance or site, bounded: length, comma parts, no control characters."""
    text = text.strip()
    if not text:
        raise InvalidInput(f"empty {what}")
    if len(text) > MAX_TERM:
        raise InvalidInput(f"{what} too long ({len(text)} characters; at most {MAX_TERM})")
    if text.count(",") >= MAX_PARTS:
        raise InvalidInput(f"{what} has too many comma-separated parts (at most {MAX_PARTS})")
    return plain(text, what)


MAX_WORD = 60  # characters of one word (the longest printed word has 45)


def plain(text: str, what: str) -> str:
    """*text* refused (400) when it holds control characters, no letter or digit at all (``%``,
    ``*``: nothing to look up), or a word longer than any word in the books."""
    if any(ord(ch) < 32 or ch == "\x7f" for ch in text):
        raise InvalidInput(f"{what} holds control characters")
    if not any(ch.isalnum() for ch in text):
        raise InvalidInput(f"{what} {text[:20]!r} has no letter or digit: type words or a code")
    if any(len(w) > MAX_WORD for w in text.split()):
        raise InvalidInput(f"{what} has a word over {MAX_WORD} characters")
    return text


def query_text(q: str) -> str:
    """A search query: the engine bounds its length; words and characters are bounded here."""
    if len(q) > MAX_QUERY or not q.strip():
        return q  # the engine's own message (too long, empty)
    return plain(q, "query")


def _json(data: Any) -> JSONResponse:
    return JSONResponse(data)


@router.get("/releases", response_model=models.ReleasesAnswer, responses=responses(),
            summary="Releases this server can answer from")
async def releases(request: Request) -> JSONResponse:
    """Every bundled or built release: id, label, bundled, built, effective date, and which one
    the server answers from by default."""
    reg = releases_of(request)
    return _json({"releases": reg.listing(), "serving": reg.default})


@router.get("/codes/{code}", response_model=models.CodeRecord, responses=responses(400, 404, 422),
            summary="Everything about one code")
async def code(request: Request,
               code: Annotated[str, Path(description="a code in any spelling: M54.03, m5403, S72001A; "
                                                     "or a block M50-M54")],
               date: Annotated[str | None, Query(description="date of service YYYY-MM-DD: adds "
                                                 "on_date (valid that day?) and its MCE edits")] = None,
               release: ReleaseParam = None) -> JSONResponse:
    """The lookup record (same JSON as ``icdkit lookup --json``): title, billable, chapter,
    block, hierarchy, every note own and inherited with its source, 7th characters, validity,
    CC/MCC, HCC, MCE edits, Index entries. An unknown code is a 404 with suggestions."""
    reg = releases_of(request)  # not a dependency: the hottest route, kept lean
    s = reg.opened(release)
    if s is None:
        s = await run_in_threadpool(reg.served, release)
    text = code_text(code)
    if date is None and s.ready.is_set() and _in_memory(s.kb, text):
        return _json(describe_code(s.kb, text))
    # a date, or a code this release lacks, may consult the other releases (opened, and read
    # into memory, on first use): never on the event loop
    return _json(await run_in_threadpool(describe_code, s.kb, text, on=date))


@router.get("/codes/{code}/children", response_model=models.Browse, responses=responses(400, 404, 422),
            summary="Browse: the nodes one step beneath a chapter, block, category or code")
async def children(s: ServedDep, code: Annotated[str, Path(description="chapter number (13), block "
                                                           "(M50-M54), category or code")]
                   ) -> JSONResponse:
    """The node (chapter number, block range, category or code) and its children in tabular
    order, each with its title, kind and billable flag: walk chapters → blocks → categories → codes."""
    return _json(await answer(s, _node_and_children, s.kb, code_text(code)))


def _node_and_children(kb: KnowledgeBase, code: str) -> dict[str, Any]:
    node = kb.get(code)
    return {"code": node.code, "title": node.title, "kind": node.kind, "release": kb.release,
            "children": [_brief(c) for c in kb.children(node.key)]}


@router.get("/chapters", response_model=models.ChaptersAnswer, responses=responses(400, 404, 422),
            summary="Browse: the chapters of the classification")
async def chapters(s: ServedDep) -> JSONResponse:
    """The 22 chapters in tabular order (browse from here with ``/api/chapters/{number}``)."""
    kb = s.kb
    return _json({"release": kb.release, "chapters": await answer(s, _chapters, kb)})


def _chapters(kb: KnowledgeBase) -> list[dict[str, Any]]:
    return [_brief(c) for c in kb.chapters()]


@router.get("/chapters/{number}", response_model=models.Browse, responses=responses(400, 404, 422),
            summary="Browse: one chapter and its blocks")
async def chapter(s: ServedDep, number: Annotated[str, Path(description="chapter number, 1-22")]
                  ) -> JSONResponse:
    """A chapter and its blocks; each block's categories are at ``/api/codes/{block}/children``."""
    return _json(await answer(s, _chapter, s.kb, number.strip()))


def _chapter(kb: KnowledgeBase, text: str) -> dict[str, Any]:
    if not text.isdigit() or len(text) > 2 or not any(c.code == str(int(text)) for c in kb.chapters()):
        raise UnknownCode(f"no chapter {text[:8]!r}: chapters are numbered 1-22", code=text[:8])
    return _node_and_children(kb, str(int(text)))


def _brief(c: Any) -> dict[str, Any]:
    return {"code": c.code, "title": c.title, "billable": c.billable, "kind": c.kind}


Q = Annotated[str, Query(description=f"what to look for, at most {MAX_QUERY} characters",
                         examples=["neck pain"])]
Limit = Annotated[int, Query(description=f"results wanted, 1-{MAX_LIMIT} (else 400)")]


@router.get("/search", response_model=models.SearchAnswer, responses=responses(400, 404, 422),
            summary="Search the Index, the Tables, titles and inclusion terms")
async def search(s: ServedDep, q: Q, limit: Limit = 10, billable_only: bool = False) -> JSONResponse:
    """Codes for a query, best first, each with the index path, table row, title or inclusion
    term that matched; typo-tolerant and abbreviation-aware."""
    kb = s.kb
    found = await in_lane(kb.search, query_text(q), limit=limit, billable_only=billable_only)
    return _json({"query": q, "release": kb.release, "results": [r.to_json() for r in found]})


@router.get("/autocomplete", response_model=models.SearchAnswer, responses=responses(400, 404, 422),
            summary="Search as you type (the last word is a prefix)")
async def autocomplete(s: ServedDep, q: Q, limit: Limit = 10) -> JSONResponse:
    """Search with the last word taken as the beginning of a word (``neck pa`` finds neck pain),
    for a search box's suggestions."""
    kb = s.kb
    found = await in_lane(kb.autocomplete, query_text(q), limit=limit)
    return _json({"query": q, "release": kb.release, "results": [r.to_json() for r in found]})


@router.get("/index", response_model=models.IndexAnswer, responses=responses(400, 404, 422),
            summary="A term's subtree in the Alphabetic (or External Cause) Index")
def index(s: ServedDep,
          term: Annotated[str, Query(description="a main term, or a path 'Pain, neck'",
                                     examples=["Pain, neck"])],
          external: Annotated[bool, Query(description="the External Cause Index")] = False,
          depth: Annotated[int, Query(description="levels of subterms shown, 0-9 (else 400)")] = 9
          ) -> JSONResponse:
    """The Alphabetic Index (or, with ``external``, the External Cause Index) entry a term or
    path names, with its subterms, codes, nonessential modifiers and see / see also references."""
    if not 0 <= depth <= 9:
        raise InvalidInput(f"depth must be between 0 and 9, got {depth}")
    return _json(index_tree(s.kb, term_text(term), book="eindex" if external else "index", depth=depth))


@router.get("/drug", response_model=models.TableAnswer, responses=responses(400, 404, 422),
            summary="Rows of the Table of Drugs and Chemicals")
def drug(s: ServedDep,
         substance: Annotated[str, Query(examples=["acetaminophen"])],
         intent: Annotated[str | None, Query(description="column: " + ", ".join(TABLE_COLUMNS["drug"]))]
         = None) -> JSONResponse:
    """The Table of Drugs and Chemicals rows for a substance: each column's code, and with
    ``intent`` that column's code and what it still needs (a 7th character)."""
    return _json(table_rows(s.kb, "drug", term_text(substance, "substance"), intent))


@router.get("/neoplasm", response_model=models.TableAnswer, responses=responses(400, 404, 422),
            summary="Rows of the Neoplasm Table")
def neoplasm(s: ServedDep,
             site: Annotated[str, Query(examples=["lung"])],
             behavior: Annotated[str | None, Query(description="column: "
                                                   + ", ".join(TABLE_COLUMNS["neoplasm"]))] = None
             ) -> JSONResponse:
    """The Neoplasm Table rows for a site: each behavior column's code, and with ``behavior``
    that column's code and what it still needs."""
    return _json(table_rows(s.kb, "neoplasm", term_text(site, "site"), behavior))


CheckBody = Annotated[models.EncounterIn | list[models.EncounterIn], Body(
    description=f"one encounter, or a list of at most {MAX_ENCOUNTERS}",
    examples=[{"codes": ["M54.2", "M50.20"], "age": 54, "sex": "F", "date": "2026-05-01"}])]


@router.post("/check", response_model=models.ReportOut | list[models.ReportOut],
             responses=responses(400, 404, 422), summary="Check encounters against every rule")
def check(s: ServedDep, body: CheckBody) -> JSONResponse:
    """Findings for one encounter (or each of a list), each citing the note, table or
    convention it comes from — the same JSON as ``icdkit check --json``."""
    many = isinstance(body, list)
    items = body if isinstance(body, list) else [body]
    if len(items) > MAX_ENCOUNTERS:
        return error_response(413, f"too many encounters ({len(items)}): at most {MAX_ENCOUNTERS} "
                              "per request")
    encounters = []
    for e in items:
        codes = e.codes.replace(",", " ").split() if isinstance(e.codes, str) else e.codes
        encounters.append(encounter([code_text(c) for c in codes],
                                    age=e.age, sex=e.sex, date=e.date, setting=e.setting))
    with s.check_lock:
        reports = [s.checker.check_encounter(enc).to_dict() for enc in encounters]
    return _json(reports if many else reports[0])
