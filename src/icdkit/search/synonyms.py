"""Abbreviations, lay words and table cues (``data/synonyms.tsv``), applied to a query.

The data file has four tab-separated columns: ``phrase``, ``expansion``, ``kind``, ``note``.

* kind ``abbreviation`` / ``lay`` / ``spelling``: where the phrase's words occur in a query, a
  variant of the query with the expansion in their place is searched too, and the best score
  of a code over all variants counts (the original words keep their own chance).
* kind ``intent``: a word that picks a column of the Table of Drugs and Chemicals (the expansion
  names the column: accidental, self-harm, assault, undetermined, adverse, underdosing) or only
  says the query is about a drug (``drug``).
* kind ``behavior``: a word that picks a column of the Neoplasm Table (malignant, secondary,
  in-situ, benign, uncertain, unspecified) or only says the query is about a neoplasm.

>>> syn = Synonyms.bundled()
>>> [" ".join(v) for v in syn.variants(["chf", "exacerbation"])][:2]
['chf exacerbation', 'congestive heart failure exacerbation']
>>> syn.cues(["adverse", "effect", "of", "penicillin"], "intent")
[('adverse', ('adverse', 'effect'))]
"""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from icdkit.vocabulary import content, words

DATA = Path(__file__).resolve().parent.parent / "data" / "synonyms.tsv"
KINDS = ("abbreviation", "lay", "spelling", "intent", "behavior")
_MAX_VARIANTS = 8


@dataclass(frozen=True, slots=True)
class Entry:
    phrase: tuple[str, ...]
    expansion: str
    kind: str
    note: str


class Synonyms:
    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        self._rewrites: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        self._cues: dict[str, dict[tuple[str, ...], str]] = {"intent": {}, "behavior": {}}
        for e in entries:
            if e.kind in self._cues:
                self._cues[e.kind][e.phrase] = e.expansion
            else:
                self._rewrites.setdefault(e.phrase, []).append(tuple(words(e.expansion)))
        self._longest = max((len(p) for p in self._rewrites), default=1)
        # first words of the phrases: a query word that begins none begins no rewrite or cue
        self._firsts = frozenset(p[0] for p in self._rewrites if p)
        self._cue_firsts = {kind: frozenset(p[0] for p in table if p) for kind, table in self._cues.items()}

    @classmethod
    @cache
    def bundled(cls) -> Synonyms:
        return cls.read(DATA)

    @classmethod
    def read(cls, path: Path) -> Synonyms:
        entries = []
        with path.open(encoding="utf-8") as fh:
            rows = csv.reader((line for line in fh if line.strip() and not line.startswith("#")),
                              delimiter="\t")
            header = next(rows)
            if header[:3] != ["phrase", "expansion", "kind"]:
                raise ValueError(f"{path}: header must start phrase, expansion, kind")
            for n, row in enumerate(rows, 2):
                if len(row) < 3 or row[2] not in KINDS:
                    raise ValueError(f"{path}:{n}: need phrase, expansion and a kind in {KINDS}")
                entries.append(Entry(tuple(content(words(row[0]))), row[1].strip(), row[2],
                                     row[3].strip() if len(row) > 3 else ""))
        return cls(entries)

    def spans(self, tokens: list[str]) -> list[tuple[int, int, tuple[str, ...]]]:
        """Rewritable phrases of the query (start, end, expansion); a phrase inside a longer one
        is left to the longer.

        >>> Synonyms.bundled().spans(["htn", "and", "ckd"])[0]
        (0, 1, ('hypertension',))
        """
        out: list[tuple[int, int, tuple[str, ...]]] = []
        for i in range(len(tokens)):
            if tokens[i] not in self._firsts:
                continue
            for n in range(min(self._longest, len(tokens) - i), 0, -1):
                for exp in self._rewrites.get(tuple(tokens[i:i + n]), ()):
                    out.append((i, i + n, exp))
        return [s for s in out if not any(o[0] <= s[0] and s[1] <= o[1] and o[1] - o[0] > s[1] - s[0]
                                          for o in out)]

    def variants(self, tokens: list[str]) -> list[list[str]]:
        """The query itself, then with each rewrite applied, then with all that fit together;
        rewrites of rewrites once more (a brand name -> its drug -> the drug's class)."""
        out = [tokens]
        for variant in self._rewrite(tokens):
            out.append(variant)
            out.extend(self._rewrite(variant))
        unique = [list(v) for v in dict.fromkeys(map(tuple, out))]
        return list(itertools.islice(unique, _MAX_VARIANTS))

    def _rewrite(self, tokens: list[str]) -> list[list[str]]:
        spans = self.spans(tokens)
        out = [tokens[:i] + list(exp) + tokens[j:] for i, j, exp in spans]
        if len(spans) > 1:
            combined, end = list(tokens), len(tokens)
            for i, j, exp in sorted(spans, key=lambda s: -s[0]):  # right to left, non-overlapping
                if j <= end:
                    combined[i:j] = exp
                    end = i
            out.append(combined)
        return out

    def rewritten_words(self) -> frozenset[str]:
        """The words that alone are rewritten to other words (``htn``, ``ckd``, ``tylenol``):
        the words *w* for which :meth:`variants` of ``[w]`` holds more than ``[w]``.

        >>> {"htn", "ckd"} <= Synonyms.bundled().rewritten_words()
        True
        """
        return frozenset(p[0] for p, exps in self._rewrites.items()
                         if len(p) == 1 and any(e != p for e in exps))

    def complete(self, word: str) -> str:
        """A half-typed word completed to the one-word phrase it begins ('tylen' -> 'tylenol'),
        the shortest such phrase; *word* itself when none (or it is under four letters).

        >>> Synonyms.bundled().complete("tylen")
        'tylenol'
        """
        if len(word) < 4:
            return word
        found = sorted((p[0] for p in self._rewrites if len(p) == 1 and p[0].startswith(word)),
                       key=lambda w: (len(w), w))
        return found[0] if found else word

    def cue_phrases(self, kind: str) -> list[tuple[str, ...]]:
        """The phrases of a kind of cue (``intent``, ``behavior``)."""
        return list(self._cues[kind])

    def cues(self, tokens: list[str], kind: str) -> list[tuple[str, tuple[str, ...]]]:
        """(column or 'drug' / 'neoplasm', the words saying so) for each cue in the query."""
        table = self._cues[kind]
        firsts = self._cue_firsts[kind]
        found = []
        i = 0
        while i < len(tokens):
            if tokens[i] not in firsts:
                i += 1
                continue
            for n in (3, 2, 1):
                phrase = tuple(tokens[i:i + n])
                if len(phrase) == n and phrase in table:
                    found.append((table[phrase], phrase))
                    i += n
                    break
            else:
                i += 1
        return found
