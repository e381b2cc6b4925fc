"""Reading a note: sections by title, sentences and list items, clauses, offsets into the note."""

from __future__ import annotations

import pytest

from icdkit.notes.sections import RuleDataError, load_kinds, split_sections
from icdkit.notes.sentences import clauses, units

NOTE = """CC: cough
HPI: 64 yo man seen by Dr. Smith. K 3.5 today. Denies fever.
PMH: HTN, DM2
FAMILY HISTORY: Mother had breast cancer.
ASSESSMENT AND PLAN
1. Acute bronchitis; albuterol.
2. Type 2 diabetes with CKD stage 3a, on insulin
- Hypertension and hyperlipidemia
"""


def test_sections_by_title_with_offsets() -> None:
    secs = split_sections(NOTE)
    assert [s.name for s in secs] == ["chief_complaint", "hpi", "past_history", "family_history",
                                      "assessment_plan"]
    ap = secs[-1]
    assert ap.title == "ASSESSMENT AND PLAN" and ap.rank == 1
    assert NOTE[ap.start:ap.end].strip().startswith("1. Acute bronchitis")
    assert NOTE[secs[2].start:secs[2].end].strip() == "HTN, DM2"


def test_preamble_and_title_not_at_line_start() -> None:
    text = "Seen today for a cough. The plan is rest."
    secs = split_sections(text)
    assert [(s.name, s.start, s.end) for s in secs] == [("preamble", 0, len(text))]


def test_sentences_keep_numbers_abbreviations_and_list_items() -> None:
    secs = split_sections(NOTE)
    hpi = [u.text for u in units(NOTE, secs[1].start, secs[1].end)]
    assert hpi == ["64 yo man seen by Dr. Smith.", "K 3.5 today.", "Denies fever."]
    ap = units(NOTE, secs[-1].start, secs[-1].end)
    assert [u.text for u in ap] == ["1. Acute bronchitis; albuterol.",
                                    "2. Type 2 diabetes with CKD stage 3a, on insulin",
                                    "- Hypertension and hyperlipidemia"]
    for u in ap:
        assert NOTE[u.start:u.end] == u.text


def test_clauses_cut_at_semicolons_commas_and_and_but_not_with() -> None:
    secs = split_sections(NOTE)
    ap = units(NOTE, secs[-1].start, secs[-1].end)
    got = [[c.text for c in clauses(u)] for u in ap]
    assert got == [["Acute bronchitis", "albuterol"], ["Type 2 diabetes with CKD stage 3a", "on insulin"],
                   ["Hypertension", "hyperlipidemia"]]
    c = clauses(ap[1])[0]
    assert NOTE[c.start:c.end] == c.text


@pytest.mark.parametrize("bad", [
    {"sections": []},
    {"source": "x", "sections": [{"name": "a", "rank": 1}]},
    {"source": "x", "sections": [{"name": "a", "rank": 1, "titles": ["x"], "extra": 1}]},
    {"source": "x", "sections": [{"name": "a", "rank": 9, "titles": ["x"]}]},
    {"source": "x", "sections": [{"name": "a", "rank": 1, "titles": ["x"]},
                                 {"name": "b", "rank": 1, "titles": ["X"]}]},
])
def test_section_titles_are_validated(bad: object) -> None:
    with pytest.raises(RuleDataError):
        load_kinds(bad)


def test_discharge_diagnoses_abbreviated_are_the_assessment() -> None:
    text = "69M admitted for weakness.\nD/c dx:\n1. Transient ischemic attack"
    names = [s.name for s in split_sections(text)]
    assert names == ["preamble", "assessment_plan"]
