"""``/docs``: the interactive OpenAPI documentation, served offline.

Swagger UI's files come from the ``swagger-ui-bundle-v2`` package and are served by icdkit
under ``/docs/assets``; the page's start-up script is a file too (the Content-Security-Policy
allows no inline script and no other origin), so the docs work with no network at all.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

ASSETS = Path(str(swagger_ui_path))

_PAGE = """<!doctype html><html lang=en><head><meta charset=utf-8><title>{title} — API docs</title>
<meta name=viewport content="width=device-width,initial-scale=1">
<link rel=stylesheet href="/docs/assets/swagger-ui.css"></head>
<body><div id=swagger-ui></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>"""

_INIT = """window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui",
  deepLinking: true, presets: [SwaggerUIBundle.presets.apis], layout: "BaseLayout"});
"""


def install(app: FastAPI) -> None:
    """Serve ``/docs`` (Swagger UI) from local files; FastAPI's CDN-based pages are off."""
    app.mount("/docs/assets", StaticFiles(directory=ASSETS), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(_PAGE.format(title=app.title))

    @app.get("/docs/init.js", include_in_schema=False)
    async def init() -> PlainTextResponse:
        return PlainTextResponse(_INIT, media_type="text/javascript")
