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

import contextlib
import datetime as dt
import queue
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from icdkit import kb as facts
from icdkit.guide import Guide
from icdkit.guide import guide as make_guide
from icdkit.rules.speedups import stages as rule_stages
from icdkit.search.engine import Result, Searcher
from icdkit.store import Stage

#: Searches one knowledge base runs at once, each on a searcher of its own (its own read-only
#: connection and caches): threads do not queue behind one searcher, and memory stays bounded.
SEARCHERS = 2  # search is Python work: a thread beyond one per core adds caches, not speed
_GROW = threading.Lock()  # held only while a searcher is added to a pool


class KnowledgeBase(facts.KnowledgeBase):
    """One compiled release: its facts (see :mod:`icdkit.kb`) and search over them."""

    _searcher: Searcher | None = None
    _idle: queue.LifoQueue[Searcher] | None = None
    _searchers = 0

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

    @contextlib.contextmanager
    def _pooled(self) -> Iterator[Searcher]:
        """A searcher no other thread is using: an idle one (the most recently used, its caches
        warm), else a new one while there are fewer than :data:`SEARCHERS`, else the next freed."""
        idle = self._idle
        if idle is None:
            with _GROW:
                if self._idle is None:
                    self._idle = queue.LifoQueue()
                idle = self._idle
        try:
            got = idle.get_nowait()
        except queue.Empty:
            with _GROW:
                made = self._searchers
                self._searchers += made < SEARCHERS
            if made >= SEARCHERS:
                got = idle.get()
            elif made == 0:
                got = self.searcher()
            else:
                got = Searcher(self, sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True,
                                                     check_same_thread=False))
        try:
            yield got
        finally:
            idle.put(got)

    def close(self) -> None:
        """Close the store and the connections of the searchers made for concurrent searches."""
        while self._idle is not None and not self._idle.empty():
            searcher = self._idle.get_nowait()
            if searcher is not self._searcher:
                searcher.con.close()
        super().close()

    def search(self, query: str, *, limit: int = 10, billable_only: bool = False) -> list[Result]:
        """Codes for *query*, best first, each with the index path, title or term that matched
        (thread-safe; up to :data:`SEARCHERS` searches run at once)."""
        with self._pooled() as searcher:
            return searcher.search(query, limit=limit, billable_only=billable_only)

    def autocomplete(self, text: str, *, limit: int = 10) -> list[Result]:
        """:meth:`search` with the last word taken as the beginning of a word."""
        with self._pooled() as searcher:
            return searcher.search(text, limit=limit, prefix=True)

    def guide(self, code: str, *, on: dt.date | str | None = None) -> Guide:
        """The code guide of *code* (see :mod:`icdkit.guide`): documentation tips, pitfalls,
        confusable and related codes, FAQ, every statement cited."""
        return make_guide(self, code, on=on)
