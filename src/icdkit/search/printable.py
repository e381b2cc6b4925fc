"""Which search documents can lead to a result that prints a given word.

A result of the search (:class:`~icdkit.search.engine.Result`) shows the path of the document
it was reached through and the title of its code — the document's own code, or, for a header,
a code below it (the search descends to a billable code and completes a 7th character); a
Table row's result shows the row's path, the column's heading and the code in that column's
cell. So a result reached through a document can print a stem only if the document's path,
its Table's headings, or the title of its code or of a code below that code print it.
:meth:`Printable.docs` gives, per stem, every document for which that holds — a superset, read
from the postings (a document's words are its path's words), the tabular titles (each code's
title is a document of its own; a 7th-character code's title is its parent's and the
character's meaning) and the cross-references' words, never a document's words guessed.

The note coder asks it before a search whose result it could not keep: a mention's result must
print every main term of its words and most of them (:mod:`icdkit.notes.mentions`); when no
document can lead to a result printing them, the search is not run, and nothing is lost.

>>> from icdkit import KnowledgeBase
>>> kb = KnowledgeBase.open()
>>> p = Printable(kb.searcher())
>>> bool(p.docs(stem("pneumonia")).any()) and not p.docs("zzzz").any()
True
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any

import numpy as np

from icdkit import codes
from icdkit.memo import Memo
from icdkit.vocabulary import STOP, TABLE_HEADINGS, VIAS, stem, words

if TYPE_CHECKING:
    import numpy.typing as npt

    from icdkit.search.engine import Searcher

_BYTES = 32 << 20  # the documents of the stems asked (18 KB each), kept per searcher
STOP_STEMS = frozenset(stem(w) for w in STOP)  # a stop word's stem: printed by nearly every result


class Printable:
    """Documents by the stems their results can print (see the module); built on first use
    from the store of *searcher* (release data only), then each stem's documents kept."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self._ready = False
        self._lock = threading.Lock()
        self._memo: Memo[str, bytes] = Memo("search.printable", _BYTES)

    def _load(self) -> None:
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            con = self.searcher.con
            nodes = con.execute("SELECT code, parent_code, title, synthesized FROM nodes").fetchall()
            ids = {code: i for i, (code, _, _, _) in enumerate(nodes)}
            parent = np.array([ids.get(p, -1) if p else -1 for _, p, _, _ in nodes], dtype=np.int32)
            # a 7th-character code's title is its parent's and the character's meaning
            # (checked: tests/test_notes_speed.py): its code stands for its parent, its meaning's
            # stems for every such code
            seventh: set[str] = set()
            synthesized: list[int] = []
            own = np.arange(len(nodes), dtype=np.int32)
            for i, (_, _, title, synth) in enumerate(nodes):
                if synth:
                    synthesized.append(i)
                    up = nodes[parent[i]][2] if parent[i] >= 0 else ""
                    tail = title[len(up):] if up and title.startswith(up) else title
                    seventh |= {stem(w) for w in words(tail)}
                    at = int(parent[i])
                    while at >= 0 and nodes[at][3]:
                        at = int(parent[at])
                    own[i] = at
            docs = con.execute("SELECT id, code, via FROM search_docs ORDER BY id").fetchall()
            n = len(docs)
            via = np.array([VIAS.index(v) for _, _, v in docs], dtype=np.uint8)
            code_of = np.full(n, -1, dtype=np.int32)
            anything: list[int] = []  # a document whose code the tabular list lacks: may print any word
            for i, code, v in docs:
                if code:
                    c = ids.get(code, -1)
                    code_of[i] = own[c] if c >= 0 else -1
                    if code_of[i] < 0 and v != "eindex":
                        anything.append(i)
            titled = np.zeros(len(nodes), dtype=bool)
            title_docs = np.flatnonzero(via == VIAS.index("title"))
            titled[code_of[title_docs][code_of[title_docs] >= 0]] = True
            untitled: dict[str, list[int]] = {}  # codes no title document stands for: their title's stems
            for i, (_, _, title, synth) in enumerate(nodes):
                if not synth and not titled[i]:
                    for s in {stem(w) for w in words(title)}:
                        untitled.setdefault(s, []).append(i)
            cells: list[tuple[int, int]] = []  # (Table row, code of one of its cells)
            for i, raw in con.execute("SELECT d.id, t.cells FROM search_docs d JOIN index_terms t "
                                      "ON t.id = d.term WHERE d.via IN ('drug', 'neoplasm')"):
                for cell in json.loads(raw) if raw else ():
                    if cell:
                        c = ids.get(codes.without_dash(cell), -1)
                        if c >= 0 and own[c] >= 0:
                            cells.append((i, int(own[c])))
                        else:
                            anything.append(i)
            # words of a path that are not the document's own: a cross-reference's target, a
            # manifestation code, the Neoplasm Table's heading row
            extra: dict[str, set[int]] = {}
            for i, path in con.execute("SELECT id, path FROM search_docs WHERE via != 'eindex' AND "
                                       "(instr(path, ' → ') OR instr(path, '[') OR via = 'neoplasm')"):
                for s in {stem(w) for w in words(path)}:
                    extra.setdefault(s, set()).add(i)
            headings = {s: np.flatnonzero(via == VIAS.index(table)).astype(np.int32)
                        for table, names in TABLE_HEADINGS.items()
                        for s in {stem(w) for w in words(" ".join(names))}}
            self._parent = parent
            self._via = via
            self._code_of = code_of
            self._title_docs = title_docs.astype(np.int32)
            self._is_title = via == VIAS.index("title")
            self._eindex = via == VIAS.index("eindex")
            self._seventh = frozenset(seventh)
            self._synthesized = np.array(synthesized, dtype=np.int32)
            self._untitled = {s: np.array(v, dtype=np.int32) for s, v in untitled.items()}
            cell_rows = np.array(cells, dtype=np.int32).reshape(-1, 2)
            self._cell_doc, self._cell_code = cell_rows[:, 0].copy(), cell_rows[:, 1].copy()
            self._anything = np.array(sorted(set(anything)), dtype=np.int32)
            self._kept = ~self._eindex
            self._code_docs = _by_code(np.arange(n), code_of, len(nodes))
            self._cell_docs = _by_code(self._cell_doc, self._cell_code, len(nodes))
            self._extra = {s: np.array(sorted(v), dtype=np.int32) for s, v in extra.items()}
            self._headings = headings
            self._tables = {t: np.packbits(via == VIAS.index(t)) for t in TABLE_HEADINGS}
            self._none = np.packbits(self._mask("", None))
            self._every = np.full(len(self._none), 255, dtype=np.uint8)
            self._nothing = np.zeros(len(self._none), dtype=np.uint8)
            self._ready = True

    def prepare(self) -> None:
        """Build the tables now (a server's warm-up), not in the first note's request."""
        self._load()

    def docs(self, s: str) -> npt.NDArray[np.uint8]:
        """The documents (the External Cause Index's left out) whose result can print the stem
        *s*, as a bit set over the document ids (``np.packbits`` of a mask: 18 KB a stem)."""
        self._load()
        got = self._memo.get(s)
        if got is not None:
            return np.frombuffer(got, dtype=np.uint8)
        post = self.searcher.postings(s)
        if post is None and not self._printed(s):
            return self._none  # a word no document, title or cross-reference prints
        out = np.packbits(self._mask(s, post))
        self._memo[s] = out.tobytes()  # a stem of the release's own words (a query's others are not)
        return out

    def _printed(self, s: str) -> bool:
        """Is *s* printed somewhere other than in the postings (a cross-reference, a title with
        no document of its own, a 7th character's meaning, a Table's heading)?"""
        return s in self._untitled or s in self._seventh or s in self._extra or s in self._headings

    def table(self, name: str) -> npt.NDArray[np.uint8]:
        """The rows of the Table *name* ('drug', 'neoplasm'), as :meth:`docs` gives documents."""
        self._load()
        return self._tables[name]

    def every(self) -> npt.NDArray[np.uint8]:
        """Every document (as :meth:`docs` gives them; bits past the last document set too)."""
        self._load()
        return self._every

    def none(self) -> npt.NDArray[np.uint8]:
        """No document (as :meth:`docs` gives them)."""
        self._load()
        return self._nothing

    def _mask(self, s: str, post: tuple[float, Any, Any] | None) -> npt.NDArray[np.bool_]:
        mask = np.zeros(len(self._via), dtype=bool)
        mask[self._anything] = True
        starts: list[npt.NDArray[np.int32]] = []
        if post is not None:
            for ids in (post[1], post[2]):
                mask[ids] = True
                starts.append(self._code_of[ids[self._is_title[ids]]])
        if s in self._untitled:
            starts.append(self._untitled[s])
        if s in self._seventh:
            starts.append(self._synthesized)
        if s in self._extra:
            mask[self._extra[s]] = True
        if s in self._headings:
            mask[self._headings[s]] = True
        if starts:
            marked = np.zeros(len(self._parent) + 1, dtype=bool)  # the last: no code (-1)
            at = np.concatenate(starts)
            at = at[at >= 0]
            while len(at):  # the codes printing s, and every code above them
                at = at[~marked[at]]
                marked[at] = True
                at = self._parent[at]
                at = at[at >= 0]
            codes = np.flatnonzero(marked[:-1])
            mask[self._docs_of(self._code_docs, codes)] = True
            mask[self._docs_of(self._cell_docs, codes)] = True
        mask &= self._kept
        return mask

    @staticmethod
    def _docs_of(by_code: tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]],
                 codes: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
        """The documents of *codes* from (documents ordered by code, each code's first place)."""
        docs, start = by_code
        lens = start[codes + 1] - start[codes]
        total = int(lens.sum())
        if not total:
            return np.zeros(0, dtype=np.intp)
        first = np.repeat(start[codes] - (np.cumsum(lens) - lens), lens)
        return docs[first + np.arange(total)]


def _by_code(docs: npt.NDArray[Any], code_of: npt.NDArray[Any], codes: int
             ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """*docs* ordered by their code (those of none left out), and where each code's begin."""
    has = code_of >= 0
    order = np.argsort(code_of[has], kind="stable")
    ordered = code_of[has][order]
    start = np.searchsorted(ordered, np.arange(codes + 1)).astype(np.intp)
    return docs[has][order].astype(np.intp), start
