"""The compiled phrase matcher (search/phrases.py) over the real FY2026 knowledge base: exact
phrases with their spans, folding, plurals, abbreviations, Table cues, whole words only, the
longest of overlapping phrases, the search's exact-phrase ranking, and the note coder asking
the full search only what no phrase decides."""

from __future__ import annotations

import numpy as np
import pytest

from icdkit.kb import KnowledgeBase
from icdkit.notes import code_note
from icdkit.notes.coder import tools
from icdkit.search.engine import Searcher
from icdkit.search.phrases import Hit, Phrases, longest
from icdkit.vocabulary import phrase_key, query_words, stem


@pytest.fixture(scope="module")
def searcher(kb: KnowledgeBase) -> Searcher:
    return Searcher(kb, kb.connection())


@pytest.fixture(scope="module")
def phrases(searcher: Searcher) -> Phrases:
    return searcher.phrases


def spans(phrases: Phrases, text: str) -> list[str]:
    ws = query_words(text)
    return [" ".join(ws[h.start:h.end]) for h in longest(phrases.scan(ws))]


def test_the_build_stores_each_documents_required_words_as_its_key(kb: KnowledgeBase,
                                                                   phrases: Phrases) -> None:
    docs = phrases.docs([stem("acute"), stem("bronchitis")])
    codes = {c for (c,) in kb.connection().execute(
        f"SELECT code FROM search_docs WHERE id IN ({','.join(map(str, docs.tolist()))})")}
    assert "J20.9" in codes
    assert len(phrases) > 100_000
    assert not len(phrases.docs([stem("bronchitis"), stem("winter")]))


def test_exact_phrases_are_found_with_their_spans(phrases: Phrases) -> None:
    ws = query_words("Essential hypertension and acute bronchitis")
    hits = phrases.scan(ws)
    assert Hit(3, 5) in hits  # 'acute bronchitis': positions in the words scanned
    assert Hit(4, 5) in hits  # 'bronchitis' alone is a phrase too
    assert [(h.start, h.end) for h in longest(hits)] == [(1, 2), (3, 5)]


def test_word_order_case_accents_and_plurals_are_folded(phrases: Phrases) -> None:
    assert spans(phrases, "Bronchitis, ACUTE") == ["bronchitis acute"]
    assert spans(phrases, "Fractures of the femurs") == ["fractures of the femurs"]
    assert spans(phrases, "Ménière's disease") == ["meniere disease"]


def test_abbreviations_are_rewritten_and_said_so(phrases: Phrases) -> None:
    ws = query_words("HTN, CKD stage 3a")
    hits = longest(phrases.scan(ws))
    found = [(" ".join(ws[h.start:h.end]), h.rewritten) for h in hits]
    assert found == [("htn", True), ("ckd stage 3a", True)]


def test_a_table_row_is_named_with_the_word_asking_for_its_column(phrases: Phrases) -> None:
    assert spans(phrases, "colon cancer") == ["colon cancer"]


def test_no_phrase_is_found_inside_a_longer_word(phrases: Phrases) -> None:
    assert spans(phrases, "hypertensive") == ["hypertensive"]
    assert spans(phrases, "antihypertensive") == []
    assert spans(phrases, "continue antihypertensive regimen") == []


def test_overlapping_phrases_resolve_longest_first() -> None:
    hits = [Hit(0, 1), Hit(0, 2), Hit(1, 4), Hit(2, 3), Hit(4, 5)]
    assert [(h.start, h.end) for h in longest(hits)] == [(0, 1), (1, 4), (4, 5)]


def test_phrase_ranking_agrees_with_the_full_search(searcher: Searcher) -> None:
    for query in ("acute bronchitis", "type 2 diabetes", "colon cancer", "htn", "lateral epicondylitis",
                  "hashimoto thyroiditis", "ckd stage 3a"):
        exact = searcher.phrase(query, limit=3)
        assert exact, query
        assert exact[0].code == searcher.search(query, limit=3)[0].code, query
    assert searcher.phrase("acute bronchitis in winter") is None  # 'winter': no phrase
    assert searcher.phrase("panic disorder without agoraphobia") is None  # order decides 'without'
    assert searcher.phrase("M54.2") is None  # a code is the search's own answer


def test_phrase_keys_are_order_free_and_distinct() -> None:
    assert phrase_key(["femur", "fractur", "femur"]) == phrase_key(["fractur", "femur"]) == "femur fractur"


def test_the_full_pass_scores_only_what_it_touches_and_leaves_its_vectors_clean(searcher: Searcher) -> None:
    first = [(r.code, r.score) for r in searcher.search("displaced fracture of shaft of left femur")]
    searcher.search("adverse effect of penicillin")  # a Table cue touches every drug row
    assert all(not v.any() for v in searcher._vectors())
    assert [(r.code, r.score) for r in searcher.search("displaced fracture of shaft of left femur")] == first
    assert np.isclose(first[0][1], searcher.search("displaced fracture of shaft of left femur")[0].score)


def test_the_note_coder_asks_the_full_search_only_what_no_phrase_decides(kb: KnowledgeBase) -> None:
    finder, _ = tools(kb)
    calls: list[str] = []
    full = finder.searcher.search

    def counting(query: str, **kw: object) -> object:
        calls.append(query)
        return full(query, **kw)  # type: ignore[arg-type]

    finder.searcher.search = counting  # type: ignore[method-assign]
    try:
        r = code_note("Assessment: Acute bronchitis. Plan: recheck in two weeks.", kb=kb)
        assert r.code_list == ["J20.9"]
        assert calls == []  # 'acute bronchitis' is a phrase; the plan names none
        r = code_note("Assessment: Obesity, BMI 34.", kb=kb)
        assert "Z68.34" in r.code_list  # a number within a printed range: the full search's
        assert calls
    finally:
        del finder.searcher.search


def test_a_floor_keeps_every_result_scoring_above_it_plus_the_rankings_raise(searcher: Searcher) -> None:
    from icdkit.search.engine import MAX_RAISE

    for query in ("type 2 diabetes with ckd stage 3", "displaced fracture of shaft of left femur",
                  "migraine without aura intractable", "bmi 34"):
        full = [(r.code, r.score) for r in searcher.search(query, limit=6, pool=40)]
        kept = [(r.code, r.score) for r in searcher.search(query, limit=6, pool=40, floor=0.4)]
        strong = [x for x in full if x[1] >= 0.4 + MAX_RAISE]
        assert strong and [x for x in kept if x[1] >= 0.4 + MAX_RAISE] == strong, query
