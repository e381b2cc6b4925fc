"""A Use additional code note that asks for the stage (I12.9: 'to identify the stage of chronic
kidney disease (N18.1-N18.4, N18.9)'): the stage the condition's own list item states is coded
(Guidelines I.A.13, I.C.9.a.2). Notes written for these tests."""

from __future__ import annotations

from icdkit import KnowledgeBase
from icdkit.notes import code_note


def test_the_stated_stage_is_added(kb: KnowledgeBase) -> None:
    r = code_note("A/P: Hypertensive chronic kidney disease, stage 3b. Continue losartan.", kb=kb)
    assert r.code_list == ["I12.9", "N18.32"]
    assert "I.A.13" in r.codes[1].rules[0]


def test_the_stage_is_read_from_its_own_item_of_a_list(kb: KnowledgeBase) -> None:
    r = code_note("Discharge diagnoses: pneumonia of the left lower lobe; hypertensive chronic kidney "
                  "disease, stage 2; anemia.", kb=kb, setting="inpatient")
    assert "I12.9" in r.code_list and "N18.2" in r.code_list
