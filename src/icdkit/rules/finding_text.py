"""Finding templates as runs of text pieces, and tuples of templates as numbered groups: what
the columnar checker (columnar.py) gathers a chunk's result lines from.

A template (finding_templates.Template) is a finding's JSON text split at the display forms of its codes.
Here each text piece has a number, a template is the run of its pieces' numbers with holes
(HOLE_FIRST, HOLE_SECOND) where the codes go, each run led by the separator ", " (joined to its
first piece; ``t_lead`` holds that piece without, for a row's first finding); a *group* is
the templates one rule gives for one code or pair (none, one or several), by number. Every
structure is an array, so a chunk's findings are put together by a kernel (kernels.lines).

>>> from icdkit.rules.finding_templates import FIRST, Template
>>> from icdkit.rules.findings import Finding, Source
>>> groups = Groups(Pieces())
>>> g = groups.of((Template(Finding("hcc", "info", (FIRST,), f"{FIRST} maps", Source("table", "t"))),))
>>> run = groups.t_flat.view()[groups.t_start.data[groups.g_flat.data[g]]:][:6].tolist()
>>> groups.pieces.text[run[0]].startswith(', {"rule"') and HOLE_FIRST in run
True
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from icdkit.errors import IcdkitError
from icdkit.rules import kernels
from icdkit.rules.finding_templates import Template
from icdkit.rules.pair_screen import Column

Ints = npt.NDArray[np.int64]

EMPTY, SEP = 0, 1  # pieces: "", the ", " before each finding but a row's first
#: the text a hole's code is joined to (the first, none, is a bare hole): a finding's JSON has
#: each code followed by one of these in the list of codes and in the message, and joining them
#: to the code makes two pieces one
GLUES = ("", '", "', '"], "message": "', " and ")


def hole(second: bool, glue: int) -> int:
    """The number standing in a template's run for a code's display form (the first code's or
    the second's) followed by GLUES[glue]; runs hold pieces' numbers, holes are negative."""
    return -1 - (2 * glue + second)


HOLE_FIRST, HOLE_SECOND = hole(False, 0), hole(True, 0)
NONE = -1  # groups: no finding


#: pieces saved together (rule_tables.py): a claim's findings read a few blocks of the store
BLOCK = 512
#: blocks read one by one before the rest are read at once (a batch soon needs most of them)
BLOCKS_BY_ONE = 64


class Pieces:
    """Text pieces by number (ASCII: JSON as render.py writes it), and the same in one native
    arena (kernels.arena) for the columnar checker's lines. Restored pieces are read from the
    store a BLOCK at a time when first needed (:meth:`get`, :meth:`need`): one claim's check
    reads a few dozen of the ~250 blocks."""

    def __init__(self) -> None:
        self.text: list[str] = ["", ", "]
        self._number: dict[str, int] | None = {"": EMPTY, ", ": SEP}
        self._arena = kernels.arena()
        self.synced = 0  # text[:synced] is in the arena
        self.saved = 0  # text[:saved] were restored: each BLOCK read when first needed
        self._read: Callable[[list[int]], list[list[str]]] | None = None
        self._unread: set[int] = set()  # blocks of the saved pieces not read yet
        self._by_one = 0  # blocks read as needed so far

    @classmethod
    def restore(cls, count: int, read: Callable[[list[int]], list[list[str]]]) -> Pieces:
        """The *count* pieces saved in blocks (:meth:`blocks`), each block's texts given by
        *read* (block numbers -> their texts, in turn) when one of its pieces is first needed.
        Pieces numbered later are not told apart from saved ones of the same text (a batch of
        known codes never numbers one)."""
        got = cls()
        got.text = [""] * count  # ("": a piece not read yet; need() reads it before the arena copies it)
        got._number = {"": EMPTY, ", ": SEP}
        got.saved = count
        got._read = read
        got._unread = set(range(-(-count // BLOCK)))
        return got

    def blocks(self) -> list[list[str]]:
        """Every piece, in blocks of BLOCK (what :meth:`restore` reads back)."""
        self.need_all()
        return [self.text[k:k + BLOCK] for k in range(0, len(self.text), BLOCK)]

    @property
    def number(self) -> dict[str, int]:
        """Each kept piece's number, by its text."""
        if self._number is None:
            self._number = {t: i for i, t in enumerate(self.text)}
        return self._number

    def of(self, text: str) -> int:
        """The number of a kept piece."""
        number = self.number
        got = number.get(text)
        if got is None:
            got = number[text] = len(self.text)
            self.text.append(text)
        return got

    def add(self, text: str) -> int:
        """The number of a piece of this chunk only (see Groups.mark)."""
        self.text.append(text)
        return len(self.text) - 1

    @property
    def partial(self) -> bool:
        """Whether some saved pieces are not read yet."""
        return bool(self._unread)

    def get(self, number: int) -> str:
        """The text of piece *number* (its block read first if need be)."""
        if number < self.saved and number // BLOCK in self._unread:
            self._fetch([number // BLOCK])
        return self.text[number]

    def need(self, numbers: Ints) -> None:
        """Read the blocks holding pieces *numbers* not read yet (before the arena copies them)."""
        if self._unread:
            saved = numbers[numbers < self.saved]
            self._fetch([k for k in set((saved // BLOCK).tolist()) if k in self._unread])

    def need_all(self) -> None:
        """Read every block not read yet."""
        if self._unread:
            self._fetch(sorted(self._unread))

    def _fetch(self, blocks: list[int]) -> None:
        if not blocks:
            return
        self._by_one += len(blocks)
        if self._by_one > BLOCKS_BY_ONE:
            blocks = sorted(self._unread)  # a batch or a server: every one, in one read
        assert self._read is not None
        for k, texts in zip(blocks, self._read(blocks), strict=True):
            if len(texts) != min(BLOCK, self.saved - k * BLOCK):
                raise IcdkitError(f"the rule tables' text pieces are damaged (block {k}); rebuild the store")
            self.text[k * BLOCK:k * BLOCK + len(texts)] = texts
            self._unread.discard(k)
            self.synced = min(self.synced, k * BLOCK)  # the arena copies them again from there

    def native(self) -> object:
        """The pieces' arena, holding every piece (those not read yet as "": see :meth:`need`)."""
        kernels.arena_sync(self._arena, self.text, self.synced)
        self.synced = len(self.text)
        return self._arena


class Groups:
    """Finding templates as runs of pieces (with holes for the codes), and tuples of templates
    as groups, by number."""

    def __init__(self, pieces: Pieces) -> None:
        self.pieces = pieces
        self._tid: dict[Template, int] = {}
        self._gid: dict[tuple[Template, ...], int] = {(): NONE}
        self.t_start, self.t_len, self.t_rank = Column(np.int64), Column(np.int64), Column(np.int64)
        self.t_flat = Column(np.int64)
        self.t_lead = Column(np.int64)  # the first piece of the run, without the separator
        self.g_start, self.g_len, self.g_flat = Column(np.int64), Column(np.int64), Column(np.int64)

    def of(self, templates: tuple[Template, ...]) -> int:
        """The number of a group of templates (NONE when empty). Every template splits at its
        codes (finding_templates.Template.chunks) and a group may hold any number of them, so every finding
        a rule gives has its group: the evaluator hands no row back."""
        got = self._gid.get(templates)
        if got is None:
            got = self._group([self._template(t) for t in templates]) if templates else NONE
            self._gid[templates] = got
        return got

    COLUMNS = ("t_start", "t_len", "t_rank", "t_flat", "t_lead", "g_start", "g_len", "g_flat")

    def arrays(self) -> dict[str, Ints]:
        """The templates and groups as arrays, to save (see :meth:`restore`)."""
        return {name: getattr(self, name).view() for name in self.COLUMNS}

    @classmethod
    def restore(cls, pieces: Pieces, arrays: dict[str, Ints]) -> Groups:
        """Groups saved by :meth:`arrays`; templates met later are numbered after them."""
        got = cls(pieces)
        for name in cls.COLUMNS:
            setattr(got, name, Column.of(arrays[name], np.int64))
        return got

    def native(self) -> tuple[Ints, ...]:
        """The templates and groups as kernels.lines takes them, in COLUMNS' order (it checks
        every number against the sizes it is given)."""
        return tuple(self.arrays().values())

    def pieces_of(self, groups: Ints) -> Ints:
        """The numbers of the pieces of groups *groups*' templates (holes left out): what
        kernels.lines copies for records of those groups (Pieces.need reads them first)."""
        g = groups[groups != NONE]
        tid = self.g_flat.data[_spans(self.g_start.data[g], self.g_len.data[g])]
        piece = self.t_flat.data[_spans(self.t_start.data[tid], self.t_len.data[tid])]
        return np.concatenate((piece[piece >= 0], self.t_lead.data[tid]))

    def literal(self, text: str, rank: int) -> int:
        """A group of one finding, its JSON *text* made per record (not kept: see :meth:`mark`)."""
        add = self.pieces.add
        return self._group([self._run([add(f", {text}")], rank, add(text))])

    def mark(self) -> tuple[int, ...]:
        return (len(self.pieces.text), self.t_len.size, self.t_flat.size, self.g_len.size, self.g_flat.size)

    def reset(self, mark: tuple[int, ...]) -> None:
        """Forget the literals made since *mark* (kept groups and templates come before)."""
        n_pieces, self.t_len.size, self.t_flat.size, self.g_len.size, self.g_flat.size = mark
        self.t_start.size = self.t_rank.size = self.t_lead.size = self.t_len.size
        self.g_start.size = self.g_len.size
        del self.pieces.text[n_pieces:]  # pieces of the chunk (Pieces.add) are never numbered
        self.pieces.synced = min(self.pieces.synced, n_pieces)

    def _template(self, t: Template) -> int:
        got = self._tid.get(t)
        if got is None:
            run: list[int | str] = []
            for i, part in enumerate(t.chunks):
                if i:
                    run.append(HOLE_SECOND)
                for j, text in enumerate(part):
                    if j:
                        run.append(HOLE_FIRST)
                    if text:
                        run.append(text)
            run = _glue(run)
            of = self.pieces.of
            lead = run[0]  # the separator joins the first text (JSON of a finding starts with one)
            ids = [of(f", {lead}"), *run[1:]] if isinstance(lead, str) else [SEP, *run]
            got = self._run([of(x) if isinstance(x, str) else x for x in ids], t.rank,
                            of(lead) if isinstance(lead, str) else EMPTY)
            self._tid[t] = got
        return got

    def _run(self, run: list[int], rank: int, lead: int) -> int:
        """A template's run of pieces, led by the separator; *lead* is its first piece without."""
        tid = self.t_len.size
        self.t_lead.extend([lead])
        self.t_start.extend([self.t_flat.size])
        self.t_len.extend([len(run)])
        self.t_rank.extend([rank])
        self.t_flat.extend(run)
        return tid

    def _group(self, tids: list[int]) -> int:
        """A group of templates, by number (the kernels tell up to 2**32 of one group apart)."""
        gid = self.g_len.size
        self.g_start.extend([self.g_flat.size])
        self.g_len.extend([len(tids)])
        self.g_flat.extend(tids)
        return gid


def _spans(start: Ints, length: Ints) -> Ints:
    """The indexes start[i] .. start[i] + length[i] - 1 of every i, in turn."""
    total = int(length.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    return np.repeat(start - (np.cumsum(length) - length), length) + np.arange(total)


def _glue(run: list[int | str]) -> list[int | str]:
    """A template's run with each bare hole followed by a glue text made one hole."""
    got: list[int | str] = []
    for item in run:
        last = got[-1] if got else None
        bare = isinstance(last, int) and last in (HOLE_FIRST, HOLE_SECOND)
        if bare and isinstance(item, str) and item in GLUES:
            got[-1] = hole(last == HOLE_SECOND, GLUES.index(item))
        else:
            got.append(item)
    return got
