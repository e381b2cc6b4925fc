"""Diagnosis mentions of a note, found through the search layer (Index, Tables, titles,
inclusion terms, abbreviations and synonyms).

Each clause (see :mod:`icdkit.notes.sentences`) loses its assertion triggers and filler words
(``patient``, ``continue``, ``for 3 days``); its words are then scanned once by the compiled
phrase matcher (:mod:`icdkit.search.phrases`: every search document's exact phrase, by stems,
with abbreviations rewritten). A clause naming no phrase, Index main term or abbreviation holds
nothing to code and is not searched. Otherwise the clause is asked of the search — ranked from
its own documents when it is exactly one phrase (:meth:`~icdkit.search.engine.Searcher.phrase`),
by the full :class:`~icdkit.search.engine.Searcher` otherwise. A result is kept as a mention only
when it is a strong match that *accounts for the words*: an Index path's main term (or a Table
row's substance or site) is among the clause's words, and most of the clause's words are on the
path or title (a clause most of whose words no document prints is not searched at all). A
clause that fails is cut at ``with`` / ``due to`` and each side tried, then each of its phrases,
longest first. Drug Table rows need an intent word (``adverse effect``, ``overdose``,
``underdosing``…) so a medication list is not read as poisonings.

>>> from icdkit import KnowledgeBase
>>> kb = KnowledgeBase.open()
>>> [(m.code, m.text) for m in find(Finder(kb), "Acute bronchitis; albuterol.", 0, "assessment_plan", 1)]
[('J20.9', 'Acute bronchitis')]
"""

from __future__ import annotations

import contextlib
import contextvars
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

import numpy as np

from icdkit.notes.context import PRESENT, Assertion, Rules, Trigger, assertion, bundled_rules, triggers
from icdkit.notes.sentences import Span, clauses
from icdkit.search.engine import _CODE_LIKE, Result, Searcher
from icdkit.search.phrases import Hit, longest
from icdkit.search.printable import STOP_STEMS, Printable
from icdkit.vocabulary import STOP, fold, stem
from icdkit.vocabulary import query_words as words
from icdkit.vocabulary import words as vwords  # memoised: for release data (paths, titles) only

if TYPE_CHECKING:
    import numpy.typing as npt

    from icdkit.kb import KnowledgeBase

MIN_SCORE = 0.6  # search score a mention needs (1.0 ≈ every word matched)
MIN_TABLE = 0.72  # for Drug and Neoplasm Table rows
MIN_COVER = 0.75  # share of the clause's words the code's path or title must account for
POOL = 40  # documents the search ranks in full: the coder keeps only its top few
MAX_WORDS = 14  # longer clauses are searched by their main terms only
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'/+-]*")
FILLER = frozenset("""
patient pt pts he she his her him they them their has have had having is was are were be been
being currently also again today now noted note notes reports reported reporting presents presented
presenting here visit c/o complains complaining continue continued continues cont start started
starting stop stopped increase increased decrease decreased dose doses mg mcg daily bid tid qid prn
qhs follow up f/u stable controlled well improved improving worsening worse better known new recent
recently ongoing management manage managed check recheck monitor monitoring labs lab plan refer
referral referred discussed counseled return clinic days day weeks week months month years year
yo y/o year-old male female man woman boy girl gentleman lady diagnosed diagnosis dx seen
evaluation treated treatment treat therapy medication medications meds rx will would continue
appears status overall good fair poor given needs need requires require last about approximately
times time since ago x please pcp er ed hospital admitted admission discharged home further
likely versus vs ok okay sp s/p encounter initial subsequent sequela visit
""".split())  # noqa: SIM905
_UNITS = frozenset({"ppd"})  # after a number: '1 ppd' is packs a day, not PPD
QUALIFIERS = frozenset({"left", "right", "bilateral", "lt", "rt", "closed", "open", "displaced",
                        "nondisplaced", "non-displaced"})
_NUMBER_CONTEXT = frozenset({"stage", "type", "grade", "class", "degree", "bmi", "trimester", "level",
                             "gravida", "para", "week", "weeks", "nyha", "gold", "t", "c"})
_GENERIC = frozenset({"unspecified", "other", "specified", "site", "sites", "not", "elsewhere", "classified",
                      "nos", "nec", "without", "with", "of", "in", "and", "part", "type", "or", "the",
                      "primary", "malignant", "neoplasm", "neoplastic", "a", "to", "by",
                      "poisoning", "accidental", "unintentional", "adverse", "effect", "disease",
                      "diseased", "disorder", "condition", "mellitus", "due", "on", "for"})
# a trigger that is itself what is coded ('Screening, neoplasm, colon' Z12.11; 'Susceptibility,
# genetic, to neoplasm, breast' Z15.01): kept as words of the search, and its result is present
_CODED_TRIGGER = re.compile(r"\b(?:screening|screen|susceptibility|carrier)\b", re.IGNORECASE)
_KEEP = frozenset({"without", "with", "no", "not"})  # triggers that are also words of titles ('without aura')
_NOT_ALONE = ("V", "W", "X", "Y", "Z", "T14", "T66", "T70", "T75")
_PLAN_NOUNS = frozenset({"control", "management", "relief", "precautions", "medication", "medications",
                         "meds", "regimen", "education", "reduction", "prevention", "prophylaxis", "clinic",
                         "diary", "log", "plan", "goals", "goal", "screening", "check", "follow-up", "test",
                         "tests", "testing"})
_CUES = frozenset({"adverse", "effect", "effects", "side", "overdose", "poisoning", "toxicity", "toxic",
                   "underdosing", "reaction", "accidental", "intentional", "induced"})
_WITHOUT = re.compile(r"\bwithout ([^,(]+)")
_WITH = re.compile(r"(?<!out)\bwith ([^,(]+)")
_SPLIT_AT = re.compile(r"\s+(?:with|w/|due to|secondary to|caused by|from|complicated by|in setting of)\s+",
                       re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Mention:
    """A diagnosis mentioned in the note, the code the search gave it, and its assertion."""

    start: int  # evidence span, offsets into the note
    end: int
    text: str
    result: Result
    section: str
    rank: int  # of the section: 1 = assessment/plan … 4 = review of systems, exam
    unit: Span  # the sentence or list item holding it
    words: tuple[str, ...]  # the words asked of the search
    assertion: Assertion = PRESENT
    cues: tuple[str, ...] = field(default=())  # Drug Table intent columns the words named

    @property
    def code(self) -> str:
        return self.result.code


_MEMO: contextvars.ContextVar[dict[tuple[str, int, float | None, float | None], list[Result]] | None] = \
    contextvars.ContextVar("icdkit_note_memo", default=None)
# the result each query's words make a mention of (see _best), for the length of one note too
_PICKED: contextvars.ContextVar[dict[tuple[str, ...], _Picked | None] | None] = \
    contextvars.ContextVar("icdkit_note_picked", default=None)


@contextlib.contextmanager
def note_scope() -> Iterator[None]:
    """Memoise searches while one note is coded; the memo is dropped when the block ends."""
    token = _MEMO.set({})
    picked = _PICKED.set({})
    try:
        yield
    finally:
        _PICKED.reset(picked)
        _MEMO.reset(token)


T = TypeVar("T")


class _Once(Generic[T]):
    """A table read from the store on first use, built once whichever thread asks first (the
    tables of one finder share *lock*)."""

    def __init__(self, make: Callable[[], T], lock: threading.Lock) -> None:
        self._make = make
        self._lock = lock
        self._value: T | None = None

    def get(self) -> T:
        if self._value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._make()
        return self._value


class Finder:
    """The search and the rules mentions are found with (one per knowledge base)."""

    def __init__(self, kb: KnowledgeBase, searcher: Searcher | None = None,
                 rules: Rules | None = None) -> None:
        self.kb = kb
        self.searcher = searcher or _searcher_of(kb)
        self.rules = rules or bundled_rules()
        self.synonyms = self.searcher.synonyms
        self.phrases = self.searcher.phrases
        self.abbreviations = self.synonyms.rewritten_words()  # a word rewritten alone ('htn')
        self.anchors = _anchors(kb)
        self.to_table = _to_table(kb)
        self.with_cache: dict[str, set[str]] = {}  # Index main term → words under its 'with'
        building = threading.Lock()  # one build of each table below, whichever thread asks
        self._names = _Once(lambda: _one_word_names(kb), building)
        self._heads = _Once(lambda: _Heads(kb), building)
        self._printable = _Once(lambda: Printable(self.searcher), building)
        self._shown: dict[tuple[str, str, str], _Shown] = {}  # a result's path and title, read (bounded)


    def search(self, query: str, limit: int = 6, floor: float | None = None,
               least: float | None = None) -> list[Result]:
        """The searcher's results, memoised for the length of one note's coding only (the memo
        lives in a context variable :func:`note_scope` sets and drops: no note text outlives
        the call). An exact phrase is ranked from its own documents
        (:meth:`~icdkit.search.engine.Searcher.phrase`), anything else by the full search,
        which leaves out the documents scoring below *floor*, or that cannot make a result
        scoring *least* (see :meth:`~icdkit.search.engine.Searcher.search`)."""
        memo = _MEMO.get()
        if memo is None:
            return self._search(query, limit, floor, least)
        key = (query, limit, floor, least)
        if key not in memo:
            memo[key] = self._search(query, limit, floor, least)
        return memo[key]

    def _search(self, query: str, limit: int, floor: float | None, least: float | None) -> list[Result]:
        got = self.searcher.phrase(query, limit=limit, pool=POOL)
        return self.searcher.search(query, limit=limit, pool=POOL, floor=floor, least=least) \
            if got is None else got

    @property
    def names(self) -> frozenset[str]:
        """Every one-word name a result that may stand alone can carry (:func:`_names`): a
        document's first path element's first comma part, or a later part that is another
        form of it ('Disease, diseased'), or a whole code title — of a result that is neither a
        Table row nor a code never coded alone (:data:`_NOT_ALONE`: 'Care' names only Z codes).
        One word of a note that is none of them, nor a Table row's name with its column's cue
        (:attr:`table_names`), makes no mention, so it is not searched. Read from the store
        once per knowledge base."""
        return self._names.get().plain

    @property
    def table_names(self) -> dict[str, frozenset[str]]:
        """The one-word names of each Table's rows ('heroin'): a mention only with an intent
        (Drug Table) or a behavior (Neoplasm Table) word (:func:`_fit`)."""
        return self._names.get().tables

    def prepare(self) -> None:
        """Build what the first note would (the one-word names, the head words, the printable
        stems' tables: ~2.5 s of CPU for a release) now: a server's warm-up, not a request's."""
        self._names.get()
        self._heads.get()
        self._printable.get().prepare()

    @property
    def heads(self) -> _Heads:
        """The documents by their results' head words (:class:`_Heads`)."""
        return self._heads.get()

    @property
    def printable(self) -> Printable:
        """The documents whose results can print each stem (:mod:`icdkit.search.printable`)."""
        return self._printable.get()

    def shown(self, r: Result) -> _Shown:
        """What the result's path and title print, read once per result (release data only)."""
        key = (r.matched.via, r.matched.path, r.title)
        got = self._shown.get(key)
        if got is None:
            if len(self._shown) > _SHOWN:
                self._shown.clear()
            got = self._shown[key] = _read_shown(r)
        return got

    def stems_of(self, tokens: list[str]) -> list[set[str]]:
        """The stems of each variant of *tokens* (abbreviations and lay words rewritten)."""
        return [{stem(w) for w in v if w not in STOP} for v in self.synonyms.variants(tokens)]


def _searcher_of(kb: KnowledgeBase) -> Searcher:
    own = getattr(kb, "searcher", None)  # the public KnowledgeBase keeps one
    return own() if callable(own) else Searcher(kb, kb.connection())


def _anchors(kb: KnowledgeBase) -> frozenset[str]:
    """Stems of the Index's main terms: a clause without one holds no diagnosis to look for."""
    rows = kb.connection().execute("SELECT title FROM index_terms WHERE book IN ('index','eindex') "
                                   "AND level = 0").fetchall()
    return frozenset(stem(w) for (t,) in rows for w in words(t) if w not in STOP and not w.isdigit())


def _to_table(kb: KnowledgeBase) -> dict[str, str]:
    """Stems of the Index main terms that send to a Table, and which: 'Adenocarcinoma — see
    also Neoplasm, malignant, by site' → neoplasm; 'Toxicity — see Table of Drugs and
    Chemicals, by substance, poisoning' → drug. On that Table's row they are named by its column."""
    rows = kb.connection().execute(
        "SELECT title, see || ' ' || see_also FROM index_terms WHERE book='index' AND level = 0 "
        "AND (see LIKE 'Neoplasm%' OR see_also LIKE 'Neoplasm%' OR see LIKE 'Table of Drugs%' "
        "OR see_also LIKE 'Table of Drugs%')").fetchall()
    return {stem(w): "neoplasm" if "Neoplasm" in target else "drug"
            for t, target in rows for w in words(t.split(",")[0]) if w not in STOP}


@dataclass(frozen=True, slots=True)
class _OneWord:
    """One-word names (see :attr:`Finder.names`)."""

    plain: frozenset[str]
    tables: dict[str, frozenset[str]]


def _one_word_names(kb: KnowledgeBase) -> _OneWord:
    """The names :func:`_names` accepts of any result :func:`_best` may keep: the External
    Cause Index's are never kept, a code of :data:`_NOT_ALONE` (or one below it) never alone."""
    con = kb.connection()
    plain: set[str] = set()
    tables: dict[str, set[str]] = {"drug": set(), "neoplasm": set()}
    firsts = {(path.split(" › ", 1)[0], via, code.startswith(_NOT_ALONE)) for path, via, code in con.execute(
        "SELECT path, via, code FROM search_docs WHERE via != 'eindex'")}
    for first, via, alone_never in firsts:
        if alone_never and via not in tables:
            continue
        forms = [fold(x).strip() for x in first.split(" → ")[0].split(",")]
        named = tables.get(via, plain)
        for x in [forms[0], *(x for x in forms[1:] if x[:4] == forms[0][:4])]:
            if len(x.split()) == 1:
                named.add(x)
    for title, code in con.execute("SELECT title, code FROM nodes WHERE instr(trim(title), ' ') = 0"):
        if len(n := fold(title).split()) == 1 and not code.startswith(_NOT_ALONE):
            plain.add(n[0])
    return _OneWord(frozenset(plain), {k: frozenset(v) for k, v in tables.items()})


def _tokens(text: str, offset: int, skip: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Words of a clause with their note offsets, less filler, triggers and bare numbers."""
    out: list[tuple[int, int, str]] = []
    prev = ""
    for m in _TOKEN.finditer(text):
        a, b = offset + m.start(), offset + m.end()
        w = m.group().lower().strip("'-")
        if any(s < b and a < e for s, e in skip):
            prev = w
            continue
        numeric = w.replace(".", "").isdigit()
        if numeric and len(w) == 4:  # a year: 'Old MI (2022)'
            prev = w
            continue
        after_word = bool(out) and out[-1][1] >= a - 1 and prev == out[-1][2] and prev not in STOP
        if w in FILLER or (numeric and prev not in _NUMBER_CONTEXT and not after_word) or not w \
                or (w == "old" and prev in ("year", "years", "yr", "yrs", "month", "months", "day", "week")) \
                or (w in _UNITS and prev.replace(".", "").isdigit()):
            prev = w
            continue
        out.append((a, b, w))
        prev = w
    return out


def find(finder: Finder, text: str, offset: int, section: str, rank: int,
         unit: Span | None = None) -> list[Mention]:
    """Mentions in *text* (a sentence or list item at *offset* in the note)."""
    unit = unit or Span(offset, offset + len(text), text)
    found = triggers(finder.rules, text)
    skip = [(offset + t.start, offset + t.end) for t in found
            if any(r.category != "pseudo" for r in t.rules) and t.text.lower() not in _KEEP
            and not _CODED_TRIGGER.search(t.text)]
    pieces = [[(a, b, _singular(finder, w)) for a, b, w in _tokens(c.text, c.start, skip)]
              for c in clauses(Span(offset, offset + len(text), text))]
    got = [_clause(finder, toks, unit, section, rank, found) for toks in pieces]
    out: list[Mention] = []
    i = 0
    while i < len(pieces):
        ms, toks = got[i], pieces[i]
        # 'Major depressive disorder, recurrent, moderate': a short clause after a mention may
        # qualify it; joined, the words may name a more specific code
        # (a short clause naming two conditions of its own is no qualifier: not searched)
        while ms and i + 1 < len(pieces) and 0 < len(pieces[i + 1]) <= 5 and len(got[i + 1]) <= 1:
            last = ms[-1]
            joined = _try(finder, [t for t in toks if t[0] >= last.start] + pieces[i + 1], unit, section,
                          rank, found)
            known = [t for t in pieces[i + 1] if finder.searcher.postings(stem(t[2])) is not None]
            if joined is None and known and len(known) < len(pieces[i + 1]):
                # 'Cannabis use disorder, mild (DSM-5': the words no document prints left out
                joined = _try(finder, [t for t in toks if t[0] >= last.start] + known, unit, section, rank,
                              found)
            if joined is None or joined.result.score < last.result.score - 0.1:
                break
            ms = [*ms[:-1], joined]
            toks = toks + pieces[i + 1]
            i += 1
        out.extend(ms)
        i += 1
    return out


# Greek and Latin plurals the stemmer does not fold into their singulars ('keratoses' is
# 'keratos', 'keratosis' 'keratosi'): the singular is asked when only it is printed
_PLURALS = (("oses", "osis"), ("ases", "asis"), ("ices", "ix"), ("itides", "itis"), ("uli", "ulus"),
            ("boli", "bolus"), ("ula", "ulum"))


def _singular(finder: Finder, w: str) -> str:
    """*w*, or its singular when no document prints the plural and one prints the singular
    ('actinic keratoses' → 'keratosis', 'bone metastases' → 'metastasis', 'emboli' → 'embolus')."""
    for plural, single in _PLURALS:
        if w.endswith(plural) and len(w) > len(plural) + 2:
            postings = finder.searcher.postings
            one = w[:-len(plural)] + single
            if postings(stem(w)) is None and postings(stem(one)) is not None:
                return one
            break
    return w


def _clause(finder: Finder, toks: list[tuple[int, int, str]], unit: Span, section: str, rank: int,
            found: list[Trigger]) -> list[Mention]:
    if not toks:
        return []
    phrases = _phrases(finder, toks)
    if not phrases and not (len(toks) <= MAX_WORDS and any(
            stem(w) in finder.anchors or _abbrev(finder, w) for _, _, w in toks)):
        return []  # no phrase of the Index, titles, inclusion terms, Tables or synonyms
    if len(toks) <= MAX_WORDS:  # the search ranks the clause whole ('BMI 34': a number in a range)
        m = _try(finder, toks, unit, section, rank, found)
        if m is not None:
            return [m]
    # cut at 'with', 'due to'… and try each side
    a, b = toks[0][0], toks[-1][1]
    note_piece = unit.text[a - unit.start:b - unit.start]
    cuts = [(a + m.start(), a + m.end()) for m in _SPLIT_AT.finditer(note_piece)]
    if cuts:
        out: list[Mention] = []
        edges = [a, *[x for c in cuts for x in c], b]
        for lo, hi in zip(edges[::2], edges[1::2], strict=True):
            part = [t for t in toks if lo <= t[0] and t[1] <= hi]
            out.extend(_clause(finder, part, unit, section, rank, found))
        return out
    # each phrase the clause names, longest first
    out = []
    for lo, hi in phrases:
        m = _try(finder, toks[lo:hi], unit, section, rank, found)
        if m is not None:
            out.append(m)
    # an Index main term no phrase accounted for, with up to two words either side: a phrase
    # may be too short to code alone ('heroin' needs its 'overdose' for a Drug Table column)
    taken = [(m.start, m.end) for m in out]
    used = -1
    for i, (a, b, w) in enumerate(toks):
        if i <= used or any(s <= a and b <= e for s, e in taken) \
                or not (stem(w) in finder.anchors or _abbrev(finder, w)):
            continue
        best: tuple[float, Mention, int] | None = None
        for lo, hi in ((i, min(len(toks), i + 3)), (max(0, i - 1), i + 2), (i, i + 1)):
            m = _try(finder, toks[lo:hi], unit, section, rank, found)
            if m is not None and (best is None or m.result.score > best[0]):
                best = (m.result.score, m, hi - 1)
        if best is not None:
            out.append(best[1])
            used = best[2]
    out.sort(key=lambda m: m.start)
    return out


def _phrases(finder: Finder, toks: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """The phrases of the clause (:meth:`icdkit.search.phrases.Phrases.scan`) as ranges of its
    tokens, longest first and not overlapping, in text order."""
    ws: list[str] = []
    owner: list[int] = []
    for n, (_, _, w) in enumerate(toks):
        for x in words(w):
            ws.append(x)
            owner.append(n)
    def size(h: Hit) -> int:
        return sum(w not in STOP for w in ws[h.start:h.end])

    return [(owner[h.start], owner[h.end - 1] + 1) for h in longest(finder.phrases.scan(ws), size)]


def _abbrev(finder: Finder, w: str) -> bool:
    """Is *w* an abbreviation or lay word the synonyms rewrite alone ('htn', 'ckd')?"""
    return w in finder.abbreviations


def _try(finder: Finder, toks: list[tuple[int, int, str]], unit: Span, section: str, rank: int,
         found: list[Trigger]) -> Mention | None:
    """The mention these words make, or None when no result accounts for them."""
    while toks and (toks[0][2] in STOP or toks[0][2] in _KEEP):
        toks = toks[1:]
    while toks and (toks[-1][2] in STOP or toks[-1][2] in _KEEP):
        toks = toks[:-1]
    if not toks:
        return None
    found_m = _search(finder, toks, unit, section, rank, found)
    if found_m is None and any(w in QUALIFIERS for _, _, w in toks):
        # side, open/closed, displacement: left to the refinement of the code, not the search
        plain = [t for t in toks if t[2] not in QUALIFIERS]
        found_m = _search(finder, plain, unit, section, rank, found)
        if found_m is not None:
            a, b = toks[0][0], toks[-1][1]
            found_m = Mention(a, b, unit.text[a - unit.start:b - unit.start], found_m.result, section, rank,
                              unit, tuple(w for _, _, w in toks), found_m.assertion, found_m.cues)
    return found_m


def _search(finder: Finder, toks: list[tuple[int, int, str]], unit: Span, section: str, rank: int,
            found: list[Trigger]) -> Mention | None:
    if not toks:
        return None
    ws = [w for _, _, w in toks]
    query = " ".join(ws)
    if not query.strip() or len(query) > 500:
        return None
    if len(ws) == 1 and not _may_name(finder, ws[0]):
        return None  # one word that no result could be named by (see _names): not searched
    picked = _picked(finder, tuple(ws))
    if picked is None:
        return None
    best, intents = picked.result, picked.intents
    after = unit.text[toks[-1][1] - unit.start:].lstrip().split(" ", 1)[0].lower().strip(".,;:")
    if len(ws) == 1 and after in _PLAN_NOUNS:
        return None  # 'pain control', 'weight management': a goal of the plan
    a, b = toks[0][0], toks[-1][1]
    text = unit.text[a - unit.start:b - unit.start]
    asserted = assertion(finder.rules, unit.text, a - unit.start, b - unit.start, offset=unit.start,
                         found=found)
    if asserted.trigger and _CODED_TRIGGER.search(asserted.trigger) \
            and {stem(w) for w in words(asserted.trigger)} & {stem(w) for w in words(best.matched.path)}:
        asserted = PRESENT  # 'screening for colon cancer' is the screening (Z12.11), not a possible cancer
    return Mention(a, b, text, best, section, rank, unit, tuple(ws), asserted, intents)


@dataclass(frozen=True, slots=True)
class _Picked:
    """The result the words make a mention of, and the Drug Table intent columns they name."""

    result: Result
    intents: tuple[str, ...]


def _picked(finder: Finder, ws: tuple[str, ...]) -> _Picked | None:
    """:func:`_best` of the words, memoised for the length of one note's coding (as the
    searches are: a note asks the same words again from other clauses, windows and pairs)."""
    memo = _PICKED.get()
    if memo is None:
        return _best(finder, ws)
    if ws not in memo:
        memo[ws] = _best(finder, ws)
    return memo[ws]


def _best(finder: Finder, ws: tuple[str, ...]) -> _Picked | None:
    """The search result that accounts for the words *ws* (whatever clause they come from),
    or None: a strong match whose head words the query names and whose path and title show
    most of the words."""
    query = " ".join(ws)
    rewritten = finder.synonyms.variants(words(query))
    variants = [{stem(w) for w in v if w not in STOP} for v in rewritten]
    if not any(_coverable(finder, v) for v in variants):
        return None  # too many words no document prints: no result could account for them
    heads = {stem(w): w for w in ws if stem(w) in finder.anchors or _abbrev(finder, w)}
    intents = [c for v in rewritten
               for c, _ in finder.synonyms.cues(v, "intent") if c != "drug"]  # a column, not a drug
    behavior = any(finder.synonyms.cues(v, "behavior") for v in rewritten) or bool(_BEHAVIOR_WORDS & set(ws))
    if not _printable(finder, query, variants, heads, bool(intents), behavior):
        return None  # no document leads to a result naming its head and printing most words
    results = finder.search(query, least=MIN_SCORE)  # the least a mention's result scores
    if not results:
        return None
    best: tuple[float, Result] | None = None
    top = results[0].score
    asked = _Asked.of(ws)
    for r in results:
        floor = MIN_SCORE if r.matched.via in ("index", "title", "inclusion") else MIN_TABLE
        if r.matched.via == "eindex" or r.score < floor or r.score < top - 0.2:
            continue
        fit = _fit(finder, r, variants, bool(intents), behavior, asked)
        if fit is None:
            continue
        cover, precision = fit
        if cover < MIN_COVER or precision <= 0.5 or not _heads_shown(r, heads, finder):
            continue
        value = r.score + 0.25 * precision + 0.1 * cover
        if best is None or value > best[0]:
            best = (value, r)
    if best is None:
        return None
    if len(ws) == 1 and (best[1].code.startswith(_NOT_ALONE) or not _names(finder, ws[0], best[1])):
        return None  # 'counseling', 'screening', 'vital' (signs): an action or a part word, not a diagnosis
    if all(w in _CUES or w in STOP for w in ws):
        return None  # 'adverse effect' alone: the drug and the reaction are coded from their own words
    return _Picked(best[1], tuple(intents))


_GENERIC_STEMS = frozenset(stem(w) for w in _GENERIC)


def _coverable(finder: Finder, v: set[str]) -> bool:
    """Could a result's path and title show enough of the stems *v* (:data:`MIN_COVER`)? Only
    stems some document prints, or generic words, can be shown (an upper bound of :func:`_fit`'s
    cover, so a query failing it is not searched)."""
    if not v:
        return False
    shown = sum(1 for s in v if s in _GENERIC_STEMS or finder.searcher.postings(s) is not None)
    return shown / len(v) >= MIN_COVER


def _printable(finder: Finder, query: str, variants: list[set[str]], heads: dict[str, str],
               intent: bool, behavior: bool) -> bool:
    """Could some result pass :func:`_heads_shown` and :func:`_fit` (its head, its Table, its
    cover) for the words? Its document must lead to a result printing each main term (or a
    synonym of it, or — on a Table's row — be of the Table it sends to), be a Drug Table row
    only with an intent and a Neoplasm Table row only with a behavior, have its head words
    among one variant's stems and, with the generic words, print most of that variant
    (:mod:`icdkit.search.printable` gives the documents per stem: a superset, so a query
    failing this holds no result :func:`_best` keeps, and is not searched)."""
    if _CODE_LIKE.match(query.strip()):
        return True  # the search answers a code with that code
    printable = finder.printable
    among: npt.NDArray[np.uint8] | None = None  # a bit set of documents
    for h, w in heads.items():
        named = {h} | {stem(x) for v in finder.synonyms.variants([w])[1:] for x in v}
        if named & STOP_STEMS:
            continue  # printed by nearly every result
        docs = [printable.docs(x) for x in sorted(named)]
        table = finder.to_table.get(h)
        if table is not None:
            docs.append(printable.table(table))
        got = docs[0] if len(docs) == 1 else np.bitwise_or.reduce(docs)
        among = got if among is None else among & got
        if not among.any():
            return False
    base = printable.every() if among is None else among
    for table, asked in (("drug", intent), ("neoplasm", behavior)):
        if not asked:
            base = base & ~printable.table(table)
    for v in variants:
        if not v:
            continue
        generic = len(v & _GENERIC_STEMS)
        rest = sorted(v - _GENERIC_STEMS)
        need = next((c for c in range(len(rest) + 1) if (c + generic) / len(v) >= MIN_COVER), None)
        if need is None:
            continue
        # at[j]: the documents (of those printing the main terms, whose head v names) printing
        # j of the stems so far
        at = [base & finder.heads.docs(v)] + [printable.none()] * need
        if not need:
            if at[0].any():
                return True
            continue
        for i, x in enumerate(rest):
            bits = printable.docs(x)
            for j in range(min(need, i + 1), 0, -1):
                at[j] = at[j] | (at[j - 1] & bits)
        if at[need].any():
            return True
    return False


_BEHAVIOR_WORDS = frozenset({"neoplasm", "tumor", "tumour", "mass", "lesion", "growth"})


def _may_name(finder: Finder, w: str) -> bool:
    """Could the one word *w* pass :func:`_names` for some result :func:`_best` keeps? A Table
    row's name only with its column's cue (as :func:`_fit` asks)."""
    if len(w) < 3:
        return False
    if w in finder.names or _abbrev(finder, w):
        return True
    drug, neoplasm = (w in finder.table_names[t] for t in ("drug", "neoplasm"))
    if not (drug or neoplasm):
        return False
    rewritten = finder.synonyms.variants(words(w))
    cues = finder.synonyms.cues
    return (drug and any(c != "drug" for v in rewritten for c, _ in cues(v, "intent"))) \
        or (neoplasm and (any(cues(v, "behavior") for v in rewritten) or w in _BEHAVIOR_WORDS))


def _names(finder: Finder, w: str, r: Result) -> bool:
    """Does the one word *w* name the result's term itself (not a longer word sharing its stem:
    'vital' is not 'vitality'), or is it an abbreviation?"""
    if len(w) < 3:
        return False
    if _abbrev(finder, w):
        return True
    first = r.matched.path.split(" › ")[0].split(" → ")[0]
    # the comma's other forms of the main term ('Disease, diseased'), not its qualifier
    # ('Guidance, insufficient anterior' is not named by 'guidance')
    forms = [fold(x).strip() for x in first.split(",")]
    if r.matched.via == "index" and _essential(first):
        # 'Functioning, intellectual, borderline': the main term with its essential modifiers
        forms = [" ".join(forms)]
    names = {forms[0]} | {x for x in forms[1:] if x[:4] == forms[0][:4]} | {fold(r.title).strip()}
    return w in names or any(n.split()[:1] == [w] and len(n.split()) == 1 for n in names)


def _heads_shown(r: Result, heads: dict[str, str], finder: Finder) -> bool:
    """Every main-term word of the query (stem → word) is on the result's path or title (else
    the clause names a second condition the result leaves out: 'hypertension with CKD stage 3'
    is not N18.30), or — on a Table's row — is a main term the Index sends to that Table
    ('adenocarcinoma' on '… › liver › Malignant secondary', 'toxicity' on 'Digoxin › …')."""
    shown = finder.shown(r).every
    for h, w in heads.items():
        if h in shown or finder.to_table.get(h) == r.matched.via:
            continue
        if not any({stem(x) for x in v} & shown for v in finder.synonyms.variants([w])[1:]):
            return False
    return True


_SHOWN = 50_000  # results' readings kept per finder
_GENERIC_OWN = frozenset(stem(w) for w in _GENERIC - {"disease", "diseased", "disorder", "condition"})


@dataclass(frozen=True, slots=True)
class _Shown:
    """What a result's path and title print, as :func:`_fit` and :func:`_heads_shown` read it."""

    head: frozenset[str]  # stems of the head word(s) the query must name (empty: none)
    every: frozenset[str]  # stems of the path and title
    shown: frozenset[str]  # the same less stop words
    denied: tuple[frozenset[str], ...]  # stems of each 'without …' phrase of the title
    numbers: frozenset[str]  # words holding a digit
    with_: frozenset[str]  # stems the title says 'with'
    own: frozenset[str]  # stems of the path's own terms, generic words left out
    neoplasm: bool  # the title says neoplasm


def _head(via: str, path: str, split: Callable[[str], Sequence[str]] = vwords) -> frozenset[str]:
    """Stems of the head word(s) a query must name for a result reached by *via* with *path*
    (empty: none): an Index or Drug Table path's main term, a Neoplasm Table row's site."""
    parts = [p.split(" → ")[0] for p in path.split(" › ")]
    if via in ("index", "eindex", "drug"):
        # the main term's first form: 'Alzheimer's disease or sclerosis' is named by 'Alzheimer's disease'
        return frozenset(stem(w) for w in split(parts[0].split(",")[0].split(" or ")[0]) if w not in STOP)
    if via == "neoplasm":
        return frozenset(stem(w) for w in split(parts[1] if len(parts) > 2 else parts[0]) if w not in STOP)
    return frozenset()


class _Heads:
    """The documents by the head words their results need (:func:`_head`), read from the store
    once per finder: :meth:`docs` gives those whose head a query's stems name."""

    def __init__(self, kb: KnowledgeBase) -> None:
        by_head: dict[frozenset[str], list[int]] = {}
        for i, via, path in kb.connection().execute("SELECT id, via, path FROM search_docs ORDER BY id"):
            # a Table row's result path ends in its column's heading
            shown = f"{path} › column" if via in ("drug", "neoplasm") else path
            by_head.setdefault(_head(via, shown, words), []).append(i)
        self.n = i + 1 if by_head else 0
        headless = np.zeros(self.n, dtype=bool)
        self.by_stem: dict[str, list[tuple[frozenset[str], npt.NDArray[np.int32]]]] = {}
        for head, ids in by_head.items():
            if head:
                self.by_stem.setdefault(min(head), []).append((head, np.array(ids, dtype=np.int32)))
            else:
                headless[ids] = True
        self.headless = np.packbits(headless)  # (read only)

    def docs(self, v: set[str]) -> npt.NDArray[np.uint8]:
        """The documents whose head is among the stems *v*, as a bit set (``np.packbits``)."""
        named = [ids for s in v for head, ids in self.by_stem.get(s, ()) if head <= v]
        if not named:
            return self.headless
        mask = np.zeros(self.n, dtype=bool)
        mask[np.concatenate(named)] = True
        return np.packbits(mask) | self.headless


def _essential(term: str) -> str:
    """The words of an Index main term's comma parts that are essential modifiers, not the
    term's other forms: a note must say them too. 'Disease, diseased' is one
    word in two forms; 'Functioning, intellectual, borderline' (R41.83) and 'Tenderness,
    abdominal' (R10.819) are not named by 'functioning' or 'tenderness' alone: only words in
    parentheses are nonessential (Guidelines I.A.7, the Index's punctuation)."""
    forms = [fold(x).strip() for x in term.split(",")]
    return " ".join(x for x in forms[1:] if x[:4] != forms[0][:4])


def _read_shown(r: Result) -> _Shown:
    parts = [p.split(" → ")[0] for p in r.matched.path.split(" › ")]
    via = r.matched.via
    head = _head(via, r.matched.path)
    printed = vwords(r.matched.path + " " + r.title)
    kept = parts[:-1] if via in ("drug", "neoplasm") else parts
    own = ({stem(w) for p in kept for w in vwords(p.split(",")[0])}
           if via not in ("title", "inclusion") else {stem(w) for w in vwords(r.matched.path)})
    def stems(text: str) -> frozenset[str]:
        return frozenset(stem(w) for w in vwords(text) if w not in STOP)

    return _Shown(frozenset(head), frozenset(stem(w) for w in printed),
                  frozenset(stem(w) for w in printed if w not in STOP),
                  tuple(stems(p) for p in _WITHOUT.findall(r.title)),
                  frozenset(w for w in printed if any(ch.isdigit() for ch in w)),
                  frozenset().union(*(stems(p) for p in _WITH.findall(r.title.lower()))),
                  frozenset(own - _GENERIC_OWN), "neoplasm" in vwords(r.title))


@dataclass(frozen=True, slots=True)
class _Asked:
    """What :func:`_fit` reads of the query's words, read once per query."""

    numbers: frozenset[str]  # words holding a digit
    absent: frozenset[str]  # stems the query says it is 'without'

    @classmethod
    def of(cls, query: Iterable[str]) -> _Asked:
        query = list(query)
        # by word, as the path prints them: 'covid-19' is 'covid' and '19' ('COVID-19 › pneumonia')
        return cls(frozenset(x for w in query for x in words(w) if any(ch.isdigit() for ch in x)),
                   frozenset(stem(w) for p in _WITHOUT.findall(" ".join(query)) for w in words(p)
                             if w not in STOP))


def _fit(finder: Finder, r: Result, variants: list[set[str]], intent: bool, behavior: bool,
         asked: _Asked) -> tuple[float, float] | None:
    """(share of the query's words the result accounts for, share of the result's words the
    query has), or None when the result's head word is not in the query."""
    via = r.matched.via
    if via == "drug" and not intent:
        return None
    read = finder.shown(r)
    if not behavior and (via == "neoplasm" or read.neoplasm):
        return None  # a neoplasm code needs a word saying neoplasm, tumour, cancer…
    head, own = read.head, read.own
    shown = read.shown | _GENERIC_STEMS
    numbers, absent = asked.numbers, asked.absent
    best: tuple[float, float] | None = None
    for v in variants:
        if head and not head <= v:
            continue
        # 'without heart failure' when the note says heart failure (and not 'without' it)
        if any(d and d <= v and not d <= absent for d in read.denied):
            continue
        if numbers and read.numbers and not numbers <= read.numbers:
            continue  # 'stage 3' is not 'stage 5'
        if absent and absent <= read.with_:  # 'GERD without esophagitis' is not '… with esophagitis'
            continue
        if not v:
            continue
        cover = len(v & shown) / len(v)
        precision = len(own & v) / len(own) if own else 1.0
        if best is None or (cover, precision) > best:
            best = (cover, precision)
    return best
