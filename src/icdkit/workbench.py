"""The public :class:`KnowledgeBase`: the facts of one release with every capability on top.

:class:`icdkit.kb.KnowledgeBase` holds the facts (codes, hierarchy, notes, validity, edits)
and knows nothing of the layers built on it. This subclass, which ``from icdkit import
KnowledgeBase`` gives, adds the capabilities those layers provide — search through the Index
and Tables — so a user holds one object. It sits above every layer it calls; nothing below
imports it.

>>> kb = KnowledgeBase.open()
>>> r = kb.search("neck pain")[0]
>>> r.code, r.matched.path
('M54.2', 'Pain › neck NEC')
"""

from __future__ import annotations

import datetime as dt

from icdkit import kb as facts
from icdkit.guide import Guide
from icdkit.guide import guide as make_guide
from icdkit.search.engine import Result, Searcher


class KnowledgeBase(facts.KnowledgeBase):
    """One compiled release: its facts (see :mod:`icdkit.kb`) and search over them."""

    _searcher: Searcher | None = None

    def searcher(self) -> Searcher:
        """The search engine over this release's Index, Tables and titles (made on first use)."""
        if self._searcher is None:
            self._searcher = Searcher(self, self.connection())
        return self._searcher

    def search(self, query: str, *, limit: int = 10, billable_only: bool = False) -> list[Result]:
        """Codes for *query*, best first, each with the index path, title or term that matched."""
        return self.searcher().search(query, limit=limit, billable_only=billable_only)

    def autocomplete(self, text: str, *, limit: int = 10) -> list[Result]:
        """:meth:`search` with the last word taken as the beginning of a word."""
        return self.searcher().search(text, limit=limit, prefix=True)

    def guide(self, code: str, *, on: dt.date | str | None = None) -> Guide:
        """The code guide of *code* (see :mod:`icdkit.guide`): documentation tips, pitfalls,
        confusable and related codes, FAQ, every statement cited."""
        return make_guide(self, code, on=on)
