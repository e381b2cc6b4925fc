"""The code guide over HTTP: ``GET /api/codes/{code}/guide`` (JSON) and the page ``/codes/{code}``
(HTML, the seed page), both from :func:`icdkit.guide.guide`; and :func:`render_page`, which the
static export (``icdkit export-site``) uses too.

The page is a Jinja2 template (``templates/code.html`` on ``templates/base.html``): no external
request, readable on a phone, every code on it a link.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import APIRouter
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


def render_page(
    kb: KnowledgeBase,
    g: Guide,
    *,
    link: Callable[[str], str] = templating.code_href,
    json_url: str | None = None,
    home_url: str = "/",
    search_url: str = "/search",
    on_date: dict[str, Any] | None = None,
) -> str:
    """The seed page of guide *g* as HTML; *link* makes the address of another code's page
    (the server's route by default; the static export passes a file name)."""
    known = {g.code, *g.codes(), *(c["code"] for c in (*g.siblings, *g.children))}
    ancestors = [a for a in reversed(kb.ancestors(g.code))]
    known.update(a.code for a in ancestors)

    def is_code(token: str) -> bool:
        """A code of this release (prose such as "vitamin B12" is not); a range only when it is
        a block (a note's range such as E00-E88 has no page of its own)."""
        target = token.rstrip("-").rstrip(".")
        if "-" not in target and (token in known or target in known):
            return True
        try:
            return kb.find(target) is not None
        except IcdkitError:
            return False

    def linkify(text: str, refs: Iterable[str] = ()) -> Markup:
        return templating.linkify(text, refs, link=link, known=is_code)

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


router = APIRouter()


@router.get("/api/codes/{code}/guide", response_model=GuideOut, responses=responses(400, 404, 422),
            tags=["api"], summary="The code guide: the seed page of a code as JSON",
            description="Summary, facts, documentation tips, pitfalls, confusable and related codes, "
                        "FAQ, context, siblings, children, history and elements of a code or header, "
                        "every statement citing its sources (`icdkit guide --json`).")
def guide_json(kb: KbDep, code: str, date: str | None = None) -> dict[str, Any]:
    return guide(kb, code, on=date).to_json()


@router.get("/codes/{code}", response_class=HTMLResponse, include_in_schema=False)
def code_page(kb: KbDep, code: str, date: str | None = None) -> HTMLResponse:
    """The code page: the guide of a code of this release; a code this release lacks (deleted
    or not yet added) gets its lookup record (validity, replacements, nearest ancestor)."""
    try:
        g = guide(kb, code, on=date)
    except UnknownCode as exc:
        try:
            return web.code_page(kb, code, date)
        except IcdkitError:
            return web.error_page(kb, exc)
    except IcdkitError as exc:
        return web.error_page(kb, exc)
    on_date = describe_code(kb, code, on=date).get("on_date") if date else None
    return HTMLResponse(render_page(kb, g, on_date=on_date))
