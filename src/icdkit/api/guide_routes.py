"""The code guide over HTTP: ``GET /api/codes/{code}/guide`` (JSON) and the page ``/codes/{code}``
(HTML, the seed page), both from :func:`icdkit.guide.guide`; and :func:`render_page`, which the
static export (``icdkit export-site``) uses too.

The page is a Jinja2 template (``templates/code.html`` on ``templates/base.html``): no external
request, readable on a phone, every code on it a link.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from jinja2 import Environment
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict

from icdkit.api import templating, web
from icdkit.api.errors import responses
from icdkit.api.rest import KbDep
from icdkit.errors import IcdkitError, UnknownCode
from icdkit.guide import Guide, guide
from icdkit.guide.sources import KIND_LABELS
from icdkit.lookup import describe_code
from icdkit.search.navigate import entries_for
from icdkit.workbench import KnowledgeBase

_CODE = re.compile(
    r"(?<![A-Za-z0-9])([A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?(?:-[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?)?"
    r"(?:\.?-)?)(?![A-Za-z0-9])"
)


def environment() -> Environment:
    """The site's template environment (one for every page: :mod:`icdkit.api.templating`)."""
    return templating.environment()


class GuideOut(BaseModel):
    """The ``icdkit guide --json`` contract."""

    model_config = ConfigDict(extra="allow")

    code: str
    title: str
    release: str
    summary: str
    documentation: list[dict[str, Any]]
    pitfalls: list[dict[str, Any]]
    confusable: list[dict[str, Any]]
    related: list[dict[str, Any]]
    faq: list[dict[str, Any]]
    sources: list[dict[str, Any]]


def server_link(code: str) -> str:
    return f"/codes/{code}"


def render_page(
    kb: KnowledgeBase,
    g: Guide,
    *,
    link: Callable[[str], str] = server_link,
    json_url: str | None = None,
    home_url: str = "/",
    search_url: str = "/search",
    on_date: dict[str, Any] | None = None,
) -> str:
    """The seed page of guide *g* as HTML; *link* makes the address of another code's page."""
    known = {g.code, *g.codes(), *(c["code"] for c in (*g.siblings, *g.children))}
    ancestors = [a for a in reversed(kb.ancestors(g.code))]
    known.update(a.code for a in ancestors)

    def anchor(m: re.Match[str]) -> str:
        code = m.group(1)
        target = code.rstrip("-").rstrip(".")
        if code not in known and target not in known and kb.find(target) is None:
            return code  # prose that looks like a code ("vitamin B12"), not one of this release
        if "-" in target and kb.find(target) is None:  # a range of a note, not a block: no page
            return code
        return f'<a href="{html.escape(link(target))}">{code}</a>'

    def linkify(text: str) -> Markup:
        """The text, escaped, with each code the page knows made a link (codes need no escaping)."""
        return Markup(_CODE.sub(anchor, html.escape(text, quote=False)))

    notes: dict[str, list[Any]] = {}
    for n in kb.effective_notes(g.code):
        notes.setdefault(n.key, []).append(n)
        known.add(n.source)
    entries = entries_for(kb, g.code) if kb.get(g.code).kind not in ("chapter", "block") else []
    return (
        environment()
        .get_template("code.html")
        .render(
            g=g.to_json(),
            ancestors=ancestors,
            notes=notes,
            entries=entries,
            cites=_cites,
            on_date=on_date,
            link=link,
            linkify=linkify,
            release=g.release,
            kind_label=lambda k: KIND_LABELS.get(k, k),
            json_url=json_url or f"/api/codes/{g.code}/guide",
            home_url=home_url,
            search_url=search_url,
        )
    )


def _cites(ids: list[str]) -> Markup:
    """Source numbers after a statement, each a link to its entry in the Sources list."""
    inner = ", ".join(f'<a href="#{i}">{i[1:]}</a>' for i in ids)
    return Markup(f'<span class="src">[{inner}]</span>')


def add_routes(r: FastAPI, kb: KnowledgeBase) -> None:
    """Add the guide's routes over *kb* to app *r* (registered on the app itself, so its
    route list names every path); errors are the site's error pages (web.error_page)."""

    @r.get("/api/codes/{code}/guide", response_model=GuideOut, responses=responses(400, 404, 422),
           tags=["api"], summary="The code guide: the seed page of a code as JSON",
           description="Summary, facts, documentation tips, pitfalls, confusable and related codes, "
                       "FAQ, context, siblings, children, history and elements of a code or header, "
                       "every statement citing its sources (`icdkit guide --json`).")
    def guide_json(served: KbDep, code: str, date: str | None = None) -> dict[str, Any]:
        return guide(served, code, on=date).to_json()

    @r.get("/codes/{code}", response_class=HTMLResponse, include_in_schema=False)
    def code_page(code: str, date: str | None = None) -> HTMLResponse:
        try:
            g = guide(kb, code, on=date)
        except UnknownCode as exc:  # a code of another release (deleted): its lookup record
            try:
                return web.code_page(kb, code, date)  # validity, replacements, nearest ancestor
            except IcdkitError:
                return web.error_page(kb, exc)
        except IcdkitError as exc:
            return web.error_page(kb, exc)
        on_date = describe_code(kb, code, on=date).get("on_date") if date else None
        return HTMLResponse(render_page(kb, g, on_date=on_date))
