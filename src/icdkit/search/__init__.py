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
    from icdkit.kb import KnowledgeBase
    from icdkit.search.engine import Match, Result

__all__ = ["Match", "Result", "autocomplete", "search"]


def search(query: str, *, limit: int = 10, release: str | None = None,
           billable_only: bool = False) -> list[Result]:
    """Codes for *query*, best first, each saying why it matched."""
    return _open(release).search(query, limit=limit, billable_only=billable_only)


def autocomplete(text: str, *, limit: int = 10, release: str | None = None) -> list[Result]:
    """Like :func:`search`, the last word taken as the beginning of a word."""
    return _open(release).autocomplete(text, limit=limit)


@cache
def _open(release: str | None) -> KnowledgeBase:
    from icdkit.kb import KnowledgeBase

    return KnowledgeBase.open(release)


def __getattr__(name: str) -> Any:
    """``Match`` and ``Result`` load the engine (and numpy) only when asked for."""
    if name in ("Match", "Result"):
        from icdkit.search import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'icdkit.search' has no attribute {name!r}")
