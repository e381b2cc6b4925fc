"""The pair screen of many encounters at once: which cell of its governing screen each other
code of the claim falls in (govern.py), for every ordered pair of a chunk's codes, in numpy.

A batch row holds ~7 codes, so ~50 ordered pairs, nearly all of which no note relates. Bisecting
each in Python costs more than all the findings of the row; here the chunk's pairs are bisected
in one ``searchsorted`` over integers, and Python only sees the pairs that land in a live cell.

Integers stand for keys: a code's *rank* is its place among the release's keys in key order,
and a cut of a screen becomes the rank of the first key at or after it. A key and a cut compare
as their integers do, so bisecting ranks finds the same cell as bisecting keys. Every screen's
cuts sit in one sorted array, offset by its number (``gid * span + rank``), so one search
serves every pair of the chunk whatever governs its first code.

>>> from icdkit.refs import parse_refs
>>> from icdkit.models import Note
>>> from icdkit.rules.govern import Excludes, Governing
>>> from icdkit.rules.findings import Source
>>> n = Note("excludes1", "cervical disc disorders (M50.-)", "M54.2", "code", parse_refs("(M50.-)"))
>>> g = Governing(Excludes((n,), RefSet(n.refs), (Source("note", n.text),)), (), "M54.2")
>>> keys = ("M5020", "M542", "M5403")
>>> s = Screen(keys, {k: i for i, k in enumerate(keys)})
>>> a, b, cells = s.pairs([g, g], ["M542", "M5020"])
>>> a, b, [c.excludes for c in cells]
([0], [1], [(0,)])
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

from icdkit.refs import RefSet  # noqa: F401  (doctest)
from icdkit.rules.govern import UNGOVERNED, UNSET, Cell, Governing

G = TypeVar("G", np.int64, np.bool_)


class _Column(Generic[G]):
    """A growable numpy array (appends amortised by doubling)."""

    __slots__ = ("data", "size")

    def __init__(self, dtype: type[G]) -> None:
        self.data: npt.NDArray[G] = np.zeros(1024, dtype=dtype)
        self.size = 0

    def extend(self, values: Sequence[int]) -> None:
        end = self.size + len(values)
        if end > len(self.data):
            grown = np.zeros(max(end, 2 * len(self.data)), dtype=self.data.dtype)
            grown[:self.size] = self.data[:self.size]
            self.data = grown
        self.data[self.size:end] = values
        self.size = end

    def view(self) -> npt.NDArray[G]:
        return self.data[:self.size]


class Screen:
    """Every governing screen of one knowledge base, as integer arrays (see the module)."""

    def __init__(self, keys: Sequence[str], rank: dict[str, int]) -> None:
        self.keys = keys  # the release's keys, sorted (KnowledgeBase.code_keys)
        self.rank = rank  # key -> its place in keys (KnowledgeBase.code_ranks)
        self.span = len(keys) + 1  # ranks and cuts lie in 0 .. len(keys)
        self.govs: list[Governing] = []  # by number
        self._cuts = _Column(np.int64)  # gid * span + rank of each cut, per screen in turn
        self._start = _Column(np.int64)  # by gid: where its cuts start in _cuts
        self._base = _Column(np.int64)  # by gid: where its cells start in cells / _live
        self.cells: list[Cell | None] = []  # every screen's cells, in turn
        self._live = _Column(np.bool_)  # cells[i] is not None (UNSET counts as live)
        self._enter(UNGOVERNED)

    def _enter(self, gov: Governing) -> int:
        """Give *gov* its number and enter its cuts and cells (as far as worked out)."""
        gid = gov.gid = len(self.govs)
        self.govs.append(gov)
        offset = gid * self.span
        self._start.extend([self._cuts.size])
        self._cuts.extend([offset + bisect_left(self.keys, b) for b in gov.bounds])
        self._base.extend([len(self.cells)])
        self.cells.extend(gov.cells)
        self._live.extend([c is not None for c in gov.cells])
        return gid

    def _work_out(self, c: int, gid: int, j: int) -> Cell | None:
        """Cell *c* of the whole screen, cell *j* of screen *gid*: worked out and kept."""
        gov = self.govs[gid]
        got = gov.cells[j]  # worked out already by Governing.cell (one encounter's check)?
        if got is UNSET:
            got = gov.work_out(j)
        self.cells[c] = got
        if got is None:
            self._live.data[c] = False
        return got

    def pairs(self, govs: Sequence[Governing], keys: Sequence[str], rows: Sequence[int] | None = None
              ) -> tuple[list[int], list[int], list[Cell | None]]:
        """For codes given by their governing and key, grouped in rows (``rows``: each row's
        length, in turn; one row by default), every ordered pair (a, b) of two codes of one
        row where b lies in a live cell of a's screen, ordered by a then b: the indexes of the
        a's, of the b's, and the cells. A cell is None when it was found empty in this call
        (worked out for an earlier pair): skip those."""
        n = len(keys)
        if n < 2:
            return [], [], []
        lens = np.array([n] if rows is None else rows, dtype=np.int64)
        gids = [g.gid for g in govs]
        if min(gids) < 0:  # screens met for the first time
            gids = [g.gid if g.gid >= 0 else self._enter(g) for g in govs]
        gid = np.array(gids, dtype=np.int64)
        rank = np.fromiter(map(self.rank.__getitem__, keys), dtype=np.int64, count=n)
        per = np.repeat(lens, lens)  # each code: its row's length
        first = np.repeat(np.cumsum(lens) - lens, lens)  # each code: its row's first code
        a = np.repeat(np.arange(n), per)
        within = np.arange(len(a)) - np.repeat(np.cumsum(per) - per, per)
        b = first[a] + within
        ga = gid[a]
        where = np.searchsorted(self._cuts.view(), ga * self.span + rank[b], side="right")
        where -= self._start.data[ga]  # the cell's place within a's screen
        cell = self._base.data[ga] + where
        hit = np.flatnonzero(self._live.data[cell] & (a != b))
        ids = cell[hit].tolist()
        cells = self.cells
        found = [cells[c] for c in ids]
        if UNSET in found:  # cells met for the first time: work them out (or find them None)
            for k, (c, g, j) in enumerate(zip(ids, ga[hit].tolist(), where[hit].tolist(), strict=True)):
                if found[k] is UNSET:
                    found[k] = cells[c] if cells[c] is not UNSET else self._work_out(c, g, j)
        return a[hit].tolist(), b[hit].tolist(), found
