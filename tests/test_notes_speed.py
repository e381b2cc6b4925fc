"""The note coder's shortcuts change its speed, never its answers: each is checked by coding
notes of the development set with the shortcut and without it (the plain, slower path)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from icdkit import KnowledgeBase
from icdkit.notes import code_note, mentions
from icdkit.notes.coder import tools
from icdkit.notes.mentions import Finder, Mention, _read_shown, _try
from icdkit.notes.sentences import Span

NOTES = Path(__file__).resolve().parent.parent / "benchmarks" / "notes" / "notes.jsonl"


def dev_notes(step: int = 4) -> list[dict[str, Any]]:
    rows = [json.loads(x) for x in NOTES.read_text().splitlines() if x.strip()]
    return rows[::step]  # a quarter of the set, every specialty and setting


def coded(kb: KnowledgeBase, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [code_note(r["text"], setting=r.get("setting", "outpatient"), date=r.get("date"), age=r.get("age"),
                      sex=r.get("sex"), kb=kb).to_json() for r in rows]


def same_without(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch, plain: Callable[[], None]) -> None:
    rows = dev_notes()
    fast = coded(kb, rows)
    with monkeypatch.context():
        plain()
        slow = coded(kb, rows)
    assert fast == slow
    assert sum(len(r["codes"]) for r in fast) > len(rows)  # the notes were coded, not skipped


def test_one_word_no_result_is_named_by_is_not_searched_and_nothing_is_lost(kb: KnowledgeBase) -> None:
    finder, _ = tools(kb)
    assert {"pneumonia", "hypertension", "panic"} <= finder.names  # main terms
    assert "heroin" in finder.table_names["drug"] and "heroin" not in finder.names  # a Drug Table row
    assert "vital" not in finder.names and "thyroid-stimulating" not in finder.names
    assert "care" not in finder.names  # 'Care' names Z codes only: never a mention alone
    assert not mentions._may_name(finder, "prednisone")  # a Drug Table row, no intent said: no mention

    def one(w: str, may: bool) -> Mention | None:
        text = f"{w}."
        unit = Span(0, len(text), text)
        with mentions.note_scope():
            saved = mentions._may_name
            mentions._may_name = (lambda f, x: True) if not may else saved  # type: ignore[assignment]
            try:
                return _try(finder, [(0, len(w), w)], unit, "assessment_plan", 1, [])
            finally:
                mentions._may_name = saved  # type: ignore[assignment]

    ws = sorted({w.lower().strip(".,;:()") for r in dev_notes(8) for w in r["text"].split()} - {""})
    skipped = [w for w in ws if not mentions._may_name(finder, w)]
    assert len(skipped) > 50  # the shortcut does skip searches
    for w in ws:
        fast, slow = one(w, True), one(w, False)
        assert (fast and (fast.code, fast.text)) == (slow and (slow.code, slow.text)), w


def test_the_notes_are_coded_the_same_without_the_one_word_shortcut(
        kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    same_without(kb, monkeypatch, lambda: monkeypatch.setattr(mentions, "_may_name", lambda f, w: True))


def test_results_read_once_per_finder_read_as_fresh(
        kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    finder, _ = tools(kb)
    same_without(kb, monkeypatch,
                 lambda: monkeypatch.setattr(Finder, "shown", lambda self, r: _read_shown(r)))
    assert finder._shown and all(v == _read_shown_key(k) for k, v in list(finder._shown.items())[:200])


def _read_shown_key(key: tuple[str, str, str]) -> object:
    via, path, title = key
    from icdkit.search.engine import Match, Result

    return _read_shown(Result("X", title, True, 1.0, Match(via, path), False, ()))


def note_queries(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The queries the note coder asks the full search while coding notes of the set."""
    searcher = tools(kb)[0].searcher
    asked: list[str] = []
    full = searcher.search

    def recording(query: str, **kw: Any) -> Any:
        asked.append(query)
        return full(query, **kw)

    with monkeypatch.context() as m:
        m.setattr(searcher, "search", recording)
        coded(kb, dev_notes(6))
    return list(dict.fromkeys(asked))


def test_scoring_only_the_documents_that_can_reach_the_floor_gives_the_same_scores(
        kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    from icdkit.search.engine import content, digits, query_words

    searcher = tools(kb)[0].searcher
    queries = note_queries(kb, monkeypatch)
    assert len(queries) > 100
    pruned = 0
    for q in queries:
        tokens = digits(content(query_words(q)))
        for variant, intents, behaviors in searcher._variants(tokens)[0]:
            cues = {w for _, phrase in intents + behaviors for w in phrase}
            positions = searcher._positions(variant, False, cues)
            if not positions:
                continue
            tables = {"drug": bool(intents), "neoplasm": bool(behaviors)}
            score, ids = searcher._score(positions, tables)
            kept_score, kept_ids = searcher._score(positions, tables, 0.45)
            every = dict(zip(ids.tolist(), score.tolist(), strict=True))
            kept = dict(zip(kept_ids.tolist(), kept_score.tolist(), strict=True))
            assert all(every[i] == s for i, s in kept.items()), q  # the same numbers, bit for bit
            assert {i for i, s in every.items() if s >= 0.45} <= set(kept), q  # none that reaches it lost
            pruned += len(every) - len(kept)
            assert all(not v.any() for v in searcher._vectors()) and not searcher._inside().any()
    assert pruned > 10_000  # documents that could not reach the floor were not scored


def test_the_least_score_wanted_keeps_every_result_scoring_it_in_order(
        kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    searcher = tools(kb)[0].searcher
    queries = note_queries(kb, monkeypatch)
    for q in [*queries, "cystic fibrosis without meconium ileus", "bmi 41 adult", "migraine without aura"]:
        full = [(r.code, r.score, r.matched) for r in searcher.search(q, limit=6, pool=40) if r.score >= 0.6]
        kept = [(r.code, r.score, r.matched) for r in searcher.search(q, limit=6, pool=40, least=0.6)
                if r.score >= 0.6]
        assert kept == full, q


def test_the_trigger_trie_matches_what_every_literal_listed_longest_first_matches() -> None:
    import re

    from icdkit.notes.context import _edge, bundled_rules

    rules = bundled_rules()
    literals = sorted({r.text for r in rules.rules if not r.pattern}, key=len, reverse=True)
    listed = re.compile("|".join(f"{_edge(t, True)}{re.escape(t)}{_edge(t, False)}" for t in literals),
                        re.IGNORECASE)
    texts = [r["text"] for r in dev_notes(1)]
    texts += [f(lit) for lit in literals for f in (str.upper, lambda t: f"x{t}x", lambda t: f"a {t}, b",
                                                   lambda t: t + t, lambda t: f"{t}s")]
    assert len(literals) > 200
    for text in texts:
        want = [m.span() for m in listed.finditer(text)]
        assert [m.span() for m in rules.regex.finditer(text)] == want, text


def test_the_words_rewritten_alone_are_those_whose_variants_are_more_than_them(kb: KnowledgeBase) -> None:
    finder, _ = tools(kb)
    syn = finder.synonyms
    ws = {w for r in dev_notes(1) for w in mentions.words(r["text"])}
    ws |= {w for e in syn.entries for w in e.phrase} | {"h/o", "covid-19", "s/p", ""}
    assert {w for w in ws if len(syn.variants([w])) > 1} == {w for w in ws if mentions._abbrev(finder, w)}
    assert {"htn", "ckd", "copd"} <= finder.abbreviations


def test_synonym_spans_and_cues_skip_only_words_that_begin_no_phrase(kb: KnowledgeBase) -> None:
    syn = tools(kb)[0].synonyms
    rewrites = {e.phrase for e in syn.entries if e.kind not in ("intent", "behavior")}
    longest = max(len(p) for p in rewrites)

    def spans(tokens: list[str]) -> list[tuple[int, int]]:  # every window looked up, as before
        return [(i, i + n) for i in range(len(tokens)) for n in range(min(longest, len(tokens) - i), 0, -1)
                if tuple(tokens[i:i + n]) in rewrites]

    def cues(tokens: list[str], kind: str) -> list[tuple[str, ...]]:
        table = {e.phrase for e in syn.entries if e.kind == kind}
        found, i = [], 0
        while i < len(tokens):
            n = next((n for n in (3, 2, 1) if len(tokens[i:i + n]) == n and tuple(tokens[i:i + n]) in table),
                     0)
            if n:
                found.append(tuple(tokens[i:i + n]))
            i += n or 1
        return found

    texts = [mentions.words(r["text"]) for r in dev_notes(1)]
    texts += [[*e.phrase, "and", *e.phrase] for e in syn.entries]
    for ws in texts:
        got = syn.spans(ws)
        assert sorted({(a, b) for a, b, _ in got}) == sorted(
            s for s in set(spans(ws)) if not any(o[0] <= s[0] and s[1] <= o[1] and o[1] - o[0] > s[1] - s[0]
                                                 for o in spans(ws))), ws
        for kind in ("intent", "behavior"):
            assert [p for _, p in syn.cues(ws, kind)] == cues(ws, kind), ws


def test_the_notes_are_coded_the_same_without_the_per_note_memo_of_picked_results(
        kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, ...]] = []
    best = mentions._best

    def counted(finder: Finder, ws: tuple[str, ...]) -> object:
        calls.append(ws)
        return best(finder, ws)

    monkeypatch.setattr(mentions, "_best", counted)
    rows = dev_notes()
    fast = coded(kb, rows)
    memoised = len(calls)
    with monkeypatch.context() as m:
        m.setattr(mentions, "_picked", counted)
        slow = coded(kb, rows)
    assert fast == slow
    assert memoised < len(calls) - memoised  # words asked again within a note were not read again
    with mentions.note_scope():
        assert mentions._PICKED.get() == {}
    assert mentions._PICKED.get() is None  # nothing of a note outlives its coding


def test_folding_ascii_text_skips_the_unicode_pass_and_folds_the_same() -> None:
    import unicodedata

    from icdkit.vocabulary import fold

    def plain(text: str) -> str:
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
        return re.sub(r"'s\b|'", "", text)

    texts = [r["text"] for r in dev_notes(1)]
    texts += ["Ménière's disease", "Crohn's", "O'Brien's", "ＣＫＤ", "naïve", "Sjögren's", "it's", "'s", ""]
    for text in texts:
        assert fold(text) == plain(text), text


def test_the_notes_are_coded_the_same_without_the_printable_words_shortcut(
        kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[bool] = []
    printable = mentions._printable

    def counted(*args: Any) -> bool:
        asked.append(printable(*args))
        return asked[-1]

    monkeypatch.setattr(mentions, "_printable", counted)
    same_without(kb, monkeypatch, lambda: monkeypatch.setattr(mentions, "_printable", lambda *a: True))
    assert asked.count(False) > 50  # searches no result could be kept from were not run


def test_every_document_is_among_those_printing_the_words_its_results_print(kb: KnowledgeBase) -> None:
    """The superset :mod:`icdkit.search.printable` promises, on every 40th document: the
    stems of its path, of its Table's heading, of its code's title and of the titles below it
    (as far as a complete 7th-character code) all name it."""
    from icdkit import codes
    from icdkit.search.printable import STOP_STEMS
    from icdkit.vocabulary import TABLE_HEADINGS, stem, words

    finder, _ = tools(kb)
    printable = finder.printable
    con = kb.connection()
    rows = con.execute("SELECT d.id, d.code, d.via, d.path, t.cells FROM search_docs d "
                       "LEFT JOIN index_terms t ON t.id = d.term "
                       "WHERE d.via != 'eindex' AND d.id % 40 = 0").fetchall()
    assert len(rows) > 3000
    printed = printable.every()

    def has(bits: Any, i: int) -> bool:  # np.packbits order: the first document the high bit
        return bool(bits[i >> 3] >> (7 - (i & 7)) & 1)

    for i, code, via, path, cells in rows:
        shown = [path, *TABLE_HEADINGS.get(via, ())]
        found = [codes.without_dash(c) for c in json.loads(cells) if c] if cells else [code]
        for c in found:
            at = kb.find(c)
            while at is not None:  # the code, and the first of each level below it
                shown.append(at.title)
                below = kb.children(at.code)
                at = below[-1] if below else None
        for s in {stem(w) for t in shown for w in words(t)} - STOP_STEMS:
            assert has(printable.docs(s), i), (s, path)
        assert has(printed, i)
    assert not printable.docs(stem("pneumonia")).all()
