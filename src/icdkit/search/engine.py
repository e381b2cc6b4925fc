"""Rank codes for a query over the documents compiled by :mod:`icdkit.build.searchdocs`.

How a query is scored:

1. Its words are folded and stemmed; a word the vocabulary lacks is replaced by the printed
   words one or two edits away (typos), and the last word of an autocomplete query also stands
   for the words it begins. Abbreviations and lay words (``data/synonyms.tsv``) give variants
   of the query; each code keeps its best score over the variants.
2. Each document scores *coverage* (the share of the query's weight, idf, it matches) minus a
   penalty for its *required* words the query lacks, plus a small prior by source (the Index
   first). Word order is free.
3. Table rows (drugs, neoplasms) take their code from the column the query asks for
   (poisoning intent, neoplasm behavior; accidental poisoning when only "overdose" or a drug
   is named), and the words that asked count as matched.
4. Documents are grouped by code; a code's score is its best document's, and the result says
   *why*: the index path, the title or the inclusion term that matched.
5. A header is refined to the child the query means (its words, its numbers: bmi 41 -> 40.0-44.9)
   and a code that needs a 7th character comes complete (the encounter said, else initial),
   its header beside it; a title printing what the query negates ("without mention of
   meconium ileus") loses, as one saying "without" what the query wants "with".
6. The first results carry the partner their "use additional code" note asks for when it
   matched words they lack (E11.22 with N18.30 for "type 2 diabetes with ckd stage 3"); a word
   nothing prints marks the results weak. Ties fall to document order, then code, so the
   ranking is the same in every process.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from icdkit import codes
from icdkit.errors import InvalidInput, MalformedCode
from icdkit.memo import Memo, flat, shallow
from icdkit.search.numbers import digits, fit, fits, numbers
from icdkit.search.partners import Also, partners
from icdkit.search.phrases import Phrases
from icdkit.search.query import AGREES, Ask, adjustment, negations
from icdkit.search.synonyms import Synonyms
from icdkit.search.tables import next_step
from icdkit.vocabulary import (
    TABLE_COLUMNS,
    TABLE_HEADINGS,
    VIAS,
    content,
    query_words,
    stem,
    word_forms,
    words,
)

if TYPE_CHECKING:
    from icdkit.kb import KnowledgeBase
    from icdkit.models import Code

MAX_QUERY = 500  # characters
MAX_LIMIT = 200
_PENALTY = 0.6  # weight of unmatched required words
_OPTIONAL = 0.6  # credit for a word matched only among a document's optional words
_UNKNOWN = 6.0  # weight of a query word no document has (it lowers every score alike)
_REWRITTEN = 0.02  # a synonym variant yields to the words as typed on a tie
_FORM = 0.95  # credit for another form of a word the Index prints beside it (femoral / femur)
_PARTNERED = 3  # results that are given their partners (a "use additional" code)
_NUMBER = 0.05  # for a title holding the number the query states (taken when it prints others)
_WEAK = 0.5  # below this, a result of a query with a word nothing prints is a weak match
_LITERAL = 0.02  # bonus for a path printing all the words as typed (prepositions too: 'fall from')
_NEGATORS = frozenset({"without", "not", "no"})
# the most _group adds to a document's score: billable, literal, the with/without agreement, a number
MAX_RAISE = 0.005 + _LITERAL + AGREES + _NUMBER
_ARTICLES = frozenset({"a", "an", "the", "of", "and", "or"})
_POOL = 300  # documents considered after the vectorised pass
# bytes per memo of one searcher (see icdkit.memo): a server sees endless unknown words
_POSTINGS_BYTES = 16 << 20  # every stem's postings take ~10 MB; unknown words add a None each
_TYPOS_BYTES = 2 << 20
_FREQS_BYTES = 1 << 20
_STEPS_BYTES = 4 << 20
_PRINTED_BYTES = 16 << 20
_DOCS_BYTES = 24 << 20  # ~50k of the 147k documents (FY2026)
_UNSEEN: Any = object()  # a stem not looked up yet (None: looked up, no document has it)
_INTENT_ORDER = ("self-harm", "assault", "undetermined", "adverse", "underdosing", "accidental")
_BEHAVIOR_ORDER = ("secondary", "in-situ", "benign", "uncertain", "malignant", "unspecified")
_SIDES = frozenset({"right", "left", "bilateral"})
_CODE_LIKE = re.compile(r"^[A-Za-z][0-9][0-9A-Za-z](\.?[0-9A-Za-z]{0,4})?$")
_Variant = tuple[list[str], list[tuple[str, tuple[str, ...]]], list[tuple[str, tuple[str, ...]]]]
_F = npt.NDArray[np.float32]
_I = npt.NDArray[np.int32]


@dataclass(frozen=True, slots=True)
class Match:
    via: str  # index | eindex | drug | neoplasm | title | inclusion | code
    path: str  # the index path, table row and column, title or inclusion term
    refined_from: str | None = None  # the header the path led to, when the query chose a child


@dataclass(frozen=True, slots=True)
class Result:
    code: str
    title: str
    billable: bool
    score: float
    matched: Match
    seventh: bool  # a 7th character is still needed
    children: tuple[str, ...]  # for a non-billable code: its child codes, one step away
    header: str | None = None  # for a code completed with its 7th character: the code without it
    also: tuple[Also, ...] = ()  # codes a note of this one asks to report with it (BMI, CKD stage)
    weak: bool = False  # a word of the query matched nothing: a guess, not an answer

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "code": self.code, "title": self.title, "billable": self.billable,
            "score": round(self.score, 4), "matched": {"via": self.matched.via, "path": self.matched.path},
        }
        if self.matched.refined_from:
            out["matched"]["refined_from"] = self.matched.refined_from  # type: ignore[index]
        if not self.billable:
            out["children"] = list(self.children)
            out["seventh_character_required"] = self.seventh
        if self.header:
            out["header"] = self.header
        if self.also:
            out["also"] = [a.to_json() for a in self.also]
        if self.weak:
            out["weak"] = True
        return out


@dataclass(slots=True)
class _Position:
    weight: float
    alts: list[tuple[str, float]]  # (stem, quality 0..1)
    cue: bool = False  # the word asks for a table column


class Searcher:
    """Search one knowledge base; cheap to create, keeps small caches."""

    def __init__(self, kb: KnowledgeBase, con: sqlite3.Connection) -> None:
        self.kb = kb
        self.con = con
        arrays = dict(con.execute("SELECT name, data FROM search_arrays").fetchall())
        self.req_w: _F = np.frombuffer(arrays["req_w"], dtype=np.float32)
        self.prior: _F = np.frombuffer(arrays["prior"], dtype=np.float32)
        via = np.frombuffer(arrays["via"], dtype=np.uint8)
        self.n = len(self.req_w)
        self.is_drug = via == VIAS.index("drug")
        self.is_neoplasm = via == VIAS.index("neoplasm")
        self.synonyms = Synonyms.bundled()
        self._forms: dict[str, list[str]] | None = (
            json.loads(arrays["forms"]) if "forms" in arrays else None)
        self._postings: Memo[str, tuple[float, _I, _I] | None] = Memo("search.postings", _POSTINGS_BYTES)
        self._typos: Memo[str, list[tuple[str, float]]] = Memo("search.typos", _TYPOS_BYTES)
        self._sound_index: dict[str, list[tuple[str, int]]] | None = None
        self._freqs: Memo[str, int] = Memo("search.frequencies", _FREQS_BYTES)
        self._steps: Memo[str, tuple[tuple[str, ...], bool]] = Memo("search.steps", _STEPS_BYTES)
        self._phrases: Phrases | None = None
        self._scratch: tuple[_F, _F, _F, _F] | None = None
        self._mask: npt.NDArray[np.bool_] | None = None
        self._prior_max = float(self.prior.max()) if self.n else 0.0
        self._printed: Memo[str, frozenset[str]] = Memo(
            "search.printed_stems", _PRINTED_BYTES, shallow)  # the stems are the vocabulary's
        self._doc_rows: Memo[int, tuple[str, str, str, str | None]] = Memo(
            "search.docs", _DOCS_BYTES, flat)
        self._drug_rows: _I = np.flatnonzero(self.is_drug).astype(np.int32)
        self._neoplasm_rows: _I = np.flatnonzero(self.is_neoplasm).astype(np.int32)
        self._lock = threading.Lock()  # the caches are shared by the server's threads

    # -- vocabulary -------------------------------------------------------------------------
    def postings(self, s: str) -> tuple[float, _I, _I] | None:
        """(idf, required doc ids, optional doc ids) of a stem, or None if no document has it."""
        got = self._postings.get(s, _UNSEEN)
        if got is not _UNSEEN:
            return got  # type: ignore[no-any-return]
        row = self.con.execute("SELECT idf, req, opt FROM search_terms WHERE stem=?", (s,)).fetchone()
        value = None if row is None else (
            float(row[0]), np.frombuffer(row[1], dtype=np.int32), np.frombuffer(row[2], dtype=np.int32))
        self._postings[s] = value
        return value

    def typos(self, word: str) -> list[tuple[str, float]]:
        """Stems of printed words near *word*: one edit (two for long words), else sounding alike.

        The most frequent of the nearest words gets the best quality, so a misspelt common
        word ('migrane') finds the common word (migraine) before a rare one (migrans).
        """
        known = self._typos.get(word)
        if known is not None:
            return known
        found: list[tuple[int, int, str]] = []  # (distance, -frequency, word)
        if len(word) >= 4 and word.isalpha():
            variants = {word} | {word[:i] + word[i + 1:] for i in range(len(word))}
            marks = ",".join("?" * len(variants))
            cands = {w for (w,) in self.con.execute(
                f"SELECT word FROM search_deletes WHERE variant IN ({marks})", tuple(variants))}
            cands |= {w for (w,) in self.con.execute(
                f"SELECT word FROM search_words WHERE word IN ({marks})", tuple(variants))}
            limit = 1 if len(word) < 7 else 2
            found = [(d, -self._freq(c), c) for c in cands if (d := _distance(word, c, limit)) <= limit]
            if not found and len(word) >= 6:
                found = [(3, -f, c) for c, f in self._sounds().get(sound(word), ())
                         if _distance(word, c, 4) <= 4]
        out: dict[str, float] = {}
        for rank, (d, _, cand) in enumerate(sorted(found)):
            quality = {1: 0.85, 2: 0.7}.get(d, 0.6) - (0.1 if rank else 0.0)
            out.setdefault(stem(cand), quality)
        result = list(out.items())[:6]
        self._typos[word] = result  # bounded by bytes: a server sees endless unknown words
        return result

    def _freq(self, word: str) -> int:
        """How many documents print *word* (0 for a word never printed)."""
        got = self._freqs.get(word)
        if got is None:
            row = self.con.execute("SELECT freq FROM search_words WHERE word=?", (word,)).fetchone()
            got = self._freqs[word] = int(row[0]) if row else 0
        return got

    def _sounds(self) -> dict[str, list[tuple[str, int]]]:
        """Printed words by how they sound (built on the first misspelling that needs it)."""
        if self._sound_index is None:
            index: dict[str, list[tuple[str, int]]] = {}
            for w, f in self.con.execute("SELECT word, freq FROM search_words WHERE length(word) >= 5"):
                index.setdefault(sound(w), []).append((w, f))
            self._sound_index = index
        return self._sound_index

    def forms(self, s: str) -> list[str]:
        """Other forms of a stem the Index prints beside it (femoral -> femur): a query's
        adjective meets the noun a term requires. Read from the store, else derived once."""
        if self._forms is None:
            titles = [t for (t,) in self.con.execute(
                "SELECT DISTINCT title FROM index_terms "
                "WHERE book IN ('index', 'eindex') AND title LIKE '%,%'")]
            self._forms = word_forms(titles)
        return self._forms.get(s, [])

    def half_typed(self, word: str) -> list[tuple[str, float]]:
        """A word cut short, perhaps with two letters swapped ('pnue' for pneu-): the printed
        words it begins, found by completing it and its adjacent transpositions."""
        if len(word) < 3 or not word.isalpha():
            return []
        swaps = [word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1)]
        for quality, prefixes in ((0.8, [word]), (0.7, swaps)):
            found = [(s, quality) for p in prefixes for s, _ in self.completions(p, 6)]
            if found:
                return list(dict.fromkeys(found))[:6]
        return []

    def unknown(self, word: str) -> bool:
        """True for a word no document prints, not even misspelt (a synonym phrase it begins
        may complete it: 'pnue' -> the spelling 'pnuemonia', 'tylen' -> 'tylenol')."""
        return self.postings(stem(word)) is None and not self.typos(word)

    def completions(self, prefix: str, limit: int = 24) -> list[tuple[str, float]]:
        """Stems of the most frequent printed words beginning with *prefix* (autocomplete)."""
        rows = self.con.execute(
            "SELECT stem, max(freq) f FROM search_words WHERE word >= ? AND word < ? "
            "GROUP BY stem ORDER BY f DESC LIMIT ?", (prefix, prefix + "\uffff", limit)).fetchall()
        return [(s, 0.9) for s, _ in rows]

    # -- queries ----------------------------------------------------------------------------
    def _positions(self, tokens: list[str], prefix: bool, cue_words: set[str]) -> list[_Position]:
        out: list[_Position] = []
        seen: set[str] = set()
        words_ = content(tokens)  # expansions may bring stop words back
        for i, tok in enumerate(words_):
            s = stem(tok)
            if s in seen:
                continue
            seen.add(s)
            last = prefix and i == len(words_) - 1
            alts: list[tuple[str, float]] = []
            known = self.postings(s) is not None
            if known and (self._freq(tok) or not tok.isalpha()):
                alts.append((s, 1.0))
                alts += [(f, _FORM) for f in self.forms(s) if f != s]
            if last:
                alts += [a for a in self.completions(tok) if a[0] != s]
            if not alts:  # a word never printed: its nearest printed words (its stem's among them)
                alts = self.typos(tok) or self.half_typed(tok)
                if known and all(a != s for a, _ in alts):
                    alts.append((s, 0.8))
            idfs = [p[0] for a, _ in alts if (p := self.postings(a)) is not None]
            if idfs:
                out.append(_Position(max(min(idfs), 0.5) if last else max(max(idfs), 0.5),
                                     [a for a in alts if self.postings(a[0]) is not None],
                                     tok in cue_words))
            elif tok in cue_words:
                out.append(_Position(1.0, [], True))
            else:
                out.append(_Position(_UNKNOWN, []))
        return out

    def _score(self, positions: list[_Position], table_cues: dict[str, bool],
               floor: float | None = None) -> tuple[_F, _I]:
        """Scores of every document that matched something (vectorised), and their ids.

        The work is in proportion to the postings the query's words touch, not to the number
        of documents: each position's best credit per document is gathered in a scratch vector
        over the ids it touched only, added to the running sums there, and the scratch cleared
        again (the vectors are the searcher's own, under its lock). The sums are the same
        float32 additions in the same order as over whole vectors, so the scores are too.

        With a *floor*, only the documents that can reach it are scored (:meth:`_reachable`):
        'other', 'left' or 'unspecified' alone cannot lift a document to it, so their long
        postings are read only where a rarer word of the query matched. The scores of the
        documents kept are the same additions in the same order, so the same numbers."""
        if not any(p.alts for p in positions):
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int32)
        total = sum(p.weight for p in positions)
        reachable = self._reachable(positions, table_cues, total, floor) if floor is not None else None
        return self._scored(positions, table_cues, total, reachable)

    def _reachable(self, positions: list[_Position], table_cues: dict[str, bool], total: float,
                   floor: float) -> tuple[_I, set[int]] | None:
        """The ids of the documents that can score *floor* or more, and the positions left out
        to find them; None when any touched document can.

        A document's score is at most the credit of the words it matched over the query's
        total weight, plus the largest prior (the penalty and the Tables' corrections only
        lower it). The words of least credit that together cannot reach the floor are left
        out; a document must match one of the others (MaxScore, Turtle and Flood 1995)."""
        need = (floor - self._prior_max) * total - 1e-4 * total  # a margin over float32 sums
        cue = table_cues["drug"] or table_cues["neoplasm"]
        bounds = [p.weight * max([q for s, q in p.alts if self.postings(s) is not None]
                                 + [1.0 if p.cue and cue else 0.0]) for p in positions]
        spare = 0.0
        left_out: set[int] = set()
        for i in sorted(range(len(positions)), key=bounds.__getitem__):
            if spare + bounds[i] >= need:
                break
            spare += bounds[i]
            left_out.add(i)
        if not left_out:
            return None
        arrays: list[_I] = []
        for i, p in enumerate(positions):
            if i in left_out:
                continue
            for s, _ in p.alts:
                if (post := self.postings(s)) is not None:
                    arrays += [post[1], post[2]]
            if p.cue:
                arrays += [rows for table, rows in self._table_rows() if table_cues[table]]
        return _union(arrays), left_out

    def _scored(self, positions: list[_Position], table_cues: dict[str, bool], total: float,
                only: tuple[_I, set[int]] | None) -> tuple[_F, _I]:
        """:meth:`_score`'s sums, over the reachable documents only when *only* names them
        (their sorted ids, and the positions whose postings must be cut down to them)."""
        matched, matched_req, hit, req = self._vectors()
        among, cut = only if only is not None else (None, set())
        inside = self._inside()
        if among is not None and cut:
            inside[among] = True  # a cut position's postings are read where a reachable id is

        def within(ids: _I) -> _I:
            kept: _I = ids[inside[ids]]  # sorted and unique, as the postings are
            return kept

        for n, p in enumerate(positions):
            posts = [(q, post if among is None or n not in cut else
                      (post[0], within(post[1]), within(post[2])))
                     for s, q in p.alts if (post := self.postings(s)) is not None]
            if len(posts) == 1 and not p.cue:  # one word, no alternative: its credit is a constant
                quality, (idf, rids, oids) = posts[0]
                weight = np.float32(p.weight)
                matched[oids] += weight * np.float32(quality * _OPTIONAL)
                matched[rids] += weight * np.float32(quality)
                matched_req[rids] += np.float32(idf)
                continue
            touched: list[_I] = []
            for quality, (idf, rids, oids) in posts:
                _raise(hit, oids, quality * _OPTIONAL)
                _raise(hit, rids, quality)
                _raise(req, rids, idf)
                touched += [oids, rids]
            if p.cue:  # a word asking for a table column is matched by every row of that table
                for table, rows in self._table_rows():
                    if table_cues[table]:
                        rows = rows if among is None or n not in cut else within(rows)
                        hit[rows] = 1.0
                        touched.append(rows)
            ids = _joined(touched)  # may repeat an id: a[ids] += v writes each once, from its old value
            if not len(ids):
                continue
            matched[ids] += p.weight * hit[ids]
            matched_req[ids] += req[ids]
            hit[ids] = 0.0
            req[ids] = 0.0
        # every credited document has matched > 0 (weights and qualities are), and every
        # reachable one was credited (it is in the postings of a word not left out)
        ids = np.flatnonzero(matched > 0).astype(np.int32) if among is None else among
        if among is not None and cut:
            inside[among] = False
        unmatched = np.maximum(self.req_w[ids] - matched_req[ids], 0)
        score = matched[ids] / total - _PENALTY * unmatched / (unmatched + total) + self.prior[ids]
        matched[ids] = 0.0
        matched_req[ids] = 0.0
        if not table_cues["neoplasm"]:
            score[self.is_neoplasm[ids]] = -1.0
        if not table_cues["drug"]:
            score[self.is_drug[ids]] -= 0.3
        return score.astype(np.float32), ids

    def _table_rows(self) -> tuple[tuple[str, _I], tuple[str, _I]]:
        return ("drug", self._drug_rows), ("neoplasm", self._neoplasm_rows)

    def _inside(self) -> npt.NDArray[np.bool_]:
        """A scratch mask over the documents, all False between searches (under the lock)."""
        if self._mask is None:
            self._mask = np.zeros(self.n, dtype=bool)
        return self._mask

    def _vectors(self) -> tuple[_F, _F, _F, _F]:
        """The four zeroed scratch vectors of :meth:`_score` (one per document each)."""
        if self._scratch is None:
            self._scratch = tuple(np.zeros(self.n, dtype=np.float32) for _ in range(4))  # type: ignore[assignment]
        assert self._scratch is not None
        return self._scratch

    def search(self, query: str, *, limit: int = 10, billable_only: bool = False,
               prefix: bool = False, pool: int = _POOL, floor: float | None = None,
               least: float | None = None) -> list[Result]:
        """Codes for *query*, best first (thread-safe: a server calls it from many threads).
        *pool*: documents ranked in full after the vectorised pass (fewer is faster; the note
        coder, which keeps only the top few, asks for 40). *floor*: documents scoring below it
        are not ranked at all — for a caller that keeps only results scoring at least
        ``floor + MAX_RAISE`` (the most the ranking adds to a document's score), the answer
        it keeps is the same, sooner. *least*: the lowest result score the caller keeps; the
        floor is then found per query, from the most *this* query's ranking can add (a query
        negating nothing gets no with/without bonus, one without numbers no number bonus):
        the results scoring *least* or more are the same, in the same order."""
        text = _check(query, limit)
        with self._lock:
            return self._search(text, limit, billable_only, prefix, max(pool, limit), floor, least)

    def _search(self, text: str, limit: int, billable_only: bool, prefix: bool,
                pool: int = _POOL, floor: float | None = None, least: float | None = None) -> list[Result]:
        direct = self._code_results(text)
        every = query_words(text)  # not memoised: a query may be patient text
        tokens = digits([self.synonyms.complete(t) if self.unknown(t) else t for t in content(every)])
        best: dict[int, float] = {}
        variants, columns = self._variants(tokens)
        ask = self._ask(every, tokens, variants, prefix)
        if least is not None:
            floor = max(floor if floor is not None else -9.0, least - _most_raised(ask))
        for n, (variant, intents, behaviors) in enumerate(variants):
            cue_words = {w for _, phrase in intents + behaviors for w in phrase}
            positions = self._positions(variant, prefix, cue_words)
            if not positions:
                continue
            table_cues = {"drug": bool(intents), "neoplasm": bool(behaviors)}
            score, ids = self._score(positions, table_cues, floor)
            if n:
                score -= _REWRITTEN
            if len(ids) > pool:
                top = np.argpartition(-score, pool)[:pool]
                score, ids = score[top], ids[top]
            for i, sc in zip(ids.tolist(), score.tolist(), strict=True):
                if sc > best.get(i, -9.0):
                    best[i] = sc
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[:pool]  # ties: document order
        if floor is not None:
            ranked = [kv for kv in ranked if kv[1] >= floor]
        results = self._group(ranked, columns, billable_only, limit, ask)
        seen = {r.code for r in direct}
        merged = direct + [r for r in results if r.code not in seen]
        return merged[:limit]

    def _variants(self, tokens: list[str]) -> tuple[list[_Variant], dict[str, str]]:
        """The query's synonym variants with their table cues, and the Tables' columns asked for."""
        variants = [(v, self.synonyms.cues(v, "intent"), self.synonyms.cues(v, "behavior"))
                    for v in self.synonyms.variants(tokens)]
        columns = {
            "drug": _pick([c for _, i, _ in variants for c, _ in i], _INTENT_ORDER, "accidental"),
            "neoplasm": _pick([c for _, _, b in variants for c, _ in b], _BEHAVIOR_ORDER, "unspecified"),
        }
        return variants, columns

    def _ask(self, every: list[str], tokens: list[str], variants: list[_Variant], prefix: bool) -> Ask:
        negated, wanted = negations(every)
        return Ask({stem(t) for v, _, _ in variants for t in v}, set(every) - _ARTICLES,
                   numbers(" ".join(tokens)), self._with_variants(negated), self._with_variants(wanted),
                   [t for t in tokens if self.unknown(t) and not (prefix and t == tokens[-1])])

    # -- exact phrases ----------------------------------------------------------------------
    @property
    def phrases(self) -> Phrases:
        """The exact phrases of the documents (:mod:`icdkit.search.phrases`), loaded once."""
        if self._phrases is None:
            self._phrases = Phrases.load(self.con, self.is_drug | self.is_neoplasm, self.synonyms)
        return self._phrases

    def phrase(self, query: str, *, limit: int = 10, pool: int = _POOL) -> list[Result] | None:
        """Codes for a query whose words are exactly one phrase — the required words of some
        documents, as typed or with an abbreviation rewritten — ranked from those documents
        alone, without the full pass over every document; None when the query is no phrase
        (the full :meth:`search` ranks it). Those documents are the full search's best (they
        match every word and lack none), so the answer's first codes are the search's own.
        A query saying *without*, *not* or *no* is left to the full search: a key is word-order
        free, and 'panic disorder without agoraphobia' is not 'agoraphobia without panic disorder'.

        >>> kb = __import__("icdkit.kb").kb.KnowledgeBase.open()
        >>> s = Searcher(kb, kb.connection())
        >>> [r.code for r in s.phrase("acute bronchitis", limit=1)], s.phrase("acute bronchitis in winter")
        (['J20.9'], None)
        """
        text = _check(query, limit)
        if _CODE_LIKE.match(text):
            return None
        phrases = self.phrases
        with self._lock:
            every = query_words(text)
            if any(w in _NEGATORS for w in every):
                return None
            tokens = digits(content(every))
            variants, columns = self._variants(tokens)
            best: dict[int, float] = {}
            for n, (variant, intents, behaviors) in enumerate(variants):
                cues = {stem(w) for _, phrase in intents + behaviors for w in phrase}
                for i in phrases.lookup([stem(t) for t in content(variant)], cues):
                    if self.is_neoplasm[i] and not behaviors:
                        continue
                    sc = 1.0 + float(self.prior[i]) - (_REWRITTEN if n else 0.0) \
                        - (0.3 if self.is_drug[i] and not intents else 0.0)
                    if sc > best.get(i, -9.0):
                        best[i] = sc
            if not best or max(best.values()) < 1.0 - _REWRITTEN:
                return None  # only a drug row named without an intent: other documents may rank above
            ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[:max(pool, limit)]
            return self._group(ranked, columns, False, limit, self._ask(every, tokens, variants, False))

    def _with_variants(self, ws: list[str]) -> set[str]:
        """Stems of *ws* and of their synonyms (hemorrhage: bleeding too)."""
        return {stem(t) for w in ws for v in self.synonyms.variants([w]) for t in v}

    def _group(self, ranked: list[tuple[int, float]], columns: dict[str, str],
               billable_only: bool, limit: int, ask: Ask) -> list[Result]:
        """Best document per code; the top codes become Results. On a tie the billable code, and
        the path printing the words as typed ('vaginitis' over 'vaginalitis', one stem), win.
        A code that needs a 7th character comes complete (the encounter the query states, else
        the first defined) with its header beside it; what the query negates counts against a
        title; the first codes carry the partners their notes ask for."""
        stems, typed = ask.stems, ask.typed
        if not ranked:
            return []
        # *ranked* is best first, so a code's first document is its best and the codes appear in
        # the order of their scores: the documents are read a slice at a time, only until the
        # codes ranked in full are found (most of a pool of 300 is never read)
        wanted = limit * 3 + 10
        best: dict[str, tuple[float, Match]] = {}
        for start in range(0, len(ranked), 2 * wanted):
            chunk = ranked[start:start + 2 * wanted]
            rows = self._docs([i for i, _ in chunk])
            for i, sc in chunk:
                code, via, path, cells = rows[i]
                if via in TABLE_COLUMNS:
                    column = TABLE_COLUMNS[via].index(columns[via])
                    code = codes.without_dash(json.loads(cells)[column]) if cells else ""
                    path = f"{path} › {TABLE_HEADINGS[via][column]}"
                if code and code not in best:
                    best[code] = (sc, Match(via, path))
            if len(best) >= wanted:
                break
        scored: dict[str, tuple[float, Match, str | None, set[str]]] = {}
        for code, (sc, match) in sorted(best.items(), key=lambda kv: -kv[1][0])[:wanted]:
            c = self.kb.find(code)
            if c is None:
                continue
            if not c.billable:
                c, match = self._descend(c, match, ask)
            header = None
            if not c.billable:
                header = c.code
                c, match = self._complete(c, match, stems)
                header = header if c.billable else None
            if (billable_only and not c.billable) or c.code in scored:
                continue
            literal = len(typed & set(words(match.path))) / len(typed) if typed else 0.0
            sc += (0.005 if c.billable else 0.0) + _LITERAL * literal + adjustment(c.title, ask) \
                + _NUMBER * fit(c.title, ask.numbers)
            printed = stems & (self._stems_of(match.path) | self._stems_of(c.title))
            scored[c.code] = (sc, match, header, printed)
        order = {code: n for n, code in enumerate(scored)}  # ties: the better document first, then code
        ranked_codes = sorted(scored.items(), key=lambda kv: (-kv[1][0], order[kv[0]], kv[0]))
        pool = [(code, v[0], v[3]) for code, v in ranked_codes]
        out = []
        for n, (code, (sc, match, header, printed)) in enumerate(ranked_codes[:limit]):
            r = self._result(code, sc, match, header)
            if r is None:
                continue
            also = partners(self.kb, code, printed, pool, stems) if n < _PARTNERED else ()
            weak = bool(ask.unknown) and sc < _WEAK
            out.append(dataclasses.replace(r, also=also, weak=weak) if also or weak else r)
        return out

    def _docs(self, ids: list[int]) -> dict[int, tuple[str, str, str, str | None]]:
        """(code, via, path, table cells) of documents, read once and kept (bounded)."""
        kept = self._doc_rows
        out = {i: got for i in ids if (got := kept.get(i)) is not None}
        missing = [i for i in ids if i not in out]
        if missing:
            marks = ",".join("?" * len(missing))
            for r in self.con.execute(f"SELECT d.id, d.code, d.via, d.path, t.cells FROM search_docs d "
                                      f"LEFT JOIN index_terms t ON t.id = d.term WHERE d.id IN ({marks})",
                                      missing):
                out[r[0]] = kept[r[0]] = r[1:]
        return {i: out[i] for i in ids}

    def _descend(self, c: Code, match: Match, ask: Ask) -> tuple[Code, Match]:
        """From a header the Index or a title led to, down to the code the query means.

        At each level the child whose title shares the most of the query's words (by idf) wins;
        when the query says nothing more, the default: the 'unspecified' child, else a 'without'
        or 'not' child (without complication, not intractable), else 'other', else the first.
        A number of the query picks the child whose title holds it (bmi 41: 40.0-44.9).
        Stops at codes that only lack their 7th character.
        """
        stems = ask.stems
        start = c
        while not c.billable:
            kids, seventh = self._step(c.code)
            if seventh or not kids:
                break
            options = [k for k in (self.kb.find(x) for x in kids) if k is not None]
            if not options:
                break
            c = max(enumerate(options), key=lambda nk: (
                self._overlap(nk[1].title, stems), fits(nk[1].title, ask.numbers),
                _default_rank(nk[1].title, stems), -nk[0]))[1]
        if c is start:
            return c, match
        return c, Match(match.via, match.path, start.code)

    def _step(self, code: str) -> tuple[tuple[str, ...], bool]:
        """:func:`next_step` of a code, kept (a search asks it of the same headers several times)."""
        step = self._steps.get(code)
        if step is None:
            step = self._steps[code] = next_step(self.kb, code)
        return step

    def _complete(self, c: Code, match: Match, stems: set[str]) -> tuple[Code, Match]:
        """For a claim-ready answer: the 7th character the query names (initial, subsequent,
        sequela...), else the first the code defines (A, initial encounter, for injuries)."""
        kids, seventh = self._step(c.code)
        options = [k for k in (self.kb.find(x) for x in kids) if k is not None and k.billable]
        if not seventh or not options:
            return c, match
        best = max(enumerate(options), key=lambda nk: (self._overlap(nk[1].title, stems), -nk[0]))[1]
        return best, Match(match.via, match.path, match.refined_from or c.code)

    def _stems_of(self, printed: str) -> frozenset[str]:
        """The stems of a title or path the knowledge base prints, kept (bounded)."""
        got = self._printed.get(printed)
        if got is None:
            got = self._printed[printed] = frozenset(stem(w) for w in words(printed))
        return got

    def _overlap(self, title: str, stems: set[str]) -> float:
        """The idf of the query's stems a title prints, summed in sorted order: a float sum
        over a set's iteration order would change with PYTHONHASHSEED and swap equal siblings."""
        total = 0.0
        for s in sorted(self._stems_of(title) & stems):
            if (post := self.postings(s)) is not None:
                total += post[0]
        return total

    def _result(self, code: str, score: float, match: Match, header: str | None = None) -> Result | None:
        c = self.kb.find(code)
        if c is None:
            return None
        kids, seventh = ((), False) if c.billable else self._step(c.code)
        return Result(c.code, c.title, c.billable, score, match, seventh, kids, header)

    def _code_results(self, text: str) -> list[Result]:
        """A query that is itself a code (``M54.2``, ``m542``) answers with that code first."""
        if not _CODE_LIKE.match(text):
            return []
        try:
            c = self.kb.find(text)
        except MalformedCode:
            return []
        if c is None:
            return []
        result = self._result(c.code, 2.0, Match("code", c.code))
        if result is None:
            return []
        out = [result]
        if not c.billable:  # 'M54.' asks for the codes under M54: its children, in tabular order
            for n, kid in enumerate(self.kb.children(c.code)):
                r = self._result(kid.code, 1.9 - 0.001 * n, Match("code", f"{c.code} › {kid.code}"))
                if r:
                    out.append(r)
        return out


def _raise(vec: _F, ids: _I, value: float) -> None:
    """vec[ids] = max(vec[ids], value) (ids are unique within one postings list)."""
    if len(ids):
        vec[ids] = np.maximum(vec[ids], value)


def _most_raised(ask: Ask) -> float:
    """The most :meth:`Searcher._group` adds to a document's score for this query (at most
    :data:`MAX_RAISE`): billable, the literal path, a 'without' agreeing with what the query
    negates (only when it negates something), a number of the query in the title (only when
    it has numbers)."""
    return 0.005 + _LITERAL + (AGREES if ask.negated else 0.0) + (_NUMBER if ask.numbers else 0.0)


def _union(arrays: list[_I]) -> _I:
    """The distinct ids of several id arrays, sorted (a sort and a pass: numpy's unique hashes
    first, ten times slower on a few thousand ids)."""
    arrays = [a for a in arrays if len(a)]
    if len(arrays) <= 1:
        return arrays[0] if arrays else np.zeros(0, dtype=np.int32)
    ids = np.sort(np.concatenate(arrays))
    first = np.empty(len(ids), dtype=bool)
    first[0] = True
    np.not_equal(ids[1:], ids[:-1], out=first[1:])
    kept: _I = ids[first]
    return kept


def _joined(arrays: list[_I]) -> _I:
    """Several id arrays as one (an id may repeat)."""
    arrays = [a for a in arrays if len(a)]
    if not arrays:
        return np.zeros(0, dtype=np.int32)
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)


def _default_rank(title: str, stems: set[str]) -> float:
    """How much a child title looks like the default when the query says nothing more."""
    ws = words(title)
    side = any(w in _SIDES and w not in stems for w in ws)
    return (ws.count("unspecified") - side + 0.5 * (ws.count("without") - ws.count("with"))
            + 0.3 * ("not" in ws) + 0.25 * ("other" in ws))


def _pick(found: list[str], order: tuple[str, ...], default: str) -> str:
    for col in order:
        if col in found:
            return col
    return default


def _check(query: str, limit: int) -> str:
    text = (query or "").strip()
    if not text:
        raise InvalidInput("empty query: type a condition, a drug, a site or a code")
    if len(text) > MAX_QUERY:
        raise InvalidInput(f"query too long ({len(text)} characters; at most {MAX_QUERY})")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    return text


_SOUNDS = (("sch", "sk"), ("ph", "f"), ("ck", "k"), ("ch", "k"), ("tz", "z"), ("c", "k"), ("q", "k"),
           ("x", "ks"), ("z", "s"), ("y", "i"), ("th", "t"), ("gh", "g"), ("kn", "n"), ("wr", "r"),
           ("h", ""))


def sound(word: str) -> str:
    """A rough key of how a word sounds: spellings of one sound merged, doubles and vowels dropped.

    >>> sound("skitzophrenia") == sound("schizophrenia")
    True
    """
    w = word.lower()
    for a, b in _SOUNDS:
        w = w.replace(a, b)
    w = re.sub(r"(.)\1+", r"\1", w)
    return w[:1] + re.sub(r"[aeiou]", "", w[1:])


def _distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (adjacent transpositions count one), capped."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]
