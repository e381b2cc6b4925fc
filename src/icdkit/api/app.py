"""The HTTP adapter: JSON API and HTML code pages over one KnowledgeBase.

Every error has one JSON shape (:func:`icdkit.lookup.error_record`): 400 for malformed
input, 404 for an unknown code or release.
"""

from __future__ import annotations

import html
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

from icdkit import __version__
from icdkit.errors import IcdkitError, UnknownCode, UnknownRelease, UnknownTerm
from icdkit.kb import KnowledgeBase
from icdkit.lookup import describe_code, error_record
from icdkit.search.navigate import index_tree, table_rows


def _status(exc: IcdkitError) -> int:
    return 404 if isinstance(exc, UnknownCode | UnknownRelease | UnknownTerm) else 400


def create_app(kb: KnowledgeBase) -> FastAPI:
    """A FastAPI app answering from *kb* (preloaded: a server answers many lookups)."""
    kb.preload()
    kb.searcher()
    app = FastAPI(title="icdkit", version=__version__,
                  description=f"ICD-10-CM {kb.label}, offline and traceable to the official files.")

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
            return HTMLResponse(_page("Not found", _error_html(exc)), status_code=_status(exc))
        return HTMLResponse(_page(f"{d['code']} {d['title']}", _code_html(d)))

    @app.get("/", response_class=HTMLResponse)
    def home() -> HTMLResponse:
        form = ('<form action="/go"><label>Code <input name="code" autofocus '
                'placeholder="M54.03"></label> <button>Look up</button></form>')
        return HTMLResponse(_page(f"icdkit · {kb.label}", form))

    @app.get("/go", response_class=HTMLResponse)
    def go(code: str) -> HTMLResponse:
        return code_page(code.strip())

    return app


def _e(text: object) -> str:
    return html.escape(str(text))


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{_e(title)}</title>"
            "<meta name=viewport content='width=device-width,initial-scale=1'>"
            "<style>body{font:16px system-ui;max-width:60rem;margin:2rem auto;padding:0 1rem}"
            ".src{color:#666;font-size:.85em}.bill{color:#060}.hdr{color:#a60}</style></head>"
            f"<body><h1>{_e(title)}</h1>{body}</body></html>")


def _error_html(exc: IcdkitError) -> str:
    out = f"<p class=error>{_e(exc)}</p>"
    sugg = getattr(exc, "suggestions", ())
    if sugg:
        links = ", ".join(f'<a href="/codes/{_e(s)}">{_e(s)}</a>' for s in sugg)
        out += f"<p>Did you mean: {links}</p>"
    return out


def _code_html(d: dict[str, Any]) -> str:
    status = ('<span class=bill>Billable</span>' if d["billable"]
              else '<span class=hdr>Not billable (header)</span>')
    crumbs = " › ".join(f'<a href="/codes/{_e(a["code"])}">{_e(a["code"])}</a>'
                        for a in reversed(d["ancestors"]))
    parts = [f"<p id=status>{status} · {_e(d['release_label'])}</p>", f"<p id=hierarchy>{crumbs}</p>"]
    if d["children"]:
        items = "".join(f'<li><a href="/codes/{_e(c["code"])}">{_e(c["code"])}</a> {_e(c["title"])}</li>'
                        for c in d["children"])
        parts.append(f"<h2>Children</h2><ul id=children>{items}</ul>")
    for key, notes in d["notes"].items():
        if notes:
            items = "".join(f"<li>{_e(n['text'])} <span class=src>at {_e(n['source'])}</span></li>"
                            for n in notes)
            heading = _e(key.replace("_", " ").capitalize())
            parts.append(f"<h2>{heading}</h2><ul class=notes id={key}>{items}</ul>")
    if d["seventh_characters"]:
        items = "".join(f"<li><b>{_e(c)}</b> {_e(m)}</li>" for c, m in d["seventh_characters"].items())
        parts.append(f"<h2>7th characters</h2><ul>{items}</ul>")
    parts.append(f"<p class=src>Source: {_e(d['sources']['tabular'])}; billable per "
                 f"{_e(d['sources']['billable'])}.</p>")
    return "".join(parts)
