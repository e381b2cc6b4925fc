"""Exact phrases of the search documents, matched in one pass over a text's words.

A *phrase* is what one search document requires: the stems of ``Bronchitis › acute`` (acut,
bronchit), of the title ``Essential (primary) hypertension`` (essenti, hypertens), of an inclusion
term, of a Table row. The build stores each phrase's key (its stems sorted: word order is free,
as in the search) with the documents it names (table ``search_phrases``, see
:func:`icdkit.vocabulary.phrase_keys`); here they are held in memory once per knowledge base
(a dict of about 120,000 short keys) and every window of a text's content words is looked up:

* each word by its stem (plural and singular, folded accents, 'fractures' = 'fracture');
* abbreviations and lay words rewritten by the search's synonyms (``CKD`` → chronic kidney
  disease, ``HTN`` → hypertension);
* for the rows of the Drug and Neoplasm Tables, the words asking for a column (``cancer``,
  ``overdose``) set aside: 'colon cancer' names the Neoplasm Table's row 'colon';
* filler words titles hold and writers omit (``unspecified``, ``mellitus``) may be left out.

A window names a phrase only whole words at a time, so 'hypertensive' never matches inside
'antihypertensive'. The search ranks a query that is exactly one phrase from that phrase's
documents alone (:meth:`icdkit.search.engine.Searcher.phrase`); the note coder finds its
mentions with :meth:`Phrases.scan` and asks the full search only what no phrase decides.

>>> from icdkit.kb import KnowledgeBase
>>> from icdkit.search.engine import Searcher
>>> kb = KnowledgeBase.open()
>>> p = Searcher(kb, kb.connection()).phrases
>>> ws = ["acute", "bronchitis", "and", "htn"]
>>> [" ".join(ws[h.start:h.end]) for h in longest(p.scan(ws))]
['acute bronchitis', 'htn']
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from icdkit.search.numbers import digits
from icdkit.search.synonyms import Synonyms
from icdkit.vocabulary import FREE, MAX_PHRASE, STOP, phrase_key, stem

_FREE = frozenset(stem(w) for w in FREE)
_EMPTY = np.zeros(0, dtype=np.int32)


@dataclass(frozen=True, slots=True)
class Hit:
    """A window of the words that names a phrase: positions ``start`` to ``end`` (exclusive)
    in the list scanned, and whether an abbreviation or lay word was rewritten to name it."""

    start: int
    end: int
    rewritten: bool = False


class Phrases:
    """The exact phrases of one knowledge base's search documents (read-only once loaded)."""

    def __init__(self, rows: dict[str, bytes], table: npt.NDArray[np.bool_], synonyms: Synonyms) -> None:
        self._docs = rows
        self._stems = frozenset(s for k in rows for s in k.split())
        self._table = table  # document id -> a row of the Drug or Neoplasm Table
        self.synonyms = synonyms
        self._cues = frozenset(w for kind in ("intent", "behavior") for phrase in synonyms.cue_phrases(kind)
                               for w in phrase)

    @classmethod
    def load(cls, con: sqlite3.Connection, table: npt.NDArray[np.bool_], synonyms: Synonyms) -> Phrases:
        """The phrases the build compiled into the store."""
        return cls(dict(con.execute("SELECT key, docs FROM search_phrases").fetchall()), table, synonyms)

    def __len__(self) -> int:
        return len(self._docs)

    def docs(self, stems: list[str] | set[str]) -> npt.NDArray[np.int32]:
        """Ids of the documents whose required words are exactly *stems* (empty if none)."""
        blob = self._docs.get(phrase_key(stems))
        return _EMPTY if blob is None else np.frombuffer(blob, dtype=np.int32)

    def lookup(self, stems: list[str], cues: set[str] | frozenset[str] = frozenset()) -> list[int]:
        """Documents *stems* name: exactly, or — for a Table row — without the stems *cues*
        that ask for its column ('colon cancer': the Neoplasm Table's 'colon')."""
        found: list[int] = self.docs(stems).tolist()
        rest = [s for s in stems if s not in cues]
        if cues and rest and len(rest) < len(stems):
            found += [d for d in self.docs(rest).tolist() if self._table[d]]
        return found

    def known(self, s: str) -> bool:
        """Is the stem a word of some phrase?"""
        return s in self._stems

    def scan(self, ws: list[str]) -> list[Hit]:
        """Every window of *ws* (folded words, stop words included) that names a phrase.

        One pass: from each content word the window grows while its words can still belong
        to a phrase (a word no phrase holds ends it), and each window is looked up by its key,
        then with its abbreviations rewritten, then without its filler words.
        """
        pos = [i for i, w in enumerate(ws) if w not in STOP]
        cw = digits([ws[i] for i in pos])
        st = [stem(w) for w in cw]
        rewrites = self.synonyms.spans(cw)
        coverable = [False] * len(cw)
        for a, b, _ in rewrites:
            for k in range(a, b):
                coverable[k] = True
        hits: list[Hit] = []
        for i in range(len(cw)):
            for j in range(i + 1, min(len(cw), i + MAX_PHRASE) + 1):
                k = j - 1
                if not (st[k] in self._stems or coverable[k] or cw[k] in self._cues or st[k] in _FREE):
                    break
                found = self._window(cw, st, i, j, rewrites)
                if found is not None:
                    hits.append(Hit(pos[i], pos[k] + 1, found))
        return hits

    def _window(self, cw: list[str], st: list[str], i: int, j: int,
                rewrites: list[tuple[int, int, tuple[str, ...]]]) -> bool | None:
        """None when words i..j name no phrase; else whether a rewrite was needed."""
        cues = {st[k] for k in range(i, j) if cw[k] in self._cues}
        base = st[i:j]
        if self.lookup(base, cues):
            return False
        inside = [(a, b, exp) for a, b, exp in rewrites if i <= a and b <= j]
        for choice in [[r] for r in inside] + ([inside] if len(inside) > 1 else []):
            stems = list(base)
            for a, b, exp in sorted(choice, key=lambda r: -r[0]):  # right to left
                stems[a - i:b - i] = [stem(w) for w in exp if w not in STOP]
            if self.lookup(stems, cues):
                return True
        plain = [s for s in base if s not in _FREE]
        if plain and len(plain) < len(base) and self.lookup(plain, cues):
            return False
        return None


def longest(hits: list[Hit], size: Callable[[Hit], int] | None = None) -> list[Hit]:
    """The hits that do not overlap, longest first (on a tie the earlier), in text order;
    *size* measures a hit (default: its words; the note coder counts words that are not stop
    words, so 'anemia complicating the puerperium' does not outweigh 'iron deficiency anemia').

    >>> [(h.start, h.end) for h in longest([Hit(0, 1), Hit(0, 2), Hit(1, 3), Hit(3, 4)])]
    [(0, 2), (3, 4)]
    """
    taken: list[Hit] = []
    for h in sorted(hits, key=lambda h: (-(size(h) if size else h.end - h.start), h.start)):
        if all(h.end <= t.start or t.end <= h.start for t in taken):
            taken.append(h)
    return sorted(taken, key=lambda h: h.start)

