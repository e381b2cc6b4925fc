"""The web pages' templates (Jinja2, in ``api/templates``) and the helpers they share.

Every page extends ``base.html`` (header with the search box and a way home, the site nav,
a footer naming the release); assets are files under ``api/static`` served by icdkit itself,
so a page makes no request to any other origin (the Content-Security-Policy forbids it).

>>> code_href("M54.03"), code_href("M50.-"), code_href("S00-T88")
('/codes/M54.03', '/codes/M50', '/browse/S00-T88')
>>> str(linkify("lupus panniculitis (L93.2)", ["L93.2"]))
'lupus panniculitis (<a href="/codes/L93.2">L93.2</a>)'
>>> str(linkify("perinatal (P04-P96), psoriasis (L40.5-)", ["P04-P96", "L40.5-"])).count("<a ")
2
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

#: The site navigation (href, label).
NAV: list[tuple[str, str]] = [
    ("/", "Home"),
    ("/browse", "Browse"),
    ("/index", "Index"),
    ("/drug", "Drug Table"),
    ("/neoplasm", "Neoplasm Table"),
    ("/check", "Checker"),
    ("/notes", "Note coder"),
]

_RANGE = re.compile(r"[A-Z][0-9][0-9A-Z]-[A-Z][0-9][0-9A-Z]")
#: A code, a dashed code (``M50.-``, ``L40.5-``) or a range (``S00-T88``) inside prose.
_CODE_IN_TEXT = re.compile(
    r"(?<![A-Za-z0-9])([A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?(?:-[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?)?"
    r"(?:\.?-)?)(?![A-Za-z0-9])"
)


def code_href(ref: str) -> str:
    """The page of a code (``M54.03``, ``M50.-``), or the browse page of a range (``S00-T88``)."""
    text = ref.strip().split()[0] if ref.strip() else ref
    if _RANGE.fullmatch(text):
        return "/browse/" + quote(text)
    return "/codes/" + quote(text.rstrip("-").rstrip("."))


def href(path: str, **params: object) -> str:
    """*path* with its query string (parameters that are None or empty are left out)."""
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return path + ("?" + urlencode(kept) if kept else "")


def linkify(text: str, refs: Iterable[str] = (), *, link: Callable[[str], str] = code_href,
            known: Callable[[str], bool] | None = None) -> Markup:
    """*text*, escaped, with each code reference in it made a link (the one linkifier of the site).

    A token that looks like a code is linked when it is one of *refs* (the references the
    knowledge base parsed from a note: ``L93.2``, ``M50.-``, ``S00-T88``) or when *known* says
    it is a code of the release; so prose such as "vitamin B12" stays text. *link* makes the
    address of a reference (the server's routes by default; the static export links to files).
    """
    wanted = {r.split()[0] for r in refs if r.strip()}
    out: list[str] = []
    at = 0
    for m in _CODE_IN_TEXT.finditer(text) if wanted or known else ():
        token = m.group(1)
        if token not in wanted and not (known is not None and known(token)):
            continue
        out.append(str(escape(text[at:m.start()])))
        out.append(f'<a href="{escape(link(token))}">{escape(token)}</a>')
        at = m.end()
    out.append(str(escape(text[at:])))
    return Markup("".join(out))


def term_of(path: str) -> str:
    """An Index path as shown (``Pain › neck``) as a term to look up (``Pain, neck``)."""
    return ", ".join(path.split(" › "))


_BOOK_PAGES = {"index": ("/index", "term"), "eindex": ("/index", "term"),
               "drug": ("/drug", "substance"), "neoplasm": ("/neoplasm", "site")}


def entry_href(entry: dict[str, Any]) -> str:
    """The Index or Table page of an entry ``{"book", "path"}`` that leads to a code."""
    path, param = _BOOK_PAGES.get(str(entry.get("book")), ("/index", "term"))
    extra = {"external": "true"} if entry.get("book") == "eindex" else {}
    return href(path, **{param: term_of(str(entry.get("path", "")))}, **extra)


@cache
def environment() -> Environment:
    """The one template environment (built on first use, not at import)."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(nav=NAV, link=code_href, code_href=code_href, href=href, linkify=linkify,
                       entry_href=entry_href)
    return env


def render(name: str, **context: Any) -> str:
    """The HTML of template *name* with *context*."""
    return environment().get_template(name).render(**context)
