"""Turn the index, the tables and the tabular titles into search documents and postings.

One document is one way to reach a code:

* ``index`` / ``eindex``: a term of the Alphabetic or External Cause Index with its ancestors
  (``Pain › neck NEC`` → M54.2); a ``see`` reference leads to the code of the term it names
  (``Attack › heart`` → see ``Infarct, myocardium`` → I21.9);
* ``drug`` / ``neoplasm``: a row of a table; its code is the cell of the column the query asks
  for (intent of a poisoning, behavior of a neoplasm), chosen at query time;
* ``title`` / ``inclusion``: the tabular title of a code, or one of its inclusion terms.

A document's words are *required* (the term's own words: a document is penalised for those a
query lacks) or *optional* (nonessential modifiers, alternative forms after a comma, the words
either side of ``or``, and words like "unspecified" that titles hold and searchers omit).
Postings are stored per stem as two arrays of document ids (required, optional); per-document
arrays hold the weight of the required words and a small prior by source. Each document's
required stems, sorted, are also stored as its exact *phrase* (``search_phrases``: key → ids),
which the note coder's phrase matcher (:mod:`icdkit.search.phrases`) scans a note against.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from icdkit import codes
from icdkit.build.index import Term
from icdkit.build.xref import Resolver, Target
from icdkit.vocabulary import FREE, STOP, VIAS, fold, phrase_keys, same_word, stem, word_forms, words

# Prior by source: the Index is how coders reach a code; titles confirm it.
_PRIOR = {"index": 0.03, "eindex": 0.03, "drug": 0.03, "neoplasm": 0.03, "title": 0.0, "inclusion": -0.01}
_HYPHENATED = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)+")
_PREPOSITIONS = frozenset({"off", "out", "onto", "upon", "over", "under", "against", "through", "caused",
                           "via", "across", "down", "up", "within", "during", "following", "after"})
_LATERAL = frozenset({"left", "right", "bilateral", "unilateral"})


@dataclass(slots=True)
class Doc:
    code: str  # dotted; '' for table rows (the column decides)
    via: str
    term: int | None  # index_terms id
    path: str
    prior: float
    req: set[str] = field(default_factory=set)
    opt: set[str] = field(default_factory=set)
    groups: list[set[str]] = field(default_factory=list)  # one stem of each group is needed


@dataclass(slots=True)
class Words:
    """The words of a printed term: required, optional, and ``or`` groups (one of each needed)."""

    req: list[str] = field(default_factory=list)
    opt: list[str] = field(default_factory=list)
    groups: list[list[str]] = field(default_factory=list)

    def __add__(self, other: Words) -> Words:
        return Words(self.req + other.req, self.opt + other.opt, self.groups + other.groups)


@lru_cache(maxsize=200_000)
def split_words(title: str, nemod: str = "", *, main: bool = False, coded: bool = False,
                tabular: bool = False) -> Words:
    """Required and optional words of one printed term (shared: do not modify the result).

    A term's later comma parts are optional when they are forms of its first word
    (``Diabetes, diabetic``, ``femur, femoral``), and a main term's when it carries a code of its
    own (the default entry, as ``Fracture, traumatic``); otherwise they qualify it
    (``Fracture, pathological``). Later parts made of prepositions only are alternatives of the
    first (``from, off, out of``). Words
    either side of ``or`` form a group (one of them is needed). Titles' filler words
    (``unspecified``, ``other``, ``site``) are optional.

    >>> split_words("Diabetes, diabetic", "(mellitus) (sugar)", main=True)
    Words(req=['diabetes'], opt=['diabetic', 'mellitus', 'sugar'], groups=[])
    >>> split_words("Fracture, pathological", main=True).req
    ['fracture', 'pathological']
    >>> split_words("Malignant neoplasm of upper lobe, left bronchus or lung", tabular=True).groups
    [['bronchus', 'lung']]
    """
    out = Words()
    parts = title.split(",")
    head = words(parts[0])
    for n, part in enumerate(parts):
        ws = words(part)
        optional_here = n > 0 and ((main and coded) or same_word(head, ws)
                                   or all(w in STOP or w in _PREPOSITIONS for w in ws))
        group: list[str] = []
        for i, w in enumerate(ws):
            if w in STOP:
                if w == "or" and group and i + 1 < len(ws):
                    continue
                if group:
                    _close(out, group)
                    group = []
                continue
            in_or = (i + 1 < len(ws) and ws[i + 1] == "or") or (i > 0 and ws[i - 1] == "or")
            if (tabular and w in FREE) or optional_here:
                out.opt.append(w)
            elif in_or and w not in _LATERAL:
                group.append(w)
            else:
                _close(out, group)
                group = []
                out.req.append(w)
        _close(out, group)
    out.opt += [w for w in words(nemod) if w not in STOP]
    out.opt += joined(title)
    return out


def joined(text: str) -> list[str]:
    """Hyphenated words also written as one ('pre-eclampsia' -> 'preeclampsia').

    >>> joined("Post-traumatic stress disorder, pre-eclampsia")
    ['posttraumatic', 'preeclampsia']
    """
    return [m.replace("-", "") for m in _HYPHENATED.findall(fold(text))]


def _close(out: Words, group: list[str]) -> None:
    if len(group) > 1:
        out.groups.append(list(group))
        out.req.extend(group)
    elif group:
        out.req.extend(group)
    group.clear()


class DocBuilder:
    """Collects documents; ``write`` stores them with their postings."""

    def __init__(self, code_of: Callable[[str], str | None]) -> None:
        self.code_of = code_of  # printed code -> dotted code in this release (None if absent)
        self.docs: list[Doc] = []
        self.missing: set[str] = set()  # printed index codes this release does not have
        self.surface: dict[str, int] = {}  # words as printed (with counts), for prefixes and typos
        self.restating: list[tuple[int, set[str]]] = []  # (doc, own stems): subterms giving the parent code

    def add(self, code: str, via: str, term: int | None, path: str, ws: Words,
            prior: float | None = None) -> None:
        if code:
            found = self.code_of(code)
            if found is None:
                self.missing.add(code)
                return
            code = found
        surface = self.surface
        for w in (*ws.req, *ws.opt):
            surface[w] = surface.get(w, 0) + 1
        rs = {stem(w) for w in ws.req}
        os_ = {stem(w) for w in ws.opt} - rs
        groups = [{stem(w) for w in g} for g in ws.groups]
        if rs or os_:
            self.docs.append(Doc(code, via, term, path, _PRIOR[via] if prior is None else prior,
                                 rs, os_, groups))

    def add_books(self, books: dict[str, list[Term]], ids: dict[str, int], resolver: Resolver) -> None:
        """Documents for every coded term of the indexes and every row of the tables."""
        for book, terms in books.items():
            chains: list[tuple[list[str], Words]] = []  # (titles, words) per term, with ancestors'
            for i, t in enumerate(terms):
                titles, ws = ([], Words()) if t.parent is None else chains[t.parent]
                own = split_words(t.title, t.nemod, main=t.parent is None, coded=bool(t.code))
                restates = t.parent is not None and bool(t.code) and t.code == terms[t.parent].code
                chains.append(([*titles, t.title], ws + own))
                titles, ws = chains[-1]
                if book in ("drug", "neoplasm"):
                    if t.cells:
                        if book == "neoplasm" and t.parent is not None:  # 'Neoplasm' heads every row
                            ws = Words(ws.req[1:], ws.opt, ws.groups)
                        self.add("", book, ids[book] + i, " › ".join(titles), ws)
                    continue
                code = t.printed_code
                path = " › ".join(titles) + (f" [{t.manif}]" if t.manif else "")
                if not code and t.see:
                    target = resolver.resolve(t.see, book)
                    code = self.target_code(books, target)
                    path += f" → see {t.see}"
                    if code and target and target.column is None and books[target.book][target.term].manif:
                        path += f" [{books[target.book][target.term].manif}]"
                if code:
                    prior = _PRIOR[book] - 0.004 * t.level
                    before = len(self.docs)
                    self.add(codes.without_dash(code), book, ids[book] + i, path, ws, prior)
                    if restates and len(self.docs) > before:
                        self.restating.append((before, {stem(w) for w in own.req}))

    def nonessential(self, title_of: dict[str, str]) -> None:
        """A subterm that gives its parent's own code and whose words the code's title does not
        print only restates the parent ('Screening › special' Z13.9, 'Encounter for screening,
        unspecified'): its words become nonessential, so they cannot outrank a sibling naming
        the child ('special screening for osteoporosis' -> Z13.820). 'Diabetes › type 2' E11.9
        keeps its words: the title prints them."""
        for i, own in self.restating:
            d = self.docs[i]
            printed = {stem(w) for w in words(title_of.get(d.code, ""))}
            if own and not own & printed:
                d.req -= own
                d.opt |= own

    @staticmethod
    def target_code(books: dict[str, list[Term]], target: Target | None) -> str:
        if target is None or not target.complete:
            return ""
        t = books[target.book][target.term]
        if target.column is not None:
            return t.cells[target.column] if t.cells else ""
        return t.printed_code

    def add_tabular(self, titles: Iterable[tuple[str, str]], inclusions: Iterable[tuple[str, str]]) -> None:
        titles = list(titles)
        self.nonessential({code: title for code, title in titles})
        for code, title in titles:
            self.add(code, "title", None, title, split_words(title, tabular=True))
        for code, text in inclusions:
            self.add(code, "inclusion", None, text, split_words(text, tabular=True))

    def write(self, con: sqlite3.Connection) -> dict[str, int]:
        n = len(self.docs)
        df: dict[str, int] = defaultdict(int)
        for d in self.docs:
            for s in d.req | d.opt:
                df[s] += 1
        idf = {s: math.log((n + 1) / (c + 0.5)) for s, c in df.items()}
        req_post: dict[str, array[int]] = defaultdict(lambda: array("i"))
        opt_post: dict[str, array[int]] = defaultdict(lambda: array("i"))
        req_w = array("f")
        prior = array("f")
        rows = []
        for i, d in enumerate(self.docs):
            for s in d.req:
                req_post[s].append(i)
            for s in d.opt:
                opt_post[s].append(i)
            grouped = set().union(*d.groups) if d.groups else set()
            # summed in sorted order: the same float on every build, whatever the hash seed
            req_w.append(math.fsum([*(idf[s] for s in sorted(d.req - grouped)),
                                    *(min(idf[s] for s in g) for g in d.groups if g)]))
            prior.append(d.prior)
            rows.append((i, d.code, d.via, d.term, d.path))
        con.executemany("INSERT INTO search_docs VALUES (?,?,?,?,?)", rows)
        con.executemany("INSERT INTO search_terms VALUES (?,?,?,?,?)",
                        ((s, idf[s], df[s], req_post[s].tobytes(), opt_post[s].tobytes()) for s in df))
        forms = json.dumps(word_forms(sorted({p for d in self.docs if d.via in ("index", "eindex")
                                              for p in d.path.split(" › ") if "," in p})))
        con.executemany("INSERT INTO search_arrays VALUES (?,?)",
                        (("req_w", req_w.tobytes()), ("prior", prior.tobytes()), ("forms", forms.encode()),
                         ("via", bytes(VIAS.index(d.via) for d in self.docs))))
        phrases: dict[str, array[int]] = defaultdict(lambda: array("i"))
        for i, d in enumerate(self.docs):
            for key in phrase_keys(d.req, d.groups):
                phrases[key].append(i)
        con.executemany("INSERT INTO search_phrases VALUES (?,?)",
                        ((k, v.tobytes()) for k, v in sorted(phrases.items())))
        con.executemany("INSERT INTO search_words VALUES (?,?,?)",
                        ((w, stem(w), c) for w, c in self.surface.items()))
        con.executemany("INSERT OR IGNORE INTO search_deletes VALUES (?,?)",
                        ((v, w) for w in self.surface if len(w) >= 4 for v in deletes(w)))
        return {"documents": n, "terms": len(df), "words": len(self.surface), "phrases": len(phrases)}


def deletes(word: str) -> set[str]:
    """The word with one letter removed, each way (typo candidates meet on these).

    >>> sorted(deletes("pain"))
    ['ain', 'pai', 'pan', 'pin']
    """
    return {word[:i] + word[i + 1:] for i in range(len(word))}
