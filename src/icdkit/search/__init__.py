"""Search the way coders do: the Alphabetic Index, the Drug and Neoplasm Tables, the External
Cause Index, titles and inclusion terms, with abbreviations, lay words and typos.

>>> from icdkit.search import search
>>> r = search("neck pain")[0]
>>> r.code, r.matched.via, r.matched.path
('M54.2', 'index', 'Pain › neck NEC')
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from icdkit.search.engine import Match, Result, Searcher

__all__ = ["Match", "Result", "autocomplete", "search"]


def search(query: str, *, limit: int = 10, release: str | None = None,
           billable_only: bool = False) -> list[Result]:
    """Codes for *query*, best first, each saying why it matched."""
    return _searcher(release).search(query, limit=limit, billable_only=billable_only)


def autocomplete(text: str, *, limit: int = 10, release: str | None = None) -> list[Result]:
    """Like :func:`search`, the last word taken as the beginning of a word."""
    return _searcher(release).search(text, limit=limit, prefix=True)


@cache
def _searcher(release: str | None) -> Searcher:
    """One searcher per release name asked for (a handful at most), over its knowledge base."""
    from icdkit.kb import KnowledgeBase
    from icdkit.search.engine import Searcher

    kb = KnowledgeBase.open(release)
    return Searcher(kb, kb.connection())


def __getattr__(name: str) -> Any:
    """``Match`` and ``Result`` load the engine (and numpy) only when asked for."""
    if name in ("Match", "Result"):
        from icdkit.search import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'icdkit.search' has no attribute {name!r}")
