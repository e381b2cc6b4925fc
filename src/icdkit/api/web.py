"""The HTML pages' routes (home, search, code page); their markup is in :mod:`icdkit.api.pages`."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from icdkit.api import pages
from icdkit.api.errors import status_of
from icdkit.api.rest import KbDep, code_text
from icdkit.errors import IcdkitError
from icdkit.lookup import describe_code

router = APIRouter(include_in_schema=False)


@router.get("/codes/{code}", response_class=HTMLResponse)
async def code_page(kb: KbDep, code: str, date: str | None = None) -> HTMLResponse:
    try:
        d = describe_code(kb, code_text(code), on=date)
    except IcdkitError as exc:
        return HTMLResponse(pages.page("Not found", pages.error_html(exc)), status_code=status_of(exc))
    return HTMLResponse(pages.page(f"{d['code']} {d['title'] or '(title unknown)'}", pages.code_html(d)))


@router.get("/", response_class=HTMLResponse)
async def home(kb: KbDep) -> HTMLResponse:
    return HTMLResponse(pages.page(f"icdkit · {kb.label}", pages.home_html()))


@router.get("/search", response_class=HTMLResponse)
def search_page(kb: KbDep, q: str = "", billable_only: bool = False) -> HTMLResponse:
    try:
        results = kb.search(q, limit=25, billable_only=billable_only)
    except IcdkitError as exc:
        return HTMLResponse(pages.page("Search", pages.home_html(q) + pages.error_html(exc)),
                            status_code=status_of(exc))
    body = pages.home_html(q) + pages.results_html(q, [r.to_json() for r in results])
    return HTMLResponse(pages.page(f"{q} — icdkit search", body))


@router.get("/go", response_class=HTMLResponse)
async def go(kb: KbDep, code: str) -> HTMLResponse:
    return await code_page(kb, code.strip())


@router.get("/assets/site.css")
async def site_css() -> Response:
    return Response(pages.SITE_CSS, media_type="text/css", headers=_CACHED)


@router.get("/assets/search.js")
async def search_js() -> Response:
    return Response(pages.SEARCH_JS, media_type="text/javascript", headers=_CACHED)


_CACHED = {"cache-control": "public, max-age=3600"}
