"""The HTTP adapter: REST JSON, FHIR terminology and HTML pages over the knowledge bases.

``create_app(kb)`` serves *kb*'s release, and any other built release on request
(``?release=``). Each part of the API is a router in its own module, joined here with one
``include_router`` line; a router reads the release a request asks for through the
:func:`icdkit.api.rest.release_kb` dependency (``kb: KbDep``).

Around everything: one error shape (:mod:`icdkit.api.errors`), request limits, a time budget
per request and security headers (:mod:`icdkit.api.limits`); ``/docs`` works offline.
"""

from __future__ import annotations

from fastapi import FastAPI, Request

from icdkit import __version__
from icdkit.api import docs, errors, fhir, guide_routes, models, note_routes, rest, web
from icdkit.api.limits import Guard
from icdkit.api.releases import Releases, warm
from icdkit.api.responses import JSONResponse
from icdkit.notes.coder import warm as notes_warm
from icdkit.workbench import KnowledgeBase


def create_app(kb: KnowledgeBase, *, freeze_gc: bool = False) -> FastAPI:
    """A FastAPI app answering from *kb* (preloaded here: a server answers many lookups).

    *freeze_gc* is for the program's owner (``icdkit serve``): the tables of the releases read
    later, in the background, leave the collector's scans too (see ``KnowledgeBase.preload``)."""
    warmers = (notes_warm, fhir.concepts)  # the note coder's tables: the first note's 2.5 s
    warm(kb, warmers)
    app = FastAPI(title="icdkit", version=__version__, docs_url=None, redoc_url=None,
                  default_response_class=JSONResponse,
                  description=f"ICD-10-CM {kb.label} (and every other built release, `?release=`), "
                              "offline and traceable to the official files. Every error answers "
                              '`{"error": {"type", "message", "suggestions"}}`.')
    app.state.releases = Releases(kb, warmers, freeze_gc=freeze_gc)
    errors.install(app)

    app.include_router(rest.router)
    app.include_router(note_routes.router)  # POST /api/code: a clinical note in, codes out
    app.include_router(note_routes.pages)  # /notes: the note coder's page
    app.include_router(fhir.router)
    app.include_router(guide_routes.router)  # /codes/{code} (the code page) and its JSON
    web.install(app)  # the pages, /static, and error pages for browsers
    docs.install(app)

    @app.get("/health", response_model=models.Health, responses=errors.responses(), tags=["api"],
             summary="Liveness: the release served and the icdkit version")
    async def health(request: Request) -> JSONResponse:
        """Answers while the server is up: the default release and the icdkit version."""
        served = rest.releases_of(request).get(None)
        return JSONResponse({"status": "ok", "release": served.release, "label": served.label,
                             "version": __version__})

    app.add_middleware(Guard)  # last added = outermost: its headers and limits cover everything
    return app
