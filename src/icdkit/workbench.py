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
from pathlib import Path

from icdkit import kb as facts
from icdkit.guide import Guide
from icdkit.guide import guide as make_guide
from icdkit.rules.speedups import stages as rule_stages
from icdkit.search.engine import Result, Searcher
from icdkit.store import Stage


class KnowledgeBase(facts.KnowledgeBase):
    """One compiled release: its facts (see :mod:`icdkit.kb`) and search over them."""

    _searcher: Searcher | None = None

    @classmethod
    def open(cls, release: str | None = None, *, cache_dir: str | Path | None = None,
             build: bool = True, stages: tuple[Stage, ...] | None = None) -> KnowledgeBase:
        """Open *release* (default: the newest), building it first if it is missing or stale,
        with the tables the layers above the facts compile at build (the rules' tables:
        :func:`icdkit.rules.speedups.stages`) unless *stages* says otherwise."""
        got = super().open(release, cache_dir=cache_dir, build=build,
                           stages=rule_stages() if stages is None else stages)
        assert isinstance(got, KnowledgeBase)
        return got

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
