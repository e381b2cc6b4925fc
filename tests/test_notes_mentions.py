"""Diagnosis mentions found through the search layer: Index paths, titles, abbreviations,
the Drug and Neoplasm Tables, and what is not taken for a diagnosis."""

from __future__ import annotations

import pytest

from icdkit import KnowledgeBase
from icdkit.notes.mentions import Finder, find


@pytest.fixture(scope="module")
def finder(kb: KnowledgeBase) -> Finder:
    return Finder(kb)


def got(finder: Finder, text: str) -> list[tuple[str, str, str]]:
    return [(m.code, m.text, m.assertion.category) for m in find(finder, text, 0, "assessment_plan", 1)]


def test_list_items_each_give_their_code(finder: Finder) -> None:
    assert got(finder, "Hypertension, hyperlipidemia, obesity") == [
        ("I10", "Hypertension", "present"), ("E78.5", "hyperlipidemia", "present"),
        ("E66.9", "obesity", "present")]


def test_abbreviations_and_index_paths(finder: Finder) -> None:
    ms = find(finder, "CKD stage 3a", 0, "assessment_plan", 1)
    assert [m.code for m in ms] == ["N18.31"]
    assert ms[0].result.matched.path == "Disease, diseased › kidney › chronic › stage 3a"


def test_two_conditions_joined_by_with_are_both_found(finder: Finder) -> None:
    codes = [c for c, _, _ in got(finder, "Hypertension with chronic kidney disease stage 3")]
    assert codes == ["I10", "N18.30"]  # N18.30 alone leaves hypertension out


def test_qualifying_clauses_are_joined(finder: Finder) -> None:
    assert got(finder, "Major depressive disorder, recurrent, moderate")[0][0] == "F33.1"


def test_drug_table_needs_an_intent_word(finder: Finder) -> None:
    found = got(finder, "Hypotension due to adverse effect of lisinopril")
    assert [c for c, _, _ in found] == ["I95.9", "T46.4X5A"]  # search completes the 7th character
    assert got(finder, "Continue lisinopril 10 mg daily") == []


def test_neoplasm_codes_need_a_neoplasm_word(finder: Finder) -> None:
    assert got(finder, "Breast cancer")[0][0] == "C50.919"
    assert all(not c.startswith("C") for c, _, _ in got(finder, "Pneumonia, right lower lobe"))


def test_evidence_offsets_and_assertion(finder: Finder) -> None:
    text = "Denies fever but has a cough."
    ms = find(finder, text, 10, "hpi", 2)
    assert [(m.code, m.assertion.category, m.assertion.trigger) for m in ms] == [
        ("R50.9", "negated", "Denies"), ("R05.9", "present", None)]
    assert [(m.start, m.end) for m in ms] == [(17, 22), (33, 38)]


def test_a_main_term_word_without_its_essential_modifiers_names_nothing(finder: Finder) -> None:
    # 'Functioning, intellectual, borderline' (R41.83) and 'Tenderness, abdominal' (R10.819):
    # the words after the commas are essential modifiers (only parentheses enclose nonessential ones)
    assert "R41.83" not in [c for c, _, _ in got(finder, "ICD in situ, functioning normally")]
    assert "R10.819" not in [c for c, _, _ in got(finder, "scalp tenderness")]
    assert got(finder, "Abdominal tenderness")[0][0] == "R10.819"
    # a comma part in the term's other form ('Disease, diseased') is no modifier
    assert got(finder, "Hypertension")[0][0] == "I10"


def test_a_sites_adjective_reads_as_the_site(finder: Finder) -> None:
    # 'osseous' is the Neoplasm Table's 'bone' (as 'renal' is 'kidney'): C79.51, not C79.9
    assert got(finder, "osseous mets")[0][0] == "C79.51"
