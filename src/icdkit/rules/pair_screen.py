"""The pair screen of many encounters at once: which cell of its governing screen each other
code of the claim falls in (governing_notes.py), for every ordered pair of a chunk's codes, in numpy.

A batch row holds ~7 codes, so ~50 ordered pairs, nearly all of which no note relates. Bisecting
each in Python costs more than all the findings of the row; here the chunk's pairs are bisected
by a kernel over integers (kernels.pairs), and Python only sees the pairs that land in a live cell.

Integers stand for keys: a code's *rank* is its place among the release's keys in key order,
and a cut of a screen becomes the rank of the first key at or after it. A key and a cut compare
as their integers do, so bisecting ranks finds the same cell as bisecting keys. Every screen's
cuts sit in one sorted array, offset by its number (``gid * span + rank``), so one search
serves every pair of the chunk whatever governs its first code.

>>> from icdkit.refs import parse_refs
>>> from icdkit.models import Note
>>> from icdkit.rules.governing_notes import Excludes, Governing
>>> from icdkit.rules.findings import Source
>>> n = Note("excludes1", "cervical disc disorders (M50.-)", "M54.2", "code", parse_refs("(M50.-)"))
>>> g = Governing(Excludes((n,), RefSet(n.refs), (Source("note", n.text),)), (), "M54.2")
>>> s = Screen(("M5020", "M542", "M5403"))
>>> a, b, cells = s.live(np.array([s.gid(g)] * 2), np.array([1, 0]), np.array([2]))
>>> a.tolist(), b.tolist(), [s.cells[c].excludes for c in cells.tolist()]
([0], [1], [(0,)])
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from typing import Any, Generic, TypeVar, overload

import numpy as np
import numpy.typing as npt

from icdkit.refs import RefSet  # noqa: F401  (doctest)
from icdkit.rules import kernels
from icdkit.rules.governing_notes import UNGOVERNED, UNSET, Cell, Governing

G = TypeVar("G", np.int64, np.bool_)

#: a live cell of a restored screen: worked out in the process that saved it (what it means is
#: in the tables saved with it, rule_tables.py)
SAVED = Cell((), True, (), False)


class Column(Generic[G]):
    """A growable numpy array (appends amortised by growing a quarter at a time)."""

    __slots__ = ("data", "size")

    def __init__(self, dtype: type[G]) -> None:
        self.data: npt.NDArray[G] = np.zeros(1024, dtype=dtype)
        self.size = 0

    @classmethod
    def of(cls, values: npt.NDArray[Any], dtype: type[G]) -> Column[G]:
        """A column of *dtype* holding *values* (a copy: it grows)."""
        got = cls.__new__(cls)
        got.data = np.array(values, dtype=dtype)
        got.size = len(values)
        return got

    def extend(self, values: Sequence[int]) -> None:
        end = self.size + len(values)
        self._reserve(end)
        self.data[self.size:end] = values
        self.size = end

    def pad(self, n: int, value: int) -> None:
        """*n* more items, each *value*."""
        end = self.size + n
        self._reserve(end)
        self.data[self.size:end] = value
        self.size = end

    def _reserve(self, end: int) -> None:
        if end > len(self.data):
            # (by a quarter: a restored column of ~100,000 items grows by one code period at a time)
            grown = np.zeros(max(end, len(self.data) + len(self.data) // 4 + 1024), dtype=self.data.dtype)
            grown[:self.size] = self.data[:self.size]
            self.data = grown

    def view(self) -> npt.NDArray[G]:
        return self.data[:self.size]


class Keys(Sequence[str]):
    """A release's sorted keys saved as one fixed-width byte array (numpy ``S``; keys are ASCII
    and never hold NUL): a key becomes a str only when a bisection reads it, so a restored
    screen costs no str per key.

    >>> keys = Keys(np.array(["M5020", "M542"], dtype="S")); keys[1], bisect_left(keys, "M5403")
    ('M542', 1)
    """

    __slots__ = ("data",)

    def __init__(self, data: npt.NDArray[np.bytes_]) -> None:
        self.data = data

    def __len__(self) -> int:
        return len(self.data)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...
    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        if isinstance(i, slice):
            return Keys(self.data[i])
        return bytes(self.data[i]).decode()


class Screen:
    """Every governing screen of one knowledge base, as integer arrays (see the module)."""

    def __init__(self, keys: Sequence[str]) -> None:
        #: the release's keys, sorted (KnowledgeBase.code_keys; restored: the saved ``Keys``)
        self.keys = keys
        self.span = len(keys) + 1  # ranks and cuts lie in 0 .. len(keys)
        self.govs: list[Governing] = []  # by number
        self._gids: dict[Governing, int] = {}  # the number of each, as entered
        self._cuts = Column(np.int64)  # gid * span + rank of each cut, per screen in turn
        self._start = Column(np.int64)  # by gid: where its cuts start in _cuts
        self._base = Column(np.int64)  # by gid: where its cells start in cells / _live
        self.cells: list[Cell | None] = []  # every screen's cells, in turn
        self._live = Column(np.bool_)  # cells[i] is not None (UNSET counts as live)
        self._unset = Column(np.bool_)  # cells[i] is UNSET: not worked out yet
        self._enter(UNGOVERNED)

    def rank(self, key: str) -> int | None:
        """*key*'s place among the release's keys, or None when it is not one of them."""
        at = bisect_left(self.keys, key)
        return at if at < len(self.keys) and self.keys[at] == key else None

    def _enter(self, gov: Governing) -> int:
        """Give *gov* its number and enter its cuts and cells (as far as worked out)."""
        gid = self._gids[gov] = len(self.govs)
        self.govs.append(gov)
        offset = gid * self.span
        self._start.extend([self._cuts.size])
        self._cuts.extend([offset + bisect_left(self.keys, b) for b in gov.bounds])
        self._base.extend([len(self.cells)])
        self.cells.extend(gov.cells)
        self._live.extend([c is not None for c in gov.cells])
        self._unset.extend([c is UNSET for c in gov.cells])
        return gid

    def _work_out(self, c: int, gid: int, j: int) -> Cell | None:
        """Cell *c* of the whole screen, cell *j* of screen *gid*: worked out and kept."""
        gov = self.govs[gid]
        got = gov.cells[j]  # worked out already by Governing.cell (one encounter's check)?
        if got is UNSET:
            got = gov.work_out(j)
        self.cells[c] = got
        self._unset.data[c] = False
        if got is None:
            self._live.data[c] = False
        return got

    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        """Every screen's cuts and which of its cells are live, as arrays, to save (see
        :meth:`restore`); every cell is worked out first."""
        for gid, gov in enumerate(self.govs):
            base = int(self._base.data[gid])
            for j in range(len(gov.cells)):
                if self._unset.data[base + j]:
                    self._work_out(base + j, gid, j)
        return {"cuts": self._cuts.view(), "start": self._start.view(), "base": self._base.view(),
                "live": self._live.view(), "span": np.array(self.span)}

    @classmethod
    def restore(cls, keys: Sequence[str], arrays: dict[str, npt.NDArray[Any]]) -> Screen:
        """A screen saved by :meth:`arrays`, over the release's sorted *keys*. Its screens have no
        Governing here (their numbers stand for them) and its live cells are SAVED; screens
        entered later work as usual."""
        got = cls(keys)
        got.span = int(arrays["span"])
        got._cuts, got._start, got._base = (Column.of(arrays[k], np.int64) for k in ("cuts", "start", "base"))
        got._live = Column.of(arrays["live"], np.bool_)
        got._unset = Column.of(np.zeros(got._live.size, dtype=bool), np.bool_)
        got.govs = [UNGOVERNED] * got._start.size
        got._gids = {}
        got.cells = [SAVED if live else None for live in arrays["live"].tolist()]
        return got

    def base(self, gid: int) -> int:
        """Where the cells of screen *gid* start in :attr:`cells`."""
        return int(self._base.data[gid])

    def gid(self, gov: Governing) -> int:
        """*gov*'s number in this screen (entering it the first time)."""
        if not gov.bounds:
            return 0  # no cut, no live cell: as UNGOVERNED
        got = self._gids.get(gov)
        return self._enter(gov) if got is None else got

    def live(self, gid: npt.NDArray[np.int64], rank: npt.NDArray[np.int64], lens: npt.NDArray[np.int64]
             ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """For codes given by their screen's number (:meth:`gid`) and their key's rank, grouped
        in rows (*lens*: each row's length, in turn), every ordered pair (a, b) of two codes of
        one row where b lies in a live cell of a's screen, ordered by a then b: the indexes of
        the a's, of the b's, and the cells, by their index in :attr:`cells`, each worked out (a
        cell found empty in this call is dropped). Each pair is bisected in its screen's cuts
        by a kernel (kernels.pairs)."""
        found = np.frombuffer(kernels.pairs(gid, rank, lens, self._cuts.view(), self._start.view(),
                                            self._base.view(), self._live.view(), self.span), dtype=np.int64)
        a, b, cell = found[0::3], found[1::3], found[2::3]
        fresh = np.flatnonzero(self._unset.data[cell])
        if fresh.size:  # cells met for the first time: work them out (or find them None)
            for k in fresh.tolist():
                c = int(cell[k])
                if self._unset.data[c]:  # (a cell met twice in this call is worked out once)
                    g = int(gid[a[k]])
                    self._work_out(c, g, c - int(self._base.data[g]))
            keep = self._live.data[cell]
            a, b, cell = a[keep], b[keep], cell[keep]
        return a, b, cell
