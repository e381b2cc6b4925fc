"""The HTTP adapter: JSON API and HTML code pages over one KnowledgeBase.

Every error has one JSON shape (:func:`icdkit.lookup.error_record`): 400 for malformed
input, 404 for an unknown code or release.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

from icdkit import __version__
from icdkit.api import guide_routes, pages
from icdkit.errors import IcdkitError, UnknownCode, UnknownRelease, UnknownTerm
from icdkit.lookup import describe_code, error_record
from icdkit.search.navigate import index_tree, table_rows
from icdkit.workbench import KnowledgeBase


def _status(exc: IcdkitError) -> int:
    return 404 if isinstance(exc, UnknownCode | UnknownRelease | UnknownTerm) else 400


def create_app(kb: KnowledgeBase) -> FastAPI:
    """A FastAPI app answering from *kb* (preloaded: a server answers many lookups)."""
    kb.preload()
    kb.searcher()
    app = FastAPI(title="icdkit", version=__version__,
                  description=f"ICD-10-CM {kb.label}, offline and traceable to the official files.")

    guide_routes.add_routes(app, kb, _status)  # the code guide: /codes/{code} and its JSON

    @app.exception_handler(IcdkitError)
    async def _error(request: Request, exc: IcdkitError) -> JSONResponse:
        return JSONResponse(error_record(exc), status_code=_status(exc))

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "release": kb.release, "label": kb.label, "version": __version__}

    @app.get("/api/releases")
    def releases() -> dict[str, Any]:
        return {"releases": [r.release for r in kb.releases()], "serving": kb.release}

    @app.get("/api/codes/{code}")
    def code_json(code: str, date: str | None = None) -> dict[str, Any]:
        return describe_code(kb, code, on=date)

    @app.get("/api/search")
    def search(q: str, limit: int = 10, billable_only: bool = False) -> dict[str, Any]:
        results = kb.search(q, limit=limit, billable_only=billable_only)
        return {"query": q, "release": kb.release, "results": [r.to_json() for r in results]}

    @app.get("/api/autocomplete")
    def autocomplete(q: str, limit: int = 10) -> dict[str, Any]:
        return {"query": q, "release": kb.release,
                "results": [r.to_json() for r in kb.autocomplete(q, limit=limit)]}

    @app.get("/api/index")
    def index(term: str, external: bool = False, depth: int = 9) -> dict[str, Any]:
        return index_tree(kb, term, book="eindex" if external else "index", depth=depth)

    @app.get("/api/drug")
    def drug(substance: str, intent: str | None = None) -> dict[str, Any]:
        return table_rows(kb, "drug", substance, intent)

    @app.get("/api/neoplasm")
    def neoplasm(site: str, behavior: str | None = None) -> dict[str, Any]:
        return table_rows(kb, "neoplasm", site, behavior)

    @app.get("/codes/{code}", response_class=HTMLResponse)
    def code_page(code: str, date: str | None = None) -> HTMLResponse:
        try:
            d = describe_code(kb, code, on=date)
        except IcdkitError as exc:
            return HTMLResponse(pages.page("Not found", pages.error_html(exc)), status_code=_status(exc))
        return HTMLResponse(pages.page(f"{d['code']} {d['title'] or '(title unknown)'}", pages.code_html(d)))

    @app.get("/", response_class=HTMLResponse)
    def home() -> HTMLResponse:
        return HTMLResponse(pages.page(f"icdkit · {kb.label}", pages.home_html()))

    @app.get("/search", response_class=HTMLResponse)
    def search_page(q: str = "", billable_only: bool = False) -> HTMLResponse:
        try:
            results = kb.search(q, limit=25, billable_only=billable_only)
        except IcdkitError as exc:
            return HTMLResponse(pages.page("Search", pages.home_html(q) + pages.error_html(exc)),
                                status_code=_status(exc))
        body = pages.home_html(q) + pages.results_html(q, [r.to_json() for r in results])
        return HTMLResponse(pages.page(f"{q} — icdkit search", body))

    @app.get("/go", response_class=HTMLResponse)
    def go(code: str) -> HTMLResponse:
        return code_page(code.strip())

    return app
